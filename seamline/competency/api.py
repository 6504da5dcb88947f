"""The framework's JSON API, mounted at /api/framework.

Reads are open to every member of the network (the framework is shared, not personal).
Changes go through `competency.actions`, like the pages and the `seamline framework` command:
an import is checked whole and applied all or nothing, writing one version when it changes
something.
"""

from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from seamline.api import ERRORS, QUERY_ERRORS, WRITE_ERRORS, actor_of, require_writer
from seamline.errors import RuleViolation

from . import access, actions
from .choices import MappingKind
from .coverage import coverage
from .diff import diff_snapshots
from .framework import snapshot
from .models import Competency, FrameworkVersion, ModuleMapping, PartnerModule

router = Router(tags=["framework"])
CATALOGUE = ["partner catalogues"]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class FrameworkOut(Schema):
    version: int | None = Field(None, description="The current version number.")
    competencies: list[dict[str, Any]]
    task_types: list[dict[str, Any]]


class VersionOut(Schema):
    number: int
    created_at: datetime
    created_by: str | None = Field(None, description="Username; null when made by the system.")
    reason: str
    summary: str


class VersionDetailOut(VersionOut):
    snapshot: dict[str, Any]


class DiffOut(Schema):
    from_version: int
    to_version: int
    empty: bool
    summary: str
    competencies: dict[str, Any]
    task_types: dict[str, Any]


class ImportIn(In):
    version: int | None = Field(
        None, description="Ignored: lets the body of GET /api/framework be sent back as is."
    )
    competencies: list[dict[str, Any]]
    task_types: list[dict[str, Any]]
    reason: str = Field(..., description="Why; kept with the version.")
    dry_run: bool = Field(False, description="Check and report the difference; change nothing.")


class ImportOut(Schema):
    changed: bool
    dry_run: bool
    version: int | None
    summary: str
    diff: dict[str, Any]


class MappingOut(Schema):
    competency: str
    kind: MappingKind


class ModuleOut(Schema):
    organisation: str
    code: str
    title: str
    refresher_months: int | None
    mappings: list[MappingOut]


class ModuleIn(In):
    code: str
    title: str
    refresher_months: int | None = None
    reason: str = ""


class MappingIn(In):
    competency: str
    kind: MappingKind
    reason: str = ""


class CoverageOut(Schema):
    organisation: str
    covered: list[str]
    gaps: list[str]
    critical_gaps: list[str]


def _readable(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if not access.can_read_framework(actor):
        raise access.refuse(actor, "competency.framework", "framework")
    return actor


def _version_out(v: FrameworkVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "created_at": v.created_at,
        "created_by": v.created_by.username if v.created_by else None,
        "reason": v.reason,
        "summary": v.summary,
    }


def _module_out(module: PartnerModule) -> dict[str, Any]:
    return {
        "organisation": module.organisation.code,
        "code": module.code,
        "title": module.title,
        "refresher_months": module.refresher_months,
        "mappings": [
            {"competency": m.competency.code, "kind": m.kind} for m in module.mappings.all()
        ],
    }


# --- the framework ----------------------------------------------------------------------------


@router.get("", response={200: FrameworkOut, **ERRORS}, summary="The framework now")
def current_framework(request: HttpRequest) -> dict[str, Any]:
    """The live framework in the export shape (what `seamline framework export` writes)."""
    _readable(request)
    latest = FrameworkVersion.objects.defer("snapshot").current()
    return {"version": latest.number if latest else None, **snapshot()}


@router.get("/versions", response={200: list[VersionOut], **ERRORS}, summary="Every version")
def list_versions(request: HttpRequest) -> list[dict[str, Any]]:
    """Every version of the framework, newest first: who, when, why and what changed."""
    _readable(request)
    return [
        _version_out(v)
        for v in FrameworkVersion.objects.select_related("created_by")
        .defer("snapshot")
        .order_by("-number")
    ]


@router.get(
    "/versions/{number}", response={200: VersionDetailOut, **QUERY_ERRORS}, summary="A version"
)
def get_version(request: HttpRequest, number: int) -> dict[str, Any]:
    """One version, with the whole framework as it stood (its snapshot)."""
    version = access.get_version_for_user(actor_of(request), number)
    return {**_version_out(version), "snapshot": version.snapshot}


@router.get("/diff", response={200: DiffOut, **QUERY_ERRORS}, summary="Between two versions")
def version_diff(
    request: HttpRequest,
    from_: int = Query(..., alias="from"),
    to: int = Query(...),
) -> dict[str, Any]:
    """What changed from version `from` to version `to`: entries added, removed and changed,
    field by field."""
    actor = actor_of(request)
    older = access.get_version_for_user(actor, from_)
    newer = access.get_version_for_user(actor, to)
    difference = diff_snapshots(older.snapshot, newer.snapshot)
    return {
        "from_version": older.number,
        "to_version": newer.number,
        "empty": difference.empty,
        "summary": difference.summary(),
        **difference.as_dict(),
    }


@router.post("/import", response={200: ImportOut, **WRITE_ERRORS}, summary="Import a framework")
def import_framework(request: HttpRequest, payload: ImportIn) -> dict[str, Any]:
    """Make the framework match the body (the export shape, plus `reason`): all or nothing.
    Entries missing from the body are retired. Errors name the entry and the field, e.g.
    `competencies[medication_support].review_interval_months`."""
    actor = require_writer(request)
    access.require_framework_change(actor)
    result = actions.apply_framework(
        actor,
        {"competencies": payload.competencies, "task_types": payload.task_types},
        payload.reason,
        dry_run=payload.dry_run,
    )
    return {
        "changed": result.changed,
        "dry_run": result.dry_run,
        "version": result.version.number if result.version else None,
        "summary": result.diff.summary(),
        "diff": result.diff.as_dict(),
    }


# --- partner catalogues -----------------------------------------------------------------------


@router.get("/partners/{org}/modules", response={200: list[ModuleOut], **ERRORS}, tags=CATALOGUE)
def list_modules(request: HttpRequest, org: str) -> list[dict[str, Any]]:
    """A partner's own training modules and the competencies each maps to."""
    found = access.get_catalogue_for_user(actor_of(request), org)
    modules = (
        PartnerModule.objects.filter(organisation=found)
        .select_related("organisation")
        .prefetch_related(
            Prefetch(
                "mappings",
                queryset=ModuleMapping.objects.select_related("competency").order_by(
                    "competency__code"
                ),
            )
        )
        .order_by("code")
    )
    return [_module_out(m) for m in modules]


@router.post("/partners/{org}/modules", response={201: ModuleOut, **WRITE_ERRORS}, tags=CATALOGUE)
def add_module(request: HttpRequest, org: str, payload: ModuleIn) -> Status[dict[str, Any]]:
    """Add a module to the partner's catalogue (its code as the partner's system writes it)."""
    actor = require_writer(request)
    found = access.get_catalogue_for_user(actor, org, write=True)
    module = actions.add_partner_module(
        actor,
        found,
        code=payload.code,
        title=payload.title,
        refresher_months=payload.refresher_months,
        reason=payload.reason,
    )
    return Status(201, _module_out(module))


@router.post(
    "/partners/{org}/modules/{module}/mappings",
    response={201: MappingOut, **WRITE_ERRORS},
    tags=CATALOGUE,
)
def add_mapping(
    request: HttpRequest, org: str, module: str, payload: MappingIn
) -> Status[dict[str, Any]]:
    """Map the module onto a shared competency: `exact`, `part_of` or `related` (only the first
    two give evidence)."""
    actor = require_writer(request)
    found = access.get_module_for_user(actor, org, module, write=True)
    competency = Competency.objects.filter(code=payload.competency).first()
    if competency is None:
        raise RuleViolation.one(
            "unknown_competency",
            f"There is no competency with code '{payload.competency}'.",
            "competency",
        )
    mapping = actions.add_module_mapping(
        actor, found, competency, payload.kind.value, reason=payload.reason
    )
    return Status(201, {"competency": competency.code, "kind": mapping.kind})


@router.delete(
    "/partners/{org}/modules/{module}/mappings/{competency}",
    response={200: MappingOut, **WRITE_ERRORS},
    tags=CATALOGUE,
)
def remove_mapping(
    request: HttpRequest, org: str, module: str, competency: str, reason: str = ""
) -> dict[str, Any]:
    """Remove a mapping (the module's past completions stay as evidence already recorded)."""
    actor = require_writer(request)
    mapping = access.get_mapping_for_user(actor, org, module, competency, write=True)
    out = {"competency": mapping.competency.code, "kind": mapping.kind}
    actions.remove_module_mapping(actor, mapping, reason=reason)
    return out


@router.get("/coverage", response={200: list[CoverageOut], **ERRORS}, tags=CATALOGUE)
def partner_coverage(request: HttpRequest) -> list[dict[str, Any]]:
    """For each partner: competencies with an exact or part-of mapped module, and those with
    none (network-critical gaps listed apart)."""
    actor = _readable(request)
    return [
        {
            "organisation": row.organisation.code,
            "covered": [c.competency.code for c in row.cells if c.covered],
            "gaps": [c.code for c in row.gaps],
            "critical_gaps": [c.code for c in row.critical_gaps],
        }
        for row in coverage(access.catalogue_organisations(actor))
    ]
