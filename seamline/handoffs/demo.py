"""The demo's handoffs: about forty-five, over the past seven weeks, in every state and between
every kind of partner.

What it makes, as of the demo's fixed `ctx.now`, all through `handoffs.actions` (so each has
its timeline and audit entries, and every acceptance moved its case through the cases seam):

* the five default bundle templates, loaded by the network's quality lead;
* hospital discharges from the prime and the county team to Riverside and Hearth, crisis
  step-downs to Riverside, housing placements to Hearth, safeguarding handovers to the prime's
  safeguarding lead, and shift handovers within the prime and within Riverside;
* accepted ones (their action items now owned actions; one repeat-back flagged by its sender
  as not matching), some waiting, a few waiting past their response standard, some sent back
  with a request for information (one answered and accepted), rejections with each reason
  code (some resolved, one left unresolved past the standard), withdrawals and drafts;
* about one bundle in five missing mandatory fields;
* three complete discharge handoffs to Riverside sent within the last hours, waiting for a
  receiver cleared for handoff receipt (the browser test accepts one);
* the quality lead's audit sample of ten, six of them scored.

An acceptance is made by someone of the receiving organisation whom the authorization register
shows cleared for handoff receipt at that instant; when nobody there was, the handoff is left
waiting. `ctx.objects` gains `handoffs_story`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count

from seamline.access import Actor, actor_for
from seamline.cases.choices import OWNER_ROLES
from seamline.cases.models import Referral
from seamline.demo.registry import DemoContext, demo_step
from seamline.errors import RuleViolation
from seamline.network.choices import OrgStatus, Role
from seamline.network.models import Organisation, User
from seamline.workforce.models import Worker

from . import actions, rules
from .choices import FieldLevel, HandoffState, RejectionReason, Transition
from .models import BundleTemplate, Handoff
from .scoring import CRITERIA

SIZE = 45
PRIME = "northbridge"

# (transition, pathway, sender, receiver, weight): who hands what to whom. A case is handed
# over by the organisation that owns it, so each route draws on that owner's open cases.
ROUTES: tuple[tuple[str, str, str, str, float], ...] = (
    (Transition.HOSPITAL_DISCHARGE, "discharge", PRIME, "riverside", 0.2),
    (Transition.HOSPITAL_DISCHARGE, "discharge", "northshire-asc", "riverside", 0.08),
    (Transition.HOSPITAL_DISCHARGE, "discharge", PRIME, "hearth", 0.05),
    (Transition.HOUSING_PLACEMENT, "discharge", "riverside", "hearth", 0.12),
    (Transition.HOUSING_PLACEMENT, "therapy", PRIME, "hearth", 0.08),
    (Transition.SAFEGUARDING, "discharge", "riverside", PRIME, 0.1),
    (Transition.SAFEGUARDING, "discharge", "hearth", PRIME, 0.05),
    (Transition.CRISIS_STEP_DOWN, "crisis", PRIME, "riverside", 0.1),
    (Transition.SHIFT_HANDOVER, "discharge", "riverside", "riverside", 0.1),
    (Transition.SHIFT_HANDOVER, "therapy", PRIME, PRIME, 0.12),
)
# What becomes of a handoff, with weights.
FATES = (
    ("accepted", 0.46),
    ("waiting", 0.14),
    ("overdue", 0.05),
    ("info_requested", 0.05),
    ("info_answered", 0.05),
    ("rejected_resolved", 0.09),
    ("rejected_open", 0.04),
    ("withdrawn", 0.06),
    ("draft", 0.06),
)

# The first handoffs made: one of each fate, so every state is there however small the demo.
SCRIPT = (
    "waiting_recent",
    "waiting_recent",
    "waiting_recent",
    "accepted",
    "info_requested",
    "info_answered",
    "rejected_resolved",
    "rejected_open",
    "withdrawn",
    "draft",
    "overdue",
    "waiting",
    "accepted",
)

RISKS = (
    ("Falls at night since the new sleeping tablet", "high"),
    ("Missed meals when alone at home", "medium"),
    ("Pressure area on the left heel, skin intact", "medium"),
    ("Low mood since the bereavement; no thoughts of self-harm voiced", "medium"),
    ("Confusion worse in the evenings", "high"),
    ("Keeps the gas hob on; smoke alarm untested", "high"),
    ("Unsteady on the stairs to the bathroom", "medium"),
    ("Lives alone; neighbour has a key", "low"),
    ("Rent arrears letter received last week", "medium"),
    ("Drinks more at weekends, says daughter", "medium"),
)
MEDICATIONS = (
    ("Zopiclone 3.75 mg at night", "started", "Watch for morning drowsiness and falls."),
    ("Furosemide 40 mg", "dose_changed", "Now 20 mg each morning; weigh daily."),
    ("Apixaban 5 mg twice daily", "started", "New; check for bruising or bleeding."),
    ("Ramipril 5 mg", "stopped", "Stopped in hospital: low blood pressure."),
    ("Sertraline 50 mg", "started", "Started two weeks ago; mood check at review."),
    ("Paracetamol 1 g four times daily", "dose_changed", "Regular, not as required."),
)
PROTECTIVE = (
    "Daughter visits every evening",
    "Keeps to a morning routine and walks to the shop",
    "Good relationship with her GP",
    "Attends the Thursday lunch club",
    "Neighbour checks in daily",
    "Wants to stay at home and engages with carers",
)
SAFETY_PLAN = (
    "Pendant alarm worn at all times; tested weekly",
    "Night light on the landing",
    "Crisis line number on the fridge",
    "Keys to the medicine cabinet held by the carers",
    "Agreed words that tell staff he is becoming unwell",
)
CONTACT_ROLES = ("Daughter", "Son", "Wife", "Husband", "Niece", "GP practice", "Neighbour")
ESCALATION = (
    "If she falls or is newly confused, call 999 first, then the {prime} duty line within "
    "the hour.",
    "Any new bruising or bleeding: ring the GP the same day, or 111 out of hours, and tell the "
    "coordinator.",
    "If he talks of ending his life, stay with him, ring the crisis team at once and then his "
    "daughter.",
    "Missed two meals in a row or not answering the door: ring the neighbour, then the duty "
    "coordinator within two hours.",
    "Any sign of the skin breaking on the heel: district nurse referral the same day.",
)
REPEAT_RISK = {
    "low": ("Risk is low at the moment; she manages with the neighbour's help",),
    "medium": (
        "Moderate risk: the main worry is the new medicine and eating when alone",
        "Medium risk for now, mostly around meals and low mood",
    ),
    "high": (
        "High risk, mostly of falling at night since the tablet was started",
        "He is at high risk right now, especially in the evenings",
    ),
}
REPEAT_ESCALATION = (
    "For a fall or new confusion I call an ambulance, then your duty line within the hour",
    "I ring the GP the same day for bleeding or bruising, or 111 at night, and let you know",
    "If he speaks of suicide I stay with him and call the crisis team straight away",
    "Two missed meals or no answer: neighbour first, then the duty coordinator within two hours",
)
PLANS = (
    "Four visits a day for two weeks, then review; meals and medication prompts.",
    "Settling-in support three times a week and a key worker for benefits and bills.",
    "Daily welfare calls and two visits a day; physiotherapy twice a week at home.",
    "Crisis plan stepped down to weekly contact with the community team.",
)
ACTIONS = (
    ("First visit and home safety check", "coordinator", 24),
    ("Check the medicines in the home against the discharge list", "worker", 24),
    ("Ring the daughter to agree visit times", "coordinator", 48),
    ("Book the seven-day review", "coordinator", 72),
    ("Refer to the falls clinic", "supervisor", 96),
    ("Arrange the key safe to be fitted", "coordinator", 48),
    ("Check the smoke alarm and gas hob", "worker", 24),
)
REJECTIONS = {
    RejectionReason.MISSING_INFORMATION: "No medication list came with it; please send the "
    "discharge summary.",
    RejectionReason.NO_CAPACITY: "No capacity in the east locality until Monday; please try "
    "the prime's own team.",
    RejectionReason.INAPPROPRIATE: "Needs nursing care twice a day: outside what our service "
    "provides.",
    RejectionReason.OTHER: "The person told us they have moved to their son's in another county.",
}
INFO_REQUESTS = (
    "Has she agreed to the referral? The consent field is empty.",
    "Which pharmacy holds the new prescription?",
    "Who is the key contact out of hours?",
)


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


def _fresh(user: User) -> Actor:
    user.__dict__.pop("_seamline_actor", None)
    return actor_for(user)


@dataclass
class Plan:
    referral: Referral
    transition: str
    receiver: Organisation
    fate: str
    incomplete: bool
    start: datetime


class Builder:
    def __init__(self, ctx: DemoContext, size: int = SIZE) -> None:
        self.ctx = ctx
        self.size = size
        self.rng = ctx.rng
        self.now: datetime = ctx.now
        self.orgs: dict[str, Organisation] = ctx.objects["organisations"]
        self.people: dict[str, list[User]] = ctx.objects["people"]
        self.quality: Actor = ctx.objects["quality_actor"]
        self.templates: dict[str, BundleTemplate] = {}
        self.cleared: dict[tuple[int, date, str], bool] = {}
        self.story: dict[str, Any] = {"by_state": {}, "waiting_for_riverside": []}
        self.made: list[Handoff] = []

    # -- choosing cases ------------------------------------------------------------------------

    def _cases(self, pathway: str, sender: str) -> list[Referral]:
        """Open cases on `pathway` owned by `sender` with only their first ownership (so the
        acceptance, backdated, stays the latest line of the history)."""
        return list(
            Referral.objects.open()
            .filter(
                pathway__code=pathway,
                owner_organisation__code=sender,
                received_at__lt=self.now - timedelta(days=2),
            )
            .annotate(owners=Count("ownerships"))
            .filter(owners=1)
            .select_related("participant", "pathway", "owner_person", "owner_organisation")
            .order_by("code")
        )

    def plan(self) -> list[Plan]:
        """What to make: first one handoff of each fate (three of them the browser test's
        waiting discharges to Riverside), then fates and routes drawn by weight, each on an
        open case of the sending organisation not used yet."""
        pools: dict[tuple[str, str], list[Referral]] = {}
        used: set[int] = set()
        plans: list[Plan] = []
        routes = [r for r in ROUTES if self._active(r[2]) and self._active(r[3])]
        weights = tuple((str(i), r[4]) for i, r in enumerate(routes))
        pending = list(SCRIPT)
        tries = 0
        attempts = 0
        while len(plans) < self.size and attempts < self.size * 6:
            attempts += 1
            fate = pending[0] if pending else _weighted(self.rng, FATES)
            index = 0 if fate == "waiting_recent" else int(_weighted(self.rng, weights))
            transition, pathway, sender, receiver, _w = routes[index]
            if (pathway, sender) not in pools:
                pools[(pathway, sender)] = self._cases(pathway, sender)
                self.rng.shuffle(pools[(pathway, sender)])
            referral = next((r for r in pools[(pathway, sender)] if r.pk not in used), None)
            start = self._start(fate, referral, transition) if referral is not None else None
            if referral is None or start is None:
                tries += 1
                if pending and tries > 8:  # this fate finds no case: go on without it
                    pending.pop(0)
                    tries = 0
                continue
            used.add(referral.pk)
            if pending:
                pending.pop(0)
                tries = 0
            incomplete = fate in ("rejected_open", "overdue") or (
                fate not in ("waiting_recent", "info_answered", "accepted")
                and self.rng.random() < 0.25
            )
            plans.append(
                Plan(
                    referral=referral,
                    transition=transition,
                    receiver=self.orgs[receiver],
                    fate=fate,
                    incomplete=incomplete,
                    start=start,
                )
            )
        return plans

    def _start(self, fate: str, referral: Referral, transition: str) -> datetime | None:
        """When the handoff is drafted: within its response standard for those still in time,
        days ago for the overdue, otherwise any time in the past seven weeks; never before the
        case."""
        hours = self.rng.uniform
        current = self.templates[transition].current
        standard = current.response_hours if current is not None else 24
        if fate == "waiting_recent":
            start = self.now - timedelta(hours=hours(1.5, 3))
        elif fate in ("waiting", "info_requested"):
            start = self.now - timedelta(hours=standard * hours(0.1, 0.6))
        elif fate == "overdue":
            start = self.now - timedelta(days=hours(3, 12))
        else:
            earliest = max(referral.received_at + timedelta(hours=1), self.now - timedelta(days=49))
            latest = self.now - timedelta(hours=50)
            if earliest >= latest:
                return None
            start = earliest + (latest - earliest) * self.rng.random()
        return start if start > referral.received_at else None

    def _active(self, code: str) -> bool:
        org = self.orgs.get(code)
        return org is not None and org.status == OrgStatus.ACTIVE

    # -- the bundle ------------------------------------------------------------------------------

    def bundle(self, plan: Plan, sent_at: datetime) -> dict[str, Any]:
        rng = self.rng
        template = self.templates[plan.transition]
        assert template.current is not None
        specs = template.current.specs
        keys = {s.key for s in specs}
        risks = rng.sample(RISKS, rng.randint(1, 3))
        level = max((sev for _r, sev in risks), key=("low", "medium", "high").index)
        receiver = plan.receiver.code
        items = []
        for text, role, hours in rng.sample(ACTIONS, rng.randint(1, 3)):
            owner = receiver if rng.random() < 0.85 else PRIME
            items.append(
                {
                    "description": text,
                    "owner_organisation": owner,
                    "owner_role": role if owner == receiver else Role.COORDINATOR,
                    "owner_person": "",
                    "due_at": (sent_at + timedelta(hours=hours)).isoformat(),
                }
            )
        family = plan.referral.participant.family_name
        content: dict[str, Any] = {
            "risk_status": level,
            "current_risks": [{"risk": r, "severity": s} for r, s in risks],
            "protective_factors": rng.sample(PROTECTIVE, 2),
            "medication_changes": [
                {"medicine": m, "change": c, "detail": d}
                for m, c, d in rng.sample(MEDICATIONS, rng.randint(1, 2))
            ],
            "safety_plan": rng.sample(SAFETY_PLAN, 2),
            "escalation_instructions": rng.choice(ESCALATION).format(prime="Northbridge"),
            "safeguarding_status": "concern_raised"
            if plan.transition == Transition.SAFEGUARDING
            else "none_known",
            "consent": rng.choice(("given", "given", "given", "given_limited", "best_interests")),
            "key_contacts": [
                {
                    "name": f"{rng.choice(('Mary', 'John', 'Priya', 'Tom', 'Aisha'))} {family}",
                    "role": rng.choice(CONTACT_ROLES),
                    "phone": f"07700 900{rng.randint(100, 999)}",
                }
            ],
            "current_plan": rng.choice(PLANS),
            "next_review": (sent_at + timedelta(days=rng.randint(5, 14))).date().isoformat(),
            "action_items": items,
        }
        content = {k: v for k, v in content.items() if k in keys}
        if plan.incomplete:
            mandatory = [
                s.key
                for s in specs
                if s.level == FieldLevel.MANDATORY and s.key not in ("risk_status",)
            ]
            for key in rng.sample(mandatory, min(len(mandatory), rng.randint(1, 3))):
                content.pop(key, None)
        optional = [s.key for s in specs if s.level == FieldLevel.OPTIONAL and s.key in content]
        for key in optional:
            if rng.random() < 0.5:
                content.pop(key)
        return content

    # -- people ----------------------------------------------------------------------------------

    def _staff(self, org: Organisation) -> list[User]:
        people = self.people.get(org.code, [])
        out = []
        for user in people:
            membership = user.current_membership()
            if membership is not None and set(membership.active_roles()) & OWNER_ROLES:
                out.append(user)
        return out

    def receiver_at(self, plan: Plan, at: datetime) -> Actor | None:
        """Someone of the receiving organisation cleared for handoff receipt at `at`."""
        pathway = plan.referral.pathway.code
        sender = plan.referral.owner_person
        with_records = set(
            Worker.objects.filter(user__in=self._staff(plan.receiver)).values_list(
                "user_id", flat=True
            )
        )
        for user in self._staff(plan.receiver):
            if user.pk not in with_records or (sender is not None and user.pk == sender.pk):
                continue
            key = (user.pk, at.date(), pathway)
            if key not in self.cleared:
                cleared, _why = actions.clearance(_fresh(user), at, pathway)
                self.cleared[key] = bool(cleared)
            if self.cleared[key]:
                return _fresh(user)
        return None

    def anyone_at(self, org: Organisation, not_him: User | None = None) -> Actor:
        """A coordinator of `org` if it has one, else its first member of staff (never the
        person who sent the handoff, within one organisation)."""
        staff = [u for u in self._staff(org) if not_him is None or u.pk != not_him.pk]
        prefer = Role.COORDINATOR
        by_role = self.ctx.objects["by_role"].get(prefer, [])
        chosen = next((u for u in staff if u in by_role), staff[0])
        return _fresh(chosen)

    # -- stories ---------------------------------------------------------------------------------

    def _between(self, after: datetime, wait: timedelta) -> datetime:
        """`wait` after `after`, but never later than halfway from it to the demo's now: every
        step of a story is in the past and in order."""
        return min(after + wait, after + (self.now - after) / 2)

    def make(self, plan: Plan) -> Handoff | None:
        rng = self.rng
        sender = _fresh(plan.referral.owner_person)  # type: ignore[arg-type]
        template = self.templates[plan.transition]
        start = plan.start
        sent_at = self._between(start, timedelta(minutes=rng.randint(10, 90)))
        handoff = actions.create_handoff(
            sender,
            plan.referral,
            template=template,
            receiving_organisation=plan.receiver,
            content=self.bundle(plan, sent_at),
            at=start,
        )
        if plan.fate == "draft":
            return handoff
        if plan.fate == "withdrawn" and rng.random() < 0.4:
            actions.withdraw_handoff(
                sender, handoff, reason="Drafted for the wrong case.", at=sent_at
            )
            return handoff
        actions.send_handoff(sender, handoff, at=sent_at)
        standard = handoff.standard_hours or 24
        answer = self._between(sent_at, timedelta(hours=standard * rng.uniform(0.1, 0.8)))
        receiver_org = plan.receiver
        if plan.fate in ("waiting", "waiting_recent", "overdue"):
            return handoff  # nobody has answered yet
        if plan.fate == "withdrawn":
            actions.withdraw_handoff(
                sender, handoff, reason="The person was readmitted to hospital.", at=answer
            )
            return handoff
        if plan.fate in ("rejected_resolved", "rejected_open"):
            reason = rng.choice(RejectionReason.values)
            if plan.incomplete:
                reason = RejectionReason.MISSING_INFORMATION
            actions.reject_handoff(
                self.anyone_at(receiver_org, plan.referral.owner_person),
                handoff,
                reason=reason,
                text=REJECTIONS[RejectionReason(reason)],
                at=answer,
            )
            if plan.fate == "rejected_resolved":
                actions.resolve_rejection(
                    sender,
                    handoff,
                    note="We kept the case and increased our own visits while we look again.",
                    at=self._between(answer, timedelta(hours=rng.uniform(1, 6))),
                )
            return handoff
        if plan.fate in ("info_requested", "info_answered"):
            actions.request_information(
                self.anyone_at(receiver_org, plan.referral.owner_person),
                handoff,
                text=rng.choice(INFO_REQUESTS),
                at=answer,
            )
            if plan.fate == "info_requested":
                return handoff
            later = self._between(answer, timedelta(hours=rng.uniform(1, 5)))
            actions.update_bundle(sender, handoff, {"consent": "given"}, at=later)
            actions.send_handoff(
                sender, handoff, note="She agreed on the ward this morning.", at=later
            )
            answer = self._between(later, timedelta(hours=rng.uniform(0.5, 4)))
        return self.accept(plan, handoff, answer)

    def accept(self, plan: Plan, handoff: Handoff, at: datetime) -> Handoff:
        if at >= self.now:
            return handoff
        receiver = self.receiver_at(plan, at)
        if receiver is None or rules.missing_mandatory_reasons(handoff.specs, handoff.content):
            return handoff  # nobody cleared then, or it cannot be accepted: it waits
        level = handoff.content.get("risk_status", "medium")
        try:
            actions.accept_handoff(
                receiver,
                handoff,
                risk_status=self.rng.choice(REPEAT_RISK.get(level, REPEAT_RISK["medium"])),
                escalation=self.rng.choice(REPEAT_ESCALATION),
                at=at,
            )
        except RuleViolation:
            return handoff  # e.g. an action owner without a part in the care: it waits
        return handoff

    def flag_one_mismatch(self) -> None:
        accepted = [h for h in self.made if h.state == HandoffState.ACCEPTED]
        if not accepted:
            return
        handoff = accepted[0]
        sender = _fresh(self._staff(handoff.sender_organisation)[0])
        actions.flag_mismatch(
            sender,
            handoff,
            note="The duty line is the first call, before 999, unless she is hurt.",
            at=self._between(handoff.accepted_at or self.now, timedelta(hours=2)),
        )
        self.story["mismatch"] = handoff.code

    def audit(self) -> None:
        quality = self.quality
        start = (self.now - timedelta(days=49)).date()
        sample = actions.draw_audit_sample(
            quality,
            period_start=start,
            period_end=self.now.date(),
            size=10,
            seed=self.rng.randrange(2**31),
        )
        items = list(sample.items.select_related("handoff"))
        for item in items[:6]:
            h = item.handoff
            measure = rules.completeness(h.specs, h.content)
            ratings = {c.code: "yes" for c in CRITERIA}
            if measure.missing_mandatory:
                ratings["summary"] = "partial"
                ratings["action_list"] = (
                    "no" if "action_items" in measure.missing_mandatory else "yes"
                )
            if h.repeat_back_or_none is None:
                ratings["synthesis"] = "not_applicable"
            elif self.rng.random() < 0.3:
                ratings["synthesis"] = "partial"
            if self.rng.random() < 0.25:
                ratings["situation_awareness"] = "partial"
            actions.score_handoff(
                quality,
                h,
                ratings=ratings,
                notes="Scored from the bundle and repeat-back.",
                sample=sample,
            )
        self.story["sample"] = str(sample.uuid)

    def run(self) -> None:
        actions.load_default_templates(
            self.quality, reason="The network's first bundle templates, agreed at governance."
        )
        self.templates = {t.transition: t for t in BundleTemplate.objects.select_related("current")}
        self.ctx.progress()
        for plan in self.plan():
            handoff = self.make(plan)
            if handoff is not None:
                handoff.refresh_from_db()
                self.made.append(handoff)
                if plan.fate == "waiting_recent":
                    self.story["waiting_for_riverside"].append(handoff.code)
            self.ctx.progress()
        self.flag_one_mismatch()
        self.audit()
        self.ctx.progress()
        for h in self.made:
            self.story["by_state"][h.state] = self.story["by_state"].get(h.state, 0) + 1
        self.story["overdue"] = [h.code for h in Handoff.objects.overdue(self.now)]


@demo_step("handoffs", order=60, units=SIZE + 2)
def build(ctx: DemoContext) -> None:
    populate(ctx, SIZE)


def populate(ctx: DemoContext, size: int) -> Builder:
    """The step, with `size` handoffs (tests build fewer)."""
    builder = Builder(ctx, size)
    builder.run()
    ctx.objects["handoffs_story"] = builder.story
    return builder
