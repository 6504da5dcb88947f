"""Table tests of the pure rules and the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from seamline.escalation import rules, timers
from seamline.escalation.choices import Level, Outcome, State, Tier, Trigger
from seamline.escalation.defaults import DEFAULT_LADDER, DEFAULT_THRESHOLDS

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def codes(reasons: list) -> list[str]:
    return [r.code for r in reasons]


class TriggerRuleTests(SimpleTestCase):
    def test_flag_kinds_fire_their_trigger(self) -> None:
        table = [
            ("safeguarding", "low", Trigger.SAFEGUARDING),
            ("recent_ed_contact", "medium", Trigger.ED_CONTACT),
            ("housing_instability", "low", Trigger.HOUSING_LOSS),
            ("behavioural_escalation", "medium", Trigger.BEHAVIOURAL_RISK),
            ("deterioration", "low", Trigger.DETERIORATION),
            ("caregiver_stress", "high", Trigger.HIGH_RISK_FLAG),
            ("medication_change", "high", Trigger.HIGH_RISK_FLAG),
            ("caregiver_stress", "medium", None),
            ("missed_visits", "high", None),
        ]
        for kind, severity, expected in table:
            with self.subTest(kind=kind, severity=severity):
                self.assertEqual(rules.flag_trigger(kind, severity), expected)

    def test_two_missed_visits_within_seven_days(self) -> None:
        day = timedelta(days=1)
        table = [
            ([], None),
            ([T0], None),
            ([T0, T0 + 8 * day], None),
            ([T0, T0 + 7 * day], T0 + 7 * day),
            ([T0, T0 + 10 * day, T0 + 12 * day], T0 + 12 * day),
            ([T0 + 3 * day, T0], T0 + 3 * day),
        ]
        for times, expected in table:
            with self.subTest(times=times):
                self.assertEqual(rules.missed_visits_pattern(times, T0 + 30 * day), expected)

    def test_missed_visits_after_the_moment_asked_about_do_not_count(self) -> None:
        self.assertIsNone(rules.missed_visits_pattern([T0, T0 + timedelta(days=1)], T0))


class ThresholdRuleTests(SimpleTestCase):
    def test_defaults_pass(self) -> None:
        self.assertEqual(rules.threshold_reasons(DEFAULT_THRESHOLDS, "defaults"), [])

    def test_refusals(self) -> None:
        good = {
            "trigger": "safeguarding",
            "tier": "same_day",
            "role": "supervisor",
            "chair": "quality_lead",
        }
        table = [
            ([good], "", ["reason_required"]),
            ([], "why", ["no_thresholds"]),
            ([good, good], "why", ["duplicate_trigger"]),
            ([{**good, "trigger": "rain"}], "why", ["unknown_trigger"]),
            ([{**good, "tier": "soon"}], "why", ["unknown_tier"]),
            ([{**good, "chair": "mayor"}], "why", ["unknown_role"]),
        ]
        for rows, reason, expected in table:
            with self.subTest(expected=expected):
                self.assertEqual(codes(rules.threshold_reasons(rows, reason)), expected)

    def test_parse(self) -> None:
        parsed = rules.parse_thresholds(DEFAULT_THRESHOLDS)
        self.assertEqual(parsed[Trigger.DETERIORATION].tier, Tier.IMMEDIATE)
        self.assertEqual(parsed[Trigger.SAFEGUARDING].chair, "quality_lead")


class LadderRuleTests(SimpleTestCase):
    def test_default_ladder_passes(self) -> None:
        self.assertEqual(rules.ladder_reasons(DEFAULT_LADDER, "defaults"), [])

    def test_refusals(self) -> None:
        op, cl, co = DEFAULT_LADDER
        table = [
            ([op, cl, co], "", ["reason_required"]),
            ([op, cl], "why", ["ladder_incomplete"]),
            ([cl, op, co], "why", ["ladder_order"]),
            (
                [op, cl, rules.RungSpec(Level.CONTRACTUAL, "mayor", True, 1, 1, 1)],
                "why",
                ["unknown_role"],
            ),
            (
                [op, cl, rules.RungSpec(Level.CONTRACTUAL, "quality_lead", True, 0, 1, 1)],
                "why",
                ["timeframe_required"],
            ),
        ]
        for rungs, reason, expected in table:
            with self.subTest(expected=expected):
                self.assertEqual(codes(rules.ladder_reasons(rungs, reason)), expected)


class MoveRuleTests(SimpleTestCase):
    def test_acknowledge(self) -> None:
        self.assertEqual(rules.acknowledge_reasons(State.RAISED), [])
        for state in (State.ACKNOWLEDGED, State.RESPONDED, State.RESOLVED):
            self.assertEqual(codes(rules.acknowledge_reasons(state)), ["not_raised"])

    def test_respond(self) -> None:
        self.assertEqual(rules.respond_reasons(State.ACKNOWLEDGED, "seen, plan changed"), [])
        self.assertEqual(codes(rules.respond_reasons(State.RAISED, " ")), ["review_required"])
        self.assertEqual(
            codes(rules.respond_reasons(State.RESPONDED, "x")), ["not_awaiting_review"]
        )

    def test_resolve(self) -> None:
        self.assertEqual(rules.resolve_reasons(State.RESPONDED, Outcome.ADMITTED, ""), [])
        self.assertEqual(
            codes(rules.resolve_reasons(State.RESOLVED, Outcome.ADMITTED, "")), ["already_resolved"]
        )
        self.assertEqual(codes(rules.resolve_reasons(State.RAISED, "", "")), ["outcome_required"])
        self.assertEqual(
            codes(rules.resolve_reasons(State.RAISED, Outcome.NO_ACTION, "")), ["note_required"]
        )

    def test_within_standard(self) -> None:
        hour = timedelta(hours=1)
        self.assertTrue(rules.within_standard(T0, T0 + hour, hour, T0 + 5 * hour))
        self.assertFalse(rules.within_standard(T0, T0 + 2 * hour, hour, T0 + 5 * hour))
        self.assertIsNone(rules.within_standard(T0, None, hour, T0 + hour / 2))
        self.assertFalse(rules.within_standard(T0, None, hour, T0 + 2 * hour))


class TimerTests(SimpleTestCase):
    def test_deadline_by_tier(self) -> None:
        op = DEFAULT_LADDER[0]
        self.assertEqual(timers.deadline(T0, op, Tier.IMMEDIATE), T0 + timedelta(hours=1))
        self.assertEqual(timers.deadline(T0, op, Tier.SAME_DAY), T0 + timedelta(hours=4))
        self.assertEqual(timers.deadline(T0, op, Tier.REVIEW_24_72H), T0 + timedelta(hours=24))

    def test_climb_counts_from_the_deadline_and_breaches_past_the_last_rung(self) -> None:
        step = timers.next_step(DEFAULT_LADDER, 1, Tier.SAME_DAY, T0)
        self.assertEqual(
            (step.position, step.due_at, step.breached), (2, T0 + timedelta(hours=8), False)
        )
        step = timers.next_step(DEFAULT_LADDER, 2, Tier.SAME_DAY, T0)
        self.assertEqual((step.position, step.due_at), (3, T0 + timedelta(hours=24)))
        step = timers.next_step(DEFAULT_LADDER, 3, Tier.SAME_DAY, T0)
        self.assertEqual((step.position, step.due_at, step.breached), (3, None, True))
