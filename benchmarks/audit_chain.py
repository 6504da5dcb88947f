"""Benchmark of the audit chain: how fast entries are appended, how fast the chain verifies.

    .venv/bin/python benchmarks/audit_chain.py [--entries 100000] [--appends 5000] [--json]

(a) Append throughput of `seamline.audit.actions.record`, single thread: each entry in its own
    transaction (as every write in the product does), then 1,000 entries per transaction
    (as a bulk import or the demo generator does).
(b) Verify speed of `seamline.audit.verify.verify_chain` over `--entries` entries, and the peak
    memory it needs (Python allocations measured with tracemalloc in a second pass, plus the
    process's peak resident size).

It runs against a fresh temporary database made with Django's test-database machinery (a
SQLite file in the temporary folder, or a `test_...` database on the server `DATABASE_URL`
names) and drops it at the end. The working folder's database is never opened, and secrets and
anchors go to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import _common

BATCH = 1000


def append_entries(actor: Any, org: Any, start: int, count: int, batch: int | None) -> float:
    """Append `count` entries; each in its own transaction, or `batch` per transaction.
    Returns the seconds taken."""
    from django.db import transaction

    from seamline.audit.actions import record

    def one(n: int) -> None:
        record(
            actor,
            "organisation.update",
            org,
            changes={
                "contact_phone": [f"01632 {n:06d}", f"01632 {n + 1:06d}"],
                "address": ["1 Mill Lane, Northbridge", "2 Mill Lane, Northbridge"],
            },
            reason=f"Benchmark entry {n}: the switchboard number moved.",
        )

    began = time.perf_counter()
    if batch is None:
        for n in range(start, start + count):
            one(n)
    else:
        for first in range(start, start + count, batch):
            with transaction.atomic():
                for n in range(first, min(first + batch, start + count)):
                    one(n)
    return time.perf_counter() - began


def run(entries: int, appends: int, state_dir: Path) -> dict[str, Any]:
    from seamline.access import actor_for
    from seamline.audit.models import AuditEntry
    from seamline.audit.verify import verify_chain
    from seamline.network.choices import OrgKind, Role
    from seamline.testing import make_org, make_user

    with _common.throwaway_database():
        org = make_org("northbridge", OrgKind.PRIME, name="Northbridge Community Care")
        actor = actor_for(make_user("bench_admin", org, [Role.NETWORK_ADMIN]))

        single_s = append_entries(actor, org, 1, appends, batch=None)
        remaining = max(entries - appends, 0)
        batched_s = append_entries(actor, org, appends + 1, remaining, batch=BATCH)
        total = AuditEntry.objects.count()

        anchors = state_dir / "anchors.jsonl"
        rss_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.perf_counter()
        result = verify_chain(anchors)
        verify_s = time.perf_counter() - began
        if not result.ok or result.checked != total:
            raise SystemExit(f"the benchmark chain did not verify: {result.problems}")

        tracemalloc.start()
        verify_chain(anchors)
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        about = _common.machine()

    return {
        **about,
        "append_single": {"entries": appends, "seconds": single_s, "per_s": appends / single_s},
        "append_batched": {
            "entries": remaining,
            "batch": BATCH,
            "seconds": batched_s,
            "per_s": remaining / batched_s if remaining else None,
        },
        "verify": {"entries": total, "seconds": verify_s, "per_s": total / verify_s},
        "verify_peak_python_mib": peak_bytes / 2**20,
        "process_peak_rss_mib": rss_kib / 1024,
        "process_peak_rss_before_verify_mib": rss_before_kib / 1024,
    }


def report(figures: dict[str, Any]) -> str:
    single, batched, verify = (
        figures["append_single"],
        figures["append_batched"],
        figures["verify"],
    )
    lines = [
        f"Audit chain benchmark, {figures['date']}: {figures['database']}, "
        f"Python {figures['python']}, Django {figures['django']}, "
        f"{figures['cpus']} CPUs ({figures['machine']})",
        f"  append, one entry per transaction: {single['per_s']:,.0f} entries/s "
        f"({single['entries']:,} in {single['seconds']:.2f} s)",
    ]
    if batched["per_s"] is not None:
        lines.append(
            f"  append, {batched['batch']:,} entries per transaction: "
            f"{batched['per_s']:,.0f} entries/s "
            f"({batched['entries']:,} in {batched['seconds']:.2f} s)"
        )
    lines += [
        f"  verify: {verify['per_s']:,.0f} entries/s "
        f"({verify['entries']:,} in {verify['seconds']:.2f} s)",
        f"  verify peak Python memory (tracemalloc): {figures['verify_peak_python_mib']:.1f} MiB",
        f"  process peak resident size: {figures['process_peak_rss_mib']:.0f} MiB "
        f"({figures['process_peak_rss_before_verify_mib']:.0f} MiB before verifying)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--entries", type=int, default=100_000, help="chain length to verify (default 100000)"
    )
    parser.add_argument(
        "--appends",
        type=int,
        default=5_000,
        help="entries appended one per transaction (default 5000); the rest go in batches",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.appends < 1 or args.entries < args.appends:
        parser.error("need 1 <= --appends <= --entries")
    with tempfile.TemporaryDirectory(prefix="seamline-bench-") as folder:
        state_dir = Path(folder)
        _common.configure(state_dir)
        figures = run(args.entries, args.appends, state_dir)
    print(json.dumps(figures, indent=2) if args.json else report(figures))


if __name__ == "__main__":
    main()
