"""CSV imports into the workforce register: workers, module completions, sign-offs and
supervision sessions (issue 3 point 6; every column is documented in docs/imports.md).

One engine serves every kind. A kind declares its columns once (name, required, parser, help,
example) and two functions: `prepare` turns a parsed row into a plan (looking up the records it
names and checking that the importer manages their organisation) and `apply` carries the plan
out through `workforce.actions`, so that every write is checked and audited as if typed in.

The engine:

1. reads the file (UTF-8, with or without a byte-order mark); the header row is required and
   an unknown or missing column is an error naming it;
2. parses and prepares every row, collecting errors as (row, column, reason), where the header
   is row 1;
3. applies every row in ONE transaction; an action's refusal becomes the row's error;
4. when anything went wrong, or on a dry run, rolls the whole transaction back: nothing is
   written unless every row is good.

Each row carries a `source_key` made from its identifying columns, so the same file imported
twice finds its earlier records and counts them as unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone

from seamline.access import Actor
from seamline.competency.choices import EVIDENCE_MAPPINGS, Stage
from seamline.competency.models import Competency, PartnerModule
from seamline.errors import RuleViolation
from seamline.network.access import can_manage_people_of
from seamline.network.models import Organisation, Pathway

from .choices import TEMPORARY, EmploymentType, RoleGroup, SupervisionKind, WorkerStatus
from .models import Evidence, SignOff, SupervisionSession, Worker

CREATED, UPDATED, UNCHANGED, UNMAPPED = "created", "updated", "unchanged", "unmapped"

Progress = Callable[[int, int], None]


class CellError(ValueError):
    """A value that cannot be used; the message is the reason shown to the importer."""


class RowProblem(Exception):
    """One or more errors found while preparing a row: [(column, reason), ...]."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{c}: {r}" for c, r in problems))
        self.problems = list(problems)


# --- parsers ---------------------------------------------------------------------------------


def text(value: str) -> str:
    return value.strip()


def code(value: str) -> str:
    return value.strip().lower()


def a_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CellError(f"'{value}' is not a date (use YYYY-MM-DD)") from None


def one_of(choices: type[TextChoices]) -> Callable[[str], str]:
    allowed = list(choices.values)

    def parse(value: str) -> str:
        found = value.strip().lower()
        if found not in allowed:
            raise CellError(f"'{value}' is not one of: {', '.join(allowed)}")
        return found

    parse.__doc__ = "one of: " + ", ".join(allowed)
    return parse


def codes(value: str) -> list[str]:
    return sorted({part.strip().lower() for part in value.split(";") if part.strip()})


# --- declarations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    parse: Callable[[str], Any]
    help: str
    example: str


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row == 1 and not self.column:
            return f"header: {self.reason}"
        where = f"row {self.row}" if self.row else "file"
        return (
            f"{where}, column {self.column}: {self.reason}"
            if self.column
            else (f"{where}: {self.reason}")
        )

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass
class UnmappedModule:
    organisation: str
    code: str
    title: str  # empty when the module is not in the partner's catalogue at all
    rows: list[int] = field(default_factory=list)

    @property
    def in_catalogue(self) -> bool:
        return bool(self.title)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "module_code": self.code,
            "title": self.title,
            "rows": self.rows,
        }


@dataclass
class Report:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    unmapped: list[UnmappedModule] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.as_dict() for e in self.errors],
            "unmapped_modules": [u.as_dict() for u in self.unmapped],
        }

    def lines(self) -> list[str]:
        """The report for people, one line each."""
        if self.errors:
            head = (
                f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}: "
                "nothing was imported."
            )
            return [head, *(str(e) for e in self.errors)]
        verb = "Would import" if self.dry_run else "Imported"
        out = [
            f"{verb} {self.rows} row{'s' if self.rows != 1 else ''} of {self.kind}: "
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
            + (f", {sum(len(u.rows) for u in self.unmapped)} unmapped." if self.unmapped else ".")
        ]
        if self.dry_run:
            out.append("Dry run: nothing was written.")
        for u in self.unmapped:
            what = f"{u.code} ({u.title})" if u.title else f"{u.code} (not in the catalogue)"
            rows = ", ".join(str(r) for r in u.rows)
            out.append(f"Unmapped module {u.organisation}/{what}: rows {rows}")
        return out


@dataclass
class Lookups:
    """What the rows of one file refer to, loaded once per organisation."""

    actor: Actor
    organisations: dict[str, Organisation] = field(default_factory=dict)
    workers: dict[int, dict[str, Worker]] = field(default_factory=dict)
    _competencies: dict[str, Competency] | None = None
    _pathways: dict[str, Pathway] | None = None
    _modules: dict[int, dict[str, tuple[PartnerModule, bool]]] | None = None

    @classmethod
    def load(cls, actor: Actor) -> Lookups:
        found = cls(actor)
        found.organisations = {o.code: o for o in Organisation.objects.all()}
        return found

    def organisation(self, column: str, value: str, manage: bool = True) -> Organisation:
        org = self.organisations.get(value)
        if org is None:
            raise RowProblem([(column, f"no organisation has the code '{value}'")])
        if manage and not can_manage_people_of(self.actor, org):
            raise RowProblem(
                [
                    (
                        column,
                        f"you do not manage organisation '{value}': only its partner admin or "
                        "the network admin imports for it",
                    )
                ]
            )
        return org

    def worker(self, column: str, org: Organisation, staff_id: str) -> Worker:
        if org.pk not in self.workers:
            self.workers[org.pk] = {
                w.staff_id: w
                for w in Worker.objects.filter(organisation=org).select_related("organisation")
            }
        worker = self.workers[org.pk].get(staff_id)
        if worker is None:
            raise RowProblem([(column, f"no worker with staff id '{staff_id}' in {org.code}")])
        return worker

    def module(self, org: Organisation, code: str) -> tuple[PartnerModule | None, bool]:
        """The partner's module with this code (None when not in its catalogue) and whether a
        completion of it is evidence (an exact or part-of mapping)."""
        if self._modules is None:
            self._modules = {}
        if org.pk not in self._modules:
            found = {}
            for m in PartnerModule.objects.filter(organisation=org).prefetch_related("mappings"):
                mapped = any(x.kind in EVIDENCE_MAPPINGS for x in m.mappings.all())
                found[m.code] = (m, mapped)
            self._modules[org.pk] = found
        return self._modules[org.pk].get(code, (None, False))

    def competency(self, column: str, value: str) -> Competency:
        if self._competencies is None:
            self._competencies = {c.code: c for c in Competency.objects.filter(retired=False)}
        found = self._competencies.get(value)
        if found is None:
            raise RowProblem([(column, f"no competency has the code '{value}'")])
        return found

    def pathway(self, column: str, value: str) -> Pathway:
        if self._pathways is None:
            self._pathways = {p.code: p for p in Pathway.objects.all()}
        found = self._pathways.get(value)
        if found is None:
            raise RowProblem([(column, f"no pathway has the code '{value}'")])
        return found


Values = Mapping[str, Any]


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    description: str
    columns: tuple[Column, ...]
    prepare: Callable[[Lookups, Values, int], Any]
    apply: Callable[[Actor, Any], str]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def at_nine(day: date) -> datetime:
    """A date from a file as an instant: 09:00 local time that day."""
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


# --- workers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerPlan:
    organisation: Organisation
    existing: Worker | None
    fields: dict[str, Any]
    pathways: list[Pathway]


WORKER_FIELDS = (
    "first_name",
    "last_name",
    "employment_type",
    "role_group",
    "start_date",
    "placement_start",
    "status",
)


def prepare_worker(lookups: Lookups, values: Values, row: int) -> WorkerPlan:
    org = lookups.organisation("organisation", values["organisation"])
    pathways = [lookups.pathway("pathways", c) for c in values["pathways"] or []]
    fields = {name: values[name] for name in WORKER_FIELDS}
    fields["status"] = fields["status"] or WorkerStatus.ACTIVE
    if fields["placement_start"] is None and fields["employment_type"] in TEMPORARY:
        # A temporary worker's first placement starts on their start date.
        fields["placement_start"] = fields["start_date"]
    try:
        existing: Worker | None = lookups.worker("staff_id", org, values["staff_id"])
    except RowProblem:
        existing = None
    if existing is not None:
        differ = [
            (
                name,
                f"'{fields[name] or ''}' differs from the register "
                f"('{getattr(existing, name) or ''}')",
            )
            for name in WORKER_FIELDS
            if fields[name] != getattr(existing, name)
        ]
        if differ:
            raise RowProblem(
                [
                    (c, f"{r}: an import adds workers and their pathways, it does not change them")
                    for c, r in differ
                ]
            )
    return WorkerPlan(org, existing, {"staff_id": values["staff_id"], **fields}, pathways)


def apply_worker(actor: Actor, plan: WorkerPlan) -> str:
    from . import actions

    worker = plan.existing
    if worker is None:
        fields = dict(plan.fields)
        status = fields.pop("status")
        worker = actions.add_worker(
            actor,
            plan.organisation,
            pathways=plan.pathways,
            reason="Imported from a workers file.",
            **fields,
        )
        if status != WorkerStatus.ACTIVE:
            actions.update_worker(
                actor, worker, {"status": status}, reason="Imported from a workers file."
            )
        return CREATED
    held = set(worker.pathways.filter(ended_on__isnull=True).values_list("pathway_id", flat=True))
    new = [p for p in plan.pathways if p.pk not in held]
    for pathway in new:
        actions.assign_pathway(
            actor, worker, pathway, started_on=timezone.localdate(), reason="Imported."
        )
    return UPDATED if new else UNCHANGED


WORKERS = Kind(
    "workers",
    "Workers",
    "Adds workers to the register with their pathways. A worker already in the register "
    "(same organisation and staff id) is left as it is; new pathways in the row are added.",
    (
        Column("organisation", True, code, "The code of the worker's organisation.", "riverside"),
        Column("staff_id", True, text, "The organisation's own id for the worker.", "RHS-0042"),
        Column("first_name", True, text, "Given name.", "Amira"),
        Column("last_name", True, text, "Family name.", "Khan"),
        Column(
            "employment_type", True, one_of(EmploymentType), "How they are engaged.", "employed"
        ),
        Column("role_group", True, one_of(RoleGroup), "Their role group.", "support_worker"),
        Column("start_date", True, a_date, "First day working in the network.", "2026-03-02"),
        Column(
            "placement_start",
            False,
            a_date,
            "Temporary workers: first day of the current placement.",
            "2026-10-05",
        ),
        Column(
            "pathways",
            False,
            codes,
            "Pathway codes the worker works on, separated by semicolons.",
            "discharge;crisis",
        ),
        Column("status", False, one_of(WorkerStatus), "Empty means active.", "active"),
    ),
    prepare_worker,
    apply_worker,
)


# --- module completions ----------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionPlan:
    worker: Worker
    module: PartnerModule | None
    completed_on: date
    source_key: str
    mapped: bool
    organisation: str
    module_code: str
    module_title: str


def prepare_completion(lookups: Lookups, values: Values, row: int) -> CompletionPlan:
    org = lookups.organisation("partner", values["partner"])
    worker = lookups.worker("worker", org, values["worker"])
    module, mapped = lookups.module(org, values["module_code"])
    completed_on = values["completed_on"]
    key = f"import:completion:{org.code}:{values['module_code']}:{completed_on.isoformat()}"
    return CompletionPlan(
        worker,
        module,
        completed_on,
        key,
        mapped,
        org.code,
        values["module_code"],
        module.title if module is not None else "",
    )


def apply_completion(actor: Actor, plan: CompletionPlan) -> str:
    from . import actions

    if not plan.mapped or plan.module is None:
        return UNMAPPED
    if Evidence.objects.filter(worker=plan.worker, source_key__startswith=plan.source_key).exists():
        return UNCHANGED
    # The importer vouches for the partner's learning system: its completions are verified.
    actions.record_module_completion(
        actor,
        plan.worker,
        plan.module,
        completed_on=plan.completed_on,
        source_key=plan.source_key,
        verified=True,
    )
    return CREATED


COMPLETIONS = Kind(
    "completions",
    "Module completions",
    "An extract from a partner's learning system: who completed which of the partner's own "
    "modules, when. A completion of a module mapped (exact match or part of) to shared "
    "competencies becomes module evidence; any other module is listed as unmapped.",
    (
        Column("partner", True, code, "The code of the partner whose module it is.", "riverside"),
        Column("worker", True, text, "The worker's staff id in that partner.", "RHS-0042"),
        Column("module_code", True, text, "The module's code in the partner's catalogue.", "SG-L2"),
        Column("completed_on", True, a_date, "The day the module was completed.", "2026-09-14"),
    ),
    prepare_completion,
    apply_completion,
)


# --- sign-offs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignOffPlan:
    worker: Worker
    competency: Competency
    stage: str
    pathway: Pathway | None
    signed_at: datetime
    signer: Worker
    source_key: str


def prepare_sign_off(lookups: Lookups, values: Values, row: int) -> SignOffPlan:
    problems: list[tuple[str, str]] = []
    org = lookups.organisation("organisation", values["organisation"])
    worker = lookups.worker("worker", org, values["worker"])
    competency = lookups.competency("competency", values["competency"])
    pathway = lookups.pathway("pathway", values["pathway"]) if values["pathway"] else None
    if competency.pathway_specific and pathway is None:
        problems.append(
            ("pathway", f"{competency.code} is pathway-specific: name the pathway it is for")
        )
    signer_org = lookups.organisation("signer_organisation", values["signer_organisation"], False)
    signer = lookups.worker("signer", signer_org, values["signer"])
    if problems:
        raise RowProblem(problems)
    signed_on: date = values["signed_on"]
    key = (
        f"import:signoff:{competency.code}:{values['stage']}:{values['pathway']}:"
        f"{signed_on.isoformat()}"
    )
    signed_at = min(at_nine(signed_on), timezone.now())
    return SignOffPlan(worker, competency, values["stage"], pathway, signed_at, signer, key)


def apply_sign_off(actor: Actor, plan: SignOffPlan) -> str:
    from . import actions

    if SignOff.objects.filter(worker=plan.worker, source_key=plan.source_key).exists():
        return UNCHANGED
    actions.sign_off_stage(
        actor,
        plan.worker,
        plan.competency,
        plan.stage,
        signer=plan.signer,
        signed_at=plan.signed_at,
        pathway=plan.pathway,
        source_key=plan.source_key,
    )
    return CREATED


SIGNOFFS = Kind(
    "signoffs",
    "Stage sign-offs",
    "Stage sign-offs recorded elsewhere. Each is checked like one typed in: the evidence for "
    "the stage must be in the register and in date, and the signer must be entitled.",
    (
        Column("organisation", True, code, "The worker's organisation.", "riverside"),
        Column("worker", True, text, "The worker's staff id.", "RHS-0042"),
        Column("competency", True, code, "The shared competency's code.", "safeguarding"),
        Column("stage", True, one_of(Stage), "The stage signed off.", "independent"),
        Column(
            "pathway",
            False,
            code,
            "Pathway code; required for pathway-specific competencies.",
            "discharge",
        ),
        Column("signed_on", True, a_date, "The day it was signed off.", "2026-09-30"),
        Column(
            "signer_organisation",
            True,
            code,
            "The signer's organisation: the worker's own or the prime.",
            "northbridge",
        ),
        Column("signer", True, text, "The signer's staff id.", "NCC-0007"),
    ),
    prepare_sign_off,
    apply_sign_off,
)


# --- supervision -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SupervisionPlan:
    worker: Worker
    supervisor: Worker
    kind: str
    planned_for: date
    held_on: date | None
    source_key: str


def prepare_supervision(lookups: Lookups, values: Values, row: int) -> SupervisionPlan:
    org = lookups.organisation("organisation", values["organisation"])
    worker = lookups.worker("worker", org, values["worker"])
    sup_org = lookups.organisation(
        "supervisor_organisation", values["supervisor_organisation"], False
    )
    supervisor = lookups.worker("supervisor", sup_org, values["supervisor"])
    held_on = values["held_on"]
    if held_on is not None and held_on > timezone.localdate():
        raise RowProblem([("held_on", f"'{held_on.isoformat()}' is in the future")])
    kind = values["kind"] or SupervisionKind.ROUTINE
    key = (
        f"import:supervision:{sup_org.code}/{supervisor.staff_id}:{kind}:"
        f"{values['planned_for'].isoformat()}"
    )
    return SupervisionPlan(worker, supervisor, kind, values["planned_for"], held_on, key)


def apply_supervision(actor: Actor, plan: SupervisionPlan) -> str:
    from . import actions

    session = SupervisionSession.objects.filter(
        worker=plan.worker, source_key=plan.source_key
    ).first()
    if session is not None:
        if plan.held_on is None or session.held_on is not None:
            return UNCHANGED
        actions.record_supervision_held(actor, session, held_on=plan.held_on)
        return UPDATED
    session = actions.plan_supervision(
        actor,
        plan.worker,
        supervisor=plan.supervisor,
        kind=plan.kind,
        planned_for=plan.planned_for,
        source_key=plan.source_key,
    )
    if plan.held_on is not None:
        actions.record_supervision_held(actor, session, held_on=plan.held_on)
    return CREATED


SUPERVISION = Kind(
    "supervision",
    "Supervision sessions",
    "Planned and held supervision sessions. A row imported again with held_on filled in "
    "records the planned session as held.",
    (
        Column("organisation", True, code, "The supervised worker's organisation.", "riverside"),
        Column("worker", True, text, "The supervised worker's staff id.", "RHS-0042"),
        Column(
            "supervisor_organisation", True, code, "The supervisor's organisation.", "riverside"
        ),
        Column("supervisor", True, text, "The supervisor's staff id.", "RHS-0003"),
        Column("kind", False, one_of(SupervisionKind), "Empty means routine.", "routine"),
        Column("planned_for", True, a_date, "The day the session is planned for.", "2026-10-12"),
        Column("held_on", False, a_date, "The day it was held; empty if not yet.", "2026-10-12"),
    ),
    prepare_supervision,
    apply_supervision,
)


KINDS: dict[str, Kind] = {k.name: k for k in (WORKERS, COMPLETIONS, SIGNOFFS, SUPERVISION)}

# Kinds another app reads with its own engine (the rota: a whole file in one bulk write),
# registered from that app's `AppConfig.ready()`; `run` and `seamline import` hand them over.
Runner = Callable[..., Report]
RUNNERS: dict[str, Runner] = {}


def register_runner(name: str, runner: Runner) -> None:
    """`runner(actor, data, *, dry_run, progress)` imports kind `name` and answers a Report."""
    RUNNERS[name] = runner


def kind_names() -> list[str]:
    return sorted({*KINDS, *RUNNERS})


# --- the engine ------------------------------------------------------------------------------


class _RollBack(Exception):
    """Raised inside the transaction to undo it (a dry run, or any error)."""


def read_csv(data: bytes | str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a CSV file (UTF-8, with or without a byte-order mark)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CellError(
                f"the file is not UTF-8 text (byte {exc.start + 1} cannot be read): "
                "save it as CSV UTF-8"
            ) from None
    data = data.removeprefix("\ufeff")
    try:
        rows = list(csv.reader(io.StringIO(data, newline="")))
    except csv.Error as exc:
        raise CellError(f"the file is not readable as CSV ({exc})") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise CellError("the file is empty: a header row naming the columns is required")
    return [h.strip().lower() for h in rows[0]], rows[1:]


def known_order(kind: Kind) -> list[str]:
    return [c.name for c in kind.columns]


def check_header(kind: Kind, header: Sequence[str]) -> list[RowError]:
    known = known_order(kind)
    errors = [
        RowError(1, name, f"unknown column '{name}' (this kind has: {', '.join(known)})")
        for name in header
        if name and name not in known
    ]
    errors += [
        RowError(1, name, f"column '{name}' appears more than once")
        for index, name in enumerate(header)
        if name and name in header[:index]
    ]
    errors += [
        RowError(1, c.name, f"missing column '{c.name}'")
        for c in kind.columns
        if c.required and c.name not in header
    ]
    return errors


def _empty(column: Column) -> Any:
    return column.parse("") if column.parse in (text, code, codes) else None


def parse_row(
    kind: Kind, header: Sequence[str], cells: Sequence[str], row: int
) -> tuple[dict[str, Any], list[RowError]]:
    """A row's values by column name, parsed, or the errors found in its cells."""
    errors = []
    if len(cells) > len(header):
        errors.append(
            RowError(row, "", f"{len(cells)} cells where the header names {len(header)} columns")
        )
    raw = dict(zip(header, cells, strict=False))
    values: dict[str, Any] = {}
    for column in kind.columns:
        cell = raw.get(column.name, "")
        if not cell.strip():
            if column.required:
                errors.append(RowError(row, column.name, "a value is required"))
            values[column.name] = _empty(column)
            continue
        try:
            values[column.name] = column.parse(cell)
        except CellError as exc:
            errors.append(RowError(row, column.name, str(exc)))
    return values, errors


def run(
    kind_name: str,
    actor: Actor,
    data: bytes | str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Import `data` (a CSV file's content) as `kind_name` for `actor`: all or nothing."""
    if kind_name in RUNNERS:
        return RUNNERS[kind_name](actor, data, dry_run=dry_run, progress=progress)
    kind = KINDS[kind_name]
    report = Report(kind=kind.name, dry_run=dry_run)
    try:
        header, body = read_csv(data)
    except CellError as exc:
        report.errors.append(RowError(0, "", str(exc)))
        return report
    report.errors += check_header(kind, header)
    if report.errors:
        return report
    lookups = Lookups.load(actor)
    plans: list[tuple[int, Any]] = []
    total = len(body)
    for index, cells in enumerate(body):
        row = index + 2
        if not any(cell.strip() for cell in cells):
            continue
        report.rows += 1
        values, errors = parse_row(kind, header, cells, row)
        if errors:
            report.errors += errors
            continue
        try:
            plans.append((row, kind.prepare(lookups, values, row)))
        except RowProblem as exc:
            report.errors += [RowError(row, c, r) for c, r in exc.problems]
        if progress is not None:
            progress(index + 1, total * 2)
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for done, (row, plan) in enumerate(plans, start=1):
                _apply_one(kind, actor, plan, row, report)
                if progress is not None:
                    progress(total + done, total * 2)
            if report.errors or dry_run:
                raise _RollBack
    except _RollBack:
        pass
    if progress is not None:
        progress(total * 2, total * 2)
    return report


def _apply_one(kind: Kind, actor: Actor, plan: Any, row: int, report: Report) -> None:
    try:
        with transaction.atomic():
            outcome = kind.apply(actor, plan)
    except RuleViolation as exc:
        for reason in exc.reasons:
            column = _column_for(kind, reason.field)
            report.errors.append(RowError(row, column, reason.message))
        return
    if outcome == CREATED:
        report.created += 1
    elif outcome == UPDATED:
        report.updated += 1
    elif outcome == UNCHANGED:
        report.unchanged += 1
    elif outcome == UNMAPPED:
        _note_unmapped(report, plan, row)


# An action names a model field; the file names a column.
FIELD_COLUMNS = {
    "signed_at": "signed_on",
    "module": "module_code",
    "occurred_on": "completed_on",
    # A sign-off refused for its evidence: the stage is what the evidence falls short of.
    "evidence": "stage",
}


def _column_for(kind: Kind, field_name: str | None) -> str:
    if not field_name:
        return ""
    name = FIELD_COLUMNS.get(field_name, field_name)
    return name if name in known_order(kind) else ""


def _note_unmapped(report: Report, plan: CompletionPlan, row: int) -> None:
    for item in report.unmapped:
        if item.organisation == plan.organisation and item.code == plan.module_code:
            item.rows.append(row)
            return
    report.unmapped.append(
        UnmappedModule(plan.organisation, plan.module_code, plan.module_title, [row])
    )


def template_csv(kind_name: str) -> str:
    """A header row and one example row for `kind_name` (offered on the upload page)."""
    kind = KINDS[kind_name]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.name for c in kind.columns])
    writer.writerow([c.example for c in kind.columns])
    return buffer.getvalue()


def write_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(header))
    for r in rows:
        writer.writerow(list(r))
    return buffer.getvalue()
