"""The huddle roster: a cohort's participants as one viewer sees them, each with the risk score
of `rules.risk_score`, the active flags and the next open action, highest score first.

The roster starts from the participants the viewer may see, so a participant hidden from them
is absent and changes no count. It costs a fixed number of queries whatever the cohort's size:
the members, their flags (active, or raised within the recent-event window), their open
actions (as plain values) and each one's next action with its owner, each in one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
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
    people = list(members_for(actor, cohort).only("pk", "code", "given_name", "family_name"))
    ids = [p.pk for p in people]
    flags: dict[int, list[rules.FlagFact]] = defaultdict(list)
    for pk, kind, severity, raised_at, resolved_at in (
        RiskFlag.objects.filter(participant_id__in=ids, raised_at__lte=at)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=at) | Q(raised_at__gte=since))
        .values_list("participant_id", "kind", "severity", "raised_at", "resolved_at")
    ):
        flags[pk].append(rules.FlagFact(kind, severity, raised_at, resolved_at))
    # Open actions as plain values; only each participant's next one is loaded whole.
    pending: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for pk, action_pk, due_at in (
        Action.objects.open()
        .filter(participant_id__in=ids)
        .values_list("participant_id", "pk", "due_at")
    ):
        pending[pk].append((due_at, action_pk))
    first = {pk: min(due) for pk, due in pending.items()}
    loaded = Action.objects.select_related("owner_organisation", "owner_person").in_bulk(
        [action_pk for _due, action_pk in first.values()]
    )
    rows = []
    for p in people:
        late = sum(1 for due_at, _pk in pending.get(p.pk, ()) if due_at < at)
        nxt = loaded[first[p.pk][1]] if p.pk in first else None
        score = rules.risk_score(flags.get(p.pk, ()), late, at)
        rows.append(RosterRow(p, score, nxt, bool(nxt and nxt.due_at < at)))
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
