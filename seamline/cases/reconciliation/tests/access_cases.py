"""Access-table rows of the reconciliation pages and API (see `seamline/testing_routes.py`).

The scene: Riverside's column mapping and one run of its list, with a row awaiting review that
proposes a participant in Riverside's care (so Riverside and the prime's quality lead see the
run, SwiftStaff does not)."""

from __future__ import annotations

from typing import Any

from seamline.cases.choices import CareReason
from seamline.cases.reconciliation.models import ListRow, Run
from seamline.cases.reconciliation.testing import HEADERS, make_mapping
from seamline.cases.testing import make_participant
from seamline.testing_routes import Call, page


def refs(cast: Any) -> dict[str, str]:
    make_mapping(cast.riverside)
    rosa = make_participant(
        cast.riverside,
        given_name="Rosa",
        family_name="Review",
        care=[(cast.riverside, CareReason.OWNER)],
    )
    run = Run.objects.create(
        organisation=cast.riverside, uploaded_by=cast.river_admin, file_digest="0" * 64, rows=1
    )
    ListRow.objects.create(
        run=run,
        row=2,
        given_name="Rosa",
        family_name="Reveiw",
        is_open=True,
        state="uncertain",
        participant=rosa,
        method="probabilistic",
        probability=0.7,
    )
    return {"@run": str(run.uuid)}


PAGE_CASES = [
    page("reconciliation:runs", "river_admin", "river_worker", 404),
    page("reconciliation:upload", "river_coordinator", "inspector", 403),
    page("reconciliation:mapping", "river_admin", "swift_admin", 404, code="riverside"),
    page("reconciliation:run", "river_supervisor", "swift_admin", 404, run="@run"),
    page("reconciliation:review", "quality", "swift_admin", 404, run="@run"),
    page(
        "reconciliation:decide",
        "river_coordinator",
        "swift_admin",
        404,
        "POST",
        row="2",
        run="@run",
    ),
]

MAPPING = {"columns": dict(HEADERS), "date_format": "%d/%m/%Y", "version": 1}
API_CASES = [
    Call("GET", "/api/reconciliation/runs", "river_admin", "river_worker", 404),
    Call(
        "POST",
        "/api/reconciliation/runs",
        "river_admin",
        "expired_key",
        401,
        ok_status=frozenset({422}),
    ),
    Call(
        "GET",
        "/api/reconciliation/runs/{uuid}",
        "quality",
        "swift_admin",
        404,
        params={"uuid": "@run"},
    ),
    Call(
        "GET",
        "/api/reconciliation/runs/{uuid}/review",
        "river_admin",
        "swift_admin",
        404,
        params={"uuid": "@run"},
    ),
    Call(
        "POST",
        "/api/reconciliation/runs/{uuid}/rows/{row}/decide",
        "river_admin",
        "swift_admin",
        404,
        {"decision": "not_same"},
        params={"uuid": "@run", "row": "2"},
    ),
    Call(
        "GET",
        "/api/reconciliation/mappings/{code}",
        "river_admin",
        "swift_admin",
        404,
        params={"code": "riverside"},
    ),
    Call(
        "PUT",
        "/api/reconciliation/mappings/{code}",
        "river_admin",
        "swift_admin",
        404,
        MAPPING,
        params={"code": "riverside"},
    ),
]
