"""The safeguarding step of the demo: concerns raised over the last four weeks by frontline
workers of the partners that own the cases, across themes and contacts; most told to the
pathway's lead within minutes, some late (written up the next day, or raised just before
midnight when the worker was down); triage meetings in the two weeks before this one with a
decision on each concern they saw (local authority or police told or not, by whom, when,
follow-up actions and outcomes); this week's concerns still waiting, and one left past its
triage deadline.

Every write goes through `safeguarding.actions` at instants in the past, and the lead is told
through `actions.notify_lead` at the moment the worker would have told them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from seamline.access import Actor, actor_for
from seamline.cases.models import Referral
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role

from .. import timers
from ..choices import ConcernOutcome, Contact, Theme
from ..models import SafeguardingConcern, TriageMeeting
from . import actions

COUNT = 24
WORKER = Actor.system("escalation-worker")
THEMES = list(Theme.values)
CONTACTS = [
    Contact.HOME_VISIT,
    Contact.PHONE,
    Contact.HOME_VISIT,
    Contact.COMMUNITY,
    Contact.CLINIC,
]
WHAT = {
    Theme.NEGLECT: "No food in the house and the heating off; the family carer has not visited.",
    Theme.SELF_NEGLECT: "Declining personal care for two weeks; the flat is cluttered and unsafe.",
    Theme.FINANCIAL: "Says a neighbour keeps her bank card and does her shopping without change.",
    Theme.PHYSICAL: "Bruising on both upper arms he could not explain; flinched when helped.",
    Theme.PSYCHOLOGICAL: "Tearful; says her son shouts at her and threatens to put her in a home.",
    Theme.SEXUAL: "Disclosed an unwanted sexual approach by a visitor to the supported flat.",
    Theme.DOMESTIC: "Partner answered for her at every question and would not leave the room.",
    Theme.DISCRIMINATORY: "A neighbour posts abusive notes about his religion through the door.",
    Theme.ORGANISATIONAL: "Three visits cut short this week by one agency; pads left unchanged.",
    Theme.MODERN_SLAVERY: "Lodger works long hours for the landlord unpaid and has no passport.",
}
# (days ago the concern arose, hour it arose, hours until it was written down, fate)
# fate: "prompt" told within minutes; "next_day" written up the next morning (late);
# "worker_down" raised before midnight, told after it (late).


def _plan(i: int) -> tuple[float, int, float, str]:
    days = 1 + (i * 27) // COUNT
    hour = 8 + (i * 5) % 12
    if i % 8 == 3:
        return days, hour, 15.0, "next_day"
    if i % 11 == 5:
        return days, 23, 0.5, "worker_down"
    return days, hour, 0.25 + (i % 4) * 0.5, "prompt"


def _worker_of(ctx: DemoContext, org: str) -> Actor | None:
    people = ctx.objects.get("people", {}).get(org, [])
    for role in (Role.WORKER, Role.COORDINATOR):
        for user in ctx.objects.get("by_role", {}).get(role, []):
            if user in people:
                user.__dict__.pop("_seamline_actor", None)
                return actor_for(user)
    return None


def _local(ctx: DemoContext, days: float, hour: int) -> datetime:
    tz = actions.network_zone()
    day = (ctx.now - timedelta(days=days)).astimezone(tz).date()
    return datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=hour, minutes=10)


@demo_step("safeguarding", order=92, units=3)
def build(ctx: DemoContext) -> None:
    rng, now = ctx.rng, ctx.now
    quality: Actor | None = ctx.objects.get("quality_actor")
    cases = list(
        Referral.objects.open()
        .filter(received_at__lte=now - timedelta(days=30))
        .select_related("participant", "pathway", "owner_organisation")
        .order_by("code")[: COUNT * 4]
    )
    rng.shuffle(cases)
    made: list[SafeguardingConcern] = []
    for i, ref in enumerate(cases[:COUNT]):
        days, hour, delay, fate = _plan(i)
        occurred = _local(ctx, days, hour)
        recorded = occurred + timedelta(hours=delay)
        if recorded >= now:
            continue
        owner = ref.owner_organisation
        raiser = _worker_of(ctx, owner.code) if owner is not None else None
        theme = THEMES[i % len(THEMES)]
        concern = actions.raise_concern(
            raiser or WORKER,
            ref.participant,
            ref.pathway,
            contact=CONTACTS[i % len(CONTACTS)],
            theme=theme,
            description=WHAT[Theme(theme)],
            occurred_at=occurred,
            at=recorded,
        )
        told = recorded + timedelta(minutes=rng.uniform(0.5, 3))
        if fate == "worker_down":
            told = concern.notify_by + timedelta(hours=rng.uniform(6, 9))
        if told < now:
            actions.notify_lead(concern.pk, told, WORKER)
        made.append(concern)
    ctx.progress()
    tz = actions.network_zone()
    this_week = timers.week_start(now, tz)
    chair = quality or WORKER
    oldest = min(made, key=lambda c: c.recorded_at) if made else None
    for weeks_ago in (2, 1):
        week = this_week - timedelta(weeks=weeks_ago)
        held = datetime.combine(week, datetime.min.time(), tzinfo=tz) + timedelta(days=3, hours=14)
        meeting = actions.open_meeting(
            chair, week, held_at=held, notes="Weekly safeguarding triage."
        )
        for n, concern in enumerate(c for c in made if c.recorded_at < held and c.state == "new"):
            if concern is oldest:
                continue  # left waiting: past its triage deadline on the dashboard
            _decide(chair, concern, meeting, held, n)
    ctx.progress()
    ctx.objects["safeguarding_concerns"] = [c.code for c in made]
    ctx.progress()


def _decide(
    actor: Actor, concern: SafeguardingConcern, meeting: TriageMeeting, held: datetime, n: int
) -> None:
    """Decisions in turn: the local authority told (an enquiry with a follow-up action, or
    advice), the police and local authority to be told (not yet done), a protection plan kept
    by the care team, and no further action."""
    owner = concern.organisation
    if concern.referral is not None and concern.referral.owner_organisation is not None:
        owner = concern.referral.owner_organisation
    kind = n % 5
    told: dict[str, Any] = {
        "notifier_organisation": owner,
        "notifier_role": Role.SUPERVISOR,
        "notify_due": held + timedelta(hours=24),
    }
    if kind in (0, 1):
        follow_up = None
        if kind == 0:
            follow_up = actions.FollowUp(
                "Update the safety plan with the enquiry's actions.",
                owner,
                Role.COORDINATOR,
                held + timedelta(days=5),
            )
        decision: dict[str, Any] = {
            "la_needed": True,
            "police_needed": False,
            **told,
            "notified_at": held + timedelta(hours=3),
            "outcome": ConcernOutcome.ENQUIRY if kind == 0 else ConcernOutcome.LA_ADVICE,
            "notes": "Referred to the county safeguarding adults team.",
            "follow_up": follow_up,
        }
    elif kind == 2:
        decision = {
            "la_needed": True,
            "police_needed": True,
            **told,
            "notes": "Possible crime: the supervisor calls 101 and the county team.",
        }
    elif kind == 3:
        decision = {
            "la_needed": False,
            "police_needed": False,
            "outcome": ConcernOutcome.PROTECTION_PLAN,
            "notes": "Below the threshold for a referral; the care team keeps a protection plan.",
        }
    else:
        decision = {
            "la_needed": False,
            "police_needed": False,
            "outcome": ConcernOutcome.NO_FURTHER_ACTION,
            "notes": "Explained by a fall the GP recorded; no safeguarding concern.",
        }
    actions.record_decision(actor, concern, meeting, at=held, **decision)
