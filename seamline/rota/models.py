"""The rota: shifts, visits and who is assigned to them, the gate's overrides, participants'
preferences about who visits, and a record of every rota file loaded (SPEC C4).

Whether a visit is late is not stored: it is read from the network's late threshold when the
gate loads the visit (`rules.is_late`), so a change of the setting applies to every visit.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.cases.models import Participant
from seamline.competency.models import TaskType
from seamline.network.choices import choice_check
from seamline.network.models import Organisation, Pathway, User
from seamline.workforce.models import Worker

from .choices import AssignmentStatus, PreferenceKind, Rule, VisitStatus

if TYPE_CHECKING:
    from seamline.access import Actor


class RotaImport(models.Model):
    """One rota file loaded into Seamline: who, when, which file (its SHA-256) and what it
    changed. A file that changed nothing leaves no record."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sha256 = models.CharField(max_length=64)
    # The organisations and ISO weeks the file covers, e.g. ["riverside 2026-W47"].
    covers = models.JSONField(default=list)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"rota file {self.sha256[:12]} at {self.imported_at:%Y-%m-%d %H:%M}"


class ShiftQuerySet(models.QuerySet["Shift"]):
    def planned(self) -> ShiftQuerySet:
        return self.filter(status=VisitStatus.PLANNED)


class Shift(models.Model):
    """A stretch of time a worker is rostered on. Where a worker has shifts in a rota week,
    their visits that week must fall inside one (G8). A shift with no worker is open cover.

    A duty shift names the duty it is rostered for on one pathway (a task type such as
    `duty_lead` or `late_lone_cover`): the cover report reads the day's duty lead and late
    cover from these (`rota.cover`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # The organisation's own id for the shift, from its scheduling system.
    ref = models.CharField(max_length=80)
    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, null=True, blank=True, related_name="shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    duty = models.ForeignKey(
        TaskType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    source = models.ForeignKey(
        RotaImport, on_delete=models.PROTECT, null=True, blank=True, related_name="shifts"
    )

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            choice_check("status", VisitStatus, "shift_status_valid"),
            models.UniqueConstraint(fields=["organisation", "ref"], name="shift_ref_unique"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_order"),
            models.CheckConstraint(
                condition=Q(duty__isnull=True, pathway__isnull=True)
                | Q(duty__isnull=False, pathway__isnull=False),
                name="shift_duty_on_pathway",
            ),
        ]
        indexes = [models.Index(fields=["worker", "starts_at"], name="shift_worker_idx")]

    def __str__(self) -> str:
        return f"shift {self.ref} {self.starts_at:%Y-%m-%d %H:%M}"


class VisitQuerySet(models.QuerySet["Visit"]):
    def visible_to(self, actor: Actor) -> VisitQuerySet:
        """Visits of participants `actor` may see (the rules: `rota.access`)."""
        from . import access

        return access.visits_visible_to(self, actor)

    def planned(self) -> VisitQuerySet:
        return self.filter(status=VisitStatus.PLANNED)

    def between(self, start: datetime, end: datetime) -> VisitQuerySet:
        """Visits that start in [start, end)."""
        return self.filter(starts_at__gte=start, starts_at__lt=end)


class Visit(models.Model):
    """A planned visit to a participant on a pathway: what is to be done (task types), when,
    whether it is lone, who is paired with the assigned worker, and who is assigned."""

    code = models.CharField(max_length=24, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="visits")
    ref = models.CharField(max_length=80, help_text="The organisation's own id for the visit.")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="visits")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="visits")
    task_types = models.ManyToManyField(TaskType, related_name="visits")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    lone = models.BooleanField(default=False)
    paired_with = models.ForeignKey(
        Worker, on_delete=models.PROTECT, null=True, blank=True, related_name="paired_visits"
    )
    status = models.CharField(
        max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    source = models.ForeignKey(
        RotaImport, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "code"]
        constraints = [
            choice_check("status", VisitStatus, "visit_status_valid"),
            models.UniqueConstraint(fields=["organisation", "ref"], name="visit_ref_unique"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="visit_order"),
        ]
        indexes = [
            models.Index(fields=["starts_at"], name="visit_start_idx"),
            models.Index(fields=["participant", "starts_at"], name="visit_participant_idx"),
            models.Index(fields=["organisation", "starts_at"], name="visit_org_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code

    def is_late(self, threshold: time) -> bool:
        from .rules import is_late

        return is_late(
            timezone.localtime(self.starts_at), timezone.localtime(self.ends_at), threshold
        )


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def live(self) -> AssignmentQuerySet:
        return self.filter(status=AssignmentStatus.ASSIGNED)


class Assignment(models.Model):
    """A worker assigned to a visit. Withdrawn, never deleted: who was sent is history."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="assignments")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["visit", "assigned_at", "id"]
        constraints = [
            choice_check("status", AssignmentStatus, "assignment_status_valid"),
            models.UniqueConstraint(
                fields=["visit", "worker"],
                condition=Q(status=AssignmentStatus.ASSIGNED),
                name="assignment_once",
            ),
            models.CheckConstraint(
                condition=Q(status=AssignmentStatus.ASSIGNED, withdrawn_at__isnull=True)
                | Q(status=AssignmentStatus.WITHDRAWN, withdrawn_at__isnull=False),
                name="assignment_withdrawn_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "status"], name="assignment_worker_idx"),
            # A visit's live workers in the order assigned, from the index alone: a week's
            # validation asks it of a hundred thousand visits (`rota.loading`).
            models.Index(
                fields=["visit", "status", "worker", "assigned_at"], name="assignment_visit_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.visit_id} ({self.status})"


class OverrideQuerySet(models.QuerySet["Override"]):
    def visible_to(self, actor: Actor) -> OverrideQuerySet:
        from . import access

        return access.overrides_visible_to(self, actor)

    def live(self) -> OverrideQuerySet:
        return self.filter(revoked_at__isnull=True)


class Override(models.Model):
    """A named approver lets one blocked assignment through on one rule, for one visit and one
    worker, until an expiry (docs/adr/0008-gate-overrides.md). It covers the visit when the
    visit starts before the expiry and the override has not been revoked."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="overrides")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=3, choices=Rule.choices)
    # What the gate said when the override was granted, kept with it.
    blocked_because = models.TextField()
    reason = models.TextField()
    expires_at = models.DateTimeField()
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)

    objects = OverrideQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            choice_check("rule", Rule, "override_rule_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="override_has_reason"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("granted_at")), name="override_expires_after_grant"
            ),
            models.UniqueConstraint(
                fields=["visit", "worker", "rule"],
                condition=Q(revoked_at__isnull=True),
                name="override_once",
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "visit"], name="override_lookup_idx"),
            # A whole week's validation reads the live overrides that have not expired by the
            # week's start (`rota.loading`), whatever visits they are on.
            models.Index(
                fields=["expires_at"],
                name="override_expiry_idx",
                condition=Q(revoked_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} overridden for {self.worker_id} on {self.visit_id}"

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_organisation_code(self) -> str:
        return self.worker.organisation.code

    def covers(self, visit_start: datetime) -> bool:
        return self.revoked_at is None and visit_start < self.expires_at


class PreferenceQuerySet(models.QuerySet["Preference"]):
    def active(self, at: datetime | None = None) -> PreferenceQuerySet:
        at = at or timezone.now()
        return self.filter(recorded_at__lte=at).filter(
            Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at)
        )


class Preference(models.Model):
    """A participant's recorded preference about who visits them (G9), besides the workers
    they have declined (`cases.DeclinedWorker`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="visit_preferences"
    )
    kind = models.CharField(max_length=20, choices=PreferenceKind.choices)
    # An organisation code or a role group, by kind; empty for "no temporary workers".
    value = models.CharField(max_length=60, blank=True)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PreferenceQuerySet.as_manager()

    class Meta:
        ordering = ["participant", "kind", "value"]
        constraints = [
            choice_check("kind", PreferenceKind, "preference_kind_valid"),
            models.UniqueConstraint(
                fields=["participant", "kind", "value"],
                condition=Q(withdrawn_at__isnull=True),
                name="preference_once",
            ),
            models.CheckConstraint(
                condition=Q(kind=PreferenceKind.NO_TEMPORARY, value="")
                | (~Q(kind=PreferenceKind.NO_TEMPORARY) & ~Q(value="")),
                name="preference_value_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}".strip()

    @property
    def audit_organisation_code(self) -> str:
        return self.participant.audit_organisation_code
