"""Participants, their identifiers, consent, preferences and risk flags; the care team that
decides who may see them; the referral register with its ownership history; merges of
duplicate records (SPEC C1 visibility, C5).

Identifiers are stored normalised (`cases.rules.normalise_*`) and indexed, so that the
caseload reconciliation can match on them exactly; each partner's own id for a participant is
a `LocalId` row, unique within that partner.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.network.choices import choice_check
from seamline.network.models import Organisation, Pathway, User, Versioned

from .choices import (
    CareReason,
    ConsentScope,
    DuplicateBasis,
    Outcome,
    OwnershipHow,
    ParticipantStatus,
    RiskKind,
    Severity,
)
from .rules import format_nhs_number

if TYPE_CHECKING:
    from seamline.access import Actor


class CodeCounter(models.Model):
    """The last number handed out for a kind of public code (participants; referrals per year).

    Taken with one conditional UPDATE (`value = value + 1`), which the database serialises, so
    two people registering at the same moment never get the same code."""

    name = models.CharField(max_length=40, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


# --- participants --------------------------------------------------------------------------


class ParticipantQuerySet(models.QuerySet["Participant"]):
    def visible_to(self, actor: Actor, at: datetime | None = None) -> ParticipantQuerySet:
        """The participants `actor` may see (the rules: `cases.access`, ADR 0007)."""
        from . import access

        return access.participants_visible_to(self, actor, at)

    def active(self) -> ParticipantQuerySet:
        return self.filter(status=ParticipantStatus.ACTIVE)

    def search(self, text: str) -> ParticipantQuerySet:
        """By name, code or any identifier (NHS number with or without spaces, Medicaid id,
        a partner's local id)."""
        from .rules import normalise_local_id, normalise_medicaid_id, normalise_nhs_number

        text = text.strip()
        if not text:
            return self
        words = text.split()
        by_name = Q()
        for word in words:
            by_name &= Q(given_name__icontains=word) | Q(family_name__icontains=word)
        compact = normalise_nhs_number(text)
        match = (
            by_name
            | Q(code__iexact=text)
            | Q(local_ids__value=normalise_local_id(text))
            | Q(medicaid_id=normalise_medicaid_id(text))
        )
        if compact.isdigit():
            match |= Q(nhs_number=compact)
        return self.filter(pk__in=Participant.objects.filter(match).values("pk"))

    def high_risk(self, at: datetime | None = None) -> ParticipantQuerySet:
        """SPEC section 3 high-risk participants at `at` (see `cases.risk`)."""
        from .risk import high_risk_filter

        return self.filter(high_risk_filter(at or timezone.now()))


class Participant(Versioned):
    """A person receiving care from the network, known by one network-wide code."""

    code = models.CharField(max_length=20, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    postcode = models.CharField(max_length=12, blank=True)
    address = models.TextField(blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    medicaid_state = models.CharField("Medicaid state", max_length=2, blank=True)
    medicaid_id = models.CharField("Medicaid / member id", max_length=30, blank=True)
    # False when the state's id format is unknown and the id was kept as typed.
    medicaid_checked = models.BooleanField(default=False)
    preferences = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="absorbed"
    )
    # The consent in force: the newest record of the participant's consent history.
    current_consent = models.ForeignKey(
        "Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_by = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "code"]
        constraints = [
            choice_check("status", ParticipantStatus, "participant_status_valid"),
            models.CheckConstraint(
                condition=(Q(status=ParticipantStatus.ACTIVE) & Q(merged_into__isnull=True))
                | (Q(status=ParticipantStatus.MERGED) & Q(merged_into__isnull=False)),
                name="participant_merged_names_survivor",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="participant_not_merged_into_self"
            ),
        ]
        indexes = [
            models.Index(fields=["nhs_number"], name="participant_nhs_idx"),
            models.Index(fields=["medicaid_state", "medicaid_id"], name="participant_medicaid_idx"),
            models.Index(fields=["date_of_birth", "postcode"], name="participant_dob_postcode_idx"),
            models.Index(fields=["family_name", "given_name"], name="participant_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number) if self.nhs_number else ""

    @property
    def is_merged(self) -> bool:
        return self.status == ParticipantStatus.MERGED

    # The audit log names a participant by code only: no personal data in the log itself.
    @property
    def audit_public_id(self) -> str:
        return self.code

    @property
    def audit_label(self) -> str:
        return self.code

    @property
    def audit_organisation_code(self) -> str:
        return self.registered_by.code if self.registered_by_id else ""  # type: ignore[union-attr]


class LocalId(models.Model):
    """A partner's own id for the participant (its case or client number)."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="local_ids")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation__code", "value"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "value"], name="local_id_unique"),
            models.CheckConstraint(condition=~Q(value=""), name="local_id_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.value}"


class Consent(models.Model):
    """One record of the participant's consent to share. Records are never changed: a new one
    supersedes the one before (`supersedes` is one-to-one, so the history is a single line and
    two people recording at once cannot both succeed)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="consents")
    scope = models.CharField(max_length=20, choices=ConsentScope.choices)
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["participant", "-recorded_at", "-id"]
        constraints = [
            choice_check("scope", ConsentScope, "consent_scope_valid"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="consent_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} from {self.valid_from}"

    @property
    def audit_organisation_code(self) -> str:
        return self.participant.audit_organisation_code


class CareTeamMemberQuerySet(models.QuerySet["CareTeamMember"]):
    def active(self, at: datetime | None = None) -> CareTeamMemberQuerySet:
        at = at or timezone.now()
        return self.filter(started_at__lte=at).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))


class CareTeamMember(models.Model):
    """An organisation's part in a participant's care, from one instant to another.

    Visibility (SPEC C1) is decided from these rows and the participant's consent. Referrals
    write owner, receiving, referrer and prime rows; later apps write theirs (handoff, plan,
    visit) through `cases.actions.join_care_team` and `leave_care_team`."""

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="care_team")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=12, choices=CareReason.choices)
    referral = models.ForeignKey(
        "Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="care_team"
    )
    # What else put the organisation here (e.g. "handoff:<uuid>"), for the apps that do.
    source = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = CareTeamMemberQuerySet.as_manager()

    class Meta:
        ordering = ["participant", "started_at", "id"]
        constraints = [
            choice_check("reason", CareReason, "care_team_reason_valid"),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="care_team_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["participant", "organisation"], name="care_team_lookup_idx"),
            models.Index(fields=["organisation", "ended_at"], name="care_team_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.reason} for {self.participant_id}"


class DeclinedWorker(models.Model):
    """A worker the participant does not want to receive care from (the rota gate's G9)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="declined_workers"
    )
    worker = models.ForeignKey("workforce.Worker", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["participant", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "worker"],
                condition=Q(withdrawn_at__isnull=True),
                name="declined_worker_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} declines worker {self.worker_id}"

    @property
    def audit_organisation_code(self) -> str:
        return self.participant.audit_organisation_code


class RiskFlag(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(max_length=30, choices=RiskKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    source_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["participant", "-raised_at"]
        constraints = [
            choice_check("kind", RiskKind, "risk_flag_kind_valid"),
            choice_check("severity", Severity, "risk_flag_severity_valid"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("raised_at")),
                name="risk_flag_resolved_after_raised",
            ),
        ]
        indexes = [
            models.Index(fields=["participant", "severity", "resolved_at"], name="risk_flag_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.severity})"

    @property
    def audit_organisation_code(self) -> str:
        return self.source_organisation.code if self.source_organisation_id else ""  # type: ignore[union-attr]

    def active(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.raised_at <= at and (self.resolved_at is None or self.resolved_at > at)

    @property
    def pill(self) -> str:
        """The shared stylesheet's colour for the severity (red, amber, grey)."""
        colours = {str(Severity.HIGH): "gap", str(Severity.MEDIUM): "suspended"}
        return colours.get(self.severity, "exited")


# --- referrals -------------------------------------------------------------------------------


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, actor: Actor, at: datetime | None = None) -> ReferralQuerySet:
        """A referral is part of its participant's record: visible exactly when they are."""
        visible = Participant.objects.visible_to(actor, at)
        return self.filter(participant__in=visible.values("pk"))

    def open(self) -> ReferralQuerySet:
        return self.filter(discharged_at__isnull=True)

    def closed(self) -> ReferralQuerySet:
        return self.filter(discharged_at__isnull=False)


class Referral(Versioned):
    """One pathway episode of a participant, from the moment the receiving organisation has the
    referral in its hands to the discharge (SPEC section 3)."""

    code = models.CharField(max_length=20, unique=True)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="referrals")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="referrals")
    referrer_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    receiving_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="referrals_received"
    )
    received_at = models.DateTimeField()
    first_contact_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    owner_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_person = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_referrals"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # SPEC C5: an open referral always has an owner, organisation and named person.
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=False)
                | (Q(owner_organisation__isnull=False) & Q(owner_person__isnull=False)),
                name="referral_open_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(first_contact_at__isnull=True)
                | Q(first_contact_at__gte=F("received_at")),
                name="referral_first_contact_after_received",
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True) | Q(discharged_at__gte=F("received_at")),
                name="referral_discharge_after_received",
            ),
            models.CheckConstraint(
                condition=(Q(discharged_at__isnull=True) & Q(outcome=""))
                | (Q(discharged_at__isnull=False) & Q(outcome__in=Outcome.values)),
                name="referral_outcome_with_discharge",
            ),
        ]
        indexes = [
            models.Index(fields=["pathway", "discharged_at"], name="referral_pathway_idx"),
            models.Index(fields=["owner_organisation", "discharged_at"], name="referral_owner_idx"),
            models.Index(fields=["received_at"], name="referral_received_idx"),
            # The assurance pack's month of first contacts (benchmarks/assurance_pack.py).
            models.Index(fields=["first_contact_at"], name="referral_first_contact_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.discharged_at is None

    @property
    def audit_public_id(self) -> str:
        return self.code

    @property
    def audit_label(self) -> str:
        return self.code

    @property
    def audit_organisation_code(self) -> str:
        owner = self.owner_organisation or self.receiving_organisation
        return owner.code if owner is not None else ""


class OwnershipQuerySet(models.QuerySet["Ownership"]):
    def with_end(self) -> OwnershipQuerySet:
        """Each ownership with `ended_at`: when the next one began (None for the last)."""
        from django.db.models import Window
        from django.db.models.functions import Lead

        return self.annotate(
            ended_at=Window(Lead("started_at"), partition_by=[F("referral_id")], order_by="seq")
        )


class Ownership(models.Model):
    """Who owned a referral from when: append-only. A row is never changed; an ownership ends
    where the next begins (or at the discharge), so "who owned case C at instant T" reads
    straight off the history (`cases.rules.owner_at`)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="ownerships")
    seq = models.PositiveIntegerField()
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    how = models.CharField(max_length=12, choices=OwnershipHow.choices)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The handoff that moved it, for the handoffs app ("handoff:<uuid>").
    source = models.CharField(max_length=100, blank=True)

    objects = OwnershipQuerySet.as_manager()

    class Meta:
        ordering = ["referral", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "seq"], name="ownership_seq_unique"),
            choice_check("how", OwnershipHow, "ownership_how_valid"),
            models.CheckConstraint(
                condition=~Q(how=OwnershipHow.REASSIGNED) | ~Q(reason=""),
                name="ownership_reassignment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} #{self.seq}: {self.organisation_id}/{self.person_id}"


# --- duplicates ------------------------------------------------------------------------------


class Merge(models.Model):
    """One record absorbed into another, with what moved, so that an unmerge puts back exactly
    what the merge took."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    survivor = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="merges")
    absorbed = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="merged_away")
    basis = models.CharField(max_length=12, choices=DuplicateBasis.choices, blank=True)
    merged_at = models.DateTimeField(default=timezone.now)
    merged_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField()
    # {"referrals": [ids], "local_ids": [...], "flags": [...], "care_team": [...],
    #  "declined_workers": [...], "filled": {field: value}}
    moved = models.JSONField(default=dict)
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unmerge_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(survivor=F("absorbed")), name="merge_two_records"),
            models.UniqueConstraint(
                fields=["absorbed"],
                condition=Q(unmerged_at__isnull=True),
                name="merge_absorbed_once",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="merge_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id} into {self.survivor_id}"

    @property
    def audit_organisation_code(self) -> str:
        return self.survivor.audit_organisation_code


class NotDuplicate(models.Model):
    """A person's decision that two records are not the same person: the pair (kept in one
    order, so it is one row whichever way round it was named) is never proposed again."""

    first = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="not_duplicate_pair_unique"),
            models.CheckConstraint(
                condition=Q(first__lt=F("second")), name="not_duplicate_pair_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} is not {self.second_id}"
