"""The participants and referrals JSON API (mounted at /api/cases).

Endpoints load through `cases.access` (404 for a participant or referral out of sight, whether
or not it exists; 403 for one visible but not the caller's to change) and write through
`cases.actions`. Lists start from the same visibility query as the pages, so counts never
include a hidden record; every page of a list and every record read is in the audit log.
Only public codes and UUIDs cross the wire.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from seamline.access import Actor, ReadOnly
from seamline.api_support import ERRORS, QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation, Pathway, User

from . import access, actions, rules
from .lists import (
    ParticipantFilters,
    ReferralFilters,
    first_contact_standards,
    participants_for,
    referrals_for,
)
from .models import CareTeamMember, Ownership, Participant, Referral
from .risk import is_high_risk

router = Router()
PEOPLE = ["participants"]
REFERRALS = ["referrals"]


# --- schemas ---------------------------------------------------------------------------------


class In(Schema):
    """A request body: a field the endpoint does not take is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Paging(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=100)


class ParticipantOut(Schema):
    code: str
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    nhs_number: str
    medicaid_state: str
    medicaid_id: str
    high_risk: bool
    open_pathways: list[str]


class ParticipantPage(Schema):
    items: list[ParticipantOut]
    count: int


class LocalIdOut(Schema):
    organisation: str
    value: str


class ConsentOut(Schema):
    scope: str
    organisations: list[str]
    valid_from: date
    valid_to: date | None
    withdrawn_at: datetime | None
    recorded_at: datetime


class FlagOut(Schema):
    uuid: UUID
    kind: str
    severity: str
    source_organisation: str | None
    raised_at: datetime
    resolved_at: datetime | None


class PartOut(Schema):
    organisation: str
    reason: str
    referral: str | None
    started_at: datetime
    ended_at: datetime | None


class ParticipantDetailOut(ParticipantOut):
    status: str = Field(description="active, or merged (then see merged_into)")
    merged_into: str | None
    address: str
    preferences: str
    medicaid_checked: bool
    medicaid_note: str
    local_ids: list[LocalIdOut]
    sharing: str = Field(description="all, named or owners_only: what consent allows now")
    consent: ConsentOut | None
    flags: list[FlagOut]
    care_team: list[PartOut]
    referrals: list[str]
    declined_workers: list[UUID]
    version: int


class ParticipantIn(In):
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str = ""
    address: str = ""
    nhs_number: str = ""
    medicaid_state: str = ""
    medicaid_id: str = ""
    local_id: str = Field("", description="Your organisation's own id for the person.")
    preferences: str = ""


class ReferralOut(Schema):
    code: str
    participant: str
    pathway: str
    referrer_organisation: str | None
    referrer_name: str
    receiving_organisation: str
    received_at: datetime
    first_contact_at: datetime | None
    discharged_at: datetime | None
    outcome: str
    owner_organisation: str | None
    owner_person: UUID | None
    owner_name: str
    long_wait: bool
    version: int


class ReferralPage(Schema):
    items: list[ReferralOut]
    count: int


class OwnershipOut(Schema):
    seq: int
    organisation: str
    person: UUID
    person_name: str
    started_at: datetime
    ended_at: datetime | None = Field(description="When the next owner took over, or null.")
    how: str
    reason: str
    source: str


class ReferralDetailOut(ReferralOut):
    ownership: list[OwnershipOut]


class ReferralIn(In):
    participant: str = Field(description="The participant's code.")
    pathway: str
    receiving_organisation: str
    received_at: datetime = Field(description="When the receiving organisation had it.")
    owner_person: UUID = Field(description="The named owner; their organisation owns the case.")
    referrer_organisation: str | None = None
    referrer_name: str = ""


class FirstContactIn(In):
    at: datetime
    version: int | None = Field(None, description="The version you read; a stale one is 409.")


class DischargeIn(In):
    at: datetime
    outcome: str = Field(description="An outcome code, e.g. goals_met.")
    note: str = ""
    version: int | None = None


class ReassignIn(In):
    owner_person: UUID
    reason: str
    version: int | None = None


class OwnerAtOut(Schema):
    referral: str
    at: datetime
    owner: OwnershipOut | None = Field(description="Null when the case was not open then.")


# --- helpers ---------------------------------------------------------------------------------


def _local(at: datetime) -> datetime:
    """A date and time without a zone is the network's local time."""
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def _code_field(model: type[Pathway] | type[Organisation], code: str | None, field: str) -> Any:
    if not code:
        return None
    found = model.objects.filter(code=code).first()
    if found is None:
        raise RuleViolation.one(f"unknown_{field}", f"There is no {field} '{code}'.", field)
    return found


def _person(value: UUID, field: str = "owner_person") -> User:
    person = User.objects.filter(uuid=value).first()
    if person is None:
        raise RuleViolation.one("unknown_person", "There is no such person.", field)
    return person


def _participant_row(p: Participant) -> dict[str, Any]:
    referrals = getattr(p, "open_referrals", [])
    return {
        "code": p.code,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "date_of_birth": p.date_of_birth,
        "postcode": p.postcode,
        "nhs_number": p.nhs_number,
        "medicaid_state": p.medicaid_state,
        "medicaid_id": p.medicaid_id,
        "high_risk": bool(getattr(p, "high_risk", False)),
        "open_pathways": list(dict.fromkeys(r.pathway.code for r in referrals)),
    }


def _participant_detail(p: Participant) -> dict[str, Any]:
    now = timezone.now()
    survivor = access.survivor_of(p)
    consent = p.current_consent
    open_pathways = list(
        dict.fromkeys(
            Referral.objects.filter(participant=p, discharged_at__isnull=True).values_list(
                "pathway__code", flat=True
            )
        )
    )
    return {
        **_participant_row(p),
        "high_risk": is_high_risk(p, now),
        "open_pathways": open_pathways,
        "status": p.status,
        "merged_into": survivor.code if p.is_merged else None,
        "address": p.address,
        "preferences": p.preferences,
        "medicaid_checked": p.medicaid_checked,
        "medicaid_note": rules.medicaid_note(p.medicaid_state) if p.medicaid_id else "",
        "local_ids": [
            {"organisation": local.organisation.code, "value": local.value}
            for local in p.local_ids.select_related("organisation")
        ],
        "sharing": rules.sharing_at(actions.consent_facts(consent), now),
        "consent": {
            "scope": consent.scope,
            "organisations": sorted(o.code for o in consent.organisations.all()),
            "valid_from": consent.valid_from,
            "valid_to": consent.valid_to,
            "withdrawn_at": consent.withdrawn_at,
            "recorded_at": consent.recorded_at,
        }
        if consent is not None
        else None,
        "flags": [
            {
                "uuid": f.uuid,
                "kind": f.kind,
                "severity": f.severity,
                "source_organisation": f.source_organisation.code
                if f.source_organisation
                else None,
                "raised_at": f.raised_at,
                "resolved_at": f.resolved_at,
            }
            for f in p.flags.select_related("source_organisation").order_by("-raised_at")
        ],
        "care_team": [
            {
                "organisation": m.organisation.code,
                "reason": m.reason,
                "referral": m.referral.code if m.referral else None,
                "started_at": m.started_at,
                "ended_at": m.ended_at,
            }
            for m in CareTeamMember.objects.active(now)
            .filter(participant=p)
            .select_related("organisation", "referral")
        ],
        "referrals": list(
            Referral.objects.filter(participant=p)
            .order_by("-received_at")
            .values_list("code", flat=True)
        ),
        "declined_workers": list(
            p.declined_workers.filter(withdrawn_at__isnull=True).values_list(
                "worker__uuid", flat=True
            )
        ),
        "version": p.version,
    }


def _referral_row(r: Referral, standards: dict[int, int], now: datetime) -> dict[str, Any]:
    return {
        "code": r.code,
        "participant": r.participant.code,
        "pathway": r.pathway.code,
        "referrer_organisation": r.referrer_organisation.code if r.referrer_organisation else None,
        "referrer_name": r.referrer_name,
        "receiving_organisation": r.receiving_organisation.code,
        "received_at": r.received_at,
        "first_contact_at": r.first_contact_at,
        "discharged_at": r.discharged_at,
        "outcome": r.outcome,
        "owner_organisation": r.owner_organisation.code if r.owner_organisation else None,
        "owner_person": r.owner_person.uuid if r.owner_person else None,
        "owner_name": r.owner_person.display_name if r.owner_person else "",
        "long_wait": rules.is_long_wait(
            received_at=r.received_at,
            first_contact_at=r.first_contact_at,
            discharged_at=r.discharged_at,
            standard_hours=standards.get(r.pathway_id),
            at=now,
        ),
        "version": r.version,
    }


def _ownership(o: Ownership, ended_at: datetime | None) -> dict[str, Any]:
    return {
        "seq": o.seq,
        "organisation": o.organisation.code,
        "person": o.person.uuid,
        "person_name": o.person.display_name,
        "started_at": o.started_at,
        "ended_at": ended_at,
        "how": o.how,
        "reason": o.reason,
        "source": o.source,
    }


def _referral_detail(referral: Referral) -> dict[str, Any]:
    fresh = Referral.objects.select_related(
        "participant",
        "pathway",
        "referrer_organisation",
        "receiving_organisation",
        "owner_organisation",
        "owner_person",
    ).get(pk=referral.pk)
    history = (
        Ownership.objects.filter(referral=fresh)
        .with_end()
        .select_related("organisation", "person")
        .order_by("seq")
    )
    return {
        **_referral_row(fresh, first_contact_standards(), timezone.now()),
        "ownership": [
            _ownership(o, getattr(o, "ended_at", None) or fresh.discharged_at) for o in history
        ],
    }


def _may_list(actor: Actor, what: str) -> None:
    if not access.can_list_participants(actor):
        raise refuse(actor, f"cases.{what}_list", what)


# --- participants ----------------------------------------------------------------------------


@router.get(
    "/participants",
    response={200: ParticipantPage, **QUERY_ERRORS},
    tags=PEOPLE,
    summary="Participants you can see",
)
def list_participants(
    request: HttpRequest,
    paging: Query[Paging],
    q: str = "",
    pathway: str | None = None,
    risk: str = "",
    organisation: str | None = None,
) -> dict[str, Any]:
    """Active participants visible to you, by family name: `q` searches names, codes and
    identifiers; `pathway` (open referral on it), `risk` (`high` or `flagged`) and
    `organisation` (an active part in the care) filter. Each page is one read in the audit
    log, naming the participants on it."""
    actor = actor_of(request)
    _may_list(actor, "participant")
    if risk not in ("", "high", "flagged"):
        raise RuleViolation.one("invalid_value", "risk is high or flagged.", "risk")
    filters = ParticipantFilters(
        q=q,
        pathway=_code_field(Pathway, pathway, "pathway"),
        risk=risk,
        organisation=_code_field(Organisation, organisation, "organisation"),
    )
    qs = participants_for(actor, filters)
    count = qs.count()
    start = (paging.page - 1) * paging.page_size
    shown = list(qs[start : start + paging.page_size])
    actions.record_listed(actor, "participant", [p.code for p in shown], via="api")
    return {"items": [_participant_row(p) for p in shown], "count": count}


@router.post(
    "/participants",
    response={201: ParticipantDetailOut, **WRITE_ERRORS},
    tags=PEOPLE,
    summary="Register a participant",
)
def create_participant(request: HttpRequest, payload: ParticipantIn) -> Status[dict[str, Any]]:
    """A new participant with the next network-wide code; your organisation joins the care
    team for 90 days, time to record the referral."""
    actor = require_writer(request)
    if not access.can_register(actor):
        raise ReadOnly("Your roles do not register participants.")
    created = actions.register_participant(actor, **payload.dict())
    return Status(201, _participant_detail(created))


@router.get(
    "/participants/{code}",
    response={200: ParticipantDetailOut, **ERRORS},
    tags=PEOPLE,
    summary="One participant",
)
def get_participant(request: HttpRequest, code: str) -> dict[str, Any]:
    """The participant's record: identifiers, consent, flags, care team, referrals. A merged
    record answers with `status` merged and `merged_into`. The read is in the audit log."""
    actor = actor_of(request)
    participant = access.get_participant_for_user(actor, code)
    actions.record_participant_read(actor, participant, via="api")
    return _participant_detail(participant)


# --- referrals -------------------------------------------------------------------------------


@router.get(
    "/referrals",
    response={200: ReferralPage, **QUERY_ERRORS},
    tags=REFERRALS,
    summary="The referral register",
)
def list_referrals(
    request: HttpRequest,
    paging: Query[Paging],
    q: str = "",
    pathway: str | None = None,
    owner: str | None = None,
    state: str = "",
    received_from: date | None = None,
    received_to: date | None = None,
) -> dict[str, Any]:
    """Referrals of participants you can see, newest first. `state`: `open`, `closed` or
    `long_wait` (open, no first contact past the pathway's standard)."""
    actor = actor_of(request)
    _may_list(actor, "referral")
    if state not in ("", "open", "closed", "long_wait"):
        raise RuleViolation.one("invalid_value", "state is open, closed or long_wait.", "state")
    filters = ReferralFilters(
        q=q,
        pathway=_code_field(Pathway, pathway, "pathway"),
        owner=_code_field(Organisation, owner, "organisation"),
        state=state,
        received_from=received_from,
        received_to=received_to,
    )
    now = timezone.now()
    qs = referrals_for(actor, filters, now)
    count = qs.count()
    start = (paging.page - 1) * paging.page_size
    shown = list(qs[start : start + paging.page_size])
    actions.record_listed(actor, "referral", [r.code for r in shown], via="api")
    standards = first_contact_standards()
    return {"items": [_referral_row(r, standards, now) for r in shown], "count": count}


@router.post(
    "/referrals",
    response={201: ReferralDetailOut, **WRITE_ERRORS},
    tags=REFERRALS,
    summary="Record a referral",
)
def create_referral(request: HttpRequest, payload: ReferralIn) -> Status[dict[str, Any]]:
    """Record a referral received. The owner is the named person and their organisation."""
    actor = require_writer(request)
    participant = access.get_participant_for_user(actor, payload.participant)
    owner = _person(payload.owner_person)
    membership = owner.current_membership()
    referral = actions.create_referral(
        actor,
        participant,
        pathway=_code_field(Pathway, payload.pathway, "pathway"),
        receiving_organisation=_code_field(
            Organisation, payload.receiving_organisation, "receiving_organisation"
        ),
        received_at=_local(payload.received_at),
        owner_person=owner,
        owner_organisation=membership.organisation if membership else None,
        referrer_organisation=_code_field(
            Organisation, payload.referrer_organisation, "referrer_organisation"
        ),
        referrer_name=payload.referrer_name,
    )
    return Status(201, _referral_detail(referral))


@router.get(
    "/referrals/{code}",
    response={200: ReferralDetailOut, **ERRORS},
    tags=REFERRALS,
    summary="One referral and its ownership history",
)
def get_referral(request: HttpRequest, code: str) -> dict[str, Any]:
    actor = actor_of(request)
    referral = access.get_referral_for_user(actor, code)
    record(actor, "referral.read", referral, kind=EntryKind.READ, changes={"via": "api"})
    return _referral_detail(referral)


@router.post(
    "/referrals/{code}/first-contact",
    response={200: ReferralDetailOut, **WRITE_ERRORS},
    tags=REFERRALS,
    summary="Record first contact",
)
def first_contact(request: HttpRequest, code: str, payload: FirstContactIn) -> dict[str, Any]:
    """The first two-way contact (once; not before the referral was received)."""
    actor = require_writer(request)
    referral = access.get_referral_for_user(actor, code, write=True)
    actions.record_first_contact(actor, referral, at=_local(payload.at), version=payload.version)
    return _referral_detail(referral)


@router.post(
    "/referrals/{code}/discharge",
    response={200: ReferralDetailOut, **WRITE_ERRORS},
    tags=REFERRALS,
    summary="Discharge with an outcome",
)
def discharge(request: HttpRequest, code: str, payload: DischargeIn) -> dict[str, Any]:
    actor = require_writer(request)
    referral = access.get_referral_for_user(actor, code, write=True)
    actions.discharge(
        actor,
        referral,
        at=_local(payload.at),
        outcome=payload.outcome,
        note=payload.note,
        version=payload.version,
    )
    return _referral_detail(referral)


@router.post(
    "/referrals/{code}/reassign",
    response={200: ReferralDetailOut, **WRITE_ERRORS},
    tags=REFERRALS,
    summary="Reassign an open case",
)
def reassign(request: HttpRequest, code: str, payload: ReassignIn) -> dict[str, Any]:
    """Network admin or the prime's partner admin, with a reason. The new owner's organisation
    owns the case from now."""
    actor = require_writer(request)
    referral = access.get_referral_for_user(actor, code)
    if not access.can_reassign(actor):
        raise ReadOnly("Only the network admin or the prime's partner admin reassigns a case.")
    person = _person(payload.owner_person)
    membership = person.current_membership()
    if membership is None:
        raise RuleViolation.one(
            "owner_not_member", "The new owner has no current organisation.", "owner_person"
        )
    actions.reassign(
        actor, referral, membership.organisation, person, payload.reason, version=payload.version
    )
    return _referral_detail(referral)


@router.get(
    "/referrals/{code}/owner-at",
    response={200: OwnerAtOut, **QUERY_ERRORS},
    tags=REFERRALS,
    summary="Who owned the case at an instant",
)
def owner_at(request: HttpRequest, code: str, at: datetime) -> dict[str, Any]:
    """SPEC principle 5: the owner at `at` (a time without a zone is the network's local
    time), from the append-only ownership history; null before the referral and from its
    discharge on."""
    actor = actor_of(request)
    referral = access.get_referral_for_user(actor, code)
    when = _local(at)
    found = actions.owner_at(referral, when)
    owner = None
    if found is not None:
        later = referral.ownerships.filter(seq__gt=found.seq).order_by("seq").first()
        owner = _ownership(found, later.started_at if later else referral.discharged_at)
    return {"referral": referral.code, "at": when, "owner": owner}


__all__ = ["router"]
