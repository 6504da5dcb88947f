"""The framework as plain data: the export shape, and the specs the authorization rule reads.

`snapshot()` reads the live tables into the export shape (the same shape `seamline framework
export --format json` writes and `FrameworkVersion.snapshot` stores). `framework_as_of(at)`
returns the version in force at an instant as a `Framework` (`TaskSpec`s, `CompetencySpec`s,
the network-critical codes and the evidence each stage asks for), so the authorization
register can be computed for any past instant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connections

from seamline.errors import RuleViolation
from seamline.workforce.authorization import CompetencySpec, Requirement, TaskSpec

from .models import Competency, FrameworkVersion, TaskRequirement, TaskType

Snapshot = dict[str, list[dict[str, Any]]]


def snapshot() -> Snapshot:
    """The live framework in the export shape (retired entries left out). Three queries."""
    competencies = [
        {
            "code": c.code,
            "title": c.title,
            "domain": c.domain,
            "description": c.description,
            "network_critical": c.network_critical,
            "behaviours": list(c.behaviours),
            "stages": {stage: list(kinds) for stage, kinds in sorted(c.stage_evidence.items())},
            "supervision_frequency_days": c.supervision_frequency_days,
            "review_interval_months": c.review_interval_months,
            "pathway_specific": c.pathway_specific,
        }
        for c in Competency.objects.filter(retired=False).order_by("code")
    ]
    requirements: dict[int, list[dict[str, str]]] = {}
    for r in TaskRequirement.objects.select_related("competency").order_by("competency__code"):
        requirements.setdefault(r.task_type_id, []).append(
            {"competency": r.competency.code, "min_stage": r.min_stage}
        )
    task_types = [
        {
            "code": t.code,
            "title": t.title,
            "description": t.description,
            "risk_tier": t.risk_tier,
            "delegated": t.delegated,
            "requirements": requirements.get(t.pk, []),
        }
        for t in TaskType.objects.filter(retired=False).order_by("code")
    ]
    return {"competencies": competencies, "task_types": task_types}


def specs_from_snapshot(data: Snapshot) -> tuple[list[TaskSpec], dict[str, CompetencySpec]]:
    competencies = {
        c["code"]: CompetencySpec(
            code=c["code"],
            title=c["title"],
            pathway_specific=bool(c.get("pathway_specific", False)),
            review_interval_months=int(c.get("review_interval_months", 12)),
            supervision_frequency_days=int(c.get("supervision_frequency_days", 28)),
        )
        for c in data.get("competencies", [])
    }
    tasks = [
        TaskSpec(
            code=t["code"],
            title=t["title"],
            risk_tier=int(t["risk_tier"]),
            delegated=bool(t.get("delegated", False)),
            requirements=tuple(
                Requirement(r["competency"], r["min_stage"]) for r in t.get("requirements", [])
            ),
        )
        for t in data.get("task_types", [])
    ]
    return tasks, competencies


def framework_as_of(at: datetime | None = None) -> Framework:
    """The framework in force at `at`: the live tables when `at` is None, otherwise the
    version in force then (the live tables before any version exists)."""
    if at is None:
        return _framework(snapshot())
    return framework_at(at)


@dataclass(frozen=True)
class Framework:
    """The framework in force at an instant, as the rule reads it."""

    tasks: list[TaskSpec]
    competencies: dict[str, CompetencySpec]
    # Codes of the network-critical competencies: the modules a temporary worker's bundle needs.
    critical: frozenset[str]
    # Evidence kinds each competency asks for at each stage: {code: {stage: [kinds]}}.
    stage_evidence: dict[str, dict[str, list[str]]]

    def task(self, code: str) -> TaskSpec:
        for task in self.tasks:
            if task.code == code:
                return task
        raise RuleViolation.one(
            "unknown_task_type", f"There is no task type with code '{code}'.", "task_type"
        )


def framework_at(at: datetime) -> Framework:
    """The framework in force at `at` (the live tables before any version exists): what the
    authorization register reads for every question about an instant.

    One query when the version is parsed already: its digest (64 characters). A version read
    for the first time costs one more, for its snapshot, parsed once per process and kept by
    digest (the SHA-256 of its content, so a cached parse can never stand for other content)."""
    # Written as SQL: asked on every check, where building the query through the ORM costs
    # more than the database spends answering it.
    connection = connections[FrameworkVersion.objects.db]
    table = connection.ops.quote_name(FrameworkVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, digest FROM {table} WHERE created_at <= %s "  # noqa: S608
            "ORDER BY number DESC LIMIT 1",
            [connection.ops.adapt_datetimefield_value(at)],
        )
        found = cursor.fetchone()
        if found is None:
            return _framework(snapshot())
        pk, digest = found
        parsed = _PARSED.get(digest) if digest else None
        if parsed is not None:
            return parsed
        cursor.execute(
            f"SELECT CAST(snapshot AS TEXT) FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        text = cursor.fetchone()[0]
    parsed = _framework(json.loads(text))
    if digest:
        if len(_PARSED) >= 8:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[digest] = parsed
    return parsed


# Parsed framework versions by digest (a few: the current one and those asked about).
_PARSED: dict[str, Framework] = {}


def _framework(data: Snapshot) -> Framework:
    tasks, competencies = specs_from_snapshot(data)
    entries = data.get("competencies", [])
    return Framework(
        tasks=tasks,
        competencies=competencies,
        critical=frozenset(c["code"] for c in entries if c.get("network_critical")),
        stage_evidence={c["code"]: dict(c.get("stages", {})) for c in entries},
    )
