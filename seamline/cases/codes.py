"""Public codes: participants `P-004217`, referrals `R-2026-000123`.

Numbers come from a `CodeCounter` row moved on by one conditional UPDATE (`value = value + n`),
which the database serialises on SQLite and PostgreSQL alike, so two people registering at the
same moment never get the same code, and no code is computed from a MAX() that a concurrent
insert could overtake.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import CodeCounter
from .rules import participant_code, referral_code

PARTICIPANTS = "participant"


def reserve(name: str, count: int = 1) -> int:
    """Take `count` consecutive numbers of counter `name`; answers the first of them."""
    with transaction.atomic():
        if not CodeCounter.objects.filter(name=name).update(value=F("value") + count):
            try:
                with transaction.atomic():
                    CodeCounter.objects.create(name=name, value=count)
                return 1
            except IntegrityError:  # someone created it first: take ours after theirs
                CodeCounter.objects.filter(name=name).update(value=F("value") + count)
        last = CodeCounter.objects.values_list("value", flat=True).get(name=name)
    return last - count + 1


def referrals_counter(year: int) -> str:
    return f"referral-{year}"


def next_participant_code() -> str:
    return participant_code(reserve(PARTICIPANTS))


def next_referral_code(at: datetime | None = None) -> str:
    """Referral ids count within the year they are recorded in."""
    year = timezone.localdate(at or timezone.now()).year
    return referral_code(year, reserve(referrals_counter(year)))
