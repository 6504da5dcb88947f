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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import NamedTuple

from seamline.competency.choices import STAGE_RANK, Stage
from seamline.errors import Reason

from .choices import TEMPORARY, WorkerStatus


@dataclass(frozen=True)
class Requirement:
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

    @property
    def temporary(self) -> bool:
        return self.employment_type in TEMPORARY

    @cached_property
    def by_competency(self) -> dict[str, tuple[Attainment, ...]]:
        """The attainments of each competency (built once: the register asks about every task
        type of the same worker)."""
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


@dataclass
class _Best:
    """The strongest attainment found for one requirement."""

    current: Attainment | None = None
    lapsed: Attainment | None = None
    below: Attainment | None = None
    missing_pathways: list[str] = field(default_factory=list)


_LABELS = {stage.value: stage.label.lower() for stage in Stage}


def _label(stage: str) -> str:
    return _LABELS[stage]


def _pick(
    attainments: Iterable[Attainment],
    competency: str,
    min_stage: str,
    pathway: str | None,
    at: datetime,
) -> _Best:
    need = STAGE_RANK[min_stage]
    best = _Best()
    for a in attainments:
        if a.competency != competency or (pathway is not None and a.pathway != pathway):
            continue  # (callers pass one competency's attainments; the test keeps it safe)
        if not a.in_force(at) and not (a.revoked_at is not None and a.signed_at <= at):
            continue
        if STAGE_RANK[a.stage] < need:
            if a.current(at) and (
                best.below is None or STAGE_RANK[a.stage] > STAGE_RANK[best.below.stage]
            ):
                best.below = a
            continue
        if a.current(at):
            if best.current is None or a.review_due > best.current.review_due:
                best.current = a
        elif best.lapsed is None or a.review_due > best.lapsed.review_due:
            best.lapsed = a
    return best


def _held_elsewhere(worker: WorkerFacts, req: Requirement, at: datetime) -> bool:
    return any(
        a.competency == req.competency
        and a.current(at)
        and STAGE_RANK[a.stage] >= STAGE_RANK[req.min_stage]
        for a in worker.attainments
    )


def _requirement_reasons(
    worker: WorkerFacts,
    req: Requirement,
    spec: CompetencySpec,
    at: datetime,
    pathway: str | None,
    used: list[Attainment],
) -> list[Reason]:
    stage = _label(req.min_stage)
    held = worker.by_competency.get(req.competency, ())
    pathways: list[str | None]
    if spec.pathway_specific:
        pathways = [pathway] if pathway else [*worker.pathways] or [None]
    else:
        pathways = [None]
    reasons: list[Reason] = []
    for p in pathways:
        best = _pick(
            held,
            req.competency,
            req.min_stage,
            p if spec.pathway_specific else None,
            at,
        )
        if best.current is not None:
            used.append(best.current)
            continue
        on = f" on pathway {p}" if p else ""
        if best.lapsed is not None:
            lapsed = best.lapsed
            if lapsed.revoked_at is not None and lapsed.revoked_at <= at:
                what = f"was revoked on {lapsed.revoked_at.date():%d %b %Y}"
            else:
                what = f"passed its review date on {lapsed.review_due:%d %b %Y}"
            reasons.append(
                Reason(
                    "competency_expired",
                    f"{worker.name}'s sign-off of {spec.title} at {_label(lapsed.stage)}{on} "
                    f"{what}: "
                    f"a new sign-off at {stage} or above is needed.",
                )
            )
        elif best.below is not None:
            reasons.append(
                Reason(
                    "stage_below",
                    f"{worker.name} holds {spec.title} at {_label(best.below.stage)}{on}; "
                    "this task "
                    f"needs {stage} or above.",
                )
            )
        elif p is not None and _pick(held, req.competency, req.min_stage, None, at).current:
            reasons.append(
                Reason(
                    "pathway_revalidation_due",
                    f"{spec.title} is pathway-specific: {worker.name} is signed off for it on "
                    f"another pathway but not yet re-validated on pathway {p}.",
                )
            )
        else:
            reasons.append(
                Reason(
                    "competency_missing",
                    f"{worker.name} has no sign-off of {spec.title}{on}; this task needs {stage} "
                    "or above.",
                )
            )
    return reasons


def decide(
    worker: WorkerFacts,
    task: TaskSpec,
    competencies: Mapping[str, CompetencySpec],
    at: datetime,
    pathway: str | None = None,
) -> Decision:
    """Is `worker` cleared for `task` at instant `at` (on `pathway`, when given)?"""
    reasons: list[Reason] = []
    today = at.date()
    # The same instant in UTC, the zone sign-offs are loaded in: comparing datetimes of one
    # zone is many times faster than of two (the register compares hundreds of thousands).
    at = at.astimezone(UTC)
    # A leaving date says when: asked about an instant before it, the worker was still there.
    if worker.left_on is not None:
        left = worker.left_on <= today
    else:
        left = worker.status == WorkerStatus.LEFT
    if left:
        reasons.append(Reason("worker_not_active", f"{worker.name} has left the organisation."))
    elif worker.start_date > today:
        reasons.append(
            Reason("worker_not_active", f"{worker.name} starts on {worker.start_date:%d %b %Y}.")
        )
    elif worker.status not in (WorkerStatus.ACTIVE, WorkerStatus.LEFT):
        reasons.append(Reason("worker_not_active", f"{worker.name} is suspended from practice."))
    if not worker.organisation_active:
        reasons.append(
            Reason(
                "organisation_not_active",
                f"{worker.name}'s organisation ({worker.organisation}) is not active in the "
                "network.",
            )
        )
    used: list[Attainment] = []
    for req in task.requirements:
        spec = competencies[req.competency]
        reasons.extend(_requirement_reasons(worker, req, spec, at, pathway, used))
    if task.delegated and any(p.task_type == task.code and p.active(at) for p in worker.pauses):
        pause = next(p for p in worker.pauses if p.task_type == task.code and p.active(at))
        reasons.append(
            Reason(
                "delegation_paused",
                f"Delegation of {task.title} to {worker.name} is paused since "
                f"{pause.started_at.date():%d %b %Y} after a spot-check; it lifts once remedial "
                "supervision is held and a new observed practice is recorded.",
            )
        )
    if worker.temporary and task.risk_tier > 1 and worker.bundle_missing:
        reasons.append(
            Reason(
                "bundle_incomplete",
                f"{worker.name} is a temporary worker whose evidence bundle lacks "
                f"{', '.join(worker.bundle_missing)}: tier 1 tasks only until it is complete "
                f"(this task is tier {task.risk_tier}).",
            )
        )
    return Decision(
        worker=worker.key,
        task_type=task.code,
        cleared=not reasons,
        reasons=tuple(reasons),
        last_validated=max((a.signed_at.date() for a in used), default=None),
        valid_until=min((a.review_due for a in used), default=None),
    )


def decide_all(
    workers: Sequence[WorkerFacts],
    tasks: Sequence[TaskSpec],
    competencies: Mapping[str, CompetencySpec],
    at: datetime,
) -> list[Decision]:
    return [decide(w, t, competencies, at) for w in workers for t in tasks]


@dataclass(frozen=True)
class BundleEvidence:
    kind: str
    occurred_on: date
    competency: str | None = None
    verified: bool = False
    topics: tuple[str, ...] = ()


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
