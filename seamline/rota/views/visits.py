"""The visit list and the scheduler's page: pick a visit, see who is eligible (best first) and
why each blocked worker is blocked; assign an eligible worker.

Visits are loaded through `rota.access` (404 when the participant is out of sight); workers
through the workforce access rules (a worker the asker may not see shows as cleared or not)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.actions import record_participant_read
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import (
    HtmxHttpRequest,
    actor_of,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)
from seamline.workforce.access import organisations_with_workers_for
from seamline.workforce.models import Worker

from .. import access, actions, rules, scheduler
from ..choices import NOT_OVERRIDABLE
from ..export import export_rows
from ..forms import BoardForm, VisitFilterForm, this_week
from ..gate import Settings
from ..imports import COLUMNS
from ..models import Assignment, Visit

PER_PAGE = 50


@page
def visit_list(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_visits(actor):
        raise refuse(actor, "rota.visit_list", "visits")
    form = VisitFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    week = data.get("week") or this_week()
    start, end = rules.week_window(week, timezone.get_current_timezone())
    visits = (
        Visit.objects.visible_to(actor)
        .planned()
        .between(start, end)
        .select_related("organisation", "participant", "pathway", "paired_with__organisation")
        .prefetch_related(
            "task_types",
            Prefetch(
                "assignments",
                queryset=Assignment.objects.live().select_related("worker__organisation"),
            ),
        )
        .order_by("starts_at", "code")
    )
    if data.get("organisation"):
        visits = visits.filter(organisation=data["organisation"])
    if data.get("pathway"):
        visits = visits.filter(pathway=data["pathway"])
    if data.get("q"):
        text = data["q"].strip()
        visits = visits.filter(
            Q(code__iexact=text) | Q(ref__iexact=text) | Q(participant__code__iexact=text)
        )
    if wants_csv(request):
        rows = list(visits)
        actions.record_visits_listed(actor, [v.code for v in rows], via="csv")
        return csv_response(f"rota-{week}.csv", COLUMNS, export_rows(rows, []))
    paginator = Paginator(visits, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    shown = list(page_obj.object_list)
    actions.record_visits_listed(actor, [v.code for v in shown])
    threshold = Settings.current().late_threshold
    context = {
        "form": form,
        "week": week,
        "rows": [(v, v.is_late(threshold)) for v in shown],
        "page_obj": page_obj,
        "count": paginator.count,
        "query": query_without(request, "format", "page"),
    }
    return render(request, "rota/visit_list.html", context)


@page
def visit_board(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    visit = access.get_visit_to_schedule(actor, code)
    organisations = organisations_with_workers_for(actor)
    form = BoardForm(request.GET or None, organisations=organisations)
    chosen = form.cleaned_data.get("organisation") if form.is_valid() else None
    board = scheduler.board(actor, visit, chosen)
    record_participant_read(actor, visit.participant, via="rota")
    may_assign = not actor.read_only and access.can_import_rota(actor, visit.organisation)
    uuids = {pk: w.key for pk, w in board.gate.workers.items()}
    blocked = [
        (
            c,
            uuids[c.worker],
            access.can_override_workers_of(actor, c.organisation)
            and any(r not in NOT_OVERRIDABLE for r in c.answer.rules),
        )
        for c in board.blocked
    ]
    context = {
        "visit": visit,
        "facts": board.visit,
        "taskset": board.gate.taskset(board.visit),
        "board": board,
        "eligible": [(c, uuids[c.worker]) for c in board.eligible],
        "blocked": blocked,
        "form": form,
        "may_assign": may_assign and visit.status == "planned",
    }
    return render(request, "rota/visit_board.html", context)


@page
def assign(request: HttpRequest, code: str, worker: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    visit = access.get_visit_to_schedule(actor, code)
    found = _worker_on_board(actor, worker)
    back = reverse("rota:visit", args=[visit.code])
    if request.method != "POST":
        return redirect(back)
    try:
        actions.assign(actor, visit, found)
    except RuleViolation as exc:
        for reason in exc.reasons:
            messages.error(request, f"{reason.code}: {reason.message}")
        return redirect(back)
    messages.success(request, f"{found.name} is assigned to {visit.code}.")
    return redirect(back)


def _worker_on_board(actor: Actor, worker_uuid: str) -> Worker:
    wanted = access.parse_uuid(worker_uuid)
    found = (
        Worker.objects.visible_to(actor).select_related("organisation").filter(uuid=wanted).first()
        if wanted is not None
        else None
    )
    if found is None:
        raise refuse(actor, "workforce.worker", str(worker_uuid))
    return found


urlpatterns = [
    path("visits/", visit_list, name="visits"),
    path("visits/<str:code>/", visit_board, name="visit"),
    path("visits/<str:code>/assign/<str:worker>/", assign, name="assign"),
]
