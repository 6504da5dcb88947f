"""Who may see and change participants and their referrals (SPEC C1; docs/adr/0007).

The one place this is decided. An organisation sees a participant while it has an active part
in the care (a `CareTeamMember` row: owner, receiving, referrer, handoff, plan, visit, prime,
registered), narrowed by the participant's consent:

* consent to share with everyone involved (or none recorded): every organisation in the team;
* consent to share with named organisations only: those of them in the team, and the owners;
* consent withdrawn, lapsed or not yet in force: the owners only (they must go on caring).

Everyone with a network role in such an organisation reads the record; commissioners see no
participant at all, and inspectors see what their organisation sees, read-only. Anything else
is "not found" (404) and the refusal is logged, on pages, fragments, the API and exports alike;
lists, counts and searches start from `Participant.objects.visible_to(actor)`, so a hidden
participant changes no number anyone sees. `cases.rules.may_see` states the same rule in
plain Python and a test holds the two together.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import BigIntegerField, DateField, DateTimeField, Exists, OuterRef, Q
from django.utils import timezone

from seamline.access import NETWORK_ROLES, Actor, ReadOnly
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.network.access import refuse
from seamline.network.choices import Role
from seamline.network.models import Organisation
from seamline.rawrows import Param, Prepared

from .choices import MERGE_ROLES, OWNER_ROLES, RECORD_ROLES, CareReason, ConsentScope
from .models import (
    CareTeamMember,
    Consent,
    DeclinedWorker,
    Merge,
    Participant,
    Referral,
    RiskFlag,
)

if TYPE_CHECKING:
    from .models import ParticipantQuerySet

MERGE_CHAIN_LIMIT = 20


def _read_only(actor: Actor, message: str, what: str, ident: str) -> ReadOnly:
    """Log the refused change (the reason says why) and return the exception to raise."""
    record(
        actor,
        "access.refused",
        kind=EntryKind.REFUSED,
        reason=message,
        target={
            "object_type": what,
            "object_id": str(ident)[:100],
            "object_label": "",
            "object_organisation_code": "",
        },
    )
    return ReadOnly(message)


# --- predicates -------------------------------------------------------------------------------


def sees_participants(actor: Actor) -> bool:
    """Does `actor` read participant records at all? (Not commissioners: aggregates only.)"""
    return (
        actor.user is not None
        and actor.organisation is not None
        and bool(actor.roles & NETWORK_ROLES)
    )


def can_list_participants(actor: Actor) -> bool:
    return sees_participants(actor)


def can_register(actor: Actor) -> bool:
    """May `actor` register participants and record referrals for their organisation?"""
    return not actor.read_only and sees_participants(actor) and actor.has(*RECORD_ROLES)


def can_record(actor: Actor) -> bool:
    """May `actor` change what the record holds (details, identifiers, consent, preferences),
    for a participant they can see?"""
    return can_register(actor)


def can_raise_flags(actor: Actor) -> bool:
    """Frontline workers raise risk flags too: they see the risk first."""
    return not actor.read_only and sees_participants(actor) and actor.has(*OWNER_ROLES)


def can_work_referral(actor: Actor, referral: Referral) -> bool:
    """First contact and discharge: the owning organisation's staff, or the network admin."""
    if actor.read_only or not sees_participants(actor):
        return False
    if actor.is_network_admin:
        return True
    return actor.member_of(referral.owner_organisation) and actor.has(*OWNER_ROLES)


def can_reassign(actor: Actor) -> bool:
    """SPEC principle 2: outside a handoff, only an administrator reassigns a case: the network
    admin, or a partner admin of the prime provider."""
    return (
        not actor.read_only
        and actor.in_prime
        and actor.has(Role.NETWORK_ADMIN, Role.PARTNER_ADMIN)
        and sees_participants(actor)
    )


def can_review_duplicates(actor: Actor) -> bool:
    return not actor.read_only and sees_participants(actor) and actor.has(*MERGE_ROLES)


# --- the visibility query --------------------------------------------------------------------


def participants_visible_to_organisation(
    qs: ParticipantQuerySet, organisation: Organisation, at: datetime | None = None
) -> ParticipantQuerySet:
    """The participants `organisation` may see at `at` (see the module docstring).

    The consent that counts is the one in force at `at`: the newest recorded by then (the
    history is a single line through `supersedes`, so it is the one whose successor, if any,
    was recorded later). Asked about a past instant, the answer is what it was then."""
    at = at or timezone.now()
    return qs.filter(_visible(organisation, at, timezone.localdate(at)))


def _visible(organisation: Any, at: Any, today: Any) -> Q:
    """The condition of `participants_visible_to_organisation`: `organisation`, `at` and
    `today` are an organisation, an instant and its local date, or the `Param`s of a query
    compiled once (`_SEES_ONE`)."""
    parts = CareTeamMember.objects.active(at).filter(
        participant=OuterRef("pk"), organisation=organisation
    )
    recorded = Consent.objects.filter(participant=OuterRef("pk"), recorded_at__lte=at)
    superseded = Consent.objects.filter(supersedes=OuterRef("pk"), recorded_at__lte=at)
    in_force = (
        recorded.exclude(Exists(superseded))
        .filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
    )
    shared = (
        ~Q(Exists(recorded))
        | Q(Exists(in_force.filter(scope=ConsentScope.ALL_INVOLVED)))
        | Q(Exists(in_force.filter(scope=ConsentScope.NAMED, organisations=organisation)))
    )
    return Q(Exists(parts.filter(reason=CareReason.OWNER))) | (Q(Exists(parts)) & shared)


# Whether one organisation sees one participant: asked on every single check of the rota
# gate, so compiled once (`rawrows.Prepared`) rather than built through the ORM each time.
_SEES_ONE = Prepared(
    lambda: (
        Participant.objects.filter(pk=Param("participant", BigIntegerField()))
        .filter(
            _visible(
                Param("organisation", BigIntegerField()),
                Param("at", DateTimeField()),
                Param("today", DateField()),
            )
        )
        .order_by()
        .values_list("pk")[:1]
    ),
    planned_once=True,
)


def organisation_sees(
    organisation: Organisation, participant_id: int, at: datetime | None = None
) -> bool:
    """Does `organisation` see the participant `participant_id` at `at` (now when None)? The
    rule of `participants_visible_to_organisation`, for one participant, in one query."""
    at = at or timezone.now()
    found = _SEES_ONE.fetch(
        participant=participant_id,
        organisation=organisation.pk,
        at=at,
        today=timezone.localdate(at),
    )
    return bool(found)


def participants_visible_to(
    qs: ParticipantQuerySet, actor: Actor, at: datetime | None = None
) -> ParticipantQuerySet:
    if not sees_participants(actor):
        return qs.none()
    assert actor.organisation is not None
    return participants_visible_to_organisation(qs, actor.organisation, at)


def organisation_can_see(actor: Actor, participant: Participant) -> bool:
    """Does `actor` see `participant` now (for the actions' own check before writing)?"""
    if not sees_participants(actor):
        return False
    assert actor.organisation is not None
    return organisation_sees(actor.organisation, participant.pk)


# --- loaders ---------------------------------------------------------------------------------


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def survivor_of(participant: Participant) -> Participant:
    """The record a merged participant now lives in (itself when not merged)."""
    current = participant
    for _ in range(MERGE_CHAIN_LIMIT):
        if current.merged_into_id is None:
            return current
        current = Participant.objects.get(pk=current.merged_into_id)
    return current


def get_participant_for_user(actor: Actor, code: str, write: bool = False) -> Participant:
    """The participant with this code, if `actor` may see it (404 otherwise). A merged record
    is seen by whoever sees the record it was merged into; it cannot be changed."""
    found = (
        Participant.objects.select_related("current_consent", "registered_by", "merged_into")
        .filter(code=str(code).strip().upper())
        .first()
    )
    if found is None:
        raise refuse(actor, "cases.participant", str(code))
    survivor = survivor_of(found)
    if not Participant.objects.visible_to(actor).filter(pk=survivor.pk).exists():
        raise refuse(actor, "cases.participant", found.code)
    if write:
        if found.is_merged:
            raise _read_only(
                actor,
                f"{found.code} was merged into {survivor.code}: change that record instead.",
                "cases.participant",
                found.code,
            )
        if not can_record(actor):
            raise _read_only(
                actor,
                "Only coordinators, supervisors, partner admins, quality leads and the network "
                "admin change a participant's record.",
                "cases.participant",
                found.code,
            )
    return found


def get_referral_for_user(actor: Actor, code: str, write: bool = False) -> Referral:
    """The referral with this code, if `actor` sees its participant. `write`: first contact and
    discharge (the owning organisation, or the network admin)."""
    found = (
        Referral.objects.visible_to(actor)
        .select_related(
            "participant",
            "pathway",
            "referrer_organisation",
            "receiving_organisation",
            "owner_organisation",
            "owner_person",
        )
        .filter(code=str(code).strip().upper())
        .first()
    )
    if found is None:
        raise refuse(actor, "cases.referral", str(code))
    if write and not can_work_referral(actor, found):
        raise _read_only(
            actor,
            "Only the organisation that owns the case (or the network admin) records its "
            "first contact and discharge.",
            "cases.referral",
            found.code,
        )
    return found


def get_flag_for_user(actor: Actor, flag_uuid: str, write: bool = False) -> RiskFlag:
    wanted = _uuid(flag_uuid)
    found = (
        RiskFlag.objects.select_related("participant", "source_organisation")
        .filter(uuid=wanted, participant__in=Participant.objects.visible_to(actor).values("pk"))
        .first()
        if wanted
        else None
    )
    if found is None:
        raise refuse(actor, "cases.riskflag", str(flag_uuid))
    if write and not can_raise_flags(actor):
        raise _read_only(
            actor, "Your access does not change risk flags.", "cases.riskflag", str(found.uuid)
        )
    return found


def get_merge_for_user(actor: Actor, merge_uuid: str) -> Merge:
    """A merge, for undoing: its survivor must be visible to a quality lead or network admin."""
    wanted = _uuid(merge_uuid)
    found = (
        Merge.objects.select_related("survivor", "absorbed")
        .filter(uuid=wanted, survivor__in=Participant.objects.visible_to(actor).values("pk"))
        .first()
        if wanted and can_review_duplicates(actor)
        else None
    )
    if found is None:
        raise refuse(actor, "cases.merge", str(merge_uuid))
    return found


def get_declined_for_user(actor: Actor, declined_uuid: str, write: bool = False) -> DeclinedWorker:
    wanted = _uuid(declined_uuid)
    found = (
        DeclinedWorker.objects.select_related("participant", "worker")
        .filter(uuid=wanted, participant__in=Participant.objects.visible_to(actor).values("pk"))
        .first()
        if wanted
        else None
    )
    if found is None:
        raise refuse(actor, "cases.declinedworker", str(declined_uuid))
    if write and not can_record(actor):
        raise _read_only(
            actor,
            "Your roles do not change participants' records.",
            "cases.declinedworker",
            str(found.uuid),
        )
    return found
