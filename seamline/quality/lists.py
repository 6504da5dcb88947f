"""Corrective-action lists: the actions a reader may see, filtered, and the open and overdue
counts by owning partner (one query). Overdue: not completed and due before today
(`rules.is_overdue`; the same condition as `CorrectiveActionQuerySet.overdue`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from seamline.access import Actor

from .choices import ActionStatus
from .models import CorrectiveAction

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
