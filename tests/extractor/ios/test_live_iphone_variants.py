"""Real pymobiledevice3 against a simulated iPhone that leaves facts out or names backup files otherwise
(issue 12): the live source degrades, never aborts, and keeps what the plan needs whatever the naming."""

from __future__ import annotations

import pytest

from extractor.simulator.ios_backup_builder import file_id_for
from extractor.simulator.iphone import BackupNaming
from extractor.sources.ios import BackupKeepFilter, backup_file_id, with_sqlite_companions

pytestmark = pytest.mark.device

PHOTOS_SQLITE = "CameraRollDomain/Media/PhotoData/Photos.sqlite"


@pytest.mark.parametrize("as_error", [True, False], ids=["MissingValue", "no Value"])
def test_a_phone_without_a_clock_gives_none_not_an_error(start_sim, connect, as_error: bool) -> None:
    simulator = start_sim(omit_lockdown_values=("TimeIntervalSince1970",), missing_value_as_error=as_error)
    phone = connect(simulator)
    assert phone.read_clock() is None
    identity = phone.identity()
    assert identity.missing == () and identity.serial == "F2LXK0SIM0D1"  # everything else is there
    assert any(
        e.operation == "GetValue" and "TimeIntervalSince1970" in (e.detail or "")
        for e in simulator.requests.entries("lockdownd")
    )


def test_missing_serial_os_version_and_time_zone_are_listed(start_sim, connect) -> None:
    simulator = start_sim(omit_lockdown_values=("SerialNumber", "ProductVersion", "TimeZone"))
    phone = connect(
        simulator
    )  # pymobiledevice3 still pairs: the phone answers ProductVersion before a session
    identity = phone.identity()
    assert set(identity.missing) == {"serial", "os_version", "timezone"}
    assert identity.serial is None and identity.os_version is None and identity.timezone is None
    reading = phone.read_clock()
    assert reading is not None and reading.device_timezone is None  # the clock is there, its zone is not


def test_a_suffixed_display_name_gives_the_exif_model_name(start_sim, connect) -> None:
    phone = connect(start_sim(product_type="iPhone10,4"))
    identity = phone.identity()
    assert identity.model == "iPhone10,4" and identity.model_name == "iPhone 8"


@pytest.mark.parametrize(
    "device_name",
    [
        "/var/mobile/Media/PhotoData/Photos.sqlite",
        "CameraRollDomain-Media/PhotoData/Photos.sqlite",
        "CameraRollDomain/Media/PhotoData/Photos.sqlite",
        file_id_for("CameraRollDomain", "Media/PhotoData/Photos.sqlite"),
    ],
)
def test_the_keep_filter_knows_a_planned_file_by_any_of_its_names(device_name: str) -> None:
    keep = BackupKeepFilter([PHOTOS_SQLITE])
    assert keep.keeps(device_name, None)
    assert not BackupKeepFilter(["HomeDomain/Library/SMS/sms.db"]).keeps(device_name, None)


def test_the_keep_filter_knows_a_file_by_its_backup_file_name() -> None:
    file_id = backup_file_id("CameraRollDomain", "Media/PhotoData/Photos.sqlite")
    assert file_id == file_id_for("CameraRollDomain", "Media/PhotoData/Photos.sqlite")  # two writers agree
    keep = BackupKeepFilter([PHOTOS_SQLITE])
    assert keep.keeps("something-unhelpful", f"00008110-001A2B3C4D5E801E/{file_id[:2]}/{file_id}")
    assert not keep.keeps("/var/mobile/Media/PhotoData/Photos.sqlite-wal", None)
    assert not keep.keeps(file_id_for("HomeDomain", "Library/SMS/sms.db"), None)


@pytest.mark.parametrize("naming", list(BackupNaming))
def test_filtered_backup_keeps_the_plan_whatever_the_naming(start_sim, connect, short_dir, naming) -> None:
    simulator = start_sim(backup_naming=naming)
    phone = connect(simulator)
    backup = phone.filtered_backup(
        short_dir / f"backup-{naming.value}", with_sqlite_companions([PHOTOS_SQLITE])
    )
    assert PHOTOS_SQLITE in backup.kept_paths
    assert not [p for p in backup.kept_paths if p.startswith("HomeDomain/")]  # out of scope: drained unread
    assert backup.discarded_files > 0
    uploaded = {e.path for e in simulator.requests.entries("mobilebackup2", "UploadFile")}
    expected_name = {
        BackupNaming.FILE_ID: file_id_for("CameraRollDomain", "Media/PhotoData/Photos.sqlite"),
        BackupNaming.DOMAIN_PATH: "CameraRollDomain-Media/PhotoData/Photos.sqlite",
        BackupNaming.DEVICE_PATH: "/var/mobile/Media/PhotoData/Photos.sqlite",
    }[naming]
    assert expected_name in uploaded  # the phone really announced it that way


def test_a_planned_file_the_backup_lacks_is_listed_as_not_received(start_sim, connect, short_dir) -> None:
    phone = connect(start_sim(backup_naming=BackupNaming.FILE_ID))
    planned = [PHOTOS_SQLITE, "CameraRollDomain/Media/PhotoData/NotThere.sqlite"]
    backup = phone.filtered_backup(short_dir / "backup-nr", planned)
    assert backup.not_received == ("CameraRollDomain/Media/PhotoData/NotThere.sqlite",)
