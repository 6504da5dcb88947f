"""The work lists people act on (SPEC C3, issue 3 point 7).

Each list is a function that takes the workers the actor may see (a `Worker` queryset from
the workforce access layer, already narrowed by the page's filters) and the day to judge on,
and returns plain rows. Every list runs a fixed number of queries, however many workers match.

* `expiring_sign_offs`: sign-offs in force whose review date falls within N days;
* `overdue_supervision`: workers whose last held supervision is older than the shortest
  supervision frequency of the competencies they hold, or with planned sessions past their
  date and not held;
* `pauses_due`: delegation pauses whose remedial supervision is not yet held (due or overdue);
* `incomplete_bundles`: temporary workers on a placement whose evidence bundle is incomplete
  (`authorization.bundle_missing`);
* `awaiting_revalidation`: workers on a pathway where a pathway-specific competency they hold
  on another pathway is not yet signed off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery

from seamline.competency.choices import EvidenceKind
from seamline.competency.models import Competency

from .authorization import BundleEvidence, bundle_missing
from .choices import LOCAL_INDUCTION_TOPICS, TEMPORARY, WorkerStatus
from .models import DelegationPause, Evidence, SignOff, SupervisionSession, Worker, WorkerPathway

WorkerSet = QuerySet[Worker]


def active(workers: WorkerSet, today: date) -> WorkerSet:
    return workers.filter(status=WorkerStatus.ACTIVE, start_date__lte=today).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=today)
    )


def signs_in_force() -> Q:
    """Sign-offs neither superseded nor revoked (their review date is checked apart)."""
    return Q(superseded_at__isnull=True, revoked_at__isnull=True)


# --- sign-offs expiring ----------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiringRow:
    sign_off: SignOff
    days_left: int

    @property
    def worker(self) -> Worker:
        return self.sign_off.worker


def expiring_sign_offs(
    workers: WorkerSet, today: date, days: int, competency: str = ""
) -> list[ExpiringRow]:
    """Sign-offs in force whose review date falls between today and today + `days`."""
    found = SignOff.objects.filter(
        signs_in_force(),
        worker__in=active(workers, today),
        review_due__gte=today,
        review_due__lte=today + timedelta(days=days),
    )
    if competency:
        found = found.filter(competency__code=competency)
    found = found.select_related(
        "worker__organisation", "competency", "pathway", "signer"
    ).order_by("review_due", "worker__last_name", "worker__first_name", "competency__code")
    return [ExpiringRow(s, (s.review_due - today).days) for s in found]


# --- supervision overdue ---------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionRow:
    worker: Worker
    last_held: date | None
    frequency_days: int | None
    due_on: date | None
    missed: int  # planned sessions past their date and not held
    first_missed: date | None
    days_overdue: int


def overdue_supervision(workers: WorkerSet, today: date) -> list[SupervisionRow]:
    """Workers whose routine supervision is overdue or who missed a planned session.

    The frequency is the shortest `supervision_frequency_days` of the competencies the worker
    holds now (sign-offs in force and in date); the clock runs from the last held session, or
    from the start date for someone never supervised."""
    held = SupervisionSession.objects.filter(
        worker=OuterRef("pk"), held_on__isnull=False, held_on__lte=today
    ).order_by("-held_on")
    frequency = (
        SignOff.objects.filter(signs_in_force(), worker=OuterRef("pk"), review_due__gte=today)
        .order_by()
        .values("worker")
        .annotate(shortest=Min("competency__supervision_frequency_days"))
        .values("shortest")
    )
    missed = Q(supervision__held_on__isnull=True, supervision__planned_for__lt=today)
    found = (
        active(workers, today)
        .select_related("organisation")
        .annotate(
            last_held=Subquery(held.values("held_on")[:1]),
            frequency=Subquery(frequency),
            missed=Count("supervision", filter=missed),
            first_missed=Min("supervision__planned_for", filter=missed),
        )
        .order_by("organisation__name", "last_name", "first_name")
    )
    rows = []
    for worker in found:
        freq = worker.frequency
        due = None
        if freq is not None:
            due = (worker.last_held or worker.start_date) + timedelta(days=freq)
        if (due is not None and due < today) or worker.missed:
            since = min(d for d in (due, worker.first_missed) if d is not None)
            rows.append(
                SupervisionRow(
                    worker,
                    worker.last_held,
                    freq,
                    due,
                    worker.missed,
                    worker.first_missed,
                    max(0, (today - since).days),
                )
            )
    rows.sort(key=lambda r: -r.days_overdue)
    return rows


# --- delegation pauses -----------------------------------------------------------------------


@dataclass(frozen=True)
class PauseRow:
    pause: DelegationPause
    days_left: int  # negative: overdue by that many days

    @property
    def worker(self) -> Worker:
        return self.pause.worker

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


def pauses_due(workers: WorkerSet, today: date, overdue_only: bool = False) -> list[PauseRow]:
    """Open delegation pauses whose remedial supervision has not been held yet."""
    found = DelegationPause.objects.filter(
        worker__in=workers, lifted_at__isnull=True, started_at__date__lte=today
    ).filter(Q(remedial_session__isnull=True) | Q(remedial_session__held_on__isnull=True))
    if overdue_only:
        found = found.filter(remedial_due__lt=today)
    found = found.select_related("worker__organisation", "task_type", "remedial_session").order_by(
        "remedial_due", "worker__last_name"
    )
    return [PauseRow(p, (p.remedial_due - today).days) for p in found]


# --- temporary workers' bundles --------------------------------------------------------------

BUNDLE_KINDS = (
    EvidenceKind.MODULE,
    EvidenceKind.SUPERVISED_PRACTICE_SIGNOFF,
    EvidenceKind.LOCAL_INDUCTION,
)


@dataclass(frozen=True)
class BundleRow:
    worker: Worker
    missing: tuple[str, ...]
    days_on_placement: int


RequiredModules = Callable[[Worker], Sequence[str]]


def network_critical_codes() -> list[str]:
    return list(
        Competency.objects.filter(network_critical=True, retired=False).values_list(
            "code", flat=True
        )
    )


def incomplete_bundles(
    workers: WorkerSet, today: date, required: Sequence[str] | None = None
) -> list[BundleRow]:
    """Temporary workers on a placement whose evidence bundle still lacks something.

    `required`: the competencies whose modules the bundle needs (default: the network-critical
    competencies of the framework)."""
    modules = network_critical_codes() if required is None else list(required)
    found = list(
        active(workers, today)
        .filter(employment_type__in=sorted(TEMPORARY))
        .select_related("organisation")
        .order_by("organisation__name", "last_name", "first_name")
    )
    evidence: dict[int, list[BundleEvidence]] = defaultdict(list)
    items = (
        Evidence.objects.filter(worker__in=[w.pk for w in found], kind__in=BUNDLE_KINDS)
        .order_by()
        .values_list(
            "worker_id", "kind", "occurred_on", "competency__code", "verified_by", "detail"
        )
    )
    for worker_id, kind, occurred_on, code, verified_by, detail in items:
        topics = tuple((detail or {}).get("topics", ()))
        evidence[worker_id].append(
            BundleEvidence(kind, occurred_on, code, verified_by is not None, topics)
        )
    rows = []
    for worker in found:
        placement = worker.placement_start or worker.start_date
        missing = bundle_missing(
            evidence[worker.pk],
            placement_start=placement,
            required_modules=modules,
            induction_topics=LOCAL_INDUCTION_TOPICS,
            at=today,
        )
        if missing:
            rows.append(BundleRow(worker, missing, (today - placement).days))
    return rows


# --- pathway re-validation -------------------------------------------------------------------


@dataclass(frozen=True)
class RevalidationRow:
    worker: Worker
    placement: WorkerPathway
    competencies: tuple[Competency, ...]

    @property
    def pathway(self) -> str:
        return self.placement.pathway.name


def awaiting_revalidation(
    workers: WorkerSet, today: date, pathway: str = ""
) -> list[RevalidationRow]:
    """Workers on a pathway where a pathway-specific competency they hold (in date) on another
    pathway is not yet signed off: competence is not assumed to transfer."""
    placements = (
        WorkerPathway.objects.filter(worker__in=active(workers, today), started_on__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .select_related("worker__organisation", "pathway")
        .order_by("-started_on", "worker__last_name")
    )
    if pathway:
        placements = placements.filter(pathway__code=pathway)
    placements_list = list(placements)
    held = (
        SignOff.objects.filter(
            signs_in_force(),
            worker__in=[p.worker_id for p in placements_list],
            competency__pathway_specific=True,
            review_due__gte=today,
            signed_at__date__lte=today,
        )
        .select_related("competency")
        .order_by("competency__code")
    )
    by_worker: dict[int, dict[int | None, dict[int, Competency]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for s in held:
        by_worker[s.worker_id][s.pathway_id][s.competency_id] = s.competency
    rows = []
    for placement in placements_list:
        signed = by_worker.get(placement.worker_id, {})
        here = signed.get(placement.pathway_id, {})
        elsewhere: dict[int, Competency] = {}
        for pathway_id, comps in signed.items():
            if pathway_id != placement.pathway_id:
                elsewhere.update(comps)
        waiting = tuple(c for pk, c in sorted(elsewhere.items()) if pk not in here)
        if waiting:
            rows.append(RevalidationRow(placement.worker, placement, waiting))
    return rows


# --- counts for the home cards ---------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    expiring: int
    supervision: int
    pauses: int
    bundles: int
    revalidation: int

    @property
    def total(self) -> int:
        return self.expiring + self.supervision + self.pauses + self.bundles + self.revalidation


def counts(workers: WorkerSet, today: date, days: int) -> Counts:
    return Counts(
        expiring=len(expiring_sign_offs(workers, today, days)),
        supervision=len(overdue_supervision(workers, today)),
        pauses=len(pauses_due(workers, today)),
        bundles=len(incomplete_bundles(workers, today)),
        revalidation=len(awaiting_revalidation(workers, today)),
    )
