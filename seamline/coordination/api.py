"""The care-coordination JSON API (mounted at /api/coordination).

Actions are seen exactly when their participant is (404 otherwise); completing one is for its
owners (403 for others who can see it). The coordinator of the day, the gaps report, cohorts,
rosters and huddle decisions go through the same access and actions as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from seamline.api_support import QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.cases.access import get_participant_for_user, get_referral_for_user
from seamline.cases.actions import record_listed
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation, User

from . import access, actions, documentation, duty, huddle, rules, sprint, today
from .models import Action, Cohort, Record, Sprint

router = Router(tags=["actions"])


class ActionOut(Schema):
    uuid: UUID
    participant: str
    description: str
    owner_organisation: str
    owner_person: UUID | None
    owner_role: str
    due_at: datetime
    overdue: bool
    source: str
    source_ref: str
    created_at: datetime
    completed_at: datetime | None
    version: int


class ActionPage(Schema):
    items: list[ActionOut]
    count: int


class Paging(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=100)


class CompleteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = ""
    version: int | None = Field(None, description="The version you read; a stale one is 409.")


def _row(action: Action, now: datetime) -> dict[str, Any]:
    return {
        "uuid": action.uuid,
        "participant": action.participant.code,
        "description": action.description,
        "owner_organisation": action.owner_organisation.code,
        "owner_person": action.owner_person.uuid if action.owner_person else None,
        "owner_role": action.owner_role,
        "due_at": action.due_at,
        "overdue": action.is_overdue(now),
        "source": action.source,
        "source_ref": action.source_ref,
        "created_at": action.created_at,
        "completed_at": action.completed_at,
        "version": action.version,
    }


@router.get(
    "/actions",
    response={200: ActionPage, **QUERY_ERRORS},
    summary="Actions you can see",
)
def list_actions(
    request: HttpRequest, paging: Query[Paging], show: str = "mine", source: str = ""
) -> dict[str, Any]:
    """`show`: `mine` (open, named to you or your role), `mine_overdue`, `organisation` (open,
    owned by your organisation), `overdue` (your organisation's, past due) or `done`.
    `source`: only actions from this source (huddle, handoff, plan, sprint, escalation)."""
    actor = actor_of(request)
    if not access.can_list_actions(actor):
        raise refuse(actor, "coordination.action_list", "actions")
    now = timezone.now()
    visible = Action.objects.visible_to(actor).select_related(
        "participant", "owner_organisation", "owner_person"
    )
    ours = visible.filter(owner_organisation=actor.organisation)
    chosen = {
        "mine": lambda: visible.owned_by(actor).open(),
        "mine_overdue": lambda: visible.owned_by(actor).overdue(now),
        "organisation": lambda: ours.open(),
        "overdue": lambda: ours.overdue(now),
        "done": lambda: ours.filter(completed_at__isnull=False).order_by("-completed_at"),
    }.get(show)
    if chosen is None:
        raise RuleViolation.one(
            "invalid_value", "show is mine, mine_overdue, organisation, overdue or done.", "show"
        )
    rows = chosen()
    if source:
        rows = rows.filter(source=source)
    start = (paging.page - 1) * paging.page_size
    return {
        "items": [_row(a, now) for a in rows[start : start + paging.page_size]],
        "count": rows.count(),
    }


@router.post(
    "/actions/{uuid}/complete",
    response={200: ActionOut, **WRITE_ERRORS},
    summary="Mark an action done",
)
def complete(request: HttpRequest, uuid: str, payload: CompleteIn) -> dict[str, Any]:
    actor = require_writer(request)
    action = access.get_action_for_user(actor, uuid, write=True)
    actions.complete_action(actor, action, note=payload.note, version=payload.version)
    return _row(action, timezone.now())


# --- the coordinator of the day ----------------------------------------------------------------


class DutyOut(Schema):
    participant: str
    day: date
    coordinator: UUID | None
    coordinator_name: str | None
    covering_for: UUID | None
    reason: str
    message: str


class GapOut(Schema):
    partner: str
    partner_name: str
    participant: str
    reason: str


class PartnerCount(Schema):
    partner: str
    partner_name: str
    count: int


class GapsOut(Schema):
    day: date
    by_partner: list[PartnerCount]
    items: list[GapOut]


@router.get(
    "/coordinator/{code}",
    response={200: DutyOut, **QUERY_ERRORS},
    summary="The named coordinator of a participant on a day",
)
def coordinator(request: HttpRequest, code: str, day: date | None = None) -> dict[str, Any]:
    actor = actor_of(request)
    participant = get_participant_for_user(actor, code)
    answer = duty.coordinator_of(participant, day or timezone.localdate())
    return duty_json(answer)


def duty_json(answer: duty.Answer) -> dict[str, Any]:
    return {
        "participant": answer.participant.code,
        "day": answer.day,
        "coordinator": answer.coordinator.uuid if answer.coordinator else None,
        "coordinator_name": answer.coordinator.display_name if answer.coordinator else None,
        "covering_for": answer.covering_for.uuid if answer.covering_for else None,
        "reason": answer.duty.code,
        "message": answer.duty.message,
    }


def gaps_json(rows: list[duty.Gap], day: date) -> dict[str, Any]:
    return {
        "day": day,
        "by_partner": [
            {"partner": c, "partner_name": n, "count": k} for c, n, k in duty.gaps_by_partner(rows)
        ],
        "items": [
            {
                "partner": g.partner_code,
                "partner_name": g.partner_name,
                "participant": g.participant_code,
                "reason": g.reason,
            }
            for g in rows
        ],
    }


@router.get(
    "/gaps",
    response={200: GapsOut, **QUERY_ERRORS},
    summary="Open participants with no coordinator on a day, by partner",
)
def gaps(request: HttpRequest, day: date | None = None) -> dict[str, Any]:
    actor = actor_of(request)
    if not access.can_see_duty(actor):
        raise refuse(actor, "coordination.gaps", "gaps")
    when = day or timezone.localdate()
    return gaps_json(duty.gaps(actor, when), when)


# --- huddles -------------------------------------------------------------------------------------


class CohortOut(Schema):
    code: str
    name: str
    acuity: str
    cadence: str
    organisation: str
    participants: int
    actions_closed_on_time: int
    actions_counted: int


class NextActionOut(Schema):
    uuid: UUID
    description: str
    owner: str
    due_at: datetime
    overdue: bool


class RosterRowOut(Schema):
    participant: str
    risk_score: int
    score_parts: dict[str, int]
    flags: list[str]
    next_action: NextActionOut | None


class RosterOut(Schema):
    cohort: str
    participants: list[RosterRowOut]


class HuddleOut(Schema):
    uuid: UUID
    cohort: str
    held_on: date


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    participant: str
    decision: str
    owner_organisation: str
    owner_person: UUID | None = None
    owner_role: str = ""
    due_at: datetime


def cohort_json(actor: Any, cohort: Cohort) -> dict[str, Any]:
    share = huddle.on_time(actor, cohort)
    return {
        "code": cohort.code,
        "name": cohort.name,
        "acuity": cohort.acuity,
        "cadence": cohort.cadence,
        "organisation": cohort.organisation.code,
        "participants": huddle.members_for(actor, cohort).count(),
        "actions_closed_on_time": share.closed_on_time,
        "actions_counted": share.counted,
    }


@router.get("/cohorts", response={200: list[CohortOut], **QUERY_ERRORS}, summary="Huddle cohorts")
def cohorts(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    if not access.can_see_huddles(actor):
        raise refuse(actor, "coordination.cohorts", "cohorts")
    return [cohort_json(actor, c) for c in Cohort.objects.select_related("organisation")]


@router.get(
    "/cohorts/{code}/roster",
    response={200: RosterOut, **QUERY_ERRORS},
    summary="A cohort's roster, highest risk score first",
)
def roster(request: HttpRequest, code: str) -> dict[str, Any]:
    actor = actor_of(request)
    cohort = access.get_cohort_for_user(actor, code)
    return {
        "cohort": cohort.code,
        "participants": [huddle.roster_json(r) for r in huddle.roster(actor, cohort)],
    }


@router.post(
    "/cohorts/{code}/huddles",
    response={201: HuddleOut, **WRITE_ERRORS},
    summary="Open today's huddle of a cohort",
)
def start(request: HttpRequest, code: str) -> Status:
    actor = require_writer(request)
    cohort = access.get_cohort_for_user(actor, code, write=True)
    meeting = actions.start_huddle(actor, cohort)
    return Status(201, {"uuid": meeting.uuid, "cohort": cohort.code, "held_on": meeting.held_on})


@router.post(
    "/huddles/{uuid}/decisions",
    response={201: ActionOut, **WRITE_ERRORS},
    summary="Record a huddle decision (an owned action)",
)
def decide(request: HttpRequest, uuid: str, payload: DecisionIn) -> Status:
    actor = require_writer(request)
    meeting = access.get_huddle_for_user(actor, uuid, write=True)
    participant = get_participant_for_user(actor, payload.participant)
    organisation = Organisation.objects.filter(code=payload.owner_organisation).first()
    if organisation is None:
        raise RuleViolation.one(
            "invalid_value", "There is no such organisation.", "owner_organisation"
        )
    person = None
    if payload.owner_person is not None:
        person = User.objects.filter(uuid=payload.owner_person, is_active=True).first()
        if person is None:
            raise RuleViolation.one("invalid_value", "There is no such person.", "owner_person")
    made = actions.record_decision(
        actor,
        meeting,
        participant,
        decision=payload.decision,
        owner_organisation=organisation,
        owner_person=person,
        owner_role=payload.owner_role,
        due_at=payload.due_at,
    )
    return Status(201, _row(made.action, timezone.now()))


# --- the post-discharge sprint -----------------------------------------------------------------


class SprintOut(Schema):
    uuid: UUID
    participant: str
    referral: str
    organisation: str
    started_at: datetime
    ends_at: datetime
    completed_at: datetime | None
    hours_left: float
    steps: int
    resolved: int
    failed: int


class StepOut(Schema):
    code: str
    name: str
    day: int
    status: str
    failed: bool
    owner_organisation: str
    owner_person: UUID | None
    owner_role: str
    owner_basis: str
    due_at: datetime
    resolved_at: datetime | None
    refusal: str
    handling_code: str
    handling_note: str
    action: UUID


class SprintDetailOut(SprintOut):
    items: list[StepOut]


class SprintStartIn(Schema):
    model_config = ConfigDict(extra="forbid")

    referral: str = Field(description="The code of a discharge referral (from an NHS trust).")


class StepDoneIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = ""


class RefusalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    refusal: str
    handling_code: str
    handling_note: str


class FailureOut(Schema):
    partner: str
    partner_name: str
    step: str
    step_name: str
    steps: int
    failed: int
    refused: int
    failure_rate: float


def _require_sprints(actor: Any) -> None:
    if not access.can_see_sprints(actor):
        raise refuse(actor, "coordination.sprints", "sprints")


def _step_json(row: sprint.StepRow) -> dict[str, Any]:
    s = row.step
    return {
        "code": s.code,
        "name": s.name,
        "day": s.day,
        "status": s.status,
        "failed": row.failed,
        "owner_organisation": s.action.owner_organisation.code,
        "owner_person": s.action.owner_person.uuid if s.action.owner_person else None,
        "owner_role": s.action.owner_role,
        "owner_basis": s.owner_basis,
        "due_at": s.action.due_at,
        "resolved_at": s.resolved_at,
        "refusal": s.refusal,
        "handling_code": s.handling_code,
        "handling_note": s.handling_note,
        "action": s.action.uuid,
    }


def _sprint_detail(actor: Any, uuid: str) -> dict[str, Any]:
    found = access.get_sprint_for_user(actor, uuid)
    now = timezone.now()
    steps = sprint.steps_of(found, now)
    row = sprint.SprintRow(
        found,
        rules.hours_left(found.started_at, now),
        len(steps),
        sum(r.step.status != "open" for r in steps),
        sum(r.failed for r in steps),
    )
    return {**sprint.sprint_json(row), "items": [_step_json(r) for r in steps]}


@router.get("/sprints", response={200: list[SprintOut], **QUERY_ERRORS}, summary="Sprints")
def sprints(request: HttpRequest, completed: bool = False) -> list[dict[str, Any]]:
    """Post-discharge sprints in progress (or, with `completed=true`, completed ones)."""
    actor = actor_of(request)
    _require_sprints(actor)
    return [sprint.sprint_json(r) for r in sprint.in_progress(actor, timezone.now(), completed)]


@router.get(
    "/sprints/report",
    response={200: list[FailureOut], **QUERY_ERRORS},
    summary="Which sprint steps fail most, by partner",
)
def sprint_report(
    request: HttpRequest,
    partner: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    actor = actor_of(request)
    _require_sprints(actor)
    rows = sprint.failure_report(
        actor, timezone.now(), partner=partner.strip().lower(), since=since, until=until
    )
    return sprint.report_json(rows)


@router.get(
    "/sprints/{uuid}", response={200: SprintDetailOut, **QUERY_ERRORS}, summary="One sprint"
)
def sprint_detail(request: HttpRequest, uuid: str) -> dict[str, Any]:
    return _sprint_detail(actor_of(request), uuid)


@router.post(
    "/sprints",
    response={200: SprintDetailOut, 201: SprintDetailOut, **WRITE_ERRORS},
    summary="Start the sprint of a discharge referral (idempotent)",
)
def sprint_start(request: HttpRequest, payload: SprintStartIn) -> Status:
    actor = require_writer(request)
    referral = get_referral_for_user(actor, payload.referral)
    existed = Sprint.objects.filter(referral=referral).exists()
    started = actions.start_sprint(actor, referral)
    return Status(200 if existed else 201, _sprint_detail(actor, str(started.uuid)))


@router.post(
    "/sprints/{uuid}/steps/{code}/done",
    response={200: SprintDetailOut, **WRITE_ERRORS},
    summary="Mark a sprint step done",
)
def sprint_step_done(
    request: HttpRequest, uuid: str, code: str, payload: StepDoneIn
) -> dict[str, Any]:
    actor = require_writer(request)
    step = access.get_step_for_user(actor, uuid, code, write=True)
    actions.complete_step(actor, step, note=payload.note)
    return _sprint_detail(actor, uuid)


@router.post(
    "/sprints/{uuid}/steps/{code}/refuse",
    response={200: SprintDetailOut, **WRITE_ERRORS},
    summary="Record a refused sprint step and how it was handled",
)
def sprint_step_refuse(
    request: HttpRequest, uuid: str, code: str, payload: RefusalIn
) -> dict[str, Any]:
    actor = require_writer(request)
    step = access.get_step_for_user(actor, uuid, code, write=True)
    actions.refuse_step(
        actor,
        step,
        refusal=payload.refusal,
        handling_code=payload.handling_code,
        handling_note=payload.handling_note,
    )
    return _sprint_detail(actor, uuid)


# --- the 24-hour documentation standard ------------------------------------------------------


class RecordOut(Schema):
    uuid: UUID
    participant: str
    organisation: str
    author: UUID | None
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    on_time: bool
    text: str


class RecordIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        description="contact, refusal, risk_change, service_disruption or safeguarding_concern."
    )
    occurred_at: datetime = Field(description="When it happened (not later than now).")
    text: str


class FiguresOut(Schema):
    records: int
    on_time: int
    late: int
    share: float | None


class PartnerFiguresOut(FiguresOut):
    partner: str
    partner_name: str


class WorkerFiguresOut(FiguresOut):
    partner: str
    partner_name: str
    person: str | None
    name: str
    staff_id: str


class WeekFiguresOut(FiguresOut):
    week: date


class ComplianceOut(Schema):
    since: datetime | None
    until: datetime | None
    window_hours: int
    total: FiguresOut
    by_partner: list[PartnerFiguresOut]
    by_worker: list[WorkerFiguresOut]
    by_week: list[WeekFiguresOut]


class LateOut(Schema):
    kind: str
    participant: str
    partner: str
    author: str | None
    author_name: str
    occurred_at: datetime
    recorded_at: datetime
    hours_late: float


def record_json(r: Record) -> dict[str, Any]:
    return {
        "uuid": r.uuid,
        "participant": r.participant.code,
        "organisation": r.organisation.code,
        "author": r.author.uuid if r.author else None,
        "kind": r.kind,
        "occurred_at": r.occurred_at,
        "recorded_at": r.recorded_at,
        "on_time": rules.documented_on_time(r.occurred_at, r.recorded_at),
        "text": r.text,
    }


@router.get(
    "/participants/{code}/records",
    response={200: list[RecordOut], **QUERY_ERRORS},
    summary="A participant's contact and daily records, newest first",
)
def participant_records(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    actor = actor_of(request)
    participant = get_participant_for_user(actor, code)
    actions.record_records_read(actor, participant, via="api")
    rows = (
        Record.objects.filter(participant=participant)
        .select_related("participant", "organisation", "author")
        .order_by("-occurred_at", "-id")[:500]
    )
    return [record_json(r) for r in rows]


@router.post(
    "/participants/{code}/records",
    response={201: RecordOut, **WRITE_ERRORS},
    summary="Write a contact or daily record (written now, by you)",
)
def write_record(request: HttpRequest, code: str, payload: RecordIn) -> Status:
    actor = require_writer(request)
    participant = get_participant_for_user(actor, code, write=False)
    made = actions.write_record(
        actor,
        participant,
        kind=payload.kind,
        occurred_at=payload.occurred_at,
        text=payload.text,
    )
    return Status(201, record_json(made))


def _documentation_scope(actor: Any, partner: str) -> Organisation | None:
    scope = access.require_documentation_scope(actor)
    if not scope.network:
        return scope.organisation
    if not partner:
        return None
    found = Organisation.objects.filter(code=partner.strip().lower()).first()
    if found is None:
        raise RuleViolation.one("invalid_value", "There is no such partner.", "partner")
    return found


@router.get(
    "/documentation/compliance",
    response={200: ComplianceOut, **QUERY_ERRORS},
    summary="Records written within 24 hours, by partner, worker and week",
)
def documentation_compliance(
    request: HttpRequest,
    since: datetime | None = None,
    until: datetime | None = None,
    partner: str = "",
) -> dict[str, Any]:
    """Over the records of your organisation (the prime's quality leads, network admins and
    inspectors: every partner's, or one with `partner`) that happened from `since` to before
    `until`."""
    actor = actor_of(request)
    organisation = _documentation_scope(actor, partner)
    period = documentation.Period(since, until)
    return documentation.report_json(documentation.compliance(period, organisation))


@router.get(
    "/documentation/late",
    response={200: list[LateOut], **QUERY_ERRORS},
    summary="Records written more than 24 hours after what they record",
)
def documentation_late(
    request: HttpRequest,
    since: datetime | None = None,
    until: datetime | None = None,
    partner: str = "",
) -> list[dict[str, Any]]:
    actor = actor_of(request)
    organisation = _documentation_scope(actor, partner)
    rows = documentation.late_records(documentation.Period(since, until), organisation)
    actions.record_late_list_read(actor, sorted({r.participant for r in rows}), via="api")
    return [documentation.late_json(r) for r in rows]


# --- the coordinator's day ---------------------------------------------------------------------


@router.get("/today", response={200: dict[str, Any], **QUERY_ERRORS}, summary="My day")
def my_day(request: HttpRequest) -> dict[str, Any]:
    """The coordinator's "Today": `caseload` (participants you coordinate today), `huddles`
    due today, `sprints` with steps due by the end of today, open `plan_reviews` for the
    caseload, `acknowledgements` waiting for your organisation and your `actions` due today."""
    actor = actor_of(request)
    if not access.can_see_today(actor):
        raise refuse(actor, "coordination.today", "today")
    found = today.load(actor)
    record_listed(actor, "participant", [r.participant.code for r in found.caseload], via="api")
    return today.today_json(found)


__all__ = ["router"]
