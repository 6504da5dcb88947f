"""Loading what the gate needs, in a fixed number of queries (see `rota.gate`).

`stored_visits` reads stored visits as `VisitFacts`; `load` reads everything else the rules
need for a set of visits and candidate workers over the window of their rota weeks (facts as
they change through the window, not as of one instant) and answers a ready `Gate`.
"""

from __future__ import annotations

import bisect
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db.models import Case, Max, Q, QuerySet, TextField, When
from django.db.models.functions import Cast
from django.utils import timezone

from seamline.cases.choices import Severity
from seamline.cases.models import DeclinedWorker, RiskFlag
from seamline.competency.choices import EvidenceKind
from seamline.competency.framework import Framework, framework_at
from seamline.competency.models import Competency, FrameworkVersion, TaskType
from seamline.network.models import Organisation, OrganisationStatusChange, Pathway
from seamline.rawrows import Among, Joined, as_text, fetch, instant_parser
from seamline.workforce.authorization import Attainment, BundleEvidence, Pause
from seamline.workforce.choices import RoleGroup
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


def stored_visits(visits: QuerySet[Visit] | Iterable[int]) -> list[VisitFacts]:
    """The `VisitFacts` of stored visits (a queryset or primary keys): three queries (the
    visits, their task types, their live assignments), and for many visits one more (the task
    types' codes). A
    queryset is read through a subquery (no list of ids sent back), and the rows straight from
    the cursor (`seamline.rawrows`): a week is a hundred thousand visits."""
    if isinstance(visits, QuerySet):
        qs = visits
        chosen: Q | Among = Q(visit_id__in=qs.order_by().values("id"))
    else:
        ids = list(visits)
        qs = Visit.objects.filter(Among("id", ids))
        chosen = Among("visit_id", ids)
    instant = instant_parser(qs.db)
    rows = list(
        fetch(
            qs.order_by("starts_at", "code")
            .annotate(s=as_text("starts_at"), e=as_text("ends_at"))
            .values_list(
                "id",
                "code",
                "organisation__code",
                "participant_id",
                "participant__code",
                "pathway__code",
                "lone",
                "paired_with_id",
                "s",
                "e",
            )
        )
    )
    tasks: dict[int, list[str]] = defaultdict(list)
    workers: dict[int, list[int]] = defaultdict(list)
    # Many visits: the task types' codes by id, one small query; a few: the codes joined in.
    joined = len(rows) <= MANY_WORKERS
    task_code: dict[Any, str] = (
        Joined() if joined else dict(TaskType.objects.order_by().values_list("id", "code"))
    )
    task_column = "tasktype__code" if joined else "tasktype_id"
    through = Visit.task_types.through.objects.filter(chosen).order_by()
    for visit_id, task in fetch(through.values_list("visit_id", task_column)):
        tasks[visit_id].append(task_code[task])
    assigned = Assignment.objects.filter(chosen, status=AssignmentStatus.ASSIGNED)
    for visit_id, worker_id in fetch(
        assigned.order_by("assigned_at", "id").values_list("visit_id", "worker_id")
    ):
        workers[visit_id].append(worker_id)
    return [
        VisitFacts(
            key=code,
            organisation=org,
            participant=participant,
            participant_code=p_code,
            pathway=pathway,
            tasks=tuple(sorted(tasks.get(pk, ()))),
            start=instant(start),
            end=instant(end),
            lone=bool(lone),
            workers=tuple(workers.get(pk, ())),
            paired=paired,
        )
        for pk, code, org, participant, p_code, pathway, lone, paired, start, end in rows
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


def _prepare(visit: VisitFacts, settings: Settings, zone: tzinfo | None = None) -> None:
    # Every instant the gate compares is in UTC: comparing datetimes of one zone is many
    # times faster than of two, and a week is hundreds of thousands of comparisons.
    zone = zone or timezone.get_current_timezone()
    start = visit.start = visit.start.astimezone(UTC)
    visit.end = visit.end.astimezone(UTC)
    local_start = visit.local_start = start.astimezone(zone)
    local_end = visit.local_end = visit.end.astimezone(zone)
    day = visit.day = local_start.date()
    visit.utc_day = start.date()
    visit.late = rules.is_late(local_start, local_end, settings.late_threshold)
    visit.week, visit.near_days = _days_around(day, local_end.date())


@functools.lru_cache(maxsize=4096)
def _days_around(day: date, last: date) -> tuple[str, tuple[date, ...]]:
    """The rota week of a visit on local `day` ending on local `last`, and the local days on
    which another visit could start and still overlap it (a week's visits share a few
    dozen of these, so they are worked out once)."""
    first = day - timedelta(days=1)
    return rules.week_of(day), tuple(
        first + timedelta(days=n) for n in range((last - first).days + 1)
    )


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
) -> Gate:
    """Load everything the gate needs to judge the assignments of `visits` and of each of
    `candidates` (worker primary keys) to any of them.

    `replaced`: (organisation code, rota week) pairs a rota file replaces: the stored visits
    and shifts of those organisations in those weeks are left out of the rota the gate reasons
    about (the file's own stand instead, with `extra_shifts`).

    `rota`: the codes of every visit of the rota `visits` are part of, when `visits` is only
    part of it (`rota.parallel`): a stored visit among them is not read as a worker's other
    visit.

    The number of queries does not grow with the number of visits or workers (beyond one
    query per 30,000 ids)."""
    settings = settings or Settings.current()
    zone = timezone.get_current_timezone()
    for visit in visits:
        _prepare(visit, settings, zone)
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
    window_rows = Assignment.objects.filter(
        status=AssignmentStatus.ASSIGNED,
        visit__status=VisitStatus.PLANNED,
        visit__starts_at__lt=window.end,
        visit__ends_at__gt=window.start - timedelta(days=1),
    )
    if not many:
        window_rows = window_rows.filter(Among("worker_id", list(workers)))
    rows = fetch(
        window_rows.order_by()
        .annotate(s=as_text("visit__starts_at"), e=as_text("visit__ends_at"))
        .values_list(
            "worker_id",
            "visit__code",
            "visit__organisation__code",
            "visit__participant_id",
            "visit__participant__code",
            "s",
            "e",
        )
    )
    for worker_id, code, org, participant, p_code, start, end in rows:
        if code in skipped or worker_id not in workers:
            continue
        other = VisitFacts(code, org, participant, p_code, "", (), instant(start), instant(end))
        _prepare(other, settings, zone)
        if (org, other.week) in replaced:
            continue
        context.append((worker_id, other))

    participants = {v.participant for v in visits} | {v.participant for _, v in context}
    flags = _high_risk_flags(participants, window)
    for visit in (*visits, *(v for _, v in context)):
        visit.high_risk = any(
            since <= visit.start and (until is None or until > visit.start)
            for since, until in flags.get(visit.participant, ())
        )
    for worker_id, other in context:
        state.add(worker_id, slot_of(other), other.day)
    for visit in visits:
        for worker_id in visit.workers:
            state.add(worker_id, slot_of(visit), visit.day)

    shifts = _shifts(workers, window, replaced, extra_shifts)
    visit_participants = {v.participant for v in visits}
    declined: dict[tuple[int, int], list[tuple[datetime, datetime | None]]] = defaultdict(list)
    preferences: dict[int, list[tuple[str, str, datetime, datetime | None]]] = defaultdict(list)
    part = visit_participants
    for participant, worker_id, since, until in (
        DeclinedWorker.objects.filter(Among("participant_id", part), recorded_at__lt=window.end)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=window.start))
        .order_by()
        .values_list("participant_id", "worker_id", "recorded_at", "withdrawn_at")
    ):
        if worker_id in workers:
            declined[(participant, worker_id)].append((since, until))
    for participant, kind, value, since, until in (
        Preference.objects.filter(Among("participant_id", part), recorded_at__lt=window.end)
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=window.start))
        .order_by()
        .values_list("participant_id", "kind", "value", "recorded_at", "withdrawn_at")
    ):
        preferences[participant].append((kind, value, since, until))

    overrides: dict[tuple[str, int], dict[str, tuple[str, datetime]]] = defaultdict(dict)
    # Overrides are few: for many visits, the live ones on any visit of the window are read and
    # those of these visits kept (rather than sending a hundred thousand codes).
    live = Override.objects.live()
    if len(keys) > MANY_WORKERS:
        live = live.filter(visit__starts_at__lt=window.end, visit__ends_at__gt=window.start)
    else:
        live = live.filter(visit__code__in=keys)
    for code, worker_id, rule, uid, expires in live.order_by("granted_at").values_list(
        "visit__code", "worker_id", "rule", "uuid", "expires_at"
    ):
        if code in keys:
            overrides[(code, worker_id)][rule] = (str(uid), expires)

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
    )


def _frameworks(window: Window) -> list[tuple[datetime, Framework]]:
    """The framework versions in force during the window: the one in force at its start and
    each one made inside it, with the instant each took over."""
    found = [(datetime.min.replace(tzinfo=UTC), framework_at(window.start))]
    later = FrameworkVersion.objects.filter(
        created_at__gt=window.start, created_at__lt=window.end
    ).order_by("number")
    for created in later.values_list("created_at", flat=True):
        found.append((created, framework_at(created)))
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
    ids: set[int], window: Window, settings: Settings, needed: Mapping[int, set[str]]
) -> dict[int, WorkerWindow]:
    """The workers `ids` with every fact the rules read over `window`: a fixed number of
    queries (workers, organisation history, sign-offs, pauses, status changes, bundle
    evidence, supervision held before and in the window, enhanced-supervision periods).
    Only the sign-offs of the competencies `needed` for each worker are kept."""
    workers: dict[int, WorkerWindow] = {}
    start, end = window.start, window.end
    first_day, last_day = start.date(), end.date()
    part = list(ids)
    for row in Worker.objects.filter(Among("id", part)).values_list(
        "id",
        "uuid",
        "staff_id",
        "first_name",
        "last_name",
        "organisation__code",
        "organisation_id",
        "organisation__status",
        "employment_type",
        "role_group",
        "start_date",
        "left_on",
        "placement_start",
        "status",
    ):
        (
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
            began,
            left,
            placement,
            status,
        ) = row
        workers[pk] = WorkerWindow(
            pk=pk,
            key=str(uid),
            staff_id=staff,
            name=f"{first} {last}",
            organisation=org,
            organisation_id=org_id,
            employment_type=employment,
            role_group=group,
            start_date=began,
            left_on=left,
            placement_start=placement,
            status=status,
            org_status=org_status,
        )
    if not workers:
        return workers
    organisations = {w.organisation_id for w in workers.values()}
    history: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for org_id, changed_at, to_status in (
        OrganisationStatusChange.objects.filter(organisation_id__in=organisations)
        .order_by("changed_at", "id")
        .values_list("organisation_id", "changed_at", "to_status")
    ):
        history[org_id].append((changed_at, to_status))

    temporary = [pk for pk, w in workers.items() if w.temporary]
    instant = instant_parser(SignOff.objects.db)
    # Many workers: the codes by id, two small queries; a few: the codes joined in.
    joined = len(workers) <= MANY_WORKERS
    competency_code: dict[Any, str] = Joined()
    pathway_code: dict[Any, str] = Joined()
    if not joined:
        competency_code = dict(Competency.objects.order_by().values_list("id", "code"))
        pathway_code = dict(Pathway.objects.order_by().values_list("id", "code"))
    competency_column = "competency__code" if joined else "competency_id"
    pathway_column = "pathway__code" if joined else "pathway_id"
    new_attainment = Attainment._make
    part = list(workers)
    # Hundreds of thousands of sign-offs for a whole week: read as text (`rawrows`).
    sign_offs = (
        SignOff.objects.filter(Among("worker_id", part), signed_at__lt=end)
        .filter(
            Q(superseded_at__isnull=True) | Q(superseded_at__gt=start) | Q(revoked_at__isnull=False)
        )
        .order_by()
        .annotate(
            s=as_text("signed_at"),
            d=as_text("review_due"),
            x=as_text("superseded_at"),
            r=as_text("revoked_at"),
        )
        .values_list("worker_id", competency_column, "stage", pathway_column, "s", "d", "x", "r")
    )
    # The instants inside the window at which a sign-off starts or stops counting (see
    # `WorkerWindow.boundaries`), noted while reading: most sign-offs have none.
    moments: dict[int, set[datetime]] = defaultdict(set)
    nothing: set[str] = set()
    for pk, competency, stage, pathway, signed, due, superseded, revoked in fetch(sign_offs):
        code = competency_code[competency]
        if code not in needed.get(pk, nothing):
            continue
        signed_at = instant(signed)
        superseded_at = instant(superseded) if superseded is not None else None
        revoked_at = instant(revoked) if revoked is not None else None
        workers[pk].attainments.append(
            new_attainment(
                (
                    code,
                    stage,
                    signed_at,
                    date.fromisoformat(due),
                    pathway_code[pathway] if pathway is not None else None,
                    superseded_at,
                    revoked_at,
                )
            )
        )
        if signed_at >= start:
            moments[pk].add(signed_at)
        for when in (superseded_at, revoked_at):
            if when is not None and start <= when < end:
                moments[pk].add(when)
    for pk, task, started, lifted in (
        DelegationPause.objects.filter(Among("worker_id", part), started_at__lt=end)
        .filter(Q(lifted_at__isnull=True) | Q(lifted_at__gt=start))
        .order_by("started_at")
        .values_list("worker_id", "task_type__code", "started_at", "lifted_at")
    ):
        workers[pk].pauses.append(Pause(task, started, lifted))
    for pk, changed, to_status, from_status in (
        WorkerStatusChange.objects.filter(Among("worker_id", part))
        .order_by("changed_at", "id")
        .values_list("worker_id", "changed_at", "to_status", "from_status")
    ):
        workers[pk].status_changes.append((changed, to_status, from_status))
    for pk, last in (
        SupervisionSession.objects.filter(Among("worker_id", part), held_on__lt=first_day)
        .order_by()
        .values("worker_id")
        .annotate(last=Max("held_on"))
        .values_list("worker_id", "last")
    ):
        if last is not None:
            workers[pk].held.append(last)
    for pk, held_on in SupervisionSession.objects.filter(
        Among("worker_id", part), held_on__gte=first_day, held_on__lte=last_day
    ).values_list("worker_id", "held_on"):
        if held_on is not None:
            workers[pk].held.append(held_on)
    for pk, starts, ends in EnhancedSupervisionPeriod.objects.filter(
        Among("worker_id", part), starts_on__lte=last_day, ends_on__gt=first_day
    ).values_list("worker_id", "starts_on", "ends_on"):
        workers[pk].enhanced.append((starts, ends))
    # Temporary workers' bundle evidence; only a local induction's detail is read (its topics).
    evidence = (
        Evidence.objects.filter(
            Among("worker_id", temporary), kind__in=BUNDLE_KINDS, occurred_on__lte=last_day
        )
        .order_by()
        .annotate(
            on=as_text("occurred_on"),
            topics=Case(
                When(kind=EvidenceKind.LOCAL_INDUCTION, then=Cast("detail", TextField())),
                default=None,
            ),
        )
        .values_list("worker_id", "kind", competency_column, "verified_by_id", "on", "topics")
    )
    for pk, kind, competency, verified, occurred, detail in fetch(evidence):
        workers[pk].bundle.append(
            BundleEvidence.stored(
                kind,
                date.fromisoformat(occurred),
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
    part = participants
    for participant, raised, resolved in (
        RiskFlag.objects.filter(
            Among("participant_id", part), severity=Severity.HIGH, raised_at__lt=window.end
        )
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=window.start))
        .order_by()
        .values_list("participant_id", "raised_at", "resolved_at")
    ):
        flags[participant].append((raised, resolved))
    return flags


def _shifts(
    workers: Mapping[int, WorkerWindow],
    window: Window,
    replaced: frozenset[tuple[str, str]],
    extra: Sequence[ShiftFacts],
) -> dict[tuple[int, str], list[tuple[datetime, datetime]]]:
    """Each worker's shifts by rota week (the week of the shift's start), in UTC."""
    found: dict[tuple[int, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    part = list(workers)
    for worker_id, org, start, end in (
        Shift.objects.planned()
        .filter(Among("worker_id", part), starts_at__lt=window.end, ends_at__gt=window.start)
        .order_by()
        .values_list("worker_id", "organisation__code", "starts_at", "ends_at")
    ):
        week = rules.week_of(timezone.localdate(start))
        if (org, week) not in replaced:
            found[(worker_id, week)].append((start.astimezone(UTC), end.astimezone(UTC)))
    for shift in extra:
        if shift.worker in workers:
            week = rules.week_of(timezone.localdate(shift.start))
            found[(shift.worker, week)].append(
                (shift.start.astimezone(UTC), shift.end.astimezone(UTC))
            )
    return dict(found)
