"""Pages of the authorization register: the team competency matrix and the worker's page.

Both are derived from `workforce.register` (the same loader and rule as the API and the
command) as of an instant, through the workforce access layer: a partner sees its own
workers, the prime and inspectors everyone's, anyone else gets "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone

from seamline.competency.choices import EvidenceKind, Stage
from seamline.errors import Reason
from seamline.network.access import refuse
from seamline.network.forms import datetime_field
from seamline.network.models import Network, Organisation, Pathway
from seamline.network.views.common import (
    HtmxHttpRequest,
    actor_of,
    csv_response,
    page,
    query_without,
    wants_csv,
)

from .. import access, actions, register
from ..authorization import Attainment, Decision, TaskSpec, WorkerFacts, decide
from ..models import (
    DelegationPause,
    EnhancedSupervisionPeriod,
    SignOff,
    SupervisionSession,
    WorkerPathway,
)

WORKERS_PER_PAGE = 50

# What a matrix cell shows for each reason (the full sentence is on the worker's page).
SHORT = {
    "worker_not_active": "inactive",
    "organisation_not_active": "partner",
    "competency_missing": "missing",
    "stage_below": "below",
    "competency_expired": "expired",
    "pathway_revalidation_due": "pathway",
    "delegation_paused": "paused",
    "bundle_incomplete": "bundle",
}
EVIDENCE_LABELS = {kind.value: kind.label.lower() for kind in EvidenceKind}
STAGE_LABELS = {stage.value: stage.label.lower() for stage in Stage}


# --- the matrix ------------------------------------------------------------------------------


class MatrixFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="Any",
    )
    pathway = forms.ModelChoiceField(
        queryset=Pathway.objects.none(), required=False, to_field_name="code", empty_label="Any"
    )
    task_type = forms.ChoiceField(label="Task type", required=False)
    expiring = forms.IntegerField(
        label="Expiring within (days)", required=False, min_value=1, max_value=366
    )
    as_of = datetime_field("As of", "Leave empty for now.", required=False)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        pathways: QuerySet[Pathway],
        tasks: list[TaskSpec],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation = self.fields["organisation"]
        assert isinstance(organisation, forms.ModelChoiceField)
        organisation.queryset = organisations.order_by("name")
        pathway = self.fields["pathway"]
        assert isinstance(pathway, forms.ModelChoiceField)
        pathway.queryset = pathways.order_by("name")
        task_type = self.fields["task_type"]
        assert isinstance(task_type, forms.ChoiceField)
        task_type.choices = [("", "Any"), *((t.code, t.title) for t in tasks)]


@dataclass
class Cell:
    row: register.Row
    expiring: bool

    @property
    def short(self) -> str:
        return " ".join(dict.fromkeys(SHORT.get(r.code, r.code) for r in self.row.reasons))

    @property
    def title(self) -> str:
        if self.row.cleared:
            until = f" until {self.row.valid_until:%d %b %Y}" if self.row.valid_until else ""
            return f"Cleared{until}"
        return " ".join(r.message for r in self.row.reasons)


@dataclass
class MatrixRow:
    worker: str
    name: str
    organisation: str
    cells: list[Cell]


def _as_of(form: MatrixFilterForm) -> datetime:
    value = form.cleaned_data.get("as_of") if form.is_valid() else None
    return register.local(value)


def _matrix_rows(rows: list[register.Row], per: int, soon: date | None) -> list[MatrixRow]:
    out: list[MatrixRow] = []
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        first = chunk[0]
        cells = [
            Cell(
                r,
                expiring=soon is not None
                and r.cleared
                and r.valid_until is not None
                and r.valid_until <= soon,
            )
            for r in chunk
        ]
        out.append(MatrixRow(first.worker, first.worker_name, first.organisation, cells))
    return out


@page
def matrix(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_worker_lists(actor):
        raise refuse(actor, "workforce.matrix", "matrix")
    at = register.local(None)
    framework = register.framework_at(at)
    form = MatrixFilterForm(
        request.GET or None,
        organisations=access.organisations_with_workers_for(actor),
        pathways=Pathway.objects.visible_to(actor),
        tasks=framework.tasks,
    )
    data = form.cleaned_data if form.is_valid() else {}
    at = _as_of(form)
    org = data.get("organisation")
    pathway = data.get("pathway")
    view = register.register_view(
        actor,
        at,
        organisation=org.code if org else None,
        task_type=data.get("task_type") or None,
        pathway=pathway.code if pathway else None,
    )
    per = len(view.tasks)
    expiring_days = data.get("expiring")
    soon = at.date() + timedelta(days=expiring_days) if expiring_days else None
    if wants_csv(request):
        rows = view.rows()
        if soon is not None:
            rows = _expiring_only(rows, per, soon)
        return csv_response(
            f"authorization-register-{at:%Y%m%d-%H%M}.csv",
            [
                "worker",
                "worker_name",
                "organisation",
                "task_type",
                "cleared",
                "reason_codes",
                "reasons",
                "last_validated",
                "valid_until",
            ],
            (
                [
                    r.worker,
                    r.worker_name,
                    r.organisation,
                    r.task_type,
                    "yes" if r.cleared else "no",
                    " ".join(x.code for x in r.reasons),
                    " ".join(x.message for x in r.reasons),
                    r.last_validated or "",
                    r.valid_until or "",
                ]
                for r in rows
            ),
        )
    page_obj: Any
    if soon is not None:
        # Only workers with a clearance that lapses within the window: the whole register is
        # needed to know which, then it is paged here.
        rows = _expiring_only(view.rows(), per, soon)
        expiring = Paginator(_matrix_rows(rows, per, soon) if per else [], WORKERS_PER_PAGE)
        page_obj = expiring.get_page(request.GET.get("page"))
        matrix_rows = list(page_obj.object_list)
    else:
        # A page computes only its own workers.
        workers = Paginator(range(len(view) // per if per else 0), WORKERS_PER_PAGE)
        page_obj = workers.get_page(request.GET.get("page"))
        first = (page_obj.number - 1) * WORKERS_PER_PAGE
        rows = view[first * per : (first + WORKERS_PER_PAGE) * per] if per else []
        matrix_rows = _matrix_rows(rows, per, None) if per else []
    context = {
        "form": form,
        "tasks": view.tasks,
        "rows": matrix_rows,
        "page_obj": page_obj,
        "count": page_obj.paginator.count,
        "at": at,
        "query": query_without(request, "format", "page"),
    }
    if request.htmx:
        return render(request, "workforce/register/matrix.html#results", context)
    return render(request, "workforce/register/matrix.html", context)


def _expiring_only(rows: list[register.Row], per: int, soon: date) -> list[register.Row]:
    """The rows of workers with at least one clearance that lapses by `soon`."""
    kept: list[register.Row] = []
    for start in range(0, len(rows), per or 1):
        chunk = rows[start : start + per]
        if any(r.cleared and r.valid_until is not None and r.valid_until <= soon for r in chunk):
            kept.extend(chunk)
    return kept


# --- the worker's page -------------------------------------------------------------------------


@dataclass
class TaskAnswer:
    task: TaskSpec
    decision: Decision
    # What would clear it: one sentence per unmet requirement, plus what the other reasons ask.
    remedies: list[str]


def _evidence_list(kinds: list[str]) -> str:
    labels = [EVIDENCE_LABELS.get(k, k.replace("_", " ")) for k in kinds]
    return ", ".join(labels) if labels else "the evidence the framework sets for that stage"


def _remedies(
    facts: WorkerFacts,
    task: TaskSpec,
    framework: register.Framework,
    at: datetime,
    reasons: list[Reason],
) -> list[str]:
    """For each requirement the worker does not meet, the sign-off (and its evidence) that
    would meet it. The rule itself is asked, one requirement at a time."""
    remedies = []
    for req in task.requirements:
        alone = TaskSpec(task.code, task.title, 1, False, (req,))
        answer = decide(facts, alone, framework.competencies, at)
        if answer.cleared or {r.code for r in answer.reasons} <= {
            "worker_not_active",
            "organisation_not_active",
        }:
            continue
        spec = framework.competencies[req.competency]
        kinds = framework.stage_evidence.get(req.competency, {}).get(req.min_stage, [])
        on = ""
        if spec.pathway_specific and facts.pathways:
            on = f" on pathway {', '.join(facts.pathways)}"
        remedies.append(
            f"A sign-off of {spec.title} at {STAGE_LABELS.get(req.min_stage, req.min_stage)}"
            f"{on} needs: {_evidence_list(kinds)}."
        )
    codes = {r.code for r in reasons}
    if "delegation_paused" in codes:
        remedies.append(
            "Lifting the pause needs the remedial supervision held and a new observed practice "
            "recorded."
        )
    if "bundle_incomplete" in codes:
        missing = ", ".join(facts.bundle_missing)
        remedies.append(f"Completing the evidence bundle of this placement needs {missing}.")
    return remedies


def _sign_off_state(s: SignOff, at: datetime, soon: date) -> str:
    attainment = Attainment(
        s.competency.code, s.stage, s.signed_at, s.review_due, None, s.superseded_at, s.revoked_at
    )
    if attainment.current(at):
        return "expiring" if s.review_due <= soon else "current"
    return "lapsed"


@page
def worker(request: HttpRequest, worker: UUID) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_worker_for_user(actor, worker)
    actions.record_worker_read(actor, found)
    at = register.local(None)
    framework = register.framework_at(at)
    facts_list = register.load_facts(
        register.workers_for(actor).filter(pk=found.pk), at, framework, few=True
    )
    facts = facts_list[0]
    answers = []
    for task in framework.tasks:
        decision = decide(facts, task, framework.competencies, at)
        remedies = (
            []
            if decision.cleared
            else _remedies(facts, task, framework, at, list(decision.reasons))
        )
        answers.append(TaskAnswer(task, decision, remedies))
    soon = at.date() + timedelta(days=Network.current().expiring_days)
    sign_offs = list(
        SignOff.objects.filter(worker=found)
        .select_related("competency", "pathway", "signer")
        .order_by("competency__title", "-signed_at")
    )
    grouped: dict[str, list[SignOff]] = {"current": [], "expiring": [], "lapsed": []}
    for s in sign_offs:
        grouped[_sign_off_state(s, at, soon)].append(s)
    context = {
        "worker": found,
        "at": at,
        "soon": soon,
        "pathways": WorkerPathway.objects.filter(worker=found)
        .select_related("pathway")
        .order_by("-started_on"),
        "current": grouped["current"],
        "expiring": grouped["expiring"],
        "expiring_title": f"Expiring by {soon:%d %b %Y}",
        "lapsed": grouped["lapsed"],
        "sessions": SupervisionSession.objects.filter(worker=found)
        .select_related("supervisor")
        .order_by("-planned_for")[:20],
        "enhanced": EnhancedSupervisionPeriod.objects.filter(worker=found)
        .select_related("supervisor")
        .order_by("-starts_on"),
        "pauses": DelegationPause.objects.filter(worker=found)
        .select_related("task_type")
        .order_by("-started_at"),
        "answers": answers,
        "cleared_count": sum(1 for a in answers if a.decision.cleared),
        "bundle_missing": facts.bundle_missing,
        "can_edit": access.can_edit_worker(actor, found),
        "can_sign_off": access.can_sign_off(actor, found),
        "today": timezone.localdate(),
    }
    return render(request, "workforce/register/worker.html", context)


urlpatterns: list[URLPattern] = [
    path("matrix/", matrix, name="matrix"),
    # A uuid converter, so that "workers/new/" and the other record pages still resolve.
    path("workers/<uuid:worker>/", worker, name="worker"),
]
