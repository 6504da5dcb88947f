"""The pure rules of partner due diligence: what an evidence sample, a finding and a decision
must hold, and whether an organisation may go active. No database."""

from __future__ import annotations

from collections.abc import Mapping

from seamline.errors import Reason

from .choices import APPROVING, Decision, DiligenceArea, Finding


def evidence_reasons(area: str, title: str, reference: str) -> list[Reason]:
    reasons = []
    if area not in DiligenceArea.values:
        reasons.append(
            Reason("invalid_area", f"The area is one of {', '.join(DiligenceArea.values)}.", "area")
        )
    if not title.strip():
        reasons.append(Reason("title_required", "Give the evidence a title.", "title"))
    elif len(title.strip()) > 200:
        reasons.append(Reason("title_too_long", "At most 200 characters.", "title"))
    if not reference.strip():
        reasons.append(
            Reason(
                "reference_required",
                "Say what the evidence is or where it is kept (a document and its reference).",
                "reference",
            )
        )
    return reasons


def finding_reasons(area: str, finding: str) -> list[Reason]:
    reasons = []
    if area not in DiligenceArea.values:
        reasons.append(
            Reason("invalid_area", f"The area is one of {', '.join(DiligenceArea.values)}.", "area")
        )
    if finding not in Finding.values:
        reasons.append(
            Reason(
                "invalid_finding", f"The finding is one of {', '.join(Finding.values)}.", "finding"
            )
        )
    return reasons


def decision_reasons(
    decision: str,
    *,
    conditions: str,
    reason: str,
    findings: Mapping[str, str],
    evidence: Mapping[str, int],
) -> list[Reason]:
    """Why `decision` cannot be recorded on a review with these `findings` (area -> finding)
    and `evidence` (area -> how many samples).

    Approving (with or without conditions) needs every area reviewed: at least one evidence
    sample and a finding each. An unconditional approval needs every area met; one with
    conditions needs the conditions written, and no area found not met. Every decision says
    why."""
    if decision not in Decision.values:
        return [
            Reason(
                "invalid_decision",
                f"The decision is one of {', '.join(Decision.values)}.",
                "decision",
            )
        ]
    reasons = []
    if not reason.strip():
        reasons.append(Reason("reason_required", "Say why.", "reason"))
    if decision in APPROVING:
        for area in DiligenceArea:
            if not evidence.get(area.value):
                reasons.append(
                    Reason(
                        "evidence_missing",
                        f"{area.label}: add at least one evidence sample before approving.",
                        "decision",
                    )
                )
            if area.value not in findings:
                reasons.append(
                    Reason(
                        "finding_missing",
                        f"{area.label}: record a finding before approving.",
                        "decision",
                    )
                )
        short = [
            DiligenceArea(a).label
            for a in DiligenceArea.values
            if findings.get(a) in (Finding.PARTLY_MET, Finding.NOT_MET)
        ]
        unmet = [
            DiligenceArea(a).label for a in DiligenceArea.values if findings.get(a) == "not_met"
        ]
        if decision == Decision.APPROVED and short:
            reasons.append(
                Reason(
                    "areas_not_met",
                    f"Not every area is met ({', '.join(short)}): approve with conditions "
                    "or decline.",
                    "decision",
                )
            )
        if decision == Decision.APPROVED_WITH_CONDITIONS:
            if not conditions.strip():
                reasons.append(Reason("conditions_required", "Write the conditions.", "conditions"))
            if unmet:
                reasons.append(
                    Reason(
                        "areas_not_met",
                        f"{', '.join(unmet)} not met: a partner is not approved with an area "
                        "not met; decline, or review it again.",
                        "decision",
                    )
                )
    return reasons


def activation_reasons(organisation_name: str, decision: str | None) -> list[Reason]:
    """A partner goes from onboarding to active only with an approving due-diligence decision
    in force (`decision`: the newest recorded, None when there is none)."""
    if decision in APPROVING:
        return []
    said = "declined" if decision == Decision.DECLINED else "not yet decided"
    return [
        Reason(
            "due_diligence_missing",
            f"{organisation_name}'s due diligence is {said}: the network's quality lead records "
            "an approving decision (Quality, then Due diligence) before it can become active.",
            "status",
        )
    ]
