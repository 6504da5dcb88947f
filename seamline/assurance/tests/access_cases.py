"""Access-table rows of the assurance pages and API (see `seamline/testing_routes.py`).

The scene: the September 2026 pack, issued by the system. Commissioners read packs (not the
records behind them); a partner's admin drills into its own records; workers see no pack; only
the prime's quality lead or admin builds one."""

from __future__ import annotations

from datetime import date
from typing import Any

from seamline.access import Actor
from seamline.assurance.build import build_pack
from seamline.testing_routes import Call, page

PERIOD = "2026-09"


def refs(cast: Any) -> dict[str, str]:
    build_pack(Actor.system("test"), date(2026, 9, 1))
    return {"@period": PERIOD}


PAGE_CASES = [
    page("assurance:packs", "commissioner", "river_worker", 404),
    page("assurance:packs", "quality", "river_admin", 403, method="POST"),
    page("assurance:pack", "commissioner", "river_worker", 404, period="@period"),
    page("assurance:pack_pdf", "commissioner", "river_worker", 404, period="@period"),
    page("assurance:pack_csv", "river_admin", "river_worker", 404, period="@period"),
    page("assurance:pack_json", "inspector", "swift_worker", 404, period="@period"),
    page(
        "assurance:drill",
        "river_admin",
        "commissioner",
        404,
        period="@period",
        code="signoff_currency",
    ),
]

API_CASES = [
    Call("GET", "/api/assurance/packs", "commissioner", "river_worker", 404),
    Call(
        "GET",
        "/api/assurance/packs/{period}",
        "commissioner",
        "river_worker",
        404,
        params={"period": "@period"},
    ),
    Call("POST", "/api/assurance/packs", "quality", "river_admin", 403, body={"period": "2026-08"}),
]
