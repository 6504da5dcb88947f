"""Who may see, revise and acknowledge plans.

A plan is part of its participant's record, so it is seen exactly when the participant is
(`cases.access.get_participant_for_user`): out of sight is "not found" (404, logged). Those who
change a participant's record (coordinators, supervisors, partner admins, quality leads, the
network admin) revise the plan and complete its reviews; anyone with a case-owning role in an
organisation asked to acknowledge a version acknowledges it for that organisation; follow-up
actions are set by whoever may set coordination actions.
"""

from __future__ import annotations

from seamline.access import Actor, ReadOnly
from seamline.cases.access import can_record, get_participant_for_user, sees_participants
from seamline.cases.choices import OWNER_ROLES
from seamline.cases.models import Participant
from seamline.network.access import refuse

from .models import Acknowledgement, Plan, PlanReview, PlanVersion


def can_see_plans(actor: Actor) -> bool:
    return sees_participants(actor)


def can_list_acknowledgements(actor: Actor) -> bool:
    return sees_participants(actor)


def can_revise(actor: Actor) -> bool:
    return can_record(actor)


def can_acknowledge(actor: Actor, acknowledgement: Acknowledgement) -> bool:
    return (
        not actor.read_only
        and sees_participants(actor)
        and actor.member_of(acknowledgement.organisation)
        and actor.has(*OWNER_ROLES)
    )


def can_set_actions(actor: Actor) -> bool:
    return not actor.read_only and sees_participants(actor) and actor.has(*OWNER_ROLES)


def get_participant_for_plan(actor: Actor, code: str, write: bool = False) -> Participant:
    """The participant whose plan is asked for (404 when not seen). `write`: may revise."""
    participant = get_participant_for_user(actor, code, write=write)
    if write and not can_revise(actor):
        raise ReadOnly("Only those who change a participant's record revise their plan.")
    return participant


def get_plan_for_user(actor: Actor, code: str, write: bool = False) -> Plan:
    """The plan of the participant `code` (404 when the participant is not seen or has no
    plan yet)."""
    participant = get_participant_for_plan(actor, code, write=write)
    plan = Plan.objects.select_related("participant").filter(participant=participant).first()
    if plan is None:
        raise refuse(actor, "plans.plan", participant.code)
    return plan


def get_version_for_user(actor: Actor, code: str, number: int) -> PlanVersion:
    plan = get_plan_for_user(actor, code)
    found = plan.versions.select_related("plan__participant").filter(number=number).first()
    if found is None:
        raise refuse(actor, "plans.version", f"{plan.participant.code}:v{number}")
    return found


def get_acknowledgement_for_user(
    actor: Actor, code: str, number: int, write: bool = False
) -> Acknowledgement:
    """The acknowledgement asked of the actor's organisation for version `number` of the plan
    (404 when the plan is not seen or nothing was asked of that organisation)."""
    version = get_version_for_user(actor, code, number)
    found = (
        Acknowledgement.objects.select_related("organisation", "version__plan__participant")
        .filter(version=version, organisation=actor.organisation)
        .first()
        if actor.organisation is not None
        else None
    )
    if found is None:
        raise refuse(actor, "plans.acknowledgement", version.ref)
    if write and not can_acknowledge(actor, found):
        raise ReadOnly("Your access does not acknowledge plans.")
    return found


def get_review_for_user(
    actor: Actor, code: str, review_uuid: str, write: bool = False
) -> PlanReview:
    plan = get_plan_for_user(actor, code)
    wanted = _uuid(review_uuid)
    found = (
        plan.reviews.select_related("plan__participant").filter(uuid=wanted).first()
        if wanted
        else None
    )
    if found is None:
        raise refuse(actor, "plans.review", str(review_uuid))
    if write and not can_revise(actor):
        raise ReadOnly("Only those who change a participant's record complete plan reviews.")
    return found


def _uuid(value: str) -> str | None:
    from seamline.network.views.common import parse_uuid

    return parse_uuid(value)
