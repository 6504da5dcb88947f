"""The rota gate's rules G1-G10 (SPEC C4), each a small pure function: plain values in, the
`Violation`s it finds out (empty: the rule is met). `rota.gate` loads the facts and calls them.

G1-G4 are not judged here a second time: the gate asks the authorization rule
(`workforce.authorization.judge`) about every task type of the visit, at the visit's start, on
the visit's pathway, and these functions sort its reasons into rules by their codes. Only
G4's enhanced-supervision part and G5-G10 are new.

Every violation carries its rule (G1 ... G10), a reason code and a sentence that names the
competency, stage, dates and caps involved.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from seamline.competency.choices import STAGE_RANK, Stage
from seamline.errors import Reason

from .choices import PreferenceKind


class Violation(NamedTuple):
    """One rule a worker's assignment to a visit breaks."""

    rule: str  # G1 ... G10
    code: str  # the reason code (the authorization rule's own for G1-G4)
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "code": self.code, "message": self.message}


def violation(rule: str, code: str, message: str) -> Violation:
    """A `Violation`, made from its values as a tuple: calling a named tuple's class runs its
    `__new__`, written in Python, and a week's rota makes a quarter of a million."""
    made: Violation = tuple.__new__(Violation, (rule, code, message))
    return made


# The authorization rule's reason codes, by the gate rule they belong to.
AUTHORIZATION_RULES: dict[str, str] = {
    "worker_not_active": "G1",
    "organisation_not_active": "G1",
    "competency_missing": "G2",
    "stage_below": "G2",
    "competency_expired": "G2",
    "pathway_revalidation_due": "G2",
    "delegation_paused": "G3",
    "bundle_incomplete": "G4",
}

_LABEL = {s.value: s.label.lower() for s in Stage}
INDEPENDENT_RANK = STAGE_RANK[Stage.INDEPENDENT]
SUPERVISED_RANK = STAGE_RANK[Stage.SUPERVISED]


@functools.lru_cache(maxsize=4096)
def _day(day: date) -> str:
    """`day` as people read it; a week's sentences name the same few dozen dates (formatting
    one costs more than the rest of a sentence)."""
    return f"{day:%d %b %Y}"


def stage_label(stage: str | None) -> str:
    return _LABEL[stage] if stage else "no stage"


# --- time -------------------------------------------------------------------------------------


def is_late(start: datetime, end: datetime, threshold: time) -> bool:
    """SPEC section 3: a visit is late when it ends after the late threshold (20:00 by default)
    of the day it starts, in local time. `start` and `end` are local; a visit running past
    midnight is late."""
    return end > datetime.combine(start.date(), threshold, tzinfo=start.tzinfo)


def week_of(day: date) -> str:
    """The rota week of a local date, as an ISO week: "2026-W47" (Monday to Sunday)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    """The Monday of an ISO week written "2026-W47" (ValueError when it is not one)."""
    year, _, number = week.partition("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def week_window(week: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """Local midnight at the start of `week`'s Monday and of the Monday after, in `tz`."""
    first, after = week_days(week)
    return (
        datetime.combine(first, time(), tzinfo=tz),
        datetime.combine(after, time(), tzinfo=tz),
    )


def week_days(week: str) -> tuple[date, date]:
    """The first day (Monday) of `week` and the first day after it."""
    monday = week_monday(week)
    return monday, monday + timedelta(days=7)


# --- stages -----------------------------------------------------------------------------------
# The stage a worker holds of a competency at an instant is the authorization rule's reading
# (`workforce.authorization.held_stage`, noted by `judge` as it judges): G5-G7 read it.


# --- G1-G4: the authorization rule's reasons, sorted ------------------------------------------


def by_rule(reasons: Iterable[Reason], *, unique: bool = False) -> dict[str, list[Violation]]:
    """The authorization rule's reasons as violations of G1 to G4, each once, in the order
    given: one pass over the reasons (the gate sorts a judgement's reasons once, however many
    of the four rules it then reports). `unique`: the reasons are each given once already
    (the gate's are), so none is looked for among those before it."""
    found: dict[str, list[Violation]] = {"G1": [], "G2": [], "G3": [], "G4": []}
    seen: set[Violation] = set()
    rule_of = AUTHORIZATION_RULES.get
    for r in reasons:
        rule = rule_of(r.code)
        if rule is not None:
            made = violation(rule, r.code, r.message)
            if unique:
                found[rule].append(made)
            elif made not in seen:
                seen.add(made)
                found[rule].append(made)
    return found


def g1_active(reasons: Iterable[Reason]) -> list[Violation]:
    """G1: the worker is active and the worker's organisation is active in the network on the
    visit's date (the authorization rule's `worker_not_active`, `organisation_not_active`)."""
    return by_rule(reasons)["G1"]


def g2_competencies(reasons: Iterable[Reason]) -> list[Violation]:
    """G2: every required competency of every task type held at the minimum stage, current at
    the visit's time, on the visit's pathway where it is pathway-specific."""
    return by_rule(reasons)["G2"]


def g3_delegation(reasons: Iterable[Reason]) -> list[Violation]:
    """G3: no active delegation pause covers a delegated task type of the visit."""
    return by_rule(reasons)["G3"]


def g4_temporary(
    reasons: Iterable[Reason],
    *,
    worker: str,
    temporary: bool,
    enhanced: tuple[date, date] | None,
    tier: int,
) -> list[Violation]:
    """G4: a temporary worker without a complete evidence bundle (the authorization rule's
    `bundle_incomplete`), or inside an enhanced-supervision period (`g4_enhanced`), gets
    tier 1 visits only."""
    return by_rule(reasons)["G4"] + g4_enhanced(
        worker=worker, temporary=temporary, enhanced=enhanced, tier=tier
    )


def g4_enhanced(
    *, worker: str, temporary: bool, enhanced: tuple[date, date] | None, tier: int
) -> list[Violation]:
    """G4's own part: a temporary worker inside an enhanced-supervision period (`enhanced`:
    its first day and the day it ends) gets tier 1 visits only."""
    if not (temporary and enhanced is not None and tier > 1):
        return []
    start, end = enhanced
    return [
        violation(
            "G4",
            "enhanced_supervision_tier",
            f"{worker} is a temporary worker in an enhanced-supervision period "
            f"({_day(start)} to {_day(end - timedelta(days=1))}): tier 1 visits only until "
            f"it ends (this visit is tier {tier}).",
        )
    ]


# --- G5-G10 -----------------------------------------------------------------------------------


def g5_lone_late(
    *,
    worker: str,
    lone: bool,
    late: bool,
    held: Mapping[str, str | None],
    titles: Mapping[str, str],
    enhanced: tuple[date, date] | None,
    late_threshold: time,
) -> list[Violation]:
    """G5: a lone or late visit needs `independent` or above on every required competency
    (`held`: the stage held of each, None when not held), and never a worker inside an
    enhanced-supervision period (no lone or late cover for new starters)."""
    if not (lone or late):
        return []
    what = " and ".join(
        w for w, on in (("lone", lone), (f"late (ends after {late_threshold:%H:%M})", late)) if on
    )
    found = [
        violation(
            "G5",
            "lone_late_stage",
            f"This visit is {what}: it needs independent or above on {titles.get(code, code)}, "
            f"which {worker} holds at {stage_label(stage)}.",
        )
        for code, stage in held.items()
        if stage is None or STAGE_RANK[stage] < INDEPENDENT_RANK
    ]
    if enhanced is not None:
        start, end = enhanced
        found.append(
            violation(
                "G5",
                "lone_late_new_starter",
                f"This visit is {what}, and {worker} is in an enhanced-supervision period "
                f"({_day(start)} to {_day(end - timedelta(days=1))}): no lone or late cover for "
                "new starters.",
            )
        )
    return found


def g6_pairing(
    *,
    worker: str,
    held: Mapping[str, str | None],
    titles: Mapping[str, str],
    co_workers: Sequence[tuple[str, Mapping[str, str | None]]],
) -> list[Violation]:
    """G6: for each required competency the worker holds only at `supervised`, a co-worker on
    the same visit (`co_workers`: name and stages held) holds it at `independent` or above."""
    found = []
    for code, stage in held.items():
        if stage != Stage.SUPERVISED:
            continue
        if any(
            (s := stages.get(code)) is not None and STAGE_RANK[s] >= INDEPENDENT_RANK
            for _, stages in co_workers
        ):
            continue
        title = titles.get(code, code)
        if co_workers:
            names = ", ".join(name for name, _ in co_workers)
            message = (
                f"{worker} holds {title} at supervised only; the co-worker on this visit "
                f"({names}) does not hold it at independent or above."
            )
        else:
            message = (
                f"{worker} holds {title} at supervised only: the visit needs a paired co-worker "
                "who holds it at independent or above, and has none."
            )
        found.append(violation("G6", "pairing_needed", message))
    return found


def caseload_cap(stage: str | None, caps: Mapping[str, int]) -> int:
    """The high-risk caseload cap for a stage (no stage held counts as induction)."""
    return caps[stage or Stage.INDUCTION]


def g7_caseload(
    *,
    worker: str,
    high_risk: bool,
    participants: int,
    week: str,
    lowest: str | None,
    lowest_title: str,
    caps: Mapping[str, int],
) -> list[Violation]:
    """G7: the worker's count of distinct high-risk participants in the rota week (with this
    visit's participant, `participants`) stays within the cap for the worker's lowest stage
    on the visit's competencies (`caps` by stage: SPEC section 3 defaults 0, 2, 6, 10). Only
    a visit to a high-risk participant can break it, and only one that needs a competency (the
    cap is the cap of a stage held on the visit's competencies; the gate does not ask when
    there are none)."""
    if not high_risk:
        return []
    cap = caseload_cap(lowest, caps)
    if participants <= cap:
        return []
    on = f" on {lowest_title}" if lowest_title else ""
    return [
        violation(
            "G7",
            "caseload_cap",
            f"{worker} would visit {participants} distinct high-risk participants in week "
            f"{week}; the cap at {stage_label(lowest)}{on} is {cap}.",
        )
    ]


def g8_time(
    *,
    worker: str,
    start: datetime,
    end: datetime,
    others: Iterable[tuple[str, datetime, datetime]],
    shifts: Sequence[tuple[datetime, datetime]] | None,
    local: Callable[[datetime], datetime] = lambda instant: instant,
) -> list[Violation]:
    """G8: no other visit of the worker overlaps this one (`others`: code, start, end), and
    where the worker has shifts recorded in the rota week (`shifts`; None: none recorded) the
    visit lies inside one of them. `local` puts an instant in local time for the sentences."""
    found = []
    for code, o_start, o_end in others:
        if o_start < end and start < o_end:
            begins, ends = local(o_start), local(o_end)
            found.append(
                violation(
                    "G8",
                    "overlap",
                    f"{worker} is on visit {code} from {begins:%a %d %b %H:%M} to {ends:%H:%M}, "
                    "which overlaps this one.",
                )
            )
    if shifts is not None and not any(s <= start and end <= e for s, e in shifts):
        found.append(
            violation(
                "G8",
                "outside_shift",
                f"{worker} has shifts this week but none covers {local(start):%a %d %b %H:%M} "
                f"to {local(end):%H:%M}.",
            )
        )
    return found


def g9_preferences(
    *,
    worker: str,
    participant: str,
    declined_on: date | None,
    preferences: Iterable[tuple[str, str]],
    organisation: str,
    temporary: bool,
    role_group: str,
    labels: Mapping[str, str] | None = None,
) -> list[Violation]:
    """G9: the participant has not declined the worker (`declined_on`: when they did, None if
    not), and the worker meets every recorded preference (`preferences`: (kind, value); values
    of one kind are alternatives). `labels` names organisation codes and role groups for the
    sentences."""
    labels = labels or {}
    found = []
    if declined_on is not None:
        found.append(
            violation(
                "G9",
                "worker_declined",
                f"{participant} declined {worker} on {_day(declined_on)}.",
            )
        )
    wanted: dict[str, list[str]] = {}
    for kind, value in preferences:
        wanted.setdefault(kind, []).append(value)
    if PreferenceKind.NO_TEMPORARY in wanted and temporary:
        found.append(
            violation(
                "G9",
                "preference_not_met",
                f"{participant} prefers no bank, agency or contractor workers; {worker} is one.",
            )
        )
    places = wanted.get(PreferenceKind.ORGANISATION)
    if places and organisation not in places:
        names = " or ".join(labels.get(v, v) for v in sorted(places))
        found.append(
            violation(
                "G9",
                "preference_not_met",
                f"{participant} prefers workers of {names}; {worker} works for "
                f"{labels.get(organisation, organisation)}.",
            )
        )
    groups = wanted.get(PreferenceKind.ROLE_GROUP)
    if groups and role_group not in groups:
        names = " or ".join(labels.get(v, v) for v in sorted(groups))
        found.append(
            violation(
                "G9",
                "preference_not_met",
                f"{participant} prefers a {names}; {worker} is a "
                f"{labels.get(role_group, role_group)}.",
            )
        )
    return found


def g10_supervision(
    *,
    worker: str,
    tier: int,
    frequency_days: int | None,
    last_held: date | None,
    since: date,
    day: date,
) -> list[Violation]:
    """G10: for a visit with tier 3 or 4 task types, the worker's last held supervision is no
    older than the shortest minimum supervision frequency (`frequency_days`) of the
    competencies those task types need; never supervised, the clock runs from `since` (the
    worker's start)."""
    if tier < 3 or frequency_days is None:
        return []
    reference = last_held or since
    if (day - reference).days <= frequency_days:
        return []
    held = f"last held on {_day(last_held)}" if last_held else f"none held since {_day(since)}"
    return [
        violation(
            "G10",
            "supervision_overdue",
            f"This visit has tier {tier} tasks: {worker}'s supervision is due every "
            f"{frequency_days} days and is overdue ({held}).",
        )
    ]


def enhanced_on(periods: Iterable[tuple[date, date]], day: date) -> tuple[date, date] | None:
    """The enhanced-supervision period (first day, end day) that covers `day`, if any."""
    for start, end in periods:
        if start <= day < end:
            return start, end
    return None


# --- codes and overrides ------------------------------------------------------------------------


def visit_code(week: str, number: int) -> str:
    """A visit's public code: its rota week and a number counted within the week,
    e.g. "V-2026-W47-000123"."""
    return f"V-{week}-{number:06d}"


def override_reasons(
    *,
    rule: str,
    reason: str,
    expires_at: datetime | None,
    visit_start: datetime,
    now: datetime,
    known: Sequence[str],
    not_overridable: Iterable[str],
) -> list[Reason]:
    """Why an override cannot be granted as asked (empty: it can). It names one rule of the
    gate (G1 never: an inactive worker or organisation is not sent in any emergency), says
    why, and lasts at least until the visit starts (it covers the visit only if the visit
    starts before it expires)."""
    found: list[Reason] = []
    if rule not in known:
        found.append(
            Reason("unknown_rule", f"'{rule}' is not a rule of the gate (G1 to G10).", "rule")
        )
    elif rule in set(not_overridable):
        found.append(
            Reason(
                "not_overridable",
                f"{rule} cannot be overridden: a worker who is not active, or whose organisation "
                "is not active in the network, is not sent in any emergency.",
                "rule",
            )
        )
    if not (reason or "").strip():
        found.append(Reason("reason_required", "Say why the block is overridden.", "reason"))
    if expires_at is None:
        found.append(Reason("required", "Say when the override expires.", "expires_at"))
    elif expires_at <= now:
        found.append(Reason("expiry_past", "The expiry must be in the future.", "expires_at"))
    elif expires_at <= visit_start:
        found.append(
            Reason(
                "expiry_before_visit",
                f"The override would expire before the visit starts "
                f"({visit_start:%d %b %Y %H:%M}), so it would cover nothing.",
                "expires_at",
            )
        )
    return found
