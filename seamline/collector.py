"""Pausing Python's cycle collector while a bulk computation makes many small objects.

The authorization register and the rota gate build hundreds of thousands of tuples (facts,
decisions, rows) and no reference cycles. With the collector running, every few hundred new
objects it scans the young ones, and now and then the whole growing heap: measured on a
register of 10,000 workers, that was half the time. Nothing these computations make needs the
collector (tuples of strings, numbers and dates are freed by reference counting), so it is
paused for their length and resumed after, as it was.

Resuming is where the cost would come back: everything made during the pause is still in the
youngest generation, and the first collection after would scan all of it at once (0.7 s after a
register of 10,000 workers). So before resuming, what the pause left young is moved to the
oldest generation unscanned (`gc.freeze()` then `gc.unfreeze()`, two list splices). Objects
freed by reference counting, as these are, leave that generation without ever being scanned;
any that live on are scanned at the next full collection, as old objects are. (Nothing else in
Seamline freezes objects, so unfreezing puts back only what this moved.)

The pause is process-wide: in a threaded server another request running meanwhile is not
collected either, for a few seconds at most, which costs memory for that long and nothing else.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

# Below this many rows (visits, workers) a computation is too small for the pause to matter.
BULK = 1000


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block, back on after if it was on (nesting is safe)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            age_unscanned()
            gc.enable()


def paused_for(rows: int) -> AbstractContextManager[None]:
    """`paused()` for a bulk computation of `rows` rows; nothing for a small one (a single
    check in a web request leaves the collector alone)."""
    return paused() if rows >= BULK else nullcontext()


def age_unscanned() -> None:
    """Move every object the collector tracks to its oldest generation without scanning it."""
    gc.freeze()
    gc.unfreeze()
