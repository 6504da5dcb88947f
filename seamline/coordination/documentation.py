"""The 24-hour documentation standard (SPEC C7): how many records were written on time, by
partner, by worker and by week, and the late records supervisors look at.

A record is on time when written no more than 24 hours after what it records happened
(`rules.documented_on_time`). The records counted are this app's `Record`s and any other app's
rows registered as a source, once, from its `AppConfig.ready()`::

    from seamline.coordination.documentation import documentation_source

    documentation_source(
        "safeguarding_concern",
        lambda: SafeguardingConcern.objects.annotate(author=F("raised_by")),
    )

The function returns a queryset whose rows have (as fields or annotations) `participant`,
`organisation` and `author` (foreign keys: a participant, the writing organisation, the
writing person or null) and `occurred_at` and `recorded_at`. Every source is read in the same
statement (UNION ALL), so the compliance figures are one aggregate query however many sources
there are, and the late list one query.

Who sees what (`access.documentation_scope`): supervisors, partner admins and quality leads
their own organisation's records; the prime's quality leads, network admins and inspectors
every partner's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    ExpressionWrapper,
    F,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import TruncWeek

from seamline.cases.models import Participant
from seamline.network.models import Organisation, User

from . import rules
from .choices import RecordKind
from .models import Record

SourceRows = Callable[[], QuerySet[Any]]

_SOURCES: dict[str, SourceRows] = {}

# Column names of the normalised rows every source is read as.
COLUMNS = (
    "doc_kind",
    "doc_participant",
    "doc_organisation",
    "doc_author",
    "doc_occurred",
    "doc_recorded",
    "doc_on_time",
    "doc_week",
)


def documentation_source(kind: str, rows: SourceRows) -> None:
    """Count another app's records towards the standard, under `kind` (e.g.
    ``safeguarding_concern``). Registering the same kind again replaces it."""
    if kind == "record":
        raise ValueError("'record' names the coordination app's own records.")
    _SOURCES[kind] = rows


def forget(kind: str) -> None:
    """Unregister (for tests)."""
    _SOURCES.pop(kind, None)


def sources() -> list[tuple[str, QuerySet[Any]]]:
    """Every counted source's own rows, this app's records first (for figures that group them
    their own way, such as the assurance pack's)."""
    return [("record", Record.objects.all()), *((k, fn()) for k, fn in sorted(_SOURCES.items()))]


def registered() -> list[str]:
    return sorted(_SOURCES)


def on_time_expression(window: timedelta = rules.DOCUMENTATION_WINDOW) -> Case:
    """`rules.documented_on_time` in SQL: 1 when `recorded_at` is no later than `occurred_at`
    plus the window, else 0."""
    deadline = ExpressionWrapper(F("occurred_at") + Value(window), output_field=DateTimeField())
    return Case(
        When(recorded_at__lte=deadline, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _normalised(rows: QuerySet[Any], kind: Combinable | Value) -> QuerySet[Any]:
    return rows.order_by().values(
        doc_kind=kind,
        doc_participant=F("participant"),
        doc_organisation=F("organisation"),
        doc_author=F("author"),
        doc_occurred=F("occurred_at"),
        doc_recorded=F("recorded_at"),
        doc_on_time=on_time_expression(),
        doc_week=TruncWeek("occurred_at"),
    )


@dataclass(frozen=True)
class Period:
    """From `since` (included) to `until` (not included), by the time things happened."""

    since: datetime | None = None
    until: datetime | None = None


def _filtered(
    rows: QuerySet[Any], period: Period, organisation: Organisation | None, late_only: bool
) -> QuerySet[Any]:
    if period.since is not None:
        rows = rows.filter(doc_occurred__gte=period.since)
    if period.until is not None:
        rows = rows.filter(doc_occurred__lt=period.until)
    if organisation is not None:
        rows = rows.filter(doc_organisation=organisation.pk)
    if late_only:
        rows = rows.filter(doc_on_time=0)
    return rows


def combined(
    period: Period, organisation: Organisation | None = None, late_only: bool = False
) -> QuerySet[Any]:
    """Every source's rows in the period (of one organisation, or all), normalised to
    `COLUMNS`, as one UNION ALL queryset."""
    parts = [
        _filtered(_normalised(Record.objects.all(), F("kind")), period, organisation, late_only)
    ]
    for kind, rows in sorted(_SOURCES.items()):
        parts.append(_filtered(_normalised(rows(), Value(kind)), period, organisation, late_only))
    first, *rest = parts
    return first.union(*rest, all=True) if rest else first


# --- compliance ----------------------------------------------------------------------------------


@dataclass
class PartnerRow:
    code: str
    name: str
    compliance: rules.Compliance


@dataclass
class WorkerRow:
    partner_code: str
    partner_name: str
    person: User | None
    worker_name: str
    staff_id: str
    compliance: rules.Compliance

    @property
    def name(self) -> str:
        if self.worker_name:
            return self.worker_name
        return self.person.display_name if self.person else "Not named"


@dataclass
class WeekRow:
    week: date
    compliance: rules.Compliance


@dataclass
class Report:
    period: Period
    total: rules.Compliance
    partners: list[PartnerRow] = field(default_factory=list)
    workers: list[WorkerRow] = field(default_factory=list)
    weeks: list[WeekRow] = field(default_factory=list)


def _week(value: object) -> date:
    """The Monday a row's week starts on: PostgreSQL gives a datetime, SQLite (through a
    plain cursor) the local date and time as text."""
    if isinstance(value, datetime):
        from django.utils import timezone

        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _add(a: rules.Compliance, on_time: int, records: int) -> rules.Compliance:
    return rules.Compliance(a.on_time + on_time, a.records + records)


def compliance(period: Period, organisation: Organisation | None = None) -> Report:
    """The share of records on time over `period`, by partner, by author and by week: one
    aggregate query over every source, then the names of the partners and authors found."""
    # The inner statement is Django's own compilation of the sources, its values parameters.
    sql, params = combined(period, organisation).query.sql_with_params()
    grouped = "doc_organisation, doc_author, doc_week"
    statement = f"SELECT {grouped}, SUM(doc_on_time), COUNT(*) FROM ({sql}) docs GROUP BY {grouped}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    empty = rules.Compliance(0, 0)
    total = empty
    by_partner: dict[int, rules.Compliance] = defaultdict(lambda: empty)
    by_author: dict[tuple[int, int | None], rules.Compliance] = defaultdict(lambda: empty)
    by_week: dict[date, rules.Compliance] = defaultdict(lambda: empty)
    for org_id, author_id, week, on_time, records in found:
        on_time, records = int(on_time or 0), int(records)
        total = _add(total, on_time, records)
        by_partner[org_id] = _add(by_partner[org_id], on_time, records)
        by_author[(org_id, author_id)] = _add(by_author[(org_id, author_id)], on_time, records)
        monday = _week(week)
        by_week[monday] = _add(by_week[monday], on_time, records)
    organisations = Organisation.objects.in_bulk(list(by_partner))
    people = User.objects.in_bulk([a for _o, a in by_author if a is not None])
    workers = _workers_of(list(people))
    report = Report(period, total)
    report.partners = sorted(
        (
            PartnerRow(organisations[pk].code, organisations[pk].name, c)
            for pk, c in by_partner.items()
        ),
        key=lambda r: (_share_key(r.compliance), r.name),
    )
    for (org_id, author_id), c in by_author.items():
        org = organisations[org_id]
        person = people.get(author_id) if author_id is not None else None
        worker = workers.get(author_id) if author_id is not None else None
        report.workers.append(
            WorkerRow(
                org.code,
                org.name,
                person,
                worker[0] if worker else "",
                worker[1] if worker else "",
                c,
            )
        )
    report.workers.sort(key=lambda r: (_share_key(r.compliance), r.partner_name, r.name))
    report.weeks = [WeekRow(w, by_week[w]) for w in sorted(by_week)]
    return report


def _share_key(c: rules.Compliance) -> float:
    """Worst first: the lowest share on time leads."""
    return c.share if c.share is not None else 2.0


def _workers_of(user_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The worker name and staff id of each person who is a worker (one query)."""
    from seamline.workforce.models import Worker

    return {
        user_id: (f"{first} {last}", staff_id)
        for user_id, first, last, staff_id in Worker.objects.filter(
            user_id__in=user_ids
        ).values_list("user_id", "first_name", "last_name", "staff_id")
    }


def report_json(report: Report) -> dict[str, Any]:
    def figures(c: rules.Compliance) -> dict[str, Any]:
        return {"records": c.records, "on_time": c.on_time, "late": c.late, "share": c.share}

    return {
        "since": report.period.since,
        "until": report.period.until,
        "window_hours": rules.DOCUMENTATION_HOURS,
        "total": figures(report.total),
        "by_partner": [
            {"partner": r.code, "partner_name": r.name, **figures(r.compliance)}
            for r in report.partners
        ],
        "by_worker": [
            {
                "partner": r.partner_code,
                "partner_name": r.partner_name,
                "person": str(r.person.uuid) if r.person else None,
                "name": r.name,
                "staff_id": r.staff_id,
                **figures(r.compliance),
            }
            for r in report.workers
        ],
        "by_week": [{"week": r.week.isoformat(), **figures(r.compliance)} for r in report.weeks],
    }


# --- late records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LateRecord:
    kind: str
    participant: str
    partner_code: str
    partner_name: str
    author: User | None
    occurred_at: datetime
    recorded_at: datetime

    @property
    def kind_label(self) -> str:
        return RecordKind(self.kind).label if self.kind in RecordKind.values else self.kind

    @property
    def hours_late(self) -> float:
        return rules.hours_late(self.occurred_at, self.recorded_at)

    @property
    def author_name(self) -> str:
        return self.author.display_name if self.author else "Not named"


def late_records(
    period: Period, organisation: Organisation | None = None, limit: int = 500
) -> list[LateRecord]:
    """Records written more than 24 hours after what they record, latest written first: one
    query over every source, then the participants, partners and authors named."""
    rows = list(
        combined(period, organisation, late_only=True).order_by("-doc_recorded", "-doc_occurred")[
            :limit
        ]
    )
    participants = dict(
        Participant.objects.filter(pk__in={r["doc_participant"] for r in rows}).values_list(
            "pk", "code"
        )
    )
    organisations = Organisation.objects.in_bulk({r["doc_organisation"] for r in rows})
    people = User.objects.in_bulk({r["doc_author"] for r in rows if r["doc_author"] is not None})
    return [
        LateRecord(
            r["doc_kind"],
            participants.get(r["doc_participant"], ""),
            organisations[r["doc_organisation"]].code,
            organisations[r["doc_organisation"]].name,
            people.get(r["doc_author"]) if r["doc_author"] is not None else None,
            r["doc_occurred"],
            r["doc_recorded"],
        )
        for r in rows
    ]


def late_json(row: LateRecord) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "participant": row.participant,
        "partner": row.partner_code,
        "author": row.author.username if row.author else None,
        "author_name": row.author_name,
        "occurred_at": row.occurred_at,
        "recorded_at": row.recorded_at,
        "hours_late": row.hours_late,
    }
