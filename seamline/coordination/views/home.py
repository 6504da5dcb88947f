"""The coordination card of the home page, for coordinators and supervisors: their own open and
overdue actions, their organisation's overdue ones, today's coordinator gaps, the cohorts
meeting today and the post-discharge sprints in progress, counted over the participants they see."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from seamline.access import Actor
from seamline.network.choices import Role

from .. import access, duty, rules
from ..models import Action, Cohort, Sprint

CARD_ROLES = (Role.COORDINATOR, Role.SUPERVISOR)


def shows_card(actor: Actor) -> bool:
    return access.can_list_actions(actor) and actor.has(*CARD_ROLES)


def coordination_card(actor: Actor) -> dict[str, Any]:
    now = timezone.now()
    today = timezone.localdate(now)
    visible = Action.objects.visible_to(actor)
    mine = visible.owned_by(actor).open()
    held = set(
        Cohort.objects.filter(huddles__held_on=today).values_list("code", flat=True).distinct()
    )
    meeting = [
        (cohort, cohort.code in held)
        for cohort in Cohort.objects.all()
        if rules.meets_on(cohort.cadence, today)
    ]
    return {
        "mine": mine.count(),
        "mine_overdue": mine.overdue(now).count(),
        "organisation_overdue": visible.filter(owner_organisation=actor.organisation)
        .overdue(now)
        .count(),
        "gaps": len({g.participant_code for g in duty.gaps(actor, today)}),
        "meeting": meeting,
        "sprints": Sprint.objects.visible_to(actor).filter(completed_at__isnull=True).count(),
    }


def register_cards() -> None:
    """Called from the coordination app's `ready()`."""
    from seamline.network.cards import Card, register

    register(
        Card(
            "coordination",
            "coordination/cards/coordination.html",
            shows_card,
            coordination_card,
            26,
        )
    )
