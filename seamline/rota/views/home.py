"""The rota's home-page card: the week a scheduler starts with, counted over the visits the
person can see."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from seamline.access import Actor
from seamline.network.choices import Role

from .. import access, rules
from ..models import Assignment, Override, Visit

CARD_ROLES = (Role.SCHEDULER, Role.COORDINATOR, Role.SUPERVISOR)


def shows_card(actor: Actor) -> bool:
    return access.can_schedule(actor) and actor.has(*CARD_ROLES)


def rota_card(actor: Actor) -> dict[str, Any]:
    now = timezone.now()
    week = rules.week_of(timezone.localdate(now))
    start, end = rules.week_window(week, timezone.get_current_timezone())
    ours = Visit.objects.visible_to(actor).planned().between(start, end)
    if actor.organisation is not None:
        ours = ours.filter(organisation=actor.organisation)
    staffed = Exists(Assignment.objects.live().filter(visit=OuterRef("pk")))
    return {
        "week": week,
        "visits": ours.count(),
        "unassigned": ours.exclude(staffed).count(),
        "overrides": Override.objects.visible_to(actor)
        .live()
        .filter(expires_at__gt=now, visit__starts_at__gte=start, visit__starts_at__lt=end)
        .count(),
    }


def register_cards() -> None:
    """Called from the rota app's `ready()`."""
    from seamline.network.cards import Card, register

    register(Card("rota", "rota/cards/rota.html", shows_card, rota_card, 25))
