"""Who may see and act on handoffs, templates and audit samples (SPEC C1, C6).

A handoff is seen by:

* the sending organisation, from the first draft;
* the receiving organisation, once it has been sent (a draft is the sender's own);
* any other organisation that sees the participant's record (`cases.access`: the prime on its
  pathways, the rest of the care team as consent allows), once it has been sent.

Before accepting, the receiving organisation sees the bundle and no more: the participant's
record stays "not found" to it until acceptance gives it a part in the care. Everyone with a
network role in those organisations reads; commissioners read nothing here.

Moves are for one side only: the sender's staff draft, edit, send, withdraw, resolve a
rejection and flag a repeat-back mismatch; the receiver's staff accept, reject and ask for
information (`rules.MOVES` says which state allows which). Staff means someone who may own a
case (`cases.choices.OWNER_ROLES`); inspectors never change anything.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db.models import Q

from seamline.access import Actor, ReadOnly
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases.access import sees_participants
from seamline.cases.choices import OWNER_ROLES
from seamline.cases.models import Participant, Referral
from seamline.network.access import refuse
from seamline.network.choices import Role

from .choices import Transition
from .models import AuditSample, BundleTemplate, Handoff
from .rules import RECEIVER, SENDER

if TYPE_CHECKING:
    from .models import HandoffQuerySet

# Who audits handoffs with the scoring tool: each partner's quality lead and clinical leads.
AUDITOR_ROLES = frozenset({Role.QUALITY_LEAD, Role.SUPERVISOR})


def _refused_change(actor: Actor, message: str, ident: str) -> ReadOnly:
    record(
        actor,
        "access.refused",
        kind=EntryKind.REFUSED,
        reason=message,
        target={
            "object_type": "handoffs.handoff",
            "object_id": ident[:100],
            "object_label": "",
            "object_organisation_code": "",
        },
    )
    return ReadOnly(message)


# --- predicates ------------------------------------------------------------------------------


def sees_handoffs(actor: Actor) -> bool:
    return sees_participants(actor)


def is_staff(actor: Actor) -> bool:
    """May act on handoffs for their organisation: not read-only, and a role that owns cases."""
    return not actor.read_only and sees_participants(actor) and actor.has(*OWNER_ROLES)


def sides(actor: Actor, handoff: Handoff) -> frozenset[str]:
    """The sides of the handoff `actor` may act for (none, one, or both within one team)."""
    if not is_staff(actor):
        return frozenset()
    found = set()
    if actor.member_of(handoff.sender_organisation):
        found.add(SENDER)
    if actor.member_of(handoff.receiving_organisation) and handoff.first_sent_at is not None:
        found.add(RECEIVER)
    return frozenset(found)


def can_hand_over(actor: Actor, referral: Referral) -> bool:
    """May `actor` start a handoff of this case? Its owning organisation's staff."""
    return is_staff(actor) and actor.member_of(referral.owner_organisation)


def can_edit_templates(actor: Actor) -> bool:
    """The network's quality lead (and the network admin) keep the bundle templates."""
    return (
        not actor.read_only and actor.in_prime and actor.has(Role.QUALITY_LEAD, Role.NETWORK_ADMIN)
    )


def can_audit(actor: Actor) -> bool:
    return not actor.read_only and sees_participants(actor) and actor.has(*AUDITOR_ROLES)


def can_read_audits(actor: Actor) -> bool:
    return sees_participants(actor) and actor.has(*AUDITOR_ROLES, Role.INSPECTOR)


# --- the visibility query -----------------------------------------------------------------------


def handoffs_visible_to(qs: HandoffQuerySet, actor: Actor) -> HandoffQuerySet:
    if not sees_handoffs(actor):
        return qs.none()
    org = actor.organisation
    assert org is not None
    sent = Q(first_sent_at__isnull=False)
    in_care = Q(referral__participant__in=Participant.objects.visible_to(actor).values("pk"))
    return qs.filter(
        Q(sender_organisation=org) | (sent & (Q(receiving_organisation=org) | in_care))
    )


# --- loaders ---------------------------------------------------------------------------------


def get_handoff_for_user(actor: Actor, code: str, move: str | None = None) -> Handoff:
    """The handoff with this code if `actor` may see it (404 otherwise, whether or not it
    exists). With `move`, also that `actor` is on the side that makes it (403 otherwise); the
    state is the action's to check, against the version the caller read."""
    found = (
        Handoff.objects.visible_to(actor)
        .select_related(
            "referral__participant",
            "referral__pathway",
            "referral__owner_organisation",
            "template",
            "template_version",
            "step",
            "sender_organisation",
            "receiving_organisation",
            "created_by",
            "accepted_by",
        )
        .filter(code=str(code).strip().upper())
        .first()
    )
    if found is None:
        raise refuse(actor, "handoffs.handoff", str(code))
    if move is not None:
        from .rules import MOVES

        side = MOVES[move][0]
        if side not in sides(actor, found):
            who = "sending" if side == SENDER else "receiving"
            raise _refused_change(
                actor, f"Only the {who} organisation's staff may do this.", found.code
            )
    return found


def get_template_for_user(actor: Actor, transition: str, write: bool = False) -> BundleTemplate:
    found = (
        BundleTemplate.objects.select_related("current")
        .filter(transition=str(transition).strip())
        .first()
        if transition in Transition.values and actor.roles and not actor.aggregates_only
        else None
    )
    if found is None:
        raise refuse(actor, "handoffs.bundletemplate", str(transition))
    if write and not can_edit_templates(actor):
        raise ReadOnly("Only the network's quality lead or the network admin edits templates.")
    return found


def get_sample_for_user(actor: Actor, sample_uuid: str) -> AuditSample:
    """An audit sample: its own organisation's auditors (and inspectors) read it."""
    try:
        wanted = uuid.UUID(str(sample_uuid))
    except ValueError:
        wanted = None
    found = (
        AuditSample.objects.select_related("organisation", "partner", "drawn_by")
        .filter(uuid=wanted, organisation=actor.organisation)
        .first()
        if wanted is not None and can_read_audits(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "handoffs.auditsample", str(sample_uuid))
    return found
