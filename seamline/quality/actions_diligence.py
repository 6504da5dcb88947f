"""Every write of partner due diligence, each in one transaction with its audit entry: adding
an evidence sample to an area, recording an area's finding, recording the decision. The review
of an organisation is opened by the first of these. `due_diligence_reasons` is the check the
network app asks before an organisation goes from onboarding to active
(`network.activation`, registered in `QualityConfig.ready`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.errors import Reason, RuleViolation
from seamline.network.choices import OrgKind, OrgStatus
from seamline.network.models import Organisation

from . import access, rules_diligence
from .choices import Decision, DiligenceArea
from .models import DiligenceDecision, DiligenceEvidence, DiligenceFinding, DiligenceReview

# The organisations due diligence is about: partners that deliver care (not the prime itself,
# nor the commissioners who pay for it).
NOT_REVIEWED_KINDS = (OrgKind.PRIME, OrgKind.COMMISSIONER, OrgKind.HEALTH_PLAN)


def _by(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.pk else None


def _review(actor: Actor, organisation: Organisation, when: datetime) -> DiligenceReview:
    review, made = DiligenceReview.objects.get_or_create(
        organisation=organisation, defaults={"opened_at": when, "opened_by": _by(actor)}
    )
    if made:
        record(actor, "quality.diligence.open", review, changes={"organisation": organisation.code})
    return review


def _refuse_unless(allowed: bool, message: str, field: str | None = None) -> None:
    if not allowed:
        raise RuleViolation.one("not_permitted", message, field)


@transaction.atomic
def add_evidence(
    actor: Actor,
    organisation: Organisation,
    *,
    area: str,
    title: str,
    reference: str,
    at: datetime | None = None,
) -> DiligenceEvidence:
    _refuse_unless(
        actor.is_system or access.can_add_diligence_evidence(actor, organisation),
        "The network's quality lead, or the partner's own admin or quality lead, adds evidence.",
    )
    reasons = rules_diligence.evidence_reasons(area, title, reference)
    if reasons:
        raise RuleViolation(*reasons)
    when = at or timezone.now()
    review = _review(actor, organisation, when)
    made = DiligenceEvidence.objects.create(
        review=review,
        area=area,
        title=title.strip(),
        reference=reference.strip(),
        added_at=when,
        added_by=_by(actor),
    )
    record(
        actor,
        "quality.diligence.evidence",
        review,
        changes={"area": area, "title": made.title, "reference": made.reference},
    )
    return made


@transaction.atomic
def record_finding(
    actor: Actor,
    organisation: Organisation,
    *,
    area: str,
    finding: str,
    note: str = "",
    at: datetime | None = None,
) -> DiligenceFinding:
    """The finding on one area; recording it again replaces it (the log keeps the old one)."""
    _refuse_unless(
        actor.is_system or access.can_decide_diligence(actor),
        "Only the network's quality lead or admin records findings.",
    )
    reasons = rules_diligence.finding_reasons(area, finding)
    if reasons:
        raise RuleViolation(*reasons)
    when = at or timezone.now()
    review = _review(actor, organisation, when)
    before = DiligenceFinding.objects.filter(review=review, area=area).first()
    made, _ = DiligenceFinding.objects.update_or_create(
        review=review,
        area=area,
        defaults={
            "finding": finding,
            "note": note.strip(),
            "recorded_at": when,
            "recorded_by": _by(actor),
        },
    )
    record(
        actor,
        "quality.diligence.finding",
        review,
        changes={
            "area": area,
            "finding": [before.finding if before else None, finding],
            "note": made.note,
        },
    )
    return made


@transaction.atomic
def decide(
    actor: Actor,
    organisation: Organisation,
    *,
    decision: str,
    reason: str,
    conditions: str = "",
    at: datetime | None = None,
) -> DiligenceDecision:
    """Approve (with or without conditions) or decline the partner. Approving needs evidence
    and a finding in every area (`rules_diligence.decision_reasons`)."""
    _refuse_unless(
        actor.is_system or access.can_decide_diligence(actor),
        "Only the network's quality lead or admin decides on due diligence.",
        "decision",
    )
    when = at or timezone.now()
    review = DiligenceReview.objects.filter(organisation=organisation).first()
    findings: dict[str, str] = {}
    evidence: dict[str, int] = {}
    if review is not None:
        findings = dict(review.findings.values_list("area", "finding"))
        evidence = dict(
            review.evidence.order_by()
            .values("area")
            .annotate(n=Count("id"))
            .values_list("area", "n")
        )
    reasons = rules_diligence.decision_reasons(
        decision, conditions=conditions, reason=reason, findings=findings, evidence=evidence
    )
    if reasons:
        raise RuleViolation(*reasons)
    review = review or _review(actor, organisation, when)
    made = DiligenceDecision.objects.create(
        review=review,
        decision=decision,
        conditions=conditions.strip(),
        reason=reason.strip(),
        decided_at=when,
        decided_by=_by(actor),
    )
    record(
        actor,
        "quality.diligence.decide",
        review,
        changes={"decision": decision, "conditions": made.conditions},
        reason=made.reason,
    )
    return made


def decision_in_force(organisation: Organisation) -> DiligenceDecision | None:
    return (
        DiligenceDecision.objects.filter(review__organisation=organisation)
        .select_related("decided_by")
        .order_by("-decided_at", "-id")
        .first()
    )


def due_diligence_reasons(organisation: Organisation) -> list[Reason]:
    """The network app's activation check: an approving decision must be in force (for the
    partners reviewed; a commissioner or health plan is not)."""
    if organisation.kind in NOT_REVIEWED_KINDS:
        return []
    # An organisation not yet added (joining straight to active) has no review at all.
    found = decision_in_force(organisation) if organisation.pk is not None else None
    return rules_diligence.activation_reasons(
        organisation.name, found.decision if found is not None else None
    )


# --- reading --------------------------------------------------------------------------------------


@dataclass
class AreaView:
    code: str
    label: str
    evidence: list[DiligenceEvidence] = field(default_factory=list)
    finding: DiligenceFinding | None = None


@dataclass
class ReviewView:
    organisation: Organisation
    review: DiligenceReview | None
    areas: list[AreaView]
    decisions: list[DiligenceDecision]

    @property
    def decision(self) -> DiligenceDecision | None:
        return self.decisions[-1] if self.decisions else None

    def as_dict(self) -> dict[str, Any]:
        d = self.decision
        return {
            "organisation": self.organisation.code,
            "name": self.organisation.name,
            "status": self.organisation.status,
            "opened_at": self.review.opened_at.isoformat() if self.review else None,
            "areas": [
                {
                    "area": a.code,
                    "finding": a.finding.finding if a.finding else None,
                    "finding_note": a.finding.note if a.finding else "",
                    "evidence": [
                        {
                            "title": e.title,
                            "reference": e.reference,
                            "added_at": e.added_at.isoformat(),
                            "added_by": e.added_by.display_name if e.added_by else None,
                        }
                        for e in a.evidence
                    ],
                }
                for a in self.areas
            ],
            "decision": d.decision if d else None,
            "decided_at": d.decided_at.isoformat() if d else None,
            "decided_by": d.decided_by.display_name if d and d.decided_by else None,
            "conditions": d.conditions if d else "",
            "decisions": [
                {
                    "decision": x.decision,
                    "conditions": x.conditions,
                    "reason": x.reason,
                    "decided_at": x.decided_at.isoformat(),
                    "decided_by": x.decided_by.display_name if x.decided_by else None,
                }
                for x in self.decisions
            ],
        }


def review_view(organisation: Organisation) -> ReviewView:
    review = DiligenceReview.objects.filter(organisation=organisation).first()
    areas = {a.value: AreaView(a.value, str(a.label)) for a in DiligenceArea}
    decisions: list[DiligenceDecision] = []
    if review is not None:
        for e in review.evidence.select_related("added_by").order_by("area", "added_at", "id"):
            areas[e.area].evidence.append(e)
        for f in review.findings.select_related("recorded_by"):
            areas[f.area].finding = f
        decisions = list(review.decisions.select_related("decided_by").order_by("decided_at", "id"))
    return ReviewView(organisation, review, list(areas.values()), decisions)


@dataclass(frozen=True)
class PartnerRow:
    code: str
    name: str
    status: str
    evidence: int
    findings: int
    decision: str | None
    decided_at: datetime | None

    @property
    def decision_label(self) -> str:
        return str(Decision(self.decision).label) if self.decision else ""

    @property
    def awaiting(self) -> bool:
        return self.status == OrgStatus.ONBOARDING and self.decision is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.code,
            "name": self.name,
            "status": self.status,
            "evidence": self.evidence,
            "areas_with_findings": self.findings,
            "decision": self.decision,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }


def partner_rows() -> list[PartnerRow]:
    """Every partner reviewed (not the prime, not commissioners) with its review's state, in
    three queries whatever the number of partners."""
    orgs = list(Organisation.objects.exclude(kind__in=NOT_REVIEWED_KINDS).order_by("code"))
    evidence = dict(
        DiligenceEvidence.objects.order_by()
        .values("review__organisation_id")
        .annotate(n=Count("id"))
        .values_list("review__organisation_id", "n")
    )
    findings = dict(
        DiligenceFinding.objects.order_by()
        .values("review__organisation_id")
        .annotate(n=Count("id"))
        .values_list("review__organisation_id", "n")
    )
    latest: dict[int, tuple[str, datetime]] = {}
    for org_id, decision, decided in DiligenceDecision.objects.order_by(
        "decided_at", "id"
    ).values_list("review__organisation_id", "decision", "decided_at"):
        latest[org_id] = (decision, decided)
    return [
        PartnerRow(
            o.code,
            o.name,
            o.status,
            evidence.get(o.pk, 0),
            findings.get(o.pk, 0),
            latest[o.pk][0] if o.pk in latest else None,
            latest[o.pk][1] if o.pk in latest else None,
        )
        for o in orgs
    ]
