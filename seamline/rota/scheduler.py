"""The scheduler's question: who can do this visit? Every candidate worker through the gate,
the eligible ones best first, and for each blocked one why (SPEC C4).

Best first: continuity of carer (visits to this participant in the four weeks before), then
headroom (how many more distinct high-risk participants the worker may take on in the
visit's week under their cap), then name.

Candidates are the workers of one organisation whose records the asker may see (the visit's
organisation by default), and whoever is already on the visit. A worker the asker may not
see (an agency worker on a partner's visit, SPEC C1) shows as cleared or not, no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from seamline.access import Actor
from seamline.network.models import Organisation
from seamline.workforce.access import organisations_with_workers_for
from seamline.workforce.choices import WorkerStatus
from seamline.workforce.models import Worker

from .choices import AssignmentStatus, VisitStatus
from .gate import Answer, Gate, VisitFacts
from .loading import load, stored_visits
from .models import Assignment, Visit

CONTINUITY_DAYS = 28


@dataclass(frozen=True)
class Candidate:
    worker: int  # primary key
    name: str
    organisation: str
    answer: Answer
    continuity: int  # visits to this participant in the four weeks before
    headroom: int
    visible: bool  # whether the asker may read the reasons
    assigned: bool

    @property
    def allowed(self) -> bool:
        return self.answer.allowed


@dataclass
class Board:
    visit: VisitFacts
    gate: Gate
    organisation: Organisation | None
    assigned: list[Candidate]
    eligible: list[Candidate]
    blocked: list[Candidate]


def default_organisation(actor: Actor, visit: Visit) -> Organisation | None:
    """Whose workers to offer: the visit's organisation when the asker sees its workers,
    else the asker's own."""
    seen = organisations_with_workers_for(actor)
    if seen.filter(pk=visit.organisation_id).exists():
        return visit.organisation
    return seen.filter(pk=actor.organisation.pk).first() if actor.organisation else None


def board(actor: Actor, visit: Visit, organisation: Organisation | None = None) -> Board:
    """Every candidate for `visit` through the gate (a fixed number of queries)."""
    facts = stored_visits([visit.pk])[0]
    day = timezone.localdate(facts.start)
    visible = Worker.objects.visible_to(actor)
    chosen = organisation or default_organisation(actor, visit)
    pool: set[int] = set()
    if chosen is not None:
        pool = set(
            visible.filter(organisation=chosen)
            .exclude(status=WorkerStatus.LEFT)
            .exclude(left_on__lt=day)
            .values_list("pk", flat=True)
        )
    on_visit = set(facts.workers) | ({facts.paired} if facts.paired else set())
    gate = load([facts], pool | on_visit)
    facts = gate.visits[facts.key]
    seen = set(visible.filter(pk__in=list(pool | on_visit)).values_list("pk", flat=True))
    continuity = dict(
        Assignment.objects.filter(
            status=AssignmentStatus.ASSIGNED,
            worker_id__in=list(pool | on_visit),
            visit__participant_id=facts.participant,
            visit__status=VisitStatus.PLANNED,
            visit__starts_at__gte=facts.start - timedelta(days=CONTINUITY_DAYS),
            visit__starts_at__lt=facts.start,
        )
        .order_by()
        .values("worker_id")
        .annotate(n=Count("id"))
        .values_list("worker_id", "n")
    )
    candidates = []
    for pk in pool | on_visit:
        worker = gate.workers.get(pk)
        if worker is None:
            continue
        candidates.append(
            Candidate(
                worker=pk,
                name=worker.name,
                organisation=worker.organisation,
                answer=gate.check(pk, facts),
                continuity=continuity.get(pk, 0),
                headroom=gate.headroom(pk, facts),
                visible=pk in seen,
                assigned=pk in facts.workers,
            )
        )
    assigned = sorted((c for c in candidates if c.assigned), key=lambda c: c.name)
    rest = [c for c in candidates if not c.assigned and c.worker != facts.paired]
    eligible = sorted(
        (c for c in rest if c.allowed), key=lambda c: (-c.continuity, -c.headroom, c.name)
    )
    blocked = sorted(
        (c for c in rest if not c.allowed and c.visible),
        key=lambda c: (len(c.answer.rules), c.name),
    )
    return Board(facts, gate, chosen, assigned, eligible, blocked)
