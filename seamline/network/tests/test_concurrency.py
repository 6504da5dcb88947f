"""Concurrent writers lose nothing (SQLite and PostgreSQL).

Real threads, each with its own database connection (closed when the thread ends), racing
through the same actions that pages, the API and commands call.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

from seamline.access import Actor, actor_for
from seamline.audit.actions import record
from seamline.audit.models import AuditEntry
from seamline.audit.verify import verify_chain
from seamline.errors import Conflict
from seamline.network import actions
from seamline.network.choices import OrgStatus
from seamline.network.models import Network, Organisation, OrganisationStatusChange, User
from seamline.testing import ConcurrentTestCase, build_cast

THREADS = 8
INCREMENTS = 5


def run_in_threads(count: int, work: Callable[[int, threading.Barrier], Any]) -> list[Any]:
    """Run `work(i, barrier)` in `count` threads; return each one's result or exception."""
    barrier = threading.Barrier(count, timeout=60)
    results: list[Any] = [None] * count

    def target(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except BaseException as exc:  # handed back to the test to assert on
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    if any(thread.is_alive() for thread in threads):
        raise AssertionError("a writer thread did not finish")
    return results


class ConcurrentWriterTests(ConcurrentTestCase):
    def setUp(self):
        self.cast = build_cast()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.no_anchors = Path(folder.name) / "anchors.jsonl"

    def fresh_actor(self, username: str) -> Actor:
        return actor_for(User.objects.get(username=username))

    def assertChainIntact(self) -> int:
        result = verify_chain(self.no_anchors)
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.checked, AuditEntry.objects.count())
        return result.checked

    def test_read_modify_write_increments_lose_nothing(self):
        start = Network.current().cap_enhanced

        def increment(i: int, barrier: threading.Barrier) -> int:
            actor = self.fresh_actor("net_admin")
            barrier.wait()
            conflicts = 0
            for _ in range(INCREMENTS):
                while True:
                    network = Network.current()
                    try:
                        actions.update_network_settings(
                            actor,
                            {"cap_enhanced": network.cap_enhanced + 1},
                            version=network.version,
                            reason=f"Writer {i} adds one",
                        )
                        break
                    except Conflict:
                        conflicts += 1
            return conflicts

        results = run_in_threads(THREADS, increment)
        errors = [r for r in results if isinstance(r, BaseException)]
        self.assertEqual(errors, [])
        network = Network.current()
        self.assertEqual(network.cap_enhanced, start + THREADS * INCREMENTS)
        self.assertEqual(network.version, 1 + THREADS * INCREMENTS)
        entries = AuditEntry.objects.filter(action="network.settings.update")
        self.assertEqual(entries.count(), THREADS * INCREMENTS)
        # Each entry records one step up, and together they cover every value once.
        steps = sorted(tuple(e.changes["cap_enhanced"]) for e in entries)
        self.assertEqual(steps, [(start + k, start + k + 1) for k in range(THREADS * INCREMENTS)])
        self.assertChainIntact()

    def test_two_status_changes_from_the_same_version_one_wins(self):
        read_version = Organisation.objects.get(code="riverside").version

        def change(i: int, barrier: threading.Barrier) -> str:
            actor = self.fresh_actor("net_admin")
            org = Organisation.objects.get(code="riverside")
            new = (OrgStatus.SUSPENDED, OrgStatus.EXITED)[i]
            barrier.wait()
            actions.change_organisation_status(
                actor, org, new, reason=f"Decision {i}", version=read_version
            )
            return str(new)

        results = run_in_threads(2, change)
        winners = [r for r in results if isinstance(r, str)]
        losers = [r for r in results if isinstance(r, BaseException)]
        self.assertEqual(len(winners), 1, results)
        self.assertEqual(len(losers), 1, results)
        [loser] = losers
        assert isinstance(loser, Conflict), loser
        self.assertEqual(loser.codes, ["stale_version"])
        org = Organisation.objects.get(code="riverside")
        self.assertEqual((org.status, org.version), (winners[0], read_version + 1))
        changes = OrganisationStatusChange.objects.filter(organisation=org, from_status="active")
        self.assertEqual(list(changes.values_list("to_status", flat=True)), winners)
        self.assertEqual(AuditEntry.objects.filter(action="organisation.status").count(), 1)
        self.assertChainIntact()

    def test_concurrent_appends_form_one_unbroken_chain(self):
        per_thread = 25

        def append(i: int, barrier: threading.Barrier) -> list[int]:
            actor = Actor.system(f"writer-{i}")
            barrier.wait()
            return [
                record(actor, "test.concurrent", changes={"writer": [None, i], "n": [None, n]}).seq
                for n in range(per_thread)
            ]

        results = run_in_threads(THREADS, append)
        errors = [r for r in results if isinstance(r, BaseException)]
        self.assertEqual(errors, [])
        total = THREADS * per_thread
        seqs = sorted(seq for result in results for seq in result)
        self.assertEqual(seqs, list(range(1, total + 1)))
        stored = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
        self.assertEqual(stored, list(range(1, total + 1)))
        # Each writer's own entries come out in the order it wrote them.
        for i, result in enumerate(results):
            self.assertEqual(result, sorted(result), f"writer {i}")
        self.assertEqual(self.assertChainIntact(), total)
