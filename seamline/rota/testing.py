"""Small `make_*` helpers for rota tests: fixed, readable defaults, written straight to the
database (no rights checks, no audit entries). Tests of the rules go through `rota.gate` and
`rota.actions`; these helpers only set the scene.

    visit = make_visit(ada, cast.discharge, [welfare], at(MONDAY, 9), workers=[amy])
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from itertools import count

from django.utils import timezone

from seamline.cases.models import Participant
from seamline.competency.models import TaskType
from seamline.network.models import Organisation, Pathway
from seamline.workforce.models import Worker

from .models import Assignment, Shift, Visit
from .rules import visit_code, week_of

# The rota week most tests use: Monday 16 to Sunday 22 November 2026.
MONDAY = date(2026, 11, 16)
_numbers = count(1)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An aware instant on `day` in the project's time zone."""
    return datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone()
    )


def make_visit(
    participant: Participant,
    pathway: Pathway,
    task_types: Iterable[TaskType],
    start: datetime,
    *,
    minutes: int = 45,
    end: datetime | None = None,
    organisation: Organisation | None = None,
    workers: Iterable[Worker] = (),
    paired_with: Worker | None = None,
    lone: bool = False,
    ref: str = "",
    code: str = "",
) -> Visit:
    number = next(_numbers)
    org = organisation or (next(iter(workers), None) or paired_with).organisation  # type: ignore[union-attr]
    visit = Visit.objects.create(
        code=code or visit_code(week_of(timezone.localdate(start)), 900_000 + number),
        organisation=org,
        ref=ref or f"T-{number:05d}",
        participant=participant,
        pathway=pathway,
        starts_at=start,
        ends_at=end or start + timedelta(minutes=minutes),
        lone=lone,
        paired_with=paired_with,
    )
    visit.task_types.set(list(task_types))
    for worker in workers:
        Assignment.objects.create(visit=visit, worker=worker)
    return visit


def make_shift(
    worker: Worker | None,
    start: datetime,
    hours: float = 8,
    *,
    organisation: Organisation | None = None,
    ref: str = "",
) -> Shift:
    number = next(_numbers)
    org = organisation or (worker.organisation if worker else None)
    assert org is not None
    return Shift.objects.create(
        organisation=org,
        ref=ref or f"S-{number:05d}",
        worker=worker,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
    )
