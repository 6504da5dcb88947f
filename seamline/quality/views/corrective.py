"""The corrective-action pages: the list (filterable by partner, status and overdue, the
open and overdue counts by partner, CSV, a form to raise one), one action with its evidence,
moving it on a stage and changing its owner or due date."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.choices import OrgKind, OrgStatus
from seamline.network.models import Membership, Organisation, User
from seamline.network.views.common import (
    actor_of,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from .. import access, actions, lists
from ..choices import ActionStatus, SourceKind
from ..models import CorrectiveAction


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _person(raw: str) -> User | None:
    raw = raw.strip()
    if not raw:
        return None
    return User.objects.filter(username=raw.lower()).first()


def _messages(exc: RuleViolation) -> list[str]:
    return [
        f"{r.field.replace('_', ' ').capitalize()}: {r.message}" if r.field else r.message
        for r in exc.reasons
    ]


def _people(organisations: Any) -> list[Membership]:
    return list(
        Membership.objects.current()
        .filter(organisation__in=organisations)
        .select_related("user", "organisation")
        .order_by("organisation__code", "user__last_name", "user__first_name")
    )


@page
def action_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_actions(actor):
        raise refuse(actor, "quality.corrective_actions", "")
    today = timezone.localdate()
    errors: list[str] = []
    if request.method == "POST":
        require_writer(actor)
        if not access.can_create_action(actor):
            raise refuse(actor, "quality.corrective_actions.raise", "")
        post = request.POST
        try:
            made = actions.raise_corrective_action(
                actor,
                title=post.get("title", ""),
                description=post.get("description", ""),
                source_kind=post.get("source_kind", ""),
                source_ref=post.get("source_ref", ""),
                organisation=Organisation.objects.filter(code=post.get("organisation", "")).first(),
                owner_person=_person(post.get("owner", "")),
                due_on=_date(post.get("due_on", "")),
            )
        except RuleViolation as exc:
            errors = _messages(exc)
        else:
            messages.success(request, f"Corrective action raised for {made.organisation.name}.")
            return redirect("quality:action", made.uuid)
    partner = request.GET.get("partner", "").strip()
    status = request.GET.get("status", "").strip()
    overdue = request.GET.get("overdue", "") in ("1", "yes", "on")
    rows = lists.corrective_actions(actor, today, partner=partner, status=status, overdue=overdue)
    if wants_csv(request):
        return csv_response(
            "corrective-actions.csv", lists.CSV_HEADER, (lists.csv_row(a, today) for a in rows)
        )
    listed = list(rows[:500])
    creatable = (
        Organisation.objects.exclude(status=OrgStatus.EXITED)
        .exclude(kind=OrgKind.COMMISSIONER)
        .order_by("code")
    )
    if not access.can_run_audits(actor) and actor.organisation is not None:
        creatable = creatable.filter(pk=actor.organisation.pk)
    can_create = access.can_create_action(actor)
    return render(
        request,
        "quality/actions.html",
        {
            "rows": [(a, a.is_overdue(today)) for a in listed],
            "count": len(listed),
            "by_partner": lists.by_partner(CorrectiveAction.objects.visible_to(actor), today),
            "filters": {"partner": partner, "status": status, "overdue": overdue},
            "statuses": ActionStatus.choices,
            "sources": SourceKind.choices,
            "partners": creatable if can_create else [],
            "people": _people(creatable) if can_create else [],
            "can_create": can_create,
            "errors": errors,
            "form": request.POST,
            "export_query": query_without(request, "format"),
        },
        status=422 if errors else 200,
    )


def _detail(request: HttpRequest, action: CorrectiveAction, **extra: Any) -> HttpResponse:
    actor = actor_of(request)
    today = timezone.localdate()
    status = 422 if extra.get("move_errors") or extra.get("change_errors") else 200
    nxt = {
        ActionStatus.NOT_STARTED: (ActionStatus.IN_PROGRESS, "Start it"),
        ActionStatus.IN_PROGRESS: (ActionStatus.COMPLETED, "Complete it"),
    }.get(ActionStatus(action.status))
    return render(
        request,
        "quality/action.html",
        {
            "action": action,
            "evidence": list(action.evidence.select_related("recorded_by")),
            "overdue": action.is_overdue(today),
            "can_progress": access.can_progress(actor, action),
            "next": nxt,
            "people": _people([action.organisation_id]),
            **extra,
        },
        status=status,
    )


@page
def action_detail(request: HttpRequest, ident: str) -> HttpResponse:
    actor = actor_of(request)
    return _detail(request, access.get_action_for_user(actor, ident))


@page
@require_POST
def action_move(request: HttpRequest, ident: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    action = access.get_action_for_user(actor, ident, write=True)
    try:
        actions.move_corrective_action(
            actor, action, to=request.POST.get("to", ""), evidence=request.POST.get("evidence", "")
        )
    except RuleViolation as exc:
        action.refresh_from_db()
        return _detail(request, action, move_errors=_messages(exc))
    messages.success(request, f"The action is now {action.get_status_display().lower()}.")
    return redirect("quality:action", action.uuid)


@page
@require_POST
def action_change(request: HttpRequest, ident: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    action = access.get_action_for_user(actor, ident, write=True)
    try:
        actions.change_corrective_action(
            actor,
            action,
            owner_person=_person(request.POST.get("owner", "")),
            due_on=_date(request.POST.get("due_on", "")),
            reason=request.POST.get("reason", ""),
        )
    except RuleViolation as exc:
        action.refresh_from_db()
        return _detail(request, action, change_errors=_messages(exc))
    messages.success(request, "The action's owner and due date are saved.")
    return redirect("quality:action", action.uuid)
