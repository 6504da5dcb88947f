"""The coordination demo step on a small network: the rota with gaps, both cohorts, a week of
huddles whose decisions are owned huddle actions, some closed on time and some overdue."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.testing import make_flag, make_participant, make_referral
from seamline.coordination import demo, duty, rules
from seamline.coordination.models import (
    Action,
    Cohort,
    Decision,
    Huddle,
    Record,
    RotaEntry,
    Sprint,
    SprintStep,
)
from seamline.demo.registry import DemoContext
from seamline.network.choices import OrgKind
from seamline.network.models import User
from seamline.testing import CastTestCase, make_org, make_user


class DemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        c = self.cast
        now = timezone.now().replace(second=0, microsecond=0)
        make_user("prime_coordinator", c.prime, ["coordinator"])
        for i in range(30):
            p = make_participant(c.riverside, given_name=f"P{i}")
            owner = c.river_coordinator if i % 3 else c.river_supervisor
            make_referral(p, c.discharge, c.riverside, owner, received_at=now - timedelta(days=20))
        trust = make_org("trust", OrgKind.NHS_TRUST)
        for i in range(6):
            p = make_participant(c.riverside, given_name=f"Home{i}")
            make_referral(
                p,
                c.discharge,
                c.riverside,
                c.river_coordinator,
                referrer=trust,
                received_at=now - timedelta(hours=20 + 30 * i),
            )
            if i % 4 == 0:
                make_flag(p, "deterioration", "high")
        people: dict[str, list[User]] = defaultdict(list)
        by_role: dict[str, list[User]] = defaultdict(list)
        for user in User.objects.order_by("pk"):
            membership = user.current_membership()
            if membership is None:
                continue
            actor = c.actor(user)
            people[membership.organisation.code].append(user)
            for role in sorted(actor.roles):
                by_role[role].append(user)
        ctx = DemoContext(seed=1, now=now, rng=random.Random(1))
        ctx.objects.update(
            organisations={o.code: o for o in (c.prime, c.riverside, c.swift, c.icb)},
            people=dict(people),
            by_role=dict(by_role),
        )
        demo.build(ctx)
        self.assertGreater(RotaEntry.objects.count(), 20)
        self.assertEqual(
            sorted(Cohort.objects.values_list("code", "cadence")),
            [("discharge-follow-up", "twice_weekly"), ("rapid-response", "daily")],
        )
        self.assertTrue(Huddle.objects.exists())
        self.assertFalse(Huddle.objects.filter(held_on=timezone.localdate(now)).exists())
        decisions = Decision.objects.select_related("action")
        self.assertTrue(decisions.exists())
        self.assertEqual({d.action.source for d in decisions}, {"huddle"})
        huddle_actions = Action.objects.filter(source="huddle")
        self.assertTrue(huddle_actions.filter(completed_at__lte=F("due_at")).exists())
        # Riverside's coordinator is away with cover: their participants still have one today.
        gaps = duty.gaps(Actor.system("test"), timezone.localdate(now))
        self.assertLess(len(gaps), RotaEntry.objects.count())
        # Sprints for the six hospital discharges: the two oldest complete, one refusal.
        self.assertEqual(Sprint.objects.count(), 6)
        self.assertEqual(Sprint.objects.filter(completed_at__isnull=False).count(), 2)
        self.assertTrue(Sprint.objects.filter(completed_at__isnull=True).exists())
        self.assertEqual(SprintStep.objects.filter(status="refused").count(), 1)
        self.assertEqual(
            set(SprintStep.objects.values_list("action__source", flat=True)), {"sprint"}
        )
        # Contact records, some written 30 to 60 hours after the contact, none in the future.
        records = list(Record.objects.values_list("occurred_at", "recorded_at"))
        self.assertTrue(records)
        late = [r - o for o, r in records if not rules.documented_on_time(o, r)]
        self.assertTrue(late)
        self.assertTrue(all(timedelta(hours=30) <= d <= timedelta(hours=60) for d in late))
        self.assertTrue(all(r <= now for _o, r in records))
