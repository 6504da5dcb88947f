"""Who may see and change organisations, people, pathways and decision rights.

Loaders (`get_*_for_user`) are the only way pages, API endpoints and commands reach one of
these objects: they answer `NotFound` (404) for "missing or not yours" and `ReadOnly` (403) for
"visible but not yours to change". Every refusal is written to the audit log.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from seamline.access import Actor, NotFound, ReadOnly
from seamline.audit.actions import record
from seamline.audit.models import EntryKind

from .choices import Role
from .models import Network, Organisation, Pathway, User

if TYPE_CHECKING:
    from .models import UserQuerySet

# Roles that see the people of their own organisation (names, contact details, roles).
ORG_PEOPLE_ROLES = frozenset(
    {Role.PARTNER_ADMIN, Role.SUPERVISOR, Role.COORDINATOR, Role.SCHEDULER, Role.QUALITY_LEAD}
)


def _log_refusal(actor: Actor, what: str, ident: str, reason: str = "") -> None:
    record(
        actor,
        "access.refused",
        kind=EntryKind.REFUSED,
        reason=reason,
        target={
            "object_type": what,
            "object_id": str(ident)[:100],
            "object_label": "",
            "object_organisation_code": "",
        },
    )


def refuse(actor: Actor, what: str, ident: str) -> NotFound:
    """Log the refused access and return the exception to raise (nothing about the record)."""
    _log_refusal(actor, what, ident)
    return NotFound()


def _read_only(actor: Actor, message: str, what: str, ident: str) -> ReadOnly:
    """Log the refused change (the reason says why) and return the exception to raise."""
    _log_refusal(actor, what, ident, reason=message)
    return ReadOnly(message)


# --- the network ---------------------------------------------------------------------------


def can_manage_network(actor: Actor) -> bool:
    return actor.is_network_admin


def get_network_for_user(actor: Actor, write: bool = False) -> Network:
    if not actor.roles:
        raise refuse(actor, "network.network", "settings")
    if write and not can_manage_network(actor):
        raise _read_only(
            actor,
            "Only the network admin of the prime provider changes settings.",
            "network.network",
            "settings",
        )
    return Network.current()


# --- organisations ---------------------------------------------------------------------------


def can_edit_organisation(actor: Actor, org: Organisation) -> bool:
    if actor.read_only:
        return False
    return actor.is_network_admin or (actor.member_of(org) and actor.has(Role.PARTNER_ADMIN))


def get_organisation_for_user(actor: Actor, code: str, write: bool = False) -> Organisation:
    org = Organisation.objects.visible_to(actor).filter(code=code).first()
    if org is None:
        raise refuse(actor, "network.organisation", code)
    if write and not can_edit_organisation(actor, org):
        raise _read_only(
            actor,
            "Only this organisation's partner admin or the network admin can change it.",
            "network.organisation",
            code,
        )
    return org


# --- people ----------------------------------------------------------------------------------


def can_see_people_of(actor: Actor, org: Organisation) -> bool:
    if actor.is_network_admin or actor.has(Role.INSPECTOR):
        return True
    if actor.in_prime and actor.has(Role.QUALITY_LEAD):
        return True
    return actor.member_of(org) and actor.has(*ORG_PEOPLE_ROLES)


def can_manage_people_of(actor: Actor, org: Organisation) -> bool:
    if actor.read_only:
        return False
    return actor.is_network_admin or (actor.member_of(org) and actor.has(Role.PARTNER_ADMIN))


def people_visible_to(qs: UserQuerySet, actor: Actor) -> UserQuerySet:
    if actor.user is None or not actor.roles:
        return qs.none()
    if (
        actor.is_network_admin
        or actor.has(Role.INSPECTOR)
        or (actor.in_prime and actor.has(Role.QUALITY_LEAD))
    ):
        return qs
    if actor.organisation is not None and actor.has(*ORG_PEOPLE_ROLES):
        return qs.filter(
            memberships__organisation=actor.organisation, memberships__ended_at__isnull=True
        ).distinct()
    return qs.filter(pk=actor.user.pk)


def get_person_for_user(actor: Actor, person_uuid: str, write: bool = False) -> User:
    try:
        wanted = uuid.UUID(str(person_uuid))
    except ValueError:  # a malformed id is "not found" too
        raise refuse(actor, "network.user", str(person_uuid)) from None
    person = User.objects.visible_to(actor).filter(uuid=wanted).first()
    if person is None:
        raise refuse(actor, "network.user", str(person_uuid))
    if write:
        membership = person.current_membership()
        org = membership.organisation if membership else None
        if org is None or not can_manage_people_of(actor, org):
            raise _read_only(
                actor,
                "Only this person's partner admin or the network admin can change their access.",
                "network.user",
                str(person.uuid),
            )
    return person


def get_people_page_for_user(actor: Actor, code: str) -> Organisation:
    """The staff list of an organisation is private to it (and to the prime's network admin)."""
    org = get_organisation_for_user(actor, code)
    if not can_see_people_of(actor, org):
        raise refuse(actor, "network.organisation.people", code)
    return org


def grantable_roles(actor: Actor, org: Organisation) -> list[str]:
    """The roles `actor` may grant to a member of `org` (rules in `network.rules`)."""
    from .rules import role_grant_reasons

    return [
        role
        for role in Role.values
        if not role_grant_reasons(
            role=role,
            org_kind=org.kind,
            granter_roles=actor.roles,
            granter_in_prime=actor.in_prime,
            same_org=actor.member_of(org),
            has_expiry=True,
        )
    ]


# --- pathways and decision rights --------------------------------------------------------------


def can_design_pathways(actor: Actor, pathway: Pathway | None = None) -> bool:
    if actor.read_only:
        return False
    if actor.in_prime and actor.has(Role.NETWORK_ADMIN, Role.QUALITY_LEAD):
        return True
    return (
        pathway is not None
        and actor.member_of(pathway.lead_organisation)
        and actor.has(Role.NETWORK_ADMIN, Role.QUALITY_LEAD)
    )


def get_pathway_for_user(actor: Actor, code: str, write: bool = False) -> Pathway:
    pathway = (
        Pathway.objects.visible_to(actor)
        .select_related("lead_organisation")
        .filter(code=code)
        .first()
    )
    if pathway is None:
        raise refuse(actor, "network.pathway", code)
    if write and not can_design_pathways(actor, pathway):
        raise _read_only(
            actor,
            "Only the prime's network admin or quality lead changes pathways.",
            "network.pathway",
            code,
        )
    return pathway


def can_edit_decision_rights(actor: Actor) -> bool:
    return not actor.read_only and actor.is_network_admin


def organisations_for(actor: Actor) -> QuerySet[Organisation]:
    return Organisation.objects.visible_to(actor)
