"""Closed vocabularies of structured handoffs. Each one is also a check constraint."""

from django.db import models


class Transition(models.TextChoices):
    """The transitions a bundle template is written for (SPEC C6): one template each."""

    HOSPITAL_DISCHARGE = "hospital_discharge", "Hospital discharge to community"
    CRISIS_STEP_DOWN = "crisis_step_down", "Crisis stabilisation to routine follow-up"
    HOUSING_PLACEMENT = "housing_placement", "New housing placement"
    SHIFT_HANDOVER = "shift_handover", "Shift handover"
    SAFEGUARDING = "safeguarding", "Safeguarding handover"


class HandoffState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent, awaiting the receiver"
    INFO_REQUESTED = "info_requested", "Information requested"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# States in which the handoff is still in play: at most one per case (a database constraint).
OPEN_STATES = (HandoffState.DRAFT, HandoffState.SENT, HandoffState.INFO_REQUESTED)
# States whose response deadline (`respond_by`) can run out.
TIMED_STATES = (HandoffState.SENT, HandoffState.INFO_REQUESTED, HandoffState.REJECTED)


class FieldLevel(models.TextChoices):
    """How much a template needs a field. Mandatory blocks acceptance; mandatory and required
    count towards completeness; optional is there when it helps."""

    MANDATORY = "mandatory", "Mandatory"
    REQUIRED = "required", "Required"
    OPTIONAL = "optional", "Optional"


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    CHOICE = "choice", "One of a list"
    DATE = "date", "Date"
    RISK = "risk", "Risk (description and severity)"
    MEDICATION_CHANGE = "medication_change", "Medication change (medicine, change, detail)"
    CONTACT = "contact", "Contact (name, role, telephone)"
    ACTION_ITEM = "action_item", "Action item (what, owner, due time)"


class Cardinality(models.TextChoices):
    ONE = "one", "One value"
    MANY = "many", "A list"


class RejectionReason(models.TextChoices):
    MISSING_INFORMATION = "missing_information", "Missing information"
    INAPPROPRIATE = "inappropriate", "Inappropriate for our service"
    NO_CAPACITY = "no_capacity", "No capacity"
    OTHER = "other", "Other"


class EventKind(models.TextChoices):
    CREATED = "created", "Drafted"
    EDITED = "edited", "Bundle edited"
    SENT = "sent", "Sent"
    INFO_REQUESTED = "info_requested", "Information requested"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    MISMATCH_FLAGGED = "mismatch_flagged", "Repeat-back mismatch flagged"
    REJECTION_RESOLVED = "rejection_resolved", "Rejection resolved"
    AUDITED = "audited", "Audited"


class Rating(models.TextChoices):
    """An auditor's answer to one criterion of the scoring tool."""

    YES = "yes", "Yes"
    PARTIAL = "partial", "Partly"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
