"""Exactly once, with real threads and real commits on the file database: two workers ticking
at once climb each rung once, and a worker that dies after claiming a row (before it commits)
leaves the row for the next worker, which climbs it once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.db import connection

from seamline.cases.testing import make_flag
from seamline.escalation import worker
from seamline.escalation.models import Escalation, EscalationEvent, Notification
from seamline.escalation.testing import load_defaults, make_case
from seamline.network.tests.test_concurrency import run_in_threads
from seamline.testing import ConcurrentTestCase, build_cast

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


# A worker process that kills itself (SIGKILL: no clean-up of any kind) once it has claimed its
# first row, before that row's transaction commits.
KILLED_WORKER = """
import os, signal, sys
from datetime import datetime
import django
django.setup()
from seamline.escalation import worker
worker.after_claim = lambda esc: os.kill(os.getpid(), signal.SIGKILL)
worker.tick(datetime.fromisoformat(sys.argv[1]))
"""


def database_url() -> str:
    """The URL of the database the test is using, for a worker in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "")
    password = quote(db.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerRaceTests(ConcurrentTestCase):
    def setUp(self) -> None:
        self.cast = build_cast()
        load_defaults()
        for name in ("Ash", "Birch", "Cedar", "Damson"):
            person, _ = make_case(self.cast, received_at=T0 - 48 * HOUR, family_name=name)
            make_flag(person, "recent_ed_contact", "medium", raised_at=T0)
            make_flag(person, "safeguarding", "high", raised_at=T0)

    def test_two_workers_open_each_escalation_once_and_climb_each_rung_once(self) -> None:
        def work(i: int, barrier: threading.Barrier) -> Any:
            barrier.wait()
            try:
                return worker.tick(T0 + 20 * HOUR)
            finally:
                connection.close()

        results = run_in_threads(2, work)
        self.assertEqual(Escalation.objects.count(), 8)
        self.assertEqual(sum(r.opened for r in results), 8, results)
        # Same day: 4 h then 8 h, so by T0 + 20 h each has climbed twice, each climb once.
        self.assertEqual(EscalationEvent.objects.filter(kind="climbed").count(), 16)
        self.assertEqual(sum(r.climbed for r in results), 16, results)
        self.assertEqual(Notification.objects.filter(kind="climbed").count(), 16)
        self.assertEqual(set(Escalation.objects.values_list("rung", flat=True)), {3})

    def test_a_worker_killed_after_claiming_leaves_the_row_to_the_next(self) -> None:
        worker.tick(T0)

        def die(esc: Escalation) -> None:
            raise SystemExit("killed mid-run")

        worker.after_claim = die
        try:
            with self.assertRaises(SystemExit):
                worker.tick(T0 + 5 * HOUR)
        finally:
            worker.after_claim = None
        self.assertEqual(set(Escalation.objects.values_list("rung", flat=True)), {1})

        def work(i: int, barrier: threading.Barrier) -> Any:
            barrier.wait()
            try:
                return worker.tick(T0 + 5 * HOUR)
            finally:
                connection.close()

        results = run_in_threads(2, work)
        self.assertEqual(sum(r.climbed for r in results), 8, results)
        self.assertEqual(EscalationEvent.objects.filter(kind="climbed").count(), 8)

    def test_a_worker_process_killed_mid_run_leaves_every_row_to_the_next(self) -> None:
        worker.tick(T0)
        connection.close()
        env = {**os.environ, "DATABASE_URL": database_url(), "SEAMLINE_ENV": "test"}
        env.setdefault("DJANGO_SETTINGS_MODULE", "seamline.settings")
        killed = subprocess.run(  # noqa: S603 (our own interpreter and script)
            [sys.executable, "-c", KILLED_WORKER, (T0 + 5 * HOUR).isoformat()],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(killed.returncode, -9, killed.stderr.decode()[-2000:])
        self.assertEqual(set(Escalation.objects.values_list("rung", flat=True)), {1})
        self.assertFalse(EscalationEvent.objects.filter(kind="climbed").exists())
        result = worker.tick(T0 + 5 * HOUR)
        self.assertEqual(result.climbed, 8)
        self.assertEqual(EscalationEvent.objects.filter(kind="climbed").count(), 8)
