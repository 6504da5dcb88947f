"""Forms of the workforce record pages. They check the shape of input only; the rules live in
`workforce.rules` and are applied by `workforce.actions`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from seamline.competency.choices import EvidenceKind, Stage
from seamline.competency.models import Competency, TaskType
from seamline.network.choices import OrgKind
from seamline.network.forms import datetime_field, reason_field
from seamline.network.models import Organisation, Pathway

from .actions import ENHANCED_REASONS
from .choices import (
    LOCAL_INDUCTION_TOPICS,
    EmploymentType,
    RoleGroup,
    SupervisionKind,
    WorkerStatus,
)
from .models import Evidence, SupervisionSession, Worker

ANY = [("", "Any")]


def date_field(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _labelled(worker: Worker) -> str:
    return f"{worker.name} ({worker.organisation.code}/{worker.staff_id})"


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _labelled(obj)


class CodeChoiceField(forms.ModelChoiceField):
    """Competencies, task types and pathways are chosen by their public code."""

    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "title", None) or getattr(obj, "name", obj))


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def colleagues_of(worker: Worker) -> QuerySet[Worker]:
    """Who may supervise or sign for `worker`: other active workers of the worker's
    organisation or of the prime provider."""
    return (
        Worker.objects.filter(status=WorkerStatus.ACTIVE)
        .filter(Q(organisation=worker.organisation_id) | Q(organisation__kind=OrgKind.PRIME))
        .exclude(pk=worker.pk)
        .select_related("organisation")
        .order_by("organisation__code", "last_name", "first_name")
    )


def competencies() -> QuerySet[Competency]:
    return Competency.objects.filter(retired=False).order_by("title")


# --- the worker list -------------------------------------------------------------------------


class WorkerFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="Any",
    )
    employment_type = forms.ChoiceField(
        label="Employment", required=False, choices=ANY + EmploymentType.choices
    )
    pathway = forms.ModelChoiceField(
        queryset=Pathway.objects.none(), required=False, to_field_name="code", empty_label="Any"
    )
    status = forms.ChoiceField(required=False, choices=ANY + WorkerStatus.choices)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organisation", organisations.order_by("name"))
        _set_queryset(self, "pathway", Pathway.objects.filter(status="active").order_by("name"))


# --- workers ---------------------------------------------------------------------------------


class WorkerFieldsForm(forms.Form):
    staff_id = forms.CharField(
        label="Staff id", max_length=60, help_text="The organisation's own payroll or staff number."
    )
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    employment_type = forms.ChoiceField(label="Employment", choices=EmploymentType.choices)
    role_group = forms.ChoiceField(label="Role group", choices=RoleGroup.choices)
    start_date = date_field("Start date", help_text="First day working in the network.")
    placement_start = date_field(
        "Placement start", False, "Temporary workers only: first day of the current placement."
    )


class WorkerAddForm(WorkerFieldsForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), to_field_name="code"
    )
    pathways = forms.ModelMultipleChoiceField(
        queryset=Pathway.objects.none(),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    supervisor = WorkerChoiceField(
        queryset=Worker.objects.none(),
        required=False,
        to_field_name="uuid",
        help_text="Naming one starts the enhanced-supervision period on the start date.",
    )
    username = forms.CharField(
        label="Sign-in account",
        required=False,
        max_length=150,
        help_text="The worker's username, if they sign in: they then see their own record.",
    )
    reason = reason_field(required=False)

    field_order = ["organisation", "staff_id", "first_name", "last_name"]

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        supervisors: QuerySet[Worker],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organisation", organisations.order_by("name"))
        _set_queryset(self, "pathways", Pathway.objects.filter(status="active").order_by("name"))
        _set_queryset(self, "supervisor", supervisors)


class WorkerEditForm(WorkerFieldsForm):
    status = forms.ChoiceField(choices=WorkerStatus.choices)
    left_on = date_field("Left on", False, "Required when the status is Left.")
    reason = reason_field(required=False)

    FIELDS = (
        "staff_id",
        "first_name",
        "last_name",
        "employment_type",
        "role_group",
        "start_date",
        "placement_start",
        "status",
        "left_on",
    )

    def changes(self, worker: Worker) -> dict[str, Any]:
        return {
            f: self.cleaned_data[f]
            for f in self.FIELDS
            if self.cleaned_data[f] != getattr(worker, f)
        }


# --- evidence and sign-offs ------------------------------------------------------------------


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices)
    occurred_on = date_field("Date")
    competency = CodeChoiceField(
        queryset=Competency.objects.none(), required=False, to_field_name="code"
    )
    pathway = CodeChoiceField(
        queryset=Pathway.objects.none(),
        required=False,
        to_field_name="code",
        help_text="Only for a pathway-specific competency.",
    )
    valid_until = date_field("Valid until", False)
    topics = forms.MultipleChoiceField(
        label="Induction topics covered",
        required=False,
        choices=[(t, t.replace("_", " ").capitalize()) for t in LOCAL_INDUCTION_TOPICS],
        widget=forms.CheckboxSelectMultiple,
        help_text="Local induction only.",
    )
    verified = forms.BooleanField(
        label="I have verified this evidence", required=False, initial=False
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "competency", competencies())
        _set_queryset(self, "pathway", Pathway.objects.filter(status="active").order_by("name"))


class SignOffForm(forms.Form):
    competency = CodeChoiceField(queryset=Competency.objects.none(), to_field_name="code")
    stage = forms.ChoiceField(choices=Stage.choices)
    pathway = CodeChoiceField(
        queryset=Pathway.objects.none(),
        required=False,
        to_field_name="code",
        help_text="Only for a pathway-specific competency: the pathway it is signed off for.",
    )
    signer = WorkerChoiceField(
        queryset=Worker.objects.none(),
        to_field_name="uuid",
        help_text="Holds the competency at independent or above, or is a designated assessor.",
    )
    signed_at = datetime_field("Signed at")

    def __init__(self, *args: Any, worker: Worker, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "competency", competencies())
        _set_queryset(self, "pathway", Pathway.objects.filter(status="active").order_by("name"))
        _set_queryset(self, "signer", colleagues_of(worker))


class ReasonForm(forms.Form):
    reason = reason_field()


class AssessorForm(forms.Form):
    competency = CodeChoiceField(queryset=Competency.objects.none(), to_field_name="code")
    designated_on = date_field("Designated on")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "competency", competencies())


# --- supervision, placements, pauses, pathways -----------------------------------------------


class SupervisionPlanForm(forms.Form):
    supervisor = WorkerChoiceField(queryset=Worker.objects.none(), to_field_name="uuid")
    planned_for = date_field("Planned for")
    kind = forms.ChoiceField(choices=SupervisionKind.choices, initial=SupervisionKind.ROUTINE)

    def __init__(self, *args: Any, worker: Worker, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "supervisor", colleagues_of(worker))


class SupervisionHeldForm(forms.Form):
    held_on = date_field("Held on")
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EnhancedForm(forms.Form):
    supervisor = WorkerChoiceField(queryset=Worker.objects.none(), to_field_name="uuid")
    starts_on = date_field("Starts on")
    reason = forms.ChoiceField(
        choices=[(r, r.replace("_", " ").capitalize()) for r in ENHANCED_REASONS]
    )

    def __init__(self, *args: Any, worker: Worker, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "supervisor", colleagues_of(worker))


class PlacementForm(forms.Form):
    placement_start = date_field("Placement starts on")
    supervisor = WorkerChoiceField(
        queryset=Worker.objects.none(),
        to_field_name="uuid",
        help_text="Supervises the enhanced period that the placement starts.",
    )

    def __init__(self, *args: Any, worker: Worker, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "supervisor", colleagues_of(worker))


class PauseForm(forms.Form):
    task_type = CodeChoiceField(
        label="Delegated task", queryset=TaskType.objects.none(), to_field_name="code"
    )
    reason = reason_field(label="Why is delegation paused?")
    supervisor = WorkerChoiceField(
        queryset=Worker.objects.none(),
        to_field_name="uuid",
        required=False,
        help_text="Naming one plans the remedial supervision for its due date.",
    )

    def __init__(self, *args: Any, worker: Worker, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "task_type", TaskType.objects.filter(delegated=True, retired=False))
        _set_queryset(self, "supervisor", colleagues_of(worker))


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        held = f"held {obj.held_on:%d %b %Y}" if obj.held_on else "not yet held"
        return f"{obj.get_kind_display()} planned {obj.planned_for:%d %b %Y}, {held}"


class EvidenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        about = f" ({obj.competency.title})" if obj.competency_id else ""
        return f"Observed practice on {obj.occurred_on:%d %b %Y}{about}"


class PauseLiftForm(forms.Form):
    remedial_session = SessionChoiceField(
        label="Remedial supervision",
        queryset=SupervisionSession.objects.none(),
        to_field_name="uuid",
    )
    observed_practice = EvidenceChoiceField(
        label="New observed practice", queryset=Evidence.objects.none(), to_field_name="uuid"
    )

    def __init__(self, *args: Any, worker: Worker, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(
            self,
            "remedial_session",
            worker.supervision.filter(kind=SupervisionKind.REMEDIAL).order_by("-planned_for"),
        )
        _set_queryset(
            self,
            "observed_practice",
            worker.evidence.filter(kind=EvidenceKind.OBSERVED_PRACTICE)
            .select_related("competency")
            .order_by("-occurred_on"),
        )


class PathwayAssignForm(forms.Form):
    pathway = CodeChoiceField(queryset=Pathway.objects.none(), to_field_name="code")
    started_on = date_field("Starts on")
    reason = reason_field(required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _set_queryset(self, "pathway", Pathway.objects.filter(status="active").order_by("name"))
