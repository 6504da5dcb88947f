"""The escalation clock as pure functions: a rung's deadline and what happens when it passes.

A deadline counts from the previous deadline, not from when a worker noticed it, so a late or
restarted worker never moves anyone's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from .choices import Tier
from .rules import RungSpec


def rung_hours(rung: RungSpec, tier: str) -> int:
    if tier == Tier.IMMEDIATE:
        return rung.hours_immediate
    if tier == Tier.SAME_DAY:
        return rung.hours_same_day
    return rung.hours_review


def deadline(reached_at: datetime, rung: RungSpec, tier: str) -> datetime:
    """The moment the rung reached at `reached_at` must have answered by."""
    return reached_at + timedelta(hours=rung_hours(rung, tier))


@dataclass(frozen=True)
class Step:
    """What the passing of a deadline does: climb to `position` with a new deadline, or, past
    the last rung, mark the escalation breached (`due_at` None)."""

    position: int
    due_at: datetime | None
    breached: bool


def next_step(rungs: Sequence[RungSpec], position: int, tier: str, due_at: datetime) -> Step:
    """The step at the passing of rung `position`'s deadline `due_at` (positions from 1)."""
    if position < len(rungs):
        return Step(position + 1, deadline(due_at, rungs[position], tier), False)
    return Step(position, None, True)


# --- safeguarding -----------------------------------------------------------------------------

TRIAGE_WITHIN = timedelta(days=7)


def same_day_deadline(occurred_at: datetime, tz: tzinfo) -> datetime:
    """When the pathway's safeguarding lead must have been told of a concern that arose at
    `occurred_at`: the midnight that ends that day in the network's time zone `tz`. Told at or
    after it is late. (Midnight exists on every day in the zones networks use; the change of
    clocks happens in the small hours.)"""
    local = occurred_at.astimezone(tz)
    return datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=tz)


def triage_deadline(recorded_at: datetime) -> datetime:
    """A concern is due at a weekly triage meeting within 7 days of being recorded."""
    return recorded_at + TRIAGE_WITHIN


def week_start(at: datetime, tz: tzinfo) -> date:
    """The Monday of the week (in the network's time zone) holding `at`."""
    day = at.astimezone(tz).date()
    return day - timedelta(days=day.weekday())
