"""Access-table rows of the plan pages and API (see `seamline/testing_routes.py`).

The scene: a plan for a participant in Riverside's care (owner) and the prime's, written by
Riverside's coordinator in two versions, the second a risk change that opened a review and
asked the prime to acknowledge. Riverside's worker reads it but does not revise it; the agency
does not see it at all; the prime's network admin acknowledges for the prime."""

from __future__ import annotations

from typing import Any

from seamline.plans import actions
from seamline.testing_routes import Call, page

from .scene import ada, first_content

REVISED = first_content()
REVISED["preferences"] = ["Coffee, not tea"]
REVISE_BODY: dict[str, Any] = {**REVISED, "reason": "She asked for coffee", "version": 2}


def refs(cast: Any) -> dict[str, str]:
    fay = ada(cast)
    coordinator = cast.actor(cast.river_coordinator)
    actions.revise_plan(coordinator, fay, content=first_content(), reason="Agreed", version=0)
    changed = first_content()
    changed["risks"][0]["level"] = "medium"
    version = actions.revise_plan(coordinator, fay, content=changed, reason="Rail", version=1)
    return {"@plan": fay.code, "@plan_review": str(version.plan.reviews.get().uuid)}


PAGE_CASES = [
    page("plans:acknowledgements", "river_worker", "commissioner", 404),
    page("plans:plan", "river_worker", "swift_admin", 404, code="@plan"),
    page("plans:history", "river_worker", "swift_admin", 404, code="@plan"),
    page("plans:edit", "river_coordinator", "river_worker", 403, code="@plan"),
    page("plans:acknowledge", "net_admin", "swift_admin", 404, code="@plan", number="2"),
    page("plans:follow_up", "river_coordinator", "swift_admin", 404, code="@plan", number="2"),
    page(
        "plans:review_complete",
        "river_supervisor",
        "river_worker",
        403,
        code="@plan",
        uuid="@plan_review",
    ),
]

API_CASES = [
    Call("GET", "/api/plans/acknowledgements", "river_worker", "commissioner", 404),
    Call("GET", "/api/plans/{code}", "river_worker", "swift_admin", 404, params={"code": "@plan"}),
    Call(
        "GET",
        "/api/plans/{code}/versions",
        "river_worker",
        "swift_admin",
        404,
        params={"code": "@plan"},
    ),
    Call(
        "POST",
        "/api/plans/{code}/versions",
        "river_admin",
        "river_worker",
        403,
        REVISE_BODY,
        params={"code": "@plan"},
    ),
    Call(
        "POST",
        "/api/plans/{code}/versions/{number}/acknowledge",
        "net_admin",
        "swift_admin",
        404,
        params={"code": "@plan", "number": "2"},
    ),
    Call(
        "POST",
        "/api/plans/{code}/versions/{number}/actions",
        "river_admin",
        "swift_admin",
        404,
        {
            "description": "Order a bed rail",
            "owner_organisation": "riverside",
            "owner_role": "coordinator",
            "due_at": "2030-01-01T10:00:00Z",
        },
        params={"code": "@plan", "number": "2"},
    ),
    Call(
        "POST",
        "/api/plans/{code}/reviews/{uuid}/complete",
        "river_admin",
        "river_worker",
        403,
        {"outcome": "Rail fitted; evening visit stays"},
        params={"code": "@plan", "uuid": "@plan_review"},
    ),
]
