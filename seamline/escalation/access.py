"""Who sees and answers escalations, and who keeps the threshold set and ladders.

An escalation is part of its participant's record, so it is seen exactly when the participant
is (`cases.access`); out of sight is "not found". It is answered by people of the responsible
partner holding its responsible role, the role of the rung it stands on, or a coordinating role
(coordinator, supervisor, partner admin), and by the prime's quality lead and network admin.
The clinical review is for supervisors (clinical leads) and the quality lead. The threshold set
and ladders are kept by the prime's quality lead and network admin; everyone who reads
participant records reads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seamline.access import Actor, ReadOnly
from seamline.cases.access import sees_participants
from seamline.cases.models import Participant
from seamline.network.access import refuse
from seamline.network.choices import Role

from .models import Escalation

if TYPE_CHECKING:
    from .models import EscalationQuerySet

PARTNER_ROLES = frozenset({Role.COORDINATOR, Role.SUPERVISOR, Role.PARTNER_ADMIN})
NETWORK_ROLES = frozenset({Role.QUALITY_LEAD, Role.NETWORK_ADMIN})
REVIEW_ROLES = frozenset({Role.SUPERVISOR, Role.QUALITY_LEAD})


def escalations_visible_to(qs: EscalationQuerySet, actor: Actor) -> EscalationQuerySet:
    if actor.is_system:
        return qs
    if not sees_participants(actor):
        return qs.none()
    return qs.filter(participant__in=Participant.objects.visible_to(actor).values("pk"))


def can_list(actor: Actor) -> bool:
    return sees_participants(actor)


def can_keep_thresholds(actor: Actor) -> bool:
    return not actor.read_only and actor.in_prime and actor.has(*NETWORK_ROLES)


def can_act(actor: Actor, escalation: Escalation, rung_role: str = "") -> bool:
    """May `actor` acknowledge or resolve `escalation` (which they can see)?"""
    if actor.read_only or actor.user is None:
        return False
    if actor.in_prime and actor.has(*NETWORK_ROLES):
        return True
    if not actor.member_of(escalation.organisation):
        return False
    roles = {escalation.responsible_role, *PARTNER_ROLES}
    if rung_role:
        roles.add(rung_role)
    return actor.has(*roles)


def can_review(actor: Actor, escalation: Escalation) -> bool:
    """May `actor` record the clinical review?"""
    return can_act(actor, escalation) and actor.has(*REVIEW_ROLES)


def get_escalation_for_user(actor: Actor, code: str, write: bool = False) -> Escalation:
    found = (
        Escalation.objects.visible_to(actor)
        .select_related("participant", "pathway", "organisation", "referral", "threshold_version")
        .filter(code=str(code).upper())
        .first()
        if can_list(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "escalation.escalation", str(code))
    if write and not can_act(actor, found):
        raise ReadOnly(
            "Only the responsible partner's coordinators, supervisors and partner admins, the "
            "escalation's responsible role, and the prime's quality lead answer it."
        )
    return found
