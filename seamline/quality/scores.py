"""Audit scores by partner and period: the item scores of the audits the reader may see, read
in one query and averaged with the one definition (`rules.mean`: the mean of the scored items,
items with every criterion "not applicable" left out). The period of an audit is its first
day's month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from . import rules
from .models import Audit, AuditItem


@dataclass(frozen=True)
class ScoreRow:
    partner: str
    partner_name: str
    period: str  # "2026-10"
    template: str
    mean: float | None
    scored: int
    items: int
    audits: int

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def period_of(day: date) -> str:
    return f"{day:%Y-%m}"


def partner_scores(audits: QuerySet[Audit], template: str = "") -> list[ScoreRow]:
    """One row per partner, period and template of `audits` (only `template` when named), in
    partner, period and template order."""
    items = AuditItem.objects.filter(audit__in=audits)
    if template:
        items = items.filter(audit__template_version__template__code=template)
    rows = items.values_list(
        "audit_id",
        "audit__partner__code",
        "audit__partner__name",
        "audit__period_start",
        "audit__template_version__template__code",
        "score",
        "scored_at",
    ).order_by("audit__partner__code", "audit__period_start", "audit_id", "position")
    groups: dict[tuple[str, str, str], dict[str, object]] = {}
    scores: dict[tuple[str, str, str], list[float | None]] = defaultdict(list)
    for audit_id, code, name, start, tpl, value, scored_at in rows:
        key = (code, period_of(start), tpl)
        group = groups.setdefault(key, {"name": name, "items": 0, "audits": set(), "scored": 0})
        group["items"] = int(group["items"]) + 1  # type: ignore[call-overload]
        group["audits"].add(audit_id)  # type: ignore[attr-defined]
        if scored_at is not None:
            group["scored"] = int(group["scored"]) + 1  # type: ignore[call-overload]
            scores[key].append(value)
    return [
        ScoreRow(
            partner=key[0],
            partner_name=str(g["name"]),
            period=key[1],
            template=key[2],
            mean=rules.mean(scores[key]),
            scored=int(g["scored"]),  # type: ignore[call-overload]
            items=int(g["items"]),  # type: ignore[call-overload]
            audits=len(g["audits"]),  # type: ignore[arg-type]
        )
        for key, g in sorted(groups.items())
    ]


def trend(rows: list[ScoreRow]) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    """The periods in order and, per partner, its mean in each period (None where none)."""
    periods = sorted({r.period for r in rows})
    by_partner: dict[str, dict[str, list[float | None]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    for r in rows:
        names[r.partner] = r.partner_name
        if r.mean is not None:
            # Several templates in one period: the partner's mean weights each by its items.
            by_partner[r.partner][r.period] += [r.mean] * max(r.scored, 1)
    series = [
        (names[p], [rules.mean(by_partner[p].get(period, [])) for period in periods])
        for p in sorted(names)
    ]
    return periods, series


def audit_figures(audit_ids: list[int]) -> dict[int, tuple[float | None, int, int]]:
    """Per audit: its mean score (`rules.mean`), how many records are scored and how many were
    sampled, in one query. Every audit asked about is in the answer."""
    values: dict[int, list[float | None]] = defaultdict(list)
    sampled: dict[int, int] = dict.fromkeys(audit_ids, 0)
    for audit_id, value, scored_at in AuditItem.objects.filter(audit_id__in=audit_ids).values_list(
        "audit_id", "score", "scored_at"
    ):
        sampled[audit_id] += 1
        if scored_at is not None:
            values[audit_id].append(value)
    return {a: (rules.mean(values[a]), len(values[a]), n) for a, n in sampled.items()}
