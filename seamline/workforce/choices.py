from django.db import models


class EmploymentType(models.TextChoices):
    EMPLOYED = "employed", "Employed"
    BANK = "bank", "Bank"
    AGENCY = "agency", "Agency"
    CONTRACTOR = "contractor", "Contractor"
    VOLUNTEER = "volunteer", "Volunteer"


# SPEC section 3: a temporary worker is bank, agency or contractor.
TEMPORARY = frozenset({EmploymentType.BANK, EmploymentType.AGENCY, EmploymentType.CONTRACTOR})


class RoleGroup(models.TextChoices):
    SUPPORT_WORKER = "support_worker", "Support worker"
    SENIOR_SUPPORT_WORKER = "senior_support_worker", "Senior support worker"
    NURSE = "nurse", "Nurse"
    THERAPIST = "therapist", "Therapist"
    SOCIAL_WORKER = "social_worker", "Social worker"
    PEER_SUPPORT = "peer_support", "Peer support worker"
    COORDINATOR = "coordinator", "Care coordinator"
    TEAM_LEADER = "team_leader", "Team leader"


class WorkerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended from practice"
    LEFT = "left", "Left"


class SupervisionKind(models.TextChoices):
    ROUTINE = "routine", "Routine"
    ENHANCED = "enhanced", "Enhanced (new starter or placement)"
    REMEDIAL = "remedial", "Remedial (after a spot-check)"


# The four topics a temporary worker's local induction must cover (SPEC C3).
LOCAL_INDUCTION_TOPICS = (
    "escalation_routes",
    "safeguarding_triggers",
    "documentation_expectations",
    "boundaries",
)
