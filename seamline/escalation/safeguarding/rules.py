"""The pure rules of safeguarding: plain values in, reasons or answers out, no database. The
clock (the same-day deadline, the triage deadline, the week) is in `escalation.timers`.

* `raise_reasons`: what a new concern must say.
* `lead_reasons`: who may be a pathway's safeguarding lead.
* `notice_status`: told the same day, late, or still to be told.
* `meeting_reasons`: a weekly meeting starts on a Monday and is chaired.
* `decision_reasons`: what a triage decision must hold, and when a concern may close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from seamline.errors import Reason
from seamline.network.choices import Role

from ..choices import OUTCOME_NEEDS, ConcernOutcome, ConcernState, Contact, Theme

# Roles a safeguarding lead cannot be: they read no participant record.
NOT_LEAD_ROLES = frozenset({Role.COMMISSIONER, Role.INSPECTOR})


def raise_reasons(
    *,
    theme: str,
    contact: str,
    description: str,
    occurred_at: datetime | None,
    recorded_at: datetime,
) -> list[Reason]:
    """A concern names its theme and the contact it arose at, says what was seen or heard, and
    arose no later than it is written down."""
    found: list[Reason] = []
    if theme not in Theme.values:
        found.append(Reason("invalid_theme", "Choose the concern's theme.", "theme"))
    if contact not in Contact.values:
        found.append(Reason("invalid_contact", "Choose the contact it arose at.", "contact"))
    if not description.strip():
        found.append(
            Reason("description_required", "Say what was seen, heard or said.", "description")
        )
    if occurred_at is None:
        found.append(Reason("occurred_required", "Say when the concern arose.", "occurred_at"))
    elif occurred_at > recorded_at:
        found.append(
            Reason(
                "occurred_in_future",
                "A concern cannot have arisen after the moment it is recorded.",
                "occurred_at",
            )
        )
    return found


def lead_reasons(*, role: str, reason: str) -> list[Reason]:
    """A pathway's safeguarding lead is a role that reads participant records; a change says
    why."""
    found: list[Reason] = []
    if role not in Role.values:
        found.append(Reason("invalid_value", f"'{role}' is not a role.", "role"))
    elif role in NOT_LEAD_ROLES:
        found.append(
            Reason(
                "role_cannot_lead",
                f"A {Role(role).label.lower()} reads no participant record, so cannot be the "
                "safeguarding lead.",
                "role",
            )
        )
    if not reason.strip():
        found.append(Reason("reason_required", "Say why the safeguarding lead changes.", "reason"))
    return found


def notice_status(notified_at: datetime | None, notify_by: datetime, at: datetime) -> str:
    """ "same_day" (told before the deadline), "late" (told at or after it, or not told and it
    has passed) or "pending" (not told, still time)."""
    if notified_at is not None:
        return "same_day" if notified_at < notify_by else "late"
    return "late" if at >= notify_by else "pending"


def meeting_reasons(*, week: date, chaired: bool) -> list[Reason]:
    found: list[Reason] = []
    if week.weekday() != 0:
        found.append(Reason("week_not_monday", "A triage week starts on a Monday.", "week"))
    if not chaired:
        found.append(Reason("chair_required", "Name the meeting's chair.", "chair"))
    return found


@dataclass(frozen=True)
class DecisionFacts:
    """Everything `decision_reasons` judges: the concern, the meeting, and what is proposed."""

    state: str
    occurred_at: datetime
    recorded_at: datetime
    meeting_ends: datetime  # the end of the meeting's week
    la_needed: bool
    police_needed: bool
    notifier_organisation: str  # code, "" for nobody
    notifier_role: str
    notify_due: datetime | None
    notified_at: datetime | None
    outcome: str
    notes: str
    now: datetime


def decision_reasons(f: DecisionFacts) -> list[Reason]:
    """A triage decision:

    * is made on a concern not yet closed, at a meeting whose week ends after the concern was
      recorded (a concern is triaged at its own week's meeting or a later one);
    * when the local authority or the police must be told, names who tells them (an
      organisation and a role) and by when, no earlier than the concern arose; when neither
      must be told, names nobody and no date;
    * records when the notification was done only if one was needed, never in the future nor
      before the concern arose;
    * may give the outcome, which closes the concern: an outcome that is a local authority or
      police matter needs that notification decided, every needed notification must be done
      first, and "no further action" says why in the notes.
    """
    found: list[Reason] = []
    if f.state == ConcernState.CLOSED:
        found.append(Reason("concern_closed", "This concern is closed.", "state"))
    if f.recorded_at >= f.meeting_ends:
        found.append(
            Reason(
                "meeting_too_early",
                "The concern was recorded after that meeting's week: triage it at a later one.",
                "meeting",
            )
        )
    needed = f.la_needed or f.police_needed
    if needed:
        if not f.notifier_organisation:
            found.append(
                Reason(
                    "notifier_required",
                    "Name the organisation that makes the notification.",
                    "notifier_organisation",
                )
            )
        if f.notifier_role not in Role.values:
            found.append(
                Reason("notifier_role_required", "Name the role that notifies.", "notifier_role")
            )
        if f.notify_due is None:
            found.append(
                Reason("notify_due_required", "Say by when it must be done.", "notify_due")
            )
        elif f.notify_due < f.occurred_at:
            found.append(
                Reason(
                    "notify_due_before_concern",
                    "The notification cannot be due before the concern arose.",
                    "notify_due",
                )
            )
    elif f.notifier_organisation or f.notifier_role or f.notify_due or f.notified_at:
        found.append(
            Reason(
                "no_notification_needed",
                "Neither the local authority nor the police is to be told, so nobody notifies "
                "and there is no date.",
                "notifier_organisation",
            )
        )
    if f.notified_at is not None and needed:
        if f.notified_at > f.now:
            found.append(
                Reason(
                    "notified_in_future",
                    "The notification cannot be done later than now.",
                    "notified_at",
                )
            )
        elif f.notified_at < f.occurred_at:
            found.append(
                Reason(
                    "notified_before_concern",
                    "The notification cannot be done before the concern arose.",
                    "notified_at",
                )
            )
    if f.outcome:
        if f.outcome not in ConcernOutcome.values:
            found.append(Reason("invalid_outcome", f"'{f.outcome}' is not an outcome.", "outcome"))
        else:
            need = OUTCOME_NEEDS.get(ConcernOutcome(f.outcome))
            if need == "la" and not f.la_needed:
                found.append(
                    Reason(
                        "outcome_needs_la",
                        "That outcome comes from the local authority: decide that it is told.",
                        "outcome",
                    )
                )
            if need == "police" and not f.police_needed:
                found.append(
                    Reason(
                        "outcome_needs_police",
                        "That outcome comes from the police: decide that they are told.",
                        "outcome",
                    )
                )
            if needed and f.notified_at is None:
                found.append(
                    Reason(
                        "notification_outstanding",
                        "Record when the notification was done before closing the concern.",
                        "notified_at",
                    )
                )
            if f.outcome == ConcernOutcome.NO_FURTHER_ACTION and not f.notes.strip():
                found.append(
                    Reason("notes_required", "Say why no further action is needed.", "notes")
                )
    return found
