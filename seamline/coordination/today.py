"""A coordinator's day on one page (SPEC C7): the participants they coordinate today, the
huddles due today, the post-discharge sprints with steps due, the plan reviews open for their
caseload, the plan acknowledgements waiting for their organisation and their own actions due.

Everything is loaded in a fixed number of queries whatever the size of the caseload, reusing
the coordinator of the day (`duty.duties`), the huddle cadence (`rules.meets_on`), the sprint
lists (`sprint.in_progress`) and the acknowledgement list (`plans.lists`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.models import Participant

from . import duty, rules, sprint
from .models import Absence, Action, Cohort, CohortMember, Huddle, RotaEntry, SprintStep


@dataclass
class CaseloadRow:
    participant: Participant
    covering: bool
    open_actions: int = 0
    overdue_actions: int = 0
    next_due: datetime | None = None


@dataclass
class HuddleDue:
    cohort: Cohort
    held: str | None  # the uuid of today's huddle once started
    from_caseload: int


@dataclass
class SprintDue:
    row: sprint.SprintRow
    steps_due: list[tuple[str, datetime, bool]]  # name, due time, overdue


@dataclass
class Today:
    day: date
    now: datetime
    caseload: list[CaseloadRow] = field(default_factory=list)
    huddles: list[HuddleDue] = field(default_factory=list)
    sprints: list[SprintDue] = field(default_factory=list)
    reviews: list[Any] = field(default_factory=list)
    acknowledgements: list[Any] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


def end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def caseload_ids(actor: Actor, day: date) -> dict[int, bool]:
    """The participants `actor` coordinates on `day` (id -> covering for someone away): those
    whose rota names them or someone they cover for, kept when `rules.coordinator_on` answers
    them (three queries)."""
    if actor.user is None:
        return {}
    covered = Absence.objects.filter(cover=actor.user, starts_on__lte=day, ends_on__gte=day)
    candidates = set(
        RotaEntry.objects.in_force(day)
        .filter(Q(coordinator=actor.user) | Q(coordinator__in=covered.values("person")))
        .values_list("participant_id", flat=True)
    )
    answers = duty.duties(candidates, day)
    return {
        pk: d.covering_for is not None
        for pk, d in answers.items()
        if d.coordinator == actor.user.pk
    }


def load(actor: Actor, now: datetime | None = None) -> Today:
    now = now or timezone.now()
    day = timezone.localdate(now)
    until = end_of_day(day)
    today = Today(day, now)
    mine = caseload_ids(actor, day)
    people = list(
        duty.participants_for(actor)
        .filter(pk__in=list(mine))
        .only("pk", "code", "given_name", "family_name")
        .order_by("family_name", "given_name", "code")
    )
    ids = [p.pk for p in people]
    rows = {p.pk: CaseloadRow(p, mine[p.pk]) for p in people}
    for pk, due_at in (
        Action.objects.open().filter(participant_id__in=ids).values_list("participant_id", "due_at")
    ):
        row = rows[pk]
        row.open_actions += 1
        row.overdue_actions += due_at < now
        row.next_due = due_at if row.next_due is None else min(row.next_due, due_at)
    today.caseload = list(rows.values())
    today.huddles = _huddles(actor, ids, day)
    today.sprints = _sprints(actor, set(ids), now, until)
    today.reviews = _reviews(ids)
    today.acknowledgements = _acknowledgements(actor, now)
    today.actions = list(
        Action.objects.visible_to(actor)
        .owned_by(actor)
        .open()
        .filter(due_at__lt=until)
        .select_related("participant", "owner_organisation", "owner_person")
        .order_by("due_at", "id")
    )
    return today


def _huddles(actor: Actor, ids: list[int], day: date) -> list[HuddleDue]:
    """Cohorts meeting today that hold someone of the caseload or that the actor's organisation
    convenes, with whether today's huddle has started (three queries)."""
    counts: dict[int, int] = defaultdict(int)
    for cohort_id in (
        CohortMember.objects.current()
        .filter(participant_id__in=ids)
        .values_list("cohort_id", flat=True)
    ):
        counts[cohort_id] += 1
    wanted = Q(pk__in=list(counts))
    if actor.organisation is not None:
        wanted |= Q(organisation=actor.organisation)
    cohorts = [c for c in Cohort.objects.filter(wanted) if rules.meets_on(c.cadence, day)]
    held = dict(
        Huddle.objects.filter(cohort__in=[c.pk for c in cohorts], held_on=day).values_list(
            "cohort_id", "uuid"
        )
    )
    return [
        HuddleDue(c, str(held[c.pk]) if c.pk in held else None, counts.get(c.pk, 0))
        for c in sorted(cohorts, key=lambda c: (c.pk in held, c.name))
    ]


def _sprints(actor: Actor, ids: set[int], now: datetime, until: datetime) -> list[SprintDue]:
    """Sprints in progress for the caseload, or with a step due today that the actor's
    organisation owns, each with its open steps due by the end of today (three queries)."""
    running = sprint.in_progress(actor, now)
    steps: dict[int, list[tuple[str, datetime, bool]]] = defaultdict(list)
    ours: set[int] = set()
    for sprint_id, name, due_at, owner_id in (
        SprintStep.objects.filter(
            sprint__in=[r.sprint.pk for r in running], status="open", action__due_at__lt=until
        )
        .order_by("action__due_at", "position")
        .values_list("sprint_id", "name", "action__due_at", "action__owner_organisation_id")
    ):
        steps[sprint_id].append((name, due_at, due_at < now))
        if actor.organisation is not None and owner_id == actor.organisation.pk:
            ours.add(sprint_id)
    return [
        SprintDue(r, steps[r.sprint.pk])
        for r in running
        if steps.get(r.sprint.pk) and (r.sprint.participant_id in ids or r.sprint.pk in ours)
    ]


def _reviews(ids: list[int]) -> list[Any]:
    from seamline.plans.models import PlanReview

    return list(
        PlanReview.objects.filter(completed_at__isnull=True, plan__participant_id__in=ids)
        .select_related("plan__participant", "opened_by")
        .order_by("due_at", "id")
    )


def _acknowledgements(actor: Actor, now: datetime) -> list[Any]:
    from seamline.plans.lists import acknowledgements

    if actor.organisation is None:
        return []
    return list(acknowledgements(actor, "waiting", now)[:50])


def today_json(t: Today) -> dict[str, Any]:
    return {
        "day": t.day,
        "caseload": [
            {
                "participant": r.participant.code,
                "covering": r.covering,
                "open_actions": r.open_actions,
                "overdue_actions": r.overdue_actions,
                "next_due": r.next_due,
            }
            for r in t.caseload
        ],
        "huddles": [
            {
                "cohort": h.cohort.code,
                "name": h.cohort.name,
                "cadence": h.cohort.cadence,
                "held": h.held is not None,
                "huddle": h.held,
                "from_caseload": h.from_caseload,
            }
            for h in t.huddles
        ],
        "sprints": [
            {
                "uuid": str(s.row.sprint.uuid),
                "participant": s.row.sprint.participant.code,
                "hours_left": s.row.hours_left,
                "steps_due": [
                    {"name": name, "due_at": due, "overdue": late}
                    for name, due, late in s.steps_due
                ],
            }
            for s in t.sprints
        ],
        "plan_reviews": [
            {
                "participant": r.plan.participant.code,
                "opened_by_version": r.opened_by.number,
                "due_at": r.due_at,
                "overdue": r.is_overdue(t.now),
            }
            for r in t.reviews
        ],
        "acknowledgements": [
            {
                "participant": a.version.plan.participant.code,
                "version": a.version.number,
                "due_at": a.due_at,
                "overdue": a.is_overdue(t.now),
            }
            for a in t.acknowledgements
        ],
        "actions": [
            {
                "uuid": str(a.uuid),
                "participant": a.participant.code,
                "description": a.description,
                "due_at": a.due_at,
                "overdue": a.is_overdue(t.now),
                "source": a.source,
            }
            for a in t.actions
        ],
    }
