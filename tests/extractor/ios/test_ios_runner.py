"""The generic runner and the iOS artifact parsers, unchanged, over the live-iPhone sources (AFC and filtered backup)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from extractor.artifacts import default_registry
from extractor.artifacts.spec import ParseContext, Platform
from extractor.runner import run_acquisition
from extractor.simulator.ios_phone_builder import BuiltIphoneMedia
from extractor.sources.ios import with_sqlite_companions
from tests.extractor.job_sink import MemoryJobSink

pytestmark = pytest.mark.device


def _run(source, artifact_id, sink, clock_offset_s=0.0):
    return run_acquisition(
        source,
        artifacts=[default_registry().get(artifact_id)],
        sink=sink,
        window_start=None,
        window_end=None,
        parse_context=ParseContext(platform=Platform.IOS, device_make="Apple", device_model="iPhone 13"),
        clock_offset_s=clock_offset_s,
    )


def test_afc_photos_and_backup_photos_sqlite_give_ground_truth(
    start_sim, connect, iphone_media: BuiltIphoneMedia, short_dir, tmp_path
):
    simulator = start_sim(clock_offset_s=600.0)
    phone = connect(simulator)
    clock = phone.read_clock()

    sink = MemoryJobSink(root=tmp_path / "afc")
    (outcome,) = _run(phone.afc_source(), "ios.afc_photos_exif", sink, clock.offset_s)
    assert outcome.status == "found" and outcome.items == len(iphone_media.photos)
    for custody in (item.custody for item in sink.items.values()):
        assert custody.bytes_acquired < custody.size  # metadata only
    records = sorted((r for item in sink.items.values() for r in item.records), key=lambda r: r.time_utc)
    with_gps = [p for p in iphone_media.photos if p.lat is not None]
    assert len(records) == len(with_gps)
    for record, photo in zip(records, with_gps, strict=True):
        assert abs(record.time_utc - photo.taken_utc) <= timedelta(seconds=1)  # GPS UTC time: no clock offset
        assert record.lat == pytest.approx(photo.lat, abs=1e-4) and record.lon == pytest.approx(
            photo.lon, abs=1e-4
        )

    backup = phone.filtered_backup(
        short_dir / "backup", with_sqlite_companions(["CameraRollDomain/Media/PhotoData/Photos.sqlite"])
    )
    sink = MemoryJobSink(root=tmp_path / "backup")
    (outcome,) = _run(backup.source, "ios.photos_sqlite", sink)
    assert outcome.status == "found" and outcome.items == 1
    rows = sorted((r for item in sink.items.values() for r in item.records), key=lambda r: r.time_utc)
    assert [(r.lat, r.lon) for r in rows] == [(p.lat, p.lon) for p in with_gps]
    assert [r.time_utc for r in rows] == [p.taken_utc for p in with_gps]
    assert all(r.source_path == "CameraRollDomain/Media/PhotoData/Photos.sqlite" for r in rows)
    backup.source.close()
