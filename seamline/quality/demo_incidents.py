"""The demo's incidents (a third quality step, after audits).

A broken seam: the most recent handoff between two organisations rejected at least three
days ago, then the next evening's visit missed at the partner that kept the case (a
service-disruption record written that night) and the fall found the morning after; both
reported as incidents naming the rejected handoff (and the participant's plan version and
escalation where there are any), the fall with a learning action. Then one incident of each
other theme at the partners in turn over the last three months, some naming a worker, an
escalation or a handoff. (Partner due diligence is `demo_diligence`, told as the partners
join.)

Every write goes through the quality actions as the prime's quality lead, except the one
contact record, written as a row so that it carries the hour it was written that night.
`ctx.objects` gains `quality_incidents` (codes the docs and tests quote).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from seamline.access import Actor
from seamline.demo.registry import DemoContext, demo_step
from seamline.errors import RuleViolation
from seamline.network.models import Organisation

from . import actions_incidents
from .demo_audits import _owner

# theme, severity, what happened, a link kind to look for
OTHER_INCIDENTS = (
    (
        "medication_error",
        "low",
        "Evening anticoagulant given twice: the blister pack and the "
        "chart disagreed after the pharmacy changed the pack.",
        "worker",
    ),
    (
        "documentation",
        "no_harm",
        "Visit notes for three days written from memory at the end "
        "of the week; a skin tear was not recorded on the day.",
        "worker",
    ),
    (
        "delayed_escalation",
        "moderate",
        "Rising temperature and new confusion noted at the "
        "lunch visit; the duty line was not called until the evening visit.",
        "escalation",
    ),
    (
        "handoff_communication",
        "low",
        "Discharge summary arrived without the new insulin "
        "regime; the first visit followed the old one.",
        "handoff",
    ),
    (
        "equipment",
        "no_harm",
        "Hoist sling the wrong size delivered; transfer postponed until "
        "the right one came the next day.",
        "",
    ),
    (
        "safeguarding",
        "moderate",
        "Cash missing from the tin again; the neighbour who shops "
        "for him was seen leaving with the purse.",
        "",
    ),
    (
        "fall",
        "low",
        "Slid from the chair to the floor while reaching for the phone; no "
        "injury, lifted with the cushion.",
        "",
    ),
    (
        "missed_visit",
        "no_harm",
        "Morning visit not done: the carer's car broke down and no "
        "cover was found until the afternoon.",
        "worker",
    ),
    (
        "other",
        "no_harm",
        "Key safe code changed by the family without telling the agency; "
        "the carer waited 40 minutes outside.",
        "",
    ),
)


def _report(keeper: Actor, at: datetime, **kw: Any) -> Any:
    try:
        return actions_incidents.report_incident(keeper, reported_at=at, at=at, **kw)
    except RuleViolation:
        return None


def _broken_seam(ctx: DemoContext, keeper: Actor) -> list[str]:
    from seamline.coordination.models import Record
    from seamline.escalation.models import Escalation
    from seamline.handoffs.models import Handoff
    from seamline.plans.models import PlanVersion

    rejected = (
        Handoff.objects.filter(rejected_at__lte=ctx.now - timedelta(days=3))
        .exclude(sender_organisation=F("receiving_organisation"))
        .select_related("referral__participant", "sender_organisation", "receiving_organisation")
        .order_by("-rejected_at", "code")
        .first()
    )
    if rejected is None or rejected.rejected_at is None:
        return []
    person = rejected.referral.participant
    keeper_org = rejected.sender_organisation
    missed_at = timezone.localtime(rejected.rejected_at).replace(
        hour=18, minute=30, second=0, microsecond=0
    ) + timedelta(days=1)
    fall_at = missed_at + timedelta(hours=14, minutes=15)
    Record.objects.create(
        participant=person,
        organisation=keeper_org,
        kind="service_disruption",
        occurred_at=missed_at,
        recorded_at=missed_at + timedelta(hours=2),
        text=f"Evening visit missed: {rejected.receiving_organisation.name} rejected the "
        "handoff and no visit had been booked in the meantime.",
    )
    links = [("handoff", rejected.code)]
    version = (
        PlanVersion.objects.filter(plan__participant=person, created_at__lte=fall_at)
        .order_by("-number")
        .first()
    )
    if version is not None:
        links.append(("plan_version", f"v{version.number}"))
    escalation = Escalation.objects.filter(participant=person).order_by("raised_at").first()
    missed = _report(
        keeper,
        missed_at + timedelta(hours=3),
        participant=person,
        organisation=keeper_org,
        theme="missed_visit",
        severity="no_harm",
        occurred_at=missed_at,
        description="The evening visit was not done: after the handoff was rejected nobody "
        "booked the visits the receiving partner would have made.",
        links=[("handoff", rejected.code)],
    )
    fall_links = links + ([("escalation", escalation.code)] if escalation else [])
    fall = _report(
        keeper,
        fall_at + timedelta(hours=1),
        participant=person,
        organisation=keeper_org,
        theme="fall",
        severity="moderate",
        occurred_at=fall_at,
        description="Found on the bedroom floor at the morning visit, cold and unable to get "
        "up; she had not had her evening medicines or help to bed. Taken to hospital with a "
        "wrist fracture.",
        links=fall_links,
    ) or _report(  # without the escalation, should it be out of the quality lead's sight
        keeper,
        fall_at + timedelta(hours=1),
        participant=person,
        organisation=keeper_org,
        theme="fall",
        severity="moderate",
        occurred_at=fall_at,
        description="Found on the floor at the morning visit after a missed evening visit.",
        links=links,
    )
    made = [i.code for i in (missed, fall) if i is not None]
    owner = _owner(keeper_org)
    if fall is not None and owner is not None:
        actions_incidents.raise_learning_action(
            keeper,
            fall,
            title="Keep booking the sender's visits until a rejected handoff is resolved",
            description="A rejected handoff leaves the case with the sender: its visits go on "
            "the rota the same day, and the coordinator of the day checks it.",
            owner_person=owner,
            due_on=(ctx.now + timedelta(days=21)).date(),
            at=fall_at + timedelta(days=1),
        )
    return made


def _other_incidents(ctx: DemoContext, keeper: Actor) -> list[str]:
    """One incident of each other theme, at the partners in turn (an agency where a worker is
    named and the network has one), about a participant the quality lead sees and, where the
    theme names an escalation or a handoff, one that has it."""
    from seamline.cases.models import Participant, Referral
    from seamline.escalation.models import Escalation
    from seamline.handoffs.models import Handoff
    from seamline.workforce.models import Worker

    visible = Participant.objects.visible_to(keeper).values("pk")
    referrals = list(
        Referral.objects.filter(participant__in=visible, owner_organisation__isnull=False)
        .exclude(owner_organisation__kind="prime")
        .select_related("participant", "owner_organisation")
        .order_by("code")[:400]
    )
    if not referrals:
        return []
    by_org: dict[str, list[Any]] = {}
    for r in referrals:
        by_org.setdefault(r.owner_organisation.code, []).append(r)  # type: ignore[union-attr]
    partners = sorted(by_org)
    agency = (
        Organisation.objects.filter(kind="staffing_agency", workers__isnull=False)
        .order_by("code")
        .first()
    )
    made = []
    tz = timezone.get_current_timezone()
    for n, (theme, severity, text, wanted) in enumerate(OTHER_INCIDENTS):
        own = by_org[partners[n % len(partners)]]
        referral = own[ctx.rng.randrange(len(own))]
        person, org = referral.participant, referral.owner_organisation
        assert org is not None
        links: list[tuple[str, str]] = []
        if wanted == "worker":
            if agency is not None and theme == "medication_error":
                org = agency
            worker = Worker.objects.filter(organisation=org).order_by("staff_id").first()
            if worker is not None:
                links.append(("worker", str(worker.uuid)))
        elif wanted == "escalation":
            found = (
                Escalation.objects.filter(participant__in=visible)
                .exclude(organisation__kind="prime")
                .select_related("participant", "organisation")
                .order_by("code")
                .first()
            )
            if found is not None:
                person, org = found.participant, found.organisation
                links.append(("escalation", found.code))
        elif wanted == "handoff":
            handoff = (
                Handoff.objects.filter(referral__participant__in=visible, accepted_at__isnull=False)
                .exclude(receiving_organisation__kind="prime")
                .select_related("referral__participant", "receiving_organisation")
                .order_by("code")
                .first()
            )
            if handoff is not None:
                person, org = handoff.referral.participant, handoff.receiving_organisation
                links.append(("handoff", handoff.code))
        day = timezone.localdate(ctx.now) - timedelta(days=ctx.rng.randint(4, 88))
        happened = datetime(day.year, day.month, day.day, ctx.rng.randint(7, 21), 10, tzinfo=tz)
        incident = _report(
            keeper,
            happened + timedelta(hours=ctx.rng.randint(1, 30)),
            participant=person,
            organisation=org,
            theme=theme,
            severity=severity,
            occurred_at=happened,
            description=text,
            links=links,
        ) or _report(
            keeper,
            happened + timedelta(hours=2),
            participant=person,
            organisation=org,
            theme=theme,
            severity=severity,
            occurred_at=happened,
            description=text,
        )
        if incident is not None:
            made.append(incident.code)
    return made


@demo_step("quality_incidents", order=97, units=3)
def build(ctx: DemoContext) -> None:
    keeper: Actor = ctx.objects.get("quality_actor") or Actor.system("demo")
    story: dict[str, Any] = {"broken_seam": _broken_seam(ctx, keeper)}
    ctx.progress()
    story["incidents"] = _other_incidents(ctx, keeper)
    ctx.progress()
    ctx.objects["quality_incidents"] = story
    ctx.progress()
