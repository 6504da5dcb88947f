from django.test import TestCase

from seamline.testing import PASSWORD, build_cast


class SignInTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()

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
