"""The caseload reconciliation JSON API (mounted at /api/reconciliation).

The same access rules, actions and report as the pages: a partner's runs answer 404 to anyone
who may not see them; every figure and record is counted over what the caller may see; an
upload with any bad row stores nothing and answers 422 with each row and column.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from seamline.access import ReadOnly
from seamline.api_support import ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.network.access import refuse

from . import access, actions, report
from .choices import Category
from .forms import MAX_UPLOAD_BYTES

router = Router(tags=["reconciliation"])


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class Paging(Schema):
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=100)


class RunOut(Schema):
    uuid: str
    partner: str
    uploaded_at: str
    uploaded_by: str | None
    file_name: str
    file_digest: str
    rows: int
    rate: float
    counts: dict[str, int]


class RunPage(Schema):
    items: list[RunOut]
    count: int


class RunDetailOut(RunOut):
    categories: dict[str, list[dict[str, Any]]]


class OutcomeOut(Schema):
    partner: str
    dry_run: bool
    stored: bool
    run: str | None
    rows: int
    rate: float
    counts: dict[str, int]
    categories: dict[str, list[dict[str, Any]]]
    errors: list[dict[str, Any]]
    nhs_failing_check_digit: list[int]


class UploadProblem(Schema):
    detail: str
    reasons: list[dict[str, str]]
    report: OutcomeOut


class MappingIn(In):
    columns: dict[str, str]
    date_format: str = "%Y-%m-%d"
    open_values: str = "open, active"
    pathway_values: dict[str, str] = {}
    version: int | None = None


class MappingOut(Schema):
    partner: str
    columns: dict[str, str]
    date_format: str
    open_values: str
    pathway_values: dict[str, str]
    version: int


class DecisionIn(In):
    decision: str
    reason: str = ""


class RowOut(Schema):
    row: int
    state: str
    participant: str | None
    method: str
    probability: float | None


class DecisionOut(Schema):
    row: RowOut
    rate: float
    counts: dict[str, int]


def _run_out(actor: Any, run: Any, figures: report.Figures) -> dict[str, Any]:
    return {
        "uuid": str(run.uuid),
        "partner": run.organisation.code,
        "uploaded_at": run.uploaded_at.isoformat(),
        "uploaded_by": run.uploaded_by.username if run.uploaded_by_id else None,
        "file_name": run.file_name,
        "file_digest": run.file_digest,
        "rows": figures.rows,
        "rate": figures.rate,
        "counts": figures.counts,
    }


def _may_see(actor: Any) -> None:
    if not access.can_see_any_runs(actor):
        raise refuse(actor, "reconciliation.runs", "runs")


@router.get("/runs", response={200: RunPage, **ERRORS}, summary="Reconciliation runs you can see")
def list_runs(request: HttpRequest, paging: Query[Paging], partner: str = "") -> dict[str, Any]:
    """Newest first; `partner` (an organisation code) narrows to one partner. Figures are
    counted over the records you may see."""
    actor = actor_of(request)
    _may_see(actor)
    runs = access.runs_visible_to(actor)
    if partner:
        runs = runs.filter(organisation__code=partner.strip().lower())
    count = runs.count()
    start = (paging.page - 1) * paging.page_size
    shown = list(runs.order_by("-uploaded_at", "-id")[start : start + paging.page_size])
    figures = report.run_figures(actor, shown)
    return {"items": [_run_out(actor, r, figures[r.pk]) for r in shown], "count": count}


@router.post(
    "/runs",
    response={
        **WRITE_ERRORS,
        201: OutcomeOut,
        200: OutcomeOut,
        413: UploadProblem,
        422: UploadProblem,
    },
    summary="Reconcile a partner's caseload list",
)
def upload(
    request: HttpRequest,
    partner: Form[str],
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
) -> Status[dict[str, Any]]:
    """Multipart form: `partner` (organisation code), `file` (the CSV, in the partner's saved
    columns), `dry_run`. 201 with the stored run's report; 200 for a dry run (nothing
    stored); 422 with every bad row and column when the file has any (nothing stored)."""
    actor = require_writer(request)
    _may_see(actor)
    organisation = access.get_partner_for_user(actor, partner)
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        outcome = actions.Outcome(organisation=organisation, dry_run=dry_run)
        return Status(
            413,
            {
                "detail": "The file is larger than 50 MB: split it into parts.",
                "reasons": [{"code": "too_large", "message": "The file is larger than 50 MB."}],
                "report": outcome.as_dict(),
            },
        )
    outcome = actions.reconcile(
        actor, organisation, file.read(), file_name=file.name or "", dry_run=dry_run
    )
    if outcome.errors:
        count = len(outcome.errors)
        return Status(
            422,
            {
                "detail": f"{count} problem{'s' if count != 1 else ''} in the file: nothing was "
                "stored.",
                "reasons": [
                    {
                        "code": "caseload_row",
                        "message": str(e),
                        "field": f"row {e.row}: {e.column}" if e.column else f"row {e.row}",
                    }
                    for e in outcome.errors
                ],
                "report": outcome.as_dict(),
            },
        )
    return Status(200 if dry_run else 201, outcome.as_dict())


@router.get("/runs/{uuid}", response={200: RunDetailOut, **ERRORS}, summary="One run's report")
def get_run(request: HttpRequest, uuid: str) -> dict[str, Any]:
    """Every category with the records behind it (those you may see). The participants shown
    are a read of personal data, in the audit log."""
    actor = actor_of(request)
    run = access.get_run_for_user(actor, uuid)
    found = report.categories(actor, run)
    report.log_shown(actor, [r["participant"] for items in found.values() for r in items])
    return {**_run_out(actor, run, report.figures(actor, run)), "categories": found}


@router.get(
    "/runs/{uuid}/review", response={200: list[RowOut], **ERRORS}, summary="Clerical review queue"
)
def review_queue(request: HttpRequest, uuid: str) -> list[dict[str, Any]]:
    actor = actor_of(request)
    run = access.get_run_for_user(actor, uuid)
    rows = list(report.rows_in(actor, run, Category.REVIEW))
    report.log_shown(actor, [r.participant.code for r in rows if r.participant])
    return [_row_out(r) for r in rows]


def _row_out(row: Any) -> dict[str, Any]:
    return {
        "row": row.row,
        "state": row.state,
        "participant": row.participant.code if row.participant_id else None,
        "method": row.method,
        "probability": row.probability,
    }


@router.post(
    "/runs/{uuid}/rows/{row}/decide",
    response={200: DecisionOut, **WRITE_ERRORS},
    summary="Decide a row awaiting review",
)
def decide(request: HttpRequest, uuid: str, row: int, payload: DecisionIn) -> dict[str, Any]:
    """`decision`: `same` (the row is the participant proposed) or `not_same` (never proposed
    again). The run's figures are judged afresh."""
    actor = require_writer(request)
    run = access.get_run_for_user(actor, uuid, write=True)
    found = access.get_row_for_user(actor, run, row, write=True)
    decided = actions.decide(actor, found, payload.decision, reason=payload.reason)
    figures = report.figures(actor, run)
    return {"row": _row_out(decided), "rate": figures.rate, "counts": figures.counts}


@router.get(
    "/mappings/{code}", response={200: MappingOut, **ERRORS}, summary="A partner's list columns"
)
def get_mapping(request: HttpRequest, code: str) -> dict[str, Any]:
    actor = actor_of(request)
    partner = access.get_partner_for_user(actor, code)
    found = actions.mapping_for(partner)
    if found is None:
        raise refuse(actor, "reconciliation.mapping", code)
    return _mapping_out(found)


def _mapping_out(found: Any) -> dict[str, Any]:
    return {
        "partner": found.organisation.code,
        "columns": found.columns,
        "date_format": found.date_format,
        "open_values": found.open_values,
        "pathway_values": found.pathway_values or {},
        "version": found.version,
    }


@router.put(
    "/mappings/{code}",
    response={200: MappingOut, **WRITE_ERRORS},
    summary="Save a partner's list columns",
)
def put_mapping(request: HttpRequest, code: str, payload: MappingIn) -> dict[str, Any]:
    """`columns`: our field -> the header of the partner's column (fields in docs/imports.md);
    `version`: the version read, when changing a saved mapping (409 if someone changed it
    since)."""
    actor = require_writer(request)
    partner = access.get_partner_for_user(actor, code)
    if not access.can_reconcile(actor, partner):
        raise ReadOnly("Your roles do not set this organisation's caseload columns.")
    saved = actions.save_mapping(
        actor,
        partner,
        columns=payload.columns,
        date_format=payload.date_format,
        open_values=payload.open_values,
        pathway_values=payload.pathway_values,
        version=payload.version,
    )
    return _mapping_out(saved)
