"""The post-discharge sprint pages: sprints in progress with their 72-hour clocks (and the
discharge referrals still waiting for one), a sprint's steps and owners, completing or refusing
a step, and the report of which steps fail most, by partner (filters and CSV)."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from seamline.access import Actor
from seamline.cases.access import get_referral_for_user
from seamline.cases.views.common import attempt, done, form_page
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import (
    actor_of,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from .. import access, actions, rules, sprint
from ..forms import RefusalForm, SprintReportForm, StepDoneForm


def _require_list(actor: Actor) -> None:
    if not access.can_see_sprints(actor):
        raise refuse(actor, "coordination.sprints", "sprints")


@page
def sprint_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require_list(actor)
    now = timezone.now()
    may_start = access.can_create_actions(actor)
    context = {
        "rows": sprint.in_progress(actor, now),
        "waiting": list(sprint.waiting_referrals(actor)[:50]) if may_start else [],
        "may_start": may_start,
    }
    return render(request, "coordination/sprint_list.html", context)


@require_POST
@page
def sprint_start(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    _require_list(actor)
    require_writer(actor)
    referral = get_referral_for_user(actor, code)
    try:
        started = actions.start_sprint(actor, referral)
    except RuleViolation as exc:
        messages.error(request, " ".join(r.message for r in exc.reasons))
        return redirect("coordination:sprints")
    return redirect("coordination:sprint", started.uuid)


@page
def sprint_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    actor = actor_of(request)
    found = access.get_sprint_for_user(actor, uuid)
    now = timezone.now()
    steps = sprint.steps_of(found, now)
    context = {
        "sprint": found,
        "hours_left": rules.hours_left(found.started_at, now),
        "steps": [(r, access.can_complete(actor, r.step.action)) for r in steps],
    }
    return render(request, "coordination/sprint_detail.html", context)


@page
def step_done(request: HttpRequest, uuid: str, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    step = access.get_step_for_user(actor, uuid, code, write=True)
    back = reverse("coordination:sprint", args=[step.sprint.uuid])
    form = StepDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"]
        if attempt(form, lambda: actions.complete_step(actor, step, note=note)) is not None:
            return done(request, back, "The step is marked done.")
    return form_page(
        request,
        form,
        title=f"Done: {step.name}",
        submit="Mark done",
        back=back,
        back_label="Sprint",
        caption=f"{step.sprint.participant.code} · day {step.day}",
    )


@page
def step_refuse(request: HttpRequest, uuid: str, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    step = access.get_step_for_user(actor, uuid, code, write=True)
    back = reverse("coordination:sprint", args=[step.sprint.uuid])
    form = RefusalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        made = attempt(
            form,
            lambda: actions.refuse_step(
                actor,
                step,
                refusal=data["refusal"],
                handling_code=data["handling_code"],
                handling_note=data["handling_note"],
            ),
        )
        if made is not None:
            return done(request, back, "The refusal and how it was handled are recorded.")
    return form_page(
        request,
        form,
        title=f"Refused: {step.name}",
        submit="Record the refusal",
        back=back,
        back_label="Sprint",
        caption=f"{step.sprint.participant.code} · day {step.day}",
        intro="Record what the person refused and how it was handled; the step then counts "
        "as resolved.",
    )


def _day_start(value: object) -> datetime | None:
    if value is None:
        return None
    return timezone.make_aware(datetime.combine(value, time.min))  # type: ignore[arg-type]


REPORT_HEADER = (
    "partner",
    "partner_name",
    "step",
    "step_name",
    "steps",
    "failed",
    "refused",
    "failure_rate",
)


@page
def sprint_report(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require_list(actor)
    form = SprintReportForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows = sprint.failure_report(
        actor,
        timezone.now(),
        partner=(data.get("partner") or "").strip().lower(),
        since=_day_start(data.get("since")),
        until=_day_start(data.get("until")),
    )
    if wants_csv(request):
        return csv_response(
            "sprint-failures.csv",
            REPORT_HEADER,
            ([r[k] for k in REPORT_HEADER] for r in sprint.report_json(rows)),
        )
    context = {
        "form": form,
        "rows": rows,
        "export_query": query_without(request, "format"),
    }
    return render(request, "coordination/sprint_report.html", context)
