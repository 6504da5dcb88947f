"""Closed vocabularies of care coordination. Each one is also a check constraint."""

from django.db import models


class ActionSource(models.TextChoices):
    """Where an owned action came from (SPEC C7: huddle, handoff, plan, sprint, escalation)."""

    HUDDLE = "huddle", "Huddle decision"
    HANDOFF = "handoff", "Handoff action item"
    PLAN = "plan", "Care plan"
    SPRINT = "sprint", "Post-discharge sprint"
    ESCALATION = "escalation", "Escalation"


class Acuity(models.TextChoices):
    """How unwell a huddle cohort's people are, which sets how often it meets."""

    HIGH = "high", "High acuity"
    STANDARD = "standard", "Standard"


class Cadence(models.TextChoices):
    """How often a cohort's huddle meets (SPEC C7: daily for high acuity, two or three times a
    week otherwise)."""

    DAILY = "daily", "Daily (Monday to Friday)"
    THREE_WEEKLY = "three_weekly", "Three times a week (Monday, Wednesday, Friday)"
    TWICE_WEEKLY = "twice_weekly", "Twice a week (Tuesday, Thursday)"


# The cadences each acuity allows (the rule and the database constraint both read this).
CADENCES_FOR: dict[str, tuple[str, ...]] = {
    Acuity.HIGH: (Cadence.DAILY,),
    Acuity.STANDARD: (Cadence.THREE_WEEKLY, Cadence.TWICE_WEEKLY),
}
# The weekdays (Monday 0) each cadence meets on.
MEETING_DAYS: dict[str, tuple[int, ...]] = {
    Cadence.DAILY: (0, 1, 2, 3, 4),
    Cadence.THREE_WEEKLY: (0, 2, 4),
    Cadence.TWICE_WEEKLY: (1, 3),
}


class StepStatus(models.TextChoices):
    """Where a post-discharge sprint step stands. Failure is not a status: a step fails when it
    is not done or refused by its due time (`rules.step_failed`)."""

    OPEN = "open", "Open"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused, handled"


class RefusalHandling(models.TextChoices):
    """How a refused sprint step was handled (the text says the rest)."""

    RISKS_EXPLAINED = "risks_explained", "Risks explained, refusal respected"
    ALTERNATIVE = "alternative", "Alternative arranged"
    REPRESENTATIVE = "representative", "Agreed with their representative"
    ESCALATED = "escalated", "Escalated to a supervisor or clinician"
    RETRY_LATER = "retry_later", "Offered again later in the plan"


class RecordKind(models.TextChoices):
    """What a contact or daily record documents (SPEC C7, the 24-hour documentation standard)."""

    CONTACT = "contact", "Contact"
    REFUSAL = "refusal", "Refusal"
    RISK_CHANGE = "risk_change", "Risk change"
    SERVICE_DISRUPTION = "service_disruption", "Service disruption"
    SAFEGUARDING_CONCERN = "safeguarding_concern", "Safeguarding concern"
