"""Who reaches which page: other organisations' people are not found, inspectors never write,
commissioners never see a person, and POST-only endpoints refuse GET."""

from typing import Any

from django.urls import reverse

from seamline.audit.models import AuditEntry
from seamline.network import actions
from seamline.network.choices import OrgStatus, Role
from seamline.network.models import (
    DecisionRight,
    Membership,
    Organisation,
    RaciAssignment,
    User,
)
from seamline.testing import CastTestCase, make_user

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


class CrossOrganisationTests(CastTestCase):
    """river_admin asks for SwiftStaff's private records: 404, nothing about them in the body."""

    nurse: User

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.nurse = make_user(
            "swift_nurse",
            cls.cast.swift,
            [Role.WORKER],
            first_name="Sunniva",
            last_name="Okonkwo-Hale",
        )

    def setUp(self):
        self.client.force_login(self.cast.river_admin)

    def assert_hidden(self, response):
        self.assertEqual(response.status_code, 404)
        body = response.content.decode()
        for secret in (
            "Sunniva",
            "Okonkwo-Hale",
            "swift_nurse",
            "swift_nurse@example.org",
            "swift_worker",
        ):
            self.assertNotIn(secret, body)

    def test_staff_list_page_fragment_and_export(self):
        url = "/network/organisations/swiftstaff/people/"
        self.assert_hidden(self.client.get(url))
        self.assert_hidden(self.client.get(url, {"q": "Sunniva"}, **HTMX))
        self.assert_hidden(self.client.get(url, {"format": "csv"}))

    def test_person_pages(self):
        person = self.nurse.uuid
        for url in (
            f"/network/people/{person}/",
            f"/network/people/{person}/edit/",
            f"/network/people/{person}/roles/grant/",
            f"/network/people/{person}/roles/worker/revoke/",
            f"/network/people/{person}/leave/",
        ):
            with self.subTest(url=url):
                self.assert_hidden(self.client.get(url))
                self.assert_hidden(self.client.get(url, **HTMX))

    def test_writes_to_another_organisations_person_are_not_found_and_change_nothing(self):
        person = self.nurse.uuid
        response = self.client.post(f"/network/people/{person}/leave/", {"reason": "tidy up"})
        self.assert_hidden(response)
        response = self.client.post(
            f"/network/people/{person}/roles/worker/revoke/", {"reason": "tidy up"}
        )
        self.assert_hidden(response)
        self.assertTrue(Membership.objects.current().filter(user=self.nurse).exists())
        self.assertEqual(self.cast.actor(self.nurse).roles, {Role.WORKER})

    def test_adding_people_to_another_organisation_is_not_found(self):
        response = self.client.get("/network/organisations/swiftstaff/people/new/")
        self.assertEqual(response.status_code, 404)

    def test_refusals_are_written_to_the_audit_log(self):
        self.client.get(f"/network/people/{self.nurse.uuid}/")
        refused = AuditEntry.objects.filter(action="access.refused", actor_label="river_admin")
        self.assertTrue(refused.exists())
        self.assertFalse(
            AuditEntry.objects.filter(action="person.read", actor_label="river_admin").exists()
        )

    def test_a_worker_does_not_see_the_staff_list_of_their_own_organisation(self):
        self.client.force_login(self.cast.river_worker)
        response = self.client.get("/network/organisations/riverside/people/")
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "river_supervisor", status_code=404)

    def test_visible_but_not_yours_to_change_is_403(self):
        response = self.client.get("/network/organisations/swiftstaff/edit/")
        self.assertEqual(response.status_code, 403)
        response = self.client.get("/network/organisations/new/")
        self.assertEqual(response.status_code, 403)
        response = self.client.get("/network/pathways/discharge/edit/")
        self.assertEqual(response.status_code, 403)
        response = self.client.get("/network/decision-rights/new/")
        self.assertEqual(response.status_code, 403)


class InspectorTests(CastTestCase):
    """Inspectors read; every POST to a page is refused with 403 and changes nothing."""

    entry: RaciAssignment
    right: DecisionRight

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        entry = RaciAssignment.objects.filter(step__pathway=cls.cast.discharge).first()
        right = DecisionRight.objects.first()
        assert entry is not None and right is not None
        cls.entry, cls.right = entry, right

    def post_urls(self):
        worker = str(self.cast.river_worker.uuid)
        return [
            reverse("network:account_token_issue"),
            reverse("network:account_token_revoke", args=["abcd1234"]),
            reverse("network:organisation_new"),
            reverse("network:organisation_edit", args=["riverside"]),
            reverse("network:organisation_status", args=["riverside"]),
            reverse("network:person_new", args=["riverside"]),
            reverse("network:person_edit", args=[worker]),
            reverse("network:person_role_grant", args=[worker]),
            reverse("network:person_role_revoke", args=[worker, "worker"]),
            reverse("network:person_leave", args=[worker]),
            reverse("network:pathway_new"),
            reverse("network:pathway_edit", args=["discharge"]),
            reverse("network:step_new", args=["discharge"]),
            reverse("network:step_edit", args=["discharge", "step-1"]),
            reverse("network:step_move", args=["discharge", "step-1"]),
            reverse("network:step_raci_add", args=["discharge", "step-1"]),
            reverse("network:raci_remove", args=["discharge", str(self.entry.uuid)]),
            reverse("network:decision_right_new"),
            reverse("network:decision_right_remove", args=[str(self.right.uuid)]),
            reverse("network:settings"),
            reverse("audit:chain"),
        ]

    def test_every_post_is_refused(self):
        self.client.force_login(self.cast.inspector)
        before = AuditEntry.objects.exclude(action__startswith="auth.").count()
        for url in self.post_urls():
            with self.subTest(url=url):
                response = self.client.post(
                    url, {"reason": "inspecting", "name": "x", "version": "1", "direction": "down"}
                )
                self.assertEqual(response.status_code, 403)
                self.assertContains(response, "read-only", status_code=403)
        after = AuditEntry.objects.exclude(action__startswith="auth.").count()
        self.assertEqual(before, after)
        self.assertEqual(self.cast.discharge.steps.get(code="step-1").position, 1)

    def test_inspector_pages_offer_no_change(self):
        self.client.force_login(self.cast.inspector)
        response = self.client.get("/network/organisations/riverside/")
        self.assertNotContains(response, "Edit details")
        self.assertNotContains(response, "Change status")
        response = self.client.get("/network/pathways/discharge/")
        self.assertNotContains(response, "Add a step")
        response = self.client.get("/")
        self.assertContains(response, "Read-only access")
        self.assertContains(response, "Your access ends")


class CommissionerTests(CastTestCase):
    """Commissioners see aggregates: never a person's name, even in histories."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        admin = cls.cast.actor(cls.cast.net_admin)
        actions.change_organisation_status(
            admin, cls.cast.swift, OrgStatus.SUSPENDED, reason="Lapsed insurance"
        )
        discharge = cls.cast.discharge
        actions.update_pathway(
            admin,
            discharge,
            {"description": "From ward to home"},
            version=discharge.version,
            reason="Clearer scope",
        )
        actions.update_network_settings(
            admin, {"expiring_days": 40}, version=cls.cast.network.version, reason="More notice"
        )

    def names_of_others(self):
        # Usernames such as "inspector" are also role words, so only the distinctive ones count.
        return [
            value
            for user in User.objects.exclude(pk=self.cast.commissioner.pk)
            for value in (user.display_name, user.email, user.username)
            if value != user.username or "_" in value
        ]

    def test_no_page_the_commissioner_opens_names_a_person(self):
        self.client.force_login(self.cast.commissioner)
        urls = [
            "/",
            "/network/organisations/",
            "/network/organisations/?format=csv",
            "/network/pathways/",
            "/network/pathways/discharge/",
            "/network/pathways/discharge/history/",
            "/network/settings/",
            "/network/decision-rights/",
        ] + [f"/network/organisations/{o.code}/" for o in Organisation.objects.all()]
        for url in urls:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                body = response.content.decode()
                for name in self.names_of_others():
                    self.assertNotIn(name, body)

    def test_history_pages_still_say_why_without_saying_who(self):
        self.client.force_login(self.cast.commissioner)
        self.assertContains(
            self.client.get("/network/organisations/swiftstaff/"), "Lapsed insurance"
        )
        self.assertContains(
            self.client.get("/network/pathways/discharge/history/"), "Clearer scope"
        )
        self.assertContains(self.client.get("/network/settings/"), "More notice")

    def test_people_and_audit_pages_are_not_found(self):
        self.client.force_login(self.cast.commissioner)
        for url in (
            "/network/organisations/icb/people/",
            "/network/organisations/riverside/people/",
            f"/network/people/{self.cast.river_worker.uuid}/",
            "/audit/",
            "/audit/chain/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_small_counts_are_suppressed_on_the_home_page(self):
        self.client.force_login(self.cast.commissioner)
        response = self.client.get("/")
        self.assertContains(response, "fewer than 5 pathways")
        self.assertNotContains(response, "Riverside Home Support")


class MethodTests(CastTestCase):
    def test_post_only_endpoints_refuse_get(self):
        self.client.force_login(self.cast.net_admin)
        entry = RaciAssignment.objects.first()
        assert entry is not None
        for url in (
            reverse("network:account_token_issue"),
            reverse("network:account_token_revoke", args=["abcd1234"]),
            reverse("network:step_move", args=["discharge", "step-1"]),
            reverse("network:raci_remove", args=["discharge", str(entry.uuid)]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 405)
