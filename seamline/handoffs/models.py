"""Structured handoffs (SPEC C6): bundle templates and their versions, handoffs with their
timeline and repeat-back, and the audit sample the scoring tool is used on.

A handoff hands one open case (a referral) from the organisation that owns it to another. Its
bundle is written against one template version and stays readable against it, whatever the
template becomes later. Every change to a handoff also adds a `HandoffEvent`; events and
template versions are never changed once written.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.cases.models import Participant, Referral
from seamline.network.choices import choice_check
from seamline.network.models import Organisation, PathwayStep, User, Versioned

from .bundles import FieldSpec, parse_fields
from .choices import (
    OPEN_STATES,
    TIMED_STATES,
    EventKind,
    HandoffState,
    RejectionReason,
    Transition,
)

if TYPE_CHECKING:
    from seamline.access import Actor


# --- templates ---------------------------------------------------------------------------------


class BundleTemplate(Versioned):
    """The template of one transition. What it asks for lives in its versions; `current` is
    the one new handoffs are written on."""

    transition = models.CharField(max_length=30, choices=Transition.choices, unique=True)
    current = models.ForeignKey(
        "TemplateVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["transition"]
        constraints = [choice_check("transition", Transition, "bundle_template_transition_valid")]

    def __str__(self) -> str:
        return self.current.name if self.current else self.get_transition_display()

    @property
    def code(self) -> str:
        return self.transition

    @property
    def audit_organisation_code(self) -> str:
        return ""


class TemplateVersion(models.Model):
    """One version of a template, complete in itself (name, time to answer, fields with their
    levels), with who made it, when and why. Never changed once written."""

    template = models.ForeignKey(BundleTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Hours the receiver has to answer when the handoff names no pathway step with a standard.
    response_hours = models.PositiveIntegerField()
    # May a handoff on it stay within one organisation (a shift handover)?
    same_organisation = models.BooleanField(default=False)
    fields = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="template_version_has_reason"),
            models.CheckConstraint(
                condition=Q(response_hours__gte=1), name="template_version_response_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def specs(self) -> list[FieldSpec]:
        return parse_fields(self.fields)

    @property
    def audit_public_id(self) -> str:
        return f"{self.template.transition}/v{self.number}"

    @property
    def audit_organisation_code(self) -> str:
        return ""


# --- handoffs ----------------------------------------------------------------------------------


class HandoffQuerySet(models.QuerySet["Handoff"]):
    def visible_to(self, actor: Actor) -> HandoffQuerySet:
        """The handoffs `actor` may read (rules in `handoffs.access`)."""
        from . import access

        return access.handoffs_visible_to(self, actor)

    def overdue(self, at: datetime | None = None) -> HandoffQuerySet:
        """Sent and unanswered, or rejected and unresolved, past the response deadline."""
        return self.filter(state__in=TIMED_STATES, respond_by__lt=at or timezone.now())

    def waiting(self) -> HandoffQuerySet:
        return self.filter(state__in=(HandoffState.SENT, HandoffState.INFO_REQUESTED))


class Handoff(Versioned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=20, unique=True)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="handoffs")
    template = models.ForeignKey(BundleTemplate, on_delete=models.PROTECT, related_name="handoffs")
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="handoffs"
    )
    # The pathway step whose time standard the receiver's answer is held to, when named.
    step = models.ForeignKey(
        PathwayStep, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sender_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="handoffs_sent"
    )
    receiving_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="handoffs_received"
    )
    state = models.CharField(
        max_length=16, choices=HandoffState.choices, default=HandoffState.DRAFT
    )
    content = models.JSONField(default=dict, blank=True)
    # Share of the mandatory and required fields present, in percent (`rules.completeness`).
    completeness = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    first_sent_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The hours the receiver has to answer, fixed when first sent.
    standard_hours = models.PositiveIntegerField(null=True, blank=True)
    # The deadline the overdue flag (and, later, the escalation ladder) watches.
    respond_by = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.CharField(max_length=24, choices=RejectionReason.choices, blank=True)
    rejection_text = models.TextField(blank=True)
    info_request = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    objects = HandoffQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            choice_check("state", HandoffState, "handoff_state_valid"),
            models.CheckConstraint(
                condition=Q(rejection_reason="") | Q(rejection_reason__in=RejectionReason.values),
                name="handoff_rejection_reason_valid",
            ),
            # SPEC C6: one handoff in play per case, so ownership can only move one way at once.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(state__in=OPEN_STATES),
                name="handoff_one_open_per_case",
            ),
            models.CheckConstraint(
                condition=~Q(state=HandoffState.ACCEPTED)
                | (Q(accepted_at__isnull=False) & Q(accepted_by__isnull=False)),
                name="handoff_accepted_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(state=HandoffState.REJECTED)
                | (
                    Q(rejected_at__isnull=False)
                    & Q(rejection_reason__in=RejectionReason.values)
                    & ~Q(rejection_text="")
                ),
                name="handoff_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state__in=(HandoffState.DRAFT, HandoffState.WITHDRAWN))
                | Q(first_sent_at__isnull=False),
                name="handoff_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=Q(completeness__lte=100), name="handoff_completeness_percent"
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(accepted_at__gte=F("first_sent_at")),
                name="handoff_accepted_after_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["receiving_organisation", "state"], name="handoff_receiver_idx"),
            models.Index(fields=["sender_organisation", "state"], name="handoff_sender_idx"),
            models.Index(fields=["state", "respond_by"], name="handoff_deadline_idx"),
            models.Index(fields=["first_sent_at"], name="handoff_sent_idx"),
            # The assurance pack's month of acceptances and of rejections (a range of one
            # month instead of a scan of every handoff; benchmarks/assurance_pack.py).
            models.Index(fields=["accepted_at"], name="handoff_accepted_idx"),
            models.Index(fields=["rejected_at"], name="handoff_rejected_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def participant(self) -> Participant:
        return self.referral.participant

    @property
    def specs(self) -> list[FieldSpec]:
        return self.template_version.specs

    @property
    def time_to_acceptance(self) -> timedelta | None:
        if self.first_sent_at is None or self.accepted_at is None:
            return None
        return self.accepted_at - self.first_sent_at

    def waited(self, at: datetime | None = None) -> timedelta | None:
        """How long the receiver has had it (from the first sending to the answer, or now)."""
        if self.first_sent_at is None:
            return None
        end = self.accepted_at or self.rejected_at or self.withdrawn_at or at or timezone.now()
        return end - self.first_sent_at

    def is_overdue(self, at: datetime | None = None) -> bool:
        from .rules import is_overdue

        return is_overdue(
            state=self.state,
            respond_by=self.respond_by,
            resolved_at=self.resolved_at,
            at=at or timezone.now(),
        )

    @property
    def repeat_back_or_none(self) -> RepeatBack | None:
        try:
            return self.repeat_back
        except RepeatBack.DoesNotExist:
            return None

    @property
    def pill(self) -> str:
        """The shared stylesheet's colour for the state."""
        return {
            HandoffState.SENT: "onboarding",
            HandoffState.INFO_REQUESTED: "suspended",
            HandoffState.ACCEPTED: "active",
            HandoffState.REJECTED: "gap",
        }.get(HandoffState(self.state), "exited")

    @property
    def source_ref(self) -> str:
        """How ownership history, care-team parts and actions name this handoff."""
        return f"handoff:{self.code}"

    # The audit log names a handoff by code only: the bundle's content is never copied there.
    @property
    def audit_public_id(self) -> str:
        return self.code

    @property
    def audit_label(self) -> str:
        return self.code

    @property
    def audit_organisation_code(self) -> str:
        return self.sender_organisation.code


class RepeatBack(models.Model):
    """The receiver's restatement of the risk status and escalation instructions, recorded at
    acceptance; the sender reads it and may flag that it does not match what they meant."""

    handoff = models.OneToOneField(Handoff, on_delete=models.PROTECT, related_name="repeat_back")
    risk_status = models.TextField()
    escalation = models.TextField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    mismatch_flagged_at = models.DateTimeField(null=True, blank=True)
    mismatch_flagged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mismatch_note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(risk_status="") & ~Q(escalation=""), name="repeat_back_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(mismatch_flagged_at__isnull=True) | ~Q(mismatch_note=""),
                name="repeat_back_mismatch_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"Repeat-back of {self.handoff_id}"

    @property
    def audit_organisation_code(self) -> str:
        return self.handoff.receiving_organisation.code


class HandoffEvent(models.Model):
    """One line of a handoff's timeline. Append-only."""

    handoff = models.ForeignKey(Handoff, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["handoff", "at", "id"]
        constraints = [choice_check("kind", EventKind, "handoff_event_kind_valid")]

    def __str__(self) -> str:
        return f"{self.handoff_id} {self.kind}"


# --- the audit sample --------------------------------------------------------------------------


class AuditSample(models.Model):
    """A seeded random sample of handoffs for an auditor to score: the seed and the candidates'
    count are kept, so anyone can draw the same sample again from the same records."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # Only handoffs this partner sent or received, when named.
    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    size = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    candidates = models.PositiveIntegerField()
    drawn_at = models.DateTimeField(default=timezone.now)
    drawn_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-drawn_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="audit_sample_period"
            ),
            models.CheckConstraint(condition=Q(size__gte=1), name="audit_sample_size"),
        ]

    def __str__(self) -> str:
        return f"Sample of {self.size} ({self.period_start} to {self.period_end})"

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class AuditSampleItem(models.Model):
    sample = models.ForeignKey(AuditSample, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    handoff = models.ForeignKey(Handoff, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "position"], name="sample_item_position"),
            models.UniqueConstraint(fields=["sample", "handoff"], name="sample_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id} #{self.position}"


class HandoffAudit(models.Model):
    """An auditor's scoring of one handoff with the common scoring tool (`handoffs.scoring`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    handoff = models.ForeignKey(Handoff, on_delete=models.PROTECT, related_name="audits")
    sample = models.ForeignKey(
        AuditSample, on_delete=models.PROTECT, null=True, blank=True, related_name="audits"
    )
    auditor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    ratings = models.JSONField(default=dict)
    notes = models.TextField(blank=True)
    # Percent; null when every criterion was not applicable.
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sample", "handoff"],
                condition=Q(sample__isnull=False),
                name="handoff_audit_once_per_sample",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="handoff_audit_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"Audit of {self.handoff_id}: {self.score}"

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code
