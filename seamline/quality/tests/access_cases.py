"""Access-table rows of the calibration pages and API (see `seamline/testing_routes.py`).

The scene: two vignettes, an open round between Riverside and the prime, and a closed one.
The prime's quality lead keeps them; Riverside's supervisor answers for Riverside; the
agency's admin takes part in neither and sees nothing; the commissioner reads closed rounds'
statistics only."""

from __future__ import annotations

from typing import Any

from seamline.quality import actions
from seamline.testing_routes import Call, page

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


def refs(cast: Any) -> dict[str, str]:
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
    return {"@round": "r-open", "@closed_round": "r-closed", "@vignette": "v-one"}


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
