"""The demo workforce step: built through the actions (and the completions import), with the
mix the work lists show, and an audit chain that verifies afterwards."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from seamline.audit.models import AuditEntry
from seamline.audit.verify import verify_chain
from seamline.demo import registry
from seamline.workforce import demo, worklists
from seamline.workforce.choices import EmploymentType
from seamline.workforce.models import Evidence, SignOff, Worker

SEED = 2026
NOW = datetime(2026, 10, 5, 9, 30, tzinfo=ZoneInfo("Europe/London"))
SIZE = 60


def build_until_workforce(size: int) -> registry.DemoContext:
    """Run every step before the workforce's, then the workforce step at `size` workers."""
    ctx = registry.DemoContext(seed=SEED, now=NOW, rng=registry.rng_for(SEED, ""))
    for step in registry.steps():
        if step.order >= 30:
            continue
        ctx.rng = registry.rng_for(SEED, step.name)
        ctx._budget = step.units
        step.build(ctx)
    ctx.rng = registry.rng_for(SEED, "workforce")
    ctx._budget = 2 * size
    demo.populate(ctx, size)
    return ctx


@time_machine.travel(NOW, tick=False)
class DemoWorkforceTests(TestCase):
    ctx: registry.DemoContext

    @classmethod
    def setUpTestData(cls) -> None:
        cls.ctx = build_until_workforce(SIZE)

    def test_step_is_registered_after_the_framework(self) -> None:
        step = next(s for s in registry.steps() if s.name == "workforce")
        self.assertEqual((step.order, step.units), (30, 2 * demo.SIZE))

    def test_workers_across_the_providers(self) -> None:
        self.assertEqual(Worker.objects.count(), SIZE)
        kinds = set(Worker.objects.values_list("organisation__code", "employment_type"))
        self.assertIn(("swiftstaff", EmploymentType.AGENCY), kinds)
        self.assertIn(("hearth", EmploymentType.VOLUNTEER), kinds)
        self.assertTrue(Worker.objects.filter(user__isnull=False).exists())

    def test_module_completions_came_through_the_import(self) -> None:
        modules = Evidence.objects.filter(kind="module")
        self.assertTrue(modules.exists())
        self.assertTrue(all(e.source_key.startswith("import:completion:") for e in modules))

    def test_the_work_lists_have_something_on_each(self) -> None:
        workers = Worker.objects.all()
        today = NOW.date()
        counts = worklists.counts(workers, today, 30)
        self.assertGreater(counts.expiring, 0)
        self.assertGreater(counts.supervision, 0)
        self.assertGreater(counts.bundles, 0)
        self.assertEqual(counts.revalidation, 1)
        pauses = worklists.pauses_due(workers, today)
        self.assertEqual(sorted(p.overdue for p in pauses), [False, True])
        self.assertTrue(SignOff.objects.filter(review_due__lt=today).exists())

    def test_audit_chain_verifies(self) -> None:
        result = verify_chain(anchor_file=Path("/nonexistent/seamline-demo-anchors.jsonl"))
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.checked, AuditEntry.objects.count())
