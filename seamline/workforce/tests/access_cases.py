"""Access-table rows of the workforce pages and API (see `seamline/testing_routes.py`).

Rows of the record-keeping pages first; the imports and work lists keep theirs in the marked
section at the end."""

from __future__ import annotations

from datetime import date
from typing import Any

from seamline.testing_routes import page
from seamline.workforce.testing import (
    at,
    make_competency,
    make_pause,
    make_session,
    make_sign_off,
    make_task_type,
    make_worker,
)


def refs(cast: Any) -> dict[str, str]:
    skill = make_competency("records-access-skill", title="Records access skill")
    lead = make_worker(cast.riverside, "RIV-REC-LEAD", first_name="Rhea", last_name="Lead")
    worker = make_worker(cast.riverside, "RIV-REC-1", first_name="Remy", last_name="Record")
    nurse = make_worker(cast.prime, "NB-REC-1", first_name="Nell", last_name="Nurse")
    make_sign_off(lead, skill, "independent", signer=nurse)
    sign_off = make_sign_off(worker, skill, "induction", signer=lead)
    session = make_session(worker, lead, date(2026, 3, 2))
    task = make_task_type("records-access-task", delegated=True, risk_tier=3)
    pause = make_pause(worker, task, at(date(2026, 3, 2)))
    return {
        "@rec_worker": str(worker.uuid),
        "@rec_sign_off": str(sign_off.uuid),
        "@rec_session": str(session.uuid),
        "@rec_pause": str(pause.uuid),
    }


W = "@rec_worker"

PAGE_CASES = [
    page("workforce:worker_list", "river_coordinator", "commissioner", 404),
    page("workforce:worker_new", "river_admin", "river_coordinator", 403),
    page("workforce:worker_edit", "river_supervisor", "swift_admin", 404, worker=W),
    page("workforce:evidence_new", "river_supervisor", "swift_admin", 404, worker=W),
    page("workforce:sign_off_new", "river_supervisor", "swift_admin", 404, worker=W),
    page(
        "workforce:sign_off_revoke",
        "river_supervisor",
        "swift_admin",
        404,
        "POST",
        sign_off="@rec_sign_off",
    ),
    page("workforce:assessor_new", "quality", "river_coordinator", 403, worker=W),
    page("workforce:supervision_new", "river_supervisor", "inspector", 403, worker=W),
    page(
        "workforce:supervision_held",
        "river_supervisor",
        "swift_admin",
        404,
        "POST",
        session="@rec_session",
    ),
    page("workforce:enhanced_new", "net_admin", "river_scheduler", 403, worker=W),
    page("workforce:placement_new", "river_admin", "swift_admin", 404, worker=W),
    page("workforce:pause_new", "river_supervisor", "river_worker", 404, worker=W),
    page(
        "workforce:pause_lift",
        "river_supervisor",
        "swift_admin",
        404,
        "POST",
        pause="@rec_pause",
    ),
    page("workforce:pathway_assign", "river_admin", "commissioner", 404, worker=W),
]


# --- register ---
# The authorization register: the team matrix, the worker's page and the two API reads (the
# worker is the one `refs` above makes; `duty_lead` is a task type of the default framework).
from seamline.testing_routes import Call  # noqa: E402

PAGE_CASES += [
    page("workforce:matrix", "river_supervisor", "river_worker", 404),
    page("workforce:worker", "river_supervisor", "swift_admin", 404, worker=W),
]
API_CASES = [
    *globals().get("API_CASES", []),
    Call("GET", "/api/authz/register", "river_admin", "expired_key", 401),
    Call(
        "GET",
        "/api/authz/check",
        "river_admin",
        "swift_admin",
        404,
        query=f"worker={W}&task_type=duty_lead",
    ),
]


# --- imports and work lists ---
# The work lists are for those who look after workers (a worker sees none of them); the import
# page and its templates are for partner admins and the network admin. The API route
# POST /api/imports/{kind} gets its row once the router is mounted.
PAGE_CASES += [
    page("workforce:worklists", "river_supervisor", "river_worker", 403),
    page("workforce:worklist_expiring", "river_admin", "river_worker", 403),
    page("workforce:worklist_supervision", "river_supervisor", "commissioner", 403),
    page("workforce:worklist_pauses", "quality", "river_worker", 403),
    page("workforce:worklist_bundles", "swift_admin", "swift_worker", 403),
    page("workforce:worklist_revalidation", "river_coordinator", "river_worker", 403),
    page("workforce:import_upload", "river_admin", "river_supervisor", 403),
    page("workforce:import_template", "net_admin", "inspector", 403, kind="workers"),
]
# Imports API: ninja checks the multipart body before the endpoint's access check, so the
# allowed caller's empty request answers 422; the refusal row checks token authentication.
API_CASES += [
    Call(
        "POST",
        "/api/imports/{kind}",
        "river_admin",
        "expired_key",
        401,
        params={"kind": "workers"},
        ok_status=frozenset({422}),
    )
]
