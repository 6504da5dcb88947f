"""An auditor at the keyboard: scoring a sampled handoff updates the partner's audit score."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _audit_with_an_unscored_handoff(page: Page) -> str:
    """The code of a handoff audit whose sample still has records to score."""
    for row in page.locator("table.data tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        if len(cells) == 6 and "Handoff audit" in cells[3]:
            scored, size = re.findall(r"\d+", cells[4])[:2]
            if int(scored) < int(size):
                return cells[0].split()[0]
    raise AssertionError("the audits page shows no handoff audit with records left to score")


def _score_row(page: Page, audit: dict[str, str]) -> tuple[str, str]:
    row = page.locator(
        f"#partner-scores tr[data-partner='{audit['partner']}']"
        f"[data-period='{audit['period']}'][data-template='handoff-audit']"
    )
    expect(row).to_have_count(1)
    return row.locator("td.score").inner_text(), row.locator("td").nth(4).inner_text()


def test_an_auditor_scores_a_sampled_handoff_and_the_partner_score_updates(
    page: Page, demo, sign_in
) -> None:
    sign_in(demo.logins["quality_lead"]["username"])
    page.goto(demo.url("/quality/audits/?template=handoff-audit"))
    expect(page.locator("h1")).to_have_text("Audits")
    code = _audit_with_an_unscored_handoff(page)
    page.goto(demo.url(f"/quality/audits/{code}/"))
    seed = page.locator("dl.summary code").inner_text()
    assert seed.isdigit()
    partner, period = _partner_and_period(demo, code)
    page.goto(demo.url("/quality/scores/?template=handoff-audit"))
    before, scored_before = _score_row(page, {"partner": partner, "period": period})

    page.goto(demo.url(f"/quality/audits/{code}/"))
    page.get_by_role("link", name="Score it").first.click()
    expect(page.locator("h1")).to_contain_text("Record")
    expect(page.locator("main")).to_contain_text("The record")
    # Every element missing but the summary, which does not apply here.
    for fieldset in page.locator("#scoring fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        answer = "Not applicable" if legend.startswith("Person summary") else "No"
        fieldset.get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Record the score").click()
    # The result replaces the form in place (HTMX): nothing applicable was met.
    expect(page.locator("#item-score")).to_have_text("0.0%")
    expect(page.locator("#scoring")).to_contain_text("below it")

    page.goto(demo.url("/quality/scores/?template=handoff-audit"))
    after, scored_after = _score_row(page, {"partner": partner, "period": period})
    assert int(scored_after.split()[0]) == int(scored_before.split()[0]) + 1
    assert after != before
    if before != "—":  # the month had a score already: a 0% record pulls it down
        assert float(after.rstrip("%")) < float(before.rstrip("%"))
    expect(page.locator("svg.trend")).to_be_visible()


def _partner_and_period(demo, code: str) -> tuple[str, str]:
    """The audit's partner code and month, as the command line gives them."""
    import json

    done = demo.command("quality", "audits", "redraw", code, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["same_sample"]
    listing = demo.command("quality", "scores", "--template", "handoff-audit", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    rows = json.loads(listing.stdout)
    # The audit code is "<template>-<partner>-<yyyy>-<mm>[-n]".
    match = re.match(r"handoff-audit-(?P<partner>.+)-(?P<y>\d{4})-(?P<m>\d{2})(?:-\d+)?$", code)
    assert match, code
    period = f"{match['y']}-{match['m']}"
    assert any(r["partner"] == match["partner"] and r["period"] == period for r in rows)
    return match["partner"], period
