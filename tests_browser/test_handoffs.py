"""A receiver at the keyboard: accepting a handoff with a repeat-back moves the case to them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Riverside staff who may own a case, and so accept a handoff if the register clears them.
OWNER_ROLES = {"partner_admin", "supervisor", "coordinator", "worker", "quality_lead"}
CLEARED = "The register shows you cleared for handoff receipt now."


def _riverside_staff(demo) -> list[dict]:
    printed = [demo.logins[r] for r in ("supervisor", "coordinator", "worker", "partner_admin")]
    others = [
        a
        for a in demo.accounts
        if a["organisation"] == "riverside" and OWNER_ROLES & set(a["roles"])
    ]
    seen: dict[str, dict] = {}
    for account in printed + others:
        seen.setdefault(account["username"], account)
    return list(seen.values())


def _waiting_complete_handoff(page: Page, demo) -> str | None:
    page.goto(demo.url("/handoffs/inbox/"))
    for row in page.locator("#results tbody tr").all():
        text = row.inner_text()
        if "Sent" in text and "mandatory missing" not in text and "Overdue" not in text:
            return row.locator("a").first.inner_text()
    return None


def test_receiver_accepts_with_a_repeat_back_and_the_case_owner_changes(
    page: Page, demo, sign_in
) -> None:
    chosen = None
    for account in _riverside_staff(demo):
        page.context.clear_cookies()
        sign_in(account["username"])
        code = _waiting_complete_handoff(page, demo)
        if code is None:
            continue
        page.goto(demo.url(f"/handoffs/{code}/accept/"))
        if page.get_by_text(CLEARED).count():
            chosen = (account, code)
            break
    assert chosen is not None, "no Riverside person cleared for handoff receipt found a handoff"
    account, code = chosen
    expect(page.locator("h1")).to_have_text(f"Accept {code}")
    # Before acceptance the wider record is not open to the receiver.
    page.fill(
        "textarea[name=repeat_back_risk]",
        "She is at high risk right now, mostly of falling at night",
    )
    page.fill(
        "textarea[name=repeat_back_escalation]",
        "For a fall or new confusion I ring an ambulance first, then the duty line",
    )
    page.get_by_role("button", name="Accept the handoff").click()
    expect(page.locator(".messages")).to_contain_text(f"{code} is accepted")
    expect(page.locator("main")).to_contain_text("Repeat-back")
    expect(page.locator("main")).to_contain_text("mostly of falling at night")
    # The case now belongs to the person who accepted it.
    page.locator("main dl.summary a[href^='/cases/referrals/']").first.click()
    owner = page.locator("dl.summary div", has_text="Owner")
    expect(owner).to_contain_text(account["name"])
    expect(owner).to_contain_text("Riverside Home Support")
    expect(page.locator("main")).to_contain_text(f"handoff:{code}")
