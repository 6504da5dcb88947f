"""Metrics on a known dataset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from seamline.escalation.metrics import Facts, summarise

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)
AT = T0 + 100 * H


def facts(
    tier: str,
    partner: str,
    ack: timedelta | None,
    review: timedelta | None,
    trigger: str = "ed_contact",
) -> Facts:
    return Facts(
        tier,
        "discharge",
        partner,
        trigger,
        T0,
        T0 + ack if ack is not None else None,
        T0 + review if review is not None else None,
    )


DATA = [
    # same day: acknowledge within 4 h, review within 12 h
    facts("same_day", "riverside", 30 * M, 6 * H),  # both met
    facts("same_day", "riverside", 90 * M, 20 * H),  # ack met, review missed
    facts("same_day", "hearth", 5 * H, None),  # ack missed, review missed (past 12 h, not done)
    # immediate: within 1 h and 4 h
    facts("immediate", "hearth", 20 * M, 3 * H, "deterioration"),  # both met
]


class MetricsTests(SimpleTestCase):
    def test_compliance_overall_and_by_group(self) -> None:
        s = summarise(DATA, AT)
        self.assertEqual(s.overall.count, 4)
        self.assertEqual((s.overall.ack_met, s.overall.ack_known), (3, 4))
        self.assertEqual((s.overall.review_met, s.overall.review_known), (2, 4))
        self.assertEqual(s.overall.ack_percent, 75.0)
        self.assertEqual(s.overall.review_percent, 50.0)
        by_partner = {c.label: c for c in s.by_partner}
        self.assertEqual(by_partner["riverside"].ack_percent, 100.0)
        self.assertEqual(by_partner["riverside"].review_percent, 50.0)
        self.assertEqual(by_partner["hearth"].ack_percent, 50.0)
        by_tier = {c.label: c for c in s.by_tier}
        self.assertEqual(by_tier["immediate"].review_percent, 100.0)
        self.assertEqual(by_tier["same_day"].median_ack_minutes, 90.0)
        self.assertEqual([c.label for c in s.by_pathway], ["discharge"])

    def test_not_yet_due_is_not_counted_either_way(self) -> None:
        s = summarise([facts("review_24_72h", "riverside", None, None)], T0 + 2 * H)
        self.assertEqual((s.overall.ack_known, s.overall.review_known), (0, 0))
        self.assertIsNone(s.overall.ack_percent)

    def test_spread_across_partners_for_the_same_trigger(self) -> None:
        s = summarise(DATA, AT)
        spread = {x.trigger: x for x in s.spread}
        self.assertEqual(spread["ed_contact"].by_partner, {"hearth": 300.0, "riverside": 60.0})
        self.assertEqual(spread["ed_contact"].spread_minutes, 240.0)
        self.assertIsNone(spread["deterioration"].spread_minutes)  # one partner: no spread
