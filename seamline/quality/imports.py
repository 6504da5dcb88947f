"""`seamline quality calibration load ROUND FILE.csv`: a round's answers from a CSV file with
the columns `vignette`, `partner`, `rater`, `question`, `answer` (docs/imports.md).

The file is read and checked with the workforce import engine's helpers (header, per-row
errors naming row and column, the header being row 1); every row is then recorded through
`quality.actions.record_answer` in one transaction, rolled back when any row is refused or on
a dry run: nothing is written unless every row is good."""

from __future__ import annotations

from seamline.access import Actor
from seamline.errors import RuleViolation
from seamline.workforce.imports import (
    CREATED,
    UNCHANGED,
    CellError,
    Column,
    Kind,
    Report,
    RowError,
    check_header,
    code,
    parse_row,
    read_csv,
    text,
)

from . import actions
from .models import CalibrationRound

COLUMNS = (
    Column("vignette", True, code, "the vignette's code", "v01-falls-at-night"),
    Column("partner", True, code, "the partner organisation's code", "riverside"),
    Column("rater", True, text, "the rater's name or panel label", "Panel A"),
    Column("question", True, code, "escalate, tier, safeguarding or hours", "tier"),
    Column("answer", True, text, "yes/no; a tier; or a number of hours", "same_day"),
)


def _unused(*args: object) -> str:
    raise NotImplementedError


KIND = Kind(
    name="calibration answers",
    label="Calibration answers",
    description="A calibration round's answers, one row per rater and question.",
    columns=COLUMNS,
    prepare=_unused,
    apply=_unused,
)


class _RollBack(Exception):
    pass


def load(actor: Actor, rnd: CalibrationRound, data: bytes | str, *, dry_run: bool) -> Report:
    from django.db import transaction

    report = Report(kind=KIND.name, dry_run=dry_run)
    try:
        header, body = read_csv(data)
    except CellError as exc:
        report.errors.append(RowError(0, "", str(exc)))
        return report
    report.errors += check_header(KIND, header)
    if report.errors:
        return report
    rows = []
    for index, cells in enumerate(body):
        if not any(cell.strip() for cell in cells):
            continue
        report.rows += 1
        values, errors = parse_row(KIND, header, cells, index + 2)
        report.errors += errors
        rows.append((index + 2, values))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for row, values in rows:
                try:
                    with transaction.atomic():
                        _, changed = actions.record_answer(actor, rnd, **values)
                except RuleViolation as exc:
                    report.errors += [
                        RowError(row, r.field if r.field in header else "", r.message)
                        for r in exc.reasons
                    ]
                    continue
                outcome = CREATED if changed else UNCHANGED
                if outcome == CREATED:
                    report.created += 1
                else:
                    report.unchanged += 1
            if report.errors or dry_run:
                raise _RollBack
    except _RollBack:
        pass
    return report
