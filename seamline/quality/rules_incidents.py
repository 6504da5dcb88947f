"""The pure rules of incidents: what a report must hold, which records it may name as involved,
and the window of the cross-agency timeline. Plain values in, reasons or values out; no
database (the actions read the records and pass what they found)."""

from __future__ import annotations

from datetime import datetime, timedelta

from seamline.errors import Reason

from .choices import IncidentSeverity, IncidentTheme, LinkKind

DAYS_BEFORE = 14
DAYS_AFTER = 3
MAX_WINDOW_DAYS = 90
DESCRIPTION_MAX = 5000


def incident_reasons(
    *,
    theme: str,
    severity: str,
    occurred_at: datetime | None,
    reported_at: datetime | None,
    description: str,
    now: datetime,
    participant_found: bool,
    partner_found: bool,
) -> list[Reason]:
    """Why an incident report cannot be recorded as it stands (empty: it can)."""
    reasons = []
    if not participant_found:
        reasons.append(
            Reason("unknown_participant", "Name a participant whose record you see.", "participant")
        )
    if not partner_found:
        reasons.append(
            Reason(
                "unknown_partner",
                "Name the partner the incident happened at (a provider in the network).",
                "organisation",
            )
        )
    if theme not in IncidentTheme.values:
        reasons.append(
            Reason(
                "invalid_theme",
                f"The theme is one of {', '.join(IncidentTheme.values)}.",
                "theme",
            )
        )
    if severity not in IncidentSeverity.values:
        reasons.append(
            Reason(
                "invalid_severity",
                f"The severity is one of {', '.join(IncidentSeverity.values)}.",
                "severity",
            )
        )
    if occurred_at is None:
        reasons.append(Reason("occurred_required", "Say when it happened.", "occurred_at"))
    elif occurred_at > now:
        reasons.append(
            Reason("occurred_in_future", "An incident cannot happen in the future.", "occurred_at")
        )
    if reported_at is None:
        reasons.append(Reason("reported_required", "Say when it was reported.", "reported_at"))
    elif reported_at > now:
        reasons.append(
            Reason("reported_in_future", "It cannot be reported in the future.", "reported_at")
        )
    elif occurred_at is not None and reported_at < occurred_at:
        reasons.append(
            Reason(
                "reported_before_occurred",
                "It was reported before it happened: check both times.",
                "reported_at",
            )
        )
    text = description.strip()
    if not text:
        reasons.append(Reason("description_required", "Say what happened.", "description"))
    elif len(text) > DESCRIPTION_MAX:
        reasons.append(
            Reason("description_too_long", f"At most {DESCRIPTION_MAX} characters.", "description")
        )
    return reasons


def link_reasons(
    kind: str, ref: str, *, found: bool, same_participant: bool, already: bool
) -> list[Reason]:
    """Why `ref` cannot be linked to an incident as a `kind`: it must exist and be seen by
    whoever links it (`found`: both, never told apart so nothing leaks), belong to the
    incident's participant (workers excepted), and not be linked already."""
    if kind not in LinkKind.values:
        return [
            Reason("invalid_link_kind", f"A link is one of {', '.join(LinkKind.values)}.", "kind")
        ]
    label = LinkKind(kind).label.lower()
    if not ref.strip():
        return [Reason("link_required", f"Name the {label}.", kind)]
    if not found:
        return [Reason("link_not_found", f"There is no {label} '{ref}' that you can see.", kind)]
    if not same_participant:
        return [
            Reason(
                "link_other_participant",
                f"The {label} '{ref}' is about another participant.",
                kind,
            )
        ]
    if already:
        return [Reason("link_duplicate", f"The {label} '{ref}' is linked already.", kind)]
    return []


def window(
    occurred_at: datetime, days_before: int = DAYS_BEFORE, days_after: int = DAYS_AFTER
) -> tuple[datetime, datetime]:
    """The span of the timeline around an incident: `days_before` days before it happened to
    `days_after` days after, both ends included. Each side is clamped to 0..90 days."""
    before = max(0, min(int(days_before), MAX_WINDOW_DAYS))
    after = max(0, min(int(days_after), MAX_WINDOW_DAYS))
    return occurred_at - timedelta(days=before), occurred_at + timedelta(days=after)
