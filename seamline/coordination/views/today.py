"""The coordinator's "Today" page: caseload, huddles due, sprints with steps due, plan reviews
and acknowledgements waiting, and their own actions due (`coordination.today`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from seamline.cases.actions import record_listed
from seamline.network.access import refuse
from seamline.network.views.common import actor_of, page

from .. import access, today


@page
def today_page(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_today(actor):
        raise refuse(actor, "coordination.today", "today")
    found = today.load(actor)
    record_listed(actor, "participant", [r.participant.code for r in found.caseload], via="today")
    return render(request, "coordination/today.html", {"t": found})
