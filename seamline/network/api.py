"""The network's JSON API: organisations, people, pathways, decision rights, settings.

Every endpoint loads what it touches through `network.access` (404 for "missing or not yours",
403 for "visible but not yours to change") and changes it only through `network.actions`, which
check rights, validate, write and audit. Only public ids appear in paths and payloads.
"""

from typing import Any
from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from seamline.access import Actor, ReadOnly
from seamline.api import ERRORS, QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.errors import RuleViolation

from . import access, actions
from .choices import ActionKind, OrgKind, OrgStatus, PathwayStatus, Role
from .models import (
    DecisionRight,
    Organisation,
    Pathway,
    PathwayStep,
    RaciAssignment,
    User,
)
from .rules import RaciEntry, Right, may_initiate, raci_gaps
from .schemas import (
    CheckOut,
    DecisionRightIn,
    DecisionRightOut,
    GrantIn,
    LeaveOut,
    MeOut,
    NetworkSettingsOut,
    NetworkSettingsPatch,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    OrganisationRef,
    PathwayDetailOut,
    PathwayIn,
    PathwayOut,
    PathwayPatch,
    PersonIn,
    PersonOut,
    RaciIn,
    RaciOut,
    ReasonIn,
    ReasonOut,
    RoleOut,
    StatusChangeOut,
    StatusIn,
    StepIn,
    StepMoveIn,
    StepOut,
    StepPatch,
)

router = Router()

ORGS = ["organisations"]
PEOPLE = ["people"]
PATHWAYS = ["pathways"]
RIGHTS = ["decision rights"]
SETTINGS = ["network settings"]


# --- helpers ---------------------------------------------------------------------------------


def _forbid_unless(allowed: bool, message: str) -> None:
    """Visible but not this actor's to change: 403, before the action is even asked."""
    if not allowed:
        raise ReadOnly(message)


def _organisation_field(actor: Actor, code: str, field: str) -> Organisation:
    """An organisation named in a request body: unknown codes are a bad field (422)."""
    org = access.organisations_for(actor).filter(code=code).first()
    if org is None:
        raise RuleViolation.one(
            "unknown_organisation", f"There is no organisation with code '{code}'.", field
        )
    return org


def _pathway_field(actor: Actor, code: str, field: str) -> Pathway:
    pathway = Pathway.objects.visible_to(actor).filter(code=code).first()
    if pathway is None:
        raise RuleViolation.one(
            "unknown_pathway", f"There is no pathway with code '{code}'.", field
        )
    return pathway


def _step_of(actor: Actor, pathway: Pathway, code: str) -> PathwayStep:
    step = pathway.steps.filter(code=code).first()
    if step is None:
        raise access.refuse(actor, "network.pathwaystep", f"{pathway.code}/{code}")
    return step


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _reason(query_reason: str, payload: ReasonIn | None) -> str:
    """DELETE endpoints take the reason in the query string or in a JSON body."""
    return query_reason or (payload.reason if payload is not None else "")


def _person_with_roles(person: User) -> User:
    return User.objects.with_current_membership().get(pk=person.pk)


def _person_target(person: User) -> dict[str, str]:
    membership = person.current_membership()
    return {
        "object_type": "network.user",
        "object_id": str(person.uuid),
        "object_label": person.username,
        "object_organisation_code": membership.organisation.code if membership else "",
    }


def _pathway_detail(pathway: Pathway) -> dict[str, Any]:
    """The body of `PathwayDetailOut`: steps in order with their RACI, and the gaps."""
    steps = list(
        pathway.steps.order_by("position").prefetch_related(
            Prefetch("raci", queryset=RaciAssignment.objects.select_related("organisation"))
        )
    )
    gaps: list[dict[str, str]] = []
    for step in steps:
        entries = [
            RaciEntry(
                letter=e.letter,
                organisation=e.organisation.code if e.organisation is not None else None,
                role=e.role or None,
            )
            for e in step.raci.all()
        ]
        gaps.extend(
            {"step": step.code, "code": r.code, "message": r.message}
            for r in raci_gaps(step.name, entries)
        )
    return {
        "code": pathway.code,
        "name": pathway.name,
        "description": pathway.description,
        "lead_organisation": pathway.lead_organisation.code,
        "status": pathway.status,
        "version": pathway.version,
        "steps": steps,
        "raci_gaps": gaps,
    }


# --- who am I --------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, **ERRORS}, tags=["account"], summary="Who this token is")
def me(request: HttpRequest) -> MeOut:
    """The person the token acts as, their organisation, roles and when their access ends."""
    actor = actor_of(request)
    user = actor.user
    assert user is not None  # TokenAuth only lets people with a membership in
    org = actor.organisation
    return MeOut(
        uuid=user.uuid,
        username=user.username,
        display_name=user.display_name,
        organisation=OrganisationRef(code=org.code, name=org.name, kind=org.kind) if org else None,
        roles=sorted(actor.roles),
        read_only=actor.read_only,
        access_until=actor.access_until,
    )


# --- organisations ---------------------------------------------------------------------------


@router.get("/organisations", response={200: list[OrganisationOut], **QUERY_ERRORS}, tags=ORGS)
@paginate(PageNumberPagination)
def list_organisations(
    request: HttpRequest, kind: OrgKind | None = None, status: OrgStatus | None = None
) -> QuerySet[Organisation]:
    """The network's organisations (a directory every member shares), by name."""
    qs = access.organisations_for(actor_of(request)).order_by("name", "code")
    if kind is not None:
        qs = qs.filter(kind=kind)
    if status is not None:
        qs = qs.filter(status=status)
    return qs


@router.post("/organisations", response={201: OrganisationOut, **WRITE_ERRORS}, tags=ORGS)
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status[Organisation]:
    """Add an organisation to the network (network admin only)."""
    actor = require_writer(request)
    _forbid_unless(access.can_manage_network(actor), "Only the network admin adds organisations.")
    details = {
        name: value
        for name in ("ods_code", "contact_email", "contact_phone", "address")
        if (value := getattr(payload, name))
    }
    org = actions.create_organisation(
        actor,
        code=payload.code,
        name=payload.name,
        kind=payload.kind.value,
        status=payload.status.value,
        reason=payload.reason,
        **details,
    )
    return Status(201, org)


@router.get("/organisations/{code}", response={200: OrganisationOut, **ERRORS}, tags=ORGS)
def get_organisation(request: HttpRequest, code: str) -> Organisation:
    return access.get_organisation_for_user(actor_of(request), code)


@router.patch("/organisations/{code}", response={200: OrganisationOut, **WRITE_ERRORS}, tags=ORGS)
def update_organisation(
    request: HttpRequest, code: str, payload: OrganisationPatch
) -> Organisation:
    """Change an organisation's details. Send the `version` you read: a stale one answers 409."""
    actor = require_writer(request)
    org = access.get_organisation_for_user(actor, code, write=True)
    changes = payload.dict(exclude_unset=True, exclude={"version", "reason"})
    return actions.update_organisation(
        actor, org, changes, version=payload.version, reason=payload.reason
    )


@router.post(
    "/organisations/{code}/status", response={200: OrganisationOut, **WRITE_ERRORS}, tags=ORGS
)
def change_organisation_status(request: HttpRequest, code: str, payload: StatusIn) -> Organisation:
    """Move an organisation to another status in the network (network admin only)."""
    actor = require_writer(request)
    org = access.get_organisation_for_user(actor, code)
    _forbid_unless(
        access.can_manage_network(actor), "Only the network admin changes a partner's status."
    )
    actions.change_organisation_status(
        actor, org, payload.status.value, reason=payload.reason, version=payload.version
    )
    return org


@router.get(
    "/organisations/{code}/status-history",
    response={200: list[StatusChangeOut], **QUERY_ERRORS},
    tags=ORGS,
)
@paginate(PageNumberPagination)
def organisation_status_history(request: HttpRequest, code: str) -> QuerySet[Any]:
    """Every status the organisation has held in the network, newest first."""
    org = access.get_organisation_for_user(actor_of(request), code)
    return org.status_changes.select_related("changed_by").order_by("-changed_at", "-id")


# --- people ----------------------------------------------------------------------------------


@router.get(
    "/organisations/{code}/people", response={200: list[PersonOut], **QUERY_ERRORS}, tags=PEOPLE
)
@paginate(PageNumberPagination)
def list_people(request: HttpRequest, code: str) -> QuerySet[User]:
    """The current members of an organisation: private to it and to the prime's oversight."""
    actor = actor_of(request)
    org = access.get_people_page_for_user(actor, code)
    return (
        User.objects.visible_to(actor)
        .filter(memberships__organisation=org, memberships__ended_at__isnull=True)
        .with_current_membership()
        .order_by("last_name", "first_name", "username")
    )


@router.post("/organisations/{code}/people", response={201: PersonOut, **WRITE_ERRORS}, tags=PEOPLE)
def add_person(request: HttpRequest, code: str, payload: PersonIn) -> Status[User]:
    """Add a person to an organisation with their first roles."""
    actor = require_writer(request)
    org = access.get_people_page_for_user(actor, code)
    _forbid_unless(
        access.can_manage_people_of(actor, org),
        "Only this organisation's partner admin or the network admin adds people.",
    )
    person = actions.add_person(
        actor,
        org,
        username=payload.username,
        first_name=payload.first_name,
        last_name=payload.last_name,
        email=payload.email,
        password=payload.password,
        roles=[r.value for r in payload.roles],
        job_title=payload.job_title,
        expires_at=payload.expires_at,
        reason=payload.reason,
    )
    return Status(201, _person_with_roles(person))


@router.get("/people/{uuid}", response={200: PersonOut, **ERRORS}, tags=PEOPLE)
def get_person(request: HttpRequest, uuid: str) -> User:
    """One person. Reading a person is personal data: the read is written to the audit log."""
    actor = actor_of(request)
    person = _person_with_roles(access.get_person_for_user(actor, uuid))
    actions.record_person_read(actor, person)
    return person


@router.post("/people/{uuid}/roles", response={201: RoleOut, **WRITE_ERRORS}, tags=PEOPLE)
def grant_role(request: HttpRequest, uuid: str, payload: GrantIn) -> Status[Any]:
    """Grant a role (inspector access needs `expires_at`)."""
    actor = require_writer(request)
    person = access.get_person_for_user(actor, uuid, write=True)
    grant = actions.grant_role(
        actor, person, payload.role.value, reason=payload.reason, expires_at=payload.expires_at
    )
    return Status(201, grant)


@router.delete("/people/{uuid}/roles/{role}", response={200: RoleOut, **WRITE_ERRORS}, tags=PEOPLE)
def revoke_role(
    request: HttpRequest,
    uuid: str,
    role: Role,
    reason: str = "",
    payload: ReasonIn | None = None,
) -> Any:
    """Revoke a role. Give the `reason` in the query string or in a JSON body."""
    actor = require_writer(request)
    person = access.get_person_for_user(actor, uuid, write=True)
    return actions.revoke_role(actor, person, role.value, reason=_reason(reason, payload))


@router.post("/people/{uuid}/leave", response={200: LeaveOut, **WRITE_ERRORS}, tags=PEOPLE)
def person_leaves(request: HttpRequest, uuid: str, payload: ReasonIn) -> LeaveOut:
    """End the person's membership: every role they hold ends with it."""
    actor = require_writer(request)
    person = access.get_person_for_user(actor, uuid, write=True)
    membership = actions.end_membership(actor, person, reason=payload.reason)
    assert membership.ended_at is not None
    return LeaveOut(
        person=person.uuid,
        organisation=membership.organisation.code,
        ended_at=membership.ended_at,
        reason=membership.ended_reason,
    )


# --- pathways --------------------------------------------------------------------------------


@router.get("/pathways", response={200: list[PathwayOut], **QUERY_ERRORS}, tags=PATHWAYS)
@paginate(PageNumberPagination)
def list_pathways(request: HttpRequest, status: PathwayStatus | None = None) -> QuerySet[Pathway]:
    qs = (
        Pathway.objects.visible_to(actor_of(request))
        .select_related("lead_organisation")
        .annotate(step_count=Count("steps"))
        .order_by("name", "code")
    )
    if status is not None:
        qs = qs.filter(status=status)
    return qs


@router.post("/pathways", response={201: PathwayDetailOut, **WRITE_ERRORS}, tags=PATHWAYS)
def create_pathway(request: HttpRequest, payload: PathwayIn) -> Status[dict[str, Any]]:
    """Add a pathway (the prime's network admin or quality lead)."""
    actor = require_writer(request)
    _forbid_unless(
        access.can_design_pathways(actor),
        "Only the prime's network admin or quality lead adds pathways.",
    )
    lead = _organisation_field(actor, payload.lead_organisation, "lead_organisation")
    pathway = actions.create_pathway(
        actor,
        code=payload.code,
        name=payload.name,
        lead=lead,
        description=payload.description,
        reason=payload.reason,
    )
    return Status(201, _pathway_detail(pathway))


@router.get("/pathways/{code}", response={200: PathwayDetailOut, **ERRORS}, tags=PATHWAYS)
def get_pathway(request: HttpRequest, code: str) -> dict[str, Any]:
    """A pathway's steps in order, each with its RACI and time standard, and any RACI gaps."""
    return _pathway_detail(access.get_pathway_for_user(actor_of(request), code))


@router.patch("/pathways/{code}", response={200: PathwayDetailOut, **WRITE_ERRORS}, tags=PATHWAYS)
def update_pathway(request: HttpRequest, code: str, payload: PathwayPatch) -> dict[str, Any]:
    actor = require_writer(request)
    pathway = access.get_pathway_for_user(actor, code, write=True)
    changes = payload.dict(exclude_unset=True, exclude={"version", "reason"})
    pathway = actions.update_pathway(
        actor, pathway, changes, version=payload.version, reason=payload.reason
    )
    return _pathway_detail(pathway)


@router.post("/pathways/{code}/steps", response={201: StepOut, **WRITE_ERRORS}, tags=PATHWAYS)
def add_step(request: HttpRequest, code: str, payload: StepIn) -> Status[PathwayStep]:
    """Add a step at the end of the pathway."""
    actor = require_writer(request)
    pathway = access.get_pathway_for_user(actor, code, write=True)
    step = actions.add_step(
        actor,
        pathway,
        code=payload.code,
        name=payload.name,
        time_standard_hours=payload.time_standard_hours,
        clock_starts=payload.clock_starts.value,
        description=payload.description,
        reason=payload.reason,
    )
    return Status(201, step)


@router.patch(
    "/pathways/{code}/steps/{step}", response={200: StepOut, **WRITE_ERRORS}, tags=PATHWAYS
)
def update_step(request: HttpRequest, code: str, step: str, payload: StepPatch) -> PathwayStep:
    actor = require_writer(request)
    pathway = access.get_pathway_for_user(actor, code, write=True)
    found = _step_of(actor, pathway, step)
    changes = payload.dict(exclude_unset=True, exclude={"version", "reason"})
    if changes.get("clock_starts") is not None:
        changes["clock_starts"] = changes["clock_starts"].value
    return actions.update_step(
        actor, found, changes, version=payload.version, reason=payload.reason
    )


@router.post(
    "/pathways/{code}/steps/{step}/move",
    response={200: PathwayDetailOut, **WRITE_ERRORS},
    tags=PATHWAYS,
)
def move_step(request: HttpRequest, code: str, step: str, payload: StepMoveIn) -> dict[str, Any]:
    """Swap a step with its neighbour: `direction` -1 moves it up, +1 down."""
    actor = require_writer(request)
    pathway = access.get_pathway_for_user(actor, code, write=True)
    found = _step_of(actor, pathway, step)
    if payload.direction not in (-1, 1):
        raise RuleViolation.one("invalid_value", "Direction is -1 (up) or 1 (down).", "direction")
    actions.move_step(actor, found, direction=payload.direction, version=payload.version)
    return _pathway_detail(pathway)


@router.post(
    "/pathways/{code}/steps/{step}/raci", response={201: RaciOut, **WRITE_ERRORS}, tags=PATHWAYS
)
def add_raci(request: HttpRequest, code: str, step: str, payload: RaciIn) -> Status[Any]:
    """Give an organisation or a role one RACI letter on a step."""
    actor = require_writer(request)
    pathway = access.get_pathway_for_user(actor, code, write=True)
    found = _step_of(actor, pathway, step)
    org = (
        _organisation_field(actor, payload.organisation, "organisation")
        if payload.organisation
        else None
    )
    entry = actions.add_raci(
        actor,
        found,
        letter=payload.letter.value,
        organisation=org,
        role=payload.role.value if payload.role else "",
        reason=payload.reason,
    )
    return Status(201, entry)


@router.delete("/pathways/{code}/raci/{uuid}", response={204: None, **WRITE_ERRORS}, tags=PATHWAYS)
def remove_raci(
    request: HttpRequest, code: str, uuid: str, reason: str = "", payload: ReasonIn | None = None
) -> Status[None]:
    """Remove one RACI entry from a step of the pathway."""
    actor = require_writer(request)
    pathway = access.get_pathway_for_user(actor, code, write=True)
    wanted = _uuid_or_none(uuid)
    entry = (
        RaciAssignment.objects.select_related("step", "organisation")
        .filter(step__pathway=pathway, uuid=wanted)
        .first()
        if wanted
        else None
    )
    if entry is None:
        raise access.refuse(actor, "network.raciassignment", uuid)
    entry.step.pathway = pathway
    actions.remove_raci(actor, entry, reason=_reason(reason, payload))
    return Status(204, None)


# --- decision rights -------------------------------------------------------------------------


def _decision_rights(actor: Actor) -> QuerySet[DecisionRight]:
    """The decision-rights map is shared by every member, like the pathways it serves."""
    if not actor.roles:
        return DecisionRight.objects.none()
    return DecisionRight.objects.select_related("pathway", "organisation")


@router.get("/decision-rights", response={200: list[DecisionRightOut], **QUERY_ERRORS}, tags=RIGHTS)
@paginate(PageNumberPagination)
def list_decision_rights(
    request: HttpRequest, action_kind: ActionKind | None = None, pathway: str | None = None
) -> QuerySet[DecisionRight]:
    """Who may start which action without waiting for a meeting. `pathway` also matches the
    rights that hold on every pathway."""
    qs = _decision_rights(actor_of(request)).order_by("action_kind", "created_at", "uuid")
    if action_kind is not None:
        qs = qs.filter(action_kind=action_kind)
    if pathway:
        qs = qs.filter(Q(pathway__code=pathway) | Q(pathway__isnull=True))
    return qs


@router.get("/decision-rights/check", response={200: CheckOut, **QUERY_ERRORS}, tags=RIGHTS)
def check_decision_right(
    request: HttpRequest,
    action_kind: ActionKind,
    pathway: str | None = None,
    organisation: str | None = None,
    role: Role | None = None,
) -> CheckOut:
    """May this organisation and role start the action without a meeting?

    Leave out `organisation` and `role` to ask for yourself. With `organisation` but no `role`
    the answer is about the organisation as such (rights open to any of its roles)."""
    actor = actor_of(request)
    if pathway:
        _pathway_field(actor, pathway, "pathway")
    if organisation:
        org_code = _organisation_field(actor, organisation, "organisation").code
    else:
        org_code = actor.org_code
    if role is not None:
        roles: list[str] = [role.value]
    elif organisation:
        roles = []
    else:
        roles = sorted(actor.roles)
    rights = [
        Right(action_kind=kind, pathway=p or None, organisation=o or None, role=r or None)
        for kind, p, o, r in _decision_rights(actor)
        .filter(action_kind=action_kind)
        .values_list("action_kind", "pathway__code", "organisation__code", "role")
    ]
    allowed, reasons = may_initiate(
        rights,
        action_kind=action_kind.value,
        pathway=pathway or None,
        organisation=org_code,
        roles=roles,
        action_label=str(action_kind.label),
    )
    return CheckOut(
        allowed=allowed,
        reasons=[ReasonOut(code=r.code, message=r.message, field=r.field) for r in reasons],
    )


@router.post("/decision-rights", response={201: DecisionRightOut, **WRITE_ERRORS}, tags=RIGHTS)
def add_decision_right(request: HttpRequest, payload: DecisionRightIn) -> Status[DecisionRight]:
    """Put a right on the map (network admin only)."""
    actor = require_writer(request)
    _forbid_unless(
        access.can_edit_decision_rights(actor), "Only the network admin changes decision rights."
    )
    right = actions.add_decision_right(
        actor,
        action_kind=payload.action_kind.value,
        pathway=_pathway_field(actor, payload.pathway, "pathway") if payload.pathway else None,
        organisation=(
            _organisation_field(actor, payload.organisation, "organisation")
            if payload.organisation
            else None
        ),
        role=payload.role.value if payload.role else "",
        conditions=payload.conditions,
        reason=payload.reason,
    )
    return Status(201, right)


@router.delete("/decision-rights/{uuid}", response={204: None, **WRITE_ERRORS}, tags=RIGHTS)
def remove_decision_right(
    request: HttpRequest, uuid: str, reason: str = "", payload: ReasonIn | None = None
) -> Status[None]:
    """Take a right off the map (network admin only). Give the `reason` in query or body."""
    actor = require_writer(request)
    wanted = _uuid_or_none(uuid)
    right = _decision_rights(actor).filter(uuid=wanted).first() if wanted else None
    if right is None:
        raise access.refuse(actor, "network.decisionright", uuid)
    _forbid_unless(
        access.can_edit_decision_rights(actor), "Only the network admin changes decision rights."
    )
    actions.remove_decision_right(actor, right, reason=_reason(reason, payload))
    return Status(204, None)


# --- network settings ------------------------------------------------------------------------


@router.get("/network/settings", response={200: NetworkSettingsOut, **ERRORS}, tags=SETTINGS)
def get_network_settings(request: HttpRequest) -> Any:
    """The shared defaults of the network (SPEC section 3)."""
    return access.get_network_for_user(actor_of(request))


@router.patch(
    "/network/settings", response={200: NetworkSettingsOut, **WRITE_ERRORS}, tags=SETTINGS
)
def update_network_settings(request: HttpRequest, payload: NetworkSettingsPatch) -> Any:
    """Change shared defaults (network admin only), with the `version` you read and a reason."""
    actor = require_writer(request)
    access.get_network_for_user(actor, write=True)
    changes = payload.dict(exclude_unset=True, exclude={"version", "reason"})
    return actions.update_network_settings(
        actor, changes, version=payload.version, reason=payload.reason
    )
