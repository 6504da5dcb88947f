"""The escalation pages: the board (filtered, exported as CSV, with the metrics of what it
shows), an escalation with its ladder, clock and timeline and the forms that answer it, the
escalations waiting for me, and the threshold set with the ladders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from seamline.access import Actor, ReadOnly
from seamline.errors import Conflict, RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Pathway
from seamline.network.views.common import (
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from . import access, actions, metrics
from .choices import CLIMBING_STATES, OPEN_STATES, State
from .forms import (
    AcknowledgeForm,
    FilterForm,
    LadderForm,
    ResolveForm,
    RespondForm,
    ThresholdsForm,
)
from .models import (
    Escalation,
    EscalationQuerySet,
    Ladder,
    Notification,
    ThresholdSet,
    ThresholdVersion,
)
from .safeguarding.views import urlpatterns as safeguarding_urls

app_name = "escalation"
PER_PAGE = 50
SOON_MINUTES = 60

CSV_HEADER = (
    "code",
    "participant",
    "trigger",
    "tier",
    "pathway",
    "partner",
    "state",
    "rung",
    "due_at",
    "breached_at",
    "raised_at",
    "acknowledged_at",
    "responded_at",
    "resolved_at",
    "outcome",
)


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


def urgency(esc: Escalation, now: datetime) -> str:
    """The board's colour: past its deadline (or the last rung's), due within the hour, or
    running; answered ones are plain."""
    if esc.state not in CLIMBING_STATES:
        return "exited"
    if esc.breached_at is not None or esc.is_overdue(now):
        return "gap"
    if esc.due_at is not None and (esc.due_at - now).total_seconds() <= SOON_MINUTES * 60:
        return "suspended"
    return "active"


def filtered(actor: Actor, data: dict[str, Any]) -> EscalationQuerySet:
    rows = Escalation.objects.visible_to(actor).select_related(
        "participant", "pathway", "organisation"
    )
    state = data.get("state", "open")
    if state == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif state:
        rows = rows.filter(state=state)
    for key in ("tier", "trigger"):
        if data.get(key):
            rows = rows.filter(**{key: data[key]})
    if data.get("pathway"):
        rows = rows.filter(pathway__code=data["pathway"].strip())
    if data.get("partner"):
        rows = rows.filter(organisation__code=data["partner"].strip())
    return rows


def as_row(e: Escalation) -> tuple[object, ...]:
    return (
        e.code,
        e.participant.code,
        e.trigger,
        e.tier,
        e.pathway.code,
        e.organisation.code,
        e.state,
        e.rung,
        _iso(e.due_at),
        _iso(e.breached_at),
        _iso(e.raised_at),
        _iso(e.acknowledged_at),
        _iso(e.responded_at),
        _iso(e.resolved_at),
        e.outcome,
    )


@page
def escalation_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.list", "escalations")
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {"state": "open"}
    if not request.GET:
        data = {"state": "open"}
    rows = filtered(actor, data)
    if wants_csv(request):
        return csv_response("escalations.csv", CSV_HEADER, (as_row(e) for e in rows))
    now = timezone.now()
    board = rows.order_by("due_at", "-raised_at", "id")
    paginator = Paginator(board, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "rows": [(e, urgency(e, now)) for e in page_obj.object_list],
        "page_obj": page_obj,
        "count": paginator.count,
        "summary": metrics.escalation_metrics(actor, now, among=rows),
        "query": query_without(request, "page"),
        "export_query": query_without(request, "page", "format"),
    }
    template = "escalation/list.html"
    if getattr(request, "htmx", False):
        template += "#results"
    return render(request, template, context)


def _detail_context(actor: Actor, esc: Escalation, **forms: Any) -> dict[str, Any]:
    now = timezone.now()
    ladder = Ladder.objects.filter(pathway=esc.pathway).first()
    rungs = list(ladder.rungs.all()) if ladder is not None else []
    open_to_act = esc.is_open and access.can_act(actor, esc)
    return {
        "esc": esc,
        "urgency": urgency(esc, now),
        "rungs": rungs,
        "events": list(esc.events.select_related("by")),
        "notifications": list(esc.notifications.select_related("organisation")),
        "may_acknowledge": open_to_act and esc.state == State.RAISED,
        "may_review": esc.state in CLIMBING_STATES and access.can_review(actor, esc),
        "may_resolve": open_to_act,
        "ack_form": forms.get("ack_form") or AcknowledgeForm(initial={"version": esc.version}),
        "respond_form": forms.get("respond_form") or RespondForm(initial={"version": esc.version}),
        "resolve_form": forms.get("resolve_form") or ResolveForm(initial={"version": esc.version}),
    }


@page
def escalation_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    esc = access.get_escalation_for_user(actor, code)
    return render(request, "escalation/detail.html", _detail_context(actor, esc))


def _answer(
    request: HttpRequest,
    code: str,
    form_class: type[Any],
    key: str,
    call: Any,
) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    esc = access.get_escalation_for_user(actor, code, write=True)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(actor, esc, form.cleaned_data)
            if getattr(request, "htmx", False):
                esc.refresh_from_db()
                return render(request, "escalation/detail.html#answer", _detail_context(actor, esc))
            return redirect("escalation:detail", code=esc.code)
        except Conflict as exc:
            esc.refresh_from_db()
            add_violation(form, exc)
        except RuleViolation as exc:
            add_violation(form, exc)
    template = "escalation/detail.html"
    if getattr(request, "htmx", False):
        template += "#answer"
    return render(request, template, _detail_context(actor, esc, **{key: form}), status=422)


@require_POST
@page
def escalation_acknowledge(request: HttpRequest, code: str) -> HttpResponse:
    return _answer(
        request,
        code,
        AcknowledgeForm,
        "ack_form",
        lambda actor, esc, d: actions.acknowledge(actor, esc, version=d["version"]),
    )


@require_POST
@page
def escalation_respond(request: HttpRequest, code: str) -> HttpResponse:
    return _answer(
        request,
        code,
        RespondForm,
        "respond_form",
        lambda actor, esc, d: actions.respond(actor, esc, review=d["review"], version=d["version"]),
    )


@require_POST
@page
def escalation_resolve(request: HttpRequest, code: str) -> HttpResponse:
    return _answer(
        request,
        code,
        ResolveForm,
        "resolve_form",
        lambda actor, esc, d: actions.resolve(
            actor, esc, outcome=d["outcome"], note=d["outcome_note"], version=d["version"]
        ),
    )


def waiting_for(actor: Actor) -> list[Notification]:
    """The notices to the actor (by name, or to their organisation and role) about open
    escalations they can see, newest first: one per escalation, its latest."""
    visible = Escalation.objects.visible_to(actor).filter(state__in=OPEN_STATES)
    notes = (
        Notification.objects.for_actor(actor)
        .filter(escalation__in=visible.values("pk"))
        .select_related("escalation__participant", "escalation__organisation", "organisation")
        .order_by("-created_at", "-id")
    )
    seen: set[int | None] = set()
    found = []
    for note in notes[:500]:
        if note.escalation_id not in seen:
            seen.add(note.escalation_id)
            found.append(note)
    return found


@page
def waiting(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.waiting", "waiting")
    now = timezone.now()
    notes = waiting_for(actor)
    return render(
        request,
        "escalation/waiting.html",
        {"rows": [(n, urgency(n.escalation, now)) for n in notes if n.escalation is not None]},
    )


@page
def thresholds(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.thresholds", "thresholds")
    current = actions.current_thresholds()
    ladders = {
        ladder.pathway_id: ladder
        for ladder in Ladder.objects.prefetch_related("rungs").select_related("changed_by")
    }
    pathways = [(p, ladders.get(p.pk)) for p in Pathway.objects.order_by("code")]
    return render(
        request,
        "escalation/thresholds.html",
        {
            "current": current,
            "versions": ThresholdVersion.objects.select_related("created_by")[:20],
            "pathways": pathways,
            "may_edit": access.can_keep_thresholds(actor),
        },
    )


@page
def thresholds_edit(request: HttpRequest) -> HttpResponse:
    """The quality lead's editor: the next version of the threshold set, with why."""
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.thresholds", "thresholds")
    if not access.can_keep_thresholds(actor):
        raise ReadOnly("Only the prime's quality lead or network admin changes the threshold set.")
    current = actions.current_thresholds()
    tset = ThresholdSet.objects.filter(singleton=True).first()
    rows = {r["trigger"]: r for r in (current.rows if current else [])}
    version = tset.version if tset else 1
    form = ThresholdsForm(request.POST or None, current=rows, initial={"version": version})
    if request.method == "POST" and form.is_valid():
        try:
            made = actions.save_thresholds(
                actor,
                form.rows(),
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"] if tset else None,
            )
            messages.success(request, f"Threshold set version {made.number} is in force.")
            return redirect("escalation:thresholds")
        except RuleViolation as exc:
            add_violation(form, exc)
    return render(request, "escalation/thresholds_edit.html", {"form": form, "current": current})


@page
def ladder_edit(request: HttpRequest, code: str) -> HttpResponse:
    """The quality lead's editor of one pathway's ladder."""
    actor = actor_of(request)
    pathway = Pathway.objects.filter(code=code).first()
    if not access.can_list(actor) or pathway is None:
        raise refuse(actor, "escalation.ladder", code)
    if not access.can_keep_thresholds(actor):
        raise ReadOnly("Only the prime's quality lead or network admin changes ladders.")
    ladder = Ladder.objects.filter(pathway=pathway).first()
    specs = actions.rung_specs(ladder) if ladder is not None else []
    version = ladder.version if ladder is not None else 1
    form = LadderForm(request.POST or None, current=specs, initial={"version": version})
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_ladder(
                actor,
                pathway,
                form.rungs(),
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
            messages.success(request, f"The ladder of {pathway.name} is saved.")
            return redirect("escalation:thresholds")
        except RuleViolation as exc:
            add_violation(form, exc)
    return render(request, "escalation/ladder_edit.html", {"form": form, "pathway": pathway})


urlpatterns: list[URLPattern] = [
    path("", escalation_list, name="list"),
    path("waiting/", waiting, name="waiting"),
    path("thresholds/", thresholds, name="thresholds"),
    path("thresholds/edit/", thresholds_edit, name="thresholds_edit"),
    path("ladders/<slug:code>/edit/", ladder_edit, name="ladder_edit"),
    # Before "<code>/": "safeguarding" is not an escalation's code.
    *safeguarding_urls,
    path("<str:code>/", escalation_detail, name="detail"),
    path("<str:code>/acknowledge/", escalation_acknowledge, name="acknowledge"),
    path("<str:code>/respond/", escalation_respond, name="respond"),
    path("<str:code>/resolve/", escalation_resolve, name="resolve"),
]
