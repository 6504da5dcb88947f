"""People pages: the private staff list, adding a person, a person's page and access changes."""

import csv
import io
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seamline.audit.models import AuditEntry, EntryKind
from seamline.network.choices import Role
from seamline.network.models import Membership, RoleGrant, User
from seamline.testing import PASSWORD, CastTestCase, make_user

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


class StaffListTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_user(
            "river_nurse", cls.cast.riverside, [Role.WORKER], first_name="Amara", last_name="Okafor"
        )

    def setUp(self):
        self.client.force_login(self.cast.river_admin)

    def listed(self, **params):
        response = self.client.get("/network/organisations/riverside/people/", params)
        self.assertEqual(response.status_code, 200)
        return sorted(person.username for person, _m, _roles in response.context["rows"])

    def test_lists_current_members_with_filters(self):
        self.assertEqual(
            self.listed(),
            [
                "river_admin",
                "river_coordinator",
                "river_nurse",
                "river_scheduler",
                "river_supervisor",
                "river_worker",
            ],
        )
        self.assertEqual(self.listed(role="worker"), ["river_nurse", "river_worker"])
        self.assertEqual(self.listed(q="okafor"), ["river_nurse"])
        self.assertEqual(self.listed(role="supervisor", q="okafor"), [])

    def test_leavers_are_not_listed(self):
        Membership.objects.filter(user__username="river_nurse").update(ended_at=timezone.now())
        self.assertNotIn("river_nurse", self.listed())

    def test_htmx_fragment(self):
        response = self.client.get(
            "/network/organisations/riverside/people/", {"q": "okafor"}, **HTMX
        )
        body = response.content.decode()
        self.assertNotIn("<html", body)
        self.assertIn("Amara Okafor", body)
        self.assertNotIn("river_supervisor", body)

    def test_csv_export(self):
        response = self.client.get(
            "/network/organisations/riverside/people/", {"role": "worker", "format": "csv"}
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(
            rows[0], ["name", "username", "email", "job_title", "roles", "member_since"]
        )
        self.assertEqual(sorted(r[1] for r in rows[1:]), ["river_nurse", "river_worker"])
        nurse = next(r for r in rows if r[1] == "river_nurse")
        self.assertEqual(
            nurse[:5],
            ["Amara Okafor", "river_nurse", "river_nurse@example.org", "", "Frontline worker"],
        )

    def test_queries_do_not_grow_with_rows(self):
        with CaptureQueriesContext(connection) as few:
            self.client.get("/network/organisations/riverside/people/")
        for i in range(20):
            make_user(f"river_extra_{i}", self.cast.riverside, [Role.WORKER, Role.SCHEDULER])
        with self.assertNumQueries(len(few)):
            response = self.client.get("/network/organisations/riverside/people/")
        self.assertEqual(len(response.context["rows"]), 26)


class AddPersonTests(CastTestCase):
    def form_data(self, **extra):
        return {
            "username": "new.carer",
            "first_name": "Jo",
            "last_name": "Marsh",
            "email": "jo@riverside.example",
            "password": PASSWORD,
            "roles": ["worker"],
            **extra,
        }

    def test_roles_offered_are_those_the_admin_may_grant(self):
        self.client.force_login(self.cast.river_admin)
        response = self.client.get("/network/organisations/riverside/people/new/")
        offered = [value for value, _ in response.context["form"].fields["roles"].choices]
        self.assertEqual(
            offered,
            ["partner_admin", "supervisor", "coordinator", "scheduler", "worker", "quality_lead"],
        )
        self.assertNotContains(response, 'value="network_admin"')

    def test_partner_admin_adds_a_person(self):
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            "/network/organisations/riverside/people/new/",
            self.form_data(roles=["worker", "scheduler"]),
        )
        person = User.objects.get(username="new.carer")
        self.assertRedirects(response, f"/network/people/{person.uuid}/")
        self.assertEqual(self.cast.actor(person).roles, {"worker", "scheduler"})
        self.assertEqual(self.cast.actor(person).organisation, self.cast.riverside)

    def test_weak_password_is_an_error_on_the_password(self):
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            "/network/organisations/riverside/people/new/", self.form_data(password="password123")
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].has_error("password"))
        self.assertFalse(User.objects.filter(username="new.carer").exists())

    def test_inspector_access_needs_an_end(self):
        self.client.force_login(self.cast.net_admin)
        url = "/network/organisations/northbridge/people/new/"
        response = self.client.post(url, self.form_data(roles=["inspector"]))
        self.assertFormError(
            response.context["form"],
            "expires_at",
            "Inspector access must have an end date and time.",
        )
        ends = (timezone.localtime() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M")
        response = self.client.post(url, self.form_data(roles=["inspector"], expires_at=ends))
        person = User.objects.get(username="new.carer")
        self.assertRedirects(response, f"/network/people/{person.uuid}/")
        grant = RoleGrant.objects.get(membership__user=person)
        self.assertEqual(grant.role, "inspector")
        self.assertIsNotNone(grant.expires_at)


class PersonPageTests(CastTestCase):
    def test_viewing_a_person_is_recorded_as_a_read(self):
        self.client.force_login(self.cast.river_supervisor)
        worker = self.cast.river_worker
        response = self.client.get(f"/network/people/{worker.uuid}/")
        self.assertContains(response, "river_worker@example.org")
        entry = AuditEntry.objects.filter(action="person.read").get()
        self.assertEqual(entry.kind, EntryKind.READ)
        self.assertEqual(entry.actor_label, "river_supervisor")
        self.assertEqual(entry.object_id, str(worker.uuid))
        self.assertEqual(entry.object_organisation_code, "riverside")

    def test_roles_show_who_granted_them_and_when_they_end(self):
        inspector = self.cast.inspector
        RoleGrant.objects.filter(membership__user=inspector).update(granted_by=self.cast.net_admin)
        self.client.force_login(self.cast.net_admin)
        response = self.client.get(f"/network/people/{inspector.uuid}/")
        self.assertContains(response, "by Net Tester")
        until = timezone.localtime(RoleGrant.objects.get(membership__user=inspector).expires_at)
        self.assertContains(response, until.strftime("%d %b %Y").lstrip("0"))

    def test_audit_entries_shown_only_to_those_who_read_the_log(self):
        worker = self.cast.river_worker
        self.client.force_login(self.cast.river_admin)
        self.assertContains(
            self.client.get(f"/network/people/{worker.uuid}/"), "Recent audit entries"
        )
        self.client.force_login(self.cast.river_supervisor)
        self.assertNotContains(
            self.client.get(f"/network/people/{worker.uuid}/"), "Recent audit entries"
        )

    def test_supervisor_sees_no_change_actions(self):
        self.client.force_login(self.cast.river_supervisor)
        response = self.client.get(f"/network/people/{self.cast.river_worker.uuid}/")
        self.assertNotContains(response, "Grant a role")
        self.assertNotContains(response, "/leave/")
        self.assertEqual(
            self.client.get(
                f"/network/people/{self.cast.river_worker.uuid}/roles/grant/"
            ).status_code,
            403,
        )


class PersonChangeTests(CastTestCase):
    def setUp(self):
        self.client.force_login(self.cast.river_admin)
        self.worker = self.cast.river_worker
        self.base = f"/network/people/{self.worker.uuid}/"

    def test_grant_role(self):
        response = self.client.get(self.base + "roles/grant/")
        offered = [value for value, _ in response.context["form"].fields["role"].choices]
        self.assertNotIn("worker", offered)  # already held
        response = self.client.post(
            self.base + "roles/grant/", {"role": "scheduler", "reason": "Covers the rota"}
        )
        self.assertRedirects(response, self.base)
        self.assertEqual(self.cast.actor(self.worker).roles, {"worker", "scheduler"})
        grant = RoleGrant.objects.get(membership__user=self.worker, role="scheduler")
        self.assertEqual(
            (grant.granted_by, grant.reason), (self.cast.river_admin, "Covers the rota")
        )

    def test_grant_needs_a_reason(self):
        response = self.client.post(self.base + "roles/grant/", {"role": "scheduler", "reason": ""})
        self.assertTrue(response.context["form"].has_error("reason"))
        self.assertEqual(self.cast.actor(self.worker).roles, {"worker"})

    def test_revoke_role_with_reason(self):
        make_grant = self.client.post(
            self.base + "roles/grant/", {"role": "scheduler", "reason": "Cover"}
        )
        self.assertEqual(make_grant.status_code, 302)
        response = self.client.get(self.base + "roles/scheduler/revoke/")
        self.assertContains(response, "Remove Scheduler / rota coordinator")
        response = self.client.post(self.base + "roles/scheduler/revoke/", {"reason": ""})
        self.assertTrue(response.context["form"].has_error("reason"))
        response = self.client.post(
            self.base + "roles/scheduler/revoke/", {"reason": "Back to visits"}
        )
        self.assertRedirects(response, self.base)
        self.assertEqual(self.cast.actor(self.worker).roles, {"worker"})

    def test_revoking_a_role_not_held_is_not_found(self):
        self.assertEqual(self.client.get(self.base + "roles/supervisor/revoke/").status_code, 404)
        self.assertEqual(self.client.get(self.base + "roles/wizard/revoke/").status_code, 404)

    def test_own_admin_role_cannot_be_removed(self):
        me = f"/network/people/{self.cast.river_admin.uuid}/"
        response = self.client.post(me + "roles/partner_admin/revoke/", {"reason": "oops"})
        self.assertEqual(response.status_code, 200)
        self.assertFormError(
            response.context["form"],
            None,
            "You cannot remove your own admin role; ask another admin.",
        )

    def test_leave_the_organisation(self):
        response = self.client.post(self.base + "leave/", {"reason": "Moved away"})
        self.assertRedirects(response, "/network/organisations/riverside/people/")
        membership = Membership.objects.get(user=self.worker)
        self.assertEqual(membership.ended_reason, "Moved away")
        self.assertEqual(self.client.get(self.base).status_code, 404)

    def test_edit_details(self):
        response = self.client.post(
            self.base + "edit/",
            {
                "first_name": "Rivka",
                "last_name": "Tester",
                "email": "rivka@riverside.example",
                "job_title": "Carer",
                "phone": "",
            },
        )
        self.assertRedirects(response, self.base)
        self.worker.refresh_from_db()
        self.assertEqual((self.worker.first_name, self.worker.job_title), ("Rivka", "Carer"))

    def test_a_person_edits_their_own_details(self):
        self.client.force_login(self.worker)
        response = self.client.post(
            self.base + "edit/",
            {
                "first_name": "River",
                "last_name": "Tester",
                "email": "river@home.example",
                "job_title": "",
                "phone": "07700 900123",
            },
        )
        self.assertRedirects(response, self.base)
        self.worker.refresh_from_db()
        self.assertEqual(self.worker.phone, "07700 900123")
