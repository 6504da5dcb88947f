"""Loading what the gate needs, in a fixed number of queries (see `rota.gate`).

`stored_visits` reads stored visits as `VisitFacts`; `load` reads everything else the rules
need for a set of visits and candidate workers over the window of their rota weeks (facts as
they change through the window, not as of one instant) and answers a ready `Gate`.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db.models import (
    Case,
    DateField,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from seamline import collector
from seamline.cases.choices import Severity
from seamline.cases.models import DeclinedWorker, RiskFlag
from seamline.competency.choices import EvidenceKind
from seamline.competency.framework import Framework, framework_at
from seamline.competency.models import Competency, FrameworkVersion, TaskType
from seamline.network.models import Organisation, OrganisationStatusChange, Pathway
from seamline.rawrows import (
    Among,
    Joined,
    PairAmong,
    Param,
    Prepared,
    as_text,
    fetch,
    instant_parser,
    pair_keys,
)
from seamline.workforce.authorization import Attainment, Pause, stored_evidence
from seamline.workforce.choices import TEMPORARY, RoleGroup
from seamline.workforce.models import (
    DelegationPause,
    EnhancedSupervisionPeriod,
    Evidence,
    SignOff,
    SupervisionSession,
    Worker,
    WorkerStatusChange,
)

from . import rules
from .choices import AssignmentStatus, VisitStatus
from .gate import Gate, RotaState, Settings, VisitFacts, WorkerWindow, slot_of
from .models import Assignment, Override, Preference, Shift, Visit

# Ids are sent as one parameter whatever their number (`rawrows.Among`). More workers (or
# visits) than this and their other visits and overrides are read for the whole window at
# once, and codes by id rather than joined in.
MANY_WORKERS = 200
BUNDLE_KINDS = (
    EvidenceKind.MODULE,
    EvidenceKind.SUPERVISED_PRACTICE_SIGNOFF,
    EvidenceKind.LOCAL_INDUCTION,
)


# --- the loading queries, compiled once (`rawrows.Prepared`) -----------------------------------
# A single check asks all of them for one worker and one visit: building and compiling each
# through the ORM cost several times what the database spends answering. Dates and times are
# read as text and parsed (`rawrows`), the same on SQLite and PostgreSQL.


def _instant(name: str) -> Param:
    return Param(name, DateTimeField())


def _day(name: str) -> Param:
    return Param(name, DateField())


def _window_assignments(many: bool, spanned: bool = False) -> QuerySet[Any]:
    rows = Assignment.objects.filter(
        status=AssignmentStatus.ASSIGNED,
        visit__status=VisitStatus.PLANNED,
        visit__starts_at__lt=_instant("end"),
        visit__ends_at__gt=_instant("start"),
    )
    if not many:
        rows = rows.filter(Among("worker_id", param="workers"))
    if spanned:  # the stored visits starting in the span are the rota itself: not read
        rows = rows.filter(
            Q(visit__starts_at__lt=_instant("rota_start"))
            | Q(visit__starts_at__gte=_instant("rota_end"))
        )
    return (
        rows.order_by()
        .annotate(s=as_text("visit__starts_at"), e=as_text("visit__ends_at"))
        .values_list(
            "worker_id",
            "visit__code",
            "visit__organisation__code",
            "visit__participant_id",
            "s",
            "e",
        )
    )


def _open_in_window(rows: QuerySet[Any], since: str, until: str) -> QuerySet[Any]:
    """`rows` begun before the window ends and not ended before it starts."""
    return rows.filter(**{f"{since}__lt": _instant("end")}).filter(
        Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__gt": _instant("start")})
    )


_WINDOW_ASSIGNMENTS = Prepared(_window_assignments, planned_once=True)


def _participants_recorded(model: Any, *columns: str) -> QuerySet[Any]:
    """A participant's declined workers or preferences recorded before the window ends and not
    withdrawn before it starts: the participant, the participant's code (G9's sentences name
    it), `columns`, then since and until as text."""
    return (
        _open_in_window(
            model.objects.filter(Among("participant_id", param="participants")),
            "recorded_at",
            "withdrawn_at",
        )
        .order_by()
        .annotate(s=as_text("recorded_at"), u=as_text("withdrawn_at"))
        .values_list("participant_id", "participant__code", *columns, "s", "u")
    )


_DECLINED = Prepared(lambda: _participants_recorded(DeclinedWorker, "worker_id"), planned_once=True)
_PREFERENCES = Prepared(
    lambda: _participants_recorded(Preference, "kind", "value"), planned_once=True
)
# Overrides are few: for many visits, the live ones not expired by the window's start (only
# those can cover a visit in it) are read and those of these visits kept (rather than sending
# a hundred thousand codes, or asking of every visit of the window whether it has one).
_OVERRIDES = Prepared(
    lambda many: (
        (
            Override.objects.live().filter(expires_at__gt=_instant("start"))
            if many
            else Override.objects.live().filter(Among("visit__code", param="codes", text=True))
        )
        .order_by("granted_at")
        .annotate(u=as_text("uuid"), x=as_text("expires_at"))
        .values_list("visit__code", "worker_id", "rule", "u", "x")
    ),
    planned_once=True,
)
_LATER_VERSIONS = Prepared(
    lambda: (
        FrameworkVersion.objects.filter(
            created_at__gt=_instant("start"), created_at__lt=_instant("end")
        )
        .order_by("number")
        .annotate(c=as_text("created_at"))
        .values_list("c")
    ),
    planned_once=True,
)
_HIGH_RISK = Prepared(
    lambda: (
        _open_in_window(
            RiskFlag.objects.filter(
                Among("participant_id", param="participants"), severity=Severity.HIGH
            ),
            "raised_at",
            "resolved_at",
        )
        .order_by()
        .annotate(r=as_text("raised_at"), x=as_text("resolved_at"))
        .values_list("participant_id", "r", "x")
    ),
    planned_once=True,
)
_SHIFTS = Prepared(
    lambda: (
        Shift.objects.planned()
        .filter(
            Among("worker_id", param="workers"),
            starts_at__lt=_instant("end"),
            ends_at__gt=_instant("start"),
        )
        .order_by()
        .annotate(s=as_text("starts_at"), e=as_text("ends_at"))
        .values_list("worker_id", "organisation__code", "s", "e")
    ),
    planned_once=True,
)

_WORKERS = Prepared(
    lambda: (
        Worker.objects.filter(Among("id", param="workers"))
        .order_by()
        .annotate(
            u=as_text("uuid"),
            b=as_text("start_date"),
            l=as_text("left_on"),
            p=as_text("placement_start"),
        )
        .values_list(
            "id",
            "u",
            "staff_id",
            "first_name",
            "last_name",
            "organisation__code",
            "organisation_id",
            "organisation__status",
            "employment_type",
            "role_group",
            "status",
            "b",
            "l",
            "p",
        )
    ),
    planned_once=True,
)
_ORGANISATION_HISTORY = Prepared(
    lambda: (
        OrganisationStatusChange.objects.filter(Among("organisation_id", param="organisations"))
        .order_by("changed_at", "id")
        .annotate(c=as_text("changed_at"))
        .values_list("organisation_id", "c", "to_status")
    ),
    planned_once=True,
)


def _sign_offs(joined: bool) -> QuerySet[Any]:
    """Sign-offs signed before the window ends and counting at some time in it (one
    superseded before it starts explains nothing unless it was also revoked). `joined` (a few
    workers): every sign-off of the workers given, with the codes joined in; otherwise (many)
    only those of the (worker, competency) pairs given too (`rawrows.PairAmong`: the
    competencies each worker's visits need), with the ids."""
    rows = SignOff.objects.filter(Among("worker_id", param="workers"))
    if not joined:
        rows = rows.filter(PairAmong("worker_id", "competency_id", param="pairs"))
    return (
        rows.filter(signed_at__lt=_instant("end"))
        .filter(
            Q(superseded_at__isnull=True)
            | Q(superseded_at__gt=_instant("start"))
            | Q(revoked_at__isnull=False)
        )
        .order_by()
        .annotate(
            s=as_text("signed_at"),
            d=as_text("review_due"),
            x=as_text("superseded_at"),
            r=as_text("revoked_at"),
        )
        .values_list(
            "worker_id",
            "competency__code" if joined else "competency_id",
            "stage",
            "pathway__code" if joined else "pathway_id",
            "s",
            "d",
            "x",
            "r",
        )
    )


_SIGN_OFFS = Prepared(_sign_offs, planned_once=True)
_PAUSES = Prepared(
    lambda: (
        _open_in_window(
            DelegationPause.objects.filter(Among("worker_id", param="workers")),
            "started_at",
            "lifted_at",
        )
        .order_by("started_at")
        .annotate(s=as_text("started_at"), x=as_text("lifted_at"))
        .values_list("worker_id", "task_type__code", "s", "x")
    ),
    planned_once=True,
)
_STATUS_CHANGES = Prepared(
    lambda: (
        WorkerStatusChange.objects.filter(Among("worker_id", param="workers"))
        .order_by("changed_at", "id")
        .annotate(c=as_text("changed_at"))
        .values_list("worker_id", "c", "to_status", "from_status")
    ),
    planned_once=True,
)
# Supervision: the last session held before the window (per worker), and every one in it.
_SUPERVISION = Prepared(
    lambda: (
        SupervisionSession.objects.filter(
            Among("worker_id", param="workers"), held_on__lt=_day("first_day")
        )
        .order_by()
        .values("worker_id")
        .annotate(last=Cast(Max("held_on"), TextField()))
        .values_list("worker_id", "last")
        .union(
            SupervisionSession.objects.filter(
                Among("worker_id", param="workers"),
                held_on__gte=_day("first_day"),
                held_on__lte=_day("last_day"),
            )
            .order_by()
            .annotate(h=as_text("held_on"))
            .values_list("worker_id", "h"),
            all=True,
        )
    ),
    planned_once=True,
)
_ENHANCED = Prepared(
    lambda: (
        EnhancedSupervisionPeriod.objects.filter(
            Among("worker_id", param="workers"),
            starts_on__lte=_day("last_day"),
            ends_on__gt=_day("first_day"),
        )
        .order_by()
        .annotate(s=as_text("starts_on"), e=as_text("ends_on"))
        .values_list("worker_id", "s", "e")
    ),
    planned_once=True,
)
_INDUCTION_TOPICS = Case(
    When(kind=EvidenceKind.LOCAL_INDUCTION, then=Cast("detail", TextField())), default=None
)


def _bundle_evidence(rows: QuerySet[Evidence]) -> QuerySet[Evidence]:
    """Of `rows`, the evidence a bundle counts by the window's last day: of the kinds it is
    made of, dated from the current placement's start (`bundle_missing`), and of modules only
    verified ones (most of a temporary worker's record is neither)."""
    return rows.filter(
        kind__in=BUNDLE_KINDS,
        occurred_on__lte=_day("last_day"),
        occurred_on__gte=Coalesce("worker__placement_start", "worker__start_date"),
    ).exclude(kind=EvidenceKind.MODULE, verified_by__isnull=True)


_BUNDLE = Prepared(
    lambda joined: (
        _bundle_evidence(Evidence.objects.filter(Among("worker_id", param="workers")))
        .order_by()
        .annotate(on=as_text("occurred_on"), topics=_INDUCTION_TOPICS)
        .values_list(
            "worker_id",
            "kind",
            "competency__code" if joined else "competency_id",
            "verified_by_id",
            "on",
            "topics",
        )
    ),
    planned_once=True,
)


# --- a few workers' facts in one statement ----------------------------------------------------
# A single check asks about one or two workers: the seven queries above, each a round trip,
# cost more than their answers. For a few workers the same rows are read in one `UNION ALL`,
# each part tagged, its columns read as text and padded to the same width (`_few_facts`); a
# test holds the two ways to the same workers.
FACT_WIDTH = 7


def _tagged(rows: QuerySet[Any], owner: str, tag: str, *columns: Any) -> QuerySet[Any]:
    """`rows` as a part of `_FEW_FACTS`: `owner` (the worker's id, or the organisation's), the
    tag, then `columns` padded with NULLs to `FACT_WIDTH`."""
    padded = [*columns, *[Value(None, output_field=TextField())] * (FACT_WIDTH - len(columns))]
    extra = {f"c{n}": value for n, value in enumerate(padded)}
    return (
        rows.order_by()
        .annotate(tag=Value(tag, output_field=TextField()), **extra)
        .values_list(owner, "tag", *extra)
    )


def _few_facts_query() -> QuerySet[Any]:
    workers = Among("worker_id", param="workers")
    sign_offs = _tagged(
        SignOff.objects.filter(workers, signed_at__lt=_instant("end")).filter(
            Q(superseded_at__isnull=True)
            | Q(superseded_at__gt=_instant("start"))
            | Q(revoked_at__isnull=False)
        ),
        "worker_id",
        "s",
        F("competency__code"),
        F("stage"),
        F("pathway__code"),
        as_text("signed_at"),
        as_text("review_due"),
        as_text("superseded_at"),
        as_text("revoked_at"),
    )
    history = _tagged(
        OrganisationStatusChange.objects.filter(
            organisation_id__in=Worker.objects.filter(Among("id", param="workers")).values(
                "organisation_id"
            )
        ),
        "organisation_id",
        "o",
        as_text("changed_at"),
        F("to_status"),
        Cast("id", TextField()),
    )
    pauses = _tagged(
        _open_in_window(DelegationPause.objects.filter(workers), "started_at", "lifted_at"),
        "worker_id",
        "x",
        F("task_type__code"),
        as_text("started_at"),
        as_text("lifted_at"),
    )
    statuses = _tagged(
        WorkerStatusChange.objects.filter(workers),
        "worker_id",
        "w",
        as_text("changed_at"),
        F("to_status"),
        F("from_status"),
        Cast("id", TextField()),
    )
    last_held = (
        SupervisionSession.objects.filter(workers, held_on__lt=_day("first_day"))
        .order_by()
        .values("worker_id")
        .annotate(
            tag=Value("h", output_field=TextField()),
            **{
                f"c{n}": Cast(Max("held_on"), TextField())
                if n == 0
                else Value(None, output_field=TextField())
                for n in range(FACT_WIDTH)
            },
        )
        .values_list("worker_id", "tag", *[f"c{n}" for n in range(FACT_WIDTH)])
    )
    held = _tagged(
        SupervisionSession.objects.filter(
            workers, held_on__gte=_day("first_day"), held_on__lte=_day("last_day")
        ),
        "worker_id",
        "h",
        as_text("held_on"),
    )
    enhanced = _tagged(
        EnhancedSupervisionPeriod.objects.filter(
            workers, starts_on__lte=_day("last_day"), ends_on__gt=_day("first_day")
        ),
        "worker_id",
        "n",
        as_text("starts_on"),
        as_text("ends_on"),
    )
    bundle = _tagged(
        _bundle_evidence(Evidence.objects.filter(workers, worker__employment_type__in=TEMPORARY)),
        "worker_id",
        "e",
        F("kind"),
        F("competency__code"),
        Cast("verified_by_id", TextField()),
        as_text("occurred_on"),
        _INDUCTION_TOPICS,
    )
    return sign_offs.union(history, pauses, statuses, last_held, held, enhanced, bundle, all=True)


_FEW_FACTS = Prepared(_few_facts_query, planned_once=True)


def _few_facts(
    workers: list[int], window: Window, *, temporary: bool
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the seven fact queries for a few `workers`, read in one statement, by
    the query they stand for ("s" sign-offs, "o" organisation history, "x" pauses, "w" status
    changes, "h" supervision, "n" enhanced supervision, "e" bundle evidence), each row as that
    query gives it and in its order."""
    start, end = window.start, window.end
    found: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for owner, tag, *columns in _FEW_FACTS.fetch(
        workers=workers,
        start=start,
        end=end,
        first_day=start.date(),
        last_day=end.date(),
    ):
        found[tag].append((owner, *columns))
    instant = instant_parser(Worker.objects.db)
    # In the order the separate queries read them.
    found["o"].sort(key=lambda row: (instant(row[1]), int(row[3])))
    found["w"].sort(key=lambda row: (instant(row[1]), int(row[4])))
    found["x"].sort(key=lambda row: instant(row[2]))
    return {
        "s": [row[:8] for row in found["s"]],
        "o": [row[:3] for row in found["o"]],
        "x": [row[:4] for row in found["x"]],
        "w": [row[:4] for row in found["w"]],
        "h": [row[:2] for row in found["h"]],
        "n": [row[:3] for row in found["n"]],
        "e": [row[:6] for row in found["e"]] if temporary else [],
    }


def _visit_rows(visits: QuerySet[Visit], joined: bool) -> QuerySet[Any]:
    """The visits in order of start and code. `joined`: with their organisation's and
    pathway's codes; otherwise their ids (for many visits: looking the codes up here is
    cheaper than joining two tables into every row)."""
    return (
        visits.order_by("starts_at", "code")
        .annotate(s=as_text("starts_at"), e=as_text("ends_at"))
        .values_list(
            "id",
            "code",
            "organisation__code" if joined else "organisation_id",
            "participant_id",
            "pathway__code" if joined else "pathway_id",
            "lone",
            "paired_with_id",
            "s",
            "e",
        )
    )


def _visit_tasks(chosen: Q | Among, joined: bool) -> QuerySet[Any]:
    through = Visit.task_types.through.objects.filter(chosen).order_by()
    return through.values_list("visit_id", "tasktype__code" if joined else "tasktype_id")


def _visit_workers(chosen: Q | Among) -> QuerySet[Any]:
    return (
        Assignment.objects.filter(chosen, status=AssignmentStatus.ASSIGNED)
        .order_by("assigned_at", "id")
        .values_list("visit_id", "worker_id")
    )


def _half_rows(visits: QuerySet[Visit], parity: int) -> QuerySet[Any]:
    """Of `visits`, those with a worker whose primary key has `parity` assigned: a row for each
    worker assigned to them (of either parity), the visit's columns as `_visit_rows` reads
    them for many visits, then the worker; in order of the visits, then of the workers."""
    on_half = (
        Assignment.objects.filter(visit=OuterRef("pk"), status=AssignmentStatus.ASSIGNED)
        .annotate(parity=F("worker_id") % 2)
        .filter(parity=parity)
    )
    return (
        visits.filter(Exists(on_half))
        .filter(assignments__status=AssignmentStatus.ASSIGNED)
        .order_by("starts_at", "code", "assignments__assigned_at", "assignments__id")
        .annotate(s=as_text("starts_at"), e=as_text("ends_at"))
        .values_list(
            "id",
            "code",
            "organisation_id",
            "participant_id",
            "pathway_id",
            "lone",
            "paired_with_id",
            "assignments__worker_id",
            "s",
            "e",
        )
    )


# The same three queries for visits named by primary key: compiled once (`rawrows.Prepared`).
_VISITS_BY_ID = Prepared(
    lambda joined: _visit_rows(Visit.objects.filter(Among("id", param="ids")), joined),
    planned_once=True,
)
_TASKS_BY_ID = Prepared(
    lambda joined: _visit_tasks(Among("visit_id", param="ids"), joined), planned_once=True
)
_WORKERS_BY_ID = Prepared(lambda: _visit_workers(Among("visit_id", param="ids")), planned_once=True)


def stored_visits(
    visits: QuerySet[Visit] | Iterable[int], *, parity: int | None = None
) -> list[VisitFacts]:
    """The `VisitFacts` of stored visits (a queryset or primary keys): three queries (the
    visits, their task types, their live assignments), and for many visits three small ones
    more (the codes of task types, organisations and pathways, looked up rather than joined
    into every row). A queryset is read through a subquery (no list of ids sent back), and the
    rows straight from the cursor (`seamline.rawrows`): a week is a hundred thousand visits.
    Primary keys are read by queries compiled once (a single check asks for one visit).

    `parity` (0 or 1, with a queryset): only the visits with an assigned worker whose primary
    key has that parity (one half of a rota, `rota.parallel`), each with all its workers; the
    visits and their workers are then read in one statement (`_half_rows`)."""
    ids: list[int] = []
    workers: dict[int, list[int]] = defaultdict(list)
    rows: list[tuple[Any, ...]] = []
    task_rows: Iterable[tuple[Any, ...]] = ()
    worker_rows: Iterable[tuple[Any, ...]] = ()
    # A few visits: the codes joined in; many: looked up by id (three small queries).
    joined = False
    if isinstance(visits, QuerySet) and parity is not None:
        # One half of a rota: its visits with every worker on them, a row per assignment, in
        # one statement (in order of the visits, then of the workers on each); then their task
        # types by primary key.
        alias = visits.db
        last = None
        for pk, code, org, participant, pathway, lone, paired, worker_id, start, end in fetch(
            _half_rows(visits, parity)
        ):
            if pk != last:
                rows.append((pk, code, org, participant, pathway, lone, paired, start, end))
                last = pk
            workers[pk].append(worker_id)
        task_rows = _TASKS_BY_ID.fetch(joined, ids=[row[0] for row in rows])
    elif isinstance(visits, QuerySet):
        chosen = Q(visit_id__in=visits.order_by().values("id"))
        alias = visits.db
        rows = list(fetch(_visit_rows(visits, joined)))
        task_rows = fetch(_visit_tasks(chosen, joined))
        worker_rows = fetch(_visit_workers(chosen))
    else:
        ids = list(visits)
        alias = Visit.objects.db
        joined = len(ids) <= MANY_WORKERS
        rows = list(_VISITS_BY_ID.fetch(joined, ids=ids))
        task_rows = _TASKS_BY_ID.fetch(joined, ids=ids)
        worker_rows = _WORKERS_BY_ID.fetch(ids=ids)
    instant = instant_parser(alias)
    tasks: dict[int, list[str]] = defaultdict(list)
    task_code: dict[Any, str] = Joined()
    org_code: dict[Any, str] = Joined()
    pathway_code: dict[Any, str] = Joined()
    if not joined:
        task_code = dict(TaskType.objects.order_by().values_list("id", "code"))
        org_code = dict(Organisation.objects.order_by().values_list("id", "code"))
        pathway_code = dict(Pathway.objects.order_by().values_list("id", "code"))
    for visit_id, task in task_rows:
        tasks[visit_id].append(task_code[task])
    for visit_id, worker_id in worker_rows:
        workers[visit_id].append(worker_id)
    # A week's visits start and end at a few hundred distinct instants: each parsed once.
    parsed: dict[str, datetime] = {}

    def at(text: str) -> datetime:
        found = parsed.get(text)
        if found is None:
            found = parsed[text] = instant(text)
        return found

    nothing = ()
    return [
        VisitFacts(
            code,
            org_code[org],
            participant,
            pathway_code[pathway],
            tuple(sorted(tasks.get(pk, nothing))),
            at(start),
            at(end),
            bool(lone),
            tuple(workers.get(pk, nothing)),
            paired,
        )
        for pk, code, org, participant, pathway, lone, paired, start, end in rows
    ]


# --- loading -----------------------------------------------------------------------------------


@dataclass
class Window:
    """The rota weeks the visits fall in: from the Monday of the first, local midnight, to the
    Monday after the last."""

    start: datetime
    end: datetime
    weeks: frozenset[str]

    @classmethod
    def around(cls, visits: Sequence[VisitFacts], extra_weeks: Iterable[str] = ()) -> Window:
        weeks = {v.week for v in visits} | set(extra_weeks)
        if not weeks:
            today = timezone.localdate()
            weeks = {rules.week_of(today)}
        first = min(rules.week_monday(w) for w in weeks)
        last = max(rules.week_monday(w) for w in weeks) + timedelta(days=7)
        tz = timezone.get_current_timezone()
        return cls(
            start=datetime.combine(first, time(), tzinfo=tz),
            end=datetime.combine(last, time(), tzinfo=tz),
            weeks=frozenset(weeks),
        )


# What `_prepare` derives from a visit's start and end: the same for every visit of a week
# that starts and ends at the same instants (a week's hundred thousand visits share a few
# hundred), so worked out once for each pair.
_Timing = tuple[datetime, datetime, datetime, datetime, date, date, bool, str]


def _prepare(
    visit: VisitFacts,
    settings: Settings,
    zone: tzinfo | None = None,
    timings: dict[tuple[datetime, datetime], _Timing] | None = None,
) -> None:
    """Fill in the visit's derived fields (`timings`: those already worked out, to reuse)."""
    pair = (visit.start, visit.end)
    found = timings.get(pair) if timings is not None else None
    if found is None:
        found = _timing(visit.start, visit.end, settings, zone or timezone.get_current_timezone())
        if timings is not None:
            timings[pair] = found
    (
        visit.start,
        visit.end,
        visit.local_start,
        visit.local_end,
        visit.day,
        visit.utc_day,
        visit.late,
        visit.week,
    ) = found


def _timing(start: datetime, end: datetime, settings: Settings, zone: tzinfo) -> _Timing:
    # Every instant the gate compares is in UTC: comparing datetimes of one zone is many
    # times faster than of two, and a week is hundreds of thousands of comparisons.
    start = start.astimezone(UTC)
    end = end.astimezone(UTC)
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone)
    day = local_start.date()
    late = rules.is_late(local_start, local_end, settings.late_threshold)
    return start, end, local_start, local_end, day, start.date(), late, rules.week_of(day)


@dataclass
class ShiftFacts:
    worker: int
    start: datetime
    end: datetime


def load(
    visits: list[VisitFacts],
    candidates: Iterable[int] = (),
    *,
    replaced: frozenset[tuple[str, str]] = frozenset(),
    extra_shifts: Sequence[ShiftFacts] = (),
    settings: Settings | None = None,
    rota: frozenset[str] | None = None,
    rota_span: tuple[datetime, datetime] | None = None,
) -> Gate:
    """Load everything the gate needs to judge the assignments of `visits` and of each of
    `candidates` (worker primary keys) to any of them.

    `replaced`: (organisation code, rota week) pairs a rota file replaces: the stored visits
    and shifts of those organisations in those weeks are left out of the rota the gate reasons
    about (the file's own stand instead, with `extra_shifts`).

    `rota`: the codes of every visit of the rota `visits` are part of, when `visits` is only
    part of it (`rota.parallel`): a stored visit among them is not read as a worker's other
    visit. `rota_span` (start, end): the rota is every planned stored visit starting in the
    span (a stored week validated whole), none of which is read as another visit.

    The number of queries does not grow with the number of visits or workers (beyond one
    query per 30,000 ids). For a large rota the cycle collector is paused meanwhile
    (`seamline.collector`)."""
    with collector.paused_for(len(visits)):
        return _load(visits, candidates, replaced, extra_shifts, settings, rota, rota_span)


def _load(
    visits: list[VisitFacts],
    candidates: Iterable[int],
    replaced: frozenset[tuple[str, str]],
    extra_shifts: Sequence[ShiftFacts],
    settings: Settings | None,
    rota: frozenset[str] | None,
    rota_span: tuple[datetime, datetime] | None,
) -> Gate:
    settings = settings or Settings.current()
    zone = timezone.get_current_timezone()
    timings: dict[tuple[datetime, datetime], _Timing] = {}
    for visit in visits:
        _prepare(visit, settings, zone, timings)
    window = Window.around(visits)
    frameworks = _frameworks(window)
    starts = [when for when, _ in frameworks]
    for visit in visits:
        visit.framework = max(bisect.bisect_right(starts, visit.start) - 1, 0)

    worker_ids = set(candidates)
    for visit in visits:
        worker_ids.update(visit.workers)
        if visit.paired is not None:
            worker_ids.add(visit.paired)
    workers = _workers(
        worker_ids, window, settings, _competencies_needed(visits, candidates, frameworks)
    )

    # The rota around the visits: the workers' other stored visits in these weeks.
    keys = {v.key for v in visits}
    skipped = keys if rota is None else rota
    state = RotaState()
    context: list[tuple[int, VisitFacts]] = []
    # For many workers (a whole week), every assignment of the window is read and the
    # workers' kept here: a list of thousands of ids makes SQLite look each one up in every
    # visit (seconds), and the week's assignments are nearly all theirs anyway.
    many = len(workers) > MANY_WORKERS
    instant = instant_parser(Assignment.objects.db)
    span: dict[str, datetime] = {}
    if rota_span is not None:
        span = {"rota_start": rota_span[0], "rota_end": rota_span[1]}
    rows = _WINDOW_ASSIGNMENTS.fetch(
        many,
        rota_span is not None,
        workers=list(workers),
        end=window.end,
        start=window.start - timedelta(days=1),
        **span,
    )
    for worker_id, code, org, participant, start, end in rows:
        if code in skipped or worker_id not in workers:
            continue
        other = VisitFacts(code, org, participant, "", (), instant(start), instant(end))
        _prepare(other, settings, zone, timings)
        if (org, other.week) in replaced:
            continue
        context.append((worker_id, other))

    participants = {v.participant for v in visits} | {v.participant for _, v in context}
    flags = _high_risk_flags(participants, window)
    for visit in (*visits, *[v for _, v in context]):
        raised = flags.get(visit.participant)  # (most participants: none)
        if raised:
            visit.high_risk = any(
                since <= visit.start and (until is None or until > visit.start)
                for since, until in raised
            )
    for worker_id, other in context:
        state.add(worker_id, slot_of(other))
    for visit in visits:
        for worker_id in visit.workers:
            state.add(worker_id, slot_of(visit))

    shifts = _shifts(workers, window, replaced, extra_shifts)
    visit_participants = {v.participant for v in visits}
    declined: dict[tuple[int, int], list[tuple[datetime, datetime | None]]] = defaultdict(list)
    preferences: dict[int, list[tuple[str, str, datetime, datetime | None]]] = defaultdict(list)
    part = list(visit_participants)
    participant_codes: dict[int, str] = {}
    for participant, p_code, worker_id, since, until in _DECLINED.fetch(
        participants=part, start=window.start, end=window.end
    ):
        if worker_id in workers:
            participant_codes[participant] = p_code
            declined[(participant, worker_id)].append(
                (instant(since), instant(until) if until is not None else None)
            )
    for participant, p_code, kind, value, since, until in _PREFERENCES.fetch(
        participants=part, start=window.start, end=window.end
    ):
        participant_codes[participant] = p_code
        preferences[participant].append(
            (kind, value, instant(since), instant(until) if until is not None else None)
        )

    overrides: dict[tuple[str, int], dict[str, tuple[str, datetime]]] = defaultdict(dict)
    for code, worker_id, rule, uid, expires in _OVERRIDES.fetch(
        len(keys) > MANY_WORKERS, codes=list(keys), start=window.start, end=window.end
    ):
        if code in keys:
            overrides[(code, worker_id)][rule] = (str(uuid.UUID(str(uid))), instant(expires))

    # How the preferences' sentences name organisations and role groups (only preferences
    # name them, so without any the query is spared: most single checks).
    names = dict(Organisation.objects.values_list("code", "name")) if preferences else {}
    names.update({value: str(label).lower() for value, label in RoleGroup.choices})
    return Gate(
        settings=settings,
        frameworks=frameworks,
        workers=workers,
        visits=visits,
        state=state,
        shifts=shifts,
        declined=dict(declined),
        preferences=dict(preferences),
        overrides=dict(overrides),
        organisation_names=names,
        participant_codes=participant_codes,
    )


def _frameworks(window: Window) -> list[tuple[datetime, Framework]]:
    """The framework versions in force during the window: the one in force at its start and
    each one made inside it, with the instant each took over."""
    found = [(datetime.min.replace(tzinfo=UTC), framework_at(window.start))]
    instant = instant_parser(FrameworkVersion.objects.db)
    for (created,) in _LATER_VERSIONS.fetch(start=window.start, end=window.end):
        at = instant(created)
        found.append((at, framework_at(at)))
    return found


def _competencies_needed(
    visits: Sequence[VisitFacts],
    candidates: Iterable[int],
    frameworks: list[tuple[datetime, Framework]],
) -> dict[int, set[str]]:
    """The competencies each worker's judgements can ask about: those the task types of the
    visits the worker is on (or paired with) require, under the framework version in force at
    each visit; for a candidate, those of every visit. No rule reads any other sign-off."""
    required: dict[tuple[int, tuple[str, ...]], frozenset[str]] = {}
    by_code = [{t.code: t for t in framework.tasks} for _, framework in frameworks]
    needed: dict[int, set[str]] = defaultdict(set)
    every: set[str] = set()
    for visit in visits:
        key = (visit.framework, visit.tasks)
        found = required.get(key)
        if found is None:
            tasks = by_code[visit.framework]
            found = required[key] = frozenset(
                req.competency
                for code in visit.tasks
                if code in tasks
                for req in tasks[code].requirements
            )
        every |= found
        for worker in visit.workers:
            needed[worker] |= found
        if visit.paired is not None:
            needed[visit.paired] |= found
    for worker in candidates:
        needed[worker] |= every
    return needed


def _workers(
    ids: set[int],
    window: Window,
    settings: Settings,
    needed: Mapping[int, set[str]],
    *,
    few_facts: bool = True,
) -> dict[int, WorkerWindow]:
    """The workers `ids` with every fact the rules read over `window`: a fixed number of
    queries (workers, organisation history, sign-offs, pauses, status changes, bundle
    evidence, supervision held before and in the window, enhanced-supervision periods), for
    a few workers two (the workers, and the rest in one statement, `_few_facts`; not with
    `few_facts=False`, for the test that holds the two ways to the same answer). Only the
    sign-offs of the competencies `needed` for each worker are kept."""
    workers: dict[int, WorkerWindow] = {}
    start, end = window.start, window.end
    first_day, last_day = start.date(), end.date()
    instant = instant_parser(Worker.objects.db)
    iso = date.fromisoformat
    for (
        pk,
        uid,
        staff,
        first,
        last,
        org,
        org_id,
        org_status,
        employment,
        group,
        status,
        began,
        left,
        placement,
    ) in _WORKERS.fetch(workers=list(ids)):
        workers[pk] = WorkerWindow(
            pk=pk,
            key=str(uuid.UUID(uid)),
            staff_id=staff,
            name=f"{first} {last}",
            organisation=org,
            organisation_id=org_id,
            employment_type=employment,
            role_group=group,
            start_date=iso(began),
            left_on=iso(left) if left is not None else None,
            placement_start=iso(placement) if placement is not None else None,
            status=status,
            org_status=org_status,
        )
    if not workers:
        return workers
    temporary = [pk for pk, w in workers.items() if w.temporary]
    # Many workers: the codes by id, two small queries; a few: the codes joined in, and every
    # fact in one statement (`_few_facts`).
    joined = len(workers) <= MANY_WORKERS
    part = list(workers)
    few = _few_facts(part, window, temporary=bool(temporary)) if joined and few_facts else None
    organisations = list({w.organisation_id for w in workers.values()})
    history: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for org_id, changed_at, to_status in (
        few["o"] if few is not None else _ORGANISATION_HISTORY.fetch(organisations=organisations)
    ):
        history[org_id].append((instant(changed_at), to_status))
    # When each change was, shared by the organisation's workers (a bisect finds the status).
    history_times = {org_id: [when for when, _ in changes] for org_id, changes in history.items()}

    competency_code: dict[Any, str] = Joined()
    pathway_code: dict[Any, str] = Joined()
    nothing: set[str] = set()
    if not joined:
        competency_code = dict(Competency.objects.order_by().values_list("id", "code"))
        pathway_code = dict(Pathway.objects.order_by().values_list("id", "code"))
    # A few workers: all their sign-offs; many: those of the competencies each one's visits
    # need (the rest, about two thirds of a week's, are not read).
    chosen: dict[str, Any] = {"workers": part}
    if not joined:
        competency_id = {code: pk for pk, code in competency_code.items()}
        base = max(competency_id.values(), default=0) + 1
        keys = pair_keys(
            (
                (pk, competency_id[code])
                for pk in part
                for code in needed.get(pk, nothing)
                if code in competency_id
            ),
            base,
        )
        chosen.update(pairs=keys, pairs_base=base)
    # (From its values as a tuple: `_make` and the class's `__new__` are Python.)
    new = tuple.__new__
    # The instants inside the window at which a sign-off starts or stops counting (see
    # `WorkerWindow.boundaries`), noted while reading: most sign-offs have none.
    moments: dict[int, set[datetime]] = defaultdict(set)
    # Sign-offs share their dates and, made in sessions, their instants: each text is parsed
    # once (a week reads a few thousand distinct among hundreds of thousands).
    parsed_at: dict[str, datetime] = {}
    parsed_day: dict[str, date] = {}
    # Hundreds of thousands of sign-offs for a whole week: read as text (`rawrows`).
    for pk, competency, stage, pathway, signed, due, superseded, revoked in (
        few["s"] if few is not None else _SIGN_OFFS.fetch(joined, start=start, end=end, **chosen)
    ):
        code = competency_code[competency]
        if code not in needed.get(pk, nothing):
            continue
        signed_at = parsed_at.get(signed)
        if signed_at is None:
            signed_at = parsed_at[signed] = instant(signed)
        review_due = parsed_day.get(due)
        if review_due is None:
            review_due = parsed_day[due] = iso(due)
        superseded_at = instant(superseded) if superseded is not None else None
        revoked_at = instant(revoked) if revoked is not None else None
        workers[pk].attainments.append(
            new(
                Attainment,
                (
                    code,
                    stage,
                    signed_at,
                    review_due,
                    pathway_code[pathway] if pathway is not None else None,
                    superseded_at,
                    revoked_at,
                ),
            )
        )
        if signed_at >= start:
            moments[pk].add(signed_at)
        for when in (superseded_at, revoked_at):
            if when is not None and start <= when < end:
                moments[pk].add(when)
    for pk, task, started, lifted in (
        few["x"] if few is not None else _PAUSES.fetch(workers=part, start=start, end=end)
    ):
        workers[pk].pauses.append(
            Pause(task, instant(started), instant(lifted) if lifted is not None else None)
        )
    for pk, changed, to_status, from_status in (
        few["w"] if few is not None else _STATUS_CHANGES.fetch(workers=part)
    ):
        workers[pk].status_changes.append((instant(changed), to_status, from_status))
    for pk, held_on in (
        few["h"]
        if few is not None
        else _SUPERVISION.fetch(workers=part, first_day=first_day, last_day=last_day)
    ):
        if held_on is not None:
            workers[pk].held.append(iso(held_on))
    for pk, starts, ends in (
        few["n"]
        if few is not None
        else _ENHANCED.fetch(workers=part, first_day=first_day, last_day=last_day)
    ):
        workers[pk].enhanced.append((iso(starts), iso(ends)))
    # Temporary workers' bundle evidence; only a local induction's detail is read (its topics).
    bundle_rows: Iterable[tuple[Any, ...]] = ()
    if few is not None:
        bundle_rows = few["e"]
    elif temporary:
        bundle_rows = _BUNDLE.fetch(joined, workers=temporary, last_day=last_day)
    for pk, kind, competency, verified, occurred, detail in bundle_rows:
        workers[pk].bundle.append(
            stored_evidence(
                kind,
                iso(occurred),
                competency_code[competency] if competency is not None else None,
                verified is not None,
                detail,
            )
        )

    days = settings.enhanced_days
    for worker in workers.values():
        org_history = history.get(worker.organisation_id)
        if org_history:
            worker.org_has_history = True
            worker.org_changes = org_history
            worker.org_times = history_times[worker.organisation_id]
        worker.held.sort()
        # SPEC section 3: the enhanced-supervision period runs from every worker's start in
        # the network, and from a temporary worker's placement start, besides any recorded.
        worker.enhanced.append((worker.start_date, worker.start_date + timedelta(days=days)))
        if worker.temporary and worker.placement_start is not None:
            placement = worker.placement_start
            worker.enhanced.append((placement, placement + timedelta(days=days)))
        instants = moments.get(worker.pk, set())
        instants.update(p.started_at for p in worker.pauses)
        instants.update(p.lifted_at for p in worker.pauses if p.lifted_at)
        instants.update(when for when, _, _ in worker.status_changes)
        instants.update(when for when, _ in worker.org_changes)
        worker.boundaries = sorted(i for i in instants if start <= i < end)
        # Only periods that reach into the window matter (most workers have none).
        worker.enhanced = [(a, b) for a, b in worker.enhanced if a < last_day and b > first_day]
        if worker.bundle:
            worker.bundle_days = sorted(
                {e.occurred_on for e in worker.bundle if e.occurred_on >= first_day}
            )
        by_competency: dict[str, list[Attainment]] = defaultdict(list)
        for attainment in worker.attainments:
            by_competency[attainment.competency].append(attainment)
        worker.by_competency = dict(by_competency)
    return workers


def _high_risk_flags(
    participants: set[int], window: Window
) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """When each participant was high-risk during the window (SPEC section 3: an active flag
    of severity high), as (raised, resolved) intervals."""
    flags: dict[int, list[tuple[datetime, datetime | None]]] = defaultdict(list)
    instant = instant_parser(RiskFlag.objects.db)
    for participant, raised, resolved in _HIGH_RISK.fetch(
        participants=list(participants), start=window.start, end=window.end
    ):
        flags[participant].append((instant(raised), instant(resolved) if resolved else None))
    return flags


def _shifts(
    workers: Mapping[int, WorkerWindow],
    window: Window,
    replaced: frozenset[tuple[str, str]],
    extra: Sequence[ShiftFacts],
) -> dict[tuple[int, str], list[tuple[datetime, datetime]]]:
    """Each worker's shifts by rota week (the week of the shift's start), in UTC."""
    found: dict[tuple[int, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    instant = instant_parser(Shift.objects.db)
    zone = timezone.get_current_timezone()
    # Shifts start and end at a few hundred distinct instants: each read once, with its week.
    starting: dict[str, tuple[datetime, str]] = {}
    ending: dict[str, datetime] = {}
    for worker_id, org, starts, ends in _SHIFTS.fetch(
        workers=list(workers), start=window.start, end=window.end
    ):
        known = starting.get(starts)
        if known is None:
            start = instant(starts)
            known = starting[starts] = (start, rules.week_of(start.astimezone(zone).date()))
        start, week = known
        end = ending.get(ends)
        if end is None:
            end = ending[ends] = instant(ends)
        if (org, week) not in replaced:
            found[(worker_id, week)].append((start, end))
    for shift in extra:
        if shift.worker in workers:
            week = rules.week_of(timezone.localdate(shift.start))
            found[(shift.worker, week)].append(
                (shift.start.astimezone(UTC), shift.end.astimezone(UTC))
            )
    return dict(found)
