"""The rules of plan change control (SPEC C7), as pure functions: plain values in, reasons,
changes and datetimes out. No database.

* `content_reasons`: what a plan version must hold to be saved;
* `diff`: what changed from one version to the next, field by field and item by item;
* `review_due`: a risk change (added, removed, level changed) opens a review due in N days;
* `acknowledgement_recipients`: which organisations must acknowledge a version, and why;
* `acknowledgement_due` / `acknowledgement_overdue`: within 24 hours of the version.

Which version was current at an instant is `Plan.version_at` (a query).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from seamline.errors import Reason

from .choices import ChangeKind, RiskLevel

DEFAULT_REVIEW_DAYS = 7
ACKNOWLEDGE_WITHIN = timedelta(hours=24)
FIELDS = ("risks", "controls", "preferences", "consent_summary")
FIELD_LABELS = {
    "risks": "Risks",
    "controls": "Controls",
    "preferences": "Preferences",
    "consent_summary": "Consent summary",
}
MAX_ITEMS = 50
MAX_TEXT = 500


def empty_content() -> dict[str, Any]:
    return {"risks": [], "controls": [], "preferences": [], "consent_summary": ""}


def _key(text: str) -> str:
    """Items are matched across versions by their text, ignoring case and spacing."""
    return " ".join(str(text).split()).casefold()


# --- what a version must hold --------------------------------------------------------------


def content_reasons(
    content: Mapping[str, Any], care_organisations: Mapping[str, str]
) -> list[Reason]:
    """Why `content` cannot be saved (empty when it can). `care_organisations`: code -> name of
    the organisations with a part in the participant's care; each control is owned by one of
    them (an owner outside the care could not even read the plan it has to deliver)."""
    reasons: list[Reason] = []
    risks = content.get("risks", [])
    controls = content.get("controls", [])
    preferences = content.get("preferences", [])
    for name, items in (("risks", risks), ("controls", controls), ("preferences", preferences)):
        if len(items) > MAX_ITEMS:
            reasons.append(Reason("too_many", f"A plan holds at most {MAX_ITEMS} {name}.", name))
    seen: set[str] = set()
    for risk in risks:
        title = str(risk.get("title", "")).strip()
        if not title:
            reasons.append(Reason("required", "Every risk needs a description.", "risks"))
        elif _key(title) in seen:
            reasons.append(Reason("duplicate", f"The risk '{title}' is listed twice.", "risks"))
        seen.add(_key(title))
        if risk.get("level") not in RiskLevel.values:
            reasons.append(
                Reason(
                    "invalid_value",
                    f"'{risk.get('level')}' is not a risk level (low, medium or high).",
                    "risks",
                )
            )
    seen = set()
    for control in controls:
        text = str(control.get("description", "")).strip()
        owner = str(control.get("organisation", ""))
        if not text:
            reasons.append(Reason("required", "Every control needs a description.", "controls"))
        elif _key(text) in seen:
            reasons.append(
                Reason("duplicate", f"The control '{text}' is listed twice.", "controls")
            )
        seen.add(_key(text))
        if owner not in care_organisations:
            reasons.append(
                Reason(
                    "owner_not_in_care",
                    f"'{owner}' has no part in this person's care, so it cannot own the "
                    f"control '{text}'.",
                    "controls",
                )
            )
    seen = set()
    for preference in preferences:
        if _key(preference) in seen:
            reasons.append(
                Reason(
                    "duplicate", f"The preference '{preference}' is listed twice.", "preferences"
                )
            )
        seen.add(_key(preference))
    texts = [r.get("title", "") for r in risks] + [c.get("description", "") for c in controls]
    texts += [*preferences, content.get("consent_summary", "")]
    if any(len(str(t)) > MAX_TEXT * 4 for t in texts):
        reasons.append(Reason("too_long", "One of the entries is too long.", None))
    return reasons


def reason_reasons(reason: str) -> list[Reason]:
    if not reason.strip():
        return [Reason("required", "Say why the plan is changing.", "reason")]
    return []


# --- the diff -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change between two versions: a field, what happened, the item (for lists) and the
    values before and after."""

    field: str
    kind: str
    item: str = ""
    before: str = ""
    after: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "kind": self.kind,
            "item": self.item,
            "before": self.before,
            "after": self.after,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, str]) -> Change:
        return cls(
            field=data["field"],
            kind=data["kind"],
            item=data.get("item", ""),
            before=data.get("before", ""),
            after=data.get("after", ""),
        )

    @property
    def sentence(self) -> str:
        label = FIELD_LABELS.get(self.field, self.field)
        if self.field == "consent_summary":
            return f"{label} changed from '{self.before}' to '{self.after}'."
        if self.kind == ChangeKind.ADDED:
            extra = f" ({self.after})" if self.after else ""
            return f"{label}: added '{self.item}'{extra}."
        if self.kind == ChangeKind.REMOVED:
            extra = f" ({self.before})" if self.before else ""
            return f"{label}: removed '{self.item}'{extra}."
        return f"{label}: '{self.item}' changed from {self.before} to {self.after}."


def _keyed(items: Iterable[Mapping[str, Any]], text: str, value: str) -> dict[str, tuple[str, str]]:
    return {_key(i[text]): (str(i[text]).strip(), str(i[value])) for i in items}


def _list_changes(
    field: str, old: dict[str, tuple[str, str]], new: dict[str, tuple[str, str]]
) -> list[Change]:
    changes = []
    for key, (text, value) in old.items():
        if key not in new:
            changes.append(Change(field, ChangeKind.REMOVED, text, before=value))
        elif new[key][1] != value:
            changes.append(Change(field, ChangeKind.CHANGED, new[key][0], value, new[key][1]))
    for key, (text, value) in new.items():
        if key not in old:
            changes.append(Change(field, ChangeKind.ADDED, text, after=value))
    return changes


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What changed from `old` to `new`: risks by description (added, removed, level
    changed), controls by description (added, removed, owner changed), preferences item by
    item, the consent summary as a whole. Items are matched ignoring case and spacing."""
    changes = _list_changes(
        "risks",
        _keyed(old.get("risks", []), "title", "level"),
        _keyed(new.get("risks", []), "title", "level"),
    )
    changes += _list_changes(
        "controls",
        _keyed(old.get("controls", []), "description", "organisation"),
        _keyed(new.get("controls", []), "description", "organisation"),
    )
    before = {_key(p): str(p).strip() for p in old.get("preferences", [])}
    after = {_key(p): str(p).strip() for p in new.get("preferences", [])}
    changes += [
        Change("preferences", ChangeKind.REMOVED, t) for k, t in before.items() if k not in after
    ]
    changes += [
        Change("preferences", ChangeKind.ADDED, t) for k, t in after.items() if k not in before
    ]
    old_consent = str(old.get("consent_summary", "")).strip()
    new_consent = str(new.get("consent_summary", "")).strip()
    if old_consent != new_consent:
        changes.append(Change("consent_summary", ChangeKind.CHANGED, "", old_consent, new_consent))
    return changes


# --- reviews ------------------------------------------------------------------------------


def risk_changed(changes: Sequence[Change]) -> bool:
    """A risk added, removed or its level changed."""
    return any(c.field == "risks" for c in changes)


def review_due(
    changes: Sequence[Change], *, first_version: bool, at: datetime, days: int = DEFAULT_REVIEW_DAYS
) -> datetime | None:
    """When the plan review a version opens is due, or None when it opens none.

    A risk change opens a review due `days` after the version. The first version opens none:
    it is the plan written from the assessment, not a change to one."""
    if first_version or not risk_changed(changes):
        return None
    return at + timedelta(days=max(1, days))


# --- acknowledgements ---------------------------------------------------------------------

# Why an organisation must acknowledge a version.
OWNS_CHANGED_CONTROL = "owns_changed_control"
IN_CARE_TEAM_RISK_CHANGE = "in_care_team_risk_change"
DELIVERS_CONTROLS_PREFERENCES_CHANGED = "delivers_controls_preferences_changed"


def acknowledgement_recipients(
    changes: Sequence[Change],
    *,
    new_controls: Iterable[Mapping[str, Any]],
    care_organisations: Iterable[str],
    author_organisation: str | None,
) -> dict[str, list[str]]:
    """The organisations whose daily delivery the version changes, each with why:

    * an organisation owning a control that was added, removed or moved (to or from it);
    * every organisation in the care team, when a risk changed (each works around the risks);
    * every organisation owning a control in the new version, when the preferences changed
      (they deliver the care the preferences shape).

    A change to the consent summary alone asks nobody (it changes no one's visits). The
    author's own organisation is left out: writing the version is its acknowledgement."""
    found: dict[str, list[str]] = {}

    def add(code: str, why: str) -> None:
        if code and code != author_organisation and why not in found.setdefault(code, []):
            found[code].append(why)

    for change in changes:
        if change.field == "controls":
            add(change.before, OWNS_CHANGED_CONTROL)
            add(change.after, OWNS_CHANGED_CONTROL)
    if risk_changed(changes):
        for code in care_organisations:
            add(code, IN_CARE_TEAM_RISK_CHANGE)
    if any(c.field == "preferences" for c in changes):
        for control in new_controls:
            add(str(control.get("organisation", "")), DELIVERS_CONTROLS_PREFERENCES_CHANGED)
    return {code: found[code] for code in sorted(found) if found[code]}


def acknowledgement_due(version_created_at: datetime) -> datetime:
    """Acknowledgements are due within 24 hours of the version."""
    return version_created_at + ACKNOWLEDGE_WITHIN


def acknowledgement_overdue(
    due_at: datetime, acknowledged_at: datetime | None, at: datetime
) -> bool:
    return acknowledged_at is None and due_at < at


def acknowledge_reasons(*, acknowledged_at: datetime | None, member: bool) -> list[Reason]:
    if not member:
        return [
            Reason("not_permitted", "Only the organisation asked acknowledges its own version.")
        ]
    if acknowledged_at is not None:
        return [Reason("already_acknowledged", "This version is already acknowledged.")]
    return []
