"""Escalation (SPEC C8): the shared threshold set and its versions, a ladder per pathway with
its rungs, escalations with their running clock, their timeline, and the notifications a
climb sends.

The clock is data: `Escalation.due_at` is the deadline of the rung it stands on, and the worker
(`escalation.worker`) climbs exactly the rows whose deadline has passed, by compare-and-set on
that column and the row's version. An escalation opens at most once per trigger and episode
(a unique constraint), however many workers or requests see the trigger at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.cases.models import Participant, Referral
from seamline.network.choices import Role, choice_check
from seamline.network.models import Organisation, Pathway, User, Versioned

from .choices import (
    CLIMBING_STATES,
    OPEN_STATES,
    ConcernOutcome,
    ConcernState,
    Contact,
    EventKind,
    Level,
    Outcome,
    State,
    Theme,
    Tier,
    Trigger,
)

if TYPE_CHECKING:
    from seamline.access import Actor


# --- the shared threshold set -----------------------------------------------------------------


class ThresholdSet(Versioned):
    """The network's one threshold set. What it says lives in its versions; `current` is the
    one triggers are judged by."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    current = models.ForeignKey(
        "ThresholdVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Threshold set v{self.current.number}" if self.current else "Threshold set"

    @property
    def code(self) -> str:
        return "thresholds"

    @property
    def audit_organisation_code(self) -> str:
        return ""


class ThresholdVersion(models.Model):
    """One version of the threshold set, complete in itself: a row per trigger with its tier,
    responsible role and chair (`rules.parse_thresholds`), with who made it, when and why.
    Never changed once written."""

    threshold_set = models.ForeignKey(
        ThresholdSet, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["threshold_set", "number"], name="threshold_version_unique"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="threshold_version_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Threshold set v{self.number}"

    @property
    def audit_public_id(self) -> str:
        return f"thresholds/v{self.number}"

    @property
    def audit_organisation_code(self) -> str:
        return ""


# --- ladders ----------------------------------------------------------------------------------


class Ladder(Versioned):
    """A pathway's escalation ladder: its rungs in order."""

    pathway = models.OneToOneField(Pathway, on_delete=models.PROTECT, related_name="ladder")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Ladder of {self.pathway.code}"

    @property
    def code(self) -> str:
        return self.pathway.code

    @property
    def audit_organisation_code(self) -> str:
        return ""


class Rung(models.Model):
    """One rung: who answers at it and how long they have, by tier. Operational and clinical
    rungs fall to the responsible partner; `at_lead` rungs (contractual ones) to the pathway's
    lead organisation."""

    ladder = models.ForeignKey(Ladder, on_delete=models.CASCADE, related_name="rungs")
    position = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=12, choices=Level.choices)
    role = models.CharField(max_length=20, choices=Role.choices)
    at_lead = models.BooleanField(default=False)
    hours_immediate = models.PositiveIntegerField()
    hours_same_day = models.PositiveIntegerField()
    hours_review = models.PositiveIntegerField()

    class Meta:
        ordering = ["ladder", "position"]
        constraints = [
            choice_check("level", Level, "rung_level_valid"),
            choice_check("role", Role, "rung_role_valid"),
            models.UniqueConstraint(fields=["ladder", "position"], name="rung_position_unique"),
            models.CheckConstraint(
                condition=Q(hours_immediate__gte=1)
                & Q(hours_same_day__gte=1)
                & Q(hours_review__gte=1),
                name="rung_hours_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_level_display()} ({self.get_role_display()})"


# --- escalations ------------------------------------------------------------------------------


class EscalationQuerySet(models.QuerySet["Escalation"]):
    def visible_to(self, actor: Actor) -> EscalationQuerySet:
        from . import access

        return access.escalations_visible_to(self, actor)

    def open(self) -> EscalationQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def due(self, at: datetime) -> EscalationQuerySet:
        """The rows whose rung deadline has passed: the worker's work."""
        return self.filter(state__in=CLIMBING_STATES, due_at__lte=at)


class Escalation(Versioned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=20, unique=True)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="escalations"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="escalations")
    # The partner that answers for it (the case's owner, a handoff's sender, a list's partner).
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="escalations"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    # What makes this the same episode: a referral, a handoff, a finding. One escalation per
    # trigger and episode, enforced below.
    episode = models.CharField(max_length=120)
    source_ref = models.CharField(max_length=120, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    tier = models.CharField(max_length=16, choices=Tier.choices)
    responsible_role = models.CharField(max_length=20, choices=Role.choices)
    chair_role = models.CharField(max_length=20, choices=Role.choices)
    threshold_version = models.ForeignKey(
        ThresholdVersion, on_delete=models.PROTECT, related_name="escalations"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.RAISED)
    rung = models.PositiveSmallIntegerField(default=1)
    # The deadline of the current rung; null once answered, resolved or past the last rung.
    due_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            choice_check("trigger", Trigger, "escalation_trigger_valid"),
            choice_check("tier", Tier, "escalation_tier_valid"),
            choice_check("state", State, "escalation_state_valid"),
            choice_check("responsible_role", Role, "escalation_role_valid"),
            choice_check("chair_role", Role, "escalation_chair_valid"),
            # SPEC C8: a trigger opens an escalation once, not again for the same episode.
            models.UniqueConstraint(
                fields=["trigger", "episode"], name="escalation_once_per_episode"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values),
                name="escalation_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.RESOLVED)
                | (Q(resolved_at__isnull=False) & ~Q(outcome="")),
                name="escalation_resolved_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=F("raised_at")),
                name="escalation_ack_after_raised",
            ),
            models.CheckConstraint(condition=Q(rung__gte=1), name="escalation_rung_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="escalation_due_idx"),
            models.Index(fields=["participant", "state"], name="escalation_participant_idx"),
            # The assurance pack's month of escalations raised, read once for each month of the
            # spread's trend (benchmarks/assurance_pack.py).
            models.Index(fields=["raised_at"], name="escalation_raised_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.get_trigger_display()} ({self.participant.code})"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, at: datetime | None = None) -> bool:
        return self.due_at is not None and self.due_at <= (at or timezone.now())


class EscalationEvent(models.Model):
    """One line of an escalation's timeline. Never changed once written."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=14, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    by_label = models.CharField(max_length=100, blank=True)
    rung = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            choice_check("kind", EventKind, "escalation_event_kind_valid"),
            # A rung is climbed to (or breached) once: a second worker cannot add it again.
            models.UniqueConstraint(
                fields=["escalation", "kind", "rung"],
                condition=Q(kind__in=[EventKind.CLIMBED, EventKind.BREACHED]),
                name="escalation_event_climb_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.escalation_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_actor(self, actor: Actor) -> NotificationQuerySet:
        """Addressed to the actor's organisation and one of their roles, or to them by name."""
        if actor.organisation is None or actor.user is None:
            return self.none()
        return self.filter(
            Q(person=actor.user)
            | Q(person__isnull=True, organisation=actor.organisation, role__in=actor.roles)
        )


class Notification(models.Model):
    """An in-app notice to a rung's organisation and role: who, what, when. A notice is about
    an escalation (a rung reached) or a safeguarding concern (the pathway's lead told)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    concern = models.ForeignKey(
        "SafeguardingConcern",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    person = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=14, choices=EventKind.choices)
    rung = models.PositiveSmallIntegerField()
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    # When the worker took it to send by e-mail (claimed once, then sent: at most once).
    emailed_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.PositiveSmallIntegerField(default=0)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            choice_check("role", Role, "notification_role_valid"),
            choice_check("kind", EventKind, "notification_kind_valid"),
            models.UniqueConstraint(
                fields=["escalation", "kind", "rung"], name="notification_once_per_rung"
            ),
            # The safeguarding lead is told of a concern once, however many workers run.
            models.UniqueConstraint(
                fields=["concern"],
                condition=Q(concern__isnull=False),
                name="notification_once_per_concern",
            ),
            models.CheckConstraint(
                condition=Q(escalation__isnull=False, concern__isnull=True)
                | Q(escalation__isnull=True, concern__isnull=False),
                name="notification_about_one_thing",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "role"], name="notification_to_idx")]

    def __str__(self) -> str:
        return self.message


# --- safeguarding -----------------------------------------------------------------------------


class SafeguardingLead(models.Model):
    """Who a pathway's safeguarding concerns go to: a role in an organisation (everyone holding
    that role there through a role grant). A pathway without a row goes to its lead
    organisation's quality lead (`safeguarding.access.lead_of`)."""

    pathway = models.OneToOneField(
        Pathway, on_delete=models.PROTECT, related_name="safeguarding_lead"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()

    class Meta:
        constraints = [choice_check("role", Role, "safeguarding_lead_role_valid")]

    def __str__(self) -> str:
        return f"Safeguarding lead of {self.pathway.code}"

    @property
    def code(self) -> str:
        return self.pathway.code

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class ConcernQuerySet(models.QuerySet["SafeguardingConcern"]):
    def visible_to(self, actor: Actor) -> ConcernQuerySet:
        from .safeguarding import access

        return access.concerns_visible_to(self, actor)

    def to_notify(self, at: datetime) -> ConcernQuerySet:
        """Recorded by `at` and the lead not yet told: the worker's work."""
        return self.filter(lead_notified_at__isnull=True, recorded_at__lte=at)


class SafeguardingConcern(Versioned):
    """A safeguarding concern raised at a contact (SPEC C8). `occurred_at` is when it arose and
    `recorded_at` when it was written down (the 24-hour documentation standard reads both);
    `notify_by` is the end of that day in the network's time zone, by which the pathway's
    safeguarding lead must have been told (`lead_notified_at`, set by the worker)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=20, unique=True)
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="safeguarding_concerns"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="+")
    # The partner whose person raised it.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="safeguarding_concerns"
    )
    raised_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raised_by_label = models.CharField(max_length=100, blank=True)
    contact = models.CharField(max_length=12, choices=Contact.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    theme = models.CharField(max_length=16, choices=Theme.choices)
    description = models.TextField()
    notify_by = models.DateTimeField()
    # Who is to be told, fixed when the concern is raised.
    lead_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    lead_role = models.CharField(max_length=20, choices=Role.choices)
    lead_notified_at = models.DateTimeField(null=True, blank=True)
    triage_by = models.DateTimeField()
    state = models.CharField(max_length=8, choices=ConcernState.choices, default=ConcernState.NEW)
    # The `safeguarding` escalation of the episode (opened by this concern or already open).
    escalation = models.ForeignKey(
        Escalation, on_delete=models.SET_NULL, null=True, blank=True, related_name="concerns"
    )

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            choice_check("theme", Theme, "concern_theme_valid"),
            choice_check("contact", Contact, "concern_contact_valid"),
            choice_check("state", ConcernState, "concern_state_valid"),
            choice_check("lead_role", Role, "concern_lead_role_valid"),
            models.CheckConstraint(
                condition=Q(recorded_at__gte=F("occurred_at")),
                name="concern_recorded_after_occurring",
            ),
            models.CheckConstraint(
                condition=Q(notify_by__gt=F("occurred_at")), name="concern_notify_by_after"
            ),
            models.CheckConstraint(condition=~Q(description=""), name="concern_has_description"),
        ]
        indexes = [
            models.Index(fields=["lead_notified_at", "recorded_at"], name="concern_to_notify_idx"),
            models.Index(fields=["state", "triage_by"], name="concern_triage_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.get_theme_display()} ({self.participant.code})"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code

    def notified_in_time(self) -> bool | None:
        """Told the same day (True), late (False), or not yet told (None)."""
        if self.lead_notified_at is None:
            return None
        return self.lead_notified_at < self.notify_by


class TriageMeeting(models.Model):
    """The weekly safeguarding triage meeting: one per week (the Monday it starts on)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    week = models.DateField(unique=True)
    held_at = models.DateTimeField()
    chair = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    attendees = models.ManyToManyField(User, blank=True, related_name="+")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-week"]

    def __str__(self) -> str:
        return f"Safeguarding triage, week {self.code}"

    @property
    def code(self) -> str:
        year, week, _ = self.week.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def audit_public_id(self) -> str:
        return self.code

    @property
    def audit_organisation_code(self) -> str:
        return ""


class TriageDecision(models.Model):
    """What the triage meeting decided for one concern: whether the local authority or the
    police must be told, by whom and by when, when it was done, and the outcome."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.OneToOneField(
        SafeguardingConcern, on_delete=models.PROTECT, related_name="decision"
    )
    meeting = models.ForeignKey(TriageMeeting, on_delete=models.PROTECT, related_name="decisions")
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    la_needed = models.BooleanField()
    police_needed = models.BooleanField()
    notifier_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notifier_role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    notify_due = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=ConcernOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=ConcernOutcome.values),
                name="triage_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(notifier_role="") | Q(notifier_role__in=Role.values),
                name="triage_notifier_role_valid",
            ),
            # Somebody notifies exactly when a notification is needed.
            models.CheckConstraint(
                condition=(
                    (Q(la_needed=True) | Q(police_needed=True))
                    & Q(notifier_organisation__isnull=False, notify_due__isnull=False)
                )
                | (
                    Q(la_needed=False, police_needed=False)
                    & Q(
                        notifier_organisation__isnull=True,
                        notify_due__isnull=True,
                        notified_at__isnull=True,
                    )
                ),
                name="triage_notifier_when_needed",
            ),
        ]

    def __str__(self) -> str:
        return f"Triage of {self.concern.code}"

    @property
    def code(self) -> str:
        return self.concern.code

    @property
    def audit_organisation_code(self) -> str:
        return self.concern.organisation.code

    @property
    def notification_needed(self) -> bool:
        return self.la_needed or self.police_needed
