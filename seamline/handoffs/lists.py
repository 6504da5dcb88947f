"""The inbox and outbox queries the pages, the API and the command share.

The inbox is what was sent to the actor's organisation, oldest first (what has waited longest
comes first); the outbox is what the organisation sent or is drafting, newest first. Both start
from `Handoff.objects.visible_to(actor)`, so nothing out of sight is ever counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.network.models import Organisation

from .choices import HandoffState
from .models import Handoff, HandoffQuerySet

RELATED = (
    "referral__participant",
    "template",
    "template_version",
    "sender_organisation",
    "receiving_organisation",
    "accepted_by",
)


@dataclass(frozen=True)
class BoxFilters:
    state: str = ""  # "" waiting (inbox) or everything (outbox); "all"; or one state
    template: str = ""
    partner: Organisation | None = None
    overdue: bool = False
    below: int | None = None
    mismatch: bool = False


def _filtered(qs: HandoffQuerySet, filters: BoxFilters, now: datetime) -> HandoffQuerySet:
    if filters.state and filters.state != "all":
        qs = qs.filter(state=filters.state)
    if filters.template:
        qs = qs.filter(template__transition=filters.template)
    if filters.overdue:
        qs = qs.overdue(now)
    if filters.below is not None:
        qs = qs.filter(completeness__lt=filters.below)
    if filters.mismatch:
        qs = qs.filter(repeat_back__mismatch_flagged_at__isnull=False)
    return qs.select_related(*RELATED)


def inbox_for(actor: Actor, filters: BoxFilters, now: datetime | None = None) -> HandoffQuerySet:
    qs = Handoff.objects.visible_to(actor).filter(
        receiving_organisation=actor.organisation, first_sent_at__isnull=False
    )
    if not filters.state:
        qs = qs.waiting()
    if filters.partner is not None:
        qs = qs.filter(sender_organisation=filters.partner)
    return _filtered(qs, filters, now or timezone.now()).order_by("first_sent_at", "id")


def outbox_for(actor: Actor, filters: BoxFilters, now: datetime | None = None) -> HandoffQuerySet:
    qs = Handoff.objects.visible_to(actor).filter(sender_organisation=actor.organisation)
    if filters.partner is not None:
        qs = qs.filter(receiving_organisation=filters.partner)
    return _filtered(qs, filters, now or timezone.now()).order_by("-created_at", "-id")


def visible_for(actor: Actor, filters: BoxFilters, now: datetime | None = None) -> HandoffQuerySet:
    """Every handoff the actor may see (the API's and the command's plain list)."""
    qs = Handoff.objects.visible_to(actor)
    if filters.partner is not None:
        qs = qs.filter(
            Q(sender_organisation=filters.partner) | Q(receiving_organisation=filters.partner)
        )
    return _filtered(qs, filters, now or timezone.now()).order_by("-created_at", "-id")


def record_listed(actor: Actor, codes: list[str], via: str = "page") -> None:
    """A list of handoffs names participants: one read entry naming every handoff shown."""
    if not codes:
        return
    record(
        actor,
        "handoff.list",
        kind=EntryKind.READ,
        target={
            "object_type": "handoffs.handoff",
            "object_id": f"{len(codes)} shown",
            "object_label": "",
            "object_organisation_code": actor.org_code,
        },
        changes={"via": via, "shown": codes},
    )


__all__ = [
    "BoxFilters",
    "HandoffState",
    "inbox_for",
    "outbox_for",
    "record_listed",
    "visible_for",
]
