"""Forms of the safeguarding pages. They check the shape of input only; the rules live in
`safeguarding.rules` and are applied by `safeguarding.actions`. Organisation and people lists
are given as plain choices by the view (read once per page, whatever the number of rows)."""

from __future__ import annotations

from typing import Any

from django import forms

from seamline.network.choices import Role
from seamline.network.forms import datetime_field, version_field

from ..choices import ConcernOutcome, ConcernState, Contact, Theme


def _when(label: str, required: bool = False) -> forms.DateTimeField:
    return datetime_field(label, required=required)


YES_NO = [("", "Choose"), ("yes", "Yes"), ("no", "No")]
ROLES = [("", "No role"), *Role.choices]


class FilterForm(forms.Form):
    partner = forms.CharField(required=False, max_length=40, label="Partner code")
    pathway = forms.CharField(required=False, max_length=40, label="Pathway code")
    theme = forms.ChoiceField(choices=[("", "Any theme"), *Theme.choices], required=False)
    state = forms.ChoiceField(choices=[("", "Any state"), *ConcernState.choices], required=False)
    since = forms.DateField(
        required=False, label="Arose from", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="Arose to", widget=forms.DateInput(attrs={"type": "date"})
    )


class RaiseForm(forms.Form):
    participant = forms.CharField(label="Participant code", max_length=20)
    pathway = forms.ChoiceField(label="Pathway", choices=[])
    contact = forms.ChoiceField(
        label="The contact it arose at", choices=[("", "Choose"), *Contact.choices]
    )
    occurred_at = _when("When it arose", required=True)
    theme = forms.ChoiceField(label="Theme", choices=[("", "Choose"), *Theme.choices])
    description = forms.CharField(
        label="What was seen, heard or said",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, pathways: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pathway"].choices = pathways  # type: ignore[attr-defined]


class MeetingForm(forms.Form):
    held_at = _when("Held at", required=True)
    attendees = forms.MultipleChoiceField(
        label="Attendees", required=False, choices=[], widget=forms.SelectMultiple
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = people  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    la_needed = forms.ChoiceField(label="Tell the local authority?", choices=YES_NO)
    police_needed = forms.ChoiceField(label="Tell the police?", choices=YES_NO)
    notifier_organisation = forms.ChoiceField(label="Who tells them", required=False, choices=[])
    notifier_role = forms.ChoiceField(label="Their role", required=False, choices=ROLES)
    notify_due = _when("By when")
    notified_at = _when("Done at")
    outcome = forms.ChoiceField(
        label="Outcome (closes the concern)",
        required=False,
        choices=[("", "Not yet known"), *ConcernOutcome.choices],
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    action_description = forms.CharField(label="Follow-up action", required=False, max_length=1000)
    action_organisation = forms.ChoiceField(label="Owned by", required=False, choices=[])
    action_role = forms.ChoiceField(label="Owning role", required=False, choices=ROLES)
    action_due = _when("Action due")
    version = version_field()

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Nobody"), *organisations]
        self.fields["notifier_organisation"].choices = choices  # type: ignore[attr-defined]
        self.fields["action_organisation"].choices = choices  # type: ignore[attr-defined]


class LeadForm(forms.Form):
    pathway = forms.ChoiceField(label="Pathway", choices=[])
    organisation = forms.ChoiceField(label="Organisation", choices=[])
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    reason = forms.CharField(label="Why", max_length=2000)

    def __init__(
        self,
        *args: Any,
        pathways: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pathway"].choices = pathways  # type: ignore[attr-defined]
        self.fields["organisation"].choices = organisations  # type: ignore[attr-defined]
