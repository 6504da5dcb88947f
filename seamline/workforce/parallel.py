"""The full authorization register on two processes.

The register of a large network is hundreds of thousands of decisions, each a few microseconds
of Python: one core takes several seconds. For the command's exports (`seamline authz
register`) the workers are split in two halves by the register's own order: a forked child
loads and judges the second half while this process does the first, then sends its rows back
through a pipe, packed with `marshal` (each worker's reasons once, rows as indices into them:
a tenth of the time `pickle` would take). The rows come out exactly as `RegisterView.rows()`
gives them, in the same order.

It is used only where forking is safe and worth it, and otherwise the register is computed
here as usual:

* a POSIX system with more than one core;
* not inside a transaction (the child has its own database connection and would not see
  uncommitted rows), and not an in-memory SQLite database;
* at least `MIN_WORKERS` workers (below that, forking costs more than it saves).

The child never touches the parent's database connection: it sets the inherited one aside
unclosed (closing it would end the parent's session on PostgreSQL), opens its own, and leaves
with `os._exit`, so no clean-up code of the parent's runs twice.
"""

from __future__ import annotations

import marshal
import os
import traceback
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.db import connections

from seamline import collector
from seamline.errors import Reason

from .authorization import judge

if TYPE_CHECKING:
    from .register import RegisterView, Row

# Fewer workers than this are computed in one process.
MIN_WORKERS = 2000

# Connections inherited by a child, kept referenced so they are never closed from there.
_INHERITED: list[Any] = []


def can_fork(view: RegisterView) -> bool:
    """Whether `view` may be computed by a forked child (see the module's notes)."""
    if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    connection = connections[view.workers.db]
    if connection.in_atomic_block:
        return False
    if connection.vendor == "sqlite":
        from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite

        return not cast(SQLite, connection).is_in_memory_db()
    return True


def rows_in_two(view: RegisterView, min_workers: int = MIN_WORKERS) -> list[Row]:
    """`view.rows()`, the second half of the workers computed by a forked child."""
    per = len(view.tasks)
    if per == 0 or not can_fork(view):
        return view.rows()
    workers = view.workers.count()
    if workers < min_workers:
        return view.rows()
    # The parent also unpacks the child's rows, so it takes a little less than half.
    half = workers * 46 // 100
    with collector.paused():  # (the child inherits the pause)
        child = _start(view, half, workers)
        try:
            rows = view[: half * per]
        finally:
            rest = child.collect()
        rows.extend(rest)
    return rows


class _Child:
    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd

    def collect(self) -> list[Row]:
        """The child's rows (waits for it). A child that failed raises here, with its error."""
        with os.fdopen(self.fd, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self.pid, 0)
        # Written by our own child into a pipe only the two processes hold.
        kind, payload = (
            marshal.loads(data)  # noqa: S302
            if data
            else ("error", "the child sent nothing")
        )
        if kind == "error":
            raise RuntimeError(f"The second half of the register failed: {payload}")
        return unpack(cast(Packed, payload))


def _start(view: RegisterView, first: int, last: int) -> _Child:
    """Fork a child that computes the rows of the workers `first` to `last` (excluded)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write)
        return _Child(pid, read)
    # The child: compute, send, leave without running the parent's clean-up.
    os.close(read)
    try:
        for connection in connections.all(initialized_only=True):
            _INHERITED.append(connection.connection)
            connection.connection = None
        data = marshal.dumps(("rows", pack(view, first, last)))
    except BaseException:  # everything, so the parent hears of it
        data = marshal.dumps(("error", traceback.format_exc()))
    try:
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    finally:
        os._exit(0)


# --- packing rows for the pipe ------------------------------------------------------------------

# One worker: (worker, name, organisation, reasons as (code, message, field) tuples, cells),
# each cell (task type, cleared, indices of its reasons, last validated, valid until) with the
# dates as ordinals.
Packed = list[tuple[str, str, str, tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...]]]


def pack(view: RegisterView, first: int, last: int) -> Packed:
    """The rows of the workers `first` to `last` (excluded) of `view`, as plain values
    `marshal` can write, straight from the rule (no `Row`s made only to be taken apart)."""
    packed: Packed = []
    competencies = view.framework.competencies
    for worker in view.facts(first, last):
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
    return packed


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
