"""Who sees which audit entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from seamline.access import Actor
from seamline.network.choices import Role

if TYPE_CHECKING:
    from .models import AuditEntryQuerySet


def can_read_log(actor: Actor) -> bool:
    return actor.is_network_admin or actor.has(
        Role.PARTNER_ADMIN, Role.QUALITY_LEAD, Role.INSPECTOR
    )


def entries_visible_to(qs: AuditEntryQuerySet, actor: Actor) -> AuditEntryQuerySet:
    """The prime's network admin and quality lead, and inspectors, read the whole log; a partner
    admin or quality lead reads entries made by or about their own organisation; anyone else
    reads nothing."""
    if actor.user is None or not can_read_log(actor):
        return qs.none()
    if (
        actor.is_network_admin
        or actor.has(Role.INSPECTOR)
        or (actor.in_prime and actor.has(Role.QUALITY_LEAD))
    ):
        return qs
    code = actor.org_code
    return qs.filter(Q(organisation_code=code) | Q(object_organisation_code=code))
