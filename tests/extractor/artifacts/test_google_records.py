"""Takeout Records.json: E7 coordinates, ISO and millisecond times, sources, overflow, bad rows, truncation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from extractor.artifacts.common import google_records
from extractor.artifacts.common.parse_summary import collect
from extractor.artifacts.spec import ParseContext
from extractor.errors import ArtifactCorrupted
from extractor.records import FixKind, Observation, TimeSource
from tests.extractor.artifacts.fixtures import make_item, records_document


def _run(document: object):
    item = make_item(json.dumps(document).encode(), "/offline/Takeout/Location History/Records.json")
    return collect(google_records.parse(item, ParseContext()))


def test_records_json() -> None:
    records, summary = _run(records_document())
    assert [r.row_ref for r in records] == [f"locations[{i}]" for i in range(5)]
    first, second, third, fourth, wrapped = records
    assert first.time_utc == datetime(2022, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert (first.lat, first.lon, first.accuracy_m, first.altitude_m) == (37.9838, 23.7275, 15.0, 70.0)
    assert first.fix_kind is FixKind.GNSS and first.time_source is TimeSource.SERVER
    assert second.time_utc == datetime(2022, 5, 1, 9, 0, tzinfo=UTC) and second.fix_kind is FixKind.WIFI
    assert third.fix_kind is FixKind.CELL and fourth.fix_kind is FixKind.EXPORT
    assert fourth.time_utc == datetime(2022, 5, 1, 10, 0, tzinfo=UTC)
    assert wrapped.lat == pytest.approx(-29.5) and "int32" in (wrapped.note or "")
    assert all(r.observation is Observation.UNKNOWN for r in records)
    assert "deviceTag 222" in (fourth.note or "")
    assert summary is not None and summary.records == 5 and summary.skipped_invalid == 0


def test_bad_rows_are_counted() -> None:
    document = records_document()
    document["locations"] += [
        {"latitudeE7": 950000000, "longitudeE7": 0, "timestamp": "2022-05-01T08:00:00Z"},  # 95°: out of range
        {"latitudeE7": 1, "longitudeE7": 1, "timestamp": "2022-05-01T08:00:00"},  # no zone
        {"latitudeE7": 1, "longitudeE7": 1},  # no time
        {"latitudeE7": "north", "longitudeE7": 1, "timestampMs": "1"},
        {"latitudeE7": 1, "longitudeE7": 1, "accuracy": -5, "timestampMs": "1"},  # negative accuracy
        {"timestampMs": "1651395600000"},  # no position at all
        [1, 2],
    ]
    records, summary = _run(document)
    assert len(records) == 5 and summary is not None
    assert summary.skipped_invalid == 6 and summary.skipped_no_location == 1 and summary.rows_read == 12


def test_truncated_file() -> None:
    data = json.dumps(records_document()).encode()
    item = make_item(data[:-40], "/offline/Records.json")
    records = []
    with pytest.raises(ArtifactCorrupted, match="truncated or damaged"):
        for record in google_records.parse(item, ParseContext()):
            records.append(record)
    assert len(records) == 4  # everything before the damage was yielded
