"""The safeguarding JSON API (mounted at /api/escalation/safeguarding).

Concerns are seen by those who see their participant and by their pathway's safeguarding lead
(404 otherwise); raising is for those who record or work with the participant; triage is for
the pathway's lead and the prime's quality lead (403 for others who can see the concern). The
same access and actions as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from seamline.api_support import QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.cases.models import Participant
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation, Pathway

from ..choices import ConcernState, Theme
from ..models import SafeguardingConcern
from . import access, actions, dashboard, rules

router = Router(tags=["safeguarding"])


class DecisionOut(Schema):
    meeting: str
    decided_at: datetime
    la_needed: bool
    police_needed: bool
    notifier_organisation: str | None
    notifier_role: str
    notify_due: datetime | None
    notified_at: datetime | None
    outcome: str
    notes: str


class ConcernOut(Schema):
    code: str
    participant: str
    pathway: str
    partner: str
    raised_by: str
    contact: str
    theme: str
    occurred_at: datetime
    recorded_at: datetime
    notify_by: datetime
    lead: str
    lead_notified_at: datetime | None
    notification: str = Field(description="same_day, late or pending")
    triage_by: datetime
    state: str
    escalation: str | None
    version: int


class ConcernDetailOut(ConcernOut):
    description: str
    decision: DecisionOut | None


class ConcernPage(Schema):
    items: list[ConcernOut]
    count: int


class Filters(Schema):
    state: str = ""
    theme: str = ""
    pathway: str = ""
    partner: str = ""
    since: date | None = None
    until: date | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=100)


class RaiseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    participant: str
    pathway: str
    contact: str
    theme: str
    occurred_at: datetime
    description: str


class DecisionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    week: str = Field(description="The meeting's week, e.g. 2026-W10 (opened if it is not)")
    la_needed: bool
    police_needed: bool
    notifier_organisation: str = ""
    notifier_role: str = ""
    notify_due: datetime | None = None
    notified_at: datetime | None = None
    outcome: str = ""
    notes: str = ""
    version: int | None = Field(None, description="The concern's version you read; stale is 409.")


def as_dict(c: SafeguardingConcern, now: datetime) -> dict[str, Any]:
    return {
        "code": c.code,
        "participant": c.participant.code,
        "pathway": c.pathway.code,
        "partner": c.organisation.code,
        "raised_by": c.raised_by.username if c.raised_by else c.raised_by_label,
        "contact": c.contact,
        "theme": c.theme,
        "occurred_at": c.occurred_at,
        "recorded_at": c.recorded_at,
        "notify_by": c.notify_by,
        "lead": f"{c.lead_organisation.code}/{c.lead_role}",
        "lead_notified_at": c.lead_notified_at,
        "notification": rules.notice_status(c.lead_notified_at, c.notify_by, now),
        "triage_by": c.triage_by,
        "state": c.state,
        "escalation": c.escalation.code if c.escalation else None,
        "version": c.version,
    }


def _detail(c: SafeguardingConcern) -> dict[str, Any]:
    d = getattr(c, "decision", None)
    return {
        **as_dict(c, timezone.now()),
        "description": c.description,
        "decision": None
        if d is None
        else {
            "meeting": d.meeting.code,
            "decided_at": d.decided_at,
            "la_needed": d.la_needed,
            "police_needed": d.police_needed,
            "notifier_organisation": d.notifier_organisation.code
            if d.notifier_organisation
            else None,
            "notifier_role": d.notifier_role,
            "notify_due": d.notify_due,
            "notified_at": d.notified_at,
            "outcome": d.outcome,
            "notes": d.notes,
        },
    }


def _check(name: str, value: str, allowed: list[str]) -> None:
    if value not in allowed:
        raise RuleViolation.one("invalid_value", f"'{value}' is not a {name}.", name)


@router.get("/concerns", response={200: ConcernPage, **QUERY_ERRORS}, summary="Concerns")
def list_concerns(request: HttpRequest, filters: Query[Filters]) -> dict[str, Any]:
    """Concerns you may see, newest first; filter by `state`, `theme`, `pathway`, `partner`
    (the raising organisation) and the days they arose (`since`, `until`)."""
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.safeguarding", "concerns")
    _check("state", filters.state, ["", *ConcernState.values])
    _check("theme", filters.theme, ["", *Theme.values])
    rows = (
        dashboard.filtered(actor, filters.dict(), actions.network_zone())
        .select_related("participant", "pathway", "organisation", "lead_organisation", "raised_by")
        .select_related("escalation")
        .order_by("-occurred_at", "-id")
    )
    start = (filters.page - 1) * filters.page_size
    shown = list(rows[start : start + filters.page_size])
    actions.record_listed(actor, [c.code for c in shown], via="api")
    now = timezone.now()
    return {"items": [as_dict(c, now) for c in shown], "count": rows.count()}


@router.post("/concerns", response={201: ConcernDetailOut, **WRITE_ERRORS}, summary="Raise")
def raise_concern(request: HttpRequest, payload: RaiseIn) -> Status:
    """Raise a concern for a participant you can see (404 if you cannot)."""
    actor = require_writer(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.safeguarding", "raise")
    person = Participant.objects.visible_to(actor).filter(code=payload.participant.upper()).first()
    if person is None:
        raise refuse(actor, "cases.participant", payload.participant)
    pathway = Pathway.objects.filter(code=payload.pathway).first()
    if pathway is None:
        raise RuleViolation.one("invalid_value", "No pathway has that code.", "pathway")
    concern = actions.raise_concern(
        actor,
        person,
        pathway,
        contact=payload.contact,
        theme=payload.theme,
        description=payload.description,
        occurred_at=payload.occurred_at,
    )
    return Status(201, _detail(access.get_concern_for_user(actor, concern.code)))


@router.get(
    "/concerns/{code}", response={200: ConcernDetailOut, **QUERY_ERRORS}, summary="One concern"
)
def get_concern(request: HttpRequest, code: str) -> dict[str, Any]:
    actor = actor_of(request)
    concern = access.get_concern_for_user(actor, code)
    actions.record_read(actor, concern, via="api")
    return _detail(concern)


@router.post(
    "/concerns/{code}/decision",
    response={200: ConcernDetailOut, **WRITE_ERRORS},
    summary="Record the triage decision",
)
def decide(request: HttpRequest, code: str, payload: DecisionIn) -> dict[str, Any]:
    """Record (or revise) a concern's triage decision at the week's meeting, opening the
    meeting (chaired by you) if it is not open yet. An `outcome` closes the concern."""
    actor = require_writer(request)
    concern = access.get_concern_for_user(actor, code, write=True)
    week = actions.parse_week(payload.week)
    if week is None:
        raise RuleViolation.one("invalid_value", f"'{payload.week}' is not a week.", "week")
    meeting = actions.meeting_for(week) or actions.open_meeting(actor, week)
    notifier = None
    if payload.notifier_organisation:
        notifier = Organisation.objects.filter(code=payload.notifier_organisation).first()
        if notifier is None:
            raise RuleViolation.one(
                "invalid_value", "No organisation has that code.", "notifier_organisation"
            )
    actions.record_decision(
        actor,
        concern,
        meeting,
        la_needed=payload.la_needed,
        police_needed=payload.police_needed,
        notifier_organisation=notifier,
        notifier_role=payload.notifier_role,
        notify_due=payload.notify_due,
        notified_at=payload.notified_at,
        outcome=payload.outcome,
        notes=payload.notes,
        version=payload.version,
    )
    return _detail(access.get_concern_for_user(actor, code))


@router.get("/dashboard", response={200: dict, **QUERY_ERRORS}, summary="Safeguarding figures")
def get_dashboard(
    request: HttpRequest,
    partner: str = "",
    pathway: str = "",
    theme: str = "",
    since: date | None = None,
    until: date | None = None,
) -> dict[str, Any]:
    """Themes, the same-day notification rate and outcomes by partner, the weekly trend, and
    concerns overdue for triage, over the concerns you may see."""
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.safeguarding", "dashboard")
    _check("theme", theme, ["", *Theme.values])
    filters = {
        "partner": partner,
        "pathway": pathway,
        "theme": theme,
        "since": since,
        "until": until,
    }
    return dashboard.dashboard(actor, timezone.now(), filters, actions.network_zone()).as_dict()
