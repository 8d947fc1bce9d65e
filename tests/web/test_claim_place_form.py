"""The claim form in a real browser: an ambiguous place name is said to be ambiguous, the caseworker picks one
candidate and the claim is stored with that place confirmed; the applicant's words never go into a URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from matching.gazetteer import build_gazetteer
from tests.legal_basis.helpers import new_case
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AACHEN = "geonames:3247449"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ambiguous_place_is_flagged_and_confirmed_in_the_form(
    client_for, live_server, browser_page, gazetteer_dir
) -> None:  # type: ignore[no-untyped-def]
    build_gazetteer(gazetteer_dir)  # once per session (~30 s), before the page asks for it
    case_id, _ = new_case(client_for("intake"), "V-WEB-PLACE")
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, live_server.url, "caseworker")
    page.goto(f"{live_server.url}/#/cases/{case_id}/route")
    page.click("#new-claim")
    page.fill("#claim-place", "Aken")  # Dutch for Aachen, and a town of its own on the Elbe
    expect(page.locator("#claim-place-ambiguity")).to_be_visible(timeout=15_000)
    assert "confirm one" in page.locator("#claim-place-ambiguity").inner_text()
    aachen = page.locator(f'button.suggestion[data-place-id="{AACHEN}"]')
    expect(aachen).to_be_visible()
    assert aachen.get_attribute("title")  # the reasons of its rank
    page.screenshot(path=str(ARTIFACTS / "web-claim-place-ambiguous.png"))
    aachen.click()
    expect(page.locator("#claim-place-ambiguity")).to_be_hidden()
    assert "Aachen" in page.locator("#claim-place-chosen").inner_text()
    page.fill("#claim-time", "maart 2024")
    page.click("#claim-save")
    page.wait_for_selector(".claims-table tbody tr[data-claim-id]")

    claims = client_for("caseworker").get(f"/api/v1/cases/{case_id}/claims").json()
    assert len(claims) == 1
    assert claims[0]["place_confirmed"] is True and claims[0]["place"]["id"] == AACHEN
    assert not [url for url in requested if "Aken" in url or "aken" in url.lower().split("/api/v1/")[-1]]
    assert not errors, errors
