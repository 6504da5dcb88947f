"""The escalation step on a small network: the defaults loaded, escalations in every state,
and the ones past their deadline climbed by the worker at their deadlines."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from seamline.cases.testing import make_participant, make_referral
from seamline.demo.registry import DemoContext
from seamline.escalation import demo
from seamline.escalation.choices import State
from seamline.escalation.models import Escalation, EscalationEvent, Ladder
from seamline.network.models import User
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
                received_at=now - timedelta(days=20),
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
            people=dict(people), by_role=dict(by_role), quality_actor=c.actor(c.quality)
        )
        demo.build(ctx)
        self.assertEqual(Escalation.objects.count(), demo.COUNT)
        self.assertTrue(Ladder.objects.filter(pathway=c.discharge).exists())
        self.assertEqual(set(Escalation.objects.values_list("state", flat=True)), set(State.values))
        self.assertTrue(Escalation.objects.filter(rung__gte=2).exists())
        self.assertTrue(Escalation.objects.filter(breached_at__isnull=False).exists())
        # Nothing is left past its deadline: the worker has climbed it.
        self.assertFalse(Escalation.objects.due(now).exists())
        climbs = EscalationEvent.objects.filter(kind="climbed").select_related("escalation")
        self.assertTrue(climbs.exists())
        self.assertTrue(all(ev.at <= now for ev in climbs))
