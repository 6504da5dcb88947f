"""The plans demo step on a small network: plans for the open participants, some with later
versions through the actions, acknowledgements given, pending and overdue, reviews."""

from __future__ import annotations

from django.utils import timezone

from seamline.audit.models import AuditEntry
from seamline.demo.testing import cast_context
from seamline.plans import demo
from seamline.plans.models import Acknowledgement, Plan, PlanReview, PlanVersion
from seamline.testing import CastTestCase


class DemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        c = self.cast
        now = timezone.now().replace(second=0, microsecond=0)
        ctx = cast_context(c, now, open_cases=40, received_days_ago=60)
        ctx.objects.update(
            organisations={o.code: o for o in (c.prime, c.riverside, c.swift, c.icb)}
        )
        demo.build(ctx)
        story = ctx.objects["plans_story"]
        self.assertEqual(Plan.objects.count(), 40)
        self.assertEqual(story["plans"], 40)
        self.assertGreater(PlanVersion.objects.filter(number__gte=2).count(), 5)
        self.assertEqual(PlanVersion.objects.count(), story["versions"])
        self.assertTrue(Acknowledgement.objects.filter(acknowledged_at__isnull=False).exists())
        self.assertEqual(Acknowledgement.objects.pending().count(), story["pending"])
        self.assertEqual(Acknowledgement.objects.overdue(now).count(), story["overdue"])
        self.assertTrue(PlanReview.objects.exists())
        self.assertTrue(AuditEntry.objects.filter(action="plan.import").exists())
        self.assertEqual(
            AuditEntry.objects.filter(action="plan.revise").count(),
            PlanVersion.objects.filter(number__gte=2).count(),
        )
        for plan in Plan.objects.all():
            self.assertEqual(plan.version, plan.versions.count())
