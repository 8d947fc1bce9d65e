"""The web UI in a real browser (Debian's chromium through Playwright) against the app on loopback.

One case is extracted from the simulated Android phone, claims are entered and compared; the caseworker first
sees that the findings are not released, then (after a legal reviewer released them) the route on the map,
a claim's evidence highlighted, and the page in Dutch. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import catalogue
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from tests.api.job_helpers import open_gate_case, run_job, start_job
from tests.conftest import PASSWORD
from tests.web.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.device, pytest.mark.slow]
REFERENCE = "V-WEB-0001"


def extracted_case_with_claims(client_for, state, phone) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Extract the simulated phone through the API, enter claims and compare them: (case id, finding set id)."""
    intake, authoriser, caseworker = client_for("intake"), client_for("authoriser"), client_for("caseworker")
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        case_id, device_id, authorisation_id = open_gate_case(
            intake, authoriser, REFERENCE, platform="android", serial=phone.serial
        )
        job_id = start_job(
            intake,
            case_id,
            device_id,
            authorisation_id,
            {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
        )
        assert run_job(state, intake, job_id)["state"] == "completed"
    finally:
        simulator.stop()
    claims = [
        # the phone's records are in Athens throughout: consistent there, impossible in Ter Apel
        {"kind": "stayed", "place_text": "Athene", "time_text": "van 25 tot 31 mei 2024"},
        {"kind": "stayed", "place_text": "Damascus", "time_text": "januari 2023"},  # before the first record
        {"kind": "stayed", "place_text": "Ter Apel", "time_text": "van 25 tot 31 mei 2024"},
    ]
    for claim in claims:
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=claim)
        assert response.status_code == 201, response.text
    response = caseworker.post(f"/api/v1/cases/{case_id}/match")
    assert response.status_code == 200, response.text
    return case_id, int(response.json()["finding_set_id"])


def sign_in(page, base_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#case-list")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_caseworker_reads_route_and_findings(
    client_for, state, live_server, browser_page, tmp_path_factory
) -> None:  # type: ignore[no-untyped-def]
    phone = build_phone(tmp_path_factory.mktemp("web-phone"), photos=40, timeline_points=1500, seed=9)
    case_id, finding_set_id = extracted_case_with_claims(client_for, state, phone)
    page = browser_page
    base = live_server.url
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # the caseworker signs in, opens the case from the list and its route page
    sign_in(page, base, "caseworker")
    page.click(f"text={REFERENCE}")
    page.wait_for_selector("#jobs progress")
    progress = page.locator("#jobs progress").first
    assert progress.get_attribute("value") == progress.get_attribute("max")  # the finished job: full bar
    assert page.locator("#authorisations .badge-approved").count() == 1
    page.click("#open-route")

    # before a legal reviewer releases the findings: no map, no statuses, a message saying so
    page.wait_for_selector("#not-released")
    assert "not been released" in page.locator("#not-released").inner_text()
    assert page.locator("#findings-not-released").is_visible()
    assert page.locator(".claims-table .badge-not_released").count() == 3
    assert page.locator("path.rr-leg").count() == 0
    page.screenshot(path=str(ARTIFACTS / "web-route-not-released.png"))
    caseworker_api = client_for("caseworker")
    assert caseworker_api.get(f"/api/v1/cases/{case_id}/route/points").status_code == 403

    reviewer = client_for("reviewer")
    response = reviewer.post(
        f"/api/v1/cases/{case_id}/finding-sets/{finding_set_id}/release", json={"note": "Evidence checked"}
    )
    assert response.status_code == 200, response.text

    # after release: the route is drawn (legs as SVG paths, stays as sized circles, points on a canvas)
    page.reload()
    page.wait_for_selector("path.rr-leg", state="attached")
    route = caseworker_api.get(f"/api/v1/cases/{case_id}/route").json()
    kinds = [f["properties"]["kind"] for f in route["features"]]
    assert page.locator("path.rr-leg").count() == kinds.count("leg")
    assert page.locator("path.rr-leg-observed").count() >= 1
    assert page.locator("path.rr-stay").count() == kinds.count("stay") >= 3
    assert page.locator("path.rr-crossing").count() == kinds.count("border_crossing") >= 1
    radii = {
        float(r) for r in page.eval_on_selector_all("path.rr-stay", "els => els.map(e => e.getBBox().width)")
    }
    assert len(radii) > 1, "stays are sized by duration"
    assert page.locator(".leaflet-points-pane canvas").count() == 1
    points = caseworker_api.get(f"/api/v1/cases/{case_id}/route/points").json()
    assert points["count"] == route["route"]["statistics"]["points"]
    assert page.locator("#limitations").is_visible()
    assert "device, not the person" in page.locator("#limitations").inner_text()
    assert "UTC" in page.locator("#timeline").inner_text()
    # the summary speaks in visits (time at one place, trips away folded), the stays listed underneath
    assert page.locator(".visit-list > li").count() == kinds.count("visit") >= 3
    assert page.locator(".stay-list > li").count() == kinds.count("stay")
    assert page.locator("rect.tl-visit").count() == kinds.count("visit")
    page.screenshot(path=str(ARTIFACTS / "web-route.png"))

    # the timeline filters the map: a window before the journey hides every leg
    page.locator("#timeline-to").fill(page.locator("#timeline-to").get_attribute("min"))
    # (locator expectations poll without evaluating strings, which the page's CSP rightly forbids)
    expect(page.locator("path.rr-leg")).to_have_count(0)
    page.click("#timeline-reset")
    expect(page.locator("path.rr-leg")).to_have_count(kinds.count("leg"))

    # every claim shows the status the API gives, in words next to the colour
    findings = {
        f["claim_id"]: f for f in caseworker_api.get(f"/api/v1/cases/{case_id}/findings").json()["findings"]
    }
    rows = page.locator(".claims-table tbody tr[data-claim-id]")
    assert rows.count() == len(findings) == 3
    for index in range(rows.count()):
        finding = findings[int(rows.nth(index).get_attribute("data-claim-id"))]
        badge = rows.nth(index).locator(f".badge-{finding['status']}")
        assert badge.inner_text().strip().endswith(catalogue.label("finding_status", finding["status"], "en"))
    assert {f["status"] for f in findings.values()} >= {"consistent", "no_data", "inconsistent"}

    # selecting a claim (a real button, by keyboard) highlights its evidence on the map
    with_evidence = next(
        i
        for i in range(rows.count())
        if findings[int(rows.nth(i).get_attribute("data-claim-id"))]["evidence_for"]
    )
    first_claim = rows.nth(with_evidence).locator("button.claim-select")
    assert first_claim.evaluate("e => e.tagName") == "BUTTON"
    first_claim.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("path.rr-evidence-for.rr-highlight", state="attached")
    assert page.locator("path.rr-claim-place.rr-highlight").count() == 1
    assert first_claim.get_attribute("aria-pressed") == "true"
    assert "Athens" in page.locator("#claim-detail").inner_text()
    assert page.locator("#map.has-selection").count() == 1
    page.screenshot(path=str(ARTIFACTS / "web-route-claim-selected.png"))

    # Dutch
    page.click("#language-switch")
    page.wait_for_selector("text=Verklaringen van de aanvrager")
    assert page.locator("#limitations h2").inner_text() == "Beperkingen van de gegevens"
    assert "In overeenstemming" in page.locator(".claims-table").inner_text()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("path.rr-evidence-for.rr-highlight").count() >= 1  # selection kept
    page.screenshot(path=str(ARTIFACTS / "web-route-nl.png"))

    # nothing but this server was asked for anything (no CDN, no tiles from elsewhere)
    outside = [url for url in requested if not url.startswith(base) and not url.startswith("data:")]
    assert not outside, outside
    assert not errors, errors
