"""Pathways: the list, one pathway with its steps and RACI, design changes, and history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from seamline.access import Actor, ReadOnly
from seamline.errors import Conflict, Reason, RuleViolation
from seamline.network import access, actions
from seamline.network.choices import ClockStart, PathwayStatus, RaciLetter, Role
from seamline.network.forms import (
    PathwayCreateForm,
    PathwayEditForm,
    RaciForm,
    StepCreateForm,
    StepEditForm,
)
from seamline.network.models import (
    DecisionRight,
    Organisation,
    Pathway,
    PathwayStep,
    RaciAssignment,
)
from seamline.network.rules import RaciEntry, raci_gaps

from .common import (
    HtmxHttpRequest,
    actor_of,
    add_violation,
    page,
    parse_uuid,
    rebind_with_version,
    require_writer,
)

LETTERS = [(letter.value, letter.label) for letter in RaciLetter]


def step_gaps(step: PathwayStep) -> list[Reason]:
    entries = [
        RaciEntry(e.letter, str(e.organisation_id) if e.organisation_id else None, e.role or None)
        for e in step.raci.all()
    ]
    return raci_gaps(step.name, entries)


@dataclass
class StepRow:
    step: PathwayStep
    cells: list[tuple[str, list[RaciAssignment], bool]]
    gaps: list[Reason]
    gap_letters: set[str]
    first: bool
    last: bool


def step_rows(pathway: Pathway) -> list[StepRow]:
    steps = list(
        pathway.steps.order_by("position").prefetch_related(
            Prefetch("raci", queryset=RaciAssignment.objects.select_related("organisation"))
        )
    )
    rows = []
    for index, step in enumerate(steps):
        entries = list(step.raci.all())
        gaps = step_gaps(step)
        gap_letters = set()
        for gap in gaps:
            gap_letters.add("A" if gap.code == "raci_accountable" else "R")
        rows.append(
            StepRow(
                step=step,
                cells=[
                    (letter, [e for e in entries if e.letter == letter], letter in gap_letters)
                    for letter, _ in LETTERS
                ],
                gaps=gaps,
                gap_letters=gap_letters,
                first=index == 0,
                last=index == len(steps) - 1,
            )
        )
    return rows


def _load_step(actor: Actor, pathway: Pathway, code: str) -> PathwayStep:
    step = pathway.steps.select_related("pathway__lead_organisation").filter(code=code).first()
    if step is None:
        raise access.refuse(actor, "network.pathwaystep", f"{pathway.code}/{code}")
    return step


@page
def pathways(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    rows = []
    listed = (
        Pathway.objects.visible_to(actor)
        .select_related("lead_organisation")
        .prefetch_related("steps__raci")
    )
    for pathway in listed:
        steps = list(pathway.steps.all())
        gaps = sum(1 for s in steps if step_gaps(s))
        rows.append((pathway, len(steps), gaps))
    context = {
        "rows": rows,
        "can_create": access.can_design_pathways(actor),
    }
    return render(request, "network/pathways.html", context)


def _pathway_context(actor: Actor, pathway: Pathway) -> dict[str, Any]:
    return {
        "pathway": pathway,
        "rows": step_rows(pathway),
        "letters": LETTERS,
        "can_design": access.can_design_pathways(actor, pathway),
    }


@page
def pathway(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_pathway_for_user(actor, code)
    rights = (
        DecisionRight.objects.filter(Q(pathway=found) | Q(pathway__isnull=True))
        .select_related("organisation", "pathway")
        .order_by("action_kind", "id")
    )
    context = {**_pathway_context(actor, found), "rights": rights}
    return render(request, "network/pathway.html", context)


@page
def pathway_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    if not access.can_design_pathways(actor):
        raise ReadOnly("Only the prime's network admin or quality lead adds pathways.")
    organisations = Organisation.objects.in_network()
    form = PathwayCreateForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = actions.create_pathway(
                actor,
                code=data["code"],
                name=data["name"],
                lead=data["lead"],
                description=data["description"],
                reason=data["reason"],
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, f"Pathway '{created.name}' is created. Add its steps next.")
            return redirect("network:pathway", code=created.code)
    return render(request, "network/pathway_new.html", {"form": form})


@page
def pathway_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_pathway_for_user(actor, code, write=True)
    saved_now: list[tuple[str, object]] = []
    if request.method == "POST":
        form = PathwayEditForm(request.POST)
        if form.is_valid():
            try:
                actions.update_pathway(
                    actor,
                    found,
                    form.changes(),
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except Conflict as exc:
                found = access.get_pathway_for_user(actor, code, write=True)
                form = rebind_with_version(PathwayEditForm, request, found.version)
                add_violation(form, exc)
                saved_now = [
                    (str(form[f].label), getattr(found, f)) for f in Pathway.EDITABLE_FIELDS
                ]
            except RuleViolation as exc:
                found.refresh_from_db()
                add_violation(form, exc)
            else:
                messages.success(request, f"Pathway '{found.name}' is saved.")
                return redirect("network:pathway", code=found.code)
    else:
        form = PathwayEditForm(
            initial={"name": found.name, "description": found.description, "version": found.version}
        )
    return render(
        request,
        "network/pathway_edit.html",
        {"pathway": found, "form": form, "saved_now": saved_now},
    )


@page
def step_new(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_pathway_for_user(actor, code, write=True)
    form = StepCreateForm(request.POST or None, initial={"clock_starts": ClockStart.PREVIOUS_STEP})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            step = actions.add_step(
                actor,
                found,
                code=data["code"],
                name=data["name"],
                time_standard_hours=data["time_standard_hours"],
                clock_starts=data["clock_starts"],
                description=data["description"],
                reason=data["reason"],
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(
                request, f"Step '{step.name}' is added. Give it a Responsible and an Accountable."
            )
            return redirect("network:step_raci_add", code=found.code, step=step.code)
    return render(request, "network/step_form.html", {"pathway": found, "form": form, "step": None})


@page
def step_edit(request: HttpRequest, code: str, step: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_pathway_for_user(actor, code, write=True)
    target = _load_step(actor, found, step)
    saved_now: list[tuple[str, object]] = []
    if request.method == "POST":
        form = StepEditForm(request.POST)
        if form.is_valid():
            try:
                actions.update_step(
                    actor,
                    target,
                    form.changes(),
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except Conflict as exc:
                target = _load_step(actor, found, step)
                form = rebind_with_version(StepEditForm, request, target.version)
                add_violation(form, exc)
                saved_now = [
                    ("Name", target.name),
                    ("Time standard", target.time_standard_label),
                    ("Description", target.description),
                ]
            except RuleViolation as exc:
                target.refresh_from_db()
                add_violation(form, exc)
            else:
                messages.success(request, f"Step '{target.name}' is saved.")
                return redirect("network:pathway", code=found.code)
    else:
        form = StepEditForm(
            initial={
                "name": target.name,
                "description": target.description,
                "time_standard_hours": target.time_standard_hours,
                "clock_starts": target.clock_starts,
                "version": target.version,
            }
        )
    return render(
        request,
        "network/step_form.html",
        {"pathway": found, "form": form, "step": target, "saved_now": saved_now},
    )


@page
@require_POST
def step_move(request: HtmxHttpRequest, code: str, step: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_pathway_for_user(actor, code, write=True)
    target = _load_step(actor, found, step)
    direction = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    error = ""
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    if direction is None or version < 1:
        error = "Say whether the step moves up or down."
    else:
        try:
            actions.move_step(actor, target, direction=direction, version=version)
        except RuleViolation as exc:
            error = str(exc)
    if request.htmx:
        found.refresh_from_db()
        context = {**_pathway_context(actor, found), "move_error": error}
        return render(request, "network/pathway.html#steps", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Step '{target.name}' is moved.")
    return redirect("network:pathway", code=found.code)


@page
def step_raci_add(request: HttpRequest, code: str, step: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_pathway_for_user(actor, code, write=True)
    target = _load_step(actor, found, step)
    organisations = Organisation.objects.in_network()
    form = RaciForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = actions.add_raci(
                actor,
                target,
                letter=data["letter"],
                organisation=data["organisation"],
                role=data["role"],
                reason=data["reason"],
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(
                request, f"{entry.party_label} is now {entry.get_letter_display()} for this step."
            )
            return redirect("network:step_raci_add", code=found.code, step=target.code)
    order = [letter for letter, _ in LETTERS]
    entries = sorted(
        target.raci.select_related("organisation"), key=lambda e: (order.index(e.letter), e.pk)
    )
    context = {
        "pathway": found,
        "step": target,
        "form": form,
        "entries": entries,
        "gaps": step_gaps(target),
    }
    return render(request, "network/step_raci.html", context)


@page
@require_POST
def raci_remove(request: HttpRequest, code: str, entry: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_pathway_for_user(actor, code, write=True)
    wanted = parse_uuid(entry)
    target = (
        RaciAssignment.objects.select_related("step__pathway__lead_organisation", "organisation")
        .filter(uuid=wanted, step__pathway=found)
        .first()
        if wanted
        else None
    )
    if target is None:
        raise access.refuse(actor, "network.raciassignment", entry)
    step_code = target.step.code
    try:
        actions.remove_raci(actor, target, reason=request.POST.get("reason", "")[:2000])
    except RuleViolation as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{target.party_label} is no longer {target.get_letter_display()}."
        )
    return redirect("network:step_raci_add", code=found.code, step=step_code)


# --- history -----------------------------------------------------------------------------------


@dataclass
class HistoryEvent:
    when: datetime
    who: str
    why: str
    what: str
    subject: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


TYPE_WORDS = {"+": "created", "~": "changed", "-": "removed"}


def _display(value: Any, name: str, org_names: dict[int, str]) -> Any:
    if value in (None, ""):
        return "—"
    if name == "clock_starts":
        return ClockStart(value).label
    if name == "status":
        return PathwayStatus(value).label
    if name in ("lead_organisation_id", "organisation_id"):
        return org_names.get(value, "an organisation")
    if name == "role":
        return Role(value).label
    if name == "letter":
        return RaciLetter(value).label
    return value


def history_events(
    records: Iterable[Any],
    fields: list[tuple[str, str]],
    subject: Any,
    org_names: dict[int, str],
    show_names: bool,
) -> list[HistoryEvent]:
    """Turn simple-history rows into events, each compared with the one before it."""
    by_object: dict[int, list[Any]] = {}
    for rec in records:
        by_object.setdefault(rec.id, []).append(rec)
    events = []
    for recs in by_object.values():
        recs.sort(key=lambda r: (r.history_date, r.history_id))
        previous = None
        for rec in recs:
            changes = []
            for name, label in fields if rec.history_type != "-" else []:
                new = getattr(rec, name)
                if previous is None:
                    if new not in (None, ""):
                        changes.append((label, "—", _display(new, name, org_names)))
                elif getattr(previous, name) != new:
                    old = getattr(previous, name)
                    changes.append(
                        (label, _display(old, name, org_names), _display(new, name, org_names))
                    )
            user = rec.history_user
            who = (
                (user.display_name if show_names else "A member of the network")
                if user
                else "System"
            )
            events.append(
                HistoryEvent(
                    when=rec.history_date,
                    who=who,
                    why=rec.history_change_reason or "",
                    what=TYPE_WORDS.get(rec.history_type, rec.history_type),
                    subject=subject(rec),
                    changes=changes,
                )
            )
            previous = rec
    return events


PATHWAY_FIELDS = [
    ("name", "Name"),
    ("description", "Description"),
    ("status", "Status"),
    ("lead_organisation_id", "Lead organisation"),
]
STEP_FIELDS = [
    ("position", "Position"),
    ("code", "Code"),
    ("name", "Name"),
    ("time_standard_hours", "Time standard (hours)"),
    ("clock_starts", "Clock starts at"),
    ("description", "Description"),
]
RACI_FIELDS = [("letter", "Letter"), ("organisation_id", "Organisation"), ("role", "Role")]


@page
def pathway_history(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_pathway_for_user(actor, code)
    show_names = not actor.aggregates_only
    org_names = dict(Organisation.objects.values_list("pk", "name"))
    step_ids = list(found.steps.values_list("pk", flat=True))
    step_names = dict(found.steps.values_list("pk", "name"))
    events = history_events(
        found.history.select_related("history_user"),
        PATHWAY_FIELDS,
        lambda r: "The pathway",
        org_names,
        show_names,
    )
    events += history_events(
        PathwayStep.history.filter(pathway_id=found.pk).select_related("history_user"),
        STEP_FIELDS,
        lambda r: f"Step '{r.name}'",
        org_names,
        show_names,
    )
    events += history_events(
        RaciAssignment.history.filter(step_id__in=step_ids).select_related("history_user"),
        RACI_FIELDS,
        lambda r: (
            "RACI entry “"
            + RaciLetter(r.letter).label
            + ": "
            + (org_names.get(r.organisation_id, "") if r.organisation_id else Role(r.role).label)
            + f"” on step '{step_names.get(r.step_id, '')}'"
        ),
        org_names,
        show_names,
    )
    events.sort(key=lambda e: e.when, reverse=True)
    return render(request, "network/pathway_history.html", {"pathway": found, "events": events})
