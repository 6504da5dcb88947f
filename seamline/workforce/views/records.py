"""Record-keeping pages of the workforce register: the worker list, adding and editing workers,
and the forms that record evidence, sign-offs, supervision, enhanced periods, placements,
delegation pauses, pathways and assessor designations (SPEC C3).

Every form calls one action in `workforce.actions`; a refusal comes back as form errors (each
rule's reason on the field it names). After a success the page returns to the worker's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone

from seamline.access import Actor, ReadOnly
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.network.choices import OrgKind
from seamline.network.models import Organisation, User
from seamline.network.views.common import (
    HtmxHttpRequest,
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)

from .. import access, actions
from ..forms import (
    AssessorForm,
    EnhancedForm,
    EvidenceForm,
    PathwayAssignForm,
    PauseForm,
    PauseLiftForm,
    PlacementForm,
    ReasonForm,
    SignOffForm,
    SupervisionHeldForm,
    SupervisionPlanForm,
    WorkerAddForm,
    WorkerEditForm,
    WorkerFilterForm,
)
from ..models import Evidence, Worker, WorkerPathway, WorkerQuerySet

PER_PAGE = 50


def worker_url(worker: Worker) -> str:
    """The worker's page (built with the authorization register), or the list until it is."""
    try:
        return reverse("workforce:worker", args=[str(worker.uuid)])
    except NoReverseMatch:
        return reverse("workforce:worker_list")


def _done(request: HttpRequest, worker: Worker, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(worker_url(worker))


# --- the worker list -------------------------------------------------------------------------


def workers_for(actor: Actor, form: WorkerFilterForm) -> WorkerQuerySet:
    """Workers `actor` sees (own organisation's, or every partner's for the prime and
    inspectors), filtered, with organisation and current pathways loaded in fixed queries."""
    workers = Worker.objects.visible_to(actor).select_related("organisation")
    if not access.sees_all_workers(actor) and actor.organisation is not None:
        workers = workers.filter(organisation=actor.organisation)
    if form.is_valid():
        data = form.cleaned_data
        if data["organisation"]:
            workers = workers.filter(organisation=data["organisation"])
        if data["employment_type"]:
            workers = workers.filter(employment_type=data["employment_type"])
        if data["status"]:
            workers = workers.filter(status=data["status"])
        if data["pathway"]:
            workers = workers.filter(
                pathways__pathway=data["pathway"], pathways__ended_on__isnull=True
            )
        if data["q"]:
            text = data["q"].strip()
            workers = workers.filter(
                Q(first_name__icontains=text)
                | Q(last_name__icontains=text)
                | Q(staff_id__icontains=text)
            )
    return workers.distinct().prefetch_related(
        Prefetch(
            "pathways",
            queryset=WorkerPathway.objects.filter(ended_on__isnull=True)
            .select_related("pathway")
            .order_by("pathway__code"),
            to_attr="current_pathways",
        )
    )


def _pathway_codes(worker: Worker) -> str:
    return ", ".join(p.pathway.code for p in getattr(worker, "current_pathways", []))


@page
def worker_list(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_see_worker_lists(actor):
        raise refuse(actor, "workforce.worker_list", "workers")
    form = WorkerFilterForm(
        request.GET or None, organisations=access.organisations_with_workers_for(actor)
    )
    workers = workers_for(actor, form)
    if wants_csv(request):
        return csv_response(
            "workers.csv",
            [
                "staff_id",
                "first_name",
                "last_name",
                "organisation",
                "employment_type",
                "role_group",
                "start_date",
                "placement_start",
                "status",
                "pathways",
            ],
            (
                [
                    w.staff_id,
                    w.first_name,
                    w.last_name,
                    w.organisation.code,
                    w.employment_type,
                    w.role_group,
                    w.start_date,
                    w.placement_start or "",
                    w.status,
                    _pathway_codes(w),
                ]
                for w in workers
            ),
        )
    paginator = Paginator(workers, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    rows = [(w, worker_url(w), _pathway_codes(w)) for w in page_obj.object_list]
    manageable = [
        org
        for org in access.organisations_with_workers_for(actor)
        if access.can_manage_workers(actor, org)
    ]
    context = {
        "form": form,
        "rows": rows,
        "page_obj": page_obj,
        "count": paginator.count,
        "query": query_without(request, "format", "page"),
        "can_add": bool(manageable),
    }
    if request.htmx:
        return render(request, "workforce/records/worker_list.html#results", context)
    return render(request, "workforce/records/worker_list.html", context)


# --- a generic form page ---------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    submit: str,
    worker: Worker | None = None,
    intro: str = "",
    extra: dict[str, Any] | None = None,
    template: str = "workforce/records/form.html",
) -> HttpResponse:
    back = worker_url(worker) if worker is not None else reverse("workforce:worker_list")
    context = {
        "form": form,
        "title": title,
        "submit": submit,
        "worker": worker,
        "intro": intro,
        "back": back,
        "back_label": worker.name if worker is not None else "Workers",
        **(extra or {}),
    }
    return render(request, template, context)


def _attempt(form: forms.Form, call: Callable[[], Any]) -> Any | None:
    """Run the action; on a refusal put its reasons on the form and answer None."""
    try:
        return call()
    except RuleViolation as exc:
        add_violation(form, exc)
        return None


def _pick(data: dict[str, Any], *names: str) -> dict[str, Any]:
    """The form's values of `names`, as keyword arguments of the action (its fields are named
    after the action's parameters)."""
    return {name: data[name] for name in names}


def _form_view(
    request: HttpRequest,
    form: forms.Form,
    act: Callable[[dict[str, Any]], Any],
    done: str | Callable[[Any], str],
    *,
    title: str,
    submit: str,
    worker: Worker | None = None,
    intro: str = "",
    template: str = "workforce/records/form.html",
    extra: Callable[[], dict[str, Any]] | None = None,
) -> HttpResponse:
    """The page of one record-keeping form, once the view has loaded and checked what it is
    about: on a valid POST `act(cleaned_data)` calls the action. When the action succeeds the
    page goes back to the worker's (`worker`, or the worker the action made) with the message
    `done` (or `done(result)`); when it refuses (or `act` answers None) the form is shown again
    with the reasons on the fields they name. `extra` adds to the form page's context, once
    the form is settled."""
    if request.method == "POST" and form.is_valid():
        result = _attempt(form, lambda: act(form.cleaned_data))
        if result is not None:
            message = done(result) if callable(done) else done
            return _done(request, worker or result, message)
    return _form_page(
        request,
        form,
        title=title,
        submit=submit,
        worker=worker,
        intro=intro,
        template=template,
        extra=extra() if extra is not None else None,
    )


def _writable_worker(actor: Actor, worker: str) -> Worker:
    require_writer(actor)
    return access.get_worker_for_user(actor, worker, write=True)


# --- workers ---------------------------------------------------------------------------------


@page
def worker_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    orgs = [
        org
        for org in access.organisations_with_workers_for(actor)
        if access.can_manage_workers(actor, org)
    ]
    if not orgs:
        raise ReadOnly(
            "Only a partner admin or supervisor, or the prime's network admin or quality lead, "
            "adds workers."
        )
    org_qs = Organisation.objects.filter(pk__in=[o.pk for o in orgs])
    supervisors = (
        Worker.objects.filter(status="active")
        .filter(Q(organisation__in=org_qs) | Q(organisation__kind=OrgKind.PRIME))
        .select_related("organisation")
        .order_by("organisation__code", "last_name")
    )
    initial = {"organisation": orgs[0].code} if len(orgs) == 1 else {}
    form = WorkerAddForm(
        request.POST or None, initial=initial, organisations=org_qs, supervisors=supervisors
    )

    def add(data: dict[str, Any]) -> Worker | None:
        account = None
        if data["username"]:
            account = User.objects.visible_to(actor).filter(username=data["username"]).first()
            if account is None:
                form.add_error("username", "Nobody you can see has this username.")
                return None
        return actions.add_worker(
            actor,
            data["organisation"],
            **_pick(data, "staff_id", "first_name", "last_name", "employment_type"),
            **_pick(data, "role_group", "start_date", "placement_start", "supervisor", "reason"),
            pathways=list(data["pathways"]),
            user=account,
        )

    return _form_view(
        request,
        form,
        add,
        lambda worker: f"{worker.name} is on the workforce register.",
        title="Add a worker",
        submit="Add the worker",
    )


@page
def worker_edit(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _writable_worker(actor, worker)
    initial = {f: getattr(someone, f) for f in WorkerEditForm.FIELDS}
    form = WorkerEditForm(request.POST or None, initial=initial)

    def save(data: dict[str, Any]) -> Worker:
        try:
            return actions.update_worker(
                actor, someone, form.changes(someone), reason=data["reason"]
            )
        except RuleViolation:
            someone.refresh_from_db()  # the page shows the worker as saved
            raise

    return _form_view(
        request,
        form,
        save,
        "The worker's details are saved.",
        title=f"Edit {someone.name}'s details",
        submit="Save",
        worker=someone,
    )


# --- evidence and sign-offs ------------------------------------------------------------------


@page
def evidence_new(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _writable_worker(actor, worker)
    return _form_view(
        request,
        EvidenceForm(request.POST or None),
        lambda data: actions.record_evidence(
            actor,
            someone,
            **_pick(data, "kind", "occurred_on", "competency", "pathway", "valid_until"),
            detail={"topics": list(data["topics"])} if data["topics"] else None,
            verified=data["verified"],
        ),
        "The evidence is recorded.",
        title=f"Record evidence for {someone.name}",
        submit="Record",
        worker=someone,
    )


def _evidence_found(worker: Worker, form: SignOffForm) -> tuple[list[tuple[Evidence, bool]], str]:
    """The worker's evidence of the competency chosen, each with whether it is in date at the
    signing instant (the form lists it so the signer sees what the sign-off rests on)."""
    data = form.data
    code = data.get("competency") or form.initial.get("competency")
    if not code:
        return [], ""
    competency = (
        form.fields["competency"].queryset.filter(code=code).first()  # type: ignore[attr-defined]
    )
    if competency is None:
        return [], ""
    signed_at = timezone.now()
    if form.is_bound and form.is_valid():
        signed_at = form.cleaned_data["signed_at"]
    pathway_code = data.get("pathway") or form.initial.get("pathway") or ""
    pathway = (
        form.fields["pathway"].queryset.filter(code=pathway_code).first()  # type: ignore[attr-defined]
        if pathway_code
        else None
    )
    found = actions.evidence_for_sign_off(
        worker, competency, signed_at, pathway, in_date_only=False
    )
    return [(e, actions.in_date(e, signed_at)) for e in found], competency.title


@page
def sign_off_new(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    someone = access.get_worker_for_sign_off(actor, worker)
    initial: dict[str, Any] = {"signed_at": timezone.localtime().replace(second=0, microsecond=0)}
    for name in ("competency", "stage", "pathway"):  # links from the worker's page
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = SignOffForm(request.POST or None, initial=initial, worker=someone)

    def evidence() -> dict[str, Any]:
        found, competency_title = _evidence_found(someone, form)
        return {"found": found, "competency_title": competency_title}

    return _form_view(
        request,
        form,
        lambda data: actions.sign_off_stage(
            actor,
            someone,
            data["competency"],
            data["stage"],
            **_pick(data, "signer", "signed_at", "pathway"),
        ),
        lambda done: (
            f"{done.competency.title} is signed off at {done.stage}; review due "
            f"{done.review_due:%d %b %Y}."
        ),
        title=f"Sign off a stage for {someone.name}",
        submit="Sign off",
        worker=someone,
        template="workforce/records/sign_off_form.html",
        extra=evidence,
    )


@page
def sign_off_revoke(request: HttpRequest, sign_off: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    record = access.get_sign_off_for_user(actor, sign_off, write=True)
    return _form_view(
        request,
        ReasonForm(request.POST or None),
        lambda data: actions.revoke_sign_off(actor, record, reason=data["reason"]),
        "The sign-off is revoked.",
        title=f"Revoke {record.competency.title} at {record.stage}",
        intro=f"Signed by {record.signer.name} on {record.signed_at:%d %b %Y}.",
        submit="Revoke the sign-off",
        worker=record.worker,
    )


@page
def assessor_new(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _writable_worker(actor, worker)
    return _form_view(
        request,
        AssessorForm(request.POST or None),
        lambda data: actions.designate_assessor(
            actor, someone, data["competency"], designated_on=data["designated_on"]
        ),
        f"{someone.name} is a designated assessor.",
        title=f"Designate {someone.name} as an assessor",
        intro="A designated assessor may sign off the competency without holding it at "
        "independent.",
        submit="Designate",
        worker=someone,
    )


# --- supervision, enhanced periods, placements ------------------------------------------------


@page
def supervision_new(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _writable_worker(actor, worker)
    return _form_view(
        request,
        SupervisionPlanForm(request.POST or None, worker=someone),
        lambda data: actions.plan_supervision(
            actor, someone, **_pick(data, "supervisor", "planned_for", "kind")
        ),
        "The supervision session is planned.",
        title=f"Plan supervision for {someone.name}",
        submit="Plan",
        worker=someone,
    )


@page
def supervision_held(request: HttpRequest, session: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    record = access.get_session_for_user(actor, session, write=True)
    return _form_view(
        request,
        SupervisionHeldForm(
            request.POST or None, initial={"held_on": timezone.localdate(), "notes": record.notes}
        ),
        lambda data: actions.record_supervision_held(
            actor, record, **_pick(data, "held_on", "notes")
        ),
        "The session is recorded as held.",
        title="Record a supervision session as held",
        intro=f"{record.get_kind_display()} supervision of {record.worker.name} by "
        f"{record.supervisor.name}, planned for {record.planned_for:%d %b %Y}.",
        submit="Record as held",
        worker=record.worker,
    )


@page
def enhanced_new(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _writable_worker(actor, worker)
    return _form_view(
        request,
        EnhancedForm(request.POST or None, worker=someone),
        lambda data: actions.start_enhanced_period(
            actor, someone, **_pick(data, "supervisor", "starts_on", "reason")
        ),
        lambda done: f"Enhanced supervision runs until {done.ends_on:%d %b %Y}.",
        title=f"Start enhanced supervision for {someone.name}",
        submit="Start",
        worker=someone,
    )


@page
def placement_new(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _writable_worker(actor, worker)
    return _form_view(
        request,
        PlacementForm(request.POST or None, worker=someone),
        lambda data: actions.start_placement(
            actor, someone, **_pick(data, "placement_start", "supervisor")
        ),
        "The new placement has started.",
        title=f"Start a new placement for {someone.name}",
        intro="The evidence bundle starts afresh: only evidence dated from the placement start "
        "counts, and an enhanced-supervision period begins.",
        submit="Start the placement",
        worker=someone,
    )


# --- delegation pauses and pathways -----------------------------------------------------------


@page
def pause_new(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _writable_worker(actor, worker)
    return _form_view(
        request,
        PauseForm(request.POST or None, worker=someone),
        lambda data: actions.pause_delegation(
            actor, someone, data["task_type"], **_pick(data, "reason", "supervisor")
        ),
        lambda done: (
            f"Delegation is paused; remedial supervision is due by {done.remedial_due:%d %b %Y}."
        ),
        title=f"Pause a delegated task for {someone.name}",
        submit="Pause delegation",
        worker=someone,
    )


@page
def pause_lift(request: HttpRequest, pause: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    record = access.get_pause_for_user(actor, pause, write=True)
    initial = {"remedial_session": record.remedial_session.uuid} if record.remedial_session else {}
    return _form_view(
        request,
        PauseLiftForm(request.POST or None, initial=initial, worker=record.worker),
        lambda data: actions.lift_pause(
            actor, record, **_pick(data, "remedial_session", "observed_practice")
        ),
        "Delegation has resumed.",
        title=f"Lift the pause of {record.task_type.title}",
        intro=f"Paused since {record.started_at:%d %b %Y}: it lifts once the remedial "
        "supervision is held and a new observed practice is recorded.",
        submit="Lift the pause",
        worker=record.worker,
    )


@page
def pathway_assign(request: HttpRequest, worker: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _writable_worker(actor, worker)
    return _form_view(
        request,
        PathwayAssignForm(request.POST or None),
        lambda data: actions.assign_pathway(
            actor, someone, data["pathway"], **_pick(data, "started_on", "reason")
        ),
        lambda done: (
            f"{someone.name} works on {done.pathway.name}; pathway-specific "
            "competencies need re-signing for it."
        ),
        title=f"Assign a pathway to {someone.name}",
        submit="Assign",
        worker=someone,
    )


urlpatterns: list[URLPattern] = [
    path("workers/", worker_list, name="worker_list"),
    path("workers/new/", worker_new, name="worker_new"),
    path("workers/<str:worker>/edit/", worker_edit, name="worker_edit"),
    path("workers/<str:worker>/evidence/new/", evidence_new, name="evidence_new"),
    path("workers/<str:worker>/sign-offs/new/", sign_off_new, name="sign_off_new"),
    path("sign-offs/<str:sign_off>/revoke/", sign_off_revoke, name="sign_off_revoke"),
    path("workers/<str:worker>/assessor/new/", assessor_new, name="assessor_new"),
    path("workers/<str:worker>/supervision/new/", supervision_new, name="supervision_new"),
    path("supervision/<str:session>/held/", supervision_held, name="supervision_held"),
    path("workers/<str:worker>/enhanced/new/", enhanced_new, name="enhanced_new"),
    path("workers/<str:worker>/placement/new/", placement_new, name="placement_new"),
    path("workers/<str:worker>/pauses/new/", pause_new, name="pause_new"),
    path("pauses/<str:pause>/lift/", pause_lift, name="pause_lift"),
    path("workers/<str:worker>/pathways/assign/", pathway_assign, name="pathway_assign"),
]
