"""My account page and API tokens."""

from seamline.network.actions import hash_key
from seamline.network.models import ApiToken
from seamline.testing import CastTestCase


class AccountTests(CastTestCase):
    def setUp(self):
        self.client.force_login(self.cast.river_scheduler)

    def test_shows_my_details_organisation_and_roles(self):
        response = self.client.get("/network/account/")
        self.assertContains(response, "river_scheduler@example.org")
        self.assertContains(response, "Riverside Home Support")
        self.assertContains(response, "Scheduler / rota coordinator")
        self.assertContains(response, "/accounts/password/")

    def test_issue_shows_the_key_once_and_stores_only_its_hash(self):
        response = self.client.post("/network/account/tokens/", {"name": "Rota sync", "days": "30"})
        self.assertEqual(response.status_code, 200)
        key = response.context["new_key"]
        self.assertTrue(key.startswith("sl_"))
        self.assertContains(response, key)
        self.assertContains(response, 'data-copy="#new-token-key"')
        token = ApiToken.objects.get(user=self.cast.river_scheduler)
        self.assertEqual((token.name, token.key_hash), ("Rota sync", hash_key(key)))
        again = self.client.get("/network/account/")
        self.assertNotContains(again, key)
        self.assertContains(again, f"sl_{token.prefix}")

    def test_a_token_without_a_name_is_a_form_error(self):
        response = self.client.post("/network/account/tokens/", {"name": "", "days": "30"})
        self.assertEqual(response.status_code, 422)
        self.assertTrue(response.context["form"].has_error("name"))
        self.assertFalse(ApiToken.objects.exists())

    def test_revoke_my_token(self):
        self.client.post("/network/account/tokens/", {"name": "Rota sync"})
        token = ApiToken.objects.get()
        response = self.client.post(f"/network/account/tokens/{token.prefix}/revoke/")
        self.assertRedirects(response, "/network/account/")
        token.refresh_from_db()
        self.assertIsNotNone(token.revoked_at)

    def test_someone_elses_token_is_not_found(self):
        self.client.post("/network/account/tokens/", {"name": "Rota sync"})
        token = ApiToken.objects.get()
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(f"/network/account/tokens/{token.prefix}/revoke/")
        self.assertEqual(response.status_code, 404)
        token.refresh_from_db()
        self.assertIsNone(token.revoked_at)
