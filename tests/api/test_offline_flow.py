"""Offline inputs through the HTTP API: an encrypted iOS backup (right and wrong password), a zip of a prior
Android extraction, a hostile zip, and Google Timeline.json / Records.json exports. Inputs are placed in the
station's import folder; each is hashed as received. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.jobs.offline_target import folder_sha256
from extractor.simulator.ios_backup_builder import (
    BackupIdentity,
    default_home_files,
    media_folder_files,
    write_backup_folder,
)
from extractor.simulator.ios_phone_builder import BuiltIphoneMedia, build_iphone_media
from extractor.simulator.phone_builder import SDCARD, PhoneManifest, build_phone
from store.models import AuditEntry, ExtractionJob
from tests.api.job_helpers import open_gate_case, run_job, start_job, stored

UDID = "00008110-001A2B3C4D5E801E"
BACKUP_SERIAL = "F2LXK0SIM0D1"
BACKUP_PASSWORD = "correct horse 7"


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> BuiltIphoneMedia:
    return build_iphone_media(tmp_path_factory.mktemp("offline-iphone") / "Media")


@pytest.fixture(scope="module")
def encrypted_backup(media: BuiltIphoneMedia, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An encrypted backup as iTunes/Finder leaves it: ``<folder>/<udid>/Manifest.db`` + hashed files."""
    folder = tmp_path_factory.mktemp("encrypted-backup")
    write_backup_folder(
        folder / UDID,
        media_folder_files(media.root) + default_home_files(),
        BackupIdentity(udid=UDID, serial_number=BACKUP_SERIAL, device_name="Amina's iPhone"),
        password=BACKUP_PASSWORD,
    )
    return folder


@pytest.fixture(scope="module")
def android_phone(tmp_path_factory: pytest.TempPathFactory) -> PhoneManifest:
    return build_phone(tmp_path_factory.mktemp("prior-android"), photos=12, timeline_points=40, seed=11)


@pytest.fixture(scope="module")
def android_zip(android_phone: PhoneManifest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A prior logical extraction of the phone's shared storage, laid out as ``sdcard/...`` in a zip."""
    sdcard = android_phone.device_root / SDCARD.lstrip("/")
    archive = tmp_path_factory.mktemp("prior-zip") / "prior-extraction.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(sdcard.rglob("*")):
            if path.is_file() and not path.is_symlink():
                bundle.write(path, "sdcard/" + path.relative_to(sdcard).as_posix())
    return archive


def _imports(state) -> Path:
    folder = state.settings.data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _offline_case(client_for, reference: str, serial: str | None = None):
    intake, authoriser = client_for("intake"), client_for("authoriser")
    return intake, open_gate_case(intake, authoriser, reference, platform="offline", serial=serial)


def _job_row(state, job_id: int) -> ExtractionJob:
    with state.session_factory() as session:
        job = session.get(ExtractionJob, job_id)
        assert job is not None
        session.expunge(job)
        return job


# --- iOS backup ------------------------------------------------------------------------------------------


def test_encrypted_ios_backup_with_the_right_password(
    client_for, state, media: BuiltIphoneMedia, encrypted_backup: Path
) -> None:
    shutil.copytree(encrypted_backup, _imports(state) / "iphone-backup")
    intake, (case_id, device_id, authorisation_id) = _offline_case(
        client_for, "V-BAK-1", serial=BACKUP_SERIAL
    )
    source = {"kind": "ios_backup", "path": "iphone-backup", "password": BACKUP_PASSWORD}
    job_id = start_job(intake, case_id, device_id, authorisation_id, source)
    job = run_job(state, intake, job_id)
    assert job["state"] == "completed", job["error"]

    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    assert report["identity"]["serial"] == BACKUP_SERIAL and report["identity"]["model"] == "iPhone14,5"
    assert ["backup_encrypted", "true"] in report["identity"]["extra"]
    assert not report["clock"]  # an offline input has no live clock
    assert report["scope"]["input_sha256"] == folder_sha256(_imports(state) / "iphone-backup")
    assert report["tool_versions"]["iphone-backup-decrypt"]
    statuses = {a["artifact_id"]: a["status"] for a in report["artifacts"]}
    assert statuses["ios.photos_sqlite"] == "found"

    custody, rows = stored(state, job_id)
    assert [c.device_path for c in custody] == ["CameraRollDomain/Media/PhotoData/Photos.sqlite"]
    assert custody[0].sha256_acquired == hashlib.sha256(media.photos_sqlite.read_bytes()).hexdigest()
    truth = sorted((p.taken_utc, p.lat, p.lon) for p in media.photos if p.lat is not None)
    assert sorted((r.time_utc, r.lat, r.lon) for r in rows) == truth
    assert all(r.clock_offset_applied_s == 0 for r in rows)

    # the password is nowhere: not in the job row, its report, its log or the audit trail
    with state.session_factory() as session:
        audit_text = json.dumps(
            [[a.details, a.reason] for a in session.scalars(select(AuditEntry))], default=str
        )
    row = _job_row(state, job_id)
    for text in (json.dumps(report), json.dumps(row.params), audit_text):
        assert BACKUP_PASSWORD not in text


def test_encrypted_ios_backup_with_a_wrong_password_fails_clearly(
    client_for, state, encrypted_backup: Path
) -> None:
    shutil.copytree(encrypted_backup, _imports(state) / "iphone-backup")
    intake, (case_id, device_id, authorisation_id) = _offline_case(
        client_for, "V-BAK-2", serial=BACKUP_SERIAL
    )
    source = {"kind": "ios_backup", "path": "iphone-backup", "password": "not the password"}
    job_id = start_job(intake, case_id, device_id, authorisation_id, source)
    job = run_job(state, intake, job_id)
    assert job["state"] == "failed"
    assert "BackupPasswordIncorrect" in job["error"] and "password is wrong" in job["error"]
    assert "not the password" not in job["error"]
    assert stored(state, job_id) == ([], [])


# --- prior extraction ------------------------------------------------------------------------------------


def test_zip_of_a_prior_android_extraction(
    client_for, state, android_phone: PhoneManifest, android_zip: Path
) -> None:
    shutil.copyfile(android_zip, _imports(state) / android_zip.name)
    intake, (case_id, device_id, authorisation_id) = _offline_case(client_for, "V-ZIP-1")
    job_id = start_job(
        intake, case_id, device_id, authorisation_id, {"kind": "archive", "path": android_zip.name}
    )
    job = run_job(state, intake, job_id)
    assert job["state"] == "completed", job["error"]

    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    assert report["scope"]["input_sha256"] == hashlib.sha256(android_zip.read_bytes()).hexdigest()
    assert report["identity"] is None and not report["clock"]
    outcomes = {a["artifact_id"]: a for a in report["artifacts"]}
    assert outcomes["android.dcim_exif"]["status"] == "found"
    assert outcomes["common.google_timeline"]["status"] == "found"
    # shell-only artifacts cannot come from a file tree, and the report says so
    assert outcomes["android.dumpsys_location"]["status"] == "failed"
    assert "device shell" in outcomes["android.dumpsys_location"]["error"]

    custody, rows = stored(state, job_id)
    assert not [c for c in custody if "Documents" in c.device_path]  # out-of-scope files are never read
    truth = {p.device_path.replace(SDCARD, "/sdcard"): p for p in android_phone.photos}
    photo_rows = [r for r in rows if r.artifact_id == "android.dcim_exif"]
    checked = 0
    for row in photo_rows:
        photo = truth[row.source_path]
        if not photo.has_gps_time:
            continue
        assert (row.lat, row.lon) == (pytest.approx(photo.lat, abs=1e-4), pytest.approx(photo.lon, abs=1e-4))
        assert abs((row.time_utc - photo.time_utc).total_seconds()) <= 2
        checked += 1
    assert checked >= 3
    timeline = [r for r in rows if r.artifact_id == "common.google_timeline"]
    assert timeline and all(r.source_path == "/sdcard/Download/Timeline.json" for r in timeline)
    assert android_phone.timeline_start_utc is not None and android_phone.timeline_end_utc is not None
    assert all(
        android_phone.timeline_start_utc <= r.time_utc <= android_phone.timeline_end_utc for r in timeline
    )


def test_hostile_zip_is_refused(client_for, state) -> None:
    hostile = _imports(state) / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as bundle:
        bundle.writestr("sdcard/Download/Timeline.json", '{"semanticSegments": []}')
        bundle.writestr("../../../etc/cron.d/evil", "* * * * * root true\n")
    intake, (case_id, device_id, authorisation_id) = _offline_case(client_for, "V-ZIP-2")
    job_id = start_job(
        intake, case_id, device_id, authorisation_id, {"kind": "archive", "path": "hostile.zip"}
    )
    job = run_job(state, intake, job_id)
    assert job["state"] == "failed"
    assert job["error"].startswith("HostileInput") and "zip-slip" in job["error"]
    assert stored(state, job_id) == ([], [])


def test_an_input_swapped_for_a_symlink_after_the_job_was_created_is_not_read(
    client_for, state, android_phone, tmp_path
) -> None:
    """The import path is checked again when the job runs, and reached without following links."""
    outside = tmp_path / "outside-the-import-folder"
    (outside / "sdcard/Download").mkdir(parents=True)
    (outside / "sdcard/Download/Timeline.json").write_text('{"semanticSegments": []}')
    folder = _imports(state) / "prior-folder"
    (folder / "sdcard/Download").mkdir(parents=True)
    (folder / "sdcard/Download/Timeline.json").write_text('{"semanticSegments": []}')
    intake, (case_id, device_id, authorisation_id) = _offline_case(client_for, "V-SWAP-1")
    job_id = start_job(
        intake, case_id, device_id, authorisation_id, {"kind": "archive", "path": "prior-folder"}
    )
    import shutil

    shutil.rmtree(folder)
    folder.symlink_to(outside, target_is_directory=True)
    job = run_job(state, intake, job_id)
    assert job["state"] == "failed"
    assert job["error"].startswith("HostileInput") and "symbolic link" in job["error"]
    assert stored(state, job_id) == ([], [])


def test_a_nul_byte_or_a_climb_in_the_input_path_is_a_clear_4xx(client_for, state) -> None:
    intake, (case_id, device_id, authorisation_id) = _offline_case(client_for, "V-NUL-1")
    for path in ("bad\x00name.zip", "../../etc/passwd", "/etc/passwd"):
        response = intake.post(
            f"/api/v1/cases/{case_id}/jobs",
            json={
                "authorisation_id": authorisation_id,
                "device_id": device_id,
                "source": {"kind": "archive", "path": path},
            },
        )
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
        assert str(state.settings.data_dir) not in response.text  # no host paths in messages


# --- Google exports --------------------------------------------------------------------------------------

TIMELINE_POINTS = [
    ("2024-05-01T10:05:00.000+02:00", 48.2082, 16.3738),
    ("2024-05-01T10:35:00.000+02:00", 48.1951, 16.3717),
    ("2024-05-01T11:20:00.000+02:00", 48.1852, 16.3776),
]
RECORDS = [
    {"latitudeE7": 452150000, "longitudeE7": 139390000, "accuracy": 12, "timestamp": "2024-06-02T08:00:00Z"},
    {"latitudeE7": 451000000, "longitudeE7": 141000000, "accuracy": 30, "timestampMs": "1717322400000"},
]


def _export_job(client_for, state, reference: str, name: str, content: str) -> tuple:
    export = _imports(state) / name
    export.write_text(content, "utf-8")
    intake, (case_id, device_id, authorisation_id) = _offline_case(client_for, reference)
    job_id = start_job(intake, case_id, device_id, authorisation_id, {"kind": "google_export", "path": name})
    job = run_job(state, intake, job_id)
    assert job["state"] == "completed", job["error"]
    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    assert report["scope"]["input_sha256"] == hashlib.sha256(export.read_bytes()).hexdigest()
    return report, *stored(state, job_id)


def test_google_timeline_export(client_for, state) -> None:
    content = json.dumps(
        {
            "semanticSegments": [
                {
                    "startTime": "2024-05-01T10:00:00.000+02:00",
                    "endTime": "2024-05-01T12:00:00.000+02:00",
                    "timelinePath": [
                        {"point": f"{lat}°, {lon}°", "time": t} for t, lat, lon in TIMELINE_POINTS
                    ],
                }
            ]
        }
    )
    report, custody, rows = _export_job(client_for, state, "V-GGL-1", "Timeline.json", content)
    assert {a["artifact_id"]: a["status"] for a in report["artifacts"]}["common.google_timeline"] == "found"
    assert [c.device_path for c in custody] == ["/Timeline.json"]
    got = sorted((r.time_utc, r.lat, r.lon) for r in rows)
    assert got == [(datetime.fromisoformat(t).astimezone(UTC), lat, lon) for t, lat, lon in TIMELINE_POINTS]


def test_google_takeout_records_export(client_for, state) -> None:
    report, custody, rows = _export_job(
        client_for, state, "V-GGL-2", "Records.json", json.dumps({"locations": RECORDS})
    )
    statuses = {a["artifact_id"]: a["status"] for a in report["artifacts"]}
    assert statuses["common.google_records"] == "found" and statuses["common.google_timeline"] == "not_found"
    assert [c.device_path for c in custody] == ["/Takeout/Location History/Records.json"]
    assert any("read as /Takeout/Location History/Records.json" in n for n in report["scope"]["notes"])
    assert sorted((r.time_utc, r.lat, r.lon) for r in rows) == [
        (datetime(2024, 6, 2, 8, 0, tzinfo=UTC), 45.215, 13.939),
        (datetime(2024, 6, 2, 10, 0, tzinfo=UTC), 45.1, 14.1),
    ]
