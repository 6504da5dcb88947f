"""Forms of the network pages. They check the shape of input only; rules live in `actions`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from seamline.network.choices import (
    STATUS_MOVES,
    ActionKind,
    ClockStart,
    OrgKind,
    OrgStatus,
    RaciLetter,
    Role,
)
from seamline.network.models import Network, Organisation, Pathway

ANY = [("", "Any")]

REASON_HELP = "Kept in the audit log with the change."


def reason_field(required: bool = True, label: str = "Reason") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=REASON_HELP,
    )


def version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time in the network's time zone. One that a change of the clocks repeats or
    skips is refused with a sentence saying which, and what to give instead (Django's own
    message names neither)."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code != "ambiguous_timezone" or not exc.params:
                raise
            naive = exc.params["datetime"]
            zone = timezone.get_current_timezone()
            back = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            when = f"{naive:%H:%M} on {naive:%d %b %Y}"
            if back.replace(tzinfo=None) == naive:
                message = (
                    f"The clocks went back that night, so {when} happened twice: give a time "
                    "outside the hour that was repeated."
                )
            else:
                message = (
                    f"The clocks went forward that night, so there was no {when}: give a time "
                    "after the change."
                )
            raise ValidationError(message, code="ambiguous_timezone") from None


def datetime_field(
    label: str, help_text: str = "", *, required: bool = True, date_alone: bool = False
) -> LocalDateTimeField:
    """A `datetime-local` input in the network's time zone (every form's date and time).
    `date_alone`: a date without a time is taken too (as its midnight)."""
    formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", *(["%Y-%m-%d"] if date_alone else [])]
    return LocalDateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=formats,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _choices(values: Iterable[str], enum: Any) -> list[tuple[str, str]]:
    return [(v, enum(v).label) for v in values]


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


# --- filters ---------------------------------------------------------------------------------


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    kind = forms.ChoiceField(label="Kind", required=False, choices=ANY + OrgKind.choices)
    status = forms.ChoiceField(label="Status", required=False, choices=ANY + OrgStatus.choices)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    role = forms.ChoiceField(label="Role", required=False, choices=ANY + Role.choices)


# --- organisations -------------------------------------------------------------------------


class OrganisationDetailsForm(forms.Form):
    name = forms.CharField(max_length=200)
    ods_code = forms.CharField(label="ODS / NPI code", max_length=20, required=False)
    contact_email = forms.EmailField(label="Contact email", required=False)
    contact_phone = forms.CharField(label="Contact phone", max_length=40, required=False)
    address = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    DETAIL_FIELDS = ("ods_code", "contact_email", "contact_phone", "address")

    def details(self) -> dict[str, str]:
        return {f: self.cleaned_data[f] for f in self.DETAIL_FIELDS}


class OrganisationCreateForm(OrganisationDetailsForm):
    code = forms.SlugField(
        max_length=40, help_text="Short and permanent: letters, digits and hyphens, used in links."
    )
    kind = forms.ChoiceField(choices=OrgKind.choices)
    status = forms.ChoiceField(
        label="Starts as",
        choices=_choices([OrgStatus.ONBOARDING, OrgStatus.ACTIVE], OrgStatus),
    )
    reason = reason_field(label="Why does it join the network?")

    field_order = ["code", "name", "kind", "status"]


class OrganisationEditForm(OrganisationDetailsForm):
    reason = reason_field(required=False)
    version = version_field()

    def changes(self) -> dict[str, str]:
        return {f: self.cleaned_data[f] for f in Organisation.EDITABLE_FIELDS}


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label="New status")
    reason = reason_field(label="Why does the status change?")
    version = version_field()

    def __init__(self, *args: Any, current: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        moves = sorted(STATUS_MOVES[OrgStatus(current)])
        _set_choices(self, "status", _choices(moves, OrgStatus))


# --- people --------------------------------------------------------------------------------


class PersonDetailsForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    job_title = forms.CharField(max_length=120, required=False)
    phone = forms.CharField(max_length=40, required=False)


class PersonEditForm(PersonDetailsForm):
    reason = reason_field(required=False)

    def changes(self) -> dict[str, str]:
        return {
            f: self.cleaned_data[f]
            for f in ("first_name", "last_name", "email", "job_title", "phone")
        }


class PersonAddForm(PersonDetailsForm):
    username = forms.CharField(max_length=150, help_text="What they sign in with.")
    password = forms.CharField(
        label="First password",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters and not a common password. Ask them to change it.",
    )
    roles = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    expires_at = datetime_field(
        "Access ends", "Required for inspector access; leave empty otherwise.", required=False
    )
    reason = reason_field(required=False)

    field_order = ["username", "first_name", "last_name", "email", "job_title", "phone"]

    def __init__(self, *args: Any, grantable: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_choices(self, "roles", _choices(grantable, Role))


class GrantRoleForm(forms.Form):
    role = forms.ChoiceField()
    expires_at = datetime_field(
        "Access ends", "Required for inspector access; leave empty otherwise.", required=False
    )
    reason = reason_field(label="Why is the role granted?")

    def __init__(self, *args: Any, grantable: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_choices(self, "role", _choices(grantable, Role))


class ReasonForm(forms.Form):
    reason = reason_field()


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Token name", max_length=100, help_text="Name it after what will use it."
    )
    days = forms.IntegerField(
        label="Valid for (days)", min_value=1, max_value=366, initial=90, required=False
    )


# --- pathways ------------------------------------------------------------------------------


class PathwayCreateForm(forms.Form):
    code = forms.SlugField(max_length=40, help_text="Letters, digits and hyphens, used in links.")
    name = forms.CharField(max_length=200)
    lead = forms.ModelChoiceField(
        label="Lead organisation", queryset=Organisation.objects.none(), to_field_name="code"
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = reason_field(required=False)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "lead", organisations)


class PathwayEditForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = reason_field(required=False)
    version = version_field()

    def changes(self) -> dict[str, str]:
        return {f: self.cleaned_data[f] for f in Pathway.EDITABLE_FIELDS}


class StepFieldsForm(forms.Form):
    name = forms.CharField(max_length=200)
    time_standard_hours = forms.IntegerField(
        label="Time standard (hours)",
        required=False,
        min_value=1,
        max_value=24 * 365,
        help_text="For example 24 for 'within 24 h'. Leave empty for no time standard.",
    )
    clock_starts = forms.ChoiceField(label="Clock starts at", choices=ClockStart.choices)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = reason_field(required=False)


class StepCreateForm(StepFieldsForm):
    code = forms.SlugField(max_length=40, help_text="Letters, digits and hyphens, used in links.")

    field_order = ["code", "name"]


class StepEditForm(StepFieldsForm):
    version = version_field()

    def changes(self) -> dict[str, Any]:
        return {
            f: self.cleaned_data[f]
            for f in ("name", "description", "time_standard_hours", "clock_starts")
        }


class RaciForm(forms.Form):
    letter = forms.ChoiceField(choices=RaciLetter.choices)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="—",
        help_text="Choose an organisation or a role, not both.",
    )
    role = forms.ChoiceField(required=False, choices=[("", "—"), *Role.choices])
    reason = reason_field(required=False)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organisation", organisations)


# --- decision rights -----------------------------------------------------------------------


class RightsFilterForm(forms.Form):
    pathway = forms.ModelChoiceField(
        queryset=Pathway.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="Every pathway",
    )

    def __init__(self, *args: Any, pathways: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "pathway", pathways)


class RightCheckForm(forms.Form):
    action_kind = forms.ChoiceField(label="Action", choices=ActionKind.choices)
    pathway = forms.ModelChoiceField(
        queryset=Pathway.objects.none(), to_field_name="code", required=False, empty_label="—"
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        to_field_name="code",
        empty_label="Choose an organisation",
    )
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args: Any, pathways: Any, organisations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "pathway", pathways)
        _set_queryset(self, "organisation", organisations)


class DecisionRightForm(forms.Form):
    action_kind = forms.ChoiceField(label="Action", choices=ActionKind.choices)
    pathway = forms.ModelChoiceField(
        queryset=Pathway.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="Every pathway",
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="Any organisation",
    )
    role = forms.ChoiceField(required=False, choices=[("", "Any role"), *Role.choices])
    conditions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Limits that go with the right, in plain words.",
    )
    reason = reason_field(label="Why is this right given?")

    def __init__(self, *args: Any, pathways: Any, organisations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "pathway", pathways)
        _set_queryset(self, "organisation", organisations)


# --- network settings ----------------------------------------------------------------------


class NetworkSettingsForm(forms.Form):
    name = forms.CharField(label="Network name", max_length=200)
    time_zone = forms.CharField(label="Time zone", max_length=64)
    late_threshold = forms.TimeField(
        label="Late visit after",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="A visit that ends after this local time is late.",
    )
    expiring_days = forms.IntegerField(
        label="Expiring within (days)",
        min_value=1,
        max_value=365,
        help_text="An attainment whose review date falls within this many days is expiring.",
    )
    enhanced_supervision_days = forms.IntegerField(
        label="Enhanced supervision (days)",
        min_value=0,
        max_value=365,
        help_text="How long a new starter is under enhanced supervision.",
    )
    temporary_review_months = forms.IntegerField(
        label="Temporary worker review (months)",
        min_value=1,
        max_value=24,
        help_text="Temporary workers are reviewed at least this often.",
    )
    remedial_supervision_days = forms.IntegerField(
        label="Remedial supervision (days)", min_value=1, max_value=365
    )
    cap_induction = forms.IntegerField(label="Cap: induction", min_value=0, max_value=100)
    cap_supervised = forms.IntegerField(label="Cap: supervised", min_value=0, max_value=100)
    cap_independent = forms.IntegerField(label="Cap: independent", min_value=0, max_value=100)
    cap_enhanced = forms.IntegerField(label="Cap: enhanced", min_value=0, max_value=100)
    small_number_threshold = forms.IntegerField(
        label="Small-number threshold",
        min_value=2,
        max_value=50,
        help_text="Counts from 1 up to one below this are shown to commissioners as 'fewer than'.",
    )
    reason = reason_field(label="Why do the settings change?")
    version = version_field()

    STAGES = ("induction", "supervised", "independent", "enhanced")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        caps = [data.get(f"cap_{stage}") for stage in self.STAGES]
        given = [cap for cap in caps if cap is not None]
        if len(given) == len(caps) and given != sorted(given):
            self.add_error(
                "cap_supervised",
                "Caps must not fall as the stage rises "
                "(induction ≤ supervised ≤ independent ≤ enhanced).",
            )
        return data

    def changes(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in Network.SETTING_FIELDS}
