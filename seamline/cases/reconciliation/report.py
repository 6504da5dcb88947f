"""Reading runs as a person may see them: each figure is counted over the rows and findings
whose participant the reader may see now (`access.visible_rows`), so a participant hidden from
them changes no number on any page, in the API or in an export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from seamline.access import Actor

from . import access, rules
from .chart import Point, Series
from .choices import Category, LinkState
from .models import Finding, ListRow, Run

STATE_CATEGORY = {
    LinkState.MATCHED: Category.MATCHED,
    LinkState.UNKNOWN: Category.UNKNOWN,
    LinkState.UNCERTAIN: Category.REVIEW,
}
# The order categories are shown in.
ORDER = (
    Category.MATCHED,
    Category.REVIEW,
    Category.UNKNOWN,
    Category.MISSING,
    Category.DUPLICATED,
    Category.WITHOUT_OWNER,
    Category.OUTCOME_MISSING,
    Category.LONG_WAIT,
)


@dataclass(frozen=True)
class Figures:
    rows: int
    counts: dict[str, int]

    @property
    def matched(self) -> int:
        return self.counts.get(Category.MATCHED, 0)

    @property
    def rate(self) -> float:
        return rules.reconciliation_rate(self.matched, self.rows)

    @property
    def rate_percent(self) -> float:
        return round(100 * self.rate, 1)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "rate": self.rate, "counts": self.counts}


def figures(actor: Actor, run: Run) -> Figures:
    states = access.visible_rows(actor, run).values_list("state").annotate(n=Count("id")).order_by()
    found = (
        access.visible_findings(actor, run)
        .values_list("category")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {str(c): 0 for c in Category}
    rows = 0
    for state, n in states:
        counts[str(STATE_CATEGORY[LinkState(state)])] += n
        rows += n
    for category, n in found:
        counts[category] += n
    return Figures(rows=rows, counts=counts)


def rows_in(actor: Actor, run: Run, category: str) -> QuerySet[ListRow]:
    state = {v: k for k, v in STATE_CATEGORY.items()}[Category(category)]
    return (
        access.visible_rows(actor, run)
        .filter(state=state)
        .select_related("participant", "pathway")
        .order_by("row")
    )


def findings_in(actor: Actor, run: Run, category: str) -> QuerySet[Finding]:
    return (
        access.visible_findings(actor, run)
        .filter(category=category)
        .select_related("list_row", "participant", "referral", "referral__pathway")
        .order_by("id")
    )


def run_figures(actor: Actor, runs: Iterable[Run]) -> dict[int, Figures]:
    """Figures of many runs in two queries, as `actor` may see them."""
    runs = list(runs)
    if not runs:
        return {}
    seen = access.visible_participants(actor).values("pk")
    visible = Q(participant__isnull=True) | Q(participant__in=seen)
    by_run: dict[int, dict[str, int]] = defaultdict(lambda: {str(c): 0 for c in Category})
    totals: dict[int, int] = defaultdict(int)
    for run_id, state, n in (
        ListRow.objects.filter(visible, run__in=[r.pk for r in runs])
        .values_list("run_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_run[run_id][str(STATE_CATEGORY[LinkState(state)])] += n
        totals[run_id] += n
    for run_id, category, n in (
        Finding.objects.filter(visible, run__in=[r.pk for r in runs])
        .values_list("run_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_run[run_id][category] += n
    return {r.pk: Figures(rows=totals[r.pk], counts=dict(by_run[r.pk])) for r in runs}


def trend(runs: Iterable[Run], figures_by_run: dict[int, Figures]) -> list[Series]:
    """One series per partner, oldest run first."""
    lines: dict[str, list[Point]] = defaultdict(list)
    for run in runs:
        f = figures_by_run[run.pk]
        label = (
            f"{run.organisation.name}, {run.uploaded_at:%d %b %Y}: {f.rate_percent}% "
            f"({f.matched} of {f.rows} rows matched)"
        )
        lines[run.organisation.name].append(Point(run.uploaded_at, f.rate, label))
    return [Series(name, points) for name, points in sorted(lines.items())]


def _row_record(row: ListRow) -> dict[str, Any]:
    return {
        "row": row.row,
        "local_id": row.local_id,
        "name": row.name,
        "date_of_birth": row.date_of_birth.isoformat() if row.date_of_birth else None,
        "participant": row.participant.code if row.participant_id else None,  # type: ignore[union-attr]
        "method": row.method,
        "probability": row.probability,
    }


def categories(actor: Actor, run: Run) -> dict[str, list[dict[str, Any]]]:
    """Every category with the records behind it, as `actor` may see them."""
    out: dict[str, list[dict[str, Any]]] = {str(c): [] for c in Category}
    state_category = {
        LinkState.MATCHED: Category.MATCHED,
        LinkState.UNKNOWN: Category.UNKNOWN,
        LinkState.UNCERTAIN: Category.REVIEW,
    }
    for row in access.visible_rows(actor, run).select_related("participant").order_by("row"):
        out[str(state_category[LinkState(row.state)])].append(_row_record(row))
    for finding in (
        access.visible_findings(actor, run)
        .select_related("list_row", "participant", "referral")
        .order_by("category", "id")
    ):
        item: dict[str, Any] = {
            "row": finding.list_row.row if finding.list_row_id else None,  # type: ignore[union-attr]
            "participant": finding.participant.code if finding.participant_id else None,  # type: ignore[union-attr]
            "referral": finding.referral.code if finding.referral_id else None,  # type: ignore[union-attr]
            "detail": finding.detail,
        }
        out[finding.category].append(item)
    return out


def log_shown(actor: Actor, codes: Iterable[str | None]) -> None:
    """Participants shown to a person are a read of personal data: one audit entry."""
    from seamline.cases.actions import record_listed

    record_listed(
        actor, "participant", list(dict.fromkeys(c for c in codes if c)), via="reconciliation"
    )
