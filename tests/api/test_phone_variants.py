"""Phones less tidy than our default simulators, end to end through the HTTP API (issue 12).

Each variant is a simulated phone speaking the real wire protocols to the unmodified adb-shell and
pymobiledevice3 clients: gate → job → worker → report → records → route → the route's points through the API.
Each is measured against the phone builder's ground truth: recall (planted photo points recovered as usable
points), precision (usable photo points that are a planted point), duplicates merged (one usable point per
photo), received photos flagged (never usable).

- Android 9 whose clock is 5.4 minutes off today but was right when the photos were taken, with MediaStore
  latitude/longitude on every photo and WhatsApp Documents photos from another phone (legacy ≤ 10 layout).
- iPhone 8 (ProductType iPhone10,4, display name "iPhone 8 (GSM)") whose lockdown gives no clock and whose
  backup names files by file id — and the same phone naming them by domain path and by device path.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.ios_phone_builder import IphonePhoto, build_iphone_media, default_journey
from extractor.simulator.iphone import BackupNaming, IphoneSimulatorConfig, start_iphone_simulator
from extractor.simulator.phone_builder import PhoneManifest, build_phone
from tests.api.job_helpers import open_gate_case, run_job, start_job, stored

pytestmark = pytest.mark.device

MATCH_DISTANCE_M = 100.0
MATCH_TIME_S = 120.0
RECEIVED_BIT = 1
DUPLICATE_BIT = 2


@dataclass(frozen=True, slots=True)
class TruthPoint:
    key: str  # the photo's path, as the extractor spells it
    time_s: float
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Measured:
    recall: float
    precision: float
    usable_photo_points: int
    photos_with_more_than_one_usable_point: int
    received_usable: int
    duplicates_flagged: int
    set_aside_uncertain: int  # usable points left out: the extractor itself says their time is uncertain
    unrecovered: tuple[str, ...]  # planted photos without a usable point


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    import math

    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def _matches(truth: TruthPoint, columns: dict[str, list[Any]], index: int) -> bool:
    near = _distance_m(truth.lat, truth.lon, columns["lat"][index], columns["lon"][index]) <= MATCH_DISTANCE_M
    return near and abs(truth.time_s - float(columns["time_s"][index])) <= MATCH_TIME_S


def _route_points(reviewer: Any, case_id: int) -> dict[str, list[Any]]:
    response = reviewer.get(f"/api/v1/cases/{case_id}/route/points", params={"max_points": 100_000})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["simplified"] is False
    columns = body["columns"]
    for name, column in list(columns.items()):
        if isinstance(column, dict) and "labels" in column:  # dictionary-coded column
            columns[name] = [column["labels"][code] for code in column["codes"]]
    return columns


def measure(
    columns: dict[str, list[Any]],
    record_paths: dict[int, str],
    own_truth: list[TruthPoint],
    received_keys: set[str],
    photo_artifacts: set[str],
    uncertain_record_ids: frozenset[int] = frozenset(),
) -> Measured:
    """Recall and precision of the usable photo points against the planted own photos (see module docstring).

    ``record_paths`` maps a record id to the photo it is about (its own path, or the path a MediaStore /
    Photos.sqlite row names)."""
    usable_by_photo: dict[str, int] = {}
    usable = true_positive = received_usable = duplicates = uncertain = 0
    truth_by_key = {t.key: t for t in own_truth}
    for index, record_id in enumerate(columns["record_id"]):
        if columns["artifact_id"][index] not in photo_artifacts:
            continue
        flags = int(columns["flags"][index])
        key = record_paths.get(int(record_id), "")
        if flags & DUPLICATE_BIT:
            duplicates += 1
        if flags:
            continue
        truth = truth_by_key.get(key)
        matches = truth is not None and _matches(truth, columns, index)
        if int(record_id) in uncertain_record_ids:
            uncertain += 1  # not counted in precision; a photo it places right is still recovered
            if matches:
                usable_by_photo[key] = usable_by_photo.get(key, 0) + 1
            continue
        usable += 1
        if key in received_keys:
            received_usable += 1
        usable_by_photo[key] = usable_by_photo.get(key, 0) + 1
        if matches:
            true_positive += 1
    recovered = sum(1 for t in own_truth if usable_by_photo.get(t.key))
    return Measured(
        recall=recovered / len(own_truth) if own_truth else 1.0,
        precision=true_positive / usable if usable else 0.0,
        usable_photo_points=usable,
        photos_with_more_than_one_usable_point=sum(1 for n in usable_by_photo.values() if n > 1),
        received_usable=received_usable,
        duplicates_flagged=duplicates,
        set_aside_uncertain=uncertain,
        unrecovered=tuple(t.key for t in own_truth if not usable_by_photo.get(t.key)),
    )


def _record_paths(rows: list[Any]) -> dict[int, str]:
    """Record id → the photo it is about, in ``/sdcard`` or AFC spelling."""
    from extractor.clock_history import file_key

    paths: dict[int, str] = {}
    for row in rows:
        path = row.source_path
        if row.artifact_id == "android.mediastore_images":
            path = (row.note or "").removeprefix("MediaStore row for ").split(";")[0]
        elif row.artifact_id == "ios.photos_sqlite":
            path = "/" + (row.note or "").split(";")[0]
        paths[row.id] = file_key(path)
    return paths


# --- Android 9 ------------------------------------------------------------------------------------------

TODAY_OFFSET_S = 324.0  # 5.4 minutes off today; right when the photos were taken


@pytest.fixture(scope="module")
def android9(tmp_path_factory: pytest.TempPathFactory) -> PhoneManifest:
    return build_phone(
        tmp_path_factory.mktemp("android9"),
        photos=60,
        timeline_points=0,
        seed=12,
        clock_offset_s=TODAY_OFFSET_S,
        photo_clock_offset_s=0.0,
        android_release=9,
        mediastore_location_every=1,
        whatsapp_documents=5,
        without_gps_fraction=0.0,
    )


def _android_truth(phone: PhoneManifest) -> tuple[list[TruthPoint], set[str], set[str]]:
    """Own photos with a position; received photos' paths; own photos whose EXIF has neither a GNSS time nor
    an offset (the EXIF parser reads those in the device's current zone and says so in the record's note)."""
    from extractor.clock_history import file_key

    truth: list[TruthPoint] = []
    received: set[str] = set()
    zone_guessed: set[str] = set()
    for photo in phone.photos:
        key = file_key(photo.device_path)
        if not photo.own:
            received.add(key)
            continue
        if photo.lat is None or photo.lon is None:
            continue
        if not (photo.has_gps_time or photo.has_offset_time):
            zone_guessed.add(key)
        truth.append(TruthPoint(key, photo.time_utc.timestamp(), photo.lat, photo.lon))
    return truth, received, zone_guessed


def test_android9_mediastore_coordinates_one_point_per_photo(client_for, state, android9) -> None:
    phone = android9
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        intake, authoriser, reviewer = client_for("intake"), client_for("authoriser"), client_for("reviewer")
        case_id, device_id, authorisation_id = open_gate_case(
            intake,
            authoriser,
            "V-ANDROID9",
            platform="android",
            make="SAMSUNG",
            model="SM-A525F",
            serial=phone.serial,
        )
        job_id = start_job(
            intake,
            case_id,
            device_id,
            authorisation_id,
            {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
        )
        job = run_job(state, intake, job_id)
    finally:
        simulator.stop()
    assert job["state"] == "completed", job["error"]
    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    assert report["identity"]["os_version"] == "9"
    assert report["clock"]["start"]["offset_s"] == pytest.approx(TODAY_OFFSET_S, abs=5)
    statuses = {a["artifact_id"]: a for a in report["artifacts"]}
    assert statuses["android.mediastore_images"]["status"] == "found"
    assert statuses["android.dcim_exif"]["status"] == "found"

    custody, rows = stored(state, job_id)
    truth, received, zone_guessed = _android_truth(phone)
    paths = _record_paths(rows)

    # historical MediaStore times are not shifted by today's offset: the photos' own evidence says the clock
    # was right then
    media_rows = [r for r in rows if r.artifact_id == "android.mediastore_images"]
    assert len(media_rows) == phone.mediastore_rows_with_location
    assert all(r.clock_offset_applied_s == 0 for r in media_rows)
    truth_by_key = {t.key: t for t in truth}
    for row in media_rows:
        expected = truth_by_key.get(paths[row.id])
        if expected is not None:
            assert abs(row.time_utc.timestamp() - expected.time_s) <= 2, (row.note, expected)

    # WhatsApp Documents (≤ 10 layout): acquired as metadata, flagged received, never a position
    documents = [c for c in custody if "/WhatsApp Documents/" in c.device_path]
    assert len(documents) == 5
    assert all(c.bytes_acquired < 200_000 and c.sha256_whole_file for c in documents)
    document_rows = [r for r in rows if "/WhatsApp Documents/" in paths[r.id]]
    assert document_rows and all(str(r.observation) == "received" for r in document_rows)

    # the EXIF records the parser itself marks as read in the device's current zone (no GNSS time, no offset)
    uncertain = frozenset(
        r.id for r in rows if r.artifact_id == "android.dcim_exif" and "current zone" in (r.note or "")
    )
    rows_by_id = {r.id: r for r in rows}
    assert {paths[i] for i in uncertain} == zone_guessed
    columns = _route_points(reviewer, case_id)
    result = measure(
        columns, paths, truth, received, {"android.dcim_exif", "android.mediastore_images"}, uncertain
    )
    print(f"\nandroid 9: {result} (own photos whose EXIF time is zone-guessed: {len(zone_guessed)})")
    lost = [
        (columns["artifact_id"][i], columns["flags"][i], columns["time_s"][i], rows_by_id[int(r)].note)
        for i, r in enumerate(columns["record_id"])
        if paths.get(int(r)) in result.unrecovered
    ]
    assert result.recall == 1.0 and result.precision == 1.0, (result, lost)
    assert result.received_usable == 0
    assert result.photos_with_more_than_one_usable_point == 0, result
    # the MediaStore row and the EXIF record of one photo are one point: one is flagged the other's duplicate
    assert result.duplicates_flagged >= len(truth) - len(zone_guessed)
    # both sources on the point: every photo with a position has an EXIF record and a MediaStore row
    for point in truth:
        artifacts = {r.artifact_id for r in rows if paths[r.id] == point.key}
        assert artifacts == {"android.dcim_exif", "android.mediastore_images"}, point.key


# --- iPhone 8: no clock, display name with a suffix, backup files named by file id ----------------------

IPHONE8_UDID = "00008010-00C0FFEE0A5E1212"
IPHONE8_SERIAL = "F2LXK0SIM812"


@pytest.fixture(scope="module")
def iphone8_media(tmp_path_factory: pytest.TempPathFactory):
    photos: list[IphonePhoto] = [
        IphonePhoto(p.filename, p.taken_utc, p.lat, p.lon, p.utc_offset_minutes, "Apple", "iPhone 8")
        for p in default_journey(6, start_utc=datetime(2024, 4, 2, 7, 0, tzinfo=UTC))
    ]
    return build_iphone_media(tmp_path_factory.mktemp("iphone8") / "Media", photos)


@pytest.fixture
def socket_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="ios-"))
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", str(directory / "unused.sock"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("naming", [BackupNaming.FILE_ID, BackupNaming.DOMAIN_PATH, BackupNaming.DEVICE_PATH])
def test_iphone8_without_clock_and_odd_backup_names(
    client_for, state, iphone8_media, socket_dir, naming: BackupNaming
) -> None:
    config = IphoneSimulatorConfig(
        udid=IPHONE8_UDID,
        serial_number=IPHONE8_SERIAL,
        product_type="iPhone10,4",
        hardware_model="D201AP",
        device_name="iPhone",
        omit_lockdown_values=("TimeIntervalSince1970",),
        missing_value_as_error=naming is not BackupNaming.DOMAIN_PATH,  # both ways a phone may answer
        backup_naming=naming,
    )
    simulator = start_iphone_simulator(iphone8_media.root, socket_dir / "mux.sock", config=config)
    try:
        intake, authoriser, reviewer = client_for("intake"), client_for("authoriser"), client_for("reviewer")
        case_id, device_id, authorisation_id = open_gate_case(
            intake,
            authoriser,
            f"V-IPHONE8-{naming.value}",
            platform="ios",
            make="Apple",
            model="iPhone 8",
            serial=IPHONE8_SERIAL,
        )
        job_id = start_job(
            intake,
            case_id,
            device_id,
            authorisation_id,
            {"kind": "ios_usbmux", "udid": simulator.udid, "socket": str(simulator.socket_path)},
        )
        job = run_job(state, intake, job_id)
    finally:
        simulator.stop()
    assert job["state"] == "completed", job["error"]
    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    assert report["identity"]["model"] == "iPhone10,4" and report["identity"]["model_name"] == "iPhone 8"
    # the clock was not readable: said on the job, in both languages, and the job went on
    missing = {m["code"]: m for m in report["scope"]["missing_device_facts"]}
    assert set(missing) == {"device_clock"}
    assert missing["device_clock"]["nl"] == "Klok van het toestel niet uit te lezen"
    assert not (report["clock"] or {}).get("start")
    assert any("missing device fact (device_clock)" in line["message"] for line in report["log"])
    # ... and among the case's limitations, which the findings and the report print
    from casework.device_signals import device_history_limitations

    with state.session_factory() as session:
        limitations = device_history_limitations(session, report["job"]["case_id"])
    assert {"en": missing["device_clock"]["en_long"], "nl": missing["device_clock"]["nl_long"]} in limitations
    statuses = {a["artifact_id"]: a for a in report["artifacts"]}
    assert statuses["ios.photos_sqlite"]["status"] == "found" and statuses["ios.photos_sqlite"]["items"] == 1
    assert statuses["ios.afc_photos_exif"]["items"] == len(iphone8_media.photos)
    # Photos.sqlite kept (its -wal/-shm are not on this phone: not "planned, not received" either)
    assert any("kept 1 file(s)" in note for note in report["scope"]["notes"]), report["scope"]["notes"]
    assert not any(note.startswith("planned, not received") for note in report["scope"]["notes"])

    custody, rows = stored(state, job_id)
    paths = _record_paths(rows)
    truth = [
        TruthPoint(p.device_path, p.taken_utc.timestamp(), p.lat, p.lon)
        for p in iphone8_media.photos
        if p.lat is not None and p.lon is not None
    ]
    exif = [r for r in rows if r.artifact_id == "ios.afc_photos_exif"]
    assert len(exif) == len(truth) and all(str(r.observation) == "own" for r in exif)  # not "received"
    library = [r for r in rows if r.artifact_id == "ios.photos_sqlite"]
    assert len(library) == len(truth)
    columns = _route_points(reviewer, case_id)
    result = measure(columns, paths, truth, set(), {"ios.afc_photos_exif", "ios.photos_sqlite"})
    print(f"\niPhone 8 ({naming.value}): {result}")
    assert result.recall == 1.0 and result.precision == 1.0, result
    assert result.photos_with_more_than_one_usable_point == 0
    assert result.duplicates_flagged == len(truth)


def test_a_planned_backup_file_that_never_arrives_is_planned_not_received(
    client_for, state, tmp_path: Path, socket_dir
) -> None:
    media = build_iphone_media(tmp_path / "Media")
    (media.root / "PhotoData" / "Photos.sqlite").unlink()  # the phone's backup will not hold it
    config = IphoneSimulatorConfig(udid="00008110-00C0FFEE0A5E1313", backup_naming=BackupNaming.FILE_ID)
    simulator = start_iphone_simulator(media.root, socket_dir / "mux.sock", config=config)
    try:
        intake, authoriser = client_for("intake"), client_for("authoriser")
        case_id, device_id, authorisation_id = open_gate_case(
            intake,
            authoriser,
            "V-IPHONE-NR",
            platform="ios",
            make="Apple",
            model="iPhone 13",
            serial=config.serial_number,
        )
        job_id = start_job(
            intake,
            case_id,
            device_id,
            authorisation_id,
            {"kind": "ios_usbmux", "udid": simulator.udid, "socket": str(simulator.socket_path)},
        )
        job = run_job(state, intake, job_id)
    finally:
        simulator.stop()
    assert job["state"] == "completed", job["error"]
    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    outcome = {a["artifact_id"]: a for a in report["artifacts"]}["ios.photos_sqlite"]
    assert outcome["status"] == "planned_not_received", outcome
    assert "Photos.sqlite" in outcome["error"]
    assert any(note.startswith("planned, not received") for note in report["scope"]["notes"])
    assert "missing_device_facts" not in report["scope"]  # this phone gave its clock


def test_iphone_without_serial_os_version_or_time_zone_still_extracts(
    client_for, state, iphone8_media, socket_dir
) -> None:
    """The device facts it does not give are recorded on the job; what can still be read is read."""
    config = IphoneSimulatorConfig(
        udid="00008010-00C0FFEE0A5E1414",
        product_type="iPhone10,1",  # "iPhone 8 (Global)"
        omit_lockdown_values=("SerialNumber", "ProductVersion", "TimeZone"),
    )
    simulator = start_iphone_simulator(iphone8_media.root, socket_dir / "mux.sock", config=config)
    try:
        intake, authoriser = client_for("intake"), client_for("authoriser")
        case_id, device_id, authorisation_id = open_gate_case(
            intake, authoriser, "V-IPHONE-FACTS", platform="ios", make="Apple", model="iPhone 8"
        )
        job_id = start_job(
            intake,
            case_id,
            device_id,
            authorisation_id,
            {"kind": "ios_usbmux", "udid": simulator.udid, "socket": str(simulator.socket_path)},
        )
        job = run_job(state, intake, job_id)
    finally:
        simulator.stop()
    assert job["state"] == "completed", job["error"]
    report = intake.get(f"/api/v1/jobs/{job_id}/report").json()
    missing = {m["code"] for m in report["scope"]["missing_device_facts"]}
    assert missing == {"serial", "os_version", "timezone"}
    assert report["clock"]["start"]["offset_s"] == pytest.approx(0.0, abs=2)  # the clock itself was given
    statuses = {a["artifact_id"]: a for a in report["artifacts"]}
    assert statuses["ios.afc_photos_exif"]["status"] == "found"
    # whatever the phone's backup service makes of the missing facts, Photos.sqlite is reported honestly
    # pymobiledevice3 11.x builds the backup's Info.plist from the SerialNumber lockdown value, so without it the
    # backup fails on the station: then Photos.sqlite is "planned, not received" and the note says why
    outcome = statuses["ios.photos_sqlite"]
    if outcome["status"] == "planned_not_received":
        assert any("backup not received" in note for note in report["scope"]["notes"])
    else:
        assert outcome["status"] == "found" and outcome["items"] == 1, outcome
    _, rows = stored(state, job_id)
    exif = [r for r in rows if r.artifact_id == "ios.afc_photos_exif"]
    assert exif and all(str(r.observation) == "own" for r in exif)
