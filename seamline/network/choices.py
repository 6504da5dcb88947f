"""Closed vocabularies of the network app. Each one is also a check constraint in the database."""

from django.db import models


class Role(models.TextChoices):
    NETWORK_ADMIN = "network_admin", "Network admin"
    PARTNER_ADMIN = "partner_admin", "Partner admin"
    SUPERVISOR = "supervisor", "Supervisor / clinical lead"
    COORDINATOR = "coordinator", "Care coordinator"
    SCHEDULER = "scheduler", "Scheduler / rota coordinator"
    WORKER = "worker", "Frontline worker"
    QUALITY_LEAD = "quality_lead", "Quality lead"
    COMMISSIONER = "commissioner", "Commissioner / funder"
    INSPECTOR = "inspector", "Inspector / auditor"


class OrgKind(models.TextChoices):
    PRIME = "prime", "Prime provider"
    SUBCONTRACTOR = "subcontractor", "Subcontractor"
    STAFFING_AGENCY = "staffing_agency", "Staffing agency"
    VCSE = "vcse", "Voluntary, community and social enterprise"
    LOCAL_AUTHORITY = "local_authority", "Local authority / county team"
    NHS_TRUST = "nhs_trust", "NHS trust"
    HEALTH_PLAN = "health_plan", "Health plan"
    COMMISSIONER = "commissioner", "Commissioner"


class OrgStatus(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    EXITED = "exited", "Exited"


# Which status moves make sense. Exited is final: a partner that returns is onboarded afresh
# as a new organisation record so that its history stays readable.
STATUS_MOVES: dict[str, frozenset[str]] = {
    OrgStatus.ONBOARDING: frozenset({OrgStatus.ACTIVE, OrgStatus.EXITED}),
    OrgStatus.ACTIVE: frozenset({OrgStatus.SUSPENDED, OrgStatus.EXITED}),
    OrgStatus.SUSPENDED: frozenset({OrgStatus.ACTIVE, OrgStatus.EXITED}),
    OrgStatus.EXITED: frozenset(),
}


class RaciLetter(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class ClockStart(models.TextChoices):
    REFERRAL_RECEIVED = "referral_received", "referral received"
    PREVIOUS_STEP = "previous_step", "previous step completed"
    DISCHARGE = "discharge", "discharge"
    EPISODE_START = "episode_start", "pathway episode start"


class ActionKind(models.TextChoices):
    AUTHORISE_SERVICE = "authorise_service", "Authorise a service"
    REFER = "refer", "Refer onward"
    CRISIS_ESCALATION = "crisis_escalation", "Crisis escalation"
    HOUSING_ACTION = "housing_action", "Housing action"
    MEDICATION_RECONCILIATION = "medication_reconciliation", "Medication reconciliation"
    SAFEGUARDING_REFERRAL = "safeguarding_referral", "Safeguarding referral"
    EMERGENCY_COVER = "emergency_cover", "Arrange emergency cover"
    EQUIPMENT_ORDER = "equipment_order", "Order equipment"
    DISCHARGE_FROM_PATHWAY = "discharge_from_pathway", "Discharge from the pathway"


class PathwayStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


def choice_check(
    field: str, choices: type[models.TextChoices], name: str
) -> models.CheckConstraint:
    """A database check constraint that keeps `field` inside `choices`."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)
