"""The caseworker's view in a real browser (Debian's chromium through Playwright), issue 14.

What a new user tripped over, each asserted on the rendered page: the demo's simulated phone offered by name
in the job form (its random port filled in) and the extraction from the UI completing; a failed job without a
moving bar and without "Resume" after an identity mismatch; a running job with its start; the tool versions
not widening the page; people's names instead of user numbers; the PDF downloadable from the case page and
the route page; every limitation visible without a nested scroll box, each once, without raw timestamps;
"not judged" (never "not compared yet") inside a released set; the whole route in the map's first view; no
two crossing labels on top of each other. Screenshots of each view in English and Dutch go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import update

import catalogue
from casework.jobs.worker import JobWorker
from casework.settings import Settings
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from store.db import unit_of_work
from store.models import User
from tests.api.job_helpers import open_gate_case, run_job, start_job
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.device, pytest.mark.slow]
NAMES = {"intake": "Ingrid de Vries", "authoriser": "Aylin Şahin", "caseworker": "Karel Janssen"}
ISO_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


@pytest.fixture
def settings(tmp_path: Path, database_url: str, gazetteer_dir: Path) -> Settings:
    """The service in demo mode (``reisroute serve --demo``): the demo phones endpoint answers."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        run_worker=False,
        gazetteer_dir=gazetteer_dir,
        demo=True,
    )


def _boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _download(page, selector: str) -> bytes:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_caseworkers_view_end_to_end(client_for, state, live_server, browser_page, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    page, base = browser_page, live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with unit_of_work(state.session_factory) as session:
        for username, full_name in NAMES.items():
            session.execute(update(User).where(User.username == username).values(full_name=full_name))
    intake, authoriser = client_for("intake"), client_for("authoriser")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")

    phone = build_phone(tmp_path_factory.mktemp("demo-phone"), photos=40, timeline_points=1500, seed=9)
    simulator = start_adb_simulator(phone.root, port=0)
    # what `serve --demo` does at start-up: the running simulators are kept on the state
    state.extras["simulators"] = {"android": simulator, "android_root": phone.root}
    try:
        case_id, device_id, authorisation_id = open_gate_case(
            intake, authoriser, "V-VIEW-0001", platform="android", serial=phone.serial
        )
        # a second case whose registered serial is another phone's: the job fails with an identity mismatch
        wrong_case, wrong_device, wrong_authorisation = open_gate_case(
            intake, authoriser, "V-VIEW-0002", platform="android", serial="NOT-THIS-PHONE"
        )
        wrong_job = start_job(
            intake,
            wrong_case,
            wrong_device,
            wrong_authorisation,
            {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
        )
        failed = run_job(state, intake, wrong_job)
        assert failed["state"] == "failed" and failed["error"].startswith("IdentityMismatch")
        assert failed["resumable"] is False
        assert intake.post(f"/api/v1/jobs/{wrong_job}/resume").status_code == 409

        # the intake officer picks the demo phone by name: host and the random port are filled in
        sign_in(page, base, "intake")
        page.goto(f"{base}/#/cases/{case_id}")
        page.wait_for_selector("#jobs")
        page.click("#start-job summary")
        demo_option = page.locator("#job-demo-phone option").nth(1)
        assert phone.model in demo_option.inner_text()
        page.select_option("#job-demo-phone", index=1)
        assert page.input_value("#job-port") == str(simulator.port)
        assert page.input_value("#job-host") == "127.0.0.1"
        page.click("#start-job button[type=submit]")
        page.wait_for_selector("#jobs tr[data-state=queued]")
        assert JobWorker(state, retry_delay_s=0).run_once()
        page.wait_for_selector("#jobs tr[data-state=completed]", timeout=30_000)
        # people by name, not by number
        authorisations = page.locator("#authorisations").inner_text()
        assert NAMES["intake"] in authorisations and NAMES["authoriser"] in authorisations
        assert "#1," not in authorisations and "user #" not in authorisations.lower()
        # the extraction report's tool versions fold away and never widen the page
        page.click("#jobs tr[data-state=completed] button.secondary")
        page.wait_for_selector(".tool-versions details")
        page.click(".tool-versions summary")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"the page is {width} px wide"
        page.screenshot(path=str(ARTIFACTS / "web-case-jobs-en.png"), full_page=True)

        # the failed job: no bar, no Resume, its start shown
        page.goto(f"{base}/#/cases/{wrong_case}")
        page.wait_for_selector("#jobs tr[data-state=failed]")
        row = page.locator("#jobs tr[data-state=failed]")
        assert row.locator("progress").count() == 0
        assert row.locator("button", has_text="Resume").count() == 0
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row.locator(".job-times").inner_text())
        # the error explained in the page's language, the station's technical text folded beside it
        assert "not the one registered for this case" in page.locator("#jobs .error").inner_text()
        assert "IdentityMismatch" in (page.locator("#jobs .error code").text_content() or "")
        # a running job shows its start (claimed by a worker, still connecting)
        start_job(intake, wrong_case, wrong_device, wrong_authorisation, {"kind": "adb", "port": 9})
        assert JobWorker(state, retry_delay_s=0).claim() is not None
        page.reload()
        running = page.locator("#jobs tr[data-state=running]")
        running.wait_for()
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", running.locator(".job-times").inner_text())
        page.click("#language-switch")
        page.wait_for_selector("html[lang=nl]")
        assert (
            "niet het toestel dat voor deze zaak is geregistreerd"
            in page.locator("#jobs .error").inner_text()
        )
        page.screenshot(path=str(ARTIFACTS / "web-case-jobs-nl.png"), full_page=True)
        page.click("#language-switch")
        page.wait_for_selector("html[lang=en]")
    finally:
        simulator.stop()

    # claims (one the software cannot understand), comparison and release
    claims = [
        {"kind": "stayed", "place_text": "Athene", "time_text": "van 25 tot 31 mei 2024"},
        {"kind": "stayed", "place_text": "Damascus", "time_text": "januari 2023"},
        {"kind": "passed_through", "place_text": "Sofia", "time_text": "two weeks after Eid"},
    ]
    for claim in claims:
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=claim)
        assert response.status_code == 201, response.text
    finding_set_id = caseworker.post(f"/api/v1/cases/{case_id}/match").json()["finding_set_id"]
    response = reviewer.post(
        f"/api/v1/cases/{case_id}/finding-sets/{finding_set_id}/release", json={"note": "Checked"}
    )
    assert response.status_code == 200, response.text

    # the caseworker: the PDF from the case page
    page.click("#sign-out")
    page.wait_for_selector("#login-username")
    sign_in(page, base, "caseworker")
    page.goto(f"{base}/#/cases/{case_id}")
    page.wait_for_selector("#pdf-report")
    assert _download(page, "#pdf-report").startswith(b"%PDF-")
    page.screenshot(path=str(ARTIFACTS / "web-case-caseworker-en.png"), full_page=True)

    # the route page
    page.click("#open-route")
    page.wait_for_selector("path.rr-leg", state="attached")
    page.wait_for_selector("#route-pdf-report")
    assert _download(page, "#route-pdf-report").startswith(b"%PDF-")

    # every limitation visible without scrolling a box of its own; each once; no raw values
    limitations = page.locator("#limitations")
    sizes = limitations.evaluate("e => [e.scrollHeight, e.clientHeight]")
    assert sizes[0] <= sizes[1] + 1, f"the limitations scroll inside their box: {sizes}"
    lines = [line.strip() for line in limitations.locator("li").all_inner_texts()]
    assert len(lines) == len(set(lines)) >= 5, lines
    text = " ".join(lines)
    assert not ISO_TIMESTAMP.search(text), text
    assert not re.search(r"\b(duplicate|received) \d+", text), text
    first_general = next(i for i, line in enumerate(lines) if "logical acquisition" in line)
    assert any("gap" in line for line in lines[:first_general]), "case-specific lines come first"

    # a claim that could not be compared, inside a released set: "not judged", never "not compared yet"
    table = page.locator(".claims-table").inner_text()
    assert "Not compared yet" not in table
    assert catalogue.label("finding_status", "not_judged", "en") in table

    # the whole route in the first view: every stay inside the map
    page.goto(f"{base}/#/cases/{case_id}/route")
    page.wait_for_selector("path.rr-stay", state="attached")
    map_box = page.locator("#map").bounding_box()
    assert map_box is not None
    stays = page.locator("path.rr-stay")
    for index in range(stays.count()):
        box = stays.nth(index).bounding_box()
        assert box is not None
        centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        assert map_box["x"] <= centre_x <= map_box["x"] + map_box["width"], index
        assert map_box["y"] <= centre_y <= map_box["y"] + map_box["height"], index
    # no two labels on top of each other: crossing badges and the stays' permanent labels (bounding boxes)
    labels = []
    for selector in (".rr-crossing-label", ".leaflet-tooltip-pane .leaflet-tooltip"):
        found = page.locator(selector)
        for index in range(found.count()):
            box = found.nth(index).bounding_box()
            if box is not None and box["width"] > 0 and found.nth(index).is_visible():
                labels.append(box)
    assert len(labels) >= 4, labels
    overlapping = [(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :] if _boxes_overlap(a, b)]
    assert not overlapping, overlapping
    page.screenshot(path=str(ARTIFACTS / "web-route-caseworker-en.png"))

    page.click("#language-switch")
    page.wait_for_selector("text=Beperkingen van de gegevens")
    table_nl = page.locator(".claims-table").inner_text()
    assert "Nog niet vergeleken" not in table_nl
    assert catalogue.label("finding_status", "not_judged", "nl") in table_nl
    nl_lines = " ".join(page.locator("#limitations li").all_inner_texts())
    assert not ISO_TIMESTAMP.search(nl_lines) and "dezelfde positie uit een ander artefact" in nl_lines
    page.screenshot(path=str(ARTIFACTS / "web-route-caseworker-nl.png"))
    page.goto(f"{base}/#/cases/{case_id}")
    page.wait_for_selector("#pdf-report")
    page.screenshot(path=str(ARTIFACTS / "web-case-caseworker-nl.png"), full_page=True)
    assert not errors, errors
