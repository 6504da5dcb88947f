"""The referral register: the list (filters, CSV), recording a referral, the referral's page with
its ownership history and "who owned it then?", first contact, discharge and reassignment
(SPEC C5, section 3). A referral is seen exactly when its participant is."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from seamline.access import Actor, ReadOnly
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.errors import Conflict, RuleViolation
from seamline.network.access import refuse
from seamline.network.choices import OrgStatus
from seamline.network.models import Organisation, User
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

from .. import access, actions, rules
from ..choices import OWNER_ROLES
from ..forms import (
    DischargeForm,
    FirstContactForm,
    OwnerAtForm,
    ReassignForm,
    ReferralFilterForm,
    ReferralForm,
)
from ..lists import ReferralFilters, first_contact_standards, referrals_for
from ..models import Ownership, Participant, Referral
from .common import PER_PAGE, attempt, done, form_page
from .participants import participant_url

CSV_HEADER = [
    "referral",
    "participant",
    "pathway",
    "referrer_organisation",
    "referrer_name",
    "receiving_organisation",
    "received_at",
    "first_contact_at",
    "discharged_at",
    "outcome",
    "owner_organisation",
    "owner_person",
    "long_wait",
]


def referral_url(referral: Referral) -> str:
    return reverse("cases:referral", args=[referral.code])


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


def possible_owners(organisations: QuerySet[Organisation]) -> QuerySet[User]:
    """Current members of these organisations holding a role that answers for a case."""
    return (
        User.objects.filter(
            memberships__ended_at__isnull=True,
            memberships__organisation__in=organisations,
            memberships__roles__role__in=OWNER_ROLES,
            memberships__roles__revoked_at__isnull=True,
        )
        .distinct()
        .with_current_membership()
        .order_by("last_name", "first_name", "username")
    )


def _routing_organisations(actor: Actor) -> QuerySet[Organisation]:
    """Where `actor` may record referrals to and name owners in: their own organisation, or
    every active partner for the lead of a pathway (the prime routes referrals)."""
    active = Organisation.objects.filter(status=OrgStatus.ACTIVE)
    if actor.organisation is None:
        return active.none()
    if actor.organisation.led_pathways.exists():
        return active
    return active.filter(pk=actor.organisation.pk)


# --- the register ------------------------------------------------------------------------------


def _filters(form: ReferralFilterForm) -> ReferralFilters:
    if not form.is_valid():
        return ReferralFilters()
    data = form.cleaned_data
    return ReferralFilters(
        q=data["q"] or "",
        pathway=data["pathway"],
        owner=data["owner"],
        state=data["state"] or "",
        received_from=data["received_from"],
        received_to=data["received_to"],
    )


def _long_wait(referral: Referral, standards: dict[int, int], now: datetime) -> bool:
    return rules.is_long_wait(
        received_at=referral.received_at,
        first_contact_at=referral.first_contact_at,
        discharged_at=referral.discharged_at,
        standard_hours=standards.get(referral.pathway_id),
        at=now,
    )


@page
def referral_list(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not access.can_list_participants(actor):
        raise refuse(actor, "cases.referral_list", "referrals")
    form = ReferralFilterForm(request.GET or None)
    now = timezone.now()
    referrals = referrals_for(actor, _filters(form), now)
    standards = first_contact_standards()
    if wants_csv(request):
        rows = list(referrals)
        actions.record_listed(actor, "referral", [r.code for r in rows], via="csv")
        return csv_response(
            "referrals.csv",
            CSV_HEADER,
            (
                [
                    r.code,
                    r.participant.code,
                    r.pathway.code,
                    r.referrer_organisation.code if r.referrer_organisation else "",
                    r.referrer_name,
                    r.receiving_organisation.code,
                    _iso(r.received_at),
                    _iso(r.first_contact_at),
                    _iso(r.discharged_at),
                    r.outcome,
                    r.owner_organisation.code if r.owner_organisation else "",
                    r.owner_person.username if r.owner_person else "",
                    "yes" if _long_wait(r, standards, now) else "no",
                ]
                for r in rows
            ),
        )
    paginator = Paginator(referrals, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    shown = list(page_obj.object_list)
    actions.record_listed(actor, "referral", [r.code for r in shown])
    context = {
        "form": form,
        "rows": [(r, _long_wait(r, standards, now)) for r in shown],
        "page_obj": page_obj,
        "count": paginator.count,
        "query": query_without(request, "format", "page"),
        "can_register": access.can_register(actor),
    }
    if request.htmx:
        return render(request, "cases/referral_list.html#results", context)
    return render(request, "cases/referral_list.html", context)


# --- recording a referral --------------------------------------------------------------------


@page
def referral_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    if not access.can_register(actor):
        raise ReadOnly(
            "Only coordinators, supervisors, partner admins, quality leads and the network "
            "admin record referrals."
        )
    organisations = _routing_organisations(actor)
    initial: dict[str, Any] = {
        "received_at": timezone.localtime().replace(second=0, microsecond=0),
        "participant": request.GET.get("participant", ""),
    }
    if actor.organisation is not None:
        initial["receiving_organisation"] = actor.organisation.code
    form = ReferralForm(
        request.POST or None,
        initial=initial,
        receiving=organisations,
        owners=possible_owners(organisations),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        participant = (
            Participant.objects.visible_to(actor)
            .filter(code=data["participant"].strip().upper())
            .first()
        )
        if participant is None:
            form.add_error("participant", "No participant you can see has this code.")
        else:
            owner: User = data["owner_person"]
            membership = owner.current_membership()
            created = attempt(
                form,
                lambda: actions.create_referral(
                    actor,
                    participant,
                    pathway=data["pathway"],
                    receiving_organisation=data["receiving_organisation"],
                    received_at=data["received_at"],
                    owner_person=owner,
                    owner_organisation=membership.organisation if membership else None,
                    referrer_organisation=data["referrer_organisation"],
                    referrer_name=data["referrer_name"],
                ),
            )
            if created is not None:
                return done(
                    request,
                    referral_url(created),
                    f"Referral {created.code} is recorded, owned by {owner.display_name}.",
                )
    return form_page(
        request,
        form,
        title="Record a referral",
        submit="Record the referral",
        back=reverse("cases:referrals"),
        back_label="Referral register",
        intro="Record the moment your organisation had the referral in its hands, not when it "
        "was sent. An open referral always has a named owner.",
    )


# --- one referral ------------------------------------------------------------------------------


def _owner_answer(referral: Referral, at: datetime | None) -> dict[str, Any] | None:
    if at is None:
        return None
    found = actions.owner_at(referral, at)
    return {"at": at, "ownership": found}


@page
def referral_detail(request: HtmxHttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    referral = access.get_referral_for_user(actor, code)
    form = OwnerAtForm(request.GET or None)
    answer = _owner_answer(referral, form.cleaned_data["at"]) if form.is_valid() else None
    if request.htmx and "at" in request.GET:
        return render(
            request,
            "cases/referral.html#owner-at",
            {"referral": referral, "owner_form": form, "answer": answer},
        )
    record(actor, "referral.read", referral, kind=EntryKind.READ)
    now = timezone.now()
    standards = first_contact_standards()
    history = list(
        Ownership.objects.filter(referral=referral)
        .with_end()
        .select_related("organisation", "person", "by")
        .order_by("seq")
    )
    context = {
        "referral": referral,
        "participant": referral.participant,
        "history": history,
        "standard_hours": standards.get(referral.pathway_id),
        "long_wait": _long_wait(referral, standards, now),
        "can_work": access.can_work_referral(actor, referral),
        "can_reassign": access.can_reassign(actor) and referral.is_open,
        "hand_over": _hand_over_link(actor, referral),
        "owner_form": form,
        "answer": answer,
    }
    return render(request, "cases/referral.html", context)


def _hand_over_link(actor: Actor, referral: Referral) -> str | None:
    """Where the owner's staff start a handoff of this open case (None: not theirs to hand
    over, or the handoffs app is not installed)."""
    if not referral.is_open or not apps.is_installed("seamline.handoffs"):
        return None
    from seamline.handoffs.access import can_hand_over

    if not can_hand_over(actor, referral):
        return None
    return f"{reverse('handoffs:new')}?{urlencode({'referral': referral.code})}"


def _versioned_action(
    request: HttpRequest,
    form_class: type[FirstContactForm] | type[DischargeForm] | type[ReassignForm],
    referral: Referral,
    run: Any,
    *,
    initial: dict[str, Any],
    form_kwargs: dict[str, Any] | None = None,
) -> tuple[Any, Any]:
    """Bind the form, run the action; after a conflict, show the form again on the version
    saved since (the person's input kept)."""
    kwargs = form_kwargs or {}
    form = form_class(request.POST or None, initial=initial, **kwargs)
    if request.method != "POST" or not form.is_valid():
        return form, None
    try:
        return form, run(form.cleaned_data)
    except Conflict as exc:
        referral.refresh_from_db()
        form = rebind_with_version(form_class, request, referral.version, initial=initial, **kwargs)
        add_violation(form, exc)
    except RuleViolation as exc:
        add_violation(form, exc)
    return form, None


@page
def first_contact(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    referral = access.get_referral_for_user(actor, code, write=True)
    form, saved = _versioned_action(
        request,
        FirstContactForm,
        referral,
        lambda data: actions.record_first_contact(
            actor, referral, at=data["at"], version=data["version"]
        ),
        initial={
            "at": timezone.localtime().replace(second=0, microsecond=0),
            "version": referral.version,
        },
    )
    if saved is not None:
        return done(request, referral_url(referral), "First contact is recorded.")
    return form_page(
        request,
        form,
        title=f"Record first contact for {referral.code}",
        submit="Record",
        back=referral_url(referral),
        back_label=referral.code,
        intro="The first two-way contact with the participant or their representative.",
    )


@page
def discharge(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    referral = access.get_referral_for_user(actor, code, write=True)
    form, saved = _versioned_action(
        request,
        DischargeForm,
        referral,
        lambda data: actions.discharge(
            actor,
            referral,
            at=data["at"],
            outcome=data["outcome"],
            note=data["note"],
            version=data["version"],
        ),
        initial={
            "at": timezone.localtime().replace(second=0, microsecond=0),
            "version": referral.version,
        },
    )
    if saved is not None:
        return done(request, referral_url(referral), f"{referral.code} is discharged.")
    return form_page(
        request,
        form,
        title=f"Discharge {referral.code}",
        submit="Discharge",
        back=referral_url(referral),
        back_label=referral.code,
        intro="The date the pathway episode ends, with its outcome.",
    )


@page
def reassign(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    referral = access.get_referral_for_user(actor, code)
    if not access.can_reassign(actor):
        raise ReadOnly("Only the network admin or the prime's partner admin reassigns a case.")
    owners = possible_owners(Organisation.objects.filter(status=OrgStatus.ACTIVE)).exclude(
        Q(pk=referral.owner_person_id)
    )

    def run(data: dict[str, Any]) -> Any:
        person: User = data["owner_person"]
        membership = person.current_membership()
        if membership is None:
            raise RuleViolation.one(
                "owner_not_member", "The new owner has no current organisation.", "owner_person"
            )
        return actions.reassign(
            actor,
            referral,
            membership.organisation,
            person,
            data["reason"],
            version=data["version"],
        )

    form, saved = _versioned_action(
        request,
        ReassignForm,
        referral,
        run,
        initial={"version": referral.version},
        form_kwargs={"owners": owners},
    )
    if saved is not None:
        return done(
            request,
            referral_url(referral),
            f"{referral.code} is now owned by {saved.person.display_name}.",
        )
    owner = referral.owner_person.display_name if referral.owner_person else "nobody"
    return form_page(
        request,
        form,
        title=f"Reassign {referral.code}",
        submit="Reassign",
        back=referral_url(referral),
        back_label=referral.code,
        intro=f"Owned now by {owner}. Outside a handoff, only an administrator moves a case, "
        "and the reason is kept in its ownership history.",
    )


urlpatterns: list[URLPattern] = [
    path("referrals/", referral_list, name="referrals"),
    path("referrals/new/", referral_new, name="referral_new"),
    path("referrals/<str:code>/", referral_detail, name="referral"),
    path("referrals/<str:code>/first-contact/", first_contact, name="first_contact"),
    path("referrals/<str:code>/discharge/", discharge, name="discharge"),
    path("referrals/<str:code>/reassign/", reassign, name="reassign"),
]

__all__ = ["participant_url", "urlpatterns"]
