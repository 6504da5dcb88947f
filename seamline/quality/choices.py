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
