"""The plan pages: the plan as it stands (or as of an instant), its history with diffs, the
edit form, acknowledging a version, completing a review, a follow-up action from a version,
and the acknowledgement lists (waiting for my organisation; overdue, filterable, as CSV)."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from seamline.cases.views.common import done, form_page
from seamline.errors import Conflict, RuleViolation
from seamline.network.access import refuse
from seamline.network.models import Organisation
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

from . import access, actions, lists, rules
from .forms import (
    AcknowledgeForm,
    AcknowledgementFilterForm,
    AsOfForm,
    FollowUpForm,
    PlanForm,
    ReviewForm,
    content_as_text,
)
from .models import Acknowledgement, Plan, PlanVersion

PER_PAGE = 50


def _when(at: datetime) -> str:
    return f"{timezone.localtime(at):%d %b %H:%M}"


def _changes(version: PlanVersion) -> list[rules.Change]:
    return [rules.Change.from_dict(c) for c in version.changes]


@page
def plan_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    participant = access.get_participant_for_plan(actor, code)
    plan = Plan.objects.filter(participant=participant).first()
    form = AsOfForm(request.GET or None)
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    now = timezone.now()
    version = None
    pending = []
    mine = None
    review = None
    if plan is not None:
        actions.record_read(actor, plan, "page")
        version = plan.version_at(as_of) if as_of else plan.current()
        review = plan.reviews.filter(completed_at__isnull=True).first()
        if version is not None:
            pending = list(
                version.acknowledgements.select_related("organisation", "acknowledged_by")
            )
            mine = next(
                (
                    a
                    for a in pending
                    if a.acknowledged_at is None and access.can_acknowledge(actor, a)
                ),
                None,
            )
    context = {
        "participant": participant,
        "plan": plan,
        "version": version,
        "as_of": as_of,
        "form": form,
        "acknowledgements": [(a, a.is_overdue(now)) for a in pending],
        "mine": mine,
        "review": review,
        "review_overdue": review is not None and review.is_overdue(now),
        "may_revise": access.can_revise(actor),
        "may_set_actions": access.can_set_actions(actor),
    }
    return render(request, "plans/plan.html", context)


@page
def plan_history(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    plan = access.get_plan_for_user(actor, code)
    actions.record_read(actor, plan, "history")
    now = timezone.now()
    versions = list(
        plan.versions.select_related("author", "author_organisation").order_by("-number")
    )
    acks: dict[int, list[tuple[Acknowledgement, bool]]] = {}
    for ack in (
        Acknowledgement.objects.filter(version__plan=plan)
        .select_related("organisation", "acknowledged_by")
        .order_by("organisation__code")
    ):
        acks.setdefault(ack.version_id, []).append((ack, ack.is_overdue(now)))
    citing = actions.actions_citing(plan)
    context = {
        "plan": plan,
        "participant": plan.participant,
        "rows": [(v, _changes(v), acks.get(v.pk, []), citing.get(v.ref, [])) for v in versions],
        "reviews": list(
            plan.reviews.select_related("opened_by", "completed_by").order_by("-opened_at")
        ),
    }
    return render(request, "plans/history.html", context)


@page
def plan_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    participant = access.get_participant_for_plan(actor, code, write=True)
    plan = Plan.objects.filter(participant=participant).first()
    current = plan.current() if plan is not None else None
    read = plan.version if plan is not None else 0
    back = reverse("plans:plan", args=[participant.code])
    initial = {**content_as_text(current.content if current else {}), "version": read}
    form = PlanForm(request.POST or None, initial=initial)
    saved_now = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            written = actions.revise_plan(
                actor,
                participant,
                content=form.content(),
                reason=data["reason"],
                version=data["version"],
            )
            return done(request, back, f"Version {written.number} of the plan is saved.")
        except Conflict as exc:
            # Keep everything typed; show what is saved now so the writer can merge by hand.
            plan = Plan.objects.get(participant=participant)
            saved_now = plan.current()
            form = rebind_with_version(PlanForm, request, plan.version)
            add_violation(form, exc)
        except RuleViolation as exc:
            add_violation(form, exc)
    return form_page(
        request,
        form,
        title="Change the plan" if current else "Write the plan",
        submit="Save a new version",
        back=back,
        back_label=f"Plan of {participant.code}",
        caption=f"{participant.code} · version {read}" if current else participant.code,
        intro=_saved_now_text(saved_now)
        or "Each change is a new version: say why. Those whose work changes are asked to "
        "acknowledge it within 24 hours.",
    )


def _saved_now_text(version: PlanVersion | None) -> str:
    if version is None:
        return ""
    text = content_as_text(version.content)
    return (
        f"Saved since you opened the form: version {version.number} by {version.author_label}"
        f" ({version.reason}). Risks: {text['risks'] or 'none'}. Controls: "
        f"{text['controls'] or 'none'}. Preferences: {text['preferences'] or 'none'}. "
        f"Consent: {text['consent_summary'] or 'none'}."
    )


@page
def acknowledge(request: HttpRequest, code: str, number: int) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    ack = access.get_acknowledgement_for_user(actor, code, number, write=True)
    back = reverse("plans:plan", args=[ack.version.plan.participant.code])
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.acknowledge(actor, ack)
            return done(
                request, back, f"{ack.organisation.name} has acknowledged version {number}."
            )
        except RuleViolation as exc:
            add_violation(form, exc)
    changes = " ".join(c.sentence for c in _changes(ack.version))
    return form_page(
        request,
        form,
        title=f"Acknowledge version {number}",
        submit="Acknowledge",
        back=back,
        back_label="Plan",
        caption=f"{ack.version.plan.participant.code} · due {_when(ack.due_at)}",
        intro=f"What changed: {changes}",
    )


@page
def review_complete(request: HttpRequest, code: str, uuid: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    review = access.get_review_for_user(actor, code, uuid, write=True)
    back = reverse("plans:plan", args=[review.plan.participant.code])
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.complete_review(actor, review, outcome=form.cleaned_data["outcome"])
            return done(request, back, "The plan review is recorded.")
        except RuleViolation as exc:
            add_violation(form, exc)
    return form_page(
        request,
        form,
        title="Complete the plan review",
        submit="Record the review",
        back=back,
        back_label="Plan",
        caption=f"{review.plan.participant.code} · due {_when(review.due_at)}",
        intro=f"Opened by version {review.opened_by.number}: {review.opened_by.reason}",
    )


@page
def follow_up(request: HttpRequest, code: str, number: int) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    version = access.get_version_for_user(actor, code, number)
    if not access.can_set_actions(actor):
        raise refuse(actor, "plans.follow_up", version.ref)
    participant = version.plan.participant
    in_care = actions.care_organisations(participant)
    back = reverse("plans:history", args=[participant.code])
    form = FollowUpForm(request.POST or None, organisations=sorted(in_care.items()))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_follow_up(
                actor,
                version,
                description=data["description"],
                owner_organisation=Organisation.objects.get(code=data["owner_organisation"]),
                owner_role=data["owner_role"],
                due_at=data["due_at"],
            )
            return done(request, back, f"The action cites {version.ref}.")
        except RuleViolation as exc:
            add_violation(form, exc)
    return form_page(
        request,
        form,
        title="Follow-up action from this version",
        submit="Set the action",
        back=back,
        back_label="Plan history",
        caption=version.ref,
        intro=version.reason,
    )


CSV_HEADER = (
    "participant",
    "version",
    "organisation",
    "because",
    "due_at",
    "overdue",
    "acknowledged_at",
)


@page
def acknowledgement_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_acknowledgements(actor):
        raise refuse(actor, "plans.acknowledgement_list", "acknowledgements")
    form = AcknowledgementFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    show = data.get("show") or "waiting"
    now = timezone.now()
    rows = lists.acknowledgements(
        actor,
        show,
        now,
        organisation=data.get("organisation", ""),
        participant=data.get("participant", ""),
    )
    if wants_csv(request):
        return csv_response(
            f"plan-acknowledgements-{show}.csv",
            CSV_HEADER,
            (
                (
                    a.version.plan.participant.code,
                    a.version.number,
                    a.organisation.code,
                    " ".join(a.because),
                    timezone.localtime(a.due_at).isoformat(timespec="minutes"),
                    "yes" if a.is_overdue(now) else "no",
                    "",
                )
                for a in rows
            ),
        )
    paginator = Paginator(rows, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "show": show,
        "rows": [(a, a.is_overdue(now)) for a in page_obj.object_list],
        "page_obj": page_obj,
        "count": paginator.count,
        "query": query_without(request, "page"),
        "export_query": query_without(request, "page", "format"),
    }
    return render(request, "plans/acknowledgements.html", context)
