"""Test helpers of quality: a partner's due diligence approved (rows written directly, like
the other `make_*` helpers, so no audit entry is added to a test's count)."""

from __future__ import annotations

from seamline.network.models import Organisation

from .choices import Decision, DiligenceArea, Finding
from .models import DiligenceDecision, DiligenceEvidence, DiligenceFinding, DiligenceReview


def approve_due_diligence(
    organisation: Organisation, decision: str = Decision.APPROVED
) -> DiligenceDecision:
    """Every area evidenced and met, and an approving decision: the partner may go active."""
    review, _ = DiligenceReview.objects.get_or_create(organisation=organisation)
    for area in DiligenceArea.values:
        DiligenceEvidence.objects.create(
            review=review, area=area, title=f"{area} evidence", reference="Seen on file"
        )
        DiligenceFinding.objects.update_or_create(
            review=review, area=area, defaults={"finding": Finding.MET}
        )
    return DiligenceDecision.objects.create(
        review=review,
        decision=decision,
        conditions="Quarterly review" if decision == Decision.APPROVED_WITH_CONDITIONS else "",
        reason="Every area met",
    )
