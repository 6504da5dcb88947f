"""People over the API: private staff lists, adding people, roles, leaving; reads audited."""

from datetime import timedelta

from django.utils import timezone

from seamline.audit.models import AuditEntry, EntryKind
from seamline.network.choices import Role
from seamline.network.models import Membership, RoleGrant, User
from seamline.testing import PASSWORD, make_user

from .api_support import ApiTestCase

NEW_PERSON = {
    "username": "river_nurse",
    "first_name": "Ada",
    "last_name": "Okafor",
    "email": "ada.okafor@riverside.example.org",
    "password": PASSWORD,
    "roles": ["worker"],
    "job_title": "Community nurse",
    "reason": "Starts Monday.",
}


class PeopleListTests(ApiTestCase):
    def test_partner_admin_lists_own_people(self):
        body = self.assertStatus(
            self.get("river_admin", "/api/organisations/riverside/people"), 200
        )
        self.assertEqual(body["count"], 5)
        usernames = {p["username"] for p in body["items"]}
        self.assertEqual(
            usernames,
            {
                "river_admin",
                "river_supervisor",
                "river_coordinator",
                "river_scheduler",
                "river_worker",
            },
        )
        worker = next(p for p in body["items"] if p["username"] == "river_worker")
        self.assertEqual(worker["uuid"], str(self.cast.river_worker.uuid))
        self.assertEqual(worker["organisation"], "riverside")
        self.assertEqual([r["role"] for r in worker["roles"]], ["worker"])
        self.assertNotIn("password", worker)
        self.assertNotIn("id", worker)

    def test_entitled_readers(self):
        for who in ("river_supervisor", "net_admin", "quality", "inspector"):
            with self.subTest(who=who):
                body = self.get(who, "/api/organisations/riverside/people").json()
                self.assertEqual(body["count"], 5)

    def test_other_organisations_and_unentitled_roles_get_404(self):
        for who in ("swift_admin", "river_worker", "commissioner", "prime_worker"):
            with self.subTest(who=who):
                self.assertNotFound(self.get(who, "/api/organisations/riverside/people"))

    def test_leavers_are_not_listed(self):
        Membership.objects.filter(user=self.cast.river_worker).update(
            ended_at=timezone.now(), ended_reason="Left."
        )
        body = self.get("river_admin", "/api/organisations/riverside/people").json()
        self.assertNotIn("river_worker", {p["username"] for p in body["items"]})

    def test_queries_do_not_grow_with_rows(self):
        url = "/api/organisations/riverside/people"
        few = self.count_queries("river_admin", url)
        for i in range(15):
            make_user(f"carer_{i:02d}", self.cast.riverside, [Role.WORKER, Role.COORDINATOR])
        with self.assertNumQueries(few):
            body = self.assertStatus(self.get("river_admin", url), 200)
        self.assertEqual(body["count"], 20)


class AddPersonTests(ApiTestCase):
    url = "/api/organisations/riverside/people"

    def test_partner_admin_adds_a_person(self):
        body = self.assertStatus(self.post("river_admin", self.url, NEW_PERSON), 201)
        self.assertEqual(body["username"], "river_nurse")
        self.assertEqual(body["organisation"], "riverside")
        self.assertEqual([r["role"] for r in body["roles"]], ["worker"])
        self.assertNotIn("password", body)
        person = User.objects.get(username="river_nurse")
        self.assertTrue(person.check_password(PASSWORD))
        entry = self.latest_entry("person.add")
        self.assertEqual(entry.object_id, str(person.uuid))
        self.assertEqual(entry.object_organisation_code, "riverside")
        self.assertNotIn(PASSWORD, str(entry.changes))

    def test_another_organisation_is_404(self):
        self.assertNotFound(self.post("swift_admin", self.url, NEW_PERSON))
        self.assertFalse(User.objects.filter(username="river_nurse").exists())

    def test_seeing_is_not_managing_403(self):
        for who in ("river_supervisor", "inspector"):
            with self.subTest(who=who):
                self.assertStatus(self.post(who, self.url, NEW_PERSON), 403)
        self.assertFalse(User.objects.filter(username="river_nurse").exists())

    def test_weak_password_is_422_naming_password(self):
        response = self.post("river_admin", self.url, {**NEW_PERSON, "password": "password123"})
        self.assertFieldError(response, "password")
        self.assertFalse(User.objects.filter(username="river_nurse").exists())

    def test_partner_admin_cannot_make_a_network_admin(self):
        response = self.post("river_admin", self.url, {**NEW_PERSON, "roles": ["network_admin"]})
        self.assertFieldError(response, "role")

    def test_taken_username_is_422(self):
        response = self.post("river_admin", self.url, {**NEW_PERSON, "username": "river_worker"})
        self.assertFieldError(response, "username")

    def test_unknown_role_is_422(self):
        response = self.post("river_admin", self.url, {**NEW_PERSON, "roles": ["wizard"]})
        self.assertFieldError(response, "roles.0")


class PersonReadTests(ApiTestCase):
    def test_read_is_written_to_the_log(self):
        url = f"/api/people/{self.cast.river_worker.uuid}"
        body = self.assertStatus(self.get("river_admin", url), 200)
        self.assertEqual(body["email"], "river_worker@example.org")
        entry = self.latest_entry("person.read")
        self.assertEqual(entry.kind, EntryKind.READ)
        self.assertEqual(entry.actor_label, "river_admin")
        self.assertEqual(entry.object_id, str(self.cast.river_worker.uuid))
        self.assertEqual(entry.object_organisation_code, "riverside")

    def test_a_person_reads_themselves(self):
        url = f"/api/people/{self.cast.river_worker.uuid}"
        self.assertEqual(self.get("river_worker", url).json()["username"], "river_worker")

    def test_cross_organisation_is_404_without_personal_data(self):
        before = AuditEntry.objects.filter(action="person.read").count()
        url = f"/api/people/{self.cast.river_worker.uuid}"
        for who in ("swift_admin", "swift_worker", "prime_worker", "commissioner"):
            with self.subTest(who=who):
                response = self.get(who, url)
                self.assertNotFound(response)
                self.assertNotIn(b"river_worker", response.content)
        self.assertEqual(AuditEntry.objects.filter(action="person.read").count(), before)
        refused = self.latest_entry("access.refused")
        self.assertEqual(refused.object_label, "")

    def test_a_worker_does_not_read_colleagues(self):
        url = f"/api/people/{self.cast.river_supervisor.uuid}"
        self.assertNotFound(self.get("river_worker", url))

    def test_malformed_or_unknown_uuid_is_404(self):
        self.assertNotFound(self.get("net_admin", "/api/people/not-a-uuid"))
        self.assertNotFound(
            self.get("net_admin", "/api/people/00000000-0000-0000-0000-000000000000")
        )


class RoleTests(ApiTestCase):
    def url(self, person="river_worker"):
        return f"/api/people/{self.cast[person].uuid}/roles"

    def test_partner_admin_grants_a_role(self):
        response = self.post(
            "river_admin", self.url(), {"role": "coordinator", "reason": "Promoted."}
        )
        body = self.assertStatus(response, 201)
        self.assertEqual(body["role"], "coordinator")
        self.assertEqual(body["label"], "Care coordinator")
        self.assertTrue(
            RoleGrant.objects.filter(
                membership__user=self.cast.river_worker, role="coordinator", revoked_at=None
            ).exists()
        )
        entry = self.latest_entry("person.role.grant")
        self.assertEqual(entry.changes["role"], [None, "coordinator"])
        self.assertEqual(entry.reason, "Promoted.")

    def test_role_already_held_is_422(self):
        response = self.post("river_admin", self.url(), {"role": "worker", "reason": "Again."})
        body = self.assertFieldError(response, "role")
        self.assertIn("role_held", [r["code"] for r in body["reasons"]])

    def test_inspector_access_needs_an_end(self):
        response = self.post(
            "net_admin", self.url("prime_worker"), {"role": "inspector", "reason": "CQC visit."}
        )
        self.assertFieldError(response, "expires_at")
        ends = (timezone.now() + timedelta(days=5)).isoformat()
        response = self.post(
            "net_admin",
            self.url("prime_worker"),
            {"role": "inspector", "reason": "CQC visit.", "expires_at": ends},
        )
        self.assertStatus(response, 201)

    def test_missing_reason_is_422(self):
        self.assertFieldError(
            self.post("river_admin", self.url(), {"role": "coordinator"}), "reason"
        )

    def test_refusals(self):
        body = {"role": "coordinator", "reason": "Promoted."}
        self.assertNotFound(self.post("swift_admin", self.url(), body))
        self.assertStatus(self.post("river_supervisor", self.url(), body), 403)
        self.assertStatus(self.post("inspector", self.url(), body), 403)
        self.assertStatus(self.post(None, self.url(), body), 401)
        self.assertFalse(
            RoleGrant.objects.filter(
                membership__user=self.cast.river_worker, role="coordinator"
            ).exists()
        )

    def test_revoke_with_reason_in_query(self):
        url = f"{self.url('river_scheduler')}/scheduler?reason=Moved+to+admin+work."
        body = self.assertStatus(self.delete("river_admin", url), 200)
        self.assertEqual(body["role"], "scheduler")
        self.assertIsNotNone(body["revoked_at"])
        entry = self.latest_entry("person.role.revoke")
        self.assertEqual(entry.reason, "Moved to admin work.")
        self.assertEqual(entry.changes, {"role": ["scheduler", None]})

    def test_revoke_with_reason_in_body(self):
        url = f"{self.url('river_scheduler')}/scheduler"
        response = self.delete("river_admin", url, {"reason": "Moved to admin work."})
        self.assertStatus(response, 200)
        self.assertEqual(self.latest_entry("person.role.revoke").reason, "Moved to admin work.")

    def test_revoke_needs_a_reason(self):
        url = f"{self.url('river_scheduler')}/scheduler"
        self.assertFieldError(self.delete("river_admin", url), "reason")
        self.assertTrue(
            RoleGrant.objects.filter(
                membership__user=self.cast.river_scheduler, role="scheduler", revoked_at=None
            ).exists()
        )

    def test_revoke_role_not_held_is_422(self):
        url = f"{self.url('river_scheduler')}/supervisor?reason=Tidy."
        self.assertFieldError(self.delete("river_admin", url), "role")

    def test_revoke_unknown_role_is_422(self):
        url = f"{self.url('river_scheduler')}/wizard?reason=Tidy."
        self.assertFieldError(self.delete("river_admin", url), "role")

    def test_revoke_refusals(self):
        url = f"{self.url('river_scheduler')}/scheduler?reason=Tidy."
        self.assertNotFound(self.delete("swift_admin", url))
        self.assertStatus(self.delete("inspector", url), 403)
        # A coordinator sees their colleagues but does not manage their access.
        self.assertStatus(self.delete("river_coordinator", url), 403)


class LeaveTests(ApiTestCase):
    def url(self, person):
        return f"/api/people/{self.cast[person].uuid}/leave"

    def test_partner_admin_ends_a_membership(self):
        response = self.post("river_admin", self.url("river_worker"), {"reason": "Resigned."})
        body = self.assertStatus(response, 200)
        self.assertEqual(body["organisation"], "riverside")
        self.assertEqual(body["reason"], "Resigned.")
        self.assertFalse(Membership.objects.current().filter(user=self.cast.river_worker).exists())
        self.assertFalse(
            RoleGrant.objects.current().filter(membership__user=self.cast.river_worker).exists()
        )
        self.assertEqual(self.latest_entry("person.leave").reason, "Resigned.")
        # Gone from the organisation: the token they held no longer opens the API.
        self.assertStatus(self.get("river_worker", "/api/me"), 401)

    def test_nobody_removes_themselves(self):
        response = self.post("river_admin", self.url("river_admin"), {"reason": "Bye."})
        body = self.assertStatus(response, 422)
        self.assertEqual(body["reasons"][0]["code"], "self_lockout")

    def test_reason_required(self):
        body = self.assertStatus(self.post("river_admin", self.url("river_worker"), {}), 422)
        self.assertEqual(body["reasons"][0]["code"], "reason_required")

    def test_refusals(self):
        self.assertNotFound(self.post("swift_admin", self.url("river_worker"), {"reason": "x"}))
        self.assertStatus(self.post("inspector", self.url("river_worker"), {"reason": "x"}), 403)
        self.assertStatus(
            self.post("river_supervisor", self.url("river_worker"), {"reason": "x"}), 403
        )
        self.assertTrue(Membership.objects.current().filter(user=self.cast.river_worker).exists())
