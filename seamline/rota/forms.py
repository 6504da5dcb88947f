"""Forms of the rota pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from seamline.network.forms import datetime_field
from seamline.network.models import Organisation, Pathway

from . import rules
from .choices import RULES, PreferenceKind, Rule

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def this_week() -> str:
    return rules.week_of(timezone.localdate())


class WeekField(forms.CharField):
    """An ISO week, "2026-W47"."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return value
        value = value.strip().upper()
        try:
            rules.week_monday(value)
        except ValueError:
            raise forms.ValidationError("Write the week as YYYY-Www, e.g. 2026-W47.") from None
        return value


class VisitFilterForm(forms.Form):
    week = WeekField(label="Week", required=False, help_text="YYYY-Www")
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="Any",
    )
    pathway = forms.ModelChoiceField(
        label="Pathway",
        queryset=Pathway.objects.all(),
        required=False,
        to_field_name="code",
        empty_label="Any",
    )
    q = forms.CharField(label="Visit, reference or participant", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.in_network().order_by("name")


class BoardForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Workers of",
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="The visit's organisation",
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations.order_by("name")


class OverrideForm(forms.Form):
    rule = forms.ChoiceField(label="Rule to override")
    reason = forms.CharField(
        label="Why (the emergency and what makes it safe)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expires_at = datetime_field(
        "Expires", "The override covers the visit only if the visit starts before this."
    )

    def __init__(self, *args: Any, rules_blocked: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Rule.choices)
        field = self.fields["rule"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(r, labels[r]) for r in rules_blocked]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Why", widget=forms.Textarea(attrs={"rows": 2}))


class OverrideFilterForm(forms.Form):
    STATES = [("", "Any"), ("live", "In force"), ("expired", "Expired"), ("revoked", "Revoked")]
    rule = forms.ChoiceField(
        label="Rule", choices=[("", "Any"), *[(r, r) for r in RULES]], required=False
    )
    state = forms.ChoiceField(label="State", choices=STATES, required=False)
    organisation = forms.ModelChoiceField(
        label="Worker's organisation",
        queryset=Organisation.objects.all().order_by("name"),
        required=False,
        to_field_name="code",
        empty_label="Any",
    )


class RotaFileForm(forms.Form):
    file = forms.FileField(label="Rota file (CSV)", help_text="UTF-8, with a header row.")
    dry_run = forms.BooleanField(
        label="Dry run: check the file and show what would change, without writing",
        required=False,
        initial=True,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB: split it into parts.")
        return upload


def output_field() -> forms.ChoiceField:
    """Where a validation's violations go: on the page, or into a CSV file."""
    return forms.ChoiceField(
        label="Show the violations",
        choices=[("page", "On this page"), ("csv", "As a CSV file")],
        initial="page",
        widget=forms.RadioSelect,
    )


class ValidateWeekForm(forms.Form):
    week = WeekField(label="Week", help_text="YYYY-Www, e.g. 2026-W47")
    output = output_field()


class ValidateForm(forms.Form):
    file = forms.FileField(label="Rota file (CSV)", help_text="The format a rota is loaded in.")
    output = output_field()

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB: split it into parts.")
        return upload


class PreferenceForm(forms.Form):
    kind = forms.ChoiceField(label="Preference", choices=PreferenceKind.choices)
    value = forms.CharField(
        label="Organisation code or role group",
        required=False,
        help_text="Empty for 'no bank, agency or contractor workers'.",
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CoverFilterForm(forms.Form):
    """The cover report's filters: a run of days (or a week), a pathway, a partner."""

    week = WeekField(label="Week", required=False, help_text="YYYY-Www")
    first = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pathway = forms.ModelChoiceField(
        label="Pathway",
        queryset=Pathway.objects.all(),
        required=False,
        to_field_name="code",
        empty_label="Every pathway",
    )
    organisation = forms.ModelChoiceField(
        label="Partner",
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="Every partner",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.in_network().order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last and last < first:
            self.add_error("last", "The last day comes on or after the first.")
        return data
