"""The cover report's rules (SPEC C4: a cover report per day and pathway), each a small pure
function: plain values in, the `Gap`s it finds out (empty: the day is covered on that count).
`rota.cover_report` loads the facts and calls them.

* **Duty lead**: every day, each pathway has a named duty lead (a duty shift for `duty_lead`
  with a worker) whom the authorization register clears for `duty_lead`.
* **Late cover**: on a day when the pathway's referrals peak late (see `late_cover_needed`),
  a late cover shift with a worker cleared for `late_lone_cover` runs past the late threshold.
* **Weekend stability checks**: on Saturday and Sunday, everyone who came home from hospital
  onto the pathway in the 72 hours before gets a visit that day with a worker on it.
* **High-risk caseload**: no worker visits more distinct high-risk participants in a rota
  week than the cap for their stage allows (SPEC section 3).

Every gap carries its check, a reason code and a sentence that names the day, the pathway, the
people and the figures involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from .rules import stage_label

# The checks, in the order the report shows them.
DUTY_LEAD = "duty_lead"
LATE_COVER = "late_cover"
STABILITY = "stability"
CASELOAD = "caseload"
CHECKS = (DUTY_LEAD, LATE_COVER, STABILITY, CASELOAD)
CHECK_LABELS = {
    DUTY_LEAD: "Duty lead",
    LATE_COVER: "Late cover",
    STABILITY: "Weekend stability checks",
    CASELOAD: "High-risk caseload",
}

# The task types the duty shifts are rostered for.
DUTY_LEAD_TASK = "duty_lead"
LATE_COVER_TASK = "late_lone_cover"

# Late referral peaks: referrals received from this local time on count as arriving late.
PEAK_FROM = time(16, 0)
# How many weeks of the referral register before the report's first day show the peaks.
PEAK_WEEKS = 8
# A weekday needs late cover when at least this many referrals arrive late on it in a
# typical week of those.
PEAK_PER_WEEK = 1.0
# How long after coming home from hospital the weekend stability checks run.
STABILITY_HOURS = 72


class Gap(NamedTuple):
    """One way a day's cover on a pathway falls short."""

    check: str  # duty_lead, late_cover, stability, caseload
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class OnDuty:
    """A worker on a duty shift, and what the register says of them for the duty."""

    name: str  # the worker's name, or "a worker of ORG" when the reader may not see them
    organisation: str
    start: datetime  # local
    end: datetime  # local
    cleared: bool
    reasons: tuple[str, ...] = ()  # the register's sentences when not cleared (if shown)


def _day(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def _hours(duty: OnDuty) -> str:
    return f"{duty.start:%H:%M} to {duty.end:%H:%M}"


def _why(duty: OnDuty) -> str:
    return f" ({' '.join(duty.reasons)})" if duty.reasons else ""


def duty_lead_gaps(*, day: date, pathway: str, leads: Sequence[OnDuty]) -> list[Gap]:
    """Each day each pathway has a named duty lead cleared for `duty_lead` (`leads`: the
    workers on the day's duty lead shifts for the pathway)."""
    if not leads:
        return [
            Gap(
                DUTY_LEAD,
                "duty_lead_missing",
                f"No duty lead is named for {pathway} on {_day(day)}.",
            )
        ]
    if any(lead.cleared for lead in leads):
        return []
    return [
        Gap(
            DUTY_LEAD,
            "duty_lead_not_cleared",
            f"{lead.name}, duty lead for {pathway} on {_day(day)} ({_hours(lead)}), is not "
            f"cleared for duty lead{_why(lead)}.",
        )
        for lead in leads
    ]


def late_cover_needed(late_referrals: int, weeks: int, per_week: float = PEAK_PER_WEEK) -> bool:
    """Do the pathway's referral peaks need late cover on a weekday? Yes when, over `weeks`
    weeks of the register, the referrals that arrived late on that weekday (`late_referrals`,
    from `PEAK_FROM` on) come to at least `per_week` a week."""
    return weeks > 0 and late_referrals / weeks >= per_week


def late_cover_gaps(
    *,
    day: date,
    pathway: str,
    needed: bool,
    late_referrals: int,
    weeks: int,
    cover: Sequence[OnDuty],
    threshold: time,
) -> list[Gap]:
    """On a day the pathway's referral peaks need it (`needed`), a late cover shift runs past
    the late threshold with a worker cleared for `late_lone_cover` (`cover`: the workers on
    the day's late cover shifts for the pathway that end after `threshold`)."""
    if not needed:
        return []
    why = (
        f"{late_referrals} referrals arrived on {day:%A}s after {PEAK_FROM:%H:%M} in the last "
        f"{weeks} weeks"
    )
    if not cover:
        return [
            Gap(
                LATE_COVER,
                "late_cover_missing",
                f"No late cover on {pathway} on {_day(day)} runs past {threshold:%H:%M}, and "
                f"the pathway's referrals peak late that day ({why}).",
            )
        ]
    if any(duty.cleared for duty in cover):
        return []
    return [
        Gap(
            LATE_COVER,
            "late_cover_not_cleared",
            f"{duty.name}, late cover for {pathway} on {_day(day)} ({_hours(duty)}), is not "
            f"cleared for late or lone visit cover{_why(duty)}.",
        )
        for duty in cover
    ]


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def stability_due(home_at: datetime, day_start: datetime, day_end: datetime) -> bool:
    """Is a stability check due on the day [`day_start`, `day_end`) for someone who came home
    from hospital at `home_at`? Yes when the day is a weekend day and falls in part within
    the `STABILITY_HOURS` after `home_at`."""
    return (
        is_weekend(day_start.date())
        and home_at < day_end
        and home_at + timedelta(hours=STABILITY_HOURS) > day_start
    )


@dataclass(frozen=True)
class Homecoming:
    """Someone who came home from hospital onto a pathway, and whether a worker visits them
    on the day asked about."""

    participant: str  # the participant's code
    home_at: datetime  # local
    visited: bool


def stability_gaps(*, day: date, pathway: str, due: Sequence[Homecoming]) -> list[Gap]:
    """On Saturday and Sunday, everyone home from hospital onto the pathway within the last
    72 hours (`due`) has a visit that day with a worker on it."""
    if not is_weekend(day):
        return []
    return [
        Gap(
            STABILITY,
            "stability_check_missing",
            f"{home.participant} came home from hospital onto {pathway} on "
            f"{home.home_at:%a %d %b %H:%M} and has no visit with a worker on {_day(day)}, "
            f"within the first {STABILITY_HOURS} hours.",
        )
        for home in due
        if not home.visited
    ]


def caseload_gaps(
    *, worker: str, participants: int, cap: int, stage: str | None, week: str
) -> list[Gap]:
    """A worker's distinct high-risk participants in a rota week (`participants`) stay within
    the cap for their stage (`cap`: the cap of the lowest stage they hold on the competencies
    of their high-risk visits that week, `stage`)."""
    if participants <= cap:
        return []
    return [
        Gap(
            CASELOAD,
            "caseload_over_cap",
            f"{worker} visits {participants} distinct high-risk participants in week {week}; "
            f"the cap at {stage_label(stage)} is {cap}.",
        )
    ]
