"""A live iPhone through the HTTP API: real pymobiledevice3 against the simulated usbmuxd/lockdown/AFC/backup.

gate → ``ios_usbmux`` job → worker → pair (record in the station's data folder) → identity and clock (the phone's
clock is wrong) → AFC photo metadata (heads only) and a filtered backup's Photos.sqlite (with its WAL) → records
in the store at the right UTC times. Also: nothing out of scope is requested, and a cable pulled mid-read
resumes to the same custody as an uninterrupted run. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from extractor.records import TimeSource
from extractor.simulator.ios_phone_builder import (
    PHOTOS_SQLITE,
    BuiltIphoneMedia,
    build_iphone_media,
    write_photos_sqlite,
)
from extractor.simulator.iphone import IphoneSimulatorConfig, RunningIphoneSimulator, start_iphone_simulator
from extractor.timestamps import from_cocoa_s, to_cocoa_s
from tests.api.job_helpers import open_gate_case, run_job, start_job, stored

pytestmark = pytest.mark.device

CLOCK_OFFSET_S = 7200.0  # the phone's clock runs two hours ahead
SERIAL = "F2LXK0SIM0D1"
WAL_ONLY = {"pk": 99, "lat": 47.0707, "lon": 15.4395, "filename": "IMG_0099.JPG"}  # Graz, only in the -wal
WAL_ONLY_TRUE_COCOA_S = to_cocoa_s(datetime(2024, 3, 2, 9, 0, tzinfo=UTC))
UDID = (
    "00008110-00C0FFEE0A5E17E5"  # this file's own phone: its pair record must not appear in the home folder
)


def _photos_sqlite_with_wal(media: BuiltIphoneMedia) -> None:
    """Rewrite Photos.sqlite as the wrong-clock phone wrote it (times + offset) with one row only in its WAL.

    The three files are copied while the writer still holds them open, as a live phone has them.
    """
    shifted = [
        dataclasses.replace(p, taken_utc=p.taken_utc + timedelta(seconds=CLOCK_OFFSET_S))
        for p in media.photos
    ]
    scratch = Path(tempfile.mkdtemp(prefix="photos-db-"))
    database = scratch / "Photos.sqlite"
    write_photos_sqlite(database, shifted, media.photo_sizes)
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute(
            "INSERT INTO ZASSET (Z_PK, Z_ENT, Z_OPT, ZTRASHEDSTATE, ZDATECREATED, ZLATITUDE, ZLONGITUDE, "
            "ZDIRECTORY, ZFILENAME) VALUES (?, 3, 1, 0, ?, ?, ?, 'DCIM/100APPLE', ?)",
            (
                WAL_ONLY["pk"],
                WAL_ONLY_TRUE_COCOA_S + CLOCK_OFFSET_S,
                WAL_ONLY["lat"],
                WAL_ONLY["lon"],
                WAL_ONLY["filename"],
            ),
        )
        connection.commit()
        for suffix in ("", "-wal", "-shm"):
            shutil.copyfile(scratch / f"Photos.sqlite{suffix}", media.root / f"{PHOTOS_SQLITE}{suffix}")
    finally:
        connection.close()
        shutil.rmtree(scratch, ignore_errors=True)
    assert (media.root / f"{PHOTOS_SQLITE}-wal").stat().st_size > 0


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> BuiltIphoneMedia:
    built = build_iphone_media(tmp_path_factory.mktemp("iphone-flow") / "Media")
    _photos_sqlite_with_wal(built)
    return built


def _home_pair_record() -> tuple[bool, float]:
    from pymobiledevice3.common import _HOMEFOLDER

    record = Path(_HOMEFOLDER) / f"{UDID}.plist"
    return record.exists(), record.stat().st_mtime if record.exists() else 0.0


@pytest.fixture
def iphone(
    media: BuiltIphoneMedia, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., RunningIphoneSimulator]]:
    """Start simulators on short socket paths; afterwards, nothing was paired into the user's home folder."""
    socket_dir = Path(tempfile.mkdtemp(prefix="ios-"))
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", str(socket_dir / "unused.sock"))  # restored after the test
    home_before = _home_pair_record()
    running: list[RunningIphoneSimulator] = []

    def start(**config: object) -> RunningIphoneSimulator:
        simulator = start_iphone_simulator(
            media.root,
            socket_dir / f"mux{len(running)}.sock",
            config=IphoneSimulatorConfig(udid=UDID, clock_offset_s=CLOCK_OFFSET_S, **config),  # type: ignore[arg-type]
        )
        running.append(simulator)
        return simulator

    yield start
    for simulator in running:
        simulator.stop()
    shutil.rmtree(socket_dir, ignore_errors=True)
    assert _home_pair_record() == home_before, "a pair record was written to the user's home folder"


def _source(simulator: RunningIphoneSimulator) -> dict:
    return {"kind": "ios_usbmux", "udid": simulator.udid, "socket": str(simulator.socket_path)}


def _iphone_case(client_for, reference: str, **authorisation: object) -> tuple:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    ids = open_gate_case(
        intake,
        authoriser,
        reference,
        platform="ios",
        make="Apple",
        model="iPhone 13",
        serial=SERIAL,
        **authorisation,
    )
    return intake, ids


def test_iphone_extraction_end_to_end(client_for, state, media: BuiltIphoneMedia, iphone) -> None:
    simulator = iphone()
    intake, (case_id, device_id, authorisation_id) = _iphone_case(client_for, "V-IOS-1")
    job_id = start_job(intake, case_id, device_id, authorisation_id, _source(simulator))
    job = run_job(state, intake, job_id)
    assert job["state"] == "completed", job["error"]

    # paired once; the pair record is in the station's data folder
    assert (state.settings.data_dir / "keys" / "pairing" / f"{simulator.udid}.plist").is_file()
    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    identity = report["identity"]
    assert (identity["manufacturer"], identity["model"], identity["serial"]) == (
        "Apple",
        "iPhone14,5",
        SERIAL,
    )
    assert identity["timezone"] == "Europe/Athens" and identity["platform"] == "ios"
    offset_s = report["clock"]["start"]["offset_s"]
    assert offset_s == pytest.approx(CLOCK_OFFSET_S, abs=2)
    assert report["clock"]["end"]["offset_s"] == pytest.approx(CLOCK_OFFSET_S, abs=2)
    assert report["tool_versions"]["pymobiledevice3"] not in ("", "unknown")
    statuses = {a["artifact_id"]: a for a in report["artifacts"]}
    assert statuses["ios.afc_photos_exif"]["status"] == "found"
    assert statuses["ios.afc_photos_exif"]["items"] == len(media.photos)
    assert statuses["ios.photos_sqlite"]["status"] == "found" and statuses["ios.photos_sqlite"]["items"] == 1

    # the filtered backup: the phone streamed everything, the station kept the database and its companions
    all_backup_files = len(simulator.device.plan_backup().files)
    notes = " ".join(report["scope"]["notes"])
    assert "kept 3 file(s)" in notes, notes
    assert f"streamed {all_backup_files - 3} other file(s)" in notes and "discarded unread" in notes

    custody, rows = stored(state, job_id)
    by_path = {c.device_path: c for c in custody}
    # AFC: metadata only — the phone sent fewer bytes than each file holds, and custody says how it was read
    for photo, size in zip(media.photos, media.photo_sizes, strict=True):
        item = by_path[photo.device_path]
        sent = simulator.requests.bytes_sent("afc", photo.device_path)
        assert 0 < sent == item.bytes_acquired < size == item.size
        assert item.sha256_whole_file is None  # AFC cannot hash on the phone and the file was not read whole
        assert "head -c" not in item.method and "read with a length" in item.method
    # AFC reads only the camera roll; outside it only the backup client's own bookkeeping (its lock file, iTunes
    # control files and the Books plist that pymobiledevice3's Mobilebackup2 client checks) is touched
    afc = [e for e in simulator.requests.entries("afc") if e.path]
    assert {e.path for e in afc if e.operation == "READ"} == {p.device_path for p in media.photos}
    bookkeeping = ("/com.apple.itunes.lock_sync", "/iTunes_Control/iTunes/", "/Books/")
    outside = {e.path for e in afc if not (e.path == "/DCIM" or e.path.startswith("/DCIM/"))}
    assert outside and all(path.startswith(bookkeeping) for path in outside), outside
    database = "/CameraRollDomain/Media/PhotoData/Photos.sqlite"
    assert {database, database + "-wal", database + "-shm"} <= set(by_path)
    assert by_path[database + "-wal"].sha256_whole_file == by_path[database + "-wal"].sha256_acquired

    # records: EXIF GPS times are GNSS (not shifted); Photos.sqlite times are the device clock's, corrected
    exif = [r for r in rows if r.artifact_id == "ios.afc_photos_exif"]
    truth = {p.device_path: p for p in media.photos if p.lat is not None}
    assert {r.source_path for r in exif} == set(truth)
    for row in exif:
        photo = truth[row.source_path]
        assert row.time_source == TimeSource.GNSS and row.clock_offset_applied_s == 0
        assert abs((row.time_utc - photo.taken_utc).total_seconds()) <= 1
        assert (row.lat, row.lon) == (pytest.approx(photo.lat, abs=1e-4), pytest.approx(photo.lon, abs=1e-4))
    library = sorted((r for r in rows if r.artifact_id == "ios.photos_sqlite"), key=lambda r: r.time_utc)
    expected = sorted(
        [(p.taken_utc, p.lat, p.lon) for p in truth.values()]
        + [(from_cocoa_s(WAL_ONLY_TRUE_COCOA_S), WAL_ONLY["lat"], WAL_ONLY["lon"])]
    )
    assert len(library) == len(expected)  # the WAL-only row came through: companions reached the parser
    for row, (time_utc, lat, lon) in zip(library, expected, strict=True):
        assert row.time_source == TimeSource.DEVICE_CLOCK
        assert row.clock_offset_applied_s == pytest.approx(offset_s)
        assert abs((row.time_utc - time_utc).total_seconds()) <= 2, (row.row_ref, row.time_utc, time_utc)
        assert (row.lat, row.lon) == (lat, lon)
        assert row.source_path == database


def test_out_of_scope_photos_are_never_requested(client_for, state, iphone) -> None:
    simulator = iphone()
    intake, (case_id, device_id, authorisation_id) = _iphone_case(
        client_for, "V-IOS-2", categories=["location", "device_time", "device_identity"]
    )
    job_id = start_job(intake, case_id, device_id, authorisation_id, _source(simulator))
    job = run_job(state, intake, job_id)
    assert job["state"] == "completed", job["error"]
    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    assert report["identity"]["serial"] == SERIAL  # identity and clock still in scope
    assert "ios.afc_photos_exif" not in report["scope"]["artifacts_in_scope"]
    assert not [e for e in simulator.requests.entries("afc") if e.path and e.path.startswith("/DCIM")]
    assert not simulator.requests.entries("afc", "READ")
    assert not simulator.requests.entries("mobilebackup2")  # no backup: Photos.sqlite was not in scope
    assert any("no backup taken" in note for note in report["scope"]["notes"])
    custody, rows = stored(state, job_id)
    assert custody == [] and rows == []


def test_cable_pulled_mid_read_resumes_to_the_same_custody(client_for, state, iphone) -> None:
    simulator = iphone(afc_drop_after_bytes=200_000)  # the second photo's head is cut off, once
    intake, (case_id, device_id, authorisation_id) = _iphone_case(client_for, "V-IOS-3")
    interrupted = start_job(intake, case_id, device_id, authorisation_id, _source(simulator))
    job = run_job(state, intake, interrupted)
    assert job["state"] == "interrupted" and "DeviceDisconnected" in job["error"], job
    partial, _ = stored(state, interrupted)
    job = run_job(state, intake, interrupted)
    assert job["state"] == "completed", job["error"]
    assert job["attempts"] == 2

    uninterrupted = start_job(intake, case_id, device_id, authorisation_id, _source(simulator))
    assert run_job(state, intake, uninterrupted)["state"] == "completed"

    resumed_custody, resumed_rows = stored(state, interrupted)
    clean_custody, clean_rows = stored(state, uninterrupted)
    assert 0 < len(partial) < len(resumed_custody)  # photos committed before the drop were kept
    assert len({c.item_key for c in resumed_custody}) == len(resumed_custody)  # nothing stored twice

    def manifest(items):
        return sorted((c.device_path, c.sha256_acquired, c.bytes_acquired, c.records_count) for c in items)

    assert manifest(resumed_custody) == manifest(clean_custody)
    assert len(resumed_rows) == len(clean_rows) > 0
