"""Who sees and works safeguarding concerns.

A concern is personal data about its participant. It is seen by those who may see the
participant (`cases.access`) and by the safeguarding lead of its pathway (people holding the
lead's role in the lead's organisation), who must see every concern on their pathway whoever
owns the case; anyone else is told "not found" (404), and the refusal is logged. Concerns are
raised by anyone who records or works with the participant (frontline workers included).
Triage (meetings and decisions) is for the pathway's safeguarding lead and the prime's quality
lead and network admin; the leads themselves are set by the prime's quality lead and network
admin. A pathway with no lead of its own has its lead organisation's quality lead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db.models import Q

from seamline.access import Actor, ReadOnly
from seamline.cases.access import sees_participants
from seamline.cases.choices import OWNER_ROLES
from seamline.cases.models import Participant
from seamline.network.access import refuse
from seamline.network.choices import Role
from seamline.network.models import Pathway

from .. import access as escalation_access
from ..models import SafeguardingConcern

if TYPE_CHECKING:
    from ..models import ConcernQuerySet

DEFAULT_LEAD_ROLE = Role.QUALITY_LEAD


def leads() -> dict[int, tuple[int, str]]:
    """Every pathway's safeguarding lead as {pathway id: (organisation id, role)}, in one
    query."""
    rows = Pathway.objects.values_list(
        "pk",
        "lead_organisation_id",
        "safeguarding_lead__organisation_id",
        "safeguarding_lead__role",
    )
    return {
        pk: (org, role) if org is not None and role else (lead_org, str(DEFAULT_LEAD_ROLE))
        for pk, lead_org, org, role in rows
    }


def led_pathway_ids(actor: Actor) -> frozenset[int]:
    """The pathways whose safeguarding lead `actor` is now."""
    if actor.user is None or actor.organisation is None:
        return frozenset()
    org_id = actor.organisation.pk
    return frozenset(
        pk for pk, (org, role) in leads().items() if org == org_id and role in actor.roles
    )


def concerns_visible_to(qs: ConcernQuerySet, actor: Actor) -> ConcernQuerySet:
    if actor.is_system:
        return qs
    if not sees_participants(actor):
        return qs.none()
    seen = Q(participant__in=Participant.objects.visible_to(actor).values("pk"))
    led = led_pathway_ids(actor)
    if led:
        seen |= Q(pathway_id__in=led)
    return qs.filter(seen)


def can_list(actor: Actor) -> bool:
    """Reads concerns at all? Everyone who reads participant records (a lead's role is always
    one of those: `rules.lead_reasons`), so no query is needed."""
    return actor.is_system or sees_participants(actor)


def can_raise(actor: Actor) -> bool:
    """Anyone who records or works with participants raises concerns (the participant must be
    one they see)."""
    return not actor.read_only and sees_participants(actor) and actor.has(*OWNER_ROLES)


def _network_keeper(actor: Actor) -> bool:
    return actor.in_prime and actor.has(*escalation_access.NETWORK_ROLES)


def can_triage(actor: Actor, concern: SafeguardingConcern | None = None) -> bool:
    """May `actor` hold triage meetings (no concern named) or decide on `concern`?"""
    if actor.read_only or actor.user is None:
        return False
    if _network_keeper(actor):
        return True
    led = led_pathway_ids(actor)
    return bool(led) if concern is None else concern.pathway_id in led


def triage_checker(actor: Actor) -> Callable[[SafeguardingConcern], bool]:
    """`can_triage(actor, concern)` for many concerns, reading the leads once."""
    if actor.read_only or actor.user is None:
        return lambda c: False
    if _network_keeper(actor):
        return lambda c: True
    led = led_pathway_ids(actor)
    return lambda c: c.pathway_id in led


def can_keep_leads(actor: Actor) -> bool:
    return escalation_access.can_keep_thresholds(actor)


def get_concern_for_user(actor: Actor, code: str, write: bool = False) -> SafeguardingConcern:
    found = (
        SafeguardingConcern.objects.visible_to(actor)
        .select_related(
            "participant",
            "pathway",
            "organisation",
            "lead_organisation",
            "raised_by",
            "escalation",
            "decision__meeting",
            "decision__notifier_organisation",
        )
        .filter(code=str(code).upper())
        .first()
        if can_list(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "escalation.safeguarding", str(code))
    if write and not can_triage(actor, found):
        raise ReadOnly(
            "Only the pathway's safeguarding lead and the prime's quality lead or network admin "
            "triage a concern."
        )
    return found
