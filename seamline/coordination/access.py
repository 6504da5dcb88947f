"""Who may see, create and complete owned actions.

An action is part of its participant's record, so it is seen exactly when the participant is
(`cases.access`): out of sight is "not found". Completing one is for the people who answer for
it: the named person, anyone holding the named role in the owning organisation, and that
organisation's coordinators, supervisors and partner admins (who cover absences).
"""

from __future__ import annotations

import uuid

from seamline.access import Actor, ReadOnly
from seamline.cases.access import sees_participants
from seamline.cases.choices import OWNER_ROLES
from seamline.network.access import refuse
from seamline.network.choices import Role

from .models import Action

# Who covers for an absent owner within the owning organisation.
COVER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.SUPERVISOR, Role.COORDINATOR})


def can_list_actions(actor: Actor) -> bool:
    return sees_participants(actor)


def can_create_actions(actor: Actor) -> bool:
    return not actor.read_only and sees_participants(actor) and actor.has(*OWNER_ROLES)


def can_complete(actor: Actor, action: Action) -> bool:
    if actor.read_only or actor.user is None or not actor.member_of(action.owner_organisation):
        return False
    if action.owner_person is not None and action.owner_person.pk == actor.user.pk:
        return True
    if action.owner_role and actor.has(action.owner_role):
        return True
    return actor.has(*COVER_ROLES)


def get_action_for_user(actor: Actor, action_uuid: object, write: bool = False) -> Action:
    try:
        wanted = uuid.UUID(str(action_uuid))
    except ValueError:
        wanted = None
    found = (
        Action.objects.visible_to(actor)
        .select_related("participant", "owner_organisation", "owner_person")
        .filter(uuid=wanted)
        .first()
        if wanted is not None and sees_participants(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "coordination.action", str(action_uuid))
    if write and not can_complete(actor, found):
        raise ReadOnly(
            "Only the action's owner, the role it is given to, or the owning organisation's "
            "coordinators, supervisors and partner admins complete it."
        )
    return found
