"""Closed vocabularies of participants and referrals. Each one is also a check constraint."""

from django.db import models

from seamline.network.choices import Role


class ParticipantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MERGED = "merged", "Merged into another record"


class ConsentScope(models.TextChoices):
    ALL_INVOLVED = "all_involved", "Share with every organisation that has a part in the care"
    NAMED = "named", "Share only with the organisations named"


class RiskKind(models.TextChoices):
    MISSED_VISITS = "missed_visits", "Missed visits"
    RECENT_ED_CONTACT = "recent_ed_contact", "Recent emergency department contact"
    HOUSING_INSTABILITY = "housing_instability", "Housing instability"
    MEDICATION_CHANGE = "medication_change", "Medication change"
    BEHAVIOURAL_ESCALATION = "behavioural_escalation", "Behavioural escalation"
    CAREGIVER_STRESS = "caregiver_stress", "Caregiver stress"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    DETERIORATION = "deterioration", "Deterioration"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class CareReason(models.TextChoices):
    """Why an organisation has a part in a participant's care (and so may see the record)."""

    OWNER = "owner", "Owns an open case"
    RECEIVING = "receiving", "Received a referral"
    REFERRER = "referrer", "Made a referral"
    HANDOFF = "handoff", "Party to a handoff"
    PLAN = "plan", "On the care plan's distribution"
    VISIT = "visit", "Has visits assigned"
    PRIME = "prime", "Leads the pathway (prime)"
    REGISTERED = "registered", "Registered the participant"


class OwnershipHow(models.TextChoices):
    CREATED = "created", "Referral recorded"
    HANDOFF = "handoff", "Handoff accepted"
    REASSIGNED = "reassigned", "Reassigned by an administrator"


class Outcome(models.TextChoices):
    """Why a pathway episode ended (SPEC section 3: discharge carries an outcome code)."""

    GOALS_MET = "goals_met", "Goals met, no further support needed"
    ONGOING_CARE = "ongoing_care", "Handed on to long-term care or support"
    REFERRED_ON = "referred_on", "Referred on to another service"
    READMITTED = "readmitted", "Readmitted to hospital"
    RESIDENTIAL = "residential", "Moved into residential or nursing care"
    DECLINED = "declined", "Declined further support"
    NOT_ELIGIBLE = "not_eligible", "Not eligible, or an inappropriate referral"
    NO_CONTACT = "no_contact", "Could not be contacted"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    DIED = "died", "Died"


class DuplicateBasis(models.TextChoices):
    NHS_NUMBER = "nhs_number", "Same NHS number"
    MEDICAID = "medicaid", "Same Medicaid / member id"
    DETAILS = "details", "Same date of birth and postcode, similar name"


# Roles whose holders record things about participants (consent, details, referrals). Workers
# raise risk flags and record contacts; everyone with a part in the care reads.
RECORD_ROLES = frozenset(
    {Role.NETWORK_ADMIN, Role.PARTNER_ADMIN, Role.SUPERVISOR, Role.COORDINATOR, Role.QUALITY_LEAD}
)
# Roles that may own a case: a named person who answers for the next step.
OWNER_ROLES = RECORD_ROLES | {Role.WORKER}
# Roles that review duplicate participants and merge them.
MERGE_ROLES = frozenset({Role.NETWORK_ADMIN, Role.QUALITY_LEAD})
