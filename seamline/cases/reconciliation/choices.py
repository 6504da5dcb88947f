"""Closed vocabularies of caseload reconciliation. Each one is also a check constraint."""

from django.db import models

from seamline.network.choices import Role


class Category(models.TextChoices):
    """What a reconciliation reports (SPEC C5), plus the rows a person still has to decide."""

    MATCHED = "matched", "Matched"
    DUPLICATED = "duplicated", "Duplicated across providers"
    UNKNOWN = "unknown", "Unknown to the register"
    MISSING = "missing_from_list", "Open in the register, missing from the owner's list"
    WITHOUT_OWNER = "without_owner", "Without an owner"
    OUTCOME_MISSING = "outcome_missing", "Outcome missing"
    LONG_WAIT = "long_wait", "Long wait for first contact"
    REVIEW = "review", "Awaiting clerical review"


# Categories kept as findings (the others are read straight off the list rows' link state).
FINDING_CATEGORIES = (
    Category.DUPLICATED,
    Category.MISSING,
    Category.WITHOUT_OWNER,
    Category.OUTCOME_MISSING,
    Category.LONG_WAIT,
)


class LinkState(models.TextChoices):
    MATCHED = "matched", "Matched"
    UNCERTAIN = "uncertain", "Uncertain: for clerical review"
    UNKNOWN = "unknown", "Unknown to the register"


class LinkMethod(models.TextChoices):
    LOCAL_ID = "local_id", "The partner's own id, already known"
    NHS_NUMBER = "nhs_number", "NHS number"
    MEDICAID = "medicaid", "Medicaid / member id"
    PROBABILISTIC = "probabilistic", "Names, date of birth and address"
    REVIEW = "review", "Decided by a person"


class Decision(models.TextChoices):
    SAME = "same", "The same person"
    NOT_SAME = "not_same", "Not the same person"


# Who uploads a partner's list and decides its uncertain rows, within the partner; the prime's
# quality lead and the network admin do it for any partner.
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.COORDINATOR, Role.QUALITY_LEAD})
# Who reads a partner's runs within the partner (supervisors follow their caseload too).
READER_ROLES = PARTNER_ROLES | {Role.SUPERVISOR}
