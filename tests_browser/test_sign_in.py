"""A person at the keyboard: signing in, being kept out, and a page free of CSP violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

pytestmark = pytest.mark.browser

ROLES_TO_TRY = ("network_admin", "partner_admin", "worker", "commissioner", "inspector")


@pytest.mark.parametrize("role", ROLES_TO_TRY)
def test_each_role_signs_in_to_its_home_page(page: Page, demo, sign_in, role: str) -> None:
    login = demo.logins[role]
    sign_in(login["username"])
    assert page.url == demo.url("/")
    expect(page.locator("h1")).to_have_text(login["organisation"])
    expect(page.locator("main")).to_contain_text(login["role_label"])


def test_partner_admin_gets_not_found_for_another_organisations_people(
    page: Page, demo, sign_in
) -> None:
    admin = demo.logins["partner_admin"]  # Riverside Home Support
    sign_in(admin["username"])
    own = page.goto(demo.url("/network/organisations/riverside/people/"))
    assert own is not None and own.status == 200
    response = page.goto(demo.url("/network/organisations/swiftstaff/people/"))
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator("main")).not_to_contain_text("SwiftStaff")


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    page: Page, demo, sign_in
) -> None:
    username = demo.account("swiftstaff", "worker")  # nobody else signs in as this worker
    for attempt in range(1, 6):
        sign_in(username, password=f"not-the-password-{attempt}")
        if attempt < 5:
            expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.locator("h1")).to_have_text("Account locked")
    sign_in(username)
    expect(page.locator("h1")).to_have_text("Account locked")
    assert page.url != demo.url("/")


def test_home_page_has_no_content_security_policy_violations(page: Page, demo, sign_in) -> None:
    messages: list[str] = []

    def collect(message: ConsoleMessage) -> None:
        messages.append(message.text)

    page.on("console", collect)
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    sign_in(demo.logins["network_admin"]["username"])
    page.goto(demo.url("/"))
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_be_visible()
    violations = page.evaluate("window.__cspViolations")
    csp_messages = [m for m in messages if "Content Security Policy" in m]
    assert violations == [] and csp_messages == [], (violations, csp_messages)
