"""Forms of the handoff pages. They check the shape of input only; the rules live in
`handoffs.rules` and are applied by `handoffs.actions`.

The bundle form is built from the template version's fields: text and choices are ordinary
inputs, lists of text are one entry per line, and structured lists (risks, medication changes,
contacts, action items) are rows of small inputs, with two empty rows to add more (save, and
two more appear). No script is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from seamline.cases.forms import organisation_field
from seamline.errors import RuleViolation
from seamline.network.choices import Role
from seamline.network.forms import reason_field, version_field
from seamline.network.models import Organisation, PathwayStep, User

from .bundles import FieldSpec
from .choices import FieldLevel, FieldType, HandoffState, RejectionReason, Transition
from .rules import PARTS, SEVERITIES
from .scoring import CRITERIA

ANY = [("", "Any")]
EXTRA_ROWS = 2


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    found = form.fields[name]
    assert isinstance(found, forms.ModelChoiceField)
    found.queryset = queryset


# --- lists ----------------------------------------------------------------------------------------


class BoxFilterForm(forms.Form):
    STATES = [
        ("", "Waiting (sent or asked for more)"),
        ("all", "All"),
        *[(s.value, s.label) for s in HandoffState if s != HandoffState.DRAFT],
    ]
    state = forms.ChoiceField(choices=STATES, required=False, label="State")
    template = forms.ChoiceField(choices=ANY + list(Transition.choices), required=False)
    partner = organisation_field(label="From")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    below = forms.IntegerField(
        required=False, min_value=1, max_value=100, label="Completeness below (%)"
    )
    mismatch = forms.BooleanField(required=False, label="Repeat-back flagged")

    def __init__(self, *args: Any, outbox: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "partner", Organisation.objects.in_network().order_by("name"))
        if outbox:
            self.fields["partner"].label = "To"
            state = self.fields["state"]
            assert isinstance(state, forms.ChoiceField)
            state.choices = [
                ("", "Everything"),
                *[(s.value, s.label) for s in HandoffState],
            ]


# --- drafting -------------------------------------------------------------------------------------


class ReferralPickForm(forms.Form):
    referral = forms.CharField(
        label="Case (referral id)",
        max_length=20,
        help_text="An open case your organisation owns, e.g. R-2026-000123.",
        widget=forms.TextInput(attrs={"list": "owned-cases"}),
    )


class StepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.position}. {obj.name} ({obj.time_standard_label})"


class HandoffNewForm(forms.Form):
    template = forms.ChoiceField(label="Transition", choices=Transition.choices)
    receiving_organisation = organisation_field(required=True, label="Hand over to")
    step = StepChoiceField(
        queryset=PathwayStep.objects.none(),
        required=False,
        empty_label="None (the template's own time)",
        label="Pathway step",
        help_text="The step whose time standard the receiver's answer is held to.",
    )

    def __init__(
        self,
        *args: Any,
        receivers: QuerySet[Organisation],
        steps: QuerySet[PathwayStep],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "receiving_organisation", receivers)
        _set_queryset(self, "step", steps)
        step_field = self.fields["step"]
        assert isinstance(step_field, StepChoiceField)


@dataclass
class Section:
    """One field of the bundle as the form shows it."""

    spec: FieldSpec
    names: list[str] = field(default_factory=list)  # plain inputs
    rows: list[list[str]] = field(default_factory=list)  # structured rows: input names
    columns: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _row_name(key: str, index: int, part: str) -> str:
    return f"{key}-{index}-{part}"


def _local_input(value: str) -> str:
    """An ISO instant as a datetime-local input shows it (the network's local time)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed.strftime("%Y-%m-%dT%H:%M")


class BundleForm(forms.Form):
    version = version_field()

    def __init__(
        self,
        *args: Any,
        specs: Sequence[FieldSpec],
        content: Mapping[str, Any],
        owners: QuerySet[User],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.specs = list(specs)
        self.sections: list[Section] = []
        org_choices = [("", "Choose")] + [(o.code, o.name) for o in organisations]
        role_choices = [("", "No role")] + [
            (r.value, r.label) for r in Role if r not in (Role.COMMISSIONER, Role.INSPECTOR)
        ]
        person_choices = [("", "Nobody named")] + [(str(u.uuid), _person_label(u)) for u in owners]
        for spec in self.specs:
            value = content.get(spec.key)
            section = Section(spec)
            if spec.type in PARTS:
                self._rows(section, spec, value, org_choices, role_choices, person_choices)
            else:
                self._plain(section, spec, value)
            self.sections.append(section)

    def _plain(self, section: Section, spec: FieldSpec, value: Any) -> None:
        label, help_text = spec.label, spec.help
        widget_attrs = {"rows": 3}
        form_field: forms.Field
        if spec.type == FieldType.CHOICE:
            form_field = forms.ChoiceField(
                choices=[("", "Not given"), *list(spec.choices)], required=False
            )
            initial: Any = value or ""
        elif spec.type == FieldType.DATE:
            form_field = forms.DateField(
                required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            )
            initial = value or ""
        elif spec.many:
            form_field = forms.CharField(
                required=False, widget=forms.Textarea(attrs=widget_attrs), max_length=20_000
            )
            help_text = (
                f"{help_text} One per line.".strip() if "per line" not in help_text else help_text
            )
            initial = "\n".join(value or [])
        else:
            form_field = forms.CharField(
                required=False, widget=forms.Textarea(attrs=widget_attrs), max_length=4000
            )
            initial = value or ""
        form_field.label = label
        form_field.help_text = help_text
        form_field.initial = initial
        self.fields[spec.key] = form_field
        section.names.append(spec.key)

    def _rows(
        self,
        section: Section,
        spec: FieldSpec,
        value: Any,
        org_choices: list[tuple[str, str]],
        role_choices: list[tuple[str, str]],
        person_choices: list[tuple[str, str]],
    ) -> None:
        items = value if isinstance(value, list) else ([value] if value else [])
        count = 1 if not spec.many else max(len(items) + EXTRA_ROWS, 3)
        parts = PARTS[spec.type]
        section.columns = [label for _k, label, _r in parts]
        for i in range(count):
            item = items[i] if i < len(items) and isinstance(items[i], dict) else {}
            names = []
            for part, part_label, _required in parts:
                name = _row_name(spec.key, i, part)
                self.fields[name] = self._part_field(
                    spec, part, org_choices, role_choices, person_choices
                )
                self.fields[name].label = f"{spec.label} {i + 1}: {part_label}"
                current = item.get(part, "")
                if part == "due_at" and current:
                    current = _local_input(current)
                self.fields[name].initial = current
                names.append(name)
            section.rows.append(names)

    @staticmethod
    def _part_field(
        spec: FieldSpec,
        part: str,
        org_choices: list[tuple[str, str]],
        role_choices: list[tuple[str, str]],
        person_choices: list[tuple[str, str]],
    ) -> forms.Field:
        if part == "severity":
            return forms.ChoiceField(
                choices=[("", "Severity")] + [(s, s.title()) for s in sorted(SEVERITIES)],
                required=False,
            )
        if part == "change":
            return forms.ChoiceField(choices=[("", "Change"), *list(spec.choices)], required=False)
        if part == "owner_organisation":
            return forms.ChoiceField(choices=org_choices, required=False)
        if part == "owner_role":
            return forms.ChoiceField(choices=role_choices, required=False)
        if part == "owner_person":
            return forms.ChoiceField(choices=person_choices, required=False)
        if part == "due_at":
            return forms.CharField(
                required=False,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                max_length=40,
            )
        return forms.CharField(required=False, max_length=4000)

    def layout(self) -> list[dict[str, Any]]:
        """Each section with its bound inputs, for the template."""
        return [
            {
                "section": s,
                "inputs": [self[name] for name in s.names],
                "rows": [[self[name] for name in row] for row in s.rows],
            }
            for s in self.sections
        ]

    def content(self) -> dict[str, Any]:
        """The bundle as the actions take it (every field of the template; empty clears)."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for section in self.sections:
            spec = section.spec
            if section.rows:
                items = []
                for names in section.rows:
                    item = {
                        name.rsplit("-", 1)[1]: (data.get(name) or "").strip() for name in names
                    }
                    if any(item.values()):
                        items.append(item)
                out[spec.key] = items if spec.many else (items[0] if items else None)
            elif spec.type == FieldType.DATE:
                day: date | None = data.get(spec.key)
                out[spec.key] = day.isoformat() if day else None
            elif spec.many:
                text = data.get(spec.key) or ""
                out[spec.key] = [line.strip() for line in text.splitlines() if line.strip()]
            else:
                out[spec.key] = data.get(spec.key) or None
        return out

    def add_violation(self, exc: RuleViolation) -> None:
        """Each reason on its section (and input, when it names one); the rest above the form."""
        by_key = {s.spec.key: s for s in self.sections}
        for reason in exc.reasons:
            where = reason.field or ""
            key = where.split(".", 1)[0]
            section = by_key.get(key)
            if section is None:
                self.add_error(None, reason.message)
                continue
            section.errors.append(reason.message)
            name = where.replace(".", "-")
            if name in self.fields:
                self.add_error(name, "")
            elif key in self.fields and not section.rows:
                self.add_error(key, "")
            else:
                self.add_error(None, reason.message)


def _person_label(user: User) -> str:
    membership = user.current_membership()
    where = f" ({membership.organisation.code})" if membership else ""
    return f"{user.display_name}{where}"


# --- moves ----------------------------------------------------------------------------------------


class SendForm(forms.Form):
    note = forms.CharField(
        label="Note for the receiver",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = version_field()


class AcceptForm(forms.Form):
    repeat_back_risk = forms.CharField(
        label="The risk status, in your own words",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How at risk is the person now, and of what? Say it as you would to a colleague.",
    )
    repeat_back_escalation = forms.CharField(
        label="When and how you will escalate, in your own words",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What would make you escalate, to whom, and how fast.",
    )
    version = version_field()


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why",
        choices=RejectionReason.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="For the sender",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What they need to know or do next.",
    )
    version = version_field()


class TextForm(forms.Form):
    """Information requests, withdrawals, resolutions and mismatch flags: one sentence."""

    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(self, *args: Any, label: str, help_text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
        self.fields["text"].help_text = help_text


# --- templates ------------------------------------------------------------------------------------


class TemplateForm(forms.Form):
    LEVELS = [("", "Not used"), *FieldLevel.choices]

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    response_hours = forms.IntegerField(
        label="Hours the receiver has to answer",
        min_value=1,
        help_text="Used when the handoff names no pathway step with a time standard.",
    )
    same_organisation = forms.BooleanField(
        required=False, label="May be handed over within one organisation (shift handovers)"
    )
    reason = reason_field(label="Why the template changes")
    version = version_field()

    def __init__(self, *args: Any, catalogue: Sequence[FieldSpec], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.level_names = []
        for spec in catalogue:
            name = f"level_{spec.key}"
            self.fields[name] = forms.ChoiceField(
                choices=self.LEVELS,
                required=False,
                label=spec.label,
                help_text=f"{FieldType(spec.type).label}; "
                + ("a list." if spec.many else "one value."),
            )
            self.level_names.append(name)

    def levels(self) -> dict[str, str]:
        return {
            name.removeprefix("level_"): self.cleaned_data.get(name) or ""
            for name in self.level_names
        }


# --- audits ---------------------------------------------------------------------------------------


class SampleForm(forms.Form):
    period_start = forms.DateField(
        label="First sent from", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = forms.DateField(
        label="First sent to", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    size = forms.IntegerField(label="How many", min_value=1, max_value=200, initial=10)
    partner = organisation_field(label="Only handoffs this partner sent or received")
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="Leave empty for a new random seed; give a stored seed to draw a sample again.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "partner", Organisation.objects.in_network().order_by("name"))


class ScoreForm(forms.Form):
    RATINGS = [
        ("yes", "Yes"),
        ("partial", "Partly"),
        ("no", "No"),
        ("not_applicable", "Not applicable"),
    ]
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self.fields[criterion.code] = forms.ChoiceField(
                label=criterion.title,
                help_text=criterion.look_for,
                choices=self.RATINGS,
                widget=forms.RadioSelect,
            )
        self.order_fields([c.code for c in CRITERIA] + ["notes"])

    def ratings(self) -> dict[str, str]:
        return {c.code: self.cleaned_data[c.code] for c in CRITERIA}
