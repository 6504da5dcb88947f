"""Quality (SPEC C9): joint calibration, audit tools with seeded samples, corrective actions.

Joint calibration (part 4): a library of anonymised vignettes, calibration rounds in
which each partner's panel answers the same questions about them, and the guidance rules a
round leads to.

Vignettes and rounds are network-wide quality material, kept by the prime's quality lead and
the network admin. A `CalibrationAnswer` is one rater's answer to one question about one
vignette for one partner; answering again replaces it (one row per round, vignette, partner,
rater and question, a unique constraint). The statistics are computed from the answers when
asked for (`quality.stats`), never stored.

Audit tools (parts 1-3): a `ScoringTemplate` is shared by every partner and versioned as data
(`TemplateVersion`: the criteria with weights and the pass mark, never edited once written). An
`Audit` is a seeded sample of one partner's records of one kind over one period, scored with
one template version; its `AuditItem`s are the sampled records, each scored once. Corrective
actions (part 6) move forward only: not started, in progress, completed.

Incidents (part 5): an `Incident` about one participant at one partner, with its theme and
severity, and `IncidentLink`s to the handoffs, escalations, workers and plan versions involved;
its learning actions are corrective actions citing it. Partner due diligence (part 7): one
`DiligenceReview` per organisation, with evidence samples and a finding per area, and its
decisions (append-only; the newest counts, and an approving one lets the partner go active).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from seamline.network.choices import choice_check
from seamline.network.models import Organisation, User

from .choices import (
    ActionStatus,
    Decision,
    DiligenceArea,
    Finding,
    IncidentSeverity,
    IncidentTheme,
    LinkKind,
    Question,
    RecordKind,
    RoundStatus,
    SourceKind,
)


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


# --- audit tools ---------------------------------------------------------------------------------


class ScoringTemplate(models.Model):
    """A scoring tool every partner's auditors use alike, for one kind of record."""

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    record_kind = models.CharField(max_length=20, choices=RecordKind.choices)
    purpose = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        constraints = [choice_check("record_kind", RecordKind, "scoring_template_kind")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_public_id(self) -> str:
        return self.code


class TemplateVersion(models.Model):
    """One version of a template's criteria (a list of {code, title, look_for, weight}) and
    its pass mark in percent. Written once; a change is the next version."""

    template = models.ForeignKey(ScoringTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    criteria = models.JSONField()
    pass_mark = models.PositiveSmallIntegerField()
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["template__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_once"),
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="template_pass_mark"),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"

    @property
    def audit_public_id(self) -> str:
        return f"{self.template.code}/v{self.number}"


class AuditQuerySet(models.QuerySet["Audit"]):
    def visible_to(self, actor: object) -> AuditQuerySet:
        from . import access

        return access.audits_visible_to(self, actor)  # type: ignore[arg-type, return-value]


class Audit(models.Model):
    """A seeded random sample of `size` of one partner's records of the template's kind over a
    period, stratified by pathway. The seed, the candidates' count and a digest of their keys
    are kept, so anyone can draw the same sample again and see whether the records changed."""

    code = models.SlugField(max_length=80, unique=True)
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="audits"
    )
    record_kind = models.CharField(max_length=20, choices=RecordKind.choices)
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="audits")
    period_start = models.DateField()
    period_end = models.DateField()
    size = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    candidates = models.PositiveIntegerField()
    candidates_digest = models.CharField(max_length=64)
    # A spot-check of one worker's records (and one task type), when named.
    worker = models.ForeignKey(
        "workforce.Worker", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task_type = models.ForeignKey(
        "competency.TaskType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drawn_at = models.DateTimeField(default=timezone.now)
    drawn_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "code"]
        constraints = [
            choice_check("record_kind", RecordKind, "audit_record_kind"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="quality_audit_period"
            ),
            models.CheckConstraint(condition=Q(size__gte=1), name="quality_audit_size"),
        ]
        indexes = [models.Index(fields=["partner", "period_start"], name="audit_partner_idx")]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_public_id(self) -> str:
        return self.code

    @property
    def audit_organisation_code(self) -> str:
        return self.partner.code


class AuditItem(models.Model):
    """One sampled record, in the order drawn, and its scoring (once)."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    stratum = models.CharField(max_length=40)  # the record's pathway code
    record_ref = models.CharField(max_length=120)
    handoff = models.ForeignKey(
        "handoffs.Handoff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visit = models.ForeignKey(
        "rota.Visit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignment = models.ForeignKey(
        "rota.Assignment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task_type = models.ForeignKey(
        "competency.TaskType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    worker = models.ForeignKey(
        "workforce.Worker", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalation = models.ForeignKey(
        "escalation.Escalation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A safeguarding case sample's record: the concern (its escalation, if any, kept above).
    concern = models.ForeignKey(
        "escalation.SafeguardingConcern",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answers = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)  # percent; null: unscored or all n/a
    notes = models.TextField(blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    scored_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pause = models.ForeignKey(
        "workforce.DelegationPause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["audit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "position"], name="audit_item_position"),
            models.UniqueConstraint(fields=["audit", "record_ref"], name="audit_item_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="audit_item_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit.code} #{self.position}"

    @property
    def is_scored(self) -> bool:
        return self.scored_at is not None

    @property
    def audit_public_id(self) -> str:
        return f"{self.audit.code}/{self.position}"

    @property
    def audit_organisation_code(self) -> str:
        return self.audit.partner.code


# --- corrective actions ------------------------------------------------------------------------


class CorrectiveActionQuerySet(models.QuerySet["CorrectiveAction"]):
    def visible_to(self, actor: object) -> CorrectiveActionQuerySet:
        from . import access

        return access.corrective_actions_visible_to(self, actor)  # type: ignore[arg-type, return-value]

    def open(self) -> CorrectiveActionQuerySet:
        return self.exclude(status=ActionStatus.COMPLETED)

    def overdue(self, today: object) -> CorrectiveActionQuerySet:
        return self.open().filter(due_on__lt=today)


class CorrectiveAction(models.Model):
    """What a partner will do about a finding: from an audit, incident, calibration round or
    reconciliation (`source_kind` + `source_ref`), owned by an organisation and a person, due
    on a date. Its status only moves forward; a completed action is never edited."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    source_ref = models.CharField(max_length=120)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="corrective_actions"
    )
    owner_person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = CorrectiveActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "created_at", "id"]
        constraints = [
            choice_check("status", ActionStatus, "corrective_action_status"),
            choice_check("source_kind", SourceKind, "corrective_action_source"),
            models.CheckConstraint(
                condition=Q(status=ActionStatus.NOT_STARTED, started_at__isnull=True)
                | Q(
                    status=ActionStatus.IN_PROGRESS,
                    started_at__isnull=False,
                    completed_at__isnull=True,
                )
                | Q(
                    status=ActionStatus.COMPLETED,
                    started_at__isnull=False,
                    completed_at__isnull=False,
                ),
                name="corrective_action_stage_times",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_on"], name="corrective_org_idx")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_public_id(self) -> str:
        return str(self.uuid)

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code

    @property
    def source(self) -> str:
        return f"{self.source_kind}:{self.source_ref}"

    def is_overdue(self, today: object) -> bool:
        return self.status != ActionStatus.COMPLETED and self.due_on < today  # type: ignore[operator]


class ActionEvidence(models.Model):
    """Evidence recorded against a corrective action at a stage: append-only."""

    action = models.ForeignKey(CorrectiveAction, on_delete=models.PROTECT, related_name="evidence")
    stage = models.CharField(max_length=20, choices=ActionStatus.choices)
    text = models.TextField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            choice_check("stage", ActionStatus, "action_evidence_stage"),
            models.CheckConstraint(condition=~Q(text=""), name="action_evidence_text"),
        ]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.stage}"


# --- incidents ---------------------------------------------------------------------------------


class IncidentQuerySet(models.QuerySet["Incident"]):
    def visible_to(self, actor: object) -> IncidentQuerySet:
        from . import access

        return access.incidents_visible_to(self, actor)  # type: ignore[arg-type, return-value]


class Incident(models.Model):
    """Something that went wrong in one participant's care at one partner. The participant
    makes it personal data: it is seen by those who see the participant (and the network's
    quality lead and admin), and every read is logged."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=20, unique=True)
    participant = models.ForeignKey(
        "cases.Participant", on_delete=models.PROTECT, related_name="incidents"
    )
    # The partner whose service it happened in.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    theme = models.CharField(max_length=24, choices=IncidentTheme.choices)
    severity = models.CharField(max_length=12, choices=IncidentSeverity.choices)
    occurred_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    description = models.TextField()
    reported_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reporter_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            choice_check("theme", IncidentTheme, "incident_theme_valid"),
            choice_check("severity", IncidentSeverity, "incident_severity_valid"),
            models.CheckConstraint(
                condition=Q(reported_at__gte=F("occurred_at")), name="incident_reported_after"
            ),
            models.CheckConstraint(condition=~Q(description=""), name="incident_has_description"),
        ]
        indexes = [
            # The assurance pack's month of incidents, and the list by partner.
            models.Index(fields=["occurred_at"], name="incident_occurred_idx"),
            models.Index(fields=["organisation", "occurred_at"], name="incident_org_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_public_id(self) -> str:
        return self.code

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.get_theme_display()}"

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class IncidentLink(models.Model):
    """A record involved in an incident: exactly the one reference its kind names."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="links")
    kind = models.CharField(max_length=14, choices=LinkKind.choices)
    handoff = models.ForeignKey(
        "handoffs.Handoff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalation = models.ForeignKey(
        "escalation.Escalation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    worker = models.ForeignKey(
        "workforce.Worker", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_version = models.ForeignKey(
        "plans.PlanVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["incident", "kind", "added_at", "id"]
        constraints = [
            choice_check("kind", LinkKind, "incident_link_kind"),
            models.CheckConstraint(
                condition=Q(
                    kind=LinkKind.HANDOFF,
                    handoff__isnull=False,
                    escalation__isnull=True,
                    worker__isnull=True,
                    plan_version__isnull=True,
                )
                | Q(
                    kind=LinkKind.ESCALATION,
                    handoff__isnull=True,
                    escalation__isnull=False,
                    worker__isnull=True,
                    plan_version__isnull=True,
                )
                | Q(
                    kind=LinkKind.WORKER,
                    handoff__isnull=True,
                    escalation__isnull=True,
                    worker__isnull=False,
                    plan_version__isnull=True,
                )
                | Q(
                    kind=LinkKind.PLAN_VERSION,
                    handoff__isnull=True,
                    escalation__isnull=True,
                    worker__isnull=True,
                    plan_version__isnull=False,
                ),
                name="incident_link_one_target",
            ),
            models.UniqueConstraint(
                fields=["incident", "handoff"],
                condition=Q(handoff__isnull=False),
                name="incident_link_handoff_once",
            ),
            models.UniqueConstraint(
                fields=["incident", "escalation"],
                condition=Q(escalation__isnull=False),
                name="incident_link_escalation_once",
            ),
            models.UniqueConstraint(
                fields=["incident", "worker"],
                condition=Q(worker__isnull=False),
                name="incident_link_worker_once",
            ),
            models.UniqueConstraint(
                fields=["incident", "plan_version"],
                condition=Q(plan_version__isnull=False),
                name="incident_link_plan_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.kind}"

    @property
    def reference(self) -> str:
        """The linked record's public reference: a handoff or escalation code, a worker's
        organisation and staff id, a plan version's `plan:<participant>:v<n>`."""
        if self.handoff is not None:
            return self.handoff.code
        if self.escalation is not None:
            return self.escalation.code
        if self.worker is not None:
            return f"{self.worker.organisation.code}/{self.worker.staff_id}"
        if self.plan_version is not None:
            return self.plan_version.ref
        return ""


# --- partner due diligence ---------------------------------------------------------------------


class DiligenceReview(models.Model):
    """The due-diligence review of one organisation joining (or in) the network."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="diligence_review"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["organisation__code"]

    def __str__(self) -> str:
        return f"Due diligence of {self.organisation_id}"

    @property
    def audit_public_id(self) -> str:
        return self.organisation.code

    @property
    def audit_organisation_code(self) -> str:
        return self.organisation.code


class DiligenceEvidence(models.Model):
    """An evidence sample for one area: a title and what or where it is (no file is kept)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    review = models.ForeignKey(DiligenceReview, on_delete=models.PROTECT, related_name="evidence")
    area = models.CharField(max_length=24, choices=DiligenceArea.choices)
    title = models.CharField(max_length=200)
    reference = models.TextField()
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["review", "area", "added_at", "id"]
        constraints = [
            choice_check("area", DiligenceArea, "diligence_evidence_area"),
            models.CheckConstraint(condition=~Q(title=""), name="diligence_evidence_title"),
        ]

    def __str__(self) -> str:
        return self.title


class DiligenceFinding(models.Model):
    """The reviewer's finding on one area (one row per area; a change replaces it, and the
    audit log keeps the one before)."""

    review = models.ForeignKey(DiligenceReview, on_delete=models.PROTECT, related_name="findings")
    area = models.CharField(max_length=24, choices=DiligenceArea.choices)
    finding = models.CharField(max_length=12, choices=Finding.choices)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["review", "area"]
        constraints = [
            choice_check("area", DiligenceArea, "diligence_finding_area"),
            choice_check("finding", Finding, "diligence_finding_valid"),
            models.UniqueConstraint(fields=["review", "area"], name="diligence_finding_once"),
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.finding}"


class DiligenceDecision(models.Model):
    """A decision on the review, with who and when: append-only, the newest is in force."""

    review = models.ForeignKey(DiligenceReview, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=26, choices=Decision.choices)
    conditions = models.TextField(blank=True)
    reason = models.TextField()
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["review", "decided_at", "id"]
        constraints = [
            choice_check("decision", Decision, "diligence_decision_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="diligence_decision_reason"),
            models.CheckConstraint(
                condition=~Q(decision=Decision.APPROVED_WITH_CONDITIONS) | ~Q(conditions=""),
                name="diligence_conditions_written",
            ),
        ]

    def __str__(self) -> str:
        return self.decision
