"""Figures of the catalogue's metrics, aggregated in the database.

For one metric and one month: one grouped query (numerator and denominator per partner; the
network is the sum of every group, records attributed to no partner included, so "partners
add up" is a real check) and, for a metric with a breakdown, one query by category. A
twelve-month trend of an event metric is one grouped query by month; a stock metric is read at
the end of each month. Nothing here loops over records in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Case, Count, QuerySet, Sum, Value, When

from seamline.network.models import Network, Organisation

from .catalogue import Metric, Window, add_months, month_window

TREND_MONTHS = 12


@dataclass(frozen=True)
class Figure:
    numerator: float
    denominator: float | None
    value: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


@dataclass
class MetricFigures:
    metric: Metric
    network: Figure
    partners: dict[str, Figure]
    breakdown: dict[str, dict[str, float]] = field(default_factory=dict)
    trend: list[tuple[str, Figure, dict[str, Figure]]] = field(default_factory=list)


def _number(total: Any) -> float:
    """A summed numerator as a plain number: durations in hours."""
    if total is None:
        return 0
    if isinstance(total, timedelta):
        return round(total.total_seconds() / 3600, 4)
    if isinstance(total, float):
        return round(total, 4)
    return int(total)


def _aggregates(qs: QuerySet[Any]) -> dict[str, Any]:
    den: Any = Sum("_den") if "_den" in qs.query.annotations else Count("pk")
    return {"n": Sum("_num"), "d": den}


def figure(metric: Metric, numerator: Any, denominator: Any) -> Figure:
    n = _number(numerator)
    d = _number(denominator) if metric.has_denominator else None
    return Figure(n, d, metric.value(n, d or 0))


def _field(model: type[models.Model], path: str) -> models.Field[Any, Any]:
    parts = path.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model  # type: ignore[assignment]
    return model._meta.get_field(parts[-1])  # type: ignore[return-value]


def _month_index(metric: Metric, qs: QuerySet[Any], windows: list[Window]) -> Case:
    """Which of `windows` (consecutive months) a record's `when` falls in, as its index: plain
    comparisons with the months' bounds in the network's time zone, which every database
    evaluates natively (SQLite would call back into Python for each row to truncate a
    timestamp to its local month) and which are exact across clock changes."""
    assert metric.when is not None
    dated = not isinstance(_field(qs.model, metric.when), models.DateTimeField)
    return Case(
        *(
            When(**{f"{metric.when}__lt": w.end_day if dated else w.end}, then=Value(k))
            for k, w in enumerate(windows)
        ),
        default=Value(None),
        output_field=models.IntegerField(),
    )


def partner_codes() -> dict[int, str]:
    return dict(Organisation.objects.order_by("code").values_list("pk", "code"))


class Calculator:
    """Figures for any metric and month, with the network settings and the organisations'
    codes read once."""

    def __init__(self, network: Network | None = None) -> None:
        self.network = network or Network.current()
        self.tz = ZoneInfo(self.network.time_zone)
        self.codes = partner_codes()

    def window(self, period: date) -> Window:
        return month_window(period, self.tz)

    def parts(self, metric: Metric, window: Window) -> list[QuerySet[Any]]:
        """The metric's records: one QuerySet, or one per source when they live in several
        tables (each grouped on its own, the sums added)."""
        found = metric.records(window, self.network)
        return list(found) if isinstance(found, list | tuple) else [found]

    def _cells(self, parts: list[QuerySet[Any]]) -> dict[int | None, tuple[Any, Any]]:
        """Numerator and denominator sums by organisation, records attributed to none under
        None: one grouped query per source."""
        cells: dict[int | None, tuple[Any, Any]] = {}
        for qs in parts:
            for row in qs.order_by().values("_org").annotate(**_aggregates(qs)):
                n, d = cells.get(row["_org"], (None, None))
                cells[row["_org"]] = (_sum((n, row["n"])), _sum((d, row["d"])))
        return cells

    def figures(self, metric: Metric, period: date, trend: bool = False) -> MetricFigures:
        window = self.window(period)
        points = self.trend(metric, period) if trend else []
        if points:
            # The month is the trend's last point: the same sums, read once.
            _, network, partners = points[-1]
        else:
            network, partners = self._month_figures(metric, self._cells(self.parts(metric, window)))
        result = MetricFigures(metric, network, partners, trend=points)
        if metric.breakdown:
            result.breakdown = self._breakdown(metric, self.parts(metric, window))
        return result

    @staticmethod
    def _by_month(metric: Metric) -> bool:
        """Whether a year of the metric is read in one query grouped by month."""
        return metric.when is not None

    def _breakdown(self, metric: Metric, parts: list[QuerySet[Any]]) -> dict[str, dict[str, float]]:
        """category -> {"network": n, partner code: n, ...}: the records counted by category."""
        assert metric.breakdown is not None
        out: dict[str, dict[str, float]] = {}
        rows = [
            row
            for qs in parts
            for row in qs.order_by()
            .values("_org", metric.breakdown)
            .annotate(n=Count("pk"))
            .order_by(metric.breakdown)
        ]
        for row in rows:
            category = str(row[metric.breakdown] or "unstated")
            cell = out.setdefault(category, {"network": 0})
            cell["network"] += _number(row["n"])
            code = self.codes.get(row["_org"])
            if code is not None:
                cell[code] = cell.get(code, 0) + _number(row["n"])
        return out

    def trend(self, metric: Metric, period: date) -> list[tuple[str, Figure, dict[str, Figure]]]:
        """The network and partner figures for the twelve months ending with `period`."""
        months = [add_months(period, k) for k in range(1 - TREND_MONTHS, 1)]
        if not self._by_month(metric):
            return [self._point(metric, m) for m in months]
        windows = [self.window(m) for m in months]
        span = Window(windows[0].start, windows[-1].end)
        cells: dict[date, dict[int | None, tuple[Any, Any]]] = {}
        for qs in self.parts(metric, span):
            qs = qs.annotate(_month=_month_index(metric, qs, windows))
            for row in qs.order_by().values("_month", "_org").annotate(**_aggregates(qs)):
                if row["_month"] is None:
                    continue  # outside the span (a records() that reads wider than asked)
                key = months[row["_month"]]
                n, d = cells.setdefault(key, {}).get(row["_org"], (None, None))
                cells[key][row["_org"]] = (_sum((n, row["n"])), _sum((d, row["d"])))
        return [
            (m.strftime("%Y-%m"), *self._month_figures(metric, cells.get(m, {}))) for m in months
        ]

    def _month_figures(
        self, metric: Metric, cells: dict[int | None, tuple[Any, Any]]
    ) -> tuple[Figure, dict[str, Figure]]:
        """The network's and the partners' figures from one month's sums by organisation."""
        partners = {
            self.codes[org]: figure(metric, n, d)
            for org, (n, d) in cells.items()
            if org in self.codes
        }
        if metric.additive:
            # Every group, the unattributed too: partners add up to this only when every
            # record is attributed (a test holds the catalogue to that).
            network = figure(
                metric, _sum(n for n, _ in cells.values()), _sum(d for _, d in cells.values())
            )
        else:
            assert metric.network_value is not None
            values = {c: f.value for c, f in partners.items() if f.value is not None}
            network = Figure(0, None, metric.network_value(values))
        return network, partners

    def _point(self, metric: Metric, month: date) -> tuple[str, Figure, dict[str, Figure]]:
        f = self.figures(metric, month)
        return (month.strftime("%Y-%m"), f.network, f.partners)

    def records(self, metric: Metric, period: date) -> list[QuerySet[Any]]:
        """The records behind a metric's figure for the month (the drill-down), by source."""
        return self.parts(metric, self.window(period))


def _sum(values: Iterable[Any]) -> Any:
    """Adds the per-month partner cells (timedeltas or numbers) of one month."""
    total: Any = None
    for v in values:
        if v is None:
            continue
        total = v if total is None else total + v
    return total
