"""Pausing Python's cycle collector while a bulk computation makes many small objects.

The authorization register and the rota gate build hundreds of thousands of tuples (facts,
decisions, rows) and no reference cycles. With the collector running, every few hundred new
objects it scans the young ones, and now and then the whole growing heap: measured on a
register of 10,000 workers, that was half the time. Nothing these computations make needs the
collector (tuples of strings, numbers and dates are freed by reference counting), so it is
paused for their length and resumed after, as it was.

The pause is process-wide: in a threaded server another request running meanwhile is not
collected either, for a few seconds at most, which costs memory for that long and nothing else.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block, back on after if it was on (nesting is safe)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
