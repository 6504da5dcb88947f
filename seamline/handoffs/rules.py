"""The rules of structured handoffs (SPEC C6), as pure functions: plain values in, reasons
out, no database. `handoffs.actions` loads the facts and applies them.

Reason codes:

* bundle values: ``unknown_field`` (not a field of this template), ``invalid_value`` (wrong
  shape or an option the field does not have), ``value_too_long``, ``part_missing`` (an item
  without one of its parts, e.g. an action item without a due time), ``unknown_organisation``,
  ``unknown_person``, ``owner_not_member``, ``owner_required``;
* who and when: ``not_permitted`` (the other side's move), ``wrong_state`` (not a move this
  state allows);
* acceptance: ``field_missing`` (one per missing mandatory field, so the error lists them all),
  ``repeat_back_missing``, ``repeat_back_too_short``, ``repeat_back_copied``,
  ``not_cleared_for_receipt``, ``no_worker_record``, ``case_closed``, ``owner_changed``,
  ``own_handoff``, ``owner_outside_care`` (an action item's owner has no part in the care);
* creating: ``case_closed``, ``receiver_inactive``, ``receiver_not_a_provider``,
  ``same_organisation``, ``step_not_on_pathway``, ``not_case_owner``;
* rejecting and the rest: ``invalid_value`` (reason code), ``reason_required``;
* templates: ``core_field_required``, ``no_mandatory_field``, ``invalid_value``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from seamline.coordination.rules import owner_reasons
from seamline.errors import Reason
from seamline.network.choices import Role

from .bundles import CATALOGUE, CORE_FIELDS, FieldSpec
from .choices import FieldLevel, FieldType, HandoffState, RejectionReason

MAX_TEXT = 4000
MAX_ITEMS = 50
# A repeat-back says it again in a sentence, not a word.
MIN_REPEAT_BACK_WORDS = 3
# The longest a template may give a receiver to answer (a fortnight).
MAX_RESPONSE_HOURS = 14 * 24

# The parts of each structured item: (key, label, required).
PARTS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    FieldType.RISK: (("risk", "Risk", True), ("severity", "Severity", True)),
    FieldType.MEDICATION_CHANGE: (
        ("medicine", "Medicine", True),
        ("change", "Change", True),
        ("detail", "Detail", False),
    ),
    FieldType.CONTACT: (
        ("name", "Name", True),
        ("role", "Role or relationship", False),
        ("phone", "Telephone", True),
    ),
    FieldType.ACTION_ITEM: (
        ("description", "What", True),
        ("owner_organisation", "Owner organisation", True),
        ("owner_role", "Owner role", False),
        ("owner_person", "Owner person", False),
        ("due_at", "Due", True),
    ),
}
SEVERITIES = frozenset({"low", "medium", "high"})


# --- values ---------------------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 date and time with its offset, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def parse_day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Directory:
    """What the bundle's references are checked against: organisation codes with their names,
    and people by public id with their organisation's code."""

    organisations: Mapping[str, str] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)


def _item_reasons(
    spec: FieldSpec, item: Any, where: str, label: str, directory: Directory | None
) -> list[Reason]:
    parts = PARTS[spec.type]
    if not isinstance(item, dict):
        return [Reason("invalid_value", f"{label}: each entry has parts ({_names(parts)}).", where)]
    reasons = []
    known = {key for key, _l, _r in parts}
    for extra in sorted(set(item) - known):
        reasons.append(Reason("invalid_value", f"{label}: '{extra}' is not a part.", where))
    for key, part_label, required in parts:
        value = item.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            reasons.append(
                Reason("invalid_value", f"{label}: {part_label} is text.", f"{where}.{key}")
            )
            continue
        if required and not value.strip():
            reasons.append(
                Reason("part_missing", f"{label}: give the {part_label.lower()}.", f"{where}.{key}")
            )
        elif len(value) > MAX_TEXT:
            reasons.append(
                Reason("value_too_long", f"{label}: {part_label} is too long.", f"{where}.{key}")
            )
    if reasons:
        return reasons
    if spec.type == FieldType.RISK and item["severity"] not in SEVERITIES:
        reasons.append(
            Reason(
                "invalid_value", f"{label}: severity is low, medium or high.", f"{where}.severity"
            )
        )
    if spec.type == FieldType.MEDICATION_CHANGE and item["change"] not in dict(spec.choices):
        reasons.append(
            Reason(
                "invalid_value",
                f"{label}: the change is one of {', '.join(dict(spec.choices))}.",
                f"{where}.change",
            )
        )
    if spec.type == FieldType.ACTION_ITEM:
        reasons += _action_item_reasons(item, where, label, directory)
    return reasons


def _action_item_reasons(
    item: Mapping[str, str], where: str, label: str, directory: Directory | None
) -> list[Reason]:
    reasons = []
    if parse_instant(item["due_at"]) is None:
        reasons.append(
            Reason(
                "invalid_value",
                f"{label}: the due time is a date and time with its zone, e.g. "
                "2026-06-01T14:00+01:00.",
                f"{where}.due_at",
            )
        )
    role = (item.get("owner_role") or "").strip()
    person = (item.get("owner_person") or "").strip()
    if not role and not person:
        reasons.append(
            Reason(
                "owner_required",
                f"{label}: name the person or the role that owns it.",
                f"{where}.owner_role",
            )
        )
    if role and role not in Role.values:
        reasons.append(
            Reason("invalid_value", f"{label}: '{role}' is not a role.", f"{where}.owner_role")
        )
    if person and not _is_uuid(person):
        reasons.append(
            Reason(
                "unknown_person",
                f"{label}: the owner is named by public id.",
                f"{where}.owner_person",
            )
        )
        person = ""
    if directory is None:
        return reasons
    org = item["owner_organisation"].strip()
    if org not in directory.organisations:
        reasons.append(
            Reason(
                "unknown_organisation",
                f"{label}: there is no organisation '{org}'.",
                f"{where}.owner_organisation",
            )
        )
    elif person:
        person_org = directory.people.get(str(uuid.UUID(person)))
        if person_org is None:
            reasons.append(
                Reason(
                    "unknown_person", f"{label}: there is no such person.", f"{where}.owner_person"
                )
            )
        elif person_org != org:
            reasons.append(
                Reason(
                    "owner_not_member",
                    f"{label}: the person named does not work for {directory.organisations[org]}.",
                    f"{where}.owner_person",
                )
            )
    return reasons


def _names(parts: Sequence[tuple[str, str, bool]]) -> str:
    return ", ".join(label.lower() for _k, label, _r in parts)


def _one_reasons(
    spec: FieldSpec, value: Any, where: str, label: str, directory: Directory | None
) -> list[Reason]:
    if spec.type in PARTS:
        return _item_reasons(spec, value, where, label, directory)
    if not isinstance(value, str):
        return [Reason("invalid_value", f"{label} is text.", where)]
    if len(value) > MAX_TEXT:
        return [Reason("value_too_long", f"{label} is longer than {MAX_TEXT} characters.", where)]
    if spec.type == FieldType.CHOICE and value not in dict(spec.choices):
        options = ", ".join(dict(spec.choices))
        return [Reason("invalid_value", f"{label} is one of: {options}.", where)]
    if spec.type == FieldType.DATE and parse_day(value) is None:
        return [Reason("invalid_value", f"{label} is a date, e.g. 2026-06-01.", where)]
    return []


def value_reasons(spec: FieldSpec, value: Any, directory: Directory | None = None) -> list[Reason]:
    """Is `value` a valid value of the field? An empty value is valid here (whether the field
    may be empty is the acceptance rule's question)."""
    if is_empty(value):
        return []
    if not spec.many:
        if isinstance(value, list):
            return [Reason("invalid_value", f"{spec.label} takes one value, not a list.", spec.key)]
        return _one_reasons(spec, value, spec.key, spec.label, directory)
    if not isinstance(value, list):
        return [Reason("invalid_value", f"{spec.label} is a list.", spec.key)]
    if len(value) > MAX_ITEMS:
        return [
            Reason("value_too_long", f"{spec.label} holds at most {MAX_ITEMS} entries.", spec.key)
        ]
    reasons = []
    for i, item in enumerate(value):
        if is_empty(item):
            reasons.append(
                Reason("invalid_value", f"{spec.label}: entry {i + 1} is empty.", f"{spec.key}.{i}")
            )
            continue
        reasons += _one_reasons(spec, item, f"{spec.key}.{i}", f"{spec.label} {i + 1}", directory)
    return reasons


def content_reasons(
    fields: Sequence[FieldSpec], content: Mapping[str, Any], directory: Directory | None = None
) -> list[Reason]:
    """Every problem with a bundle's values: fields the template does not have, and each value
    of the wrong shape."""
    by_key = {spec.key: spec for spec in fields}
    reasons = [
        Reason("unknown_field", f"'{key}' is not a field of this template.", key)
        for key in content
        if key not in by_key
    ]
    for spec in fields:
        reasons += value_reasons(spec, content.get(spec.key), directory)
    return reasons


# --- completeness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """How much of what the template asks for is there: the share of mandatory and required
    fields present, in whole percent, and the names of those missing."""

    score: int
    present: int
    counted: int
    missing_mandatory: tuple[str, ...]
    missing_required: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing_mandatory and not self.missing_required


def completeness(fields: Sequence[FieldSpec], content: Mapping[str, Any]) -> Completeness:
    counted = [spec for spec in fields if spec.counts]
    missing = [spec for spec in counted if is_empty(content.get(spec.key))]
    present = len(counted) - len(missing)
    score = 100 if not counted else (present * 100) // len(counted)
    return Completeness(
        score=score,
        present=present,
        counted=len(counted),
        missing_mandatory=tuple(s.key for s in missing if s.level == FieldLevel.MANDATORY),
        missing_required=tuple(s.key for s in missing if s.level == FieldLevel.REQUIRED),
    )


def missing_mandatory_reasons(
    fields: Sequence[FieldSpec], content: Mapping[str, Any]
) -> list[Reason]:
    """One reason per missing mandatory field, so a refusal names every one of them."""
    return [
        Reason("field_missing", f"{spec.label} is mandatory and missing.", spec.key)
        for spec in fields
        if spec.level == FieldLevel.MANDATORY and is_empty(content.get(spec.key))
    ]


# --- who may do what, in which state --------------------------------------------------------------

SENDER, RECEIVER = "sender", "receiver"
S = HandoffState
# move -> (the side that makes it, the states it starts from, what people call it)
MOVES: dict[str, tuple[str, frozenset[str], str]] = {
    "edit": (SENDER, frozenset({S.DRAFT, S.INFO_REQUESTED}), "edited"),
    "send": (SENDER, frozenset({S.DRAFT, S.INFO_REQUESTED}), "sent"),
    "withdraw": (SENDER, frozenset({S.DRAFT, S.SENT, S.INFO_REQUESTED}), "withdrawn"),
    "flag_mismatch": (SENDER, frozenset({S.ACCEPTED}), "flagged"),
    "resolve_rejection": (SENDER, frozenset({S.REJECTED}), "resolved"),
    "accept": (RECEIVER, frozenset({S.SENT}), "accepted"),
    "reject": (RECEIVER, frozenset({S.SENT}), "rejected"),
    "request_info": (RECEIVER, frozenset({S.SENT}), "answered with a request for information"),
}


def move_reasons(move: str, state: str, sides: Collection[str]) -> list[Reason]:
    """May someone on `sides` (the sender's and/or the receiver's organisation, as the roles
    allow) make `move` on a handoff in `state`? The side is asked first: the other party's move
    is never theirs, whatever the state."""
    side, states, verb = MOVES[move]
    if side not in sides:
        who = "sending" if side == SENDER else "receiving"
        return [
            Reason(
                "not_permitted",
                f"Only the {who} organisation's staff may do this to a handoff.",
            )
        ]
    if state not in states:
        label = HandoffState(state).label.lower()
        return [Reason("wrong_state", f"A handoff that is {label} cannot be {verb}.", "state")]
    return []


# --- repeat-back and acceptance ---------------------------------------------------------------

_WORDS = re.compile(r"[^\w]+")


def _words(text: str) -> list[str]:
    return [w for w in _WORDS.split(text.casefold()) if w]


def repeat_back_reasons(
    *, risk_status: str, escalation: str, sent_risk_status: str, sent_escalation: str
) -> list[Reason]:
    """The receiver restates the risk status and the escalation instructions in their own
    words: each said in a sentence, and not the sender's words copied back."""
    reasons = []
    given = (
        ("repeat_back_risk", "the risk status", risk_status, sent_risk_status),
        ("repeat_back_escalation", "the escalation instructions", escalation, sent_escalation),
    )
    for where, what, said, sent in given:
        words = _words(said)
        if not words:
            reasons.append(
                Reason("repeat_back_missing", f"Restate {what} in your own words.", where)
            )
        elif len(words) < MIN_REPEAT_BACK_WORDS:
            reasons.append(
                Reason(
                    "repeat_back_too_short",
                    f"Restate {what} in a sentence of at least {MIN_REPEAT_BACK_WORDS} words.",
                    where,
                )
            )
        elif sent and words == _words(sent):
            reasons.append(
                Reason(
                    "repeat_back_copied",
                    f"Restate {what} in your own words: the sender's text copied back does not "
                    "show it was understood.",
                    where,
                )
            )
    return reasons


@dataclass(frozen=True)
class ActionOwner:
    """One action item's owner, for the check that it has a part in the care."""

    index: int
    organisation: str
    organisation_name: str


@dataclass(frozen=True)
class AcceptanceFacts:
    fields: Sequence[FieldSpec]
    content: Mapping[str, Any]
    repeat_back_risk: str
    repeat_back_escalation: str
    # What the register says about the accepting person for handoff receipt at that instant:
    # None when they have no worker record at all.
    cleared: bool | None
    clearance_reasons: Sequence[Reason] = ()
    case_open: bool = True
    sender_still_owns: bool = True
    accepting_is_sender: bool = False
    # Organisations with a part in the care once the receiver has joined.
    care_organisations: frozenset[str] = frozenset()
    action_owners: Sequence[ActionOwner] = ()
    directory: Directory | None = None


def acceptance_reasons(facts: AcceptanceFacts) -> list[Reason]:
    """Everything that stands between a sent handoff and its acceptance, all at once."""
    reasons = []
    if not facts.case_open:
        reasons.append(Reason("case_closed", "The case was discharged: nothing to hand over."))
    elif not facts.sender_still_owns:
        reasons.append(
            Reason(
                "owner_changed",
                "The case has moved to another owner since this handoff was sent: the sender "
                "must withdraw it.",
            )
        )
    if facts.accepting_is_sender:
        reasons.append(Reason("own_handoff", "You cannot accept a handoff you sent yourself."))
    reasons += missing_mandatory_reasons(facts.fields, facts.content)
    reasons += content_reasons(facts.fields, facts.content, facts.directory)
    for owner in facts.action_owners:
        # The rule is coordination's (an action's owner has a part in the care); the other
        # owner checks were made with the bundle's values above.
        reasons += [
            Reason(r.code, f"Action item {owner.index + 1}: {r.message}", r.field)
            for r in owner_reasons(
                organisation=owner.organisation,
                organisation_name=owner.organisation_name,
                care_organisations=facts.care_organisations,
                person_organisation=None,
                person_named=False,
                role="worker",
                field_prefix=f"action_items.{owner.index}.",
            )
            if r.code == "owner_outside_care"
        ]
    by_key = {spec.key: spec for spec in facts.fields}
    reasons += repeat_back_reasons(
        risk_status=facts.repeat_back_risk,
        escalation=facts.repeat_back_escalation,
        sent_risk_status=_shown(by_key.get("risk_status"), facts.content.get("risk_status")),
        sent_escalation=str(facts.content.get("escalation_instructions") or ""),
    )
    if facts.cleared is None:
        reasons.append(
            Reason(
                "no_worker_record",
                "You have no record in the workforce register, so nothing shows you are cleared "
                "for handoff receipt.",
            )
        )
    elif not facts.cleared:
        why = " ".join(r.message for r in facts.clearance_reasons)
        reasons.append(
            Reason(
                "not_cleared_for_receipt",
                "You are not cleared for handoff receipt at this moment"
                + (f": {why}" if why else "."),
            )
        )
    return reasons


def _shown(spec: FieldSpec | None, value: Any) -> str:
    """A value as the sender's page shows it (a choice by its label)."""
    if spec is None or not isinstance(value, str):
        return ""
    return dict(spec.choices).get(value, value)


def display_value(spec: FieldSpec, value: Any) -> str:
    return _shown(spec, value)


# --- other moves ----------------------------------------------------------------------------------


def rejection_reasons(*, code: str, text: str) -> list[Reason]:
    reasons = []
    if code not in RejectionReason.values:
        reasons.append(
            Reason(
                "invalid_value",
                "Choose why: missing information, inappropriate, no capacity or other.",
                "reason",
            )
        )
    if not text.strip():
        reasons.append(Reason("reason_required", "Say why, for the sender.", "text"))
    return reasons


def text_reasons(text: str, field_name: str, message: str) -> list[Reason]:
    return [] if text.strip() else [Reason("reason_required", message, field_name)]


def creation_reasons(
    *,
    case_open: bool,
    actor_org_owns: bool,
    receiver_active: bool,
    receiver_provides_care: bool,
    same_organisation: bool,
    template_allows_same: bool,
    step_on_pathway: bool,
) -> list[Reason]:
    reasons = []
    if not case_open:
        reasons.append(
            Reason(
                "case_closed", "The case is discharged: there is nothing to hand over.", "referral"
            )
        )
    if not actor_org_owns:
        reasons.append(
            Reason(
                "not_case_owner",
                "Only the organisation that owns the case hands it over.",
                "referral",
            )
        )
    if not receiver_active:
        reasons.append(
            Reason(
                "receiver_inactive",
                "The receiving organisation is not active in the network.",
                "receiving_organisation",
            )
        )
    if not receiver_provides_care:
        reasons.append(
            Reason(
                "receiver_not_a_provider",
                "A commissioner does not take on care: choose a provider.",
                "receiving_organisation",
            )
        )
    if same_organisation and not template_allows_same:
        reasons.append(
            Reason(
                "same_organisation",
                "This template hands a case to another organisation; within your own, use the "
                "shift handover.",
                "receiving_organisation",
            )
        )
    if not step_on_pathway:
        reasons.append(
            Reason("step_not_on_pathway", "That step is not on the case's pathway.", "step")
        )
    return reasons


def template_reasons(
    *, levels: Mapping[str, str], response_hours: int | None, reason: str
) -> list[Reason]:
    """A template version must keep the two fields the repeat-back restates as mandatory, use
    known fields and levels, and give the receiver a sensible time to answer."""
    reasons = []
    for key, level in levels.items():
        if key not in CATALOGUE:
            reasons.append(Reason("invalid_value", f"'{key}' is not a bundle field.", key))
        elif level and level not in FieldLevel.values:
            reasons.append(Reason("invalid_value", f"'{level}' is not a level.", key))
    for key in CORE_FIELDS:
        if levels.get(key) != FieldLevel.MANDATORY:
            reasons.append(
                Reason(
                    "core_field_required",
                    f"{CATALOGUE[key].label} stays mandatory: the receiver restates it before "
                    "accepting.",
                    key,
                )
            )
    if response_hours is None or not 1 <= response_hours <= MAX_RESPONSE_HOURS:
        reasons.append(
            Reason(
                "invalid_value",
                f"The receiver's time to answer is between 1 and {MAX_RESPONSE_HOURS} hours.",
                "response_hours",
            )
        )
    if not reason.strip():
        reasons.append(Reason("reason_required", "Say why the template changes.", "reason"))
    return reasons


# --- time -----------------------------------------------------------------------------------------


def response_standard(step_hours: int | None, template_hours: int) -> int:
    """Hours the receiver has to answer: the pathway step's time standard when the handoff names
    a step that has one, otherwise the template's own."""
    return step_hours if step_hours else template_hours


def respond_by(start: datetime, hours: int) -> datetime:
    return start + timedelta(hours=hours)


def is_overdue(
    *, state: str, respond_by: datetime | None, resolved_at: datetime | None, at: datetime
) -> bool:
    """A sent handoff nobody has accepted, or a rejection nobody has resolved, past its
    deadline. (`respond_by` runs from the first sending, or from the rejection.)"""
    if state not in (S.SENT, S.INFO_REQUESTED, S.REJECTED) or respond_by is None:
        return False
    if state == S.REJECTED and resolved_at is not None:
        return False
    return respond_by < at


def time_to_acceptance(
    first_sent_at: datetime | None, accepted_at: datetime | None
) -> timedelta | None:
    if first_sent_at is None or accepted_at is None:
        return None
    return accepted_at - first_sent_at
