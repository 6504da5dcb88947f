"""The plans JSON API (mounted at /api/plans).

A plan is seen exactly when its participant is (404 otherwise); every read is audited. A new
version names the version it was based on: a stale one is a 409 and nothing is written. The
same access and actions as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from seamline.api_support import ERRORS, QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation, User

from . import access, actions, lists, rules
from .models import Acknowledgement, Plan, PlanReview, PlanVersion

router = Router(tags=["plans"])


class RiskIO(Schema):
    title: str
    level: str


class ControlIO(Schema):
    description: str
    organisation: str


class AcknowledgementOut(Schema):
    organisation: str
    because: list[str]
    due_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    overdue: bool


class ChangeOut(Schema):
    field: str
    kind: str
    item: str
    before: str
    after: str
    sentence: str


class VersionOut(Schema):
    participant: str
    number: int
    ref: str
    author: str
    author_organisation: str | None
    created_at: datetime
    reason: str
    risks: list[RiskIO]
    controls: list[ControlIO]
    preferences: list[str]
    consent_summary: str
    changes: list[ChangeOut]
    acknowledgements: list[AcknowledgementOut]


class ReviewOut(Schema):
    uuid: UUID
    opened_by: int
    opened_at: datetime
    due_at: datetime
    overdue: bool
    completed_at: datetime | None
    outcome: str


class PlanOut(Schema):
    participant: str
    version: int = Field(description="The current version number: send it back when revising.")
    current: VersionOut | None
    open_review: ReviewOut | None


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid")

    risks: list[RiskIO] = []
    controls: list[ControlIO] = []
    preferences: list[str] = []
    consent_summary: str = ""
    reason: str
    version: int = Field(description="The version you read (0 when there was no plan); stale: 409.")


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    outcome: str


class FollowUpIn(Schema):
    model_config = ConfigDict(extra="forbid")

    description: str
    owner_organisation: str
    owner_person: UUID | None = None
    owner_role: str = ""
    due_at: datetime


class FollowUpOut(Schema):
    uuid: UUID
    source: str
    source_ref: str
    due_at: datetime


class AckRow(Schema):
    participant: str
    version: int
    organisation: str
    because: list[str]
    due_at: datetime
    overdue: bool


class AckPage(Schema):
    items: list[AckRow]
    count: int


class Paging(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=100)


def ack_json(ack: Acknowledgement, now: datetime) -> dict[str, Any]:
    return {
        "organisation": ack.organisation.code,
        "because": list(ack.because),
        "due_at": ack.due_at,
        "acknowledged_at": ack.acknowledged_at,
        "acknowledged_by": ack.acknowledged_by.username if ack.acknowledged_by else None,
        "overdue": ack.is_overdue(now),
    }


def version_json(version: PlanVersion, now: datetime) -> dict[str, Any]:
    return {
        "participant": version.plan.participant.code,
        "number": version.number,
        "ref": version.ref,
        "author": version.author.username if version.author else version.author_label,
        "author_organisation": version.author_organisation.code
        if version.author_organisation
        else None,
        "created_at": version.created_at,
        "reason": version.reason,
        "risks": version.risks,
        "controls": version.controls,
        "preferences": version.preferences,
        "consent_summary": version.consent_summary,
        "changes": [{**c, "sentence": rules.Change.from_dict(c).sentence} for c in version.changes],
        "acknowledgements": [
            ack_json(a, now)
            for a in sorted(version.acknowledgements.all(), key=lambda a: a.organisation.code)
        ],
    }


def history_json(plan: Plan) -> list[dict[str, Any]]:
    now = timezone.now()
    versions = plan.versions.select_related(
        "plan__participant", "author", "author_organisation"
    ).prefetch_related("acknowledgements__organisation", "acknowledgements__acknowledged_by")
    return [version_json(v, now) for v in versions.order_by("number")]


def review_json(review: PlanReview, now: datetime) -> dict[str, Any]:
    return {
        "uuid": review.uuid,
        "opened_by": review.opened_by.number,
        "opened_at": review.opened_at,
        "due_at": review.due_at,
        "overdue": review.is_overdue(now),
        "completed_at": review.completed_at,
        "outcome": review.outcome,
    }


def plan_json(plan: Plan | None, code: str, at: datetime | None = None) -> dict[str, Any]:
    now = timezone.now()
    if plan is None:
        return {"participant": code, "version": 0, "current": None, "open_review": None}
    version = plan.version_at(at) if at else plan.current()
    review = plan.reviews.select_related("opened_by").filter(completed_at__isnull=True).first()
    return {
        "participant": plan.participant.code,
        "version": plan.version,
        "current": version_json(version, now) if version else None,
        "open_review": review_json(review, now) if review else None,
    }


@router.get(
    "/acknowledgements", response={200: AckPage, **QUERY_ERRORS}, summary="Plan acknowledgements"
)
def list_acknowledgements(
    request: HttpRequest,
    paging: Query[Paging],
    show: str = "waiting",
    organisation: str = "",
    participant: str = "",
) -> dict[str, Any]:
    """`show`: `waiting` (pending, asked of your organisation) or `overdue` (past due, every
    organisation, on plans you see); narrowed by partner code or participant code."""
    actor = actor_of(request)
    if not access.can_list_acknowledgements(actor):
        raise refuse(actor, "plans.acknowledgement_list", "acknowledgements")
    if show not in ("waiting", "overdue"):
        raise RuleViolation.one("invalid_value", "show is waiting or overdue.", "show")
    now = timezone.now()
    rows = lists.acknowledgements(
        actor, show, now, organisation=organisation, participant=participant
    )
    start = (paging.page - 1) * paging.page_size
    return {
        "items": [
            {
                "participant": a.version.plan.participant.code,
                "version": a.version.number,
                "organisation": a.organisation.code,
                "because": list(a.because),
                "due_at": a.due_at,
                "overdue": a.is_overdue(now),
            }
            for a in rows[start : start + paging.page_size]
        ],
        "count": rows.count(),
    }


@router.get("/{code}", response={200: PlanOut, **QUERY_ERRORS}, summary="A participant's plan")
def get_plan(request: HttpRequest, code: str, as_of: datetime | None = None) -> dict[str, Any]:
    """The current version, or the one current at `as_of`."""
    actor = actor_of(request)
    participant = access.get_participant_for_plan(actor, code)
    plan = Plan.objects.select_related("participant").filter(participant=participant).first()
    if plan is not None:
        actions.record_read(actor, plan, "api")
    return plan_json(plan, participant.code, as_of)


@router.get("/{code}/versions", response={200: list[VersionOut], **ERRORS}, summary="History")
def list_versions(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    """Every version, oldest first, with who, when, why, the changes and acknowledgements."""
    actor = actor_of(request)
    plan = access.get_plan_for_user(actor, code)
    actions.record_read(actor, plan, "api")
    return history_json(plan)


@router.post(
    "/{code}/versions", response={201: VersionOut, **WRITE_ERRORS}, summary="Revise the plan"
)
def revise(request: HttpRequest, code: str, body: PlanIn) -> Status:
    """A new version from the whole content. `version` is the one you read: when someone wrote
    another since, the answer is 409 and nothing is saved."""
    actor = require_writer(request)
    participant = access.get_participant_for_plan(actor, code, write=True)
    data = body.model_dump()
    written = actions.revise_plan(
        actor, participant, content=data, reason=body.reason, version=body.version
    )
    return Status(201, version_json(written, timezone.now()))


@router.post(
    "/{code}/versions/{number}/acknowledge",
    response={200: AcknowledgementOut, **WRITE_ERRORS},
    summary="Acknowledge a version for your organisation",
)
def acknowledge(request: HttpRequest, code: str, number: int) -> dict[str, Any]:
    actor = require_writer(request)
    ack = access.get_acknowledgement_for_user(actor, code, number, write=True)
    actions.acknowledge(actor, ack)
    return ack_json(ack, timezone.now())


@router.post(
    "/{code}/versions/{number}/actions",
    response={201: FollowUpOut, **WRITE_ERRORS},
    summary="A follow-up action citing a version",
)
def follow_up(request: HttpRequest, code: str, number: int, body: FollowUpIn) -> Status:
    actor = require_writer(request)
    version = access.get_version_for_user(actor, code, number)
    organisation = Organisation.objects.filter(code=body.owner_organisation.lower()).first()
    if organisation is None:
        raise RuleViolation.one(
            "invalid_value", "There is no such organisation.", "owner_organisation"
        )
    person = User.objects.filter(uuid=body.owner_person).first() if body.owner_person else None
    action = actions.set_follow_up(
        actor,
        version,
        description=body.description,
        owner_organisation=organisation,
        owner_person=person,
        owner_role=body.owner_role,
        due_at=body.due_at,
    )
    return Status(
        201,
        {
            "uuid": action.uuid,
            "source": action.source,
            "source_ref": action.source_ref,
            "due_at": action.due_at,
        },
    )


@router.post(
    "/{code}/reviews/{uuid}/complete",
    response={200: ReviewOut, **WRITE_ERRORS},
    summary="Complete a plan review",
)
def complete_review(request: HttpRequest, code: str, uuid: str, body: ReviewIn) -> dict[str, Any]:
    actor = require_writer(request)
    review = access.get_review_for_user(actor, code, uuid, write=True)
    actions.complete_review(actor, review, outcome=body.outcome)
    return review_json(review, timezone.now())
