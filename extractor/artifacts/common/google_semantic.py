"""Google Takeout ``Semantic Location History/YYYY/YYYY_MONTH.json`` (Google's interpreted timeline, to 2024).

Layout: ``{"timelineObjects": [{"placeVisit": {...}} | {"activitySegment": {...}}]}``.
- ``placeVisit``: ``location {latitudeE7, longitudeE7, name, placeId}`` (or ``centerLatE7/centerLngE7``),
  ``duration {startTimestamp, endTimestamp}`` (ISO 8601; older files ``startTimestampMs``/``endTimestampMs``)
  → two records, the place at start and at end time.
- ``activitySegment``: ``startLocation``/``endLocation {latitudeE7, longitudeE7}``, ``duration``,
  ``activityType`` → start point at start time, end point at end time; plus each
  ``simplifiedRawPath.points[] {latE7, lngE7, accuracyMeters, timestamp | timestampMs}`` at its own time.
  ``waypointPath.waypoints`` carry no times and are not turned into records.

Fix kind EXPORT (inferred places and segment ends are Google's interpretation, not fixes; raw-path points
keep their ``accuracyMeters``). Time source SERVER and observation UNKNOWN, for the reasons given in
``google_records`` (account-level history of possibly several devices; Google-stamped times).

Streamed with ijson over ``timelineObjects.item``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from extractor.artifacts.common.google_records import (
    GoogleRowError,
    e7_degrees,
    google_time,
    optional_number,
    stream_items,
)
from extractor.artifacts.common.parse_summary import ParseSummary, SummaryCounter, build_record
from extractor.artifacts.spec import (
    AcquiredItem,
    AcquireMode,
    ArtifactSpec,
    DataCategory,
    ParseContext,
    Platform,
)
from extractor.records import FixKind, LocationRecord, Observation, TimeSource

SPEC = ArtifactSpec(
    id="common.google_semantic",
    title="Google Takeout Semantic Location History (monthly files)",
    platform=Platform.ANY,
    category=DataCategory.LOCATION,
    path_globs=(
        "**/Semantic Location History/*/*.json",
        "/sdcard/Download/**/Semantic Location History/*/*.json",
    ),
    mode=AcquireMode.WHOLE,
    formats=("JSON: timelineObjects[] of placeVisit / activitySegment with E7 coordinates",),
    references=("Google Takeout Location History: Semantic Location History monthly JSON",),
    verified_on=(
        "tests/extractor/artifacts/test_google_semantic.py: generated 2024_MARCH.json with a placeVisit "
        "(ISO times), an activitySegment (ms times) with 2 raw-path points → 6 records",
    ),
)


def _base(item: AcquiredItem) -> dict[str, Any]:
    return {
        "artifact_id": SPEC.id,
        "source_path": item.device_path,
        "source_sha256": item.sha256,
        "time_source": TimeSource.SERVER,
        "observation": Observation.UNKNOWN,
        "fix_kind": FixKind.EXPORT,
    }


def parse(item: AcquiredItem, ctx: ParseContext) -> Generator[LocationRecord, None, ParseSummary]:
    counter = SummaryCounter(variant="Takeout Semantic Location History")
    base = _base(item)
    for index, entry in enumerate(stream_items(item, "timelineObjects.item")):
        ref = f"timelineObjects[{index}]"
        if not isinstance(entry, dict):
            counter.rows_read += 1
            counter.invalid(ref, "timeline object is not an object")
            continue
        if isinstance(entry.get("placeVisit"), dict):
            yield from _place_visit(entry["placeVisit"], f"{ref}.placeVisit", base, counter)
        elif isinstance(entry.get("activitySegment"), dict):
            yield from _activity(entry["activitySegment"], f"{ref}.activitySegment", base, counter)
        else:
            counter.rows_read += 1
            counter.skipped_no_location += 1
    if counter.rows_read == 0:
        counter.note("no timelineObjects[] in this file")
    return counter.freeze()


def _position(place: Any, lat_key: str = "latitudeE7", lon_key: str = "longitudeE7") -> tuple[float, float]:
    if not isinstance(place, dict) or place.get(lat_key) is None or place.get(lon_key) is None:
        raise GoogleRowError("no coordinates")
    lat, _ = e7_degrees(place[lat_key], limit=90)
    lon, _ = e7_degrees(place[lon_key], limit=180)
    return lat, lon


def _duration(block: dict[str, Any]) -> tuple[Any, Any]:
    duration = block.get("duration")
    if not isinstance(duration, dict):
        raise GoogleRowError("no duration")
    start = google_time(duration.get("startTimestamp"), duration.get("startTimestampMs"), "startTimestamp")
    end = google_time(duration.get("endTimestamp"), duration.get("endTimestampMs"), "endTimestamp")
    return start, end


def _place_visit(
    visit: dict[str, Any], ref: str, base: dict[str, Any], counter: SummaryCounter
) -> Iterator[LocationRecord]:
    counter.rows_read += 1
    try:
        try:
            lat, lon = _position(visit.get("location"))
        except GoogleRowError:
            lat, lon = _position(visit, "centerLatE7", "centerLngE7")
        start, end = _duration(visit)
    except GoogleRowError as exc:
        counter.invalid(ref, str(exc))
        return
    raw_location = visit.get("location")
    location: dict[str, Any] = raw_location if isinstance(raw_location, dict) else {}
    name = location.get("name") or location.get("address") or location.get("placeId") or "unnamed place"
    note = f"place visit ({str(name)[:80]}), a place centre inferred by Google, not a fix"
    for suffix, moment in (("start", start), ("end", end)):
        record = build_record(
            counter,
            **base,
            time_utc=moment,
            lat=lat,
            lon=lon,
            accuracy_m=None,
            row_ref=f"{ref}@{suffix}",
            note=note,
        )
        if record is not None:
            yield record


def _activity(
    segment: dict[str, Any], ref: str, base: dict[str, Any], counter: SummaryCounter
) -> Iterator[LocationRecord]:
    mode = segment.get("activityType", "UNKNOWN_ACTIVITY_TYPE")
    try:
        start, end = _duration(segment)
    except GoogleRowError as exc:
        counter.rows_read += 1
        counter.invalid(ref, str(exc))
        return
    for key, moment in (("startLocation", start), ("endLocation", end)):
        counter.rows_read += 1
        try:
            lat, lon = _position(segment.get(key))
        except GoogleRowError as exc:
            counter.invalid(f"{ref}.{key}", str(exc))
            continue
        record = build_record(
            counter,
            **base,
            time_utc=moment,
            lat=lat,
            lon=lon,
            accuracy_m=None,
            row_ref=f"{ref}.{key}",
            note=f"activity segment {key.removesuffix('Location')} ({mode})",
        )
        if record is not None:
            yield record
    raw_path = segment.get("simplifiedRawPath")
    points = raw_path.get("points") if isinstance(raw_path, dict) else None
    for index, point in enumerate(points if isinstance(points, list) else []):
        row_ref = f"{ref}.simplifiedRawPath.points[{index}]"
        counter.rows_read += 1
        try:
            lat, lon = _position(point, "latE7", "lngE7")
            moment = google_time(point.get("timestamp"), point.get("timestampMs"))
            accuracy_m = optional_number(point.get("accuracyMeters"), "accuracyMeters")
        except GoogleRowError as exc:
            counter.invalid(row_ref, str(exc))
            continue
        record = build_record(
            counter, **base, time_utc=moment, lat=lat, lon=lon, accuracy_m=accuracy_m, row_ref=row_ref
        )
        if record is not None:
            yield record
