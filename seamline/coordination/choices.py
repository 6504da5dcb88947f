"""Closed vocabularies of care coordination. Each one is also a check constraint."""

from django.db import models


class ActionSource(models.TextChoices):
    """Where an owned action came from (SPEC C7: huddle, handoff, plan, sprint, escalation)."""

    HUDDLE = "huddle", "Huddle decision"
    HANDOFF = "handoff", "Handoff action item"
    PLAN = "plan", "Care plan"
    SPRINT = "sprint", "Post-discharge sprint"
    ESCALATION = "escalation", "Escalation"
