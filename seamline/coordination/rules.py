"""Pure rules of care coordination: plain values in, reasons out, no database.

Owned actions, reason codes:

* ``required``: no description or no due time;
* ``owner_required``: neither a person nor a role is named within the owning organisation;
* ``invalid_value``: a role that is not one of the network's roles;
* ``owner_outside_care``: the owning organisation has no part in the participant's care;
* ``owner_not_member``: the named person does not work for the owning organisation;
* ``already_completed``, ``date_in_future``, ``before_created``: completing an action.

The coordinator of the day (`coordinator_on`) answers with one of ``on_rota``, ``covering``,
``no_rota`` or ``absent_no_cover``; rota entries and absences are refused with ``required``,
``invalid_value``, ``dates_reversed``, ``outside_care``, ``not_coordinator``,
``cover_not_colleague``, ``cover_is_self``, ``already_ended``. Huddle cohorts:
``cadence_not_allowed``. The roster's risk score (`risk_score`) and the share of huddle
actions closed on time (`closed_on_time`) are stated in docs/coordination.md.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from seamline.errors import Reason
from seamline.network.choices import Role

from .choices import CADENCES_FOR, MEETING_DAYS, Acuity, Cadence


def owner_reasons(
    *,
    organisation: str,
    organisation_name: str,
    care_organisations: Collection[str],
    person_organisation: str | None,
    person_named: bool,
    role: str,
    field_prefix: str = "",
) -> list[Reason]:
    """May this organisation (and person or role in it) own an action for the participant?

    `care_organisations`: codes of the organisations with an active part in the participant's
    care at the moment the action is created. `person_organisation`: the named person's current
    organisation (None when nobody is named, or they have none)."""
    reasons = []
    if not person_named and not role:
        reasons.append(
            Reason(
                "owner_required",
                "Name the person or the role that owns the action.",
                f"{field_prefix}owner_person",
            )
        )
    if role and role not in Role.values:
        reasons.append(
            Reason("invalid_value", f"'{role}' is not a role.", f"{field_prefix}owner_role")
        )
    if organisation not in care_organisations:
        reasons.append(
            Reason(
                "owner_outside_care",
                f"{organisation_name} has no part in this participant's care, so it cannot own "
                "an action for them.",
                f"{field_prefix}owner_organisation",
            )
        )
    if person_named and person_organisation != organisation:
        reasons.append(
            Reason(
                "owner_not_member",
                f"The person named does not work for {organisation_name}.",
                f"{field_prefix}owner_person",
            )
        )
    return reasons


def action_reasons(*, description: str, due_at: datetime | None) -> list[Reason]:
    reasons = []
    if not description.strip():
        reasons.append(Reason("required", "Say what is to be done.", "description"))
    if due_at is None:
        reasons.append(Reason("required", "Give the time the action is due.", "due_at"))
    return reasons


def completion_reasons(
    *, completed_at: datetime | None, created_at: datetime, at: datetime, now: datetime
) -> list[Reason]:
    if completed_at is not None:
        return [Reason("already_completed", "This action is already completed.", "completed_at")]
    if at > now:
        return [Reason("date_in_future", "Record completion once it is done.", "at")]
    if at < created_at:
        return [Reason("before_created", "An action cannot be done before it was set.", "at")]
    return []


# --- the coordinator of the day ----------------------------------------------------------------

# Who may be named on the coordinator rota, or cover for someone on it.
COORDINATING_ROLES = frozenset({Role.COORDINATOR, Role.SUPERVISOR, Role.PARTNER_ADMIN})


@dataclass(frozen=True)
class RotaFact:
    """One rota entry as plain values: `person` is any key naming the coordinator."""

    person: Hashable
    weekdays: int  # bit d set: works weekday d (Monday 0)
    starts_on: date
    ends_on: date | None
    order: int = 0  # ties between entries starting the same day: the higher is newer


@dataclass(frozen=True)
class AbsenceFact:
    person: Hashable
    starts_on: date
    ends_on: date
    cover: Hashable | None = None


@dataclass(frozen=True)
class Duty:
    """The answer to "who coordinates this participant on `day`"."""

    coordinator: Hashable | None
    code: str
    message: str
    covering_for: Hashable | None = None

    @property
    def covered(self) -> bool:
        return self.coordinator is not None


def rota_in_force(entry: RotaFact, day: date) -> bool:
    return (
        entry.starts_on <= day
        and (entry.ends_on is None or day <= entry.ends_on)
        and bool(entry.weekdays & (1 << day.weekday()))
    )


def _away(person: Hashable, day: date, absences: Iterable[AbsenceFact]) -> AbsenceFact | None:
    for absence in absences:
        if absence.person == person and absence.starts_on <= day <= absence.ends_on:
            return absence
    return None


def coordinator_on(day: date, entries: Iterable[RotaFact], absences: Sequence[AbsenceFact]) -> Duty:
    """The named coordinator of a participant on `day` (SPEC C7), from the participant's rota
    entries and the absences of the people on them.

    The entries in force that day (started, not ended, the weekday ticked) are tried newest
    start first: the first person there is, or failing them the cover their absence names
    (when the cover is not away too), is the coordinator. Nobody on the rota that day:
    ``no_rota``; everyone on it away with nobody free to cover: ``absent_no_cover``."""
    working = sorted(
        (e for e in entries if rota_in_force(e, day)),
        key=lambda e: (e.starts_on, e.order),
        reverse=True,
    )
    if not working:
        return Duty(None, "no_rota", f"Nobody is on the coordinator rota on {day:%a %d %b %Y}.")
    for entry in working:
        absence = _away(entry.person, day, absences)
        if absence is None:
            return Duty(entry.person, "on_rota", "On the coordinator rota for the day.")
        cover = absence.cover
        if cover is not None and _away(cover, day, absences) is None:
            return Duty(
                cover,
                "covering",
                "Covering for the coordinator on the rota, who is away.",
                covering_for=entry.person,
            )
    return Duty(
        None,
        "absent_no_cover",
        f"The coordinator on the rota is away on {day:%a %d %b %Y} and nobody covers.",
    )


def rota_entry_reasons(
    *,
    weekdays: int,
    starts_on: date | None,
    ends_on: date | None,
    organisation_name: str,
    in_care: bool,
    person_roles: Collection[str],
) -> list[Reason]:
    """May this person be put on the participant's coordinator rota? Their organisation must
    have a part in the care, and they must hold a coordinating role there."""
    reasons = []
    if starts_on is None:
        reasons.append(Reason("required", "Give the first day.", "starts_on"))
    elif ends_on is not None and ends_on < starts_on:
        reasons.append(Reason("dates_reversed", "The last day is before the first.", "ends_on"))
    if not 1 <= weekdays <= 0b1111111:
        reasons.append(Reason("required", "Tick at least one weekday.", "weekdays"))
    if not in_care:
        reasons.append(
            Reason(
                "outside_care",
                f"{organisation_name} has no part in this participant's care.",
                "coordinator",
            )
        )
    if not set(person_roles) & COORDINATING_ROLES:
        reasons.append(
            Reason(
                "not_coordinator",
                "Only care coordinators, supervisors and partner admins go on the rota.",
                "coordinator",
            )
        )
    return reasons


def rota_end_reasons(
    *, starts_on: date, ends_on: date | None, last_day: date | None
) -> list[Reason]:
    """Ending a rota entry: a last day on or after its first, and not later than one already
    set (an entry is shortened, never lengthened, so the past stays as it was)."""
    if last_day is None:
        return [Reason("required", "Give the last day.", "ends_on")]
    if last_day < starts_on:
        return [Reason("dates_reversed", "The last day is before the entry's first.", "ends_on")]
    if ends_on is not None and last_day > ends_on:
        return [
            Reason("already_ended", f"The entry already ends on {ends_on:%d %b %Y}.", "ends_on")
        ]
    return []


def absence_reasons(
    *,
    starts_on: date | None,
    ends_on: date | None,
    person_organisation: str | None,
    cover_named: bool,
    cover_is_person: bool,
    cover_organisation: str | None,
    cover_roles: Collection[str],
) -> list[Reason]:
    """A cover is a colleague of the absent person with a coordinating role."""
    reasons = []
    if starts_on is None or ends_on is None:
        reasons.append(Reason("required", "Give the first and last day away.", "starts_on"))
    elif ends_on < starts_on:
        reasons.append(Reason("dates_reversed", "The last day is before the first.", "ends_on"))
    if cover_named:
        if cover_is_person:
            reasons.append(Reason("cover_is_self", "Someone else must cover.", "cover"))
        elif cover_organisation != person_organisation or not (
            set(cover_roles) & COORDINATING_ROLES
        ):
            reasons.append(
                Reason(
                    "cover_not_colleague",
                    "The cover must be a coordinator, supervisor or partner admin of the same "
                    "organisation.",
                    "cover",
                )
            )
    return reasons


# --- the joint caseload huddle -----------------------------------------------------------------


def cadence_reasons(acuity: str, cadence: str) -> list[Reason]:
    """SPEC C7: a high-acuity cohort meets daily; others two or three times a week."""
    if acuity not in Acuity.values:
        return [Reason("invalid_value", f"'{acuity}' is not an acuity.", "acuity")]
    if cadence not in Cadence.values:
        return [Reason("invalid_value", f"'{cadence}' is not a cadence.", "cadence")]
    if cadence not in CADENCES_FOR[acuity]:
        allowed = " or ".join(Cadence(c).label.lower() for c in CADENCES_FOR[acuity])
        return [
            Reason(
                "cadence_not_allowed",
                f"A {Acuity(acuity).label.lower()} cohort meets {allowed}.",
                "cadence",
            )
        ]
    return []


def meets_on(cadence: str, day: date) -> bool:
    """Is `day` one of the cadence's meeting days (daily: Monday to Friday; three times a week:
    Monday, Wednesday, Friday; twice a week: Tuesday, Thursday)?"""
    return day.weekday() in MEETING_DAYS.get(cadence, ())


def missed_meetings(cadence: str, held: Collection[date], start: date, end: date) -> list[date]:
    """The meeting days from `start` to `end` (both included) on which no huddle was held."""
    missed = []
    day = start
    while day <= end:
        if meets_on(cadence, day) and day not in held:
            missed.append(day)
        day += timedelta(days=1)
    return missed


# Points of the roster's risk score (docs/coordination.md states the formula).
FLAG_POINTS = {"high": 5, "medium": 3, "low": 1}
OVERDUE_ACTION_POINTS = 2
RECENT_EVENT_POINTS = {"recent_ed_contact": 4, "missed_visits": 3}
RECENT_DAYS = 7


@dataclass(frozen=True)
class FlagFact:
    kind: str
    severity: str
    raised_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class Score:
    total: int
    flags: int = 0
    overdue_actions: int = 0
    recent_events: int = 0
    active_flags: tuple[str, ...] = field(default_factory=tuple)


_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def risk_score(flags: Iterable[FlagFact], overdue_actions: int, at: datetime) -> Score:
    """The roster's risk score of one participant at `at`:

    * each risk flag active at `at`: high 5, medium 3, low 1;
    * each open action past its due time: 2;
    * each recent event, a flag raised in the last 7 days whether or not since resolved: an
      emergency department contact 4, missed visits 3.
    """
    facts = list(flags)
    active = [
        f for f in facts if f.raised_at <= at and (f.resolved_at is None or f.resolved_at > at)
    ]
    flag_points = sum(FLAG_POINTS.get(f.severity, 0) for f in active)
    since = at - timedelta(days=RECENT_DAYS)
    recent = sum(RECENT_EVENT_POINTS.get(f.kind, 0) for f in facts if since <= f.raised_at <= at)
    action_points = OVERDUE_ACTION_POINTS * max(0, overdue_actions)
    named = tuple(
        f.kind for f in sorted(active, key=lambda f: (_SEVERITY_ORDER.get(f.severity, 3), f.kind))
    )
    return Score(flag_points + action_points + recent, flag_points, action_points, recent, named)


@dataclass(frozen=True)
class OnTime:
    closed_on_time: int
    counted: int

    @property
    def share(self) -> float | None:
        return self.closed_on_time / self.counted if self.counted else None


def closed_on_time(actions: Iterable[tuple[datetime, datetime | None]], at: datetime) -> OnTime:
    """Of the huddle actions that have fallen due by `at` or been closed, how many were closed
    by their due time? (`actions`: pairs of due time and completion time.) An action still open
    and not yet due is not counted either way."""
    on_time = counted = 0
    for due_at, completed_at in actions:
        if completed_at is None and due_at > at:
            continue
        counted += 1
        if completed_at is not None and completed_at <= due_at:
            on_time += 1
    return OnTime(on_time, counted)


# --- the post-discharge sprint (SPEC C7) -------------------------------------------------------
#
# Reason codes: ``not_a_discharge`` (the referral did not come from an NHS trust),
# ``already_started``, ``no_owner`` (no organisation from the RACI has a part in the care),
# ``already_resolved`` (a step done or refused already), ``required`` and ``invalid_value``
# (a refusal without its handling code or text).

SPRINT_HOURS = 72


def qualifies_for_sprint(referrer_kind: str | None) -> list[Reason]:
    """A sprint starts at a hospital discharge: a referral received from an NHS trust (the
    same meaning as the rota cover report's homecomings, ADR 0012)."""
    if referrer_kind != "nhs_trust":
        return [
            Reason(
                "not_a_discharge",
                "Only a referral received from an NHS trust (a hospital discharge) starts a "
                "sprint.",
            )
        ]
    return []


def starts_on_its_own(received_at: datetime, now: datetime) -> bool:
    """Does recording a discharge referral start its sprint by itself? Only while its 72 hours
    are still running: a discharge recorded after they are over would start a sprint whose
    every step had already failed, so that one waits on the sprint list for a person to start
    it, or not."""
    return received_at <= now < received_at + timedelta(hours=SPRINT_HOURS)


def step_due_at(started_at: datetime, day: int) -> datetime:
    """Day N of a sprint is the 24 hours from start + N days; a step is due at the end of its
    day, and never after the 72 hours (so day 3's steps are due when the sprint ends)."""
    return started_at + timedelta(hours=min((day + 1) * 24, SPRINT_HOURS))


def hours_left(started_at: datetime, now: datetime) -> float:
    """Hours left of the 72, never below nothing."""
    left = (started_at + timedelta(hours=SPRINT_HOURS) - now).total_seconds() / 3600
    return max(0.0, round(left, 1))


def step_failed(due_at: datetime, resolved_at: datetime | None, now: datetime) -> bool:
    """A step fails when it was not done, or refused and handled, by its due time: still open
    past due, or resolved late."""
    return (resolved_at if resolved_at is not None else now) > due_at


def sprint_complete(statuses: Iterable[str]) -> bool:
    """Complete when every step is done or refused and handled."""
    found = list(statuses)
    return bool(found) and all(s in ("done", "refused") for s in found)


@dataclass(frozen=True)
class RaciParty:
    """One RACI entry: an organisation (code) or a role held in any organisation."""

    organisation: str | None
    role: str


@dataclass(frozen=True)
class StepOwner:
    organisation: str
    role: str
    basis: str  # "responsible", "accountable" or "case_owner"


def sprint_step_owner(
    *,
    responsible: Sequence[RaciParty],
    accountable: RaciParty | None,
    case_organisation: str,
    care_organisations: Collection[str],
) -> StepOwner | Reason:
    """Who owns a sprint step, from the RACI of the matching pathway step.

    The Responsible entries are tried in order, then the Accountable one. An entry naming an
    organisation gives that organisation, its coordinators owning the step; an entry naming a
    role gives that role in the organisation that owns the case (the referral's owner). An
    entry whose organisation has no part in the participant's care is passed over. With no
    usable entry the case's own organisation owns it, coordinator role."""
    tried = [(p, "responsible") for p in responsible]
    if accountable is not None:
        tried.append((accountable, "accountable"))
    for party, basis in tried:
        organisation = party.organisation or case_organisation
        role = party.role or Role.COORDINATOR
        if organisation in care_organisations:
            return StepOwner(organisation, role, basis)
    if case_organisation in care_organisations:
        return StepOwner(case_organisation, Role.COORDINATOR, "case_owner")
    return Reason("no_owner", "No organisation named for this step has a part in the care.")


def step_resolve_reasons(status: str) -> list[Reason]:
    if status != "open":
        return [Reason("already_resolved", "This step is already done or refused.")]
    return []


def refusal_reasons(handling_code: str, handling: str, codes: Collection[str]) -> list[Reason]:
    """A refusal is recorded with how it was handled: a code and a sentence."""
    reasons = []
    if not handling_code:
        reasons.append(Reason("required", "Say how the refusal was handled.", "handling_code"))
    elif handling_code not in codes:
        reasons.append(
            Reason("invalid_value", f"'{handling_code}' is not a handling code.", "handling_code")
        )
    if not handling.strip():
        reasons.append(
            Reason("required", "Describe what was done about the refusal.", "handling_note")
        )
    return reasons


# --- the 24-hour documentation standard (SPEC C7) ------------------------------------------------
#
# Reason codes: ``required`` (no kind, time or text), ``invalid_value`` (a kind that is not one),
# ``date_in_future`` (something recorded as having happened later than now),
# ``written_before_it_happened`` (an imported record written before its contact).

# A record is on time when written within this long of what it records. A constant, not a network
# setting: the network settings have no room for it yet (docs/coordination.md).
DOCUMENTATION_HOURS = 24
DOCUMENTATION_WINDOW = timedelta(hours=DOCUMENTATION_HOURS)


def documented_on_time(
    occurred_at: datetime, recorded_at: datetime, window: timedelta = DOCUMENTATION_WINDOW
) -> bool:
    """On time when written no more than 24 hours after it happened (24 hours exactly is on
    time; a second more is late). The compliance query states the same comparison in SQL
    (`documentation.on_time_expression`) and a test holds the two together."""
    return recorded_at - occurred_at <= window


def hours_late(
    occurred_at: datetime, recorded_at: datetime, window: timedelta = DOCUMENTATION_WINDOW
) -> float:
    """How far past the window a record was written, in hours (0 when on time)."""
    return max(0.0, round((recorded_at - occurred_at - window).total_seconds() / 3600, 1))


def record_reasons(
    *,
    kind: str,
    kinds: Collection[str],
    occurred_at: datetime | None,
    recorded_at: datetime,
    text: str,
    now: datetime,
) -> list[Reason]:
    """May this record be written? A kind, the time it happened (not in the future, and not
    after it was written) and some text. `recorded_at` is the server's clock when written
    through a page or the API; an import may carry an earlier one, never a later one."""
    reasons = []
    if not kind:
        reasons.append(Reason("required", "Say what kind of record this is.", "kind"))
    elif kind not in kinds:
        reasons.append(Reason("invalid_value", f"'{kind}' is not a kind of record.", "kind"))
    if occurred_at is None:
        reasons.append(Reason("required", "Give the time it happened.", "occurred_at"))
    elif occurred_at > now:
        reasons.append(
            Reason("date_in_future", "It cannot have happened later than now.", "occurred_at")
        )
    elif occurred_at > recorded_at:
        reasons.append(
            Reason(
                "written_before_it_happened",
                "A record cannot be written before what it records happened.",
                "recorded_at",
            )
        )
    if recorded_at > now:
        reasons.append(
            Reason("date_in_future", "A record cannot be written later than now.", "recorded_at")
        )
    if not text.strip():
        reasons.append(Reason("required", "Write what happened.", "text"))
    return reasons


@dataclass(frozen=True)
class Compliance:
    """Of `records` written, how many within the window."""

    on_time: int
    records: int

    @property
    def late(self) -> int:
        return self.records - self.on_time

    @property
    def share(self) -> float | None:
        return round(self.on_time / self.records, 3) if self.records else None
