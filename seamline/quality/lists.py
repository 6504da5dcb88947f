"""Corrective-action lists: the actions a reader may see, filtered, and the open and overdue
counts by owning partner (one query). Overdue: not completed and due before today
(`rules.is_overdue`; the same condition as `CorrectiveActionQuerySet.overdue`).

Incident lists: the incidents a reader may see, filtered by partner, theme and severity, with
their links, in a constant number of queries; counts by theme; the CSV and JSON rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from seamline.access import Actor

from .choices import ActionStatus, IncidentSeverity, IncidentTheme
from .models import CorrectiveAction, Incident, IncidentLink

CSV_HEADER = [
    "action",
    "title",
    "source",
    "organisation",
    "owner",
    "due_on",
    "status",
    "overdue",
    "started_at",
    "completed_at",
]


@dataclass(frozen=True)
class PartnerCount:
    code: str
    name: str
    open: int
    overdue: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def corrective_actions(
    actor: Actor,
    today: date,
    *,
    partner: str = "",
    status: str = "",
    overdue: bool = False,
) -> QuerySet[CorrectiveAction]:
    return filtered(
        CorrectiveAction.objects.visible_to(actor),
        today,
        partner=partner,
        status=status,
        overdue=overdue,
    )


def filtered(
    rows: QuerySet[CorrectiveAction],
    today: date,
    *,
    partner: str = "",
    status: str = "",
    overdue: bool = False,
) -> QuerySet[CorrectiveAction]:
    rows = rows.select_related("organisation", "owner_person")
    if partner:
        rows = rows.filter(organisation__code=partner)
    if status in ActionStatus.values:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.exclude(status=ActionStatus.COMPLETED).filter(due_on__lt=today)
    return rows.order_by("due_on", "organisation__code", "created_at", "id")


def by_partner(rows: QuerySet[CorrectiveAction], today: date) -> list[PartnerCount]:
    """Open and overdue actions per owning partner, partners with none open left out."""
    open_q = ~Q(status=ActionStatus.COMPLETED)
    counted = (
        rows.order_by()
        .values("organisation__code", "organisation__name")
        .annotate(
            open=Count("id", filter=open_q),
            overdue=Count("id", filter=open_q & Q(due_on__lt=today)),
        )
        .order_by("organisation__code")
    )
    return [
        PartnerCount(r["organisation__code"], r["organisation__name"], r["open"], r["overdue"])
        for r in counted
        if r["open"]
    ]


def csv_row(a: CorrectiveAction, today: date) -> list[object]:
    return [
        str(a.uuid),
        a.title,
        a.source,
        a.organisation.code,
        a.owner_person.display_name,
        a.due_on.isoformat(),
        a.status,
        "yes" if a.is_overdue(today) else "no",
        a.started_at.isoformat(timespec="minutes") if a.started_at else "",
        a.completed_at.isoformat(timespec="minutes") if a.completed_at else "",
    ]


def as_dict(a: CorrectiveAction, today: date) -> dict[str, Any]:
    return {
        "id": str(a.uuid),
        "title": a.title,
        "description": a.description,
        "source_kind": a.source_kind,
        "source_ref": a.source_ref,
        "organisation": a.organisation.code,
        "owner": str(a.owner_person.uuid),
        "owner_name": a.owner_person.display_name,
        "due_on": a.due_on.isoformat(),
        "status": a.status,
        "overdue": a.is_overdue(today),
        "started_at": a.started_at.isoformat() if a.started_at else None,
        "completed_at": a.completed_at.isoformat() if a.completed_at else None,
    }


# --- incidents ---------------------------------------------------------------------------------

INCIDENT_CSV_HEADER = [
    "incident",
    "participant",
    "organisation",
    "theme",
    "severity",
    "occurred_at",
    "reported_at",
    "reported_by",
    "links",
    "description",
]


def incidents(
    actor: Actor,
    *,
    partner: str = "",
    theme: str = "",
    severity: str = "",
) -> QuerySet[Incident]:
    """The incidents `actor` sees, filtered, newest first, with what a row shows joined and
    their links fetched in one more query: a constant number of queries however many."""
    from django.db.models import Prefetch

    rows = Incident.objects.visible_to(actor).select_related(
        "participant", "organisation", "reported_by"
    )
    if partner:
        rows = rows.filter(organisation__code=partner.strip().lower())
    if theme in IncidentTheme.values:
        rows = rows.filter(theme=theme)
    if severity in IncidentSeverity.values:
        rows = rows.filter(severity=severity)
    links = IncidentLink.objects.select_related(
        "handoff", "escalation", "worker__organisation", "plan_version__plan__participant"
    )
    return rows.prefetch_related(Prefetch("links", queryset=links)).order_by("-occurred_at", "-id")


def incident_by_theme(rows: QuerySet[Incident]) -> list[dict[str, Any]]:
    """How many of `rows` fall in each theme (themes with none left out), one query."""
    labels = dict(IncidentTheme.choices)
    counted = rows.order_by().values("theme").annotate(n=Count("id")).order_by("theme")
    return [
        {"theme": r["theme"], "label": labels.get(r["theme"], r["theme"]), "count": r["n"]}
        for r in counted
    ]


def incident_csv_row(i: Incident) -> list[object]:
    return [
        i.code,
        i.participant.code,
        i.organisation.code,
        i.theme,
        i.severity,
        i.occurred_at.isoformat(timespec="minutes"),
        i.reported_at.isoformat(timespec="minutes"),
        i.reported_by.display_name if i.reported_by else "",
        " ".join(f"{link.kind}:{link.reference}" for link in i.links.all()),
        i.description,
    ]


def incident_dict(i: Incident) -> dict[str, Any]:
    return {
        "code": i.code,
        "participant": i.participant.code,
        "organisation": i.organisation.code,
        "theme": i.theme,
        "severity": i.severity,
        "occurred_at": i.occurred_at.isoformat(),
        "reported_at": i.reported_at.isoformat(),
        "reported_by": i.reported_by.display_name if i.reported_by else None,
        "description": i.description,
        "links": [
            {"kind": link.kind, "ref": link.reference, "note": link.note} for link in i.links.all()
        ],
    }
