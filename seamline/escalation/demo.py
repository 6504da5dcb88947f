"""The escalation step of the demo: the default threshold set, the default ladder on every
pathway, and three dozen escalations on open cases in every state: raised and running,
acknowledged, clinically reviewed, resolved with an outcome, and raised long enough ago that
the worker has climbed them (some to the contractual rung, some past its deadline).

Escalations are opened through `actions.open_escalation` at instants in the past and answered
at instants after them, then `worker.climb_due(now)` climbs the ones whose deadline has
passed, exactly as the running worker would have. What the worker's sweep opens from the
demo's risk flags and handoffs is left to `seamline worker`, beside the server.
"""

from __future__ import annotations

from datetime import timedelta

from seamline.access import Actor, actor_for
from seamline.cases.models import Referral
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role

from . import actions, worker
from .choices import Outcome, Trigger
from .safeguarding import demo as safeguarding_demo  # noqa: F401 (registers its step)

COUNT = 36
TRIGGERS = [
    Trigger.ED_CONTACT,
    Trigger.DETERIORATION,
    Trigger.SAFEGUARDING,
    Trigger.MISSED_VISITS,
    Trigger.HOUSING_LOSS,
    Trigger.BEHAVIOURAL_RISK,
    Trigger.HIGH_RISK_FLAG,
]
# What becomes of each escalation, in turn.
FATES = ["running", "climbed", "acknowledged", "reviewed", "resolved", "breached"]
DETAILS = {
    Trigger.ED_CONTACT: "Attended the emergency department overnight after a fall.",
    Trigger.DETERIORATION: "NEWS2 of 6 at the morning visit; more breathless than last week.",
    Trigger.SAFEGUARDING: "Bruising the carer could not explain; family member present.",
    Trigger.MISSED_VISITS: "Two visits missed this week: no answer at the door.",
    Trigger.HOUSING_LOSS: "Notice to leave the flat by the end of the month.",
    Trigger.BEHAVIOURAL_RISK: "Shouting and throwing objects at the evening visit, new this week.",
    Trigger.HIGH_RISK_FLAG: "Carer no longer able to cope; asked for help.",
}


def _person(ctx: DemoContext, org: str, *roles: str) -> Actor | None:
    people = ctx.objects.get("people", {}).get(org, [])
    for role in roles:
        for user in ctx.objects.get("by_role", {}).get(role, []):
            if user in people:
                user.__dict__.pop("_seamline_actor", None)
                return actor_for(user)
    return None


def _any_quality(ctx: DemoContext) -> Actor | None:
    found: Actor | None = ctx.objects.get("quality_actor")
    return found


@demo_step("escalation", order=90, units=3)
def build(ctx: DemoContext) -> None:
    # The triggers open escalations as the worker would; the quality lead keeps the defaults.
    system = Actor.system("escalation-worker")
    actions.load_defaults(_any_quality(ctx) or system)
    ctx.progress()
    rng, now = ctx.rng, ctx.now
    cases = list(
        Referral.objects.open()
        .filter(received_at__lte=now - timedelta(days=5))
        .select_related("participant", "pathway__lead_organisation", "owner_organisation")
        .order_by("code")[: COUNT * 3]
    )
    rng.shuffle(cases)
    made = []
    for i, ref in enumerate(cases[:COUNT]):
        trigger = TRIGGERS[i % len(TRIGGERS)]
        fate = FATES[i % len(FATES)]
        hours_ago = {
            "running": rng.uniform(0.2, 0.8),
            "climbed": rng.uniform(5, 10),
            "acknowledged": rng.uniform(0.3, 0.9),
            "reviewed": rng.uniform(12, 60),
            "resolved": rng.uniform(48, 200),
            "breached": rng.uniform(100, 160),
        }[fate]
        raised = now - timedelta(hours=hours_ago)
        org = ref.owner_organisation or ref.receiving_organisation
        esc = actions.open_escalation(
            system,
            participant=ref.participant,
            pathway=ref.pathway,
            organisation=org,
            trigger=trigger,
            episode=ref.code,
            referral=ref,
            detail=DETAILS[trigger],
            at=raised,
        )
        if esc is not None:
            made.append((esc, fate, raised))
    ctx.progress()
    for esc, fate, raised in made:
        first = _person(ctx, esc.organisation.code, Role.COORDINATOR, Role.SUPERVISOR) or system
        clinician = _person(ctx, esc.organisation.code, Role.SUPERVISOR) or _any_quality(ctx)
        clinician = clinician or system
        # Partners answer at their own pace: the spread the metrics show.
        pace = timedelta(minutes=rng.uniform(10, 200))
        if fate in ("acknowledged", "reviewed", "resolved"):
            actions.acknowledge(first, esc, at=min(raised + pace, now))
        if fate in ("reviewed", "resolved"):
            actions.respond(
                clinician,
                esc,
                review="Reviewed with the care team; plan updated and family told.",
                at=min(raised + 2 * pace + timedelta(hours=1), now),
            )
        if fate == "resolved":
            outcome = rng.choice([o for o in Outcome.values if o != Outcome.NO_ACTION])
            actions.resolve(
                clinician,
                esc,
                outcome=outcome,
                note="Closed at the weekly review.",
                at=min(raised + 3 * pace + timedelta(hours=6), now),
            )
    worker.climb_due(now)
    ctx.progress()
    ctx.objects["escalations"] = [esc.code for esc, _, _ in made]
