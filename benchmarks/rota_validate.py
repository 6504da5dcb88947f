"""Benchmark of the rota gate: a whole week validated at once, and single checks under load.

    .venv/bin/python benchmarks/rota_validate.py [--workers 10000] [--assignments 100000]
        [--checks 2000] [--clients 50] [--rate 40] [--json]

It builds a network in a fresh temporary database (Django's test-database machinery: a SQLite
file in the temporary folder, or a `test_...` database on the server `DATABASE_URL` names,
dropped at the end; the working database is never opened):

* the workforce of `benchmarks/authz_register.py` (10 organisations, 3 pathways, a framework of
  40 competencies and 40 task types, `--workers` workers with about 30 sign-offs each, bundles,
  pauses), the same seed;
* participants (one for every five assignments), a tenth of them with a high-severity risk
  flag, all in the prime's care; a few declined workers and recorded preferences;
* one rota week (Monday 1 June 2026) of `--assignments` visits, one worker each, a worker's
  visits spread over the week (some lone, some late), one or two task types each; shifts for a
  fifth of the workers.

Rows are written with `bulk_create`. Fixed seed: every run builds the same rota.

Then it times:

(a) validating the whole week, loading included, as `seamline rota validate --week` does it
    (`rota.parallel.validate_week`, as the platform operator: two processes, each reading
    and judging its own half), in a new Python process on the same database as the command
    runs (not in the benchmark's own, which has just written the whole network), best of 3;
    and the same on one process phase by phase: the
    visits read as the gate reads them (`rota.loading.stored_visits`), everything the rules
    need loaded (`rota.loading.load`) and every assignment judged
    (`rota.validation.findings`), best of 3, with the number of queries and of violations;
(b) `--checks` single checks through `POST /api/rota/check` with a bearer token, sent by
    `--clients` concurrent clients (threads, each on its own keep-alive HTTP connection) to a
    real server: `seamline serve` (gunicorn, 2 worker processes of 8 threads) started in a
    subprocess on a free port against the same temporary database. Two rounds: saturated
    (each client sends its next check as soon as the last is answered) and paced (the clients
    together offer `--rate` checks a second on a fixed schedule, a check's latency counted from
    when it was due). p50 and p99 of the latency each client measures (the first 50 checks
    warm the server and are not counted).

Run it at full size only on an idle machine; a small run (`--workers 500 --assignments 5000`)
proves it works.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import _common
import authz_register

SEED = 20260601
WEEK_MONDAY = date(2026, 6, 1)
BATCH = 5000
WARM_UP = 50


def build_rota(assignments: int, admin: Any) -> dict[str, Any]:
    """Participants, visits, assignments and shifts of one rota week over the workforce."""
    from django.db import transaction
    from django.utils import timezone

    from seamline.cases.choices import CareReason, RiskKind, Severity
    from seamline.cases.models import CareTeamMember, DeclinedWorker, Participant, RiskFlag
    from seamline.competency.models import TaskType
    from seamline.network.models import Organisation, Pathway
    from seamline.rota.choices import PreferenceKind
    from seamline.rota.models import Assignment, Preference, Shift, Visit
    from seamline.rota.rules import visit_code, week_of
    from seamline.workforce.models import Worker

    rng = random.Random(SEED + 7)
    zone = timezone.get_current_timezone()
    week = week_of(WEEK_MONDAY)
    prime = Organisation.objects.get(code="northbridge")
    pathways = list(Pathway.objects.order_by("code"))
    tasks = list(TaskType.objects.order_by("code").values_list("id", flat=True))
    workers = list(
        Worker.objects.filter(status="active").order_by("id").values_list("id", "organisation_id")
    )
    before = datetime.combine(WEEK_MONDAY - timedelta(days=30), datetime.min.time(), zone)
    with transaction.atomic():
        count = max(assignments // 5, 1)
        Participant.objects.bulk_create(
            [
                Participant(
                    code=f"P-{n:07d}",
                    given_name=f"Given{n % 991}",
                    family_name=f"Family{n:06d}",
                    date_of_birth=date(1940 + n % 50, 1 + n % 12, 1 + n % 28),
                )
                for n in range(count)
            ],
            batch_size=BATCH,
        )
        people = list(Participant.objects.order_by("id").values_list("id", flat=True))
        CareTeamMember.objects.bulk_create(
            [
                CareTeamMember(
                    participant_id=pk,
                    organisation=prime,
                    reason=CareReason.PRIME,
                    started_at=before,
                )
                for pk in people
            ],
            batch_size=BATCH,
        )
        RiskFlag.objects.bulk_create(
            [
                RiskFlag(
                    participant_id=pk,
                    kind=RiskKind.DETERIORATION,
                    severity=Severity.HIGH,
                    raised_at=before,
                )
                for n, pk in enumerate(people)
                if n % 10 == 3
            ],
            batch_size=BATCH,
        )
        visits = []
        owners = []
        # Each worker's visits follow one another through the week: a visit every 100
        # minutes from 07:00, days filled in turn.
        per_worker = max(assignments // max(len(workers), 1), 1)
        for n in range(assignments):
            worker_id, org_id = workers[n % len(workers)]
            slot = n // len(workers)
            day = WEEK_MONDAY + timedelta(days=slot % 7)
            minutes = 7 * 60 + 100 * (slot // 7) + rng.choice((0, 10, 20))
            start = datetime.combine(day, datetime.min.time(), zone) + timedelta(minutes=minutes)
            visits.append(
                Visit(
                    code=visit_code(week, n + 1),
                    organisation_id=org_id,
                    ref=f"B-{n:07d}",
                    participant_id=people[rng.randrange(len(people))],
                    pathway=pathways[n % len(pathways)],
                    starts_at=start,
                    ends_at=start + timedelta(minutes=rng.choice((30, 45, 60))),
                    lone=rng.random() < 0.1,
                )
            )
            owners.append(worker_id)
        Visit.objects.bulk_create(visits, batch_size=BATCH)
        ids = list(Visit.objects.order_by("id").values_list("id", flat=True))
        through = Visit.task_types.through
        links = []
        for pk in ids:
            for task in rng.sample(tasks, rng.choice((1, 1, 2))):
                links.append(through(visit_id=pk, tasktype_id=task))
        through.objects.bulk_create(links, batch_size=BATCH)
        Assignment.objects.bulk_create(
            [Assignment(visit_id=pk, worker_id=w) for pk, w in zip(ids, owners, strict=True)],
            batch_size=BATCH,
        )
        Shift.objects.bulk_create(
            [
                Shift(
                    organisation_id=org_id,
                    ref=f"S-{worker_id}-{d}",
                    worker_id=worker_id,
                    starts_at=datetime.combine(
                        WEEK_MONDAY + timedelta(days=d), datetime.min.time(), zone
                    )
                    + timedelta(hours=6),
                    ends_at=datetime.combine(
                        WEEK_MONDAY + timedelta(days=d), datetime.min.time(), zone
                    )
                    + timedelta(hours=22),
                )
                for n, (worker_id, org_id) in enumerate(workers)
                if n % 5 == 0
                for d in range(7)
            ],
            batch_size=BATCH,
        )
        DeclinedWorker.objects.bulk_create(
            [
                DeclinedWorker(
                    participant_id=people[n % len(people)], worker_id=owners[n], recorded_at=before
                )
                for n in range(0, assignments, 97)
            ],
            batch_size=BATCH,
        )
        Preference.objects.bulk_create(
            [
                Preference(participant_id=pk, kind=PreferenceKind.NO_TEMPORARY, recorded_at=before)
                for n, pk in enumerate(people)
                if n % 50 == 1
            ],
            batch_size=BATCH,
        )
    return {
        "participants": len(people),
        "visits": len(ids),
        "assignments": len(owners),
        "visits_per_worker": per_worker,
        "task_links": len(links),
        "week": week,
    }


def time_validation() -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from seamline.access import Actor
    from seamline.rota import loading, validation
    from seamline.rota.models import Visit
    from seamline.rota.rules import week_of, week_window

    system = Actor.system("benchmark")
    start, end = week_window(week_of(WEEK_MONDAY), timezone.get_current_timezone())
    week = Visit.objects.planned().between(start, end)
    # As the command validates it (`seamline rota validate --week`): in a process of its own,
    # not this one, which has just written the whole network (`_week_in_a_new_process`).
    two, two_digest = _week_in_a_new_process()
    result: Any = None
    # On one process, phase by phase, with the query count.
    times, cpu = [], []
    queries = 0
    for _ in range(3):
        result = facts = gate = None
        gc.collect()
        with CaptureQueriesContext(connection) as ctx:
            began, began_cpu = time.perf_counter(), time.process_time()
            facts = loading.stored_visits(week)
            loaded_at = time.perf_counter()
            gate = loading.load(facts, rota_span=(start, end))
            judged_at = time.perf_counter()
            result = validation.findings(system, gate, facts)
            done = time.perf_counter()
            times.append(done - began)
            cpu.append(time.process_time() - began_cpu)
        queries = len(ctx.captured_queries)
        phases = {
            "read_visits": loaded_at - began,
            "load_facts": judged_at - loaded_at,
            "judge": done - judged_at,
        }
    if two_digest != _digest(result.findings):
        raise SystemExit("two processes and one found different violations")
    by_rule: dict[str, int] = {}
    for finding in result.findings:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
    return {
        "two_processes_seconds": min(two),
        "two_processes_all_seconds": two,
        "seconds": min(times),
        "all_seconds": times,
        "cpu_seconds": min(cpu),
        "last_run_phases": phases,
        "queries": queries,
        "visits": result.visits,
        "assignments": result.assignments,
        "violations": len(result.findings),
        "by_rule": dict(sorted(by_rule.items())),
    }


def time_week(runs: int = 3) -> tuple[list[float], str]:
    """`runs` validations of the week as `seamline rota validate --week` makes them
    (`rota.parallel.validate_week`, as the platform operator: two processes, each reading and
    judging its own half), each started without the last one's violations still held; and the
    digest of the last one's violations."""
    from seamline.access import Actor
    from seamline.rota import parallel
    from seamline.rota.rules import week_of

    system = Actor.system("benchmark")
    times: list[float] = []
    result: Any = None
    digest = ""
    for _ in range(runs):
        result = None
        gc.collect()
        began = time.perf_counter()
        result = parallel.validate_week(system, week_of(WEEK_MONDAY))
        times.append(time.perf_counter() - began)
        digest = _digest(result.findings)
    return times, digest


def _week_in_a_new_process() -> tuple[list[float], str]:
    """`time_week` in a new Python process on the same database, as the command runs: the
    benchmark's own process holds the memory of building the whole network, which the fork
    of every run would carry."""
    from django.db import connections

    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url()
    connections.close_all()
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(Path(__file__).resolve()), "--time-week"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the week's timing failed:\n{done.stdout}{done.stderr}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["seconds"], found["digest"]


def _digest(findings: list[Any]) -> str:
    """What two runs are compared by, without holding the first run's findings."""
    return hashlib.sha256("\n".join(map(repr, findings)).encode()).hexdigest()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}{port}/{db['NAME']}"


def _serve(state_dir: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = _free_port()
    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url()
    env["SEAMLINE_HOME"] = str(state_dir)
    env["SEAMLINE_STATIC_ROOT"] = str(state_dir / "static")
    log = state_dir / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable,
                "-m",
                "seamline.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
                "--threads",
                "8",
            ],
            cwd=state_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"seamline serve exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server, port, log
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    server.kill()
    raise SystemExit(f"seamline serve did not answer:\n{log.read_text()}")


def _connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def _round(
    asks: list[tuple[str, str, str]],
    clients: int,
    rate: float,
    connect: Any,
    ask: Any,
    latencies: list[float],
    lock: threading.Lock,
) -> dict[str, Any]:
    """`asks` shared among `clients` threads, each on its own keep-alive connection. `rate` 0:
    each client sends its next check as soon as the last is answered (the server saturated).
    Otherwise the clients together offer `rate` checks a second, each on a fixed schedule, and a
    check's latency counts from when it was due, so a late start counts against it."""
    interval = clients / rate if rate else 0.0

    def client(part: list[tuple[str, str, str]], offset: float) -> None:
        conn = connect()
        found = []
        start = time.perf_counter() + offset
        for k, item in enumerate(part):
            due = start + k * interval
            if interval:
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            sent = time.perf_counter()
            spent = ask(conn, *item)
            found.append(spent + (sent - due if interval and sent > due else 0.0))
        conn.close()
        with lock:
            latencies.extend(found)

    threads = [
        threading.Thread(target=client, args=(asks[n::clients], interval * n / clients))
        for n in range(clients)
    ]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "checks": len(latencies),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000,
        "max_ms": latencies[-1] * 1000,
        "throughput_per_s": len(latencies) / wall,
    }


def time_checks(
    admin: Any, checks: int, clients: int, state_dir: Path, rate: float
) -> dict[str, Any]:
    from django.db import connections

    from seamline.access import actor_for
    from seamline.network.actions import issue_api_token
    from seamline.rota.models import Assignment

    rng = random.Random(SEED + 2)
    _, key = issue_api_token(actor_for(admin), name="benchmark")
    pairs = list(
        Assignment.objects.order_by("id").values_list(
            "visit__code", "worker__organisation__code", "worker__staff_id"
        )
    )
    asks = [rng.choice(pairs) for _ in range(checks + WARM_UP)]
    connections.close_all()
    server, port, log = _serve(state_dir)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def ask(conn: http.client.HTTPConnection, visit: str, org: str, staff: str) -> float:
        body = json.dumps({"visit": visit, "worker": f"{org}/{staff}"})
        began = time.perf_counter()
        conn.request("POST", "/api/rota/check", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        spent = time.perf_counter() - began
        if response.status != 200:
            with lock:
                failures.append(f"{response.status}")
        return spent

    try:
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for visit, org, staff in asks[:WARM_UP]:
            ask(warm, visit, org, staff)
        warm.close()

        rest = asks[WARM_UP:]
        saturated = _round(rest, clients, 0.0, lambda: _connect(port), ask, latencies, lock)
        paced_latencies: list[float] = []
        paced = _round(rest, clients, rate, lambda: _connect(port), ask, paced_latencies, lock)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if failures:
        raise SystemExit(
            f"{len(failures)} checks failed (statuses {sorted(set(failures))}):\n"
            + log.read_text()[-2000:]
        )
    return {
        "server": "seamline serve (gunicorn gthread), 2 processes x 8 threads",
        "clients": clients,
        **saturated,
        "paced": {"offered_per_s": rate, **paced},
    }


def run(
    workers: int, assignments: int, checks: int, clients: int, state_dir: Path, rate: float
) -> dict[str, Any]:

    with _common.throwaway_database():
        began = time.perf_counter()
        built = authz_register.build(workers)
        rota = build_rota(assignments, built["admin"])
        build_s = time.perf_counter() - began
        _common.settle()  # fresh statistics (and a vacuum on PostgreSQL), as a live database has
        whole = time_validation()
        single = time_checks(built["admin"], checks, clients, state_dir, rate)
        about = _common.machine()
    return {
        **about,
        "workers": built["workers"],
        "build_seconds": build_s,
        "rota": rota,
        "validate": whole,
        "check": single,
    }


def report(f: dict[str, Any]) -> str:
    v, c, r = f["validate"], f["check"], f["rota"]
    return "\n".join(
        [
            f"Rota gate benchmark, {f['date']}: {f['database']}, Python {f['python']}, "
            f"Django {f['django']}, {f['cpus']} CPUs ({f['machine']}), "
            f"load average {f['load_average'][0]:.1f}",
            f"  the gate's modules {f['compiled']}",
            f"  rota week {r['week']}: {f['workers']:,} workers, {r['visits']:,} visits, "
            f"{r['assignments']:,} assignments, {r['participants']:,} participants "
            f"(built in {f['build_seconds']:.0f} s)",
            f"  whole week validated, loading included, as `seamline rota validate --week` does "
            f"(two processes, started in a new process): "
            f"{v['two_processes_seconds']:.2f} s best of 3 "
            f"({', '.join(f'{s:.2f}' for s in v['two_processes_all_seconds'])})",
            f"  the same on one process: {v['seconds']:.2f} s best of 3 "
            f"({', '.join(f'{s:.2f}' for s in v['all_seconds'])}); {v['queries']} queries; "
            f"{v['violations']:,} violations; CPU time {v['cpu_seconds']:.2f} s; last run: "
            + ", ".join(f"{k} {s:.2f} s" for k, s in v["last_run_phases"].items()),
            f"  single check, POST /api/rota/check, {c['clients']} concurrent clients, "
            f"{c['checks']:,} checks against {c['server']}: p50 {c['p50_ms']:.1f} ms, "
            f"p99 {c['p99_ms']:.1f} ms, max {c['max_ms']:.1f} ms, "
            f"{c['throughput_per_s']:.0f} checks/s",
            f"  the same clients offering {c['paced']['offered_per_s']:.0f} checks/s between them: "
            f"p50 {c['paced']['p50_ms']:.1f} ms, p99 {c['paced']['p99_ms']:.1f} ms, "
            f"max {c['paced']['max_ms']:.1f} ms, {c['paced']['throughput_per_s']:.0f} checks/s",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=10_000, help="default 10000")
    parser.add_argument("--assignments", type=int, default=100_000, help="default 100000")
    parser.add_argument("--checks", type=int, default=2_000, help="default 2000")
    parser.add_argument("--clients", type=int, default=50, help="default 50")
    parser.add_argument(
        "--rate", type=float, default=40.0, help="checks a second offered in the paced round (40)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--time-week", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_week:
        # (Run by the benchmark itself, `_week_in_a_new_process`: its settings and database
        # are in the environment it passes.)
        sys.path.insert(0, str(_common.ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seamline.settings")
        import django

        django.setup()
        seconds, digest = time_week()
        print(json.dumps({"seconds": seconds, "digest": digest}))
        return
    if args.rate <= 0:
        parser.error("need --rate > 0")
    if args.workers < 10 or args.assignments < args.workers or args.checks < args.clients:
        parser.error("need --workers >= 10, --assignments >= --workers, --checks >= --clients")
    with tempfile.TemporaryDirectory(prefix="seamline-bench-") as folder:
        _common.configure(Path(folder))
        figures = run(
            args.workers, args.assignments, args.checks, args.clients, Path(folder), args.rate
        )
    print(json.dumps(figures, indent=2, default=str) if args.json else report(figures))


if __name__ == "__main__":
    main()
