"""Benchmark of the joint caseload huddle's roster: a cohort of 500 participants rendered as a
page.

    .venv/bin/python benchmarks/huddle_roster.py [--participants 500] [--repeat 10] [--json]

It builds, in a fresh temporary database (Django's test-database machinery: a SQLite file in
the temporary folder, or a `test_...` database on the server `DATABASE_URL` names, dropped at
the end; the working database is never opened), the named test cast of `seamline.testing` and:

* `--participants` participants, each with an open discharge referral owned by Riverside (so
  Riverside, its receiving partner and the prime are in the care team);
* one to three risk flags each (every severity; a fifth of them an emergency department contact
  or missed visits in the last week, some resolved);
* one to three open actions each, about a third of them overdue;
* a high-acuity cohort holding all of them; a second cohort of a tenth of the size.

Participants and referrals go through the test helpers; flags, actions and memberships are
written with `bulk_create`. Fixed seed: every run builds the same cohort.

Then it times `GET /coordination/huddles/<cohort>/` through Django's test client, signed in as
Riverside's coordinator (routing, middleware, session, the access layer, the roster's queries,
the risk scores and the template): after two warm-up requests, best of `--repeat`, with the
median, the CPU time of the best, and the query count at both sizes (which must be equal).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import _common

SEED = 20261123


EVENTS = ("recent_ed_contact", "missed_visits")
KINDS = (
    "housing_instability",
    "medication_change",
    "behavioural_escalation",
    "caregiver_stress",
    "safeguarding",
    "deterioration",
)


def build(size: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from seamline.cases.models import RiskFlag
    from seamline.cases.testing import make_participant, make_referral
    from seamline.coordination.models import Action, Cohort, CohortMember
    from seamline.testing import build_cast

    rng = random.Random(SEED)
    now = timezone.now()
    with transaction.atomic():
        cast = build_cast()
        people = []
        for n in range(size):
            p = make_participant(
                cast.riverside, given_name=f"Person{n}", family_name=rng.choice(("Ash", "Birch"))
            )
            make_referral(
                p,
                cast.discharge,
                cast.riverside,
                cast.river_coordinator,
                received_at=now - timedelta(days=rng.randint(10, 90)),
            )
            people.append(p)
        flags, actions = [], []
        for p in people:
            for _ in range(rng.randint(1, 3)):
                recent = rng.random() < 0.2
                raised = now - timedelta(
                    hours=rng.randint(2, 150) if recent else rng.randint(200, 2000)
                )
                resolved = raised + timedelta(hours=1) if rng.random() < 0.2 else None
                kind = (
                    rng.choice(("recent_ed_contact", "missed_visits"))
                    if recent
                    else rng.choice(KINDS)
                )
                flags.append(
                    RiskFlag(
                        participant=p,
                        kind=kind,
                        severity=rng.choice(("low", "medium", "high")),
                        raised_at=raised,
                        resolved_at=resolved,
                    )
                )
            for _ in range(rng.randint(1, 3)):
                due = now + timedelta(hours=rng.randint(-72, 144))
                actions.append(
                    Action(
                        participant=p,
                        description="Review at the huddle",
                        owner_organisation=cast.riverside,
                        owner_person=cast.river_worker if rng.random() < 0.5 else None,
                        owner_role="coordinator",
                        due_at=due,
                        source="huddle",
                        created_at=now - timedelta(days=5),
                    )
                )
        RiskFlag.objects.bulk_create(flags, batch_size=1000)
        Action.objects.bulk_create(actions, batch_size=1000)
        big = Cohort.objects.create(
            code="big",
            name="Big cohort",
            organisation=cast.riverside,
            acuity="high",
            cadence="daily",
        )
        small = Cohort.objects.create(
            code="small",
            name="Small cohort",
            organisation=cast.riverside,
            acuity="standard",
            cadence="twice_weekly",
        )
        CohortMember.objects.bulk_create(
            [CohortMember(cohort=big, participant=p) for p in people]
            + [CohortMember(cohort=small, participant=p) for p in people[: max(size // 10, 1)]]
        )
    return {"cast": cast, "participants": size, "flags": len(flags), "actions": len(actions)}


def time_page(cast: Any, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(cast.river_coordinator)

    def get(code: str) -> Any:
        response = client.get(f"/coordination/huddles/{code}/")
        if response.status_code != 200:
            raise SystemExit(f"roster answered {response.status_code}")
        return response

    for _ in range(2):
        get("big")
    wall, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = get("big")
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    rows = len(response.context["rows"])
    with CaptureQueriesContext(connection) as big:
        get("big")
    with CaptureQueriesContext(connection) as small:
        get("small")
    best = min(range(len(wall)), key=wall.__getitem__)
    return {
        "rows": rows,
        "best_ms": wall[best] * 1000,
        "median_ms": statistics.median(wall) * 1000,
        "all_ms": [w * 1000 for w in wall],
        "cpu_best_ms": cpu[best] * 1000,
        "queries": len(big.captured_queries),
        "queries_small": len(small.captured_queries),
        "bytes": len(response.content),
    }


def run(size: int, repeat: int) -> dict[str, Any]:

    with _common.throwaway_database():
        began = time.perf_counter()
        built = build(size)
        build_s = time.perf_counter() - began
        _common.settle()  # fresh statistics (and a vacuum on PostgreSQL), as a live database has
        page = time_page(built["cast"], repeat)
        about = _common.machine()
    return {
        **about,
        "participants": built["participants"],
        "flags": built["flags"],
        "actions": built["actions"],
        "build_seconds": build_s,
        "page": page,
    }


def report(f: dict[str, Any]) -> str:
    p = f["page"]
    return "\n".join(
        [
            f"Huddle roster benchmark, {f['date']}: {f['database']}, Python {f['python']}, "
            f"Django {f['django']}, {f['cpus']} CPUs ({f['machine']}), "
            f"load average {f['load_average'][0]:.1f}",
            f"  cohort: {f['participants']:,} participants, {f['flags']:,} risk flags, "
            f"{f['actions']:,} open actions (built in {f['build_seconds']:.0f} s)",
            f"  roster page ({p['rows']} rows, {p['bytes']:,} bytes): best {p['best_ms']:.0f} ms "
            f"of {len(p['all_ms'])} (median {p['median_ms']:.0f} ms; CPU of the best "
            f"{p['cpu_best_ms']:.0f} ms); {p['queries']} queries "
            f"({p['queries_small']} for a cohort a tenth the size)",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=500, help="default 500")
    parser.add_argument("--repeat", type=int, default=10, help="default 10")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.participants < 10 or args.repeat < 1:
        parser.error("need --participants >= 10 and --repeat >= 1")
    with tempfile.TemporaryDirectory(prefix="seamline-bench-") as folder:
        _common.configure(Path(folder), test_profile=True)
        figures = run(args.participants, args.repeat)
    print(json.dumps(figures, indent=2, default=str) if args.json else report(figures))


if __name__ == "__main__":
    main()
