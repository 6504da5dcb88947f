"""The framework: overview, a competency, a task type, edit forms, versions and their diff."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from seamline.errors import RuleViolation
from seamline.network.views.common import (
    View,
    actor_of,
    add_violation,
    page,
    require_writer,
)

from .. import access, actions
from ..choices import STAGES, Domain
from ..diff import diff_snapshots
from ..forms import CompetencyForm, RetireForm, TaskTypeForm, VersionPickForm
from ..models import Competency, FrameworkVersion, ModuleMapping, TaskRequirement, TaskType


def _requirements_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "requirements",
        queryset=TaskRequirement.objects.select_related("competency").order_by("competency__code"),
    )


def _guard_read(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if not access.can_read_framework(actor):
        raise access.refuse(actor, "competency.framework", "framework")
    return actor


@page
def overview(request: HttpRequest) -> HttpResponse:
    actor = _guard_read(request)
    by_domain: dict[str, list[Competency]] = defaultdict(list)
    for comp in Competency.objects.filter(retired=False).order_by("-network_critical", "title"):
        by_domain[comp.domain].append(comp)
    domains = [(Domain(d).label, by_domain[d]) for d in Domain.values if by_domain.get(d)]
    tiers: dict[int, list[TaskType]] = defaultdict(list)
    for task in (
        TaskType.objects.filter(retired=False)
        .prefetch_related(_requirements_prefetch())
        .order_by("risk_tier", "title")
    ):
        tiers[task.risk_tier].append(task)
    context = {
        "domains": domains,
        "tiers": sorted(tiers.items()),
        "version": FrameworkVersion.objects.select_related("created_by").current(),
        "can_change": access.can_change_framework(actor),
        "competency_count": sum(len(v) for v in by_domain.values()),
    }
    return render(request, "competency/overview.html", context)


@page
def competency(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_competency_for_user(actor, code)
    required_by = (
        TaskRequirement.objects.filter(competency=found, task_type__retired=False)
        .select_related("task_type")
        .order_by("task_type__risk_tier", "task_type__code")
    )
    mappings = (
        ModuleMapping.objects.filter(competency=found)
        .select_related("module__organisation")
        .order_by("module__organisation__name", "module__code")
    )
    context = {
        "competency": found,
        "stages": [(s, found.stage_evidence.get(s, [])) for s in STAGES],
        "required_by": required_by,
        "mappings": mappings,
        "can_change": access.can_change_framework(actor) and not found.retired,
        "retire_form": RetireForm(),
    }
    return render(request, "competency/competency.html", context)


@dataclass(frozen=True)
class _Editable:
    """What the add, edit and retire pages of competencies and of task types differ in; the
    pages themselves are the same (`_add`, `_edit`, `_retire`)."""

    label: str  # as a sentence begins: "Competency", "Task type"
    form: type[CompetencyForm] | type[TaskTypeForm]
    template: str
    url: str  # the name of one item's page
    key: str  # the item's name in the form page's context
    load: Callable[..., Any]  # the access loader: (actor, code, write=...) -> the item
    create: Callable[..., Any]
    update: Callable[..., Any]
    retire: Callable[..., Any]


COMPETENCIES = _Editable(
    "Competency",
    CompetencyForm,
    "competency/competency_form.html",
    "competency:competency",
    "competency",
    access.get_competency_for_user,
    actions.create_competency,
    actions.update_competency,
    actions.retire_competency,
)
TASK_TYPES = _Editable(
    "Task type",
    TaskTypeForm,
    "competency/task_type_form.html",
    "competency:task_type",
    "task",
    access.get_task_type_for_user,
    actions.create_task_type,
    actions.update_task_type,
    actions.retire_task_type,
)


def _pages(kind: _Editable) -> tuple[View, View, View]:
    """The add, edit and retire pages of one kind of framework item."""

    @page
    def add(request: HttpRequest) -> HttpResponse:
        actor = actor_of(request)
        require_writer(actor)
        access.require_framework_change(actor)
        form = kind.form(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                created = kind.create(actor, reason=form.cleaned_data["reason"], **form.values())
            except RuleViolation as exc:
                add_violation(form, exc)
            else:
                messages.success(
                    request, f"{kind.label} '{created.title}' is added to the framework."
                )
                return redirect(kind.url, code=created.code)
        return render(request, kind.template, {"form": form, kind.key: None})

    @page
    def edit(request: HttpRequest, code: str) -> HttpResponse:
        actor = actor_of(request)
        require_writer(actor)
        found = kind.load(actor, code, write=True)
        if request.method == "POST":
            form = kind.form(request.POST, editing=True)
            if form.is_valid():
                try:
                    kind.update(actor, found, form.values(), reason=form.cleaned_data["reason"])
                except RuleViolation as exc:
                    add_violation(form, exc)
                else:
                    messages.success(request, f"{kind.label} '{found.code}' is saved.")
                    return redirect(kind.url, code=found.code)
        else:
            form = kind.form(initial=kind.form.initial_for(found), editing=True)
        return render(request, kind.template, {"form": form, kind.key: found})

    @require_POST
    @page
    def retire(request: HttpRequest, code: str) -> HttpResponse:
        actor = actor_of(request)
        require_writer(actor)
        found = kind.load(actor, code, write=True)
        form = RetireForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"Say why the {kind.label.lower()} is retired.")
            return redirect(kind.url, code=found.code)
        try:
            kind.retire(actor, found, reason=form.cleaned_data["reason"])
        except RuleViolation as exc:
            messages.error(request, str(exc))
            return redirect(kind.url, code=found.code)
        messages.success(request, f"{kind.label} '{found.code}' is retired.")
        return redirect("competency:overview")

    return add, edit, retire


competency_new, competency_edit, competency_retire = _pages(COMPETENCIES)
task_type_new, task_type_edit, task_type_retire = _pages(TASK_TYPES)


@page
def task_type(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_task_type_for_user(actor, code)
    requirements = found.requirements.select_related("competency").order_by("competency__code")
    context = {
        "task": found,
        "requirements": requirements,
        "can_change": access.can_change_framework(actor) and not found.retired,
        "retire_form": RetireForm(),
    }
    return render(request, "competency/task_type.html", context)


@page
def versions(request: HttpRequest) -> HttpResponse:
    _guard_read(request)
    listed = list(
        FrameworkVersion.objects.select_related("created_by").defer("snapshot").order_by("-number")
    )
    initial = {}
    if len(listed) >= 2:
        initial = {"from_": listed[1].number, "to": listed[0].number}
    form = VersionPickForm(initial=initial, versions=listed)
    return render(request, "competency/versions.html", {"versions": listed, "form": form})


@page
def version(request: HttpRequest, number: int) -> HttpResponse:
    """One earlier version as it stood: its competencies and task types, from its snapshot."""
    found = access.get_version_for_user(actor_of(request), number)
    tasks = sorted(found.snapshot.get("task_types", []), key=lambda t: (t["risk_tier"], t["code"]))
    context = {
        "version": found,
        "competencies": found.snapshot.get("competencies", []),
        "task_types": tasks,
        "previous": number - 1 if number > 1 else None,
    }
    return render(request, "competency/version.html", context)


@page
def version_diff(request: HttpRequest) -> HttpResponse:
    actor = _guard_read(request)
    listed = list(FrameworkVersion.objects.defer("snapshot").order_by("-number"))
    form = VersionPickForm(request.GET, versions=listed)
    context: dict[str, Any] = {"form": form, "diff": None}
    if form.is_valid():
        older = access.get_version_for_user(actor, form.cleaned_data["from_"])
        newer = access.get_version_for_user(actor, form.cleaned_data["to"])
        context.update(
            older=older,
            newer=newer,
            diff=diff_snapshots(older.snapshot, newer.snapshot),
        )
    return render(request, "competency/version_diff.html", context)
