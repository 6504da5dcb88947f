"""Who is a high-risk participant (SPEC section 3): one with an active risk flag of severity
high, or an open escalation of tier immediate or same day.

The flags live here. Escalations arrive with the escalation app, which plugs its half in with
`register_escalation_source`: one function answering "the tiers of this participant's
escalations open at T" (for one participant) and one answering "the ids of participants with
an immediate or same-day escalation open at T" (for lists and caseload caps). Until then only
the flags count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .choices import Severity
from .models import Participant, RiskFlag
from .rules import FlagFacts, high_risk


@dataclass(frozen=True)
class EscalationSource:
    # The tiers of `participant`'s escalations open at `at`.
    open_tiers: Callable[[Participant, datetime], Iterable[str]]
    # Participant primary keys with an immediate or same-day escalation open at `at`.
    high_risk_ids: Callable[[datetime], QuerySet[Participant]]


_ESCALATIONS: list[EscalationSource] = []


def register_escalation_source(source: EscalationSource) -> None:
    """Called once by the escalation app from its `AppConfig.ready()`."""
    if source not in _ESCALATIONS:
        _ESCALATIONS.append(source)


def flag_facts(flags: Iterable[RiskFlag]) -> list[FlagFacts]:
    return [FlagFacts(f.kind, f.severity, f.raised_at, f.resolved_at) for f in flags]


def is_high_risk(participant: Participant, at: datetime | None = None) -> bool:
    """Is `participant` high-risk at `at` (now when left out)?"""
    at = at or timezone.now()
    tiers = [tier for source in _ESCALATIONS for tier in source.open_tiers(participant, at)]
    return high_risk(flag_facts(participant.flags.all()), at, tiers)


def high_risk_filter(at: datetime) -> Q:
    """A filter on participants: high-risk at `at` (one subquery per source, no joins that
    would repeat rows)."""
    flagged = RiskFlag.objects.filter(severity=Severity.HIGH, raised_at__lte=at).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=at)
    )
    condition = Q(pk__in=flagged.values("participant_id"))
    for source in _ESCALATIONS:
        condition |= Q(pk__in=source.high_risk_ids(at).values("pk"))
    return condition
