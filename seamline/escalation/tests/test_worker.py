"""The worker with a frozen clock: triggers open an escalation once per episode, and each rung
climbs at exactly its deadline, notifying the next rung."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import time_machine
from django.core import mail
from django.db import IntegrityError, transaction

from seamline.audit.models import AuditEntry
from seamline.cases.testing import make_flag
from seamline.escalation import actions, worker
from seamline.escalation.choices import EventKind, Tier, Trigger
from seamline.escalation.models import Escalation, EscalationEvent, Notification
from seamline.escalation.testing import SYSTEM, load_defaults, make_case
from seamline.testing import CastTestCase

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class OpeningTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def setUp(self) -> None:
        self.person, self.referral = make_case(self.cast, received_at=T0 - 48 * HOUR)

    def test_a_flag_opens_one_escalation_on_its_tier_and_notifies_the_responsible_role(
        self,
    ) -> None:
        make_flag(self.person, "deterioration", "medium", raised_at=T0)
        result = worker.tick(T0 + timedelta(minutes=6))
        self.assertEqual(result.opened, 1)
        esc = Escalation.objects.get()
        self.assertEqual(
            (esc.trigger, esc.tier, esc.rung), (Trigger.DETERIORATION, Tier.IMMEDIATE, 1)
        )
        self.assertEqual(esc.raised_at, T0)
        self.assertEqual(esc.due_at, T0 + HOUR)
        self.assertEqual(esc.organisation, self.cast.riverside)
        note = Notification.objects.get()
        self.assertEqual(
            (note.organisation, note.role, note.kind), (self.cast.riverside, "supervisor", "raised")
        )

    def test_the_same_trigger_in_the_same_episode_opens_once(self) -> None:
        make_flag(self.person, "safeguarding", "high", raised_at=T0)
        worker.tick(T0 + HOUR / 2)
        make_flag(self.person, "safeguarding", "medium", raised_at=T0 + HOUR)
        result = worker.tick(T0 + 2 * HOUR)
        self.assertEqual(result.opened, 0)
        self.assertEqual(Escalation.objects.filter(trigger=Trigger.SAFEGUARDING).count(), 1)

    def test_the_database_refuses_a_second_escalation_for_the_episode(self) -> None:
        make_flag(self.person, "safeguarding", "high", raised_at=T0)
        worker.tick(T0 + HOUR / 2)
        esc = Escalation.objects.get()
        with self.assertRaises(IntegrityError), transaction.atomic():
            Escalation.objects.create(
                code="ESC-X",
                participant=self.person,
                pathway=esc.pathway,
                organisation=esc.organisation,
                trigger=esc.trigger,
                episode=esc.episode,
                tier=esc.tier,
                responsible_role=esc.responsible_role,
                chair_role=esc.chair_role,
                threshold_version=esc.threshold_version,
            )

    def test_open_escalation_answers_none_for_an_episode_already_open(self) -> None:
        args: dict[str, Any] = {
            "participant": self.person,
            "pathway": self.cast.discharge,
            "organisation": self.cast.riverside,
            "trigger": Trigger.ED_CONTACT,
            "episode": self.referral.code,
            "at": T0,
        }
        self.assertIsNotNone(actions.open_escalation(SYSTEM, **args))
        self.assertIsNone(actions.open_escalation(SYSTEM, **args))

    def test_two_missed_visits_in_seven_days_open_the_pattern(self) -> None:
        make_flag(self.person, "missed_visits", "medium", raised_at=T0)
        self.assertEqual(worker.tick(T0 + HOUR).opened, 0)
        make_flag(self.person, "missed_visits", "medium", raised_at=T0 + 6 * 24 * HOUR)
        self.assertEqual(worker.tick(T0 + 6 * 24 * HOUR + HOUR).opened, 1)
        esc = Escalation.objects.get()
        self.assertEqual(esc.trigger, Trigger.MISSED_VISITS)
        self.assertEqual(esc.raised_at, T0 + 6 * 24 * HOUR)

    def test_a_resolved_missed_visit_still_counts_towards_the_pattern(self) -> None:
        make_flag(self.person, "missed_visits", "medium", raised_at=T0, resolved_at=T0 + HOUR)
        make_flag(self.person, "missed_visits", "medium", raised_at=T0 + 24 * HOUR)
        self.assertEqual(worker.tick(T0 + 25 * HOUR).opened, 1)

    def test_a_resolved_flag_fires_nothing(self) -> None:
        make_flag(self.person, "safeguarding", "high", raised_at=T0, resolved_at=T0 + HOUR)
        self.assertEqual(worker.tick(T0 + 2 * HOUR).opened, 0)

    def test_a_trigger_the_threshold_set_leaves_out_opens_nothing(self) -> None:
        rows = [
            {
                "trigger": "safeguarding",
                "tier": "same_day",
                "role": "supervisor",
                "chair": "quality_lead",
            }
        ]
        actions.save_thresholds(SYSTEM, rows, reason="Only safeguarding for now")
        make_flag(self.person, "deterioration", "high", raised_at=T0)
        self.assertEqual(worker.tick(T0 + HOUR).opened, 0)


class ClimbTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def setUp(self) -> None:
        self.person, self.referral = make_case(self.cast, received_at=T0 - 48 * HOUR)
        make_flag(self.person, "recent_ed_contact", "medium", raised_at=T0)  # same day: 4, 8, 24 h
        worker.tick(T0)
        self.esc = Escalation.objects.get()

    def test_each_rung_climbs_at_exactly_its_deadline(self) -> None:
        self.assertEqual(self.esc.due_at, T0 + 4 * HOUR)
        with time_machine.travel(T0 + 4 * HOUR - timedelta(seconds=1), tick=False):
            self.assertEqual(worker.tick().climbed, 0)
        with time_machine.travel(T0 + 4 * HOUR, tick=False):
            self.assertEqual(worker.tick().climbed, 1)
        self.esc.refresh_from_db()
        self.assertEqual((self.esc.rung, self.esc.due_at), (2, T0 + 12 * HOUR))
        note = Notification.objects.get(kind=EventKind.CLIMBED, rung=2)
        self.assertEqual((note.organisation, note.role), (self.cast.riverside, "supervisor"))
        with time_machine.travel(T0 + 12 * HOUR, tick=False):
            self.assertEqual(worker.tick().climbed, 1)
        self.esc.refresh_from_db()
        self.assertEqual((self.esc.rung, self.esc.due_at), (3, T0 + 36 * HOUR))
        note = Notification.objects.get(kind=EventKind.CLIMBED, rung=3)
        # The contractual rung falls to the pathway's lead organisation.
        self.assertEqual((note.organisation, note.role), (self.cast.prime, "quality_lead"))
        with time_machine.travel(T0 + 36 * HOUR, tick=False):
            self.assertEqual(worker.tick().breached, 1)
        self.esc.refresh_from_db()
        self.assertEqual((self.esc.due_at, self.esc.breached_at), (None, T0 + 36 * HOUR))
        kinds = list(self.esc.events.values_list("kind", "rung", "at"))
        self.assertEqual(
            kinds,
            [
                ("raised", 1, T0),
                ("climbed", 2, T0 + 4 * HOUR),
                ("climbed", 3, T0 + 12 * HOUR),
                ("breached", 3, T0 + 36 * HOUR),
            ],
        )
        self.assertEqual(AuditEntry.objects.filter(action="escalation.climbed").count(), 2)

    def test_a_late_worker_climbs_every_missed_rung_at_its_own_deadline(self) -> None:
        result = worker.tick(T0 + 20 * HOUR)
        self.assertEqual(result.climbed, 2)
        self.assertEqual(
            list(EscalationEvent.objects.filter(kind="climbed").values_list("at", flat=True)),
            [T0 + 4 * HOUR, T0 + 12 * HOUR],
        )

    def test_a_clinical_review_stops_the_clock(self) -> None:
        actions.respond(SYSTEM, self.esc, review="Seen: plan changed", at=T0 + HOUR)
        self.assertEqual(worker.tick(T0 + 50 * HOUR).climbed, 0)
        self.esc.refresh_from_db()
        self.assertEqual(self.esc.rung, 1)

    def test_acknowledging_does_not_stop_the_clock(self) -> None:
        actions.acknowledge(SYSTEM, self.esc, at=T0 + HOUR)
        self.assertEqual(worker.tick(T0 + 5 * HOUR).climbed, 1)

    def test_the_claim_is_compare_and_set_on_deadline_and_version(self) -> None:
        stale_version = self.esc.version
        assert self.esc.due_at is not None
        self.assertEqual(
            worker.climb_one(self.esc.pk, self.esc.due_at, stale_version, T0 + 5 * HOUR), "climbed"
        )
        # A second worker that read the same row is refused by the UPDATE's condition.
        self.assertEqual(
            worker.climb_one(self.esc.pk, self.esc.due_at, stale_version, T0 + 5 * HOUR), "lost"
        )
        self.assertEqual(EscalationEvent.objects.filter(kind="climbed").count(), 1)

    def test_one_bad_row_does_not_stop_the_others(self) -> None:
        other, _ = make_case(self.cast, received_at=T0 - 48 * HOUR, family_name="Byron")
        make_flag(other, "recent_ed_contact", "medium", raised_at=T0)
        worker.tick(T0)

        def fail_for_first(esc: Escalation) -> None:
            if esc.pk == self.esc.pk:
                raise RuntimeError("a bad row")

        worker.after_claim = fail_for_first
        try:
            result = worker.tick(T0 + 5 * HOUR)
        finally:
            worker.after_claim = None
        self.assertEqual((result.climbed, result.failed), (1, [self.esc.code]))
        self.esc.refresh_from_db()
        self.assertEqual(self.esc.rung, 1)  # rolled back, left for the next tick
        self.assertEqual(worker.tick(T0 + 5 * HOUR).climbed, 1)


class MailTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def test_each_notice_is_emailed_once_to_the_holders_of_its_role(self) -> None:
        person, _ = make_case(self.cast, received_at=T0 - 48 * HOUR)
        make_flag(person, "recent_ed_contact", "medium", raised_at=T0)
        result = worker.tick(T0)
        self.assertEqual(result.emailed, 1)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["river_coordinator@example.org"])
        self.assertIn("/escalation/ESC-", mail.outbox[0].body)
        self.assertEqual(worker.tick(T0 + HOUR).emailed, 0)
        self.assertEqual(len(mail.outbox), 1)
        worker.tick(T0 + 4 * HOUR)  # climbs to the clinical rung: the supervisor hears
        self.assertEqual(mail.outbox[-1].to, ["river_supervisor@example.org"])
        self.assertEqual(len(mail.outbox), 2)


class LoopTests(CastTestCase):
    def test_the_loop_survives_a_failing_tick_and_stops_when_told(self) -> None:
        calls: list[int] = []
        real_tick = worker.tick
        stop = threading.Event()

        def flaky(
            at: datetime | None = None, stop: threading.Event | None = None
        ) -> worker.TickResult:
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("database away")
            if len(calls) == 3:
                assert stop is not None
                stop.set()
            return real_tick(at, stop)

        with mock.patch.object(worker, "tick", flaky):
            worker.run(interval=0.01, stop=stop)
        self.assertEqual(len(calls), 3)


class HighRiskTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def test_an_open_same_day_escalation_makes_the_participant_high_risk_until_resolved(
        self,
    ) -> None:
        from seamline.cases import risk
        from seamline.cases.models import Participant

        person, referral = make_case(self.cast, received_at=T0 - 48 * HOUR)
        self.assertFalse(risk.is_high_risk(person, T0 + HOUR))
        esc = actions.open_escalation(
            SYSTEM,
            participant=person,
            pathway=self.cast.discharge,
            organisation=self.cast.riverside,
            trigger=Trigger.ED_CONTACT,
            episode=referral.code,
            at=T0,
        )
        assert esc is not None
        self.assertTrue(risk.is_high_risk(person, T0 + HOUR))
        self.assertIn(person, Participant.objects.high_risk(T0 + HOUR))
        actions.resolve(SYSTEM, esc, outcome="clinical_input", at=T0 + 2 * HOUR)
        self.assertFalse(risk.is_high_risk(person, T0 + 3 * HOUR))
        self.assertTrue(risk.is_high_risk(person, T0 + HOUR))
