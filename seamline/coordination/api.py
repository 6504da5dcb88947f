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
from seamline.cases.access import get_participant_for_user
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation, User

from . import access, actions, duty, huddle
from .models import Action, Cohort

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


__all__ = ["router"]
