"""The receiving team's inbox and the sender's outbox: what waits, for how long, how complete,
with filters and a CSV export (SPEC C6). Both list only what the person may see; every page
and export is one read in the audit log naming the handoffs shown."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone

from seamline.network.access import refuse
from seamline.network.views.common import (
    HtmxHttpRequest,
    actor_of,
    csv_response,
    page,
    query_without,
    wants_csv,
)

from .. import access
from ..forms import BoxFilterForm
from ..lists import BoxFilters, inbox_for, outbox_for, record_listed
from ..models import BundleTemplate
from .common import Row, hours, iso, rows_for

PER_PAGE = 50
CSV_HEADER = [
    "code",
    "state",
    "template",
    "template_version",
    "sender",
    "receiver",
    "referral",
    "participant",
    "completeness",
    "missing_mandatory",
    "sent_at",
    "waited_hours",
    "overdue",
    "accepted_at",
    "time_to_acceptance_hours",
    "rejection_reason",
]


def _filters(form: BoxFilterForm) -> BoxFilters:
    if not form.is_valid():
        return BoxFilters()
    data = form.cleaned_data
    return BoxFilters(
        state=data["state"] or "",
        template=data["template"] or "",
        partner=data["partner"],
        overdue=bool(data["overdue"]),
        below=data["below"],
        mismatch=bool(data["mismatch"]),
    )


def _csv_row(row: Row) -> list[object]:
    h = row.handoff
    return [
        h.code,
        h.state,
        h.template.transition,
        h.template_version.number,
        h.sender_organisation.code,
        h.receiving_organisation.code,
        h.referral.code,
        h.referral.participant.code,
        h.completeness,
        row.missing_mandatory,
        iso(h.first_sent_at),
        row.waited_hours if row.waited_hours is not None else "",
        "yes" if row.overdue else "no",
        iso(h.accepted_at),
        hours(h.time_to_acceptance) or "",
        h.rejection_reason,
    ]


def _box(request: HtmxHttpRequest, outbox: bool) -> HttpResponse:
    actor = actor_of(request)
    name = "outbox" if outbox else "inbox"
    if not access.sees_handoffs(actor):
        raise refuse(actor, f"handoffs.{name}", name)
    form = BoxFilterForm(request.GET or None, outbox=outbox)
    now = timezone.now()
    finder = outbox_for if outbox else inbox_for
    handoffs = finder(actor, _filters(form), now)
    if wants_csv(request):
        rows = rows_for(list(handoffs), now)
        record_listed(actor, [r.handoff.code for r in rows], via="csv")
        return csv_response(f"handoff-{name}.csv", CSV_HEADER, (_csv_row(r) for r in rows))
    paginator = Paginator(handoffs, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    rows = rows_for(list(page_obj.object_list), now)
    record_listed(actor, [r.handoff.code for r in rows])
    context = {
        "outbox": outbox,
        "form": form,
        "rows": rows,
        "page_obj": page_obj,
        "count": paginator.count,
        "query": query_without(request, "format", "page"),
        "can_hand_over": access.is_staff(actor),
        "templates_loaded": BundleTemplate.objects.exists(),
    }
    if request.htmx:
        return render(request, "handoffs/box.html#results", context)
    return render(request, "handoffs/box.html", context)


@page
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    return _box(request, outbox=False)


@page
def outbox(request: HtmxHttpRequest) -> HttpResponse:
    return _box(request, outbox=True)


urlpatterns: list[URLPattern] = [
    path("inbox/", inbox, name="inbox"),
    path("outbox/", outbox, name="outbox"),
]
