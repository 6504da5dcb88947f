"""The calibration demo step on the named cast's network: eight vignettes, a closed round of
four partners' answers where one partner drifts towards not escalating, an open round."""

from __future__ import annotations

import random

from django.utils import timezone

from seamline.demo.registry import DemoContext
from seamline.errors import RuleViolation
from seamline.network.choices import OrgKind
from seamline.quality import demo
from seamline.quality.models import CalibrationAnswer, CalibrationRound, Vignette
from seamline.quality.stats import round_stats
from seamline.testing import CastTestCase, make_org
from seamline.workforce.models import DelegationPause


class DemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        make_org("meadow", OrgKind.VCSE, name="Meadow Neighbours")
        ctx = DemoContext(seed=1, now=timezone.now(), rng=random.Random(1))
        ctx.objects["quality_actor"] = self.cast.actor(self.cast.quality)
        demo.build(ctx)
        story = ctx.objects["quality_story"]
        self.assertEqual(Vignette.objects.count(), 8)
        closed = CalibrationRound.objects.get(code=story["closed_round"])
        self.assertFalse(closed.is_open)
        self.assertTrue(CalibrationRound.objects.get(code=story["open_round"]).is_open)
        self.assertEqual(len(story["partners"]), 4)
        self.assertEqual(CalibrationAnswer.objects.filter(round=closed).count(), 8 * 4 * 2 * 4)
        stats = round_stats(closed)["questions"]
        drift = stats["escalate"]["drift"]
        drifter = story["drifting_partner"]
        others = [p for p in story["partners"] if p != drifter]
        self.assertGreater(drift[drifter]["no_where_consensus_yes"], 0)
        for other in others:
            self.assertGreater(drift[drifter]["disagreement"], drift[other]["disagreement"])
            self.assertGreater(
                stats["hours"]["drift"][drifter]["median_hours_from_consensus"],
                stats["hours"]["drift"][other]["median_hours_from_consensus"],
            )
        self.assertEqual(closed.guidance.count(), 1)


class AuditDemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        from datetime import timedelta

        from seamline.quality import demo_audits
        from seamline.quality.models import Audit, CorrectiveAction
        from seamline.quality.scores import partner_scores

        from .audit_scene import build_audit_scene

        build_audit_scene(self.cast)
        now = timezone.now() + timedelta(days=1)
        ctx = DemoContext(seed=1, now=now, rng=random.Random(1))
        ctx.objects["quality_actor"] = self.cast.actor(self.cast.quality)
        demo_audits.build(ctx)
        story = ctx.objects["quality_audits"]
        self.assertTrue(story["handoff_audits"])
        audit = Audit.objects.get(code=story["handoff_audits"][-1])
        self.assertEqual(audit.partner, self.cast.prime)
        # The latest month's sample keeps two records for an auditor to score.
        self.assertIn(audit.items.filter(scored_at__isnull=True).count(), (1, 2))
        self.assertEqual(story["open_items"], [audit.code])
        rows = partner_scores(Audit.objects.all(), "handoff-audit")
        self.assertTrue(rows and rows[0].mean is not None)
        today = timezone.localdate(now)
        made = CorrectiveAction.objects.all()
        self.assertEqual(made.count(), 5)
        self.assertEqual(made.overdue(today).count(), 2)
        self.assertEqual(made.filter(status="completed").count(), 1)
        self.assertFalse(DelegationPause.objects.exists())


class IncidentDemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        from datetime import timedelta

        from seamline.handoffs.testing import build_scene
        from seamline.quality import demo_incidents, rules_incidents, timeline
        from seamline.quality.models import CorrectiveAction, Incident

        scene = build_scene(self.cast)  # the handoff is rejected now: the demo's now is later
        ctx = DemoContext(seed=1, now=timezone.now() + timedelta(days=4), rng=random.Random(1))
        keeper = self.cast.actor(self.cast.quality)
        ctx.objects["quality_actor"] = keeper
        demo_incidents.build(ctx)
        story = ctx.objects["quality_incidents"]
        missed, fall = (Incident.objects.get(code=c) for c in story["broken_seam"])
        self.assertEqual((missed.theme, fall.theme), ("missed_visit", "fall"))
        self.assertEqual(fall.links.get(kind="handoff").handoff_id, scene.rejected.pk)
        self.assertTrue(
            CorrectiveAction.objects.filter(source_kind="incident", source_ref=fall.code).exists()
        )
        # The fall's timeline shows the rejection, the missed visit and the fall in order.
        start, end = rules_incidents.window(fall.occurred_at)
        events = timeline.load(keeper, fall.participant, start, end)
        keys = [(e.kind, e.ref) for e in events]
        rejected = keys.index(("handoff.rejected", scene.rejected.code))
        missed_record = next(i for i, k in enumerate(keys) if k[0] == "record.service_disruption")
        self.assertLess(rejected, missed_record)
        self.assertLess(missed_record, keys.index(("incident", fall.code)))
        self.assertGreaterEqual(len(story["incidents"]), 5)


class DiligenceDemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        from datetime import timedelta

        from seamline.network.actions import change_organisation_status
        from seamline.network.choices import OrgStatus
        from seamline.quality import demo_diligence
        from seamline.quality.models import DiligenceDecision

        now = timezone.now()
        oakleaf = make_org("oakleaf", OrgKind.SUBCONTRACTOR, status=OrgStatus.ONBOARDING)
        meadow = make_org("meadow", OrgKind.VCSE, status=OrgStatus.ONBOARDING)
        make_org("hearth", OrgKind.VCSE, status=OrgStatus.ONBOARDING)
        joined = now - timedelta(days=400)
        ctx = DemoContext(seed=1, now=now, rng=random.Random(1))
        ctx.objects["quality_actor"] = self.cast.actor(self.cast.quality)
        ctx.objects["joining"] = {"riverside": joined, "hearth": joined, "meadow": joined}
        demo_diligence.build(ctx)
        story = ctx.objects["due_diligence"]
        self.assertEqual(
            story,
            {"approved": "riverside", "approved_with_conditions": "hearth", "awaiting": "oakleaf"},
        )
        decisions = {
            d.review.organisation.code: (d.decision, d.decided_at)
            for d in DiligenceDecision.objects.select_related("review__organisation")
        }
        self.assertEqual(
            decisions,
            {
                "riverside": ("approved", joined + timedelta(days=20)),
                "hearth": ("approved_with_conditions", joined + timedelta(days=20)),
                "meadow": ("approved", joined + timedelta(days=20)),
            },
        )
        admin = self.cast.actor(self.cast.net_admin)
        change_organisation_status(admin, meadow, OrgStatus.ACTIVE, reason="Contract signed")
        with self.assertRaises(RuleViolation):
            change_organisation_status(admin, oakleaf, OrgStatus.ACTIVE, reason="Ready")
