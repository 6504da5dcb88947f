"""Reconciling Riverside's caseload list against the register through `actions.reconcile`:
one test per category of the report with the records behind it, a bad list that stores
nothing, the dry run, and clerical review with its memory."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from seamline.audit.models import AuditEntry
from seamline.cases.choices import CareReason
from seamline.cases.models import Participant, Referral
from seamline.cases.reconciliation import actions
from seamline.cases.reconciliation.choices import Category, Decision, LinkMethod, LinkState
from seamline.cases.reconciliation.models import Finding, LinkDecision, ListRow, Run
from seamline.cases.reconciliation.testing import (
    Scene,
    build_scene,
    caseload_csv,
    make_mapping,
    rows_named,
)
from seamline.cases.testing import make_participant
from seamline.errors import RuleViolation
from seamline.testing import CastTestCase


class ReconcileCase(CastTestCase):
    scene: Scene
    outcome: actions.Outcome
    stored: Run

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.scene = build_scene(cls.cast)
        make_mapping(cls.cast.riverside)
        cls.outcome = cls.reconcile(cls.scene.rows)
        assert cls.outcome.run is not None
        cls.stored = cls.outcome.run

    @classmethod
    def reconcile(cls, rows: list[dict[str, str]], **kwargs: Any) -> actions.Outcome:
        actor = cls.cast.actor(cls.cast.river_coordinator)
        return actions.reconcile(actor, cls.cast.riverside, caseload_csv(rows), **kwargs)

    def records(self, category: str) -> list[tuple[int | None, str | None, str | None]]:
        """(row, participant code, referral code) of each finding of `category`."""
        return [
            (
                f.list_row.row if f.list_row else None,
                f.participant.code if f.participant else None,
                f.referral.code if f.referral else None,
            )
            for f in Finding.objects.filter(run=self.stored, category=category).select_related(
                "list_row", "participant", "referral"
            )
        ]

    def code(self, key: str) -> str:
        return self.scene.people[key].code

    def ref(self, key: str) -> str:
        return self.scene.referrals[key].code


class CategoryTests(ReconcileCase):
    def test_matched_rows_name_their_participant_and_how(self) -> None:
        rows = {
            r.row: (r.participant.code if r.participant else None, r.method)
            for r in ListRow.objects.filter(run=self.stored, state=LinkState.MATCHED)
        }
        self.assertEqual(rows[2], (self.code("ada"), LinkMethod.NHS_NUMBER))
        self.assertEqual(rows[3], (self.code("bob"), LinkMethod.PROBABILISTIC))
        self.assertEqual(len(rows), 7)
        self.assertEqual(self.stored.rate, 0.875)
        self.assertEqual(self.stored.counts[Category.MATCHED], 7)

    def test_unknown_to_the_register(self) -> None:
        unknown = ListRow.objects.filter(run=self.stored, state=LinkState.UNKNOWN)
        self.assertEqual([(r.row, r.family_name) for r in unknown], [(9, "Quennell")])
        self.assertEqual(self.outcome.counts[Category.UNKNOWN], 1)

    def test_open_in_the_register_but_missing_from_the_owners_list(self) -> None:
        self.assertEqual(
            self.records(Category.MISSING), [(None, self.code("cara"), self.ref("cara"))]
        )

    def test_duplicated_across_providers(self) -> None:
        self.assertEqual(
            self.records(Category.DUPLICATED), [(4, self.code("dan"), self.ref("dan"))]
        )

    def test_without_an_owner(self) -> None:
        self.assertEqual(self.records(Category.WITHOUT_OWNER), [(5, self.code("eve"), None)])
        detail = Finding.objects.get(run=self.stored, category=Category.WITHOUT_OWNER).detail
        self.assertIn(f"discharged {self.ref('eve')}", detail)

    def test_outcome_missing(self) -> None:
        self.assertEqual(
            self.records(Category.OUTCOME_MISSING),
            [(6, self.code("fay"), None), (7, self.code("gus"), self.ref("gus"))],
        )

    def test_long_wait(self) -> None:
        self.assertEqual(
            self.records(Category.LONG_WAIT), [(None, self.code("hal"), self.ref("hal"))]
        )

    def test_the_json_report_lists_every_category_with_its_records(self) -> None:
        report = self.outcome.as_dict()
        self.assertEqual(report["rate"], 0.875)
        self.assertEqual(set(report["categories"]), set(Category.values))
        self.assertEqual(
            [r["participant"] for r in report["categories"][Category.DUPLICATED]],
            [self.code("dan")],
        )
        self.assertEqual([r["row"] for r in report["categories"][Category.UNKNOWN]], [9])

    def test_the_run_is_stored_with_who_when_partner_digest_and_an_audit_entry(self) -> None:
        self.assertEqual(self.stored.organisation, self.cast.riverside)
        self.assertEqual(self.stored.uploaded_by, self.cast.river_coordinator)
        self.assertEqual(len(self.stored.file_digest), 64)
        entry = AuditEntry.objects.filter(action="reconciliation.run").latest("seq")
        self.assertEqual(entry.object_id, str(self.stored.uuid))


class JudgedAsOfTheUploadTests(ReconcileCase):
    def test_a_change_to_the_register_after_the_upload_does_not_change_the_run(self) -> None:
        hal = Referral.objects.get(pk=self.scene.referrals["hal"].pk)
        Referral.objects.filter(pk=hal.pk).update(first_contact_at=timezone.now())
        actions.refresh(self.stored)
        self.assertEqual(
            self.records(Category.LONG_WAIT), [(None, self.code("hal"), self.ref("hal"))]
        )


class RefusedListTests(ReconcileCase):
    def test_a_list_with_a_bad_row_stores_nothing_and_names_row_and_column(self) -> None:
        runs, rows, entries = (
            Run.objects.count(),
            ListRow.objects.count(),
            AuditEntry.objects.count(),
        )
        bad = [*self.scene.rows]
        bad[3] = {**bad[3], "date_of_birth": "31/02/1944"}
        outcome = self.reconcile(bad)
        self.assertIsNone(outcome.run)
        self.assertEqual([(e.row, e.column) for e in outcome.errors], [(5, "DOB")])
        self.assertEqual(Run.objects.count(), runs)
        self.assertEqual(ListRow.objects.count(), rows)
        self.assertEqual(AuditEntry.objects.count(), entries)

    def test_a_dry_run_reports_the_same_figures_and_stores_nothing(self) -> None:
        runs, findings = Run.objects.count(), Finding.objects.count()
        outcome = self.reconcile(self.scene.rows, dry_run=True)
        self.assertEqual(outcome.rate, 0.875)
        self.assertEqual(outcome.counts, self.outcome.counts)
        self.assertEqual((Run.objects.count(), Finding.objects.count()), (runs, findings))

    def test_a_partner_without_saved_columns_is_asked_for_them(self) -> None:
        actor = self.cast.actor(self.cast.swift_admin)
        with self.assertRaises(RuleViolation) as caught:
            actions.reconcile(actor, self.cast.swift, caseload_csv(self.scene.rows))
        self.assertEqual(caught.exception.codes, ["mapping_required"])

    def test_a_partner_cannot_reconcile_another_partners_list(self) -> None:
        actor = self.cast.actor(self.cast.swift_admin)
        with self.assertRaises(RuleViolation) as caught:
            actions.reconcile(actor, self.cast.riverside, caseload_csv(self.scene.rows))
        self.assertEqual(caught.exception.codes, ["not_permitted"])


class ClericalReviewTests(CastTestCase):
    """A row resembling Margaret Hughes (initial only, a day apart, moved house) waits for a
    person's decision; the decision updates the run and holds for the next list."""

    scene: Scene
    margaret: Participant

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.scene = build_scene(cls.cast)
        make_mapping(cls.cast.riverside)
        cls.margaret = make_participant(
            cls.cast.riverside,
            given_name="Margaret",
            family_name="Hughes",
            date_of_birth=date(1940, 7, 15),
            postcode="NS3 2AB",
            address="18 Mill Lane, Northbridge",
            care=[(cls.cast.riverside, CareReason.REGISTERED)],
        )
        cls.scene.rows.append(
            {
                "local_id": "RHS010",
                "given_name": "M",
                "family_name": "Hughes",
                "date_of_birth": "16/07/1940",
                "postcode": "NS9 9ZZ",
                "address": "7 Other Road, Eastwick",
                "pathway": "discharge",
                "status": "Open",
            }
        )

    def reconcile(self) -> Run:
        actor = self.cast.actor(self.cast.river_coordinator)
        outcome = actions.reconcile(actor, self.cast.riverside, caseload_csv(self.scene.rows))
        assert outcome.run is not None
        return outcome.run

    def pending(self, run: Run) -> ListRow:
        return ListRow.objects.get(run=run, row=10)

    def test_an_uncertain_row_waits_for_review(self) -> None:
        run = self.reconcile()
        row = self.pending(run)
        self.assertEqual((row.state, row.participant), (LinkState.UNCERTAIN, self.margaret))
        self.assertEqual(run.counts[Category.REVIEW], 1)

    def test_the_same_person_matches_the_row_and_the_next_list_links_it_exactly(self) -> None:
        run = self.reconcile()
        actor = self.cast.actor(self.cast.quality)
        actions.decide(actor, self.pending(run), Decision.SAME, reason="Checked with the GP.")
        run.refresh_from_db()
        self.assertEqual(run.counts[Category.REVIEW], 0)
        self.assertEqual(run.counts[Category.MATCHED], 8)
        self.assertEqual(run.rate, round(8 / 9, 4))
        self.assertEqual(self.pending(run).method, LinkMethod.REVIEW)
        later = self.reconcile()
        row = self.pending(later)
        self.assertEqual((row.state, row.method), (LinkState.MATCHED, LinkMethod.LOCAL_ID))

    def test_not_the_same_person_is_remembered_and_never_proposed_again(self) -> None:
        run = self.reconcile()
        actor = self.cast.actor(self.cast.river_coordinator)
        actions.decide(actor, self.pending(run), Decision.NOT_SAME)
        run.refresh_from_db()
        self.assertEqual(run.counts[Category.UNKNOWN], 2)
        self.assertEqual(
            LinkDecision.objects.get(participant=self.margaret).decision, Decision.NOT_SAME
        )
        later = self.reconcile()
        self.assertEqual(self.pending(later).state, LinkState.UNKNOWN)

    def test_a_row_no_longer_awaiting_review_cannot_be_decided_again(self) -> None:
        run = self.reconcile()
        actor = self.cast.actor(self.cast.river_coordinator)
        actions.decide(actor, self.pending(run), Decision.SAME)
        with self.assertRaises(RuleViolation) as caught:
            actions.decide(actor, self.pending(run), Decision.NOT_SAME)
        self.assertEqual(caught.exception.codes, ["already_decided"])

    def test_a_worker_cannot_decide(self) -> None:
        run = self.reconcile()
        with self.assertRaises(RuleViolation):
            actions.decide(self.cast.actor(self.cast.river_worker), self.pending(run), "same")
        self.assertEqual(self.pending(run).state, LinkState.UNCERTAIN)


class WithoutLocalIdTests(ReconcileCase):
    def test_a_row_without_its_own_id_is_still_read(self) -> None:
        row = {**rows_named(self.scene.rows, "Ivy"), "local_id": ""}
        outcome = self.reconcile([row], dry_run=True)
        self.assertEqual(outcome.rows, 1)
        self.assertEqual(outcome.counts[Category.UNKNOWN], 1)
