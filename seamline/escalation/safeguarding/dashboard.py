"""The safeguarding dashboard: themes, timeliness (the same-day notification rate) and outcomes
by partner, the weekly trend of the rate, and concerns overdue for triage.

`summarise` is pure (plain facts in, figures out); `dashboard(actor, at, filters)` reads the
concerns the reader may see in one query and summarises them. A concern counts towards the
rate once its result is known: told before its deadline (same day) or not (late, whether told
after it or not told by it); concerns still inside their day are pending.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from seamline.access import Actor

from .. import timers
from ..choices import ConcernOutcome, ConcernState, Theme
from ..models import SafeguardingConcern
from . import rules


@dataclass(frozen=True)
class ConcernFacts:
    code: str
    partner: str  # the raising organisation's code
    theme: str
    occurred_at: datetime
    notify_by: datetime
    lead_notified_at: datetime | None
    state: str
    triage_by: datetime
    outcome: str = ""
    la_needed: bool | None = None
    police_needed: bool | None = None


@dataclass
class Figures:
    """One partner's figures (or everyone's)."""

    partner: str
    concerns: int = 0
    same_day: int = 0
    late: int = 0
    pending: int = 0
    triage_overdue: int = 0
    la_needed: int = 0
    police_needed: int = 0
    themes: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float | None:
        known = self.same_day + self.late
        return self.same_day / known if known else None

    @property
    def rate_percent(self) -> str:
        return "—" if self.rate is None else f"{round(self.rate * 100)}%"

    def add(self, f: ConcernFacts, status: str, overdue: bool) -> None:
        self.concerns += 1
        setattr(self, status, getattr(self, status) + 1)
        self.triage_overdue += overdue
        self.la_needed += bool(f.la_needed)
        self.police_needed += bool(f.police_needed)
        self.themes[f.theme] += 1
        self.outcomes[f.outcome or "open"] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "concerns": self.concerns,
            "same_day": self.same_day,
            "late": self.late,
            "pending": self.pending,
            "same_day_rate": None if self.rate is None else round(self.rate, 4),
            "triage_overdue": self.triage_overdue,
            "la_needed": self.la_needed,
            "police_needed": self.police_needed,
            "themes": dict(sorted(self.themes.items())),
            "outcomes": dict(sorted(self.outcomes.items())),
        }


@dataclass(frozen=True)
class WeekRate:
    week: date
    same_day: int
    known: int

    @property
    def rate(self) -> float:
        return self.same_day / self.known if self.known else 0.0


@dataclass
class Summary:
    at: datetime
    by_partner: list[Figures]
    overall: Figures
    trend: dict[str, list[WeekRate]]  # partner -> weeks with a known result, oldest first
    overdue: list[str]  # codes of concerns past their triage deadline, oldest first

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "by_partner": [f.as_dict() for f in self.by_partner],
            "overall": self.overall.as_dict(),
            "trend": {
                p: [
                    {"week": w.week.isoformat(), "same_day": w.same_day, "known": w.known}
                    for w in weeks
                ]
                for p, weeks in self.trend.items()
            },
            "triage_overdue": self.overdue,
        }


def triage_overdue(f: ConcernFacts, at: datetime) -> bool:
    """Still waiting for triage past its triage deadline."""
    return f.state == ConcernState.NEW and at >= f.triage_by


def summarise(facts: Iterable[ConcernFacts], at: datetime, tz: tzinfo) -> Summary:
    partners: dict[str, Figures] = {}
    overall = Figures("all")
    weekly: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    overdue: list[tuple[datetime, str]] = []
    for f in facts:
        status = rules.notice_status(f.lead_notified_at, f.notify_by, at)
        late_triage = triage_overdue(f, at)
        partners.setdefault(f.partner, Figures(f.partner)).add(f, status, late_triage)
        overall.add(f, status, late_triage)
        if status != "pending":
            cell = weekly[f.partner][timers.week_start(f.occurred_at, tz)]
            cell[0] += status == "same_day"
            cell[1] += 1
        if late_triage:
            overdue.append((f.triage_by, f.code))
    trend = {
        p: [WeekRate(w, c[0], c[1]) for w, c in sorted(weeks.items())]
        for p, weeks in sorted(weekly.items())
    }
    return Summary(
        at=at,
        by_partner=[partners[p] for p in sorted(partners)],
        overall=overall,
        trend=trend,
        overdue=[code for _, code in sorted(overdue)],
    )


# --- loading ----------------------------------------------------------------------------------

FIELDS = (
    "code",
    "organisation__code",
    "theme",
    "occurred_at",
    "notify_by",
    "lead_notified_at",
    "state",
    "triage_by",
    "decision__outcome",
    "decision__la_needed",
    "decision__police_needed",
)


def filtered(actor: Actor, filters: Mapping[str, Any], tz: tzinfo) -> Any:
    """The concerns `actor` may see, narrowed by partner, pathway, theme, state and the days
    they arose on (`since`, `until`: dates in the network's time zone, both included)."""
    rows = SafeguardingConcern.objects.visible_to(actor)
    if filters.get("partner"):
        rows = rows.filter(organisation__code=str(filters["partner"]).strip())
    if filters.get("pathway"):
        rows = rows.filter(pathway__code=str(filters["pathway"]).strip())
    if filters.get("theme"):
        rows = rows.filter(theme=filters["theme"])
    if filters.get("state"):
        rows = rows.filter(state=filters["state"])
    if filters.get("since"):
        rows = rows.filter(occurred_at__gte=_day_start(filters["since"], tz))
    if filters.get("until"):
        rows = rows.filter(occurred_at__lt=_day_start(filters["until"] + timedelta(days=1), tz))
    return rows


def _day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def dashboard(actor: Actor, at: datetime, filters: Mapping[str, Any], tz: tzinfo) -> Summary:
    """The figures over the concerns `actor` may see, in one query."""
    facts = [
        ConcernFacts(
            code=r[0],
            partner=r[1],
            theme=r[2],
            occurred_at=r[3],
            notify_by=r[4],
            lead_notified_at=r[5],
            state=r[6],
            triage_by=r[7],
            outcome=r[8] or "",
            la_needed=r[9],
            police_needed=r[10],
        )
        for r in filtered(actor, filters, tz).order_by("occurred_at", "id").values_list(*FIELDS)
    ]
    return summarise(facts, at, tz)


THEME_LABELS = dict(Theme.choices)
OUTCOME_LABELS = {**dict(ConcernOutcome.choices), "open": "Still open"}
