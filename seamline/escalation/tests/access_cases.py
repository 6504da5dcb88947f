"""Access-table rows of the escalation pages and API (see `seamline/testing_routes.py`).

The scene: an escalation for a participant whose case Riverside owns. Riverside's coordinator
answers it; its worker sees it but does not answer; the agency and the commissioner do not see
it at all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from seamline.cases.testing import make_participant, make_referral
from seamline.escalation import actions, timers
from seamline.escalation.choices import Trigger
from seamline.escalation.safeguarding import actions as safeguarding
from seamline.escalation.testing import SYSTEM, load_defaults, make_case, make_concern
from seamline.testing_routes import Call, page

# A participant with a code known in advance, for the raising call's body.
RAISED_FOR = "P-990001"


def refs(cast: Any) -> dict[str, str]:
    load_defaults()
    make_referral(
        make_participant(cast.riverside, family_name="Raised", code=RAISED_FOR),
        cast.discharge,
        cast.riverside,
        cast.river_coordinator,
    )
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
    concern = make_concern(cast, person, timezone.now() - timedelta(hours=1))
    week = timers.week_start(timezone.now(), safeguarding.network_zone())
    year, number, _ = week.isocalendar()
    return {"@escalation": esc.code, "@concern": concern.code, "@week": f"{year}-W{number:02d}"}


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
    # Safeguarding: the concern is Riverside's; the prime's quality lead is the default lead.
    page("escalation:safeguarding", "river_worker", "commissioner", 404),
    page("escalation:concern_raise", "river_worker", "commissioner", 404),
    page("escalation:triage", "river_worker", "commissioner", 404),
    page("escalation:triage_open", "quality", "river_coordinator", 403, "POST", week="@week"),
    page("escalation:safeguarding_leads", "river_worker", "commissioner", 404),
    page("escalation:concern", "river_worker", "swift_admin", 404, code="@concern"),
    page("escalation:concern_decide", "quality", "river_coordinator", 403, "POST", code="@concern"),
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
    Call("GET", "/api/escalation/safeguarding/concerns", "river_worker", "commissioner", 404),
    Call(
        "POST",
        "/api/escalation/safeguarding/concerns",
        "river_worker",
        "commissioner",
        404,
        {
            "participant": RAISED_FOR,
            "pathway": "discharge",
            "contact": "phone",
            "theme": "neglect",
            "occurred_at": "2026-01-05T10:00:00+00:00",
            "description": "No food in the house.",
        },
    ),
    Call(
        "GET",
        "/api/escalation/safeguarding/concerns/{code}",
        "river_worker",
        "swift_admin",
        404,
        params={"code": "@concern"},
    ),
    Call(
        "POST",
        "/api/escalation/safeguarding/concerns/{code}/decision",
        "quality",
        "river_coordinator",
        403,
        {"week": "2099-W01", "la_needed": False, "police_needed": False},
        params={"code": "@concern"},
    ),
    Call("GET", "/api/escalation/safeguarding/dashboard", "river_worker", "commissioner", 404),
]
