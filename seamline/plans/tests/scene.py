"""The scene the plan tests share: Ada, in the care of Riverside (owner) and Northbridge
(prime), and a plan content to start from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from seamline.cases.choices import CareReason
from seamline.cases.models import Participant
from seamline.cases.testing import add_to_care_team, make_participant
from seamline.testing import Cast

# Well before any instant the tests write at, so the care team is in place then.
CARE_FROM = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def ada(cast: Cast, code: str = "") -> Participant:
    participant = make_participant(cast.riverside, code=code)
    add_to_care_team(participant, cast.riverside, CareReason.OWNER, started_at=CARE_FROM)
    add_to_care_team(participant, cast.prime, CareReason.PRIME, started_at=CARE_FROM)
    return participant


def first_content() -> dict[str, Any]:
    return {
        "risks": [{"title": "Falls at night", "level": "high"}],
        "controls": [
            {"description": "Evening visit checks the walking frame", "organisation": "riverside"},
            {"description": "Weekly nurse review", "organisation": "northbridge"},
        ],
        "preferences": ["Tea without sugar"],
        "consent_summary": "Shares with everyone involved",
    }
