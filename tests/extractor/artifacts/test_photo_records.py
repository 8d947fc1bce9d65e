"""Photo EXIF → LocationRecord: time choice, LEGAL 15 observation, and the two photo artifacts end to end."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from extractor.artifacts.android import dcim_exif
from extractor.artifacts.common.parse_summary import collect
from extractor.artifacts.common.photo_records import classify_folder, models_match
from extractor.artifacts.ios import camera_roll_exif
from extractor.artifacts.spec import ParseContext
from extractor.errors import ArtifactCorrupted
from extractor.records import FixKind, Observation, TimeSource
from tests.extractor.artifacts.fixtures import make_exif, make_heif, make_item, make_jpeg

PIXEL = ParseContext(device_make="Google", device_model="Pixel 7", device_timezone=ZoneInfo("Europe/Athens"))
GPS_UTC = datetime(2024, 3, 1, 8, 15, 30, tzinfo=UTC)


def _parse(data: bytes, path: str, ctx: ParseContext = PIXEL):
    return collect(dcim_exif.parse(make_item(data, path), ctx))


def test_gps_utc_wins_and_camera_photo_of_this_phone_is_own() -> None:
    exif = make_exif(
        lat=37.9838,
        lon=23.7275,
        gps_utc=GPS_UTC,
        local_time_text="2024:03:01 10:20:00",
        offset_text="+02:00",
        h_error_m=3.0,
    )
    data = make_jpeg(exif)
    records, summary = _parse(data, "/sdcard/DCIM/Camera/PXL_1.jpg")
    (record,) = records
    assert record.time_utc == GPS_UTC and record.time_source is TimeSource.GNSS
    assert record.fix_kind is FixKind.EXIF and record.observation is Observation.OWN and record.note is None
    assert record.accuracy_m == pytest.approx(3.0)
    assert record.artifact_id == "android.dcim_exif" and record.row_ref == "exif"
    assert record.source_path == "/sdcard/DCIM/Camera/PXL_1.jpg"
    assert summary is not None and summary.records == 1 and summary.variant == "jpeg"


def test_local_time_with_offset_and_subseconds_is_device_clock() -> None:
    exif = make_exif(
        lat=41.0, lon=28.9, local_time_text="2024:02:20 18:00:00", offset_text="+03:00", subsec_text="5"
    )
    (record,), _ = _parse(make_jpeg(exif), "/sdcard/DCIM/Camera/a.jpg")
    assert record.time_utc == datetime(2024, 2, 20, 15, 0, 0, 500000, tzinfo=UTC)
    assert record.time_source is TimeSource.DEVICE_CLOCK and record.accuracy_m is None


def test_local_time_without_offset_uses_the_device_zone_and_says_so() -> None:
    exif = make_exif(lat=41.0, lon=28.9, local_time_text="2024:07:01 12:00:00")
    (record,), _ = _parse(make_jpeg(exif), "/sdcard/DCIM/Camera/a.jpg")
    assert record.time_utc == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)  # Athens is UTC+3 in summer
    assert record.time_source is TimeSource.DEVICE_CLOCK
    assert "Europe/Athens" in (record.note or "")
    # Without a known device zone there is no time, hence no record, and the summary says why.
    records, summary = _parse(
        make_jpeg(exif),
        "/sdcard/DCIM/Camera/a.jpg",
        ParseContext(device_make="Google", device_model="Pixel 7"),
    )
    assert records == [] and summary is not None and summary.skipped_invalid == 1


@pytest.mark.parametrize(
    ("path", "make", "model", "expected", "why"),
    [
        (
            "/sdcard/Android/media/com.whatsapp/WhatsApp/Media/WhatsApp Images/IMG-1.jpg",
            "Google",
            "Pixel 7",
            Observation.RECEIVED,
            "whatsapp",
        ),
        ("/sdcard/Telegram/Telegram Images/1.jpg", "Google", "Pixel 7", Observation.RECEIVED, "telegram"),
        ("/sdcard/Download/photo.jpg", "Google", "Pixel 7", Observation.RECEIVED, "download"),
        ("/sdcard/Pictures/x.jpg", "Google", "Pixel 7", Observation.RECEIVED, "Pictures"),
        ("/sdcard/DCIM/Screenshots/s.jpg", "Google", "Pixel 7", Observation.RECEIVED, "screenshots"),
        ("/sdcard/DCIM/Camera/b.jpg", "samsung", "SM-A525F", Observation.RECEIVED, "samsung SM-A525F"),
        ("/sdcard/DCIM/Camera/c.jpg", None, None, Observation.UNKNOWN, "no make/model"),
        ("/sdcard/DCIM/Restored/d.jpg", "Google", "Pixel 7", Observation.UNKNOWN, "not in a camera folder"),
    ],
)
def test_legal_15_observation(
    path: str, make: str | None, model: str | None, expected: Observation, why: str
) -> None:
    exif = make_exif(make=make, model=model, lat=40.0, lon=20.0, gps_utc=GPS_UTC)
    (record,), _ = _parse(make_jpeg(exif), path)
    assert record.observation is expected
    assert why in (record.note or "")


def test_unknown_device_identity_is_never_own() -> None:
    exif = make_exif(lat=40.0, lon=20.0, gps_utc=GPS_UTC)
    (record,), _ = _parse(make_jpeg(exif), "/sdcard/DCIM/Camera/a.jpg", ParseContext())
    assert record.observation is Observation.UNKNOWN


def test_iphone_heic_matches_product_type_identity() -> None:
    exif = make_exif(make="Apple", model="iPhone 13 Pro", lat=36.4, lon=25.4, gps_utc=GPS_UTC)
    item = make_item(make_heif(exif), "/DCIM/100APPLE/IMG_0002.HEIC")
    (record,), summary = collect(
        camera_roll_exif.parse(item, ParseContext(device_make="Apple", device_model="iPhone14,2"))
    )
    assert record.observation is Observation.OWN and record.artifact_id == "ios.afc_photos_exif"
    assert summary is not None and summary.variant == "heif"
    other = ParseContext(device_make="Apple", device_model="iPhone12,1")  # an iPhone 11
    (record,), _ = collect(camera_roll_exif.parse(item, other))
    assert record.observation is Observation.RECEIVED


def test_no_gps_no_exif_and_out_of_range_are_counted_not_raised() -> None:
    records, summary = _parse(
        make_jpeg(make_exif(local_time_text="2024:01:01 00:00:00")), "/sdcard/DCIM/Camera/a.jpg"
    )
    assert records == [] and summary is not None and summary.skipped_no_location == 1
    records, summary = _parse(make_jpeg(None), "/sdcard/DCIM/Camera/a.jpg")
    assert records == [] and summary is not None and "no EXIF" in summary.notes
    bad = make_exif(lat=95.0, lon=20.0, gps_utc=GPS_UTC)  # 95° north does not exist
    records, summary = _parse(make_jpeg(bad), "/sdcard/DCIM/Camera/a.jpg")
    assert records == [] and summary is not None and summary.skipped_invalid == 1
    assert "coordinates out of range" in " ".join(summary.notes)


def test_corrupt_photo_raises_artifact_corrupted() -> None:
    with pytest.raises(ArtifactCorrupted):
        _parse(b"\xff\xd8\xff\xe1\x00\x01garbage", "/sdcard/DCIM/Camera/a.jpg")


def test_helpers() -> None:
    assert classify_folder("/DCIM/100APPLE/IMG_1.HEIC").kind == "camera"
    assert classify_folder("/sdcard/DCIM/100ANDRO/DSC_1.JPG").kind == "camera"
    assert classify_folder("/sdcard/DCIM/Facebook/x.jpg").kind == "received"
    assert models_match("HUAWEI", "HUAWEI P30", "HUAWEI", "P30")
    assert models_match("Google", "Pixel 7", "google", "pixel 7")
    assert not models_match("Google", "Pixel 7", "Google", "Pixel 7a")
    assert not models_match("Apple", "iPhone 13 Pro", "samsung", "iPhone 13 Pro")
