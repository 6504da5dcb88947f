"""A coordinator runs the day's huddle, records a decision owned by a named worker, and the
worker finds it among their own actions."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_coordinator_records_a_huddle_decision_that_lands_in_the_owners_actions(
    page: Page, demo, sign_in
) -> None:
    coordinator = demo.logins["coordinator"]  # Riverside Home Support
    worker = demo.logins["worker"]  # a Riverside worker
    decision = f"Check the smoke alarm and the gas hob on tonight's visit ({time.time_ns()})"

    sign_in(coordinator["username"])
    page.goto(demo.url("/coordination/huddles/"))
    page.get_by_role("link", name="Rapid response").click()
    expect(page.locator("h1")).to_have_text("Rapid response")
    # The roster is sorted by risk score, highest first.
    scores = [int(s) for s in page.locator("#roster tbody tr td:first-child").all_inner_texts()]
    assert scores and scores == sorted(scores, reverse=True)

    page.get_by_role("button", name="Run today's huddle").click()
    expect(page.locator("h1")).to_contain_text("Huddle of")
    expect(page.locator("#attendees")).to_contain_text(coordinator["name"])
    first = page.locator("#roster tbody tr").first
    participant = first.locator("td").nth(1).locator("a").inner_text()
    first.get_by_role("link", name="Record a decision").click()
    expect(page.locator("h1")).to_have_text(f"Decision for {participant}")

    page.fill("textarea[name=decision]", decision)
    page.select_option("select[name=owner_organisation]", "riverside")
    page.select_option("select[name=owner_person]", label=worker["name"])
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text(f"The decision for {participant} is recorded")
    log = page.locator("#decision-log")
    expect(log).to_contain_text(decision)
    expect(log).to_contain_text(worker["name"])

    page.context.clear_cookies()
    sign_in(worker["username"])
    page.goto(demo.url("/coordination/actions/"))
    row = page.locator("table.data tbody tr", has_text=decision)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(participant)
    expect(row).to_contain_text("Huddle decision")
