"""Caseload reconciliation's tables: each partner's column mapping, the runs, the rows of each
uploaded list with the participant it was linked to, the findings of each run, and the
decisions people took in clerical review (remembered for every later run).

A run is a snapshot: its rows are the file as uploaded (mapped onto our fields) and its
findings are judged against the register as it stood at the moment of the upload, so the
report reads the same tomorrow. Decisions in clerical review change the run's rows and
figures; each is audited.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.cases.models import Participant, Referral
from seamline.network.choices import choice_check
from seamline.network.models import Organisation, Pathway, User, Versioned

from .choices import Category, Decision, LinkMethod, LinkState


class ColumnMapping(Versioned):
    """How one partner's caseload file reads: which of its columns holds each of our fields,
    and how its dates are written. Saved once, used for every upload of that partner."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="caseload_mapping"
    )
    # Our field name -> the partner's column header (fields not held are left out).
    columns = models.JSONField(default=dict)
    date_format = models.CharField(max_length=20, default="%Y-%m-%d")
    # Values of the status column that mean "open" (compared in lower case); anything else
    # means closed. Empty: the list has no status column.
    open_values = models.CharField(max_length=200, default="open, active")
    # The partner's pathway names -> our pathway codes, for names that are not ours already.
    pathway_values = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"caseload columns of {self.organisation_id}"

    @property
    def audit_public_id(self) -> str:
        return self.organisation.code

    @property
    def audit_label(self) -> str:
        return f"Caseload columns of {self.organisation.name}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class Run(models.Model):
    """One reconciliation of one partner's list against the register."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="reconciliation_runs"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(max_length=200, blank=True)
    file_digest = models.CharField("SHA-256 of the file", max_length=64)
    rows = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    # Reconciliation rate: matched rows / list rows (0 for an empty list).
    rate = models.FloatField(default=0.0)
    # {category: number of records} as of the last change to the run.
    counts = models.JSONField(default=dict)
    # How the linkage ran: trained or default parameters, pairs scored, thresholds, seconds.
    linkage = models.JSONField(default=dict)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=1), name="recon_run_rate_0_1"
            ),
            models.CheckConstraint(condition=Q(matched__lte=F("rows")), name="recon_run_matched"),
        ]
        indexes = [models.Index(fields=["organisation", "uploaded_at"], name="recon_run_org_idx")]

    def __str__(self) -> str:
        return f"{self.organisation_id} at {self.uploaded_at:%Y-%m-%d %H:%M}"

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"Reconciliation of {self.organisation.code} {self.uploaded_at:%Y-%m-%d %H:%M}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code

    @property
    def rate_percent(self) -> float:
        return round(100 * self.rate, 1)


class ListRow(models.Model):
    """One row of an uploaded list, mapped onto our fields, and what it was linked to."""

    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="list_rows")
    # The row number in the file, counting the header as row 1 (as a spreadsheet shows it).
    row = models.PositiveIntegerField()
    local_id = models.CharField(max_length=60, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=12, blank=True)
    address = models.TextField(blank=True)
    nhs_number = models.CharField(max_length=20, blank=True)
    medicaid_id = models.CharField(max_length=30, blank=True)
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_open = models.BooleanField()
    received_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=10, choices=LinkState.choices)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    method = models.CharField(max_length=14, choices=LinkMethod.choices, blank=True)
    probability = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["run", "row"]
        constraints = [
            models.UniqueConstraint(fields=["run", "row"], name="recon_row_unique"),
            choice_check("state", LinkState, "recon_row_state_valid"),
            # A matched or uncertain row names its participant; an unknown one names none.
            models.CheckConstraint(
                condition=(Q(state=LinkState.UNKNOWN) & Q(participant__isnull=True))
                | (~Q(state=LinkState.UNKNOWN) & Q(participant__isnull=False)),
                name="recon_row_participant_with_link",
            ),
        ]
        indexes = [
            models.Index(fields=["run", "state"], name="recon_row_state_idx"),
            models.Index(fields=["run", "participant"], name="recon_row_participant_idx"),
        ]

    def __str__(self) -> str:
        return f"row {self.row}"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def key(self) -> str:
        from .caseload import row_key

        return row_key(
            self.local_id,
            self.given_name,
            self.family_name,
            self.date_of_birth.isoformat() if self.date_of_birth else "",
        )


class Finding(models.Model):
    """One record behind a category of a run's report (the categories read off the rows'
    link state, matched, unknown and review, have no findings)."""

    run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="findings")
    category = models.CharField(max_length=20, choices=Category.choices)
    list_row = models.ForeignKey(
        ListRow, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=300)

    class Meta:
        ordering = ["run", "category", "id"]
        constraints = [
            choice_check("category", Category, "recon_finding_category_valid"),
            models.CheckConstraint(
                condition=Q(list_row__isnull=False) | Q(participant__isnull=False),
                name="recon_finding_names_a_record",
            ),
        ]
        indexes = [models.Index(fields=["run", "category"], name="recon_finding_idx")]

    def __str__(self) -> str:
        return f"{self.category}: {self.detail}"


class LinkDecision(models.Model):
    """A person's decision that a partner's row (known by the partner's id, or by name and
    date of birth when it has none) is, or is not, a participant of the register. Every later
    run of that partner follows it: "same" links exactly, "not the same" never links."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(Run, on_delete=models.PROTECT, null=True, related_name="decisions")

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            choice_check("decision", Decision, "recon_decision_valid"),
            models.UniqueConstraint(
                fields=["organisation", "key", "participant"], name="recon_decision_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.key} {self.decision} {self.participant_id}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code
