"""Organisations over the API: the shared directory, changes, status and its history."""

from seamline.audit.models import EntryKind
from seamline.network.choices import OrgKind, OrgStatus
from seamline.network.models import Organisation, OrganisationStatusChange
from seamline.testing import make_org

from .api_support import ApiTestCase

NEW_ORG = {
    "code": "harbour",
    "name": "Harbour Lights Trust",
    "kind": "vcse",
    "reason": "Joins for the crisis pathway.",
    "contact_email": "hello@harbour.example.org",
}


class OrganisationListTests(ApiTestCase):
    def test_every_member_reads_the_directory_by_name(self):
        body = self.assertStatus(self.get("river_worker", "/api/organisations"), 200)
        self.assertEqual(body["count"], 4)
        self.assertEqual(
            [o["code"] for o in body["items"]], ["icb", "northbridge", "riverside", "swiftstaff"]
        )
        self.assertEqual(body["items"][1]["kind_label"], "Prime provider")
        self.assertNotIn("id", body["items"][0])

    def test_filter_by_kind_and_status(self):
        make_org("gone", OrgKind.SUBCONTRACTOR, status=OrgStatus.SUSPENDED)
        body = self.get("quality", "/api/organisations", kind="subcontractor").json()
        self.assertEqual([o["code"] for o in body["items"]], ["gone", "riverside"])
        body = self.get("quality", "/api/organisations", status="suspended").json()
        self.assertEqual([o["code"] for o in body["items"]], ["gone"])

    def test_unknown_kind_is_422_naming_the_field(self):
        self.assertFieldError(self.get("quality", "/api/organisations", kind="castle"), "kind")

    def test_pages(self):
        body = self.get("quality", "/api/organisations", page=2, page_size=3).json()
        self.assertEqual(body["count"], 4)
        self.assertEqual([o["code"] for o in body["items"]], ["swiftstaff"])

    def test_page_zero_is_422(self):
        self.assertFieldError(self.get("quality", "/api/organisations", page=0), "page")

    def test_without_token_401(self):
        self.assertStatus(self.get(None, "/api/organisations"), 401)

    def test_queries_do_not_grow_with_rows(self):
        few = self.count_queries("quality", "/api/organisations")
        for i in range(12):
            make_org(f"extra-{i:02d}")
        with self.assertNumQueries(few):
            body = self.assertStatus(self.get("quality", "/api/organisations"), 200)
        self.assertEqual(body["count"], 16)


class OrganisationCreateTests(ApiTestCase):
    def test_network_admin_adds_an_organisation_with_audit_and_history(self):
        body = self.assertStatus(self.post("net_admin", "/api/organisations", NEW_ORG), 201)
        self.assertEqual(body["code"], "harbour")
        self.assertEqual(body["status"], "onboarding")
        self.assertEqual(body["version"], 1)
        org = Organisation.objects.get(code="harbour")
        self.assertEqual(org.contact_email, "hello@harbour.example.org")
        change = OrganisationStatusChange.objects.get(organisation=org)
        self.assertEqual(change.to_status, "onboarding")
        entry = self.latest_entry("organisation.create")
        self.assertEqual(entry.actor_label, "net_admin")
        self.assertEqual(entry.object_id, "harbour")
        self.assertEqual(entry.reason, "Joins for the crisis pathway.")
        self.assertEqual(entry.changes["kind"], [None, "vcse"])

    def test_others_are_refused_403(self):
        for who in ("quality", "river_admin", "commissioner", "inspector"):
            with self.subTest(who=who):
                self.assertStatus(self.post(who, "/api/organisations", NEW_ORG), 403)
        self.assertFalse(Organisation.objects.filter(code="harbour").exists())

    def test_taken_code_is_422_naming_code(self):
        response = self.post("net_admin", "/api/organisations", {**NEW_ORG, "code": "riverside"})
        body = self.assertFieldError(response, "code")
        self.assertEqual(body["reasons"][0]["code"], "code_taken")

    def test_bad_kind_is_422_naming_kind(self):
        response = self.post("net_admin", "/api/organisations", {**NEW_ORG, "kind": "castle"})
        self.assertFieldError(response, "kind")

    def test_missing_reason_is_422_naming_reason(self):
        payload = {k: v for k, v in NEW_ORG.items() if k != "reason"}
        self.assertFieldError(self.post("net_admin", "/api/organisations", payload), "reason")

    def test_bad_email_is_422_and_nothing_is_stored(self):
        response = self.post(
            "net_admin", "/api/organisations", {**NEW_ORG, "contact_email": "not-an-address"}
        )
        self.assertFieldError(response, "contact_email")
        self.assertFalse(Organisation.objects.filter(code="harbour").exists())

    def test_unknown_field_is_422_not_ignored(self):
        response = self.post("net_admin", "/api/organisations", {**NEW_ORG, "colour": "blue"})
        self.assertFieldError(response, "colour")


class OrganisationReadTests(ApiTestCase):
    def test_read_one(self):
        body = self.assertStatus(self.get("swift_worker", "/api/organisations/riverside"), 200)
        self.assertEqual(body["name"], "Riverside Home Support")
        self.assertEqual(body["kind"], "subcontractor")

    def test_missing_is_404_with_the_plain_body(self):
        self.assertNotFound(self.get("river_admin", "/api/organisations/atlantis"))


class OrganisationUpdateTests(ApiTestCase):
    def test_partner_admin_changes_own_organisation(self):
        response = self.patch(
            "river_admin",
            "/api/organisations/riverside",
            {"version": 1, "contact_phone": "0161 496 0000", "reason": "New switchboard."},
        )
        body = self.assertStatus(response, 200)
        self.assertEqual(body["contact_phone"], "0161 496 0000")
        self.assertEqual(body["version"], 2)
        entry = self.latest_entry("organisation.update")
        self.assertEqual(entry.changes, {"contact_phone": ["", "0161 496 0000"]})
        self.assertEqual(entry.organisation_code, "riverside")

    def test_stale_version_is_409_and_changes_nothing(self):
        Organisation.objects.filter(code="riverside").update(version=3)
        response = self.patch(
            "river_admin", "/api/organisations/riverside", {"version": 2, "name": "Riverside Care"}
        )
        body = self.assertFieldError(response, "version", status=409)
        self.assertEqual(body["reasons"][0]["code"], "stale_version")
        self.assertEqual(Organisation.objects.get(code="riverside").name, "Riverside Home Support")

    def test_another_partners_organisation_is_403(self):
        response = self.patch(
            "river_admin", "/api/organisations/swiftstaff", {"version": 1, "name": "Taken over"}
        )
        self.assertStatus(response, 403)

    def test_read_only_and_unentitled_are_403(self):
        for who in ("inspector", "river_supervisor", "commissioner"):
            with self.subTest(who=who):
                response = self.patch(
                    who, "/api/organisations/riverside", {"version": 1, "name": "Renamed"}
                )
                self.assertStatus(response, 403)

    def test_network_admin_changes_any_organisation(self):
        response = self.patch(
            "net_admin", "/api/organisations/swiftstaff", {"version": 1, "ods_code": "SW1"}
        )
        self.assertEqual(self.assertStatus(response, 200)["ods_code"], "SW1")

    def test_kind_cannot_be_changed_here(self):
        response = self.patch(
            "net_admin", "/api/organisations/swiftstaff", {"version": 1, "kind": "prime"}
        )
        self.assertFieldError(response, "kind")
        self.assertEqual(Organisation.objects.get(code="swiftstaff").kind, "staffing_agency")

    def test_missing_version_is_422(self):
        response = self.patch("net_admin", "/api/organisations/swiftstaff", {"ods_code": "SW1"})
        self.assertFieldError(response, "version")

    def test_missing_organisation_is_404(self):
        response = self.patch("net_admin", "/api/organisations/atlantis", {"version": 1})
        self.assertNotFound(response)


class OrganisationStatusTests(ApiTestCase):
    def test_network_admin_suspends_a_partner(self):
        response = self.post(
            "net_admin",
            "/api/organisations/swiftstaff/status",
            {"status": "suspended", "reason": "Lapsed DBS checks.", "version": 1},
        )
        body = self.assertStatus(response, 200)
        self.assertEqual(body["status"], "suspended")
        self.assertEqual(body["version"], 2)
        entry = self.latest_entry("organisation.status")
        self.assertEqual(entry.changes, {"status": ["active", "suspended"]})
        self.assertEqual(entry.reason, "Lapsed DBS checks.")

        history = self.get("swift_admin", "/api/organisations/swiftstaff/status-history").json()
        self.assertEqual(
            [(h["from_status"], h["to_status"]) for h in history["items"]],
            [("active", "suspended"), (None, "active")],
        )
        self.assertEqual(history["items"][0]["reason"], "Lapsed DBS checks.")

    def test_move_not_allowed_is_422_naming_status(self):
        response = self.post(
            "net_admin",
            "/api/organisations/swiftstaff/status",
            {"status": "onboarding", "reason": "Start again."},
        )
        body = self.assertFieldError(response, "status")
        self.assertEqual(body["reasons"][0]["code"], "status_move_not_allowed")

    def test_stale_version_is_409(self):
        response = self.post(
            "net_admin",
            "/api/organisations/swiftstaff/status",
            {"status": "suspended", "reason": "Lapsed DBS checks.", "version": 7},
        )
        self.assertFieldError(response, "version", status=409)
        self.assertEqual(Organisation.objects.get(code="swiftstaff").status, "active")

    def test_only_the_network_admin(self):
        for who in ("swift_admin", "quality", "inspector"):
            with self.subTest(who=who):
                response = self.post(
                    who,
                    "/api/organisations/swiftstaff/status",
                    {"status": "suspended", "reason": "Because."},
                )
                self.assertStatus(response, 403)
        self.assertEqual(Organisation.objects.get(code="swiftstaff").status, "active")

    def test_history_queries_do_not_grow_with_rows(self):
        url = "/api/organisations/swiftstaff/status-history"
        few = self.count_queries("swift_admin", url)
        for i in range(10):
            OrganisationStatusChange.objects.create(
                organisation=self.cast.swift,
                from_status="active" if i % 2 == 0 else "suspended",
                to_status="suspended" if i % 2 == 0 else "active",
                changed_by=self.cast.net_admin,
                reason=f"Review {i}.",
            )
        with self.assertNumQueries(few):
            body = self.assertStatus(self.get("swift_admin", url), 200)
        self.assertEqual(body["count"], 11)
        self.assertEqual(body["items"][0]["changed_by"], "Net Tester")

    def test_history_of_missing_organisation_is_404(self):
        self.assertNotFound(self.get("net_admin", "/api/organisations/atlantis/status-history"))

    def test_refused_access_is_logged(self):
        self.get("river_worker", "/api/organisations/atlantis")
        entry = self.latest_entry("access.refused")
        self.assertEqual(entry.kind, EntryKind.REFUSED)
        self.assertEqual(entry.object_id, "atlantis")
