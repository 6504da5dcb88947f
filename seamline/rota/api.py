"""The rota JSON API, under `/api/rota`: the gate's single check, whole-rota validation,
loading a rota file, the visits of a week, a visit's candidates, and overrides.

The same access and actions as the pages: a visit whose participant the caller may not see is
404; a worker the caller may not see is answered as cleared or not, without reasons, when the
worker is on the visit, and 404 otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from seamline.access import Actor, ReadOnly
from seamline.api_support import ERRORS, QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.errors import RuleViolation
from seamline.network.access import refuse
from seamline.workforce.models import Worker
from seamline.workforce.register import find_worker, worker_rows_for

from . import access, actions, cover_report, imports, parallel, rules, scheduler, validation
from .forms import MAX_UPLOAD_BYTES, this_week
from .gate import Answer
from .models import Override, Visit

router = Router(tags=["rota"])


class ViolationOut(Schema):
    rule: str
    code: str
    message: str


class CheckIn(Schema):
    visit: str
    worker: str  # public id or ORGANISATION/STAFF_ID


class CheckOut(Schema):
    visit: str
    worker: str
    allowed: bool
    # Empty when the caller may not read the worker's record: cleared or not, no more.
    violations: list[ViolationOut]
    overridden: list[ViolationOut]
    reasons_shown: bool


def _answer(answer: Answer, shown: bool) -> dict[str, Any]:
    return {
        "visit": answer.visit,
        "worker": answer.worker,
        "allowed": answer.allowed,
        "violations": [v.as_dict() for v in answer.violations] if shown else [],
        "overridden": [v.as_dict() for v, _ in answer.overridden] if shown else [],
        "reasons_shown": shown,
    }


@router.post("/check", response={200: CheckOut, **WRITE_ERRORS}, summary="May W do visit V?")
def check(request: HttpRequest, payload: CheckIn) -> dict[str, Any]:
    """Every rule (G1-G10) assigning the worker to the visit breaks, each with its code and a
    sentence; blocks lifted by an override apart. `allowed` is true when nothing blocks."""
    actor = actor_of(request)
    visit = access.visit_pk_to_schedule(actor, payload.visit)
    worker, shown = _worker_for_check(actor, visit, payload.worker)
    return _answer(actions.gate_answer_for(visit, worker), shown)


def _worker_for_check(actor: Actor, visit: int, ident: str) -> tuple[int, bool]:
    """The worker named (public id or ORGANISATION/STAFF_ID) by primary key, and whether
    `actor` may read why: a worker `actor` sees, or one on the visit `visit` (then only
    cleared or not). Anyone else is 404, whether or not they exist."""
    wanted = str(ident).strip()
    if "/" in wanted:
        org, _, staff = wanted.partition("/")
        org, staff = org.strip().lower(), staff.strip()
        named = Q(organisation__code=org, staff_id=staff)
        wanted_name = f"{org}/{staff}"
    else:
        uid = access.parse_uuid(wanted)
        if uid is None:
            raise refuse(actor, "workforce.worker", wanted)
        named = Q(uuid=uid)
        wanted_name = str(uid)
    # A worker `actor` sees: one compiled query (the access layer's own condition).
    seen = worker_rows_for(actor, wanted_name)
    if seen:
        return seen[0][0], True
    on_visit = (
        Worker.objects.filter(named, assignments__visit_id=visit, assignments__status="assigned")
        .values_list("pk", flat=True)
        .first()
    )
    if on_visit is None:
        raise refuse(actor, "workforce.worker", wanted)
    return on_visit, False


class FindingOut(Schema):
    visit: str
    worker: str
    rule: str
    message: str


class ValidationOut(Schema):
    ok: bool
    visits: int
    assignments: int
    count: int
    violations: list[FindingOut]
    overridden: int


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class FileProblem(Schema):
    detail: str
    reasons: list[dict[str, str]]
    errors: list[RowErrorOut]


def _too_large() -> dict[str, Any]:
    return _file_problem([imports.RowError(0, "", "the file is larger than 5 MB")], "nothing read")


def _file_problem(errors: list[Any], what: str) -> dict[str, Any]:
    count = len(errors)
    return {
        "detail": f"{count} error{'s' if count != 1 else ''}: {what}.",
        "reasons": [
            {
                "code": "import_error",
                "message": str(e),
                "field": f"row {e.row}: {e.column}" if e.column else f"row {e.row}",
            }
            for e in errors
        ],
        "errors": [e.as_dict() for e in errors],
    }


@router.post(
    "/validate",
    response={**WRITE_ERRORS, 200: ValidationOut, 413: FileProblem, 422: FileProblem},
    summary="Validate a whole rota file",
)
def validate(request: HttpRequest, file: File[UploadedFile]) -> Status[Any]:
    """Every violation of the rota file (the format a rota is loaded in): a list of
    `{visit, worker, rule, message}`, rule G1 ... G10. Nothing is stored. 422 when the file
    cannot be read (each error names its row and column)."""
    actor = actor_of(request)
    if not access.can_schedule(actor):
        raise ReadOnly("Only schedulers, coordinators, supervisors and admins validate rotas.")
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        return Status(413, _too_large())
    result = validation.validate_file(actor, file.read())
    if result.errors:
        return Status(422, _file_problem(result.errors, "the file could not be validated"))
    return Status(200, _validation_out(result))


@router.get(
    "/weeks/{week}/violations",
    response={200: ValidationOut, **QUERY_ERRORS},
    summary="Validate the rota stored for a week",
)
def validate_week(request: HttpRequest, week: str) -> Any:
    """Every violation of the rota stored for an ISO week ("2026-W47"): every planned visit
    starting in it, judged with the whole stored rota around it, as `seamline rota validate
    --week` lists them; only visits of participants you can see are reported. 422 when the
    week is not one."""
    actor = actor_of(request)
    if not access.can_schedule(actor):
        raise ReadOnly("Only schedulers, coordinators, supervisors and admins validate rotas.")
    result = parallel.validate_week(actor, _week(week), parallel=False)
    return _validation_out(result)


def _validation_out(result: validation.Result) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "visits": result.visits,
        "assignments": result.assignments,
        "count": len(result.findings),
        "violations": result.as_list(),
        "overridden": len(result.overridden),
    }


def _week(week: str | None) -> str:
    """An ISO week as asked ("2026-w47" too), this week when none; a 422 naming `week` when
    it is not one."""
    week = (week or this_week()).strip().upper()
    try:
        rules.week_monday(week)
    except ValueError:
        raise RuleViolation.one(
            "invalid_value", "Write the week as YYYY-Www, e.g. 2026-W47.", "week"
        ) from None
    return week


class LoadOut(Schema):
    kind: str
    dry_run: bool
    written: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    cancelled: int


@router.post(
    "/import",
    response={**WRITE_ERRORS, 200: LoadOut, 413: FileProblem, 422: FileProblem},
    summary="Load a week's rota from a file",
)
def load_file(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> Status[Any]:
    """All or nothing: 422 (nothing written) when any row is wrong, each error naming its
    row and column. The file replaces the weeks it covers for its organisations; the same
    file twice changes nothing. Columns: docs/imports.md, section "rota"."""
    actor = require_writer(request)
    if not access.can_import_rota(actor):
        raise ReadOnly("Only an organisation's schedulers and partner admin load its rota.")
    if file.size is not None and file.size > MAX_UPLOAD_BYTES:
        return Status(413, _too_large())
    report = imports.run(actor, file.read(), dry_run=dry_run)
    if report.errors:
        return Status(422, _file_problem(report.errors, "nothing was loaded"))
    return Status(200, report.as_dict())


class VisitOut(Schema):
    code: str
    organisation: str
    ref: str
    participant: str
    pathway: str
    task_types: list[str]
    start: datetime
    end: datetime
    lone: bool
    workers: list[str]
    paired_with: str | None


@router.get("/visits", response={200: list[VisitOut], **QUERY_ERRORS}, summary="A week's visits")
@paginate(PageNumberPagination)
def visits(request: HttpRequest, week: str | None = None, organisation: str | None = None) -> Any:
    """The planned visits of participants you can see, in an ISO week ("2026-W47"; this week
    when left out), by start."""
    actor = actor_of(request)
    if not access.can_see_visits(actor):
        raise ReadOnly("Your roles do not read visits.")
    start, end = rules.week_window(_week(week), timezone.get_current_timezone())
    found = (
        Visit.objects.visible_to(actor)
        .planned()
        .between(start, end)
        .select_related("organisation", "participant", "pathway", "paired_with__organisation")
        .prefetch_related("task_types", "assignments__worker__organisation")
        .order_by("starts_at", "code")
    )
    if organisation:
        found = found.filter(organisation__code=organisation)
    return _Page(
        found,
        _visit,
        lambda page: actions.record_visits_listed(actor, [v.code for v in page], "api"),
    )


class _Page:
    """A queryset turned into its API shape a page at a time; `shown` hears of each page's
    records (the visits of a page are a read of personal data, logged once per page)."""

    def __init__(
        self,
        qs: Any,
        shape: Callable[[Any], dict[str, Any]],
        shown: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self.qs = qs
        self.shape = shape
        self.shown = shown

    def __len__(self) -> int:
        return int(self.qs.count())

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        found = list(self.qs[index])
        if self.shown is not None:
            self.shown(found)
        return [self.shape(v) for v in found]


def _visit(v: Visit) -> dict[str, Any]:
    return {
        "code": v.code,
        "organisation": v.organisation.code,
        "ref": v.ref,
        "participant": v.participant.code,
        "pathway": v.pathway.code,
        "task_types": sorted(t.code for t in v.task_types.all()),
        "start": v.starts_at,
        "end": v.ends_at,
        "lone": v.lone,
        "workers": [
            f"{a.worker.organisation.code}/{a.worker.staff_id}"
            for a in v.assignments.all()
            if a.status == "assigned"
        ],
        "paired_with": (
            f"{v.paired_with.organisation.code}/{v.paired_with.staff_id}" if v.paired_with else None
        ),
    }


class CandidateOut(Schema):
    worker: str
    name: str
    organisation: str
    allowed: bool
    assigned: bool
    continuity: int
    headroom: int
    violations: list[ViolationOut]


@router.get(
    "/visits/{code}/candidates",
    response={200: list[CandidateOut], **ERRORS},
    summary="Who may do this visit, best first",
)
def candidates(request: HttpRequest, code: str, organisation: str | None = None) -> Any:
    """The workers of `organisation` (the visit's own by default) whose records you see, and
    whoever is on the visit: eligible first (continuity, then headroom under the high-risk
    caseload cap), then the blocked with every rule that blocks them."""
    actor = actor_of(request)
    visit = access.get_visit_to_schedule(actor, code)
    chosen = None
    if organisation:
        from seamline.workforce.access import organisations_with_workers_for

        chosen = organisations_with_workers_for(actor).filter(code=organisation).first()
        if chosen is None:
            raise refuse(actor, "network.organisation", organisation)
    board = scheduler.board(actor, visit, chosen)
    return [
        {
            "worker": c.answer.worker,
            "name": c.name,
            "organisation": c.organisation,
            "allowed": c.allowed,
            "assigned": c.assigned,
            "continuity": c.continuity,
            "headroom": c.headroom,
            "violations": [v.as_dict() for v in c.answer.violations] if c.visible else [],
        }
        for c in [*board.assigned, *board.eligible, *board.blocked]
    ]


class OverrideIn(Schema):
    visit: str
    worker: str
    rule: str
    reason: str
    expires_at: datetime


class OverrideOut(Schema):
    id: str
    visit: str
    worker: str
    rule: str
    reason: str
    blocked_because: str
    granted_by: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def _override(o: Override) -> dict[str, Any]:
    return {
        "id": str(o.uuid),
        "visit": o.visit.code,
        "worker": f"{o.worker.organisation.code}/{o.worker.staff_id}",
        "rule": o.rule,
        "reason": o.reason,
        "blocked_because": o.blocked_because,
        "granted_by": o.granted_by.username,
        "granted_at": o.granted_at,
        "expires_at": o.expires_at,
        "revoked_at": o.revoked_at,
    }


@router.get("/overrides", response={200: list[OverrideOut], **QUERY_ERRORS}, summary="Overrides")
@paginate(PageNumberPagination)
def overrides(request: HttpRequest, rule: str | None = None) -> Any:
    """Every override on visits you see of workers you see, newest first."""
    actor = actor_of(request)
    if not access.can_see_visits(actor):
        raise ReadOnly("Your roles do not read overrides.")
    found = Override.objects.visible_to(actor).select_related(
        "visit", "worker__organisation", "granted_by"
    )
    if rule:
        found = found.filter(rule=rule.upper())
    return _Page(found, _override)


@router.post(
    "/overrides", response={201: OverrideOut, **WRITE_ERRORS}, summary="Override one block"
)
def grant(request: HttpRequest, payload: OverrideIn) -> Status[Any]:
    """Let one rule through for one worker on one visit, until `expires_at`, with a reason.
    The network admin, or a supervisor or partner admin of the worker's organisation."""
    actor = require_writer(request)
    visit = access.get_visit_to_schedule(actor, payload.visit)
    worker = find_worker(actor, payload.worker)
    if not access.can_override(actor, worker):
        raise ReadOnly(
            "Only the network admin, or a supervisor or partner admin of the worker's "
            "organisation, overrides a block."
        )
    override = actions.grant_override(
        actor,
        visit,
        worker,
        rule=payload.rule,
        reason=payload.reason,
        expires_at=payload.expires_at,
    )
    return Status(201, _override(override))


class RevokeIn(Schema):
    reason: str


@router.post(
    "/overrides/{override}/revoke",
    response={200: OverrideOut, **WRITE_ERRORS},
    summary="Revoke an override",
)
def revoke(request: HttpRequest, override: str, payload: RevokeIn) -> dict[str, Any]:
    actor = require_writer(request)
    found = access.get_override_for_user(actor, override, write=True)
    return _override(actions.revoke_override(actor, found, reason=payload.reason))


class OnDutyOut(Schema):
    name: str
    organisation: str
    start: datetime
    end: datetime
    cleared: bool
    reasons: list[str]


class GapOut(Schema):
    check: str
    code: str
    message: str


class DayCoverOut(Schema):
    day: date
    pathway: str
    duty_leads: list[OnDutyOut]
    late_cover_needed: bool
    late_referrals: int
    late_cover: list[OnDutyOut]
    stability_checks_due: int
    stability_checks_missing: int
    high_risk_visits: int
    ok: bool
    gaps: list[GapOut]


class CoverOut(Schema):
    first: date
    last: date
    pathway: str | None
    organisation: str | None
    gaps: int
    by_check: dict[str, int]
    days: list[DayCoverOut]


@router.get("/cover", response={200: CoverOut, **QUERY_ERRORS}, summary="Cover by day and pathway")
def cover(
    request: HttpRequest,
    week: str | None = None,
    first: date | None = None,
    last: date | None = None,
    pathway: str | None = None,
    organisation: str | None = None,
) -> dict[str, Any]:
    """For each day and pathway: the duty lead (cleared for `duty_lead` or not), late cover
    where the referral peaks need it, weekend stability checks in the first 72 hours home from
    hospital, and high-risk caseloads against the caps; every gap with its check, code and
    sentence. Days: `first` to `last` (at most 31), else the ISO `week`, else this week."""
    actor = actor_of(request)
    if not access.can_schedule(actor):
        raise ReadOnly("Only schedulers, coordinators, supervisors and admins read the cover.")
    if first or last:
        start, end = (first or last), (last or first)
        assert start is not None and end is not None
    elif week:
        try:
            start = rules.week_monday(week.upper())
        except ValueError:
            raise RuleViolation.one(
                "invalid_value", "Write the week as YYYY-Www, e.g. 2026-W47.", "week"
            ) from None
        end = start + timedelta(days=6)
    else:
        start, end = cover_report.default_days()
    if end < start:
        raise RuleViolation.one(
            "invalid_value", "The last day comes on or after the first.", "last"
        )
    return cover_report.report(
        actor, start, end, pathway=pathway, organisation=organisation
    ).as_dict()
