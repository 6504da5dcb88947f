"""The framework as plain data: the export shape, and the specs the authorization rule reads.

`snapshot()` reads the live tables into the export shape (the same shape `seamline framework
export --format json` writes and `FrameworkVersion.snapshot` stores). `framework_as_of(at)`
returns the version in force at an instant as `TaskSpec`s and `CompetencySpec`s, so the
authorization register can be computed for any past instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


def framework_as_of(at: datetime | None = None) -> tuple[list[TaskSpec], dict[str, CompetencySpec]]:
    """The framework in force at `at` (the live tables when `at` is None or no version exists
    yet), as specs for `workforce.authorization.decide`."""
    if at is not None:
        version = FrameworkVersion.objects.as_of(at)
        if version is not None:
            return specs_from_snapshot(version.snapshot)
    return specs_from_snapshot(snapshot())
