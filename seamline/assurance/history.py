"""Eleven months of seeded history before the current one, so that the packs' trends mean
something (a demo step, after every app's own step and before the packs are issued).

The other apps' demo steps tell the last few weeks; this one writes what the network did in
the eleven months before the current one, straight into the tables the metrics read
(`definitions.py`), in bulk and without audit entries: it is seeded history, not anyone's
activity. Every row keeps the database's constraints and is over by now, so nothing here shows
on today's boards: cases discharged, handoffs accepted, rejected and resolved or withdrawn,
sprint steps and huddle actions completed, plan changes acknowledged, escalations resolved
(each its own episode), safeguarding concerns told, triaged and closed, pauses lifted, each
month's handoff audits scored and their corrective actions completed with evidence; and a
few incidents a month at each partner.

Who did what, each month, by partner (`PROFILES`): the prime steady and good; Riverside
improving over the year; Hearth clearly weaker at acknowledging plan changes, writing records
on time, complete bundles and first contact; the county team with a dip in the middle of the
year; the agency only in the workforce figures. Volumes are those of a county pilot: a few
hundred cases a month across the network.

The history keeps out of what the other steps made:

* its cases belong to participants of its own (discharged, with no NHS number and a date of
  birth and postcode no other record shares, so they are never proposed as duplicates);
* supervision is written only for workers the workforce step supervised, and only before
  that worker's first session there; pauses only for workers with no visits in the rota, and
  lifted before their first session, so today's register and supervision lists are unchanged;
* nothing of a kind a quality audit sampled is written for that partner in that audit's
  period, so a re-drawn sample still finds the same records;
* huddles only on days their cohort did not meet, triage meetings only for weeks without one,
  reconciliation runs only before a partner's first upload, audits only in months a partner
  has none (each drawn from the same candidates, seed and rule as the app's, so it re-draws).

Partners and people are read from the database (and `ctx.objects` where earlier steps left
them), so the step runs on the demo network and on the small test cast alike. Numbers come from
the code counters, so later codes never collide.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import models
from django.db.models import Min

from seamline.cases.choices import CareReason, OwnershipHow
from seamline.cases.choices import Outcome as CaseOutcome
from seamline.cases.codes import PARTICIPANTS, referrals_counter, reserve
from seamline.cases.models import CareTeamMember, Ownership, Participant, Referral
from seamline.cases.rules import CLOSED_CASE_VISIBILITY, participant_code, referral_code
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import OrgKind, OrgStatus, Role
from seamline.network.models import Network, Organisation, Pathway, User

from .catalogue import add_months, month_window

MONTHS = 11
# Activity stops this long before the demo's `now`, so everything that follows it (a first
# contact, an acceptance, a discharge) is over by then.
QUIET = timedelta(days=10)

M = TypeVar("M", bound=models.Model)


# --- who does how well ------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """How often a partner meets a standard, month by month (k = 0 is the oldest month)."""

    base: float
    start: float | None = None  # improving: from `start` to `base` over the year
    dip: float = 0.0  # a dip this deep in the middle of the year
    weak: frozenset[str] = frozenset()  # what this partner is clearly weaker at
    volume: float = 1.0  # its share of the network's cases

    def p(self, family: str, k: int) -> float:
        value = self.base
        if self.start is not None:
            value = self.start + (self.base - self.start) * k / (MONTHS - 1)
        if self.dip:
            value -= self.dip * math.exp(-((k - 5.5) ** 2) / 3.0)
        if family in self.weak:
            value -= 0.2
        return min(0.99, max(0.3, value))


WEAK_AT = frozenset({"acknowledge", "document", "bundle", "contact"})
PROFILES: dict[str, Profile] = {
    "northbridge": Profile(0.94, volume=1.4),
    "riverside": Profile(0.95, start=0.68, volume=1.2),
    "hearth": Profile(0.9, weak=WEAK_AT, volume=0.8),
    "northshire-asc": Profile(0.93, dip=0.28, volume=1.0),
    "swiftstaff": Profile(0.86, volume=0.6),
}
# Partners of another network (the test cast, another seed) take these shapes in turn.
SHAPES = (
    Profile(0.94),
    Profile(0.95, start=0.68),
    Profile(0.9, weak=WEAK_AT),
    Profile(0.93, dip=0.28),
)
# The metrics whose records this step writes (the others are told by their apps' own steps).
FEEDS = frozenset(
    {
        "supervision_on_time",
        "delegation_pauses",
        "remedial_within_standard",
        "handoff_completeness",
        "handoff_accepted_in_standard",
        "handoff_acceptance_hours",
        "handoff_rejections",
        "sprint_steps_on_time",
        "first_contact_hours",
        "huddle_actions_on_time",
        "plan_acknowledged_on_time",
        "documentation_24h",
        "escalation_acknowledged_in_standard",
        "escalation_reviewed_in_standard",
        "escalation_timing_spread",
        "safeguarding_same_day",
        "reconciliation_rate",
        "duplicates",
        "unowned_cases",
        "long_waits",
        "gate_overrides",
        "audit_score",
        "corrective_actions_open",
        "corrective_actions_overdue",
        "incidents_by_theme",
    }
)
DELIVERY = (OrgKind.PRIME, OrgKind.SUBCONTRACTOR, OrgKind.VCSE, OrgKind.LOCAL_AUTHORITY)
CASES_A_MONTH = 55  # per partner of volume 1

FIRST = (
    "Ada",
    "Bernard",
    "Cora",
    "Derek",
    "Edith",
    "Frank",
    "Gwen",
    "Harold",
    "Irene",
    "Jack",
    "Kath",
    "Leonard",
    "Mabel",
    "Norman",
    "Olive",
    "Percy",
    "Queenie",
    "Ron",
    "Sylvia",
    "Tom",
    "Una",
    "Victor",
    "Winifred",
    "Alan",
    "Brenda",
    "Clive",
    "Doreen",
    "Eric",
)
LAST = (
    "Ashworth",
    "Barlow",
    "Clegg",
    "Dunmore",
    "Eccles",
    "Fairbairn",
    "Gledhill",
    "Haworth",
    "Illingworth",
    "Jagger",
    "Kershaw",
    "Lumb",
    "Midgley",
    "Nuttall",
    "Ormerod",
    "Pickles",
    "Quarmby",
    "Rushworth",
    "Sutcliffe",
    "Thwaite",
    "Uttley",
    "Varley",
    "Whiteley",
    "Yates",
)
RISKS = (
    ("Falls when getting up at night", "high"),
    ("Missed meals when alone", "medium"),
    ("Low mood after the bereavement", "medium"),
    ("New medicine with a bleeding risk", "high"),
    ("Lives alone; neighbour has a key", "low"),
)
RECORD_TEXT = {
    "contact": "Visited at home; plan gone through, no new concerns.",
    "refusal": "Declined the evening visit; risks explained and the refusal respected.",
    "risk_change": "Two falls this week; the falls risk raised to high and the plan reviewed.",
    "service_disruption": "Carer delayed by the road closure; the visit ran ninety minutes late.",
}
ESCALATING = (
    "deterioration",
    "high_risk_flag",
    "ed_contact",
    "missed_visits",
    "housing_loss",
    "behavioural_risk",
)
ESCALATION_OUTCOMES = ("managed_in_place", "clinical_input", "admitted", "no_action")
THEMES = ("neglect", "self_neglect", "financial", "physical", "psychological", "domestic")
CONTACTS = ("home_visit", "phone", "clinic", "community")
CONCERN_OUTCOMES = ("enquiry", "la_advice", "police", "protection_plan", "no_further_action")
# Incident themes, most often first (weights of `IncidentTheme` values).
INCIDENT_THEMES = (
    ("missed_visit", 5),
    ("fall", 4),
    ("medication_error", 3),
    ("documentation", 3),
    ("handoff_communication", 2),
    ("delayed_escalation", 1),
    ("equipment", 1),
    ("other", 1),
)
INCIDENT_TEXT = "Seeded history: what happened, who was told and what was done at once."
GATE_RULES = ("G2", "G4", "G5", "G7", "G8", "G10")
REJECTIONS = {
    "missing_information": "No medication list came with it; please send the discharge summary.",
    "no_capacity": "No capacity in that locality this week; please try the prime's own team.",
    "inappropriate": "Needs nursing care twice a day: outside what our service provides.",
}


# --- what the step works with -----------------------------------------------------------------


@dataclass
class Case:
    """One discharged episode of a history participant."""

    referral: Referral
    partner: Organisation
    received: datetime
    discharged: datetime
    # (from, organisation): who owned the case from when, in order.
    owners: list[tuple[datetime, Organisation]] = field(default_factory=list)

    def owner_at(self, at: datetime) -> Organisation:
        found = self.owners[0][1]
        for since, org in self.owners:
            if since <= at:
                found = org
        return found


class History:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.network = Network.current()
        self.tz = ZoneInfo(self.network.time_zone)
        self.latest = ctx.now - QUIET
        orgs = list(Organisation.objects.exclude(status=OrgStatus.ONBOARDING).order_by("code"))
        self.people = self._people(orgs)
        self.partners = [o for o in orgs if o.kind in DELIVERY and self.people.get(o.pk)]
        self.orgs = {o.pk: o for o in orgs}
        self.profiles: dict[int, Profile] = {}
        shapes = iter(SHAPES * 4)
        for org in orgs:
            self.profiles[org.pk] = PROFILES.get(org.code) or next(shapes)
        self.prime = next((o for o in orgs if o.kind == OrgKind.PRIME), None)
        self.trust = next((o for o in orgs if o.kind == OrgKind.NHS_TRUST), None)
        self.pathways = list(Pathway.objects.order_by("code"))
        self.blocked = self._audited()
        self.cases: list[Case] = []
        self.month_cases: list[Case] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.first_runs = self._first_runs()
        self.busy = self._busy_workers()

    # -- reading what is there -------------------------------------------------------------------

    def _people(self, orgs: Sequence[Organisation]) -> dict[int, list[User]]:
        from seamline.network.models import Membership

        found: dict[int, list[User]] = defaultdict(list)
        for m in (
            Membership.objects.current()
            .filter(organisation__in=orgs)
            .select_related("user")
            .order_by("organisation_id", "user__username")
        ):
            found[m.organisation_id].append(m.user)
        return found

    def person(self, org: Organisation, *roles: str) -> User | None:
        """Someone of `org` holding one of `roles` (anyone there when nobody does)."""
        by_role: dict[str, list[User]] = self.ctx.objects.get("by_role", {})
        people = self.people.get(org.pk, [])
        for role in roles:
            holders = [u for u in by_role.get(role, []) if u in people]
            if holders:
                return self.rng.choice(holders)
        return self.rng.choice(people) if people else None

    def _audited(self) -> dict[tuple[str, int], list[tuple[datetime, datetime]]]:
        """(record kind, partner) -> the periods a quality audit sampled: left alone."""
        found: dict[tuple[str, int], list[tuple[datetime, datetime]]] = defaultdict(list)
        if not apps.is_installed("seamline.quality"):
            return found
        from seamline.quality.models import Audit

        for kind, org, start, end in Audit.objects.values_list(
            "record_kind", "partner_id", "period_start", "period_end"
        ):
            since = datetime.combine(start - timedelta(days=1), time.min, tzinfo=self.tz)
            until = datetime.combine(end + timedelta(days=2), time.min, tzinfo=self.tz)
            found[(kind, org)].append((since, until))
        return found

    def free(self, kind: str, org: Organisation, at: datetime) -> bool:
        return not any(a <= at < b for a, b in self.blocked.get((kind, org.pk), ()))

    # -- small helpers -------------------------------------------------------------------------

    def p(self, org: Organisation, family: str, k: int) -> float:
        return self.profiles[org.pk].p(family, k)

    def hit(self, org: Organisation, family: str, k: int) -> bool:
        return self.rng.random() < self.p(org, family, k)

    def between(self, start: datetime, end: datetime) -> datetime:
        span = max(0.0, (end - start).total_seconds())
        return start + timedelta(seconds=self.rng.uniform(0, span))

    def daytime(self, day: date, first: int = 8, last: int = 17) -> datetime:
        return datetime.combine(
            day, time(self.rng.randint(first, last), self.rng.choice((0, 15, 30, 45))), self.tz
        )

    def cap(self, at: datetime) -> datetime:
        """An instant that follows something over by now: never later than an hour ago."""
        return min(at, self.ctx.now - timedelta(hours=1))

    def save(self, model: type[M], rows: list[M]) -> list[M]:
        if rows:
            model._default_manager.bulk_create(rows, batch_size=500)
            self.counts[model._meta.label] += len(rows)
        return rows

    # -- the build -----------------------------------------------------------------------------

    def build(self) -> None:
        if not self.partners or not self.pathways:
            return
        this_month = date(self.ctx.now.year, self.ctx.now.month, 1)
        months = [add_months(this_month, -back) for back in range(MONTHS, 0, -1)]
        steps: tuple[Callable[[int, datetime, datetime], None], ...] = (
            self.cases_of_month,
            self.handoffs,
            self.sprints,
            self.plans,
            self.escalations,
            self.safeguarding,
            self.records,
            self.huddles,
            self.overrides,
            self.reconciliation,
        )
        for k, period in enumerate(months):
            window = month_window(period, self.tz)
            end = min(window.end, self.latest)
            if end > window.start:
                for step in steps:
                    step(k, window.start, end)
            self.ctx.progress()
        self.workforce(months)
        self.audits(months)
        self.incidents(months)

    # -- cases ---------------------------------------------------------------------------------

    def cases_of_month(self, k: int, start: datetime, end: datetime) -> None:
        plan: list[tuple[Organisation, datetime]] = []
        for org in self.partners:
            n = round(CASES_A_MONTH * self.profiles[org.pk].volume * self.rng.uniform(0.85, 1.15))
            plan += [(org, self.between(start, end)) for _ in range(n)]
        plan.sort(key=lambda row: row[1])
        first = reserve(PARTICIPANTS, len(plan))
        participants = []
        taken = self._details_taken()
        for i, (org, received) in enumerate(plan):
            while True:
                born = date(1932, 1, 1) + timedelta(days=self.rng.randrange(0, 16000))
                postcode = f"NS{self.rng.randint(1, 9)} {self.rng.randint(1, 9)}H{chr(65 + i % 26)}"
                if (born, postcode) not in taken:
                    taken.add((born, postcode))
                    break
            participants.append(
                Participant(
                    code=participant_code(first + i),
                    given_name=self.rng.choice(FIRST),
                    family_name=self.rng.choice(LAST),
                    date_of_birth=born,
                    postcode=postcode,
                    registered_by=org,
                    created_at=received - timedelta(hours=1),
                )
            )
        self.save(Participant, participants)
        numbers = self._referral_numbers([received for _, received in plan])
        referrals, made = [], []
        for (org, received), participant, code in zip(plan, participants, numbers, strict=True):
            pathway = self.rng.choice(self.pathways)
            referrer = self.trust if pathway.code == "discharge" and self.trust else self.prime
            contact = received + self._first_contact(org, k)
            discharged = min(received + timedelta(days=self.rng.uniform(12, 40)), self.latest)
            discharged = max(discharged, contact)
            owner = self.person(org, Role.COORDINATOR, Role.SUPERVISOR)
            referral = Referral(
                code=code,
                participant=participant,
                pathway=pathway,
                referrer_organisation=referrer if referrer != org else None,
                referrer_name="" if referrer not in (None, org) else "GP practice",
                receiving_organisation=org,
                received_at=received,
                first_contact_at=contact,
                discharged_at=discharged,
                outcome=self.rng.choice(CaseOutcome.values),
                owner_organisation=org,
                owner_person=owner,
                created_at=received,
                created_by=owner,
            )
            referrals.append(referral)
            made.append(Case(referral, org, received, discharged, [(received, org)]))
        self.save(Referral, referrals)
        self.save(
            Ownership,
            [
                Ownership(
                    referral=c.referral,
                    seq=1,
                    organisation=c.partner,
                    person=c.referral.owner_person,
                    started_at=c.received,
                    how=OwnershipHow.CREATED,
                    by=c.referral.owner_person,
                )
                for c in made
                if c.referral.owner_person is not None
            ],
        )
        self.save(CareTeamMember, [part for c in made for part in self._parts(c)])
        self.month_cases = made
        self.cases += made

    def _parts(self, case: Case) -> list[CareTeamMember]:
        """The referral's parts in the care, as recording it adds them, kept for the closed-case
        visibility period after the discharge as discharging it does (`cases.actions`)."""
        referral = case.referral
        parts = [
            (case.partner, CareReason.OWNER),
            (case.partner, CareReason.RECEIVING),
            (referral.referrer_organisation, CareReason.REFERRER),
            (referral.pathway.lead_organisation, CareReason.PRIME),
        ]
        return [
            CareTeamMember(
                participant=referral.participant,
                organisation=org,
                reason=reason,
                referral=referral,
                started_at=case.received,
                ended_at=case.discharged + CLOSED_CASE_VISIBILITY,
            )
            for org, reason in parts
            if org is not None
        ]

    def _details_taken(self) -> set[tuple[date, str]]:
        if not hasattr(self, "_taken"):
            self._taken = set(Participant.objects.values_list("date_of_birth", "postcode"))
        return self._taken

    def _referral_numbers(self, received: Sequence[datetime]) -> list[str]:
        by_year: dict[int, int] = defaultdict(int)
        for at in received:
            by_year[at.astimezone(self.tz).year] += 1
        next_number = {y: reserve(referrals_counter(y), n) for y, n in by_year.items()}
        out = []
        for at in received:
            year = at.astimezone(self.tz).year
            out.append(referral_code(year, next_number[year]))
            next_number[year] += 1
        return out

    def _first_contact(self, org: Organisation, k: int) -> timedelta:
        if self.hit(org, "contact", k):
            return timedelta(hours=self.rng.uniform(1, 20))
        return timedelta(hours=self.rng.uniform(26, 90))

    # -- handoffs --------------------------------------------------------------------------------

    def handoffs(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.handoffs.choices import HandoffState
        from seamline.handoffs.models import BundleTemplate, Handoff

        templates = [
            t
            for t in BundleTemplate.objects.select_related("current").order_by("transition")
            if t.current is not None and not t.current.same_organisation
        ]
        if len(self.partners) < 2 or not templates:
            return
        rows: list[tuple[Handoff, Case]] = []
        for case in self.month_cases:
            if self.rng.random() > 0.5:
                continue
            sender = case.partner
            receiver = self.rng.choice([o for o in self.partners if o != sender])
            sent = case.received + timedelta(hours=self.rng.uniform(20, 120))
            if sent >= case.discharged - timedelta(days=2) or not self.free(
                "handoff", sender, sent
            ):
                continue
            template = self.rng.choice(templates)
            version = template.current
            assert version is not None
            hours = version.response_hours
            by = self.person(sender, Role.COORDINATOR)
            if by is None:
                continue
            complete = self.hit(sender, "bundle", k)
            handoff = Handoff(
                referral=case.referral,
                template=template,
                template_version=version,
                sender_organisation=sender,
                receiving_organisation=receiver,
                content={"summary": "Seeded history: the bundle as sent."},
                completeness=100 if complete else self.rng.choice((60, 70, 75, 80, 85, 90)),
                created_at=sent - timedelta(hours=self.rng.uniform(0.5, 6)),
                created_by=by,
                first_sent_at=sent,
                sent_at=sent,
                sent_by=by,
                standard_hours=hours,
                respond_by=sent + timedelta(hours=hours),
            )
            fate = self.rng.random()
            answerer = self.person(receiver, Role.COORDINATOR, Role.SUPERVISOR)
            if fate < 0.82 and answerer is not None:
                within = self.hit(receiver, "accept", k)
                factor = self.rng.uniform(0.1, 0.95) if within else self.rng.uniform(1.1, 3.0)
                handoff.state = HandoffState.ACCEPTED
                handoff.accepted_at = sent + timedelta(hours=hours * factor)
                handoff.accepted_by = answerer
            elif fate < 0.94 and answerer is not None:
                reason = self.rng.choice(list(REJECTIONS))
                handoff.state = HandoffState.REJECTED
                handoff.rejected_at = sent + timedelta(hours=self.rng.uniform(1, hours))
                handoff.rejected_by = answerer
                handoff.rejection_reason = reason
                handoff.rejection_text = REJECTIONS[reason]
                handoff.resolved_at = handoff.rejected_at + timedelta(hours=self.rng.uniform(2, 20))
                handoff.resolution = "Kept by the sender; the plan was changed."
                handoff.respond_by = None
            else:
                handoff.state = HandoffState.WITHDRAWN
                handoff.withdrawn_at = sent + timedelta(hours=self.rng.uniform(1, 8))
                handoff.withdrawal_reason = "The person went back into hospital."
            rows.append((handoff, case))
        codes = self._yearly_codes("handoff", "H", [h.created_at for h, _ in rows])
        for (handoff, _), code in zip(rows, codes, strict=True):
            handoff.code = code
        self.save(Handoff, [h for h, _ in rows])
        moved: list[Ownership] = []
        joined: list[CareTeamMember] = []
        changed: list[Referral] = []
        for handoff, case in rows:
            if handoff.accepted_at is None or handoff.accepted_by is None:
                continue
            accepted = handoff.accepted_at
            receiver = handoff.receiving_organisation
            case.discharged = max(case.discharged, accepted)
            case.owners.append((accepted, receiver))
            case.referral.owner_organisation = receiver
            case.referral.owner_person = handoff.accepted_by
            case.referral.discharged_at = case.discharged
            changed.append(case.referral)
            moved.append(
                Ownership(
                    referral=case.referral,
                    seq=2,
                    organisation=receiver,
                    person=handoff.accepted_by,
                    started_at=accepted,
                    how=OwnershipHow.HANDOFF,
                    by=handoff.accepted_by,
                    source=f"handoff:{handoff.uuid}",
                )
            )
            joined.append(
                CareTeamMember(
                    participant=case.referral.participant,
                    organisation=receiver,
                    reason=CareReason.OWNER,
                    referral=case.referral,
                    source=f"handoff:{handoff.code}",
                    started_at=accepted,
                    ended_at=case.discharged + CLOSED_CASE_VISIBILITY,
                )
            )
        Referral.objects.bulk_update(
            changed, ["owner_organisation", "owner_person", "discharged_at"], batch_size=500
        )
        self.save(Ownership, moved)
        self.save(CareTeamMember, joined)

    def _yearly_codes(self, counter: str, prefix: str, stamps: Sequence[datetime]) -> list[str]:
        """`<prefix>-<year>-<number>` codes from the counter `<counter>-<year>` (numbered
        within the year, as the app numbers them), in `stamps` order."""
        by_year: dict[int, int] = defaultdict(int)
        for at in stamps:
            by_year[at.astimezone(self.tz).year] += 1
        nxt = {y: reserve(f"{counter}-{y}", n) for y, n in by_year.items()}
        out = []
        for at in stamps:
            year = at.astimezone(self.tz).year
            out.append(f"{prefix}-{year}-{nxt[year]:06d}")
            nxt[year] += 1
        return out

    # -- the post-discharge sprint ---------------------------------------------------------------

    def sprints(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.coordination.choices import ActionSource, RefusalHandling, StepStatus
        from seamline.coordination.models import Action, Sprint, SprintStep
        from seamline.coordination.rules import SPRINT_HOURS, step_due_at
        from seamline.coordination.sprint import default_template

        template = default_template()
        sprints: list[Sprint] = []
        for case in self.month_cases:
            referral = case.referral
            if referral.pathway.code != "discharge" or referral.referrer_organisation is None:
                continue
            if referral.referrer_organisation.kind != OrgKind.NHS_TRUST:
                continue
            sprints.append(
                Sprint(
                    referral=referral,
                    participant=referral.participant,
                    pathway=referral.pathway,
                    organisation=case.partner,
                    template=template.code,
                    started_at=case.received,
                    ends_at=case.received + timedelta(hours=SPRINT_HOURS),
                    created_at=case.received,
                    created_by=referral.owner_person,
                )
            )
        self.save(Sprint, sprints)
        actions: list[Action] = []
        steps: list[SprintStep] = []
        for sprint in sprints:
            org = sprint.organisation
            finished = sprint.started_at
            for position, step in enumerate(template.steps, start=1):
                due = step_due_at(sprint.started_at, step.day)
                if self.hit(org, "sprint", k):
                    done = due - timedelta(hours=self.rng.uniform(0.5, 20))
                else:
                    done = due + timedelta(hours=self.rng.uniform(1, 30))
                done = max(done, sprint.started_at + timedelta(minutes=30))
                finished = max(finished, done)
                who = self.person(org, Role.COORDINATOR)
                action = Action(
                    participant=sprint.participant,
                    description=f"Sprint day {step.day}: {step.name}",
                    owner_organisation=org,
                    owner_role=Role.COORDINATOR,
                    due_at=due,
                    source=ActionSource.SPRINT,
                    source_ref=sprint.ref,
                    created_at=sprint.started_at,
                    created_by=sprint.created_by,
                    completed_at=done,
                    completed_by=who,
                )
                refused = step.code == "home-recheck" and self.rng.random() < 0.08
                actions.append(action)
                steps.append(
                    SprintStep(
                        sprint=sprint,
                        position=position,
                        code=step.code,
                        name=step.name,
                        day=step.day,
                        pathway_step=step.pathway_step,
                        owner_basis="case_owner",
                        action=action,
                        status=StepStatus.REFUSED if refused else StepStatus.DONE,
                        resolved_at=done,
                        resolved_by=who,
                        refusal="Did not want the house checked again." if refused else "",
                        handling_code=RefusalHandling.RISKS_EXPLAINED if refused else "",
                        handling_note="Risks explained; checked at the next visit."
                        if refused
                        else "",
                    )
                )
            sprint.completed_at = finished
        self.save(Action, actions)
        for step_row in steps:
            step_row.action_id = step_row.action.pk
        self.save(SprintStep, steps)
        Sprint.objects.bulk_update(sprints, ["completed_at"], batch_size=500)

    # -- plans -----------------------------------------------------------------------------------

    def plans(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.plans.models import Acknowledgement, Plan, PlanVersion
        from seamline.plans.rules import diff, empty_content

        plans: list[Plan] = []
        versions: list[PlanVersion] = []
        for case in self.month_cases:
            author = case.referral.owner_person
            made = case.received + timedelta(hours=self.rng.uniform(4, 30))
            count = self.rng.choice((1, 2, 2, 3))
            plan = Plan(participant=case.referral.participant, version=count, created_at=made)
            plans.append(plan)
            when = made
            old = empty_content()
            for number in range(1, count + 1):
                org = case.owner_at(when)
                content = self._plan_content(old, org)
                versions.append(
                    PlanVersion(
                        plan=plan,
                        number=number,
                        content=content,
                        changes=[c.as_dict() for c in diff(old, content)],
                        reason="First plan" if number == 1 else "Risk changed at a visit",
                        created_at=when,
                        author=author,
                        author_label=author.display_name if author else "Seeded history",
                        author_organisation=org,
                    )
                )
                old = content
                when = when + timedelta(days=self.rng.uniform(3, 10))
                if when >= case.discharged:
                    plan.version = number
                    break
        self.save(Plan, plans)
        for v in versions:
            v.plan_id = v.plan.pk
        self.save(PlanVersion, versions)
        by_plan = {case.referral.participant_id: case for case in self.month_cases}
        acks: list[Acknowledgement] = []
        for v in versions:
            case = by_plan[v.plan.participant_id]
            orgs = {case.owner_at(v.created_at)}
            if self.prime is not None and self.rng.random() < 0.3:
                orgs.add(self.prime)
            for org in sorted(orgs, key=lambda o: o.code):
                if self.hit(org, "acknowledge", k):
                    delay = timedelta(hours=self.rng.uniform(0.5, 22))
                else:
                    delay = timedelta(hours=self.rng.uniform(25, 60))
                acks.append(
                    Acknowledgement(
                        version=v,
                        organisation=org,
                        because=["controls"],
                        due_at=v.created_at + timedelta(hours=24),
                        acknowledged_at=self.cap(v.created_at + delay),
                        acknowledged_by=self.person(org, Role.COORDINATOR, Role.SUPERVISOR),
                    )
                )
        self.save(Acknowledgement, [a for a in acks if a.acknowledged_by is not None])

    def _plan_content(self, old: dict[str, Any], org: Organisation) -> dict[str, Any]:
        """The next version of a plan: the first names a risk; each later one adds a risk or
        changes the level of one (so every version changes something)."""
        risks = [dict(r) for r in old.get("risks", [])]
        known = {r["title"] for r in risks}
        fresh = [(t, lv) for t, lv in RISKS if t not in known]
        if not risks or (fresh and self.rng.random() < 0.5):
            title, level = self.rng.choice(fresh)
            risks.append({"title": title, "level": level})
        else:
            risk = self.rng.choice(risks)
            risk["level"] = self.rng.choice(
                [lv for lv in ("low", "medium", "high") if lv != risk["level"]]
            )
        return {
            "risks": risks,
            "controls": [{"description": "Visits as agreed", "organisation": org.code}],
            "preferences": ["Morning visits"],
            "consent_summary": "Consents to sharing within the network.",
        }

    # -- escalations and safeguarding ------------------------------------------------------------

    def escalations(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.escalation.choices import EventKind, State
        from seamline.escalation.models import Escalation, EscalationEvent, ThresholdSet
        from seamline.escalation.rules import STANDARDS, parse_thresholds

        tset = ThresholdSet.objects.select_related("current").first()
        if tset is None or tset.current is None:
            return
        thresholds = parse_thresholds(tset.current.rows)
        triggers = [t for t in ESCALATING if t in thresholds]
        if not triggers:
            return
        rows: list[Escalation] = []
        for case in self.month_cases:
            chosen = self.rng.sample(triggers, k=min(2, len(triggers)))
            for trigger, chance in zip(chosen, (0.75, 0.25), strict=False):
                if self.rng.random() > chance:
                    continue
                if case.discharged - case.received < timedelta(days=3):
                    continue
                raised = self.between(
                    case.received + timedelta(days=1), case.discharged - timedelta(days=1)
                )
                org = case.owner_at(raised)
                rule = thresholds[trigger]
                standard = STANDARDS[rule.tier]
                if self.hit(org, "escalate", k):
                    ack = standard.acknowledge * self.rng.uniform(0.1, 0.9)
                else:
                    ack = standard.acknowledge * self.rng.uniform(1.2, 4.0)
                if self.hit(org, "review", k):
                    review = max(ack, standard.review * self.rng.uniform(0.3, 0.95))
                else:
                    review = max(ack, standard.review * self.rng.uniform(1.1, 2.5))
                who = self.person(org, rule.role, Role.SUPERVISOR)
                rows.append(
                    Escalation(
                        participant=case.referral.participant,
                        referral=case.referral,
                        pathway=case.referral.pathway,
                        organisation=org,
                        trigger=trigger,
                        episode="",
                        detail="Seeded history.",
                        tier=rule.tier,
                        responsible_role=rule.role,
                        chair_role=rule.chair,
                        threshold_version=tset.current,
                        state=State.RESOLVED,
                        raised_at=raised,
                        acknowledged_at=raised + ack,
                        acknowledged_by=who,
                        responded_at=raised + review,
                        responded_by=who,
                        review="Reviewed with the care team; plan changed.",
                        resolved_at=raised + review + timedelta(hours=self.rng.uniform(2, 48)),
                        resolved_by=who,
                        outcome=self.rng.choice(ESCALATION_OUTCOMES),
                        outcome_note="Closed.",
                    )
                )
        rows.sort(key=lambda r: r.raised_at)
        first = reserve("escalation", len(rows))
        for i, row in enumerate(rows):
            row.code = f"ESC-{first + i:05d}"
            row.episode = f"history:{row.code}"
        self.save(Escalation, rows)
        events = []
        for row in rows:
            for kind, at, by in (
                (EventKind.RAISED, row.raised_at, None),
                (EventKind.ACKNOWLEDGED, row.acknowledged_at, row.acknowledged_by),
                (EventKind.RESPONDED, row.responded_at, row.responded_by),
                (EventKind.RESOLVED, row.resolved_at, row.resolved_by),
            ):
                assert at is not None
                events.append(EscalationEvent(escalation=row, kind=kind, at=at, by=by, rung=1))
        self.save(EscalationEvent, events)

    def safeguarding(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.escalation import timers
        from seamline.escalation.choices import ConcernState, Theme
        from seamline.escalation.models import SafeguardingConcern, TriageDecision, TriageMeeting
        from seamline.escalation.safeguarding.actions import lead_of

        leads = {p.pk: lead_of(p) for p in self.pathways}
        rows: list[SafeguardingConcern] = []
        for case in self.month_cases:
            if self.rng.random() > 0.2 or case.discharged - case.received < timedelta(days=3):
                continue
            day = self.between(case.received, case.discharged - timedelta(days=2))
            occurred = self.daytime(day.astimezone(self.tz).date(), 8, 16)
            org = case.owner_at(occurred)
            if not self.free("safeguarding", org, occurred):
                continue
            lead_org, lead_role = leads[case.referral.pathway_id]
            notify_by = timers.same_day_deadline(occurred, self.tz)
            written = timedelta(minutes=self.rng.uniform(10, 180))
            if not self.hit(org, "document", k):
                written = timedelta(hours=self.rng.uniform(26, 50))
            recorded = occurred + written
            if self.hit(org, "safeguard", k) and recorded < notify_by - timedelta(minutes=20):
                told = self.between(recorded, notify_by - timedelta(minutes=5))
            else:
                told = max(recorded, notify_by) + timedelta(hours=self.rng.uniform(1, 30))
            who = self.person(org, Role.WORKER, Role.COORDINATOR)
            rows.append(
                SafeguardingConcern(
                    participant=case.referral.participant,
                    referral=case.referral,
                    pathway=case.referral.pathway,
                    organisation=org,
                    raised_by=who,
                    raised_by_label=who.display_name if who else "",
                    contact=self.rng.choice(CONTACTS),
                    occurred_at=occurred,
                    recorded_at=recorded,
                    theme=self.rng.choice([t for t in THEMES if t in Theme.values]),
                    description="Seeded history: what was seen and said at the contact.",
                    notify_by=notify_by,
                    lead_organisation=lead_org,
                    lead_role=lead_role,
                    lead_notified_at=told,
                    triage_by=timers.triage_deadline(recorded),
                    state=ConcernState.CLOSED,
                )
            )
        if not rows:
            return
        rows.sort(key=lambda r: r.occurred_at)
        first = reserve("safeguarding", len(rows))
        for i, row in enumerate(rows):
            row.code = f"SG-{first + i:05d}"
        self.save(SafeguardingConcern, rows)
        weeks = {timers.week_start(r.recorded_at, self.tz) + timedelta(days=7): r for r in rows}
        meetings = {m.week: m for m in TriageMeeting.objects.filter(week__in=list(weeks))}
        new = []
        for week in sorted(weeks):
            if week in meetings:
                continue
            lead = weeks[week].lead_organisation
            chair = self.person(lead, Role.QUALITY_LEAD, Role.SUPERVISOR)
            if chair is None:
                continue
            meeting = TriageMeeting(
                week=week,
                held_at=datetime.combine(week, time(14, 0), self.tz),
                chair=chair,
                notes="Weekly safeguarding triage (seeded history).",
                created_at=datetime.combine(week, time(14, 0), self.tz),
                created_by=chair,
            )
            new.append(meeting)
            meetings[week] = meeting
        self.save(TriageMeeting, new)
        decisions = []
        for row in rows:
            found = meetings.get(timers.week_start(row.recorded_at, self.tz) + timedelta(days=7))
            if found is None:
                continue
            meeting = found
            outcome = self.rng.choice(CONCERN_OUTCOMES)
            la = outcome in ("enquiry", "la_advice")
            police = outcome == "police"
            held = max(meeting.held_at, row.lead_notified_at or meeting.held_at)
            decisions.append(
                TriageDecision(
                    concern=row,
                    meeting=meeting,
                    decided_at=held,
                    decided_by=meeting.chair,
                    la_needed=la,
                    police_needed=police,
                    notifier_organisation=row.lead_organisation if la or police else None,
                    notifier_role=row.lead_role if la or police else "",
                    notify_due=held + timedelta(hours=24) if la or police else None,
                    notified_at=held + timedelta(hours=self.rng.uniform(1, 20))
                    if la or police
                    else None,
                    outcome=outcome,
                    closed_at=max(held, self.cap(held + timedelta(days=self.rng.uniform(1, 12)))),
                    notes="Seeded history.",
                )
            )
        self.save(TriageDecision, decisions)

    # -- the 24-hour documentation standard ------------------------------------------------------

    def records(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.coordination.models import Record

        rows = []
        kinds = list(RECORD_TEXT)
        for case in self.month_cases:
            for _ in range(self.rng.randint(1, 3)):
                occurred = self.between(case.received, case.discharged)
                org = case.owner_at(occurred)
                if self.hit(org, "document", k):
                    written = timedelta(minutes=self.rng.uniform(5, 600))
                else:
                    written = timedelta(hours=self.rng.uniform(25, 60))
                kind = self.rng.choice(kinds)
                rows.append(
                    Record(
                        participant=case.referral.participant,
                        organisation=org,
                        author=self.person(org, Role.WORKER, Role.COORDINATOR),
                        kind=kind,
                        occurred_at=occurred,
                        recorded_at=occurred + written,
                        text=RECORD_TEXT[kind],
                    )
                )
        self.save(Record, rows)

    # -- huddles ---------------------------------------------------------------------------------

    def huddles(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.coordination.choices import MEETING_DAYS, ActionSource
        from seamline.coordination.models import Action, Attendance, Cohort, Decision, Huddle

        cohorts = list(Cohort.objects.select_related("organisation").order_by("code"))
        if not cohorts:
            return
        held = set(Huddle.objects.values_list("cohort_id", "held_on"))
        huddles: list[Huddle] = []
        day = start.astimezone(self.tz).date()
        last = (end - timedelta(days=3)).astimezone(self.tz).date()
        while day <= last:
            for cohort in cohorts:
                if day.weekday() not in MEETING_DAYS[cohort.cadence]:
                    continue
                if (cohort.pk, day) in held:
                    continue
                chair = self.person(cohort.organisation, Role.COORDINATOR, Role.SUPERVISOR)
                if chair is None:
                    continue
                huddles.append(
                    Huddle(
                        cohort=cohort,
                        held_on=day,
                        chair=chair,
                        organisation=cohort.organisation,
                        started_at=datetime.combine(day, time(9, 30), self.tz),
                    )
                )
            day += timedelta(days=1)
        self.save(Huddle, huddles)
        attendance: list[Attendance] = []
        actions: list[Action] = []
        decisions: list[Decision] = []
        for huddle in huddles:
            attendance.append(
                Attendance(
                    huddle=huddle,
                    person=huddle.chair,
                    organisation=huddle.organisation,
                    recorded_at=huddle.started_at,
                )
            )
            at = huddle.started_at
            open_then = [c for c in self.cases if c.received < at < c.discharged]
            for case in self.rng.sample(open_then, k=min(len(open_then), self.rng.randint(4, 8))):
                org = case.owner_at(at)
                due = at + timedelta(hours=self.rng.choice((24, 48, 72)))
                if self.hit(org, "huddle", k):
                    done = due - timedelta(hours=self.rng.uniform(1, 20))
                else:
                    done = due + timedelta(hours=self.rng.uniform(2, 48))
                action = Action(
                    participant=case.referral.participant,
                    description="Huddle decision: review the plan with the family.",
                    owner_organisation=org,
                    owner_role=Role.COORDINATOR,
                    due_at=due,
                    source=ActionSource.HUDDLE,
                    source_ref=huddle.ref,
                    created_at=at,
                    created_by=huddle.chair,
                    completed_at=self.cap(done),
                    completed_by=self.person(org, Role.COORDINATOR),
                )
                actions.append(action)
                decisions.append(
                    Decision(
                        huddle=huddle,
                        participant=case.referral.participant,
                        action=action,
                        recorded_at=at,
                        recorded_by=huddle.chair,
                    )
                )
        self.save(Attendance, attendance)
        self.save(Action, actions)
        for d in decisions:
            d.action_id = d.action.pk
        self.save(Decision, decisions)

    # -- the rota gate ---------------------------------------------------------------------------

    def overrides(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.rota.models import Assignment, Override, Visit

        workers = self._workers()
        agency = [
            w for org, ws in workers.items() for w in ws if org.kind == OrgKind.STAFFING_AGENCY
        ]
        visits: list[Visit] = []
        grants: list[tuple[Visit, Any, User, str]] = []
        for org in self.partners:
            own = workers.get(org, [])
            cases = [c for c in self.month_cases if c.partner == org]
            granter = self.person(org, Role.SUPERVISOR, Role.SCHEDULER)
            if not cases or not (own or agency) or granter is None:
                continue
            n = round(self.rng.uniform(3, 9) * (1.6 - self.p(org, "rota", k)))
            for _ in range(n):
                case = self.rng.choice(cases)
                starts = self.daytime(
                    self.between(case.received, case.discharged).astimezone(self.tz).date()
                )
                if starts >= self.latest or not self.free("visit", org, starts):
                    continue
                worker = self.rng.choice(
                    agency if agency and self.rng.random() < 0.4 else own or agency
                )
                if not self.free("delegated_task", worker.organisation, starts):
                    continue
                iso = starts.isocalendar()
                visit = Visit(
                    code=f"{iso.year}-W{iso.week:02d}",
                    organisation=org,
                    participant=case.referral.participant,
                    pathway=case.referral.pathway,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=self.rng.choice((30, 45, 60))),
                    created_at=starts - timedelta(days=3),
                    updated_at=starts - timedelta(days=3),
                )
                visits.append(visit)
                grants.append((visit, worker, granter, self.rng.choice(GATE_RULES)))
        by_week: dict[str, list[Visit]] = defaultdict(list)
        for visit in visits:
            by_week[visit.code].append(visit)
        for week, found in by_week.items():
            first = reserve(f"visit-{week}", len(found))
            for number, visit in enumerate(found, start=first):
                visit.code = f"V-{week}-{number:06d}"
                visit.ref = f"HIST-{visit.code}"
        self.save(Visit, visits)
        self.save(
            Assignment,
            [
                Assignment(visit=v, worker=w, assigned_at=v.created_at, assigned_by=g)
                for v, w, g, _ in grants
            ],
        )
        self.save(
            Override,
            [
                Override(
                    visit=v,
                    worker=w,
                    rule=rule,
                    blocked_because=f"{rule}: the gate blocked this assignment.",
                    reason="No other cleared worker free; the supervisor checked in by phone.",
                    expires_at=v.ends_at + timedelta(hours=1),
                    granted_at=v.starts_at - timedelta(hours=self.rng.uniform(1, 40)),
                    granted_by=g,
                )
                for v, w, g, rule in grants
            ],
        )

    def _workers(self) -> dict[Organisation, list[Any]]:
        from seamline.workforce.models import Worker

        if not hasattr(self, "_worker_map"):
            found: dict[Organisation, list[Any]] = defaultdict(list)
            for w in Worker.objects.filter(left_on__isnull=True).order_by("pk"):
                org = self.orgs.get(w.organisation_id)
                if org is not None:
                    w.organisation = org
                    found[org].append(w)
            self._worker_map = found
        return self._worker_map

    # -- reconciliation --------------------------------------------------------------------------

    def reconciliation(self, k: int, start: datetime, end: datetime) -> None:
        from seamline.cases.reconciliation.models import Finding, Run

        last = self.first_runs
        uploaders = [o for o in self.partners if o.pk in last] or self.partners
        runs: list[Run] = []
        findings: list[Finding] = []
        for org in uploaders:
            uploaded = self.between(end - timedelta(days=6), end)
            if org.pk in last and uploaded >= last[org.pk]:
                continue
            cases = [c for c in self.month_cases if c.partner == org]
            if not cases:
                continue
            rows = self.rng.randint(90, 180)
            rate = min(0.995, self.p(org, "reconcile", k) + self.rng.uniform(-0.02, 0.04))
            matched = round(rows * rate)
            found = {
                "duplicated": self.rng.randint(0, 3) + (3 if rate < 0.85 else 0),
                "without_owner": self.rng.randint(0, 2) + (2 if rate < 0.85 else 0),
                "long_wait": self.rng.randint(0, 4) + (4 if self.p(org, "contact", k) < 0.8 else 0),
            }
            run = Run(
                organisation=org,
                uploaded_at=uploaded,
                uploaded_by=self.person(org, Role.PARTNER_ADMIN, Role.COORDINATOR),
                file_name=f"caseload-{uploaded:%Y-%m}.csv",
                file_digest=hashlib.sha256(f"{org.code}:{uploaded}".encode()).hexdigest(),
                rows=rows,
                matched=matched,
                rate=round(matched / rows, 4),
                counts={"matched": matched, "unknown": rows - matched, **found},
                linkage={"history": True},
            )
            runs.append(run)
            for category, n in found.items():
                for case in self.rng.sample(cases, k=min(n, len(cases))):
                    findings.append(
                        Finding(
                            run=run,
                            category=category,
                            participant=case.referral.participant,
                            referral=case.referral,
                            detail=f"{case.referral.code}: found at the month's reconciliation.",
                        )
                    )
        self.save(Run, runs)
        for f in findings:
            f.run_id = f.run.pk
        self.save(Finding, findings)

    def _first_runs(self) -> dict[int, datetime]:
        """Each uploading partner's first reconciliation run: history stays before it."""
        from seamline.cases.reconciliation.models import Run

        return dict(
            Run.objects.values("organisation_id")
            .annotate(first=Min("uploaded_at"))
            .values_list("organisation_id", "first")
        )

    # -- quality audits and corrective actions -------------------------------------------------

    def audits(self, months: Sequence[date]) -> None:
        """Each month, a handoff audit of each partner that sent handoffs: drawn as the app
        draws it (the same candidates, seed and stratified sample, so it re-draws the same),
        scored after the month by the prime's quality lead; each record below the pass mark raises
        a corrective action, completed with evidence weeks (now and then months) later."""
        if not apps.is_installed("seamline.quality"):
            return
        from django.utils.text import slugify

        from seamline.quality import rules, sampling
        from seamline.quality.choices import ActionStatus, SourceKind
        from seamline.quality.models import (
            ActionEvidence,
            Audit,
            AuditItem,
            CorrectiveAction,
            ScoringTemplate,
        )

        template = ScoringTemplate.objects.filter(record_kind="handoff").order_by("pk").first()
        version = template.versions.order_by("-number").first() if template else None
        if template is None or version is None:
            return
        criteria = rules.criteria_of(version.criteria)
        taken = set(Audit.objects.values_list("code", flat=True))
        keeper = self.person(self.prime, Role.QUALITY_LEAD) if self.prime else None
        audits: list[tuple[Audit, list[AuditItem], int]] = []
        for k, period in enumerate(months):
            end = add_months(period, 1) - timedelta(days=1)
            first, last = (datetime.combine(d, time(12), self.tz) for d in (period, end))
            for org in self.partners:
                if not (self.free("handoff", org, first) and self.free("handoff", org, last)):
                    continue
                found = sampling.candidates("handoff", org, period, end)
                pairs = [(c.key, c.stratum) for c in found]
                code = slugify(f"{template.code}-{org.code}-{period:%Y-%m}")[:72]
                drawn = datetime.combine(end + timedelta(days=1), time(9), self.tz)
                if len(pairs) < 3 or code in taken or drawn >= self.latest:
                    continue
                taken.add(code)
                seed = self.rng.randrange(1, 10**6)
                chosen = rules.draw_sample(seed, pairs, 6)
                audit = Audit(
                    code=code,
                    template_version=version,
                    record_kind="handoff",
                    partner=org,
                    period_start=period,
                    period_end=end,
                    size=6,
                    seed=seed,
                    candidates=len(set(pairs)),
                    candidates_digest=rules.digest(pairs),
                    drawn_at=drawn,
                    drawn_by=keeper,
                )
                by_key = {c.key: c for c in found}
                items = []
                for position, (key, stratum) in enumerate(chosen, start=1):
                    answers = {c.code: self._answer(org, k) for c in criteria}
                    items.append(
                        AuditItem(
                            audit=audit,
                            position=position,
                            stratum=stratum,
                            record_ref=key,
                            answers=answers,
                            score=rules.score(criteria, answers),
                            scored_at=drawn + timedelta(days=self.rng.randint(1, 6)),
                            scored_by=keeper,
                            **by_key[key].refs,
                        )
                    )
                audits.append((audit, items, k))
        self.save(Audit, [a for a, _, _ in audits])
        items = [item for _, found_items, _ in audits for item in found_items]
        for item in items:
            item.audit_id = item.audit.pk
        self.save(AuditItem, items)
        corrective: list[CorrectiveAction] = []
        for audit, found_items, _ in audits:
            owner = self.person(audit.partner, Role.SUPERVISOR, Role.PARTNER_ADMIN)
            failing = [
                i
                for i in found_items
                if i.score is not None and i.score < version.pass_mark and i.scored_at
            ]
            for item in failing if owner is not None else []:
                assert item.scored_at is not None and owner is not None
                raised = item.scored_at + timedelta(hours=self.rng.uniform(1, 30))
                started = raised + timedelta(days=self.rng.uniform(1, 6))
                # Most are done in the four weeks they are given, or soon after; some take
                # months.
                slow = self.rng.random() < 0.4
                weeks = self.rng.uniform(7, 12) if slow else self.rng.uniform(2, 5)
                done = self.cap(raised + timedelta(weeks=weeks))
                corrective.append(
                    CorrectiveAction(
                        title=f"Bundle of {item.record_ref}: fill the risk and medication sections",
                        description="The handoff audit found the bundle sent without them.",
                        source_kind=SourceKind.AUDIT,
                        source_ref=audit.code,
                        organisation=audit.partner,
                        owner_person=owner,
                        due_on=(raised + timedelta(days=28)).astimezone(self.tz).date(),
                        status=ActionStatus.COMPLETED,
                        created_at=min(raised, done),
                        created_by=keeper,
                        started_at=min(started, done),
                        completed_at=done,
                    )
                )
        self.save(CorrectiveAction, corrective)
        self.save(
            ActionEvidence,
            [
                ActionEvidence(
                    action=a,
                    stage=ActionStatus.COMPLETED,
                    text="Re-audit of ten bundles: all complete.",
                    recorded_at=a.completed_at or a.created_at,
                    recorded_by=a.owner_person,
                )
                for a in corrective
            ],
        )

    def _answer(self, org: Organisation, k: int) -> str:
        roll = self.rng.random()
        p_yes = self.p(org, "bundle", k)
        if roll < 0.05:
            return "not_applicable"
        if roll < p_yes:
            return "yes"
        return "partial" if roll < p_yes + (1 - p_yes) / 2 else "no"

    # -- incidents -------------------------------------------------------------------------------

    def incidents(self, months: Sequence[date]) -> None:
        """A few incidents a month at each partner, more where it is weaker that month, each
        reported within two days by someone there."""
        if not apps.is_installed("seamline.quality"):
            return
        from seamline.quality.models import Incident

        themes = [t for t, _ in INCIDENT_THEMES]
        weights = [w for _, w in INCIDENT_THEMES]
        rows: list[Incident] = []
        for k, period in enumerate(months):
            window = month_window(period, self.tz)
            for org in self.partners:
                cases = [
                    c
                    for c in self.cases
                    if c.partner == org and window.start <= c.received < window.end
                ]
                if not cases:
                    continue
                n = round(self.rng.uniform(1, 4) + 14 * (1 - self.p(org, "incident", k)))
                for _ in range(n):
                    case = self.rng.choice(cases)
                    occurred = self.between(case.received, case.discharged)
                    rows.append(
                        Incident(
                            participant=case.referral.participant,
                            organisation=org,
                            theme=self.rng.choices(themes, weights=weights)[0],
                            severity=self.rng.choices(
                                ("no_harm", "low", "moderate", "severe"), weights=(6, 4, 2, 0.3)
                            )[0],
                            occurred_at=occurred,
                            reported_at=self.cap(
                                occurred + timedelta(hours=self.rng.uniform(0.5, 48))
                            ),
                            description=INCIDENT_TEXT,
                            reported_by=self.person(org, Role.SUPERVISOR, Role.COORDINATOR),
                            reporter_organisation=org,
                            created_at=self.cap(
                                occurred + timedelta(hours=self.rng.uniform(49, 60))
                            ),
                        )
                    )
        rows.sort(key=lambda r: r.occurred_at)
        first = reserve("incident", len(rows)) if rows else 0
        for i, row in enumerate(rows):
            row.code = f"INC-{first + i:05d}"
        self.save(Incident, rows)

    # -- workforce -------------------------------------------------------------------------------

    def workforce(self, months: Sequence[date]) -> None:
        """Monthly supervision before each supervised worker's first session, and a few
        pauses, each lifted after its remedial supervision and a new observed practice."""
        from seamline.competency.models import TaskType
        from seamline.workforce.models import DelegationPause, Evidence, SupervisionSession

        first = {
            row["worker_id"]: row
            for row in SupervisionSession.objects.values("worker_id").annotate(
                first=Min("planned_for"), supervisor=Min("supervisor_id")
            )
        }
        workers = [w for ws in self._workers().values() for w in ws if w.pk in first]
        latest = self.latest.astimezone(self.tz).date()
        sessions: list[SupervisionSession] = []
        for k, period in enumerate(months):
            for worker in workers:
                planned = period + timedelta(days=self.rng.randint(2, 24))
                if planned < worker.start_date or planned >= first[worker.pk]["first"]:
                    continue
                if self.hit(worker.organisation, "supervise", k):
                    held = planned - timedelta(days=self.rng.randint(0, 2))
                else:
                    held = planned + timedelta(days=self.rng.randint(1, 15))
                held = min(held, first[worker.pk]["first"] - timedelta(days=1), latest)
                if held < worker.start_date:
                    continue
                sessions.append(
                    SupervisionSession(
                        worker=worker,
                        supervisor_id=first[worker.pk]["supervisor"],
                        planned_for=planned,
                        held_on=held,
                        notes="Routine supervision (seeded history).",
                    )
                )
        self.save(
            SupervisionSession,
            [s for s in sessions if s.supervisor_id != s.worker_id],
        )
        tasks = list(TaskType.objects.filter(delegated=True).order_by("code"))
        quiet = [w for w in workers if w.pk not in self.busy]
        if not tasks or not quiet:
            return
        days = self.network.remedial_supervision_days
        pauses: list[DelegationPause] = []
        remedial: list[SupervisionSession] = []
        observed: list[Evidence] = []
        for k, period in enumerate(months):
            for _ in range(self.rng.randint(3, 8)):
                worker = self.rng.choice(quiet)
                began = self.daytime(period + timedelta(days=self.rng.randint(0, 20)))
                due = began.astimezone(self.tz).date() + timedelta(days=days)
                if self.hit(worker.organisation, "remedial", k):
                    held = due - timedelta(days=self.rng.randint(0, days - 1))
                else:
                    held = due + timedelta(days=self.rng.randint(1, 10))
                seen = held + timedelta(days=self.rng.randint(1, 5))
                lifted = self.daytime(seen + timedelta(days=1))
                if began.date() < worker.start_date or seen >= first[worker.pk]["first"]:
                    continue
                if lifted >= self.latest or first[worker.pk]["supervisor"] == worker.pk:
                    continue
                if any(
                    p.worker_id == worker.pk and p.lifted_at and p.lifted_at > began for p in pauses
                ):
                    continue
                session = SupervisionSession(
                    worker=worker,
                    supervisor_id=first[worker.pk]["supervisor"],
                    kind="remedial",
                    planned_for=due,
                    held_on=held,
                    notes="Remedial supervision after a spot-check (seeded history).",
                )
                evidence = Evidence(
                    worker=worker,
                    kind="observed_practice",
                    occurred_on=seen,
                    detail={"history": True},
                    recorded_at=datetime.combine(seen, time(17), self.tz),
                )
                remedial.append(session)
                observed.append(evidence)
                pauses.append(
                    DelegationPause(
                        worker=worker,
                        task_type=self.rng.choice(tasks),
                        started_at=began,
                        reason="Spot-check of the records fell below the threshold.",
                        remedial_due=due,
                        remedial_session=session,
                        observed_practice=evidence,
                        lifted_at=lifted,
                        lifted_by=self.person(worker.organisation, Role.SUPERVISOR),
                    )
                )
        self.save(SupervisionSession, remedial)
        self.save(Evidence, observed)
        for pause in pauses:
            assert pause.remedial_session is not None and pause.observed_practice is not None
            pause.remedial_session_id = pause.remedial_session.pk
            pause.observed_practice_id = pause.observed_practice.pk
        self.save(DelegationPause, pauses)

    def _busy_workers(self) -> set[int]:
        """Workers the rota step sent on visits: no pause is written for them."""
        from seamline.rota.models import Assignment

        return set(Assignment.objects.values_list("worker_id", flat=True))


@demo_step("history", order=190, units=MONTHS)
def build(ctx: DemoContext) -> None:
    """Eleven months of seeded history in the tables the packs read."""
    History(ctx).build()
