"""Concurrent framework changes lose nothing: each gets its own consecutive version."""

from __future__ import annotations

import threading
from typing import Any

from django.db import connection

from seamline.access import actor_for
from seamline.competency import actions
from seamline.competency.defaults import DEFAULT_FRAMEWORK
from seamline.competency.models import Competency, FrameworkVersion
from seamline.network.models import User
from seamline.testing import ConcurrentTestCase, build_cast

CODES = ["fire_safety", "moving_handling", "conflict_resolution", "basic_life_support"]


class ConcurrentFrameworkChangeTests(ConcurrentTestCase):
    def test_simultaneous_changes_are_all_kept_in_consecutive_versions(self) -> None:
        cast = build_cast()
        actions.apply_framework(cast.actor(cast.quality), DEFAULT_FRAMEWORK, "Start")
        barrier = threading.Barrier(len(CODES), timeout=60)
        results: list[Any] = [None] * len(CODES)

        def work(i: int) -> None:
            try:
                actor = actor_for(User.objects.get(username="quality"))
                competency = Competency.objects.get(code=CODES[i])
                barrier.wait()
                actions.update_competency(
                    actor, competency, {"review_interval_months": 6}, reason=f"Change {i}"
                )
                results[i] = "ok"
            except BaseException as exc:  # handed back to the test to assert on
                results[i] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(CODES))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(results, ["ok"] * len(CODES))
        self.assertEqual(
            sorted(
                Competency.objects.filter(code__in=CODES).values_list(
                    "review_interval_months", flat=True
                )
            ),
            [6, 6, 6, 6],
        )
        self.assertEqual(
            list(FrameworkVersion.objects.order_by("number").values_list("number", flat=True)),
            [1, 2, 3, 4, 5],
        )
        latest = FrameworkVersion.objects.current()
        assert latest is not None
        changed = {c["code"]: c["review_interval_months"] for c in latest.snapshot["competencies"]}
        self.assertEqual([changed[c] for c in CODES], [6, 6, 6, 6])
