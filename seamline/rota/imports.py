"""Rota files: the CSV a partner's scheduling system pushes, a week at a time (docs/imports.md,
section "rota"), read for three uses:

* `run` loads it (`seamline import rota FILE.csv`, the API, the upload page): all or nothing,
  a dry run writes nothing, per-row errors name the row and the column, and the same file
  loaded twice changes nothing;
* `parse` reads it for validation without storing anything (`rota.validation`);
* `export` writes stored visits and shifts in the same format.

A file is the whole rota of each organisation for each week it has rows in: visits and shifts
of that organisation in that week that the file no longer lists are cancelled (kept, marked
cancelled). Rows are matched to stored visits and shifts by the organisation and its own
reference (`ref`).

The columns are declared like the workforce imports' (`workforce.imports.Column`), so the
header check and the cell parsers are the same; the writing is the rota's own (one transaction
for the whole file, written in bulk, one audit entry naming every visit it changed).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.choices import ParticipantStatus
from seamline.cases.models import Participant
from seamline.competency.models import TaskType
from seamline.network.models import Organisation, Pathway
from seamline.workforce.imports import (
    CellError,
    Column,
    Kind,
    Report,
    RowError,
    check_header,
    code,
    codes,
    parse_row,
    read_csv,
    text,
)
from seamline.workforce.models import Worker

from . import access, rules
from .choices import AssignmentStatus, VisitStatus
from .models import Assignment, Shift, Visit

VISIT, SHIFT = "visit", "shift"
# A visit or shift longer than this is a mistake in the file, not a plan.
LONGEST = timedelta(hours=24)

Progress = Callable[[int, int], None]


# --- parsers ---------------------------------------------------------------------------------


def record_kind(value: str) -> str:
    found = value.strip().lower()
    if found not in (VISIT, SHIFT):
        raise CellError(f"'{value}' is not one of: visit, shift")
    return found


def local_instant(value: str) -> datetime:
    """ "2026-11-16 09:30" (local time) or ISO 8601 with an offset."""
    raw = value.strip().replace("T", " ")
    try:
        found = datetime.fromisoformat(raw)
    except ValueError:
        raise CellError(
            f"'{value}' is not a date and time (use YYYY-MM-DD HH:MM, local time)"
        ) from None
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def yes_no(value: str) -> bool:
    found = value.strip().lower()
    if found in _YES:
        return True
    if found in _NO:
        return False
    raise CellError(f"'{value}' is not yes or no")


def staff_list(value: str) -> list[str]:
    """Staff ids separated by semicolons, as the organisation writes them."""
    return list(dict.fromkeys(part.strip() for part in value.split(";") if part.strip()))


def _whole_file(*_: Any) -> Any:
    raise NotImplementedError("a rota file is read and written whole: see rota.imports.run")


ROTA = Kind(
    "rota",
    "Rota (visits and shifts)",
    "A week of one or more organisations' rota: visits with their participant, pathway, task "
    "types, times and assigned workers, and optionally shifts. The file replaces those weeks: "
    "visits and shifts it no longer lists are cancelled.",
    (
        Column("record", False, record_kind, "visit or shift; empty means visit.", "visit"),
        Column(
            "organisation",
            True,
            code,
            "The code of the organisation whose rota it is.",
            "riverside",
        ),
        Column("ref", True, text, "The organisation's own id for the visit or shift.", "RV-88412"),
        Column(
            "visit",
            False,
            text,
            "Seamline's visit code (written by the export; optional).",
            "V-2026-W47-000123",
        ),
        Column("participant", False, text, "Visits: the participant's code.", "P-004217"),
        Column(
            "pathway",
            False,
            code,
            "Visits: the pathway's code (a duty shift: the pathway it covers).",
            "discharge",
        ),
        Column(
            "task_types",
            False,
            codes,
            "Visits: task type codes, separated by semicolons (a duty shift: its one duty, "
            "e.g. duty_lead).",
            "welfare_check;medication_prompt",
        ),
        Column(
            "start", True, local_instant, "Start, local time: YYYY-MM-DD HH:MM.", "2026-11-16 09:00"
        ),
        Column(
            "end", True, local_instant, "End, local time: YYYY-MM-DD HH:MM.", "2026-11-16 09:45"
        ),
        Column(
            "lone", False, yes_no, "Visits: yes when the worker goes alone; empty means no.", "no"
        ),
        Column(
            "workers",
            False,
            staff_list,
            "Staff ids of the assigned workers (a shift: at most one), separated by "
            "semicolons; ORGANISATION/STAFF_ID for another organisation's worker.",
            "RHS-0042",
        ),
        Column(
            "paired_with",
            False,
            text,
            "Visits: the staff id of the paired co-worker, if any.",
            "RHS-0007",
        ),
    ),
    _whole_file,
    _whole_file,
)
COLUMNS = [c.name for c in ROTA.columns]
VISIT_ONLY = ("participant", "lone", "paired_with", "visit")


# --- what a file says ----------------------------------------------------------------------------


@dataclass
class Row:
    """One row of a rota file, resolved to the records it names."""

    number: int
    kind: str
    organisation: Organisation
    ref: str
    start: datetime
    end: datetime
    workers: list[Worker]
    participant: Participant | None = None
    pathway: Pathway | None = None
    task_types: list[TaskType] = field(default_factory=list)
    lone: bool = False
    paired_with: Worker | None = None
    visit_code: str = ""
    duty: TaskType | None = None  # a duty shift's duty (with its pathway)

    @property
    def week(self) -> str:
        return rules.week_of(timezone.localdate(self.start))


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    count: int = 0  # rows read (blank lines aside)

    @property
    def covers(self) -> set[tuple[str, str]]:
        """(organisation code, rota week) pairs the file holds the rota of."""
        return {(r.organisation.code, r.week) for r in self.rows}

    @property
    def visits(self) -> list[Row]:
        return [r for r in self.rows if r.kind == VISIT]

    @property
    def shifts(self) -> list[Row]:
        return [r for r in self.rows if r.kind == SHIFT]


class _Lookups:
    """What the rows of one file name, each kind read in one query."""

    def __init__(self, actor: Actor, values: list[tuple[int, dict[str, Any]]]) -> None:
        self.actor = actor
        self.organisations = {o.code: o for o in Organisation.objects.all()}
        self.pathways = {p.code: p for p in Pathway.objects.all()}
        self.task_types = {t.code: t for t in TaskType.objects.filter(retired=False)}
        wanted = {(v["participant"] or "").strip().upper() for _, v in values if v["participant"]}
        # The platform operator (a command run without --as) sees every participant.
        seen = (
            Participant.objects.all() if actor.is_system else Participant.objects.visible_to(actor)
        )
        self.participants = {
            p.code: p for p in seen.filter(code__in=wanted).select_related("merged_into")
        }
        names: set[tuple[str, str]] = set()
        for _, v in values:
            for staff in [*(v["workers"] or []), v["paired_with"] or ""]:
                if staff:
                    names.add(self.split(v["organisation"], staff))
        orgs = {o for o, _ in names}
        staff_ids = {s for _, s in names}
        self.workers = {
            (w.organisation.code, w.staff_id): w
            for w in Worker.objects.filter(
                organisation__code__in=orgs, staff_id__in=staff_ids
            ).select_related("organisation")
        }

    @staticmethod
    def split(organisation: str, staff: str) -> tuple[str, str]:
        """(organisation code, staff id) of a worker named in a row of `organisation`'s rota:
        ORGANISATION/STAFF_ID for another organisation's worker."""
        if "/" in staff:
            org, _, staff_id = staff.partition("/")
            return org.strip().lower(), staff_id.strip()
        return organisation, staff.strip()

    def worker(self, organisation: str, staff: str) -> Worker | None:
        return self.workers.get(self.split(organisation, staff))


def parse(actor: Actor, data: bytes | str, *, for_import: bool) -> Parsed:
    """Read a rota file: every row's errors, or every row resolved. `for_import`: the actor
    must be entitled to load the rota of each organisation named."""
    parsed = Parsed()
    try:
        header, body = read_csv(data)
    except CellError as exc:
        parsed.errors.append(RowError(0, "", str(exc)))
        return parsed
    parsed.errors += check_header(ROTA, header)
    if parsed.errors:
        return parsed
    # Rows whose cells parsed, and rows with a bad cell, still looked up so that every
    # error of a row is reported at once (the bad cells' columns aside).
    values: list[tuple[int, dict[str, Any], set[str]]] = []
    for index, cells in enumerate(body):
        number = index + 2
        if not any(cell.strip() for cell in cells):
            continue
        parsed.count += 1
        found, errors = parse_row(ROTA, header, cells, number)
        parsed.errors += errors
        bad = {e.column for e in errors}
        if "" in bad:  # more cells than columns: the row cannot be read
            continue
        for name in COLUMNS:
            found.setdefault(name, None)
        values.append((number, found, bad))
    if not values:
        return parsed
    lookups = _Lookups(actor, [(n, v) for n, v, _ in values])
    seen: dict[tuple[str, str, str], int] = {}
    for number, found, bad in values:
        row, problems = _resolve(lookups, found, number, for_import)
        problems = [(c, r) for c, r in problems if c not in bad]
        if problems or bad:
            parsed.errors += [RowError(number, c, r) for c, r in problems]
            continue
        assert row is not None
        key = (row.kind, row.organisation.code, row.ref)
        if key in seen:
            parsed.errors.append(
                RowError(
                    number,
                    "ref",
                    f"{row.organisation.code} {row.kind} '{row.ref}' is already on row {seen[key]}",
                )
            )
            continue
        seen[key] = number
        parsed.rows.append(row)
    parsed.errors.sort(
        key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else -1)
    )
    return parsed


def _resolve(
    lookups: _Lookups, v: dict[str, Any], number: int, for_import: bool
) -> tuple[Row | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    kind = v["record"] or VISIT
    org = lookups.organisations.get(v["organisation"])
    if org is None:
        return None, [("organisation", f"no organisation has the code '{v['organisation']}'")]
    if for_import and not access.can_import_rota(lookups.actor, org):
        return None, [
            (
                "organisation",
                f"you do not load the rota of '{org.code}': its schedulers and partner admin, "
                "or the network admin, do",
            )
        ]
    start, end = v["start"], v["end"]
    if start is not None and end is not None:
        if end <= start:
            problems.append(("end", "the end must be after the start"))
        elif end - start > LONGEST:
            problems.append(("end", "a visit or shift lasts at most 24 hours"))
    workers: list[Worker] = []
    for staff in v["workers"] or []:
        worker = lookups.worker(org.code, staff)
        if worker is None:
            problems.append(
                ("workers", f"no worker with staff id '{staff}' in {_org_of(org.code, staff)}")
            )
        elif worker in workers:
            problems.append(("workers", f"'{staff}' is named twice"))
        else:
            workers.append(worker)
    row = Row(number, kind, org, v["ref"], start, end, workers)
    if kind == SHIFT:
        problems += [
            (name, "not used for a shift: leave it empty")
            for name in VISIT_ONLY
            if v[name] not in (None, "", [])
        ]
        if len(v["workers"] or []) > 1:
            problems.append(("workers", "a shift has at most one worker"))
        problems += _duty(lookups, v, row)
        return row, problems

    p_code = (v["participant"] or "").strip().upper()
    if not p_code:
        problems.append(("participant", "a value is required for a visit"))
    else:
        participant = lookups.participants.get(p_code)
        if participant is None:
            problems.append(("participant", f"no participant you can see has the code '{p_code}'"))
        elif participant.status == ParticipantStatus.MERGED and participant.merged_into:
            problems.append(
                (
                    "participant",
                    f"{p_code} was merged into {participant.merged_into.code}: use that code",
                )
            )
        else:
            row.participant = participant
    if not v["pathway"]:
        problems.append(("pathway", "a value is required for a visit"))
    else:
        row.pathway = lookups.pathways.get(v["pathway"])
        if row.pathway is None:
            problems.append(("pathway", f"no pathway has the code '{v['pathway']}'"))
    if not v["task_types"]:
        problems.append(("task_types", "a visit needs at least one task type"))
    for task in v["task_types"] or []:
        found = lookups.task_types.get(task)
        if found is None:
            problems.append(("task_types", f"no task type has the code '{task}'"))
        else:
            row.task_types.append(found)
    row.lone = bool(v["lone"])
    if v["paired_with"]:
        paired = lookups.worker(org.code, v["paired_with"])
        if paired is None:
            problems.append(
                (
                    "paired_with",
                    f"no worker with staff id '{v['paired_with']}' in "
                    f"{_org_of(org.code, v['paired_with'])}",
                )
            )
        elif paired in workers:
            problems.append(("paired_with", "the paired co-worker is also among the workers"))
        else:
            row.paired_with = paired
    if row.lone and (len(workers) > 1 or v["paired_with"]):
        problems.append(("lone", "a lone visit has one worker and no co-worker"))
    row.visit_code = (v["visit"] or "").strip().upper()
    return row, problems


def _duty(lookups: _Lookups, v: dict[str, Any], row: Row) -> list[tuple[str, str]]:
    """A duty shift names one duty (a task type, e.g. duty_lead) and the pathway it covers;
    an ordinary shift names neither."""
    duties = v["task_types"] or []
    if not duties and not v["pathway"]:
        return []
    problems: list[tuple[str, str]] = []
    if len(duties) != 1:
        problems.append(("task_types", "a duty shift names one duty (e.g. duty_lead)"))
    else:
        row.duty = lookups.task_types.get(duties[0])
        if row.duty is None:
            problems.append(("task_types", f"no task type has the code '{duties[0]}'"))
    if not v["pathway"]:
        problems.append(("pathway", "a duty shift names the pathway it covers"))
    else:
        row.pathway = lookups.pathways.get(v["pathway"])
        if row.pathway is None:
            problems.append(("pathway", f"no pathway has the code '{v['pathway']}'"))
    return problems


def _org_of(organisation: str, staff: str) -> str:
    return _Lookups.split(organisation, staff)[0]


# --- comparing with what is stored ---------------------------------------------------------------


@dataclass
class Plan:
    """What loading a file changes: the rows to create and update, the visits and shifts to
    cancel, the rows already stored as they are."""

    create: list[Row] = field(default_factory=list)
    update: list[tuple[Row, Any]] = field(default_factory=list)  # (row, stored visit or shift)
    unchanged: list[Row] = field(default_factory=list)
    cancel_visits: list[Visit] = field(default_factory=list)
    cancel_shifts: list[Shift] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _window_filter(covers: set[tuple[str, str]]) -> Q:
    """Visits or shifts of each (organisation, week) the file covers."""
    condition = Q(pk__in=[])
    zone = timezone.get_current_timezone()
    for org, week in covers:
        start, end = rules.week_window(week, zone)
        condition |= Q(organisation__code=org, starts_at__gte=start, starts_at__lt=end)
    return condition


def stored_for(parsed: Parsed) -> tuple[dict[tuple[str, str], Visit], dict[tuple[str, str], Shift]]:
    """The stored visits and shifts a file's rows name (by organisation and ref) or whose weeks
    it covers, keyed by (organisation code, ref). Visits come with their task types and live
    assignments (four queries)."""
    covers = parsed.covers
    named_visits = Q(pk__in=[])
    named_shifts = Q(pk__in=[])
    by_org: dict[str, list[str]] = defaultdict(list)
    by_org_shift: dict[str, list[str]] = defaultdict(list)
    for row in parsed.rows:
        (by_org if row.kind == VISIT else by_org_shift)[row.organisation.code].append(row.ref)
    for org, refs in by_org.items():
        named_visits |= Q(organisation__code=org, ref__in=refs)
    for org, refs in by_org_shift.items():
        named_shifts |= Q(organisation__code=org, ref__in=refs)
    window = _window_filter(covers)
    visits = (
        Visit.objects.filter(named_visits | window)
        .select_related("organisation")
        .prefetch_related("task_types")
    )
    live: dict[int, list[int]] = {}
    found_visits = {(v.organisation.code, v.ref): v for v in visits}
    for a in Assignment.objects.filter(
        visit__in=[v.pk for v in found_visits.values()], status=AssignmentStatus.ASSIGNED
    ).order_by("assigned_at", "id"):
        live.setdefault(a.visit_id, []).append(a.worker_id)
    for v in found_visits.values():
        v.live_workers = live.get(v.pk, [])  # type: ignore[attr-defined]
    shifts = {
        (s.organisation.code, s.ref): s
        for s in Shift.objects.filter(named_shifts | window).select_related("organisation")
    }
    return found_visits, shifts


def plan(parsed: Parsed) -> Plan:
    """Compare the file with what is stored."""
    result = Plan()
    visits, shifts = stored_for(parsed)
    listed_visits: set[tuple[str, str]] = set()
    listed_shifts: set[tuple[str, str]] = set()
    for row in parsed.rows:
        key = (row.organisation.code, row.ref)
        if row.kind == SHIFT:
            listed_shifts.add(key)
            shift = shifts.get(key)
            if shift is None:
                result.create.append(row)
            elif _shift_same(row, shift):
                result.unchanged.append(row)
            else:
                result.update.append((row, shift))
            continue
        listed_visits.add(key)
        visit = visits.get(key)
        if row.visit_code and (visit is None or visit.code != row.visit_code):
            result.errors.append(
                RowError(
                    row.number,
                    "visit",
                    f"'{row.visit_code}' is not the code of {row.organisation.code} visit "
                    f"'{row.ref}'",
                )
            )
        elif visit is None:
            result.create.append(row)
        elif _visit_same(row, visit):
            result.unchanged.append(row)
        else:
            result.update.append((row, visit))
    covers = parsed.covers
    for key, visit in visits.items():
        if key in listed_visits or visit.status == VisitStatus.CANCELLED:
            continue
        if (key[0], rules.week_of(timezone.localdate(visit.starts_at))) in covers:
            result.cancel_visits.append(visit)
    for key, shift in shifts.items():
        if key in listed_shifts or shift.status == VisitStatus.CANCELLED:
            continue
        if (key[0], rules.week_of(timezone.localdate(shift.starts_at))) in covers:
            result.cancel_shifts.append(shift)
    return result


def _visit_same(row: Row, visit: Visit) -> bool:
    assert row.participant is not None and row.pathway is not None
    return (
        visit.status == VisitStatus.PLANNED
        and visit.participant_id == row.participant.pk
        and visit.pathway_id == row.pathway.pk
        and visit.starts_at == row.start
        and visit.ends_at == row.end
        and visit.lone == row.lone
        and visit.paired_with_id == (row.paired_with.pk if row.paired_with else None)
        and {t.pk for t in visit.task_types.all()} == {t.pk for t in row.task_types}
        and sorted(visit.live_workers) == sorted(w.pk for w in row.workers)  # type: ignore[attr-defined]
    )


def _shift_same(row: Row, shift: Shift) -> bool:
    worker = row.workers[0].pk if row.workers else None
    return (
        shift.status == VisitStatus.PLANNED
        and shift.starts_at == row.start
        and shift.ends_at == row.end
        and shift.worker_id == worker
        and shift.pathway_id == (row.pathway.pk if row.pathway else None)
        and shift.duty_id == (row.duty.pk if row.duty else None)
    )


# --- loading ---------------------------------------------------------------------------------


class RotaReport(Report):
    """The workforce imports' report, with the visits and shifts a file cancels."""

    cancelled: int = 0
    codes: list[str]

    def __init__(self, kind: str, dry_run: bool) -> None:
        super().__init__(kind=kind, dry_run=dry_run)
        self.cancelled = 0
        self.codes = []

    def as_dict(self) -> dict[str, Any]:
        found = super().as_dict()
        found["cancelled"] = self.cancelled
        found.pop("unmapped_modules", None)
        return found

    def lines(self) -> list[str]:
        if self.errors:
            return super().lines()
        verb = "Would load" if self.dry_run else "Loaded"
        out = [
            f"{verb} {self.rows} row{'s' if self.rows != 1 else ''} of rota: {self.created} "
            f"created, {self.updated} updated, {self.unchanged} unchanged, {self.cancelled} "
            "cancelled (no longer in the file)."
        ]
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        return out


def sha256(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def run(
    actor: Actor,
    data: bytes | str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RotaReport:
    """Load a rota file for `actor`: all or nothing (see the module docstring)."""
    from . import actions

    report = RotaReport(kind="rota", dry_run=dry_run)
    parsed = parse(actor, data, for_import=True)
    report.rows = parsed.count
    report.errors += parsed.errors
    if progress is not None:
        progress(1, 3)
    if report.errors:
        return report
    changes = plan(parsed)
    report.errors += changes.errors
    if report.errors:
        return report
    report.created = len(changes.create)
    report.updated = len(changes.update)
    report.unchanged = len(changes.unchanged)
    report.cancelled = len(changes.cancel_visits) + len(changes.cancel_shifts)
    if progress is not None:
        progress(2, 3)
    if not dry_run and (changes.create or changes.update or report.cancelled):
        report.codes = actions.store_rota(actor, parsed, changes, sha256(data))
    if progress is not None:
        progress(3, 3)
    return report
