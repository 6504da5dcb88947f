"""The participant and referral pages through HTTP: who sees what (lists, counts, searches,
exports and the home card hide what consent hides), reads in the audit log, query counts that
do not grow with rows, and the forms, whose refusals come back as each rule's reason."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from seamline.audit.models import AuditEntry, EntryKind
from seamline.cases.choices import CareReason, ConsentScope
from seamline.cases.models import (
    Consent,
    DeclinedWorker,
    NotDuplicate,
    Participant,
    Referral,
    RiskFlag,
)
from seamline.cases.testing import (
    add_to_care_team,
    ago,
    make_consent,
    make_flag,
    make_participant,
    make_referral,
    synthetic_nhs,
)
from seamline.testing import CastTestCase
from seamline.workforce.testing import make_worker

PARTICIPANTS = "/cases/participants/"
REFERRALS = "/cases/referrals/"


class PagesCase(CastTestCase):
    """Riverside's participants Ada (shared) and Bea (consent: Riverside only); the agency's
    Cy (hidden from Riverside); Di, who withdrew consent, owned by the agency with Riverside
    visiting."""

    ada: Participant
    bea: Participant
    cy: Participant
    di: Participant
    ada_referral: Referral

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cast = cls.cast
        cls.ada = make_participant(
            cast.riverside, given_name="Ada", family_name="Lovelace", nhs_number=synthetic_nhs(1)
        )
        cls.ada_referral = make_referral(
            cls.ada, cast.discharge, cast.riverside, cast.river_coordinator
        )
        make_flag(cls.ada, "safeguarding", "high", source=cast.riverside)
        cls.bea = make_participant(cast.riverside, given_name="Bea", family_name="Lovelace")
        make_referral(cls.bea, cast.discharge, cast.riverside, cast.river_coordinator)
        make_consent(cls.bea, ConsentScope.NAMED, [cast.riverside])
        cls.cy = make_participant(cast.swift, given_name="Cy", family_name="Lovelace")
        make_referral(cls.cy, cast.discharge, cast.swift, cast.swift_admin)
        make_flag(cls.cy, "deterioration", "high")
        cls.di = make_participant(cast.swift, given_name="Di", family_name="Lovelace")
        make_referral(cls.di, cast.discharge, cast.swift, cast.swift_admin)
        add_to_care_team(cls.di, cast.riverside, CareReason.VISIT)
        make_consent(cls.di, withdrawn_at=ago(hours=1))

    def codes(self, user: str, url: str = PARTICIPANTS, query: str = "") -> list[str]:
        self.client.force_login(self.cast[user])
        response = self.client.get(f"{url}?{query}")
        self.assertEqual(response.status_code, 200)
        return [row[0].code for row in response.context["rows"]]


class ParticipantListTests(PagesCase):
    def test_each_organisation_sees_its_own_and_consent_narrows(self) -> None:
        table = [
            ("river_worker", ["P-000001", "P-000002"]),
            ("swift_admin", ["P-000003", "P-000004"]),
            # The prime leads the pathway: Bea's consent names Riverside only, Di withdrew.
            ("quality", ["P-000001", "P-000003"]),
            ("inspector", ["P-000001", "P-000003"]),
        ]
        for user, expected in table:
            with self.subTest(user):
                self.assertEqual(sorted(self.codes(user)), expected)

    def test_counts_and_search_never_include_a_hidden_participant(self) -> None:
        self.client.force_login(self.cast.river_worker)
        for query, count in (("q=lovelace", 2), ("q=cy", 0), ("q=di+lovelace", 0), ("", 2)):
            with self.subTest(query):
                response = self.client.get(f"{PARTICIPANTS}?{query}")
                self.assertEqual(response.context["count"], count)
                self.assertContains(response, f"{count} participant")
                # (Her name as listed, and her code: a bare "Cy" can turn up in a CSRF token.)
                self.assertNotContains(response, "Lovelace, Cy")
                self.assertNotContains(response, self.cy.code)
        # By identifier too: the hidden participant's code answers nothing.
        self.assertEqual(self.codes("river_worker", query=f"q={self.cy.code}"), [])
        self.assertEqual(self.codes("river_worker", query=f"q={synthetic_nhs(1)}"), [self.ada.code])
        spaced = synthetic_nhs(1)[:3] + "+" + synthetic_nhs(1)[3:6] + "+" + synthetic_nhs(1)[6:]
        self.assertEqual(self.codes("river_worker", query=f"q={spaced}"), [self.ada.code])

    def test_filters(self) -> None:
        table = [
            ("risk=high", ["P-000001"]),
            ("risk=flagged", ["P-000001"]),
            ("pathway=discharge", ["P-000001", "P-000002"]),
            ("organisation=riverside", ["P-000001", "P-000002"]),
            ("organisation=swiftstaff", []),
        ]
        for query, expected in table:
            with self.subTest(query):
                self.assertEqual(sorted(self.codes("river_coordinator", query=query)), expected)
        # The agency's high-risk participant is not counted for Riverside.
        self.assertEqual(sorted(self.codes("swift_admin", query="risk=high")), ["P-000003"])

    def test_one_read_entry_per_page_naming_the_records_shown(self) -> None:
        self.client.force_login(self.cast.river_worker)
        self.client.get(PARTICIPANTS)
        [entry] = AuditEntry.objects.filter(action="participant.list")
        self.assertEqual(entry.kind, EntryKind.READ)
        self.assertEqual(sorted(entry.changes["shown"]), [self.ada.code, self.bea.code])

    def test_csv_export_holds_the_visible_rows_and_is_logged(self) -> None:
        self.client.force_login(self.cast.river_worker)
        response = self.client.get(f"{PARTICIPANTS}?format=csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0][:3], ["code", "given_name", "family_name"])
        self.assertEqual(sorted(r[0] for r in rows[1:]), [self.ada.code, self.bea.code])
        ada = next(r for r in rows if r[0] == self.ada.code)
        self.assertEqual((ada[8], ada[9], ada[10]), ("yes", "discharge", "riverside"))
        entry = AuditEntry.objects.get(action="participant.list")
        self.assertEqual(entry.changes["via"], "csv")

    def test_htmx_asks_for_the_results_only(self) -> None:
        self.client.force_login(self.cast.river_worker)
        response = self.client.get(f"{PARTICIPANTS}?q=ada", headers={"HX-Request": "true"})
        body = response.content.decode()
        self.assertTrue(body.lstrip().startswith('<div id="results"'))
        self.assertIn("Lovelace, Ada", body)
        self.assertNotIn("Lovelace, Bea", body)

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.client.force_login(self.cast.river_coordinator)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(PARTICIPANTS).status_code, 200)
            return len(queries)

        before = count()
        for i in range(6):
            someone = make_participant(self.cast.riverside, given_name=f"Extra{i}")
            make_referral(someone, self.cast.discharge, self.cast.riverside, self.cast.river_admin)
            make_flag(someone, severity="high")
        self.assertEqual(count(), before)

    def test_commissioners_get_not_found_and_no_menu_entry(self) -> None:
        self.client.force_login(self.cast.commissioner)
        self.assertEqual(self.client.get(PARTICIPANTS).status_code, 404)
        self.assertNotContains(self.client.get("/"), f'href="{PARTICIPANTS}"')
        self.client.force_login(self.cast.river_worker)
        self.assertContains(self.client.get("/"), f'href="{PARTICIPANTS}"')


class HomeCardTests(PagesCase):
    def test_the_card_counts_only_what_the_person_sees(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        card = self.client.get("/").context["cards"]
        [cases] = [c for c in card if c.key == "cases"]
        self.assertEqual(cases.context["open_owned"], 2)
        self.assertEqual(cases.context["owned_by_me"], 2)
        self.assertEqual(cases.context["high_risk"], 1)  # Ada; the agency's Cy is hidden
        # Both referrals are 3 days old with no first contact: past the 24 h standard.
        self.assertEqual(cases.context["long_waits"], 2)


class ParticipantPageTests(PagesCase):
    def test_the_page_shows_the_record_and_logs_the_read(self) -> None:
        self.client.force_login(self.cast.river_worker)
        response = self.client.get(reverse("cases:participant", args=[self.ada.code]))
        self.assertContains(response, "Ada Lovelace")
        self.assertContains(response, "999 000 0026")
        self.assertContains(response, self.ada_referral.code)
        self.assertContains(response, "High risk")
        history = response.context["ownerships"]
        self.assertEqual([(o.seq, o.person) for o in history], [(1, self.cast.river_coordinator)])
        self.assertContains(response, "Referral recorded")
        entry = AuditEntry.objects.get(action="participant.read")
        self.assertEqual((entry.kind, entry.object_id), (EntryKind.READ, self.ada.code))

    def test_hidden_records_are_not_found_whatever_the_reason(self) -> None:
        self.client.force_login(self.cast.river_worker)
        for someone in (self.cy, self.di):
            with self.subTest(someone.code):
                url = reverse("cases:participant", args=[someone.code])
                self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.cast.quality)
        url = reverse("cases:participant", args=[self.bea.code])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertFalse(AuditEntry.objects.filter(action="participant.read").exists())

    def test_a_merged_record_redirects_to_its_survivor(self) -> None:
        twin = make_participant(self.cast.riverside, given_name="Ada")
        Participant.objects.filter(pk=twin.pk).update(status="merged", merged_into=self.ada)
        self.client.force_login(self.cast.river_worker)
        response = self.client.get(reverse("cases:participant", args=[twin.code]))
        self.assertRedirects(
            response,
            reverse("cases:participant", args=[self.ada.code]),
            fetch_redirect_response=False,
        )


class ParticipantFormTests(PagesCase):
    def test_register(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        born = timezone.localdate() - timedelta(days=365 * 70)
        response = self.client.post(
            reverse("cases:participant_new"),
            {
                "given_name": "Edith",
                "family_name": "Clarke",
                "date_of_birth": born.isoformat(),
                "postcode": "ns4 2qt",
                "nhs_number": "999 000 0034",
                "local_id": "rhs-77",
            },
        )
        created = Participant.objects.get(given_name="Edith")
        self.assertRedirects(
            response,
            reverse("cases:participant", args=[created.code]),
            fetch_redirect_response=False,
        )
        self.assertEqual(created.local_ids.get().value, "RHS-77")

    def test_a_mistyped_nhs_number_comes_back_on_its_field(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.post(
            reverse("cases:participant_new"),
            {
                "given_name": "Edith",
                "family_name": "Clarke",
                "date_of_birth": "1950-01-01",
                "nhs_number": "999 000 0035",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("nhs_number", response.context["form"].errors)
        self.assertFalse(Participant.objects.filter(given_name="Edith").exists())

    def test_edit_with_a_stale_version_keeps_the_input_and_says_so(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("cases:participant_edit", args=[self.ada.code])
        form = {
            "given_name": "Ada",
            "family_name": "Lovelace",
            "date_of_birth": "1946-05-17",
            "postcode": "NS9 9ZZ",
            "version": 1,
        }
        self.assertEqual(self.client.post(url, form).status_code, 302)
        response = self.client.post(url, {**form, "postcode": "NS8 8YY"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "changed by someone else")
        self.assertEqual(Participant.objects.get(pk=self.ada.pk).postcode, "NS9 9ZZ")

    def test_consent_change_and_withdrawal(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("cases:consent", args=[self.ada.code])
        response = self.client.post(
            url,
            {
                "scope": "named",
                "organisations": ["riverside"],
                "valid_from": timezone.localdate().isoformat(),
                "version": 1,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Consent.objects.get(participant=self.ada).scope, "named")
        self.client.force_login(self.cast.quality)
        self.assertEqual(
            self.client.get(reverse("cases:participant", args=[self.ada.code])).status_code, 404
        )
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("cases:consent_withdraw", args=[self.ada.code])
        self.assertEqual(self.client.post(url, {"note": "By phone", "version": 2}).status_code, 302)
        self.assertEqual(Consent.objects.filter(participant=self.ada).count(), 2)

    def test_raise_and_resolve_a_flag(self) -> None:
        self.client.force_login(self.cast.river_worker)
        url = reverse("cases:flag_new", args=[self.bea.code])
        response = self.client.post(url, {"kind": "caregiver_stress", "severity": "medium"})
        self.assertEqual(response.status_code, 302)
        flag = RiskFlag.objects.get(participant=self.bea)
        url = reverse("cases:flag_resolve", args=[flag.uuid])
        self.assertEqual(self.client.post(url, {"resolution": "Respite booked"}).status_code, 302)
        self.assertIsNotNone(RiskFlag.objects.get(pk=flag.pk).resolved_at)

    def test_decline_a_worker(self) -> None:
        worker = make_worker(self.cast.riverside, "RIV-5", first_name="Wyn")
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("cases:decline_new", args=[self.ada.code])
        self.assertEqual(self.client.post(url, {"worker": str(worker.uuid)}).status_code, 302)
        declined = DeclinedWorker.objects.get(participant=self.ada)
        url = reverse("cases:decline_withdraw", args=[declined.uuid])
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertIsNotNone(DeclinedWorker.objects.get(pk=declined.pk).withdrawn_at)


class ReferralPageTests(PagesCase):
    def test_the_register_hides_what_consent_hides(self) -> None:
        self.assertEqual(len(self.codes("river_worker", REFERRALS)), 2)
        self.client.force_login(self.cast.quality)
        response = self.client.get(REFERRALS)
        participants = {r.participant for r, _late in response.context["rows"]}
        self.assertEqual(participants, {self.ada, self.cy})
        self.assertEqual(response.context["count"], 2)

    def test_filters(self) -> None:
        cast = self.cast
        old = make_referral(
            self.ada,
            cast.discharge,
            cast.riverside,
            cast.river_coordinator,
            received_at=ago(days=40),
            first_contact_at=ago(days=39),
            discharged_at=ago(days=30),
            outcome="goals_met",
        )
        today = timezone.localdate()
        table = [
            ("state=closed", [old.code]),
            ("state=open", 2),
            ("state=long_wait", 2),
            (f"received_to={(today - timedelta(days=10)).isoformat()}", [old.code]),
            (f"received_from={(today - timedelta(days=10)).isoformat()}", 2),
            ("owner=swiftstaff", []),
            (f"q={old.code}", [old.code]),
            ("q=bea", 1),
        ]
        self.client.force_login(cast.river_coordinator)
        for query, expected in table:
            with self.subTest(query):
                response = self.client.get(f"{REFERRALS}?{query}")
                found = [r.code for r, _late in response.context["rows"]]
                if isinstance(expected, int):
                    self.assertEqual(len(found), expected)
                else:
                    self.assertEqual(found, expected)

    def test_csv_export(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.get(f"{REFERRALS}?format=csv&q={self.ada_referral.code}")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0][0], "referral")
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][:3], [self.ada_referral.code, self.ada.code, "discharge"])
        self.assertEqual(rows[1][-3:], ["riverside", "river_coordinator", "yes"])

    def test_query_count_does_not_grow_with_rows(self) -> None:
        self.client.force_login(self.cast.river_coordinator)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(REFERRALS).status_code, 200)
            return len(queries)

        before = count()
        for i in range(6):
            someone = make_participant(self.cast.riverside, given_name=f"More{i}")
            make_referral(someone, self.cast.discharge, self.cast.riverside, self.cast.river_admin)
        self.assertEqual(count(), before)

    def test_referral_page_answers_who_owned_it_then(self) -> None:
        self.client.force_login(self.cast.river_worker)
        url = reverse("cases:referral", args=[self.ada_referral.code])
        response = self.client.get(url)
        self.assertContains(response, "Ownership history")
        read = AuditEntry.objects.get(action="referral.read")
        self.assertEqual((read.kind, read.object_id), (EntryKind.READ, self.ada_referral.code))
        when = timezone.localtime(ago(days=1)).strftime("%Y-%m-%dT%H:%M")
        fragment = self.client.get(f"{url}?at={when}", headers={"HX-Request": "true"})
        body = fragment.content.decode()
        self.assertTrue(body.lstrip().startswith('<div id="owner-at"'))
        self.assertIn("River Tester", body)
        # Noon local time 30 days ago: never in an hour that a change of the clocks repeats.
        noon = timezone.localtime(ago(days=30)).replace(hour=12, minute=0)
        before = noon.strftime("%Y-%m-%dT%H:%M")
        fragment = self.client.get(f"{url}?at={before}", headers={"HX-Request": "true"})
        self.assertContains(fragment, "nobody")
        # An hour the clocks repeat, or skip, is refused with a sentence saying which.
        for at, says in (
            ("2026-10-25T01:30", "The clocks went back that night, so 01:30 on 25 Oct 2026"),
            ("2026-03-29T01:30", "The clocks went forward that night, so there was no 01:30"),
            ("yesterday", "Enter a valid date/time."),
        ):
            with self.subTest(at=at):
                fragment = self.client.get(f"{url}?at={at}", headers={"HX-Request": "true"})
                self.assertContains(fragment, says)

    def test_fragments_of_hidden_records_are_not_found_either(self) -> None:
        url = reverse("cases:referral", args=[self.ada_referral.code])
        when = timezone.localtime(ago(days=1)).strftime("%Y-%m-%dT%H:%M")
        self.client.force_login(self.cast.swift_admin)
        fragment = self.client.get(f"{url}?at={when}", headers={"HX-Request": "true"})
        self.assertEqual(fragment.status_code, 404)
        self.assertNotContains(fragment, "River Tester", status_code=404)
        self.client.force_login(self.cast.commissioner)
        listing = self.client.get(f"{REFERRALS}?q=R-", headers={"HX-Request": "true"})
        self.assertEqual(listing.status_code, 404)

    def test_record_a_referral(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.post(
            reverse("cases:referral_new"),
            {
                "participant": self.bea.code.lower(),
                "pathway": "discharge",
                "receiving_organisation": "riverside",
                "received_at": timezone.localtime(ago(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "referrer_name": "Ward 7",
                "owner_person": str(self.cast.river_supervisor.uuid),
            },
        )
        created = Referral.objects.filter(participant=self.bea).order_by("-id").first()
        assert created is not None
        self.assertRedirects(
            response, reverse("cases:referral", args=[created.code]), fetch_redirect_response=False
        )
        self.assertEqual(created.owner_person, self.cast.river_supervisor)

    def test_a_hidden_participant_cannot_be_referred_by_code(self) -> None:
        self.client.force_login(self.cast.river_coordinator)
        response = self.client.post(
            reverse("cases:referral_new"),
            {
                "participant": self.cy.code,
                "pathway": "discharge",
                "receiving_organisation": "riverside",
                "received_at": timezone.localtime(ago(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "referrer_name": "Ward 7",
                "owner_person": str(self.cast.river_supervisor.uuid),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("participant", response.context["form"].errors)

    def test_first_contact_discharge_and_reassign(self) -> None:
        referral = self.ada_referral
        self.client.force_login(self.cast.river_worker)
        contact = timezone.localtime(ago(days=2)).strftime("%Y-%m-%dT%H:%M")
        url = reverse("cases:first_contact", args=[referral.code])
        self.assertEqual(self.client.post(url, {"at": contact, "version": 1}).status_code, 302)
        self.client.force_login(self.cast.net_admin)
        url = reverse("cases:reassign", args=[referral.code])
        response = self.client.post(
            url, {"owner_person": str(self.cast.river_admin.uuid), "reason": "", "version": 2}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("reason", response.context["form"].errors)
        response = self.client.post(
            url,
            {"owner_person": str(self.cast.river_admin.uuid), "reason": "Leave", "version": 2},
        )
        self.assertEqual(response.status_code, 302)
        self.client.force_login(self.cast.river_coordinator)
        url = reverse("cases:discharge", args=[referral.code])
        now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        response = self.client.post(url, {"at": now, "outcome": "", "version": 3})
        self.assertIn("outcome", response.context["form"].errors)
        response = self.client.post(url, {"at": now, "outcome": "goals_met", "version": 2})
        self.assertContains(response, "changed by someone else")
        response = self.client.post(url, {"at": now, "outcome": "goals_met", "version": 3})
        self.assertEqual(response.status_code, 302)
        referral.refresh_from_db()
        self.assertEqual(
            (referral.outcome, referral.owner_person), ("goals_met", self.cast.river_admin)
        )


class DuplicatePageTests(PagesCase):
    def test_candidates_merge_not_same_and_unmerge(self) -> None:
        cast = self.cast
        twin = make_participant(
            cast.riverside, given_name="ADA", family_name="Lovelace", nhs_number=synthetic_nhs(1)
        )
        add_to_care_team(twin, cast.prime, CareReason.PRIME)
        lookalike = make_participant(cast.riverside, given_name="Adah", family_name="Lovelace")
        add_to_care_team(lookalike, cast.prime, CareReason.PRIME)
        hidden = make_participant(cast.swift, nhs_number=synthetic_nhs(1))
        add_to_care_team(hidden, cast.swift, CareReason.OWNER)
        self.client.force_login(cast.quality)
        response = self.client.get(reverse("cases:duplicates"))
        pairs = [(c.first.code, c.second.code, c.basis) for c in response.context["pairs"]]
        self.assertEqual(
            pairs,
            [
                (self.ada.code, twin.code, "nhs_number"),
                (self.ada.code, lookalike.code, "details"),
                (twin.code, lookalike.code, "details"),
            ],
        )
        self.assertNotContains(response, hidden.code)

        response = self.client.post(
            reverse("cases:not_same"), {"first": lookalike.code, "second": self.ada.code}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(NotDuplicate.objects.count(), 1)
        response = self.client.post(
            reverse("cases:merge"),
            {"first": self.ada.code, "second": twin.code, "reason": "Same NHS number"},
        )
        self.assertRedirects(
            response,
            reverse("cases:participant", args=[self.ada.code]),
            fetch_redirect_response=False,
        )
        response = self.client.get(reverse("cases:duplicates"))
        self.assertEqual(response.context["pairs"], [])
        [merge] = response.context["merges"]
        url = reverse("cases:unmerge", args=[merge.uuid])
        self.assertEqual(self.client.post(url, {"reason": "Twins"}).status_code, 302)
        self.assertEqual(Participant.objects.get(pk=twin.pk).status, "active")

    def test_a_merge_without_a_reason_is_refused_with_a_message(self) -> None:
        twin = make_participant(self.cast.riverside, nhs_number=synthetic_nhs(1))
        add_to_care_team(twin, self.cast.prime, CareReason.PRIME)
        self.client.force_login(self.cast.quality)
        response = self.client.post(
            reverse("cases:merge"), {"first": self.ada.code, "second": twin.code}, follow=True
        )
        self.assertContains(response, "Say why these are the same person")
        self.assertEqual(Participant.objects.get(pk=twin.pk).status, "active")

    def test_the_page_is_for_reviewers(self) -> None:
        for name in ("river_worker", "river_admin", "commissioner"):
            with self.subTest(name):
                self.client.force_login(self.cast[name])
                self.assertEqual(self.client.get(reverse("cases:duplicates")).status_code, 404)
