"""Reading the post-discharge sprint: the template, the referrals that qualify, the sprints in
progress with their clocks, and the report of which steps fail most, by partner. The writes
are in `coordination.actions`; the rules in `coordination.rules`."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from seamline.access import Actor
from seamline.cases.models import Referral
from seamline.network.choices import OrgKind

from . import rules
from .models import Sprint, SprintStep

# Kept with the templates so that it is packaged with them (package data).
TEMPLATE_FILE = Path(__file__).parent / "templates" / "coordination" / "sprint_template.json"


@dataclass(frozen=True)
class TemplateStep:
    code: str
    name: str
    day: int
    pathway_step: str


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    steps: tuple[TemplateStep, ...]


@cache
def default_template() -> Template:
    """The template the app ships (`sprint_template.json`): data, read once."""
    data = json.loads(TEMPLATE_FILE.read_text(encoding="utf-8"))
    return Template(
        data["code"],
        data["name"],
        tuple(
            TemplateStep(s["code"], s["name"], int(s["day"]), s.get("pathway_step", ""))
            for s in data["steps"]
        ),
    )


def _sprints(actor: Actor) -> QuerySet[Sprint]:
    return Sprint.objects.all() if actor.is_system else Sprint.objects.visible_to(actor)


def waiting_referrals(actor: Actor) -> QuerySet[Referral]:
    """Open discharge referrals (received from an NHS trust) the actor sees with no sprint."""
    found = Referral.objects.all() if actor.is_system else Referral.objects.visible_to(actor)
    return (
        found.filter(referrer_organisation__kind=OrgKind.NHS_TRUST, discharged_at__isnull=True)
        .exclude(Exists(Sprint.objects.filter(referral=OuterRef("pk"))))
        .select_related("participant", "pathway")
        .order_by("-received_at", "id")
    )


@dataclass
class StepRow:
    step: SprintStep
    failed: bool


@dataclass
class SprintRow:
    sprint: Sprint
    hours_left: float
    steps: int
    resolved: int
    failed: int


def in_progress(actor: Actor, now: datetime, completed: bool = False) -> list[SprintRow]:
    """Sprints (in progress, or completed) with their clocks and step counts, in two queries."""
    sprints = list(
        _sprints(actor)
        .filter(completed_at__isnull=not completed)
        .select_related("participant", "organisation", "pathway", "referral")
        .order_by("started_at", "id")
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for sprint_id, status, resolved_at, due_at in SprintStep.objects.filter(
        sprint__in=[s.pk for s in sprints]
    ).values_list("sprint_id", "status", "resolved_at", "action__due_at"):
        row = counts[sprint_id]
        row[0] += 1
        row[1] += status != "open"
        row[2] += rules.step_failed(due_at, resolved_at, now)
    return [SprintRow(s, rules.hours_left(s.started_at, now), *counts[s.pk]) for s in sprints]


def steps_of(sprint: Sprint, now: datetime) -> list[StepRow]:
    steps = sprint.steps.select_related(
        "action__owner_organisation", "action__owner_person", "resolved_by"
    ).order_by("position")
    return [StepRow(s, rules.step_failed(s.action.due_at, s.resolved_at, now)) for s in steps]


@dataclass
class ReportRow:
    partner: str
    partner_name: str
    step: str
    step_name: str
    steps: int
    failed: int
    refused: int

    @property
    def failure_rate(self) -> float:
        return round(self.failed / self.steps, 3) if self.steps else 0.0


def failure_report(
    actor: Actor,
    now: datetime,
    *,
    partner: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ReportRow]:
    """Steps that come due (due before `now`), per owning partner and template step, with how
    many failed; the most failures first. `since`/`until` bound the sprints' start."""
    found = SprintStep.objects.filter(
        sprint__in=_sprints(actor).values("pk"), action__due_at__lt=now
    )
    if partner:
        found = found.filter(action__owner_organisation__code=partner)
    if since:
        found = found.filter(sprint__started_at__gte=since)
    if until:
        found = found.filter(sprint__started_at__lt=until)
    rows: dict[tuple[str, str], ReportRow] = {}
    for org, org_name, code, name, status, resolved_at, due_at in found.values_list(
        "action__owner_organisation__code",
        "action__owner_organisation__name",
        "code",
        "name",
        "status",
        "resolved_at",
        "action__due_at",
    ):
        row = rows.setdefault((org, code), ReportRow(org, org_name, code, name, 0, 0, 0))
        row.steps += 1
        row.failed += rules.step_failed(due_at, resolved_at, now)
        row.refused += status == "refused"
    return sorted(rows.values(), key=lambda r: (-r.failed, -r.failure_rate, r.partner, r.step))


def report_json(rows: list[ReportRow]) -> list[dict[str, Any]]:
    return [
        {
            "partner": r.partner,
            "partner_name": r.partner_name,
            "step": r.step,
            "step_name": r.step_name,
            "steps": r.steps,
            "failed": r.failed,
            "refused": r.refused,
            "failure_rate": r.failure_rate,
        }
        for r in rows
    ]


def sprint_json(row: SprintRow) -> dict[str, Any]:
    s = row.sprint
    return {
        "uuid": str(s.uuid),
        "participant": s.participant.code,
        "referral": s.referral.code,
        "organisation": s.organisation.code,
        "started_at": s.started_at,
        "ends_at": s.ends_at,
        "completed_at": s.completed_at,
        "hours_left": row.hours_left,
        "steps": row.steps,
        "resolved": row.resolved,
        "failed": row.failed,
    }
