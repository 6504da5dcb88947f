"""Forms of the escalation pages. They check the shape of input only; the rules live in
`escalation.rules` and are applied by `escalation.actions`."""

from __future__ import annotations

from typing import Any

from django import forms

from seamline.network.choices import Role
from seamline.network.forms import version_field

from .choices import Outcome, State, Tier, Trigger


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("open", "Open"), ("", "Any state"), *State.choices], required=False
    )
    tier = forms.ChoiceField(choices=[("", "Any tier"), *Tier.choices], required=False)
    trigger = forms.ChoiceField(choices=[("", "Any trigger"), *Trigger.choices], required=False)
    pathway = forms.CharField(required=False, max_length=40, label="Pathway code")
    partner = forms.CharField(required=False, max_length=40, label="Partner code")


class AcknowledgeForm(forms.Form):
    version = version_field()


class RespondForm(forms.Form):
    review = forms.CharField(
        label="What the clinical review found and decided",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = version_field()


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("", "Choose"), *Outcome.choices])
    outcome_note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = version_field()


class ThresholdsForm(forms.Form):
    """One row per trigger: include it or not, its tier, responsible role and chair."""

    reason = forms.CharField(
        label="Why the threshold set changes",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = version_field()

    def __init__(self, *args: Any, current: dict[str, dict[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.triggers: list[tuple[str, str]] = list(Trigger.choices)
        for trigger, _label in self.triggers:
            row = current.get(trigger, {})
            self.fields[f"{trigger}__on"] = forms.BooleanField(
                required=False, initial=bool(row), label="Opens an escalation"
            )
            self.fields[f"{trigger}__tier"] = forms.ChoiceField(
                choices=Tier.choices, initial=row.get("tier", Tier.SAME_DAY), label="Tier"
            )
            self.fields[f"{trigger}__role"] = forms.ChoiceField(
                choices=Role.choices, initial=row.get("role", Role.COORDINATOR), label="Responsible"
            )
            self.fields[f"{trigger}__chair"] = forms.ChoiceField(
                choices=Role.choices, initial=row.get("chair", Role.SUPERVISOR), label="Chair"
            )

    def rows(self) -> list[dict[str, str]]:
        data = self.cleaned_data
        return [
            {
                "trigger": trigger,
                "tier": data[f"{trigger}__tier"],
                "role": data[f"{trigger}__role"],
                "chair": data[f"{trigger}__chair"],
            }
            for trigger, _ in self.triggers
            if data.get(f"{trigger}__on")
        ]

    def table(self) -> list[tuple[str, list[forms.BoundField]]]:
        """For the template: each trigger's label with its four fields."""
        return [
            (label, [self[f"{trigger}__{part}"] for part in ("on", "tier", "role", "chair")])
            for trigger, label in self.triggers
        ]
