"""Access-table rows of the handoff pages and API (see `seamline/testing_routes.py`).

The scene (`handoffs.testing.build_scene`): cases owned by the prime, handed to Riverside: a
draft (the prime's alone), one sent, one rejected, one accepted by Riverside's worker (who is
cleared for handoff receipt); the prime's quality lead's audit sample. The agency sees none of
it; commissioners see no handoff at all."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from seamline.handoffs.bundles import DEFAULT_TEMPLATES
from seamline.handoffs.scoring import CRITERIA
from seamline.handoffs.testing import build_scene
from seamline.testing_routes import Call, page

CREATE_BODY: dict[str, Any] = {
    "template": "hospital_discharge",
    "receiving_organisation": "riverside",
}
SCORE_BODY: dict[str, Any] = {"ratings": {c.code: "yes" for c in CRITERIA}}
LEVELS = next(t.levels for t in DEFAULT_TEMPLATES if t.transition == "hospital_discharge")


def refs(cast: Any) -> dict[str, str]:
    scene = build_scene(cast)
    CREATE_BODY["referral"] = scene.free.code
    first = scene.sample.items.first()
    assert first is not None
    SCORE_BODY["handoff"] = first.handoff.code
    return {
        "@draft": scene.draft.code,
        "@sent": scene.sent.code,
        "@rejected": scene.rejected.code,
        "@accepted": scene.accepted.code,
        "@sample": str(scene.sample.uuid),
        "@sample_item": first.handoff.code,
    }


D, S, J, A = "@draft", "@sent", "@rejected", "@accepted"
TODAY = timezone.localdate().isoformat()

PAGE_CASES = [
    page("handoffs:inbox", "river_worker", "commissioner", 404),
    page("handoffs:outbox", "prime_worker", "commissioner", 404),
    page("handoffs:new", "prime_worker", "river_scheduler", 403),
    page("handoffs:handoff", "river_worker", "swift_admin", 404, code=S),
    page("handoffs:edit", "prime_worker", "river_coordinator", 404, code=D),
    page("handoffs:send", "prime_worker", "river_coordinator", 404, code=D),
    page("handoffs:accept", "river_coordinator", "prime_worker", 403, code=S),
    page("handoffs:reject", "river_worker", "net_admin", 403, code=S),
    page("handoffs:request_info", "river_supervisor", "swift_admin", 404, code=S),
    page("handoffs:withdraw", "prime_worker", "river_admin", 403, code=S),
    page("handoffs:resolve", "quality", "river_coordinator", 403, code=J),
    page("handoffs:mismatch", "prime_worker", "river_worker", 403, code=A),
    page("handoffs:templates", "river_worker", "commissioner", 404),
    page("handoffs:templates_load", "quality", "river_admin", 403, "POST"),
    page("handoffs:template", "river_worker", "commissioner", 404, transition="hospital_discharge"),
    page("handoffs:template_edit", "quality", "river_admin", 403, transition="hospital_discharge"),
    page("handoffs:audits", "quality", "river_worker", 404),
    page("handoffs:sample_new", "quality", "river_worker", 403),
    page("handoffs:sample", "quality", "river_supervisor", 404, uuid="@sample"),
    page("handoffs:score", "quality", "river_supervisor", 404, uuid="@sample", code="@sample_item"),
]

API_CASES = [
    Call("GET", "/api/handoffs", "river_worker", "commissioner", 404),
    Call("POST", "/api/handoffs", "net_admin", "swift_admin", 404, CREATE_BODY),
    Call("GET", "/api/handoffs/templates", "river_worker", "commissioner", 404),
    Call(
        "GET",
        "/api/handoffs/templates/{transition}",
        "river_worker",
        "commissioner",
        404,
        params={"transition": "hospital_discharge"},
    ),
    Call(
        "POST",
        "/api/handoffs/templates/{transition}/versions",
        "quality",
        "river_admin",
        403,
        {"levels": LEVELS, "reason": "Agreed at the governance meeting"},
        params={"transition": "hospital_discharge"},
    ),
    Call("GET", "/api/handoffs/overdue", "river_worker", "commissioner", 404),
    Call(
        "POST",
        "/api/handoffs/audit-samples",
        "quality",
        "river_worker",
        403,
        {"period_start": TODAY, "period_end": TODAY, "size": 2},
    ),
    Call(
        "GET",
        "/api/handoffs/audit-samples/{uuid}",
        "quality",
        "river_admin",
        404,
        params={"uuid": "@sample"},
    ),
    Call(
        "POST",
        "/api/handoffs/audit-samples/{uuid}/scores",
        "quality",
        "river_admin",
        404,
        SCORE_BODY,
        params={"uuid": "@sample"},
    ),
    Call("GET", "/api/handoffs/{code}", "river_worker", "swift_admin", 404, params={"code": S}),
    Call(
        "PATCH",
        "/api/handoffs/{code}",
        "net_admin",
        "river_admin",
        404,
        {"content": {"consent": "given"}},
        params={"code": D},
    ),
    Call(
        "POST", "/api/handoffs/{code}/send", "net_admin", "river_admin", 404, {}, params={"code": D}
    ),
    Call(
        "POST",
        "/api/handoffs/{code}/accept",
        "river_worker",
        "net_admin",
        403,
        {
            "risk_status": "High risk of falls at night",
            "escalation": "Ring 999 for a fall, then the duty line",
        },
        params={"code": S},
    ),
    Call(
        "POST",
        "/api/handoffs/{code}/reject",
        "river_admin",
        "quality",
        403,
        {"reason": "no_capacity", "text": "Full until Monday"},
        params={"code": S},
    ),
    Call(
        "POST",
        "/api/handoffs/{code}/request-info",
        "river_worker",
        "swift_admin",
        404,
        {"text": "Which pharmacy holds the new prescription?"},
        params={"code": S},
    ),
    Call(
        "POST",
        "/api/handoffs/{code}/withdraw",
        "net_admin",
        "river_admin",
        403,
        {"text": "Sent to the wrong team"},
        params={"code": S},
    ),
    Call(
        "POST",
        "/api/handoffs/{code}/resolve",
        "quality",
        "river_worker",
        403,
        {"note": "Kept the case; Hearth will help instead"},
        params={"code": J},
    ),
    Call(
        "POST",
        "/api/handoffs/{code}/mismatch",
        "net_admin",
        "river_admin",
        403,
        {"note": "The duty line is the first call, not 999"},
        params={"code": A},
    ),
]
