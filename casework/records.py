"""The records table of a case: every location record of a route version, filtered and paged, and exported.

The rows come from the version's columnar points (``store/route_store.py``, sorted by time), so a filter over
a million records is a few numpy masks and a page is a slice of the filtered row numbers; a version never
changes, so an offset into the filtered rows is a stable cursor. Only the rows of one page are joined with
the custody table for the device path and the item's hash (one indexed query per page).

Filters: a time window (UTC seconds), artifacts, the largest accuracy radius, own vs received observations,
and a claim's place (distance to the claimed place and whether the record is "at" it by the rule the finding
used: within the place's extent plus ``at_place_accuracy_factor`` × the record's accuracy).

Exports (CSV, GeoJSON, KML) carry the same columns for every filtered row. The caller audits them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import CaseworkError
from store.models import CustodyRecord, LocationRow
from store.route_store import StoredPoints

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_AT_PLACE_FACTOR = 2.0
EXPORT_FORMATS = ("csv", "geojson", "kml")
COLUMNS = (
    "record_id",
    "time_utc",
    "time_local",
    "time_zone",
    "lat",
    "lon",
    "accuracy_m",
    "fix_kind",
    "time_source",
    "observation",
    "artifact_id",
    "device_path",
    "item_sha256",
    "set_aside",
    "distance_m",
    "at_place",
)


class RecordsError(CaseworkError):
    """A filter that cannot be applied (unknown side, a side without a place)."""


@dataclass(frozen=True, slots=True)
class ClaimPlace:
    """The claimed place a claim filter measures from (from the finding's place and uncertainty)."""

    lat: float
    lon: float
    extent_m: float
    accuracy_factor: float = DEFAULT_AT_PLACE_FACTOR


@dataclass(frozen=True, slots=True)
class RecordFilter:
    start_s: float | None = None
    end_s: float | None = None
    artifacts: tuple[str, ...] = ()
    max_accuracy_m: float | None = None
    observation: str | None = None  # "own" | "received"
    place: ClaimPlace | None = None
    side: str | None = None  # "at" (at the place) | "away"

    def __post_init__(self) -> None:
        if self.side is not None and self.side not in ("at", "away"):
            raise RecordsError(f"side must be 'at' or 'away', not {self.side!r}")
        if self.side is not None and self.place is None:
            raise RecordsError("a side ('at'/'away') needs a claim to measure from")
        if self.observation is not None and self.observation not in ("own", "received"):
            raise RecordsError(f"observation must be 'own' or 'received', not {self.observation!r}")


def distances_m(points: StoredPoints, rows: np.ndarray, lat: float, lon: float) -> np.ndarray:
    """Great-circle distance (haversine) of ``rows`` from (lat, lon), metres."""
    p1, p2 = np.radians(points.lat[rows]), math.radians(lat)
    dp = p2 - p1
    dl = math.radians(lon) - np.radians(points.lon[rows])
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _at_place(points: StoredPoints, rows: np.ndarray, place: ClaimPlace, dist: np.ndarray) -> np.ndarray:
    accuracy = np.where(points.accuracy_known[rows], points.accuracy_m[rows], 0.0)
    return dist <= place.extent_m + place.accuracy_factor * accuracy


def select_rows(points: StoredPoints, selection: RecordFilter) -> np.ndarray:
    """Row numbers (time order) of the records the filter keeps."""
    first = 0 if selection.start_s is None else int(np.searchsorted(points.time_s, selection.start_s, "left"))
    stop = (
        len(points)
        if selection.end_s is None
        else int(np.searchsorted(points.time_s, selection.end_s, "right"))
    )
    stop = max(first, stop)
    keep = np.ones(stop - first, dtype=bool)
    window = slice(first, stop)
    if selection.artifacts:
        codes = [points.artifact_id.codes_of(a) for a in selection.artifacts]
        wanted = [c for c in codes if c is not None]
        keep &= np.isin(points.artifact_id.codes[window], np.asarray(wanted, dtype=np.int64))
    if selection.max_accuracy_m is not None:
        keep &= points.accuracy_known[window] & (points.accuracy_m[window] <= selection.max_accuracy_m)
    if selection.observation is not None:
        code = points.observation.codes_of("received")
        received = (
            np.zeros(stop - first, dtype=bool) if code is None else points.observation.codes[window] == code
        )
        keep &= received if selection.observation == "received" else ~received
    rows = np.flatnonzero(keep) + first
    if selection.side is not None:  # at/away: the usable records the finding judged (none set aside)
        rows = rows[points.flags[rows] == 0]
        assert selection.place is not None
        at = _at_place(
            points, rows, selection.place, distances_m(points, rows, selection.place.lat, selection.place.lon)
        )
        rows = rows[at if selection.side == "at" else ~at]
    return rows.astype(np.int64)


def artifact_counts(points: StoredPoints) -> list[dict[str, Any]]:
    """Each artifact that contributed records, with how many (for the table's filter)."""
    counts = np.bincount(points.artifact_id.codes.astype(np.int64), minlength=len(points.artifact_id.labels))
    return [
        {"artifact_id": label, "records": int(n)}
        for label, n in zip(points.artifact_id.labels, counts.tolist(), strict=True)
        if n
    ]


def custody_of(session: Session, record_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """record id → (device path, SHA-256 of the acquired item) for the given records."""
    found: dict[int, tuple[str, str]] = {}
    ids = [int(i) for i in record_ids]
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        query = (
            select(LocationRow.id, CustodyRecord.device_path, CustodyRecord.sha256_acquired)
            .join(CustodyRecord, CustodyRecord.id == LocationRow.custody_id)
            .where(LocationRow.id.in_(chunk))
        )
        for record_id, path, digest in session.execute(query):
            found[int(record_id)] = (path, digest)
    return found


def all_custody(session: Session, case_id: int) -> dict[int, tuple[str, str]]:
    """record id → (device path, item SHA-256) for every record of the case (one pass, for exports)."""
    items = {
        cid: (path, digest)
        for cid, path, digest in session.execute(
            select(CustodyRecord.id, CustodyRecord.device_path, CustodyRecord.sha256_acquired).where(
                CustodyRecord.case_id == case_id
            )
        )
    }
    return {
        int(record_id): items.get(custody_id, ("", ""))
        for record_id, custody_id in session.execute(
            select(LocationRow.id, LocationRow.custody_id).where(LocationRow.case_id == case_id)
        )
    }


_zones: dict[str, ZoneInfo | None] = {}


def _zone(name: str) -> ZoneInfo | None:
    if name not in _zones:
        try:
            _zones[name] = ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            _zones[name] = None
    return _zones[name]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def rows_as_dicts(
    points: StoredPoints,
    rows: np.ndarray,
    custody: dict[int, tuple[str, str]],
    place: ClaimPlace | None = None,
) -> Iterator[dict[str, Any]]:
    """The table's columns for ``rows`` (see ``COLUMNS``); local time in the record's IANA zone."""
    rows = np.asarray(rows, dtype=np.int64)
    dist = distances_m(points, rows, place.lat, place.lon) if place is not None else None
    at = _at_place(points, rows, place, dist) if place is not None and dist is not None else None
    record_ids = points.record_id[rows].tolist()
    times = points.time_s[rows].tolist()
    lats = np.round(points.lat[rows], 6).tolist()
    lons = np.round(points.lon[rows], 6).tolist()
    accuracy = np.round(points.accuracy_m[rows], 1).tolist()
    known = points.accuracy_known[rows].tolist()
    flags = points.flags[rows].astype(np.int64).tolist()
    labels = {
        name: getattr(points, name).values(rows)
        for name in ("fix_kind", "time_source", "observation", "artifact_id", "time_zone")
    }
    for i, record_id in enumerate(record_ids):
        moment = datetime.fromtimestamp(times[i], tz=UTC)
        zone_name = labels["time_zone"][i] or ""
        zone = _zone(zone_name)
        path, digest = custody.get(record_id, ("", ""))
        yield {
            "record_id": record_id,
            "time_utc": _iso(moment).replace("+00:00", "Z"),
            "time_local": _iso(moment.astimezone(zone)) if zone is not None else None,
            "time_zone": zone_name or None,
            "lat": lats[i],
            "lon": lons[i],
            "accuracy_m": accuracy[i] if known[i] else None,
            "fix_kind": labels["fix_kind"][i],
            "time_source": labels["time_source"][i],
            "observation": labels["observation"][i],
            "artifact_id": labels["artifact_id"][i],
            "device_path": path,
            "item_sha256": digest,
            "set_aside": flags[i],
            "distance_m": round(float(dist[i]), 1) if dist is not None else None,
            "at_place": bool(at[i]) if at is not None else None,
        }


@dataclass(frozen=True, slots=True)
class RecordsPage:
    total: int
    offset: int
    rows: list[dict[str, Any]]

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.rows)
        return end if end < self.total else None


def records_page(
    session: Session,
    points: StoredPoints,
    selection: RecordFilter,
    *,
    offset: int,
    limit: int,
    record_id: int | None = None,
) -> RecordsPage | None:
    """One page of the filtered records; with ``record_id`` the page that holds it (None: not among them)."""
    rows = select_rows(points, selection)
    if record_id is not None:
        hits = np.flatnonzero(points.record_id[rows] == record_id)
        if not len(hits):
            return None
        offset = int(hits[0]) - int(hits[0]) % limit
    page = rows[offset : offset + limit]
    custody = custody_of(session, points.record_id[page].tolist())
    return RecordsPage(
        total=len(rows), offset=offset, rows=list(rows_as_dicts(points, page, custody, selection.place))
    )


# ------------------------------------------------------------------ exports


def export_records(
    session: Session, case_id: int, points: StoredPoints, selection: RecordFilter, fmt: str, *, title: str
) -> tuple[bytes, int]:
    """The filtered records as ``fmt`` (csv, geojson, kml): (bytes, number of records)."""
    if fmt not in EXPORT_FORMATS:
        raise RecordsError(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    rows = select_rows(points, selection)
    custody = (
        all_custody(session, case_id)
        if len(rows) > 5000
        else custody_of(session, points.record_id[rows].tolist())
    )
    items = rows_as_dicts(points, rows, custody, selection.place)
    columns = [c for c in COLUMNS if selection.place is not None or c not in ("distance_m", "at_place")]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for item in items:
            writer.writerow(item)
        return buffer.getvalue().encode("utf-8"), len(rows)
    if fmt == "geojson":
        parts = ['{"type":"FeatureCollection","name":', json.dumps(title), ',"features":[']
        for index, item in enumerate(items):
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
                "properties": {c: item[c] for c in columns if c not in ("lat", "lon")},
            }
            parts.append(("," if index else "") + json.dumps(feature, separators=(",", ":")))
        parts.append("]}")
        return "".join(parts).encode("utf-8"), len(rows)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>',
        f"<name>{escape(title)}</name>",
    ]
    for item in items:
        data = "".join(
            f'<Data name="{c}"><value>{escape(str(item[c]))}</value></Data>'
            for c in columns
            if c not in ("lat", "lon") and item[c] is not None
        )
        out.append(
            f"<Placemark><name>{item['record_id']}</name><TimeStamp><when>{item['time_utc']}</when></TimeStamp>"
            f"<ExtendedData>{data}</ExtendedData>"
            f"<Point><coordinates>{item['lon']},{item['lat']}</coordinates></Point></Placemark>"
        )
    out.append("</Document></kml>")
    return "\n".join(out).encode("utf-8"), len(rows)


FINDING_COLUMNS = (
    "claim_id",
    "kind",
    "place_text",
    "time_text",
    "place",
    "status",
    "interval_start_utc",
    "interval_end_utc",
    "records_for",
    "records_against",
    "near_miss",
    "explanation",
)


def findings_csv(
    claims: dict[int, dict[str, Any]], findings: Sequence[dict[str, Any]], status_word: Any, language: str
) -> bytes:
    """The finding set as CSV: one row per finding, status in words and code, explanation in ``language``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((*FINDING_COLUMNS, "status_code"))
    for finding in findings:
        claim = claims.get(int(finding["claim_id"]), {})
        writer.writerow(
            (
                finding["claim_id"],
                claim.get("kind", ""),
                claim.get("place_text", ""),
                claim.get("time_text", ""),
                finding.get("place_name") or claim.get("place_name") or "",
                status_word(finding["status"]),
                finding.get("interval_start_utc") or "",
                finding.get("interval_end_utc") or "",
                finding.get("records_for_count", ""),
                finding.get("records_against_count", ""),
                finding.get(f"near_miss_{language}") or "",
                finding.get(f"explanation_{language}") or "",
                finding["status"],
            )
        )
    return buffer.getvalue().encode("utf-8")
