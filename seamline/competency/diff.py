"""The difference between two framework snapshots: a pure function, no database.

    d = diff_snapshots(older.snapshot, newer.snapshot)
    d.competencies.added      # entries only in the newer one
    d.task_types.changed      # EntryChange(code, title, changes=(FieldChange(...), ...))

Stages and requirements are compared one by one, so a change reads as
`stages.independent: [module] -> [observed_practice, documentation_review]` or
`requirements.medication_support: supervised -> independent` rather than "the list changed".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class EntryChange:
    code: str
    title: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class SectionDiff:
    added: tuple[dict[str, Any], ...]
    removed: tuple[dict[str, Any], ...]
    changed: tuple[EntryChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class FrameworkDiff:
    competencies: SectionDiff
    task_types: SectionDiff

    @property
    def empty(self) -> bool:
        return self.competencies.empty and self.task_types.empty

    def summary(self) -> str:
        """One line a person reads in the versions list: what was added, removed, changed."""
        parts = []
        for label, section in (
            ("competencies", self.competencies),
            ("task types", self.task_types),
        ):
            if section.added:
                parts.append(f"added {label} {', '.join(e['code'] for e in section.added)}")
            if section.removed:
                parts.append(f"removed {label} {', '.join(e['code'] for e in section.removed)}")
            if section.changed:
                parts.append(
                    f"changed {label} "
                    + ", ".join(
                        f"{c.code} ({', '.join(f.field for f in c.changes)})"
                        for c in section.changed
                    )
                )
        text = "; ".join(parts) if parts else "no change"
        return text[0].upper() + text[1:] + "."

    def as_dict(self) -> dict[str, Any]:
        def section(s: SectionDiff) -> dict[str, Any]:
            return {
                "added": [e["code"] for e in s.added],
                "removed": [e["code"] for e in s.removed],
                "changed": [
                    {
                        "code": c.code,
                        "changes": [
                            {"field": f.field, "before": f.before, "after": f.after}
                            for f in c.changes
                        ],
                    }
                    for c in s.changed
                ],
            }

        return {
            "competencies": section(self.competencies),
            "task_types": section(self.task_types),
        }


def _flatten(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One comparable value per field; stages and requirements one per stage/competency."""
    flat: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "code":
            continue
        if key == "stages" and isinstance(value, Mapping):
            for stage, kinds in value.items():
                flat[f"stages.{stage}"] = list(kinds)
        elif key == "requirements" and isinstance(value, list):
            for req in value:
                flat[f"requirements.{req['competency']}"] = req["min_stage"]
        else:
            flat[key] = value
    return flat


def _section(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> SectionDiff:
    old = {e["code"]: e for e in before}
    new = {e["code"]: e for e in after}
    changed = []
    for code in sorted(old.keys() & new.keys()):
        a, b = _flatten(old[code]), _flatten(new[code])
        fields = tuple(
            FieldChange(f, a.get(f), b.get(f))
            for f in sorted(a.keys() | b.keys())
            if a.get(f) != b.get(f)
        )
        if fields:
            changed.append(EntryChange(code, str(new[code].get("title", "")), fields))
    return SectionDiff(
        added=tuple(new[c] for c in sorted(new.keys() - old.keys())),
        removed=tuple(old[c] for c in sorted(old.keys() - new.keys())),
        changed=tuple(changed),
    )


def diff_snapshots(before: Mapping[str, Any], after: Mapping[str, Any]) -> FrameworkDiff:
    return FrameworkDiff(
        competencies=_section(
            list(before.get("competencies", [])), list(after.get("competencies", []))
        ),
        task_types=_section(list(before.get("task_types", [])), list(after.get("task_types", []))),
    )
