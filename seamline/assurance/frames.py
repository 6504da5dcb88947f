"""The regulators' frames a pack's sections evidence: each metric names the frames it serves,
so an inspector reading the pack in England and a plan's delegation-oversight reviewer in the
US each find their own headings.

England: the Care Quality Commission's quality statements (single assessment framework).
US: the Medicaid managed-care rules (42 CFR part 438) and NCQA's delegation-oversight
elements, which hold a plan answerable for the work it delegates to a network.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Frame:
    code: str
    regulator: str
    title: str


FRAMES: dict[str, Frame] = {
    f.code: f
    for f in (
        Frame("cqc-safe-systems", "CQC", "Safe: safe systems, pathways and transitions"),
        Frame("cqc-safeguarding", "CQC", "Safe: safeguarding"),
        Frame("cqc-risks", "CQC", "Safe: involving people to manage risks"),
        Frame("cqc-staffing", "CQC", "Safe: safe and effective staffing"),
        Frame("cqc-learning", "CQC", "Safe: learning culture"),
        Frame("cqc-partnerships", "CQC", "Effective: how staff, teams and services work together"),
        Frame("cqc-governance", "CQC", "Well-led: governance, management and sustainability"),
        Frame("us-438-208", "Medicaid", "42 CFR 438.208: coordination and continuity of care"),
        Frame("us-438-214", "Medicaid", "42 CFR 438.214: provider selection and credentialing"),
        Frame("us-438-230", "Medicaid", "42 CFR 438.230: oversight of delegated subcontractors"),
        Frame("us-438-242", "Medicaid", "42 CFR 438.242: health information systems"),
        Frame("us-438-330", "Medicaid", "42 CFR 438.330: quality assessment and improvement"),
        Frame("ncqa-delegation", "NCQA", "Delegation oversight: annual and ongoing evaluation"),
        Frame("ncqa-credentialing", "NCQA", "Credentialing: ongoing monitoring of practitioners"),
    )
}
