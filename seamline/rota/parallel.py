"""A large rota validated on two processes (`seamline rota validate`).

A week of a whole network is a hundred thousand assignments: loading the facts of ten thousand
workers and judging every assignment takes one core many seconds. The assignments are split in
two halves by worker (the parity of the worker's primary key): a forked child
(`seamline.forking`) loads and judges the visits of one half while this process does the
other's, then sends its violations back as plain values.

Each half is judged exactly as the whole would be. Every visit a worker is on is in that
worker's half, so the rota around the worker (G6-G8) is complete; a visit with workers of both
halves is loaded in both, and each process judges only its own workers on it. The halves'
violations are merged back into the order of judging the whole at once.

Below `MIN_ASSIGNMENTS`, or where forking is not safe, the rota is validated here as usual.

A stored week (`validate_week`) is split before anything is read: each process reads the
visits of its own half from the database (`loading.stored_visits(parity=)`), and neither reads
the week's assignments a second time as the workers' "other" visits (the whole stored week is
the rota, `loading.load(rota_span=)`), so the reading is shared between the two processes too.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from operator import itemgetter

from django.utils import timezone

from seamline import collector, forking
from seamline.access import Actor
from seamline.audit.actions import record
from seamline.audit.models import EntryKind

from . import rules
from .choices import AssignmentStatus
from .gate import Settings, VisitFacts
from .loading import ShiftFacts, load, stored_visits
from .models import Assignment, Visit, VisitQuerySet
from .validation import (
    Judged,
    Result,
    WeekHalf,
    collect,
    findings,
    judged,
    merged,
    no_half,
    place,
    week_judged,
)

# Fewer assignments than this are validated in one process.
MIN_ASSIGNMENTS = 5000


def validate_in_two(
    actor: Actor,
    visits: list[VisitFacts],
    *,
    replaced: frozenset[tuple[str, str]] = frozenset(),
    extra_shifts: Sequence[ShiftFacts] = (),
    min_assignments: int | None = None,
) -> Result:
    """`validation.findings` of `visits` (loaded with `replaced` and `extra_shifts`), one half
    of the workers judged by a forked child (for `min_assignments` assignments or more;
    `MIN_ASSIGNMENTS` when None)."""
    assignments = sum(len(v.workers) for v in visits)
    if min_assignments is None:
        min_assignments = MIN_ASSIGNMENTS
    if assignments < min_assignments or not forking.can_fork(Visit.objects.db):
        gate = load(visits, replaced=replaced, extra_shifts=extra_shifts)
        return findings(actor, gate, visits)
    rota = frozenset(v.key for v in visits)
    # Read once, before the fork: the two halves judge under the same settings (and never
    # race to make the network's row where a new database has none yet).
    settings = Settings.current()

    def half(parity: int) -> list[Judged]:
        indices = [i for i, v in enumerate(visits) if any(w % 2 == parity for w in v.workers)]
        part = [visits[i] for i in indices]
        gate = load(
            part, replaced=replaced, extra_shifts=extra_shifts, rota=rota, settings=settings
        )
        return [
            (indices[index], position, label, rule, message, uid)
            for index, position, label, rule, message, uid in judged(actor, gate, part, only=parity)
        ]

    with collector.paused():  # (the child inherits the pause)
        child = forking.start(lambda: half(1), "Half of the rota's validation")
        try:
            mine = half(0)
        finally:
            theirs = child.collect()
    result = collect(visits, heapq.merge(mine, theirs, key=itemgetter(0, 1)))
    result.assignments = assignments
    return result


def validate_week(
    actor: Actor, week: str, *, parallel: bool = True, min_assignments: int | None = None
) -> Result:
    """Every violation of the rota stored for `week` (ISO, "2026-W23"): every planned visit
    starting in it, judged whole, as `actor` may see it (only visits of participants `actor`
    may see are reported; a worker `actor` may not see is reported by rule only), recorded
    in the audit log as a read. From
    `min_assignments` visits (`MIN_ASSIGNMENTS` when None: a week's visits have one or two
    workers each) on two processes, each reading its own half; `parallel=False` (pages and
    the API: a web server's threaded process is not forked): always on this one."""
    span = rules.week_window(week, timezone.get_current_timezone())
    stored = Visit.objects.planned().between(*span)
    if min_assignments is None:
        min_assignments = MIN_ASSIGNMENTS
    settings = Settings.current()

    def half(parity: int | None) -> tuple[int, WeekHalf]:
        """How many assignments the half has, and their violations."""
        part = stored_visits(stored, parity=parity)
        gate = load(part, settings=settings, rota_span=span)
        judged_half = week_judged(actor, gate, part, only=parity)
        forking.keep(part, gate)  # (in the child: left for the system to take back)
        return judged_half

    with collector.paused():
        # Whether the week has enough visits to be worth two processes: counted no further
        # than that.
        few = stored.order_by()[:min_assignments].count() < min_assignments
        shown = None if actor.is_system else _codes_seen(actor, stored)
        if not parallel or few or not forking.can_fork(Visit.objects.db):
            assignments, found = half(None)
            visits = stored.count()
            findings, overridden = merged(no_half(), [], found, shown)
        else:
            # The child counts the week's visits after its half, while this process makes its
            # own half's findings.
            child = forking.start(
                lambda: (*half(1), stored.count()), "Half of the week's validation"
            )
            try:
                count, found = half(0)
                placed = place(found, shown)
            finally:
                other, theirs, visits = child.collect()
            assignments = count + other
            # Into the order of start, code and position: each half's list is in that order
            # already, so the two are merged in one pass.
            findings, overridden = merged(found, placed, theirs, shown)
        result = Result(visits=visits, assignments=assignments)
        result.findings = findings
        result.overridden = overridden
    if shown is not None:
        result.visits = len(shown)
        result.assignments = Assignment.objects.filter(
            status=AssignmentStatus.ASSIGNED,
            visit__in=stored.visible_to(actor).order_by().values("id"),
        ).count()
    # The violations name workers and the visits of participants: a read of personal data.
    record(
        actor,
        "rota.week.validated",
        kind=EntryKind.READ,
        changes={
            "visits": result.visits,
            "assignments": result.assignments,
            "violations": len(result.findings),
        },
        target={
            "object_type": "rota.week",
            "object_id": week,
            "object_label": f"Rota of week {week}",
            "object_organisation_code": "",
        },
    )
    return result


def _codes_seen(actor: Actor, stored: VisitQuerySet) -> set[str]:
    """The codes of the week's visits `actor` may see (one query)."""
    return set(stored.visible_to(actor).values_list("code", flat=True))
