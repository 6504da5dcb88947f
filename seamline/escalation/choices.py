"""Closed vocabularies of escalation. Each one is also a check constraint in the database."""

from django.db import models


class Trigger(models.TextChoices):
    """What opens an escalation (SPEC C8): a flag, an observation or a pattern of events, and
    the two seams that enter the ladder from other apps."""

    HIGH_RISK_FLAG = "high_risk_flag", "A high-severity risk flag"
    DETERIORATION = "deterioration", "An observation of deterioration"
    MISSED_VISITS = "missed_visits", "Two missed visits in 7 days"
    ED_CONTACT = "ed_contact", "An emergency department contact"
    HOUSING_LOSS = "housing_loss", "Housing loss"
    BEHAVIOURAL_RISK = "behavioural_risk", "A new behavioural risk"
    SAFEGUARDING = "safeguarding", "A safeguarding concern"
    HANDOFF_OVERDUE = "handoff_overdue", "A handoff unanswered or unresolved past its standard"
    RECONCILIATION = "reconciliation", "A reconciliation mismatch unresolved past its standard"


class Tier(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate"
    SAME_DAY = "same_day", "Same day"
    REVIEW_24_72H = "review_24_72h", "Review in 24-72 hours"


class Level(models.TextChoices):
    """The three kinds of rung of a ladder, climbed in this order."""

    OPERATIONAL = "operational", "Operational"
    CLINICAL = "clinical", "Clinical"
    CONTRACTUAL = "contractual", "Contractual"


class State(models.TextChoices):
    RAISED = "raised", "Raised"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESPONDED = "responded", "Clinically reviewed"
    RESOLVED = "resolved", "Resolved"


# States in which nobody has answered yet, so the clock runs and the ladder climbs.
CLIMBING_STATES = (State.RAISED, State.ACKNOWLEDGED)
OPEN_STATES = (State.RAISED, State.ACKNOWLEDGED, State.RESPONDED)


class Outcome(models.TextChoices):
    MANAGED_IN_PLACE = "managed_in_place", "Managed in place: plan changed"
    CLINICAL_INPUT = "clinical_input", "Clinical input arranged"
    ADMITTED = "admitted", "Admitted to hospital"
    SAFEGUARDING_REFERRAL = "safeguarding_referral", "Safeguarding referral made"
    NO_ACTION = "no_action", "Reviewed: no further action needed"
    SOURCE_RESOLVED = "source_resolved", "The handoff or mismatch was resolved"


class EventKind(models.TextChoices):
    RAISED = "raised", "Raised"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESPONDED = "responded", "Clinically reviewed"
    RESOLVED = "resolved", "Resolved"
    CLIMBED = "climbed", "Climbed to the next rung"
    BREACHED = "breached", "Last rung's deadline passed"
    SAFEGUARDING = "safeguarding", "Safeguarding concern: the pathway's lead told"


# --- safeguarding -----------------------------------------------------------------------------


class Theme(models.TextChoices):
    """What a safeguarding concern is about: the categories of abuse and neglect the Care Act
    2014 statutory guidance names."""

    NEGLECT = "neglect", "Neglect or acts of omission"
    SELF_NEGLECT = "self_neglect", "Self-neglect"
    FINANCIAL = "financial", "Financial or material abuse"
    PHYSICAL = "physical", "Physical abuse"
    PSYCHOLOGICAL = "psychological", "Psychological or emotional abuse"
    SEXUAL = "sexual", "Sexual abuse"
    DOMESTIC = "domestic", "Domestic abuse"
    DISCRIMINATORY = "discriminatory", "Discriminatory abuse"
    ORGANISATIONAL = "organisational", "Organisational abuse"
    MODERN_SLAVERY = "modern_slavery", "Modern slavery"


class Contact(models.TextChoices):
    """The kind of contact a concern arose at."""

    HOME_VISIT = "home_visit", "Home visit"
    PHONE = "phone", "Telephone call"
    CLINIC = "clinic", "Clinic or office appointment"
    HOSPITAL = "hospital", "Hospital or discharge contact"
    COMMUNITY = "community", "Community or outreach contact"
    HANDOFF = "handoff", "Handoff between teams"
    OTHER = "other", "Another contact"


class ConcernState(models.TextChoices):
    NEW = "new", "New: waiting for triage"
    TRIAGED = "triaged", "Triaged"
    CLOSED = "closed", "Closed"


class ConcernOutcome(models.TextChoices):
    """What became of a concern once triaged and followed through."""

    ENQUIRY = "enquiry", "Local authority safeguarding enquiry (section 42)"
    LA_ADVICE = "la_advice", "Local authority: advice given, no enquiry"
    POLICE = "police", "Police action"
    PROTECTION_PLAN = "protection_plan", "Protection plan kept by the care team"
    NO_FURTHER_ACTION = "no_further_action", "No further action: threshold not met"


# Outcomes that say a notification was made, and which one it needs.
OUTCOME_NEEDS = {
    ConcernOutcome.ENQUIRY: "la",
    ConcernOutcome.LA_ADVICE: "la",
    ConcernOutcome.POLICE: "police",
}
