"""A quality lead at the keyboard: uploads a partner's caseload list and reads the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def demo_list(tmp_path_factory: pytest.TempPathFactory, partner: str) -> Path:
    """The list `seamline demo` wrote in the demo's own folder (demo-data/)."""
    found = sorted(
        tmp_path_factory.getbasetemp().glob(f"seamline-demo*/demo-data/caseload-{partner}.csv")
    )
    assert found, "seamline demo wrote no caseload list"
    return found[-1]


def test_quality_lead_uploads_a_list_and_reads_the_report(
    page: Page, demo, sign_in, tmp_path_factory: pytest.TempPathFactory
) -> None:
    lead = demo.logins["quality_lead"]  # the prime's quality lead
    sign_in(lead["username"])
    page.goto(demo.url("/reconciliation/"))
    expect(page.locator("h1")).to_have_text("Caseload reconciliation")
    expect(page.locator("svg.trend")).to_be_visible()
    page.get_by_role("link", name="Upload a caseload list").click()
    page.select_option("select[name=partner]", "riverside")
    page.set_input_files("input[name=file]", str(demo_list(tmp_path_factory, "riverside")))
    page.get_by_role("button", name="Reconcile").click()
    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_contain_text("Riverside Home Support")
    expect(page.locator("main")).to_contain_text("Reconciliation rate")
    summary = page.locator("#summary-head + .table-wrap table")
    for category in (
        "Matched",
        "Unknown to the register",
        "Open in the register, missing from the owner's list",
        "Duplicated across providers",
        "Without an owner",
        "Outcome missing",
        "Long wait for first contact",
    ):
        expect(summary).to_contain_text(category)
    # The records behind a category: a participant the quality lead can open.
    matched = page.locator("#section-matched table tbody tr").first
    expect(matched).to_be_visible()
    matched.locator("a").first.click()
    expect(page.locator("h1")).to_be_visible()
    page.go_back()
    page.goto(demo.url("/reconciliation/"))
    expect(page.locator("main table tbody")).to_contain_text("Riverside Home Support")
