"""The shared competency framework: competencies, task types, versions, partner catalogues.

The tables hold the framework as it is now. Every change made through `competency.actions`
also writes a `FrameworkVersion` with a full snapshot (who, when, why), so any earlier version
stays readable and the authorization register can be computed as of any past instant.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from seamline.network.choices import choice_check
from seamline.network.models import Organisation, Pathway, User

from .choices import Domain, MappingKind, Stage


class Competency(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    domain = models.CharField(max_length=40, choices=Domain.choices)
    description = models.TextField(blank=True)
    network_critical = models.BooleanField(default=False)
    # Minimum observable behaviours: a list of sentences.
    behaviours = models.JSONField(default=list, blank=True)
    # Evidence kinds required for each stage: {"induction": ["module"], "supervised": [...], ...}
    stage_evidence = models.JSONField(default=dict, blank=True)
    # Minimum supervision frequency for new or high-risk assignments, in days.
    supervision_frequency_days = models.PositiveSmallIntegerField(default=28)
    review_interval_months = models.PositiveSmallIntegerField(default=12)
    pathway_specific = models.BooleanField(default=False)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "competencies"
        constraints = [
            choice_check("domain", Domain, "competency_domain_valid"),
            models.CheckConstraint(
                condition=Q(review_interval_months__gte=1) & Q(review_interval_months__lte=60),
                name="competency_review_interval_range",
            ),
            models.CheckConstraint(
                condition=Q(supervision_frequency_days__gte=1),
                name="competency_supervision_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class TaskType(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    risk_tier = models.PositiveSmallIntegerField()
    delegated = models.BooleanField(default=False)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["risk_tier", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(risk_tier__gte=1) & Q(risk_tier__lte=4), name="task_type_tier_1_to_4"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code}, tier {self.risk_tier})"


class TaskRequirement(models.Model):
    task_type = models.ForeignKey(TaskType, on_delete=models.CASCADE, related_name="requirements")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="required_by")
    min_stage = models.CharField(max_length=12, choices=Stage.choices)

    class Meta:
        ordering = ["task_type", "competency"]
        constraints = [
            choice_check("min_stage", Stage, "requirement_stage_valid"),
            models.UniqueConstraint(fields=["task_type", "competency"], name="requirement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.task_type.code}: {self.competency.code} ≥ {self.min_stage}"


def snapshot_digest(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class FrameworkVersionQuerySet(models.QuerySet["FrameworkVersion"]):
    def current(self) -> FrameworkVersion | None:
        return self.order_by("-number").first()

    def as_of(self, at: datetime) -> FrameworkVersion | None:
        """The version in force at instant `at` (None before the first version)."""
        return self.filter(created_at__lte=at).order_by("-number").first()


class FrameworkVersion(models.Model):
    """One version of the whole framework: a full snapshot, append-only."""

    number = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    summary = models.TextField(blank=True)
    # The framework in the export shape: {"competencies": [...], "task_types": [...]}.
    snapshot = models.JSONField()
    # SHA-256 of the snapshot, taken when the version is written: what the register's cache of
    # parsed versions is keyed by, so a check reads 64 characters, not the whole snapshot.
    digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="framework_version_reason")
        ]

    def __str__(self) -> str:
        return f"Framework version {self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.digest:
            self.digest = snapshot_digest(self.snapshot)
        super().save(*args, **kwargs)

    @property
    def audit_public_id(self) -> str:
        return str(self.number)

    def competencies(self) -> dict[str, dict[str, Any]]:
        return {c["code"]: c for c in self.snapshot.get("competencies", [])}

    def task_types(self) -> dict[str, dict[str, Any]]:
        return {t["code"]: t for t in self.snapshot.get("task_types", [])}


class PartnerModule(models.Model):
    """A training module in one partner's own catalogue (its LMS)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="training_modules"
    )
    code = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    refresher_months = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="partner_module_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def audit_public_id(self) -> str:
        return f"{self.organisation.code}/{self.code}"


class ModuleMapping(models.Model):
    """How a partner module relates to a shared competency. Only exact and part-of mappings
    turn a completion into `module` evidence."""

    module = models.ForeignKey(PartnerModule, on_delete=models.CASCADE, related_name="mappings")
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="module_mappings"
    )
    kind = models.CharField(max_length=10, choices=MappingKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["module", "competency"]
        constraints = [
            choice_check("kind", MappingKind, "module_mapping_kind_valid"),
            models.UniqueConstraint(fields=["module", "competency"], name="module_mapping_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.module.code} → {self.competency.code} ({self.kind})"

    @property
    def audit_organisation_code(self) -> str:
        return self.module.organisation.code


__all__ = [
    "Competency",
    "FrameworkVersion",
    "ModuleMapping",
    "PartnerModule",
    "Pathway",
    "TaskRequirement",
    "TaskType",
]
