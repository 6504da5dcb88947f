"""The escalation step on a small network: the defaults loaded, escalations in every state,
and the ones past their deadline climbed by the worker at their deadlines."""

from __future__ import annotations

from django.utils import timezone

from seamline.demo.testing import cast_context
from seamline.escalation import demo
from seamline.escalation.choices import State
from seamline.escalation.models import Escalation, EscalationEvent, Ladder
from seamline.testing import CastTestCase


class DemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        c = self.cast
        now = timezone.now().replace(second=0, microsecond=0)
        ctx = cast_context(c, now, open_cases=40, received_days_ago=20)
        ctx.objects.update(quality_actor=c.actor(c.quality))
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


class SafeguardingDemoStepTests(CastTestCase):
    def test_the_step(self) -> None:
        from seamline.escalation.choices import ConcernState
        from seamline.escalation.models import SafeguardingConcern, TriageMeeting
        from seamline.escalation.safeguarding import demo as safeguarding_demo
        from seamline.escalation.safeguarding.actions import network_zone
        from seamline.escalation.safeguarding.dashboard import dashboard
        from seamline.escalation.testing import load_defaults

        c = self.cast
        now = timezone.now().replace(second=0, microsecond=0)
        ctx = cast_context(c, now, open_cases=30, received_days_ago=40)
        ctx.objects.update(quality_actor=c.actor(c.quality))
        load_defaults()
        safeguarding_demo.build(ctx)
        concerns = SafeguardingConcern.objects.all()
        self.assertGreaterEqual(concerns.count(), 20)
        self.assertEqual(TriageMeeting.objects.count(), 2)
        self.assertEqual(set(concerns.values_list("state", flat=True)), set(ConcernState.values))
        self.assertGreater(len(set(concerns.values_list("theme", flat=True))), 5)
        figures = dashboard(c.actor(c.quality), now, {}, network_zone())
        self.assertGreater(figures.overall.late, 0)
        self.assertGreater(figures.overall.same_day, figures.overall.late)
        self.assertGreater(figures.overall.triage_overdue, 0)
