"""Benchmark of the authorization register: the full register as of a date, and single checks.

    .venv/bin/python benchmarks/authz_register.py [--workers 10000] [--checks 1000] [--json]

It builds a network in a fresh temporary database (Django's test-database machinery: a SQLite
file in the temporary folder, or a `test_...` database on the server `DATABASE_URL` names, which
is dropped at the end; the working database is never opened):

* 10 organisations (the prime, subcontractors, two staffing agencies), 3 pathways;
* a framework of 40 competencies (5 network-critical, 4 pathway-specific) and 40 task types
  of tiers 1 to 4 with 1 to 3 requirements each, saved as a framework version;
* `--workers` workers (a quarter of them temporary), on one or two pathways each;
* about 100 evidence and sign-off rows per worker (1,000,000 for 10,000 workers): a sign-off of
  most competencies, some superseded, expired, revoked or pathway-specific, each with two or
  three pieces of evidence, plus the temporary workers' bundles; some delegation pauses.

Rows are written with `bulk_create` (the actions would take hours and are not what is timed).
Fixed seed: every run builds the same network.

Then it times:

(a) the full register as of a date (`workforce.register.register` as the platform operator),
    as the command computes it (on two processes) and on one, each best of 3, with its query
    count; and the query count for a tenth of the workers;
(b) `--checks` single checks through the API (`GET /api/authz/check` with a bearer token, via
    Django's test client: URL routing, token authentication, access, loading and the rule),
    p50 and p99, with the query count of one check.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import _common

SEED = 20260601
AS_OF = "2026-06-01T09:00:00+01:00"
BATCH = 5000


def _months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, 28))


def build(workers: int) -> dict[str, Any]:
    """The benchmark network. Returns counts and what the timing needs."""
    from django.db import transaction
    from django.utils import timezone

    from seamline.competency.choices import Domain, EvidenceKind, Stage
    from seamline.competency.framework import snapshot
    from seamline.competency.models import Competency, FrameworkVersion, TaskRequirement, TaskType
    from seamline.network.choices import OrgKind, Role
    from seamline.network.models import OrganisationStatusChange
    from seamline.testing import make_org, make_pathway, make_user
    from seamline.workforce.choices import LOCAL_INDUCTION_TOPICS, EmploymentType, RoleGroup
    from seamline.workforce.models import (
        DelegationPause,
        Evidence,
        SignOff,
        Worker,
        WorkerPathway,
    )

    rng = random.Random(SEED)
    tz = timezone.get_current_timezone()
    as_of = datetime.fromisoformat(AS_OF)
    today = as_of.date()

    with transaction.atomic():
        prime = make_org("northbridge", OrgKind.PRIME, name="Northbridge Community Care")
        orgs = [prime]
        for n in range(1, 8):
            orgs.append(make_org(f"partner-{n}", OrgKind.SUBCONTRACTOR))
        for n in range(1, 3):
            orgs.append(make_org(f"agency-{n}", OrgKind.STAFFING_AGENCY))
        # Every partner joined the network long before the instant asked about.
        OrganisationStatusChange.objects.update(changed_at=as_of - timedelta(days=1000))
        admin = make_user("bench_admin", prime, [Role.NETWORK_ADMIN])
        pathways = [make_pathway(code, prime) for code in ("discharge", "crisis", "therapy")]

        domains = list(Domain.values)
        competencies = Competency.objects.bulk_create(
            [
                Competency(
                    code=f"comp-{n:02d}",
                    title=f"Competency {n}",
                    domain=domains[n % len(domains)],
                    network_critical=n < 5,
                    stage_evidence={
                        Stage.INDUCTION: [EvidenceKind.MODULE],
                        Stage.SUPERVISED: [EvidenceKind.MODULE, EvidenceKind.OBSERVED_PRACTICE],
                        Stage.INDEPENDENT: [
                            EvidenceKind.OBSERVED_PRACTICE,
                            EvidenceKind.DOCUMENTATION_REVIEW,
                        ],
                        Stage.ENHANCED: [EvidenceKind.OBSERVED_PRACTICE, EvidenceKind.ASSESSMENT],
                    },
                    review_interval_months=rng.choice((12, 12, 24, 36)),
                    pathway_specific=n in (5, 6, 7, 8),
                )
                for n in range(40)
            ]
        )
        tasks = TaskType.objects.bulk_create(
            [
                TaskType(
                    code=f"task-{n:02d}",
                    title=f"Task {n}",
                    risk_tier=1 + n % 4,
                    delegated=n % 4 == 0,
                )
                for n in range(40)
            ]
        )
        requirements = []
        for task in tasks:
            picked = rng.sample(competencies, rng.choice((1, 2, 2, 3)))
            for comp in picked:
                stage = [Stage.INDUCTION, Stage.SUPERVISED, Stage.INDEPENDENT, Stage.ENHANCED][
                    min(task.risk_tier - 1, 3)
                ]
                requirements.append(
                    TaskRequirement(task_type=task, competency=comp, min_stage=stage)
                )
        TaskRequirement.objects.bulk_create(requirements)
        FrameworkVersion.objects.create(
            number=1,
            created_at=as_of - timedelta(days=800),
            reason="Benchmark framework",
            snapshot=snapshot(),
        )

        worker_objs = []
        for n in range(workers):
            org = orgs[n % len(orgs)]
            temporary = org.kind == OrgKind.STAFFING_AGENCY or n % 8 == 1
            employment = (
                rng.choice((EmploymentType.AGENCY, EmploymentType.BANK))
                if temporary
                else EmploymentType.EMPLOYED
            )
            start = today - timedelta(days=rng.randint(30, 3000))
            worker_objs.append(
                Worker(
                    organisation=org,
                    staff_id=f"S{n:06d}",
                    first_name=f"First{n % 997}",
                    last_name=f"Last{n:05d}",
                    employment_type=employment,
                    role_group=RoleGroup.SUPPORT_WORKER,
                    start_date=start,
                    placement_start=today - timedelta(days=rng.randint(1, 200))
                    if temporary
                    else None,
                    left_on=today - timedelta(days=10) if n % 50 == 7 else None,
                    status="left" if n % 50 == 7 else "active",
                )
            )
        Worker.objects.bulk_create(worker_objs, batch_size=BATCH)
        people = list(Worker.objects.order_by("id").values_list("id", "organisation_id"))
        by_org: dict[int, list[int]] = {}
        for pk, org_id in people:
            by_org.setdefault(org_id, []).append(pk)

        WorkerPathway.objects.bulk_create(
            [
                WorkerPathway(
                    worker_id=pk,
                    pathway=pathway,
                    started_on=today - timedelta(days=rng.randint(0, 900)),
                )
                for pk, _ in people
                for pathway in rng.sample(pathways, rng.choice((1, 1, 2)))
            ],
            batch_size=BATCH,
        )
        pathway_of = dict(WorkerPathway.objects.values_list("worker_id", "pathway_id"))

        stages = [Stage.SUPERVISED, Stage.INDEPENDENT, Stage.INDEPENDENT, Stage.ENHANCED]
        sign_offs: list[SignOff] = []
        evidence: list[Evidence] = []
        counts = {"sign_offs": 0, "evidence": 0}

        def flush(final: bool = False) -> None:
            if len(sign_offs) >= BATCH or (final and sign_offs):
                SignOff.objects.bulk_create(sign_offs, batch_size=BATCH)
                counts["sign_offs"] += len(sign_offs)
                sign_offs.clear()
            if len(evidence) >= BATCH or (final and evidence):
                Evidence.objects.bulk_create(evidence, batch_size=BATCH)
                counts["evidence"] += len(evidence)
                evidence.clear()

        for n, (pk, org_id) in enumerate(people):
            colleagues = by_org[org_id]
            signer = colleagues[(n // len(orgs) + 1) % len(colleagues)]
            held = rng.sample(competencies, 30)
            for comp in held:
                signed_day = today - timedelta(days=rng.randint(1, 500))
                signed_at = datetime.combine(signed_day, datetime.min.time(), tz) + timedelta(
                    hours=10
                )
                pathway_id = pathway_of.get(pk) if comp.pathway_specific else None
                if rng.random() < 0.3:  # an earlier sign-off at a lower stage, superseded
                    earlier = signed_at - timedelta(days=rng.randint(60, 400))
                    sign_offs.append(
                        SignOff(
                            worker_id=pk,
                            competency=comp,
                            stage=Stage.SUPERVISED,
                            pathway_id=pathway_id,
                            signed_at=earlier,
                            signer_id=signer,
                            signer_basis="holds_independent",
                            review_due=_months(earlier.date(), comp.review_interval_months),
                            superseded_at=signed_at,
                        )
                    )
                sign_offs.append(
                    SignOff(
                        worker_id=pk,
                        competency=comp,
                        stage=rng.choice(stages),
                        pathway_id=pathway_id,
                        signed_at=signed_at,
                        signer_id=signer,
                        signer_basis="holds_independent",
                        review_due=_months(signed_day, comp.review_interval_months),
                        revoked_at=signed_at + timedelta(days=20) if rng.random() < 0.005 else None,
                    )
                )
                kinds = [EvidenceKind.MODULE, EvidenceKind.OBSERVED_PRACTICE]
                if rng.random() < 0.5:
                    kinds.append(EvidenceKind.DOCUMENTATION_REVIEW)
                for kind in kinds:
                    evidence.append(
                        Evidence(
                            worker_id=pk,
                            competency=comp,
                            kind=kind,
                            occurred_on=signed_day - timedelta(days=rng.randint(0, 30)),
                            verified_by=admin if kind == EvidenceKind.MODULE else None,
                        )
                    )
            flush()
        # The temporary workers' bundles for their current placement.
        temporary = Worker.objects.filter(employment_type__in=("agency", "bank")).values_list(
            "id", "placement_start"
        )
        for pk, placement in temporary:
            if rng.random() < 0.3:
                continue  # part-way through: no bundle evidence yet
            for comp in competencies[:5]:
                evidence.append(
                    Evidence(
                        worker_id=pk,
                        competency=comp,
                        kind=EvidenceKind.MODULE,
                        occurred_on=placement,
                        verified_by=admin,
                    )
                )
            evidence.append(
                Evidence(
                    worker_id=pk,
                    kind=EvidenceKind.SUPERVISED_PRACTICE_SIGNOFF,
                    occurred_on=placement,
                )
            )
            evidence.append(
                Evidence(
                    worker_id=pk,
                    kind=EvidenceKind.LOCAL_INDUCTION,
                    occurred_on=placement,
                    detail={"topics": list(LOCAL_INDUCTION_TOPICS)},
                )
            )
            flush()
        flush(final=True)
        delegated = [t for t in tasks if t.delegated]
        DelegationPause.objects.bulk_create(
            [
                DelegationPause(
                    worker_id=pk,
                    task_type=delegated[n % len(delegated)],
                    started_at=as_of - timedelta(days=3),
                    reason="Spot-check below threshold",
                    remedial_due=today + timedelta(days=4),
                )
                for n, (pk, _) in enumerate(people)
                if n % 100 == 3
            ]
        )
    return {
        "admin": admin,
        "workers": len(people),
        "task_types": len(tasks),
        "sign_offs": counts["sign_offs"],
        "evidence": counts["evidence"],
        "as_of": as_of,
    }


def time_register(as_of: datetime, tenth: int) -> dict[str, Any]:
    """The full register as the command computes it (two processes on a machine with two
    cores or more, `parallel=True`), and on one process, each best of 3."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from seamline.access import Actor
    from seamline.workforce.register import register, register_view

    system = Actor.system("benchmark")
    figures: dict[str, Any] = {}
    rows: list[Any] = []
    for label, parallel in (("two", True), ("one", False)):
        times = []
        cpu = []
        queries = 0
        for _ in range(3):
            with CaptureQueriesContext(connection) as ctx:
                began, began_cpu = time.perf_counter(), time.process_time()
                rows = register(system, as_of, parallel=parallel)
                times.append(time.perf_counter() - began)
                cpu.append(time.process_time() - began_cpu)
            queries = len(ctx.captured_queries)
        figures[label] = {
            "seconds": min(times),
            "all_seconds": times,
            # This process's CPU time (the database is in-process for SQLite): less disturbed
            # than wall time when the machine is shared. With two processes, the parent's only.
            "cpu_seconds": min(cpu),
            # With two processes, the parent's queries (the child makes as many of its own).
            "queries": queries,
        }
    view = register_view(system, as_of)
    with CaptureQueriesContext(connection) as small:
        part = view[: tenth * len(view.tasks)]
    return {
        **figures["two"],
        "one_process": figures["one"],
        "rows": len(rows),
        "cleared": sum(1 for r in rows if r.cleared),
        "queries_tenth": len(small.captured_queries),  # the framework was read before
        "rows_tenth": len(part),
    }


def time_checks(admin: Any, as_of: datetime, checks: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from seamline.access import actor_for
    from seamline.network.actions import issue_api_token
    from seamline.workforce.models import Worker

    rng = random.Random(SEED + 1)
    _, key = issue_api_token(actor_for(admin), name="benchmark")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    workers = list(Worker.objects.values_list("uuid", flat=True))
    at = as_of.isoformat()
    asks = [(str(rng.choice(workers)), f"task-{rng.randrange(40):02d}") for _ in range(checks + 50)]
    durations = []
    cpu = []
    for n, (worker, task) in enumerate(asks):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get("/api/authz/check", {"worker": worker, "task_type": task, "at": at})
        spent = time.perf_counter() - began
        spent_cpu = time.process_time() - began_cpu
        if response.status_code != 200:
            raise SystemExit(f"check answered {response.status_code}: {response.content[:300]!r}")
        if n >= 50:  # the first 50 warm the caches and are not counted
            durations.append(spent)
            cpu.append(spent_cpu)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/authz/check", {"worker": asks[0][0], "task_type": asks[0][1], "at": at})
    durations.sort()
    cpu.sort()
    return {
        "cpu_p50_ms": statistics.median(cpu) * 1000,
        "cpu_p99_ms": cpu[int(len(cpu) * 0.99) - 1] * 1000,
        "checks": len(durations),
        "p50_ms": statistics.median(durations) * 1000,
        "p99_ms": durations[int(len(durations) * 0.99) - 1] * 1000,
        "max_ms": durations[-1] * 1000,
        "queries": len(ctx.captured_queries),
    }


def run(workers: int, checks: int) -> dict[str, Any]:

    with _common.throwaway_database():
        began = time.perf_counter()
        built = build(workers)
        build_s = time.perf_counter() - began
        _common.settle()  # fresh statistics (and a vacuum on PostgreSQL), as a live database has
        full = time_register(built["as_of"], max(built["workers"] // 10, 1))
        single = time_checks(built["admin"], built["as_of"], checks)
        about = _common.machine()
    return {
        **about,
        "as_of": built["as_of"].isoformat(),
        "workers": built["workers"],
        "task_types": built["task_types"],
        "sign_offs": built["sign_offs"],
        "evidence": built["evidence"],
        "build_seconds": build_s,
        "register": full,
        "check": single,
    }


def report(f: dict[str, Any]) -> str:
    reg, chk = f["register"], f["check"]
    one = reg["one_process"]
    return "\n".join(
        [
            f"Authorization register benchmark, {f['date']}: {f['database']}, "
            f"Python {f['python']}, Django {f['django']}, {f['cpus']} CPUs ({f['machine']}), "
            f"load average {f['load_average'][0]:.1f}",
            f"  network: {f['workers']:,} workers, {f['task_types']} task types, "
            f"{f['sign_offs']:,} sign-offs + {f['evidence']:,} evidence rows "
            f"(built in {f['build_seconds']:.0f} s)",
            f"  full register as of {f['as_of']}, two processes: {reg['seconds']:.2f} s best of 3 "
            f"({', '.join(f'{s:.2f}' for s in reg['all_seconds'])}); {reg['rows']:,} rows, "
            f"{reg['cleared']:,} cleared; {reg['queries']} queries in this process "
            f"({reg['queries_tenth']} for a slice of a tenth of the workers); "
            f"CPU time of this process {reg['cpu_seconds']:.2f} s",
            f"  full register, one process: {one['seconds']:.2f} s best of 3 "
            f"({', '.join(f'{s:.2f}' for s in one['all_seconds'])}); {one['queries']} queries; "
            f"CPU time {one['cpu_seconds']:.2f} s",
            f"  single check through the API, {chk['checks']:,} checks: "
            f"p50 {chk['p50_ms']:.1f} ms, p99 {chk['p99_ms']:.1f} ms, max {chk['max_ms']:.1f} ms; "
            f"{chk['queries']} queries per check; CPU time p50 {chk['cpu_p50_ms']:.1f} ms, "
            f"p99 {chk['cpu_p99_ms']:.1f} ms",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=10_000, help="default 10000")
    parser.add_argument("--checks", type=int, default=1_000, help="default 1000")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.workers < 10 or args.checks < 1:
        parser.error("need --workers >= 10 and --checks >= 1")
    with tempfile.TemporaryDirectory(prefix="seamline-bench-") as folder:
        _common.configure(Path(folder))
        figures = run(args.workers, args.checks)
    print(json.dumps(figures, indent=2, default=str) if args.json else report(figures))


if __name__ == "__main__":
    main()
