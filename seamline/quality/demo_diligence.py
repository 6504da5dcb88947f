"""The demo's partner due diligence, told as the partners join (between the network's step that
adds every partner onboarding and its step that makes the story's partners active).

Each partner of the story that is reviewed (not the prime, commissioners or health plans) is
reviewed by the prime's quality lead in the three weeks after it joined: evidence in every
area, a finding for each, and a decision. Riverside approved, Hearth approved with conditions
(workforce resilience partly met), the others approved. A partner still onboarding (Oakleaf)
has evidence coming in and no decision yet, so making it active is refused. Every write goes
through `quality.actions_diligence`, dated when it happened. `ctx.objects` gains
`due_diligence` (codes the docs and tests quote).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from seamline.access import Actor
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import OrgStatus
from seamline.network.models import Organisation

from . import actions_diligence
from .actions_diligence import NOT_REVIEWED_KINDS
from .choices import Decision, DiligenceArea, Finding

EVIDENCE = {
    DiligenceArea.PATHWAY_CAPABILITY: (
        "Service specification and pathway map",
        "Home-care service specification v4, mapped to the discharge and reablement steps",
    ),
    DiligenceArea.CLINICAL_GOVERNANCE: (
        "Clinical governance framework and insurance",
        "Governance framework 2026, incident policy, public liability certificate to 2027",
    ),
    DiligenceArea.WORKFORCE_RESILIENCE: (
        "Workforce plan and DBS audit",
        "Twelve-month workforce plan, night cover rota, DBS audit of 20 staff files",
    ),
    DiligenceArea.INFORMATION_READINESS: (
        "Data protection toolkit and record-keeping audit",
        "DSPT submission 2025/26 standards met; sample of ten care records audited",
    ),
}
MET = dict.fromkeys(DiligenceArea.values, Finding.MET.value)
# code -> (findings, decision, conditions, reason); any other partner: APPROVED below
DECISIONS: dict[str, tuple[dict[str, str], str, str, str]] = {
    "riverside": (
        MET,
        Decision.APPROVED,
        "",
        "Every area met; references from two commissioners.",
    ),
    "hearth": (
        {**MET, DiligenceArea.WORKFORCE_RESILIENCE.value: Finding.PARTLY_MET.value},
        Decision.APPROVED_WITH_CONDITIONS,
        "Night cover from a second agency in place within three months; workforce plan "
        "reviewed at each quarterly contract meeting for the first year.",
        "Safe to start: the volunteer model relies on a few people at night.",
    ),
}
APPROVED = (MET, Decision.APPROVED, "", "Every area met on the evidence seen.")


def _evidence(keeper: Actor, org: Organisation, when: datetime, areas: list[str]) -> None:
    for n, area in enumerate(areas):
        title, reference = EVIDENCE[DiligenceArea(area)]
        actions_diligence.add_evidence(
            keeper, org, area=area, title=title, reference=reference, at=when + timedelta(days=n)
        )


def review(keeper: Actor, org: Organisation, joined: datetime) -> str:
    """Evidence, findings and the decision of a partner that joined at `joined`, all decided
    within 20 days. Answers the decision."""
    findings, decision, conditions, reason = DECISIONS.get(org.code, APPROVED)
    _evidence(keeper, org, joined + timedelta(hours=1), list(DiligenceArea.values))
    for n, (area, finding) in enumerate(findings.items()):
        actions_diligence.record_finding(
            keeper, org, area=area, finding=finding, at=joined + timedelta(days=10 + n)
        )
    actions_diligence.decide(
        keeper,
        org,
        decision=decision,
        conditions=conditions,
        reason=reason,
        at=joined + timedelta(days=20),
    )
    return decision


@demo_step("due_diligence", order=11, units=2)
def build(ctx: DemoContext) -> None:
    keeper: Actor = ctx.objects.get("quality_actor") or Actor.system("demo")
    joining: dict[str, datetime] = ctx.objects.get("joining", {})
    story: dict[str, str] = {}
    partners = Organisation.objects.filter(code__in=joining).exclude(kind__in=NOT_REVIEWED_KINDS)
    for org in partners.order_by("code"):
        decided = review(keeper, org, joining[org.code])
        if org.code in DECISIONS or decided not in story:
            story[decided] = org.code
    ctx.progress()
    onboarding = Organisation.objects.filter(status=OrgStatus.ONBOARDING).exclude(code__in=joining)
    for org in onboarding.exclude(kind__in=NOT_REVIEWED_KINDS).order_by("code"):
        when = ctx.now - timedelta(days=20)
        _evidence(
            keeper,
            org,
            when,
            [DiligenceArea.PATHWAY_CAPABILITY.value, DiligenceArea.CLINICAL_GOVERNANCE.value],
        )
        actions_diligence.record_finding(
            keeper,
            org,
            area=DiligenceArea.CLINICAL_GOVERNANCE.value,
            finding=Finding.MET.value,
            note="Insurance and governance documents received and checked.",
            at=when + timedelta(days=5),
        )
        story.setdefault("awaiting", org.code)
    ctx.objects["due_diligence"] = story
    ctx.progress()
