from django.test import TestCase

from seamline.testing import PASSWORD, CastTestCase


class SignInTests(CastTestCase):
    def test_member_signs_in_and_reaches_home(self):
        response = self.client.post(
            "/accounts/login/", {"username": "river_admin", "password": PASSWORD}
        )
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_anonymous_is_sent_to_sign_in(self):
        response = self.client.get("/network/account/")
        self.assertRedirects(
            response, "/accounts/login/?next=/network/account/", fetch_redirect_response=False
        )


class HtmxSessionEndTests(TestCase):
    def test_htmx_request_without_session_redirects_the_whole_page(self):
        response = self.client.get("/network/organisations/", HTTP_HX_REQUEST="true")
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response["HX-Redirect"], "/accounts/login/?next=/network/organisations/")
