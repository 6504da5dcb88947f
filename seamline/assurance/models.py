"""Issued assurance packs. A pack is the stored figures of one month as they were computed at
`built_at`, with the audit chain head at that moment and a digest of its content, so a reader
can tell it was not edited afterwards. Rows are never updated (a database trigger refuses it);
a correction is the next `issue` of the same period, with its reason."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


def content_digest(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class PackQuerySet(models.QuerySet["Pack"]):
    def latest_issues(self) -> PackQuerySet:
        """The newest issue of each period."""
        newer = Pack.objects.filter(
            period=models.OuterRef("period"), issue__gt=models.OuterRef("issue")
        )
        return self.exclude(models.Exists(newer))


class Pack(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    period = models.DateField(help_text="The first day of the month the pack covers.")
    issue = models.PositiveSmallIntegerField(default=1)
    built_at = models.DateTimeField()
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    built_by_label = models.CharField(max_length=200)
    reason = models.TextField(blank=True, help_text="Why this issue replaces the one before.")
    audit_seq = models.BigIntegerField()
    audit_hash = models.CharField(max_length=64)
    content = models.JSONField()
    digest = models.CharField(max_length=64)

    objects = PackQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "-issue"]
        constraints = [
            models.UniqueConstraint(fields=["period", "issue"], name="pack_one_per_issue"),
            models.CheckConstraint(
                condition=Q(issue=1) | ~Q(reason=""), name="pack_correction_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} (issue {self.issue})"

    @property
    def label(self) -> str:
        return self.period.strftime("%Y-%m")

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    def intact(self) -> bool:
        """The stored content still matches the digest taken when it was issued."""
        return content_digest(self.content) == self.digest
