"""The pure rules of participants and referrals (SPEC C1 visibility, C5): plain values in,
reasons or answers out. Nothing here touches the database; `cases.actions` loads the facts,
calls these and refuses with `RuleViolation` when a rule gives reasons.

Reason codes:

* ``required``: a field that must be given was left empty;
* ``nhs_number_format`` / ``nhs_number_check_digit``: not ten digits, or the modulus-11 check
  digit does not match (the number was mistyped);
* ``medicaid_state_unknown`` / ``medicaid_id_format``: not a US state or territory code, or a
  member id that does not fit the state's known format;
* ``date_in_future`` / ``date_of_birth_implausible``: a date that cannot be right;
* ``consent_no_organisations`` / ``consent_dates``: "only these organisations" names none,
  or the consent ends before it starts;
* ``before_received`` / ``already_recorded`` / ``already_discharged`` / ``outcome_required``
  / ``outcome_unknown``: the referral timeline (SPEC section 3) would not hold;
* ``owner_organisation_inactive`` / ``owner_not_member`` / ``owner_role``: the named owner
  cannot own the case;
* ``already_owner`` / ``reason_required`` / ``case_closed``: a reassignment that changes
  nothing, has no reason, or concerns a discharged case;
* ``merge_same`` / ``merge_inactive`` / ``merge_consent``: a merge that cannot be made;
* ``flag_resolved``: the risk flag is already resolved.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from seamline.errors import Reason
from seamline.network.choices import ClockStart, OrgStatus

from .choices import CareReason, ConsentScope, Outcome, RiskKind, Severity

# --- public codes ----------------------------------------------------------------------------


def participant_code(number: int) -> str:
    """The network-wide participant code: P- and six digits (more once past a million)."""
    return f"P-{number:06d}"


def referral_code(year: int, number: int) -> str:
    """The referral id: R-, the year it was recorded, and a number counted within that year."""
    return f"R-{year}-{number:06d}"


# --- NHS number --------------------------------------------------------------------------------

NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# Numbers starting 999 are never issued to a real person: demo and tests use them only.
SYNTHETIC_NHS_PREFIX = "999"


def normalise_nhs_number(value: str) -> str:
    """The ten digits as stored: spaces and hyphens people type between groups are dropped."""
    return re.sub(r"[\s-]", "", value or "")


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None when no digit fits (a remainder of
    1 gives 10, and such numbers are never issued)."""
    total = sum(int(d) * w for d, w in zip(first_nine, NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def with_check_digit(first_nine: str) -> str | None:
    """A full NHS number from its first nine digits, or None when they cannot have one."""
    check = nhs_check_digit(first_nine)
    return None if check is None else f"{first_nine}{check}"


def is_valid_nhs_number(value: str) -> bool:
    return not nhs_number_reasons(value)


def nhs_number_reasons(value: str, field: str = "nhs_number") -> list[Reason]:
    """An NHS number must be ten digits whose last is the modulus-11 check digit of the rest."""
    digits = normalise_nhs_number(value)
    if not re.fullmatch(r"\d{10}", digits):
        return [Reason("nhs_number_format", "An NHS number is ten digits.", field)]
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        return [
            Reason(
                "nhs_number_check_digit",
                f"{format_nhs_number(digits)} fails its check digit: a digit is probably mistyped.",
                field,
            )
        ]
    return []


def format_nhs_number(value: str) -> str:
    """Shown as people read it: 3, 3 and 4 digits."""
    digits = normalise_nhs_number(value)
    if len(digits) != 10:
        return value
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


# --- US Medicaid / health plan member ids --------------------------------------------------------

# fmt: off
US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
    "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
    "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
    "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI",
})
# fmt: on
# Member id formats Seamline knows, by state: (pattern on the normalised id, how to say it).
# Other states' ids are kept as typed (normalised) and marked unchecked.
MEDICAID_FORMATS: dict[str, tuple[str, str]] = {
    "CA": (r"\d{8}[A-Z]", "eight digits and a letter (Medi-Cal CIN)"),
    "NY": (r"[A-Z]{2}\d{5}[A-Z]", "two letters, five digits and a letter (CIN)"),
    "TX": (r"\d{9}", "nine digits"),
    "FL": (r"\d{10}", "ten digits"),
}


def normalise_medicaid_id(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def medicaid_format_known(state: str) -> bool:
    return (state or "").upper() in MEDICAID_FORMATS


def medicaid_note(state: str) -> str:
    """What the record says about an id whose format could not be checked."""
    if not state or medicaid_format_known(state):
        return ""
    return f"The format of {state.upper()} member ids is not known here: kept as typed, unchecked."


def medicaid_reasons(state: str, value: str, field: str = "medicaid_id") -> list[Reason]:
    """A member id needs its state; where the state's format is known the id must fit it."""
    state = (state or "").strip().upper()
    member_id = normalise_medicaid_id(value)
    if not member_id and not state:
        return []
    if not member_id:
        return [Reason("required", "Give the member id for the state chosen.", field)]
    if not state:
        return [Reason("required", "Name the state that issued the member id.", "medicaid_state")]
    if state not in US_STATES:
        return [
            Reason(
                "medicaid_state_unknown",
                f"'{state}' is not a US state or territory code.",
                "medicaid_state",
            )
        ]
    known = MEDICAID_FORMATS.get(state)
    if known is not None and not re.fullmatch(known[0], member_id):
        return [
            Reason(
                "medicaid_id_format",
                f"A {state} member id is {known[1]}; '{member_id}' is not.",
                field,
            )
        ]
    return []


# --- local ids, postcodes, names ---------------------------------------------------------------


def normalise_local_id(value: str) -> str:
    """A partner's own id as compared: surrounding spaces dropped, letters in capitals."""
    return (value or "").strip().upper()


_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$")


def normalise_postcode(value: str) -> str:
    """Capitals and single spaces; a UK postcode typed without its space gets it back."""
    text = " ".join((value or "").upper().split())
    found = _UK_POSTCODE.match(text)
    if found:
        return f"{found.group(1)} {found.group(2)}"
    return text


def fold(text: str) -> str:
    """A name as compared: lower case, accents and anything but letters removed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if c.isalpha()).lower()


# Common short forms: a duplicate record often carries the name the person goes by.
NICKNAMES = {
    "bob": "robert",
    "rob": "robert",
    "bill": "william",
    "will": "william",
    "liz": "elizabeth",
    "beth": "elizabeth",
    "jim": "james",
    "jimmy": "james",
    "peggy": "margaret",
    "maggie": "margaret",
    "kate": "katherine",
    "kathy": "katherine",
    "tom": "thomas",
    "tony": "anthony",
    "sue": "susan",
    "dave": "david",
    "mike": "michael",
    "chris": "christopher",
    "alex": "alexander",
    "jack": "john",
    "sam": "samuel",
    "dan": "daniel",
    "ben": "benjamin",
    "nick": "nicholas",
    "pat": "patricia",
}


def _given(name: str) -> str:
    folded = fold(name)
    return NICKNAMES.get(folded, folded)


def similar_names(given_a: str, family_a: str, given_b: str, family_b: str) -> bool:
    """Could these two names be one person's? Same names, swapped names, a known short form,
    the same family name with the same initial, or a small typing slip in either name."""
    ga, fa, gb, fb = _given(given_a), fold(family_a), _given(given_b), fold(family_b)
    if not (ga and fa and gb and fb):
        return False
    if (ga, fa) == (gb, fb) or (ga, fa) == (fold(family_b), fold(given_b)):
        return True
    if fa == fb and ga[0] == gb[0]:
        return True
    full = difflib.SequenceMatcher(None, f"{ga} {fa}", f"{gb} {fb}").ratio()
    return full >= 0.85


def unordered(a: int, b: int) -> tuple[int, int]:
    """A pair of records the same whichever way round it is named."""
    return (a, b) if a < b else (b, a)


# --- details of a participant -------------------------------------------------------------------

EARLIEST_BIRTH = date(1900, 1, 1)


def participant_reasons(
    *, given_name: str, family_name: str, date_of_birth: date | None, today: date
) -> list[Reason]:
    reasons = []
    if not (given_name or "").strip():
        reasons.append(Reason("required", "Give the participant's given name.", "given_name"))
    if not (family_name or "").strip():
        reasons.append(Reason("required", "Give the participant's family name.", "family_name"))
    if date_of_birth is None:
        reasons.append(Reason("required", "Give the date of birth.", "date_of_birth"))
    elif date_of_birth > today:
        reasons.append(
            Reason("date_in_future", "A date of birth cannot be in the future.", "date_of_birth")
        )
    elif date_of_birth < EARLIEST_BIRTH:
        reasons.append(
            Reason(
                "date_of_birth_implausible",
                f"A date of birth before {EARLIEST_BIRTH:%Y} is surely mistyped.",
                "date_of_birth",
            )
        )
    return reasons


# --- consent to share ---------------------------------------------------------------------------


class Sharing:
    """What a participant's consent allows at an instant."""

    ALL = "all"  # every organisation with a part in the care
    NAMED = "named"  # the named organisations with a part in the care, and the owners
    OWNERS_ONLY = "owners_only"  # withdrawn, lapsed or not yet in force: the owners only


@dataclass(frozen=True)
class ConsentFacts:
    scope: str
    valid_from: date
    valid_to: date | None = None
    withdrawn_at: datetime | None = None
    organisations: frozenset[str] = frozenset()


def consent_reasons(
    *, scope: str, organisations: int, valid_from: date | None, valid_to: date | None, today: date
) -> list[Reason]:
    reasons = []
    if scope not in ConsentScope.values:
        reasons.append(Reason("required", "Choose what the participant agreed to.", "scope"))
    elif scope == ConsentScope.NAMED and organisations == 0:
        reasons.append(
            Reason(
                "consent_no_organisations",
                "Name at least one organisation the participant agreed to share with.",
                "organisations",
            )
        )
    if valid_from is None:
        reasons.append(Reason("required", "Give the date the consent was given.", "valid_from"))
    elif valid_from > today:
        reasons.append(
            Reason(
                "date_in_future",
                "Record consent once it is given: the date cannot be in the future.",
                "valid_from",
            )
        )
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        reasons.append(
            Reason("consent_dates", "The consent cannot end before it starts.", "valid_to")
        )
    return reasons


def sharing_at(consent: ConsentFacts | None, at: datetime) -> str:
    """What the participant's current consent allows at `at`.

    No consent recorded: sharing for direct care within the care team (the common-law duty of
    confidentiality allows it; a recorded consent can only narrow it). A consent withdrawn, not
    yet in force or past its end: the owners only, who must go on delivering the care."""
    if consent is None:
        return Sharing.ALL
    day = timezone.localdate(at) if timezone.is_aware(at) else at.date()
    if consent.withdrawn_at is not None and consent.withdrawn_at <= at:
        return Sharing.OWNERS_ONLY
    if consent.valid_from > day or (consent.valid_to is not None and consent.valid_to < day):
        return Sharing.OWNERS_ONLY
    return Sharing.ALL if consent.scope == ConsentScope.ALL_INVOLVED else Sharing.NAMED


def may_see(
    organisation: str, parts: Iterable[str], consent: ConsentFacts | None, at: datetime
) -> bool:
    """May `organisation`, with these active parts in the care, see the participant at `at`?

    The one statement of SPEC C1 for participants; `Participant.objects.visible_to` asks the
    same question of the database, and a test holds the two to the same table."""
    reasons = set(parts)
    if CareReason.OWNER in reasons:
        return True
    if not reasons:
        return False
    sharing = sharing_at(consent, at)
    if sharing == Sharing.ALL:
        return True
    if sharing == Sharing.NAMED:
        assert consent is not None
        return organisation in consent.organisations
    return False


SHARING_RANK = {Sharing.OWNERS_ONLY: 0, Sharing.NAMED: 1, Sharing.ALL: 2}


def consent_wider(a: ConsentFacts | None, b: ConsentFacts | None, at: datetime) -> bool:
    """Would applying consent `a` in place of `b` share with anyone `b` does not allow?"""
    sa, sb = sharing_at(a, at), sharing_at(b, at)
    if SHARING_RANK[sa] != SHARING_RANK[sb]:
        return SHARING_RANK[sa] > SHARING_RANK[sb]
    if sa == Sharing.NAMED:
        assert a is not None and b is not None
        return not a.organisations <= b.organisations
    return False


# --- referrals -----------------------------------------------------------------------------------

# After a discharge the organisations of the referral keep their part in the care this long, to
# finish their records, answer audits and reconcile caseloads (docs/adr/0007).
CLOSED_CASE_VISIBILITY = timedelta(days=90)


def first_contact_standard_hours(steps: Sequence[tuple[str, int | None]]) -> int | None:
    """The pathway's standard for first contact: the longest time standard among its opening
    steps counted from the referral being received (e.g. triage within 4 h, first contact
    within 24 h: 24 h). `steps` are (clock start, hours) in pathway order."""
    hours = None
    for clock, standard in steps:
        if clock != ClockStart.REFERRAL_RECEIVED:
            break
        if standard is not None:
            hours = standard if hours is None else max(hours, standard)
    return hours


def is_long_wait(
    *,
    received_at: datetime,
    first_contact_at: datetime | None,
    discharged_at: datetime | None,
    standard_hours: int | None,
    at: datetime,
) -> bool:
    """An open referral with no first contact once the pathway's standard has run out."""
    if standard_hours is None or first_contact_at is not None or discharged_at is not None:
        return False
    return at - received_at > timedelta(hours=standard_hours)


def received_reasons(received_at: datetime | None, now: datetime) -> list[Reason]:
    if received_at is None:
        return [Reason("required", "Give the moment the referral was received.", "received_at")]
    if received_at > now:
        return [
            Reason("date_in_future", "A referral cannot be received in the future.", "received_at")
        ]
    return []


def first_contact_reasons(
    *,
    received_at: datetime,
    recorded: datetime | None,
    discharged_at: datetime | None,
    at: datetime,
    now: datetime,
) -> list[Reason]:
    """First contact is the first two-way contact: once, not before the referral was received,
    not in the future, and not after the episode ended."""
    field = "first_contact_at"
    if recorded is not None:
        return [
            Reason(
                "already_recorded",
                "First contact was already recorded at "
                f"{timezone.localtime(recorded):%d %b %Y %H:%M}.",
                field,
            )
        ]
    reasons = []
    if at < received_at:
        reasons.append(
            Reason("before_received", "First contact cannot come before the referral.", field)
        )
    if at > now:
        reasons.append(Reason("date_in_future", "First contact cannot be in the future.", field))
    if discharged_at is not None and at > discharged_at:
        reasons.append(
            Reason("case_closed", "First contact cannot come after the discharge.", field)
        )
    return reasons


def discharge_reasons(
    *,
    received_at: datetime,
    first_contact_at: datetime | None,
    discharged_at: datetime | None,
    at: datetime,
    outcome: str,
    now: datetime,
) -> list[Reason]:
    """A discharge ends the episode once, with an outcome code, not before the referral was
    received (nor before a recorded first contact), and not in the future."""
    field = "discharged_at"
    if discharged_at is not None:
        return [Reason("already_discharged", "This referral is already discharged.", field)]
    reasons = []
    if not outcome:
        reasons.append(Reason("outcome_required", "A discharge needs an outcome.", "outcome"))
    elif outcome not in Outcome.values:
        reasons.append(Reason("outcome_unknown", f"'{outcome}' is not an outcome code.", "outcome"))
    if at < received_at:
        reasons.append(
            Reason("before_received", "A discharge cannot come before the referral.", field)
        )
    elif first_contact_at is not None and at < first_contact_at:
        reasons.append(
            Reason("before_received", "A discharge cannot come before the first contact.", field)
        )
    if at > now:
        reasons.append(Reason("date_in_future", "A discharge cannot be in the future.", field))
    return reasons


def owner_reasons(
    *,
    organisation_status: str,
    person_organisation: str | None,
    organisation: str,
    person_roles: Iterable[str],
    owner_roles: Iterable[str],
) -> list[Reason]:
    """The owner is an organisation active in the network and a named person who is a current
    member of it and holds a role that answers for a case."""
    reasons = []
    if organisation_status != OrgStatus.ACTIVE:
        reasons.append(
            Reason(
                "owner_organisation_inactive",
                "Only an organisation active in the network can own a case.",
                "owner_organisation",
            )
        )
    if person_organisation != organisation:
        reasons.append(
            Reason(
                "owner_not_member",
                "The owner must be a current member of the owning organisation.",
                "owner_person",
            )
        )
    elif not set(person_roles) & set(owner_roles):
        reasons.append(
            Reason(
                "owner_role",
                "The owner needs a role that answers for a case (coordinator, supervisor, "
                "worker, partner admin, quality lead or network admin).",
                "owner_person",
            )
        )
    return reasons


def transfer_reasons(
    *, discharged: bool, same_owner: bool, reason: str, reason_needed: bool
) -> list[Reason]:
    reasons = []
    if discharged:
        reasons.append(
            Reason("case_closed", "A discharged case has no owner to change.", "owner_person")
        )
    if same_owner:
        reasons.append(
            Reason("already_owner", "This person already owns the case.", "owner_person")
        )
    if reason_needed and not (reason or "").strip():
        reasons.append(Reason("reason_required", "Say why the case changes owner.", "reason"))
    return reasons


@dataclass(frozen=True)
class OwnershipFacts:
    seq: int
    started_at: datetime
    organisation: str
    person: str
    how: str


def owner_at(
    history: Sequence[OwnershipFacts],
    *,
    received_at: datetime,
    discharged_at: datetime | None,
    at: datetime,
) -> OwnershipFacts | None:
    """Who owned the case at instant `at`: the latest ownership begun by then, while the case
    was open (before it was received and from its discharge on, nobody did)."""
    if at < received_at or (discharged_at is not None and at >= discharged_at):
        return None
    begun = [o for o in history if o.started_at <= at]
    if not begun:
        return None
    return max(begun, key=lambda o: (o.started_at, o.seq))


# --- merging duplicates ---------------------------------------------------------------------------


def merge_reasons(
    *,
    survivor_active: bool,
    absorbed_active: bool,
    same: bool,
    consent_widened: bool,
    reason: str,
) -> list[Reason]:
    """Two active, distinct records; a reason; and never a merge that would share the person's
    data more widely than the absorbed record's consent allows (record that consent on the
    surviving record first)."""
    if same:
        return [Reason("merge_same", "A record cannot be merged with itself.", "absorbed")]
    reasons = []
    if not (survivor_active and absorbed_active):
        reasons.append(
            Reason(
                "merge_inactive",
                "One of these records is already merged into another.",
                "absorbed",
            )
        )
    if consent_widened:
        reasons.append(
            Reason(
                "merge_consent",
                "The record to absorb has a narrower consent to share than the surviving one. "
                "Record the person's consent on the surviving record first.",
                "absorbed",
            )
        )
    if not (reason or "").strip():
        reasons.append(Reason("reason_required", "Say why these are the same person.", "reason"))
    return reasons


# --- risk ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagFacts:
    kind: str
    severity: str
    raised_at: datetime
    resolved_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        return self.raised_at <= at and (self.resolved_at is None or self.resolved_at > at)


# Escalation tiers that make a participant high-risk while open (SPEC section 3).
HIGH_RISK_TIERS = frozenset({"immediate", "same_day"})


def high_risk(flags: Iterable[FlagFacts], at: datetime, open_tiers: Iterable[str] = ()) -> bool:
    """SPEC section 3: an active risk flag of severity high, or an open escalation of tier
    immediate or same day (`open_tiers`: the tiers of escalations open at `at`)."""
    if any(f.severity == Severity.HIGH and f.active(at) for f in flags):
        return True
    return bool(HIGH_RISK_TIERS & set(open_tiers))


def flag_reasons(*, kind: str, severity: str, raised_at: datetime, now: datetime) -> list[Reason]:
    reasons = []
    if kind not in RiskKind.values:
        reasons.append(Reason("required", "Choose the kind of risk.", "kind"))
    if severity not in Severity.values:
        reasons.append(Reason("required", "Choose the severity.", "severity"))
    if raised_at > now:
        reasons.append(
            Reason("date_in_future", "A flag cannot be raised in the future.", "raised_at")
        )
    return reasons


def resolve_reasons(
    *, raised_at: datetime, resolved_at: datetime | None, at: datetime, now: datetime
) -> list[Reason]:
    field = "resolved_at"
    if resolved_at is not None:
        return [Reason("flag_resolved", "This flag is already resolved.", field)]
    if at < raised_at:
        return [Reason("before_raised", "A flag cannot be resolved before it was raised.", field)]
    if at > now:
        return [Reason("date_in_future", "A flag cannot be resolved in the future.", field)]
    return []
