"""Owned actions, the coordinator rota and the joint caseload huddle (SPEC C7).

An action belongs to one participant and is owned by an organisation and, within it, a named
person or a role. Handoffs, huddles, plan changes, sprints and escalations all create them, so
the model lives here once and each source names itself (`source`, `source_ref`).

The coordinator rota says who coordinates which participant on which weekdays, and absences
name who covers; `coordination.duty` answers "who is the coordinator of P on day D" from them.
A huddle cohort is a set of participants reviewed together at a cadence; each huddle records
who attended and, per participant discussed, a decision that is an owned action.

A `Record` is a contact or daily record: what happened to a participant, when it happened and
when it was written, which the 24-hour documentation standard (`coordination.documentation`)
reads.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.cases.models import Participant, Referral
from seamline.network.choices import Role, choice_check
from seamline.network.models import Organisation, Pathway, User, Versioned

from .choices import (
    CADENCES_FOR,
    ActionSource,
    Acuity,
    Cadence,
    RecordKind,
    RefusalHandling,
    StepStatus,
)

if TYPE_CHECKING:
    from seamline.access import Actor


class ActionQuerySet(models.QuerySet["Action"]):
    def visible_to(self, actor: Actor) -> ActionQuerySet:
        """An action is part of its participant's record: seen exactly when they are."""
        return self.filter(participant__in=Participant.objects.visible_to(actor).values("pk"))

    def open(self) -> ActionQuerySet:
        return self.filter(completed_at__isnull=True)

    def overdue(self, at: datetime | None = None) -> ActionQuerySet:
        return self.open().filter(due_at__lt=at or timezone.now())

    def owned_by(self, actor: Actor) -> ActionQuerySet:
        """Actions the actor answers for: named to them, or to a role they hold in their
        organisation with nobody named."""
        if actor.user is None or actor.organisation is None:
            return self.none()
        return self.filter(
            Q(owner_person=actor.user)
            | Q(
                owner_person__isnull=True,
                owner_organisation=actor.organisation,
                owner_role__in=sorted(actor.roles),
            )
        )


class Action(Versioned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="coordination_actions"
    )
    description = models.TextField()
    owner_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    owner_person = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_actions"
    )
    owner_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    due_at = models.DateTimeField()
    source = models.CharField(max_length=12, choices=ActionSource.choices)
    # The record that created it, e.g. "handoff:H-2026-000012".
    source_ref = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_note = models.TextField(blank=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            choice_check("source", ActionSource, "action_source_valid"),
            models.CheckConstraint(
                condition=Q(owner_role="") | Q(owner_role__in=Role.values),
                name="action_owner_role_valid",
            ),
            # SPEC C7: the owner is an organisation and, within it, a person or a role.
            models.CheckConstraint(
                condition=Q(owner_person__isnull=False) | ~Q(owner_role=""),
                name="action_owner_person_or_role",
            ),
            models.CheckConstraint(condition=~Q(description=""), name="action_has_description"),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("created_at")),
                name="action_completed_after_created",
            ),
        ]
        indexes = [
            models.Index(
                fields=["owner_organisation", "completed_at", "due_at"], name="action_owner_idx"
            ),
            models.Index(fields=["participant", "completed_at"], name="action_participant_idx"),
            models.Index(fields=["source", "source_ref"], name="action_source_idx"),
            # The assurance pack's month of sprint steps and huddle actions due
            # (benchmarks/assurance_pack.py).
            models.Index(fields=["due_at"], name="action_due_idx"),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.completed_at is None

    def is_overdue(self, at: datetime | None = None) -> bool:
        return self.completed_at is None and self.due_at < (at or timezone.now())

    @property
    def owner_label(self) -> str:
        who = self.owner_person.display_name if self.owner_person else Role(self.owner_role).label
        return f"{who}, {self.owner_organisation.name}"

    # The audit log names the action by its public id; the participant only by code.
    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"{ActionSource(self.source).label} for {self.participant.code}"

    @property
    def audit_organisation_code(self) -> str:
        return self.owner_organisation.code


# --- the coordinator rota ----------------------------------------------------------------------

ALL_WEEKDAYS = 0b1111111  # Monday is bit 0


class RotaEntryQuerySet(models.QuerySet["RotaEntry"]):
    def in_force(self, day: date) -> RotaEntryQuerySet:
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class RotaEntry(models.Model):
    """A person coordinates a participant on some weekdays, from one day to another.

    Several entries may be in force on a day (a lead and a deputy, or a handover): the newest
    start comes first (`duty.coordinator_on`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="coordinator_rota"
    )
    coordinator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="rota_entries")
    # The coordinator's organisation when the entry was made (it must have a part in the care).
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    weekdays = models.PositiveSmallIntegerField(default=ALL_WEEKDAYS)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = RotaEntryQuerySet.as_manager()

    class Meta:
        ordering = ["participant", "-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekdays__gte=1) & Q(weekdays__lte=ALL_WEEKDAYS),
                name="rota_entry_weekdays_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="rota_entry_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["participant", "starts_on"], name="rota_entry_participant_idx"),
            models.Index(fields=["coordinator", "ends_on"], name="rota_entry_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.coordinator_id} coordinates {self.participant_id}"

    @property
    def weekday_numbers(self) -> list[int]:
        return [d for d in range(7) if self.weekdays & (1 << d)]

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"Coordinator rota for {self.participant.code}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class Absence(models.Model):
    """A coordinator away from one day to another (both included), and who covers."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="absences")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    cover = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="covering"
    )
    reason = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="absence_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(cover=F("person")), name="absence_cover_other"),
        ]
        indexes = [models.Index(fields=["person", "ends_on"], name="absence_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} away {self.starts_on} to {self.ends_on}"

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"Absence {self.starts_on} to {self.ends_on}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


# --- the joint caseload huddle -------------------------------------------------------------------


class Cohort(Versioned):
    """Participants reviewed together at a cadence by the partners in their care."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    acuity = models.CharField(max_length=10, choices=Acuity.choices)
    cadence = models.CharField(max_length=14, choices=Cadence.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            choice_check("acuity", Acuity, "cohort_acuity_valid"),
            choice_check("cadence", Cadence, "cohort_cadence_valid"),
            # SPEC C7: daily for high acuity, two or three times a week otherwise.
            models.CheckConstraint(
                condition=(Q(acuity=Acuity.HIGH) & Q(cadence__in=CADENCES_FOR[Acuity.HIGH]))
                | (Q(acuity=Acuity.STANDARD) & Q(cadence__in=CADENCES_FOR[Acuity.STANDARD])),
                name="cohort_cadence_fits_acuity",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_public_id(self) -> str:
        return self.code

    @property
    def audit_label(self) -> str:
        return self.name

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class CohortMemberQuerySet(models.QuerySet["CohortMember"]):
    def current(self) -> CohortMemberQuerySet:
        return self.filter(removed_at__isnull=True)


class CohortMember(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="members")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="cohort_memberships"
    )
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = CohortMemberQuerySet.as_manager()

    class Meta:
        ordering = ["cohort", "added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "participant"],
                condition=Q(removed_at__isnull=True),
                name="cohort_member_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.cohort_id}"


class Huddle(models.Model):
    """One meeting of a cohort's huddle, on one day."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="huddles")
    held_on = models.DateField()
    chair = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "held_on"], name="huddle_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id} on {self.held_on}"

    @property
    def ref(self) -> str:
        return f"huddle:{self.uuid}"

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"Huddle of {self.cohort.code} on {self.held_on:%Y-%m-%d}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class Attendance(models.Model):
    huddle = models.ForeignKey(Huddle, on_delete=models.PROTECT, related_name="attendance")
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "person__last_name", "id"]
        constraints = [models.UniqueConstraint(fields=["huddle", "person"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.person_id} at {self.huddle_id}"


class Decision(models.Model):
    """What a huddle decided about one participant: the owned action it created says who does
    it and by when."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    huddle = models.ForeignKey(Huddle, on_delete=models.PROTECT, related_name="decisions")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    action = models.OneToOneField(Action, on_delete=models.PROTECT, related_name="decision")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["huddle", "recorded_at", "id"]
        indexes = [models.Index(fields=["participant", "huddle"], name="decision_participant_idx")]

    def __str__(self) -> str:
        return f"Decision on {self.participant_id} at {self.huddle_id}"


# --- the post-discharge sprint -------------------------------------------------------------------


class SprintQuerySet(models.QuerySet["Sprint"]):
    def visible_to(self, actor: Actor) -> SprintQuerySet:
        """A sprint is part of its participant's record: seen exactly when they are."""
        return self.filter(participant__in=Participant.objects.visible_to(actor).values("pk"))


class Sprint(models.Model):
    """The first 72 hours at home after a hospital discharge: one per discharge referral, its
    steps copied from the sprint template when it starts."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="sprints")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="+")
    # The referral's owner when it started: role-only RACI entries resolve to it.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    template = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SprintQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # Starting is idempotent: one sprint per discharge referral.
            models.UniqueConstraint(fields=["referral"], name="sprint_once_per_referral"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("started_at")), name="sprint_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["completed_at", "started_at"], name="sprint_open_idx")]

    def __str__(self) -> str:
        return f"Sprint for {self.participant_id}"

    @property
    def ref(self) -> str:
        return f"sprint:{self.uuid}"

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"Post-discharge sprint for {self.participant.code}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class SprintStep(models.Model):
    """One templated step of a sprint; its owned action says who does it and by when."""

    sprint = models.ForeignKey(Sprint, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    day = models.PositiveSmallIntegerField()
    pathway_step = models.SlugField(max_length=40, blank=True)
    # How the owner was found: responsible, accountable or case_owner.
    owner_basis = models.CharField(max_length=12)
    action = models.OneToOneField(Action, on_delete=models.PROTECT, related_name="sprint_step")
    status = models.CharField(max_length=8, choices=StepStatus.choices, default=StepStatus.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    refusal = models.TextField(blank=True)
    handling_code = models.CharField(max_length=20, choices=RefusalHandling.choices, blank=True)
    handling_note = models.TextField(blank=True)

    class Meta:
        ordering = ["sprint", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sprint", "code"], name="sprint_step_once"),
            choice_check("status", StepStatus, "sprint_step_status_valid"),
            models.CheckConstraint(
                condition=Q(status=StepStatus.OPEN, resolved_at__isnull=True)
                | (~Q(status=StepStatus.OPEN) & Q(resolved_at__isnull=False)),
                name="sprint_step_resolved_when_closed",
            ),
            # A refusal always says how it was handled.
            models.CheckConstraint(
                condition=~Q(status=StepStatus.REFUSED)
                | (~Q(handling_code="") & ~Q(handling_note="")),
                name="sprint_step_refusal_handled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} of {self.sprint_id}"


# --- the 24-hour documentation standard ------------------------------------------------------


class RecordQuerySet(models.QuerySet["Record"]):
    def visible_to(self, actor: Actor) -> RecordQuerySet:
        """A record is part of its participant's record: read exactly when they are."""
        return self.filter(participant__in=Participant.objects.visible_to(actor).values("pk"))


class Record(models.Model):
    """A contact or daily record about a participant: what kind, when it happened
    (`occurred_at`) and when it was written (`recorded_at`, set by the server when it is
    saved; an import may carry the time it was written in the partner's own system).

    Records are never edited: a correction is a new record."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="coordination_records"
    )
    # The author's organisation when it was written.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The author's worker record when the author is a worker in the workforce register.
    worker = models.ForeignKey(
        "workforce.Worker", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=RecordKind.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    text = models.TextField()
    imported = models.BooleanField(default=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            choice_check("kind", RecordKind, "record_kind_valid"),
            models.CheckConstraint(
                condition=Q(recorded_at__gte=F("occurred_at")),
                name="record_written_after_it_happened",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="record_has_text"),
        ]
        indexes = [
            models.Index(fields=["participant", "occurred_at"], name="record_participant_idx"),
            models.Index(fields=["organisation", "occurred_at"], name="record_organisation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.participant_id}"

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_label(self) -> str:
        return f"{RecordKind(self.kind).label} record for {self.participant.code}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code
