"""The handoffs JSON API (mounted at /api/handoffs).

Handoffs load through `handoffs.access` (404 for one out of sight, whether or not it exists;
403 for a move that belongs to the other side) and change through `handoffs.actions`, so the
API enforces exactly what the pages do: a move on a stale `version`, or on a handoff whose
state no longer allows it, is a 409; a bundle that cannot be accepted is a 422 listing every
reason (every missing mandatory field among them). Lists and reads are in the audit log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from seamline.access import ReadOnly
from seamline.api_support import ERRORS, QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases import access as cases_access
from seamline.coordination.choices import ActionSource
from seamline.coordination.models import Action
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation, PathwayStep

from . import access, actions, rules
from .choices import HandoffState, Transition
from .lists import BoxFilters, inbox_for, outbox_for, record_listed, visible_for
from .models import AuditSample, BundleTemplate, Handoff, HandoffAudit
from .overdue import overdue_handoffs

router = Router()
HANDOFFS = ["handoffs"]
TEMPLATES = ["handoff templates"]
AUDITS = ["handoff audits"]


# --- schemas ---------------------------------------------------------------------------------


class In(Schema):
    """A request body: a field the endpoint does not take is an error, never dropped."""

    model_config = ConfigDict(extra="forbid")


class Paging(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=100)


class HandoffOut(Schema):
    code: str
    state: str
    template: str
    template_version: int
    referral: str
    participant: str
    sender: str
    receiver: str
    step: str | None
    completeness: int = Field(description="Percent of mandatory and required fields present.")
    missing_mandatory: list[str]
    sent_at: datetime | None = Field(description="When it was first sent.")
    last_sent_at: datetime | None
    standard_hours: int | None
    respond_by: datetime | None
    overdue: bool
    accepted_at: datetime | None
    accepted_by: UUID | None
    time_to_acceptance_minutes: int | None
    rejection_reason: str
    rejection_text: str
    info_request: str
    version: int


class HandoffPage(Schema):
    items: list[HandoffOut]
    count: int


class RepeatBackOut(Schema):
    risk_status: str
    escalation: str
    by: UUID
    at: datetime
    mismatch_flagged_at: datetime | None
    mismatch_note: str


class EventOut(Schema):
    kind: str
    at: datetime
    by: UUID | None
    organisation: str | None
    note: str


class HandoffDetailOut(HandoffOut):
    content: dict[str, Any]
    repeat_back: RepeatBackOut | None
    events: list[EventOut]
    actions: list[UUID] = Field(description="Owned actions made from the action items.")


class HandoffIn(In):
    referral: str = Field(description="The case's referral id; your organisation owns it.")
    template: str = Field(description="The transition, e.g. hospital_discharge.")
    receiving_organisation: str
    step: str | None = Field(None, description="A step code of the case's pathway.")
    content: dict[str, Any] = {}


class BundleIn(In):
    content: dict[str, Any] = Field(description="Fields to change; an empty value clears one.")
    version: int | None = Field(None, description="The version you read; a stale one is 409.")


class SendIn(In):
    note: str = ""
    version: int | None = None


class AcceptIn(In):
    risk_status: str = Field(description="The risk status, restated in your own words.")
    escalation: str = Field(description="The escalation instructions, in your own words.")
    version: int | None = None


class RejectIn(In):
    reason: str = Field(description="missing_information, inappropriate, no_capacity or other.")
    text: str
    version: int | None = None


class TextIn(In):
    text: str
    version: int | None = None


class NoteIn(In):
    note: str
    version: int | None = None


class FieldOut(Schema):
    key: str
    label: str
    type: str
    cardinality: str
    level: str
    help: str
    choices: list[list[str]]


class VersionOut(Schema):
    number: int
    created_at: datetime
    created_by: UUID | None
    reason: str


class TemplateOut(Schema):
    transition: str
    name: str
    description: str
    version: int = Field(description="The number of the version in force.")
    response_hours: int
    same_organisation: bool
    fields: list[FieldOut]
    edit_version: int = Field(description="Send this as `version` when revising.")


class TemplateDetailOut(TemplateOut):
    versions: list[VersionOut]


class TemplateIn(In):
    levels: dict[str, str] = Field(
        description="Field key -> mandatory, required, optional; a field left out is not used."
    )
    reason: str
    name: str | None = None
    description: str | None = None
    response_hours: int | None = None
    same_organisation: bool | None = None
    version: int | None = None


class SampleIn(In):
    period_start: date
    period_end: date
    size: int
    partner: str | None = None
    seed: int | None = Field(None, description="Give a stored seed to draw a sample again.")


class ScoreOut(Schema):
    handoff: str
    score: int | None
    ratings: dict[str, str]
    auditor: UUID
    at: datetime


class SampleOut(Schema):
    uuid: UUID
    period_start: date
    period_end: date
    partner: str | None
    size: int
    seed: int
    candidates: int
    drawn_at: datetime
    handoffs: list[str]
    scores: list[ScoreOut]


class ScoreIn(In):
    handoff: str
    ratings: dict[str, str] = Field(description="Criterion -> yes, partial, no, not_applicable.")
    notes: str = ""


# --- shapes ----------------------------------------------------------------------------------


def _row(h: Handoff, now: datetime) -> dict[str, Any]:
    span = h.time_to_acceptance
    return {
        "code": h.code,
        "state": h.state,
        "template": h.template.transition,
        "template_version": h.template_version.number,
        "referral": h.referral.code,
        "participant": h.referral.participant.code,
        "sender": h.sender_organisation.code,
        "receiver": h.receiving_organisation.code,
        "step": h.step.code if h.step_id else None,  # type: ignore[union-attr]
        "completeness": h.completeness,
        "missing_mandatory": list(rules.completeness(h.specs, h.content).missing_mandatory),
        "sent_at": h.first_sent_at,
        "last_sent_at": h.sent_at,
        "standard_hours": h.standard_hours,
        "respond_by": h.respond_by,
        "overdue": h.is_overdue(now),
        "accepted_at": h.accepted_at,
        "accepted_by": h.accepted_by.uuid if h.accepted_by else None,
        "time_to_acceptance_minutes": int(span.total_seconds() // 60) if span else None,
        "rejection_reason": h.rejection_reason,
        "rejection_text": h.rejection_text,
        "info_request": h.info_request,
        "version": h.version,
    }


def _detail(actor: Any, handoff: Handoff) -> dict[str, Any]:
    fresh = access.get_handoff_for_user(actor, handoff.code)
    back = fresh.repeat_back_or_none
    made = (
        Action.objects.visible_to(actor)
        .filter(source=ActionSource.HANDOFF, source_ref=fresh.source_ref)
        .values_list("uuid", flat=True)
    )
    return {
        **_row(fresh, timezone.now()),
        "content": fresh.content,
        "repeat_back": {
            "risk_status": back.risk_status,
            "escalation": back.escalation,
            "by": back.by.uuid,
            "at": back.at,
            "mismatch_flagged_at": back.mismatch_flagged_at,
            "mismatch_note": back.mismatch_note,
        }
        if back is not None
        else None,
        "events": [
            {
                "kind": e.kind,
                "at": e.at,
                "by": e.by.uuid if e.by else None,
                "organisation": e.organisation.code if e.organisation else None,
                "note": e.note,
            }
            for e in fresh.events.select_related("by", "organisation")
        ],
        "actions": list(made),
    }


def _template(template: BundleTemplate, with_versions: bool = False) -> dict[str, Any]:
    current = template.current
    assert current is not None
    data: dict[str, Any] = {
        "transition": template.transition,
        "name": current.name,
        "description": current.description,
        "version": current.number,
        "response_hours": current.response_hours,
        "same_organisation": current.same_organisation,
        "fields": current.fields,
        "edit_version": template.version,
    }
    if with_versions:
        data["versions"] = [
            {
                "number": v.number,
                "created_at": v.created_at,
                "created_by": v.created_by.uuid if v.created_by else None,
                "reason": v.reason,
            }
            for v in template.versions.select_related("created_by").order_by("-number")
        ]
    return data


def _sample(sample: AuditSample) -> dict[str, Any]:
    return {
        "uuid": sample.uuid,
        "period_start": sample.period_start,
        "period_end": sample.period_end,
        "partner": sample.partner.code if sample.partner else None,
        "size": sample.size,
        "seed": sample.seed,
        "candidates": sample.candidates,
        "drawn_at": sample.drawn_at,
        "handoffs": list(sample.items.values_list("handoff__code", flat=True)),
        "scores": [
            {
                "handoff": a.handoff.code,
                "score": a.score,
                "ratings": a.ratings,
                "auditor": a.auditor.uuid,
                "at": a.at,
            }
            for a in HandoffAudit.objects.filter(sample=sample).select_related("handoff", "auditor")
        ],
    }


def _organisation(code: str | None, field: str) -> Organisation | None:
    if not code:
        return None
    found = Organisation.objects.filter(code=code).first()
    if found is None:
        raise RuleViolation.one(
            "unknown_organisation", f"There is no organisation '{code}'.", field
        )
    return found


def _may_list(actor: Any) -> None:
    if not access.sees_handoffs(actor):
        raise refuse(actor, "handoffs.handoff_list", "handoffs")


# --- templates ---------------------------------------------------------------------------------


@router.get(
    "/templates",
    response={200: list[TemplateOut], **ERRORS},
    tags=TEMPLATES,
    summary="The bundle templates in force",
)
def list_templates(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    if actor.aggregates_only:
        raise refuse(actor, "handoffs.bundletemplate_list", "templates")
    return [_template(t) for t in BundleTemplate.objects.select_related("current")]


@router.get(
    "/templates/{transition}",
    response={200: TemplateDetailOut, **ERRORS},
    tags=TEMPLATES,
    summary="One template, with its versions",
)
def get_template(request: HttpRequest, transition: str) -> dict[str, Any]:
    actor = actor_of(request)
    return _template(access.get_template_for_user(actor, transition), with_versions=True)


@router.post(
    "/templates/{transition}/versions",
    response={201: TemplateDetailOut, **WRITE_ERRORS},
    tags=TEMPLATES,
    summary="A new version of a template",
)
def revise_template(
    request: HttpRequest, transition: str, payload: TemplateIn
) -> Status[dict[str, Any]]:
    """The network's quality lead (or the network admin), with a reason. Earlier versions stay;
    handoffs keep the version they were written on."""
    actor = require_writer(request)
    template = access.get_template_for_user(actor, transition, write=True)
    actions.revise_template(actor, template, **payload.dict())
    template.refresh_from_db()
    return Status(201, _template(template, with_versions=True))


# --- audits ----------------------------------------------------------------------------------


@router.post(
    "/audit-samples",
    response={201: SampleOut, **WRITE_ERRORS},
    tags=AUDITS,
    summary="Draw a seeded audit sample",
)
def draw_sample(request: HttpRequest, payload: SampleIn) -> Status[dict[str, Any]]:
    """A reproducible random sample of the handoffs you can see that were first sent in the
    period (sent or received by `partner`, when named). The seed is returned and kept."""
    actor = require_writer(request)
    if not access.can_audit(actor):
        raise ReadOnly("Only quality leads and clinical leads audit handoffs.")
    sample = actions.draw_audit_sample(
        actor,
        period_start=payload.period_start,
        period_end=payload.period_end,
        size=payload.size,
        partner=_organisation(payload.partner, "partner"),
        seed=payload.seed,
    )
    return Status(201, _sample(sample))


@router.get(
    "/audit-samples/{uuid}",
    response={200: SampleOut, **ERRORS},
    tags=AUDITS,
    summary="One audit sample and its scores",
)
def get_sample(request: HttpRequest, uuid: str) -> dict[str, Any]:
    actor = actor_of(request)
    return _sample(access.get_sample_for_user(actor, uuid))


@router.post(
    "/audit-samples/{uuid}/scores",
    response={201: ScoreOut, **WRITE_ERRORS},
    tags=AUDITS,
    summary="Score a handoff of the sample",
)
def score(request: HttpRequest, uuid: str, payload: ScoreIn) -> Status[dict[str, Any]]:
    actor = require_writer(request)
    sample = access.get_sample_for_user(actor, uuid)
    handoff = access.get_handoff_for_user(actor, payload.handoff)
    if not access.can_audit(actor):
        raise ReadOnly("Only quality leads and clinical leads audit handoffs.")
    audit = actions.score_handoff(
        actor, handoff, ratings=payload.ratings, notes=payload.notes, sample=sample
    )
    return Status(
        201,
        {
            "handoff": handoff.code,
            "score": audit.score,
            "ratings": audit.ratings,
            "auditor": audit.auditor.uuid,
            "at": audit.at,
        },
    )


# --- handoffs ----------------------------------------------------------------------------------


@router.get(
    "/overdue",
    response={200: HandoffPage, **QUERY_ERRORS},
    tags=HANDOFFS,
    summary="Handoffs past their response standard",
)
def list_overdue(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Sent and unanswered, or rejected and unresolved, past the deadline (`respond_by`):
    the ones you can see, oldest deadline first."""
    actor = actor_of(request)
    _may_list(actor)
    now = timezone.now()
    qs = overdue_handoffs(now, Handoff.objects.visible_to(actor)).select_related(
        "referral__participant",
        "template",
        "template_version",
        "sender_organisation",
        "receiving_organisation",
        "accepted_by",
        "step",
    )
    start = (paging.page - 1) * paging.page_size
    shown = list(qs[start : start + paging.page_size])
    record_listed(actor, [h.code for h in shown], via="api")
    return {"items": [_row(h, now) for h in shown], "count": qs.count()}


@router.get(
    "",
    response={200: HandoffPage, **QUERY_ERRORS},
    tags=HANDOFFS,
    summary="Handoffs you can see",
)
def list_handoffs(
    request: HttpRequest,
    paging: Query[Paging],
    box: str = "all",
    state: str = "",
    template: str = "",
    partner: str | None = None,
    overdue: bool = False,
) -> dict[str, Any]:
    """`box`: `inbox` (sent to your organisation; without `state`, only those waiting),
    `outbox` (sent or drafted by it) or `all`. Filters: `state`, `template` (a transition),
    `partner` (the other organisation), `overdue`."""
    actor = actor_of(request)
    _may_list(actor)
    if box not in ("inbox", "outbox", "all"):
        raise RuleViolation.one("invalid_value", "box is inbox, outbox or all.", "box")
    if state and state not in (*HandoffState.values, "all"):
        raise RuleViolation.one("invalid_value", f"'{state}' is not a state.", "state")
    if template and template not in Transition.values:
        raise RuleViolation.one("invalid_value", f"'{template}' is not a transition.", "template")
    filters = BoxFilters(
        state=state,
        template=template,
        partner=_organisation(partner, "partner"),
        overdue=overdue,
    )
    now = timezone.now()
    finder = {"inbox": inbox_for, "outbox": outbox_for, "all": visible_for}[box]
    qs = finder(actor, filters, now).select_related("step")
    start = (paging.page - 1) * paging.page_size
    shown = list(qs[start : start + paging.page_size])
    record_listed(actor, [h.code for h in shown], via="api")
    return {"items": [_row(h, now) for h in shown], "count": qs.count()}


@router.post(
    "",
    response={201: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Draft a handoff",
)
def create_handoff(request: HttpRequest, payload: HandoffIn) -> Status[dict[str, Any]]:
    """Draft a handoff of a case your organisation owns, on the template's version in force.
    `content` may hold any of the template's fields now or later (PATCH)."""
    actor = require_writer(request)
    referral = cases_access.get_referral_for_user(actor, payload.referral)
    template = (
        BundleTemplate.objects.select_related("current")
        .filter(transition=payload.template, current__isnull=False)
        .first()
    )
    if template is None:
        raise RuleViolation.one(
            "invalid_value", f"No template for '{payload.template}'.", "template"
        )
    receiver = _organisation(payload.receiving_organisation, "receiving_organisation")
    assert receiver is not None
    step = None
    if payload.step:
        step = PathwayStep.objects.filter(pathway=referral.pathway, code=payload.step).first()
        if step is None:
            raise RuleViolation.one(
                "step_not_on_pathway", "That step is not on the case's pathway.", "step"
            )
    handoff = actions.create_handoff(
        actor,
        referral,
        template=template,
        receiving_organisation=receiver,
        step=step,
        content=payload.content,
    )
    return Status(201, _detail(actor, handoff))


@router.get(
    "/{code}",
    response={200: HandoffDetailOut, **ERRORS},
    tags=HANDOFFS,
    summary="One handoff: bundle, repeat-back, timeline",
)
def get_handoff(request: HttpRequest, code: str) -> dict[str, Any]:
    actor = actor_of(request)
    handoff = access.get_handoff_for_user(actor, code)
    record(actor, "handoff.read", handoff, kind=EntryKind.READ, changes={"via": "api"})
    return _detail(actor, handoff)


@router.patch(
    "/{code}",
    response={200: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Change fields of the bundle",
)
def edit_bundle(request: HttpRequest, code: str, payload: BundleIn) -> dict[str, Any]:
    """While a draft, or after the receiver asked for more (the sender's staff)."""
    actor = require_writer(request)
    handoff = access.get_handoff_for_user(actor, code, move="edit")
    actions.update_bundle(actor, handoff, payload.content, version=payload.version)
    return _detail(actor, handoff)


@router.post(
    "/{code}/send",
    response={200: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Send (or send again)",
)
def send(request: HttpRequest, code: str, payload: SendIn) -> dict[str, Any]:
    actor = require_writer(request)
    handoff = access.get_handoff_for_user(actor, code, move="send")
    actions.send_handoff(actor, handoff, note=payload.note, version=payload.version)
    return _detail(actor, handoff)


@router.post(
    "/{code}/accept",
    response={200: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Accept, with a repeat-back",
)
def accept(request: HttpRequest, code: str, payload: AcceptIn) -> dict[str, Any]:
    """The receiving organisation's staff. 422 lists every reason it cannot be accepted
    (missing mandatory fields, repeat-back, clearance for handoff receipt); 409 when someone
    else answered or withdrew it first."""
    actor = require_writer(request)
    handoff = access.get_handoff_for_user(actor, code, move="accept")
    actions.accept_handoff(
        actor,
        handoff,
        risk_status=payload.risk_status,
        escalation=payload.escalation,
        version=payload.version,
    )
    return _detail(actor, handoff)


@router.post(
    "/{code}/reject",
    response={200: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Reject, with a reason",
)
def reject(request: HttpRequest, code: str, payload: RejectIn) -> dict[str, Any]:
    actor = require_writer(request)
    handoff = access.get_handoff_for_user(actor, code, move="reject")
    actions.reject_handoff(
        actor, handoff, reason=payload.reason, text=payload.text, version=payload.version
    )
    return _detail(actor, handoff)


@router.post(
    "/{code}/request-info",
    response={200: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Ask the sender for more",
)
def request_info(request: HttpRequest, code: str, payload: TextIn) -> dict[str, Any]:
    actor = require_writer(request)
    handoff = access.get_handoff_for_user(actor, code, move="request_info")
    actions.request_information(actor, handoff, text=payload.text, version=payload.version)
    return _detail(actor, handoff)


@router.post(
    "/{code}/withdraw",
    response={200: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Withdraw",
)
def withdraw(request: HttpRequest, code: str, payload: TextIn) -> dict[str, Any]:
    actor = require_writer(request)
    handoff = access.get_handoff_for_user(actor, code, move="withdraw")
    actions.withdraw_handoff(actor, handoff, reason=payload.text, version=payload.version)
    return _detail(actor, handoff)


@router.post(
    "/{code}/resolve",
    response={200: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Resolve a rejection",
)
def resolve(request: HttpRequest, code: str, payload: NoteIn) -> dict[str, Any]:
    actor = require_writer(request)
    handoff = access.get_handoff_for_user(actor, code, move="resolve_rejection")
    actions.resolve_rejection(actor, handoff, note=payload.note, version=payload.version)
    return _detail(actor, handoff)


@router.post(
    "/{code}/mismatch",
    response={200: HandoffDetailOut, **WRITE_ERRORS},
    tags=HANDOFFS,
    summary="Flag a repeat-back mismatch",
)
def mismatch(request: HttpRequest, code: str, payload: NoteIn) -> dict[str, Any]:
    actor = require_writer(request)
    handoff = access.get_handoff_for_user(actor, code, move="flag_mismatch")
    actions.flag_mismatch(actor, handoff, note=payload.note)
    return _detail(actor, handoff)


__all__ = ["router"]
