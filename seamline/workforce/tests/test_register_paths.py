"""The register's two ways of loading facts (a few workers in one union, many in separate
queries) and its two-process computation give exactly the rows of the plain computation."""

from __future__ import annotations

import gc
import time
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

from django.db import transaction
from django.test import SimpleTestCase

from seamline import collector, forking
from seamline.network.models import OrganisationStatusChange
from seamline.testing import ConcurrentTestCase, build_cast
from seamline.workforce import parallel
from seamline.workforce import register as register_module
from seamline.workforce.choices import LOCAL_INDUCTION_TOPICS
from seamline.workforce.models import WorkerStatusChange
from seamline.workforce.register import Row, load_facts, register_view
from seamline.workforce.testing import (
    at,
    make_competency,
    make_evidence,
    make_pause,
    make_sign_off,
    make_task_type,
    make_worker,
)

from .test_register import AT, SYSTEM, RegisterCase


class LoadPathsTests(RegisterCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Something of every kind of fact: a pause, a revoked and a superseded sign-off, a
        # pathway-specific sign-off, a temporary worker's bundle with a local induction.
        make_pause(cls.ada, cls.prompt, at(date(2026, 5, 30)))
        old = make_sign_off(cls.sam, cls.safe, "induction", signer=cls.lead)
        old.revoked_at = at(date(2026, 5, 20))
        old.save()
        make_sign_off(cls.sam, cls.med, "supervised", signer=cls.lead)
        make_sign_off(cls.sam, cls.med, "independent", signer=cls.lead)
        make_evidence(cls.sam, "module", date(2026, 5, 2), competency=cls.med)
        WorkerStatusChange.objects.create(
            worker=cls.ada, from_status="active", to_status="suspended", changed_at=AT
        )
        make_evidence(
            cls.sam,
            "local_induction",
            date(2026, 5, 3),
            detail={"topics": list(LOCAL_INDUCTION_TOPICS)},
        )

    def test_a_few_and_many_give_the_same_facts(self) -> None:
        view = register_view(SYSTEM, AT)
        few = load_facts(view.workers, view.at, view.framework, few=True)
        many = load_facts(view.workers, view.at, view.framework, few=False)
        self.assertEqual(len(few), 3)
        self.assertEqual(few, many)
        sam = next(f for f in few if f.name == "Sam Swift")
        self.assertEqual(len(sam.attainments), 3)
        self.assertTrue(any(a.revoked_at is not None for a in sam.attainments))
        ada = next(f for f in few if f.name == "Ada Brook")
        self.assertEqual([p.task_type for p in ada.pauses], ["medication_prompt"])
        self.assertEqual(ada.pathways, ("discharge",))
        self.assertEqual(ada.status, "suspended")

    def test_pack_and_unpack_give_back_the_rows(self) -> None:
        view = register_view(SYSTEM, AT)
        with mock.patch.object(parallel, "PART", 2):  # two parts: two workers, then one
            parts = list(parallel.pack(view, 0, 3))
        self.assertEqual([len(part) for part in parts], [2, 1])
        self.assertEqual([row for part in parts for row in parallel.unpack(part)], view.rows())

    def test_the_register_is_computed_with_the_cycle_collector_paused(self) -> None:
        seen: list[bool] = []
        real = register_module.rows_for

        def spy(*args: Any, **kwargs: Any) -> list[Row]:
            seen.append(gc.isenabled())
            return real(*args, **kwargs)

        view = register_view(SYSTEM, AT)
        with mock.patch.object(register_module, "rows_for", spy):
            rows = view.rows()
            part = view[: len(view.tasks)]
        self.assertEqual(seen, [False, False])
        self.assertTrue(gc.isenabled())  # and back on after
        self.assertEqual(part, rows[: len(view.tasks)])
        gc.disable()
        try:  # off before: left off
            with collector.paused():
                pass
            self.assertFalse(gc.isenabled())
        finally:
            gc.enable()

    def test_what_a_pause_made_is_aged_without_a_scan(self) -> None:
        with collector.paused():
            made = [[n] for n in range(2000)]
        # In the oldest generation, still tracked: not left young for one scan of everything.
        oldest = {id(obj) for obj in gc.get_objects(generation=2)}
        self.assertTrue(all(id(obj) in oldest and gc.is_tracked(obj) for obj in made))
        self.assertEqual(gc.get_freeze_count(), 0)

    def test_inside_a_transaction_it_is_computed_here(self) -> None:
        view = register_view(SYSTEM, AT)
        self.assertFalse(parallel.can_fork(view))  # (a TestCase is one transaction)
        self.assertEqual(parallel.rows_in_two(view, min_workers=1), view.rows())


class TwoProcessTests(ConcurrentTestCase):
    """Committed data, so a forked child with its own connection sees it."""

    def setUp(self) -> None:
        cast = build_cast()
        OrganisationStatusChange.objects.update(changed_at=at(date(2025, 1, 1)))
        med = make_competency("medication", title="Medication support")
        make_task_type("medication_prompt", [(med, "independent")], risk_tier=2)
        make_task_type("welfare_check", [(med, "induction")], risk_tier=1)
        lead = make_worker(cast.riverside, "RIV-LEAD", first_name="Lena", last_name="Lead")
        for n in range(7):
            worker = make_worker(
                cast.riverside, f"RIV-{n:03d}", first_name=f"Worker{n}", last_name="Brook"
            )
            if n % 2:
                make_sign_off(
                    worker, med, "independent", signer=lead, signed_at=at(date(2026, 1, n + 1))
                )

    def test_two_processes_give_the_rows_of_one(self) -> None:
        view = register_view(SYSTEM, AT)
        self.assertTrue(parallel.can_fork(view))
        one = view.rows()
        two = parallel.rows_in_two(view, min_workers=2)
        self.assertEqual(len(one), 16)
        self.assertEqual(two, one)
        self.assertTrue(any(row.cleared for row in two))
        self.assertTrue(any(row.reasons for row in two))

    def test_the_child_s_rows_come_back_in_order_a_part_at_a_time(self) -> None:
        view = register_view(SYSTEM, AT)
        one = view.rows()
        with (
            mock.patch.object(parallel, "PART", 1),
            mock.patch.object(parallel, "PARENT_SHARE", 25),
        ):
            self.assertEqual(parallel.rows_in_two(view, min_workers=2), one)

    def test_a_failing_child_is_reported(self) -> None:
        view = register_view(SYSTEM, AT)
        view.tasks = [*view.tasks]
        view.framework = None  # type: ignore[assignment]  # the child fails reading it
        with self.assertRaisesRegex(RuntimeError, "second half of the register failed"):
            parallel.rows_in_two(view, min_workers=2)

    def test_inside_a_transaction_it_is_not_forked(self) -> None:
        with transaction.atomic():
            view = register_view(SYSTEM, AT)
            self.assertFalse(parallel.can_fork(view))


class StreamTests(SimpleTestCase):
    """`forking.start_stream` on its own: parts in order, and a child failing part-way."""

    def test_parts_come_in_order_and_a_failure_after_them(self) -> None:
        def work() -> Any:
            yield [1, "one"]
            yield {"two": (2, None)}
            raise ValueError("no third part")

        got: list[Any] = []
        with self.assertRaisesRegex(RuntimeError, "(?s)Counting failed: .*no third part"):
            for part in forking.start_stream(work, "Counting"):
                got.append(part)
        self.assertEqual(got, [[1, "one"], {"two": (2, None)}])

    def test_the_child_never_waits_for_the_reader(self) -> None:
        # Far more than a pipe holds (64 KiB): the child sends it all and exits before the
        # parent reads anything.
        big = ["x" * 1000] * 2000
        stream = forking.start_stream(lambda: iter([big, big, big]), "Sending")
        stat = Path(f"/proc/{stream.pid}/stat")
        deadline = time.monotonic() + 20
        while stat.read_text().split(") ")[1][0] != "Z" and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(stat.read_text().split(") ")[1][0], "Z")  # exited, not yet reaped
        self.assertEqual([len(part) for part in stream], [2000, 2000, 2000])
