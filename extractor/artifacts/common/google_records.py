"""Google Takeout Location History ``Records.json`` (the account's raw location history, until 2024).

Layout: ``{"locations": [{latitudeE7, longitudeE7, accuracy, altitude, verticalAccuracy, source, deviceTag,
platformType, timestamp | timestampMs, activity, ...}]}``. Coordinates are degrees × 10⁷ as integers;
``accuracy`` is Google's radius in metres; times are ISO 8601 with ``Z`` (2022+) or Unix milliseconds as a string
(``timestampMs``, older exports). Some exports store E7 values that overflowed a signed 32-bit integer
(e.g. latitudeE7 4 000 000 000 for −29.5°); those are unwrapped and counted in a note.

Time source SERVER for the same reason as the on-device Timeline (see ``google_timeline``): the times are
stamped by Google's location stack, not read from the user-settable wall clock, and must not be shifted by the
phone's measured clock offset. Fix kind from ``source`` (GPS → GNSS, WIFI, CELL; otherwise EXPORT).

Observation: **UNKNOWN**. Takeout history belongs to the Google *account*: every phone signed in to it
contributes (``deviceTag`` tells them apart, but no tag can be tied to the phone in hand). The records are
therefore not attributed to this device; the note names the ``deviceTag``.

Streamed with ijson (``locations.item``); a 1 GB file needs memory for one location at a time.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import datetime
from typing import Any

import ijson

from extractor.artifacts.common.parse_summary import ParseSummary, SummaryCounter, build_record
from extractor.artifacts.spec import (
    AcquiredItem,
    AcquireMode,
    ArtifactSpec,
    DataCategory,
    ParseContext,
    Platform,
)
from extractor.errors import ArtifactCorrupted
from extractor.records import FixKind, LocationRecord, Observation, TimeSource
from extractor.timestamps import TimestampError, from_unix_ms, parse_iso8601

SPEC = ArtifactSpec(
    id="common.google_records",
    title="Google Takeout Location History (Records.json)",
    platform=Platform.ANY,
    category=DataCategory.LOCATION,
    path_globs=(
        "**/Takeout/Location History/Records.json",
        "**/Takeout/Location History (Timeline)/Records.json",
        "**/Location History/Records.json",
        "**/Location History (Timeline)/Records.json",
        "/sdcard/Download/**/Records.json",
    ),
    mode=AcquireMode.WHOLE,
    formats=("JSON: locations[] with latitudeE7/longitudeE7 and timestamp or timestampMs",),
    references=(
        "Google Takeout Location History export format (Records.json), as documented by Google Takeout help",
        "int32 overflow of latitudeE7/longitudeE7 in some exports (unwrapped by subtracting 2^32)",
    ),
    verified_on=(
        "tests/extractor/artifacts/test_google_records.py: generated Records.json with ISO and ms timestamps, "
        "GPS/WIFI/CELL/unknown sources, an overflowed E7 pair → 5 records; bad rows counted",
    ),
)

_SOURCE_FIX_KIND = {"GPS": FixKind.GNSS, "WIFI": FixKind.WIFI, "CELL": FixKind.CELL}
_WRAP = 2**32


class GoogleRowError(ValueError):
    """One row of a Google export is unusable (counted and skipped, never fatal)."""


def e7_degrees(value: Any, *, limit: float) -> tuple[float, bool]:
    """Degrees × 10⁷ → degrees. Returns (degrees, unwrapped) where unwrapped says an int32 overflow was undone."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise GoogleRowError(f"E7 coordinate is {type(value).__name__}")
    try:
        number = int(value)
    except ValueError as exc:
        raise GoogleRowError(f"E7 coordinate {value!r:.30} is not an integer") from exc
    unwrapped = False
    if number > limit * 1e7 and number - _WRAP >= -limit * 1e7:
        number -= _WRAP
        unwrapped = True
    return number / 1e7, unwrapped


def google_time(iso_value: Any, ms_value: Any, what: str = "timestamp") -> datetime:
    """An ISO 8601 time with zone, or else Unix milliseconds (number or digit string)."""
    if iso_value is not None:
        if not isinstance(iso_value, str):
            raise GoogleRowError(f"{what} is {type(iso_value).__name__}, expected an ISO 8601 string")
        try:
            return parse_iso8601(iso_value)
        except TimestampError as exc:
            raise GoogleRowError(str(exc)) from exc
    if ms_value is not None:
        try:
            return from_unix_ms(int(ms_value))
        except (TypeError, ValueError, OverflowError) as exc:
            raise GoogleRowError(f"{what}Ms {ms_value!r:.30} is not a millisecond count") from exc
    raise GoogleRowError(f"no {what}")


def optional_number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GoogleRowError(f"{what} is {value!r:.30}, expected a number")
    return float(value)


def stream_items(item: AcquiredItem, prefix: str) -> Iterator[Any]:
    """Stream the JSON values at ``prefix``; damage becomes ``ArtifactCorrupted`` after what was read."""
    with item.open() as handle:
        try:
            yield from ijson.items(handle, prefix, use_float=True)
        except ijson.JSONError as exc:
            raise ArtifactCorrupted(
                f"{item.device_path}: not valid JSON while reading {prefix} ({exc}); the file is truncated or "
                "damaged — records before the damage were kept"
            ) from exc


def parse(item: AcquiredItem, ctx: ParseContext) -> Generator[LocationRecord, None, ParseSummary]:
    counter = SummaryCounter(variant="Takeout Records.json")
    unwrapped_rows = 0
    for index, location in enumerate(stream_items(item, "locations.item")):
        row_ref = f"locations[{index}]"
        counter.rows_read += 1
        if not isinstance(location, dict):
            counter.invalid(row_ref, "location is not an object")
            continue
        if location.get("latitudeE7") is None or location.get("longitudeE7") is None:
            counter.skipped_no_location += 1
            continue
        try:
            lat, lat_unwrapped = e7_degrees(location["latitudeE7"], limit=90)
            lon, lon_unwrapped = e7_degrees(location["longitudeE7"], limit=180)
            moment = google_time(location.get("timestamp"), location.get("timestampMs"))
            accuracy_m = optional_number(location.get("accuracy"), "accuracy")
            altitude_m = optional_number(location.get("altitude"), "altitude")
        except GoogleRowError as exc:
            counter.invalid(row_ref, str(exc))
            continue
        notes = [f"Takeout account history, deviceTag {location.get('deviceTag', 'absent')}"]
        if lat_unwrapped or lon_unwrapped:
            unwrapped_rows += 1
            notes.append("E7 coordinate unwrapped from int32 overflow")
        source = str(location.get("source", "")).upper()
        record = build_record(
            counter,
            time_utc=moment,
            lat=lat,
            lon=lon,
            accuracy_m=accuracy_m,
            altitude_m=altitude_m,
            fix_kind=_SOURCE_FIX_KIND.get(source, FixKind.EXPORT),
            time_source=TimeSource.SERVER,
            artifact_id=SPEC.id,
            source_path=item.device_path,
            source_sha256=item.sha256,
            row_ref=row_ref,
            observation=Observation.UNKNOWN,
            note="; ".join(notes),
        )
        if record is not None:
            yield record
    if unwrapped_rows:
        counter.note(f"{unwrapped_rows} rows had E7 coordinates overflowed past int32; unwrapped")
    if counter.rows_read == 0:
        counter.note("no locations[] in this file")
    return counter.freeze()
