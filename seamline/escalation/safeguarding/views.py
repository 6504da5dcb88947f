"""The safeguarding pages: the dashboard (filtered, CSV, weekly trend), raising a concern, a
concern with its notice, escalation, decision and follow-ups, the weekly triage page (the
week's concerns, untriaged first, each decided with HTMX) and the pathways' leads."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from seamline.access import Actor, ReadOnly
from seamline.cases.models import Participant
from seamline.errors import Conflict, RuleViolation
from seamline.network.access import refuse
from seamline.network.choices import Role
from seamline.network.models import Organisation, Pathway, User
from seamline.network.views.common import (
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from .. import timers
from ..choices import ConcernOutcome, ConcernState, Theme
from ..models import SafeguardingConcern, SafeguardingLead
from . import access, actions, chart, dashboard, rules
from .forms import DecisionForm, FilterForm, LeadForm, MeetingForm, RaiseForm

# Roles offered as triage attendees.
ATTENDEE_ROLES = (
    Role.QUALITY_LEAD,
    Role.NETWORK_ADMIN,
    Role.SUPERVISOR,
    Role.PARTNER_ADMIN,
    Role.COORDINATOR,
)


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


def _organisations() -> list[tuple[str, str]]:
    return list(Organisation.objects.order_by("name").values_list("code", "name"))


def _pathways() -> list[tuple[str, str]]:
    return list(Pathway.objects.order_by("name").values_list("code", "name"))


def _org(code: str) -> Organisation | None:
    return Organisation.objects.filter(code=code).first() if code else None


# --- the dashboard ----------------------------------------------------------------------------

CSV_THEMES = [str(t) for t in Theme.values]
CSV_OUTCOMES = [*ConcernOutcome.values, "open"]
CSV_HEADER = (
    "partner",
    "concerns",
    "same_day",
    "late",
    "pending",
    "same_day_rate",
    "triage_overdue",
    "la_needed",
    "police_needed",
    *(f"theme_{t}" for t in CSV_THEMES),
    *(f"outcome_{o}" for o in CSV_OUTCOMES),
)


def _csv_row(f: dashboard.Figures) -> tuple[object, ...]:
    return (
        f.partner,
        f.concerns,
        f.same_day,
        f.late,
        f.pending,
        "" if f.rate is None else f"{f.rate:.4f}",
        f.triage_overdue,
        f.la_needed,
        f.police_needed,
        *(f.themes.get(t, 0) for t in CSV_THEMES),
        *(f.outcomes.get(o, 0) for o in CSV_OUTCOMES),
    )


@page
def dashboard_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.safeguarding", "dashboard")
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tz = actions.network_zone()
    now = timezone.now()
    summary = dashboard.dashboard(actor, now, filters, tz)
    if wants_csv(request):
        rows = [_csv_row(f) for f in summary.by_partner]
        rows.append(_csv_row(summary.overall))
        return csv_response("safeguarding.csv", CSV_HEADER, rows)
    themes = [
        (label, [f.themes.get(value, 0) for f in summary.by_partner], summary.overall.themes[value])
        for value, label in Theme.choices
        if summary.overall.themes[value]
    ]
    outcomes = [
        (
            label,
            [f.outcomes.get(value, 0) for f in summary.by_partner],
            summary.overall.outcomes[value],
        )
        for value, label in dashboard.OUTCOME_LABELS.items()
        if summary.overall.outcomes[value]
    ]
    context = {
        "form": form,
        "summary": summary,
        "themes": themes,
        "outcomes": outcomes,
        "chart": chart.rate_svg(summary.trend),
        "may_raise": access.can_raise(actor),
        "may_triage": access.can_triage(actor),
        "export_query": query_without(request, "format"),
    }
    template = "escalation/safeguarding.html"
    if getattr(request, "htmx", False):
        template += "#results"
    return render(request, template, context)


# --- raising a concern ------------------------------------------------------------------------


@page
def raise_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.safeguarding", "raise")
    if not access.can_raise(actor):
        raise ReadOnly("Only people who record or work with participants raise concerns.")
    initial = {
        "participant": request.GET.get("participant", ""),
        "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
    }
    form = RaiseForm(request.POST or None, pathways=_pathways(), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = (
            Participant.objects.visible_to(actor).filter(code=data["participant"].upper()).first()
        )
        pathway = Pathway.objects.filter(code=data["pathway"]).first()
        if person is None or pathway is None:
            form.add_error("participant", "No participant you can see has that code.")
        else:
            try:
                concern = actions.raise_concern(
                    actor,
                    person,
                    pathway,
                    contact=data["contact"],
                    theme=data["theme"],
                    description=data["description"],
                    occurred_at=data["occurred_at"],
                )
                messages.success(
                    request,
                    f"Concern {concern.code} recorded; the pathway's safeguarding lead is told "
                    f"by {timezone.localtime(concern.notify_by):%d %b %H:%M}.",
                )
                return redirect("escalation:concern", code=concern.code)
            except RuleViolation as exc:
                add_violation(form, exc)
    return render(request, "escalation/safeguarding_raise.html", {"form": form})


# --- a concern --------------------------------------------------------------------------------


@page
def concern_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    concern = access.get_concern_for_user(actor, code)
    actions.record_read(actor, concern)
    now = timezone.now()
    decision = getattr(concern, "decision", None)
    tz = actions.network_zone()
    return render(
        request,
        "escalation/safeguarding_concern.html",
        {
            "c": concern,
            "decision": decision,
            "status": rules.notice_status(concern.lead_notified_at, concern.notify_by, now),
            "notices": list(concern.notifications.select_related("organisation")),
            "follow_ups": actions.follow_ups(concern),
            "week": _week_code(timers.week_start(max(now, concern.recorded_at), tz)),
            "may_triage": access.can_triage(actor, concern),
        },
    )


# --- weekly triage ----------------------------------------------------------------------------


def _week_code(week: date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def _people() -> list[tuple[str, str]]:
    rows = (
        User.objects.filter(
            memberships__ended_at__isnull=True,
            memberships__roles__revoked_at__isnull=True,
            memberships__roles__role__in=ATTENDEE_ROLES,
            is_active=True,
        )
        .values_list("username", "first_name", "last_name", "memberships__organisation__code")
        .order_by("memberships__organisation__code", "last_name", "username")
        .distinct()
    )
    return [
        (u, f"{f} {last} ({org})".strip() if f or last else f"{u} ({org})")
        for u, f, last, org in rows
    ]


def _week_of(request: HttpRequest, tz: Any) -> date:
    asked = request.GET.get("week") or request.POST.get("week") or ""
    week = actions.parse_week(asked) if asked else None
    return week or timers.week_start(timezone.now(), tz)


def _triage_rows(actor: Actor, week: date, tz: Any) -> list[SafeguardingConcern]:
    """The week's concerns: those waiting for triage recorded before the week ended (carried
    over until triaged), then those decided at its meeting; each by when it arose."""
    ends = actions.week_ends(week, tz)
    rows = (
        SafeguardingConcern.objects.visible_to(actor)
        .filter(Q(state=ConcernState.NEW, recorded_at__lt=ends) | Q(decision__meeting__week=week))
        .select_related(
            "participant",
            "organisation",
            "pathway",
            "decision__notifier_organisation",
            "decision__meeting",
        )
    )
    found = list(rows)
    found.sort(key=lambda c: (c.state != ConcernState.NEW, c.occurred_at, c.pk))
    return found


def _decision_initial(c: SafeguardingConcern) -> dict[str, Any]:
    d = getattr(c, "decision", None)
    if d is None:
        return {"version": c.version}

    def local(v: datetime | None) -> datetime | None:
        return timezone.localtime(v) if v else None

    return {
        "la_needed": "yes" if d.la_needed else "no",
        "police_needed": "yes" if d.police_needed else "no",
        "notifier_organisation": d.notifier_organisation.code if d.notifier_organisation else "",
        "notifier_role": d.notifier_role,
        "notify_due": local(d.notify_due),
        "notified_at": local(d.notified_at),
        "outcome": d.outcome,
        "notes": d.notes,
        "version": c.version,
    }


def _row_context(
    c: SafeguardingConcern,
    may: bool,
    organisations: list[tuple[str, str]],
    now: datetime,
    form: DecisionForm | None = None,
) -> dict[str, Any]:
    return {
        "c": c,
        "may_decide": may and c.state != ConcernState.CLOSED,
        "form": form or DecisionForm(initial=_decision_initial(c), organisations=organisations),
        "status": rules.notice_status(c.lead_notified_at, c.notify_by, now),
        "overdue": c.state == ConcernState.NEW and now >= c.triage_by,
    }


@page
def triage_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.safeguarding", "triage")
    tz = actions.network_zone()
    week = _week_of(request, tz)
    meeting = actions.meeting_for(week)
    concerns = _triage_rows(actor, week, tz)
    actions.record_listed(actor, [c.code for c in concerns])
    organisations = _organisations()
    may = access.triage_checker(actor)
    now = timezone.now()
    return render(
        request,
        "escalation/safeguarding_triage.html",
        {
            "week": week,
            "week_code": _week_code(week),
            "previous": _week_code(week - timedelta(days=7)),
            "next": _week_code(week + timedelta(days=7)),
            "meeting": meeting,
            "attendees": list(meeting.attendees.order_by("username")) if meeting else [],
            "rows": [_row_context(c, may(c), organisations, now) for c in concerns],
            "may_open": meeting is None and access.can_triage(actor),
            "meeting_form": MeetingForm(
                people=_people() if meeting is None else [],
                initial={"held_at": timezone.localtime().replace(second=0, microsecond=0)},
            ),
        },
    )


@require_POST
@page
def open_meeting_view(request: HttpRequest, week: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.safeguarding", "triage")
    if not access.can_triage(actor):
        raise ReadOnly("Only safeguarding leads and the prime's quality lead hold triage.")
    monday = actions.parse_week(week)
    form = MeetingForm(request.POST, people=_people())
    if monday is not None and form.is_valid():
        people = list(User.objects.filter(username__in=form.cleaned_data["attendees"]))
        try:
            actions.open_meeting(
                actor,
                monday,
                attendees=people,
                held_at=form.cleaned_data["held_at"],
                notes=form.cleaned_data["notes"],
            )
            messages.success(request, f"The triage meeting of week {_week_code(monday)} is open.")
        except RuleViolation as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "The meeting could not be opened: check the week and the time.")
    return redirect(f"{_triage_url()}?week={week}")


def _triage_url() -> str:
    return reverse("escalation:triage")


def _yes(value: str) -> bool:
    return value == "yes"


@require_POST
@page
def decide_view(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    concern = access.get_concern_for_user(actor, code, write=True)
    tz = actions.network_zone()
    week = _week_of(request, tz)
    organisations = _organisations()
    form = DecisionForm(request.POST, organisations=organisations)
    if form.is_valid():
        d = form.cleaned_data
        meeting = actions.meeting_for(week)
        follow_up = None
        if d["action_description"]:
            follow_up = actions.FollowUp(
                description=d["action_description"],
                organisation=_org(d["action_organisation"]) or concern.organisation,
                role=d["action_role"],
                due_at=d["action_due"],
            )
        try:
            if meeting is None:
                raise RuleViolation.one(
                    "no_meeting", "Open this week's triage meeting first.", "meeting"
                )
            actions.record_decision(
                actor,
                concern,
                meeting,
                la_needed=_yes(d["la_needed"]),
                police_needed=_yes(d["police_needed"]),
                notifier_organisation=_org(d["notifier_organisation"]),
                notifier_role=d["notifier_role"],
                notify_due=d["notify_due"],
                notified_at=d["notified_at"],
                outcome=d["outcome"],
                notes=d["notes"],
                follow_up=follow_up,
                version=d["version"],
            )
            concern = access.get_concern_for_user(actor, code)
            form = None  # type: ignore[assignment]
            status = 200
        except (Conflict, RuleViolation) as exc:
            add_violation(form, exc)
            status = 422
    else:
        status = 422
    if not getattr(request, "htmx", False) and status == 200:
        return redirect(f"{_triage_url()}?week={_week_code(week)}")
    context = {
        **_row_context(concern, True, organisations, timezone.now(), form),
        "week_code": _week_code(week),
    }
    template = "escalation/safeguarding_triage.html"
    if getattr(request, "htmx", False):
        template += "#row"
        return render(request, template, context, status=status)
    return render(
        request,
        "escalation/safeguarding_decide.html",
        context,
        status=status,
    )


# --- the pathways' leads ----------------------------------------------------------------------


@page
def leads_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list(actor):
        raise refuse(actor, "escalation.safeguarding", "leads")
    may_edit = access.can_keep_leads(actor)
    if request.method == "POST" and not may_edit:
        raise ReadOnly("Only the prime's quality lead or network admin sets safeguarding leads.")
    form = LeadForm(request.POST or None, pathways=_pathways(), organisations=_organisations())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        pathway = Pathway.objects.get(code=d["pathway"])
        org = _org(d["organisation"])
        assert org is not None
        try:
            actions.set_lead(actor, pathway, org, d["role"], reason=d["reason"])
            messages.success(request, f"The safeguarding lead of {pathway.name} is set.")
            return redirect("escalation:safeguarding_leads")
        except RuleViolation as exc:
            add_violation(form, exc)
    named = {
        lead.pathway_id: lead
        for lead in SafeguardingLead.objects.select_related("organisation", "changed_by")
    }
    rows = []
    for p in Pathway.objects.select_related("lead_organisation").order_by("name"):
        lead = named.get(p.pk)
        rows.append(
            (
                p,
                lead.organisation if lead else p.lead_organisation,
                Role(lead.role).label if lead else Role(access.DEFAULT_LEAD_ROLE).label,
                lead,
            )
        )
    return render(
        request,
        "escalation/safeguarding_leads.html",
        {"rows": rows, "form": form, "may_edit": may_edit},
    )


urlpatterns: list[URLPattern] = [
    path("safeguarding/", dashboard_view, name="safeguarding"),
    path("safeguarding/raise/", raise_view, name="concern_raise"),
    path("safeguarding/triage/", triage_view, name="triage"),
    path("safeguarding/triage/<str:week>/open/", open_meeting_view, name="triage_open"),
    path("safeguarding/leads/", leads_view, name="safeguarding_leads"),
    path("safeguarding/<str:code>/", concern_view, name="concern"),
    path("safeguarding/<str:code>/decide/", decide_view, name="concern_decide"),
]
