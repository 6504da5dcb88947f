"""A supervisor at the keyboard: the team competency matrix and a worker's explanation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_supervisor_sees_the_team_competency_matrix(page: Page, demo, sign_in) -> None:
    supervisor = demo.logins["supervisor"]  # Riverside Home Support
    sign_in(supervisor["username"])
    response = page.goto(demo.url("/workforce/matrix/"))
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("Authorization register")
    table = page.locator("main table").first
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("duty_lead")


def test_supervisor_opens_a_worker_and_reads_why_a_task_is_not_cleared(
    page: Page, demo, sign_in
) -> None:
    supervisor = demo.logins["supervisor"]
    sign_in(supervisor["username"])
    page.goto(demo.url("/workforce/workers/"))
    page.locator("main table tbody tr a").first.click()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Duty lead")
