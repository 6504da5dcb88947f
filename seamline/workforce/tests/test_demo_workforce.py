"""The demo workforce step: eighteen months of sign-offs built through the actions, a register
that clears most permanent staff for everyday work and fewer for riskier work, the mix the work
lists show, and an audit chain that verifies afterwards."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.models import AuditEntry
from seamline.audit.verify import verify_chain
from seamline.competency.models import TaskType
from seamline.demo import registry
from seamline.network.choices import OrgStatus
from seamline.workforce import demo, register, rules, worklists
from seamline.workforce.choices import EmploymentType
from seamline.workforce.models import Evidence, SignOff, Worker

SEED = 2026
NOW = datetime(2026, 10, 5, 9, 30, tzinfo=ZoneInfo("Europe/London"))
SIX_MONTHS_AGO = NOW - timedelta(days=182)
SIZE = 40


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


Shares = dict[int, tuple[int, int]]  # risk tier -> (rows cleared, rows)


def shares(rows: list[register.Row], workers: set[str] | None = None) -> Shares:
    """Cleared rows and all rows per risk tier (of `workers` only, when given)."""
    tiers = dict(TaskType.objects.values_list("code", "risk_tier"))
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if workers is None or row.worker in workers:
            found[tiers[row.task_type]][0] += row.cleared
            found[tiers[row.task_type]][1] += 1
    return {tier: (c, n) for tier, (c, n) in found.items()}


def share(found: Shares, tier: int) -> float:
    cleared, rows = found[tier]
    return cleared / rows


@time_machine.travel(NOW, tick=False)
class DemoWorkforceTests(TestCase):
    ctx: registry.DemoContext
    now: list[register.Row]
    before: list[register.Row]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.ctx = build_until_workforce(SIZE)
        system = Actor.system("demo test")
        cls.now = register.register(system, NOW)
        cls.before = register.register(system, SIX_MONTHS_AGO)

    def test_step_is_registered_after_the_framework(self) -> None:
        step = next(s for s in registry.steps() if s.name == "workforce")
        self.assertEqual((step.order, step.units), (30, 2 * demo.SIZE))

    def test_workers_across_the_providers(self) -> None:
        expected = sum(max(4, round(SIZE * p.share)) for p in demo.PROVIDERS)
        self.assertEqual(Worker.objects.count(), expected)
        kinds = set(Worker.objects.values_list("organisation__code", "employment_type"))
        self.assertIn(("swiftstaff", EmploymentType.AGENCY), kinds)
        self.assertIn(("hearth", EmploymentType.VOLUNTEER), kinds)
        self.assertTrue(Worker.objects.filter(user__isnull=False).exists())

    def test_training_is_verified_evidence_of_the_partners_own_modules(self) -> None:
        modules = Evidence.objects.filter(kind="module").select_related("module", "worker")
        self.assertTrue(modules.exists())
        for e in modules:
            self.assertIsNotNone(e.verified_by_id)
            assert e.module is not None
            self.assertEqual(e.module.organisation_id, e.worker.organisation_id)

    def test_most_permanent_staff_cleared_for_tier_1_and_2(self) -> None:
        permanent = {
            str(u)
            for u in Worker.objects.filter(
                employment_type=EmploymentType.EMPLOYED, organisation__status=OrgStatus.ACTIVE
            ).values_list("uuid", flat=True)
        }
        found = shares(self.now, permanent)
        self.assertGreaterEqual(share(found, 1), 0.85, found)
        self.assertGreaterEqual(share(found, 2), 0.6, found)

    def test_fewer_cleared_for_tier_3_and_a_minority_for_tier_4(self) -> None:
        found = shares(self.now)
        self.assertGreater(share(found, 2), share(found, 3), found)
        self.assertGreater(share(found, 3), share(found, 4), found)
        self.assertGreater(found[4][0], 0)
        for task in ("duty_lead", "handoff_receipt"):
            cleared = sum(r.cleared for r in self.now if r.task_type == task)
            with self.subTest(task=task):
                self.assertGreater(cleared, 0)
                self.assertLess(cleared, SIZE / 3)

    def test_sign_offs_run_across_eighteen_months_renewed_by_their_interval(self) -> None:
        sign_offs = list(SignOff.objects.select_related("competency", "worker"))
        days = sorted(timezone.localdate(s.signed_at) for s in sign_offs)
        start = NOW.date() - timedelta(days=demo.HISTORY_DAYS)
        self.assertLessEqual(days[0], start + timedelta(days=30))
        for quarter in range(6):  # something was signed off in every quarter
            begins = start + timedelta(days=91 * quarter)
            with self.subTest(quarter=quarter):
                self.assertTrue(any(begins <= d < begins + timedelta(days=91) for d in days))
        for s in sign_offs:
            due = rules.review_due(
                timezone.localdate(s.signed_at),
                s.competency.review_interval_months,
                s.worker.is_temporary,
            )
            self.assertEqual(s.review_due, due, s)
        renewed = [s for s in sign_offs if s.superseded_at is not None]
        self.assertGreater(len(renewed), 0)

    def test_expired_and_expiring_sign_offs(self) -> None:
        today = NOW.date()
        in_force = SignOff.objects.filter(superseded_at__isnull=True, revoked_at__isnull=True)
        self.assertTrue(in_force.filter(review_due__lt=today).exists())
        self.assertTrue(worklists.expiring_sign_offs(Worker.objects.all(), today, 30))
        expired = [r for r in self.now if "competency_expired" in [x.code for x in r.reasons]]
        self.assertGreater(len(expired), 0)

    def test_agency_workers_part_way_through_their_bundle_and_some_complete(self) -> None:
        agency = Worker.objects.filter(employment_type=EmploymentType.AGENCY)
        part_way = worklists.incomplete_bundles(agency, NOW.date())
        self.assertGreater(len(part_way), 0)
        self.assertLess(len(part_way), agency.count())
        stuck = {str(r.worker.uuid) for r in part_way}
        cleared = {r.task_type for r in self.now if r.worker in stuck and r.cleared}
        # Until the bundle is complete they work tier 1 only, and they do.
        self.assertTrue(cleared)
        self.assertLessEqual(cleared, set(demo.TIER_1))

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

    def test_a_paused_delegation_and_a_pathway_mover_in_the_register(self) -> None:
        story = self.ctx.objects["workforce_story"]
        codes = {(r.worker, c.code) for r in self.now for c in r.reasons}
        paused = Worker.objects.get(staff_id=story["pause_due"])
        moved = Worker.objects.get(staff_id=story["moved_pathway"])
        self.assertIn((str(paused.uuid), "delegation_paused"), codes)
        self.assertIn((str(moved.uuid), "pathway_revalidation_due"), codes)

    def test_register_six_months_ago_clears_fewer_but_not_nobody(self) -> None:
        before, now = shares(self.before), shares(self.now)
        cleared_before = sum(c for c, _ in before.values())
        cleared_now = sum(c for c, _ in now.values())
        self.assertGreater(before[1][0], 0)
        self.assertGreater(before[2][0], 0)
        self.assertLess(cleared_before, cleared_now)
        self.assertGreater(cleared_before, cleared_now / 3)

    def test_audit_chain_verifies(self) -> None:
        result = verify_chain(anchor_file=Path("/nonexistent/seamline-demo-anchors.jsonl"))
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.checked, AuditEntry.objects.count())
