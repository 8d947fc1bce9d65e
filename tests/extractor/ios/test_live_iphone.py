"""The live iPhone source driving real pymobiledevice3 against the simulated phone (usbmux → lockdown → pair
→ TLS session → AFC and Mobilebackup2)."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from datetime import timedelta

import pytest
from PIL import Image

from extractor.errors import DeviceDisconnected, DeviceNotFound, DeviceUnauthorised
from extractor.simulator.ios_backup_builder import file_id_for
from extractor.simulator.ios_phone_builder import NO_LOCATION, BuiltIphoneMedia
from extractor.sources.base import Source, walk
from extractor.sources.ios import IphoneConnectionSettings, LiveIphone, with_sqlite_companions
from extractor.timestamps import from_cocoa_s

pytestmark = pytest.mark.device

PHOTOS_SQLITE = "CameraRollDomain/Media/PhotoData/Photos.sqlite"
HEAD_BYTES = 64 * 1024


def test_identity_and_clock_with_a_wrong_device_clock(start_sim, connect, short_dir):
    simulator = start_sim(clock_offset_s=-5400.0, timezone="Asia/Kabul")
    phone = connect(simulator)
    identity = phone.identity()
    assert identity.platform == "ios"
    assert (identity.manufacturer, identity.model, identity.serial) == ("Apple", "iPhone14,5", "F2LXK0SIM0D1")
    assert identity.os_version == "17.4.1" and identity.timezone == "Asia/Kabul"
    assert ("udid", simulator.udid) in identity.extra
    assert ("timezone_offset_s", "16200.0") in identity.extra
    reading = phone.read_clock()
    assert abs(reading.offset_s - (-5400.0)) <= reading.uncertainty_s
    assert reading.host_before <= reading.host_after
    assert reading.device_timezone == "Asia/Kabul"
    # pairing happened once and the record is in the station's folder, not in a home directory
    assert (short_dir / "pair-records" / f"{simulator.udid}.plist").is_file()


def test_afc_listing_and_metadata_only_reads(start_sim, connect, iphone_media: BuiltIphoneMedia):
    simulator = start_sim()
    source = connect(simulator).afc_source()
    assert isinstance(source, Source)
    entries = {entry.path: entry for entry in walk(source, "/DCIM")}
    assert set(entries) == {photo.device_path for photo in iphone_media.photos}
    first = iphone_media.photos[0]
    entry = entries[first.device_path]
    local = iphone_media.root / first.device_path.lstrip("/")
    assert entry.size == local.stat().st_size
    assert entry.mtime is not None and abs(entry.mtime - first.taken_utc) < timedelta(seconds=1)

    head = source.read_range(
        "/var/mobile/Media" + first.device_path, 0, HEAD_BYTES
    )  # full device path works too
    assert head == local.read_bytes()[:HEAD_BYTES]
    served = simulator.requests.bytes_sent("afc", first.device_path)
    assert served == HEAD_BYTES < entry.size  # metadata-only: the pixels never crossed the cable
    assert source.sha256(first.device_path) is None  # not read whole, AFC cannot hash on the phone

    gps = Image.open(io.BytesIO(head)).getexif().get_ifd(0x8825)
    assert gps[1] == "N" and gps[2][0] == int(first.lat)

    whole = source.read_range(first.device_path, 0, entry.size + 10)
    assert (
        source.sha256(first.device_path)
        == hashlib.sha256(whole).hexdigest()
        == hashlib.sha256(local.read_bytes()).hexdigest()
    )
    assert source.read_range(first.device_path, 100, 50) == local.read_bytes()[100:150]


def test_filtered_backup_keeps_only_planned_files(
    start_sim, connect, iphone_media: BuiltIphoneMedia, short_dir
):
    simulator = start_sim()
    phone = connect(simulator)
    backup = phone.filtered_backup(short_dir / "backup", with_sqlite_companions([PHOTOS_SQLITE]))
    assert backup.kept_paths == (PHOTOS_SQLITE,)
    # the phone streamed everything (photos, messages, contacts...), the station kept only the plan
    streamed = {e.path for e in simulator.requests.entries("mobilebackup2", "UploadFile")}
    assert "/var/mobile/Library/SMS/sms.db" in streamed
    assert backup.discarded_files == len(iphone_media.photos) + 3
    stored = sorted(p.name for p in backup.folder.rglob("*") if p.is_file())
    assert stored == sorted(
        [
            "Info.plist",
            "Manifest.db",
            "Manifest.plist",
            "Status.plist",
            backup.source._records[PHOTOS_SQLITE].file_id,
        ]
    )
    sms_id = file_id_for("HomeDomain", "Library/SMS/sms.db")
    assert not (backup.folder / sms_id[:2] / sms_id).exists()

    source = backup.source
    assert isinstance(source, Source)
    assert source.read_range(PHOTOS_SQLITE, 0, 1 << 30) == iphone_media.photos_sqlite.read_bytes()
    copy = short_dir / "Photos.sqlite"
    copy.write_bytes(source.read_range(PHOTOS_SQLITE, 0, 1 << 30))
    with sqlite3.connect(copy) as connection:
        rows = connection.execute(
            "SELECT ZFILENAME, ZLATITUDE, ZLONGITUDE, ZDATECREATED FROM ZASSET ORDER BY Z_PK"
        ).fetchall()
    for (filename, lat, lon, created), photo in zip(rows, iphone_media.photos, strict=True):
        assert filename == photo.filename
        assert from_cocoa_s(created) == photo.taken_utc
        assert (lat, lon) == ((photo.lat, photo.lon) if photo.lat is not None else (NO_LOCATION, NO_LOCATION))
    source.close()


def test_filtered_backup_of_a_phone_that_encrypts_its_backups(
    start_sim, connect, iphone_media: BuiltIphoneMedia, short_dir
):
    simulator = start_sim(backup_password="correct horse")
    phone = connect(simulator, backup_password="correct horse")
    backup = phone.filtered_backup(short_dir / "backup", [PHOTOS_SQLITE])
    assert backup.source.is_encrypted
    stored = (
        backup.folder
        / backup.source._records[PHOTOS_SQLITE].file_id[:2]
        / backup.source._records[PHOTOS_SQLITE].file_id
    )
    assert not stored.read_bytes().startswith(b"SQLite format 3")  # encrypted at rest as the phone sent it
    assert (
        backup.source.sha256(PHOTOS_SQLITE)
        == hashlib.sha256(iphone_media.photos_sqlite.read_bytes()).hexdigest()
    )
    backup.source.close()


@pytest.mark.parametrize("config", [{"refuse_pairing": True}, {"pairing_prompt_pending": True}])
def test_untrusted_phone_tells_the_officer_to_tap_trust(start_sim, connect, config):
    simulator = start_sim(**config)
    with pytest.raises(DeviceUnauthorised, match="tap 'Trust'"):
        connect(simulator)
    assert not any(e.operation == "StartService" for e in simulator.requests.entries("lockdownd"))


def test_no_usbmuxd_is_device_not_found(short_dir, monkeypatch):
    monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", str(short_dir / "absent.sock"))
    with pytest.raises(DeviceNotFound):
        LiveIphone(
            IphoneConnectionSettings(
                pair_records_dir=short_dir / "pr", usbmux_address=str(short_dir / "absent.sock")
            )
        )


def test_dropped_cable_mid_read_then_reconnect(start_sim, connect, iphone_media: BuiltIphoneMedia):
    simulator = start_sim(afc_drop_after_bytes=30_000)
    source = connect(simulator).afc_source()
    photo = iphone_media.photos[1]
    local = (iphone_media.root / photo.device_path.lstrip("/")).read_bytes()
    with pytest.raises(DeviceDisconnected):
        source.read_range(photo.device_path, 0, len(local))
    assert simulator.requests.bytes_sent("afc", photo.device_path) == 30_000
    # the next call reconnects through usbmuxd with the saved pair record (no new Trust prompt)
    assert source.read_range(photo.device_path, 0, len(local)) == local
    assert sum(1 for e in simulator.requests.entries("lockdownd") if e.operation == "Pair") == 1
    assert sum(1 for e in simulator.requests.entries("lockdownd") if e.operation == "StartSession") >= 2
