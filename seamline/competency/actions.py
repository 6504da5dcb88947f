"""Every change to the shared framework and the partners' catalogues goes through here.

Framework changes (competencies, task types, requirements) all take the same path: the action
builds the framework as it should be after the change (in the export shape), checks it with
`rules.framework_reasons`, makes the tables match it, and writes a new `FrameworkVersion`
(number = previous + 1, the snapshot after the change, who, why and a summary of what changed)
and an audit entry, in one transaction. A change that changes nothing writes nothing.

Catalogue changes (partner modules and their mappings) are audited but not versioned: they
are each partner's own description of its training, not the shared standard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.audit.models import ChainHead
from seamline.errors import Conflict, Reason, RuleViolation
from seamline.network.models import Organisation

from . import access, rules
from .choices import EVIDENCE_MAPPINGS, MappingKind
from .diff import FrameworkDiff, diff_snapshots
from .framework import Snapshot, snapshot
from .models import (
    Competency,
    FrameworkVersion,
    ModuleMapping,
    PartnerModule,
    TaskRequirement,
    TaskType,
)


@dataclass(frozen=True)
class ApplyResult:
    """What applying a framework did (or, on a dry run, would do)."""

    diff: FrameworkDiff
    version: FrameworkVersion | None
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return not self.diff.empty


def _require_changer(actor: Actor) -> None:
    """Check the right to change the framework, then take the framework for this transaction.

    Every change is a read-modify-write of the whole framework, so changes are serialised: the
    audit chain head (which every write locks anyway, in `audit.actions.record`) is locked
    first, before the framework is read. On SQLite, IMMEDIATE transactions already serialise
    writers; on PostgreSQL this stops a change made from a stale read."""
    if not access.can_change_framework(actor):
        raise RuleViolation.one("not_permitted", access.CHANGE_MESSAGE)
    ChainHead.objects.select_for_update().get(singleton=True)


def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise RuleViolation.one(
            "reason_required",
            "Say why the framework changes: it is kept with the version.",
            "reason",
        )
    return reason.strip()


# --- the one path every framework change takes ----------------------------------------------


def _write_tables(target: Snapshot) -> None:
    """Make the competency, task type and requirement tables match `target` (normalised)."""
    comp_rows = {c.code: c for c in Competency.objects.all()}
    wanted = {c["code"]: c for c in target["competencies"]}
    for code, entry in wanted.items():
        values = {
            "title": entry["title"],
            "domain": entry["domain"],
            "description": entry["description"],
            "network_critical": entry["network_critical"],
            "behaviours": entry["behaviours"],
            "stage_evidence": entry["stages"],
            "supervision_frequency_days": entry["supervision_frequency_days"],
            "review_interval_months": entry["review_interval_months"],
            "pathway_specific": entry["pathway_specific"],
            "retired": False,
        }
        row = comp_rows.get(code)
        if row is None:
            comp_rows[code] = Competency.objects.create(code=code, **values)
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.save(update_fields=list(values))
    Competency.objects.exclude(code__in=wanted).filter(retired=False).update(retired=True)

    task_rows = {t.code: t for t in TaskType.objects.all()}
    wanted_tasks = {t["code"]: t for t in target["task_types"]}
    current_reqs: dict[int, dict[str, str]] = {}
    for req in TaskRequirement.objects.select_related("competency"):
        current_reqs.setdefault(req.task_type_id, {})[req.competency.code] = req.min_stage
    for code, entry in wanted_tasks.items():
        values = {
            "title": entry["title"],
            "description": entry["description"],
            "risk_tier": entry["risk_tier"],
            "delegated": entry["delegated"],
            "retired": False,
        }
        task = task_rows.get(code)
        if task is None:
            task = TaskType.objects.create(code=code, **values)
        elif any(getattr(task, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(task, k, v)
            task.save(update_fields=list(values))
        reqs = {r["competency"]: r["min_stage"] for r in entry["requirements"]}
        if current_reqs.get(task.pk, {}) != reqs:
            TaskRequirement.objects.filter(task_type=task).delete()
            TaskRequirement.objects.bulk_create(
                TaskRequirement(task_type=task, competency=comp_rows[c], min_stage=s)
                for c, s in reqs.items()
            )
    TaskType.objects.exclude(code__in=wanted_tasks).filter(retired=False).update(retired=True)


def _apply(
    actor: Actor,
    target: Mapping[str, Any],
    *,
    reason: str,
    action: str,
    subject: models.Model | None = None,
    dry_run: bool = False,
) -> ApplyResult:
    """Check `target`, then make the framework match it and version the change."""
    _require_changer(actor)
    reason = _require_reason(reason)
    problems = rules.framework_reasons(target)
    if problems:
        raise RuleViolation(*problems)
    wanted = rules.normalise(target)
    before = snapshot()
    difference = diff_snapshots(before, wanted)
    if difference.empty or dry_run:
        return ApplyResult(difference, None, dry_run)
    _write_tables(wanted)
    after = snapshot()
    latest = FrameworkVersion.objects.current()
    number = (latest.number if latest else 0) + 1
    try:
        with transaction.atomic():
            version = FrameworkVersion.objects.create(
                number=number,
                created_by=actor.user,
                reason=reason,
                summary=difference.summary(),
                snapshot=after,
            )
    except IntegrityError:
        raise Conflict(
            Reason(
                "framework_changed",
                "Someone else changed the framework at the same moment. Reload it and try again.",
                None,
            )
        ) from None
    record(
        actor,
        action,
        subject if subject is not None else version,
        changes={"framework_version": number, **difference.as_dict()},
        reason=reason,
    )
    return ApplyResult(difference, version)


def _current() -> dict[str, list[dict[str, Any]]]:
    return {k: [dict(e) for e in v] for k, v in snapshot().items()}


def _fresh(model: type[models.Model], code: str) -> Any:
    return model._default_manager.get(code=code)


def _retired_code(model: type[Competency] | type[TaskType], code: str, field: str) -> None:
    if model.objects.filter(code=code, retired=True).exists():
        raise RuleViolation.one(
            "code_retired",
            f"'{code}' belongs to a retired entry; codes are never reused. Choose another.",
            field,
        )


# --- the whole framework ----------------------------------------------------------------------


@transaction.atomic
def apply_framework(
    actor: Actor, data: Mapping[str, Any], reason: str, *, dry_run: bool = False
) -> ApplyResult:
    """Make the framework match `data` (the export shape): entries missing from it are retired.

    Used by `seamline framework load-default` and `import` and by the API's import. Writes one
    version when something changed and nothing at all otherwise (running it twice changes
    nothing). With `dry_run`, checks and reports the difference without writing."""
    return _apply(actor, data, reason=reason, action="framework.apply", dry_run=dry_run)


# --- competencies -----------------------------------------------------------------------------


@transaction.atomic
def create_competency(actor: Actor, *, reason: str, **fields: Any) -> Competency:
    _require_changer(actor)
    unknown = sorted(set(fields) - set(rules.COMPETENCY_FIELDS))
    if unknown:
        raise RuleViolation(
            *(Reason("field_not_editable", f"'{f}' is not a competency field.", f) for f in unknown)
        )
    code = fields.get("code")
    current = _current()
    if isinstance(code, str):
        if any(c["code"] == code for c in current["competencies"]):
            raise RuleViolation.one(
                "code_taken", f"There is already a competency with code '{code}'.", "code"
            )
        _retired_code(Competency, code, "code")
    _check_one_competency(fields)
    current["competencies"].append(dict(fields))
    _apply(actor, current, reason=reason, action="framework.competency.create")
    return _fresh(Competency, str(code))


def _check_one_competency(entry: Mapping[str, Any]) -> None:
    """Reasons for a single entry name the bare field (`review_interval_months`), as a form has."""
    problems = rules.competency_reasons(entry, "", "The competency")
    if problems:
        raise RuleViolation(
            *(
                Reason(p.code, p.message, (p.field or "").lstrip(".").split(".")[0])
                for p in problems
            )
        )


@transaction.atomic
def update_competency(
    actor: Actor, competency: Competency, changes: Mapping[str, Any], *, reason: str
) -> Competency:
    _require_changer(actor)
    if competency.retired:
        raise RuleViolation.one("retired", "A retired competency cannot be changed.")
    editable = set(rules.COMPETENCY_FIELDS) - {"code"}
    unknown = sorted(set(changes) - editable)
    if unknown:
        raise RuleViolation(
            *(Reason("field_not_editable", f"'{f}' cannot be changed here.", f) for f in unknown)
        )
    current = _current()
    entry = next(c for c in current["competencies"] if c["code"] == competency.code)
    entry.update(changes)
    _check_one_competency(entry)
    _apply(actor, current, reason=reason, action="framework.competency.update", subject=competency)
    return _fresh(Competency, competency.code)


@transaction.atomic
def retire_competency(actor: Actor, competency: Competency, *, reason: str) -> Competency:
    _require_changer(actor)
    if competency.retired:
        return competency
    current = _current()
    users = [
        t["code"]
        for t in current["task_types"]
        if any(r["competency"] == competency.code for r in t["requirements"])
    ]
    if users:
        raise RuleViolation.one(
            "competency_in_use",
            f"Competency '{competency.code}' is still required by {', '.join(users)}: change "
            "those task types' requirements first.",
            "code",
        )
    current["competencies"] = [c for c in current["competencies"] if c["code"] != competency.code]
    _apply(actor, current, reason=reason, action="framework.competency.retire", subject=competency)
    return _fresh(Competency, competency.code)


# --- task types -------------------------------------------------------------------------------


def _check_one_task_type(entry: Mapping[str, Any], known: set[str]) -> None:
    problems = rules.task_type_reasons(entry, "", "The task type", known)
    if problems:
        raise RuleViolation(
            *(
                Reason(p.code, p.message, (p.field or "").lstrip(".").split(".")[0].split("[")[0])
                for p in problems
            )
        )


def _requirements(pairs: Iterable[Any]) -> list[dict[str, Any]]:
    """Requirements given as dicts or (competency, min_stage) pairs."""
    out: list[dict[str, Any]] = []
    for pair in pairs:
        if isinstance(pair, Mapping):
            out.append({"competency": pair.get("competency"), "min_stage": pair.get("min_stage")})
        else:
            comp, stage = pair
            out.append({"competency": comp, "min_stage": stage})
    return out


@transaction.atomic
def create_task_type(
    actor: Actor,
    *,
    code: str,
    title: str,
    risk_tier: int,
    reason: str,
    delegated: bool = False,
    description: str = "",
    requirements: Iterable[Any] = (),
) -> TaskType:
    _require_changer(actor)
    current = _current()
    if any(t["code"] == code for t in current["task_types"]):
        raise RuleViolation.one(
            "code_taken", f"There is already a task type with code '{code}'.", "code"
        )
    _retired_code(TaskType, code, "code")
    entry = {
        "code": code,
        "title": title,
        "description": description,
        "risk_tier": risk_tier,
        "delegated": delegated,
        "requirements": _requirements(requirements),
    }
    _check_one_task_type(entry, {c["code"] for c in current["competencies"]})
    current["task_types"].append(entry)
    _apply(actor, current, reason=reason, action="framework.task_type.create")
    return _fresh(TaskType, code)


@transaction.atomic
def update_task_type(
    actor: Actor, task_type: TaskType, changes: Mapping[str, Any], *, reason: str
) -> TaskType:
    _require_changer(actor)
    if task_type.retired:
        raise RuleViolation.one("retired", "A retired task type cannot be changed.")
    editable = set(rules.TASK_TYPE_FIELDS) - {"code"}
    unknown = sorted(set(changes) - editable)
    if unknown:
        raise RuleViolation(
            *(Reason("field_not_editable", f"'{f}' cannot be changed here.", f) for f in unknown)
        )
    current = _current()
    entry = next(t for t in current["task_types"] if t["code"] == task_type.code)
    entry.update(changes)
    if "requirements" in changes:
        entry["requirements"] = _requirements(changes["requirements"])
    _check_one_task_type(entry, {c["code"] for c in current["competencies"]})
    _apply(actor, current, reason=reason, action="framework.task_type.update", subject=task_type)
    return _fresh(TaskType, task_type.code)


@transaction.atomic
def set_requirements(
    actor: Actor, task_type: TaskType, requirements: Iterable[Any], *, reason: str
) -> TaskType:
    """Replace a task type's (competency, minimum stage) requirements."""
    return update_task_type(actor, task_type, {"requirements": list(requirements)}, reason=reason)


@transaction.atomic
def retire_task_type(actor: Actor, task_type: TaskType, *, reason: str) -> TaskType:
    _require_changer(actor)
    if task_type.retired:
        return task_type
    current = _current()
    current["task_types"] = [t for t in current["task_types"] if t["code"] != task_type.code]
    _apply(actor, current, reason=reason, action="framework.task_type.retire", subject=task_type)
    return _fresh(TaskType, task_type.code)


# --- partner catalogues -----------------------------------------------------------------------


def _require_catalogue(actor: Actor, org: Organisation) -> None:
    if not access.can_manage_catalogue(actor, org):
        raise RuleViolation.one("not_permitted", access.CATALOGUE_MESSAGE)


@transaction.atomic
def add_partner_module(
    actor: Actor,
    org: Organisation,
    *,
    code: str,
    title: str,
    refresher_months: int | None = None,
    reason: str = "",
) -> PartnerModule:
    """Add a module to `org`'s own catalogue (its code as the partner's LMS writes it)."""
    _require_catalogue(actor, org)
    code = (code or "").strip()
    title = (title or "").strip()
    problems = []
    if not code or len(code) > 60 or not rules.MODULE_CODE_RE.match(code):
        problems.append(
            Reason(
                "invalid_code",
                "A module code holds letters, digits, '.', '_' and '-' (at most 60), as the "
                "partner's training system writes it.",
                "code",
            )
        )
    elif PartnerModule.objects.filter(organisation=org, code=code).exists():
        problems.append(
            Reason("code_taken", f"{org.name} already has a module with code '{code}'.", "code")
        )
    if not title:
        problems.append(Reason("title_required", "A module needs a title.", "title"))
    elif len(title) > 200:
        problems.append(
            Reason("title_too_long", "The title is longer than 200 characters.", "title")
        )
    if refresher_months is not None and not 1 <= refresher_months <= 120:
        problems.append(
            Reason(
                "invalid_refresher",
                "The refresher period must be 1 to 120 months (or left empty).",
                "refresher_months",
            )
        )
    if problems:
        raise RuleViolation(*problems)
    module = PartnerModule.objects.create(
        organisation=org, code=code, title=title, refresher_months=refresher_months
    )
    record(
        actor,
        "catalogue.module.add",
        module,
        changes={"code": code, "title": title, "refresher_months": refresher_months},
        reason=reason,
    )
    return module


@transaction.atomic
def add_module_mapping(
    actor: Actor, module: PartnerModule, competency: Competency, kind: str, *, reason: str = ""
) -> ModuleMapping:
    """Map a partner module onto a shared competency (exact, part_of or related)."""
    _require_catalogue(actor, module.organisation)
    problems = []
    if kind not in MappingKind.values:
        problems.append(
            Reason(
                "invalid_mapping_kind",
                f"The mapping kind must be one of {', '.join(MappingKind.values)}.",
                "kind",
            )
        )
    if competency.retired:
        problems.append(
            Reason(
                "competency_retired", f"Competency '{competency.code}' is retired.", "competency"
            )
        )
    elif ModuleMapping.objects.filter(module=module, competency=competency).exists():
        problems.append(
            Reason(
                "mapping_exists",
                f"Module '{module.code}' is already mapped to '{competency.code}'; remove that "
                "mapping first to change its kind.",
                "competency",
            )
        )
    if problems:
        raise RuleViolation(*problems)
    mapping = ModuleMapping.objects.create(module=module, competency=competency, kind=kind)
    record(
        actor,
        "catalogue.mapping.add",
        module,
        changes={"competency": competency.code, "kind": kind},
        reason=reason,
    )
    return mapping


@transaction.atomic
def remove_module_mapping(actor: Actor, mapping: ModuleMapping, *, reason: str = "") -> None:
    module = mapping.module
    _require_catalogue(actor, module.organisation)
    ModuleMapping.objects.filter(pk=mapping.pk).delete()
    record(
        actor,
        "catalogue.mapping.remove",
        module,
        changes={"competency": mapping.competency.code, "kind": mapping.kind},
        reason=reason,
    )


def map_module_completion(module: PartnerModule) -> list[Competency]:
    """The competencies a completion of `module` is `module` evidence for: those it maps to
    exactly or as a part. An empty list means "unmapped": the importer lists it for mapping."""
    return list(
        Competency.objects.filter(
            module_mappings__module=module,
            module_mappings__kind__in=EVIDENCE_MAPPINGS,
            retired=False,
        ).order_by("code")
    )
