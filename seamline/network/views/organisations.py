"""Organisations: the partner directory, one partner's page, adding, editing, status changes."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from seamline.access import Actor, ReadOnly
from seamline.errors import Conflict, RuleViolation
from seamline.network import access, actions
from seamline.network.choices import OrgStatus
from seamline.network.forms import (
    OrganisationCreateForm,
    OrganisationEditForm,
    OrganisationFilterForm,
    StatusChangeForm,
)
from seamline.network.models import Membership, Network, Organisation

from .common import (
    HtmxHttpRequest,
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    rebind_with_version,
    require_writer,
    suppress,
    wants_csv,
)


def filtered_organisations(actor: Actor, form: OrganisationFilterForm) -> QuerySet[Organisation]:
    orgs = (
        access.organisations_for(actor)
        .annotate(people_count=Count("memberships", filter=Q(memberships__ended_at__isnull=True)))
        .order_by("name", "code")
    )
    if not form.is_valid():
        return orgs
    data = form.cleaned_data
    if data["kind"]:
        orgs = orgs.filter(kind=data["kind"])
    if data["status"]:
        orgs = orgs.filter(status=data["status"])
    if data["q"]:
        text = data["q"].strip()
        orgs = orgs.filter(Q(name__icontains=text) | Q(code__icontains=text) | Q(ods_code=text))
    return orgs


def _people_label(actor: Actor, count: int, threshold: int) -> str:
    return suppress(count, threshold) if actor.aggregates_only else str(count)


@page
def organisations(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = OrganisationFilterForm(request.GET or None)
    orgs = filtered_organisations(actor, form)
    threshold = Network.current().small_number_threshold
    if wants_csv(request):
        return csv_response(
            "organisations.csv",
            ["code", "name", "kind", "status", "ods_code", "people"],
            (
                [
                    o.code,
                    o.name,
                    o.get_kind_display(),
                    o.get_status_display(),
                    o.ods_code,
                    _people_label(actor, getattr(o, "people_count", 0), threshold),
                ]
                for o in orgs
            ),
        )
    rows = [(o, _people_label(actor, getattr(o, "people_count", 0), threshold)) for o in orgs]
    context = {
        "form": form,
        "rows": rows,
        "query": query_without(request, "format"),
        "can_create": access.can_manage_network(actor) and not actor.read_only,
    }
    if request.htmx:
        return render(request, "network/organisations.html#results", context)
    return render(request, "network/organisations.html", context)


@page
def organisation(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    org = access.get_organisation_for_user(actor, code)
    people_count = Membership.objects.current().filter(organisation=org).count()
    threshold = Network.current().small_number_threshold
    context = {
        "org": org,
        "changes": org.status_changes.select_related("changed_by"),
        "pathways": org.led_pathways.all(),
        "people_count": _people_label(actor, people_count, threshold),
        "show_names": not actor.aggregates_only,
        "can_see_people": access.can_see_people_of(actor, org),
        "can_edit": access.can_edit_organisation(actor, org),
        "can_change_status": access.can_manage_network(actor)
        and not actor.read_only
        and org.status != OrgStatus.EXITED,
    }
    return render(request, "network/organisation.html", context)


@page
def organisation_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    if not access.can_manage_network(actor):
        raise ReadOnly("Only the network admin adds organisations.")
    form = OrganisationCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = actions.create_organisation(
                actor,
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                status=data["status"],
                reason=data["reason"],
                **form.details(),
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, f"{org.name} has joined the network.")
            return redirect("network:organisation", code=org.code)
    return render(request, "network/organisation_new.html", {"form": form})


@page
def organisation_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    org = access.get_organisation_for_user(actor, code, write=True)
    saved_now: list[tuple[str, object]] = []
    if request.method == "POST":
        form = OrganisationEditForm(request.POST)
        if form.is_valid():
            try:
                actions.update_organisation(
                    actor,
                    org,
                    form.changes(),
                    version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason"],
                )
            except Conflict as exc:
                org = access.get_organisation_for_user(actor, code, write=True)
                form = rebind_with_version(OrganisationEditForm, request, org.version)
                add_violation(form, exc)
                saved_now = [
                    (str(form[f].label), getattr(org, f)) for f in Organisation.EDITABLE_FIELDS
                ]
            except RuleViolation as exc:
                org.refresh_from_db()
                add_violation(form, exc)
            else:
                messages.success(request, f"{org.name}'s details are saved.")
                return redirect("network:organisation", code=org.code)
    else:
        initial = {f: getattr(org, f) for f in Organisation.EDITABLE_FIELDS}
        form = OrganisationEditForm(initial={**initial, "version": org.version})
    return render(
        request,
        "network/organisation_edit.html",
        {"org": org, "form": form, "saved_now": saved_now},
    )


@page
def organisation_status(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    org = access.get_organisation_for_user(actor, code)
    require_writer(actor)
    if not access.can_manage_network(actor):
        raise ReadOnly("Only the network admin changes a partner's status.")
    if org.status == OrgStatus.EXITED:
        raise ReadOnly(
            f"{org.name} has exited the network, which is final: a partner that returns is "
            "onboarded afresh as a new organisation."
        )
    if request.method == "POST":
        form = StatusChangeForm(request.POST, current=org.status)
        if form.is_valid():
            try:
                change = actions.change_organisation_status(
                    actor,
                    org,
                    form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data["version"],
                )
            except RuleViolation as exc:
                org.refresh_from_db()
                add_violation(form, exc)
            else:
                messages.success(
                    request, f"{org.name} is now {change.get_to_status_display().lower()}."
                )
                return redirect("network:organisation", code=org.code)
    else:
        form = StatusChangeForm(initial={"version": org.version}, current=org.status)
    return render(request, "network/organisation_status.html", {"org": org, "form": form})
