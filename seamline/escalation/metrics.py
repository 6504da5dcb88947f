"""Escalation metrics (SPEC C8, part 4 of the issue): time to acknowledgement and to clinical
review against each tier's standard (`rules.STANDARDS`), compliance by tier, pathway and
partner, and the spread of timing across partners for the same trigger.

`summarise` is pure (facts in, figures out) so it is tested on a known dataset;
`escalation_metrics` loads the facts of what the reader may see in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from seamline.access import Actor

from . import rules
from .models import Escalation, EscalationQuerySet


@dataclass(frozen=True)
class Facts:
    tier: str
    pathway: str
    partner: str
    trigger: str
    raised_at: datetime
    acknowledged_at: datetime | None
    responded_at: datetime | None


@dataclass
class Compliance:
    """Figures for one group. Compliance counts only escalations whose outcome is known (done,
    or past the standard without being done)."""

    label: str
    count: int = 0
    ack_met: int = 0
    ack_known: int = 0
    review_met: int = 0
    review_known: int = 0
    ack_minutes: list[float] = field(default_factory=list)
    review_minutes: list[float] = field(default_factory=list)

    @staticmethod
    def _share(met: int, known: int) -> float | None:
        return round(100 * met / known, 1) if known else None

    @property
    def ack_percent(self) -> float | None:
        return self._share(self.ack_met, self.ack_known)

    @property
    def review_percent(self) -> float | None:
        return self._share(self.review_met, self.review_known)

    @property
    def median_ack_minutes(self) -> float | None:
        return round(median(self.ack_minutes), 1) if self.ack_minutes else None

    @property
    def median_review_minutes(self) -> float | None:
        return round(median(self.review_minutes), 1) if self.review_minutes else None

    def add(self, f: Facts, at: datetime) -> None:
        standard = rules.STANDARDS[f.tier]
        self.count += 1
        ack = rules.within_standard(f.raised_at, f.acknowledged_at, standard.acknowledge, at)
        if ack is not None:
            self.ack_known += 1
            self.ack_met += int(ack)
        review = rules.within_standard(f.raised_at, f.responded_at, standard.review, at)
        if review is not None:
            self.review_known += 1
            self.review_met += int(review)
        if f.acknowledged_at is not None:
            self.ack_minutes.append((f.acknowledged_at - f.raised_at).total_seconds() / 60)
        if f.responded_at is not None:
            self.review_minutes.append((f.responded_at - f.raised_at).total_seconds() / 60)

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "count": self.count,
            "acknowledged_in_standard_percent": self.ack_percent,
            "reviewed_in_standard_percent": self.review_percent,
            "median_minutes_to_acknowledge": self.median_ack_minutes,
            "median_minutes_to_review": self.median_review_minutes,
        }


@dataclass(frozen=True)
class Spread:
    """For one trigger: each partner's median minutes to acknowledge, and the gap between the
    quickest and slowest partner (the consistency the network answers for)."""

    trigger: str
    by_partner: dict[str, float]

    @property
    def spread_minutes(self) -> float | None:
        if len(self.by_partner) < 2:
            return None
        return round(max(self.by_partner.values()) - min(self.by_partner.values()), 1)


@dataclass
class Summary:
    overall: Compliance
    by_tier: list[Compliance]
    by_pathway: list[Compliance]
    by_partner: list[Compliance]
    spread: list[Spread]

    def as_dict(self) -> dict[str, object]:
        return {
            "overall": self.overall.as_dict(),
            "by_tier": [c.as_dict() for c in self.by_tier],
            "by_pathway": [c.as_dict() for c in self.by_pathway],
            "by_partner": [c.as_dict() for c in self.by_partner],
            "spread": [
                {
                    "trigger": s.trigger,
                    "by_partner": s.by_partner,
                    "spread_minutes": s.spread_minutes,
                }
                for s in self.spread
            ],
        }


def _grouped(facts: Sequence[Facts], key: str, at: datetime) -> list[Compliance]:
    groups: dict[str, Compliance] = {}
    for f in facts:
        label = getattr(f, key)
        groups.setdefault(label, Compliance(label)).add(f, at)
    return [groups[k] for k in sorted(groups)]


def summarise(facts: Iterable[Facts], at: datetime) -> Summary:
    rows = list(facts)
    overall = Compliance("all")
    for f in rows:
        overall.add(f, at)
    acks: dict[str, dict[str, list[float]]] = {}
    for f in rows:
        if f.acknowledged_at is not None:
            minutes = (f.acknowledged_at - f.raised_at).total_seconds() / 60
            acks.setdefault(f.trigger, {}).setdefault(f.partner, []).append(minutes)
    spread = [
        Spread(trigger, {p: round(median(v), 1) for p, v in sorted(partners.items())})
        for trigger, partners in sorted(acks.items())
    ]
    return Summary(
        overall,
        _grouped(rows, "tier", at),
        _grouped(rows, "pathway", at),
        _grouped(rows, "partner", at),
        spread,
    )


def facts_of(escalations: EscalationQuerySet) -> list[Facts]:
    return [
        Facts(*row)
        for row in escalations.order_by().values_list(
            "tier",
            "pathway__code",
            "organisation__code",
            "trigger",
            "raised_at",
            "acknowledged_at",
            "responded_at",
        )
    ]


def escalation_metrics(
    actor: Actor, at: datetime, among: EscalationQuerySet | None = None
) -> Summary:
    """The figures over the escalations `actor` may see (narrowed by `among` when given)."""
    qs = among if among is not None else Escalation.objects.visible_to(actor)
    return summarise(facts_of(qs), at)
