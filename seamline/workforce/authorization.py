"""The authorization register's one rule: may worker W do task type T at instant `at`?

Pure: plain values in, a `Decision` out, no database. `workforce.register` loads the facts
(as of any instant, past included) and calls `decide` for every worker x task type; the rota
gate, handoff receipt and delegation checks call the same function.

Reason codes:

* ``worker_not_active``: the worker has left, is suspended or has not started yet;
* ``organisation_not_active``: the worker's organisation is not active in the network then;
* ``competency_missing``: no sign-off of a required competency at all;
* ``stage_below``: signed off, but below the stage the task needs;
* ``competency_expired``: the sign-off at the needed stage is past its review date (or revoked);
* ``pathway_revalidation_due``: a pathway-specific competency is not yet signed off for a
  pathway the worker works on (competence is not assumed to transfer);
* ``delegation_paused``: the task is delegated and paused for this worker after a spot-check;
* ``bundle_incomplete``: a temporary worker without a complete evidence bundle is cleared for
  tier 1 tasks only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, NamedTuple

from seamline.competency.choices import STAGE_RANK, Stage
from seamline.errors import Reason

from .choices import TEMPORARY, WorkerStatus


class Requirement(NamedTuple):
    competency: str
    min_stage: str


@dataclass(frozen=True)
class TaskSpec:
    code: str
    title: str
    risk_tier: int
    delegated: bool
    requirements: tuple[Requirement, ...]


@dataclass(frozen=True)
class CompetencySpec:
    code: str
    title: str
    pathway_specific: bool
    review_interval_months: int = 12
    supervision_frequency_days: int = 28


class Attainment(NamedTuple):
    """One sign-off, as a plain value. (Attainments, pauses and decisions are named tuples:
    the register makes hundreds of thousands, and a tuple is made ten times faster than a
    frozen dataclass.)"""

    competency: str
    stage: str
    signed_at: datetime
    review_due: date
    pathway: str | None = None
    superseded_at: datetime | None = None
    revoked_at: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        """Signed by `at`, not superseded or revoked by then (its review date is checked apart)."""
        if self.signed_at > at:
            return False
        if self.superseded_at is not None and self.superseded_at <= at:
            return False
        return self.revoked_at is None or self.revoked_at > at

    def current(self, at: datetime) -> bool:
        return self.in_force(at) and self.review_due >= at.date()


class Pause(NamedTuple):
    task_type: str
    started_at: datetime
    lifted_at: datetime | None = None

    def active(self, at: datetime) -> bool:
        return self.started_at <= at and (self.lifted_at is None or self.lifted_at > at)


@dataclass(frozen=True)
class WorkerFacts:
    key: str
    name: str
    organisation: str
    organisation_active: bool
    status: str
    employment_type: str
    start_date: date
    left_on: date | None = None
    # Pathways the worker works on at the instant asked about.
    pathways: tuple[str, ...] = ()
    attainments: tuple[Attainment, ...] = ()
    pauses: tuple[Pause, ...] = ()
    # What the temporary-worker evidence bundle still lacks at that instant (empty: complete).
    bundle_missing: tuple[str, ...] = ()
    # The attainments by competency when the caller has them indexed already (the rota gate
    # keeps one index per worker for a week's many instants); otherwise built on first use.
    indexed: Mapping[str, Sequence[Attainment]] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def temporary(self) -> bool:
        return self.employment_type in TEMPORARY

    @cached_property
    def by_competency(self) -> Mapping[str, Sequence[Attainment]]:
        """The attainments of each competency (built once: the register asks about every task
        type of the same worker)."""
        if self.indexed is not None:
            return self.indexed
        index: dict[str, list[Attainment]] = {}
        for a in self.attainments:
            index.setdefault(a.competency, []).append(a)
        return {code: tuple(found) for code, found in index.items()}


class Decision(NamedTuple):
    worker: str
    task_type: str
    cleared: bool
    reasons: tuple[Reason, ...] = ()
    last_validated: date | None = None
    valid_until: date | None = None

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


_LABELS = {stage.value: stage.label.lower() for stage in Stage}


def _reason(code: str, message: str) -> Reason:
    """A `Reason` without a field, made from its values as a tuple: calling a named tuple's
    class runs its `__new__`, written in Python, and the register and a week's rota make
    hundreds of thousands."""
    made: Reason = tuple.__new__(Reason, (code, message, None))
    return made


_DAYS: dict[date, str] = {}


def _day(day: date) -> str:
    """`day` as people read it ("01 Jun 2026"). Formatting a date costs more than the rest of
    a sentence, and the register writes the same few hundred dates over and over."""
    text = _DAYS.get(day)
    if text is None:
        if len(_DAYS) > 20_000:
            _DAYS.clear()
        text = _DAYS[day] = f"{day:%d %b %Y}"
    return text


def _pick(
    attainments: Iterable[Attainment],
    competency: str,
    min_stage: str,
    pathway: str | None,
    at: datetime,
    today: date,
) -> tuple[Attainment | None, Attainment | None, Attainment | None, str | None]:
    """The strongest attainments for one requirement: (current, lapsed, below, held).

    `current`: in force and in date at `min_stage` or above, the latest review date first;
    `lapsed`: at `min_stage` or above but past its review date or revoked; `below`: the highest
    current attainment under `min_stage`; `held`: the highest stage current, whatever
    `min_stage` is (`held_stage`)."""
    ranks = STAGE_RANK
    need = ranks[min_stage]
    current = lapsed = below = None
    current_due = lapsed_due = below_rank = None
    held: str | None = None
    held_rank = -1
    for a in attainments:
        # (A tuple taken apart once: this loop runs hundreds of thousands of times.)
        code, stage, signed_at, review_due, on_pathway, superseded_at, revoked_at = a
        if code != competency or (pathway is not None and on_pathway != pathway):
            continue  # (callers pass one competency's attainments; the test keeps it safe)
        if signed_at > at:
            continue
        # In force: signed by `at`, neither superseded nor revoked by then (`Attainment.in_force`
        # written out).
        in_force = (superseded_at is None or superseded_at > at) and (
            revoked_at is None or revoked_at > at
        )
        if not in_force and revoked_at is None:
            continue
        is_current = in_force and review_due >= today
        rank = ranks[stage]
        if is_current and rank > held_rank:
            held, held_rank = stage, rank
        if rank < need:
            if is_current and (below_rank is None or rank > below_rank):
                below, below_rank = a, rank
        elif is_current:
            if current_due is None or review_due > current_due:
                current, current_due = a, review_due
        elif lapsed_due is None or review_due > lapsed_due:
            lapsed, lapsed_due = a, review_due
    return current, lapsed, below, held


def held_stage(
    attainments: Iterable[Attainment],
    competency: str,
    at: datetime,
    pathway: str | None,
    today: date | None = None,
) -> str | None:
    """The highest stage of `competency` a worker holds current at `at` (None: none), on the
    local date `today` (`at`'s own date when not given), counting only sign-offs for `pathway`
    when it is given (pathway-specific competencies)."""
    return _pick(
        attainments, competency, Stage.INDUCTION, pathway, at, at.date() if today is None else today
    )[3]


# What one requirement comes to for a worker: the reasons it is not met (empty when met), and
# the latest sign-off date and earliest review date of the attainments that met it.
_Judged = tuple[tuple[Reason, ...], date | None, date | None]


def _requirement(
    worker: WorkerFacts,
    req: Requirement,
    spec: CompetencySpec,
    at: datetime,
    pathway: str | None,
    today: date,
    stages: dict[str, str | None] | None = None,
) -> _Judged:
    """`stages`: where to note the stage held of the requirement's competency (`judge`)."""
    held = worker.by_competency.get(req.competency)
    if not spec.pathway_specific:  # the commonest case: one pick, no pathways
        if not held:
            return (_unmet(worker, req, spec, None, None, None, None, at),), None, None
        current, lapsed, below, stage = _pick(held, req.competency, req.min_stage, None, at, today)
        if stages is not None:
            stages[req.competency] = stage
        if current is not None:
            return (), current.signed_at.date(), current.review_due
        return (_unmet(worker, req, spec, None, lapsed, below, None, at),), None, None
    reasons: list[Reason] = []
    last: date | None = None
    until: date | None = None
    for p in (pathway,) if pathway else worker.pathways or (None,):
        if not held:  # never signed off: said without looking further
            reasons.append(_unmet(worker, req, spec, p, None, None, None, at))
            continue
        current, lapsed, below, stage = _pick(held, req.competency, req.min_stage, p, at, today)
        if stages is not None and p == pathway:
            stages[req.competency] = stage
        if current is not None:
            signed = current.signed_at.date()
            if last is None or signed > last:
                last = signed
            if until is None or current.review_due < until:
                until = current.review_due
            continue
        elsewhere = None
        if lapsed is None and below is None and p is not None:
            elsewhere = _pick(held, req.competency, req.min_stage, None, at, today)[0]
        reasons.append(_unmet(worker, req, spec, p, lapsed, below, elsewhere, at))
    return tuple(reasons), last, until


def _unmet(
    worker: WorkerFacts,
    req: Requirement,
    spec: CompetencySpec,
    p: str | None,
    lapsed: Attainment | None,
    below: Attainment | None,
    elsewhere: Attainment | None,
    at: datetime,
) -> Reason:
    """Why a requirement is not met (on pathway `p`, when the competency is pathway-specific):
    `lapsed`, the strongest sign-off at the stage needed that is past its review date or
    revoked; `below`, the strongest current one under that stage; `elsewhere`, a current one on
    another pathway. None of them: never signed off."""
    stage = _LABELS[req.min_stage]
    on = f" on pathway {p}" if p else ""
    if lapsed is not None:
        if lapsed.revoked_at is not None and lapsed.revoked_at <= at:
            what = f"was revoked on {_day(lapsed.revoked_at.date())}"
        else:
            what = f"passed its review date on {_day(lapsed.review_due)}"
        return _reason(
            "competency_expired",
            f"{worker.name}'s sign-off of {spec.title} at {_LABELS[lapsed.stage]}{on} "
            f"{what}: a new sign-off at {stage} or above is needed.",
        )
    if below is not None:
        return _reason(
            "stage_below",
            f"{worker.name} holds {spec.title} at {_LABELS[below.stage]}{on}; this task "
            f"needs {stage} or above.",
        )
    if elsewhere is not None:
        return _reason(
            "pathway_revalidation_due",
            f"{spec.title} is pathway-specific: {worker.name} is signed off for it on "
            f"another pathway but not yet re-validated on pathway {p}.",
        )
    return _reason(
        "competency_missing",
        f"{worker.name} has no sign-off of {spec.title}{on}; this task needs {stage} or above.",
    )


# The statuses as plain text, compared on every judgement.
_ACTIVE = str(WorkerStatus.ACTIVE.value)
_LEFT = str(WorkerStatus.LEFT.value)


def _worker_reasons(worker: WorkerFacts, today: date) -> tuple[Reason, ...]:
    """What stops the worker doing any task that day, whatever the task."""
    if (
        worker.status == _ACTIVE
        and worker.left_on is None
        and worker.start_date <= today
        and worker.organisation_active
    ):
        return ()  # (most workers on most days: said at once)
    reasons: list[Reason] = []
    # A leaving date says when: asked about an instant before it, the worker was still there.
    left = worker.left_on <= today if worker.left_on is not None else worker.status == _LEFT
    if left:
        reasons.append(_reason("worker_not_active", f"{worker.name} has left the organisation."))
    elif worker.start_date > today:
        reasons.append(
            _reason("worker_not_active", f"{worker.name} starts on {_day(worker.start_date)}.")
        )
    elif worker.status not in (_ACTIVE, _LEFT):
        reasons.append(_reason("worker_not_active", f"{worker.name} is suspended from practice."))
    if not worker.organisation_active:
        reasons.append(
            _reason(
                "organisation_not_active",
                f"{worker.name}'s organisation ({worker.organisation}) is not active in the "
                "network.",
            )
        )
    return tuple(reasons)


def _pause_reason(worker: WorkerFacts, task: TaskSpec, at: datetime) -> Reason | None:
    pause = next((p for p in worker.pauses if p.task_type == task.code and p.active(at)), None)
    if pause is None:
        return None
    return _reason(
        "delegation_paused",
        f"Delegation of {task.title} to {worker.name} is paused since "
        f"{_day(pause.started_at.date())} after a spot-check; it lifts once remedial "
        "supervision is held and a new observed practice is recorded.",
    )


def _bundle_reason(worker: WorkerFacts, task: TaskSpec) -> Reason:
    return _reason(
        "bundle_incomplete",
        f"{worker.name} is a temporary worker whose evidence bundle lacks "
        f"{', '.join(worker.bundle_missing)}: tier 1 tasks only until it is complete "
        f"(this task is tier {task.risk_tier}).",
    )


def decide(
    worker: WorkerFacts,
    task: TaskSpec,
    competencies: Mapping[str, CompetencySpec],
    at: datetime,
    pathway: str | None = None,
) -> Decision:
    """Is `worker` cleared for `task` at instant `at` (on `pathway`, when given)?"""
    return decide_tasks(worker, (task,), competencies, at, pathway)[0]


def decide_tasks(
    worker: WorkerFacts,
    tasks: Iterable[TaskSpec],
    competencies: Mapping[str, CompetencySpec],
    at: datetime,
    pathway: str | None = None,
) -> list[Decision]:
    """`decide` for one worker and several task types at once, in the order of `tasks`."""
    key = worker.key
    return [
        Decision(key, code, cleared, reasons, last, until)
        for code, cleared, reasons, last, until in judge(worker, tasks, competencies, at, pathway)
    ]


def judge(
    worker: WorkerFacts,
    tasks: Iterable[TaskSpec],
    competencies: Mapping[str, CompetencySpec],
    at: datetime,
    pathway: str | None = None,
    *,
    today: date | None = None,
    stages: dict[str, str | None] | None = None,
) -> list[tuple[str, bool, tuple[Reason, ...], date | None, date | None]]:
    """The rule itself, for one worker and each of `tasks` in turn: (task type code, cleared,
    reasons, last validated, valid until).

    What does not depend on the task (the worker's status and organisation) is judged once,
    and each requirement once however many task types share it: the register asks about every
    task type of every worker. `decide` and `decide_tasks` wrap this in `Decision`s; the
    register turns it straight into its rows.

    `today`: the local date of `at`, given by a caller that passes `at` in UTC already (the
    rota gate keeps both for each visit); otherwise `at`'s own date. `stages`: where to note
    the stage held (`held_stage`, on `pathway` where the competency is pathway-specific) of
    each competency the tasks require that the worker has a sign-off of (the rota gate's G5-G7
    read them), found in the same pass."""
    if today is None:
        today = at.date()
        # The same instant in UTC, the zone sign-offs are loaded in: comparing datetimes of
        # one zone is many times faster than of two (the register compares hundreds of
        # thousands).
        at = at.astimezone(UTC)
    general = _worker_reasons(worker, today)
    paused = {p.task_type for p in worker.pauses if p.active(at)} if worker.pauses else None
    bundle_short = bool(worker.bundle_missing) and worker.temporary
    judged: dict[Requirement, _Judged] = {}
    answers: list[tuple[str, bool, tuple[Reason, ...], date | None, date | None]] = []
    for task in tasks:
        reasons = general
        last: date | None = None
        until: date | None = None
        for req in task.requirements:
            found = judged.get(req)
            if found is None:
                found = judged[req] = _requirement(
                    worker, req, competencies[req.competency], at, pathway, today, stages
                )
            more, signed, due = found
            if more:
                reasons = reasons + more
            if signed is not None and (last is None or signed > last):
                last = signed
            if due is not None and (until is None or due < until):
                until = due
        if paused and task.delegated and task.code in paused:
            pause = _pause_reason(worker, task, at)
            if pause is not None:
                reasons = (*reasons, pause)
        if bundle_short and task.risk_tier > 1:
            reasons = (*reasons, _bundle_reason(worker, task))
        answers.append((task.code, not reasons, reasons, last, until))
    return answers


def decide_all(
    workers: Sequence[WorkerFacts],
    tasks: Sequence[TaskSpec],
    competencies: Mapping[str, CompetencySpec],
    at: datetime,
) -> list[Decision]:
    return [decide(w, t, competencies, at) for w in workers for t in tasks]


class BundleEvidence(NamedTuple):
    """One piece of a temporary worker's bundle evidence, as a plain value (a named tuple: a
    week's rota reads tens of thousands)."""

    kind: str
    occurred_on: date
    competency: str | None = None
    verified: bool = False
    topics: tuple[str, ...] = ()


def stored_evidence(
    kind: str,
    occurred_on: date,
    competency: str | None,
    verified: bool,
    detail: dict[str, Any] | str | None,
) -> BundleEvidence:
    """A piece of evidence as stored: `detail` is the evidence's detail (a dict, or its JSON
    text when read straight from the database); a local induction's topics are in it. (Made
    from its values as a tuple: the class's own `__new__` is Python.)"""
    if isinstance(detail, str):
        detail = json.loads(detail)
    topics = detail.get("topics", ()) if isinstance(detail, dict) else ()
    made: BundleEvidence = tuple.__new__(
        BundleEvidence,
        (
            kind,
            occurred_on,
            competency,
            verified,
            tuple(topics) if isinstance(topics, list | tuple) else (),
        ),
    )
    return made


BUNDLE_LABELS = {
    "modules": "verified role-specific modules",
    "supervised_practice": "a supervised-practice sign-off",
    "local_induction": "a local induction covering escalation routes, safeguarding triggers, "
    "documentation expectations and boundaries",
}


def bundle_missing(
    evidence: Iterable[BundleEvidence],
    *,
    placement_start: date,
    required_modules: Iterable[str],
    induction_topics: Sequence[str],
    at: date,
) -> tuple[str, ...]:
    """What a temporary worker's evidence bundle for the current placement still lacks on `at`.

    The bundle (SPEC C3): role-specific modules verified, a supervised-practice sign-off and a
    local induction covering every topic, each dated on or after the placement start.
    """
    items = [e for e in evidence if placement_start <= e.occurred_on <= at]
    verified_modules = {e.competency for e in items if e.kind == "module" and e.verified}
    missing = []
    if not set(required_modules) <= verified_modules:
        missing.append(BUNDLE_LABELS["modules"])
    if not any(e.kind == "supervised_practice_signoff" for e in items):
        missing.append(BUNDLE_LABELS["supervised_practice"])
    if not any(
        e.kind == "local_induction" and set(induction_topics) <= set(e.topics) for e in items
    ):
        missing.append(BUNDLE_LABELS["local_induction"])
    return tuple(missing)
