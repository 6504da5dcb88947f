"""The joint caseload huddle: cohorts, a cohort's roster and huddle log, one huddle with its
attendance and decisions, and recording a decision (an owned action with source huddle).

Every list starts from the participants the viewer sees, so each partner reads the shared
roster through its own access."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from seamline.access import NETWORK_ROLES
from seamline.cases.access import get_participant_for_user
from seamline.cases.models import CareTeamMember, Participant
from seamline.cases.views.common import attempt, done, form_page
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation, User
from seamline.network.views.common import actor_of, page, require_writer

from .. import access, actions, duty, huddle, rules
from ..forms import AttendanceForm, CohortForm, DecisionForm, MemberForm
from ..models import Cohort, CohortMember, Decision


@page
def cohort_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_huddles(actor):
        raise refuse(actor, "coordination.cohorts", "cohorts")
    visible = duty.participants_for(actor).values("pk")
    cohorts = []
    for cohort in Cohort.objects.select_related("organisation"):
        members = CohortMember.objects.current().filter(cohort=cohort, participant__in=visible)
        last = cohort.huddles.first()
        cohorts.append((cohort, members.count(), last, huddle.on_time(actor, cohort)))
    context = {"cohorts": cohorts, "may_run": access.can_run_huddles(actor)}
    return render(request, "coordination/cohort_list.html", context)


@page
def cohort_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_run_huddles(actor):
        raise refuse(actor, "coordination.cohort", "new")
    back = reverse("coordination:cohorts")
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = attempt(form, lambda: actions.create_cohort(actor, **form.cleaned_data))
        if made is not None:
            return done(
                request, reverse("coordination:cohort", args=[made.code]), "The cohort is set up."
            )
    return form_page(
        request,
        form,
        title="New huddle cohort",
        submit="Create the cohort",
        back=back,
        back_label="Huddles",
        caption="Joint caseload huddle",
        intro="High-acuity cohorts meet daily; others two or three times a week.",
    )


@page
def cohort_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    cohort = access.get_cohort_for_user(actor, code)
    now = timezone.now()
    rows = huddle.roster(actor, cohort, now)
    today = timezone.localdate(now)
    # Meeting days of the last two weeks (since the cohort began; not today, which is not over)
    # without a huddle.
    since = max(today - timedelta(days=14), timezone.localdate(cohort.created_at))
    held = set(cohort.huddles.filter(held_on__gte=since).values_list("held_on", flat=True))
    context = {
        "cohort": cohort,
        "meets_today": rules.meets_on(cohort.cadence, today),
        "missed": rules.missed_meetings(cohort.cadence, held, since, today - timedelta(days=1)),
        "rows": rows,
        "huddles": cohort.huddles.select_related("chair")[:20],
        "on_time": huddle.on_time(actor, cohort, now),
        "may_run": access.can_run_huddles(actor),
        "today": today,
    }
    return render(request, "coordination/cohort_detail.html", context)


@page
def cohort_add(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    cohort = access.get_cohort_for_user(actor, code, write=True)
    require_writer(actor)
    back = reverse("coordination:cohort", args=[cohort.code])
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = (
            Participant.objects.visible_to(actor)
            .filter(code=form.cleaned_data["participant"].strip().upper())
            .first()
        )
        if found is None:
            form.add_error("participant", "There is no participant with that code you can see.")
        elif attempt(form, lambda: actions.add_to_cohort(actor, cohort, found)) is not None:
            return done(request, back, f"{found.code} is in {cohort.name}.")
    return form_page(
        request,
        form,
        title=f"Add to {cohort.name}",
        submit="Add",
        back=back,
        back_label=cohort.name,
        caption="Joint caseload huddle",
    )


@require_POST
@page
def cohort_remove(request: HttpRequest, code: str, participant: str) -> HttpResponse:
    actor = actor_of(request)
    cohort = access.get_cohort_for_user(actor, code, write=True)
    require_writer(actor)
    found = get_participant_for_user(actor, participant)
    try:
        actions.remove_from_cohort(actor, cohort, found)
        messages.success(request, f"{found.code} is no longer in {cohort.name}.")
    except RuleViolation as exc:
        messages.error(request, " ".join(r.message for r in exc.reasons))
    return redirect("coordination:cohort", cohort.code)


@require_POST
@page
def huddle_start(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    cohort = access.get_cohort_for_user(actor, code, write=True)
    require_writer(actor)
    try:
        meeting = actions.start_huddle(actor, cohort)
    except RuleViolation as exc:
        messages.error(request, " ".join(r.message for r in exc.reasons))
        return redirect("coordination:cohort", cohort.code)
    return redirect("coordination:huddle", meeting.uuid)


@page
def huddle_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    actor = actor_of(request)
    meeting = access.get_huddle_for_user(actor, uuid)
    may_run = access.can_run_huddles(actor)
    form = None
    if may_run:
        form = AttendanceForm(request.POST or None)
        people = duty.people_holding(
            Organisation.objects.filter(status="active"), NETWORK_ROLES - {"inspector"}
        )
        form.fields["people"].choices = [  # type: ignore[attr-defined]
            (str(u.uuid), u.display_name) for u in people
        ]
        if request.method == "POST":
            require_writer(actor)
            if form.is_valid():
                chosen = list(User.objects.filter(uuid__in=form.cleaned_data["people"]))
                if attempt(form, lambda: actions.record_attendance(actor, meeting, chosen)):
                    return done(request, request.path, "Attendance is recorded.")
    visible = duty.participants_for(actor).values("pk")
    decisions = (
        Decision.objects.filter(huddle=meeting, participant__in=visible)
        .select_related(
            "participant", "action__owner_organisation", "action__owner_person", "recorded_by"
        )
        .order_by("recorded_at", "id")
    )
    context = {
        "huddle": meeting,
        "cohort": meeting.cohort,
        "attendance": meeting.attendance.select_related("person", "organisation"),
        "decisions": decisions,
        "rows": huddle.roster(actor, meeting.cohort),
        "form": form,
        "may_run": may_run,
    }
    return render(request, "coordination/huddle.html", context)


def _owner_choices(participant: Participant) -> tuple[list[Organisation], list[User]]:
    codes = (
        CareTeamMember.objects.active().filter(participant=participant).values("organisation_id")
    )
    organisations = list(Organisation.objects.filter(pk__in=codes).order_by("name"))
    return organisations, duty.people_holding(organisations)


@page
def decision_new(request: HttpRequest, uuid: str, code: str) -> HttpResponse:
    actor = actor_of(request)
    meeting = access.get_huddle_for_user(actor, uuid, write=True)
    require_writer(actor)
    participant = get_participant_for_user(actor, code)
    back = reverse("coordination:huddle", args=[meeting.uuid])
    organisations, people = _owner_choices(participant)
    form = DecisionForm(
        request.POST or None,
        initial={
            "owner_organisation": actor.organisation.code if actor.organisation else "",
            "due_at": timezone.localtime() + timedelta(days=1),
        },
    )
    form.fields["owner_organisation"].choices = [  # type: ignore[attr-defined]
        (o.code, o.name) for o in organisations
    ]
    form.fields["owner_person"].choices = [  # type: ignore[attr-defined]
        ("", "Nobody named: the role owns it"),
        *((str(u.uuid), u.display_name) for u in people),
    ]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner_org = next(o for o in organisations if o.code == data["owner_organisation"])
        owner = next((u for u in people if str(u.uuid) == data["owner_person"]), None)
        made = attempt(
            form,
            lambda: actions.record_decision(
                actor,
                meeting,
                participant,
                decision=data["decision"],
                owner_organisation=owner_org,
                owner_person=owner,
                owner_role=data["owner_role"],
                due_at=data["due_at"],
            ),
        )
        if made is not None:
            return done(request, back, f"The decision for {participant.code} is recorded.")
    return form_page(
        request,
        form,
        title=f"Decision for {participant.code}",
        submit="Record the decision",
        back=back,
        back_label=f"Huddle of {meeting.held_on:%d %b}",
        caption=f"{meeting.cohort.name} · {participant.name}",
        intro="The decision becomes an owned action: name the organisation and the person or "
        "role who does it, and when it is due.",
    )
