"""Test helpers of escalation: the defaults loaded, and a case with a flag that fires."""

from __future__ import annotations

from datetime import datetime

from seamline.access import Actor
from seamline.cases.models import Participant, Referral
from seamline.cases.testing import make_participant, make_referral
from seamline.testing import Cast

from . import actions
from .models import SafeguardingConcern

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


def make_concern(
    cast: Cast,
    person: Participant,
    occurred_at: datetime,
    *,
    recorded_at: datetime | None = None,
    theme: str = "neglect",
    by: str = "river_worker",
) -> SafeguardingConcern:
    """A concern raised by a Riverside worker (by default) on the discharge pathway."""
    from .safeguarding import actions as safeguarding

    return safeguarding.raise_concern(
        cast.actor(cast[by]),
        person,
        cast.discharge,
        contact="home_visit",
        theme=theme,
        description="No food in the house.",
        occurred_at=occurred_at,
        at=recorded_at or occurred_at,
    )
