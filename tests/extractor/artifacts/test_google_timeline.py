"""Google Timeline export: both layouts, provenance, hostile rows, truncation, and bounded memory when streamed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractor.artifacts.common import google_timeline
from extractor.artifacts.common.parse_summary import collect
from extractor.artifacts.spec import ParseContext
from extractor.errors import ArtifactCorrupted
from extractor.records import FixKind, Observation, TimeSource
from tests.extractor.artifacts.fixtures import make_item, timeline_android_document, timeline_ios_document


def _run(document: object, path: str = "/sdcard/Download/Timeline.json"):
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return collect(google_timeline.parse(make_item(data, path), ParseContext()))


def test_android_layout_gives_path_visit_activity_and_raw_records() -> None:
    records, summary = _run(timeline_android_document())
    by_ref = {r.row_ref: r for r in records}
    assert len(records) == 10 and summary is not None and summary.records == 10
    assert "Android" in (summary.variant or "")
    path_point = by_ref["semanticSegments[0].timelinePath[1]"]
    assert path_point.time_utc == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert (path_point.lat, path_point.lon) == (pytest.approx(38.2466), pytest.approx(21.7346))
    assert path_point.time_source is TimeSource.SERVER and path_point.fix_kind is FixKind.EXPORT
    assert path_point.observation is Observation.OWN
    assert by_ref["semanticSegments[1].visit@start"].time_utc == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert by_ref["semanticSegments[1].visit@end"].time_utc == datetime(2024, 3, 1, 13, 30, tzinfo=UTC)
    assert "not a fix" in (by_ref["semanticSegments[1].visit@end"].note or "")
    end = by_ref["semanticSegments[2].activity.end"]
    assert end.time_utc == datetime(2024, 3, 1, 17, 0, tzinfo=UTC) and end.lat == pytest.approx(41.3275)
    assert "IN_BUS" in (end.note or "")
    gps = by_ref["rawSignals[0].position"]
    assert gps.fix_kind is FixKind.GNSS and gps.accuracy_m == 12 and gps.altitude_m == pytest.approx(110.5)
    assert by_ref["rawSignals[2].position"].fix_kind is FixKind.WIFI
    assert by_ref["rawSignals[3].position"].fix_kind is FixKind.CELL
    assert all(
        r.source_path == "/sdcard/Download/Timeline.json" and len(r.source_sha256) == 64 for r in records
    )


def test_ios_layout() -> None:
    records, summary = _run(timeline_ios_document(), "/offline/location-history.json")
    assert summary is not None and "iOS" in (summary.variant or "")
    by_ref = {r.row_ref: r for r in records}
    assert set(by_ref) == {
        "[0].visit@start",
        "[0].visit@end",
        "[1].timelinePath[0]",
        "[1].activity.start",
        "[1].activity.end",
    }
    assert by_ref["[1].timelinePath[0]"].time_utc == datetime(2024, 2, 21, 6, 30, tzinfo=UTC)
    assert by_ref["[1].activity.end"].lon == pytest.approx(26.5557)


def test_bad_rows_are_skipped_and_counted() -> None:
    document = timeline_android_document()
    path = document["semanticSegments"][0]["timelinePath"]
    path[0]["point"] = "91.0°, 10.0°"  # latitude out of range
    path[1]["time"] = "2024-03-01T11:00:00"  # no zone: refused, never guessed
    path[2]["point"] = {"lat": 1}  # wrong type
    document["semanticSegments"].append("not an object")
    records, summary = _run(document)
    assert summary is not None
    assert summary.skipped_invalid == 4 and len(records) == 7
    assert any("without a zone" in note for note in summary.notes)


def test_truncated_and_non_json_files_raise_artifact_corrupted() -> None:
    data = json.dumps(timeline_android_document()).encode()
    item = make_item(data[: len(data) // 2], "/sdcard/Timeline.json")
    with pytest.raises(ArtifactCorrupted, match="truncated or damaged"):
        collect(google_timeline.parse(item, ParseContext()))
    for junk in (b"", b"\x00\xff\xfe garbage", b'"a string"'):
        with pytest.raises(ArtifactCorrupted):
            collect(google_timeline.parse(make_item(junk, "/sdcard/Timeline.json"), ParseContext()))


def _write_big_timeline(path: Path, *, segments: int, points_per_segment: int) -> int:
    """Write an Android-layout export segment by segment (never holding it in memory); return point count."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"semanticSegments": [')
        for s in range(segments):
            hour = s % 24
            points = ",".join(
                f'{{"point": "{35 + (s % 1000) * 0.01:.6f}°, {20 + p * 0.0001:.6f}°", '
                f'"time": "2024-03-{1 + s % 28:02d}T{hour:02d}:{p % 60:02d}:{p // 60 % 60:02d}.000+02:00"}}'
                for p in range(points_per_segment)
            )
            out.write(
                ("," if s else "")
                + f'{{"startTime": "2024-03-01T00:00:00.000+02:00", "timelinePath": [{points}]}}'
            )
        out.write('], "rawSignals": []}')
    return segments * points_per_segment


@pytest.mark.slow
def test_200_mb_export_streams_in_bounded_memory(tmp_path: Path) -> None:
    big = tmp_path / "Timeline.json"
    expected = _write_big_timeline(big, segments=10000, points_per_segment=250)
    size_mb = big.stat().st_size / 1e6
    assert size_mb > 180
    script = textwrap.dedent(
        f"""
        import resource, sys, time
        from extractor.artifacts.common import google_timeline
        from extractor.artifacts.spec import AcquiredItem, ParseContext
        from pathlib import Path
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        path = Path({str(big)!r})
        item = AcquiredItem(device_path="/sdcard/Timeline.json", sha256="0" * 64, size=None, mtime=None,
                            opener=lambda: path.open("rb"))
        started = time.perf_counter()
        count = sum(1 for _ in google_timeline.parse(item, ParseContext()))
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(count, before, after, round(elapsed, 1))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600
    )
    count, before_kib, after_kib, elapsed_s = result.stdout.split()
    assert int(count) == expected
    growth_mb = (int(after_kib) - int(before_kib)) / 1024
    print(
        f"{size_mb:.0f} MB, {expected} points, {elapsed_s} s, peak RSS {int(after_kib) / 1024:.0f} MB (growth {growth_mb:.1f} MB)"
    )
    assert growth_mb < 100, f"peak RSS grew by {growth_mb:.0f} MB while streaming a {size_mb:.0f} MB file"
