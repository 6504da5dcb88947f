"""Overrides: grant one (one rule, one visit, one worker, with a reason and an expiry),
revoke one, and the list of every override (filters, CSV)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import (
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from .. import access, actions
from ..choices import NOT_OVERRIDABLE
from ..forms import OverrideFilterForm, OverrideForm, ReasonForm
from ..models import Override

PER_PAGE = 50
CSV_HEADER = [
    "override",
    "visit",
    "visit_start",
    "worker",
    "rule",
    "state",
    "reason",
    "blocked_because",
    "granted_by",
    "granted_at",
    "expires_at",
    "revoked_by",
    "revoked_at",
    "revoke_reason",
]


def _state(override: Override, now: datetime) -> str:
    if override.revoked_at is not None:
        return "revoked"
    return "expired" if override.expires_at <= now else "live"


def _when(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


@page
def override_new(request: HttpRequest, code: str, worker: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    visit = access.get_visit_to_schedule(actor, code)
    found = access.get_worker_to_override(actor, worker)
    answer = actions.gate_answer(visit, found)
    blocked = [r for r in answer.rules if r not in NOT_OVERRIDABLE]
    form = OverrideForm(request.POST or None, rules_blocked=blocked)
    if request.method == "POST" and form.is_valid():
        try:
            override = actions.grant_override(
                actor,
                visit,
                found,
                rule=form.cleaned_data["rule"],
                reason=form.cleaned_data["reason"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(
                request,
                f"{override.rule} is overridden for {found.name} on {visit.code} until "
                f"{_when(override.expires_at)}.",
            )
            return redirect(reverse("rota:visit", args=[visit.code]))
    context = {
        "visit": visit,
        "worker": found,
        "answer": answer,
        "blocked": blocked,
        "form": form,
    }
    return render(request, "rota/override_new.html", context)


@page
def override_revoke(request: HttpRequest, override: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_override_for_user(actor, override, write=True)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.revoke_override(actor, found, reason=form.cleaned_data["reason"])
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, "The override is revoked: the block applies again.")
            return redirect(reverse("rota:overrides"))
    return render(request, "rota/override_revoke.html", {"override": found, "form": form})


def _filtered(
    qs: QuerySet[Override], form: OverrideFilterForm, now: datetime
) -> QuerySet[Override]:
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    if data.get("rule"):
        qs = qs.filter(rule=data["rule"])
    if data.get("organisation"):
        qs = qs.filter(worker__organisation=data["organisation"])
    state = data.get("state")
    if state == "live":
        qs = qs.filter(revoked_at__isnull=True, expires_at__gt=now)
    elif state == "expired":
        qs = qs.filter(revoked_at__isnull=True, expires_at__lte=now)
    elif state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    return qs


@page
def override_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_visits(actor):
        raise refuse(actor, "rota.override_list", "overrides")
    now = timezone.now()
    form = OverrideFilterForm(request.GET or None)
    overrides = _filtered(
        Override.objects.visible_to(actor).select_related(
            "visit", "worker__organisation", "granted_by", "revoked_by"
        ),
        form,
        now,
    )
    if wants_csv(request):
        rows = list(overrides)
        return csv_response(
            "gate-overrides.csv",
            CSV_HEADER,
            (
                [
                    str(o.uuid),
                    o.visit.code,
                    _when(o.visit.starts_at),
                    f"{o.worker.organisation.code}/{o.worker.staff_id}",
                    o.rule,
                    _state(o, now),
                    o.reason,
                    o.blocked_because,
                    o.granted_by.username,
                    _when(o.granted_at),
                    _when(o.expires_at),
                    o.revoked_by.username if o.revoked_by else "",
                    _when(o.revoked_at),
                    o.revoke_reason,
                ]
                for o in rows
            ),
        )
    paginator = Paginator(overrides, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    shown = [
        (o, _state(o, now), access.can_override(actor, o.worker) and o.revoked_at is None)
        for o in page_obj.object_list
    ]
    context = {
        "form": form,
        "rows": shown,
        "page_obj": page_obj,
        "count": paginator.count,
        "query": query_without(request, "format", "page"),
    }
    return render(request, "rota/override_list.html", context)


urlpatterns = [
    path("visits/<str:code>/override/<str:worker>/", override_new, name="override_new"),
    path("overrides/", override_list, name="overrides"),
    path("overrides/<str:override>/revoke/", override_revoke, name="override_revoke"),
]
