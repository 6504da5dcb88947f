"""Person-centred plans under change control (SPEC C7).

A participant has at most one `Plan`; what it says lives in its numbered `PlanVersion`s, each a
full copy of the content (risks, controls each owned by an organisation, preferences, consent
summary) with who wrote it, when, why and the field-by-field changes from the version before.
`Plan.version` is the number of the newest version and is claimed with a conditional UPDATE,
so of two people revising from the same version exactly one wins (`seamline.versioning`).

A risk change opens a `PlanReview` due a few days later; the organisations whose daily
delivery changes get an `Acknowledgement` due 24 hours after the version. The rules that decide
both are pure functions in `plans.rules`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.cases.models import Participant
from seamline.network.models import Organisation, User, Versioned

if TYPE_CHECKING:
    from seamline.access import Actor


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, actor: Actor) -> PlanQuerySet:
        """A plan is part of its participant's record: seen exactly when they are."""
        return self.filter(participant__in=Participant.objects.visible_to(actor).values("pk"))


class Plan(Versioned):
    """The plan of one participant. `version` is the number of its newest `PlanVersion`
    (0 for the moment between creating the row and writing version 1)."""

    participant = models.OneToOneField(Participant, on_delete=models.PROTECT, related_name="plan")
    created_at = models.DateTimeField(default=timezone.now)

    objects = PlanQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Plan of {self.participant.code}"

    def version_at(self, at: datetime) -> PlanVersion | None:
        """The version that was current at the instant `at` (None before the first)."""
        return self.versions.filter(created_at__lte=at).order_by("-number").first()

    def current(self) -> PlanVersion | None:
        return self.versions.order_by("-number").first()

    @property
    def audit_public_id(self) -> str:
        return self.participant.code

    @property
    def audit_label(self) -> str:
        return f"Plan of {self.participant.code}"

    @property
    def audit_organisation_code(self) -> str:
        return self.participant.audit_organisation_code


class PlanVersion(models.Model):
    """One version of a plan: the whole content as it then stood, and what changed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    # {"risks": [{"title", "level"}], "controls": [{"description", "organisation"}],
    #  "preferences": [str], "consent_summary": str}
    content = models.JSONField()
    # `plans.rules.diff` of the previous version's content against this one's.
    changes = models.JSONField(default=list)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    author_label = models.CharField(max_length=200)
    author_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="plan_version_from_one"),
            models.CheckConstraint(condition=~Q(reason=""), name="plan_version_has_reason"),
        ]
        indexes = [models.Index(fields=["plan", "created_at"], name="plan_version_at_idx")]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        """How actions and audit entries cite this version: `plan:<participant>:v<number>`."""
        return f"plan:{self.plan.participant.code}:v{self.number}"

    @property
    def risks(self) -> list[dict[str, Any]]:
        return list(self.content.get("risks", []))

    @property
    def controls(self) -> list[dict[str, Any]]:
        return list(self.content.get("controls", []))

    @property
    def preferences(self) -> list[str]:
        return list(self.content.get("preferences", []))

    @property
    def consent_summary(self) -> str:
        return str(self.content.get("consent_summary", ""))

    @property
    def audit_public_id(self) -> str:
        return self.ref

    @property
    def audit_label(self) -> str:
        return f"Plan of {self.plan.participant.code}, version {self.number}"

    @property
    def audit_organisation_code(self) -> str:
        return self.plan.participant.audit_organisation_code


class PlanReview(models.Model):
    """A time-bound review of the plan, opened by a version that changed its risks."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    opened_by = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gt=F("opened_at")), name="plan_review_due_after_open"
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("opened_at")),
                name="plan_review_completed_after_open",
            ),
            # One open review per plan at a time: a later risk change joins the open one.
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(completed_at__isnull=True),
                name="plan_review_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.plan}"

    def is_overdue(self, at: datetime | None = None) -> bool:
        return self.completed_at is None and self.due_at < (at or timezone.now())

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"Plan review of {self.plan.participant.code}"

    @property
    def audit_organisation_code(self) -> str:
        return self.plan.participant.audit_organisation_code


class AcknowledgementQuerySet(models.QuerySet["Acknowledgement"]):
    def visible_to(self, actor: Actor) -> AcknowledgementQuerySet:
        return self.filter(
            version__plan__participant__in=Participant.objects.visible_to(actor).values("pk")
        )

    def pending(self) -> AcknowledgementQuerySet:
        return self.filter(acknowledged_at__isnull=True)

    def overdue(self, at: datetime | None = None) -> AcknowledgementQuerySet:
        return self.pending().filter(due_at__lt=at or timezone.now())


class Acknowledgement(models.Model):
    """An organisation's acknowledgement that it has read a plan version changing its work."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # Why this organisation must acknowledge: the rule's reason codes.
    because = models.JSONField(default=list)
    due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when acknowledging a later version closed this one too.
    covered_by_number = models.PositiveIntegerField(null=True, blank=True)

    objects = AcknowledgementQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "organisation"], name="plan_ack_one_per_organisation"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="plan_ack_names_who",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "acknowledged_at", "due_at"], name="plan_ack_org_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} for {self.version_id}"

    def is_overdue(self, at: datetime | None = None) -> bool:
        return self.acknowledged_at is None and self.due_at < (at or timezone.now())

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"Acknowledgement of {self.version.ref}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code
