"""Owned actions: the "next action" every coordination tool hands out (SPEC C7).

An action belongs to one participant and is owned by an organisation and, within it, a named
person or a role. Handoffs, huddles, plan changes, sprints and escalations all create them, so
the model lives here once and each source names itself (`source`, `source_ref`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.cases.models import Participant
from seamline.network.choices import Role, choice_check
from seamline.network.models import Organisation, User, Versioned

from .choices import ActionSource

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
