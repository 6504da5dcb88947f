"""Participant pages: the list (search, filters, CSV), the participant's page, registering and
editing, identifiers, consent, risk flags and declined workers (SPEC C5).

Every participant is loaded through `cases.access` (404 when out of sight, whether or not it
exists); every read of a record, every page of the list and every export is in the audit log.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from seamline.access import ReadOnly
from seamline.errors import Conflict, RuleViolation
from seamline.network.access import refuse
from seamline.network.views.common import (
    HtmxHttpRequest,
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    rebind_with_version,
    require_writer,
    wants_csv,
)
from seamline.workforce.models import Worker

from .. import access, actions, rules
from ..choices import ConsentScope
from ..forms import (
    ConsentForm,
    DeclineForm,
    FlagForm,
    LocalIdForm,
    ParticipantEditForm,
    ParticipantFilterForm,
    ParticipantNewForm,
    ResolveForm,
    WithdrawForm,
)
from ..lists import ParticipantFilters, participants_for
from ..models import (
    CareTeamMember,
    Consent,
    DeclinedWorker,
    Merge,
    Ownership,
    Participant,
    Referral,
)
from ..risk import is_high_risk
from .common import PER_PAGE, attempt, done, form_page

CSV_HEADER = [
    "code",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "nhs_number",
    "medicaid_state",
    "medicaid_id",
    "high_risk",
    "open_pathways",
    "owners",
]


def _plan_url(participant: Participant) -> str | None:
    """The participant's care plan page, when the plans app is installed (the page is seen
    exactly when the participant is)."""
    if not apps.is_installed("seamline.plans"):
        return None
    return reverse("plans:plan", args=[participant.code])


def participant_url(participant: Participant) -> str:
    return reverse("cases:participant", args=[participant.code])


def _open_summary(participant: Participant) -> tuple[str, str]:
    referrals = getattr(participant, "open_referrals", [])
    pathways = ", ".join(dict.fromkeys(r.pathway.code for r in referrals))
    owners = ", ".join(dict.fromkeys(r.owner_organisation.code for r in referrals))
    return pathways, owners


# --- the list --------------------------------------------------------------------------------


def _filters(form: ParticipantFilterForm) -> ParticipantFilters:
    if not form.is_valid():
        return ParticipantFilters()
    data = form.cleaned_data
    return ParticipantFilters(
        q=data["q"] or "",
        pathway=data["pathway"],
        risk=data["risk"] or "",
        organisation=data["organisation"],
    )


@page
def participant_list(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_participants(actor):
        raise refuse(actor, "cases.participant_list", "participants")
    form = ParticipantFilterForm(request.GET or None)
    participants = participants_for(actor, _filters(form))
    if wants_csv(request):
        rows = list(participants)
        actions.record_listed(actor, "participant", [p.code for p in rows], via="csv")
        return csv_response(
            "participants.csv",
            CSV_HEADER,
            (
                [
                    p.code,
                    p.given_name,
                    p.family_name,
                    p.date_of_birth,
                    p.postcode,
                    p.nhs_number,
                    p.medicaid_state,
                    p.medicaid_id,
                    "yes" if p.high_risk else "no",  # type: ignore[attr-defined]
                    *_open_summary(p),
                ]
                for p in rows
            ),
        )
    paginator = Paginator(participants, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    shown = list(page_obj.object_list)
    actions.record_listed(actor, "participant", [p.code for p in shown])
    context = {
        "form": form,
        "rows": [(p, *_open_summary(p)) for p in shown],
        "page_obj": page_obj,
        "count": paginator.count,
        "query": query_without(request, "format", "page"),
        "can_register": access.can_register(actor),
    }
    if request.htmx:
        return render(request, "cases/participant_list.html#results", context)
    return render(request, "cases/participant_list.html", context)


# --- one participant ---------------------------------------------------------------------------


@page
def participant_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    participant = access.get_participant_for_user(actor, code)
    if participant.is_merged:
        survivor = access.survivor_of(participant)
        messages.info(request, f"{participant.code} was merged into {survivor.code}.")
        return redirect(participant_url(survivor))
    actions.record_participant_read(actor, participant)
    now = timezone.now()
    consents = list(
        Consent.objects.filter(participant=participant)
        .select_related("recorded_by")
        .prefetch_related("organisations")
        .order_by("-recorded_at", "-id")
    )
    current = participant.current_consent
    current_facts = actions.consent_facts(current)
    flags = list(
        participant.flags.select_related("source_organisation", "raised_by").order_by(
            "resolved_at", "-raised_at"
        )
    )
    referrals = list(
        Referral.objects.filter(participant=participant)
        .select_related("pathway", "owner_organisation", "owner_person", "receiving_organisation")
        .order_by("-received_at")
    )
    ownerships = list(
        Ownership.objects.filter(referral__participant=participant)
        .with_end()
        .select_related("referral", "organisation", "person", "by")
        .order_by("-referral__received_at", "-seq")
    )
    care_team = list(
        CareTeamMember.objects.active(now)
        .filter(participant=participant)
        .select_related("organisation", "referral")
        .order_by("organisation__name", "reason")
    )
    context = {
        "participant": participant,
        "medicaid_note": rules.medicaid_note(participant.medicaid_state)
        if participant.medicaid_id
        else "",
        "local_ids": participant.local_ids.select_related("organisation"),
        "consent": current,
        "consent_orgs": sorted(o.name for o in current.organisations.all()) if current else [],
        "sharing": rules.sharing_at(current_facts, now),
        "consents": consents,
        "flags": flags,
        "high_risk": is_high_risk(participant, now),
        "declined": DeclinedWorker.objects.filter(
            participant=participant, withdrawn_at__isnull=True
        ).select_related("worker__organisation"),
        "referrals": referrals,
        "care_team": care_team,
        "ownerships": ownerships,
        "merges": Merge.objects.filter(survivor=participant, unmerged_at__isnull=True)
        .select_related("absorbed", "merged_by")
        .order_by("-merged_at"),
        "can_record": access.can_record(actor),
        "can_flag": access.can_raise_flags(actor),
        "can_refer": access.can_register(actor),
        "plan_url": _plan_url(participant),
        "can_review": access.can_review_duplicates(actor),
        "now": now,
    }
    return render(request, "cases/participant.html", context)


@page
def participant_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    if not access.can_register(actor):
        raise ReadOnly(
            "Only coordinators, supervisors, partner admins, quality leads and the network "
            "admin register participants."
        )
    form = ParticipantNewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = attempt(form, lambda: actions.register_participant(actor, **data))
        if created is not None:
            return done(
                request,
                participant_url(created),
                f"{created.name} is registered as {created.code}. Record the referral next.",
            )
    return form_page(
        request,
        form,
        title="Register a participant",
        submit="Register",
        back=reverse("cases:participants"),
        back_label="Participants",
        intro="Search the participant list first: the person may already be known to your "
        "organisation.",
    )


@page
def participant_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    participant = access.get_participant_for_user(actor, code, write=True)
    initial: dict[str, Any] = {f: getattr(participant, f) for f in ParticipantEditForm.FIELDS}
    initial["version"] = participant.version
    form = ParticipantEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {f: data[f] for f in ParticipantEditForm.FIELDS}
        try:
            actions.update_participant(
                actor, participant, changes, version=data["version"], reason=data["reason"]
            )
        except Conflict as exc:
            participant.refresh_from_db()
            form = rebind_with_version(
                ParticipantEditForm, request, participant.version, initial=initial
            )
            add_violation(form, exc)
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            return done(request, participant_url(participant), "The record is saved.")
    return form_page(
        request,
        form,
        title=f"Edit {participant.code}",
        submit="Save",
        back=participant_url(participant),
        back_label=participant.name,
        caption=participant.code,
    )


@page
def local_id_new(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    participant = access.get_participant_for_user(actor, code, write=True)
    form = LocalIdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = attempt(
            form, lambda: actions.add_local_id(actor, participant, form.cleaned_data["value"])
        )
        if saved is not None:
            return done(request, participant_url(participant), "Your id is recorded.")
    org = actor.organisation.name if actor.organisation else ""
    return form_page(
        request,
        form,
        title=f"Record {org}'s id for {participant.code}",
        submit="Record",
        back=participant_url(participant),
        back_label=participant.name,
        intro="Your organisation's own case or client number: it lets your caseload list be "
        "matched to the register exactly.",
    )


# --- consent ----------------------------------------------------------------------------------


@page
def consent_change(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    participant = access.get_participant_for_user(actor, code, write=True)
    current = participant.current_consent
    initial: dict[str, Any] = {
        "scope": current.scope if current else ConsentScope.ALL_INVOLVED,
        "organisations": [o.code for o in current.organisations.all()] if current else [],
        "valid_from": timezone.localdate(),
        "version": participant.version,
    }
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(
            form,
            lambda: actions.record_consent(
                actor,
                participant,
                scope=data["scope"],
                organisations=list(data["organisations"]),
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                note=data["note"],
                version=data["version"],
            ),
        )
        if saved is not None:
            return done(request, participant_url(participant), "The new consent is recorded.")
    return form_page(
        request,
        form,
        title=f"Record consent to share for {participant.code}",
        submit="Record consent",
        back=participant_url(participant),
        back_label=participant.name,
        intro="The new record takes the place of the current one; the history keeps both.",
    )


@page
def consent_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    participant = access.get_participant_for_user(actor, code, write=True)
    form = WithdrawForm(request.POST or None, initial={"version": participant.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(
            form,
            lambda: actions.withdraw_consent(
                actor, participant, note=data["note"], version=data["version"]
            ),
        )
        if saved is not None:
            return done(
                request,
                participant_url(participant),
                "Consent is withdrawn: only the organisations that own the care see the record.",
            )
    return form_page(
        request,
        form,
        title=f"Withdraw consent to share for {participant.code}",
        submit="Withdraw consent",
        back=participant_url(participant),
        back_label=participant.name,
        intro="From now on only the organisations that own an open case see this record.",
    )


# --- risk flags and declined workers ------------------------------------------------------------


@page
def flag_new(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    participant = access.get_participant_for_user(actor, code)
    if not access.can_raise_flags(actor):
        raise ReadOnly("Your roles do not raise risk flags.")
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(form, lambda: actions.raise_flag(actor, participant, **data))
        if saved is not None:
            return done(request, participant_url(participant), "The risk flag is raised.")
    return form_page(
        request,
        form,
        title=f"Raise a risk flag for {participant.code}",
        submit="Raise the flag",
        back=participant_url(participant),
        back_label=participant.name,
    )


@page
def flag_resolve(request: HttpRequest, flag: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_flag_for_user(actor, flag, write=True)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = attempt(
            form,
            lambda: actions.resolve_flag(actor, found, resolution=form.cleaned_data["resolution"]),
        )
        if saved is not None:
            return done(request, participant_url(found.participant), "The flag is resolved.")
    return form_page(
        request,
        form,
        title=f"Resolve the {found.get_kind_display().lower()} flag",
        submit="Resolve",
        back=participant_url(found.participant),
        back_label=found.participant.code,
        intro=f"Raised {timezone.localtime(found.raised_at):%d %b %Y %H:%M}, severity "
        f"{found.severity}.",
    )


@page
def decline_new(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    participant = access.get_participant_for_user(actor, code, write=True)
    workers = (
        Worker.objects.visible_to(actor)
        .filter(status="active")
        .select_related("organisation")
        .order_by("organisation__code", "last_name", "first_name")
    )
    form = DeclineForm(request.POST or None, workers=workers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = attempt(
            form,
            lambda: actions.decline_worker(
                actor, participant, data["worker"], reason=data["reason"]
            ),
        )
        if saved is not None:
            return done(
                request,
                participant_url(participant),
                f"{data['worker'].name} will not be assigned to {participant.code}.",
            )
    return form_page(
        request,
        form,
        title=f"A worker {participant.code} declines",
        submit="Record",
        back=participant_url(participant),
        back_label=participant.name,
        intro="The rota will not assign this worker to the participant.",
    )


@page
def decline_withdraw(request: HttpRequest, declined: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    found = access.get_declined_for_user(actor, declined, write=True)
    if request.method == "POST":
        actions.withdraw_decline(actor, found, reason=request.POST.get("reason", ""))
        return done(
            request, participant_url(found.participant), "The worker is no longer declined."
        )
    return redirect(participant_url(found.participant))


urlpatterns: list[URLPattern] = [
    path("participants/", participant_list, name="participants"),
    path("participants/new/", participant_new, name="participant_new"),
    path("participants/<str:code>/", participant_detail, name="participant"),
    path("participants/<str:code>/edit/", participant_edit, name="participant_edit"),
    path("participants/<str:code>/local-ids/new/", local_id_new, name="local_id_new"),
    path("participants/<str:code>/consent/", consent_change, name="consent"),
    path("participants/<str:code>/consent/withdraw/", consent_withdraw, name="consent_withdraw"),
    path("participants/<str:code>/flags/new/", flag_new, name="flag_new"),
    path("flags/<str:flag>/resolve/", flag_resolve, name="flag_resolve"),
    path("participants/<str:code>/declined/new/", decline_new, name="decline_new"),
    path("declined/<str:declined>/withdraw/", decline_withdraw, name="decline_withdraw"),
]
