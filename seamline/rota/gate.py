"""The rota gate: may worker W be assigned to visit V? (SPEC C4, rules G1-G10.)

Built for bulk use: a solver or a whole-rota validation asks about 100,000 assignments, so
the work is split in two.

1. **Loading** (`rota.loading.load`): everything the rules need for a set of visits and
   workers, read in a fixed number of queries whatever the number of visits: the network's
   settings, the framework versions in force during the rota weeks, the workers with their
   sign-offs, pauses, status and organisation-status history, bundle evidence, supervision
   and enhanced-supervision periods, the participants' high-risk flags, declined workers and
   preferences, the workers' other visits and shifts in those weeks, and the overrides.
   Facts are loaded for the whole window of the rota weeks, not as of one instant, so a pause
   lifted on Wednesday or a sign-off expiring on Thursday is judged at each visit's own time.
2. **Deciding** (`Gate.check`): plain Python over dicts and sets. G1-G4 come from the
   authorization rule (`workforce.authorization.judge`), asked once per (worker, framework
   version, day, stretch of unchanged facts, pathway, task types) and cached; G5-G10 are the
   pure functions of `rota.rules`.

A check answers each failed rule with its code and a sentence (`rules.Violation`); an
override lifts exactly one rule for one worker on one visit (`Answer.overridden`).

The rota the gate reasons about (who else is on which visit this week, for G6-G8) is held in
`RotaState`, which a solver updates as it assigns (`Gate.assign`).
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from operator import attrgetter
from typing import Any, NamedTuple

from django.utils import timezone

from seamline.competency.choices import STAGE_RANK, Stage
from seamline.competency.framework import Framework
from seamline.errors import Reason
from seamline.network.choices import OrgStatus
from seamline.network.models import Network
from seamline.workforce.authorization import (
    Attainment,
    BundleEvidence,
    Pause,
    TaskSpec,
    WorkerFacts,
    bundle_missing,
    held_stage,
    judge,
)
from seamline.workforce.choices import LOCAL_INDUCTION_TOPICS, TEMPORARY

from . import rules
from .rules import Violation

# Named tuples the gate makes for every assignment (judgements, answers, slots) are made from
# their values as tuples: calling the class runs its `__new__`, written in Python.
_new = tuple.__new__

# --- the visits --------------------------------------------------------------------------------


@dataclass(slots=True)
class VisitFacts:
    """A visit as the gate reads it. `start`/`end` are aware instants; the loader fills in the
    derived fields (local day, rota week, late, high risk, framework version)."""

    key: str  # the visit code (a file's row names its visit by ref until it is stored)
    organisation: str
    participant: int  # the participant's primary key (G9 names the participant by code:
    # `Gate.participant_codes`, read with the participants' declined workers and preferences)
    pathway: str
    tasks: tuple[str, ...]
    start: datetime
    end: datetime
    lone: bool = False
    workers: tuple[int, ...] = ()  # assigned workers' primary keys
    paired: int | None = None
    # Derived by the loader:
    local_start: datetime | None = None
    local_end: datetime | None = None
    day: date = date.min  # local date of the start
    utc_day: date = date.min
    week: str = ""
    late: bool = False
    high_risk: bool = False
    framework: int = 0  # index into Gate.frameworks
    # What every worker's judgement of this visit shares (framework version, days, pathway,
    # task types), and the visit's task set: kept on the visit, asked for once per worker.
    judge_key: tuple[Any, ...] = ()
    taskset: TaskSet | None = None

    # Written out rather than generated: a dataclass's generated `__init__` is Python even in
    # a compiled module, and a week reads a hundred thousand visits.
    def __init__(
        self,
        key: str,
        organisation: str,
        participant: int,
        pathway: str,
        tasks: tuple[str, ...],
        start: datetime,
        end: datetime,
        lone: bool = False,
        workers: tuple[int, ...] = (),
        paired: int | None = None,
    ) -> None:
        self.key = key
        self.organisation = organisation
        self.participant = participant
        self.pathway = pathway
        self.tasks = tasks
        self.start = start
        self.end = end
        self.lone = lone
        self.workers = workers
        self.paired = paired
        self.local_start = None
        self.local_end = None
        self.day = date.min
        self.utc_day = date.min
        self.week = ""
        self.late = False
        self.high_risk = False
        self.framework = 0
        self.judge_key = ()
        self.taskset = None


# --- the workers -------------------------------------------------------------------------------


@dataclass(slots=True)
class WorkerWindow:
    """What the gate knows about one worker over the window of the rota weeks."""

    pk: int
    key: str  # public id
    staff_id: str
    name: str
    organisation: str
    organisation_id: int
    employment_type: str
    role_group: str
    start_date: date
    left_on: date | None
    placement_start: date | None
    status: str  # now
    attainments: list[Attainment] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    status_changes: list[tuple[datetime, str, str]] = field(default_factory=list)
    org_changes: list[tuple[datetime, str]] = field(default_factory=list)
    org_times: list[datetime] = field(default_factory=list)  # when each of those changes was
    org_has_history: bool = False
    org_status: str = OrgStatus.ACTIVE  # now, used when the organisation has no history
    bundle: list[BundleEvidence] = field(default_factory=list)
    # The days inside the window on which bundle evidence is dated: between two of them the
    # bundle's answer cannot change (most temporary workers have none).
    bundle_days: list[date] = field(default_factory=list)
    held: list[date] = field(default_factory=list)  # supervision held, sorted
    enhanced: list[tuple[date, date]] = field(default_factory=list)
    # Instants at which anything the authorization rule reads changes (sign-offs signed,
    # superseded or revoked, pauses starting or lifting, status changes): between two of them,
    # on one day, the rule's answer cannot change.
    boundaries: list[datetime] = field(default_factory=list)
    by_competency: dict[str, list[Attainment]] = field(default_factory=dict)
    variants: dict[tuple[Any, ...], WorkerFacts] = field(default_factory=dict)
    # The facts of a worker whose facts hold for the whole window (`Gate._facts_at`).
    steady: WorkerFacts | None = None
    _label: str = field(default="", repr=False, compare=False)
    temporary: bool = field(default=False, init=False)

    # Written out rather than generated (as `VisitFacts.__init__`).
    def __init__(
        self,
        *,
        pk: int,
        key: str,
        staff_id: str,
        name: str,
        organisation: str,
        organisation_id: int,
        employment_type: str,
        role_group: str,
        start_date: date,
        left_on: date | None,
        placement_start: date | None,
        status: str,
        org_status: str = OrgStatus.ACTIVE,
    ) -> None:
        self.pk = pk
        self.key = key
        self.staff_id = staff_id
        self.name = name
        self.organisation = organisation
        self.organisation_id = organisation_id
        self.employment_type = employment_type
        self.role_group = role_group
        self.start_date = start_date
        self.left_on = left_on
        self.placement_start = placement_start
        self.status = status
        self.attainments = []
        self.pauses = []
        self.status_changes = []
        self.org_changes = []
        self.org_times = []
        self.org_has_history = False
        self.org_status = org_status
        self.bundle = []
        self.bundle_days = []
        self.held = []
        self.enhanced = []
        self.boundaries = []
        self.by_competency = {}
        self.variants = {}
        self.steady = None
        self._label = ""
        # Asked on every judgement: worked out once.
        self.temporary = employment_type in TEMPORARY

    @property
    def label(self) -> str:
        """How rota files name the worker: ORGANISATION/STAFF_ID (made once: a week's
        findings name their worker hundreds of thousands of times)."""
        found = self._label
        if not found:
            found = self._label = f"{self.organisation}/{self.staff_id}"
        return found

    def status_at(self, at: datetime) -> str:
        if not self.status_changes:
            return self.status
        status = self.status_changes[0][2]
        for when, to_status, _ in self.status_changes:
            if when > at:
                break
            status = to_status
        return status

    def organisation_active_at(self, at: datetime) -> bool:
        if not self.org_has_history:
            return self.org_status == OrgStatus.ACTIVE
        index = bisect.bisect_right(self.org_times, at)
        return index > 0 and self.org_changes[index - 1][1] == OrgStatus.ACTIVE

    def last_held(self, day: date) -> date | None:
        index = bisect.bisect_right(self.held, day)
        return self.held[index - 1] if index else None


# --- the rota the gate reasons about -------------------------------------------------------------


class Slot(NamedTuple):
    key: str
    start: datetime
    end: datetime
    participant: int
    high_risk: bool
    week: str


class RotaState:
    """Who is on which visit: each worker's visits in order of start (G8) and the high-risk
    participants they visit in each rota week (G7)."""

    def __init__(self) -> None:
        self.slots: dict[int, list[Slot]] = defaultdict(list)
        # For each worker whose slots are in order: their starts, the longest visit, and the
        # codes of their visits when no two of them overlap (None when some do).
        self._starts: dict[int, tuple[list[datetime], timedelta, frozenset[str] | None]] = {}
        self.high_risk: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)

    def add(self, worker: int, slot: Slot) -> None:
        self.slots[worker].append(slot)
        self._starts.pop(worker, None)
        if slot.high_risk:
            counts = self.high_risk[(worker, slot.week)]
            counts[slot.participant] = counts.get(slot.participant, 0) + 1

    def remove(self, worker: int, key: str) -> None:
        slots = self.slots.get(worker, [])
        for slot in slots:
            if slot.key == key:
                slots.remove(slot)
                self._starts.pop(worker, None)
                if slot.high_risk:
                    counts = self.high_risk[(worker, slot.week)]
                    counts[slot.participant] -= 1
                    if not counts[slot.participant]:
                        del counts[slot.participant]
                return

    def others(self, worker: int, visit: VisitFacts) -> list[tuple[str, datetime, datetime]]:
        """The worker's other visits that could overlap `visit`, as (code, start, end): those
        starting before it ends and no longer before it starts than the worker's longest
        visit lasts (two bisections in the worker's visits in order of start)."""
        found = self._starts.get(worker)  # (kept once worked out: most calls end here)
        if found is None:
            slots = self.slots.get(worker)
            if not slots:
                return []
            slots.sort(key=attrgetter("start"))
            overlap = any(a.end > b.start for a, b in itertools.pairwise(slots))
            found = self._starts[worker] = (
                [s.start for s in slots],
                max(s.end - s.start for s in slots),
                None if overlap else frozenset(s.key for s in slots),
            )
        starts, longest, apart = found
        if apart is not None and visit.key in apart:
            return []  # one of the worker's own visits, none of which overlap
        first = bisect.bisect_left(starts, visit.start - longest)
        last = bisect.bisect_left(starts, visit.end, first)
        key = visit.key
        return [(s.key, s.start, s.end) for s in self.slots[worker][first:last] if s.key != key]

    def high_risk_count(self, worker: int, visit: VisitFacts) -> int:
        """Distinct high-risk participants of the worker in the visit's week, with the visit's."""
        counts = self.high_risk.get((worker, visit.week), {})
        return len(counts) + (0 if visit.participant in counts else 1)


# --- answers -------------------------------------------------------------------------------------


class Judgement(NamedTuple):
    """What a worker's facts at a visit's start come to (`Gate.judged`)."""

    reasons: tuple[Reason, ...]  # the authorization rule's, for every task type of the visit
    held: dict[str, str | None]  # the stage held of each required competency
    supervised: bool  # any of them held only at supervised
    # The reasons as violations of G1 to G4 (`rules.by_rule`), sorted once.
    g1: list[Violation]
    g2: list[Violation]
    g3: list[Violation]
    g4: list[Violation]


class Answer(NamedTuple):
    visit: str
    worker: str  # the worker's public id
    worker_name: str
    organisation: str
    violations: tuple[Violation, ...]
    # Blocks an override lets through: (violation, the override's public id).
    overridden: tuple[tuple[Violation, str], ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.violations

    @property
    def rules(self) -> list[str]:
        return list(dict.fromkeys([v.rule for v in self.violations]))


@dataclass(frozen=True)
class Settings:
    late_threshold: time
    caps: Mapping[str, int]
    enhanced_days: int

    @classmethod
    def current(cls) -> Settings:
        network = Network.current()
        return cls(
            late_threshold=network.late_threshold,
            caps={
                Stage.INDUCTION: network.cap_induction,
                Stage.SUPERVISED: network.cap_supervised,
                Stage.INDEPENDENT: network.cap_independent,
                Stage.ENHANCED: network.cap_enhanced,
            },
            enhanced_days=network.enhanced_supervision_days,
        )


@dataclass(frozen=True)
class TaskSet:
    """What a visit's task types come to under one framework version."""

    specs: tuple[TaskSpec, ...]
    unknown: tuple[str, ...]  # task type codes not in that version
    # Required competencies: the highest minimum stage each is needed at.
    required: Mapping[str, str]
    tier: int
    # The shortest supervision frequency of the competencies tier 3 and 4 task types need.
    frequency_days: int | None
    codes: tuple[str, ...] = ()  # the required competencies, in order


class Gate:
    """The loaded facts and the decision. Build it with `load`."""

    def __init__(
        self,
        *,
        settings: Settings,
        frameworks: list[tuple[datetime, Framework]],
        workers: dict[int, WorkerWindow],
        visits: list[VisitFacts],
        state: RotaState,
        shifts: dict[tuple[int, str], list[tuple[datetime, datetime]]],
        declined: dict[tuple[int, int], list[tuple[datetime, datetime | None]]],
        preferences: dict[int, list[tuple[str, str, datetime, datetime | None]]],
        overrides: dict[tuple[str, int], dict[str, tuple[str, datetime]]],
        organisation_names: Mapping[str, str],
        participant_codes: Mapping[int, str] | None = None,
    ) -> None:
        self.settings = settings
        self.frameworks = frameworks
        self.workers = workers
        self.visits = {v.key: v for v in visits}
        self.state = state
        self.shifts = shifts
        self.declined = declined
        self.preferences = preferences
        self.overrides = overrides
        # The codes of the visits with an override (most have none: asked first).
        self.overridden_visits = frozenset(code for code, _ in overrides)
        self.labels = dict(organisation_names)
        # The codes of the participants with declined workers or preferences (G9's sentences).
        self.participant_codes = dict(participant_codes or {})
        self._judged: dict[tuple[int, int, tuple[Any, ...]], Judgement] = {}
        # Whether every judgement is kept for the next question about the same worker and
        # visit (a scheduler's page asks twice). A whole rota asks once per assignment and
        # keeps only the judgements a co-worker's pairing rule asks again.
        self.remember_every = True
        self._enhanced: dict[tuple[int, date], tuple[date, date] | None] = {}
        self._titles: dict[int, dict[str, str]] = {}
        self.zone = timezone.get_current_timezone()
        self._tasksets: dict[tuple[int, tuple[str, ...]], TaskSet] = {}
        self._bundles: dict[tuple[int, int, int], tuple[str, ...]] = {}

    # -- the rota ------------------------------------------------------------------------------

    def assign(self, worker: int, visit: VisitFacts) -> None:
        """Put `worker` on `visit` in the rota the gate reasons about (a solver's step)."""
        self.state.add(worker, slot_of(visit))

    def unassign(self, worker: int, visit: VisitFacts) -> None:
        self.state.remove(worker, visit.key)

    # -- framework -----------------------------------------------------------------------------

    def taskset(self, visit: VisitFacts) -> TaskSet:
        if visit.taskset is not None:
            return visit.taskset
        key = (visit.framework, visit.tasks)
        found = self._tasksets.get(key)
        if found is None:
            framework = self.frameworks[visit.framework][1]
            by_code = {t.code: t for t in framework.tasks}
            specs = tuple(by_code[c] for c in visit.tasks if c in by_code)
            required: dict[str, str] = {}
            for task in specs:
                for req in task.requirements:
                    held = required.get(req.competency)
                    if held is None or STAGE_RANK[req.min_stage] > STAGE_RANK[held]:
                        required[req.competency] = req.min_stage
            frequencies = [
                framework.competencies[req.competency].supervision_frequency_days
                for task in specs
                if task.risk_tier >= 3
                for req in task.requirements
                if req.competency in framework.competencies
            ]
            found = self._tasksets[key] = TaskSet(
                specs=specs,
                unknown=tuple(c for c in visit.tasks if c not in by_code),
                required=required,
                tier=max((t.risk_tier for t in specs), default=1),
                frequency_days=min(frequencies) if frequencies else None,
                codes=tuple(required),
            )
        visit.taskset = found
        return found

    def titles(self, visit: VisitFacts) -> dict[str, str]:
        found = self._titles.get(visit.framework)
        if found is None:
            competencies = self.frameworks[visit.framework][1].competencies
            found = self._titles[visit.framework] = {
                code: spec.title for code, spec in competencies.items()
            }
        return found

    # -- facts at an instant -------------------------------------------------------------------

    def _facts_at(self, worker: WorkerWindow, visit: VisitFacts) -> WorkerFacts:
        # A worker whose status, organisation and sign-offs do not change in the window has
        # the same facts at every visit (most workers); a temporary worker too when no bundle
        # evidence is dated inside the window and one framework version is in force in it
        # (the bundle's answer cannot change either).
        steady = not worker.boundaries and (
            not worker.temporary or (not worker.bundle_days and len(self.frameworks) == 1)
        )
        if steady and worker.steady is not None:
            return worker.steady
        at = visit.start
        missing: tuple[str, ...] = ()
        if worker.temporary:
            # The same on every day between two days evidence is dated.
            bundle_key = (
                worker.pk,
                bisect.bisect_right(worker.bundle_days, visit.day),
                visit.framework,
            )
            found = self._bundles.get(bundle_key)
            if found is None:
                framework = self.frameworks[visit.framework][1]
                found = self._bundles[bundle_key] = bundle_missing(
                    worker.bundle,
                    placement_start=worker.placement_start or worker.start_date,
                    required_modules=framework.critical,
                    induction_topics=LOCAL_INDUCTION_TOPICS,
                    at=visit.day,
                )
            missing = found
        status = worker.status_at(at)
        active = worker.organisation_active_at(at)
        key = (status, active, missing)
        facts = worker.variants.get(key)
        if facts is None:
            base = worker.variants.get(("base",))
            if base is None:
                # The first variant is the base the others are made from (most workers have
                # no other).
                facts = base = worker.variants[("base",)] = worker.variants[key] = WorkerFacts(
                    key=worker.key,
                    name=worker.name,
                    organisation=worker.organisation,
                    organisation_active=active,
                    status=status,
                    employment_type=worker.employment_type,
                    start_date=worker.start_date,
                    left_on=worker.left_on,
                    attainments=tuple(worker.attainments),
                    pauses=tuple(worker.pauses),
                    bundle_missing=missing,
                    indexed=worker.by_competency,
                )
            else:
                facts = worker.variants[key] = replace(
                    base, status=status, organisation_active=active, bundle_missing=missing
                )
        if steady:
            worker.steady = facts
        return facts

    def judged(self, worker: WorkerWindow, visit: VisitFacts) -> Judgement:
        """What the worker's facts at the visit's start come to, cached for the same worker,
        framework version, day, stretch of unchanged facts, pathway and task types: the
        authorization rule's reasons for every task type of the visit (on its pathway), sorted
        into G1 to G4, the stage held of each required competency, and whether any is held
        only at supervised."""
        if not visit.judge_key:
            visit.judge_key = (
                visit.framework,
                visit.day,
                visit.utc_day,
                visit.pathway,
                visit.tasks,
            )
        # Kept for the next question about the same worker and visit, when one can come: not
        # for most assignments of a whole rota, each asked about once (nor looked for).
        remember = self.remember_every or len(visit.workers) + (visit.paired is not None) > 1
        found = None
        key: tuple[Any, ...] = ()
        if remember:
            epoch = bisect.bisect_right(worker.boundaries, visit.start) if worker.boundaries else 0
            key = (worker.pk, epoch, visit.judge_key)
            found = self._judged.get(key)
        if found is None:
            taskset = visit.taskset or self.taskset(visit)
            facts = self._facts_at(worker, visit)
            framework = self.frameworks[visit.framework][1]
            # The stage held of each required competency (in the task set's order), noted by
            # the authorization rule as it reads the worker's sign-offs for the requirements.
            held: dict[str, str | None] = dict.fromkeys(taskset.codes)
            # Every task type's reasons, each once, in the order first given (one task type's
            # are each given once already).
            answers = judge(
                facts,
                taskset.specs,
                framework.competencies,
                visit.start,  # in UTC, with the visit's local date
                visit.pathway,
                today=visit.day,
                stages=held,
            )
            reasons: Any
            if len(answers) == 1:
                reasons = answers[0][2]
            else:
                reasons = {}
                for _, _, more, _, _ in answers:
                    if more:
                        reasons.update(dict.fromkeys(more))
            supervised = Stage.SUPERVISED in held.values()
            if reasons:
                # (Each reason is given once: one task type's by the rule, several task
                # types' by the dict above.)
                sorted_ = rules.by_rule(reasons, unique=True)
                found = _new(
                    Judgement,
                    (
                        tuple(reasons),
                        held,
                        supervised,
                        sorted_["G1"],
                        sorted_["G2"],
                        sorted_["G3"],
                        sorted_["G4"],
                    ),
                )
            else:
                found = _new(Judgement, ((), held, supervised, [], [], [], []))
            if remember:
                self._judged[key] = found
        return found

    def authorization(self, worker: WorkerWindow, visit: VisitFacts) -> tuple[Reason, ...]:
        """The authorization rule's reasons for every task type of the visit."""
        return self.judged(worker, visit).reasons

    def stage(self, worker: WorkerWindow, competency: str, visit: VisitFacts) -> str | None:
        """The stage of `competency` the worker holds current at the visit's start (on the
        visit's pathway when the competency is pathway-specific)."""
        spec = self.frameworks[visit.framework][1].competencies.get(competency)
        pathway = visit.pathway if spec is not None and spec.pathway_specific else None
        return held_stage(
            worker.by_competency.get(competency, ()),
            competency,
            visit.start,
            pathway,
            visit.day if visit.day != date.min else None,
        )

    def held(self, worker: WorkerWindow, visit: VisitFacts) -> dict[str, str | None]:
        return self.judged(worker, visit).held

    def local(self, instant: datetime) -> datetime:
        """`instant` in the network's time zone (for sentences)."""
        return instant.astimezone(self.zone)

    def enhanced(self, worker: WorkerWindow, day: date) -> tuple[date, date] | None:
        if not worker.enhanced:
            return None
        key = (worker.pk, day)
        if key not in self._enhanced:
            self._enhanced[key] = rules.enhanced_on(worker.enhanced, day)
        return self._enhanced[key]

    # -- the decision --------------------------------------------------------------------------

    def violations(self, worker_pk: int, visit: VisitFacts) -> list[Violation]:
        """Every rule assigning the worker to the visit breaks, overrides aside.

        Each rule is asked only when it can break (G5 for a lone or late visit, G7 for a
        high-risk participant, G10 for tier 3 and 4 tasks, ...): the answer is the same, and
        a week of 100,000 assignments is judged in a fraction of the time."""
        worker = self.workers[worker_pk]
        taskset = visit.taskset or self.taskset(visit)
        name = worker.name
        judgement = self.judged(worker, visit)
        held = judgement.held
        found: list[Violation] = [*judgement.g1, *judgement.g2]
        if taskset.unknown:
            found += [
                rules.violation(
                    "G2",
                    "task_type_unknown",
                    f"Task type {code} is not in the framework in force on "
                    f"{visit.day:%d %b %Y}, so nobody is cleared for it.",
                )
                for code in taskset.unknown
            ]
        found += judgement.g3
        found += judgement.g4
        enhanced = self.enhanced(worker, visit.day) if worker.enhanced else None
        if enhanced is not None and worker.temporary:
            found += rules.g4_enhanced(
                worker=name, temporary=True, enhanced=enhanced, tier=taskset.tier
            )
        titles = (
            self.titles(visit)
            if held and (visit.lone or visit.late or judgement.supervised or visit.high_risk)
            else {}
        )
        if visit.lone or visit.late:
            found += rules.g5_lone_late(
                worker=name,
                lone=visit.lone,
                late=visit.late,
                held=held,
                titles=titles,
                enhanced=enhanced,
                late_threshold=self.settings.late_threshold,
            )
        if judgement.supervised:
            found += rules.g6_pairing(
                worker=name,
                held=held,
                titles=titles,
                co_workers=self._co_workers(worker_pk, visit),
            )
        if visit.high_risk and held:
            lowest, lowest_code = self._lowest(held)
            found += rules.g7_caseload(
                worker=name,
                high_risk=True,
                participants=self.state.high_risk_count(worker_pk, visit),
                week=visit.week,
                lowest=lowest,
                lowest_title=titles.get(lowest_code, "") if lowest_code else "",
                caps=self.settings.caps,
            )
        shifts = self.shifts.get((worker_pk, visit.week))
        others = self.state.others(worker_pk, visit)
        if others or shifts is not None:
            found += rules.g8_time(
                worker=name,
                start=visit.start,
                end=visit.end,
                others=others,
                shifts=shifts,
                local=self.local,
            )
        declined = self.declined.get((visit.participant, worker_pk))
        preferences = self.preferences.get(visit.participant)
        if declined or preferences:
            found += rules.g9_preferences(
                worker=name,
                participant=self.participant_codes.get(visit.participant, ""),
                declined_on=self._declined_on(visit, worker_pk),
                preferences=[
                    (kind, value)
                    for kind, value, since, until in preferences or ()
                    if since <= visit.start and (until is None or until > visit.start)
                ],
                organisation=worker.organisation,
                temporary=worker.temporary,
                role_group=worker.role_group,
                labels=self.labels,
            )
        if taskset.tier >= 3:
            found += rules.g10_supervision(
                worker=name,
                tier=taskset.tier,
                frequency_days=taskset.frequency_days,
                last_held=worker.last_held(visit.day),
                since=worker.start_date,
                day=visit.day,
            )
        return found

    def check(self, worker_pk: int, visit: VisitFacts) -> Answer:
        """May the worker be assigned to the visit? Each failed rule with its code and
        sentence; blocks lifted by an override are listed apart."""
        worker = self.workers[worker_pk]
        blocked, lifted = self.blocks(worker_pk, visit)
        answer: Answer = _new(
            Answer,
            (
                visit.key,
                worker.key,
                worker.name,
                worker.organisation,
                tuple(blocked),
                tuple(lifted),
            ),
        )
        return answer

    def blocks(
        self, worker_pk: int, visit: VisitFacts
    ) -> tuple[list[Violation], list[tuple[Violation, str]]]:
        """`check`'s answer as two lists, without the `Answer` (a whole rota's validation):
        the rules broken, and those an override lets through with the override's public id."""
        found = self.violations(worker_pk, visit)
        if not found or visit.key not in self.overridden_visits:
            return found, []
        granted = self.overrides.get((visit.key, worker_pk))
        if not granted:
            return found, []
        blocked = []
        lifted = []
        for violation in found:
            override = granted.get(violation.rule)
            if override is not None and visit.start < override[1]:
                lifted.append((violation, override[0]))
            else:
                blocked.append(violation)
        return blocked, lifted

    def check_all(self) -> Iterator[Answer]:
        """Every assignment of the loaded visits, visit by visit."""
        self.remember_every = False
        for visit in self.visits.values():
            for worker in visit.workers:
                yield self.check(worker, visit)

    # -- helpers of the rules ------------------------------------------------------------------

    def _co_workers(self, worker_pk: int, visit: VisitFacts) -> list[tuple[str, dict[str, Any]]]:
        others = {w for w in (*visit.workers, visit.paired) if w is not None and w != worker_pk}
        found = []
        for pk in sorted(others):
            other = self.workers.get(pk)
            if other is not None:
                found.append((other.name, self.held(other, visit)))
        return found

    @staticmethod
    def _lowest(held: Mapping[str, str | None]) -> tuple[str | None, str | None]:
        """The lowest stage held among the visit's competencies (None: one is not held at
        all), and which competency it is."""
        lowest: str | None = None
        code: str | None = None
        for competency, stage in sorted(held.items()):
            if stage is None:
                return None, competency
            if lowest is None or STAGE_RANK[stage] < STAGE_RANK[lowest]:
                lowest, code = stage, competency
        return lowest, code

    def _declined_on(self, visit: VisitFacts, worker_pk: int) -> date | None:
        for since, until in self.declined.get((visit.participant, worker_pk), ()):
            if since <= visit.start and (until is None or until > visit.start):
                return timezone.localdate(since)
        return None

    def headroom(self, worker_pk: int, visit: VisitFacts) -> int:
        """How many more distinct high-risk participants the worker may take on in the visit's
        week under the cap for their lowest stage on the visit's competencies."""
        worker = self.workers[worker_pk]
        held = self.held(worker, visit)
        # A visit that needs no competency is under no stage's cap: the highest one bounds it.
        lowest = self._lowest(held)[0] if held else Stage.ENHANCED
        counts = self.state.high_risk.get((worker_pk, visit.week), {})
        return rules.caseload_cap(lowest, self.settings.caps) - len(counts)


def slot_of(visit: VisitFacts) -> Slot:
    slot: Slot = _new(
        Slot, (visit.key, visit.start, visit.end, visit.participant, visit.high_risk, visit.week)
    )
    return slot
