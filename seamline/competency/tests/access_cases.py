"""Access-table rows of the framework's pages and API (see `seamline/testing_routes.py`)."""

from __future__ import annotations

from typing import Any

from seamline.access import Actor
from seamline.competency import actions
from seamline.competency.defaults import DEFAULT_FRAMEWORK
from seamline.competency.models import Competency
from seamline.testing_routes import Call, page

MODULE_CODE = "RHS-DOC.1"


def refs(cast: Any) -> dict[str, str]:
    actions.apply_framework(Actor.system("access tests"), DEFAULT_FRAMEWORK, "Access tests")
    module = actions.add_partner_module(
        cast.actor(cast.river_admin), cast.riverside, code=MODULE_CODE, title="Record keeping"
    )
    actions.add_module_mapping(
        cast.actor(cast.river_admin),
        module,
        Competency.objects.get(code="documentation_quality"),
        "exact",
    )
    return {"@module": module.code}


PAGE_CASES = [
    page("competency:overview", "river_worker", "", 302),
    page(
        "competency:competency",
        "commissioner",
        "river_worker",
        404,
        code="safeguarding",
        missing={"code": "no-such-competency"},
    ),
    page("competency:competency_new", "quality", "river_admin", 403),
    page("competency:competency_edit", "net_admin", "river_admin", 403, code="safeguarding"),
    page(
        "competency:competency_retire",
        "quality",
        "river_supervisor",
        403,
        "POST",
        code="preventing_radicalisation",
    ),
    page(
        "competency:task_type",
        "inspector",
        "river_worker",
        404,
        code="duty_lead",
        missing={"code": "no-such-task"},
    ),
    page("competency:task_type_new", "quality", "swift_admin", 403),
    page("competency:task_type_edit", "quality", "river_admin", 403, code="duty_lead"),
    page(
        "competency:task_type_retire", "quality", "river_admin", 403, "POST", code="companionship"
    ),
    page("competency:versions", "river_worker", "", 302),
    page("competency:version_diff", "commissioner", "", 302),
    page(
        "competency:version",
        "river_worker",
        "river_worker",
        404,
        number="1",
        missing={"number": "999"},
    ),
    page("competency:catalogues", "commissioner", "", 302),
    page(
        "competency:catalogue",
        "swift_worker",
        "swift_worker",
        404,
        org="riverside",
        missing={"org": "no-such-org"},
    ),
    page("competency:module_add", "river_admin", "swift_admin", 403, "POST", org="riverside"),
    page(
        "competency:mapping_add",
        "river_admin",
        "swift_admin",
        403,
        "POST",
        org="riverside",
        module="@module",
    ),
    page(
        "competency:mapping_remove",
        "quality",
        "swift_admin",
        403,
        "POST",
        org="riverside",
        module="@module",
        competency="documentation_quality",
    ),
    page("competency:coverage", "commissioner", "", 302),
]

SMALL_FRAMEWORK = {
    "competencies": [
        {
            "code": "safeguarding",
            "title": "Safeguarding practice",
            "domain": "safeguarding",
            "stages": {"induction": ["module"]},
        }
    ],
    "task_types": [],
    "reason": "Trying a smaller framework",
    "dry_run": True,
}

API_CASES = [
    Call("GET", "/api/framework", "river_worker", "expired_key", 401),
    Call("GET", "/api/framework/versions", "commissioner", "expired_key", 401),
    Call(
        "GET",
        "/api/framework/versions/{number}",
        "river_worker",
        "river_worker",
        404,
        params={"number": "1"},
        refused_path={"number": "999"},
    ),
    Call("GET", "/api/framework/diff", "river_worker", "expired_key", 401, query="from=1&to=1"),
    Call("POST", "/api/framework/import", "quality", "river_admin", 403, SMALL_FRAMEWORK),
    Call(
        "GET",
        "/api/framework/partners/{org}/modules",
        "swift_admin",
        "swift_admin",
        404,
        params={"org": "riverside"},
        refused_path={"org": "no-such-org"},
    ),
    Call(
        "POST",
        "/api/framework/partners/{org}/modules",
        "river_admin",
        "swift_admin",
        403,
        {"code": "RHS-FIRE.2", "title": "Fire safety at home", "refresher_months": 24},
        params={"org": "riverside"},
    ),
    Call(
        "POST",
        "/api/framework/partners/{org}/modules/{module}/mappings",
        "river_admin",
        "swift_admin",
        403,
        {"competency": "handling_information", "kind": "part_of"},
        params={"org": "riverside", "module": "@module"},
    ),
    Call(
        "DELETE",
        "/api/framework/partners/{org}/modules/{module}/mappings/{competency}",
        "net_admin",
        "swift_admin",
        403,
        params={"org": "riverside", "module": "@module", "competency": "documentation_quality"},
    ),
    Call("GET", "/api/framework/coverage", "commissioner", "expired_key", 401),
]
