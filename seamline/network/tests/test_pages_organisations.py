"""Organisation pages: the filtered list (page, HTMX fragment, CSV), detail, add, edit, status."""

import csv
import io
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from seamline.audit.models import AuditEntry
from seamline.network import actions
from seamline.network.choices import OrgKind, OrgStatus
from seamline.network.models import Organisation, OrganisationStatusChange
from seamline.testing import CastTestCase, make_org, make_user

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


class OrganisationListTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_org("harbour", OrgKind.VCSE, OrgStatus.ONBOARDING, name="Harbour Community Trust")

    def setUp(self):
        self.client.force_login(self.cast.river_worker)

    def listed(self, **params):
        response = self.client.get("/network/organisations/", params)
        self.assertEqual(response.status_code, 200)
        return [org.code for org, _people in response.context["rows"]]

    def test_filters_by_kind_status_and_text(self):
        self.assertEqual(
            self.listed(), ["icb", "harbour", "northbridge", "riverside", "swiftstaff"]
        )
        self.assertEqual(self.listed(kind="vcse"), ["harbour"])
        self.assertEqual(self.listed(status="active", q="swift"), ["swiftstaff"])
        self.assertEqual(self.listed(status="onboarding", q="swift"), [])

    def test_htmx_request_gets_only_the_results(self):
        response = self.client.get("/network/organisations/", {"q": "harbour"}, **HTMX)
        body = response.content.decode()
        self.assertTrue(body.lstrip().startswith('<div id="results"'))
        self.assertNotIn("<html", body)
        self.assertIn("Harbour Community Trust", body)
        self.assertNotIn("SwiftStaff Agency", body)

    def test_csv_export_uses_the_same_filters(self):
        response = self.client.get("/network/organisations/", {"kind": "vcse", "format": "csv"})
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0], ["code", "name", "kind", "status", "ods_code", "people"])
        self.assertEqual(
            rows[1:],
            [
                [
                    "harbour",
                    "Harbour Community Trust",
                    "Voluntary, community and social enterprise",
                    "Onboarding",
                    "",
                    "0",
                ]
            ],
        )

    def test_csv_cells_never_start_a_formula(self):
        make_org("formula", name="=HYPERLINK(1)")
        response = self.client.get("/network/organisations/", {"q": "formula", "format": "csv"})
        self.assertIn("'=HYPERLINK(1)", response.content.decode())

    def test_queries_do_not_grow_with_rows(self):
        with CaptureQueriesContext(connection) as few:
            self.client.get("/network/organisations/")
        for i in range(20):
            org = make_org(f"extra-{i}", name=f"Extra partner {i}")
            make_user(f"extra_{i}", org, ["worker"])
        with self.assertNumQueries(len(few)):
            response = self.client.get("/network/organisations/")
        self.assertContains(response, "Extra partner 19")


class OrganisationDetailTests(CastTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        admin = cls.cast.actor(cls.cast.net_admin)
        actions.change_organisation_status(
            admin, cls.cast.swift, OrgStatus.SUSPENDED, reason="Insurance lapsed on 1 March"
        )

    def test_detail_shows_status_history_pathways_and_people_count(self):
        self.client.force_login(self.cast.river_admin)
        response = self.client.get("/network/organisations/swiftstaff/")
        self.assertContains(response, "Insurance lapsed on 1 March")
        self.assertContains(response, "Net Tester")  # who changed it
        self.assertContains(response, "<dt>People</dt><dd>2</dd>", html=True)
        response = self.client.get("/network/organisations/northbridge/")
        self.assertContains(response, "Hospital discharge to community")

    def test_actions_offered_by_role(self):
        self.client.force_login(self.cast.river_admin)
        own = self.client.get("/network/organisations/riverside/")
        self.assertContains(own, "/network/organisations/riverside/edit/")
        self.assertContains(own, "/network/organisations/riverside/people/")
        self.assertNotContains(own, "/network/organisations/riverside/status/")
        other = self.client.get("/network/organisations/swiftstaff/")
        self.assertNotContains(other, "/network/organisations/swiftstaff/edit/")
        self.assertNotContains(other, "/network/organisations/swiftstaff/people/")

    def test_unknown_code_is_not_found(self):
        self.client.force_login(self.cast.net_admin)
        self.assertEqual(self.client.get("/network/organisations/nowhere/").status_code, 404)


class OrganisationWriteTests(CastTestCase):
    def test_network_admin_adds_an_organisation(self):
        self.client.force_login(self.cast.net_admin)
        response = self.client.post(
            "/network/organisations/new/",
            {
                "code": "brightcare",
                "name": "BrightCare Homecare",
                "kind": "subcontractor",
                "status": "onboarding",
                "reason": "North locality contract",
                "contact_email": "office@brightcare.example",
            },
        )
        self.assertRedirects(response, "/network/organisations/brightcare/")
        org = Organisation.objects.get(code="brightcare")
        self.assertEqual(org.contact_email, "office@brightcare.example")
        self.assertTrue(
            AuditEntry.objects.filter(action="organisation.create", object_id="brightcare").exists()
        )

    def test_a_taken_code_is_a_form_error_on_the_code(self):
        self.client.force_login(self.cast.net_admin)
        response = self.client.post(
            "/network/organisations/new/",
            {
                "code": "riverside",
                "name": "Another",
                "kind": "vcse",
                "status": "active",
                "reason": "x",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertFormError(
            response.context["form"],
            "code",
            "Code 'riverside' is already used by another organisation.",
        )

    def test_second_prime_is_refused_on_the_kind_field(self):
        self.client.force_login(self.cast.net_admin)
        response = self.client.post(
            "/network/organisations/new/",
            {
                "code": "p2",
                "name": "Another prime",
                "kind": "prime",
                "status": "active",
                "reason": "x",
            },
        )
        self.assertFormError(
            response.context["form"], "kind", "The network already has its prime provider."
        )

    def test_partner_admin_edits_own_organisation(self):
        self.client.force_login(self.cast.river_admin)
        org = self.cast.riverside
        response = self.client.post(
            "/network/organisations/riverside/edit/",
            {
                "name": org.name,
                "contact_phone": "01632 960 111",
                "version": org.version,
                "reason": "",
            },
        )
        self.assertRedirects(response, "/network/organisations/riverside/")
        org.refresh_from_db()
        self.assertEqual(org.contact_phone, "01632 960 111")

    def test_stale_version_shows_the_conflict_and_keeps_the_input(self):
        org = self.cast.riverside
        stale = org.version
        actions.update_organisation(
            self.cast.actor(self.cast.net_admin), org, {"contact_phone": "0000"}, version=stale
        )
        self.client.force_login(self.cast.river_admin)
        response = self.client.post(
            "/network/organisations/riverside/edit/",
            {"name": "Riverside Care Ltd", "contact_phone": "01632 960 222", "version": stale},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "was changed by someone else while you were editing")
        self.assertContains(response, 'value="Riverside Care Ltd"')
        self.assertContains(response, "What is saved now")
        org.refresh_from_db()
        self.assertEqual((org.name, org.contact_phone), ("Riverside Home Support", "0000"))
        # Submitting again, having seen what is saved now, is a deliberate overwrite.
        again = self.client.post(
            "/network/organisations/riverside/edit/", response.context["form"].data
        )
        self.assertRedirects(again, "/network/organisations/riverside/")
        org.refresh_from_db()
        self.assertEqual(org.name, "Riverside Care Ltd")

    def test_status_change_needs_a_reason(self):
        self.client.force_login(self.cast.net_admin)
        org = self.cast.swift
        response = self.client.post(
            "/network/organisations/swiftstaff/status/",
            {"status": "suspended", "reason": "", "version": org.version},
        )
        self.assertFormError(response.context["form"], "reason", "This field is required.")
        response = self.client.post(
            "/network/organisations/swiftstaff/status/",
            {"status": "suspended", "reason": "Lapsed insurance", "version": org.version},
        )
        self.assertRedirects(response, "/network/organisations/swiftstaff/")
        org.refresh_from_db()
        self.assertEqual(org.status, "suspended")
        change = OrganisationStatusChange.objects.filter(organisation=org).first()
        assert change is not None
        self.assertEqual((change.to_status, change.reason), ("suspended", "Lapsed insurance"))

    def test_status_form_offers_only_allowed_moves(self):
        self.client.force_login(self.cast.net_admin)
        response = self.client.get("/network/organisations/swiftstaff/status/")
        choices = [value for value, _ in response.context["form"].fields["status"].choices]
        self.assertEqual(choices, ["exited", "suspended"])

    def test_exited_is_final(self):
        org = make_org("gone", status=OrgStatus.EXITED, name="Gone Ltd")
        self.client.force_login(self.cast.net_admin)
        response = self.client.get("/network/organisations/gone/status/")
        self.assertContains(response, "which is final", status_code=403)
        self.assertNotContains(self.client.get("/network/organisations/gone/"), "Change status")
        self.assertEqual(org.status_changes.count(), 1)

    def test_only_the_network_admin_changes_status(self):
        self.client.force_login(self.cast.quality)
        self.assertEqual(
            self.client.get("/network/organisations/swiftstaff/status/").status_code, 403
        )
