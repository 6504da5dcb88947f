"""The action pages: the actions a person and their organisation answer for (filtered by what
to show, source and participant; exported as CSV), and completing one."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.views.common import done, form_page
from seamline.errors import Conflict, RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import (
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    rebind_with_version,
    require_writer,
    wants_csv,
)

from .. import access, actions
from ..forms import ActionFilterForm, CompleteForm
from ..models import Action, ActionQuerySet

PER_PAGE = 50


def chosen_actions(actor: Actor, show: str, now: datetime) -> ActionQuerySet:
    """The actions a list shows: `mine`, `mine_overdue`, `organisation`, `overdue` (the
    organisation's) or `done` (the organisation's)."""
    visible = Action.objects.visible_to(actor).select_related(
        "participant", "owner_organisation", "owner_person"
    )
    ours = visible.filter(owner_organisation=actor.organisation)
    if show == "mine":
        return visible.owned_by(actor).open()
    if show == "mine_overdue":
        return visible.owned_by(actor).overdue(now)
    if show == "overdue":
        return ours.overdue(now)
    if show == "done":
        return ours.filter(completed_at__isnull=False).order_by("-completed_at")
    return ours.open()


CSV_HEADER = (
    "action",
    "participant",
    "description",
    "owner_organisation",
    "owner",
    "due_at",
    "overdue",
    "source",
    "source_ref",
    "completed_at",
)


@page
def action_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_actions(actor):
        raise refuse(actor, "coordination.action_list", "actions")
    form = ActionFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    show = data.get("show") or "mine"
    now = timezone.now()
    rows = chosen_actions(actor, show, now)
    if data.get("source"):
        rows = rows.filter(source=data["source"])
    if data.get("participant"):
        rows = rows.filter(participant__code=data["participant"].strip().upper())
    if wants_csv(request):
        return csv_response(
            f"actions-{show}.csv",
            CSV_HEADER,
            (
                (
                    a.uuid,
                    a.participant.code,
                    a.description,
                    a.owner_organisation.code,
                    a.owner_person.username if a.owner_person else a.owner_role,
                    timezone.localtime(a.due_at).isoformat(timespec="minutes"),
                    "yes" if a.is_overdue(now) else "no",
                    a.source,
                    a.source_ref,
                    timezone.localtime(a.completed_at).isoformat(timespec="minutes")
                    if a.completed_at
                    else "",
                )
                for a in rows
            ),
        )
    paginator = Paginator(rows, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "show": show,
        "rows": [
            (a, a.is_overdue(now), access.can_complete(actor, a)) for a in page_obj.object_list
        ],
        "page_obj": page_obj,
        "count": paginator.count,
        "query": query_without(request, "page"),
        "export_query": query_without(request, "page", "format"),
    }
    return render(request, "coordination/action_list.html", context)


@page
def action_complete(request: HttpRequest, uuid: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    action = access.get_action_for_user(actor, uuid, write=True)
    back = reverse("coordination:actions")
    form = CompleteForm(request.POST or None, initial={"version": action.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.complete_action(actor, action, note=data["note"], version=data["version"])
            return done(request, back, "The action is marked done.")
        except Conflict as exc:
            action.refresh_from_db()
            form = rebind_with_version(CompleteForm, request, action.version)
            add_violation(form, exc)
        except RuleViolation as exc:
            add_violation(form, exc)
    return form_page(
        request,
        form,
        title="Complete an action",
        submit="Mark done",
        back=back,
        back_label="Actions",
        caption=f"{action.participant.code} · due {timezone.localtime(action.due_at):%d %b %H:%M}",
        intro=action.description,
    )
