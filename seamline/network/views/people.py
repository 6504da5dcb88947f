"""People: an organisation's staff list, one person's page, and changes to their access."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from seamline.access import Actor, ReadOnly
from seamline.audit.access import can_read_log
from seamline.audit.models import AuditEntry
from seamline.errors import RuleViolation
from seamline.network import access, actions
from seamline.network.choices import Role
from seamline.network.forms import (
    GrantRoleForm,
    PeopleFilterForm,
    PersonAddForm,
    PersonEditForm,
    ReasonForm,
)
from seamline.network.models import Organisation, User, UserQuerySet

from .common import (
    HtmxHttpRequest,
    actor_of,
    add_violation,
    csv_response,
    page,
    query_without,
    require_writer,
    wants_csv,
)


def staff_of(actor: Actor, org: Organisation, form: PeopleFilterForm) -> UserQuerySet:
    """Current members of `org` that `actor` may see, with their roles prefetched."""
    people = User.objects.visible_to(actor).filter(
        memberships__organisation=org, memberships__ended_at__isnull=True
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["role"]:
            people = people.filter(
                memberships__organisation=org,
                memberships__ended_at__isnull=True,
                memberships__roles__role=data["role"],
                memberships__roles__revoked_at__isnull=True,
            )
        if data["q"]:
            text = data["q"].strip()
            people = people.filter(
                Q(first_name__icontains=text)
                | Q(last_name__icontains=text)
                | Q(username__icontains=text)
                | Q(email__icontains=text)
                | Q(job_title__icontains=text)
            )
    return people.distinct().with_current_membership()


def _member_since(person: User) -> str:
    membership = person.current_membership()
    return membership.started_at.date().isoformat() if membership else ""


def role_labels(person: User) -> list[str]:
    membership = person.current_membership()
    if membership is None:
        return []
    return [Role(r).label for r in membership.active_roles()]


@page
def people(request: HtmxHttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    org = access.get_people_page_for_user(actor, code)
    form = PeopleFilterForm(request.GET or None)
    staff = staff_of(actor, org, form)
    if wants_csv(request):
        return csv_response(
            f"people-{org.code}.csv",
            ["name", "username", "email", "job_title", "roles", "member_since"],
            (
                [
                    p.display_name,
                    p.username,
                    p.email,
                    p.job_title,
                    "; ".join(role_labels(p)),
                    _member_since(p),
                ]
                for p in staff
            ),
        )
    rows = [(p, p.current_membership(), role_labels(p)) for p in staff]
    context = {
        "org": org,
        "form": form,
        "rows": rows,
        "query": query_without(request, "format"),
        "can_add": access.can_manage_people_of(actor, org),
    }
    if request.htmx:
        return render(request, "network/people.html#results", context)
    return render(request, "network/people.html", context)


@page
def person_new(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    org = access.get_people_page_for_user(actor, code)
    require_writer(actor)
    if not access.can_manage_people_of(actor, org):
        raise ReadOnly("Only this organisation's partner admin or the network admin adds people.")
    grantable = access.grantable_roles(actor, org)
    form = PersonAddForm(request.POST or None, grantable=grantable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = actions.add_person(
                actor,
                org,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"],
                roles=data["roles"],
                job_title=data["job_title"],
                expires_at=data["expires_at"],
                reason=data["reason"],
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, f"{person.display_name} is now a member of {org.name}.")
            return redirect("network:person", person=str(person.uuid))
    return render(request, "network/person_new.html", {"org": org, "form": form})


@page
def person(request: HttpRequest, person: str) -> HttpResponse:
    actor = actor_of(request)
    someone = access.get_person_for_user(actor, person)
    membership = someone.current_membership()
    org = membership.organisation if membership else None
    actions.record_person_read(actor, someone)
    grants = (
        membership.roles.select_related("granted_by", "revoked_by").order_by(
            "revoked_at", "role", "-granted_at"
        )
        if membership
        else []
    )
    entries = None
    if can_read_log(actor):
        entries = list(
            AuditEntry.objects.visible_to(actor)
            .filter(object_type="network.user")
            .filter(Q(object_id=str(someone.uuid)) | Q(object_id=someone.username))[:10]
        )
    can_manage = org is not None and access.can_manage_people_of(actor, org)
    is_self = actor.user is not None and actor.user.pk == someone.pk
    context = {
        "person": someone,
        "membership": membership,
        "org": org,
        "grants": grants,
        "entries": entries,
        "can_manage": can_manage,
        "can_edit": can_manage or (is_self and not actor.read_only),
        "can_see_people": org is not None and access.can_see_people_of(actor, org),
        "is_self": is_self,
    }
    return render(request, "network/person.html", context)


def _person_for_change(actor: Actor, person: str) -> User:
    require_writer(actor)
    return access.get_person_for_user(actor, person, write=True)


@page
def person_edit(request: HttpRequest, person: str) -> HttpResponse:
    actor = actor_of(request)
    require_writer(actor)
    is_self = actor.user is not None and str(actor.user.uuid) == person
    someone = access.get_person_for_user(actor, person, write=not is_self)
    fields = ("first_name", "last_name", "email", "job_title", "phone")
    form = PersonEditForm(request.POST or None, initial={f: getattr(someone, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_person(
                actor, someone, form.changes(), reason=form.cleaned_data["reason"]
            )
        except RuleViolation as exc:
            someone.refresh_from_db()
            add_violation(form, exc)
        else:
            messages.success(request, "The details are saved.")
            return redirect("network:person", person=str(someone.uuid))
    return render(request, "network/person_edit.html", {"person": someone, "form": form})


@page
def person_role_grant(request: HttpRequest, person: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _person_for_change(actor, person)
    membership = someone.current_membership()
    assert membership is not None  # the write loader refuses people without one
    held = set(membership.active_roles())
    grantable = [r for r in access.grantable_roles(actor, membership.organisation) if r not in held]
    form = GrantRoleForm(request.POST or None, grantable=grantable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.grant_role(
                actor, someone, data["role"], reason=data["reason"], expires_at=data["expires_at"]
            )
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(
                request, f"{someone.display_name} now holds {Role(data['role']).label}."
            )
            return redirect("network:person", person=str(someone.uuid))
    return render(
        request,
        "network/person_grant.html",
        {"person": someone, "org": membership.organisation, "form": form},
    )


@page
@require_http_methods(["GET", "POST"])
def person_role_revoke(request: HttpRequest, person: str, role: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _person_for_change(actor, person)
    membership = someone.current_membership()
    if role not in Role.values or membership is None or role not in membership.active_roles():
        raise access.refuse(actor, "network.rolegrant", f"{person}/{role}")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.revoke_role(actor, someone, role, reason=form.cleaned_data["reason"])
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, f"{someone.display_name} no longer holds {Role(role).label}.")
            return redirect("network:person", person=str(someone.uuid))
    return render(
        request,
        "network/person_confirm.html",
        {
            "person": someone,
            "form": form,
            "title": f"Remove {Role(role).label} from {someone.display_name}",
            "explain": "They lose what this role lets them do at their next request.",
            "button": "Remove the role",
        },
    )


@page
@require_http_methods(["GET", "POST"])
def person_leave(request: HttpRequest, person: str) -> HttpResponse:
    actor = actor_of(request)
    someone = _person_for_change(actor, person)
    membership = someone.current_membership()
    assert membership is not None
    org = membership.organisation
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.end_membership(actor, someone, reason=form.cleaned_data["reason"])
        except RuleViolation as exc:
            add_violation(form, exc)
        else:
            messages.success(request, f"{someone.display_name} has left {org.name}.")
            return redirect("network:people", code=org.code)
    return render(
        request,
        "network/person_confirm.html",
        {
            "person": someone,
            "form": form,
            "title": f"{someone.display_name} leaves {org.name}",
            "explain": "Their membership ends now and every role they hold is removed. "
            "They can no longer sign in. Their history stays in the audit log.",
            "button": "End their membership",
        },
    )
