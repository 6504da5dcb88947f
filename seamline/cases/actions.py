"""Every change to participants and referrals goes through one of these functions (SPEC C5).

Each runs in one transaction: it checks the actor's right to act, validates (reasons name the
field), claims the record's version where people change it together, writes, and appends an
audit entry. The rules are pure functions in `cases.rules`; these functions load the facts.
Reads of personal data are logged here too (`record_participant_read`, `record_listed`).

Two seams for later apps:

* `join_care_team` / `leave_care_team`: handoffs, care plans and the rota give an organisation
  its part in a participant's care (and so sight of the record) and take it away again;
* `transfer_ownership`: the handoffs app calls it when a handoff is accepted, in the same
  transaction as the acceptance; ownership changes no other way except `reassign`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import diff, record
from seamline.audit.models import EntryKind
from seamline.errors import Conflict, Reason, RuleViolation
from seamline.network.choices import OrgStatus, PathwayStatus
from seamline.network.models import Organisation, Pathway, User
from seamline.versioning import check_version, claim_version
from seamline.workforce.models import Worker

from . import access, rules
from .choices import (
    OWNER_ROLES,
    CareReason,
    ConsentScope,
    OwnershipHow,
    ParticipantStatus,
)
from .codes import next_participant_code, next_referral_code
from .followers import followers
from .hooks import referral_recorded
from .models import (
    CareTeamMember,
    Consent,
    DeclinedWorker,
    LocalId,
    Merge,
    NotDuplicate,
    Ownership,
    Participant,
    Referral,
    RiskFlag,
)

# A registration with no referral gives the registering organisation sight of the record for
# this long (time to record the referral it was registered for).
REGISTRATION_VISIBILITY = timedelta(days=90)
PARTICIPANT_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "address",
    "nhs_number",
    "medicaid_state",
    "medicaid_id",
    "preferences",
)
# Identifiers and contact details a merge copies onto the surviving record where it has none.
FILLABLE = (
    "nhs_number",
    "medicaid_state",
    "medicaid_id",
    "medicaid_checked",
    "postcode",
    "address",
)


def _deny(message: str) -> RuleViolation:
    return RuleViolation.one("not_permitted", message)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _deny(message)


def _raise_if(reasons: Sequence[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


def _require_changeable(actor: Actor, *participants: Participant) -> None:
    """The access layer already answered 404 for a record out of sight; this is the same check
    again at the point of writing (a command or a later endpoint that forgets the loader still
    cannot write), and a merged record is changed through the record it now lives in."""
    for participant in participants:
        _require(not participant.is_merged, f"{participant.code} is merged: change its survivor.")
        _require(
            access.organisation_can_see(actor, participant),
            "This participant is not in your organisation's care.",
        )


def _now(at: datetime | None = None) -> datetime:
    return at or timezone.now()


def _user(actor: Actor) -> User | None:
    return actor.user


# --- reads of personal data --------------------------------------------------------------------


def record_participant_read(actor: Actor, participant: Participant, via: str = "page") -> None:
    """Opening a participant's record is a read of personal data: it goes in the audit log."""
    record(actor, "participant.read", participant, kind=EntryKind.READ, changes={"via": via})


def record_listed(actor: Actor, what: str, codes: Sequence[str], via: str = "page") -> None:
    """A list of participants or referrals (a page of it, or an export) is one read entry that
    names every record shown, not one entry per row."""
    if not codes:
        return
    record(
        actor,
        f"{what}.list",
        kind=EntryKind.READ,
        target={
            "object_type": f"cases.{what}",
            "object_id": f"{len(codes)} shown",
            "object_label": "",
            "object_organisation_code": actor.org_code,
        },
        changes={"via": via, "shown": list(codes)},
    )


# --- participants ----------------------------------------------------------------------------


def _identifier_reasons(nhs_number: str, medicaid_state: str, medicaid_id: str) -> list[Reason]:
    reasons = []
    if nhs_number:
        reasons += rules.nhs_number_reasons(nhs_number)
    reasons += rules.medicaid_reasons(medicaid_state, medicaid_id)
    return reasons


def _normalised(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Identifiers and postcode as stored, names trimmed."""
    out = dict(fields)
    for name in ("given_name", "family_name", "address", "preferences"):
        if name in out and isinstance(out[name], str):
            out[name] = out[name].strip()
    if "nhs_number" in out:
        out["nhs_number"] = rules.normalise_nhs_number(out["nhs_number"] or "")
    if "medicaid_id" in out:
        out["medicaid_id"] = rules.normalise_medicaid_id(out["medicaid_id"] or "")
    if "medicaid_state" in out:
        out["medicaid_state"] = (out["medicaid_state"] or "").strip().upper()
    if "postcode" in out:
        out["postcode"] = rules.normalise_postcode(out["postcode"] or "")
    return out


def _local_id_reasons(
    org: Organisation, value: str, participant: Participant | None
) -> list[Reason]:
    if not value:
        return [Reason("required", "Give the organisation's own id for this person.", "local_id")]
    taken = LocalId.objects.filter(organisation=org, value=value)
    if participant is not None:
        taken = taken.exclude(participant=participant)
    if taken.exists():
        return [
            Reason(
                "local_id_taken",
                f"{org.name} already uses {value} for another participant.",
                "local_id",
            )
        ]
    return []


@transaction.atomic
def register_participant(
    actor: Actor,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date | None,
    postcode: str = "",
    address: str = "",
    nhs_number: str = "",
    medicaid_state: str = "",
    medicaid_id: str = "",
    local_id: str = "",
    preferences: str = "",
    reason: str = "",
) -> Participant:
    """Register a participant with a new network-wide code. The registering organisation joins
    the care team (reason `registered`) for `REGISTRATION_VISIBILITY`, time to record the
    referral; referrals then give the parts that last."""
    _require(access.can_register(actor), "Your roles do not register participants.")
    org = actor.organisation
    assert org is not None
    fields = _normalised(
        {
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": date_of_birth,
            "postcode": postcode,
            "address": address,
            "nhs_number": nhs_number,
            "medicaid_state": medicaid_state,
            "medicaid_id": medicaid_id,
            "preferences": preferences,
        }
    )
    local = rules.normalise_local_id(local_id)
    now = timezone.now()
    reasons = rules.participant_reasons(
        given_name=fields["given_name"],
        family_name=fields["family_name"],
        date_of_birth=date_of_birth,
        today=timezone.localdate(now),
    )
    reasons += _identifier_reasons(
        fields["nhs_number"], fields["medicaid_state"], fields["medicaid_id"]
    )
    if local:
        reasons += _local_id_reasons(org, local, None)
    _raise_if(reasons)
    participant = Participant.objects.create(
        code=next_participant_code(),
        medicaid_checked=bool(fields["medicaid_id"])
        and rules.medicaid_format_known(fields["medicaid_state"]),
        registered_by=org,
        created_at=now,
        created_by=_user(actor),
        **fields,
    )
    if local:
        LocalId.objects.create(
            participant=participant, organisation=org, value=local, created_by=_user(actor)
        )
    CareTeamMember.objects.create(
        participant=participant,
        organisation=org,
        reason=CareReason.REGISTERED,
        started_at=now,
        ended_at=now + REGISTRATION_VISIBILITY,
    )
    record(
        actor,
        "participant.register",
        participant,
        changes={"local_id": local, "organisation": org.code},
        reason=reason,
    )
    return participant


@transaction.atomic
def update_participant(
    actor: Actor,
    participant: Participant,
    changes: Mapping[str, Any],
    *,
    version: int | None = None,
    reason: str = "",
) -> Participant:
    """Change details, identifiers or preferences. Send the version read: a stale one is a
    conflict."""
    _require(access.can_record(actor), "Your roles do not change participants' records.")
    _require_changeable(actor, participant)
    unknown = set(changes) - set(PARTICIPANT_FIELDS)
    _raise_if(
        [Reason("invalid_value", f"'{name}' cannot be changed here.", name) for name in unknown]
    )
    wanted = _normalised(changes)
    before = {name: getattr(participant, name) for name in PARTICIPANT_FIELDS}
    after = {**before, **wanted}
    reasons = rules.participant_reasons(
        given_name=after["given_name"],
        family_name=after["family_name"],
        date_of_birth=after["date_of_birth"],
        today=timezone.localdate(),
    )
    reasons += _identifier_reasons(
        after["nhs_number"], after["medicaid_state"], after["medicaid_id"]
    )
    _raise_if(reasons)
    changed = diff(before, after)
    if not changed:
        check_version(participant, version, participant.code)
        return participant
    claim_version(participant, version, participant.code)
    for name, (_old, new) in changed.items():
        setattr(participant, name, new)
    participant.medicaid_checked = bool(participant.medicaid_id) and rules.medicaid_format_known(
        participant.medicaid_state
    )
    participant.save(update_fields=[*changed, "medicaid_checked"])
    record(actor, "participant.update", participant, changes=changed, reason=reason)
    return participant


@transaction.atomic
def add_local_id(
    actor: Actor, participant: Participant, value: str, organisation: Organisation | None = None
) -> LocalId:
    """Record a partner's own id for the participant. Each partner records its own; the
    network admin may record any partner's."""
    _require(access.can_record(actor), "Your roles do not change participants' records.")
    _require_changeable(actor, participant)
    org = organisation or actor.organisation
    assert org is not None
    _require(
        actor.member_of(org) or actor.is_network_admin,
        "Each organisation records its own ids for a participant.",
    )
    local = rules.normalise_local_id(value)
    _raise_if(_local_id_reasons(org, local, participant))
    found = LocalId.objects.filter(organisation=org, value=local, participant=participant).first()
    if found is not None:
        return found
    row = LocalId.objects.create(
        participant=participant, organisation=org, value=local, created_by=_user(actor)
    )
    record(
        actor,
        "participant.local_id.add",
        participant,
        changes={"local_id": [None, f"{org.code}:{local}"]},
    )
    return row


# --- the care team ---------------------------------------------------------------------------


@transaction.atomic
def join_care_team(
    actor: Actor,
    participant: Participant,
    organisation: Organisation,
    reason: str,
    *,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    referral: Referral | None = None,
    source: str = "",
) -> CareTeamMember:
    """Give `organisation` a part in the participant's care (and so sight of the record, as
    consent allows). For the apps that create parts: handoffs (`handoff`), care plans
    (`plan`), the rota (`visit`); `source` names the record that did, e.g. "handoff:<uuid>".
    The caller has already decided the organisation should join; this only writes it."""
    if reason not in CareReason.values:
        raise RuleViolation.one("invalid_value", f"'{reason}' is not a care-team part.", "reason")
    start = _now(started_at)
    if ended_at is not None and ended_at < start:
        raise RuleViolation.one("invalid_value", "A part cannot end before it starts.", "ended_at")
    member = CareTeamMember.objects.create(
        participant=participant,
        organisation=organisation,
        reason=reason,
        referral=referral,
        source=source,
        started_at=start,
        ended_at=ended_at,
    )
    record(
        actor,
        "care_team.join",
        participant,
        changes={"organisation": organisation.code, "part": reason, "source": source},
    )
    return member


@transaction.atomic
def leave_care_team(
    actor: Actor,
    participant: Participant,
    organisation: Organisation,
    reason: str,
    *,
    at: datetime | None = None,
    source: str = "",
) -> int:
    """End `organisation`'s open parts of kind `reason` (those from `source`, when named) at
    `at`. Answers how many ended."""
    when = _now(at)
    rows = CareTeamMember.objects.filter(
        participant=participant, organisation=organisation, reason=reason
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=when))
    if source:
        rows = rows.filter(source=source)
    ended = rows.update(ended_at=when)
    if ended:
        record(
            actor,
            "care_team.leave",
            participant,
            changes={"organisation": organisation.code, "part": reason, "source": source},
        )
    return ended


# --- consent ---------------------------------------------------------------------------------


def _new_consent(
    actor: Actor,
    participant: Participant,
    *,
    scope: str,
    organisations: Sequence[Organisation],
    valid_from: date,
    valid_to: date | None,
    withdrawn_at: datetime | None,
    note: str,
    version: int | None,
) -> Consent:
    claim_version(participant, version, participant.code)
    previous = participant.current_consent
    try:
        with transaction.atomic():
            consent = Consent.objects.create(
                participant=participant,
                scope=scope,
                valid_from=valid_from,
                valid_to=valid_to,
                withdrawn_at=withdrawn_at,
                note=note.strip(),
                supersedes=previous,
                recorded_by=_user(actor),
            )
    except IntegrityError:  # someone recorded a consent on the same one first
        raise Conflict.stale(f"{participant.code}'s consent", version or 0, None) from None
    consent.organisations.set(list(organisations))
    participant.current_consent = consent
    participant.save(update_fields=["current_consent"])
    return consent


@transaction.atomic
def record_consent(
    actor: Actor,
    participant: Participant,
    *,
    scope: str,
    organisations: Iterable[Organisation] = (),
    valid_from: date | None = None,
    valid_to: date | None = None,
    note: str = "",
    version: int | None = None,
) -> Consent:
    """Record what the participant agreed to share. The new record supersedes the current one;
    nothing earlier is changed."""
    _require(access.can_record(actor), "Your roles do not record consent.")
    _require_changeable(actor, participant)
    orgs = list(dict.fromkeys(organisations)) if scope == ConsentScope.NAMED else []
    start = valid_from or timezone.localdate()
    _raise_if(
        rules.consent_reasons(
            scope=scope,
            organisations=len(orgs),
            valid_from=start,
            valid_to=valid_to,
            today=timezone.localdate(),
        )
    )
    consent = _new_consent(
        actor,
        participant,
        scope=scope,
        organisations=orgs,
        valid_from=start,
        valid_to=valid_to,
        withdrawn_at=None,
        note=note,
        version=version,
    )
    record(
        actor,
        "consent.record",
        participant,
        changes={
            "scope": scope,
            "organisations": sorted(o.code for o in orgs),
            "valid_from": start,
            "valid_to": valid_to,
        },
        reason=note,
    )
    return consent


@transaction.atomic
def withdraw_consent(
    actor: Actor,
    participant: Participant,
    *,
    note: str,
    at: datetime | None = None,
    version: int | None = None,
) -> Consent:
    """The participant withdraws consent to share: a new record, withdrawn from `at`, after
    which only the owners of the care see the record."""
    _require(access.can_record(actor), "Your roles do not record consent.")
    _require_changeable(actor, participant)
    when = _now(at)
    reasons = []
    if not note.strip():
        reasons.append(Reason("reason_required", "Say how the withdrawal was given.", "note"))
    if when > timezone.now():
        reasons.append(Reason("date_in_future", "Record a withdrawal once it is made.", "at"))
    _raise_if(reasons)
    current = participant.current_consent
    if current is not None and current.withdrawn_at is not None and current.withdrawn_at <= when:
        raise RuleViolation.one(
            "already_recorded",
            "Consent is already withdrawn: record a new consent instead.",
            "note",
        )
    consent = _new_consent(
        actor,
        participant,
        scope=current.scope if current else ConsentScope.ALL_INVOLVED,
        organisations=list(current.organisations.all()) if current else [],
        valid_from=current.valid_from if current else timezone.localdate(when),
        valid_to=current.valid_to if current else None,
        withdrawn_at=when,
        note=note,
        version=version,
    )
    record(actor, "consent.withdraw", participant, changes={"withdrawn_at": when}, reason=note)
    return consent


# --- preferences and declined workers ------------------------------------------------------------


@transaction.atomic
def decline_worker(
    actor: Actor, participant: Participant, worker: Worker, *, reason: str = ""
) -> DeclinedWorker:
    """Record that the participant does not want `worker` (the rota gate refuses the pair)."""
    _require(access.can_record(actor), "Your roles do not change participants' records.")
    _require_changeable(actor, participant)
    if DeclinedWorker.objects.filter(
        participant=participant, worker=worker, withdrawn_at__isnull=True
    ).exists():
        raise RuleViolation.one("already_recorded", f"{worker.name} is already declined.", "worker")
    row = DeclinedWorker.objects.create(
        participant=participant, worker=worker, reason=reason.strip(), recorded_by=_user(actor)
    )
    record(
        actor,
        "participant.decline_worker",
        participant,
        changes={"worker": [None, str(worker.uuid)]},
        reason=reason,
    )
    return row


@transaction.atomic
def withdraw_decline(actor: Actor, declined: DeclinedWorker, *, reason: str = "") -> None:
    _require(access.can_record(actor), "Your roles do not change participants' records.")
    now = timezone.now()
    won = DeclinedWorker.objects.filter(pk=declined.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=_user(actor)
    )
    if not won:
        raise RuleViolation.one("already_recorded", "This was already withdrawn.", "worker")
    record(
        actor,
        "participant.decline_withdrawn",
        declined.participant,
        changes={"worker": [str(declined.worker.uuid), None]},
        reason=reason,
    )


# --- risk flags ------------------------------------------------------------------------------


@transaction.atomic
def raise_flag(
    actor: Actor,
    participant: Participant,
    *,
    kind: str,
    severity: str,
    note: str = "",
    raised_at: datetime | None = None,
) -> RiskFlag:
    """Raise a risk flag; its source is the actor's organisation."""
    _require(access.can_raise_flags(actor), "Your roles do not raise risk flags.")
    _require_changeable(actor, participant)
    when = _now(raised_at)
    _raise_if(rules.flag_reasons(kind=kind, severity=severity, raised_at=when, now=timezone.now()))
    flag = RiskFlag.objects.create(
        participant=participant,
        kind=kind,
        severity=severity,
        source_organisation=actor.organisation,
        note=note.strip(),
        raised_at=when,
        raised_by=_user(actor),
    )
    record(
        actor,
        "risk_flag.raise",
        participant,
        changes={"flag": str(flag.uuid), "kind": kind, "severity": severity},
        reason=note,
    )
    return flag


@transaction.atomic
def resolve_flag(
    actor: Actor, flag: RiskFlag, *, resolution: str, at: datetime | None = None
) -> RiskFlag:
    _require(access.can_raise_flags(actor), "Your roles do not resolve risk flags.")
    when = _now(at)
    reasons = rules.resolve_reasons(
        raised_at=flag.raised_at, resolved_at=flag.resolved_at, at=when, now=timezone.now()
    )
    if not resolution.strip():
        reasons.append(Reason("reason_required", "Say how the risk was resolved.", "resolution"))
    _raise_if(reasons)
    won = RiskFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=when, resolved_by=_user(actor), resolution=resolution.strip()
    )
    if not won:
        raise RuleViolation.one("flag_resolved", "This flag is already resolved.", "resolved_at")
    flag.refresh_from_db()
    record(
        actor,
        "risk_flag.resolve",
        flag.participant,
        changes={"flag": str(flag.uuid), "resolved_at": [None, when]},
        reason=resolution,
    )
    return flag


# --- referrals -------------------------------------------------------------------------------


def can_record_referral(actor: Actor, receiving: Organisation, pathway: Pathway) -> bool:
    """The receiving organisation records the referral it has in its hands; the pathway's
    lead (the prime) may record it on the partner's behalf."""
    return access.can_register(actor) and (
        actor.member_of(receiving) or actor.member_of(pathway.lead_organisation)
    )


def _owner_reasons(organisation: Organisation, person: User | None) -> list[Reason]:
    if person is None:
        return [Reason("required", "Name the person who owns the case.", "owner_person")]
    membership = person.current_membership()
    roles = membership.active_roles() if membership is not None else []
    return rules.owner_reasons(
        organisation_status=organisation.status,
        person_organisation=membership.organisation.code if membership else None,
        organisation=organisation.code,
        person_roles=roles,
        owner_roles=OWNER_ROLES,
    )


def _add_referral_parts(referral: Referral, at: datetime) -> None:
    parts = [
        (referral.owner_organisation, CareReason.OWNER),
        (referral.receiving_organisation, CareReason.RECEIVING),
        (referral.referrer_organisation, CareReason.REFERRER),
        (referral.pathway.lead_organisation, CareReason.PRIME),
    ]
    CareTeamMember.objects.bulk_create(
        CareTeamMember(
            participant=referral.participant,
            organisation=org,
            reason=reason,
            referral=referral,
            started_at=at,
        )
        for org, reason in parts
        if org is not None
    )


@transaction.atomic
def create_referral(
    actor: Actor,
    participant: Participant,
    *,
    pathway: Pathway,
    receiving_organisation: Organisation,
    received_at: datetime | None,
    owner_person: User | None,
    owner_organisation: Organisation | None = None,
    referrer_organisation: Organisation | None = None,
    referrer_name: str = "",
) -> Referral:
    """Record a referral received (SPEC section 3: the moment the receiving organisation has it
    in its hands). It is open, with an owner: the receiving organisation unless another is
    named, and a named person of it."""
    _require(
        can_record_referral(actor, receiving_organisation, pathway),
        "Only the receiving organisation, or the pathway's lead, records a referral.",
    )
    _require_changeable(actor, participant)
    owner_org = owner_organisation or receiving_organisation
    now = timezone.now()
    reasons = rules.received_reasons(received_at, now)
    if pathway.status != PathwayStatus.ACTIVE:
        reasons.append(Reason("pathway_retired", "This pathway takes no referrals.", "pathway"))
    if receiving_organisation.status != OrgStatus.ACTIVE:
        reasons.append(
            Reason(
                "receiving_inactive",
                f"{receiving_organisation.name} is not active in the network.",
                "receiving_organisation",
            )
        )
    if referrer_organisation is None and not referrer_name.strip():
        reasons.append(
            Reason("required", "Say who made the referral (organisation or name).", "referrer_name")
        )
    reasons += _owner_reasons(owner_org, owner_person)
    _raise_if(reasons)
    assert received_at is not None and owner_person is not None
    referral = Referral.objects.create(
        code=next_referral_code(now),
        participant=participant,
        pathway=pathway,
        referrer_organisation=referrer_organisation,
        referrer_name=referrer_name.strip(),
        receiving_organisation=receiving_organisation,
        received_at=received_at,
        owner_organisation=owner_org,
        owner_person=owner_person,
        created_at=now,
        created_by=_user(actor),
    )
    Ownership.objects.create(
        referral=referral,
        seq=1,
        organisation=owner_org,
        person=owner_person,
        started_at=received_at,
        how=OwnershipHow.CREATED,
        by=_user(actor),
    )
    _add_referral_parts(referral, received_at)
    record(
        actor,
        "referral.create",
        referral,
        changes={
            "participant": participant.code,
            "pathway": pathway.code,
            "receiving": receiving_organisation.code,
            "owner": f"{owner_org.code}/{owner_person.username}",
            "received_at": received_at,
        },
    )
    referral_recorded(actor, referral)  # other apps' hooks (cases.hooks)
    return referral


@transaction.atomic
def record_first_contact(
    actor: Actor, referral: Referral, *, at: datetime, version: int | None = None
) -> Referral:
    """The first two-way contact with the participant or their representative."""
    _require(access.can_work_referral(actor, referral), "Only the case's owners record contact.")
    _raise_if(
        rules.first_contact_reasons(
            received_at=referral.received_at,
            recorded=referral.first_contact_at,
            discharged_at=referral.discharged_at,
            at=at,
            now=timezone.now(),
        )
    )
    claim_version(referral, version, referral.code)
    referral.first_contact_at = at
    referral.save(update_fields=["first_contact_at"])
    record(actor, "referral.first_contact", referral, changes={"first_contact_at": [None, at]})
    return referral


@transaction.atomic
def discharge(
    actor: Actor,
    referral: Referral,
    *,
    at: datetime,
    outcome: str,
    note: str = "",
    version: int | None = None,
) -> Referral:
    """End the pathway episode with an outcome. The referral's organisations keep their part in
    the care for `rules.CLOSED_CASE_VISIBILITY` more, then lose sight of it."""
    _require(access.can_work_referral(actor, referral), "Only the case's owners discharge it.")
    _raise_if(
        rules.discharge_reasons(
            received_at=referral.received_at,
            first_contact_at=referral.first_contact_at,
            discharged_at=referral.discharged_at,
            at=at,
            outcome=outcome,
            now=timezone.now(),
        )
    )
    claim_version(referral, version, referral.code)
    referral.discharged_at = at
    referral.outcome = outcome
    referral.save(update_fields=["discharged_at", "outcome"])
    until = at + rules.CLOSED_CASE_VISIBILITY
    CareTeamMember.objects.filter(referral=referral).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=until)
    ).update(ended_at=until)
    record(
        actor,
        "referral.discharge",
        referral,
        changes={"discharged_at": [None, at], "outcome": [None, outcome]},
        reason=note,
    )
    return referral


def _move_ownership(
    actor: Actor,
    referral: Referral,
    organisation: Organisation,
    person: User | None,
    *,
    how: str,
    reason: str,
    source: str,
    at: datetime | None,
    version: int | None,
) -> Ownership:
    when = _now(at)
    same = (
        person is not None
        and referral.owner_person_id == person.pk
        and referral.owner_organisation_id == organisation.pk
    )
    reasons = rules.transfer_reasons(
        discharged=referral.discharged_at is not None,
        same_owner=same,
        reason=reason,
        reason_needed=how == OwnershipHow.REASSIGNED,
    )
    if not reasons:
        reasons = _owner_reasons(organisation, person)
    if not reasons and when < referral.received_at:
        reasons = [Reason("before_received", "Ownership starts after the referral.", "at")]
    _raise_if(reasons)
    assert person is not None
    claim_version(referral, version, referral.code)
    last = referral.ownerships.aggregate(last=Max("seq"))["last"] or 0
    previous_org = referral.owner_organisation
    previous_person = referral.owner_person
    before = (
        f"{previous_org.code}/{previous_person.username}"
        if previous_org is not None and previous_person is not None
        else None
    )
    try:
        with transaction.atomic():
            ownership = Ownership.objects.create(
                referral=referral,
                seq=last + 1,
                organisation=organisation,
                person=person,
                started_at=when,
                how=how,
                reason=reason.strip(),
                by=_user(actor),
                source=source,
            )
    except IntegrityError:  # another transfer took this place in the history first
        raise Conflict.stale(referral.code, version or referral.version, None) from None
    referral.owner_organisation = organisation
    referral.owner_person = person
    referral.save(update_fields=["owner_organisation", "owner_person"])
    if previous_org is None or previous_org.pk != organisation.pk:
        CareTeamMember.objects.filter(
            referral=referral, reason=CareReason.OWNER, ended_at__isnull=True
        ).update(ended_at=when)
        CareTeamMember.objects.create(
            participant=referral.participant,
            organisation=organisation,
            reason=CareReason.OWNER,
            referral=referral,
            started_at=when,
        )
    record(
        actor,
        f"referral.{how}",
        referral,
        changes={
            "owner": [before, f"{organisation.code}/{person.username}"],
            "seq": last + 1,
            "source": source,
        },
        reason=reason,
    )
    return ownership


@transaction.atomic
def reassign(
    actor: Actor,
    referral: Referral,
    organisation: Organisation,
    person: User | None,
    reason: str,
    *,
    version: int | None = None,
) -> Ownership:
    """An administrator moves an open case to another owner, with a reason (SPEC principle 2):
    the network admin or a partner admin of the prime."""
    _require(
        access.can_reassign(actor),
        "Only the network admin or the prime's partner admin reassigns a case.",
    )
    return _move_ownership(
        actor,
        referral,
        organisation,
        person,
        how=OwnershipHow.REASSIGNED,
        reason=reason,
        source="",
        at=None,
        version=version,
    )


@transaction.atomic
def transfer_ownership(
    actor: Actor,
    referral: Referral,
    organisation: Organisation,
    person: User,
    *,
    source: str,
    at: datetime | None = None,
    reason: str = "",
    version: int | None = None,
) -> Ownership:
    """The seam the handoffs app calls when a handoff is accepted, inside the acceptance's own
    transaction: ownership moves to the receiver from `at`, with `source` naming the handoff
    ("handoff:<uuid>"). The handoff's own rules (only the receiver accepts, repeat-back, the
    receiver cleared for handoff receipt) are checked there, before this is called; here the
    case must be open and the new owner able to own it."""
    if not source:
        raise RuleViolation.one("required", "Name the handoff that moves the case.", "source")
    return _move_ownership(
        actor,
        referral,
        organisation,
        person,
        how=OwnershipHow.HANDOFF,
        reason=reason,
        source=source,
        at=at,
        version=version,
    )


def ownership_history(referral: Referral) -> list[rules.OwnershipFacts]:
    return [
        rules.OwnershipFacts(o.seq, o.started_at, o.organisation.code, o.person.username, o.how)
        for o in referral.ownerships.select_related("organisation", "person")
    ]


def owner_at(referral: Referral, at: datetime) -> Ownership | None:
    """Who owned `referral` at instant `at` (SPEC principle 5), or None when nobody did."""
    history = list(referral.ownerships.select_related("organisation", "person"))
    found = rules.owner_at(
        [
            rules.OwnershipFacts(o.seq, o.started_at, o.organisation.code, o.person.username, o.how)
            for o in history
        ],
        received_at=referral.received_at,
        discharged_at=referral.discharged_at,
        at=at,
    )
    if found is None:
        return None
    return next(o for o in history if o.seq == found.seq)


# --- duplicates -------------------------------------------------------------------------------


def consent_facts(consent: Consent | None) -> rules.ConsentFacts | None:
    """A consent record as the plain values `rules.sharing_at` and `rules.may_see` take."""
    if consent is None:
        return None
    return rules.ConsentFacts(
        consent.scope,
        consent.valid_from,
        consent.valid_to,
        consent.withdrawn_at,
        frozenset(o.code for o in consent.organisations.all()),
    )


@transaction.atomic
def merge(
    actor: Actor,
    survivor: Participant,
    absorbed: Participant,
    *,
    reason: str,
    basis: str = "",
) -> Merge:
    """Merge `absorbed` into `survivor`: its referrals, local ids, risk flags, care-team parts
    and declined workers move across, identifiers the survivor lacks are copied, and the
    absorbed record remains, marked merged, pointing at the survivor. Everything moved is named
    in the `Merge` so `unmerge` puts back exactly that."""
    _require(
        access.can_review_duplicates(actor),
        "Only quality leads and the network admin merge records.",
    )
    _require(
        access.organisation_can_see(actor, survivor)
        and access.organisation_can_see(actor, absorbed),
        "Both records must be in your organisation's sight.",
    )
    _raise_if(
        rules.merge_reasons(
            survivor_active=survivor.status == ParticipantStatus.ACTIVE,
            absorbed_active=absorbed.status == ParticipantStatus.ACTIVE,
            same=survivor.pk == absorbed.pk,
            consent_widened=rules.consent_wider(
                consent_facts(survivor.current_consent),
                consent_facts(absorbed.current_consent),
                timezone.now(),
            ),
            reason=reason,
        )
    )
    claim_version(survivor, None, survivor.code)
    claim_version(absorbed, None, absorbed.code)
    moved: dict[str, Any] = {}
    for key, model, field in followers():
        rows = model._default_manager.filter(**{field: absorbed})
        moved[key] = sorted(rows.values_list("pk", flat=True))
        rows.update(**{field: survivor})
    filled = {
        name: getattr(absorbed, name)
        for name in FILLABLE
        if getattr(absorbed, name) and not getattr(survivor, name)
    }
    if filled.get("medicaid_id") and not filled.get("medicaid_state"):
        filled.pop("medicaid_id")
    moved["filled"] = filled
    for name, value in filled.items():
        setattr(survivor, name, value)
    if filled:
        survivor.save(update_fields=list(filled))
    absorbed.status = ParticipantStatus.MERGED
    absorbed.merged_into = survivor
    absorbed.save(update_fields=["status", "merged_into"])
    row = Merge.objects.create(
        survivor=survivor,
        absorbed=absorbed,
        basis=basis,
        merged_by=_user(actor),
        reason=reason.strip(),
        moved=moved,
    )
    record(
        actor,
        "participant.merge",
        survivor,
        changes={"absorbed": absorbed.code, "moved": {k: len(v) for k, v in moved.items()}},
        reason=reason,
    )
    return row


@transaction.atomic
def unmerge(actor: Actor, merge_row: Merge, *, reason: str) -> Merge:
    """Undo a merge: what it moved goes back to the absorbed record, identifiers it copied are
    cleared again (unless changed since), and the absorbed record is active once more."""
    _require(
        access.can_review_duplicates(actor),
        "Only quality leads and the network admin undo merges.",
    )
    survivor, absorbed = merge_row.survivor, merge_row.absorbed
    reasons = []
    if merge_row.unmerged_at is not None:
        reasons.append(Reason("already_recorded", "This merge was already undone.", "merge"))
    if survivor.is_merged:
        reasons.append(
            Reason(
                "merge_inactive",
                f"{survivor.code} was itself merged since: undo that merge first.",
                "merge",
            )
        )
    if not reason.strip():
        reasons.append(Reason("reason_required", "Say why the merge is undone.", "reason"))
    _raise_if(reasons)
    won = Merge.objects.filter(pk=merge_row.pk, unmerged_at__isnull=True).update(
        unmerged_at=timezone.now(), unmerged_by=_user(actor), unmerge_reason=reason.strip()
    )
    if not won:
        raise RuleViolation.one("already_recorded", "This merge was already undone.", "merge")
    claim_version(survivor, None, survivor.code)
    claim_version(absorbed, None, absorbed.code)
    moved = merge_row.moved
    for key, model, field in followers():
        model._default_manager.filter(**{field: survivor, "pk__in": moved.get(key, [])}).update(
            **{field: absorbed}
        )
    restored = [
        name for name, value in moved.get("filled", {}).items() if getattr(survivor, name) == value
    ]
    for name in restored:
        setattr(survivor, name, False if name == "medicaid_checked" else "")
    if restored:
        survivor.save(update_fields=restored)
    absorbed.status = ParticipantStatus.ACTIVE
    absorbed.merged_into = None
    absorbed.save(update_fields=["status", "merged_into"])
    merge_row.refresh_from_db()
    record(
        actor,
        "participant.unmerge",
        survivor,
        changes={"absorbed": absorbed.code, "restored": restored},
        reason=reason,
    )
    return merge_row


@transaction.atomic
def not_the_same(actor: Actor, a: Participant, b: Participant, *, reason: str = "") -> NotDuplicate:
    """Remember that two records are different people, so the pair is never proposed again."""
    _require(
        access.can_review_duplicates(actor),
        "Only quality leads and the network admin decide on duplicates.",
    )
    if a.pk == b.pk:
        raise RuleViolation.one("merge_same", "A record is always itself.", "second")
    _require(
        access.organisation_can_see(actor, a) and access.organisation_can_see(actor, b),
        "Both records must be in your organisation's sight.",
    )
    first, second = rules.unordered(a.pk, b.pk)
    found = NotDuplicate.objects.filter(first_id=first, second_id=second).first()
    if found is not None:
        return found
    row = NotDuplicate.objects.create(
        first_id=first, second_id=second, decided_by=_user(actor), reason=reason.strip()
    )
    record(
        actor,
        "participant.not_duplicate",
        a,
        changes={"pair": sorted([a.code, b.code])},
        reason=reason,
    )
    return row
