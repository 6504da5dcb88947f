"""The plans demo step on a small network: plans for the open participants, some with later
versions through the actions, acknowledgements given, pending and overdue, reviews."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from seamline.audit.models import AuditEntry
from seamline.cases.testing import make_participant, make_referral
from seamline.demo.registry import DemoContext
from seamline.network.models import User
from seamline.plans import demo
from seamline.plans.models import Acknowledgement, Plan, PlanReview, PlanVersion
from seamline.testing import CastTestCase


class DemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        c = self.cast
        now = timezone.now().replace(second=0, microsecond=0)
        for i in range(40):
            p = make_participant(c.riverside, given_name=f"P{i}")
            make_referral(
                p,
                c.discharge,
                c.riverside,
                c.river_coordinator,
                received_at=now - timedelta(days=60),
            )
        people: dict[str, list[User]] = defaultdict(list)
        by_role: dict[str, list[User]] = defaultdict(list)
        for user in User.objects.order_by("pk"):
            membership = user.current_membership()
            if membership is None:
                continue
            people[membership.organisation.code].append(user)
            for role in sorted(c.actor(user).roles):
                by_role[role].append(user)
        ctx = DemoContext(seed=1, now=now, rng=random.Random(1))
        ctx.objects.update(
            organisations={o.code: o for o in (c.prime, c.riverside, c.swift, c.icb)},
            people=dict(people),
            by_role=dict(by_role),
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
