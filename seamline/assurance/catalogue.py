"""The metric catalogue: every figure of an assurance pack (SPEC C10), defined once.

A `Metric` says in words what it counts (numerator, denominator, exclusions, the data
definition of SPEC section 3 it rests on, the regulators' frames it evidences) and in code which
records it counts: `records(window, network)` returns a QuerySet of the records in the
denominator, each annotated with

* `_org`: the organisation the record is attributed to (its partner segment);
* `_num`: what the record adds to the numerator (1 or 0 for a share, its hours as a float for
  a mean time, computed by the database with `definitions.HoursBetween`; 1 for a count);
* `_den` (optional): what it adds to the denominator (1 when absent).

The pack sums `_num` and `_den` per `_org` in the database (`compute.py`): one query per metric
and period, or one per metric for a year of monthly trend when the metric is an event metric
(`when` names the instant that places a record in a month: the month is found by comparing it
with the months' bounds in the network's time zone, in SQL). Drill-down lists the same records.
The definitions themselves live in `definitions.py`, app by app; a metric whose app is not
installed is absent, never faked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db.models import QuerySet

if TYPE_CHECKING:
    from seamline.network.models import Network


class Unit(StrEnum):
    PERCENT = "percent"  # a share of the denominator, 0-100
    SCORE = "score"  # a mean of per-record percentages (e.g. completeness), 0-100
    HOURS = "hours"  # a mean time in hours
    COUNT = "count"  # a number of records; no denominator


class Section(StrEnum):
    STAFFING = "staffing"
    TRANSITIONS = "transitions"
    COORDINATION = "coordination"
    ESCALATION = "escalation"
    SAFEGUARDING = "safeguarding"
    QUALITY = "quality"
    REGISTER = "register"
    GOVERNANCE = "governance"


SECTION_TITLES: dict[str, str] = {
    Section.STAFFING: "Workforce: sign-offs, supervision and delegation",
    Section.TRANSITIONS: "Handoffs between organisations",
    Section.COORDINATION: "Care coordination",
    Section.ESCALATION: "Escalation",
    Section.SAFEGUARDING: "Safeguarding",
    Section.QUALITY: "Audits and corrective actions",
    Section.REGISTER: "Referral register and reconciliation",
    Section.GOVERNANCE: "Governance of the rota gate",
}


@dataclass(frozen=True)
class Window:
    """A half-open span of time [start, end) in the network's time zone."""

    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def end_day(self) -> date:
        """The first day after the window (exclusive bound for date columns)."""
        return self.end.date()

    @property
    def last_day(self) -> date:
        return self.end_day - timedelta(days=1)


def month_start(period: date, tz: ZoneInfo) -> datetime:
    return datetime(period.year, period.month, 1, tzinfo=tz)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_window(period: date, tz: ZoneInfo) -> Window:
    return Window(month_start(period, tz), month_start(add_months(period, 1), tz))


def parse_period(text: str) -> date:
    """'2026-10' -> date(2026, 10, 1); a clear error otherwise."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise ValueError(
            f"period: '{text}' is not a month; write it as YYYY-MM, e.g. 2026-10"
        ) from None


# One QuerySet, or a list of them when the records live in several tables (each with the same
# annotations and the drill-down columns' paths).
RecordsFn = Callable[[Window, "Network"], "QuerySet[Any] | list[QuerySet[Any]]"]


@dataclass(frozen=True)
class Column:
    """One column of a metric's drill-down list: a field path of the records and its label."""

    path: str
    label: str
    # The page of the record the cell names (a URL name taking the cell's value), where its
    # timeline and history are the evidence trail behind the figure.
    url: str | None = None


@dataclass(frozen=True)
class Metric:
    code: str
    title: str
    section: Section
    unit: Unit
    numerator: str
    denominator: str
    exclusions: str
    definition: str
    frames: tuple[str, ...]
    records: RecordsFn
    app: str
    # The instant that places a record in a month (event metrics); None for a stock metric,
    # read as it stood at the end of the period.
    when: str | None = None
    higher_is_better: bool = True
    # A figure worse than the target is shown red (None: no target, never red).
    target: float | None = None
    # Partner figures add up to the network figure. A non-additive metric says how its network
    # value is made from the partners' (`network_value`).
    additive: bool = True
    network_value: Callable[[dict[str, float]], float | None] | None = None
    # A category column counted within the metric (e.g. the reason a handoff was rejected).
    breakdown: str | None = None
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def installed(self) -> bool:
        return apps.is_installed(f"seamline.{self.app}") or apps.is_installed(self.app)

    @property
    def has_denominator(self) -> bool:
        return self.unit != Unit.COUNT

    def value(self, numerator: float, denominator: float) -> float | None:
        """The figure from its parts: a share in percent, a mean, or the count itself."""
        if self.unit == Unit.COUNT:
            return numerator
        if not denominator:
            return None
        scale = 100.0 if self.unit == Unit.PERCENT else 1.0
        return round(scale * numerator / denominator, 1)

    def is_red(self, value: float | None) -> bool:
        if value is None or self.target is None:
            return False
        return value < self.target if self.higher_is_better else value > self.target


_CATALOGUE: dict[str, Metric] = {}


def metric(m: Metric) -> Metric:
    if m.code in _CATALOGUE:
        raise ValueError(f"metric {m.code} is defined twice")
    _CATALOGUE[m.code] = m
    return m


def catalogue() -> list[Metric]:
    """Every metric whose app is installed, in the order the pack shows them."""
    from . import definitions  # noqa: F401  (registers the metrics)

    order = list(Section)
    return sorted(
        (m for m in _CATALOGUE.values() if m.installed),
        key=lambda m: order.index(m.section),
    )


def get_metric(code: str) -> Metric | None:
    return next((m for m in catalogue() if m.code == code), None)
