"""The full authorization register on two processes.

The register of a large network is hundreds of thousands of decisions, each a few microseconds
of Python: one core takes several seconds. For the command's exports (`seamline authz
register`) the workers are split in two halves by the register's own order: a forked child
(`seamline.forking`, which says when forking is safe) loads and judges the second half while
this process does the first, sending its rows back packed (each worker's reasons once, rows
as indices into them) a part at a time as it makes them, which this process unpacks once its
own half is done. The rows come out exactly as `RegisterView.rows()` gives them, in the
same order.

Below `MIN_WORKERS` workers, or where forking is not safe, the register is computed here as
usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from seamline import collector, forking
from seamline.errors import Reason

from .authorization import judge

if TYPE_CHECKING:
    from .register import RegisterView, Row

# Fewer workers than this are computed in one process.
MIN_WORKERS = 2000
# The parent's share of the workers, in percent; the child sends its rows a part at a time,
# each of `PART` workers.
PARENT_SHARE = 48
PART = 250


def can_fork(view: RegisterView) -> bool:
    """Whether `view` may be computed by a forked child (see `seamline.forking`)."""
    return forking.can_fork(view.workers.db)


def rows_in_two(view: RegisterView, min_workers: int = MIN_WORKERS) -> list[Row]:
    """`view.rows()`, the second half of the workers computed by a forked child."""
    per = len(view.tasks)
    if per == 0 or not can_fork(view):
        return view.rows()
    workers = view.workers.count()
    if workers < min_workers:
        return view.rows()
    # The parent also unpacks the child's rows (as they come, once its own are done), so it
    # takes less than half.
    half = workers * PARENT_SHARE // 100
    with collector.paused():  # (the child inherits the pause)
        child = forking.start_stream(
            lambda: pack(view, half, workers), "The second half of the register"
        )
        try:
            rows = view[: half * per]
        finally:
            rest = [unpack(cast(Packed, part)) for part in child]
        for part in rest:
            rows.extend(part)
    return rows


# --- packing rows for the pipe ------------------------------------------------------------------
# One worker: (worker, name, organisation, reasons as (code, message, field) tuples, cells),
# each cell (task type, cleared, indices of its reasons, last validated, valid until) with the
# dates as ordinals.
Packed = list[tuple[str, str, str, tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...]]]


def pack(view: RegisterView, first: int, last: int) -> Iterator[Packed]:
    """The rows of the workers `first` to `last` (excluded) of `view`, as plain values
    `marshal` can write, straight from the rule (no `Row`s made only to be taken apart), `PART`
    workers at a time."""
    packed: Packed = []
    competencies = view.framework.competencies
    for worker in view.facts(first, last):
        if len(packed) == PART:
            yield packed
            packed = []
        index: dict[Reason, int] = {}
        cells = []
        for code, cleared, reasons, last_validated, valid_until in judge(
            worker, view.tasks, competencies, view.at, view.pathway
        ):
            cells.append(
                (
                    code,
                    cleared,
                    tuple(index.setdefault(r, len(index)) for r in reasons),
                    last_validated.toordinal() if last_validated else 0,
                    valid_until.toordinal() if valid_until else 0,
                )
            )
        table = tuple(tuple(r) for r in index)
        packed.append((worker.key, worker.name, worker.organisation, table, tuple(cells)))
    if packed:
        yield packed


def unpack(packed: Packed) -> list[Row]:
    """The rows `pack` packed."""
    from .register import Row

    days: dict[int, date | None] = {0: None}
    rows: list[Row] = []
    add = rows.append
    new = tuple.__new__
    for worker, name, organisation, table, cells in packed:
        reasons = [Reason(*r) for r in table]
        combos: dict[tuple[int, ...], tuple[Reason, ...]] = {(): ()}
        for task_type, cleared, which, last, until in cells:
            found = combos.get(which)
            if found is None:
                found = combos[which] = tuple(reasons[i] for i in which)
            if last not in days:
                days[last] = date.fromordinal(last)
            if until not in days:
                days[until] = date.fromordinal(until)
            add(
                new(
                    Row,
                    (
                        worker,
                        name,
                        organisation,
                        task_type,
                        cleared,
                        found,
                        days[last],
                        days[until],
                    ),
                )
            )
    return rows
