"""Who may see, create and complete owned actions; who keeps the coordinator rota and runs
huddles.

An action is part of its participant's record, so it is seen exactly when the participant is
(`cases.access`): out of sight is "not found". Completing one is for the people who answer for
it: the named person, anyone holding the named role in the owning organisation, and that
organisation's coordinators, supervisors and partner admins (who cover absences).

The coordinator rota and absences are kept by coordinators, supervisors and partner admins for
people of their own organisation. Huddle cohorts are seen by everyone who reads participant
records (a cohort's code and name say nothing about anyone); its members, roster and decisions
only as far as the viewer sees each participant. Coordinators, supervisors and partner admins
create cohorts and run huddles.

Contact and daily records are read with their participant and written by anyone in a network
role who sees them (not inspectors). The documentation figures and the late records are for
supervisors, partner admins and quality leads, about their own organisation's records, and for
the prime's quality leads, network admins and inspectors, about every partner's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seamline.access import Actor, ReadOnly
from seamline.cases.access import sees_participants
from seamline.cases.choices import OWNER_ROLES
from seamline.cases.models import Participant
from seamline.network.access import refuse
from seamline.network.choices import Role

from .models import Action, Cohort, Huddle, RotaEntry, Sprint, SprintStep

if TYPE_CHECKING:
    from seamline.network.models import Organisation
from .rules import COORDINATING_ROLES

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


def can_see_duty(actor: Actor) -> bool:
    return sees_participants(actor)


def can_keep_rota(actor: Actor) -> bool:
    return not actor.read_only and sees_participants(actor) and actor.has(*COORDINATING_ROLES)


def can_see_huddles(actor: Actor) -> bool:
    return sees_participants(actor)


def can_run_huddles(actor: Actor) -> bool:
    return not actor.read_only and sees_participants(actor) and actor.has(*COORDINATING_ROLES)


def _only_runners(actor: Actor) -> None:
    if not can_run_huddles(actor):
        raise ReadOnly("Only coordinators, supervisors and partner admins run huddles.")


def get_cohort_for_user(actor: Actor, code: str, write: bool = False) -> Cohort:
    found = (
        Cohort.objects.select_related("organisation").filter(code=str(code).strip().lower()).first()
        if can_see_huddles(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "coordination.cohort", str(code))
    if write:
        _only_runners(actor)
    return found


def get_huddle_for_user(actor: Actor, huddle_uuid: object, write: bool = False) -> Huddle:
    try:
        wanted = uuid.UUID(str(huddle_uuid))
    except ValueError:
        wanted = None
    found = (
        Huddle.objects.select_related("cohort", "chair", "organisation").filter(uuid=wanted).first()
        if wanted is not None and can_see_huddles(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "coordination.huddle", str(huddle_uuid))
    if write:
        _only_runners(actor)
    return found


def get_rota_entry_for_user(actor: Actor, entry_uuid: object, write: bool = False) -> RotaEntry:
    """A rota entry is part of its participant's record: seen exactly when they are; changed
    by the rota keepers of the entry's organisation."""
    try:
        wanted = uuid.UUID(str(entry_uuid))
    except ValueError:
        wanted = None
    found = (
        RotaEntry.objects.select_related("participant", "coordinator", "organisation")
        .filter(
            uuid=wanted,
            participant__in=Participant.objects.visible_to(actor).values("pk"),
        )
        .first()
        if wanted is not None and sees_participants(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "coordination.rota_entry", str(entry_uuid))
    if write and not (can_keep_rota(actor) and actor.member_of(found.organisation)):
        raise ReadOnly("Only the rota keepers of the coordinator's organisation change the entry.")
    return found


def get_sprint_for_user(actor: Actor, sprint_uuid: object) -> Sprint:
    """A post-discharge sprint, seen exactly when its participant is."""
    try:
        wanted = uuid.UUID(str(sprint_uuid))
    except ValueError:
        wanted = None
    found = (
        Sprint.objects.visible_to(actor)
        .select_related("participant", "organisation", "pathway", "referral")
        .filter(uuid=wanted)
        .first()
        if wanted is not None and sees_participants(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "coordination.sprint", str(sprint_uuid))
    return found


def get_step_for_user(
    actor: Actor, sprint_uuid: object, code: str, write: bool = False
) -> SprintStep:
    """One step of a sprint the actor sees; writing it is for the owners of its action."""
    sprint = get_sprint_for_user(actor, sprint_uuid)
    step = (
        SprintStep.objects.select_related(
            "action__owner_organisation", "action__owner_person", "action__participant"
        )
        .filter(sprint=sprint, code=code)
        .first()
    )
    if step is None:
        raise refuse(actor, "coordination.sprint_step", f"{sprint_uuid}/{code}")
    step.sprint = sprint
    if write and not can_complete(actor, step.action):
        raise ReadOnly("Only the step's owners, or their organisation's coordinators, complete it.")
    return step


def can_see_sprints(actor: Actor) -> bool:
    return sees_participants(actor)


# --- the 24-hour documentation standard ------------------------------------------------------

# Who reads documentation figures and late records about their own organisation's records.
DOCUMENTATION_PARTNER_ROLES = frozenset({Role.SUPERVISOR, Role.PARTNER_ADMIN, Role.QUALITY_LEAD})
# Who, in the prime, reads them about every partner's.
DOCUMENTATION_NETWORK_ROLES = frozenset({Role.QUALITY_LEAD, Role.NETWORK_ADMIN, Role.INSPECTOR})


def can_write_records(actor: Actor) -> bool:
    return not actor.read_only and sees_participants(actor)


@dataclass(frozen=True)
class DocumentationScope:
    """Whose records a reader of the documentation figures sees: one organisation's, or every
    partner's (`organisation` None)."""

    organisation: Organisation | None

    @property
    def network(self) -> bool:
        return self.organisation is None


def documentation_scope(actor: Actor) -> DocumentationScope | None:
    """None when the actor reads no documentation figures at all."""
    if actor.is_system:
        return DocumentationScope(None)
    if not sees_participants(actor):
        return None
    if actor.in_prime and actor.has(*DOCUMENTATION_NETWORK_ROLES):
        return DocumentationScope(None)
    if actor.has(*DOCUMENTATION_PARTNER_ROLES):
        return DocumentationScope(actor.organisation)
    return None


def require_documentation_scope(actor: Actor) -> DocumentationScope:
    scope = documentation_scope(actor)
    if scope is None:
        raise refuse(actor, "coordination.documentation", "documentation")
    return scope


def can_see_documentation(actor: Actor) -> bool:
    return documentation_scope(actor) is not None


def can_see_today(actor: Actor) -> bool:
    """The "Today" page is for the people who coordinate: coordinators, supervisors and
    partner admins."""
    return sees_participants(actor) and actor.has(*COORDINATING_ROLES)
