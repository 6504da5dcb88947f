"""The escalation half of "who is high-risk" (SPEC section 3), plugged into `cases.risk`."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from seamline.cases.models import Participant

from .choices import Tier
from .models import Escalation


def _open_at(at: datetime) -> Q:
    return Q(raised_at__lte=at) & (Q(resolved_at__isnull=True) | Q(resolved_at__gt=at))


def open_tiers(participant: Participant, at: datetime) -> list[str]:
    return list(
        Escalation.objects.filter(_open_at(at), participant=participant).values_list(
            "tier", flat=True
        )
    )


def high_risk_ids(at: datetime) -> QuerySet[Participant]:
    urgent = Escalation.objects.filter(_open_at(at), tier__in=[Tier.IMMEDIATE, Tier.SAME_DAY])
    return Participant.objects.filter(pk__in=urgent.values("participant_id"))
