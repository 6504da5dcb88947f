"""Forms of the escalation pages. They check the shape of input only; the rules live in
`escalation.rules` and are applied by `escalation.actions`."""

from __future__ import annotations

from django import forms

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
