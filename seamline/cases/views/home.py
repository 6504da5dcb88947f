"""The home-page card of the cases app: the numbers a coordinator or quality lead starts the
day with, counted over the records the person can see and nothing else."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from seamline.access import Actor
from seamline.network.choices import Role

from .. import access
from ..lists import first_contact_standards, long_wait_filter
from ..models import Participant, Referral

# The roles that run cases day to day (coordinators, supervisors) and watch over them (quality
# leads); administrators, workers and inspectors have cards of their own.
CARD_ROLES = (Role.COORDINATOR, Role.SUPERVISOR, Role.QUALITY_LEAD)


def shows_card(actor: Actor) -> bool:
    return access.can_list_participants(actor) and actor.has(*CARD_ROLES)


def cases_card(actor: Actor) -> dict[str, Any]:
    now = timezone.now()
    visible = Referral.objects.visible_to(actor, now).open()
    ours = visible.filter(owner_organisation=actor.organisation)
    return {
        "open_owned": ours.count(),
        "owned_by_me": ours.filter(owner_person=actor.user).count(),
        "long_waits": ours.filter(long_wait_filter(now, first_contact_standards())).count(),
        "high_risk": Participant.objects.visible_to(actor, now).active().high_risk(now).count(),
        "organisation": actor.organisation,
    }


def register_cards() -> None:
    """Called from the cases app's `ready()`."""
    from seamline.network.cards import Card, register

    register(Card("cases", "cases/cards/cases.html", shows_card, cases_card, 20))
