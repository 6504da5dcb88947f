"""Forms of the participant and referral pages. They check the shape of input only; the rules
live in `cases.rules` and are applied by `cases.actions`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from seamline.network.forms import datetime_field, reason_field, version_field
from seamline.network.models import Organisation, Pathway, User
from seamline.workforce.forms import date_field
from seamline.workforce.models import Worker

from .choices import ConsentScope, Outcome, RiskKind, Severity

ANY = [("", "Any")]


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class NamedChoiceField(forms.ModelChoiceField):
    """Pathways and organisations are chosen by their public code and shown by name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "name", obj))


class PersonChoiceField(forms.ModelChoiceField):
    """People are chosen by their public id and shown with their organisation."""

    def label_from_instance(self, obj: Any) -> str:
        membership = obj.current_membership()
        where = f" ({membership.organisation.name})" if membership else ""
        return f"{obj.display_name}{where}"


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.code}/{obj.staff_id})"


def pathway_field(required: bool = False, label: str = "Pathway") -> NamedChoiceField:
    return NamedChoiceField(
        queryset=Pathway.objects.none(),
        required=required,
        to_field_name="code",
        empty_label="Any" if not required else "Choose",
        label=label,
    )


def organisation_field(required: bool = False, label: str = "Organisation") -> NamedChoiceField:
    return NamedChoiceField(
        queryset=Organisation.objects.none(),
        required=required,
        to_field_name="code",
        empty_label="Any" if not required else "Choose",
        label=label,
    )


# --- lists -----------------------------------------------------------------------------------


class ParticipantFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Name, code, NHS number, Medicaid id or a partner's own id.",
    )
    pathway = pathway_field()
    risk = forms.ChoiceField(
        required=False,
        choices=[*ANY, ("high", "High risk"), ("flagged", "Any open risk flag")],
    )
    organisation = organisation_field(label="Organisation in the care")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "pathway", Pathway.objects.order_by("name"))
        _set_queryset(self, "organisation", Organisation.objects.order_by("name"))


class ReferralFilterForm(forms.Form):
    q = forms.CharField(
        label="Search", required=False, max_length=100, help_text="Referral id or participant."
    )
    pathway = pathway_field()
    owner = organisation_field(label="Owner organisation")
    state = forms.ChoiceField(
        required=False,
        choices=[
            *ANY,
            ("open", "Open"),
            ("closed", "Discharged"),
            ("long_wait", "Open, no first contact past the standard"),
        ],
    )
    received_from = date_field("Received from", required=False)
    received_to = date_field("Received to", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "pathway", Pathway.objects.order_by("name"))
        _set_queryset(self, "owner", Organisation.objects.order_by("name"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", "The end of the range comes before its start.")
        return data


# --- participants ----------------------------------------------------------------------------


class ParticipantForm(forms.Form):
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100)
    date_of_birth = date_field("Date of birth")
    postcode = forms.CharField(max_length=12, required=False)
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    nhs_number = forms.CharField(
        label="NHS number",
        max_length=14,
        required=False,
        help_text="Ten digits; spaces are fine. The last digit is a check digit.",
    )
    medicaid_state = forms.CharField(
        label="Medicaid state", max_length=2, required=False, help_text="Two letters, e.g. NY."
    )
    medicaid_id = forms.CharField(label="Medicaid / member id", max_length=30, required=False)
    preferences = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How the person likes their care: times, language, who they want present.",
    )


class ParticipantNewForm(ParticipantForm):
    local_id = forms.CharField(
        label="Your organisation's id",
        max_length=60,
        required=False,
        help_text="Your own case or client number for this person, if you have one.",
    )


class ParticipantEditForm(ParticipantForm):
    FIELDS = (
        "given_name",
        "family_name",
        "date_of_birth",
        "postcode",
        "address",
        "nhs_number",
        "medicaid_state",
        "medicaid_id",
        "preferences",
    )
    reason = reason_field(required=False)
    version = version_field()


class LocalIdForm(forms.Form):
    value = forms.CharField(label="Your organisation's id", max_length=60)


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(
        label="The participant agreed to share",
        choices=ConsentScope.choices,
        widget=forms.RadioSelect,
    )
    organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text="For 'only the organisations named'. The owners of the care always see it.",
    )
    valid_from = date_field("Given on")
    valid_to = date_field("Ends on", required=False, help_text="Leave empty if it has no end.")
    note = forms.CharField(
        label="How it was given",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. signed form at the first visit; verbal, witnessed by a colleague.",
    )
    version = version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organisations", Organisation.objects.in_network().order_by("name"))


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label="How the withdrawal was given", widget=forms.Textarea(attrs={"rows": 2})
    )
    version = version_field()


class FlagForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of risk", choices=RiskKind.choices)
    severity = forms.ChoiceField(choices=Severity.choices, widget=forms.RadioSelect)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label="How was it resolved?", widget=forms.Textarea(attrs={"rows": 2})
    )


class DeclineForm(forms.Form):
    worker = WorkerChoiceField(queryset=Worker.objects.none(), to_field_name="uuid")
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, workers: QuerySet[Worker], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "worker", workers)


# --- referrals -------------------------------------------------------------------------------


class ReferralForm(forms.Form):
    participant = forms.CharField(
        label="Participant code", max_length=20, help_text="The participant's P- code."
    )
    pathway = pathway_field(required=True)
    receiving_organisation = organisation_field(required=True, label="Receiving organisation")
    received_at = datetime_field(
        "Received", help_text="When the receiving organisation had the referral in its hands."
    )
    referrer_organisation = organisation_field(label="Referred by (organisation)")
    referrer_name = forms.CharField(
        label="Referred by (name)",
        max_length=200,
        required=False,
        help_text="The person or team who referred, e.g. Ward 7 discharge team.",
    )
    owner_person = PersonChoiceField(
        queryset=User.objects.none(),
        to_field_name="uuid",
        label="Owner",
        help_text="The named person who answers for the case; their organisation owns it.",
    )

    def __init__(
        self,
        *args: Any,
        receiving: QuerySet[Organisation],
        owners: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "pathway", Pathway.objects.filter(status="active").order_by("name"))
        _set_queryset(self, "receiving_organisation", receiving.order_by("name"))
        _set_queryset(self, "referrer_organisation", Organisation.objects.order_by("name"))
        _set_queryset(self, "owner_person", owners)


class FirstContactForm(forms.Form):
    at = datetime_field("First contact", help_text="The first two-way contact.")
    version = version_field()


class DischargeForm(forms.Form):
    at = datetime_field("Discharged", help_text="When the pathway episode ended.")
    outcome = forms.ChoiceField(choices=[("", "Choose"), *Outcome.choices])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = version_field()


class ReassignForm(forms.Form):
    owner_person = PersonChoiceField(
        queryset=User.objects.none(), to_field_name="uuid", label="New owner"
    )
    reason = reason_field()
    version = version_field()

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "owner_person", owners)


class OwnerAtForm(forms.Form):
    at = datetime_field("Who owned it at")


# --- duplicates ------------------------------------------------------------------------------


class PairForm(forms.Form):
    first = forms.CharField(max_length=20)
    second = forms.CharField(max_length=20)
    basis = forms.CharField(max_length=12, required=False)
    reason = forms.CharField(required=False, max_length=2000)


class UnmergeForm(forms.Form):
    reason = reason_field(label="Why are these different people?")
