"""Access-table rows of the rota pages and API (see `seamline/testing_routes.py`).

The scene: a participant in Riverside's care on the prime's discharge pathway (so Riverside
and the prime see it, the agency does not), with a visit in two days' time to which one
Riverside worker is assigned; two Riverside workers with no sign-off of the skill the visit
needs (blocked by G2), one of them with an override; a preference of the participant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from seamline.cases.testing import make_participant, make_referral
from seamline.rota.models import Override, Preference
from seamline.rota.testing import make_visit
from seamline.testing_routes import Call, page
from seamline.workforce.testing import make_competency, make_sign_off, make_task_type, make_worker

CHECK_BODY: dict[str, Any] = {}
OVERRIDE_BODY: dict[str, Any] = {"rule": "G2", "reason": "Only cover available tonight"}


def refs(cast: Any) -> dict[str, str]:
    skill = make_competency("rota-access-skill", title="Rota access skill")
    task = make_task_type("rota-access-task", [(skill, "supervised")])
    lead = make_worker(cast.prime, "NB-ROTA-LEAD")
    ready = make_worker(cast.riverside, "RIV-ROTA-READY")
    make_sign_off(ready, skill, "independent", signer=lead)
    blocked = make_worker(cast.riverside, "RIV-ROTA-BLOCKED")
    other = make_worker(cast.riverside, "RIV-ROTA-OTHER")
    ada = make_participant(cast.riverside, given_name="Ada", family_name="Rota")
    make_referral(ada, cast.discharge, cast.riverside, cast.river_coordinator)
    start = timezone.now() + timedelta(days=2)
    visit = make_visit(ada, cast.discharge, [task], start, workers=[ready])
    override = Override.objects.create(
        visit=visit,
        worker=other,
        rule="G2",
        blocked_because="No sign-off of Rota access skill.",
        reason="Emergency cover",
        expires_at=start + timedelta(days=1),
        granted_by=cast.net_admin,
    )
    preference = Preference.objects.create(participant=ada, kind="no_temporary")
    CHECK_BODY.update(visit=visit.code, worker=str(ready.uuid))
    OVERRIDE_BODY.update(
        visit=visit.code,
        worker="riverside/RIV-ROTA-BLOCKED",
        expires_at=(start + timedelta(days=1)).isoformat(),
    )
    return {
        "@visit": visit.code,
        "@rota_participant": ada.code,
        "@rota_ready": str(ready.uuid),
        "@rota_blocked": str(blocked.uuid),
        "@override": str(override.uuid),
        "@preference": str(preference.uuid),
    }


V = "@visit"

PAGE_CASES = [
    page("rota:visits", "river_scheduler", "river_worker", 404),
    page("rota:visit", "river_scheduler", "swift_admin", 404, code=V),
    page(
        "rota:assign", "river_scheduler", "swift_admin", 404, "POST", code=V, worker="@rota_ready"
    ),
    page(
        "rota:override_new",
        "river_supervisor",
        "river_scheduler",
        403,
        code=V,
        worker="@rota_blocked",
    ),
    page("rota:overrides", "net_admin", "commissioner", 404),
    page(
        "rota:override_revoke", "river_supervisor", "swift_admin", 404, "POST", override="@override"
    ),
    page("rota:import", "river_scheduler", "river_coordinator", 403),
    page("rota:import_template", "river_admin", "river_worker", 403),
    page("rota:validate", "river_coordinator", "river_worker", 404),
    page("rota:cover", "river_scheduler", "river_worker", 404),
    page("rota:preferences", "river_coordinator", "swift_admin", 404, code="@rota_participant"),
    page(
        "rota:preference_withdraw",
        "river_coordinator",
        "river_scheduler",
        403,
        "POST",
        preference="@preference",
    ),
]

# Uploads: ninja checks the multipart body before the endpoint's access check, so the allowed
# caller's empty request answers 422; the refusal row checks token authentication (the access
# checks of both are tested through real uploads in test_api).
API_CASES = [
    Call("POST", "/api/rota/check", "river_admin", "swift_admin", 404, CHECK_BODY),
    Call(
        "POST", "/api/rota/validate", "river_admin", "expired_key", 401, ok_status=frozenset({422})
    ),
    Call("POST", "/api/rota/import", "river_admin", "expired_key", 401, ok_status=frozenset({422})),
    Call("GET", "/api/rota/visits", "river_admin", "commissioner", 403),
    Call(
        "GET",
        "/api/rota/weeks/{week}/violations",
        "river_admin",
        "commissioner",
        403,
        params={"week": "2026-W47"},
    ),
    Call(
        "GET",
        "/api/rota/visits/{code}/candidates",
        "river_admin",
        "swift_admin",
        404,
        params={"code": V},
    ),
    Call("GET", "/api/rota/overrides", "net_admin", "commissioner", 403),
    Call("GET", "/api/rota/cover", "river_admin", "commissioner", 403),
    Call("POST", "/api/rota/overrides", "net_admin", "swift_admin", 404, OVERRIDE_BODY),
    Call(
        "POST",
        "/api/rota/overrides/{override}/revoke",
        "net_admin",
        "swift_admin",
        404,
        {"reason": "Cover found"},
        params={"override": "@override"},
    ),
]
