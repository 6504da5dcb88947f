"""Test helpers of escalation: the defaults loaded, and a case with a flag that fires."""

from __future__ import annotations

from datetime import datetime

from seamline.access import Actor
from seamline.cases.models import Participant, Referral
from seamline.cases.testing import make_participant, make_referral
from seamline.testing import Cast

from . import actions

SYSTEM = Actor.system("test")


def load_defaults() -> None:
    actions.load_defaults(SYSTEM)


def make_case(
    cast: Cast, received_at: datetime | None = None, family_name: str = "Lovelace"
) -> tuple[Participant, Referral]:
    """A participant whose open case on the discharge pathway Riverside owns (its coordinator)."""
    person = make_participant(cast.riverside, family_name=family_name)
    referral = make_referral(
        person, cast.discharge, cast.riverside, cast.river_coordinator, received_at=received_at
    )
    return person, referral
