"""The cover report page: each day and pathway's duty lead, late cover, weekend stability
checks and high-risk caseloads, gaps first in each row (SPEC C4); CSV with `?format=csv`."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from seamline.network.access import refuse
from seamline.network.views.common import (
    HtmxHttpRequest,
    actor_of,
    csv_response,
    page,
    query_without,
    wants_csv,
)

from .. import access, cover, cover_report, rules
from ..forms import CoverFilterForm


def days_asked(data: dict[str, object]) -> tuple[date, date]:
    """The days a filter asks for: from/to, else the week, else this week."""
    first, last = data.get("first"), data.get("last")
    if isinstance(first, date) or isinstance(last, date):
        start = first if isinstance(first, date) else last
        end = last if isinstance(last, date) else first
        assert isinstance(start, date) and isinstance(end, date)
        return start, end
    week = data.get("week")
    if isinstance(week, str) and week:
        monday = rules.week_monday(week)
        return monday, monday + timedelta(days=6)
    return cover_report.default_days()


@page
def cover_page(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_schedule(actor):
        raise refuse(actor, "rota.cover", "cover")
    form = CoverFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    first, last = days_asked(data)
    pathway = data.get("pathway")
    organisation = data.get("organisation")
    found = cover_report.report(
        actor,
        first,
        last,
        pathway=pathway.code if pathway else None,
        organisation=organisation.code if organisation else None,
    )
    if wants_csv(request):
        return csv_response(
            f"cover-{found.first:%Y%m%d}-{found.last:%Y%m%d}.csv",
            cover_report.CSV_HEADER,
            found.csv_rows(),
        )
    context = {
        "form": form,
        "report": found,
        "by_check": [(cover.CHECK_LABELS[c], n) for c, n in found.by_check().items()],
        "query": query_without(request, "format"),
        "max_days": cover_report.MAX_DAYS,
    }
    return render(request, "rota/cover.html", context)


urlpatterns = [path("cover/", cover_page, name="cover")]
