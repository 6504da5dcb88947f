"""The incident pages: the list (filterable by partner, theme and severity, counts by theme,
CSV), reporting one, and the incident with its links, learning actions and the cross-agency
timeline of the participant's events around it. Every page showing incidents is a read of
personal data and goes in the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from seamline.access import ReadOnly
from seamline.cases.models import Participant
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.choices import OrgStatus
from seamline.network.models import Organisation
from seamline.network.views.common import (
    actor_of,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from .. import access, actions_incidents, lists, rules_incidents, timeline
from ..choices import IncidentSeverity, IncidentTheme, LinkKind
from ..models import Incident
from .corrective import _date, _messages, _people, _person

LIST_LIMIT = 500


def _when(raw: str) -> datetime | None:
    """A `datetime-local` value (the network's time zone) as an aware instant."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _partners() -> Any:
    return (
        Organisation.objects.exclude(status=OrgStatus.EXITED)
        .exclude(kind__in=actions_incidents.PROVIDER_EXCLUDED_KINDS)
        .order_by("name")
    )


def _links_from(post: Any) -> list[tuple[str, str]]:
    """One reference per line or comma in each link field of the form."""
    found = []
    for kind in LinkKind.values:
        for part in post.get(f"link_{kind}", "").replace(",", "\n").splitlines():
            if part.strip():
                found.append((kind, part.strip()))
    return found


@page
def incident_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_incidents(actor):
        raise refuse(actor, "quality.incidents", "")
    filters = {
        "partner": request.GET.get("partner", "").strip(),
        "theme": request.GET.get("theme", "").strip(),
        "severity": request.GET.get("severity", "").strip(),
    }
    rows = lists.incidents(actor, **filters)
    if wants_csv(request):
        listed = list(rows)
        actions_incidents.record_listed(actor, [i.code for i in listed], via="csv")
        return csv_response(
            "incidents.csv", lists.INCIDENT_CSV_HEADER, (lists.incident_csv_row(i) for i in listed)
        )
    listed = list(rows[:LIST_LIMIT])
    actions_incidents.record_listed(actor, [i.code for i in listed])
    return render(
        request,
        "quality/incidents.html",
        {
            "rows": listed,
            "count": len(listed),
            "by_theme": lists.incident_by_theme(rows),
            "filters": filters,
            "partners": _partners(),
            "themes": IncidentTheme.choices,
            "severities": IncidentSeverity.choices,
            "can_report": access.can_report_incident(actor),
            "export_query": query_without(request, "format"),
        },
    )


@page
def incident_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_report_incident(actor):
        raise refuse(actor, "quality.incidents.report", "")
    errors: list[str] = []
    form: Any = request.GET
    if request.method == "POST":
        require_writer(actor)
        form = request.POST
        code = form.get("participant", "").strip().upper()
        participant = (
            Participant.objects.visible_to(actor).filter(code=code).first() if code else None
        )
        try:
            made = actions_incidents.report_incident(
                actor,
                participant=participant,
                organisation=Organisation.objects.filter(
                    code=form.get("organisation", "").strip().lower()
                ).first(),
                theme=form.get("theme", ""),
                severity=form.get("severity", ""),
                occurred_at=_when(form.get("occurred_at", "")),
                reported_at=_when(form.get("reported_at", "")) if form.get("reported_at") else None,
                description=form.get("description", ""),
                links=_links_from(form),
            )
        except RuleViolation as exc:
            errors = _messages(exc)
        else:
            messages.success(request, f"Incident {made.code} reported.")
            return redirect("quality:incident", made.code)
    return render(
        request,
        "quality/incident_new.html",
        {
            "form": form,
            "errors": errors,
            "partners": _partners(),
            "themes": IncidentTheme.choices,
            "severities": IncidentSeverity.choices,
            "link_kinds": LinkKind.choices,
        },
        status=422 if errors else 200,
    )


def _window_days(request: HttpRequest) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        raw = request.GET.get(name, "")
        return int(raw) if raw.isdigit() else default

    return (
        number("before", rules_incidents.DAYS_BEFORE),
        number("after", rules_incidents.DAYS_AFTER),
    )


def _detail(request: HttpRequest, incident: Incident, **extra: Any) -> HttpResponse:
    actor = actor_of(request)
    before, after = _window_days(request)
    start, end = rules_incidents.window(incident.occurred_at, before, after)
    events = timeline.load(actor, incident.participant, start, end)
    lanes = timeline.lanes(events)
    actions_incidents.record_read(actor, incident)
    learning = actions_incidents.learning_actions(actor, incident)
    can_learn = access.can_add_learning(actor, incident)
    status = 422 if extra.get("link_errors") or extra.get("learning_errors") else 200
    today = timezone.localdate()
    return render(
        request,
        "quality/incident.html",
        {
            "incident": incident,
            "links": list(
                incident.links.select_related(
                    "handoff",
                    "escalation",
                    "worker__organisation",
                    "plan_version__plan__participant",
                    "added_by",
                )
            ),
            "events": [(e, [lane.code == e.organisation for lane in lanes]) for e in events],
            "lanes": lanes,
            "window": {"start": start, "end": end, "before": before, "after": after},
            "learning": [(a, a.is_overdue(today)) for a in learning],
            "can_link": access.can_report_incident(actor),
            "can_learn": can_learn,
            "people": _people([incident.organisation_id]) if can_learn else [],
            "link_kinds": LinkKind.choices,
            **extra,
        },
        status=status,
    )


@page
def incident_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    return _detail(request, access.get_incident_for_user(actor, code))


@page
@require_POST
def incident_link(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    incident = access.get_incident_for_user(actor, code, write=True)
    try:
        link = actions_incidents.link_record(
            actor,
            incident,
            kind=request.POST.get("kind", ""),
            ref=request.POST.get("ref", ""),
            note=request.POST.get("note", ""),
        )
    except RuleViolation as exc:
        return _detail(request, incident, link_errors=_messages(exc))
    messages.success(request, f"Linked {link.get_kind_display().lower()} {link.reference}.")
    return redirect("quality:incident", incident.code)


@page
@require_POST
def incident_learning(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    incident = access.get_incident_for_user(actor, code)
    if not access.can_add_learning(actor, incident):
        raise ReadOnly("The network's quality lead, or the partner's managers, raise its actions.")
    try:
        made = actions_incidents.raise_learning_action(
            actor,
            incident,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
            owner_person=_person(request.POST.get("owner", "")),
            due_on=_date(request.POST.get("due_on", "")),
        )
    except RuleViolation as exc:
        return _detail(request, incident, learning_errors=_messages(exc))
    messages.success(request, "Learning action raised.")
    return redirect("quality:action", made.uuid)
