"""Joint calibration (SPEC C9 part 4): a library of anonymised vignettes, calibration rounds in
which each partner's panel answers the same questions about them, and the guidance rules a
round leads to.

Vignettes and rounds are network-wide quality material, kept by the prime's quality lead and
the network admin. A `CalibrationAnswer` is one rater's answer to one question about one
vignette for one partner; answering again replaces it (one row per round, vignette, partner,
rater and question, a unique constraint). The statistics are computed from the answers when
asked for (`quality.stats`), never stored.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from seamline.network.models import Organisation, User

from .choices import Question, RoundStatus


class Vignette(models.Model):
    """An anonymised borderline case: no participant is named or linked."""

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class CalibrationRound(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    vignettes = models.ManyToManyField(Vignette, related_name="rounds")
    partners = models.ManyToManyField(Organisation, related_name="calibration_rounds")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="calibration_round_status"
            ),
            models.CheckConstraint(
                condition=Q(status=RoundStatus.OPEN, closed_at__isnull=True)
                | Q(status=RoundStatus.CLOSED, closed_at__isnull=False),
                name="calibration_round_closed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class CalibrationAnswer(models.Model):
    """One rater's answer (normalised by `rules.parse_answer`) to one question."""

    round = models.ForeignKey(CalibrationRound, on_delete=models.PROTECT, related_name="answers")
    vignette = models.ForeignKey(Vignette, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    rater = models.CharField(max_length=100)
    question = models.CharField(max_length=20, choices=Question.choices)
    answer = models.CharField(max_length=40)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["vignette__code", "organisation__code", "rater", "question"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "vignette", "organisation", "rater", "question"],
                name="calibration_answer_unique",
            ),
            models.CheckConstraint(
                condition=Q(question__in=Question.values), name="calibration_answer_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round.code}/{self.vignette.code}/{self.rater}: {self.question}"

    @property
    def audit_public_id(self) -> str:
        return f"{self.round.code}/{self.vignette.code}/{self.organisation.code}/{self.rater}"


class GuidanceRule(models.Model):
    """ "If `condition` is present, escalate within `hours` hours", agreed from a round."""

    round = models.ForeignKey(CalibrationRound, on_delete=models.PROTECT, related_name="guidance")
    condition = models.CharField(max_length=300)
    hours = models.PositiveIntegerField()
    tier = models.CharField(max_length=20)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="guidance_rule_has_reason"),
        ]

    def __str__(self) -> str:
        return f"If {self.condition}, escalate within {self.hours} hours"
