"""The pure rules of escalation (SPEC C8): plain values in, reasons or answers out, no
database. Each rule is one function; the actions that enforce them call them.

* `parse_thresholds`, `threshold_reasons`: what a threshold set version may say.
* `ladder_reasons`: a ladder climbs operational, then clinical, then contractual.
* `flag_trigger`, `missed_visits_pattern`: which risk flags fire which trigger.
* `acknowledge_reasons`, `respond_reasons`, `resolve_reasons`: the moves of an escalation.
* `STANDARDS`, `within_standard`: the time to acknowledgement and to clinical review each tier
  is held to, for the metrics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from seamline.cases.choices import RiskKind, Severity
from seamline.errors import Reason
from seamline.network.choices import Role

from .choices import CLIMBING_STATES, OPEN_STATES, Level, Outcome, State, Tier, Trigger


@dataclass(frozen=True)
class Threshold:
    trigger: str
    tier: str
    role: str  # the responsible role
    chair: str  # the role that chairs the review


def parse_thresholds(rows: Iterable[Mapping[str, Any]]) -> dict[str, Threshold]:
    """A version's stored rows as {trigger: Threshold} (rows already checked on the way in)."""
    return {
        str(r["trigger"]): Threshold(
            str(r["trigger"]), str(r["tier"]), str(r["role"]), str(r["chair"])
        )
        for r in rows
    }


def threshold_reasons(rows: Sequence[Mapping[str, Any]], reason: str) -> list[Reason]:
    """A threshold set version names each trigger at most once, each with a known tier, a
    responsible role and a chair, and says why it was made."""
    found: list[Reason] = []
    if not reason.strip():
        found.append(Reason("reason_required", "Say why the threshold set changes.", "reason"))
    if not rows:
        found.append(Reason("no_thresholds", "A threshold set needs at least one trigger.", "rows"))
    seen: set[str] = set()
    for i, row in enumerate(rows, start=1):
        trigger = str(row.get("trigger", ""))
        if trigger not in Trigger.values:
            found.append(
                Reason("unknown_trigger", f"Row {i}: '{trigger}' is not a trigger.", "rows")
            )
        elif trigger in seen:
            found.append(
                Reason(
                    "duplicate_trigger", f"Row {i}: the trigger '{trigger}' is named twice.", "rows"
                )
            )
        seen.add(trigger)
        if str(row.get("tier", "")) not in Tier.values:
            found.append(
                Reason("unknown_tier", f"Row {i}: '{row.get('tier')}' is not a tier.", "rows")
            )
        for key in ("role", "chair"):
            if str(row.get(key, "")) not in Role.values:
                found.append(
                    Reason(
                        "unknown_role", f"Row {i}: '{row.get(key)}' is not a role ({key}).", "rows"
                    )
                )
    return found


@dataclass(frozen=True)
class RungSpec:
    level: str
    role: str
    at_lead: bool
    hours_immediate: int
    hours_same_day: int
    hours_review: int


LEVEL_ORDER = {Level.OPERATIONAL: 0, Level.CLINICAL: 1, Level.CONTRACTUAL: 2}


def ladder_reasons(rungs: Sequence[RungSpec], reason: str) -> list[Reason]:
    """A ladder has an operational, a clinical and a contractual rung, climbed in that order,
    each with a role and a timeframe of at least an hour per tier, and the change says why."""
    found: list[Reason] = []
    if not reason.strip():
        found.append(Reason("reason_required", "Say why the ladder changes.", "reason"))
    levels = [r.level for r in rungs]
    missing = [str(level.label) for level in Level if level not in levels]
    if missing:
        found.append(
            Reason(
                "ladder_incomplete",
                f"The ladder has no {', '.join(missing).lower()} rung.",
                "rungs",
            )
        )
    order = [LEVEL_ORDER.get(Level(lv), -1) if lv in Level.values else -1 for lv in levels]
    if -1 in order:
        found.append(Reason("unknown_level", "A rung names an unknown level.", "rungs"))
    elif order != sorted(order):
        found.append(
            Reason(
                "ladder_order",
                "Rungs climb operational, then clinical, then contractual; not back down.",
                "rungs",
            )
        )
    for i, rung in enumerate(rungs, start=1):
        if rung.role not in Role.values:
            found.append(Reason("unknown_role", f"Rung {i}: '{rung.role}' is not a role.", "rungs"))
        if min(rung.hours_immediate, rung.hours_same_day, rung.hours_review) < 1:
            found.append(
                Reason(
                    "timeframe_required", f"Rung {i}: every timeframe is at least an hour.", "rungs"
                )
            )
    return found


# --- triggers ---------------------------------------------------------------------------------

# Risk flag kinds that fire a trigger of their own whatever their severity.
FLAG_TRIGGERS = {
    RiskKind.SAFEGUARDING: Trigger.SAFEGUARDING,
    RiskKind.RECENT_ED_CONTACT: Trigger.ED_CONTACT,
    RiskKind.HOUSING_INSTABILITY: Trigger.HOUSING_LOSS,
    RiskKind.BEHAVIOURAL_ESCALATION: Trigger.BEHAVIOURAL_RISK,
    RiskKind.DETERIORATION: Trigger.DETERIORATION,
}

MISSED_VISITS_COUNT = 2
MISSED_VISITS_WINDOW = timedelta(days=7)


def flag_trigger(kind: str, severity: str) -> str | None:
    """The trigger a newly raised risk flag fires by itself: its kind's own trigger, or the
    high-severity flag trigger for any other kind raised as high; missed visits count only as
    a pattern (`missed_visits_pattern`)."""
    if kind == RiskKind.MISSED_VISITS:
        return None
    if kind in FLAG_TRIGGERS:
        return str(FLAG_TRIGGERS[RiskKind(kind)])
    if severity == Severity.HIGH:
        return str(Trigger.HIGH_RISK_FLAG)
    return None


def missed_visits_pattern(missed_at: Iterable[datetime], at: datetime) -> datetime | None:
    """When the pattern "two missed visits in 7 days" first held, up to `at` (None if it has
    not): the moment of the second of two missed visits no more than 7 days apart."""
    times = sorted(t for t in missed_at if t <= at)
    for i in range(MISSED_VISITS_COUNT - 1, len(times)):
        if times[i] - times[i - MISSED_VISITS_COUNT + 1] <= MISSED_VISITS_WINDOW:
            return times[i]
    return None


# --- moves ------------------------------------------------------------------------------------


def acknowledge_reasons(state: str) -> list[Reason]:
    """Only a raised escalation is acknowledged (once)."""
    if state != State.RAISED:
        return [
            Reason("not_raised", "Only a newly raised escalation can be acknowledged.", "state")
        ]
    return []


def respond_reasons(state: str, review: str) -> list[Reason]:
    """A clinical review answers an open escalation not yet reviewed, and says what was found."""
    found: list[Reason] = []
    if state not in CLIMBING_STATES:
        found.append(
            Reason(
                "not_awaiting_review",
                "This escalation is not waiting for a clinical review.",
                "state",
            )
        )
    if not review.strip():
        found.append(Reason("review_required", "Write what the clinical review found.", "review"))
    return found


def resolve_reasons(state: str, outcome: str, note: str) -> list[Reason]:
    """An open escalation is resolved with an outcome; "no action" needs a note saying why."""
    found: list[Reason] = []
    if state not in OPEN_STATES:
        found.append(Reason("already_resolved", "This escalation is already resolved.", "state"))
    if outcome not in Outcome.values:
        found.append(Reason("outcome_required", "Choose the outcome.", "outcome"))
    elif outcome == Outcome.NO_ACTION and not note.strip():
        found.append(
            Reason("note_required", "Say why no further action is needed.", "outcome_note")
        )
    return found


# --- standards --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standard:
    acknowledge: timedelta
    review: timedelta


# The times each tier is held to, from raising: to acknowledgement and to clinical review.
STANDARDS: dict[str, Standard] = {
    Tier.IMMEDIATE: Standard(timedelta(hours=1), timedelta(hours=4)),
    Tier.SAME_DAY: Standard(timedelta(hours=4), timedelta(hours=12)),
    Tier.REVIEW_24_72H: Standard(timedelta(hours=24), timedelta(hours=72)),
}


def within_standard(
    raised_at: datetime, done_at: datetime | None, limit: timedelta, at: datetime
) -> bool | None:
    """Met (True), missed (False) or not yet known (None, still within time and not done)."""
    if done_at is not None:
        return done_at - raised_at <= limit
    if at - raised_at > limit:
        return False
    return None
