"""The demo rota: last week as it was worked and this week as it is planned, for every partner
that delivers visits, with the duty shifts the cover report reads, and a few things planted for
the gate and the report to catch.

What it makes, around the demo's fixed `ctx.now`:

* visits to everyone with an open episode on each day (received before the day, not yet
  discharged): on the discharge pathway a morning, lunch and tea-time visit a day and, for
  some, a lone visit in the evening that ends after the late threshold; a daily crisis visit;
  two or three therapy visits a week. Riverside borrows some of the agency's carers;
* each visit's worker chosen through the gate itself (`rota.loading`): the least busy worker
  of the organisation whom nothing blocks. The demo workforce holds most competencies at
  supervised, so G6 (a supervised worker needs an independent co-worker) leaves many visits
  without a worker: the scheduler's page shows why for each candidate;
* planted in this week, each blocked by one rule where the workforce has such a worker (by
  one among others otherwise): a few assignments the gate refuses (G2, G4, G5, G6, G7, G8,
  G9, G10), and one of them, on a visit still to come, let through by an override granted by
  a supervisor of the worker's organisation;
* duty shifts: each day a duty lead on each pathway (a worker of the prime or Riverside whom
  the register clears for `duty_lead` there; on a pathway where nobody is validated for it
  yet, a lead of another pathway, whom the report shows not cleared) and late cover on the
  discharge and crisis pathways (cleared for `late_lone_cover`); this week one day without a
  duty lead, one with a duty lead who is not cleared, and one late peak without late cover;
  a few people home from hospital last weekend with no visit.

Each partner's rota goes in as one rota file per partner, loaded by its scheduler through
`rota.imports.run` (the path a partner's scheduling system uses: one audited `rota.import`
each), not one action per visit. `ctx.objects` gains `rota_story`: what was planted, by rule.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from seamline.access import Actor, actor_for
from seamline.cases.models import DeclinedWorker, Participant, Referral
from seamline.competency.framework import framework_at
from seamline.demo.registry import DemoContext, demo_step
from seamline.network.choices import Role
from seamline.network.models import User
from seamline.workforce.authorization import judge
from seamline.workforce.choices import WorkerStatus
from seamline.workforce.models import Worker
from seamline.workforce.register import load_facts

from . import actions, cover, imports, loading, rules
from .gate import Gate, VisitFacts
from .imports import COLUMNS, SHIFT, VISIT
from .models import Visit

PRIME = "northbridge"
# Who delivers visits: the organisations whose episodes get a rota, and whose workers they
# borrow (the agency's carers cover some of Riverside's visits).
DELIVERERS = (PRIME, "riverside", "hearth")
BORROWS = {"riverside": ("swiftstaff", 0.15)}
# The visits of a day on each pathway: (earliest local start, minutes after it the start may
# fall, length in minutes, task types, lone).
DAY_PLAN: dict[str, tuple[tuple[time, int, int, tuple[str, ...], bool], ...]] = {
    "discharge": (
        (time(7, 30), 180, 45, ("personal_care", "medication_prompt"), False),
        (time(11, 30), 120, 30, ("medication_prompt", "welfare_check"), False),
        (time(16, 0), 120, 30, ("medication_prompt", "welfare_check"), False),
    ),
    "crisis": ((time(9, 0), 360, 60, ("crisis_visit",), False),),
    "therapy": ((time(10, 0), 300, 45, ("welfare_check", "observations"), False),),
}
# The prime's own discharge visits are medication prompts and welfare checks (Riverside gives
# the personal care).
PRIME_DISCHARGE = (
    (time(7, 30), 180, 30, ("medication_prompt", "welfare_check"), False),
    (time(11, 30), 120, 30, ("medication_prompt", "welfare_check"), False),
    (time(16, 0), 120, 30, ("medication_prompt", "welfare_check"), False),
)
# Some lunchtime visits help with a meal, which most carers give paired.
MEAL = (time(12, 0), 90, 45, ("meal_support",), False)
MEAL_SHARE = 0.1
HEARTH_PLAN = (
    (time(10, 0), 120, 60, ("companionship",), False),
    (time(13, 30), 90, 60, ("shopping_support",), False),
)
# A lone evening visit that ends after 20:00: late.
EVENING = (time(19, 30), 45, 30, ("welfare_check",), True)
EVENING_SHARE = 0.06
THERAPY_DAYS = (0, 2, 4)  # Monday, Wednesday, Friday
TRIES = 200
# Rules whose block on a fresh visit (no co-worker yet) depends only on the worker, the day and
# the kind of visit (pathway, task types, lone, late); G7, G8 and G9 depend on the rest.
STATIC = frozenset({"G1", "G2", "G3", "G4", "G5", "G6", "G10"})
# What this week's rota has planted, by rule (how many of each, when the workforce allows).
PLANT = {"G2": 3, "G4": 2, "G5": 2, "G6": 2, "G7": 1, "G8": 2, "G9": 1, "G10": 2}
DUTY_HOURS = (time(8, 0), time(20, 0))
LATE_HOURS = (time(14, 0), time(22, 0))
LATE_PATHWAYS = ("discharge", "crisis")
UNITS = 6


@dataclass
class PlannedVisit:
    organisation: str
    ref: str
    participant: Participant
    pathway: str
    tasks: tuple[str, ...]
    start: datetime
    end: datetime
    lone: bool
    facts: VisitFacts | None = None
    workers: list[int] = field(default_factory=list)


@dataclass
class PlannedShift:
    organisation: str
    ref: str
    worker: Worker
    pathway: str
    duty: str
    start: datetime
    end: datetime


def _roles(user: User) -> set[str]:
    membership = user.current_membership()
    return set(membership.active_roles()) if membership is not None else set()


def _when(value: datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


class Builder:
    def __init__(self, ctx: DemoContext, *, weeks: int = 2) -> None:
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.zone = timezone.get_current_timezone()
        today = timezone.localdate(ctx.now)
        self.this_monday = today - timedelta(days=today.weekday())
        self.first = self.this_monday - timedelta(weeks=weeks - 1)
        self.days = [self.first + timedelta(days=n) for n in range(7 * weeks)]
        self.this_week = rules.week_of(self.this_monday)
        self.people: dict[str, list[User]] = ctx.objects["people"]
        self.visits: list[PlannedVisit] = []
        self.shifts: list[PlannedShift] = []
        self.story: dict[str, Any] = {"planted": defaultdict(list)}
        self.workers = {
            w.pk: w
            for w in Worker.objects.filter(status=WorkerStatus.ACTIVE).select_related(
                "organisation"
            )
        }
        self.by_org: dict[str, list[int]] = defaultdict(list)
        for pk, w in sorted(self.workers.items()):
            self.by_org[w.organisation.code].append(pk)

    def at(self, day: date, when: time) -> datetime:
        return datetime.combine(day, when, tzinfo=self.zone)

    # -- who is visited ------------------------------------------------------------------------

    def episodes(self) -> list[tuple[Participant, str, str, datetime, datetime | None]]:
        """Open episodes during the days: (participant, pathway, receiving org, received,
        discharged)."""
        start, end = self.at(self.days[0], time()), self.at(self.days[-1] + timedelta(1), time())
        rows = (
            Referral.objects.filter(
                receiving_organisation__code__in=DELIVERERS,
                received_at__lt=end,
            )
            .exclude(discharged_at__lt=start)
            .select_related("participant", "pathway", "receiving_organisation")
            .order_by("received_at", "id")
        )
        return [
            (
                r.participant,
                r.pathway.code,
                r.receiving_organisation.code,
                r.received_at,
                r.discharged_at,
            )
            for r in rows
        ]

    def plan_visits(self) -> None:
        episodes = self.episodes()
        visible: dict[str, set[int]] = {}
        for org in DELIVERERS:
            loader = self.loader(org)
            if loader is None:
                continue
            visible[org] = set(Participant.objects.visible_to(loader).values_list("pk", flat=True))
        numbers: dict[str, int] = defaultdict(int)
        # A few people home from hospital last weekend get no weekend visit (the cover report
        # shows them).
        home_last_weekend = [
            p
            for p, pathway, org, received, _ in episodes
            if pathway == "discharge"
            and self.first + timedelta(days=3) <= timezone.localdate(received) < self.this_monday
        ]
        skipped = {p.pk for p in home_last_weekend[:3]}
        self.story["stability_missed"] = [p.code for p in home_last_weekend[:3]]
        seen: set[tuple[int, str]] = set()
        for participant, pathway, org, received, discharged in episodes:
            if participant.pk not in visible.get(org, set()) or (participant.pk, pathway) in seen:
                continue
            seen.add((participant.pk, pathway))
            plan: tuple[tuple[time, int, int, tuple[str, ...], bool], ...] = DAY_PLAN.get(
                pathway, ()
            )
            if org == "hearth":
                plan = HEARTH_PLAN
            elif org == PRIME and pathway == "discharge":
                plan = PRIME_DISCHARGE
            meal = pathway == "discharge" and org != "hearth" and self.rng.random() < MEAL_SHARE
            evening = (
                pathway == "discharge" and org != "hearth" and self.rng.random() < EVENING_SHARE
            )
            for day in self.days:
                day_start = self.at(day, time())
                if received >= day_start or (discharged is not None and discharged <= day_start):
                    continue
                if pathway == "therapy" and day.weekday() not in THERAPY_DAYS:
                    continue
                if participant.pk in skipped and day.weekday() >= 5 and day < self.this_monday:
                    continue
                slots = [*plan, *([MEAL] if meal else []), *([EVENING] if evening else [])]
                for when, spread, minutes, tasks, lone in slots:
                    numbers[org] += 1
                    offset = 5 * self.rng.randrange(spread // 5 + 1)
                    start = self.at(day, when) + timedelta(minutes=offset)
                    self.visits.append(
                        PlannedVisit(
                            organisation=org,
                            ref=f"DEMO-{org[:3].upper()}-{numbers[org]:05d}",
                            participant=participant,
                            pathway=pathway,
                            tasks=tasks,
                            start=start,
                            end=start + timedelta(minutes=minutes),
                            lone=lone,
                        )
                    )

    def loader(self, org: str) -> Actor | None:
        """The organisation's scheduler (or partner admin), who loads its rota."""
        for role in (Role.SCHEDULER, Role.PARTNER_ADMIN):
            for user in self.people.get(org, []):
                if role in _roles(user):
                    return actor_for(user)
        return None

    # -- duty shifts ---------------------------------------------------------------------------

    def plan_duties(self) -> set[int]:
        """Duty leads and late cover from the prime's and Riverside's staff, each cleared by
        the register (as of the week's first morning), besides the
        gaps planted this week. Answers the workers on duty (they get no visits: a worker
        with shifts must have every visit inside one, G8)."""
        at = self.at(self.days[0], DUTY_HOURS[0])
        framework = framework_at(at)
        ids = [pk for org in (PRIME, "riverside") for pk in self.by_org[org]]
        facts = load_facts(Worker.objects.filter(pk__in=ids).order_by("pk"), at, framework)
        by_key = {str(self.workers[pk].uuid): pk for pk in ids}
        cleared: dict[tuple[str, str], list[int]] = defaultdict(list)
        not_cleared: dict[str, list[int]] = defaultdict(list)
        for worker in facts:
            pk = by_key[worker.key]
            for task_code in (cover.DUTY_LEAD_TASK, cover.LATE_COVER_TASK):
                task = framework.task(task_code)
                for pathway in DAY_PLAN:
                    _, ok, _, _, _ = judge(worker, (task,), framework.competencies, at, pathway)[0]
                    if ok:
                        cleared[(task_code, pathway)].append(pk)
                    elif task_code == cover.DUTY_LEAD_TASK and pathway == "crisis":
                        not_cleared[pathway].append(pk)
        on_duty: set[int] = set()
        wednesday = self.this_monday + timedelta(days=2)
        thursday = self.this_monday + timedelta(days=3)
        friday = self.this_monday + timedelta(days=4)
        number = 0
        for pathway in DAY_PLAN:
            leads = cleared[(cover.DUTY_LEAD_TASK, pathway)]
            if not leads:
                # Nobody is validated for duty lead on this pathway yet: the discharge
                # pathway's leads are named, and the report says why they are not cleared.
                leads = cleared[(cover.DUTY_LEAD_TASK, "discharge")]
                self.story.setdefault("leads_not_validated", []).append(pathway)
            late = cleared[(cover.LATE_COVER_TASK, pathway)]
            for index, day in enumerate(self.days):
                duties: list[tuple[str, int | None, tuple[time, time]]] = []
                lead = leads[index % len(leads)] if leads else None
                if day == wednesday and pathway == "discharge":
                    lead = None
                    self.story["no_duty_lead"] = (day.isoformat(), pathway)
                if day == thursday and pathway == "crisis" and not_cleared[pathway]:
                    lead = not_cleared[pathway][0]
                    self.story["duty_lead_not_cleared"] = (
                        day.isoformat(),
                        pathway,
                        self.workers[lead].staff_id,
                    )
                duties.append((cover.DUTY_LEAD_TASK, lead, DUTY_HOURS))
                if pathway in LATE_PATHWAYS:
                    cover_by = late[(index * 3 + 1) % len(late)] if late else None
                    if day == friday and pathway == "discharge":
                        cover_by = None
                        self.story["no_late_cover"] = (day.isoformat(), pathway)
                    duties.append((cover.LATE_COVER_TASK, cover_by, LATE_HOURS))
                for duty, who, (begins, ends) in duties:
                    if who is None:
                        continue
                    person = self.workers[who]
                    number += 1
                    on_duty.add(who)
                    self.shifts.append(
                        PlannedShift(
                            organisation=person.organisation.code,
                            ref=f"DEMO-DUTY-{number:04d}",
                            worker=person,
                            pathway=pathway,
                            duty=duty,
                            start=self.at(day, begins),
                            end=self.at(day, ends),
                        )
                    )
        return on_duty

    # -- assigning through the gate ----------------------------------------------------------

    def assign(self, on_duty: set[int]) -> Gate:
        """Each visit's worker: the least busy of the organisation (and what it borrows) whom
        the gate does not block; then this week's planted blocks."""
        for v in self.visits:
            v.facts = VisitFacts(
                key=f"{v.organisation}/{v.ref}",
                organisation=v.organisation,
                participant=v.participant.pk,
                pathway=v.pathway,
                tasks=tuple(sorted(v.tasks)),
                start=v.start,
                end=v.end,
                lone=v.lone,
            )
        pools: dict[str, list[int]] = {}
        for org in DELIVERERS:
            pools[org] = [pk for pk in self.by_org[org] if pk not in on_duty]
        borrowed = {
            org: [pk for pk in self.by_org[src] if pk not in on_duty]
            for org, (src, _) in BORROWS.items()
        }
        candidates = {pk for pool in (*pools.values(), *borrowed.values()) for pk in pool}
        facts = [v.facts for v in self.visits if v.facts is not None]
        gate = loading.load(facts, candidates)
        load: dict[int, int] = defaultdict(int)
        # Who is blocked, on a day, from a kind of visit by what does not depend on the rest
        # of the rota (asked once, not again for every visit of that kind).
        blocked: set[tuple[int, Any]] = set()
        for v in sorted(self.visits, key=lambda x: x.start):
            assert v.facts is not None
            pool = pools.get(v.organisation, [])
            extra = BORROWS.get(v.organisation)
            if extra and self.rng.random() < extra[1]:
                pool = borrowed[v.organisation]
            order = sorted(pool, key=lambda pk: (load[pk], self.rng.random()))[:TRIES]
            one = v.facts
            kind = (one.framework, one.day, one.pathway, one.tasks, one.lone, one.late)
            for pk in order:
                if (pk, kind) in blocked:
                    continue
                rules_of = gate.check(pk, one).rules
                if not rules_of:
                    self._put(gate, v, pk)
                    load[pk] += 1
                    break
                if STATIC.intersection(rules_of):
                    blocked.add((pk, kind))
        self.plant(gate, pools, borrowed)
        return gate

    def _put(self, gate: Gate, v: PlannedVisit, pk: int) -> None:
        assert v.facts is not None
        v.workers.append(pk)
        v.facts.workers = (*v.facts.workers, pk)
        gate.assign(pk, v.facts)

    def _take_off(self, gate: Gate, v: PlannedVisit) -> None:
        assert v.facts is not None
        for pk in v.workers:
            gate.unassign(pk, v.facts)
        v.workers = []
        v.facts.workers = ()

    def plant(
        self, gate: Gate, pools: dict[str, list[int]], borrowed: dict[str, list[int]]
    ) -> None:
        """Put, on a few of this week's visits, a worker whom exactly one rule blocks."""
        this_week = [v for v in self.visits if v.start >= self.at(self.this_monday, time())]
        self.rng.shuffle(this_week)
        declined = self._declined({v.participant.pk for v in this_week})
        used: set[str] = set()
        for rule, count in PLANT.items():
            found = 0
            for v in this_week:
                if found >= count or not this_week:
                    break
                assert v.facts is not None
                if v.facts.key in used or not v.workers:
                    continue
                if rule == "G9":
                    # Only the workers the gate has loaded (a declined worker may be on duty,
                    # or of another organisation).
                    options = [
                        pk for pk in declined.get(v.participant.pk, []) if pk in gate.workers
                    ]
                elif rule == "G8":
                    options = self._busy_at(gate, v)
                else:
                    options = [*pools.get(v.organisation, []), *borrowed.get(v.organisation, [])]
                    options = self.rng.sample(options, min(len(options), TRIES))
                previous = list(v.workers)
                self._take_off(gate, v)
                answers = [(pk, gate.check(pk, v.facts).rules) for pk in options]
                # A worker whom this rule alone blocks, else one it blocks among others.
                chosen = next((pk for pk, r in answers if r == [rule]), None)
                if chosen is None:
                    chosen = next((pk for pk, r in answers if rule in r and "G1" not in r), None)
                if chosen is None:
                    for pk in previous:
                        self._put(gate, v, pk)
                    continue
                self._put(gate, v, chosen)
                used.add(v.facts.key)
                found += 1
                self.story["planted"][rule].append(
                    (v.organisation, v.ref, self.workers[chosen].staff_id)
                )

    def _declined(self, participants: set[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for participant, worker in DeclinedWorker.objects.filter(
            participant_id__in=participants, withdrawn_at__isnull=True
        ).values_list("participant_id", "worker_id"):
            if worker in self.workers:
                found[participant].append(worker)
        return found

    def _busy_at(self, gate: Gate, v: PlannedVisit) -> list[int]:
        """Workers of the organisation on another visit at the same time."""
        return [
            pk
            for other in self.visits
            if other is not v
            and other.organisation == v.organisation
            and other.start < v.end
            and v.start < other.end
            for pk in other.workers
        ][:TRIES]

    # -- the files -----------------------------------------------------------------------------

    def files(self) -> dict[str, str]:
        rows: dict[str, list[list[str]]] = defaultdict(list)
        for s in self.shifts:
            rows[s.organisation].append(
                [
                    SHIFT,
                    s.organisation,
                    s.ref,
                    "",
                    "",
                    s.pathway,
                    s.duty,
                    _when(s.start),
                    _when(s.end),
                    "",
                    s.worker.staff_id,
                    "",
                ]
            )
        for v in self.visits:
            staff = []
            for pk in v.workers:
                w = self.workers[pk]
                code = w.organisation.code
                staff.append(w.staff_id if code == v.organisation else f"{code}/{w.staff_id}")
            rows[v.organisation].append(
                [
                    VISIT,
                    v.organisation,
                    v.ref,
                    "",
                    v.participant.code,
                    v.pathway,
                    ";".join(v.tasks),
                    _when(v.start),
                    _when(v.end),
                    "yes" if v.lone else "no",
                    ";".join(staff),
                    "",
                ]
            )
        out = {}
        for org, found in rows.items():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(COLUMNS)
            writer.writerows(found)
            out[org] = buffer.getvalue()
        return out

    def load(self, files: dict[str, str]) -> None:
        self.story["loaded"] = {}
        for org, text in sorted(files.items()):
            loader = self.loader(org)
            if loader is None:
                continue
            report = imports.run(loader, text)
            if report.errors:
                raise RuntimeError(f"The demo rota of {org} did not load: {report.errors[:3]}")
            self.story["loaded"][org] = report.created

    def override(self) -> None:
        """One planted block let through by a supervisor of the worker's organisation."""
        for rule in ("G10", "G6", "G4", "G2"):
            for org, ref, staff in self.story["planted"].get(rule, []):
                visit = Visit.objects.select_related("organisation").get(
                    organisation__code=org, ref=ref
                )
                if visit.starts_at <= self.ctx.now:
                    continue
                worker = next(
                    (
                        self.workers[pk]
                        for pk in self.by_org[org] + self.by_org["swiftstaff"]
                        if self.workers[pk].staff_id == staff
                    ),
                    None,
                )
                if worker is None:
                    continue
                approver = self._supervisor(worker.organisation.code)
                if approver is None:
                    continue
                override = actions.grant_override(
                    approver,
                    visit,
                    worker,
                    rule=rule,
                    reason="No other worker could reach the participant in time; the visit goes "
                    "ahead with a phone check-in to the duty lead at the start and the end.",
                    expires_at=visit.ends_at + timedelta(hours=2),
                    now=self.ctx.now,
                )
                self.story["override"] = (visit.code, staff, rule, str(override.uuid))
                return

    def _supervisor(self, org: str) -> Actor | None:
        for role in (Role.SUPERVISOR, Role.PARTNER_ADMIN):
            for user in self.people.get(org, []):
                if role in _roles(user):
                    return actor_for(user)
        return None


def populate(ctx: DemoContext, *, weeks: int = 2) -> Builder:
    builder = Builder(ctx, weeks=weeks)
    builder.plan_visits()
    ctx.progress()
    on_duty = builder.plan_duties()
    ctx.progress()
    builder.assign(on_duty)
    ctx.progress()
    builder.load(builder.files())
    ctx.progress(2)
    builder.override()
    ctx.progress()
    story = builder.story
    story["planted"] = dict(story["planted"])
    story["visits"] = len(builder.visits)
    story["unassigned"] = sum(1 for v in builder.visits if not v.workers)
    story["week"] = builder.this_week
    ctx.objects["rota_story"] = story
    return builder


@demo_step("rota", order=70, units=UNITS)
def build(ctx: DemoContext) -> None:
    populate(ctx)
