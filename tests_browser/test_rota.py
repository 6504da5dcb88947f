"""A scheduler at the keyboard: picks a visit of this week's rota and sees who may do it, and
for each blocked worker the rule and the reason; then reads the week's cover."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

RULE = re.compile(r"^G([1-9]|10)$")


def test_scheduler_checks_a_visit_and_sees_the_blocked_workers_with_reasons(
    page: Page, demo, sign_in
) -> None:
    scheduler = demo.logins["scheduler"]
    sign_in(scheduler["username"])
    page.goto(demo.url("/rota/visits/"))
    expect(page.locator("h1")).to_contain_text("Visits in week")
    first = page.locator("#results tbody tr a[href^='/rota/visits/V-']").first
    code = first.inner_text()
    first.click()
    expect(page.locator(".page-head .caption")).to_contain_text(f"Visit {code}")
    expect(page.locator("#blocked-title")).to_contain_text("Blocked")
    rows = page.locator("[data-testid=blocked] tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 0
    checked = 0
    for row in rows.all()[:10]:
        tags = row.locator("td:nth-child(2) .tag").all_inner_texts()
        if not tags:
            continue
        assert all(RULE.match(tag) for tag in tags), tags
        # Each reason is a sentence after its rule's code.
        for item in row.locator("td:nth-child(2) li").all_inner_texts():
            rule, _, sentence = item.partition(" ")
            assert RULE.match(rule) and len(sentence.split()) >= 4, item
        checked += 1
    assert checked, "no blocked worker showed a rule and a reason"


def test_scheduler_reads_the_weeks_cover_with_its_gaps(page: Page, demo, sign_in) -> None:
    sign_in(demo.logins["scheduler"]["username"])
    page.goto(demo.url("/rota/cover/?pathway=discharge"))
    expect(page.locator("h1")).to_contain_text("Cover")
    table = page.locator("#cover tbody")
    expect(table.locator("tr")).to_have_count(7)
    # The demo leaves a day without a duty lead on the discharge pathway this week.
    expect(table.locator("tr.gap").first).to_be_visible()
    expect(table).to_contain_text("duty_lead_missing")


def test_scheduler_validates_the_rota_stored_for_this_week(page: Page, demo, sign_in) -> None:
    sign_in(demo.logins["scheduler"]["username"])
    page.goto(demo.url("/rota/validate/"))
    expect(page.locator("h1")).to_contain_text("Validate a rota")
    week = page.get_by_role("textbox", name="Week").input_value()
    assert re.match(r"^\d{4}-W\d{2}$", week)  # this week, ready to ask
    page.get_by_role("button", name="Validate the week").click()
    # The demo plants violations in this week's rota: they are listed by rule and by partner.
    expect(page.locator("#result-title")).to_contain_text(f"Week {week}:")
    expect(page.locator("#result-title")).to_contain_text("violation")
    expect(page.locator("[data-testid=by-partner]")).to_be_visible()
    first_rule = page.locator("h3[id^=rule-G]").first
    expect(first_rule).to_be_visible()
    assert RULE.match(first_rule.get_attribute("id").removeprefix("rule-"))
