"""The two seams that enter the ladder from other apps: handoffs past their response standard
(`handoffs.overdue.overdue_handoffs`) and reconciliation mismatches left unresolved."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from seamline.cases.reconciliation.models import Finding, Run
from seamline.cases.testing import make_participant, make_referral
from seamline.escalation import worker
from seamline.escalation.choices import Trigger
from seamline.escalation.models import Escalation
from seamline.escalation.testing import load_defaults, make_case
from seamline.handoffs.models import Handoff
from seamline.handoffs.testing import (
    build_scene,
    clear_for_receipt,
    load_templates,
    make_handoff,
)
from seamline.testing import CastTestCase

HOUR = timedelta(hours=1)


class HandoffSourceTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()
        load_templates()
        clear_for_receipt(cls.cast.river_worker, cls.cast.riverside)

    def test_an_unanswered_handoff_past_its_standard_enters_the_ladder_once(self) -> None:
        ada = make_participant(self.cast.prime, given_name="Ada", family_name="Waiting")
        referral = make_referral(ada, self.cast.discharge, self.cast.prime, self.cast.prime_worker)
        handoff = make_handoff(referral, self.cast.prime_worker, self.cast.riverside, send=True)
        assert handoff.respond_by is not None
        self.assertEqual(worker.tick(handoff.respond_by - HOUR).opened, 0)
        self.assertEqual(worker.tick(handoff.respond_by + HOUR).opened, 1)
        esc = Escalation.objects.get()
        self.assertEqual(esc.trigger, Trigger.HANDOFF_OVERDUE)
        # The receiver has not answered: it is theirs to answer.
        self.assertEqual(esc.organisation, self.cast.riverside)
        self.assertEqual(esc.raised_at, handoff.respond_by)
        self.assertEqual(esc.source_ref, f"handoff:{handoff.code}")
        self.assertEqual(worker.tick(handoff.respond_by + 2 * HOUR).opened, 0)


class RejectedHandoffTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def test_a_rejection_left_unresolved_is_the_senders_to_answer(self) -> None:
        scene = build_scene(self.cast)
        rejected = Handoff.objects.get(pk=scene.rejected.pk)
        assert rejected.respond_by is not None
        worker.tick(rejected.respond_by + HOUR)
        esc = Escalation.objects.get(episode=f"handoff:{rejected.code}:rejected")
        self.assertEqual(esc.organisation, self.cast.prime)


class ReconciliationSourceTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def test_a_mismatch_not_cleared_within_seven_days_enters_the_ladder(self) -> None:
        person, _ = make_case(self.cast, family_name="Unlisted")
        uploaded = timezone.now() - timedelta(days=3)
        run = Run.objects.create(
            organisation=self.cast.riverside, uploaded_at=uploaded, file_digest="0" * 64
        )
        Finding.objects.create(
            run=run, category="missing_from_list", participant=person, detail="Not on the list"
        )
        self.assertEqual(worker.tick(uploaded + timedelta(days=7) - HOUR).opened, 0)
        self.assertEqual(worker.tick(uploaded + timedelta(days=7) + HOUR).opened, 1)
        esc = Escalation.objects.get()
        self.assertEqual(
            (esc.trigger, esc.organisation), (Trigger.RECONCILIATION, self.cast.riverside)
        )
        self.assertEqual(esc.raised_at, uploaded + timedelta(days=7))

    def test_a_newer_list_without_the_mismatch_clears_it(self) -> None:
        person, _ = make_case(self.cast, family_name="Relisted")
        uploaded = timezone.now() - timedelta(days=10)
        run = Run.objects.create(
            organisation=self.cast.riverside, uploaded_at=uploaded, file_digest="0" * 64
        )
        Finding.objects.create(
            run=run, category="missing_from_list", participant=person, detail="Not on the list"
        )
        Run.objects.create(
            organisation=self.cast.riverside,
            uploaded_at=uploaded + timedelta(days=2),
            file_digest="1" * 64,
        )
        self.assertEqual(worker.tick(uploaded + timedelta(days=8)).opened, 0)
        self.assertFalse(Escalation.objects.exists())
