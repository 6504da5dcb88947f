"""Every change to owned actions: creating one and completing it, each in one transaction with
its audit entry. The rules are pure functions in `coordination.rules`."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.cases.models import CareTeamMember, Participant
from seamline.errors import Reason, RuleViolation
from seamline.network.models import Organisation, User
from seamline.versioning import claim_version

from . import access, rules
from .choices import ActionSource
from .models import Action


def care_organisations(participant: Participant, at: datetime | None = None) -> frozenset[str]:
    """Codes of the organisations with an active part in the participant's care at `at`."""
    return frozenset(
        CareTeamMember.objects.active(at or timezone.now())
        .filter(participant=participant)
        .values_list("organisation__code", flat=True)
    )


def person_organisation(person: User | None) -> str | None:
    if person is None:
        return None
    membership = person.current_membership()
    return membership.organisation.code if membership is not None else None


def _may_create(actor: Actor, participant: Participant) -> bool:
    return (
        access.can_create_actions(actor)
        and Participant.objects.visible_to(actor).filter(pk=participant.pk).exists()
    )


def _raise_if(reasons: list[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


@transaction.atomic
def create_action(
    actor: Actor,
    participant: Participant,
    *,
    description: str,
    owner_organisation: Organisation,
    due_at: datetime | None,
    source: str,
    owner_person: User | None = None,
    owner_role: str = "",
    source_ref: str = "",
    at: datetime | None = None,
) -> Action:
    """Give someone the next action for a participant. The actor must be able to see the
    participant; the owner must belong to an organisation with a part in their care (SPEC C7).

    Callers that create actions as part of their own work (a handoff's acceptance) call this
    inside their transaction, after giving the owner's organisation its part."""
    if not actor.is_system and not _may_create(actor, participant):
        raise RuleViolation.one("not_permitted", "You may not set actions for this person.")
    if source not in ActionSource.values:
        raise RuleViolation.one("invalid_value", f"'{source}' is not an action source.", "source")
    when = at or timezone.now()
    reasons = rules.action_reasons(description=description, due_at=due_at)
    reasons += rules.owner_reasons(
        organisation=owner_organisation.code,
        organisation_name=owner_organisation.name,
        care_organisations=care_organisations(participant, when),
        person_organisation=person_organisation(owner_person),
        person_named=owner_person is not None,
        role=owner_role,
    )
    _raise_if(reasons)
    assert due_at is not None
    action = Action.objects.create(
        participant=participant,
        description=description.strip(),
        owner_organisation=owner_organisation,
        owner_person=owner_person,
        owner_role=owner_role,
        due_at=due_at,
        source=source,
        source_ref=source_ref,
        created_at=when,
        created_by=actor.user,
    )
    record(
        actor,
        "action.create",
        action,
        changes={
            "participant": participant.code,
            "owner": f"{owner_organisation.code}/"
            + (owner_person.username if owner_person else owner_role),
            "due_at": due_at,
            "source": f"{source}:{source_ref}" if source_ref else source,
        },
    )
    return action


@transaction.atomic
def complete_action(
    actor: Actor,
    action: Action,
    *,
    note: str = "",
    at: datetime | None = None,
    version: int | None = None,
) -> Action:
    """Mark the action done. Send the version read: two people closing it at once cannot both
    succeed."""
    if not access.can_complete(actor, action):
        raise RuleViolation.one("not_permitted", "Only the action's owners complete it.")
    now = timezone.now()
    when = at or now
    _raise_if(
        rules.completion_reasons(
            completed_at=action.completed_at, created_at=action.created_at, at=when, now=now
        )
    )
    claim_version(action, version, "This action")
    action.completed_at = when
    action.completed_by = actor.user
    action.completion_note = note.strip()
    action.save(update_fields=["completed_at", "completed_by", "completion_note"])
    record(actor, "action.complete", action, changes={"completed_at": [None, when]}, reason=note)
    return action
