"""The cover report per day and pathway (SPEC C4): duty lead, late cover, weekend stability
checks and high-risk caseloads, over a run of days, with every gap named (`rota.cover`).

Loading takes a number of queries that does not grow with the number of visits, shifts or
referrals: the pathways, the duty shifts of the days, the authorization register's facts for
the workers on them (`workforce.register.load_facts`: one load per day, every duty worker of
that day at once, as of the start of the day's first duty shift), the referral register's late
arrivals and homecomings, the visits of those coming home, and the gate (`rota.loading`) over
the days' visits for the caseloads.

What the reader sees is what they may see: visits and referrals of participants visible to
them, and the names of workers whose records they may read (others are "a worker of ORG",
cleared or not, no reasons).
"""

from __future__ import annotations

import bisect
import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from seamline.access import Actor
from seamline.cases.models import Referral
from seamline.network.choices import OrgKind, PathwayStatus
from seamline.network.models import Pathway
from seamline.workforce.authorization import judge
from seamline.workforce.models import Worker
from seamline.workforce.register import FEW, load_facts

from . import cover
from .choices import AssignmentStatus, VisitStatus
from .cover import Gap, Homecoming, OnDuty
from .gate import Gate, Settings
from .loading import Window, _frameworks, load, stored_visits
from .models import Assignment, Shift, Visit

# The longest run of days one report covers.
MAX_DAYS = 31


@dataclass
class DayCover:
    """One day on one pathway."""

    day: date
    pathway: str  # code
    pathway_name: str
    duty_leads: list[OnDuty] = field(default_factory=list)
    late_needed: bool = False
    late_referrals: int = 0
    late_cover: list[OnDuty] = field(default_factory=list)
    homecomings: list[Homecoming] = field(default_factory=list)
    high_risk_visits: int = 0
    gaps: list[Gap] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.gaps

    def gaps_of(self, check: str) -> list[Gap]:
        return [g for g in self.gaps if g.check == check]

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "pathway": self.pathway,
            "duty_leads": [_duty(d) for d in self.duty_leads],
            "late_cover_needed": self.late_needed,
            "late_referrals": self.late_referrals,
            "late_cover": [_duty(d) for d in self.late_cover],
            "stability_checks_due": len(self.homecomings),
            "stability_checks_missing": sum(1 for h in self.homecomings if not h.visited),
            "high_risk_visits": self.high_risk_visits,
            "ok": self.ok,
            "gaps": [g.as_dict() for g in self.gaps],
        }


def _duty(d: OnDuty) -> dict[str, Any]:
    return {
        "name": d.name,
        "organisation": d.organisation,
        "start": d.start.isoformat(),
        "end": d.end.isoformat(),
        "cleared": d.cleared,
        "reasons": list(d.reasons),
    }


@dataclass
class CoverReport:
    first: date
    last: date
    pathway: str | None
    organisation: str | None
    days: list[DayCover]
    peak_weeks: int = cover.PEAK_WEEKS

    @property
    def gaps(self) -> int:
        return sum(len(d.gaps) for d in self.days)

    def by_check(self) -> dict[str, int]:
        counts = dict.fromkeys(cover.CHECKS, 0)
        for d in self.days:
            for g in d.gaps:
                counts[g.check] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "pathway": self.pathway,
            "organisation": self.organisation,
            "gaps": self.gaps,
            "by_check": self.by_check(),
            "days": [d.as_dict() for d in self.days],
        }

    def lines(self) -> list[str]:
        out = []
        for d in self.days:
            state = "covered" if d.ok else f"{len(d.gaps)} gap{'s' if len(d.gaps) != 1 else ''}"
            out.append(f"{d.day:%a %d %b %Y} {d.pathway}: {state}")
            for g in d.gaps:
                out.append(f"  {g.code}: {g.message}")
        out.append(
            f"{self.gaps} gap{'s' if self.gaps != 1 else ''} over {len(self.days)} "
            f"day{'s' if len(self.days) != 1 else ''} and pathway"
            f"{'s' if len(self.days) != 1 else ''}, {self.first:%d %b} to {self.last:%d %b %Y}."
        )
        return out

    def csv_rows(self) -> list[list[object]]:
        """A row per gap (a covered day and pathway: one row with no gap)."""
        out: list[list[object]] = []
        for d in self.days:
            base: list[object] = [
                d.day.isoformat(),
                d.pathway,
                "; ".join(_named(x) for x in d.duty_leads),
                "yes" if d.late_needed else "no",
                "; ".join(_named(x) for x in d.late_cover),
                len(d.homecomings),
                sum(1 for h in d.homecomings if not h.visited),
                d.high_risk_visits,
            ]
            if not d.gaps:
                out.append([*base, "", "", ""])
            out += [[*base, g.check, g.code, g.message] for g in d.gaps]
        return out

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        writer.writerows(self.csv_rows())
        return buffer.getvalue()


def _named(duty: OnDuty) -> str:
    return f"{duty.name} ({'cleared' if duty.cleared else 'not cleared'})"


CSV_HEADER = [
    "day",
    "pathway",
    "duty_lead",
    "late_cover_needed",
    "late_cover",
    "stability_checks_due",
    "stability_checks_missing",
    "high_risk_visits",
    "check",
    "code",
    "message",
]


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time(), tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time(), tzinfo=zone),
    )


def report(
    actor: Actor,
    first: date,
    last: date,
    *,
    pathway: str | None = None,
    organisation: str | None = None,
) -> CoverReport:
    """The cover of each day from `first` to `last` (at most `MAX_DAYS`) on each active
    pathway (or `pathway`), of every partner's rota (or `organisation`'s), as `actor` may see
    it."""
    if last < first:
        first, last = last, first
    last = min(last, first + timedelta(days=MAX_DAYS - 1))
    start, end = _bounds(first, last)
    settings = Settings.current()
    pathways = Pathway.objects.filter(status=PathwayStatus.ACTIVE).order_by("code")
    if pathway:
        pathways = pathways.filter(code=pathway)
    names = dict(pathways.values_list("code", "name"))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    rows = {(day, code): DayCover(day, code, name) for day in days for code, name in names.items()}
    seen_workers = _seen_workers(actor)
    _duties(rows, start, end, organisation, seen_workers, settings)
    _late_needs(actor, rows, first, organisation)
    _homecomings(actor, rows, start, end, organisation)
    caseload = _caseloads(actor, rows, start, end, organisation, seen_workers)
    for key in sorted(rows, key=lambda k: (k[0], k[1])):
        row = rows[key]
        label = names[row.pathway]
        row.gaps += cover.duty_lead_gaps(day=row.day, pathway=label, leads=row.duty_leads)
        row.gaps += cover.late_cover_gaps(
            day=row.day,
            pathway=label,
            needed=row.late_needed,
            late_referrals=row.late_referrals,
            weeks=cover.PEAK_WEEKS,
            cover=row.late_cover,
            threshold=settings.late_threshold,
        )
        row.gaps += cover.stability_gaps(day=row.day, pathway=label, due=row.homecomings)
        row.gaps += caseload.get(key, [])
    ordered = [rows[k] for k in sorted(rows, key=lambda k: (k[0], k[1]))]
    return CoverReport(first, last, pathway, organisation, ordered)


def _seen_workers(actor: Actor) -> QuerySet[Worker] | None:
    """The workers whose records `actor` reads (None: all of them)."""
    return None if actor.is_system else Worker.objects.visible_to(actor)


def _duties(
    rows: dict[tuple[date, str], DayCover],
    start: datetime,
    end: datetime,
    organisation: str | None,
    seen_workers: QuerySet[Worker] | None,
    settings: Settings,
) -> None:
    """The duty lead and late cover shifts of the days, each worker judged for the duty by
    the authorization register: one load of facts per day for every worker on duty that day."""
    shifts = Shift.objects.planned().filter(
        starts_at__gte=start,
        starts_at__lt=end,
        duty__code__in=(cover.DUTY_LEAD_TASK, cover.LATE_COVER_TASK),
        worker__isnull=False,
    )
    if organisation:
        shifts = shifts.filter(organisation__code=organisation)
    found = list(
        shifts.order_by("starts_at", "id").values_list(
            "worker_id",
            "worker__organisation__code",
            "pathway__code",
            "duty__code",
            "starts_at",
            "ends_at",
        )
    )
    by_day: dict[date, list[tuple[Any, ...]]] = defaultdict(list)
    for row in found:
        by_day[timezone.localdate(row[4])].append(row)
    seen: set[int] | None = None
    if seen_workers is not None:
        seen = set(seen_workers.filter(pk__in={r[0] for r in found}).values_list("pk", flat=True))
    ids_all = {r[0] for r in found}
    keys = dict(Worker.objects.filter(pk__in=ids_all).values_list("pk", "uuid")) if found else {}
    # The framework versions in force over the days (one query, and one load per change).
    frameworks = _frameworks(Window(start, end, frozenset())) if found else []
    instants = [when for when, _ in frameworks]
    for day, shifts_of_day in sorted(by_day.items()):
        at = timezone.localtime(min(r[4] for r in shifts_of_day))
        framework = frameworks[max(bisect.bisect_right(instants, at) - 1, 0)][1]
        ids = sorted({r[0] for r in shifts_of_day})
        facts = {
            f.key: f
            for f in load_facts(
                Worker.objects.filter(pk__in=ids).order_by("pk"), at, framework, few=len(ids) <= FEW
            )
        }
        late_end = datetime.combine(day, settings.late_threshold, tzinfo=at.tzinfo)
        for worker_id, org, pathway, duty, starts, ends in shifts_of_day:
            day_row = rows.get((day, pathway))
            if day_row is None:
                continue
            local_start, local_end = timezone.localtime(starts), timezone.localtime(ends)
            if duty == cover.LATE_COVER_TASK and local_end <= late_end:
                continue  # ends by the late threshold: not late cover
            worker = facts.get(str(keys.get(worker_id)))
            if worker is None:
                continue
            task = framework.task(duty)
            _, cleared, reasons, _, _ = judge(worker, (task,), framework.competencies, at, pathway)[
                0
            ]
            shown = seen is None or worker_id in seen
            on_duty = OnDuty(
                name=worker.name if shown else f"a worker of {org}",
                organisation=org,
                start=local_start,
                end=local_end,
                cleared=cleared,
                reasons=tuple(r.message for r in reasons) if shown else (),
            )
            if duty == cover.DUTY_LEAD_TASK:
                day_row.duty_leads.append(on_duty)
            else:
                day_row.late_cover.append(on_duty)


def _referrals(actor: Actor, organisation: str | None) -> QuerySet[Referral]:
    found = Referral.objects.all() if actor.is_system else Referral.objects.visible_to(actor)
    if organisation:
        found = found.filter(receiving_organisation__code=organisation)
    return found


def _late_needs(
    actor: Actor, rows: dict[tuple[date, str], DayCover], first: date, organisation: str | None
) -> None:
    """Where the pathways' referral peaks need late cover: the referrals that arrived on each
    weekday from `cover.PEAK_FROM` on, over the `cover.PEAK_WEEKS` weeks before `first`."""
    since, until = _bounds(first - timedelta(weeks=cover.PEAK_WEEKS), first - timedelta(days=1))
    late: dict[tuple[str, int], int] = defaultdict(int)
    for pathway, received in (
        _referrals(actor, organisation)
        .filter(received_at__gte=since, received_at__lt=until)
        .order_by()
        .values_list("pathway__code", "received_at")
    ):
        local = timezone.localtime(received)
        if local.time() >= cover.PEAK_FROM:
            late[(pathway, local.weekday())] += 1
    for (day, pathway), row in rows.items():
        row.late_referrals = late.get((pathway, day.weekday()), 0)
        row.late_needed = cover.late_cover_needed(row.late_referrals, cover.PEAK_WEEKS)


def _homecomings(
    actor: Actor,
    rows: dict[tuple[date, str], DayCover],
    start: datetime,
    end: datetime,
    organisation: str | None,
) -> None:
    """Who came home from hospital onto each pathway in time to be due a weekend stability
    check on one of the days (a referral received from an NHS trust), and whether a worker
    visits them that day."""
    weekend = [(day, code) for day, code in rows if cover.is_weekend(day)]
    if not weekend:
        return
    found = list(
        _referrals(actor, organisation)
        .filter(
            referrer_organisation__kind=OrgKind.NHS_TRUST,
            received_at__gte=start - timedelta(hours=cover.STABILITY_HOURS),
            received_at__lt=end,
        )
        .order_by("received_at", "id")
        .values_list(
            "pathway__code", "participant_id", "participant__code", "received_at", "discharged_at"
        )
    )
    participants = {r[1] for r in found}
    visited: set[tuple[int, date]] = set()
    if participants:
        staffed = Assignment.objects.filter(visit=OuterRef("pk"), status=AssignmentStatus.ASSIGNED)
        for participant, starts in (
            Visit.objects.filter(
                participant_id__in=participants,
                status=VisitStatus.PLANNED,
                starts_at__gte=start,
                starts_at__lt=end,
            )
            .filter(Exists(staffed))
            .order_by()
            .values_list("participant_id", "starts_at")
        ):
            visited.add((participant, timezone.localdate(starts)))
    for day, code in weekend:
        day_start, day_end = _bounds(day, day)
        for pathway, participant, p_code, received, discharged in found:
            if pathway != code or (discharged is not None and discharged <= day_start):
                continue
            if cover.stability_due(received, day_start, day_end):
                rows[(day, code)].homecomings.append(
                    Homecoming(
                        participant=p_code,
                        home_at=timezone.localtime(received),
                        visited=(participant, day) in visited,
                    )
                )


def _caseloads(
    actor: Actor,
    rows: dict[tuple[date, str], DayCover],
    start: datetime,
    end: datetime,
    organisation: str | None,
    seen_workers: QuerySet[Worker] | None,
) -> dict[tuple[date, str], list[Gap]]:
    """High-risk caseloads through the gate (`rota.loading`): for each worker and rota week,
    the distinct high-risk participants they visit against the cap of the lowest stage they
    hold on those visits' competencies. A worker over the cap is a gap on each day and pathway
    they visit a high-risk participant that week."""
    visits = Visit.objects.planned().filter(starts_at__gte=start, starts_at__lt=end)
    if not actor.is_system:
        visits = visits.visible_to(actor)
    if organisation:
        visits = visits.filter(organisation__code=organisation)
    pathways = {code for _, code in rows}
    visits = visits.filter(pathway__code__in=pathways)
    facts = stored_visits(visits)
    if not facts:
        return {}
    gate = load(facts)
    seen: set[int] | None = None
    if seen_workers is not None:
        seen = set(seen_workers.filter(pk__in=list(gate.workers)).values_list("pk", flat=True))
    # (worker, week) -> the lowest cap met on a high-risk visit, its stage; and where they go.
    caps: dict[tuple[int, str], tuple[int, str | None]] = {}
    where: dict[tuple[int, str], set[tuple[date, str]]] = defaultdict(set)
    for visit in gate.visits.values():
        if not visit.high_risk:
            continue
        row = rows.get((visit.day, visit.pathway))
        if row is not None:
            row.high_risk_visits += 1
        for worker_id in visit.workers:
            stage, cap = _cap(gate, worker_id, visit)
            key = (worker_id, visit.week)
            if key not in caps or cap < caps[key][0]:
                caps[key] = (cap, stage)
            where[key].add((visit.day, visit.pathway))
    found: dict[tuple[date, str], list[Gap]] = defaultdict(list)
    for (worker_id, week), (cap, stage) in sorted(caps.items()):
        counts = gate.state.high_risk.get((worker_id, week), {})
        worker = gate.workers[worker_id]
        name = (
            worker.name
            if seen is None or worker_id in seen
            else f"a worker of {worker.organisation}"
        )
        gaps = cover.caseload_gaps(
            worker=name, participants=len(counts), cap=cap, stage=stage, week=week
        )
        if gaps:
            for place in sorted(where[(worker_id, week)]):
                if place in rows:
                    found[place] += gaps
    return found


def _cap(gate: Gate, worker_id: int, visit: Any) -> tuple[str | None, int]:
    from .rules import caseload_cap

    held = gate.held(gate.workers[worker_id], visit)
    stage = gate._lowest(held)[0] if held else None
    if not held:
        return None, max(gate.settings.caps.values())
    return stage, caseload_cap(stage, gate.settings.caps)


def default_days() -> tuple[date, date]:
    """This rota week, Monday to Sunday."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)
