"""`POST /api/imports/{kind}`: the workforce CSV imports through the API.

Multipart form: `file` (the CSV file) and `dry_run` (true/false). The same engine as the
command and the upload page (`workforce.imports`): all or nothing, per-row errors, unmapped
modules listed. 200 with the report when every row is good; 422 with the same report (and
each error as a reason) when any row is wrong, in which case nothing was written.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from seamline.access import ReadOnly
from seamline.api_support import WRITE_ERRORS, require_writer

from . import imports
from .views.imports import MAX_UPLOAD_BYTES, can_import

router = Router(tags=["imports"])


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class UnmappedOut(Schema):
    organisation: str
    module_code: str
    title: str
    rows: list[int]


class ReportOut(Schema):
    kind: str
    dry_run: bool
    written: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]
    unmapped_modules: list[UnmappedOut]


class ImportProblem(Schema):
    detail: str
    reasons: list[dict[str, str]]
    report: ReportOut


@router.post(
    "/{kind}",
    response={**WRITE_ERRORS, 200: ReportOut, 413: ImportProblem, 422: ImportProblem},
    summary="Import a CSV file of workforce records",
)
def import_file(
    request: HttpRequest,
    kind: str,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
) -> tuple[int, object]:
    """Kinds: `workers`, `completions`, `signoffs`, `supervision` (columns in docs/imports.md).
    Only a partner admin (for their organisation) or the network admin imports."""
    actor = require_writer(request)
    if kind not in imports.KINDS:
        raise Http404
    if not can_import(actor):
        raise ReadOnly("Only a partner admin or the network admin imports workforce records.")
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        report = imports.Report(kind=kind, dry_run=dry_run)
        report.errors.append(imports.RowError(0, "", "the file is larger than 5 MB"))
        return 413, _problem(report)
    report = imports.run(kind, actor, file.read(), dry_run=dry_run)
    if report.errors:
        return 422, _problem(report)
    return 200, report.as_dict()


def _problem(report: imports.Report) -> dict[str, object]:
    count = len(report.errors)
    return {
        "detail": f"{count} error{'s' if count != 1 else ''}: nothing was imported.",
        "reasons": [
            {
                "code": "import_error",
                "message": str(e),
                "field": f"row {e.row}: {e.column}" if e.column else f"row {e.row}",
            }
            for e in report.errors
        ],
        "report": report.as_dict(),
    }
