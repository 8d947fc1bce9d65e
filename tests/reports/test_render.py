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
