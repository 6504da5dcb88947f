"""The demo's handoffs, built small on a small network: every state, across partners, some
incomplete, some rejected, a few overdue, acceptances that moved their cases, the browser
test's waiting handoffs, an audit sample, and an audit chain that still verifies."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from seamline.audit.verify import verify_chain
from seamline.cases import demo as cases_demo
from seamline.cases.models import Ownership
from seamline.coordination.models import Action
from seamline.demo import registry
from seamline.handoffs import demo, rules
from seamline.handoffs.models import Handoff, HandoffAudit
from seamline.workforce import demo as workforce_demo

SEED = 2026
NOW = datetime(2026, 10, 5, 9, 30, tzinfo=ZoneInfo("Europe/London"))


def build_small(size: int = 30) -> registry.DemoContext:
    ctx = registry.DemoContext(seed=SEED, now=NOW, rng=registry.rng_for(SEED, ""))
    for step in registry.steps():
        if step.order >= 30:
            continue
        ctx.rng = registry.rng_for(SEED, step.name)
        ctx._budget = step.units
        step.build(ctx)
    ctx.rng = registry.rng_for(SEED, "workforce")
    ctx._budget = 1000
    workforce_demo.populate(ctx, 60)
    ctx.rng = registry.rng_for(SEED, "cases")
    ctx._budget = 6
    cases_demo.populate(ctx, 600)
    ctx.rng = registry.rng_for(SEED, "handoffs")
    ctx._budget = size + 2
    demo.populate(ctx, size)
    return ctx


@time_machine.travel(NOW, tick=False)
class DemoHandoffTests(TestCase):
    ctx: registry.DemoContext

    @classmethod
    def setUpTestData(cls) -> None:
        cls.ctx = build_small()

    def test_step_comes_after_the_cases(self) -> None:
        step = next(s for s in registry.steps() if s.name == "handoffs")
        cases = next(s for s in registry.steps() if s.name == "cases")
        self.assertGreater(step.order, cases.order)

    def test_every_state_across_partners(self) -> None:
        states = Counter(Handoff.objects.values_list("state", flat=True))
        self.assertEqual(
            set(states),
            {"draft", "sent", "info_requested", "accepted", "rejected", "withdrawn"},
            states,
        )
        self.assertGreaterEqual(Handoff.objects.count(), 20)
        self.assertGreaterEqual(states["accepted"], 6)
        pairs = set(
            Handoff.objects.values_list("sender_organisation__code", "receiving_organisation__code")
        )
        self.assertGreaterEqual(len(pairs), 4)
        templates = set(Handoff.objects.values_list("template__transition", flat=True))
        self.assertGreaterEqual(len(templates), 4)

    def test_some_incomplete_some_rejected_a_few_overdue(self) -> None:
        incomplete = [
            h
            for h in Handoff.objects.all()
            if rules.completeness(h.specs, h.content).missing_mandatory
        ]
        self.assertGreaterEqual(len(incomplete), 3)
        reasons = set(
            Handoff.objects.filter(state="rejected").values_list("rejection_reason", flat=True)
        )
        self.assertGreaterEqual(len(reasons), 2)
        overdue = Handoff.objects.overdue(NOW).count()
        self.assertGreaterEqual(overdue, 2)
        self.assertLessEqual(overdue, Handoff.objects.count() // 4)

    def test_acceptances_moved_their_cases_and_made_actions(self) -> None:
        for handoff in Handoff.objects.filter(state="accepted").select_related("referral"):
            with self.subTest(handoff.code):
                last = Ownership.objects.filter(referral=handoff.referral).order_by("-seq").first()
                assert last is not None
                self.assertEqual(last.source, handoff.source_ref)
                self.assertEqual(handoff.referral.owner_person, handoff.accepted_by)
                self.assertTrue(Action.objects.filter(source_ref=handoff.source_ref).exists())
        self.assertTrue(
            Handoff.objects.filter(repeat_back__mismatch_flagged_at__isnull=False).exists()
        )

    def test_complete_handoffs_wait_for_riverside(self) -> None:
        waiting = self.ctx.objects["handoffs_story"]["waiting_for_riverside"]
        self.assertEqual(len(waiting), 3)
        for handoff in Handoff.objects.filter(code__in=waiting):
            self.assertEqual(
                (handoff.state, handoff.receiving_organisation.code), ("sent", "riverside")
            )
            self.assertEqual(
                rules.completeness(handoff.specs, handoff.content).missing_mandatory, ()
            )
            self.assertFalse(handoff.is_overdue(NOW))

    def test_an_audit_sample_with_scores(self) -> None:
        self.assertEqual(HandoffAudit.objects.count(), 6)
        self.assertTrue(HandoffAudit.objects.filter(score__lt=100).exists())

    def test_the_audit_chain_verifies(self) -> None:
        report = verify_chain(anchor_file=Path("/nonexistent/seamline-demo-anchors.jsonl"))
        self.assertTrue(report.ok, report.problems)
