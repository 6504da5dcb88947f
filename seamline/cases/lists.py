"""The participant and referral lists, shared by the pages, their CSV exports and the API.

Every list starts from `visible_to(actor)`, so filters, counts and searches only ever see the
records the actor may see; rows come with what they show loaded in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.utils import timezone

from seamline.access import Actor
from seamline.network.models import Organisation, Pathway, PathwayStep

from .models import CareTeamMember, Participant, ParticipantQuerySet, Referral, ReferralQuerySet
from .risk import high_risk_filter
from .rules import first_contact_standard_hours


@dataclass(frozen=True)
class ParticipantFilters:
    q: str = ""
    pathway: Pathway | None = None
    risk: str = ""  # "", "high" or "flagged"
    organisation: Organisation | None = None


def participants_for(
    actor: Actor, filters: ParticipantFilters, at: datetime | None = None
) -> ParticipantQuerySet:
    """Active participants `actor` sees, filtered, each with `high_risk` and its open referrals
    (`open_referrals`, with pathway and owner) loaded."""
    at = at or timezone.now()
    qs = Participant.objects.visible_to(actor, at).active()
    if filters.q.strip():
        qs = qs.search(filters.q)
    if filters.pathway is not None:
        on_pathway = Referral.objects.open().filter(pathway=filters.pathway)
        qs = qs.filter(pk__in=on_pathway.values("participant_id"))
    if filters.risk == "high":
        qs = qs.high_risk(at)
    elif filters.risk == "flagged":
        qs = qs.filter(
            pk__in=Participant.objects.filter(flags__raised_at__lte=at)
            .filter(Q(flags__resolved_at__isnull=True) | Q(flags__resolved_at__gt=at))
            .values("pk")
        )
    if filters.organisation is not None:
        parts = CareTeamMember.objects.active(at).filter(organisation=filters.organisation)
        qs = qs.filter(pk__in=parts.values("participant_id"))
    return (
        qs.annotate(
            high_risk=ExpressionWrapper(Q(high_risk_filter(at)), output_field=BooleanField())
        )
        .order_by("family_name", "given_name", "code")
        .prefetch_related(
            Prefetch(
                "referrals",
                queryset=Referral.objects.open()
                .select_related("pathway", "owner_organisation")
                .order_by("received_at"),
                to_attr="open_referrals",
            )
        )
    )


# --- referrals -------------------------------------------------------------------------------


def first_contact_standards() -> dict[int, int]:
    """Each pathway's first-contact standard in hours (`rules.first_contact_standard_hours`),
    by pathway id, in one query."""
    steps: dict[int, list[tuple[str, int | None]]] = {}
    for pathway_id, clock, hours in PathwayStep.objects.order_by(
        "pathway_id", "position"
    ).values_list("pathway_id", "clock_starts", "time_standard_hours"):
        steps.setdefault(pathway_id, []).append((clock, hours))
    found = {pid: first_contact_standard_hours(s) for pid, s in steps.items()}
    return {pid: hours for pid, hours in found.items() if hours is not None}


def long_wait_filter(at: datetime, standards: dict[int, int]) -> Q:
    """Open referrals without first contact once their pathway's standard has run out."""
    late = Q(pk__in=[])
    for pathway_id, hours in standards.items():
        late |= Q(pathway_id=pathway_id, received_at__lt=at - timedelta(hours=hours))
    return Q(discharged_at__isnull=True, first_contact_at__isnull=True) & late


@dataclass(frozen=True)
class ReferralFilters:
    q: str = ""
    pathway: Pathway | None = None
    owner: Organisation | None = None
    state: str = ""  # "", "open", "closed" or "long_wait"
    received_from: date | None = None
    received_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def referrals_for(
    actor: Actor, filters: ReferralFilters, at: datetime | None = None
) -> ReferralQuerySet:
    """Referrals `actor` sees, filtered, newest first, with what a row shows loaded."""
    at = at or timezone.now()
    qs = Referral.objects.visible_to(actor, at)
    text = filters.q.strip()
    if text:
        qs = qs.filter(
            Q(code__iexact=text) | Q(participant__in=Participant.objects.search(text).values("pk"))
        )
    if filters.pathway is not None:
        qs = qs.filter(pathway=filters.pathway)
    if filters.owner is not None:
        qs = qs.filter(owner_organisation=filters.owner)
    if filters.state == "open":
        qs = qs.open()
    elif filters.state == "closed":
        qs = qs.closed()
    elif filters.state == "long_wait":
        qs = qs.filter(long_wait_filter(at, first_contact_standards()))
    if filters.received_from is not None:
        qs = qs.filter(received_at__gte=_day_start(filters.received_from))
    if filters.received_to is not None:
        qs = qs.filter(received_at__lt=_day_start(filters.received_to + timedelta(days=1)))
    return qs.select_related(
        "participant",
        "pathway",
        "receiving_organisation",
        "referrer_organisation",
        "owner_organisation",
        "owner_person",
    ).order_by("-received_at", "-id")
