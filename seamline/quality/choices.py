from django.db import models


class Question(models.TextChoices):
    """What a panel answers about each vignette."""

    ESCALATE = "escalate", "Escalate?"
    TIER = "tier", "Tier"
    SAFEGUARDING = "safeguarding", "Safeguarding threshold met?"
    HOURS = "hours", "Hours to escalate"


class RoundStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
