"""The escalation JSON API (mounted at /api/escalation).

Escalations are seen exactly when their participant is (404 otherwise); acknowledging is for
the responsible partner's people and the prime's quality lead (403 for others who can see it),
through the same access and actions as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from seamline.api_support import QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.errors import RuleViolation
from seamline.network.access import refuse

from . import access, actions, metrics
from .choices import State, Tier, Trigger
from .models import Escalation
from .safeguarding.api import router as safeguarding_router
from .views import filtered

router = Router(tags=["escalation"])
router.add_router("/safeguarding", safeguarding_router)


class EscalationOut(Schema):
    code: str
    participant: str
    trigger: str
    tier: str
    pathway: str
    partner: str
    responsible_role: str
    chair_role: str
    state: str
    rung: int
    due_at: datetime | None
    overdue: bool
    breached_at: datetime | None
    raised_at: datetime
    acknowledged_at: datetime | None
    responded_at: datetime | None
    resolved_at: datetime | None
    outcome: str
    threshold_version: int
    version: int


class EventOut(Schema):
    kind: str
    at: datetime
    rung: int
    by: str
    note: str


class EscalationDetailOut(EscalationOut):
    detail: str
    review: str
    events: list[EventOut]


class EscalationPage(Schema):
    items: list[EscalationOut]
    count: int


class Filters(Schema):
    state: str = Field("open", description="open (the default), any ('') or one state")
    tier: str = ""
    trigger: str = ""
    pathway: str = ""
    partner: str = ""
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=100)


class AcknowledgeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(None, description="The version you read; a stale one is 409.")


def as_dict(e: Escalation, now: datetime) -> dict[str, Any]:
    return {
        "code": e.code,
        "participant": e.participant.code,
        "trigger": e.trigger,
        "tier": e.tier,
        "pathway": e.pathway.code,
        "partner": e.organisation.code,
        "responsible_role": e.responsible_role,
        "chair_role": e.chair_role,
        "state": e.state,
        "rung": e.rung,
        "due_at": e.due_at,
        "overdue": e.is_overdue(now),
        "breached_at": e.breached_at,
        "raised_at": e.raised_at,
        "acknowledged_at": e.acknowledged_at,
        "responded_at": e.responded_at,
        "resolved_at": e.resolved_at,
        "outcome": e.outcome,
        "threshold_version": e.threshold_version.number,
        "version": e.version,
    }


def _detail(e: Escalation) -> dict[str, Any]:
    return {
        **as_dict(e, timezone.now()),
        "detail": e.detail,
        "review": e.review,
        "events": [
            {
                "kind": ev.kind,
                "at": ev.at,
                "rung": ev.rung,
                "by": ev.by.username if ev.by else ev.by_label,
                "note": ev.note,
            }
            for ev in e.events.select_related("by")
        ],
    }


@router.get("/escalations", response={200: EscalationPage, **QUERY_ERRORS}, summary="Escalations")
def list_escalations(request: HttpRequest, filters: Query[Filters]) -> dict[str, Any]:
    """Open escalations by default, soonest deadline first; filter by `state`, `tier`,
    `trigger`, `pathway` and `partner` (organisation code)."""
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.list", "escalations")
    checks = (
        ("state", ["open", "", *State.values]),
        ("tier", ["", *Tier.values]),
        ("trigger", ["", *Trigger.values]),
    )
    for name, allowed in checks:
        if getattr(filters, name) not in allowed:
            raise RuleViolation.one(
                "invalid_value", f"'{getattr(filters, name)}' is not a {name}.", name
            )
    rows = filtered(actor, filters.dict()).select_related("threshold_version")
    rows = rows.order_by("due_at", "-raised_at", "id")
    start = (filters.page - 1) * filters.page_size
    now = timezone.now()
    return {
        "items": [as_dict(e, now) for e in rows[start : start + filters.page_size]],
        "count": rows.count(),
    }


@router.get(
    "/escalations/{code}",
    response={200: EscalationDetailOut, **QUERY_ERRORS},
    summary="One escalation with its timeline",
)
def get_escalation(request: HttpRequest, code: str) -> dict[str, Any]:
    return _detail(access.get_escalation_for_user(actor_of(request), code))


@router.post(
    "/escalations/{code}/acknowledge",
    response={200: EscalationDetailOut, **WRITE_ERRORS},
    summary="Acknowledge an escalation",
)
def acknowledge(request: HttpRequest, code: str, payload: AcknowledgeIn) -> dict[str, Any]:
    actor = require_writer(request)
    esc = access.get_escalation_for_user(actor, code, write=True)
    actions.acknowledge(actor, esc, version=payload.version)
    return _detail(esc)


@router.get("/metrics", response={200: dict, **QUERY_ERRORS}, summary="Escalation metrics")
def get_metrics(request: HttpRequest) -> dict[str, Any]:
    """Compliance with the tier standards by tier, pathway and partner, and the spread across
    partners for the same trigger, over the escalations you can see."""
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.metrics", "metrics")
    return metrics.escalation_metrics(actor, timezone.now()).as_dict()
