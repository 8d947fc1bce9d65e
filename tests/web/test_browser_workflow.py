"""The authorisation workflow through the forms, in a real browser: the intake officer opens a case, registers
the phone and requests an authorisation; another person (the authorising official) approves it; the intake
officer records consent and the information notice, and the page shows that the legal gate is open."""

from __future__ import annotations

import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_authorisation_workflow_through_the_forms(live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    page, base = browser_page, live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, base, "intake")
    page.fill("#case-reference-input", "V-FORM-0001")
    page.fill("#case-title-input", "Forms")
    page.click("#new-case button[type=submit]")
    page.wait_for_selector("#devices")
    page.click("#devices summary")
    page.select_option("#device-platform", "android")
    page.fill("#device-make", "Samsung")
    page.fill("#device-model", "SM-A515F")
    page.fill("#device-seal", "BAG-9")
    page.click("#devices form button[type=submit]")
    page.wait_for_selector("#devices td:has-text('BAG-9')")

    page.click("#request-authorisation summary")
    page.fill("#auth-purpose", "Establish the travel route stated in the account")
    page.fill("#auth-necessity", "No documents; the route cannot otherwise be established")
    page.fill("#auth-means-0", "Documents asked for")
    page.fill("#auth-means-result-0", "None available")
    page.fill("#auth-start", "2024-01-01")
    page.fill("#auth-end", "2024-12-31")
    assert page.locator("#auth-categories input:checked").count() == 1  # only location, unless chosen
    page.click("#request-authorisation button[type=submit]")
    page.wait_for_selector(".authorisation[data-status=requested]")
    gate = page.locator(".authorisation .gate")
    assert gate.get_attribute("data-may-start") == "false"
    assert gate.locator("li").count() >= 2  # says which conditions are missing
    page.click("#sign-out")

    sign_in(page, base, "authoriser")
    page.click("text=V-FORM-0001")
    page.wait_for_selector(".authorisation .decision")
    page.fill(".authorisation textarea", "Necessary and proportionate; location only")
    page.click(".authorisation button.approve")
    page.wait_for_selector(".authorisation[data-status=approved]")
    page.click("#sign-out")

    sign_in(page, base, "intake")
    page.click("text=V-FORM-0001")
    page.wait_for_selector(".authorisation[data-status=approved]")
    page.click(".authorisation details:has-text('Record consent') summary")
    page.fill(".authorisation input[id^=consent-language]", "ar")
    page.check(".authorisation input[id^=consent-explained]")
    page.click(".authorisation details:has-text('Record consent') button[type=submit]")
    page.wait_for_selector(".consent-list li")
    page.click("#notices summary")
    page.fill("#notice-language", "ar")
    page.click("#notices button[type=submit]")
    page.wait_for_selector("#notices li")
    page.wait_for_selector(".authorisation .gate[data-may-start=true]")
    page.click("#start-job summary")
    assert page.locator("#job-authorisation option").count() == 1
    page.screenshot(path=str(ARTIFACTS / "web-case-gate-open.png"), full_page=True)
    assert not errors, errors
