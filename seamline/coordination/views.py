"""The action pages: the actions a person and their organisation answer for, and completing
one. A later issue adds the huddle, sprint and plan views on the same model."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from seamline.cases.views.common import done, form_page
from seamline.errors import Conflict, RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import (
    actor_of,
    add_violation,
    page,
    query_without,
    rebind_with_version,
    require_writer,
)

from . import access, actions
from .forms import ActionFilterForm, CompleteForm
from .models import Action

PER_PAGE = 50


@page
def action_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_actions(actor):
        raise refuse(actor, "coordination.action_list", "actions")
    form = ActionFilterForm(request.GET or None)
    show = form.cleaned_data["show"] if form.is_valid() and form.cleaned_data["show"] else "mine"
    now = timezone.now()
    visible = Action.objects.visible_to(actor).select_related(
        "participant", "owner_organisation", "owner_person"
    )
    ours = visible.filter(owner_organisation=actor.organisation)
    if show == "mine":
        rows = visible.owned_by(actor).open()
    elif show == "overdue":
        rows = ours.overdue(now)
    elif show == "done":
        rows = ours.filter(completed_at__isnull=False).order_by("-completed_at")
    else:
        rows = ours.open()
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


app_name = "coordination"

urlpatterns: list[URLPattern] = [
    path("actions/", action_list, name="actions"),
    path("actions/<str:uuid>/complete/", action_complete, name="action_complete"),
]
