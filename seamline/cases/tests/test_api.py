"""The participants and referrals API: the same visibility as the pages (counts and searches
included), reads in the audit log, writes through the actions with their reasons, and "who
owned this case then?"."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seamline.audit.models import AuditEntry, EntryKind
from seamline.cases.choices import CareReason, ConsentScope
from seamline.cases.models import Participant, Referral
from seamline.cases.testing import (
    add_to_care_team,
    ago,
    make_consent,
    make_flag,
    make_participant,
    make_referral,
    synthetic_nhs,
)
from seamline.network.tests.api_support import ApiTestCase

BASE = "/api/cases"


class CasesApiCase(ApiTestCase):
    ada: Participant
    hidden: Participant
    referral: Referral

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.ada = make_participant(
            cast.riverside, given_name="Ada", family_name="Lovelace", nhs_number=synthetic_nhs(1)
        )
        cls.referral = make_referral(
            cls.ada, cast.discharge, cast.riverside, cast.river_coordinator, received_at=ago(3)
        )
        make_flag(cls.ada, "safeguarding", "high", source=cast.riverside)
        cls.hidden = make_participant(cast.swift, given_name="Hal", family_name="Lovelace")
        make_referral(cls.hidden, cast.discharge, cast.swift, cast.swift_admin)
        make_consent(cls.hidden, ConsentScope.NAMED, [cast.swift])


class ParticipantApiTests(CasesApiCase):
    def test_the_list_counts_and_searches_only_what_the_caller_sees(self) -> None:
        for who, query, codes in (
            ("river_worker", {}, [self.ada.code]),
            ("river_worker", {"q": "lovelace"}, [self.ada.code]),
            ("river_worker", {"q": "hal"}, []),
            ("swift_admin", {"q": "lovelace"}, [self.hidden.code]),
            ("quality", {}, [self.ada.code]),  # the prime is narrowed by Hal's consent
        ):
            with self.subTest(who=who, query=query):
                body = self.get(who, f"{BASE}/participants", **query).json()
                self.assertEqual([p["code"] for p in body["items"]], codes)
                self.assertEqual(body["count"], len(codes))

    def test_rows_and_the_read_entry(self) -> None:
        body = self.get("river_worker", f"{BASE}/participants", risk="high").json()
        [row] = body["items"]
        self.assertEqual(
            (row["nhs_number"], row["high_risk"], row["open_pathways"]),
            (synthetic_nhs(1), True, ["discharge"]),
        )
        entry = AuditEntry.objects.get(action="participant.list")
        self.assertEqual(entry.changes, {"via": "api", "shown": [self.ada.code]})

    def test_bad_filters_are_422(self) -> None:
        for query in ({"risk": "extreme"}, {"pathway": "nope"}, {"page_size": 500}):
            with self.subTest(query):
                response = self.get("river_worker", f"{BASE}/participants", **query)
                self.assertEqual(response.status_code, 422)

    def test_pages_keep_a_fixed_number_of_queries(self) -> None:
        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.get("river_worker", f"{BASE}/participants").status_code, 200)
            return len(queries)

        count()  # the token's first use of the minute is written down once
        before = count()
        for i in range(5):
            extra = make_participant(self.cast.riverside, given_name=f"Extra{i}")
            make_referral(extra, self.cast.discharge, self.cast.riverside, self.cast.river_admin)
        self.assertEqual(count(), before)

    def test_detail_is_logged_and_hidden_records_are_404(self) -> None:
        response = self.get("river_worker", f"{BASE}/participants/{self.ada.code}")
        body = response.json()
        self.assertEqual(body["sharing"], "all")
        self.assertEqual(body["referrals"], [self.referral.code])
        self.assertEqual(
            {(m["organisation"], m["reason"]) for m in body["care_team"]},
            {("riverside", "owner"), ("riverside", "receiving"), ("northbridge", "prime")},
        )
        self.assertEqual(body["flags"][0]["severity"], "high")
        entry = AuditEntry.objects.get(action="participant.read")
        self.assertEqual((entry.kind, entry.object_id), (EntryKind.READ, self.ada.code))
        for code in (self.hidden.code, "P-424242"):
            with self.subTest(code):
                response = self.get("river_worker", f"{BASE}/participants/{code}")
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["detail"], "Not found.")

    def test_a_merged_record_says_where_it_went(self) -> None:
        twin = make_participant(self.cast.riverside)
        Participant.objects.filter(pk=twin.pk).update(status="merged", merged_into=self.ada)
        body = self.get("river_worker", f"{BASE}/participants/{twin.code}").json()
        self.assertEqual((body["status"], body["merged_into"]), ("merged", self.ada.code))

    def test_register(self) -> None:
        response = self.post(
            "river_coordinator",
            f"{BASE}/participants",
            {
                "given_name": "Edith",
                "family_name": "Clarke",
                "date_of_birth": "1950-01-02",
                "nhs_number": "999 000 0034",
                "medicaid_state": "WA",
                "medicaid_id": "abc 1",
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertRegex(body["code"], r"^P-\d{6}$")
        self.assertEqual((body["nhs_number"], body["medicaid_checked"]), ("9990000034", False))
        self.assertIn("WA member ids", body["medicaid_note"])
        self.assertEqual(body["care_team"][0]["reason"], "registered")

    def test_register_refusals(self) -> None:
        bad = self.post(
            "river_coordinator",
            f"{BASE}/participants",
            {
                "given_name": "E",
                "family_name": "C",
                "date_of_birth": "1950-01-02",
                "nhs_number": "1",
            },
        )
        self.assertEqual(bad.status_code, 422)
        self.assertEqual(bad.json()["reasons"][0]["field"], "nhs_number")
        extra = self.post(
            "river_coordinator",
            f"{BASE}/participants",
            {"given_name": "E", "family_name": "C", "date_of_birth": "1950-01-02", "x": 1},
        )
        self.assertEqual(extra.status_code, 422)
        worker = self.post(
            "river_worker",
            f"{BASE}/participants",
            {"given_name": "E", "family_name": "C", "date_of_birth": "1950-01-02"},
        )
        self.assertEqual(worker.status_code, 403)


class ReferralApiTests(CasesApiCase):
    def url(self, suffix: str = "") -> str:
        return f"{BASE}/referrals/{self.referral.code}{suffix}"

    def test_list_filters_and_visibility(self) -> None:
        body = self.get("river_worker", f"{BASE}/referrals").json()
        self.assertEqual([r["code"] for r in body["items"]], [self.referral.code])
        self.assertTrue(body["items"][0]["long_wait"])
        for query, count in (
            ({"state": "open"}, 1),
            ({"state": "closed"}, 0),
            ({"state": "long_wait"}, 1),
            ({"owner": "swiftstaff"}, 0),
            ({"received_from": timezone.localdate().isoformat()}, 0),
        ):
            with self.subTest(query):
                body = self.get("river_worker", f"{BASE}/referrals", **query).json()
                self.assertEqual(body["count"], count)
        self.assertEqual(self.get("river_worker", f"{BASE}/referrals", state="x").status_code, 422)
        self.assertEqual(self.get("swift_admin", self.url()).status_code, 404)

    def test_record_a_referral(self) -> None:
        received = (timezone.now() - timedelta(hours=5)).isoformat()
        response = self.post(
            "river_coordinator",
            f"{BASE}/referrals",
            {
                "participant": self.ada.code,
                "pathway": "discharge",
                "receiving_organisation": "riverside",
                "received_at": received,
                "owner_person": str(self.cast.river_supervisor.uuid),
                "referrer_organisation": "swiftstaff",
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["owner_organisation"], "riverside")
        self.assertEqual([(o["seq"], o["how"]) for o in body["ownership"]], [(1, "created")])
        elsewhere = self.post(
            "river_coordinator",
            f"{BASE}/referrals",
            {
                "participant": self.ada.code,
                "pathway": "discharge",
                "receiving_organisation": "riverside",
                "received_at": received,
                "owner_person": str(self.cast.inspector.uuid),
                "referrer_name": "GP",
            },
        )
        self.assertEqual(elsewhere.status_code, 422)
        self.assertEqual(elsewhere.json()["reasons"][0]["code"], "owner_role")

    def test_first_contact_and_discharge(self) -> None:
        at = (timezone.now() - timedelta(days=2)).isoformat()
        response = self.post("river_worker", self.url("/first-contact"), {"at": at, "version": 1})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["version"], 2)
        again = self.post("river_worker", self.url("/first-contact"), {"at": at})
        self.assertEqual(again.json()["reasons"][0]["code"], "already_recorded")
        stale = self.post(
            "river_worker", self.url("/discharge"), {"at": at, "outcome": "died", "version": 1}
        )
        self.assertEqual(stale.status_code, 409)
        missing = self.post("river_worker", self.url("/discharge"), {"at": at, "outcome": ""})
        self.assertEqual(missing.json()["reasons"][0]["code"], "outcome_required")
        done = self.post(
            "river_worker",
            self.url("/discharge"),
            {"at": timezone.now().isoformat(), "outcome": "goals_met", "version": 2},
        )
        self.assertEqual(done.json()["outcome"], "goals_met")
        closing = {"at": timezone.now().isoformat(), "outcome": "goals_met"}
        self.assertEqual(self.post("quality", self.url("/discharge"), closing).status_code, 403)

    def test_reassign_and_owner_at(self) -> None:
        before = timezone.localtime(ago(days=1)).strftime("%Y-%m-%dT%H:%M")
        refused = self.post(
            "river_admin",
            self.url("/reassign"),
            {"owner_person": str(self.cast.swift_admin.uuid), "reason": "Cover"},
        )
        self.assertEqual(refused.status_code, 403)
        no_reason = self.post(
            "net_admin",
            self.url("/reassign"),
            {"owner_person": str(self.cast.swift_admin.uuid), "reason": ""},
        )
        self.assertEqual(no_reason.json()["reasons"][0]["code"], "reason_required")
        done = self.post(
            "net_admin",
            self.url("/reassign"),
            {"owner_person": str(self.cast.swift_admin.uuid), "reason": "Cover", "version": 1},
        )
        self.assertEqual(done.status_code, 200, done.content)
        history = done.json()["ownership"]
        self.assertEqual([o["how"] for o in history], ["created", "reassigned"])
        self.assertEqual(history[0]["ended_at"], history[1]["started_at"])
        then = self.get("swift_admin", self.url("/owner-at"), at=before).json()
        self.assertEqual(then["owner"]["person"], str(self.cast.river_coordinator.uuid))
        now = self.get("swift_admin", self.url("/owner-at"), at=timezone.now().isoformat()).json()
        self.assertEqual(now["owner"]["organisation"], "swiftstaff")
        early = timezone.localtime(ago(days=5)).strftime("%Y-%m-%dT%H:%M")
        self.assertIsNone(self.get("swift_admin", self.url("/owner-at"), at=early).json()["owner"])

    def test_the_agency_sees_the_case_only_while_it_has_a_part(self) -> None:
        self.assertEqual(self.get("swift_admin", self.url()).status_code, 404)
        add_to_care_team(self.ada, self.cast.swift, CareReason.VISIT)
        self.assertEqual(self.get("swift_admin", self.url()).status_code, 200)
