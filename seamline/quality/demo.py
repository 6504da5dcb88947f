"""The demo's joint calibration.

Eight anonymised vignettes of borderline escalation and safeguarding decisions; one closed
round in which two raters from each of four partners answered every question about all eight,
three partners largely agreeing and the fourth drifting towards not escalating (it says "no"
where the others escalate, picks later tiers and longer hours); one guidance rule recorded
from it; and an open round on four of the vignettes that two partners have begun. Every write
goes through `quality.actions`, so each answer has its audit entry. `ctx.objects` gains
`quality_story` (the codes the docs and tests quote).
"""

from __future__ import annotations

from datetime import timedelta

from seamline.access import Actor
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import OrgKind, OrgStatus
from seamline.network.models import Organisation

from . import actions

# code, title, text, and what a careful panel answers: escalate, tier, safeguarding, hours.
VIGNETTES = [
    (
        "v01-night-fall",
        "A fall at night, no injury seen",
        "An 84-year-old living alone is found on the floor at the morning visit; she says she "
        "fell in the night and could not get up. No visible injury, alert, a little cold.",
        ("yes", "same_day", "no", 6),
    ),
    (
        "v02-unexplained-bruise",
        "An unexplained bruise on the upper arm",
        "A man with dementia has a fresh finger-shaped bruise on his upper arm. His son, who "
        "lives with him, says he bumped into a door.",
        ("yes", "same_day", "yes", 4),
    ),
    (
        "v03-missed-meds",
        "Two days of missed medicines",
        "The blister pack shows two days of evening medicines untaken, including an "
        "anticoagulant. The woman says she forgot; she is otherwise her usual self.",
        ("yes", "same_day", "no", 8),
    ),
    (
        "v04-new-confusion",
        "Sudden new confusion",
        "A usually chatty man is drowsy, muddled about the day and has a temperature; his "
        "urine smells strongly. He says he is fine and wants to be left alone.",
        ("yes", "immediate", "no", 1),
    ),
    (
        "v05-cash-gone",
        "Money going missing",
        "A woman says her pension cash keeps disappearing since a new neighbour started "
        "helping with her shopping. She does not want anyone to make a fuss.",
        ("yes", "review_24_72h", "yes", 48),
    ),
    (
        "v06-refuses-visit",
        "Refused the evening visit",
        "A man with diabetes refused the evening visit through the door, sounding angry but "
        "coherent. It is the first refusal in six months.",
        ("no", "review_24_72h", "no", 24),
    ),
    (
        "v07-cold-house",
        "A very cold house in January",
        "The heating has been off for three days because the meter ran out of credit; the "
        "woman is wearing a coat indoors and says she will manage until her money comes.",
        ("yes", "same_day", "no", 6),
    ),
    (
        "v08-carer-strain",
        "A carer at the end of her tether",
        "The wife who cares for her husband says she shouted at him and pushed him into his "
        "chair last night, and cries when asked how she is coping.",
        ("yes", "same_day", "yes", 4),
    ),
]
QUESTIONS = ("escalate", "tier", "safeguarding", "hours")
LATER_TIER = {"immediate": "same_day", "same_day": "review_24_72h"}


def _partners() -> list[Organisation]:
    """Four delivering partners: the prime and the first three others by code."""
    orgs = list(
        Organisation.objects.filter(status=OrgStatus.ACTIVE)
        .exclude(kind__in=[OrgKind.COMMISSIONER, OrgKind.HEALTH_PLAN])
        .order_by("code")
    )
    prime = [o for o in orgs if o.kind == OrgKind.PRIME][:1]
    return prime + [o for o in orgs if o not in prime][:3]


def _answers(careful: tuple[str, str, str, int], drifting: bool, ctx: DemoContext) -> list[str]:
    escalate, tier, safeguarding, usual = careful
    hours = float(usual)
    rng = ctx.rng
    if drifting:
        if escalate == "yes" and tier != "immediate" and rng.random() < 0.7:
            escalate = "no"
        tier = LATER_TIER.get(tier, tier) if rng.random() < 0.7 else tier
        if safeguarding == "yes" and rng.random() < 0.5:
            safeguarding = "no"
        hours = hours * 3 + rng.choice((0, 6, 12))
    else:
        if rng.random() < 0.12:
            escalate = "no" if escalate == "yes" else "yes"
        if rng.random() < 0.15:
            tier = LATER_TIER.get(tier, "same_day")
        if rng.random() < 0.1:
            safeguarding = "no" if safeguarding == "yes" else "yes"
        hours = max(0.5, hours + rng.choice((-2, 0, 0, 2, 4)))
    return [escalate, tier, safeguarding, f"{hours:g}"]


@demo_step("quality", order=95, units=3)
def build(ctx: DemoContext) -> None:
    keeper: Actor = ctx.objects.get("quality_actor") or Actor.system("demo")
    partners = _partners()
    if len(partners) < 2:
        return
    drifter = partners[-1]
    for code, title, text, _ in VIGNETTES:
        actions.add_vignette(
            keeper, code=code, title=title, text=text, at=ctx.now - timedelta(days=60)
        )
    ctx.progress()
    closed = actions.open_round(
        keeper,
        code="cal-2026-q3",
        title="Escalation and safeguarding thresholds, third quarter",
        vignettes=[v[0] for v in VIGNETTES],
        partners=[p.code for p in partners],
        at=ctx.now - timedelta(days=45),
    )
    for code, _, _, careful in VIGNETTES:
        for partner in partners:
            for rater in ("Panel member 1", "Panel member 2"):
                values = _answers(careful, partner == drifter, ctx)
                for question, answer in zip(QUESTIONS, values, strict=True):
                    actions.record_answer(
                        keeper,
                        closed,
                        vignette=code,
                        partner=partner.code,
                        rater=rater,
                        question=question,
                        answer=answer,
                        at=ctx.now - timedelta(days=40),
                    )
    actions.close_round(keeper, closed, at=ctx.now - timedelta(days=30))
    actions.add_guidance(
        keeper,
        closed,
        condition="an unexplained finger-shaped bruise on someone who cannot say how it came",
        hours=4,
        reason=f"Three partners escalated within 4 hours; {drifter.name} waited longer or did "
        "not escalate. Agreed at the quality forum.",
        at=ctx.now - timedelta(days=28),
    )
    ctx.progress()
    current = actions.open_round(
        keeper,
        code="cal-2026-q4",
        title="Escalation and safeguarding thresholds, fourth quarter",
        vignettes=[v[0] for v in VIGNETTES[2:6]],
        partners=[p.code for p in partners],
        at=ctx.now - timedelta(days=5),
    )
    for code, _, _, careful in VIGNETTES[2:4]:
        for partner in partners[:2]:
            values = _answers(careful, False, ctx)
            for question, answer in zip(QUESTIONS, values, strict=True):
                actions.record_answer(
                    keeper,
                    current,
                    vignette=code,
                    partner=partner.code,
                    rater="Panel member 1",
                    question=question,
                    answer=answer,
                    at=ctx.now - timedelta(days=2),
                )
    ctx.objects["quality_story"] = {
        "closed_round": closed.code,
        "open_round": current.code,
        "drifting_partner": drifter.code,
        "partners": [p.code for p in partners],
    }
    ctx.progress()


# The audits and incidents steps register themselves when imported.
from . import demo_audits, demo_diligence, demo_incidents  # noqa: E402,F401
