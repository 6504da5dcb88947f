"""The escalation board at work: an escalation whose rung deadline passes climbs to the next
rung when the worker runs, and the board and the escalation's page say so."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _running_on_first_rung(page: Page) -> str:
    """The code of an open escalation on rung 1 whose deadline is still ahead."""
    for row in page.locator("table.data tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        if len(cells) == 8 and cells[5].strip() == "1" and " in " in f" {cells[6]}":
            return cells[0].strip()
    raise AssertionError("the board shows no escalation running on its first rung")


def test_a_deadline_passes_and_the_worker_climbs_the_escalation_to_the_next_rung(
    page: Page, demo, sign_in
) -> None:
    sign_in(demo.logins["quality_lead"]["username"])
    page.goto(demo.url("/escalation/"))
    expect(page.locator("h1")).to_have_text("Escalation board")
    code = _running_on_first_rung(page)

    # Time passes: the rung's deadline is now a minute ago.
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(demo.home / "seamline.sqlite3") as db:
        moved = db.execute(
            "UPDATE escalation_escalation SET due_at = ? WHERE code = ?", (past, code)
        ).rowcount
    assert moved == 1

    ran = demo.command("worker", "--once", "--format", "json")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert json.loads(ran.stdout.strip().splitlines()[-1])["climbed"] >= 1

    page.goto(demo.url("/escalation/"))
    row = page.locator("table.data tbody tr", has=page.get_by_role("link", name=code))
    expect(row.locator("td").nth(5)).to_have_text("2")
    page.get_by_role("link", name=code).click()
    expect(page.locator("h1")).to_contain_text(code)
    rung = page.locator("dl div", has=page.locator("dt", has_text="Rung")).locator("dd")
    expect(rung).to_have_text("2")
    expect(page.locator("ol.timeline")).to_contain_text("(rung 2)")
