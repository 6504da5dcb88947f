"""Access-table rows of the action pages and API (see `seamline/testing_routes.py`).

The scene: an action for a participant in Riverside's care, owned by Riverside's coordinator
role. Riverside's coordinators and partner admin complete it; its worker sees it but does not
complete it; the agency does not see it at all. The same participant is in a huddle cohort
with a huddle held: Riverside's worker reads the roster and the huddle, only its coordinators,
supervisors and partner admin run them; the agency does not see the participant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from seamline.access import Actor
from seamline.cases.choices import CareReason
from seamline.cases.testing import make_participant, make_referral
from seamline.coordination import actions
from seamline.coordination.models import Cohort, Huddle
from seamline.network.choices import OrgKind
from seamline.testing import make_org
from seamline.testing_routes import Call, page

# The referral is filled in by `refs` once it exists.
SPRINT_START_BODY: dict[str, Any] = {}
# The participant is filled in by `refs` once it exists.
DECISION_BODY: dict[str, Any] = {
    "decision": "Ring the GP",
    "owner_organisation": "riverside",
    "owner_role": "coordinator",
    "due_at": "2030-01-01T10:00:00Z",
}


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
    river = Actor.system("access tests")
    cohort = Cohort.objects.create(
        code="access-cohort",
        name="Access cohort",
        organisation=cast.riverside,
        acuity="high",
        cadence="daily",
    )
    actions.add_to_cohort(river, cohort, eve)
    entry = actions.put_on_rota(
        river, eve, cast.river_coordinator, starts_on=timezone.localdate() - timedelta(days=7)
    )
    huddle = Huddle.objects.create(
        cohort=cohort,
        held_on=timezone.localdate(),
        chair=cast.river_coordinator,
        organisation=cast.riverside,
    )
    DECISION_BODY["participant"] = eve.code
    # A post-discharge sprint: Eve home from hospital, referred by an NHS trust; a step owned
    # by Riverside's coordinators.
    trust = make_org("access-trust", OrgKind.NHS_TRUST, name="Access Hospitals")
    home = make_referral(
        eve, cast.discharge, cast.riverside, cast.river_coordinator, referrer=trust
    )
    started = actions.start_sprint(river, home)
    step = next(
        s
        for s in started.steps.select_related("action__owner_organisation").order_by("id")
        if s.action.owner_organisation_id == cast.riverside.pk
        and s.action.owner_role == "coordinator"
    )
    SPRINT_START_BODY["referral"] = home.code
    later = make_referral(
        eve, cast.discharge, cast.riverside, cast.river_coordinator, referrer=trust
    )
    return {
        "@coord_action": str(action.uuid),
        "@coord_participant": eve.code,
        "@cohort": cohort.code,
        "@huddle": str(huddle.uuid),
        "@rota_entry": str(entry.uuid),
        "@sprint": str(started.uuid),
        "@sprint_step": step.code,
        "@discharge_referral": later.code,
    }


PAGE_CASES = [
    page("coordination:today", "river_coordinator", "river_worker", 404),
    page("coordination:actions", "river_worker", "commissioner", 404),
    page(
        "coordination:action_complete",
        "river_coordinator",
        "swift_admin",
        404,
        uuid="@coord_action",
    ),
    page("coordination:gaps", "river_worker", "commissioner", 404),
    page("coordination:rota", "river_worker", "swift_admin", 404, code="@coord_participant"),
    page("coordination:absence_new", "river_coordinator", "river_worker", 404),
    page("coordination:rota_end", "river_supervisor", "river_worker", 403, uuid="@rota_entry"),
    page("coordination:cohorts", "river_worker", "commissioner", 404),
    page("coordination:cohort_new", "river_coordinator", "river_worker", 404),
    page("coordination:cohort", "river_worker", "commissioner", 404, code="@cohort"),
    page("coordination:cohort_add", "river_coordinator", "river_worker", 403, code="@cohort"),
    page("coordination:huddle_start", "river_admin", "river_worker", 403, "POST", code="@cohort"),
    page(
        "coordination:cohort_remove",
        "river_admin",
        "river_worker",
        403,
        "POST",
        code="@cohort",
        participant="@coord_participant",
    ),
    page("coordination:huddle", "river_worker", "commissioner", 404, uuid="@huddle"),
    page(
        "coordination:decision_new",
        "river_coordinator",
        "river_worker",
        403,
        uuid="@huddle",
        code="@coord_participant",
    ),
    page("coordination:sprints", "river_worker", "commissioner", 404),
    page("coordination:sprint_report", "river_worker", "commissioner", 404),
    page(
        "coordination:sprint_start",
        "river_coordinator",
        "swift_admin",
        404,
        "POST",
        code="@discharge_referral",
    ),
    page("coordination:sprint", "river_worker", "swift_admin", 404, uuid="@sprint"),
    page("coordination:records", "river_worker", "swift_admin", 404, code="@coord_participant"),
    page("coordination:documentation", "river_supervisor", "river_worker", 404),
    page("coordination:late_records", "river_supervisor", "river_worker", 404),
    page(
        "coordination:sprint_step_done",
        "river_coordinator",
        "swift_admin",
        404,
        uuid="@sprint",
        code="@sprint_step",
    ),
    page(
        "coordination:sprint_step_refuse",
        "river_coordinator",
        "swift_admin",
        404,
        uuid="@sprint",
        code="@sprint_step",
    ),
]

API_CASES = [
    Call("GET", "/api/coordination/today", "river_coordinator", "river_worker", 404),
    Call(
        "GET",
        "/api/coordination/participants/{code}/records",
        "river_worker",
        "swift_admin",
        404,
        params={"code": "@coord_participant"},
    ),
    Call(
        "POST",
        "/api/coordination/participants/{code}/records",
        "river_worker",
        "swift_admin",
        404,
        {"kind": "contact", "occurred_at": "2026-01-05T09:00:00Z", "text": "Visited"},
        params={"code": "@coord_participant"},
    ),
    Call("GET", "/api/coordination/documentation/compliance", "river_admin", "river_worker", 404),
    Call("GET", "/api/coordination/documentation/late", "river_admin", "river_worker", 404),
    Call("GET", "/api/coordination/actions", "river_worker", "commissioner", 404),
    Call(
        "POST",
        "/api/coordination/actions/{uuid}/complete",
        "river_admin",
        "river_worker",
        403,
        {"note": "Booked for Tuesday"},
        params={"uuid": "@coord_action"},
    ),
    Call(
        "GET",
        "/api/coordination/coordinator/{code}",
        "river_worker",
        "swift_admin",
        404,
        params={"code": "@coord_participant"},
    ),
    Call("GET", "/api/coordination/gaps", "river_worker", "commissioner", 404),
    Call("GET", "/api/coordination/cohorts", "river_worker", "commissioner", 404),
    Call(
        "GET",
        "/api/coordination/cohorts/{code}/roster",
        "river_worker",
        "commissioner",
        404,
        params={"code": "@cohort"},
    ),
    Call(
        "POST",
        "/api/coordination/cohorts/{code}/huddles",
        "river_admin",
        "river_worker",
        403,
        params={"code": "@cohort"},
    ),
    Call(
        "POST",
        "/api/coordination/huddles/{uuid}/decisions",
        "river_admin",
        "river_worker",
        403,
        DECISION_BODY,
        params={"uuid": "@huddle"},
    ),
    Call("GET", "/api/coordination/sprints", "river_worker", "commissioner", 404),
    Call("GET", "/api/coordination/sprints/report", "river_worker", "commissioner", 404),
    Call(
        "GET",
        "/api/coordination/sprints/{uuid}",
        "river_worker",
        "swift_admin",
        404,
        params={"uuid": "@sprint"},
    ),
    Call(
        "POST",
        "/api/coordination/sprints",
        "river_coordinator",
        "swift_admin",
        404,
        SPRINT_START_BODY,
    ),
    Call(
        "POST",
        "/api/coordination/sprints/{uuid}/steps/{code}/done",
        "river_coordinator",
        "swift_admin",
        404,
        {"note": "Summary received from the ward"},
        params={"uuid": "@sprint", "code": "@sprint_step"},
    ),
    Call(
        "POST",
        "/api/coordination/sprints/{uuid}/steps/{code}/refuse",
        "river_coordinator",
        "swift_admin",
        404,
        {
            "refusal": "Did not want the visit",
            "handling_code": "risks_explained",
            "handling_note": "Explained the risks",
        },
        params={"uuid": "@sprint", "code": "@sprint_step"},
    ),
]
