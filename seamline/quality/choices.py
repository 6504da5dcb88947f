from django.db import models


class Question(models.TextChoices):
    """What a panel answers about each vignette."""

    ESCALATE = "escalate", "Escalate?"
    TIER = "tier", "Tier"
    SAFEGUARDING = "safeguarding", "Safeguarding threshold met?"
    HOURS = "hours", "Hours to escalate"


class RoundStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Answer(models.TextChoices):
    """An auditor's answer to one criterion of a scoring template."""

    YES = "yes", "Yes"
    PARTIAL = "partial", "Partly"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class RecordKind(models.TextChoices):
    """The kinds of record an audit samples."""

    HANDOFF = "handoff", "Handoffs"
    VISIT = "visit", "Visits"
    DELEGATED_TASK = "delegated_task", "Delegated-task records"
    SAFEGUARDING = "safeguarding", "Safeguarding cases"


class ActionStatus(models.TextChoices):
    """A corrective action only moves forward: not started, in progress, completed."""

    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class SourceKind(models.TextChoices):
    """What a corrective action comes from (`source_ref` names the record)."""

    AUDIT = "audit", "Audit"
    INCIDENT = "incident", "Incident"
    CALIBRATION = "calibration", "Calibration round"
    RECONCILIATION = "reconciliation", "Reconciliation"


# --- incidents ---------------------------------------------------------------------------------


class IncidentTheme(models.TextChoices):
    """What went wrong: one closed vocabulary for every partner, so themes add up."""

    MISSED_VISIT = "missed_visit", "Missed visit"
    MEDICATION_ERROR = "medication_error", "Medication error"
    FALL = "fall", "Fall"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    HANDOFF_COMMUNICATION = "handoff_communication", "Communication failure at handoff"
    DELAYED_ESCALATION = "delayed_escalation", "Delayed escalation"
    DOCUMENTATION = "documentation", "Documentation"
    EQUIPMENT = "equipment", "Equipment"
    OTHER = "other", "Other"


class IncidentSeverity(models.TextChoices):
    """The harm done, from none to death (the usual patient-safety grading)."""

    NO_HARM = "no_harm", "No harm"
    LOW = "low", "Low harm"
    MODERATE = "moderate", "Moderate harm"
    SEVERE = "severe", "Severe harm"
    DEATH = "death", "Death"


class LinkKind(models.TextChoices):
    """The records an incident can name as involved."""

    HANDOFF = "handoff", "Handoff"
    ESCALATION = "escalation", "Escalation"
    WORKER = "worker", "Worker"
    PLAN_VERSION = "plan_version", "Plan version"


# --- partner due diligence ---------------------------------------------------------------------


class DiligenceArea(models.TextChoices):
    """The four areas a partner is reviewed on before it joins the network's work."""

    PATHWAY_CAPABILITY = "pathway_capability", "Pathway capability"
    CLINICAL_GOVERNANCE = "clinical_governance", "Clinical governance"
    WORKFORCE_RESILIENCE = "workforce_resilience", "Workforce resilience"
    INFORMATION_READINESS = "information_readiness", "Information readiness"


class Finding(models.TextChoices):
    """The reviewer's finding on one area."""

    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    DECLINED = "declined", "Declined"


APPROVING = frozenset({Decision.APPROVED, Decision.APPROVED_WITH_CONDITIONS})
