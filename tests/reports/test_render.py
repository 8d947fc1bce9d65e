"""The report's parts without a database: map window, map drawing, number formats, and the layout of a
hand-built case (no route, not released) read back with poppler."""

from __future__ import annotations

import dataclasses
import io
import math
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import catalogue
from api.reports import DRAFT_WATERMARK, ReportError, render_case_report
from api.reports.map import COLOUR_SEA, map_extent, render_route_map
from api.reports.report import format_distance, format_duration, format_signed_duration
from casework.report_facts import (
    AuditFacts,
    CaseReportData,
    DeviceFacts,
    EvidenceFacts,
    FindingFacts,
    JobFacts,
    ReportedAuthorisation,
    ReportedConsent,
    ReportedNotice,
)

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def test_map_extent_holds_every_point_and_fills_the_frame() -> None:
    lat = np.array([36.2, 52.7, 41.0])
    lon = np.array([37.1, 6.9, 20.0])
    extent = map_extent(lat, lon, aspect_w_over_h=1.5)
    assert extent.lat_min < lat.min() and extent.lat_max > lat.max()
    assert extent.lon_min < lon.min() and extent.lon_max > lon.max()
    on_paper = (extent.lon_max - extent.lon_min) * math.cos(math.radians(extent.mid_lat))
    assert on_paper / (extent.lat_max - extent.lat_min) == pytest.approx(1.5)
    # a single point still gets a window of at least the minimum span
    single = map_extent(np.array([52.0]), np.array([5.0]), aspect_w_over_h=1.0, min_span_deg=1.0)
    assert single.lat_max - single.lat_min >= 1.0
    with pytest.raises(ReportError, match="no usable points"):
        map_extent(np.zeros(0), np.zeros(0), aspect_w_over_h=1.0)


def test_map_draws_a_base_map_and_the_route() -> None:
    lat = np.linspace(36.2, 52.7, 40)
    lon = np.linspace(37.1, 6.9, 40)
    route = {
        "points": {"lat": lat.tolist(), "lon": lon.tolist(), "flags": [0] * 39 + [1]},
        "flag_bits": {"RECEIVED": 1},
        "statistics": {"countries": ["SY", "TR", "NL"]},
    }
    geojson = {
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[37.1, 36.2], [6.9, 52.7]]},
                "properties": {"kind": "leg", "observed": False},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [37.1, 36.2]},
                "properties": {"kind": "stay", "duration_s": 5 * 86_400},
            },
        ]
    }
    png = render_route_map(route, geojson, language="en", width_in=4.0, height_in=3.2, dpi=50)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (200, 160)
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    sea = np.array([int(COLOUR_SEA[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(pixels - sea).max(axis=1) <= 10).mean() > 0.05  # the Mediterranean and the Black Sea
    with pytest.raises(ReportError):
        render_route_map({"points": {"lat": [1.0], "lon": [1.0], "flags": [1]}}, {"features": []})


def test_number_formats() -> None:
    assert format_duration(45) == "45 s"
    assert format_duration(7_500) == "2 h 5 min"
    assert format_duration(3 * 86_400 + 4 * 3600) == "3 d 4 h"
    assert format_signed_duration(-3_600) == "−1 h" and format_signed_duration(0).startswith("0")
    assert format_distance(420) == "420 m" and format_distance(2_093_000) == "2093 km"
    assert format_distance(None) == "—"


def make_report_data(**overrides: object) -> CaseReportData:
    """A small, complete case: one device, one approved authorisation, one job, two findings."""
    job = JobFacts(
        id=3,
        device_id=1,
        authorisation_id=2,
        kind="adb",
        state="completed",
        method="adb-shell over TCP",
        operator="Ingrid de Vries (intake)",
        started_at=T0,
        finished_at=T0 + timedelta(minutes=4),
        identity=(("serial", "R58M-ΣΤ-ğüş"),),
        tool_versions=(("adb-shell", "0.4.4"), ("reisroute", "0.1.0")),
        parsers=("android.dcim_exif",),
        categories=("location",),
        clock_start=None,
        clock_end=None,
        items=2,
        bytes_acquired=2048,
        records=10,
        dropped_outside_window=4,
        custody_manifest_sha256="ab" * 32,
        outcomes=(),
        notes=(),
    )
    evidence = EvidenceFacts(
        record_id=77, time_utc=T0, distance_m=2_093_000, time_difference_s=-600, accuracy_m=35
    )
    finding = FindingFacts(
        claim_id=5,
        position=0,
        kind="stayed",
        place_text="Ter Apel",
        place_name="Ter Apel",
        place_country="NL",
        time_text="maart 2024",
        understood_en="March 2024",
        understood_nl="maart 2024",
        status="inconsistent",
        interval_start_utc=T0,
        interval_end_utc=T0 + timedelta(days=30),
        evidence_for=(),
        evidence_against=(evidence,),
        records_for_count=0,
        records_against_count=1,
        position_accuracy_m=35.0,
        clock_uncertainty_s=60.0,
        time_phrase_width_s=30 * 86_400.0,
        time_zone="Europe/Amsterdam",
        explanation_en="Even at the fastest plausible travel the device could not have been there.",
        explanation_nl="Zelfs met de snelst denkbare verplaatsing kan het toestel er niet zijn geweest.",
    )
    data = CaseReportData(
        generated_at=T0 + timedelta(days=200),
        case_id=1,
        reference="V-ÇİĞ-1",
        title="",
        case_status="open",
        case_created_at=T0,
        retention_until=None,
        devices=(
            DeviceFacts(
                id=1,
                platform="android",
                make="Samsung",
                model="SM-A525F",
                serial="R58M-ΣΤ-ğüş",
                seal_number="BAG-7",
                registered_by="Ingrid de Vries (intake)",
                registered_at=T0,
            ),
        ),
        authorisations=(
            ReportedAuthorisation(
                id=2,
                device_id=1,
                policy_version="nl-default@2026.1",
                ground_id="g",
                statute="Vreemdelingenwet 2000, art. 55 lid 2",
                ground_title_en="Search with consent",
                ground_title_nl="Onderzoek met toestemming",
                purpose="Establish the route",
                necessity="No documents",
                milder_means=(),
                categories=("location",),
                window_start=T0,
                window_end=T0 + timedelta(days=300),
                valid_until=T0 + timedelta(days=30),
                status="approved",
                requested_by="Ingrid de Vries (intake)",
                requested_at=T0,
                decided_by="Aylin Şahin (authoriser)",
                decided_at=T0,
                decision_reason="Proportionate",
            ),
        ),
        consents=(
            ReportedConsent(
                authorisation_id=2,
                language="ar",
                interpreter=None,
                refusal_without_consequence_explained=True,
                given=True,
                given_at=T0,
                recorded_by="Ingrid de Vries (intake)",
                withdrawn_at=None,
            ),
        ),
        notices=(
            ReportedNotice(
                language="ar", notice_version="n-1", interpreter=None, given_at=T0, recorded_by="Ingrid"
            ),
        ),
        jobs=(job,),
        route=None,
        finding_set_id=9,
        finding_set_created_at=T0,
        matching_code_version="matching-0.1.0",
        released=False,
        released_by=None,
        released_at=None,
        release_note=None,
        findings=(finding,),
        claims_not_matched=((6, "Halab", "two weeks after Eid"),),
        limitations=("The data locates the device, not the person: a phone can be lent.",),
        limitations_nl=("De gegevens tonen waar het toestel was, niet waar de persoon was.",),
        clock_anomalies=(),
        coverage_first_utc=None,
        coverage_last_utc=None,
        audit=AuditFacts(head_seq=41, head_hash="cd" * 32, anchor_seq=None, anchor_hash=None, anchor_at=None),
    )
    return dataclasses.replace(data, **overrides)  # type: ignore[arg-type]


def _text(pdf: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext not found: install Debian's poppler-utils (listed in .ci/apt-packages.txt)"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    )
    return " ".join(result.stdout.split())


def test_draft_without_route_says_so(tmp_path: Path) -> None:
    text = _text(render_case_report(make_report_data(), language="en"), tmp_path)
    assert DRAFT_WATERMARK in text and "NOT RELEASED" in text
    assert "There is no route" in text
    assert "V-ÇİĞ-1" in text and "R58M-ΣΤ-ğüş" in text and "Aylin Şahin (authoriser)" in text
    assert catalogue.label("finding_status", "inconsistent", "en", long=True) in text
    assert "record 77" in text and "2093 km" in text and "−10 min" in text
    assert "Claims not matched" in text and "two weeks after Eid" in text
    assert "4 record(s) found outside the authorised date window were dropped" in text
    assert "Job 3: no live device clock reading" not in text  # anomalies come from collect, not the layout
    assert "ab" * 32 in text and "seq 41" in text and "cd" * 32 in text
    # "score" appears only where the report says there is none (preamble and limitations)
    assert text.lower().count("score") == 2 and text.count("no credibility score") == 2


def test_released_dutch_report_has_no_draft_mark(tmp_path: Path) -> None:
    data = make_report_data(
        released=True, released_by="Δήμητρα (reviewer)", released_at=T0, release_note="Gecontroleerd"
    )
    text = _text(render_case_report(data, language="nl"), tmp_path)
    assert "CONCEPT" not in text and "NIET VRIJGEGEVEN" not in text
    assert "Δήμητρα (reviewer)" in text and "Gecontroleerd" in text
    assert catalogue.label("finding_status", "inconsistent", "nl", long=True) in text
    assert "Er is geen route" in text
    with pytest.raises(ReportError, match="language"):
        render_case_report(data, language="de")  # type: ignore[arg-type]


def test_scale_bar_keeps_clear_of_the_journeys_start() -> None:
    """A route starting in the bottom right (Aleppo on a map of Syria → the Netherlands): the bar goes to a
    free corner, drawn there on the rendered map (the bar and its label are the map's only pure black)."""
    from api.reports.map import MAP_SHARE, Extent, scale_bar_box, scale_bar_position

    lat = np.linspace(36.2, 52.7, 200)
    lon = np.linspace(37.1, 6.9, 200)
    extent = Extent(lon_min=5.0, lon_max=39.0, lat_min=35.0, lat_max=54.0)
    x1, y0 = scale_bar_position(lon, lat, extent, bar_deg=3.0, keep_clear=[(37.1, 36.2), (6.9, 52.7)])
    x_lo, x_hi, y_lo, y_hi = scale_bar_box("bottom right", extent, bar_deg=3.0)
    assert not (x_lo <= x1 <= x_hi and y_lo <= y0 <= y_hi), "the bar covers the start"
    assert x1 < (extent.lon_min + extent.lon_max) / 2, "a diagonal route leaves the bottom left free"

    route = {
        "points": {"lat": lat.tolist(), "lon": lon.tolist(), "flags": [0] * 200},
        "flag_bits": {"RECEIVED": 1},
        "statistics": {"countries": ["SY", "TR", "NL"]},
    }
    width_px, height_px = 350, 280
    png = render_route_map(route, {"features": []}, language="en", width_in=7.0, height_in=5.6, dpi=50)
    with Image.open(io.BytesIO(png)) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    assert pixels.shape[:2] == (height_px, width_px)
    map_height = int(height_px * MAP_SHARE)  # the legend (black text too) fills the strip below the map
    black_rows, black_cols = np.nonzero(pixels[:map_height].max(axis=2) < 30)
    assert len(black_cols), "no scale bar drawn"
    assert black_cols.mean() < width_px / 2 and black_rows.mean() > map_height / 2, "bar not bottom left"


def test_clock_anomalies_are_written_in_both_languages() -> None:
    from casework.report_facts import ClockFacts, _clock_anomalies

    job = make_report_data().jobs[0]
    skewed = dataclasses.replace(
        job,
        clock_start=ClockFacts(
            offset_s=-400.0, uncertainty_s=1.0, device_timezone="Europe/Istanbul", host_time=""
        ),
        clock_end=ClockFacts(
            offset_s=-390.0, uncertainty_s=1.0, device_timezone="Europe/Istanbul", host_time=""
        ),
    )
    notes = _clock_anomalies((skewed,), None)
    assert len(notes) == 3  # start, end, drift
    for english, dutch in notes:
        assert english.startswith("Job 3") and dutch.startswith("Taak 3")
    assert "behind the host clock" in notes[0][0] and "achter bij de klok van het station" in notes[0][1]


def test_dutch_clock_anomaly_and_phrasebook_in_print(tmp_path: Path) -> None:
    from casework.report_facts import ClockFacts, _clock_anomalies

    job = dataclasses.replace(
        make_report_data().jobs[0],
        method="adb-shell 0.4.4 over TCP 127.0.0.1:5555; whole file (sync RECV); adb-shell 0.4.4 over TCP "
        "127.0.0.1:5555; first 131072 bytes (head -c) and sha256sum on the device",
        clock_start=ClockFacts(offset_s=900.0, uncertainty_s=1.0, device_timezone=None, host_time=""),
    )
    data = make_report_data(jobs=(job,), clock_anomalies=_clock_anomalies((job,), None))
    text = _text(render_case_report(data, language="nl"), tmp_path)
    assert "Taak 3: bij de start liep de klok van het toestel 900 s voor op de klok van het station" in text
    assert "adb-shell 0.4.4 via TCP 127.0.0.1:5555; heel bestand (sync RECV); eerste 131072 bytes" in text
    assert text.count("adb-shell 0.4.4 via TCP") == 1  # each distinct part once
    assert "whole file" not in text and "over TCP" not in text
    english = _text(render_case_report(data, language="en"), tmp_path)
    assert "Job 3: at the start the device clock was 900 s ahead of the host clock" in english
    # the window's end in the hand-built case is 300 days after a noon start: printed as "until …"
    assert "until 2024-12-26 12:00 UTC" in english


def test_claim_map_marks_the_place_and_both_kinds_of_evidence() -> None:
    from api.reports.map import COLOUR_AGAINST, COLOUR_FOR, record_positions, render_claim_map

    lat = np.r_[np.linspace(37.9, 38.1, 49), 40.64]  # Athens, and one record in Thessaloniki
    lon = np.r_[np.linspace(23.6, 23.8, 49), 22.94]
    route = {
        "points": {
            "lat": lat.tolist(),
            "lon": lon.tolist(),
            "flags": [0] * 50,
            "record_id": list(range(100, 150)),
        },
        "statistics": {"countries": ["GR"]},
    }
    found_lat, _ = record_positions(route, [101, 102, 999])
    assert len(found_lat) == 2  # a record the route does not hold is left out
    png = render_claim_map(
        route,
        place_lat=52.87,  # Ter Apel
        place_lon=7.07,
        place_extent_m=3000,
        evidence_for=[149],
        evidence_against=[100, 101, 102],
        language="nl",
        dpi=100,
    )
    with Image.open(io.BytesIO(png)) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    pixels = rgb[: int(rgb.shape[0] * 0.84)].reshape(-1, 3)  # the map, not the legend strip below it

    def count(colour: str) -> int:
        target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(pixels - target).max(axis=1) <= 12).sum())

    assert count(COLOUR_AGAINST) > 5 and count(COLOUR_FOR) > 5
    assert count("#000000") > 10  # the place's star and its scale bar


def test_the_near_miss_of_a_finding_is_its_own_row(tmp_path: Path) -> None:
    base = make_report_data()
    finding = dataclasses.replace(
        base.findings[0],
        status="inconsistent",
        near_miss_en="Near miss: the device was at Vienna until 30 June 2023, 1 day before the stated period.",
        near_miss_nl="Bijna-treffer: het toestel was in Wenen tot 30 juni 2023, 1 dag vóór de genoemde periode.",
    )
    data = dataclasses.replace(base, findings=(finding,))
    english = " ".join(_text(render_case_report(data, language="en"), tmp_path).split())
    dutch = " ".join(_text(render_case_report(data, language="nl"), tmp_path).split())
    assert "Near miss" in english and "1 day before the stated period" in english
    assert "Bijna-treffer" in dutch and "1 dag vóór de genoemde periode" in dutch
