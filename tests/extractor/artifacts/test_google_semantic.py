"""Takeout Semantic Location History: place visits, activity segments, raw-path points, bad rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from extractor.artifacts.common import google_semantic
from extractor.artifacts.common.parse_summary import collect
from extractor.artifacts.spec import ParseContext
from extractor.errors import ArtifactCorrupted
from extractor.records import Observation, TimeSource
from tests.extractor.artifacts.fixtures import make_item, semantic_document

PATH = "/offline/Semantic Location History/2024/2024_MARCH.json"


def _run(document: object):
    return collect(google_semantic.parse(make_item(json.dumps(document).encode(), PATH), ParseContext()))


def test_semantic_history() -> None:
    records, summary = _run(semantic_document())
    by_ref = {r.row_ref: r for r in records}
    assert len(records) == 6 and summary is not None and summary.records == 6
    visit_end = by_ref["timelineObjects[0].placeVisit@end"]
    assert visit_end.time_utc == datetime(2024, 3, 1, 18, 0, 0, 500000, tzinfo=UTC)
    assert (visit_end.lat, visit_end.lon) == (41.0082, 28.9784) and "Sultanahmet" in (visit_end.note or "")
    start = by_ref["timelineObjects[1].activitySegment.startLocation"]
    assert start.time_utc == datetime(2024, 3, 1, 18, 0, tzinfo=UTC) and "IN_BUS" in (start.note or "")
    end = by_ref["timelineObjects[1].activitySegment.endLocation"]
    assert end.time_utc == datetime(2024, 3, 1, 22, 0, tzinfo=UTC) and end.lon == pytest.approx(26.5557)
    raw = by_ref["timelineObjects[1].activitySegment.simplifiedRawPath.points[0]"]
    assert raw.accuracy_m == 25 and raw.time_utc == datetime(2024, 3, 1, 19, 6, 40, tzinfo=UTC)
    assert all(r.time_source is TimeSource.SERVER and r.observation is Observation.UNKNOWN for r in records)


def test_center_fallback_and_bad_rows() -> None:
    document = semantic_document()
    del document["timelineObjects"][0]["placeVisit"]["location"]
    document["timelineObjects"][1]["activitySegment"]["endLocation"] = {
        "latitudeE7": 999999999,
        "longitudeE7": 0,
    }
    document["timelineObjects"][1]["activitySegment"]["simplifiedRawPath"]["points"][1]["timestamp"] = (
        "yesterday"
    )
    document["timelineObjects"].append({"placeVisit": {"location": {"latitudeE7": 1, "longitudeE7": 1}}})
    records, summary = _run(document)
    assert summary is not None and summary.skipped_invalid == 3 and len(records) == 4
    assert records[0].lat == pytest.approx(41.008)


def test_not_json() -> None:
    with pytest.raises(ArtifactCorrupted):
        collect(google_semantic.parse(make_item(b'{"timelineObjects": [{]', PATH), ParseContext()))
