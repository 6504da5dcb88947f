"""Every change of escalation, each in one transaction with its audit entry: threshold set
versions, ladders, opening an escalation (once per trigger and episode), acknowledging,
the clinical review and resolving. The worker's climb is in `escalation.worker`. The rules are
pure functions in `escalation.rules` and `escalation.timers`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from seamline.access import Actor
from seamline.audit.actions import record
from seamline.cases.codes import reserve
from seamline.cases.models import Participant, Referral
from seamline.errors import Reason, RuleViolation
from seamline.network.models import Organisation, Pathway
from seamline.versioning import claim_version

from . import access, rules, timers
from .choices import EventKind, State
from .defaults import DEFAULT_LADDER, DEFAULT_THRESHOLDS
from .models import (
    Escalation,
    EscalationEvent,
    Ladder,
    Notification,
    Rung,
    ThresholdSet,
    ThresholdVersion,
)

CODES = "escalation"


def _raise_if(reasons: list[Reason]) -> None:
    if reasons:
        raise RuleViolation(*reasons)


def _not_permitted(message: str) -> RuleViolation:
    return RuleViolation.one("not_permitted", message)


def _by(actor: Actor) -> Any:
    return actor.user


# --- the threshold set ------------------------------------------------------------------------


def current_thresholds() -> ThresholdVersion | None:
    found = ThresholdSet.objects.select_related("current").filter(singleton=True).first()
    return found.current if found is not None else None


@transaction.atomic
def save_thresholds(
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    *,
    reason: str,
    version: int | None = None,
    at: datetime | None = None,
) -> ThresholdVersion:
    """Write the next version of the shared threshold set and put it in force."""
    if not actor.is_system and not access.can_keep_thresholds(actor):
        raise _not_permitted("Only the prime's quality lead or network admin changes thresholds.")
    clean = [{k: str(r.get(k, "")) for k in ("trigger", "tier", "role", "chair")} for r in rows]
    _raise_if(rules.threshold_reasons(clean, reason))
    tset, _ = ThresholdSet.objects.get_or_create(singleton=True)
    claim_version(tset, version, "The threshold set")
    number = (tset.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    made = ThresholdVersion.objects.create(
        threshold_set=tset,
        number=number,
        rows=clean,
        created_at=at or timezone.now(),
        created_by=_by(actor),
        reason=reason.strip(),
    )
    tset.current = made
    tset.save(update_fields=["current"])
    record(actor, "escalation.thresholds", made, changes={"rows": clean}, reason=reason.strip())
    return made


# --- ladders ----------------------------------------------------------------------------------


def rung_specs(ladder: Ladder) -> list[rules.RungSpec]:
    return [
        rules.RungSpec(
            r.level, r.role, r.at_lead, r.hours_immediate, r.hours_same_day, r.hours_review
        )
        for r in ladder.rungs.all()
    ]


@transaction.atomic
def save_ladder(
    actor: Actor,
    pathway: Pathway,
    rungs: Sequence[rules.RungSpec],
    *,
    reason: str,
    version: int | None = None,
) -> Ladder:
    """Set a pathway's ladder. Escalations already on it keep their deadlines; the next climb
    reads the new rungs."""
    if not actor.is_system and not access.can_keep_thresholds(actor):
        raise _not_permitted("Only the prime's quality lead or network admin changes ladders.")
    _raise_if(rules.ladder_reasons(rungs, reason))
    ladder, created = Ladder.objects.get_or_create(
        pathway=pathway, defaults={"changed_by": _by(actor), "reason": reason.strip()}
    )
    if not created:
        claim_version(ladder, version, f"The ladder of {pathway.code}")
        ladder.changed_at = timezone.now()
        ladder.changed_by = _by(actor)
        ladder.reason = reason.strip()
        ladder.save(update_fields=["changed_at", "changed_by", "reason"])
        ladder.rungs.all().delete()
    Rung.objects.bulk_create(
        Rung(
            ladder=ladder,
            position=i,
            level=r.level,
            role=r.role,
            at_lead=r.at_lead,
            hours_immediate=r.hours_immediate,
            hours_same_day=r.hours_same_day,
            hours_review=r.hours_review,
        )
        for i, r in enumerate(rungs, start=1)
    )
    record(
        actor,
        "escalation.ladder",
        ladder,
        changes={"rungs": [r.__dict__ for r in rungs]},
        reason=reason.strip(),
    )
    return ladder


def load_defaults(actor: Actor) -> tuple[ThresholdVersion | None, int]:
    """Load the default threshold set if there is none, and the default ladder on every
    pathway without one. Answers the version made (None if one was in force) and the number of
    ladders made."""
    made = None
    if current_thresholds() is None:
        made = save_thresholds(
            actor, DEFAULT_THRESHOLDS, reason="The network's default threshold set."
        )
    count = 0
    for pathway in Pathway.objects.filter(ladder__isnull=True).order_by("code"):
        save_ladder(actor, pathway, DEFAULT_LADDER, reason="The network's default ladder.")
        count += 1
    return made, count


# --- escalations ------------------------------------------------------------------------------


def rung_recipient(escalation: Escalation, spec: rules.RungSpec) -> Organisation:
    return escalation.pathway.lead_organisation if spec.at_lead else escalation.organisation


def notify(
    escalation: Escalation,
    kind: str,
    rung: int,
    organisation: Organisation,
    role: str,
    at: datetime,
) -> Notification:
    verbs: dict[str, str] = {
        EventKind.RAISED: "raised",
        EventKind.CLIMBED: f"climbed to rung {rung}",
        EventKind.BREACHED: "is past its last rung's deadline",
    }
    what = verbs.get(kind, kind)
    return Notification.objects.create(
        escalation=escalation,
        organisation=organisation,
        role=role,
        kind=kind,
        rung=rung,
        message=(
            f"{escalation.code} ({escalation.get_tier_display()}, "
            f"{escalation.get_trigger_display().lower()}) for {escalation.participant.code} {what}."
        )[:300],
        created_at=at,
    )


def open_escalation(
    actor: Actor,
    *,
    participant: Participant,
    pathway: Pathway,
    organisation: Organisation,
    trigger: str,
    episode: str,
    referral: Referral | None = None,
    source_ref: str = "",
    detail: str = "",
    at: datetime | None = None,
) -> Escalation | None:
    """Open the escalation a trigger calls for, unless this trigger already opened one for the
    episode (then None: the unique constraint settles a race between two openers). None too
    when the threshold set does not name the trigger or the pathway has no ladder."""
    when = at or timezone.now()
    version = current_thresholds()
    if version is None:
        return None
    threshold = rules.parse_thresholds(version.rows).get(trigger)
    ladder = Ladder.objects.filter(pathway=pathway).first()
    if threshold is None or ladder is None:
        return None
    specs = rung_specs(ladder)
    if not specs:
        return None
    if Escalation.objects.filter(trigger=trigger, episode=episode).exists():
        return None
    try:
        with transaction.atomic():
            esc = Escalation.objects.create(
                code=f"ESC-{reserve(CODES):05d}",
                participant=participant,
                referral=referral,
                pathway=pathway,
                organisation=organisation,
                trigger=trigger,
                episode=episode,
                source_ref=source_ref,
                detail=detail[:300],
                tier=threshold.tier,
                responsible_role=threshold.role,
                chair_role=threshold.chair,
                threshold_version=version,
                rung=1,
                due_at=timers.deadline(when, specs[0], threshold.tier),
                raised_at=when,
                raised_by=_by(actor),
            )
            EscalationEvent.objects.create(
                escalation=esc,
                kind=EventKind.RAISED,
                at=when,
                by=_by(actor),
                by_label=actor.display[:100],
                rung=1,
                note=detail,
            )
            notify(esc, EventKind.RAISED, 1, organisation, threshold.role, when)
            record(
                actor,
                "escalation.raise",
                esc,
                changes={
                    "participant": participant.code,
                    "trigger": trigger,
                    "episode": episode,
                    "tier": threshold.tier,
                    "due_at": esc.due_at,
                },
            )
    except IntegrityError:
        if Escalation.objects.filter(trigger=trigger, episode=episode).exists():
            return None
        raise
    return esc


def _event(actor: Actor, esc: Escalation, kind: str, at: datetime, note: str = "") -> None:
    EscalationEvent.objects.create(
        escalation=esc,
        kind=kind,
        at=at,
        by=_by(actor),
        by_label=actor.display[:100],
        rung=esc.rung,
        note=note,
    )


@transaction.atomic
def acknowledge(
    actor: Actor, esc: Escalation, *, version: int | None = None, at: datetime | None = None
) -> Escalation:
    """Someone at the rung has seen it and is on it. The clock runs on until the clinical
    review."""
    if not actor.is_system and not access.can_act(actor, esc):
        raise _not_permitted("You may not answer this escalation.")
    _raise_if(rules.acknowledge_reasons(esc.state))
    when = at or timezone.now()
    claim_version(esc, version, esc.code)
    esc.state = State.ACKNOWLEDGED
    esc.acknowledged_at = when
    esc.acknowledged_by = _by(actor)
    esc.save(update_fields=["state", "acknowledged_at", "acknowledged_by"])
    _event(actor, esc, EventKind.ACKNOWLEDGED, when)
    record(actor, "escalation.acknowledge", esc, changes={"state": esc.state, "at": when})
    return esc


@transaction.atomic
def respond(
    actor: Actor,
    esc: Escalation,
    *,
    review: str,
    version: int | None = None,
    at: datetime | None = None,
) -> Escalation:
    """Record the clinical review: the escalation is answered, so its clock stops."""
    if not actor.is_system and not access.can_review(actor, esc):
        raise _not_permitted("Only a supervisor (clinical lead) or the quality lead reviews.")
    _raise_if(rules.respond_reasons(esc.state, review))
    when = at or timezone.now()
    claim_version(esc, version, esc.code)
    if esc.acknowledged_at is None:
        esc.acknowledged_at = when
        esc.acknowledged_by = _by(actor)
    esc.state = State.RESPONDED
    esc.responded_at = when
    esc.responded_by = _by(actor)
    esc.review = review.strip()
    esc.due_at = None
    esc.save(
        update_fields=[
            "state",
            "acknowledged_at",
            "acknowledged_by",
            "responded_at",
            "responded_by",
            "review",
            "due_at",
        ]
    )
    _event(actor, esc, EventKind.RESPONDED, when, esc.review)
    record(actor, "escalation.respond", esc, changes={"state": esc.state, "review": esc.review})
    return esc


@transaction.atomic
def resolve(
    actor: Actor,
    esc: Escalation,
    *,
    outcome: str,
    note: str = "",
    version: int | None = None,
    at: datetime | None = None,
) -> Escalation:
    """Close the escalation with its outcome."""
    if not actor.is_system and not access.can_act(actor, esc):
        raise _not_permitted("You may not answer this escalation.")
    _raise_if(rules.resolve_reasons(esc.state, outcome, note))
    when = at or timezone.now()
    claim_version(esc, version, esc.code)
    esc.state = State.RESOLVED
    esc.resolved_at = when
    esc.resolved_by = _by(actor)
    esc.outcome = outcome
    esc.outcome_note = note.strip()
    esc.due_at = None
    esc.save(
        update_fields=["state", "resolved_at", "resolved_by", "outcome", "outcome_note", "due_at"]
    )
    _event(actor, esc, EventKind.RESOLVED, when, f"{outcome}: {esc.outcome_note}".strip(": "))
    record(actor, "escalation.resolve", esc, changes={"outcome": outcome, "note": esc.outcome_note})
    return esc
