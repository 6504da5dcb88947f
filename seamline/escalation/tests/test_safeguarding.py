"""Safeguarding's rules and clock with a frozen clock: the same-day deadline in the network's
time zone (midnight edges, a concern raised at 23:50, the change of clocks), the worker telling
the pathway's lead exactly once, late notices counted, the triage decision rules, and the
escalation a concern opens once per episode."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.db import IntegrityError, transaction

from seamline.audit.models import AuditEntry
from seamline.cases.testing import make_flag
from seamline.coordination.models import Action
from seamline.errors import RuleViolation
from seamline.escalation import timers, worker
from seamline.escalation.choices import ConcernState, EventKind, Trigger
from seamline.escalation.models import Escalation, Notification, SafeguardingConcern
from seamline.escalation.safeguarding import actions, rules
from seamline.escalation.safeguarding.dashboard import ConcernFacts, summarise
from seamline.escalation.testing import load_defaults, make_case, make_concern
from seamline.network.choices import Role
from seamline.network.models import Network
from seamline.testing import CastTestCase, make_user

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def london(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


class SameDayDeadlineTests(CastTestCase):
    def test_the_deadline_is_the_midnight_ending_the_local_day(self) -> None:
        cases = [
            # (arose, deadline), London time
            (london(2026, 3, 10, 9, 0), london(2026, 3, 11)),
            (london(2026, 3, 10, 0, 0), london(2026, 3, 11)),  # the first minute of the day
            (london(2026, 3, 10, 23, 50), london(2026, 3, 11)),  # ten minutes to go
            (london(2026, 3, 10, 23, 59, 59), london(2026, 3, 11)),
            # Summer time: 23:50 BST is 22:50 UTC, the deadline 23:00 UTC.
            (london(2026, 7, 1, 23, 50), datetime(2026, 7, 1, 23, 0, tzinfo=UTC)),
            # The night the clocks go forward (29 March 2026) and back (25 October 2026).
            (london(2026, 3, 28, 23, 50), datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),
            (london(2026, 3, 29, 23, 50), datetime(2026, 3, 29, 23, 0, tzinfo=UTC)),
            (london(2026, 10, 25, 0, 30), datetime(2026, 10, 26, 0, 0, tzinfo=UTC)),
        ]
        for arose, expected in cases:
            with self.subTest(arose=arose):
                self.assertEqual(timers.same_day_deadline(arose, LONDON), expected)

    def test_the_day_is_the_networks_not_utcs(self) -> None:
        # 02:00 UTC on the 11th is still the 10th in New York: the deadline is its midnight.
        arose = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
        self.assertEqual(
            timers.same_day_deadline(arose, NEW_YORK), datetime(2026, 3, 11, 4, 0, tzinfo=UTC)
        )
        self.assertEqual(timers.same_day_deadline(arose, LONDON), london(2026, 3, 12))

    def test_a_concern_takes_its_deadline_from_the_networks_time_zone(self) -> None:
        network = Network.current()
        network.time_zone = "America/New_York"
        network.save(update_fields=["time_zone"])
        load_defaults()
        person, _ = make_case(self.cast)
        arose = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
        concern = make_concern(self.cast, person, arose)
        self.assertEqual(concern.notify_by, datetime(2026, 3, 11, 4, 0, tzinfo=UTC))

    def test_notice_status_at_the_edges(self) -> None:
        due = london(2026, 3, 11)
        minute = timedelta(minutes=1)
        self.assertEqual(rules.notice_status(due - minute, due, due + minute), "same_day")
        self.assertEqual(rules.notice_status(due, due, due + minute), "late")
        self.assertEqual(rules.notice_status(None, due, due - minute), "pending")
        self.assertEqual(rules.notice_status(None, due, due), "late")


class WorkerTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def setUp(self) -> None:
        self.person, self.referral = make_case(self.cast, received_at=london(2026, 3, 1, 9))

    def test_a_concern_raised_at_23_50_and_told_at_23_55_is_same_day(self) -> None:
        arose = london(2026, 3, 10, 23, 50)
        concern = make_concern(self.cast, self.person, arose)
        self.assertEqual(concern.notify_by, london(2026, 3, 11))
        result = worker.tick(london(2026, 3, 10, 23, 55))
        self.assertEqual(result.told, 1)
        concern.refresh_from_db()
        self.assertEqual(concern.lead_notified_at, london(2026, 3, 10, 23, 55))
        self.assertTrue(concern.notified_in_time())
        note = Notification.objects.get(concern=concern)
        self.assertEqual((note.organisation, note.role), (self.cast.prime, Role.QUALITY_LEAD))
        self.assertEqual(note.kind, EventKind.SAFEGUARDING)
        self.assertNotIn("late", note.message)

    def test_told_after_midnight_is_late(self) -> None:
        concern = make_concern(self.cast, self.person, london(2026, 3, 10, 23, 50))
        worker.tick(london(2026, 3, 11, 0, 0))  # the worker was down until midnight
        concern.refresh_from_db()
        self.assertFalse(concern.notified_in_time())
        self.assertIn("told late", Notification.objects.get(concern=concern).message)
        entry = AuditEntry.objects.filter(action="safeguarding.notify_lead").get()
        self.assertTrue(entry.changes["late"])

    def test_the_worker_tells_the_lead_exactly_once(self) -> None:
        concern = make_concern(self.cast, self.person, london(2026, 3, 10, 9))
        first = worker.tick(london(2026, 3, 10, 9, 1))
        second = worker.tick(london(2026, 3, 10, 9, 2))
        self.assertEqual((first.told, second.told), (1, 0))
        self.assertEqual(Notification.objects.filter(concern=concern).count(), 1)
        concern.refresh_from_db()
        self.assertEqual(concern.lead_notified_at, london(2026, 3, 10, 9, 1))

    def test_a_second_claim_of_the_same_concern_loses(self) -> None:
        concern = make_concern(self.cast, self.person, london(2026, 3, 10, 9))
        at = london(2026, 3, 10, 9, 1)
        self.assertTrue(actions.notify_lead(concern.pk, at, worker.WORKER))
        self.assertFalse(actions.notify_lead(concern.pk, at, worker.WORKER))
        self.assertEqual(Notification.objects.filter(concern=concern).count(), 1)

    def test_the_database_refuses_a_second_notice_for_a_concern(self) -> None:
        concern = make_concern(self.cast, self.person, london(2026, 3, 10, 9))
        worker.tick(london(2026, 3, 10, 9, 1))
        with self.assertRaises(IntegrityError), transaction.atomic():
            Notification.objects.create(
                concern=concern,
                organisation=self.cast.prime,
                role=Role.QUALITY_LEAD,
                kind=EventKind.SAFEGUARDING,
                rung=0,
                message="again",
            )

    def test_a_concern_not_yet_recorded_is_not_told(self) -> None:
        make_concern(
            self.cast, self.person, london(2026, 3, 10, 9), recorded_at=london(2026, 3, 10, 12)
        )
        self.assertEqual(worker.tick(london(2026, 3, 10, 11)).told, 0)
        self.assertEqual(worker.tick(london(2026, 3, 10, 12)).told, 1)

    def test_a_lead_role_nobody_holds_leaves_the_concern_untold_and_then_late(self) -> None:
        actions.set_lead(
            worker.WORKER, self.cast.discharge, self.cast.swift, Role.SUPERVISOR, reason="Test"
        )
        concern = make_concern(self.cast, self.person, london(2026, 3, 10, 9))
        result = worker.tick(london(2026, 3, 10, 9, 1))
        self.assertEqual((result.told, result.untold), (0, 1))
        self.assertFalse(Notification.objects.filter(concern=concern).exists())
        self.assertEqual(rules.notice_status(None, concern.notify_by, london(2026, 3, 11)), "late")
        make_user("swift_supervisor", self.cast.swift, [Role.SUPERVISOR])
        self.assertEqual(worker.tick(london(2026, 3, 11, 8)).told, 1)
        concern.refresh_from_db()
        self.assertFalse(concern.notified_in_time())

    def test_the_lead_is_the_pathways_named_lead(self) -> None:
        actions.set_lead(
            worker.WORKER, self.cast.discharge, self.cast.riverside, Role.SUPERVISOR, reason="Test"
        )
        concern = make_concern(self.cast, self.person, london(2026, 3, 10, 9))
        self.assertEqual(
            (concern.lead_organisation, concern.lead_role), (self.cast.riverside, Role.SUPERVISOR)
        )
        worker.tick(london(2026, 3, 10, 9, 1))
        note = Notification.objects.get(concern=concern)
        self.assertEqual((note.organisation, note.role), (self.cast.riverside, Role.SUPERVISOR))

    def test_a_lead_must_read_participant_records(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.set_lead(
                worker.WORKER, self.cast.discharge, self.cast.icb, Role.COMMISSIONER, reason="x"
            )
        self.assertEqual(caught.exception.reasons[0].field, "role")

    def test_e_mail_goes_to_the_holders_of_the_lead_role(self) -> None:
        from django.core import mail

        make_concern(self.cast, self.person, london(2026, 3, 10, 9))
        self.cast.quality.email = "quality@example.org"
        self.cast.quality.save(update_fields=["email"])
        worker.tick(london(2026, 3, 10, 9, 1))
        sent = [m for m in mail.outbox if "Safeguarding concern" in m.subject]
        self.assertEqual([m.to for m in sent], [["quality@example.org"]])
        self.assertIn("/escalation/safeguarding/SG-", sent[0].body)


class EscalationOnceTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def test_a_concern_opens_the_episodes_safeguarding_escalation(self) -> None:
        person, referral = make_case(self.cast)
        concern = make_concern(self.cast, person, london(2026, 3, 10, 9))
        esc = Escalation.objects.get()
        self.assertEqual((esc.trigger, esc.episode), (Trigger.SAFEGUARDING, referral.code))
        self.assertEqual(concern.escalation, esc)
        self.assertEqual(esc.raised_at, concern.recorded_at)

    def test_a_second_concern_and_a_flag_do_not_open_it_again(self) -> None:
        person, _ = make_case(self.cast)
        first = make_concern(self.cast, person, london(2026, 3, 10, 9))
        second = make_concern(self.cast, person, london(2026, 3, 10, 11), theme="financial")
        make_flag(person, "safeguarding", "high", raised_at=london(2026, 3, 10, 12))
        result = worker.tick(london(2026, 3, 10, 12, 5))
        self.assertEqual(result.opened, 0)
        self.assertEqual(Escalation.objects.filter(trigger=Trigger.SAFEGUARDING).count(), 1)
        self.assertEqual(second.escalation, first.escalation)

    def test_a_concern_after_a_flag_joins_the_flags_escalation(self) -> None:
        person, _ = make_case(self.cast)
        make_flag(person, "safeguarding", "high", raised_at=london(2026, 3, 10, 8))
        worker.tick(london(2026, 3, 10, 8, 5))
        concern = make_concern(self.cast, person, london(2026, 3, 10, 9))
        self.assertEqual(Escalation.objects.count(), 1)
        self.assertEqual(concern.escalation, Escalation.objects.get())


class RaiseRuleTests(CastTestCase):
    def test_raise_reasons(self) -> None:
        at = london(2026, 3, 10, 12)
        good: dict[str, Any] = {
            "theme": "neglect",
            "contact": "phone",
            "description": "x",
            "occurred_at": at,
            "recorded_at": at,
        }
        self.assertEqual(rules.raise_reasons(**good), [])
        cases: list[tuple[dict[str, Any], str]] = [
            ({"theme": "gossip"}, "theme"),
            ({"contact": ""}, "contact"),
            ({"description": "  "}, "description"),
            ({"occurred_at": None}, "occurred_at"),
            ({"occurred_at": at + timedelta(minutes=1)}, "occurred_at"),
        ]
        for change, field in cases:
            with self.subTest(change=change):
                found = rules.raise_reasons(**{**good, **change})
                self.assertEqual([r.field for r in found], [field])

    def test_the_database_keeps_recording_after_occurring(self) -> None:
        load_defaults()
        person, _ = make_case(self.cast)
        concern = make_concern(self.cast, person, london(2026, 3, 10, 9))
        with self.assertRaises(IntegrityError), transaction.atomic():
            SafeguardingConcern.objects.filter(pk=concern.pk).update(
                recorded_at=london(2026, 3, 10, 8)
            )

    def test_a_worker_who_cannot_see_the_participant_cannot_raise(self) -> None:
        load_defaults()
        person, _ = make_case(self.cast)
        with self.assertRaises(RuleViolation) as caught:
            make_concern(self.cast, person, london(2026, 3, 10, 9), by="swift_worker")
        self.assertEqual(caught.exception.codes, ["not_permitted"])


def facts(**kw: object) -> rules.DecisionFacts:
    arose = london(2026, 3, 10, 9)
    base: dict[str, object] = {
        "state": ConcernState.NEW,
        "occurred_at": arose,
        "recorded_at": arose,
        "meeting_ends": london(2026, 3, 16),
        "la_needed": False,
        "police_needed": False,
        "notifier_organisation": "",
        "notifier_role": "",
        "notify_due": None,
        "notified_at": None,
        "outcome": "",
        "notes": "",
        "now": london(2026, 3, 12, 14),
    }
    return rules.DecisionFacts(**{**base, **kw})  # type: ignore[arg-type]


class DecisionRuleTests(CastTestCase):
    def codes(self, **kw: object) -> list[tuple[str, str | None]]:
        return [(r.code, r.field) for r in rules.decision_reasons(facts(**kw))]

    def test_a_plain_no_notification_decision_passes(self) -> None:
        self.assertEqual(self.codes(), [])
        self.assertEqual(self.codes(outcome="protection_plan"), [])

    def test_a_needed_notification_names_who_and_by_when(self) -> None:
        self.assertEqual(
            self.codes(la_needed=True),
            [
                ("notifier_required", "notifier_organisation"),
                ("notifier_role_required", "notifier_role"),
                ("notify_due_required", "notify_due"),
            ],
        )
        told = {
            "notifier_organisation": "riverside",
            "notifier_role": "supervisor",
            "notify_due": london(2026, 3, 12, 17),
        }
        self.assertEqual(self.codes(police_needed=True, **told), [])
        self.assertEqual(
            self.codes(la_needed=True, **{**told, "notify_due": london(2026, 3, 9)}),
            [("notify_due_before_concern", "notify_due")],
        )

    def test_no_notification_needed_names_nobody(self) -> None:
        self.assertEqual(
            self.codes(notifier_organisation="riverside"),
            [("no_notification_needed", "notifier_organisation")],
        )
        self.assertEqual(
            self.codes(notified_at=london(2026, 3, 11)),
            [("no_notification_needed", "notifier_organisation")],
        )

    def test_done_is_not_in_the_future_nor_before_the_concern(self) -> None:
        told = {
            "la_needed": True,
            "notifier_organisation": "riverside",
            "notifier_role": "supervisor",
            "notify_due": london(2026, 3, 12, 17),
        }
        self.assertEqual(
            self.codes(**told, notified_at=london(2026, 3, 12, 15)),
            [("notified_in_future", "notified_at")],
        )
        self.assertEqual(
            self.codes(**told, notified_at=london(2026, 3, 10, 8)),
            [("notified_before_concern", "notified_at")],
        )

    def test_closing_needs_the_notification_done_and_a_fitting_outcome(self) -> None:
        told = {
            "la_needed": True,
            "notifier_organisation": "riverside",
            "notifier_role": "supervisor",
            "notify_due": london(2026, 3, 12, 17),
        }
        self.assertEqual(
            self.codes(**told, outcome="enquiry"), [("notification_outstanding", "notified_at")]
        )
        self.assertEqual(self.codes(**told, outcome="enquiry", notified_at=london(2026, 3, 12)), [])
        self.assertEqual(self.codes(outcome="enquiry"), [("outcome_needs_la", "outcome")])
        self.assertEqual(self.codes(outcome="police"), [("outcome_needs_police", "outcome")])
        self.assertEqual(self.codes(outcome="bogus"), [("invalid_outcome", "outcome")])
        self.assertEqual(self.codes(outcome="no_further_action"), [("notes_required", "notes")])
        self.assertEqual(self.codes(outcome="no_further_action", notes="Explained."), [])

    def test_a_closed_concern_and_a_meeting_before_it_are_refused(self) -> None:
        self.assertEqual(self.codes(state=ConcernState.CLOSED), [("concern_closed", "state")])
        self.assertEqual(
            self.codes(meeting_ends=london(2026, 3, 10, 9)), [("meeting_too_early", "meeting")]
        )

    def test_a_week_starts_on_monday(self) -> None:
        self.assertEqual(rules.meeting_reasons(week=date(2026, 3, 9), chaired=True), [])
        found = rules.meeting_reasons(week=date(2026, 3, 10), chaired=False)
        self.assertEqual([r.field for r in found], ["week", "chair"])


@time_machine.travel(datetime(2026, 3, 12, 14, 0, tzinfo=UTC), tick=False)
class TriageActionTests(CastTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        load_defaults()

    def setUp(self) -> None:
        self.person, self.referral = make_case(self.cast, received_at=london(2026, 3, 1, 9))
        self.concern = make_concern(self.cast, self.person, london(2026, 3, 10, 9))
        self.quality = self.cast.actor(self.cast.quality)
        self.meeting = actions.open_meeting(self.quality, date(2026, 3, 9))

    def test_a_decision_triages_and_an_outcome_closes(self) -> None:
        actions.record_decision(
            self.quality,
            self.concern,
            self.meeting,
            la_needed=True,
            police_needed=False,
            notifier_organisation=self.cast.riverside,
            notifier_role=Role.SUPERVISOR,
            notify_due=london(2026, 3, 12, 17),
        )
        self.concern.refresh_from_db()
        self.assertEqual(self.concern.state, ConcernState.TRIAGED)
        actions.record_decision(
            self.quality,
            self.concern,
            self.meeting,
            la_needed=True,
            police_needed=False,
            notifier_organisation=self.cast.riverside,
            notifier_role=Role.SUPERVISOR,
            notify_due=london(2026, 3, 12, 17),
            notified_at=london(2026, 3, 12, 13),
            outcome="enquiry",
        )
        self.concern.refresh_from_db()
        self.assertEqual(self.concern.state, ConcernState.CLOSED)
        self.assertEqual(self.concern.decision.outcome, "enquiry")
        self.assertEqual(AuditEntry.objects.filter(action="safeguarding.triage").count(), 2)
        with self.assertRaises(RuleViolation) as caught:
            actions.record_decision(
                self.quality, self.concern, self.meeting, la_needed=False, police_needed=False
            )
        self.assertIn("concern_closed", caught.exception.codes)

    def test_a_follow_up_becomes_an_owned_action_citing_the_concern(self) -> None:
        actions.record_decision(
            self.quality,
            self.concern,
            self.meeting,
            la_needed=False,
            police_needed=False,
            follow_up=actions.FollowUp(
                "Review the safety plan.",
                self.cast.riverside,
                Role.COORDINATOR,
                london(2026, 3, 14, 12),
            ),
        )
        action = Action.objects.get()
        self.assertEqual(
            (action.source, action.source_ref), ("escalation", f"safeguarding:{self.concern.code}")
        )
        self.assertEqual(actions.follow_ups(self.concern), [action])

    def test_a_follow_up_outside_the_care_names_the_decision_field(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.record_decision(
                self.quality,
                self.concern,
                self.meeting,
                la_needed=False,
                police_needed=False,
                follow_up=actions.FollowUp(
                    "Review.", self.cast.swift, Role.COORDINATOR, london(2026, 3, 14, 12)
                ),
            )
        self.assertIn("action_organisation", [r.field for r in caught.exception.reasons])
        self.concern.refresh_from_db()
        self.assertEqual(self.concern.state, ConcernState.NEW)  # all or nothing

    def test_one_meeting_a_week(self) -> None:
        with self.assertRaises(RuleViolation) as caught:
            actions.open_meeting(self.quality, date(2026, 3, 9))
        self.assertEqual(caught.exception.codes, ["meeting_exists"])

    def test_a_riverside_coordinator_does_not_triage(self) -> None:
        with self.assertRaises(RuleViolation):
            actions.record_decision(
                self.cast.actor(self.cast.river_coordinator),
                self.concern,
                self.meeting,
                la_needed=False,
                police_needed=False,
            )

    def test_a_stale_version_is_refused(self) -> None:
        from seamline.errors import Conflict

        with self.assertRaises(Conflict):
            actions.record_decision(
                self.quality,
                self.concern,
                self.meeting,
                la_needed=False,
                police_needed=False,
                version=self.concern.version + 5,
            )


class SummaryTests(CastTestCase):
    """The dashboard's figures on a small known dataset."""

    def test_figures_by_partner(self) -> None:
        at = london(2026, 3, 20, 12)
        day = london(2026, 3, 10)

        def f(
            code: str, partner: str, theme: str, told: datetime | None, **kw: object
        ) -> ConcernFacts:
            base: dict[str, object] = {
                "code": code,
                "partner": partner,
                "theme": theme,
                "occurred_at": day + timedelta(hours=9),
                "notify_by": day + timedelta(days=1),
                "lead_notified_at": told,
                "state": "triaged",
                "triage_by": day + timedelta(days=7),
            }
            return ConcernFacts(**{**base, **kw})  # type: ignore[arg-type]

        rows = [
            f(
                "SG-1",
                "riverside",
                "neglect",
                day + timedelta(hours=10),
                outcome="enquiry",
                la_needed=True,
            ),
            f("SG-2", "riverside", "neglect", day + timedelta(days=1, hours=2)),  # late
            f("SG-3", "riverside", "financial", None, state="new"),  # not told, past: late; overdue
            f("SG-4", "swiftstaff", "physical", day + timedelta(hours=11), police_needed=True),
            f(
                "SG-5",
                "swiftstaff",
                "physical",
                None,
                occurred_at=at - timedelta(hours=1),
                notify_by=at + timedelta(hours=11),
                state="new",
                triage_by=at + timedelta(days=7),
            ),  # pending, not overdue
        ]
        s = summarise(rows, at, LONDON)
        river, swift = s.by_partner
        self.assertEqual(
            (river.partner, river.concerns, river.same_day, river.late, river.pending),
            ("riverside", 3, 1, 2, 0),
        )
        self.assertAlmostEqual(river.rate or 0, 1 / 3)
        self.assertEqual((swift.same_day, swift.late, swift.pending, swift.rate), (1, 0, 1, 1.0))
        self.assertEqual(dict(river.themes), {"neglect": 2, "financial": 1})
        self.assertEqual(dict(river.outcomes), {"enquiry": 1, "open": 2})
        self.assertEqual((river.la_needed, swift.police_needed), (1, 1))
        self.assertEqual(s.overall.concerns, 5)
        self.assertAlmostEqual(s.overall.rate or 0, 2 / 4)
        self.assertEqual(s.overdue, ["SG-3"])
        self.assertEqual(river.triage_overdue, 1)
        # The week of 9 March: Riverside 1 of 3 the same day; SwiftStaff's pending one not drawn.
        self.assertEqual(
            [(w.week, w.same_day, w.known) for w in s.trend["riverside"]],
            [(date(2026, 3, 9), 1, 3)],
        )
        self.assertEqual([(w.same_day, w.known) for w in s.trend["swiftstaff"]], [(1, 1)])
