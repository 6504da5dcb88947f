"""Access-table rows of the action pages and API (see `seamline/testing_routes.py`).

The scene: an action for a participant in Riverside's care, owned by Riverside's coordinator
role. Riverside's coordinators and partner admin complete it; its worker sees it but does not
complete it; the agency does not see it at all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from seamline.access import Actor
from seamline.cases.choices import CareReason
from seamline.cases.testing import make_participant
from seamline.coordination import actions
from seamline.testing_routes import Call, page


def refs(cast: Any) -> dict[str, str]:
    eve = make_participant(
        cast.riverside,
        given_name="Eve",
        family_name="Actioned",
        care=[(cast.riverside, CareReason.OWNER)],
    )
    action = actions.create_action(
        Actor.system("access tests"),
        eve,
        description="Book the seven-day review",
        owner_organisation=cast.riverside,
        owner_role="coordinator",
        due_at=timezone.now() + timedelta(days=2),
        source="huddle",
    )
    return {"@action": str(action.uuid)}


PAGE_CASES = [
    page("coordination:actions", "river_worker", "commissioner", 404),
    page("coordination:action_complete", "river_coordinator", "swift_admin", 404, uuid="@action"),
]

API_CASES = [
    Call("GET", "/api/coordination/actions", "river_worker", "commissioner", 404),
    Call(
        "POST",
        "/api/coordination/actions/{uuid}/complete",
        "river_admin",
        "river_worker",
        403,
        {"note": "Booked for Tuesday"},
        params={"uuid": "@action"},
    ),
]
