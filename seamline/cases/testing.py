"""Small `make_*` helpers for tests of participants and referrals: fixed, readable defaults,
written straight to the database (no rights checks, no audit entries). Tests of the rules
themselves go through `cases.actions`; these helpers only set the scene.

    ada = make_participant(cast.riverside, given_name="Ada")
    referral = make_referral(ada, cast.discharge, cast.riverside, cast.river_coordinator)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.utils import timezone

from seamline.network.models import Organisation, Pathway, User

from .choices import CareReason, ConsentScope, OwnershipHow, Severity
from .codes import next_participant_code, next_referral_code
from .models import CareTeamMember, Consent, Participant, Referral, RiskFlag
from .models import Ownership as OwnershipRow
from .rules import CLOSED_CASE_VISIBILITY, with_check_digit


def synthetic_nhs(n: int) -> str:
    """The n-th valid NHS number of the synthetic 999 range (never issued to anyone)."""
    found = -1
    candidate = 0
    while True:
        number = with_check_digit(f"999{candidate:06d}")
        if number is not None:
            found += 1
            if found == n:
                return number
        candidate += 1


def ago(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return timezone.now() - timedelta(days=days, hours=hours, minutes=minutes)


def make_participant(
    registered_by: Organisation | None = None,
    *,
    given_name: str = "Ada",
    family_name: str = "Lovelace",
    date_of_birth: date = date(1946, 5, 17),
    postcode: str = "NS1 4AB",
    address: str = "3 Mill Lane, Northbridge",
    nhs_number: str = "",
    medicaid_state: str = "",
    medicaid_id: str = "",
    care: Iterable[tuple[Organisation, str]] = (),
    code: str = "",
) -> Participant:
    """A participant; `care` puts organisations in the care team from a day ago, open-ended
    (the registering organisation is not added unless named there)."""
    participant = Participant.objects.create(
        code=code or next_participant_code(),
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        postcode=postcode,
        address=address,
        nhs_number=nhs_number,
        medicaid_state=medicaid_state,
        medicaid_id=medicaid_id,
        registered_by=registered_by,
    )
    for org, reason in care:
        add_to_care_team(participant, org, reason)
    return participant


def add_to_care_team(
    participant: Participant,
    org: Organisation,
    reason: str,
    *,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    referral: Referral | None = None,
) -> CareTeamMember:
    return CareTeamMember.objects.create(
        participant=participant,
        organisation=org,
        reason=reason,
        referral=referral,
        started_at=started_at or ago(days=1),
        ended_at=ended_at,
    )


def make_consent(
    participant: Participant,
    scope: str = ConsentScope.ALL_INVOLVED,
    organisations: Iterable[Organisation] = (),
    *,
    valid_from: date | None = None,
    valid_to: date | None = None,
    withdrawn_at: datetime | None = None,
    recorded_at: datetime | None = None,
) -> Consent:
    """A consent record that becomes the participant's current one."""
    consent = Consent.objects.create(
        participant=participant,
        scope=scope,
        recorded_at=recorded_at or timezone.now(),
        valid_from=valid_from or (timezone.localdate() - timedelta(days=10)),
        valid_to=valid_to,
        withdrawn_at=withdrawn_at,
        supersedes=participant.current_consent,
    )
    consent.organisations.set(list(organisations))
    participant.current_consent = consent
    participant.save(update_fields=["current_consent"])
    return consent


def make_referral(
    participant: Participant,
    pathway: Pathway,
    receiving: Organisation,
    owner: User,
    *,
    owner_organisation: Organisation | None = None,
    referrer: Organisation | None = None,
    received_at: datetime | None = None,
    first_contact_at: datetime | None = None,
    discharged_at: datetime | None = None,
    outcome: str = "",
    care_team: bool = True,
) -> Referral:
    """A referral with its first ownership and (unless told not to) the care-team rows a
    recorded referral gives: owner, receiving, referrer and the pathway's lead."""
    received = received_at or ago(days=3)
    owner_org = owner_organisation or receiving
    referral = Referral.objects.create(
        code=next_referral_code(received),
        participant=participant,
        pathway=pathway,
        referrer_organisation=referrer,
        receiving_organisation=receiving,
        received_at=received,
        first_contact_at=first_contact_at,
        discharged_at=discharged_at,
        outcome=outcome,
        owner_organisation=owner_org,
        owner_person=owner,
    )
    OwnershipRow.objects.create(
        referral=referral,
        seq=1,
        organisation=owner_org,
        person=owner,
        started_at=received,
        how=OwnershipHow.CREATED,
    )
    if care_team:
        ends = discharged_at + CLOSED_CASE_VISIBILITY if discharged_at else None
        parts = [(owner_org, CareReason.OWNER), (receiving, CareReason.RECEIVING)]
        parts.append((pathway.lead_organisation, CareReason.PRIME))
        if referrer is not None:
            parts.append((referrer, CareReason.REFERRER))
        for org, reason in parts:
            add_to_care_team(
                participant, org, reason, started_at=received, ended_at=ends, referral=referral
            )
    return referral


def make_flag(
    participant: Participant,
    kind: str = "missed_visits",
    severity: str = Severity.MEDIUM,
    *,
    raised_at: datetime | None = None,
    resolved_at: datetime | None = None,
    source: Organisation | None = None,
) -> RiskFlag:
    return RiskFlag.objects.create(
        participant=participant,
        kind=kind,
        severity=severity,
        raised_at=raised_at or ago(days=1),
        resolved_at=resolved_at,
        source_organisation=source,
    )
