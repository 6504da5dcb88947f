"""The fields a handoff bundle can hold, and the default template of each transition.

A field's key, type, cardinality and (for lists of choices) its options are fixed here, in one
catalogue, so that every partner's bundles mean the same thing and every template version can
be read by the same code. What a template decides, and what the quality lead edits, is which
fields it uses and how much it needs each one (mandatory, required, optional), with the help
text people see. A template version stores its fields in full (`FieldSpec.as_dict`), so an old
handoff is always read against the version it was written on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .choices import Cardinality, FieldLevel, FieldType, Transition

RISK_LEVELS = (("low", "Low"), ("medium", "Medium"), ("high", "High"))
MEDICATION_CHANGES = (
    ("started", "Started"),
    ("stopped", "Stopped"),
    ("dose_changed", "Dose or timing changed"),
    ("other", "Other change"),
)


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    type: str
    cardinality: str
    level: str = FieldLevel.OPTIONAL
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    @property
    def many(self) -> bool:
        return self.cardinality == Cardinality.MANY

    @property
    def counts(self) -> bool:
        """Does the field count towards completeness (mandatory or required)?"""
        return self.level in (FieldLevel.MANDATORY, FieldLevel.REQUIRED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "type": self.type,
            "cardinality": self.cardinality,
            "level": self.level,
            "help": self.help,
            "choices": [list(c) for c in self.choices],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldSpec:
        return cls(
            key=str(data["key"]),
            label=str(data["label"]),
            type=str(data["type"]),
            cardinality=str(data["cardinality"]),
            level=str(data.get("level", FieldLevel.OPTIONAL)),
            help=str(data.get("help", "")),
            choices=tuple((str(c[0]), str(c[1])) for c in data.get("choices", [])),
        )


def _field(
    key: str,
    label: str,
    type_: str,
    cardinality: str,
    help_: str,
    choices: tuple[tuple[str, str], ...] = (),
) -> FieldSpec:
    return FieldSpec(key, label, type_, cardinality, FieldLevel.OPTIONAL, help_, choices)


ONE, MANY = Cardinality.ONE, Cardinality.MANY

# Every field a bundle can hold, in the order pages show them (SPEC C6's list).
CATALOGUE: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        _field(
            "risk_status",
            "Risk status",
            FieldType.CHOICE,
            ONE,
            "The overall level of risk now, as the sender judges it.",
            RISK_LEVELS,
        ),
        _field(
            "current_risks",
            "Current risks",
            FieldType.RISK,
            MANY,
            "Each risk in a few words, with its severity.",
        ),
        _field(
            "protective_factors",
            "Protective factors",
            FieldType.TEXT,
            MANY,
            "What keeps the person safe: people, routines, strengths. One per line.",
        ),
        _field(
            "medication_changes",
            "Medication changes",
            FieldType.MEDICATION_CHANGE,
            MANY,
            "Medicines started, stopped or changed, and what to watch for.",
            MEDICATION_CHANGES,
        ),
        _field(
            "safety_plan",
            "Safety-plan elements",
            FieldType.TEXT,
            MANY,
            "Warning signs, coping steps and who to call. One per line.",
        ),
        _field(
            "escalation_instructions",
            "Escalation instructions",
            FieldType.TEXT,
            ONE,
            "What should make the receiver escalate, to whom and how fast.",
        ),
        _field(
            "safeguarding_status",
            "Safeguarding status",
            FieldType.CHOICE,
            ONE,
            "Whether there is a safeguarding concern and where it stands.",
            (
                ("none_known", "No concern known"),
                ("concern_raised", "Concern raised, not yet triaged"),
                ("enquiry_open", "Enquiry open"),
                ("plan_in_place", "Protection plan in place"),
            ),
        ),
        _field(
            "consent",
            "Consent",
            FieldType.CHOICE,
            ONE,
            "What the person agreed to about sharing their information and this handover.",
            (
                ("given", "Consent given to share with the receiver"),
                ("given_limited", "Consent given with limits (see the current plan)"),
                ("best_interests", "Lacks capacity: shared in their best interests"),
                ("not_given", "Consent not given: shared for safety only"),
            ),
        ),
        _field(
            "key_contacts",
            "Key contacts",
            FieldType.CONTACT,
            MANY,
            "Family, GP, key worker: name, role and a telephone number.",
        ),
        _field(
            "current_plan",
            "Current plan",
            FieldType.TEXT,
            ONE,
            "The care and support in place now, and what the person wants from it.",
        ),
        _field(
            "next_review",
            "Next appointment or review date",
            FieldType.DATE,
            ONE,
            "The next fixed date in the person's care.",
        ),
        _field(
            "action_items",
            "Action items",
            FieldType.ACTION_ITEM,
            MANY,
            "What must happen next: each with an owner (organisation and person or role) and "
            "a due time. They become owned actions when the handoff is accepted.",
        ),
    )
}

# The receiver restates these two in their own words before accepting, so every template
# keeps them, and keeps them mandatory.
CORE_FIELDS = ("risk_status", "escalation_instructions")

M, R, OPT = FieldLevel.MANDATORY, FieldLevel.REQUIRED, FieldLevel.OPTIONAL


@dataclass(frozen=True)
class DefaultTemplate:
    transition: str
    description: str
    response_hours: int
    same_organisation: bool
    levels: dict[str, str]

    @property
    def name(self) -> str:
        return str(Transition(self.transition).label)


DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    DefaultTemplate(
        Transition.HOSPITAL_DISCHARGE,
        "A person leaving hospital for care at home: what the community team must know before "
        "the first visit.",
        24,
        False,
        {
            "risk_status": M,
            "current_risks": M,
            "medication_changes": M,
            "escalation_instructions": M,
            "consent": M,
            "key_contacts": M,
            "action_items": M,
            "protective_factors": R,
            "safeguarding_status": R,
            "current_plan": R,
            "next_review": R,
            "safety_plan": OPT,
        },
    ),
    DefaultTemplate(
        Transition.CRISIS_STEP_DOWN,
        "From the crisis team to routine follow-up once the person is stable: the safety plan "
        "travels with them.",
        24,
        False,
        {
            "risk_status": M,
            "current_risks": M,
            "safety_plan": M,
            "escalation_instructions": M,
            "action_items": M,
            "protective_factors": R,
            "medication_changes": R,
            "key_contacts": R,
            "consent": R,
            "next_review": R,
            "current_plan": OPT,
            "safeguarding_status": OPT,
        },
    ),
    DefaultTemplate(
        Transition.HOUSING_PLACEMENT,
        "A person moving into a new home or supported housing: who supports them there and "
        "what could go wrong in the first weeks.",
        48,
        False,
        {
            "risk_status": M,
            "current_risks": M,
            "escalation_instructions": M,
            "key_contacts": M,
            "consent": M,
            "action_items": M,
            "protective_factors": R,
            "safeguarding_status": R,
            "current_plan": R,
            "next_review": R,
            "medication_changes": OPT,
            "safety_plan": OPT,
        },
    ),
    DefaultTemplate(
        Transition.SHIFT_HANDOVER,
        "From one shift or duty team to the next, within a team or across partners.",
        2,
        True,
        {
            "risk_status": M,
            "escalation_instructions": M,
            "action_items": M,
            "current_risks": R,
            "medication_changes": R,
            "safety_plan": OPT,
            "key_contacts": OPT,
            "current_plan": OPT,
        },
    ),
    DefaultTemplate(
        Transition.SAFEGUARDING,
        "A safeguarding concern passed to the team that will lead on it: status, risks and who "
        "has been told.",
        24,
        False,
        {
            "safeguarding_status": M,
            "risk_status": M,
            "current_risks": M,
            "escalation_instructions": M,
            "consent": M,
            "key_contacts": M,
            "action_items": M,
            "safety_plan": R,
            "protective_factors": R,
            "current_plan": R,
            "next_review": R,
            "medication_changes": OPT,
        },
    ),
)


def fields_for(
    levels: Mapping[str, str], help_texts: Mapping[str, str] | None = None
) -> list[FieldSpec]:
    """The template fields for these levels, in catalogue order (fields without a level are
    left out); `help_texts` replaces the catalogue's help where given."""
    helps = help_texts or {}
    return [
        replace(spec, level=levels[key], help=helps.get(key) or spec.help)
        for key, spec in CATALOGUE.items()
        if levels.get(key)
    ]


def parse_fields(data: list[dict[str, Any]]) -> list[FieldSpec]:
    return [FieldSpec.from_dict(item) for item in data]
