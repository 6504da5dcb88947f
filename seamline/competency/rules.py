"""Pure rules of the framework's shape: what a valid framework (in the export shape) is.

`framework_reasons(data)` checks a whole framework, as `apply_framework`, the import command and
the API's import receive it, and returns every problem at once. Each reason names the entry and
the field (`competencies[medication_support].review_interval_months`), so a person fixing a file
knows exactly where to look. `normalise(data)` gives the same framework in the exact shape
`framework.snapshot()` reads back from the tables, so two frameworks compare with `==`.

Nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from seamline.errors import Reason

from .choices import STAGES, Domain, EvidenceKind

CODE_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
CODE_MAX = 60
TITLE_MAX = 200
REVIEW_MONTHS = (1, 60)
TIERS = (1, 2, 3, 4)
# Partner module codes are the partner's own (e.g. "RHS-MH.01"): letters, digits, . _ -.
MODULE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

COMPETENCY_FIELDS = (
    "code",
    "title",
    "domain",
    "description",
    "network_critical",
    "behaviours",
    "stages",
    "supervision_frequency_days",
    "review_interval_months",
    "pathway_specific",
)
TASK_TYPE_FIELDS = ("code", "title", "description", "risk_tier", "delegated", "requirements")

COMPETENCY_DEFAULTS: dict[str, Any] = {
    "description": "",
    "network_critical": False,
    "behaviours": [],
    "stages": {},
    "supervision_frequency_days": 28,
    "review_interval_months": 12,
    "pathway_specific": False,
}
TASK_TYPE_DEFAULTS: dict[str, Any] = {"description": "", "delegated": False, "requirements": []}


def code_reasons(value: Any, field: str, what: str) -> list[Reason]:
    if not isinstance(value, str) or not value:
        return [Reason("code_required", f"{what} needs a code.", field)]
    if len(value) > CODE_MAX or not CODE_RE.match(value):
        return [
            Reason(
                "invalid_code",
                f"{what}: code '{value}' must be a slug: lower-case letters and digits joined "
                f"by - or _, at most {CODE_MAX} characters.",
                field,
            )
        ]
    return []


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _label(kind: str, code: Any, index: int) -> tuple[str, str]:
    """(field prefix, words) for entry `index` of a list: by code when it has a usable one."""
    key = code if isinstance(code, str) and code else str(index)
    words = f"{'Competency' if kind == 'competencies' else 'Task type'} '{key}'"
    return f"{kind}[{key}]", words


def _unknown_fields(
    entry: Mapping[str, Any], allowed: tuple[str, ...], prefix: str, what: str
) -> list[Reason]:
    """A field we do not know is an error, never silently dropped (it may be a typo)."""
    return [
        Reason(
            "unknown_field",
            f"{what}: '{name}' is not a field of the framework.",
            f"{prefix}.{name}",
        )
        for name in sorted(set(entry) - set(allowed))
    ]


def competency_reasons(entry: Mapping[str, Any], prefix: str, what: str) -> list[Reason]:
    """Problems with one competency (fields named `prefix.field`)."""
    out = code_reasons(entry.get("code"), f"{prefix}.code", what)
    out += _unknown_fields(entry, COMPETENCY_FIELDS, prefix, what)
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        out.append(Reason("title_required", f"{what} needs a title.", f"{prefix}.title"))
    elif len(title) > TITLE_MAX:
        out.append(
            Reason(
                "title_too_long",
                f"{what}: the title is longer than {TITLE_MAX} characters.",
                f"{prefix}.title",
            )
        )
    if entry.get("domain") not in Domain.values:
        out.append(
            Reason(
                "invalid_domain",
                f"{what}: domain '{entry.get('domain')}' is not one of {', '.join(Domain.values)}.",
                f"{prefix}.domain",
            )
        )
    behaviours = entry.get("behaviours", [])
    if not isinstance(behaviours, list) or not all(isinstance(b, str) for b in behaviours):
        out.append(
            Reason(
                "invalid_behaviours",
                f"{what}: behaviours must be a list of sentences.",
                f"{prefix}.behaviours",
            )
        )
    stages = entry.get("stages", {})
    if not isinstance(stages, Mapping):
        out.append(
            Reason(
                "invalid_stages",
                f"{what}: stages must map each stage to a list of evidence kinds.",
                f"{prefix}.stages",
            )
        )
    else:
        for stage, kinds in stages.items():
            if stage not in STAGES:
                out.append(
                    Reason(
                        "invalid_stage",
                        f"{what}: '{stage}' is not a stage (one of {', '.join(STAGES)}).",
                        f"{prefix}.stages.{stage}",
                    )
                )
                continue
            if not isinstance(kinds, list) or not kinds:
                out.append(
                    Reason(
                        "stage_evidence_required",
                        f"{what}: stage '{stage}' needs at least one evidence kind.",
                        f"{prefix}.stages.{stage}",
                    )
                )
                continue
            for kind in kinds:
                if kind not in EvidenceKind.values:
                    out.append(
                        Reason(
                            "invalid_evidence_kind",
                            f"{what}: '{kind}' (stage '{stage}') is not an evidence kind (one "
                            f"of {', '.join(EvidenceKind.values)}).",
                            f"{prefix}.stages.{stage}",
                        )
                    )
            if len(set(kinds)) != len(kinds):
                out.append(
                    Reason(
                        "duplicate_evidence_kind",
                        f"{what}: stage '{stage}' names an evidence kind twice.",
                        f"{prefix}.stages.{stage}",
                    )
                )
    months = _int(
        entry.get("review_interval_months", COMPETENCY_DEFAULTS["review_interval_months"])
    )
    if months is None or not REVIEW_MONTHS[0] <= months <= REVIEW_MONTHS[1]:
        out.append(
            Reason(
                "invalid_review_interval",
                f"{what}: the review interval must be a whole number of months from "
                f"{REVIEW_MONTHS[0]} to {REVIEW_MONTHS[1]}.",
                f"{prefix}.review_interval_months",
            )
        )
    days = _int(
        entry.get("supervision_frequency_days", COMPETENCY_DEFAULTS["supervision_frequency_days"])
    )
    if days is None or not 1 <= days <= 365:
        out.append(
            Reason(
                "invalid_supervision_frequency",
                f"{what}: the minimum supervision frequency must be 1 to 365 days.",
                f"{prefix}.supervision_frequency_days",
            )
        )
    for flag in ("network_critical", "pathway_specific"):
        if flag in entry and not isinstance(entry[flag], bool):
            out.append(
                Reason("invalid_flag", f"{what}: {flag} must be true or false.", f"{prefix}.{flag}")
            )
    return out


def task_type_reasons(
    entry: Mapping[str, Any], prefix: str, what: str, known: set[str]
) -> list[Reason]:
    """Problems with one task type; `known` holds the competency codes it may require."""
    out = code_reasons(entry.get("code"), f"{prefix}.code", what)
    out += _unknown_fields(entry, TASK_TYPE_FIELDS, prefix, what)
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        out.append(Reason("title_required", f"{what} needs a title.", f"{prefix}.title"))
    tier = _int(entry.get("risk_tier"))
    if tier not in TIERS:
        out.append(
            Reason(
                "invalid_risk_tier",
                f"{what}: the risk tier must be 1, 2, 3 or 4.",
                f"{prefix}.risk_tier",
            )
        )
    if "delegated" in entry and not isinstance(entry["delegated"], bool):
        out.append(
            Reason(
                "invalid_flag", f"{what}: delegated must be true or false.", f"{prefix}.delegated"
            )
        )
    requirements = entry.get("requirements", [])
    if not isinstance(requirements, list):
        return [
            *out,
            Reason(
                "invalid_requirements",
                f"{what}: requirements must be a list of {{competency, min_stage}}.",
                f"{prefix}.requirements",
            ),
        ]
    seen: set[str] = set()
    for i, req in enumerate(requirements):
        field = f"{prefix}.requirements[{i}]"
        if not isinstance(req, Mapping):
            out.append(
                Reason(
                    "invalid_requirement", f"{what}: requirement {i + 1} is not an object.", field
                )
            )
            continue
        comp = req.get("competency")
        if comp not in known:
            out.append(
                Reason(
                    "unknown_competency",
                    f"{what}: requirement {i + 1} names competency '{comp}', which is not in "
                    "the framework.",
                    f"{field}.competency",
                )
            )
        elif comp in seen:
            out.append(
                Reason(
                    "duplicate_requirement",
                    f"{what}: competency '{comp}' is required twice.",
                    f"{field}.competency",
                )
            )
        seen.add(str(comp))
        if req.get("min_stage") not in STAGES:
            out.append(
                Reason(
                    "invalid_stage",
                    f"{what}: requirement {i + 1} has stage '{req.get('min_stage')}'; the "
                    f"stages are {', '.join(STAGES)}.",
                    f"{field}.min_stage",
                )
            )
    return out


def framework_reasons(data: Any) -> list[Reason]:
    """Every problem with a whole framework in the export shape (empty when it is valid)."""
    if not isinstance(data, Mapping):
        return [
            Reason(
                "invalid_framework",
                "A framework is an object with competencies and task_types.",
                None,
            )
        ]
    out: list[Reason] = []
    competencies = data.get("competencies")
    task_types = data.get("task_types")
    if not isinstance(competencies, list):
        out.append(Reason("invalid_framework", "'competencies' must be a list.", "competencies"))
        competencies = []
    if not isinstance(task_types, list):
        out.append(Reason("invalid_framework", "'task_types' must be a list.", "task_types"))
        task_types = []
    known: set[str] = set()
    for i, entry in enumerate(competencies):
        if not isinstance(entry, Mapping):
            out.append(
                Reason(
                    "invalid_entry", f"Competency {i + 1} is not an object.", f"competencies[{i}]"
                )
            )
            continue
        prefix, what = _label("competencies", entry.get("code"), i)
        out += competency_reasons(entry, prefix, what)
        code = entry.get("code")
        if isinstance(code, str) and code in known:
            out.append(Reason("duplicate_code", f"{what} appears twice.", f"{prefix}.code"))
        if isinstance(code, str):
            known.add(code)
    seen: set[str] = set()
    for i, entry in enumerate(task_types):
        if not isinstance(entry, Mapping):
            out.append(
                Reason("invalid_entry", f"Task type {i + 1} is not an object.", f"task_types[{i}]")
            )
            continue
        prefix, what = _label("task_types", entry.get("code"), i)
        out += task_type_reasons(entry, prefix, what, known)
        code = entry.get("code")
        if isinstance(code, str) and code in seen:
            out.append(Reason("duplicate_code", f"{what} appears twice.", f"{prefix}.code"))
        if isinstance(code, str):
            seen.add(code)
    return out


def normalise_competency(entry: Mapping[str, Any]) -> dict[str, Any]:
    full = {**COMPETENCY_DEFAULTS, **{k: v for k, v in entry.items() if k in COMPETENCY_FIELDS}}
    return {
        "code": full["code"],
        "title": full["title"].strip(),
        "domain": str(full["domain"]),
        "description": full["description"] or "",
        "network_critical": bool(full["network_critical"]),
        "behaviours": [str(b).strip() for b in full["behaviours"] if str(b).strip()],
        "stages": {stage: list(kinds) for stage, kinds in sorted(dict(full["stages"]).items())},
        "supervision_frequency_days": int(full["supervision_frequency_days"]),
        "review_interval_months": int(full["review_interval_months"]),
        "pathway_specific": bool(full["pathway_specific"]),
    }


def normalise_task_type(entry: Mapping[str, Any]) -> dict[str, Any]:
    full = {**TASK_TYPE_DEFAULTS, **{k: v for k, v in entry.items() if k in TASK_TYPE_FIELDS}}
    return {
        "code": full["code"],
        "title": full["title"].strip(),
        "description": full["description"] or "",
        "risk_tier": int(full["risk_tier"]),
        "delegated": bool(full["delegated"]),
        "requirements": sorted(
            (
                {"competency": r["competency"], "min_stage": r["min_stage"]}
                for r in full["requirements"]
            ),
            key=lambda r: r["competency"],
        ),
    }


def normalise(data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """A valid framework in exactly the shape (and order) `framework.snapshot()` gives."""
    return {
        "competencies": sorted(
            (normalise_competency(c) for c in data["competencies"]), key=lambda c: c["code"]
        ),
        "task_types": sorted(
            (normalise_task_type(t) for t in data["task_types"]), key=lambda t: t["code"]
        ),
    }
