"""In and Out schemas of the network API.

Only public ids cross the wire: organisation and pathway codes, step codes, and the UUIDs of
people, RACI entries and decision rights. Integer primary keys never appear.
"""

from datetime import datetime, time
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import ConfigDict

from .choices import ActionKind, ClockStart, OrgKind, OrgStatus, RaciLetter, Role

# --- shared ----------------------------------------------------------------------------------


class In(Schema):
    """A request body: a field the endpoint does not take is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ReasonIn(In):
    reason: str = Field("", description="Why; kept in the audit log.")


class ReasonOut(Schema):
    code: str
    message: str
    field: str | None = None


# --- who am I --------------------------------------------------------------------------------


class OrganisationRef(Schema):
    code: str
    name: str
    kind: str


class MeOut(Schema):
    uuid: UUID
    username: str
    display_name: str
    organisation: OrganisationRef | None
    roles: list[str]
    read_only: bool
    access_until: datetime | None = Field(
        None, description="When this person's access ends (inspectors); null if it does not."
    )


# --- organisations ---------------------------------------------------------------------------


class OrganisationOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    status: str
    ods_code: str
    contact_email: str
    contact_phone: str
    address: str
    created_at: datetime
    version: int

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class OrganisationIn(In):
    code: str = Field(..., description="Short public code: letters, digits, - and _.")
    name: str
    kind: OrgKind
    status: OrgStatus = OrgStatus.ONBOARDING
    reason: str = Field(..., description="Why the organisation joins the network.")
    ods_code: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    address: str = ""


class OrganisationPatch(In):
    version: int = Field(..., description="The version you read; a stale one answers 409.")
    reason: str = ""
    name: str | None = None
    ods_code: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    address: str | None = None


class StatusIn(In):
    status: OrgStatus
    reason: str
    version: int | None = Field(
        None, description="The version you read; if given and stale, answers 409."
    )


class StatusChangeOut(Schema):
    from_status: str | None
    to_status: str
    changed_at: datetime
    changed_by: str | None
    reason: str

    @staticmethod
    def resolve_from_status(obj: Any) -> str | None:
        return obj.from_status or None

    @staticmethod
    def resolve_changed_by(obj: Any) -> str | None:
        return obj.changed_by.display_name if obj.changed_by_id else None


# --- people ----------------------------------------------------------------------------------


class RoleOut(Schema):
    role: str
    label: str
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None

    @staticmethod
    def resolve_label(obj: Any) -> str:
        return str(Role(obj.role).label)


class PersonOut(Schema):
    uuid: UUID
    username: str
    display_name: str
    first_name: str
    last_name: str
    email: str
    job_title: str
    phone: str
    organisation: str | None = Field(None, description="Code of their current organisation.")
    roles: list[RoleOut]

    @staticmethod
    def resolve_organisation(obj: Any) -> str | None:
        membership = obj.current_membership()
        return membership.organisation.code if membership else None

    @staticmethod
    def resolve_roles(obj: Any) -> list[Any]:
        membership = obj.current_membership()
        if membership is None:
            return []
        grants = getattr(membership, "current_roles", None)
        if grants is None:
            grants = list(membership.roles.current())
        return [g for g in grants if g.is_active()]


class PersonIn(In):
    username: str
    first_name: str
    last_name: str
    email: str
    password: str = Field(..., description="Checked against the password policy; never echoed.")
    roles: list[Role]
    job_title: str = ""
    expires_at: datetime | None = Field(
        None, description="When the roles end; required for inspector access."
    )
    reason: str = ""


class GrantIn(In):
    role: Role
    reason: str
    expires_at: datetime | None = None


class LeaveOut(Schema):
    person: UUID
    organisation: str
    ended_at: datetime
    reason: str


# --- pathways --------------------------------------------------------------------------------


class RaciOut(Schema):
    uuid: UUID
    letter: str
    organisation: str | None
    role: str | None
    party_label: str

    @staticmethod
    def resolve_organisation(obj: Any) -> str | None:
        return obj.organisation.code if obj.organisation_id else None

    @staticmethod
    def resolve_role(obj: Any) -> str | None:
        return obj.role or None


class StepOut(Schema):
    code: str
    position: int
    name: str
    description: str
    time_standard_hours: int | None
    clock_starts: str
    time_standard_label: str
    version: int
    raci: list[RaciOut]

    @staticmethod
    def resolve_raci(obj: Any) -> list[Any]:
        return list(obj.raci.all())


class PathwayOut(Schema):
    code: str
    name: str
    description: str
    lead_organisation: str
    status: str
    version: int
    step_count: int

    @staticmethod
    def resolve_lead_organisation(obj: Any) -> str:
        return str(obj.lead_organisation.code)

    @staticmethod
    def resolve_step_count(obj: Any) -> int:
        count = getattr(obj, "step_count", None)
        return int(count) if count is not None else obj.steps.count()


class RaciGapOut(Schema):
    step: str
    code: str
    message: str


class PathwayDetailOut(Schema):
    code: str
    name: str
    description: str
    lead_organisation: str
    status: str
    version: int
    steps: list[StepOut]
    raci_gaps: list[RaciGapOut] = Field(
        ..., description="Steps without exactly one Accountable or without a Responsible party."
    )


class PathwayIn(In):
    code: str
    name: str
    lead_organisation: str = Field(..., description="Code of the organisation that leads it.")
    description: str = ""
    reason: str = ""


class PathwayPatch(In):
    version: int
    reason: str = ""
    name: str | None = None
    description: str | None = None


class StepIn(In):
    code: str
    name: str
    time_standard_hours: int | None = None
    clock_starts: ClockStart = ClockStart.PREVIOUS_STEP
    description: str = ""
    reason: str = ""


class StepPatch(In):
    version: int
    reason: str = ""
    name: str | None = None
    description: str | None = None
    time_standard_hours: int | None = None
    clock_starts: ClockStart | None = None


class StepMoveIn(In):
    direction: int = Field(..., description="-1 moves the step up one place, +1 down one.")
    version: int


class RaciIn(In):
    letter: RaciLetter
    organisation: str | None = Field(None, description="Organisation code; or give a role.")
    role: Role | None = Field(None, description="A role; or give an organisation.")
    reason: str = ""


# --- decision rights -------------------------------------------------------------------------


class DecisionRightOut(Schema):
    uuid: UUID
    action_kind: str
    action_label: str
    pathway: str | None
    organisation: str | None
    role: str | None
    conditions: str
    created_at: datetime

    @staticmethod
    def resolve_action_label(obj: Any) -> str:
        return str(obj.get_action_kind_display())

    @staticmethod
    def resolve_pathway(obj: Any) -> str | None:
        return obj.pathway.code if obj.pathway_id else None

    @staticmethod
    def resolve_organisation(obj: Any) -> str | None:
        return obj.organisation.code if obj.organisation_id else None

    @staticmethod
    def resolve_role(obj: Any) -> str | None:
        return obj.role or None


class DecisionRightIn(In):
    action_kind: ActionKind
    pathway: str | None = Field(None, description="Pathway code; leave out for every pathway.")
    organisation: str | None = Field(None, description="Organisation code; or any.")
    role: Role | None = None
    conditions: str = ""
    reason: str


class CheckOut(Schema):
    allowed: bool
    reasons: list[ReasonOut]


# --- network settings ------------------------------------------------------------------------


class NetworkSettingsOut(Schema):
    name: str
    time_zone: str
    late_threshold: time
    expiring_days: int
    enhanced_supervision_days: int
    temporary_review_months: int
    remedial_supervision_days: int
    cap_induction: int
    cap_supervised: int
    cap_independent: int
    cap_enhanced: int
    small_number_threshold: int
    version: int


class NetworkSettingsPatch(In):
    version: int
    reason: str
    name: str | None = None
    time_zone: str | None = None
    late_threshold: time | None = None
    expiring_days: int | None = None
    enhanced_supervision_days: int | None = None
    temporary_review_months: int | None = None
    remedial_supervision_days: int | None = None
    cap_induction: int | None = None
    cap_supervised: int | None = None
    cap_independent: int | None = None
    cap_enhanced: int | None = None
    small_number_threshold: int | None = None
