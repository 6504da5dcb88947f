"""Every change to the network's structure goes through one of these functions.

Each runs in one transaction, checks the actor's right to act, validates its input (raising
`RuleViolation` with reasons naming the field), writes, and appends an audit entry.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import diff, record
from seamline.audit.models import EntryKind
from seamline.errors import Reason, RuleViolation
from seamline.versioning import check_version, claim_version

from . import access
from .activation import activation_reasons
from .choices import ActionKind, ClockStart, OrgKind, OrgStatus, RaciLetter, Role
from .models import (
    ApiToken,
    DecisionRight,
    Membership,
    Network,
    Organisation,
    OrganisationStatusChange,
    Pathway,
    PathwayStep,
    RaciAssignment,
    RoleGrant,
    User,
)
from .rules import (
    backdated_move_reasons,
    role_grant_reasons,
    settings_reasons,
    status_move_reasons,
    time_standard_reasons,
)


def _deny(message: str) -> RuleViolation:
    return RuleViolation.one("not_permitted", message)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _deny(message)


def _snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _history(obj: models.Model, actor: Actor, reason: str) -> None:
    obj._history_user = actor.user  # type: ignore[attr-defined]
    obj._change_reason = reason  # type: ignore[attr-defined]


def _check_slug(value: str, field: str) -> None:
    try:
        validate_slug(value)
    except ValidationError:
        raise RuleViolation.one(
            "invalid_code", f"{field.capitalize()} may hold only letters, digits, - and _.", field
        ) from None


def _apply_changes(
    obj: models.Model, changes: Mapping[str, Any], allowed: tuple[str, ...]
) -> dict[str, list[Any]]:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise RuleViolation(
            *(Reason("field_not_editable", f"'{f}' cannot be changed here.", f) for f in unknown)
        )
    before = _snapshot(obj, allowed)
    for name, value in changes.items():
        setattr(obj, name, value)
    try:
        # Constraints are checked by the rules (with a sentence a person understands) and,
        # as a last wall, by the database itself.
        obj.full_clean(
            exclude=[f.name for f in obj._meta.fields if f.name not in changes],
            validate_constraints=False,
        )
    except ValidationError as exc:
        raise RuleViolation(
            *(
                Reason(
                    "invalid_value",
                    f"{field.replace('_', ' ').capitalize()}: {' '.join(msgs)}",
                    field,
                )
                for field, msgs in exc.message_dict.items()
            )
        ) from None
    return diff(before, _snapshot(obj, allowed))


# --- network settings ---------------------------------------------------------------------


@transaction.atomic
def update_network_settings(
    actor: Actor, changes: Mapping[str, Any], *, version: int, reason: str
) -> Network:
    _require(
        access.can_manage_network(actor),
        "Only the network admin of the prime provider changes the network's settings.",
    )
    network = Network.current()
    if not reason.strip():
        raise RuleViolation.one(
            "reason_required", "Say why the network's settings change.", "reason"
        )
    changed = _apply_changes(network, changes, Network.SETTING_FIELDS)
    problems = settings_reasons(
        time_zone=network.time_zone,
        caps=(
            network.cap_induction,
            network.cap_supervised,
            network.cap_independent,
            network.cap_enhanced,
        ),
    )
    if problems:
        raise RuleViolation(*problems)
    if not changed:
        check_version(network, version, "The network settings")
        return network
    claim_version(network, version, "The network settings")
    _history(network, actor, reason)
    try:
        with transaction.atomic():
            network.save(update_fields=[*changed, "version"])
    except IntegrityError:
        raise RuleViolation.one(
            "caps_must_rise",
            "High-risk caseload caps must not fall as the stage rises "
            "(induction ≤ supervised ≤ independent ≤ enhanced).",
            "cap_supervised",
        ) from None
    record(actor, "network.settings.update", network, changes=changed, reason=reason)
    return network


# --- organisations -------------------------------------------------------------------------


@transaction.atomic
def create_organisation(
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: str,
    reason: str,
    status: str = OrgStatus.ONBOARDING,
    **details: Any,
) -> Organisation:
    """Add an organisation to the network; `details` are its editable fields.

    A `joined_at` datetime among them dates its entry in the status history, when a network
    records a partnership that began before it used Seamline (now when absent). It is taken
    from `details` rather than named, so that callers passing a form's fields keep their type."""
    joined_at: datetime | None = details.pop("joined_at", None)
    _require(access.can_manage_network(actor), "Only the network admin adds organisations.")
    reasons: list[Reason] = []
    if joined_at is not None and joined_at > timezone.now():
        reasons.append(
            Reason("date_in_future", "An organisation cannot join in the future.", "joined_at")
        )
    if kind not in OrgKind.values:
        reasons.append(Reason("invalid_kind", f"'{kind}' is not a kind of organisation.", "kind"))
    elif kind == OrgKind.PRIME and Organisation.objects.filter(kind=OrgKind.PRIME).exists():
        reasons.append(
            Reason("prime_exists", "The network already has its prime provider.", "kind")
        )
    if Organisation.objects.filter(code=code).exists():
        reasons.append(
            Reason("code_taken", f"Code '{code}' is already used by another organisation.", "code")
        )
    if not name.strip():
        reasons.append(Reason("required", "Give the organisation's name.", "name"))
    if status not in (OrgStatus.ONBOARDING, OrgStatus.ACTIVE):
        reasons.append(
            Reason("invalid_status", "A new organisation starts onboarding or active.", "status")
        )
    if not reason.strip():
        reasons.append(
            Reason("reason_required", "Say why the organisation joins the network.", "reason")
        )
    if status == OrgStatus.ACTIVE and not reasons:
        # Joining active is going from nothing straight to active: every activation check
        # asks, as for onboarding -> active (a partner reviewed before it may work is added
        # onboarding, reviewed, then made active).
        new = Organisation(code=code, name=name.strip(), kind=kind, status=OrgStatus.ONBOARDING)
        reasons += activation_reasons(new, OrgStatus.ACTIVE)
    if reasons:
        raise RuleViolation(*reasons)
    _check_slug(code, "code")
    org = Organisation(code=code, name=name.strip(), kind=kind, status=status)
    _apply_changes(org, details, Organisation.EDITABLE_FIELDS)
    _history(org, actor, reason)
    org.save()
    OrganisationStatusChange.objects.create(
        organisation=org,
        from_status="",
        to_status=status,
        changed_by=actor.user,
        reason=reason,
        changed_at=joined_at or timezone.now(),
    )
    record(
        actor,
        "organisation.create",
        org,
        changes={
            "code": [None, code],
            "name": [None, org.name],
            "kind": [None, kind],
            "status": [None, status],
            **{k: [None, v] for k, v in details.items()},
        },
        reason=reason,
    )
    return org


@transaction.atomic
def update_organisation(
    actor: Actor, org: Organisation, changes: Mapping[str, Any], *, version: int, reason: str = ""
) -> Organisation:
    _require(access.can_edit_organisation(actor, org), "You cannot change this organisation.")
    label = org.name  # as saved, not as the user is renaming it
    changed = _apply_changes(org, changes, Organisation.EDITABLE_FIELDS)
    if not changed:
        check_version(org, version, label)
        return org
    claim_version(org, version, label)
    _history(org, actor, reason)
    org.save(update_fields=[*changed, "version"])
    record(actor, "organisation.update", org, changes=changed, reason=reason)
    return org


@transaction.atomic
def change_organisation_status(
    actor: Actor,
    org: Organisation,
    new_status: str,
    *,
    reason: str,
    version: int | None = None,
    at: datetime | None = None,
) -> OrganisationStatusChange:
    """Move an organisation in the network. `at` dates a move that happened before it was
    recorded (a network recording its partnerships' history): not in the future, and not before
    the organisation's latest move."""
    _require(access.can_manage_network(actor), "Only the network admin changes a partner's status.")
    problems = status_move_reasons(org.status, new_status, reason)
    problems += activation_reasons(org, new_status)
    if at is not None:
        latest = org.status_changes.order_by("-changed_at").values_list("changed_at", flat=True)
        problems += backdated_move_reasons(at, timezone.now(), latest.first())
    if problems:
        raise RuleViolation(*problems)
    claim_version(org, version, org.name)
    old = org.status
    org.status = new_status
    _history(org, actor, reason)
    org.save(update_fields=["status", "version"])
    change = OrganisationStatusChange.objects.create(
        organisation=org,
        from_status=old,
        to_status=new_status,
        changed_by=actor.user,
        reason=reason,
        changed_at=at or timezone.now(),
    )
    record(actor, "organisation.status", org, changes={"status": [old, new_status]}, reason=reason)
    return change


# --- people --------------------------------------------------------------------------------


@transaction.atomic
def add_person(
    actor: Actor,
    org: Organisation,
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str,
    roles: list[str],
    job_title: str = "",
    expires_at: datetime | None = None,
    reason: str = "",
) -> User:
    """Create a user in `org` with the given roles."""
    _require(access.can_manage_people_of(actor, org), "You cannot add people to this organisation.")
    reasons: list[Reason] = []
    username = username.strip().lower()
    if not username:
        reasons.append(Reason("required", "Give a username.", "username"))
    elif User.objects.filter(username=username).exists():
        reasons.append(
            Reason("username_taken", f"Username '{username}' is already in use.", "username")
        )
    if not first_name.strip() or not last_name.strip():
        reasons.append(Reason("required", "Give the person's first and last name.", "first_name"))
    try:
        validate_email(email)
    except ValidationError:
        reasons.append(Reason("invalid_email", f"'{email}' is not an email address.", "email"))
    if not roles:
        reasons.append(Reason("required", "Give the person at least one role.", "roles"))
    candidate = User(username=username, first_name=first_name, last_name=last_name, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        reasons.append(Reason("weak_password", " ".join(exc.messages), "password"))
    for role in roles:
        reasons.extend(_grant_problems(actor, org, role, expires_at))
    if reasons:
        raise RuleViolation(*reasons)
    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        job_title=job_title.strip(),
    )
    membership = Membership.objects.create(user=user, organisation=org)
    for role in sorted(set(roles)):
        RoleGrant.objects.create(
            membership=membership,
            role=role,
            granted_by=actor.user,
            expires_at=expires_at,
            reason=reason,
        )
    record(
        actor,
        "person.add",
        user,
        changes={
            "organisation": [None, org.code],
            "roles": [None, sorted(set(roles))],
            "expires_at": [None, expires_at],
        },
        reason=reason,
        target={
            "object_type": "network.user",
            "object_id": str(user.uuid),
            "object_label": user.username,
            "object_organisation_code": org.code,
        },
    )
    return user


def _grant_problems(
    actor: Actor, org: Organisation, role: str, expires_at: datetime | None
) -> list[Reason]:
    problems = role_grant_reasons(
        role=role,
        org_kind=org.kind,
        granter_roles=actor.roles,
        granter_in_prime=actor.in_prime,
        same_org=actor.member_of(org),
        has_expiry=expires_at is not None,
    )
    if expires_at is not None and expires_at <= timezone.now():
        problems.append(
            Reason("expiry_in_past", "The end of access must be in the future.", "expires_at")
        )
    return problems


def _person_target(user: User, org: Organisation) -> dict[str, str]:
    return {
        "object_type": "network.user",
        "object_id": str(user.uuid),
        "object_label": user.username,
        "object_organisation_code": org.code,
    }


@transaction.atomic
def grant_role(
    actor: Actor, person: User, role: str, *, reason: str, expires_at: datetime | None = None
) -> RoleGrant:
    membership = person.current_membership()
    if membership is None:
        raise RuleViolation.one("no_membership", f"{person} is not a member of any organisation.")
    _require(
        access.can_manage_people_of(actor, membership.organisation),
        "You cannot change this person's roles.",
    )
    problems = _grant_problems(actor, membership.organisation, role, expires_at)
    if membership.roles.current().filter(role=role).exists():
        problems.append(Reason("role_held", f"{person} already holds {Role(role).label}.", "role"))
    if not reason.strip():
        problems.append(Reason("reason_required", "Say why the role is granted.", "reason"))
    if problems:
        raise RuleViolation(*problems)
    grant = RoleGrant.objects.create(
        membership=membership,
        role=role,
        granted_by=actor.user,
        expires_at=expires_at,
        reason=reason,
    )
    record(
        actor,
        "person.role.grant",
        changes={"role": [None, role], "expires_at": [None, expires_at]},
        reason=reason,
        target=_person_target(person, membership.organisation),
    )
    return grant


@transaction.atomic
def revoke_role(actor: Actor, person: User, role: str, *, reason: str) -> RoleGrant:
    membership = person.current_membership()
    if membership is None:
        raise RuleViolation.one("role_not_held", f"{person} does not hold that role.", "role")
    # Rights first, so that someone without them learns nothing about the person's roles.
    _require(
        access.can_manage_people_of(actor, membership.organisation),
        "You cannot change this person's roles.",
    )
    grant = membership.roles.current().filter(role=role).first()
    if grant is None:
        raise RuleViolation.one("role_not_held", f"{person} does not hold that role.", "role")
    if role == Role.NETWORK_ADMIN and not actor.is_network_admin:
        raise _deny("Only the network admin removes network admin access.")
    if (
        actor.user is not None
        and person.pk == actor.user.pk
        and role in (Role.NETWORK_ADMIN, Role.PARTNER_ADMIN)
    ):
        raise RuleViolation.one(
            "self_lockout", "You cannot remove your own admin role; ask another admin.", "role"
        )
    if not reason.strip():
        raise RuleViolation.one("reason_required", "Say why the role is removed.", "reason")
    now = timezone.now()
    won = RoleGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor.user, revoked_reason=reason
    )
    if not won:
        raise RuleViolation.one("role_not_held", f"{person} no longer holds that role.", "role")
    grant.refresh_from_db()
    record(
        actor,
        "person.role.revoke",
        changes={"role": [role, None]},
        reason=reason,
        target=_person_target(person, membership.organisation),
    )
    return grant


@transaction.atomic
def end_membership(actor: Actor, person: User, *, reason: str) -> Membership:
    membership = person.current_membership()
    if membership is None:
        raise RuleViolation.one("no_membership", f"{person} is not a member of any organisation.")
    _require(
        access.can_manage_people_of(actor, membership.organisation),
        "You cannot remove this person.",
    )
    if actor.user is not None and person.pk == actor.user.pk:
        raise RuleViolation.one("self_lockout", "You cannot remove yourself; ask another admin.")
    if not reason.strip():
        raise RuleViolation.one("reason_required", "Say why this person leaves.", "reason")
    now = timezone.now()
    Membership.objects.filter(pk=membership.pk, ended_at__isnull=True).update(
        ended_at=now, ended_reason=reason
    )
    membership.roles.current().update(revoked_at=now, revoked_by=actor.user, revoked_reason=reason)
    membership.refresh_from_db()
    record(
        actor,
        "person.leave",
        changes={"organisation": [membership.organisation.code, None]},
        reason=reason,
        target=_person_target(person, membership.organisation),
    )
    return membership


@transaction.atomic
def update_person(
    actor: Actor, person: User, changes: Mapping[str, Any], *, reason: str = ""
) -> User:
    membership = person.current_membership()
    is_self = actor.user is not None and actor.user.pk == person.pk
    _require(not actor.read_only, "Your access is read-only: nothing can be changed from it.")
    if not is_self:
        _require(
            membership is not None and access.can_manage_people_of(actor, membership.organisation),
            "You cannot change this person's details.",
        )
    allowed = ("first_name", "last_name", "email", "job_title", "phone")
    changed = _apply_changes(person, changes, allowed)
    if not changed:
        return person
    person.save(update_fields=list(changed))
    org_code = membership.organisation.code if membership else ""
    record(
        actor,
        "person.update",
        changes=changed,
        reason=reason,
        target={
            "object_type": "network.user",
            "object_id": str(person.uuid),
            "object_label": person.username,
            "object_organisation_code": org_code,
        },
    )
    return person


def record_person_read(actor: Actor, person: User) -> None:
    """Opening a person's record is a read of personal data: it goes in the audit log."""
    record(actor, "person.read", person, kind=EntryKind.READ)


# --- API tokens ----------------------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_api_token(actor: Actor, *, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the actor's own use. The key is returned once and never stored."""
    if actor.user is None:
        raise _deny("Only a signed-in person can hold an API token.")
    if not name.strip():
        raise RuleViolation.one("required", "Name the token after what will use it.", "name")
    if days is None:
        days = settings.API_TOKEN_DAYS
    if not 1 <= days <= 366:
        raise RuleViolation.one("invalid_value", "A token lasts between 1 and 366 days.", "days")
    prefix = secrets.token_hex(4)
    key = f"sl_{prefix}_{secrets.token_urlsafe(32)}"
    expires = timezone.now() + timedelta(days=days)
    if actor.access_until is not None:
        expires = min(expires, actor.access_until)
    token = ApiToken.objects.create(
        user=actor.user,
        name=name.strip(),
        prefix=prefix,
        key_hash=hash_key(key),
        expires_at=expires,
    )
    record(
        actor,
        "api_token.issue",
        token,
        changes={"name": [None, token.name], "expires_at": [None, expires]},
    )
    return token, key


@transaction.atomic
def revoke_api_token(actor: Actor, token: ApiToken) -> ApiToken:
    if actor.user is None or (token.user_id != actor.user.pk and not actor.is_network_admin):
        raise _deny("You can revoke only your own tokens.")
    won = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not won:
        raise RuleViolation.one("token_revoked", "This token has already been revoked.")
    token.refresh_from_db()
    record(actor, "api_token.revoke", token)
    return token


# --- pathways, steps, RACI -------------------------------------------------------------------


@transaction.atomic
def create_pathway(
    actor: Actor,
    *,
    code: str,
    name: str,
    lead: Organisation,
    description: str = "",
    reason: str = "",
) -> Pathway:
    _require(
        access.can_design_pathways(actor),
        "Only the prime's network admin or quality lead adds pathways.",
    )
    reasons = []
    if Pathway.objects.filter(code=code).exists():
        reasons.append(
            Reason("code_taken", f"Code '{code}' is already used by another pathway.", "code")
        )
    if not name.strip():
        reasons.append(Reason("required", "Give the pathway's name.", "name"))
    if reasons:
        raise RuleViolation(*reasons)
    _check_slug(code, "code")
    pathway = Pathway(code=code, name=name.strip(), lead_organisation=lead, description=description)
    _history(pathway, actor, reason)
    pathway.save()
    record(
        actor,
        "pathway.create",
        pathway,
        changes={"code": [None, code], "name": [None, pathway.name], "lead": [None, lead.code]},
        reason=reason,
    )
    return pathway


@transaction.atomic
def update_pathway(
    actor: Actor, pathway: Pathway, changes: Mapping[str, Any], *, version: int, reason: str = ""
) -> Pathway:
    _require(access.can_design_pathways(actor, pathway), "You cannot change this pathway.")
    label = pathway.name
    changed = _apply_changes(pathway, changes, Pathway.EDITABLE_FIELDS)
    if not changed:
        check_version(pathway, version, label)
        return pathway
    claim_version(pathway, version, label)
    _history(pathway, actor, reason)
    pathway.save(update_fields=[*changed, "version"])
    record(actor, "pathway.update", pathway, changes=changed, reason=reason)
    return pathway


def _step_target(step: PathwayStep) -> dict[str, str]:
    return {
        "object_type": "network.pathwaystep",
        "object_id": f"{step.pathway.code}/{step.code}",
        "object_label": step.name,
        "object_organisation_code": step.pathway.lead_organisation.code,
    }


@transaction.atomic
def add_step(
    actor: Actor,
    pathway: Pathway,
    *,
    code: str,
    name: str,
    time_standard_hours: int | None = None,
    clock_starts: str = ClockStart.PREVIOUS_STEP,
    description: str = "",
    reason: str = "",
) -> PathwayStep:
    _require(access.can_design_pathways(actor, pathway), "You cannot change this pathway.")
    reasons = []
    if pathway.steps.filter(code=code).exists():
        reasons.append(Reason("code_taken", f"This pathway already has a step '{code}'.", "code"))
    if not name.strip():
        reasons.append(Reason("required", "Give the step's name.", "name"))
    if clock_starts not in ClockStart.values:
        reasons.append(
            Reason("invalid_value", f"'{clock_starts}' is not a clock start.", "clock_starts")
        )
    reasons.extend(time_standard_reasons(time_standard_hours))
    if reasons:
        raise RuleViolation(*reasons)
    _check_slug(code, "code")
    claim_version(pathway, None, pathway.name)
    position = (pathway.steps.aggregate(m=models.Max("position"))["m"] or 0) + 1
    step = PathwayStep(
        pathway=pathway,
        position=position,
        code=code,
        name=name.strip(),
        time_standard_hours=time_standard_hours,
        clock_starts=clock_starts,
        description=description,
    )
    _history(step, actor, reason)
    step.save()
    record(
        actor,
        "pathway.step.add",
        changes={
            "position": [None, position],
            "name": [None, step.name],
            "time_standard_hours": [None, time_standard_hours],
            "clock_starts": [None, clock_starts],
        },
        reason=reason,
        target=_step_target(step),
    )
    return step


@transaction.atomic
def update_step(
    actor: Actor, step: PathwayStep, changes: Mapping[str, Any], *, version: int, reason: str = ""
) -> PathwayStep:
    _require(access.can_design_pathways(actor, step.pathway), "You cannot change this pathway.")
    label = f"Step '{step.name}'"
    changed = _apply_changes(step, changes, PathwayStep.EDITABLE_FIELDS)
    problems = time_standard_reasons(step.time_standard_hours)
    if problems:
        raise RuleViolation(*problems)
    if not changed:
        check_version(step, version, label)
        return step
    claim_version(step, version, label)
    _history(step, actor, reason)
    step.save(update_fields=[*changed, "version"])
    record(actor, "pathway.step.update", changes=changed, reason=reason, target=_step_target(step))
    return step


@transaction.atomic
def move_step(actor: Actor, step: PathwayStep, *, direction: int, version: int) -> PathwayStep:
    """Swap a step with its neighbour (direction -1 up, +1 down)."""
    pathway = step.pathway
    _require(access.can_design_pathways(actor, pathway), "You cannot change this pathway.")
    neighbour = pathway.steps.filter(position=step.position + direction).first()
    if neighbour is None:
        raise RuleViolation.one(
            "cannot_move", "The step is already at that end of the pathway.", "position"
        )
    claim_version(step, version, f"Step '{step.name}'")
    claim_version(neighbour, None, f"Step '{neighbour.name}'")
    old, new = step.position, neighbour.position
    # Park one row out of the way so the unique (pathway, position) constraint holds throughout.
    PathwayStep.objects.filter(pk=step.pk).update(position=32000)
    PathwayStep.objects.filter(pk=neighbour.pk).update(position=old)
    PathwayStep.objects.filter(pk=step.pk).update(position=new)
    step.position = new
    record(actor, "pathway.step.move", changes={"position": [old, new]}, target=_step_target(step))
    return step


@transaction.atomic
def add_raci(
    actor: Actor,
    step: PathwayStep,
    *,
    letter: str,
    organisation: Organisation | None = None,
    role: str = "",
    reason: str = "",
) -> RaciAssignment:
    _require(access.can_design_pathways(actor, step.pathway), "You cannot change this pathway.")
    reasons = []
    if letter not in RaciLetter.values:
        reasons.append(Reason("invalid_value", f"'{letter}' is not one of R, A, C, I.", "letter"))
    if (organisation is None) == (not role):
        reasons.append(
            Reason(
                "party_required", "Name either an organisation or a role, not both.", "organisation"
            )
        )
    if role and role not in Role.values:
        reasons.append(Reason("role_unknown", f"'{role}' is not a role in Seamline.", "role"))
    if (
        letter == RaciLetter.ACCOUNTABLE
        and step.raci.filter(letter=RaciLetter.ACCOUNTABLE).exists()
    ):
        reasons.append(
            Reason(
                "raci_accountable",
                f"Step '{step.name}' already has its Accountable party; remove it first.",
                "letter",
            )
        )
    if step.raci.filter(letter=letter, organisation=organisation, role=role).exists():
        reasons.append(
            Reason("raci_duplicate", "That party already holds this letter on the step.", "letter")
        )
    if reasons:
        raise RuleViolation(*reasons)
    claim_version(step, None, f"Step '{step.name}'")
    entry = RaciAssignment(step=step, letter=letter, organisation=organisation, role=role)
    _history(entry, actor, reason)
    entry.save()
    record(
        actor,
        "pathway.raci.add",
        changes={"letter": [None, letter], "party": [None, entry.party_label]},
        reason=reason,
        target=_step_target(step),
    )
    return entry


@transaction.atomic
def remove_raci(actor: Actor, entry: RaciAssignment, *, reason: str = "") -> None:
    step = entry.step
    _require(access.can_design_pathways(actor, step.pathway), "You cannot change this pathway.")
    claim_version(step, None, f"Step '{step.name}'")
    label = entry.party_label
    _history(entry, actor, reason)
    entry.delete()
    record(
        actor,
        "pathway.raci.remove",
        changes={"letter": [entry.letter, None], "party": [label, None]},
        reason=reason,
        target=_step_target(step),
    )


# --- decision rights ---------------------------------------------------------------------------


@transaction.atomic
def add_decision_right(
    actor: Actor,
    *,
    action_kind: str,
    pathway: Pathway | None = None,
    organisation: Organisation | None = None,
    role: str = "",
    conditions: str = "",
    reason: str,
) -> DecisionRight:
    _require(
        access.can_edit_decision_rights(actor), "Only the network admin changes decision rights."
    )
    reasons = []
    if action_kind not in ActionKind.values:
        reasons.append(
            Reason("invalid_value", f"'{action_kind}' is not an action kind.", "action_kind")
        )
    if organisation is None and not role:
        reasons.append(
            Reason("party_required", "Name an organisation, a role, or both.", "organisation")
        )
    if role and role not in Role.values:
        reasons.append(Reason("role_unknown", f"'{role}' is not a role in Seamline.", "role"))
    if DecisionRight.objects.filter(
        action_kind=action_kind, pathway=pathway, organisation=organisation, role=role
    ).exists():
        reasons.append(
            Reason("right_exists", "That decision right is already on the map.", "action_kind")
        )
    if not reason.strip():
        reasons.append(Reason("reason_required", "Say why this right is given.", "reason"))
    if reasons:
        raise RuleViolation(*reasons)
    right = DecisionRight(
        action_kind=action_kind,
        pathway=pathway,
        organisation=organisation,
        role=role,
        conditions=conditions,
    )
    _history(right, actor, reason)
    right.save()
    record(
        actor,
        "decision_right.add",
        right,
        changes={
            "action_kind": [None, action_kind],
            "pathway": [None, pathway.code if pathway else "all"],
            "party": [None, right.party_label],
        },
        reason=reason,
    )
    return right


@transaction.atomic
def remove_decision_right(actor: Actor, right: DecisionRight, *, reason: str) -> None:
    _require(
        access.can_edit_decision_rights(actor), "Only the network admin changes decision rights."
    )
    if not reason.strip():
        raise RuleViolation.one("reason_required", "Say why this right is withdrawn.", "reason")
    label = str(right)
    _history(right, actor, reason)
    record(actor, "decision_right.remove", right, changes={"right": [label, None]}, reason=reason)
    right.delete()


# --- first start -----------------------------------------------------------------------------


@transaction.atomic
def bootstrap_network(
    *,
    network_name: str,
    prime_code: str,
    prime_name: str,
    admin_username: str,
    admin_first_name: str,
    admin_last_name: str,
    admin_email: str,
    admin_password: str,
    set_up_at: datetime | None = None,
) -> User:
    """Create the network, its prime provider and the first network admin, once.

    `set_up_at` dates the prime's entry in the status history when the network began before
    it used Seamline (now when None).

    Runs as the system (there is nobody yet to act); refuses when a prime already exists.
    """
    system = Actor.system("setup")
    if Organisation.objects.filter(kind=OrgKind.PRIME).exists():
        raise RuleViolation.one(
            "already_set_up", "This network already has its prime provider and admin."
        )
    reasons: list[Reason] = []
    if not network_name.strip():
        reasons.append(Reason("required", "Give the network's name.", "network_name"))
    if not prime_name.strip():
        reasons.append(Reason("required", "Give the prime provider's name.", "prime_name"))
    try:
        validate_slug(prime_code)
    except ValidationError:
        reasons.append(
            Reason(
                "invalid_code",
                "The prime's code may hold only letters, digits, - and _.",
                "prime_code",
            )
        )
    try:
        validate_email(admin_email)
    except ValidationError:
        reasons.append(
            Reason("invalid_email", f"'{admin_email}' is not an email address.", "admin_email")
        )
    candidate = User(
        username=admin_username,
        first_name=admin_first_name,
        last_name=admin_last_name,
        email=admin_email,
    )
    try:
        validate_password(admin_password, candidate)
    except ValidationError as exc:
        reasons.append(Reason("weak_password", " ".join(exc.messages), "admin_password"))
    if set_up_at is not None and set_up_at > timezone.now():
        reasons.append(
            Reason("date_in_future", "A network cannot be set up in the future.", "set_up_at")
        )
    if reasons:
        raise RuleViolation(*reasons)
    network = Network.current()
    network.name = network_name.strip()
    network.save(update_fields=["name"])
    prime = Organisation.objects.create(
        code=prime_code, name=prime_name.strip(), kind=OrgKind.PRIME, status=OrgStatus.ACTIVE
    )
    OrganisationStatusChange.objects.create(
        organisation=prime,
        to_status=OrgStatus.ACTIVE,
        reason="Network set up",
        changed_at=set_up_at or timezone.now(),
    )
    admin = User.objects.create_user(
        username=admin_username.strip().lower(),
        email=admin_email,
        password=admin_password,
        first_name=admin_first_name.strip(),
        last_name=admin_last_name.strip(),
    )
    membership = Membership.objects.create(user=admin, organisation=prime)
    RoleGrant.objects.create(
        membership=membership, role=Role.NETWORK_ADMIN, reason="Network set up"
    )
    record(
        system,
        "network.setup",
        network,
        changes={
            "name": [None, network.name],
            "prime": [None, prime.code],
            "admin": [None, admin.username],
        },
        reason="Network set up",
    )
    return admin
