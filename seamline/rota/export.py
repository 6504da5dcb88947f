"""Rota files out: stored visits and shifts written in the format `rota.imports` reads
(docs/imports.md, section "rota"), so that loading an exported file again changes nothing.
`seamline rota export`, the visit list's CSV and the API use it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from seamline.workforce.models import Worker

from . import rules
from .choices import AssignmentStatus, VisitStatus
from .imports import COLUMNS, ROTA, SHIFT, VISIT
from .models import Assignment, Shift, Visit

# --- export ----------------------------------------------------------------------------------


def _when(value: datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


def _staff(worker: Worker, organisation_id: int) -> str:
    if worker.organisation_id == organisation_id:
        return worker.staff_id
    return f"{worker.organisation.code}/{worker.staff_id}"


def export_rows(visits: Iterable[Visit], shifts: Iterable[Shift]) -> list[list[str]]:
    """Rows of a rota file for stored visits and shifts (planned ones), in the import's
    column order: loading the file again changes nothing."""
    rows: list[list[str]] = []
    for s in shifts:
        rows.append(
            [
                SHIFT,
                s.organisation.code,
                s.ref,
                "",
                "",
                s.pathway.code if s.pathway else "",
                s.duty.code if s.duty else "",
                _when(s.starts_at),
                _when(s.ends_at),
                "",
                _staff(s.worker, s.organisation_id) if s.worker else "",
                "",
            ]
        )
    for v in visits:
        workers = [a.worker for a in v.assignments.all() if a.status == AssignmentStatus.ASSIGNED]
        rows.append(
            [
                VISIT,
                v.organisation.code,
                v.ref,
                v.code,
                v.participant.code,
                v.pathway.code,
                ";".join(sorted(t.code for t in v.task_types.all())),
                _when(v.starts_at),
                _when(v.ends_at),
                "yes" if v.lone else "no",
                ";".join(_staff(w, v.organisation_id) for w in workers),
                _staff(v.paired_with, v.organisation_id) if v.paired_with else "",
            ]
        )
    return rows


def week_visits(
    week: str, visits: QuerySet[Visit], shifts: QuerySet[Shift]
) -> tuple[QuerySet[Visit], QuerySet[Shift]]:
    """The planned visits and shifts of `visits` and `shifts` (querysets) starting in the
    rota week `week`, ready for `export_rows` (a handful of queries)."""
    start, end = rules.week_window(week, timezone.get_current_timezone())
    chosen_visits = (
        visits.filter(status=VisitStatus.PLANNED)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("organisation", "participant", "pathway", "paired_with__organisation")
        .prefetch_related(
            "task_types",
            Prefetch(
                "assignments",
                queryset=Assignment.objects.live().select_related("worker__organisation"),
            ),
        )
        .order_by("organisation__code", "starts_at", "ref")
    )
    chosen_shifts = (
        shifts.filter(status=VisitStatus.PLANNED)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("organisation", "worker__organisation", "pathway", "duty")
        .order_by("organisation__code", "starts_at", "ref")
    )
    return chosen_visits, chosen_shifts


def write_csv(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def template_csv() -> str:
    return write_csv([[c.example for c in ROTA.columns]])
