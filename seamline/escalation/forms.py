"""Forms of the escalation pages. They check the shape of input only; the rules live in
`escalation.rules` and are applied by `escalation.actions`."""

from __future__ import annotations

from typing import Any

from django import forms

from seamline.network.choices import Role
from seamline.network.forms import version_field

from .choices import Level, Outcome, State, Tier, Trigger
from .rules import RungSpec


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


class LadderForm(forms.Form):
    """The three rungs of a pathway's ladder, in their fixed order, and why it changes."""

    LEVELS = [
        (Level.OPERATIONAL, "Operational"),
        (Level.CLINICAL, "Clinical"),
        (Level.CONTRACTUAL, "Contractual"),
    ]

    reason = forms.CharField(
        label="Why the ladder changes", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = version_field()

    def __init__(self, *args: Any, current: list[RungSpec] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        by_level = {r.level: r for r in (current or [])}
        for level, _label in self.LEVELS:
            rung = by_level.get(level)
            self.fields[f"{level}__role"] = forms.ChoiceField(
                choices=Role.choices, initial=rung.role if rung else "", label="Who"
            )
            self.fields[f"{level}__at_lead"] = forms.BooleanField(
                required=False, initial=rung.at_lead if rung else False, label="Pathway lead"
            )
            for tier, attr in (
                ("immediate", "hours_immediate"),
                ("same_day", "hours_same_day"),
                ("review", "hours_review"),
            ):
                self.fields[f"{level}__{tier}"] = forms.IntegerField(
                    min_value=1,
                    max_value=24 * 30,
                    initial=getattr(rung, attr) if rung else None,
                    label=f"Hours ({tier.replace('_', ' ')})",
                )

    def rungs(self) -> list[RungSpec]:
        d = self.cleaned_data
        return [
            RungSpec(
                level,
                d[f"{level}__role"],
                bool(d.get(f"{level}__at_lead")),
                d[f"{level}__immediate"],
                d[f"{level}__same_day"],
                d[f"{level}__review"],
            )
            for level, _ in self.LEVELS
        ]

    def table(self) -> list[tuple[str, list[forms.BoundField]]]:
        parts = ("role", "at_lead", "immediate", "same_day", "review")
        return [(label, [self[f"{level}__{p}"] for p in parts]) for level, label in self.LEVELS]
