"""The records an audit samples from: one partner's records of one kind over a period, each
as a `Candidate` with its key (a public code), stratum (its pathway's code) and the foreign
keys the sampled item keeps. One or two queries per kind, whatever the number of records.

- handoff: the handoffs it sent, first sent in the period (handoffs app);
- visit: its planned (not cancelled) visits starting in the period (rota app);
- delegated_task: each delegated task type of a visit in the period, per worker of the partner
  assigned to it (rota assignments); a worker and a task type narrow it to a spot-check;
- safeguarding: the safeguarding concerns its people raised that arose in the period
  (escalation app), each with the escalation of its episode where there is one.

The pure choice among them is `rules.draw_sample`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from seamline.competency.models import TaskType
from seamline.network.models import Organisation
from seamline.workforce.models import Worker

from .choices import RecordKind


@dataclass(frozen=True)
class Candidate:
    key: str
    stratum: str
    refs: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as instants: from the start of its first local day to the end of its last."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def candidates(
    kind: str,
    partner: Organisation,
    start: date,
    end: date,
    *,
    worker: Worker | None = None,
    task_type: TaskType | None = None,
) -> list[Candidate]:
    since, until = bounds(start, end)
    if kind == RecordKind.HANDOFF:
        return _handoffs(partner, since, until)
    if kind == RecordKind.VISIT:
        return _visits(partner, since, until, worker)
    if kind == RecordKind.DELEGATED_TASK:
        return _delegated(partner, since, until, worker, task_type)
    if kind == RecordKind.SAFEGUARDING:
        return _safeguarding(partner, since, until)
    raise ValueError(kind)


def _handoffs(partner: Organisation, since: datetime, until: datetime) -> list[Candidate]:
    from seamline.handoffs.models import Handoff

    rows = Handoff.objects.filter(
        sender_organisation=partner, first_sent_at__gte=since, first_sent_at__lt=until
    ).values_list("pk", "code", "referral__pathway__code")
    return [Candidate(code, path, {"handoff_id": pk}) for pk, code, path in rows]


def _visits(
    partner: Organisation, since: datetime, until: datetime, worker: Worker | None
) -> list[Candidate]:
    from seamline.rota.choices import AssignmentStatus, VisitStatus
    from seamline.rota.models import Visit

    visits = Visit.objects.filter(
        organisation=partner,
        status=VisitStatus.PLANNED,
        starts_at__gte=since,
        starts_at__lt=until,
    )
    if worker is not None:
        visits = visits.filter(
            assignments__worker=worker, assignments__status=AssignmentStatus.ASSIGNED
        )
    rows = visits.values_list("pk", "code", "pathway__code").distinct()
    return [Candidate(code, path, {"visit_id": pk}) for pk, code, path in rows]


def _delegated(
    partner: Organisation,
    since: datetime,
    until: datetime,
    worker: Worker | None,
    task_type: TaskType | None,
) -> list[Candidate]:
    from seamline.rota.choices import AssignmentStatus, VisitStatus
    from seamline.rota.models import Assignment, Visit

    assignments = Assignment.objects.filter(
        status=AssignmentStatus.ASSIGNED,
        worker__organisation=partner,
        visit__status=VisitStatus.PLANNED,
        visit__starts_at__gte=since,
        visit__starts_at__lt=until,
    )
    if worker is not None:
        assignments = assignments.filter(worker=worker)
    rows = list(
        assignments.values_list(
            "pk", "visit_id", "visit__code", "visit__pathway__code", "worker_id", "worker__uuid"
        )
    )
    tasks = Visit.task_types.through.objects.filter(
        visit_id__in={r[1] for r in rows}, tasktype__delegated=True
    )
    if task_type is not None:
        tasks = tasks.filter(tasktype=task_type)
    by_visit: dict[int, list[tuple[int, str]]] = {}
    for visit_id, task_id, task_code in tasks.values_list(
        "visit_id", "tasktype_id", "tasktype__code"
    ):
        by_visit.setdefault(visit_id, []).append((task_id, task_code))
    out = []
    for pk, visit_id, visit_code, path, worker_id, worker_uuid in rows:
        for task_id, task_code in by_visit.get(visit_id, []):
            out.append(
                Candidate(
                    f"{visit_code}/{task_code}/{worker_uuid}",
                    path,
                    {
                        "visit_id": visit_id,
                        "assignment_id": pk,
                        "task_type_id": task_id,
                        "worker_id": worker_id,
                    },
                )
            )
    return out


def _safeguarding(partner: Organisation, since: datetime, until: datetime) -> list[Candidate]:
    from seamline.escalation.models import SafeguardingConcern

    rows = SafeguardingConcern.objects.filter(
        organisation=partner, occurred_at__gte=since, occurred_at__lt=until
    ).values_list("pk", "code", "pathway__code", "escalation_id")
    return [
        Candidate(code, path, {"concern_id": pk, "escalation_id": escalation})
        for pk, code, path, escalation in rows
    ]


@dataclass(frozen=True)
class Redraw:
    """The sample drawn again from the audit's seed over today's records."""

    keys: list[str]
    same_sample: bool  # the records drawn, in the same order, as the stored sample
    same_records: bool  # the candidates are the very records the audit was drawn from
    candidates: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "keys": self.keys,
            "same_sample": self.same_sample,
            "same_records": self.same_records,
            "candidates": self.candidates,
        }


def redraw(audit: Any) -> Redraw:
    """Draw `audit`'s sample again from its seed: anyone can check it was not hand-picked."""
    from .rules import digest, draw_sample

    found = candidates(
        audit.record_kind,
        audit.partner,
        audit.period_start,
        audit.period_end,
        worker=audit.worker,
        task_type=audit.task_type,
    )
    pairs = [(c.key, c.stratum) for c in found]
    keys = [key for key, _ in draw_sample(audit.seed, pairs, audit.size)]
    stored = list(audit.items.order_by("position").values_list("record_ref", flat=True))
    return Redraw(keys, keys == stored, digest(pairs) == audit.candidates_digest, len(set(pairs)))
