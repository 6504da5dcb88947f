"""The huddle roster: a cohort's participants as one viewer sees them, each with the risk score
of `rules.risk_score`, the active flags and the next open action, highest score first.

The roster starts from the participants the viewer may see, so a participant hidden from them
is absent and changes no count. It costs a fixed number of queries whatever the cohort's size:
the members, their flags (active, or raised within the recent-event window) and their open
actions, each in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.choices import RiskKind
from seamline.cases.models import Participant, ParticipantQuerySet, RiskFlag

from . import rules
from .duty import participants_for
from .models import Action, Cohort, CohortMember, Decision


@dataclass(frozen=True)
class RosterRow:
    participant: Participant
    score: rules.Score
    next_action: Action | None
    overdue: bool

    @property
    def risk_score(self) -> int:
        return self.score.total

    @property
    def flag_labels(self) -> list[str]:
        return [RiskKind(k).label if k in RiskKind.values else k for k in self.score.active_flags]


def members_for(actor: Actor, cohort: Cohort) -> ParticipantQuerySet:
    """The cohort's current members that `actor` sees, as a participant queryset."""
    member_ids = CohortMember.objects.current().filter(cohort=cohort).values("participant_id")
    return participants_for(actor).filter(pk__in=member_ids)


def roster(actor: Actor, cohort: Cohort, at: datetime | None = None) -> list[RosterRow]:
    at = at or timezone.now()
    since = at - timedelta(days=rules.RECENT_DAYS)
    flags = RiskFlag.objects.filter(raised_at__lte=at).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=at) | Q(raised_at__gte=since)
    )
    open_actions = Action.objects.open().select_related("owner_organisation", "owner_person")
    participants = members_for(actor, cohort).prefetch_related(
        Prefetch("flags", queryset=flags, to_attr="roster_flags"),
        Prefetch("coordination_actions", queryset=open_actions, to_attr="open_actions"),
    )
    rows = []
    for p in participants:
        facts = [
            rules.FlagFact(f.kind, f.severity, f.raised_at, f.resolved_at)
            for f in p.roster_flags  # type: ignore[attr-defined]
        ]
        pending: list[Action] = sorted(p.open_actions, key=lambda a: (a.due_at, a.pk))  # type: ignore[attr-defined]
        late = sum(1 for a in pending if a.due_at < at)
        nxt = pending[0] if pending else None
        rows.append(
            RosterRow(p, rules.risk_score(facts, late, at), nxt, bool(nxt and nxt.due_at < at))
        )
    rows.sort(key=lambda r: (-r.score.total, r.participant.code))
    return rows


def roster_json(row: RosterRow) -> dict[str, object]:
    a = row.next_action
    return {
        "participant": row.participant.code,
        "risk_score": row.score.total,
        "score_parts": {
            "flags": row.score.flags,
            "overdue_actions": row.score.overdue_actions,
            "recent_events": row.score.recent_events,
        },
        "flags": list(row.score.active_flags),
        "next_action": None
        if a is None
        else {
            "uuid": str(a.uuid),
            "description": a.description,
            "owner": a.owner_label,
            "due_at": a.due_at.isoformat(),
            "overdue": row.overdue,
        },
    }


def on_time(actor: Actor, cohort: Cohort, at: datetime | None = None) -> rules.OnTime:
    """The share of the cohort's huddle actions closed by their due time, over the
    participants `actor` sees."""
    pairs = Decision.objects.filter(
        huddle__cohort=cohort, participant__in=participants_for(actor).values("pk")
    ).values_list("action__due_at", "action__completed_at")
    return rules.closed_on_time(pairs, at or timezone.now())
