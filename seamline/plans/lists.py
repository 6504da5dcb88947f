"""The acknowledgement lists (waiting for an organisation; overdue across the partners the
viewer sees) and the overdue counts by partner that the assurance metrics read."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count

from seamline.access import Actor

from .models import Acknowledgement, AcknowledgementQuerySet


def acknowledgements(
    actor: Actor,
    show: str,
    at: datetime,
    *,
    organisation: str = "",
    participant: str = "",
) -> AcknowledgementQuerySet:
    """`waiting`: pending acknowledgements asked of the actor's organisation, oldest due first;
    `overdue`: pending past their due time, for every organisation, on plans the actor sees.
    Either narrowed to one partner (`organisation` code) or one participant."""
    rows = Acknowledgement.objects.visible_to(actor).select_related(
        "organisation", "version__plan__participant", "version__author"
    )
    if show == "overdue":
        rows = rows.overdue(at)
    else:
        rows = rows.pending().filter(organisation=actor.organisation)
    if organisation:
        rows = rows.filter(organisation__code=organisation.strip().lower())
    if participant:
        rows = rows.filter(version__plan__participant__code=participant.strip().upper())
    return rows.order_by("due_at", "id")


def overdue_counts_by_partner(at: datetime) -> dict[str, int]:
    """Pending acknowledgements past due at `at`, counted by the organisation asked (code ->
    count; partners with none are left out). Network-wide figures for the assurance pack,
    which shows them to those who see aggregates."""
    rows = (
        Acknowledgement.objects.overdue(at)
        .values("organisation__code")
        .annotate(n=Count("id"))
        .order_by("organisation__code")
    )
    return {r["organisation__code"]: r["n"] for r in rows}
