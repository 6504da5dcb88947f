"""The workforce register: workers, evidence, stage sign-offs, supervision, enhanced-supervision
periods and delegation pauses (SPEC C3). The authorization register is derived from these
(`workforce.authorization`), never typed in."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone

from seamline.competency.choices import EvidenceKind, Stage
from seamline.competency.models import Competency, PartnerModule, TaskType
from seamline.network.choices import choice_check
from seamline.network.models import Organisation, Pathway, User

from .choices import TEMPORARY, EmploymentType, RoleGroup, SupervisionKind, WorkerStatus

if TYPE_CHECKING:
    from seamline.access import Actor


class WorkerQuerySet(models.QuerySet["Worker"]):
    def visible_to(self, actor: Actor) -> WorkerQuerySet:
        """Workers whose record `actor` may read (rules in `workforce.access`)."""
        from . import access

        return access.workers_visible_to(self, actor)


class Worker(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="workers")
    # The organisation's own identifier for the worker (payroll or staff number).
    staff_id = models.CharField(max_length=60)
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="worker"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    employment_type = models.CharField(max_length=12, choices=EmploymentType.choices)
    role_group = models.CharField(max_length=30, choices=RoleGroup.choices)
    start_date = models.DateField(help_text="First day working in the network.")
    placement_start = models.DateField(
        null=True, blank=True, help_text="Temporary workers: first day of the current placement."
    )
    status = models.CharField(
        max_length=12, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE
    )
    left_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            choice_check("employment_type", EmploymentType, "worker_employment_valid"),
            choice_check("role_group", RoleGroup, "worker_role_group_valid"),
            choice_check("status", WorkerStatus, "worker_status_valid"),
            models.UniqueConstraint(
                fields=["organisation", "staff_id"], name="worker_staff_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_temporary(self) -> bool:
        return self.employment_type in TEMPORARY

    @property
    def audit_label(self) -> str:
        return f"{self.organisation.code}/{self.staff_id}"


class WorkerStatusChange(models.Model):
    """A change of a worker's status (append-only), so that the register as of a past instant
    reads the status then: a worker suspended today was still active yesterday. A worker with
    no change recorded has had their current status throughout."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=WorkerStatus.choices)
    to_status = models.CharField(max_length=12, choices=WorkerStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["worker", "changed_at"], name="worker_status_change_idx")]
        constraints = [
            choice_check("from_status", WorkerStatus, "worker_status_change_from_valid"),
            choice_check("to_status", WorkerStatus, "worker_status_change_to_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.worker}: {self.from_status} -> {self.to_status} at {self.changed_at}"


class WorkerPathway(models.Model):
    """A pathway a worker works on, from a date (re-validation of pathway-specific
    competencies is due from that date)."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="pathways")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="workers")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["worker", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "pathway"],
                condition=Q(ended_on__isnull=True),
                name="worker_pathway_open_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker} on {self.pathway.code} from {self.started_on}"


class AssessorDesignation(models.Model):
    """A worker designated to sign off a competency without holding it at independent."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="assessor_for")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="assessors")
    designated_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "competency", "designated_on"], name="assessor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.worker} assesses {self.competency.code}"


class Evidence(models.Model):
    """One dated piece of evidence of a worker's competence."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="evidence")
    # None for evidence that is not about one competency (a local induction, a supervised-
    # practice sign-off of a placement).
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    kind = models.CharField(max_length=30, choices=EvidenceKind.choices)
    occurred_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    module = models.ForeignKey(
        PartnerModule, on_delete=models.PROTECT, null=True, blank=True, related_name="completions"
    )
    # Kind-specific details, e.g. {"topics": [...]} for a local induction.
    detail = models.JSONField(default=dict, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    # Imports are idempotent: the same row imported twice finds its earlier evidence.
    source_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["worker", "-occurred_on"]
        verbose_name_plural = "evidence"
        constraints = [
            choice_check("kind", EvidenceKind, "evidence_kind_valid"),
            models.UniqueConstraint(
                fields=["worker", "source_key"],
                condition=~Q(source_key=""),
                name="evidence_source_unique",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("occurred_on")),
                name="evidence_valid_after_occurred",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "competency", "kind"], name="evidence_lookup_idx"),
            # A temporary worker's evidence bundle: of a few kinds, dated from the placement's
            # start (`rota.loading`, the register), among a record of mostly other kinds.
            models.Index(fields=["worker", "kind", "occurred_on"], name="evidence_bundle_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.worker} on {self.occurred_on}"

    @property
    def audit_organisation_code(self) -> str:
        return self.worker.organisation.code


class SignOff(models.Model):
    """A stage of a competency signed off for a worker by an entitled signer."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="sign_offs")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="sign_offs")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    pathway = models.ForeignKey(
        Pathway,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set for pathway-specific competencies: valid on this pathway only.",
    )
    signed_at = models.DateTimeField()
    signer = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="signed_off")
    signer_basis = models.CharField(
        max_length=20, help_text="holds_independent or designated_assessor"
    )
    review_due = models.DateField()
    evidence = models.ManyToManyField(Evidence, related_name="sign_offs", blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["worker", "competency", "-signed_at"]
        constraints = [
            choice_check("stage", Stage, "sign_off_stage_valid"),
            models.CheckConstraint(
                condition=~Q(signer=models.F("worker")), name="sign_off_not_by_self"
            ),
            models.UniqueConstraint(
                fields=["worker", "source_key"],
                condition=~Q(source_key=""),
                name="sign_off_source_unique",
            ),
        ]
        indexes = [
            # A worker's sign-offs of a competency; and every column the gate and the register
            # read of them, so a week's hundreds of thousands are read from the index alone
            # (`rota.loading`).
            models.Index(
                fields=[
                    "worker",
                    "competency",
                    "stage",
                    "pathway",
                    "signed_at",
                    "review_due",
                    "superseded_at",
                    "revoked_at",
                ],
                name="sign_off_reading_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker}: {self.competency.code} {self.stage}"

    @property
    def audit_organisation_code(self) -> str:
        return self.worker.organisation.code


class SupervisionSession(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="supervision")
    supervisor = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="supervising")
    kind = models.CharField(
        max_length=10, choices=SupervisionKind.choices, default=SupervisionKind.ROUTINE
    )
    planned_for = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["worker", "-planned_for"]
        constraints = [
            choice_check("kind", SupervisionKind, "supervision_kind_valid"),
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("worker")), name="supervision_not_by_self"
            ),
            models.UniqueConstraint(
                fields=["worker", "source_key"],
                condition=~Q(source_key=""),
                name="supervision_source_unique",
            ),
        ]
        indexes = [
            # The assurance pack's month of planned sessions (benchmarks/assurance_pack.py).
            models.Index(fields=["planned_for"], name="supervision_planned_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} supervision of {self.worker} planned {self.planned_for}"

    @property
    def audit_organisation_code(self) -> str:
        return self.worker.organisation.code


class EnhancedSupervisionPeriod(models.Model):
    """The first weeks of a new starter or of a temporary worker's placement (SPEC section 3)."""

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="enhanced_periods")
    supervisor = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=20, help_text="new_starter or placement")

    class Meta:
        ordering = ["worker", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="enhanced_period_order"
            ),
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("worker")), name="enhanced_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker}: enhanced supervision {self.starts_on} to {self.ends_on}"


class DelegationPause(models.Model):
    """A delegated task paused for a worker after a spot-check fell below threshold. It lifts
    only after the remedial supervision is held and a new observed practice is recorded."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="pauses")
    task_type = models.ForeignKey(TaskType, on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField()
    reason = models.TextField()
    remedial_due = models.DateField()
    remedial_session = models.ForeignKey(
        SupervisionSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    observed_practice = models.ForeignKey(
        Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "task_type"],
                condition=Q(lifted_at__isnull=True),
                name="one_open_pause",
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True)
                | (Q(remedial_session__isnull=False) & Q(observed_practice__isnull=False)),
                name="pause_lifts_after_remedial_and_observation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_type.code} paused for {self.worker} since {self.started_at:%Y-%m-%d}"

    @property
    def audit_organisation_code(self) -> str:
        return self.worker.organisation.code
