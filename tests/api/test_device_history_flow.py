"""LEGAL 16 end to end: a simulated phone reset mid-journey, through the HTTP API.

The job report lists the signs (first start, storage set-up, data starting right after), the findings'
limitations state them in English and Dutch, the PDF carries them, and a claim from before the reset is
"no data" — never inconsistent because of the reset.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta

import pytest

from casework.jobs.worker import JobWorker
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from tests.legal_basis.helpers import approved_case

WINDOW = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}
CATEGORIES = ["location", "photo_metadata", "device_time", "device_identity", "device_history"]
RESET_AT_STAY = 4  # Mytilini
pytestmark = pytest.mark.device


@pytest.fixture(scope="module")
def reset_phone(tmp_path_factory):
    return build_phone(
        tmp_path_factory.mktemp("reset-phone"),
        photos=60,
        timeline_points=800,
        seed=12,
        clock_offset_s=90,
        reset_at_stay=RESET_AT_STAY,
    )


def pdf_text(pdf: bytes, tmp_path) -> str:  # noqa: ANN001
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext not found: install Debian's poppler-utils (listed in .ci/apt-packages.txt)"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reset_mid_journey_is_reported_and_changes_no_finding(
    client_for, state, reset_phone, tmp_path
) -> None:
    phone = reset_phone
    intake, authoriser = client_for("intake"), client_for("authoriser")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        case_id, device_id, authorisation_id = approved_case(
            intake, authoriser, "V-RESET", serial=phone.serial, categories=CATEGORIES, **WINDOW
        )
        job = intake.post(
            f"/api/v1/cases/{case_id}/jobs",
            json={
                "authorisation_id": authorisation_id,
                "device_id": device_id,
                "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
            },
        ).json()
        assert JobWorker(state, retry_delay_s=0).run_once()
    finally:
        simulator.stop()

    report = intake.get(f"/api/v1/jobs/{job['id']}/report").json()
    assert report["job"]["state"] == "completed"
    outcome = {o["artifact_id"]: o for o in report["artifacts"]}["android.device_history"]
    assert outcome["status"] == "found" and outcome["items"] == 2 and outcome["records"] == 0
    signals = {s["kind"]: s for s in report["device_history"]}
    assert set(signals) == {"first_boot", "storage_initialised", "data_starts"}, report["device_history"]
    reset = phone.reset_utc
    assert reset is not None
    # the device clock ran 90 s fast: the stored times are corrected to the reference clock (± the bracket)
    first_boot = signals["first_boot"]["time_utc"]
    expected = (reset - timedelta(minutes=20)).isoformat()
    assert abs(datetime.fromisoformat(first_boot) - datetime.fromisoformat(expected)) < timedelta(seconds=5)
    assert signals["first_boot"]["source_sha256"] and "firstInstallTime" in signals["first_boot"]["evidence"]
    assert signals["storage_initialised"]["confidence"] == "low"  # toybox stat: no birth time
    data_start = datetime.fromisoformat(signals["data_starts"]["time_utc"])
    assert reset <= data_start <= reset + timedelta(days=3)
    assert all(not s["before_window"] for s in report["device_history"])

    # claims: one in Aleppo before the reset (the phone cannot say anything: no data), one after it
    aleppo = phone.stays[0]
    athens = phone.stays[5]
    claims = [
        {
            "kind": "stayed",
            "place_text": "Aleppo",
            "time_text": f"{aleppo.start_utc + timedelta(days=3):%d %B %Y}",
        },
        {
            "kind": "passed_through",
            "place_text": athens.place,
            "time_text": f"{athens.start_utc + timedelta(days=5):%d %B %Y}",
        },
    ]
    ids = []
    for claim in claims:
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=claim)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    response = caseworker.post(f"/api/v1/cases/{case_id}/match")
    assert response.status_code == 200, response.text
    findings = reviewer.get(f"/api/v1/cases/{case_id}/findings").json()
    status = {f["claim_id"]: f["status"] for f in findings["findings"]}
    assert status[ids[0]] == "no_data"  # before the phone's first own record; never inconsistent
    assert status[ids[1]] == "consistent"
    assert "inconsistent" not in status.values()
    reset_day = f"{reset:%Y-%m-%d}"
    english = [line for line in findings["limitations"] if "first started with empty user data" in line]
    dutch = [
        line for line in findings["limitations_nl"] if "voor het eerst met lege gebruikersgegevens" in line
    ]
    assert english and reset_day in english[0] and "second-hand" in english[0]
    assert dutch and reset_day in dutch[0] and "tweedehands" in dutch[0]
    assert any("right after the phone was set up" in line for line in findings["limitations"])

    pdf = reviewer.get(f"/api/v1/cases/{case_id}/report.pdf", params={"language": "en", "draft": True})
    assert pdf.status_code == 200, pdf.text
    text = " ".join(pdf_text(pdf.content, tmp_path).split())
    assert "Signs of a reset or a second-hand phone" in text
    assert "first started with empty user data on " + reset_day in text
    pdf_nl = reviewer.get(f"/api/v1/cases/{case_id}/report.pdf", params={"language": "nl", "draft": True})
    text_nl = " ".join(pdf_text(pdf_nl.content, tmp_path).split())
    assert "Aanwijzingen voor een reset of een tweedehands telefoon" in text_nl
    assert "tweedehands" in text_nl and reset_day in text_nl
