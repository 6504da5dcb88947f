"""Every change of safeguarding, each in one transaction with its audit entry: setting a
pathway's safeguarding lead, raising a concern (which opens the episode's `safeguarding`
escalation through the threshold set, once), telling the lead (the worker, by compare-and-set),
opening a week's triage meeting and recording a concern's triage decision (with its follow-up
action through `coordination.actions.create_action`). Reads of concerns are audited here too.
The rules are pure functions in `safeguarding.rules` and `escalation.timers`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.audit.models import EntryKind
from seamline.cases.codes import reserve
from seamline.cases.models import Participant, Referral
from seamline.coordination import actions as coordination_actions
from seamline.coordination.choices import ActionSource
from seamline.coordination.models import Action
from seamline.errors import Reason, RuleViolation
from seamline.network.models import Network, Organisation, Pathway, RoleGrant, User
from seamline.versioning import claim_version

from .. import actions as escalation_actions
from .. import timers
from ..choices import ConcernState, EventKind, Trigger
from ..models import (
    Escalation,
    Notification,
    SafeguardingConcern,
    SafeguardingLead,
    TriageDecision,
    TriageMeeting,
)
from . import access, rules

CODES = "safeguarding"


def _raise_if(reasons: list[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


def _not_permitted(message: str) -> RuleViolation:
    return RuleViolation.one("not_permitted", message)


def network_zone() -> tzinfo:
    """The network's time zone: the day a concern must be notified in."""
    return ZoneInfo(Network.current().time_zone)


def week_ends(week: date, tz: tzinfo) -> datetime:
    """The moment a triage week (starting Monday `week`) ends, in the network's time zone."""
    return datetime.combine(week + timedelta(days=7), datetime.min.time(), tzinfo=tz)


def parse_week(value: str) -> date | None:
    """ "2026-W10" (ISO week) or a date in the week, as the week's Monday; None if neither."""
    text = value.strip()
    try:
        if "-W" in text.upper():
            year, week = text.upper().split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day - timedelta(days=day.weekday())


# --- the pathway's safeguarding lead ----------------------------------------------------------


def lead_of(pathway: Pathway) -> tuple[Organisation, str]:
    """Who is told of a concern on `pathway`: an organisation and a role."""
    found = SafeguardingLead.objects.select_related("organisation").filter(pathway=pathway).first()
    if found is not None:
        return found.organisation, found.role
    return pathway.lead_organisation, str(access.DEFAULT_LEAD_ROLE)


@transaction.atomic
def set_lead(
    actor: Actor, pathway: Pathway, organisation: Organisation, role: str, *, reason: str
) -> SafeguardingLead:
    """Name the role (in an organisation) that is a pathway's safeguarding lead."""
    if not actor.is_system and not access.can_keep_leads(actor):
        raise _not_permitted("Only the prime's quality lead or network admin sets the lead.")
    _raise_if(rules.lead_reasons(role=role, reason=reason))
    before = lead_of(pathway)
    lead, _ = SafeguardingLead.objects.update_or_create(
        pathway=pathway,
        defaults={
            "organisation": organisation,
            "role": role,
            "changed_at": timezone.now(),
            "changed_by": actor.user,
            "reason": reason.strip(),
        },
    )
    record(
        actor,
        "safeguarding.lead",
        lead,
        changes={"lead": [f"{before[0].code}/{before[1]}", f"{organisation.code}/{role}"]},
        reason=reason.strip(),
    )
    return lead


# --- concerns ---------------------------------------------------------------------------------


def _open_case(participant: Participant, pathway: Pathway) -> Referral | None:
    return (
        Referral.objects.open()
        .filter(participant=participant, pathway=pathway)
        .select_related("owner_organisation", "receiving_organisation")
        .order_by("-received_at", "-id")
        .first()
    )


def _escalate(
    actor: Actor, concern: SafeguardingConcern, referral: Referral | None
) -> Escalation | None:
    """Open the episode's `safeguarding` escalation through the threshold set, or find the one
    a flag or an earlier concern already opened (never a second one)."""
    episode = referral.code if referral is not None else f"safeguarding:{concern.code}"
    owner = None
    if referral is not None:
        owner = referral.owner_organisation or referral.receiving_organisation
    escalation_actions.open_escalation(
        actor,
        participant=concern.participant,
        pathway=concern.pathway,
        organisation=owner or concern.organisation,
        trigger=Trigger.SAFEGUARDING,
        episode=episode,
        referral=referral,
        source_ref=f"safeguarding:{concern.code}",
        detail=f"{concern.get_theme_display()}: {concern.description}"[:300],
        at=concern.recorded_at,
    )
    return Escalation.objects.filter(trigger=Trigger.SAFEGUARDING, episode=episode).first()


@transaction.atomic
def raise_concern(
    actor: Actor,
    participant: Participant,
    pathway: Pathway,
    *,
    contact: str,
    theme: str,
    description: str,
    occurred_at: datetime | None,
    at: datetime | None = None,
) -> SafeguardingConcern:
    """Record a concern raised at a contact. Its deadline to tell the pathway's safeguarding
    lead is the end of the day it arose, in the network's time zone; the worker tells them."""
    if not actor.is_system and not (
        access.can_raise(actor)
        and Participant.objects.visible_to(actor).filter(pk=participant.pk).exists()
    ):
        raise _not_permitted("You may not raise a concern for this person.")
    recorded = at or timezone.now()
    _raise_if(
        rules.raise_reasons(
            theme=theme,
            contact=contact,
            description=description,
            occurred_at=occurred_at,
            recorded_at=recorded,
        )
    )
    assert occurred_at is not None
    referral = _open_case(participant, pathway)
    raiser = actor.organisation
    if raiser is None:  # the system (an import, the demo): the case's owner raises it
        raiser = (
            (referral.owner_organisation or referral.receiving_organisation)
            if referral is not None
            else pathway.lead_organisation
        )
    lead_org, lead_role = lead_of(pathway)
    concern = SafeguardingConcern.objects.create(
        code=f"SG-{reserve(CODES):05d}",
        participant=participant,
        referral=referral,
        pathway=pathway,
        organisation=raiser,
        raised_by=actor.user,
        raised_by_label=actor.display[:100],
        contact=contact,
        occurred_at=occurred_at,
        recorded_at=recorded,
        theme=theme,
        description=description.strip(),
        notify_by=timers.same_day_deadline(occurred_at, network_zone()),
        lead_organisation=lead_org,
        lead_role=lead_role,
        triage_by=timers.triage_deadline(recorded),
    )
    record(
        actor,
        "safeguarding.raise",
        concern,
        changes={
            "participant": participant.code,
            "pathway": pathway.code,
            "theme": theme,
            "contact": contact,
            "occurred_at": occurred_at,
            "notify_by": concern.notify_by,
            "lead": f"{lead_org.code}/{lead_role}",
        },
    )
    concern.escalation = _escalate(actor, concern, referral)
    if concern.escalation is not None:
        concern.save(update_fields=["escalation"])
    return concern


def lead_holders(organisation_id: int, role: str, at: datetime) -> int:
    """How many people hold the lead's role in its organisation at `at`."""
    return (
        RoleGrant.objects.active(at)
        .filter(
            role=role,
            membership__organisation_id=organisation_id,
            membership__ended_at__isnull=True,
            membership__user__is_active=True,
        )
        .count()
    )


def notify_lead(concern_id: int, at: datetime, actor: Actor) -> bool:
    """Tell the pathway's safeguarding lead of one concern, at `at`: claim it with
    `UPDATE ... WHERE id = ? AND lead_notified_at IS NULL`, and only if that changed the row
    write the notice (in-app, then e-mailed by `escalation.mail`) and the audit entry, in the
    same transaction. Answers whether this call told them."""
    with transaction.atomic():
        # The concern's version is left alone: a triage form open at the time stays current.
        won = SafeguardingConcern.objects.filter(
            pk=concern_id, lead_notified_at__isnull=True
        ).update(lead_notified_at=at)
        if not won:
            return False
        concern = SafeguardingConcern.objects.select_related(
            "participant", "pathway", "lead_organisation"
        ).get(pk=concern_id)
        late = not concern.notified_in_time()
        Notification.objects.create(
            concern=concern,
            organisation=concern.lead_organisation,
            role=concern.lead_role,
            kind=EventKind.SAFEGUARDING,
            rung=0,
            message=(
                f"Safeguarding concern {concern.code} ({concern.get_theme_display().lower()}) "
                f"for {concern.participant.code} on {concern.pathway.code}"
                f"{', told late' if late else ''}."
            )[:300],
            created_at=at,
        )
        record(
            actor,
            "safeguarding.notify_lead",
            concern,
            changes={
                "lead": f"{concern.lead_organisation.code}/{concern.lead_role}",
                "notified_at": at,
                "notify_by": concern.notify_by,
                "late": late,
            },
        )
        return True


# --- triage -----------------------------------------------------------------------------------


def meeting_for(week: date) -> TriageMeeting | None:
    return TriageMeeting.objects.select_related("chair").filter(week=week).first()


@transaction.atomic
def open_meeting(
    actor: Actor,
    week: date,
    *,
    chair: User | None = None,
    attendees: Sequence[User] = (),
    held_at: datetime | None = None,
    notes: str = "",
) -> TriageMeeting:
    """Open the week's triage meeting (one a week); the chair is the actor unless named."""
    if not actor.is_system and not access.can_triage(actor):
        raise _not_permitted("Only safeguarding leads and the prime's quality lead hold triage.")
    chair = chair or actor.user
    _raise_if(rules.meeting_reasons(week=week, chaired=chair is not None))
    assert chair is not None
    if TriageMeeting.objects.filter(week=week).exists():
        raise RuleViolation.one(
            "meeting_exists", "That week's triage meeting is already open.", "week"
        )
    try:
        with transaction.atomic():
            meeting = TriageMeeting.objects.create(
                week=week,
                held_at=held_at or timezone.now(),
                chair=chair,
                notes=notes.strip(),
                created_by=actor.user,
            )
    except IntegrityError as exc:
        raise RuleViolation.one(
            "meeting_exists", "That week's triage meeting is already open.", "week"
        ) from exc
    people = sorted({*attendees, chair}, key=lambda u: u.pk)
    meeting.attendees.set(people)
    record(
        actor,
        "safeguarding.meeting",
        meeting,
        changes={
            "week": meeting.code,
            "chair": chair.username,
            "attendees": [u.username for u in people],
        },
    )
    return meeting


@dataclass(frozen=True)
class FollowUp:
    """An owned action a decision sets (coordination's `Action`, source `escalation`)."""

    description: str
    organisation: Organisation
    role: str
    due_at: datetime | None


@transaction.atomic
def record_decision(
    actor: Actor,
    concern: SafeguardingConcern,
    meeting: TriageMeeting,
    *,
    la_needed: bool,
    police_needed: bool,
    notifier_organisation: Organisation | None = None,
    notifier_role: str = "",
    notify_due: datetime | None = None,
    notified_at: datetime | None = None,
    outcome: str = "",
    notes: str = "",
    follow_up: FollowUp | None = None,
    version: int | None = None,
    at: datetime | None = None,
) -> TriageDecision:
    """Record (or revise, until the concern closes) the triage meeting's decision on a concern.
    An outcome closes the concern. A follow-up becomes an owned action citing the concern."""
    if not actor.is_system and not access.can_triage(actor, concern):
        raise _not_permitted("Only the pathway's safeguarding lead or the quality lead triages.")
    now = timezone.now()
    when = at or now
    tz = network_zone()
    _raise_if(
        rules.decision_reasons(
            rules.DecisionFacts(
                state=concern.state,
                occurred_at=concern.occurred_at,
                recorded_at=concern.recorded_at,
                meeting_ends=week_ends(meeting.week, tz),
                la_needed=la_needed,
                police_needed=police_needed,
                notifier_organisation=notifier_organisation.code if notifier_organisation else "",
                notifier_role=notifier_role,
                notify_due=notify_due,
                notified_at=notified_at,
                outcome=outcome,
                notes=notes,
                now=max(now, when),
            )
        )
    )
    claim_version(concern, version, concern.code)
    existing = TriageDecision.objects.filter(concern=concern).first()
    before = _decision_dict(existing) if existing is not None else {}
    decision = existing or TriageDecision(concern=concern)
    decision.meeting = meeting
    decision.decided_at = when
    decision.decided_by = actor.user
    decision.la_needed = la_needed
    decision.police_needed = police_needed
    decision.notifier_organisation = notifier_organisation
    decision.notifier_role = notifier_role
    decision.notify_due = notify_due
    decision.notified_at = notified_at
    decision.outcome = outcome
    decision.closed_at = when if outcome else None
    decision.notes = notes.strip()
    decision.save()
    concern.state = ConcernState.CLOSED if outcome else ConcernState.TRIAGED
    concern.save(update_fields=["state"])
    after = _decision_dict(decision)
    record(
        actor,
        "safeguarding.triage",
        concern,
        changes={
            "meeting": meeting.code,
            **({k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}),
            "state": concern.state,
        },
    )
    if follow_up is not None:
        _follow_up(actor, concern, follow_up, when)
    return decision


def _decision_dict(d: TriageDecision) -> dict[str, Any]:
    return {
        "la_needed": d.la_needed,
        "police_needed": d.police_needed,
        "notifier": (
            f"{d.notifier_organisation.code}/{d.notifier_role}" if d.notifier_organisation else ""
        ),
        "notify_due": d.notify_due.isoformat() if d.notify_due else None,
        "notified_at": d.notified_at.isoformat() if d.notified_at else None,
        "outcome": d.outcome,
        "notes": d.notes,
    }


# The fields of `create_action`'s reasons, as the decision's follow-up fields.
FOLLOW_UP_FIELDS = {
    "description": "action_description",
    "due_at": "action_due",
    "owner_organisation": "action_organisation",
    "owner_role": "action_role",
    "owner_person": "action_role",
}


def _follow_up(actor: Actor, concern: SafeguardingConcern, f: FollowUp, at: datetime) -> Action:
    try:
        return coordination_actions.create_action(
            actor,
            concern.participant,
            description=f.description,
            owner_organisation=f.organisation,
            owner_role=f.role,
            due_at=f.due_at,
            source=ActionSource.ESCALATION,
            source_ref=f"safeguarding:{concern.code}",
            at=at,
        )
    except RuleViolation as exc:  # name the decision form's fields
        raise RuleViolation(
            *(Reason(r.code, r.message, FOLLOW_UP_FIELDS.get(r.field or "")) for r in exc.reasons)
        ) from exc


def follow_ups(concern: SafeguardingConcern) -> list[Action]:
    return list(
        Action.objects.filter(
            source=ActionSource.ESCALATION, source_ref=f"safeguarding:{concern.code}"
        )
        .select_related("owner_organisation", "owner_person")
        .order_by("due_at", "id")
    )


# --- reads ------------------------------------------------------------------------------------


def record_read(actor: Actor, concern: SafeguardingConcern, via: str = "page") -> None:
    """Opening a concern is a read of personal data."""
    record(actor, "safeguarding.read", concern, kind=EntryKind.READ, changes={"via": via})


def record_listed(actor: Actor, codes: Sequence[str], via: str = "page") -> None:
    """A list of concerns (a page, an export) is one read entry naming every concern shown."""
    if not codes:
        return
    record(
        actor,
        "safeguarding.list",
        kind=EntryKind.READ,
        target={
            "object_type": "escalation.safeguardingconcern",
            "object_id": f"{len(codes)} shown",
            "object_label": "",
            "object_organisation_code": actor.org_code,
        },
        changes={"via": via, "shown": list(codes)},
    )
