"""Every page renders (200) for each role that may see it."""

from seamline.testing import CastTestCase

EVERYONE = [
    "net_admin",
    "quality",
    "prime_worker",
    "river_admin",
    "river_supervisor",
    "river_coordinator",
    "river_scheduler",
    "river_worker",
    "swift_admin",
    "swift_worker",
    "commissioner",
    "inspector",
]
MEMBERS = [name for name in EVERYONE if name != "commissioner"]


class PagesRenderTests(CastTestCase):
    def assert_renders(self, users, url, marker):
        for name in users:
            with self.subTest(user=name, url=url):
                self.client.force_login(self.cast[name])
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, marker)

    def test_home(self):
        self.assert_renders(EVERYONE, "/", "<h1>")

    def test_account(self):
        self.assert_renders(EVERYONE, "/network/account/", "API tokens")

    def test_organisations(self):
        self.assert_renders(EVERYONE, "/network/organisations/", "Riverside Home Support")
        self.assert_renders(EVERYONE, "/network/organisations/riverside/", "Status history")

    def test_pathways(self):
        self.assert_renders(EVERYONE, "/network/pathways/", "Hospital discharge to community")
        self.assert_renders(EVERYONE, "/network/pathways/discharge/", "Steps and RACI")
        self.assert_renders(EVERYONE, "/network/pathways/discharge/history/", "History")

    def test_decision_rights_and_settings(self):
        self.assert_renders(MEMBERS, "/network/decision-rights/", "The map")
        self.assert_renders(EVERYONE, "/network/settings/", "Small-number threshold")

    def test_people_of_own_organisation(self):
        self.assert_renders(
            ["net_admin", "quality", "inspector"],
            "/network/organisations/swiftstaff/people/",
            "swift_worker",
        )
        self.assert_renders(
            ["river_admin", "river_supervisor", "river_coordinator", "river_scheduler"],
            "/network/organisations/riverside/people/",
            "river_worker",
        )

    def test_person(self):
        url = f"/network/people/{self.cast.river_worker.uuid}/"
        self.assert_renders(
            ["net_admin", "quality", "inspector", "river_admin", "river_supervisor"],
            url,
            "river_worker",
        )

    def test_admin_forms(self):
        self.assert_renders(["net_admin"], "/network/organisations/new/", "Add an organisation")
        self.assert_renders(
            ["net_admin", "river_admin"], "/network/organisations/riverside/edit/", "Edit Riverside"
        )
        self.assert_renders(
            ["net_admin"], "/network/organisations/riverside/status/", "Change the status"
        )
        self.assert_renders(
            ["net_admin", "river_admin"],
            "/network/organisations/riverside/people/new/",
            "Add a person",
        )
        worker = self.cast.river_worker.uuid
        self.assert_renders(["net_admin", "river_admin"], f"/network/people/{worker}/edit/", "Edit")
        self.assert_renders(
            ["net_admin", "river_admin"], f"/network/people/{worker}/roles/grant/", "Grant a role"
        )
        self.assert_renders(
            ["net_admin", "river_admin"], f"/network/people/{worker}/roles/worker/revoke/", "Remove"
        )
        self.assert_renders(
            ["net_admin", "river_admin"], f"/network/people/{worker}/leave/", "leaves"
        )
        self.assert_renders(["net_admin", "quality"], "/network/pathways/new/", "Add a pathway")
        self.assert_renders(
            ["net_admin", "quality"], "/network/pathways/discharge/edit/", "Edit Hospital"
        )
        self.assert_renders(
            ["net_admin", "quality"], "/network/pathways/discharge/steps/new/", "Add a step"
        )
        self.assert_renders(
            ["net_admin", "quality"], "/network/pathways/discharge/steps/step-1/edit/", "Edit step"
        )
        self.assert_renders(
            ["net_admin", "quality"], "/network/pathways/discharge/steps/step-1/raci/", "RACI of"
        )
        self.assert_renders(["net_admin"], "/network/decision-rights/new/", "Add a decision right")

    def test_audit(self):
        self.assert_renders(
            ["net_admin", "quality", "inspector", "river_admin", "swift_admin"],
            "/audit/",
            "Audit log",
        )
        self.assert_renders(
            ["net_admin", "quality", "inspector", "river_admin"],
            "/audit/chain/",
            "Head of the chain",
        )
