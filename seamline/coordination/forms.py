"""Forms of the coordination pages. They check the shape of input only; the rules live in
`coordination.rules` and are applied by `coordination.actions`."""

from __future__ import annotations

from django import forms

from seamline.network.choices import Role
from seamline.network.forms import datetime_field, version_field

from .choices import ActionSource, Acuity, Cadence, RecordKind, RefusalHandling

WEEKDAYS = [(str(d), n) for d, n in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])]


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActionFilterForm(forms.Form):
    SHOW = [
        ("mine", "Mine (named to me or to my role)"),
        ("organisation", "My organisation's"),
        ("overdue", "My organisation's, overdue"),
        ("mine_overdue", "Mine, overdue"),
        ("done", "My organisation's, completed"),
    ]
    show = forms.ChoiceField(choices=SHOW, required=False, label="Show")
    source = forms.ChoiceField(
        choices=[("", "Any source"), *ActionSource.choices], required=False, label="From"
    )
    participant = forms.CharField(required=False, max_length=20, label="Participant code")


class CompleteForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = version_field()


class DayForm(forms.Form):
    day = forms.DateField(required=False, label="Day", widget=date_input())


class RotaEntryForm(forms.Form):
    coordinator = forms.ChoiceField(label="Coordinator")
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        initial=["0", "1", "2", "3", "4"],
        label="Weekdays",
    )
    starts_on = forms.DateField(label="First day", widget=date_input())
    ends_on = forms.DateField(label="Last day", required=False, widget=date_input())

    def mask(self) -> int:
        return sum(1 << int(d) for d in self.cleaned_data["weekdays"])


class AbsenceForm(forms.Form):
    person = forms.ChoiceField(label="Who is away")
    starts_on = forms.DateField(label="First day away", widget=date_input())
    ends_on = forms.DateField(label="Last day away", widget=date_input())
    cover = forms.ChoiceField(label="Who covers", required=False)
    reason = forms.CharField(label="Reason", required=False, max_length=200)


class CohortForm(forms.Form):
    code = forms.SlugField(label="Code", max_length=40)
    name = forms.CharField(label="Name", max_length=120)
    acuity = forms.ChoiceField(label="Acuity", choices=Acuity.choices)
    cadence = forms.ChoiceField(label="Cadence", choices=Cadence.choices)


class MemberForm(forms.Form):
    participant = forms.CharField(label="Participant code", max_length=20)


class AttendanceForm(forms.Form):
    people = forms.MultipleChoiceField(
        label="Who attended", widget=forms.CheckboxSelectMultiple, required=False
    )


class DecisionForm(forms.Form):
    decision = forms.CharField(
        label="What was decided (the action)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    owner_organisation = forms.ChoiceField(label="Owning organisation")
    owner_person = forms.ChoiceField(label="Owner (a person)", required=False)
    owner_role = forms.ChoiceField(
        label="Or a role in the owning organisation",
        required=False,
        choices=[("", "No role: the person named owns it"), *Role.choices],
    )
    due_at = datetime_field("Due")


class EndEntryForm(forms.Form):
    ends_on = forms.DateField(label="Last day on the rota", widget=date_input())


class StepDoneForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Note"
    )


class RefusalForm(forms.Form):
    refusal = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What was refused, and by whom",
    )
    handling_code = forms.ChoiceField(
        choices=[("", "Choose…"), *RefusalHandling.choices], label="How it was handled"
    )
    handling_note = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="What was done"
    )


class SprintReportForm(forms.Form):
    partner = forms.CharField(required=False, max_length=40, label="Partner code")
    since = forms.DateField(required=False, widget=date_input(), label="Sprints started from")
    until = forms.DateField(required=False, widget=date_input(), label="until (not included)")


class RecordForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Choose…"), *RecordKind.choices], label="Kind")
    occurred_at = datetime_field("When it happened")
    text = forms.CharField(
        label="What happened", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # The rules say what is missing, naming the field; the form only checks shapes.
        for name in ("kind", "occurred_at", "text"):
            self.fields[name].required = False


class DocumentationFilterForm(forms.Form):
    since = forms.DateField(required=False, label="Happened from", widget=date_input())
    until = forms.DateField(required=False, label="until (not included)", widget=date_input())
    partner = forms.CharField(required=False, max_length=40, label="Partner code")
