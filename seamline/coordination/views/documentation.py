"""The 24-hour documentation standard's pages: a participant's contact and daily records with
the form that writes one (HTMX: the list and form are swapped in place), the compliance
report (by partner, by worker, by week as a chart; period filter, CSV) and the late records
a supervisor looks at."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.access import get_participant_for_user
from seamline.cases.models import Participant
from seamline.errors import RuleViolation
from seamline.network.models import Organisation
from seamline.network.views.common import (
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from .. import access, actions, chart, documentation, rules
from ..forms import DocumentationFilterForm, RecordForm
from ..models import Record

DEFAULT_WEEKS = 8


def _records_context(actor: Actor, participant: Participant, form: RecordForm) -> dict[str, Any]:
    rows = list(
        Record.objects.filter(participant=participant)
        .select_related("organisation", "author")
        .order_by("-occurred_at", "-id")[:200]
    )
    return {
        "participant": participant,
        "rows": [(r, rules.documented_on_time(r.occurred_at, r.recorded_at)) for r in rows],
        "form": form,
        "may_write": access.can_write_records(actor) and not participant.is_merged,
        "window_hours": rules.DOCUMENTATION_HOURS,
    }


@page
def records(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the records, newest first; POST: write one (HTMX swaps the section in place)."""
    actor = actor_of(request)
    participant = get_participant_for_user(actor, code)
    htmx = bool(getattr(request, "htmx", False))
    template = "coordination/records.html" + ("#records" if htmx else "")
    form = RecordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_writer(actor)
        if participant.is_merged:
            return redirect("coordination:records", participant.merged_into.code)  # type: ignore[union-attr]
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.write_record(
                    actor,
                    participant,
                    kind=data["kind"] or "",
                    occurred_at=data["occurred_at"],
                    text=data["text"] or "",
                )
            except RuleViolation as exc:
                add_violation(form, exc)
                status = 422 if not htmx else 200
            else:
                if not htmx:
                    return redirect("coordination:records", participant.code)
                form = RecordForm()
        else:
            status = 422 if not htmx else 200
    actions.record_records_read(actor, participant, via="htmx" if htmx else "page")
    return render(request, template, _records_context(actor, participant, form), status=status)


def _day_start(value: date | None) -> datetime | None:
    if value is None:
        return None
    return timezone.make_aware(datetime.combine(value, time.min))


def _period(form: DocumentationFilterForm) -> documentation.Period:
    """The filter's days (from the first, to the second not included); the last eight weeks
    to the end of today when no day is given."""
    data = form.cleaned_data if form.is_valid() else {}
    since, until = data.get("since"), data.get("until")
    if since is None and until is None:
        today = timezone.localdate()
        monday = today - timedelta(days=today.weekday())
        since = monday - timedelta(weeks=DEFAULT_WEEKS - 1)
        until = today + timedelta(days=1)
    return documentation.Period(_day_start(since), _day_start(until))


def _organisation(
    scope: access.DocumentationScope, form: DocumentationFilterForm
) -> Organisation | None:
    """The scope's organisation, or for the network scope the partner filtered on."""
    if not scope.network:
        return scope.organisation
    code = (form.cleaned_data.get("partner") or "").strip().lower() if form.is_valid() else ""
    if not code:
        return None
    found = Organisation.objects.filter(code=code).first()
    if found is None:
        form.add_error("partner", "There is no partner with this code.")
    return found


PARTNER_HEADER = ("partner", "partner_name", "records", "on_time", "late", "share")
WORKER_HEADER = (
    "partner",
    "partner_name",
    "name",
    "staff_id",
    "records",
    "on_time",
    "late",
    "share",
)


@page
def compliance(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    scope = access.require_documentation_scope(actor)
    form = DocumentationFilterForm(request.GET or None)
    period = _period(form)
    organisation = _organisation(scope, form)
    report = documentation.compliance(period, organisation)
    data = documentation.report_json(report)
    if wants_csv(request):
        by_worker = request.GET.get("by") == "worker"
        header = WORKER_HEADER if by_worker else PARTNER_HEADER
        rows = data["by_worker"] if by_worker else data["by_partner"]
        return csv_response(
            f"documentation-by-{'worker' if by_worker else 'partner'}.csv",
            header,
            ([r[k] for k in header] for r in rows),
        )
    context = {
        "form": form,
        "scope": scope,
        "report": report,
        "chart": chart.weekly_svg(report.weeks),
        "window_hours": rules.DOCUMENTATION_HOURS,
        "export_query": query_without(request, "format", "by"),
        "since": period.since,
        "until_shown": period.until - timedelta(days=1) if period.until else None,
    }
    return render(request, "coordination/documentation.html", context)


LATE_HEADER = (
    "kind",
    "participant",
    "partner",
    "author",
    "author_name",
    "occurred_at",
    "recorded_at",
    "hours_late",
)


@page
def late_records(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    scope = access.require_documentation_scope(actor)
    form = DocumentationFilterForm(request.GET or None)
    period = _period(form)
    rows = documentation.late_records(period, _organisation(scope, form))
    actions.record_late_list_read(
        actor, sorted({r.participant for r in rows}), via="csv" if wants_csv(request) else "page"
    )
    if wants_csv(request):
        return csv_response(
            "late-records.csv",
            LATE_HEADER,
            ([documentation.late_json(r)[k] for k in LATE_HEADER] for r in rows),
        )
    context = {
        "form": form,
        "scope": scope,
        "rows": rows,
        "window_hours": rules.DOCUMENTATION_HOURS,
        "export_query": query_without(request, "format"),
    }
    return render(request, "coordination/late_records.html", context)
