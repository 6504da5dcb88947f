"""The owned-actions JSON API (mounted at /api/coordination).

Actions are seen exactly when their participant is (404 otherwise); completing one is for its
owners (403 for others who can see it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from seamline.api_support import QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.errors import RuleViolation
from seamline.network.access import refuse

from . import access, actions
from .models import Action

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
def list_actions(request: HttpRequest, paging: Query[Paging], show: str = "mine") -> dict[str, Any]:
    """`show`: `mine` (open, named to you or your role), `organisation` (open, owned by your
    organisation), `overdue` (your organisation's, past due) or `done`."""
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
        "organisation": lambda: ours.open(),
        "overdue": lambda: ours.overdue(now),
        "done": lambda: ours.filter(completed_at__isnull=False).order_by("-completed_at"),
    }.get(show)
    if chosen is None:
        raise RuleViolation.one(
            "invalid_value", "show is mine, organisation, overdue or done.", "show"
        )
    rows = chosen()
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


__all__ = ["router"]
