"""Access-table rows of the quality pages and API (see `seamline/testing_routes.py`).

Audits and corrective actions: the built-in templates, a Riverside urgent-visit review of
one visit today, and a corrective action Riverside's supervisor owns. Riverside's admin sees
Riverside's audits and actions; the agency's admin sees neither; workers see nothing.

The scene: two vignettes, an open round between Riverside and the prime, and a closed one.
The prime's quality lead keeps them; Riverside's supervisor answers for Riverside; the
agency's admin takes part in neither and sees nothing; the commissioner reads closed rounds'
statistics only."""

from __future__ import annotations

from typing import Any

from seamline.quality import actions
from seamline.testing_routes import Call, Page, page

ROUND_BODY = {
    "code": "r-new",
    "title": "New",
    "vignettes": ["v-one"],
    "partners": ["riverside", "northbridge"],
}
ANSWER_BODY = {
    "vignette": "v-one",
    "partner": "riverside",
    "rater": "Panel A",
    "question": "escalate",
    "answer": "yes",
}


def _calibration_and_audit_refs(cast: Any) -> dict[str, str]:
    keeper = cast.actor(cast.quality)
    for code in ("v-one", "v-two"):
        actions.add_vignette(keeper, code=code, title=code, text="A borderline case.")
    actions.open_round(
        keeper,
        code="r-open",
        title="Open",
        vignettes=["v-one", "v-two"],
        partners=["riverside", "northbridge"],
    )
    closed = actions.open_round(
        keeper,
        code="r-closed",
        title="Closed",
        vignettes=["v-one"],
        partners=["riverside", "swiftstaff"],
    )
    actions.close_round(keeper, closed)
    return {
        "@round": "r-open",
        "@closed_round": "r-closed",
        "@vignette": "v-one",
        **audit_refs(cast),
    }


def audit_refs(cast: Any) -> dict[str, str]:
    from django.utils import timezone

    from seamline.cases.testing import make_participant
    from seamline.quality.models import ScoringTemplate
    from seamline.rota.testing import make_visit

    keeper = cast.actor(cast.quality)
    actions.load_builtin_templates(keeper)
    person = make_participant(cast.riverside, given_name="Route", family_name="Visit")
    make_visit(person, cast.discharge, [], timezone.now(), organisation=cast.riverside)
    today = timezone.localdate()
    audit = actions.draw_audit(
        keeper,
        template=ScoringTemplate.objects.get(code="urgent-visit-review"),
        partner=cast.riverside,
        period_start=today,
        period_end=today,
        size=1,
        seed=1,
    )
    action = actions.raise_corrective_action(
        keeper,
        title="Review urgent visits",
        source_kind="audit",
        source_ref=audit.code,
        organisation=cast.riverside,
        owner_person=cast.river_supervisor,
        due_on=today,
    )
    return {"@audit": audit.code, "@action": str(action.uuid)}


PAGE_CASES = [
    page("quality:rounds", "river_supervisor", "river_worker", 404),
    page("quality:vignettes", "quality", "river_supervisor", 404),
    page("quality:round", "river_supervisor", "swift_admin", 404, code="@round"),
    page("quality:close", "quality", "river_supervisor", 403, "POST", code="@round"),
    page("quality:guidance", "quality", "river_supervisor", 403, "POST", code="@round"),
    page(
        "quality:answer",
        "river_supervisor",
        "swift_admin",
        404,
        "POST",
        code="@round",
        vignette="@vignette",
    ),
]

API_CASES = [
    Call("GET", "/api/quality/vignettes", "quality", "river_admin", 404),
    Call(
        "POST",
        "/api/quality/vignettes",
        "quality",
        "river_admin",
        404,
        body={"code": "v-new", "title": "New", "text": "Text"},
    ),
    Call("GET", "/api/quality/rounds", "commissioner", "river_worker", 404),
    Call("POST", "/api/quality/rounds", "quality", "river_admin", 404, body=ROUND_BODY),
    Call(
        "GET",
        "/api/quality/rounds/{code}",
        "quality",
        "swift_admin",
        404,
        params={"code": "@round"},
    ),
    Call(
        "POST",
        "/api/quality/rounds/{code}/answers",
        "quality",
        "swift_admin",
        404,
        body=ANSWER_BODY,
        params={"code": "@round"},
    ),
    Call(
        "POST",
        "/api/quality/rounds/{code}/close",
        "quality",
        "commissioner",
        404,
        params={"code": "@round"},
    ),
    Call(
        "GET",
        "/api/quality/rounds/{code}/stats",
        "commissioner",
        "river_worker",
        404,
        params={"code": "@closed_round"},
    ),
    Call(
        "POST",
        "/api/quality/rounds/{code}/guidance",
        "quality",
        "river_admin",
        404,
        body={"condition": "two falls in a week", "hours": 24, "reason": "Agreed"},
        params={"code": "@round"},
    ),
]

VISIT_ANSWERS = {
    "timely": "yes",
    "right_worker": "yes",
    "risk_reassessed": "partial",
    "follow_up": "no",
    "documented": "not_applicable",
}
DRAW_BODY = {
    "template": "urgent-visit-review",
    "partner": "riverside",
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
    "size": 2,
    "seed": 7,
}
ACTION_BODY = {
    "title": "Refresh the training",
    "source_kind": "incident",
    "source_ref": "INC-7",
    "organisation": "riverside",
    "owner": "river_supervisor",
    "due_on": "2026-12-31",
}

PAGE_CASES += [
    page("quality:templates", "quality", "river_worker", 404),
    page("quality:audits", "river_admin", "river_worker", 404),
    page("quality:audit", "river_admin", "swift_admin", 404, code="@audit"),
    page("quality:item", "river_admin", "swift_admin", 404, code="@audit", position="1"),
    page("quality:scores", "commissioner", "river_worker", 404),
    page("quality:actions", "river_admin", "river_worker", 404),
    page("quality:action", "river_admin", "swift_admin", 404, ident="@action"),
    page("quality:action_move", "river_supervisor", "swift_admin", 404, "POST", ident="@action"),
    page("quality:action_change", "river_admin", "swift_admin", 404, "POST", ident="@action"),
]

API_CASES += [
    Call("GET", "/api/quality/templates", "quality", "river_worker", 404),
    Call("GET", "/api/quality/audits", "river_admin", "river_worker", 404),
    Call("POST", "/api/quality/audits", "quality", "river_admin", 404, body=DRAW_BODY),
    Call(
        "GET",
        "/api/quality/audits/{code}",
        "river_admin",
        "swift_admin",
        404,
        params={"code": "@audit"},
    ),
    Call(
        "GET",
        "/api/quality/audits/{code}/redraw",
        "river_admin",
        "swift_admin",
        404,
        params={"code": "@audit"},
    ),
    Call(
        "POST",
        "/api/quality/audits/{code}/items/{position}/score",
        "quality",
        "swift_admin",
        404,
        body={"answers": VISIT_ANSWERS},
        params={"code": "@audit", "position": "1"},
    ),
    Call("GET", "/api/quality/scores", "commissioner", "river_worker", 404),
    Call("GET", "/api/quality/actions", "river_admin", "river_worker", 404),
    Call("POST", "/api/quality/actions", "quality", "river_worker", 404, body=ACTION_BODY),
    Call(
        "GET",
        "/api/quality/actions/{ident}",
        "river_admin",
        "swift_admin",
        404,
        params={"ident": "@action"},
    ),
    Call(
        "POST",
        "/api/quality/actions/{ident}/move",
        "river_admin",
        "swift_admin",
        404,
        body={"to": "in_progress", "evidence": "Started the review"},
        params={"ident": "@action"},
    ),
    Call(
        "POST",
        "/api/quality/actions/{ident}/change",
        "river_admin",
        "swift_admin",
        404,
        body={"owner": "river_admin", "due_on": "2026-12-31", "reason": "Handed over"},
        params={"ident": "@action"},
    ),
]


# --- incidents and due diligence ------------------------------------------------------------
#
# An incident about a participant whose case Riverside owns: Riverside's staff see it, the
# agency's admin does not (404). Due diligence is the prime's quality lead's; Riverside's admin
# reads Riverside's own review only.


ROUTE_PARTICIPANT = "P-990901"


def incident_refs(cast: Any) -> dict[str, str]:
    from django.utils import timezone

    from seamline.cases.testing import make_participant, make_referral
    from seamline.quality import actions_incidents
    from seamline.workforce.testing import make_worker

    person = make_participant(
        cast.riverside, given_name="Route", family_name="Incident", code=ROUTE_PARTICIPANT
    )
    make_referral(person, cast.discharge, cast.riverside, cast.river_coordinator)
    make_worker(cast.riverside, "RIV-ROUTE", first_name="Rita", last_name="Route")
    incident = actions_incidents.report_incident(
        cast.actor(cast.river_coordinator),
        participant=person,
        organisation=cast.riverside,
        theme="fall",
        severity="low",
        occurred_at=timezone.now(),
        description="Found on the floor at the morning visit.",
    )
    return {"@incident": incident.code, "@participant": person.code}


def refs(cast: Any) -> dict[str, str]:
    return {**_calibration_and_audit_refs(cast), **incident_refs(cast)}


INCIDENT_BODY = {
    "participant": ROUTE_PARTICIPANT,
    "organisation": "riverside",
    "theme": "missed_visit",
    "severity": "no_harm",
    "occurred_at": "2026-01-02T09:00:00Z",
    "description": "Nobody came.",
}

PAGE_CASES += [
    page("quality:incidents", "river_coordinator", "commissioner", 404),
    page("quality:incident_new", "river_coordinator", "commissioner", 404),
    page("quality:incident", "river_coordinator", "swift_admin", 404, code="@incident"),
    page(
        "quality:incident_link", "river_coordinator", "swift_admin", 404, "POST", code="@incident"
    ),
    page("quality:incident_learning", "river_admin", "swift_admin", 404, "POST", code="@incident"),
    page("quality:partners", "quality", "river_admin", 404),
    # A partner's admin is sent on to their own review; the prime's quality lead has the list.
    Page("quality:our_review", {}, "GET", "river_admin", "quality", 404, frozenset({302}), None),
    page("quality:partner", "river_admin", "swift_admin", 404, code="riverside"),
    page("quality:partner_evidence", "river_admin", "swift_admin", 404, "POST", code="riverside"),
    page("quality:partner_finding", "quality", "river_admin", 403, "POST", code="riverside"),
    page("quality:partner_decide", "quality", "river_admin", 403, "POST", code="riverside"),
]

API_CASES += [
    Call("GET", "/api/quality/incidents", "river_coordinator", "commissioner", 404),
    Call(
        "POST",
        "/api/quality/incidents",
        "river_coordinator",
        "commissioner",
        404,
        body=INCIDENT_BODY,
    ),
    Call(
        "GET",
        "/api/quality/incidents/{code}",
        "river_coordinator",
        "swift_admin",
        404,
        params={"code": "@incident"},
    ),
    Call(
        "GET",
        "/api/quality/incidents/{code}/timeline",
        "river_coordinator",
        "swift_admin",
        404,
        params={"code": "@incident"},
    ),
    Call(
        "POST",
        "/api/quality/incidents/{code}/links",
        "river_coordinator",
        "swift_admin",
        404,
        body={"kind": "worker", "ref": "riverside/RIV-ROUTE"},
        params={"code": "@incident"},
    ),
    Call(
        "POST",
        "/api/quality/incidents/{code}/learning",
        "river_admin",
        "swift_admin",
        404,
        body={"title": "Check the key safe", "owner": "river_admin", "due_on": "2026-12-31"},
        params={"code": "@incident"},
    ),
    Call("GET", "/api/quality/due-diligence", "quality", "river_admin", 404),
    Call(
        "GET",
        "/api/quality/due-diligence/{code}",
        "river_admin",
        "swift_admin",
        404,
        params={"code": "riverside"},
    ),
    Call(
        "POST",
        "/api/quality/due-diligence/{code}/evidence",
        "river_admin",
        "swift_admin",
        404,
        body={"area": "clinical_governance", "title": "Policy", "reference": "QP-1"},
        params={"code": "riverside"},
    ),
    Call(
        "POST",
        "/api/quality/due-diligence/{code}/findings",
        "quality",
        "river_admin",
        403,
        body={"area": "clinical_governance", "finding": "met"},
        params={"code": "riverside"},
    ),
    Call(
        "POST",
        "/api/quality/due-diligence/{code}/decision",
        "quality",
        "river_admin",
        403,
        body={"decision": "declined", "reason": "Not ready"},
        params={"code": "riverside"},
    ),
]
