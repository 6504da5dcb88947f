"""The tamper-evident audit log.

Each entry carries an HMAC of its own content chained to the previous entry's HMAC. The key
lives outside the database (`settings.AUDIT_HMAC_KEY`), database triggers refuse UPDATE and
DELETE, and exported anchors (`seamline audit anchor`) catch a truncated tail.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from seamline.access import Actor


class EntryKind(models.TextChoices):
    WRITE = "write", "Change"
    READ = "read", "Read of personal data"
    REFUSED = "refused", "Refused access"
    AUTH = "auth", "Sign-in event"
    SYSTEM = "system", "System event"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def visible_to(self, actor: Actor) -> AuditEntryQuerySet:
        from . import access

        return access.entries_visible_to(self, actor)


class AuditEntry(models.Model):
    seq = models.BigIntegerField(unique=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    action = models.CharField(max_length=80, db_index=True)
    actor_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200)
    organisation_code = models.CharField(max_length=40, blank=True, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    # The organisation the object belongs to, so a partner can see entries about its own records.
    object_organisation_code = models.CharField(max_length=40, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name_plural = "audit entries"
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="audit_kind_valid"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="audit_seq_positive"),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_label}"


class ChainHead(models.Model):
    """The single row every append locks, so that entries form one unbroken chain."""

    singleton = models.BooleanField(default=True, unique=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="chain_head_singleton")
        ]

    def __str__(self) -> str:
        return f"chain head #{self.seq}"
