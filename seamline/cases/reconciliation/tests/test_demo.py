"""The demo's caseload lists: a file per partner in its own columns, a trend of stored runs,
and today's files reconciling with every kind of finding the noise was made to cause."""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from seamline.cases import demo as cases_demo
from seamline.cases.reconciliation import actions, demo
from seamline.cases.reconciliation.choices import Category
from seamline.cases.reconciliation.models import ColumnMapping, Run
from seamline.demo import registry
from seamline.network.models import Organisation
from seamline.workforce import demo as workforce_demo

SEED = 2026
NOW = datetime(2026, 10, 5, 9, 30, tzinfo=ZoneInfo("Europe/London"))


def build_small(folder: Path) -> dict[str, object]:
    ctx = registry.DemoContext(seed=SEED, now=NOW, rng=registry.rng_for(SEED, ""))
    for step in registry.steps():
        if step.order >= 30:
            continue
        ctx.rng = registry.rng_for(SEED, step.name)
        ctx._budget = step.units
        step.build(ctx)
    ctx.rng = registry.rng_for(SEED, "workforce")
    ctx._budget = 1000
    workforce_demo.populate(ctx, 40)
    ctx.rng = registry.rng_for(SEED, "cases")
    ctx._budget = 6
    cases_demo.populate(ctx, 400)
    ctx.rng = registry.rng_for(SEED, "reconciliation")
    ctx._budget = 10
    return demo.populate(ctx, folder)


@time_machine.travel(NOW, tick=False)
class DemoListsTests(TestCase):
    folder: tempfile.TemporaryDirectory[str]
    written: dict[str, object]

    @classmethod
    def setUpClass(cls) -> None:
        cls.folder = tempfile.TemporaryDirectory()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls.folder.cleanup()

    @classmethod
    def setUpTestData(cls) -> None:
        cls.written = build_small(Path(cls.folder.name))

    def test_a_file_per_partner_in_its_own_columns(self) -> None:
        names = sorted(p.name for p in Path(self.folder.name).iterdir())
        self.assertEqual(
            names,
            [f"caseload-{code}.csv" for code in sorted(demo.LAYOUTS)],
        )
        with open(Path(self.folder.name) / "caseload-riverside.csv", newline="") as handle:
            header = next(csv.reader(handle))
        self.assertEqual(header[:3], ["RHS No", "NHS No", "Forename"])

    def test_each_partner_has_its_mapping_and_a_trend_of_runs(self) -> None:
        self.assertEqual(ColumnMapping.objects.count(), len(demo.LAYOUTS))
        runs = Counter(Run.objects.values_list("organisation__code", flat=True))
        self.assertEqual(runs, dict.fromkeys(demo.LAYOUTS, 2))

    def test_todays_list_reconciles_with_the_noise_it_was_made_with(self) -> None:
        riverside = Organisation.objects.get(code="riverside")
        data = (Path(self.folder.name) / "caseload-riverside.csv").read_bytes()
        from seamline.access import Actor

        outcome = actions.reconcile(Actor.system("test"), riverside, data, dry_run=True)
        self.assertEqual(outcome.errors, [])
        self.assertGreater(outcome.rate, 0.8)
        for category in (
            Category.MATCHED,
            Category.UNKNOWN,
            Category.DUPLICATED,
            Category.WITHOUT_OWNER,
        ):
            with self.subTest(category=category):
                self.assertGreater(outcome.counts[category], 0)
