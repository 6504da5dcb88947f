"""Closed vocabularies of person-centred plans. Each one is also a check constraint."""

from django.db import models


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ChangeKind(models.TextChoices):
    ADDED = "added", "Added"
    REMOVED = "removed", "Removed"
    CHANGED = "changed", "Changed"
