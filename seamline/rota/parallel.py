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
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from operator import itemgetter

from seamline import collector, forking
from seamline.access import Actor

from .gate import Settings, VisitFacts
from .loading import ShiftFacts, load
from .models import Visit
from .validation import Judged, Result, collect, findings, judged

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
