"""The handoffs card of the home page: what waits for the person's organisation and what it
has sent that is stuck, counted over the handoffs they can see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from seamline.access import Actor
from seamline.network.choices import Role

from .. import access
from ..choices import HandoffState
from ..models import Handoff

# The roles that run handoffs day to day and watch over them (as the cases card); workers reach
# the inbox from the menu, administrators have cards of their own.
CARD_ROLES = (Role.COORDINATOR, Role.SUPERVISOR, Role.QUALITY_LEAD)


def shows_card(actor: Actor) -> bool:
    return access.is_staff(actor) and actor.has(*CARD_ROLES)


def handoffs_card(actor: Actor) -> dict[str, Any]:
    now = timezone.now()
    org = actor.organisation
    received = Handoff.objects.filter(receiving_organisation=org)
    sent = Handoff.objects.filter(sender_organisation=org)
    return {
        "waiting": received.waiting().count(),
        "waiting_overdue": received.waiting().overdue(now).count(),
        "drafts": sent.filter(state=HandoffState.DRAFT).count(),
        "info_requested": sent.filter(state=HandoffState.INFO_REQUESTED).count(),
        "rejected_open": sent.filter(state=HandoffState.REJECTED, resolved_at__isnull=True).count(),
        "mismatches": received.filter(
            repeat_back__mismatch_flagged_at__isnull=False,
            accepted_at__gte=now - timedelta(days=30),
        ).count(),
        "organisation": org,
    }


def register_cards() -> None:
    """Called from the handoffs app's `ready()`."""
    from seamline.network.cards import Card, register

    register(Card("handoffs", "handoffs/cards/handoffs.html", shows_card, handoffs_card, 25))
