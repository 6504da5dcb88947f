"""Access-table rows of the escalation pages and API (see `seamline/testing_routes.py`).

The scene: an escalation for a participant whose case Riverside owns. Riverside's coordinator
answers it; its worker sees it but does not answer; the agency and the commissioner do not see
it at all."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from seamline.escalation import actions
from seamline.escalation.choices import Trigger
from seamline.escalation.testing import SYSTEM, load_defaults, make_case
from seamline.testing_routes import Call, page


def refs(cast: Any) -> dict[str, str]:
    load_defaults()
    person, referral = make_case(cast, family_name="Escalated")
    esc = actions.open_escalation(
        SYSTEM,
        participant=person,
        pathway=cast.discharge,
        organisation=cast.riverside,
        trigger=Trigger.ED_CONTACT,
        episode=referral.code,
        referral=referral,
        at=timezone.now(),
    )
    assert esc is not None
    return {"@escalation": esc.code}


PAGE_CASES = [
    page("escalation:list", "river_worker", "commissioner", 404),
    page("escalation:waiting", "river_worker", "commissioner", 404),
    page("escalation:thresholds", "river_worker", "commissioner", 404),
    page("escalation:thresholds_edit", "quality", "river_admin", 403),
    page("escalation:ladder_edit", "quality", "river_admin", 403, code="discharge"),
    page("escalation:detail", "river_worker", "swift_admin", 404, code="@escalation"),
    page(
        "escalation:acknowledge",
        "river_coordinator",
        "river_worker",
        403,
        "POST",
        code="@escalation",
    ),
    page("escalation:respond", "river_supervisor", "river_worker", 403, "POST", code="@escalation"),
    page("escalation:resolve", "river_coordinator", "swift_admin", 404, "POST", code="@escalation"),
]

API_CASES = [
    Call("GET", "/api/escalation/escalations", "river_worker", "commissioner", 404),
    Call(
        "GET",
        "/api/escalation/escalations/{code}",
        "river_worker",
        "swift_admin",
        404,
        params={"code": "@escalation"},
    ),
    Call(
        "POST",
        "/api/escalation/escalations/{code}/acknowledge",
        "river_admin",
        "river_worker",
        403,
        {},
        params={"code": "@escalation"},
    ),
    Call("GET", "/api/escalation/metrics", "river_worker", "commissioner", 404),
]
