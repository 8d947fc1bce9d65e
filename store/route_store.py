"""Route versions in columnar form: the points and their flags as an encrypted Arrow blob, the rest as JSON.

A route version is written once. Its summary (parameters, stays, legs, country visits, crossings, gaps,
statistics) is a small JSON document on the ``route_versions`` row; its points — one row per location
record, with the cleaning flags, country and time zone routing gave each — are one Arrow IPC file
(zstd-compressed buffers, string columns dictionary-encoded) encrypted with the case's evidence key like
any evidence blob (``store/evidence.py``), so crypto-erasure of the case removes them too, and their
SHA-256 is recorded on the row and re-checked on every load.

Reading a version's list, GeoJSON or summary never touches the points. Reading the points decrypts and
decodes the blob (tens of milliseconds per million points) and keeps the decoded columns in a small
process-wide cache keyed by the blob's hash; the case key is looked up on every read, so a destroyed key
stops reads even when the columns are cached.

Versions written before this format keep their points in the ``route`` JSON; they are still read.

Column layout (:data:`POINTS_FORMAT`): ``time_s`` float64 UTC seconds, ``lat``/``lon`` float64 WGS84
degrees, ``accuracy_m`` float64 metres (the fix-kind default where ``accuracy_known`` is false),
``accuracy_known`` bool, ``altitude_m`` float64 (NaN: unknown), ``record_id`` and ``duplicate_of`` int64,
``flags`` uint16 (cleaning flags, 0 = usable), and the dictionary columns ``fix_kind``, ``time_source``,
``observation``, ``artifact_id``, ``country`` and ``time_zone`` (labels, so enum order never matters).
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
from sqlalchemy.orm import Session

from store.errors import StoreError
from store.evidence import EvidenceStore
from store.models import RouteVersion

if TYPE_CHECKING:
    from routing.cleaning import CleanedPoints
    from routing.points import PointTable
    from routing.route import Route

POINTS_FORMAT = "arrow-ipc-zstd/1"
LEGACY_JSON_FORMAT = "json/1"
FLOAT_COLUMNS = ("time_s", "lat", "lon", "accuracy_m", "altitude_m")
INT_COLUMNS = ("record_id", "duplicate_of")
LABEL_COLUMNS = ("fix_kind", "time_source", "observation", "artifact_id", "country", "time_zone")
CACHE_LIMIT_BYTES = 384 * 1024 * 1024
DOCUMENT_CACHE_LIMIT_BYTES = 64 * 1024 * 1024


class RoutePointsError(StoreError):
    """A route version's points cannot be read (missing, damaged or in an unknown format)."""


@dataclass(frozen=True, eq=False)
class LabelColumn:
    """A string column as small integer codes into ``labels``."""

    codes: np.ndarray  # int32
    labels: tuple[str, ...]

    def values(self, rows: np.ndarray | slice | None = None) -> list[str]:
        codes = self.codes if rows is None else self.codes[rows]
        lookup = np.asarray(self.labels, dtype=object)
        return lookup[codes].tolist() if len(lookup) else [""] * len(codes)

    def codes_of(self, label: str) -> int | None:
        return self.labels.index(label) if label in self.labels else None

    @classmethod
    def from_strings(cls, values: np.ndarray | Sequence[str]) -> LabelColumn:
        import pandas as pd

        codes, labels = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
        return cls(np.asarray(codes, dtype=np.int32), tuple(str(v) for v in labels))


@dataclass(frozen=True, eq=False)
class StoredPoints:
    """A route version's points as columns (see the module docstring for units), sorted by time."""

    time_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    accuracy_m: np.ndarray
    accuracy_known: np.ndarray
    altitude_m: np.ndarray
    record_id: np.ndarray
    duplicate_of: np.ndarray
    flags: np.ndarray
    fix_kind: LabelColumn
    time_source: LabelColumn
    observation: LabelColumn
    artifact_id: LabelColumn
    country: LabelColumn
    time_zone: LabelColumn

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def nbytes(self) -> int:
        arrays = [getattr(self, name) for name in (*FLOAT_COLUMNS, *INT_COLUMNS, "flags", "accuracy_known")]
        labels = [getattr(self, name).codes for name in LABEL_COLUMNS]
        return int(sum(a.nbytes for a in arrays + labels))

    # ------------------------------------------------------------------ from and to routing's types
    @classmethod
    def from_route(cls, route: Route) -> StoredPoints:
        from routing.points import FIX_KINDS, OBSERVATIONS, TIME_SOURCES

        p = route.points

        def enum_column(codes: np.ndarray, members: Sequence[Any]) -> LabelColumn:
            return LabelColumn(np.asarray(codes, dtype=np.int32), tuple(str(m.value) for m in members))

        return cls(
            time_s=np.asarray(p.time_s, dtype=np.float64),
            lat=np.asarray(p.lat, dtype=np.float64),
            lon=np.asarray(p.lon, dtype=np.float64),
            accuracy_m=np.asarray(p.accuracy_m, dtype=np.float64),
            accuracy_known=np.asarray(p.accuracy_known, dtype=bool),
            altitude_m=np.asarray(p.altitude_m, dtype=np.float64),
            record_id=np.asarray(p.record_id, dtype=np.int64),
            duplicate_of=np.asarray(route.duplicate_of, dtype=np.int64),
            flags=np.asarray(route.flags, dtype=np.uint16),
            fix_kind=enum_column(p.fix_kind, FIX_KINDS),
            time_source=enum_column(p.time_source, TIME_SOURCES),
            observation=enum_column(p.observation, OBSERVATIONS),
            artifact_id=LabelColumn(np.asarray(p.artifact, dtype=np.int32), tuple(p.artifact_ids)),
            country=LabelColumn.from_strings(route.point_country),
            time_zone=LabelColumn.from_strings(route.point_time_zone),
        )

    @classmethod
    def from_legacy_json(cls, points: dict[str, Any]) -> StoredPoints:
        """Points of a version written as JSON (``routing.route.route_to_dict``)."""
        from extractor.records import FixKind
        from routing.points import DEFAULT_ACCURACY_M

        accuracy = np.array([np.nan if v is None else v for v in points["accuracy_m"]], dtype=np.float64)
        known = np.isfinite(accuracy)
        fix = LabelColumn.from_strings(points["fix_kind"])
        defaults = np.array([DEFAULT_ACCURACY_M[FixKind(label)] for label in fix.labels], dtype=np.float64)
        if len(accuracy):
            accuracy[~known] = defaults[fix.codes[~known]]
        zones = list(points.get("time_zones") or [])
        zone_index = np.asarray(points.get("time_zone_index") or [], dtype=np.int64)
        return cls(
            time_s=np.asarray(points["time_s"], dtype=np.float64),
            lat=np.asarray(points["lat"], dtype=np.float64),
            lon=np.asarray(points["lon"], dtype=np.float64),
            accuracy_m=accuracy,
            accuracy_known=known,
            altitude_m=np.array([np.nan if v is None else v for v in points["altitude_m"]], dtype=np.float64),
            record_id=np.asarray(points["record_id"], dtype=np.int64),
            duplicate_of=np.asarray(points["duplicate_of"], dtype=np.int64),
            flags=np.asarray(points["flags"], dtype=np.uint16),
            fix_kind=fix,
            time_source=LabelColumn.from_strings(points["time_source"]),
            observation=LabelColumn.from_strings(points["observation"]),
            artifact_id=LabelColumn.from_strings(points["artifact_id"]),
            country=LabelColumn.from_strings(points["country"]),
            time_zone=LabelColumn(zone_index.astype(np.int32), tuple(zones)),
        )

    def point_table(self) -> PointTable:
        """routing's PointTable (already sorted by time; enum labels mapped to the current codes)."""
        from routing.points import FIX_KINDS, OBSERVATIONS, TIME_SOURCES, PointTable

        def codes(column: LabelColumn, members: Sequence[Any]) -> np.ndarray:
            index = {str(m.value): code for code, m in enumerate(members)}
            try:
                mapping = np.array([index[label] for label in column.labels], dtype=np.int8)
            except KeyError as exc:
                raise RoutePointsError(
                    f"stored points use an unknown label {exc}; rebuild the route"
                ) from exc
            return mapping[column.codes] if len(mapping) else np.zeros(0, dtype=np.int8)

        fix_codes = codes(self.fix_kind, FIX_KINDS)
        return PointTable(
            time_s=self.time_s.copy(),
            lat=self.lat.copy(),
            lon=self.lon.copy(),
            accuracy_m=self.accuracy_m.copy(),
            accuracy_known=self.accuracy_known.copy(),
            fix_kind=fix_codes.astype(np.int8),
            time_source=codes(self.time_source, TIME_SOURCES).astype(np.int8),
            observation=codes(self.observation, OBSERVATIONS).astype(np.int8),
            record_id=self.record_id.copy(),
            artifact=self.artifact_id.codes.astype(np.int32),
            altitude_m=self.altitude_m.copy(),
            artifact_ids=self.artifact_id.labels,
        )

    def cleaned_points(self, cleaning_parameters: Any) -> CleanedPoints:
        from routing.cleaning import CleanedPoints

        return CleanedPoints(
            points=self.point_table(),
            flags=self.flags.copy(),
            duplicate_of=self.duplicate_of.copy(),
            parameters=cleaning_parameters,
        )


# ---------------------------------------------------------------------- Arrow encoding
def encode_points(points: StoredPoints) -> bytes:
    """One Arrow IPC file (a single record batch, zstd-compressed buffers)."""
    arrays: dict[str, pa.Array] = {}
    for name in FLOAT_COLUMNS:
        arrays[name] = pa.array(getattr(points, name), type=pa.float64())
    arrays["accuracy_known"] = pa.array(points.accuracy_known, type=pa.bool_())
    for name in INT_COLUMNS:
        arrays[name] = pa.array(getattr(points, name), type=pa.int64())
    arrays["flags"] = pa.array(points.flags, type=pa.uint16())
    for name in LABEL_COLUMNS:
        column: LabelColumn = getattr(points, name)
        arrays[name] = pa.DictionaryArray.from_arrays(
            pa.array(column.codes, type=pa.int32()), pa.array(list(column.labels), type=pa.string())
        )
    table = pa.table(arrays).replace_schema_metadata({"format": POINTS_FORMAT})
    sink = pa.BufferOutputStream()
    options = ipc.IpcWriteOptions(compression="zstd")
    with ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=max(len(points), 1))
    return bytes(sink.getvalue())


def decode_points(data: bytes) -> StoredPoints:
    reader = ipc.open_file(pa.py_buffer(data))
    metadata = reader.schema.metadata or {}
    if metadata.get(b"format") != POINTS_FORMAT.encode():
        raise RoutePointsError(f"route points are in format {metadata.get(b'format')!r}, not {POINTS_FORMAT}")
    table = reader.read_all().combine_chunks()

    def numeric(name: str, dtype: Any) -> np.ndarray:
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=dtype)

    def labels(name: str) -> LabelColumn:
        chunks = table.column(name).chunks
        if not chunks:
            return LabelColumn(np.zeros(0, dtype=np.int32), ())
        array = chunks[0]
        return LabelColumn(
            np.asarray(array.indices.to_numpy(zero_copy_only=False), dtype=np.int32),
            tuple(str(v) for v in array.dictionary.to_pylist()),
        )

    return StoredPoints(
        **{name: numeric(name, np.float64) for name in FLOAT_COLUMNS},  # type: ignore[arg-type]
        accuracy_known=numeric("accuracy_known", bool),
        **{name: numeric(name, np.int64) for name in INT_COLUMNS},  # type: ignore[arg-type]
        flags=numeric("flags", np.uint16),
        **{name: labels(name) for name in LABEL_COLUMNS},  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------------- writing a version
def summary_document(route: Route) -> dict[str, Any]:
    """The JSON part of a version: ``route_to_dict`` without the points, plus the flag bits."""
    from routing.cleaning import PointFlag
    from routing.route import route_to_dict

    document = route_to_dict(route, include_points=False)
    document["flag_bits"] = {str(flag.name): int(flag) for flag in PointFlag}
    return document


@dataclass(frozen=True, eq=False)
class SealedPoints:
    """A route's points encrypted into the evidence store, not yet named by any row."""

    points: StoredPoints
    blob_name: str
    sha256: str
    size: int


def seal_route_points(evidence: EvidenceStore, key: bytes, case_id: int, route: Route) -> SealedPoints:
    """Encode and encrypt the route's points (no database work: run it outside any transaction)."""
    points = StoredPoints.from_route(route)
    blob_name, sha256, size = evidence.put_bytes(key, case_id, encode_points(points))
    return SealedPoints(points, blob_name, sha256, size)


def add_route_version(
    session: Session,
    evidence: EvidenceStore,
    *,
    case_id: int,
    version: int,
    route: Route,
    geojson: dict[str, Any],
    code_version: str,
    sealed: SealedPoints,
) -> RouteVersion:
    """Add the version row naming the sealed points (not committed: the caller's unit of work commits it
    with its audit entry; a blob whose row never commits is unreadable noise)."""
    summary = summary_document(route)
    row = RouteVersion(
        case_id=case_id,
        version=version,
        parameters=summary.get("parameters", {}),
        code_version=code_version,
        records_count=len(sealed.points),
        route=summary,
        geojson=geojson,
        points_blob=sealed.blob_name,
        points_sha256=sealed.sha256,
        points_format=POINTS_FORMAT,
        points_bytes=sealed.size,
    )
    session.add(row)
    session.flush()
    # the new version is what readers ask for next: the case's older versions leave the cache (they are
    # decoded again if asked for), so a rebuild does not keep two big cases' worth of points
    _cache_put((evidence.location, case_id, sealed.sha256), sealed.points, only_version_of_case=True)
    return row


def write_route_version(
    session: Session,
    evidence: EvidenceStore,
    *,
    case_id: int,
    version: int,
    route: Route,
    geojson: dict[str, Any],
    code_version: str,
) -> RouteVersion:
    """Seal the points and add the version row in one go (see :func:`seal_route_points`)."""
    key = evidence.ensure_case_key(session, case_id)
    sealed = seal_route_points(evidence, key, case_id, route)
    return add_route_version(
        session,
        evidence,
        case_id=case_id,
        version=version,
        route=route,
        geojson=geojson,
        code_version=code_version,
        sealed=sealed,
    )


# ---------------------------------------------------------------------- reading a version
_cache: OrderedDict[tuple[str, int, str], StoredPoints] = OrderedDict()
_cache_lock = threading.Lock()


def _cache_put(
    key: tuple[str, int, str], points: StoredPoints, *, only_version_of_case: bool = False
) -> None:
    with _cache_lock:
        if only_version_of_case:
            for other in [k for k in _cache if k[:2] == key[:2] and k != key]:
                del _cache[other]
        _cache[key] = points
        _cache.move_to_end(key)
        total = sum(p.nbytes for p in _cache.values())
        while len(_cache) > 1 and total > CACHE_LIMIT_BYTES:
            _, dropped = _cache.popitem(last=False)
            total -= dropped.nbytes


def _cache_get(key: tuple[str, int, str]) -> StoredPoints | None:
    with _cache_lock:
        points = _cache.get(key)
        if points is not None:
            _cache.move_to_end(key)
        return points


def forget_case(case_id: int) -> None:
    """Drop a case's decoded points and serialised documents from the caches (after crypto-erasure)."""
    with _cache_lock:
        for key in [k for k in _cache if k[1] == case_id]:
            del _cache[key]
        for doc_key in [k for k in _documents if k[1] == case_id]:
            del _documents[doc_key]


# A version is written once, so the serialised answer of a read of its JSON parts (summary, GeoJSON) is the
# same on every read. Decoding the JSON column and encoding the answer again was most of the CPU of a
# route read under many readers (issue 18); the bytes are kept here instead, keyed by the database, the
# row and its points' hash (a version deleted by retention and a new one that reuses its row id differ
# in that hash, or in their creation time for versions without a blob). The cache only saves work: every
# read still loads the row, checks access and writes its audit entry, so a deleted version or a refused
# reader never gets these bytes.
_documents: OrderedDict[tuple[str, int, int, str, str], tuple[bytes, Any]] = OrderedDict()
_building: dict[tuple[str, int, int, str, str], threading.Event] = {}
BUILD_WAIT_S = 60.0
_database_names: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def cached_document(session: Session, row: RouteVersion, part: str, build: Callable[[], bytes]) -> bytes:
    """The serialised ``part`` of a version (``build()`` on the first read), from a bounded LRU cache."""
    body, _meta = cached_answer(session, row, part, lambda: (build(), None))
    return body


def cached_answer(
    session: Session, row: RouteVersion, part: str, build: Callable[[], tuple[bytes, Any]]
) -> tuple[bytes, Any]:
    """Like :func:`cached_document`, for an answer that comes with a small description of itself (what a
    read's audit entry records, e.g. how many points it returned): ``build()`` gives both, both are kept."""
    return _cached(session, row.case_id, row.id, row.points_sha256 or row.created_at.isoformat(), part, build)


def cached_finding_rows(
    session: Session, case_id: int, finding_set_id: int, created_at: str, build: Callable[[], bytes]
) -> bytes:
    """The serialised findings of a finding set. Its rows are written once when the set is made and never
    changed (a release changes only the set's own release fields, which are not part of these bytes); the
    set's creation time is in the key, so a set that reuses a deleted set's id is not answered from it."""
    body, _meta = _cached(session, case_id, finding_set_id, created_at, "findings", lambda: (build(), None))
    return body


def _cached(
    session: Session,
    case_id: int,
    object_id: int,
    stamp: str,
    part: str,
    build: Callable[[], tuple[bytes, Any]],
) -> tuple[bytes, Any]:
    engine = session.get_bind().engine
    database = _database_names.get(engine)
    if database is None:  # rendering the URL costs more than the rest of a cache hit: once per engine
        database = _database_names.setdefault(engine, str(engine.url))
    key = (database, case_id, object_id, stamp, part)
    while True:
        with _cache_lock:
            cached = _documents.get(key)
            if cached is not None:
                _documents.move_to_end(key)
                return cached
            building = _building.get(key)
            if building is None:  # this request builds it; others asking meanwhile wait for it
                building = _building[key] = threading.Event()
                break
        # One build per answer: fifty readers opening the map of a new version at once would otherwise
        # all build the same overview (measured: p95 5-6 s on the first load run, 0.4-0.6 s afterwards).
        # If the builder fails, the next waiter builds; a slow build is waited for in steps of BUILD_WAIT_S.
        building.wait(timeout=BUILD_WAIT_S)
    try:
        answer = build()
        with _cache_lock:
            _documents[key] = answer
            total = sum(len(body) for body, _meta in _documents.values())
            while len(_documents) > 1 and total > DOCUMENT_CACHE_LIMIT_BYTES:
                _, (dropped, _meta) = _documents.popitem(last=False)
                total -= len(dropped)
        return answer
    finally:
        with _cache_lock:
            _building.pop(key, None)
        building.set()


def points_format(row: RouteVersion) -> str:
    return row.points_format or LEGACY_JSON_FORMAT


def load_points(session: Session, evidence: EvidenceStore, row: RouteVersion) -> StoredPoints:
    """A version's points, decrypted and checked against their recorded SHA-256 (cached once decoded)."""
    if row.points_blob is None:
        legacy = (row.route or {}).get("points")
        if not legacy:
            raise RoutePointsError("this route was stored without its points; rebuild the route")
        return StoredPoints.from_legacy_json(legacy)
    if row.points_format != POINTS_FORMAT:
        raise RoutePointsError(f"route points in unknown format {row.points_format!r}; rebuild the route")
    key = evidence.case_key(session, row.case_id)  # raises when the key was destroyed, cached or not
    assert row.points_sha256 is not None
    cache_key = (evidence.location, row.case_id, row.points_sha256)
    cached = _cache_get(cache_key)
    if cached is not None:
        return cached
    data = evidence.read_verified(key, row.case_id, row.points_blob, row.points_sha256)
    points = decode_points(data)
    _cache_put(cache_key, points)
    return points


def load_route(session: Session, evidence: EvidenceStore, row: RouteVersion) -> Route:
    """The whole Route of a version (summary JSON + columnar points)."""
    from routing.route import route_from_dict

    summary = {k: v for k, v in (row.route or {}).items() if k != "points"}
    points = load_points(session, evidence, row)
    empty = {  # type: ignore[var-annotated]
        name: []
        for name in (
            *FLOAT_COLUMNS,
            *INT_COLUMNS,
            "flags",
            "fix_kind",
            "time_source",
            "observation",
            "artifact_id",
            "country",
            "time_zones",
            "time_zone_index",
        )
    }
    skeleton = route_from_dict({**summary, "points": empty})
    zones = np.asarray(points.time_zone.labels, dtype=object)
    countries = np.asarray(points.country.labels, dtype=object)
    return dataclasses.replace(
        skeleton,
        points=points.point_table(),
        flags=points.flags.copy(),
        duplicate_of=points.duplicate_of.copy(),
        point_country=countries[points.country.codes] if len(countries) else np.zeros(0, dtype=object),
        point_time_zone=zones[points.time_zone.codes] if len(zones) else np.zeros(0, dtype=object),
    )


def legacy_route_document(session: Session, evidence: EvidenceStore, row: RouteVersion) -> dict[str, Any]:
    """The version as ``route_to_dict`` output with points (for readers written against that form, e.g.
    the PDF map)."""
    if row.points_blob is None:
        return dict(row.route or {})
    points = load_points(session, evidence, row)
    return {
        **(row.route or {}),
        "points": {
            "lat": points.lat,
            "lon": points.lon,
            "flags": points.flags,
            "time_s": points.time_s,
            "record_id": points.record_id,
        },
    }
