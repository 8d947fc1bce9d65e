"""dumpsys location and MediaStore parsers on the phone builder's canned outputs."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from extractor.artifacts.android import dumpsys_location, mediastore
from extractor.artifacts.spec import AcquiredItem, ParseContext
from extractor.errors import ArtifactCorrupted
from extractor.records import FixKind, Observation, TimeSource
from extractor.simulator.phone_builder import PhoneManifest
from extractor.timestamps import to_unix_s


def _item(data: bytes, path: str) -> AcquiredItem:
    return AcquiredItem(
        device_path=path, sha256="0" * 64, size=len(data), mtime=None, opener=lambda: io.BytesIO(data)
    )


def test_duration_and_alarm_anchor_parsing() -> None:
    assert dumpsys_location.parse_duration_ms("+1d2h3m4s5ms") == 93_784_005
    assert dumpsys_location.parse_duration_ms("+59s999ms") == 59_999
    assert dumpsys_location.parse_duration_ms("-5m0s0ms") == -300_000
    assert dumpsys_location.parse_duration_ms("123456") == 123_456
    with pytest.raises(ValueError):
        dumpsys_location.parse_duration_ms("+soon")
    text = "  nowRTC=1721469600000=2024-07-20 10:00:00.000 nowELAPSED=+1d0h0m0s0ms\n"
    assert dumpsys_location.parse_alarm_anchor(text) == {
        dumpsys_location.ANCHOR_WALL_MS: "1721469600000",
        dumpsys_location.ANCHOR_ELAPSED_MS: "86400000",
    }
    assert dumpsys_location.parse_alarm_anchor("no alarm state") == {}


def test_last_known_fixes_convert_to_true_times(small_phone: PhoneManifest) -> None:
    boot = small_phone.boot_time_utc
    anchor_wall = boot + timedelta(days=30)
    anchors = {
        dumpsys_location.ANCHOR_WALL_MS: str(int(to_unix_s(anchor_wall) * 1000)),
        dumpsys_location.ANCHOR_ELAPSED_MS: str(30 * 86_400_000),
    }
    data = (small_phone.simulator_dir / "dumpsys_location.txt").read_bytes()
    records = list(dumpsys_location.parse(_item(data, "cmd:dumpsys location"), ParseContext(anchors=anchors)))
    assert len(records) == len(small_phone.last_known_fixes) == 3  # coarse copies skipped
    for record, fix in zip(records, small_phone.last_known_fixes, strict=True):
        assert record.time_utc == fix.time_utc
        assert (record.lat, record.lon, record.accuracy_m) == (
            round(fix.lat, 6),
            round(fix.lon, 6),
            fix.accuracy_m,
        )
        assert record.time_source is TimeSource.DEVICE_CLOCK
    assert records[0].fix_kind is FixKind.GNSS


def test_android_11_layout_and_missing_anchor() -> None:
    text = (
        b"  Last Known Locations:\n"
        b"    gps: Location[gps 41.123456,22.500000 hAcc=8 et=+2h0m0s0ms alt=60.0 vel=0.0 {Bundle[]}]\n"
    )
    anchors = {
        dumpsys_location.ANCHOR_WALL_MS: "1718000000000",
        dumpsys_location.ANCHOR_ELAPSED_MS: "10800000",
    }
    (record,) = dumpsys_location.parse(_item(text, "cmd:dumpsys location"), ParseContext(anchors=anchors))
    assert to_unix_s(record.time_utc) == 1718000000 - 3600 and record.lat == 41.123456
    with pytest.raises(ArtifactCorrupted, match="anchor"):
        list(dumpsys_location.parse(_item(text, "cmd:dumpsys location"), ParseContext()))


def test_mediastore_rows_with_positions(small_phone: PhoneManifest) -> None:
    data = (small_phone.simulator_dir / "content_images.txt").read_bytes()
    records = list(mediastore.parse(_item(data, "cmd:content query"), ParseContext()))
    assert len(records) == small_phone.mediastore_rows_with_location > 0
    truths = {p.device_path: p for p in small_phone.photos}
    for record in records:
        path = record.note.split("MediaStore row for ", 1)[1].split(";", 1)[0]
        truth = truths[path]
        assert (record.lat, record.lon) == (truth.lat, truth.lon)
        assert record.time_source is TimeSource.DEVICE_CLOCK
        expected = Observation.UNKNOWN if truth.own else Observation.RECEIVED
        assert record.observation is expected
        if truth.own:
            assert record.time_utc == truth.time_utc + timedelta(seconds=small_phone.clock_offset_s)


def test_mediastore_odd_rows_are_counted_not_fatal() -> None:
    data = b"Row: 0 _id=1, _data=/x.jpg\nRow: 1 _id=2, _data=/y.jpg, datetaken=5, latitude=NULL, longitude=NULL\n"
    generator = mediastore.parse(_item(data, "cmd:content query"), ParseContext())
    assert list(generator) == []
