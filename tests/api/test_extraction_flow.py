"""The whole Android flow through the HTTP API: gate → job → worker (real adb-shell against the simulated
phone) → report → records in the store → route. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from casework.jobs.worker import JobWorker
from extractor.records import TimeSource
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from store.models import CustodyRecord, LocationRow
from tests.legal_basis.helpers import approved_case, new_case

WINDOW = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}
pytestmark = pytest.mark.device


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    return build_phone(
        tmp_path_factory.mktemp("flow-phone"), photos=40, timeline_points=300, seed=5, clock_offset_s=3600.0
    )


@pytest.fixture
def simulator(phone):
    running = start_adb_simulator(phone.root, port=0)
    yield running
    running.stop()


def test_gate_refuses_job_and_names_conditions(client_for) -> None:
    intake = client_for("intake")
    case_id, device_id = new_case(intake, "V-GATE")
    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations",
        json={
            "ground_id": "vw2000-55-2-consent",
            "purpose": "p",
            "necessity": "n",
            "milder_means": [{"means": "documents", "result": "none"}],
            "categories": ["location"],
            **WINDOW,
            "device_id": device_id,
        },
    )
    authorisation_id = response.json()["id"]
    response = intake.post(
        f"/api/v1/cases/{case_id}/jobs",
        json={
            "authorisation_id": authorisation_id,
            "device_id": device_id,
            "source": {"kind": "adb", "host": "127.0.0.1", "port": 1},
        },
    )
    assert response.status_code == 403
    codes = {c["code"] for c in response.json()["detail"]["conditions"]}
    assert {"not_approved", "consent_missing", "notice_missing"} <= codes


def test_android_extraction_end_to_end(client_for, state, phone, simulator) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    reviewer, caseworker = client_for("reviewer"), client_for("caseworker")
    case_id, device_id, authorisation_id = approved_case(
        intake, authoriser, "V-FLOW", serial=phone.serial, **WINDOW
    )
    response = intake.post(
        f"/api/v1/cases/{case_id}/jobs",
        json={
            "authorisation_id": authorisation_id,
            "device_id": device_id,
            "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
        },
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert response.json()["state"] == "queued"

    worker = JobWorker(state, retry_delay_s=0)
    assert worker.run_once()
    job = intake.get(f"/api/v1/jobs/{job_id}").json()
    assert job["state"] == "completed", job["error"]
    assert job["items_done"] == job["items_total"] > 0

    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    assert report["identity"]["serial"] == phone.serial
    assert report["identity"]["model"] == phone.model
    offset = report["clock"]["start"]["offset_s"]
    assert offset == pytest.approx(3600.0, abs=5)
    assert report["clock"]["end"]["offset_s"] == pytest.approx(3600.0, abs=5)
    assert report["totals"]["records"] > 0
    assert len(report["custody_manifest_sha256"]) == 64
    statuses = {a["artifact_id"]: a["status"] for a in report["artifacts"]}
    assert statuses.get("android.dcim_exif") == "found"
    # each artifact's parse summary (rows read, skipped and why) reaches the report
    summaries = {a["artifact_id"]: a["parse_summary"] for a in report["artifacts"]}
    timeline = summaries["common.google_timeline"]
    assert timeline is not None and timeline["rows_read"] > 0 and timeline["records"] > 0
    assert sum(s["records"] for s in summaries.values() if s) >= report["totals"]["records"]

    with state.session_factory() as session:
        custody = list(session.scalars(select(CustodyRecord).where(CustodyRecord.case_id == case_id)))
        rows = list(session.scalars(select(LocationRow).where(LocationRow.case_id == case_id)))
    # every photo's bytes acquired are only the head, the whole-file hash came from the device
    photos = [c for c in custody if c.artifact_id == "android.dcim_exif"]
    assert photos and all(c.sha256_whole_file and len(c.sha256_whole_file) == 64 for c in photos)
    # stored evidence decrypts and matches its acquisition hash
    with state.session_factory() as session:
        key = state.evidence.case_key(session, case_id)
    for item in photos[:5]:
        data = state.evidence.read_verified(key, case_id, item.blob_name, item.sha256_acquired)
        assert len(data) == item.bytes_acquired

    # positions and UTC times match the ground truth; the clock offset corrects device-clock times only
    truth = {
        p.device_path.replace("/storage/emulated/0/", "/sdcard/"): p
        for p in phone.photos
        if p.lat is not None and p.own
    }
    checked = 0
    for row in rows:
        if row.artifact_id != "android.dcim_exif" or row.source_path not in truth:
            continue
        expected = truth[row.source_path]
        if not (expected.has_gps_time or expected.has_offset_time):
            # local time without an offset is read in the device's current zone: flagged, not trusted
            assert row.note and "zone" in row.note
            continue
        assert row.lat == pytest.approx(expected.lat, abs=1e-4)
        assert row.lon == pytest.approx(expected.lon, abs=1e-4)
        assert abs((row.time_utc - expected.time_utc).total_seconds()) <= 2, row.source_path
        if row.time_source == TimeSource.DEVICE_CLOCK:
            assert row.clock_offset_applied_s == pytest.approx(offset)
        else:
            assert row.clock_offset_applied_s == 0
        checked += 1
    assert checked >= 10, (sorted(truth)[:3], sorted({r.source_path for r in rows})[:3])
    assert all(
        datetime(2024, 1, 1, tzinfo=UTC) <= r.time_utc <= datetime(2024, 12, 31, tzinfo=UTC) for r in rows
    )

    # every kept item still matches its acquisition hash (re-checked on load)
    verified = reviewer.get(f"/api/v1/cases/{case_id}/evidence/verify").json()
    assert verified["ok"] and verified["items_checked"] == sum(1 for c in custody if c.blob_name)
    assert intake.get(f"/api/v1/cases/{case_id}/evidence/verify").status_code == 403

    # the route was built after the job; reviewers read it, caseworkers only after release
    route = reviewer.get(f"/api/v1/cases/{case_id}/route")
    assert route.status_code == 200, route.text
    geojson = route.json()
    assert geojson["type"] == "FeatureCollection" and geojson["features"]
    assert caseworker.get(f"/api/v1/cases/{case_id}/route").status_code == 403


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_records_outside_the_window_are_dropped_and_not_kept(client_for, state, phone, simulator) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    case_id, device_id, authorisation_id = approved_case(
        intake,
        authoriser,
        "V-WINDOW",
        serial=phone.serial,
        window_start="2024-01-01T00:00:00Z",
        window_end="2024-05-01T00:00:00Z",
    )
    job_id = intake.post(
        f"/api/v1/cases/{case_id}/jobs",
        json={
            "authorisation_id": authorisation_id,
            "device_id": device_id,
            "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
        },
    ).json()["id"]
    assert JobWorker(state, retry_delay_s=0).run_once()
    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    assert report["totals"]["dropped_outside_window"] > 0
    with state.session_factory() as session:
        rows = list(session.scalars(select(LocationRow).where(LocationRow.case_id == case_id)))
        custody = list(session.scalars(select(CustodyRecord).where(CustodyRecord.case_id == case_id)))
    assert rows and all(r.time_utc < datetime(2024, 5, 1, tzinfo=UTC) for r in rows)
    outside = [c for c in custody if c.records_count == 0 and c.dropped_outside_window > 0]
    assert outside and all(c.blob_name == "" for c in outside)
    assert all(
        not item["bytes_kept"]
        for item in report["items"]
        if item["dropped_outside_window"] and not item["records"]
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_restart_mid_job_resumes_without_loss_or_duplicates(client_for, state, phone) -> None:
    """A cable pulled mid-transfer, then the service dies: on restart the job resumes from where it was."""
    import socket as socket_module

    from sqlalchemy import update

    from extractor.simulator.adb_server import SimulatorConfig
    from store.models import ExtractionJob

    intake, authoriser = client_for("intake"), client_for("authoriser")

    def run(reference: str, config: SimulatorConfig | None) -> tuple[int, int]:
        simulator = start_adb_simulator(phone.root, port=0, config=config)
        try:
            case_id, device_id, authorisation_id = approved_case(
                intake, authoriser, reference, serial=phone.serial, **WINDOW
            )
            job_id = intake.post(
                f"/api/v1/cases/{case_id}/jobs",
                json={
                    "authorisation_id": authorisation_id,
                    "device_id": device_id,
                    "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
                },
            ).json()["id"]
            worker = JobWorker(state, retry_delay_s=0)
            assert worker.run_once()
            if config is not None:
                assert intake.get(f"/api/v1/jobs/{job_id}").json()["state"] == "interrupted"
                # the process "dies" while the job is marked running by it
                with state.session_factory.begin() as session:
                    session.execute(
                        update(ExtractionJob)
                        .where(ExtractionJob.id == job_id)
                        .values(state="running", worker_id=f"{socket_module.gethostname()}:999999:dead")
                    )
                restarted = JobWorker(state, retry_delay_s=0)
                assert restarted.recover_orphans() == 1
                assert restarted.run_once()
            assert intake.get(f"/api/v1/jobs/{job_id}").json()["state"] == "completed"
            return case_id, job_id
        finally:
            simulator.stop()

    clean_case, _ = run("V-CLEAN", None)
    broken_case, broken_job = run(
        "V-BROKEN", SimulatorConfig(drop_after_bytes=60_000, misbehave_connections=1)
    )
    with state.session_factory() as session:

        def custody(case_id: int) -> list[tuple[str, str]]:
            return sorted(
                (c.device_path, c.sha256_acquired)
                for c in session.scalars(select(CustodyRecord).where(CustodyRecord.case_id == case_id))
            )

        def records(case_id: int) -> list[tuple]:
            return sorted(
                (r.source_path, r.row_ref, r.lat, r.lon, r.time_utc)
                for r in session.scalars(select(LocationRow).where(LocationRow.case_id == case_id))
            )

        assert custody(broken_case) == custody(clean_case)
        resumed, clean = records(broken_case), records(clean_case)
        assert [r[:4] for r in resumed] == [r[:4] for r in clean]
        # device-clock times differ only by the jitter of the two clock measurements (sub-second)
        assert all(abs((a[4] - b[4]).total_seconds()) < 2 for a, b in zip(resumed, clean, strict=True))
        attempts = session.get(ExtractionJob, broken_job).attempts
    assert attempts == 2
