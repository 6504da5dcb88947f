"""A commissioner opens the latest assurance pack and downloads its PDF, which carries the
same charts as the page."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

pytestmark = pytest.mark.browser


def test_a_commissioner_opens_the_latest_pack_and_downloads_its_pdf(
    page: Page, demo, sign_in
) -> None:
    sign_in(demo.logins["commissioner"]["username"])
    card = page.locator("section.card", has=page.locator("h2", has_text="Assurance"))
    expect(card).to_be_visible()
    card.get_by_role("link", name="All packs and trends").click()
    expect(page.locator("h1")).to_have_text("Assurance packs")
    page.get_by_role("link", name="Open the").click()
    expect(page.locator("h1")).to_contain_text("Assurance pack")
    expect(page.locator("svg.pack-chart").first).to_be_visible()
    # Commissioners see aggregates only: no drill-down to records.
    expect(page.get_by_role("link", name="records")).to_have_count(0)

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download PDF").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = PdfReader(io.BytesIO(download.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Assurance pack" in text
    assert "Sign-offs current" in text
    # The charts' month axis labels are drawn only by the SVG charts.
    months = [m for m in ("-01", "-04", "-07", "-10") if m in text]
    assert months, "the PDF carries no chart axis labels"
