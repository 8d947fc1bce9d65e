"""Columnar location points: the input of every routing step.

A :class:`PointTable` holds one row per location record, sorted by UTC time, as numpy arrays:

- ``time_s``: float64 seconds since the Unix epoch, UTC (resolution better than 1 µs for current dates).
- ``lat`` / ``lon``: WGS84 degrees (EPSG:4326).
- ``accuracy_m``: horizontal uncertainty in metres. When the record has none, a documented default per
  fix kind is used (:data:`DEFAULT_ACCURACY_M`) and ``accuracy_known`` is False for that row.
- ``fix_kind`` / ``time_source`` / ``observation``: small integer codes of the enums in
  :mod:`extractor.records` (see :data:`FIX_KINDS`, :data:`TIME_SOURCES`, :data:`OBSERVATIONS`).
- ``record_id``: int64 id of the record in the store (or any caller-chosen id; unique per table).
- ``artifact``: index into ``artifact_ids`` (the artifact each row came from).
- ``altitude_m``: metres above the ellipsoid/sea level as reported, NaN when unknown.

Accuracy is a *scale*, not a bound: NFI and TU Delft (2018) found that Google Timeline's own accuracy
radius contained the true position only 52 % of the time with GPS and 7 % with Wi-Fi. Routing therefore
uses accuracy to weight points and to widen tolerances, never to exclude a point by itself.

Points whose observation is RECEIVED (e.g. a photo sent by someone else) are kept in the table for
context but never used for the route (see :mod:`routing.cleaning`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from extractor.records import FixKind, LocationRecord, Observation, TimeSource
from routing.errors import PointTableError

#: Default horizontal accuracy (metres) per fix kind when a record has none. Chosen as typical reported
#: 68 % radii for the kind of fix; used as a noise scale (see module docstring), not as a bound.
DEFAULT_ACCURACY_M: dict[FixKind, float] = {
    FixKind.GNSS: 30.0,
    FixKind.WIFI: 150.0,
    FixKind.CELL: 1500.0,
    FixKind.EXIF: 50.0,
    FixKind.EXPORT: 100.0,
    FixKind.APP: 100.0,
    FixKind.UNKNOWN: 1000.0,
}

FIX_KINDS: tuple[FixKind, ...] = tuple(FixKind)
TIME_SOURCES: tuple[TimeSource, ...] = tuple(TimeSource)
OBSERVATIONS: tuple[Observation, ...] = tuple(Observation)

_FIX_CODE = {kind: code for code, kind in enumerate(FIX_KINDS)}
_TIME_CODE = {source: code for code, source in enumerate(TIME_SOURCES)}
_OBS_CODE = {obs: code for code, obs in enumerate(OBSERVATIONS)}
_DEFAULT_ACCURACY_BY_CODE = np.array([DEFAULT_ACCURACY_M[kind] for kind in FIX_KINDS], dtype=np.float64)

OBSERVATION_RECEIVED_CODE = _OBS_CODE[Observation.RECEIVED]
TIME_SOURCE_DEVICE_CLOCK_CODE = _TIME_CODE[TimeSource.DEVICE_CLOCK]

_COLUMNS = (
    "time_s",
    "lat",
    "lon",
    "accuracy_m",
    "accuracy_known",
    "fix_kind",
    "time_source",
    "observation",
    "record_id",
    "artifact",
    "altitude_m",
)


@dataclass(frozen=True, eq=False)
class PointTable:
    """Location points as parallel numpy arrays sorted by ``time_s`` (see module docstring for units)."""

    time_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    accuracy_m: np.ndarray
    accuracy_known: np.ndarray
    fix_kind: np.ndarray
    time_source: np.ndarray
    observation: np.ndarray
    record_id: np.ndarray
    artifact: np.ndarray
    altitude_m: np.ndarray
    artifact_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        n = len(self.time_s)
        for name in _COLUMNS:
            column = getattr(self, name)
            if not isinstance(column, np.ndarray) or column.ndim != 1 or len(column) != n:
                raise PointTableError(f"column {name!r} must be a 1-D numpy array of length {n}")
            column.flags.writeable = False
        if n and np.any(np.diff(self.time_s) < 0):
            raise PointTableError(
                "points must be sorted by time_s; build the table with from_records/from_arrays"
            )
        if n and (np.nanmax(np.abs(self.lat)) > 90 or np.nanmax(np.abs(self.lon)) > 180):
            raise PointTableError("lat/lon out of WGS84 range")
        if n and not np.all(np.isfinite(self.lat) & np.isfinite(self.lon) & np.isfinite(self.time_s)):
            raise PointTableError("time_s, lat and lon must be finite")
        if n and (self.artifact.min() < 0 or self.artifact.max() >= len(self.artifact_ids)):
            raise PointTableError("artifact index out of range of artifact_ids")

    def __len__(self) -> int:
        return len(self.time_s)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_arrays(
        cls,
        *,
        time_s: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        accuracy_m: np.ndarray | None = None,
        fix_kind: np.ndarray | Sequence[FixKind | str] | None = None,
        time_source: np.ndarray | Sequence[TimeSource | str] | None = None,
        observation: np.ndarray | Sequence[Observation | str] | None = None,
        record_id: np.ndarray | None = None,
        artifact: np.ndarray | Sequence[str] | None = None,
        altitude_m: np.ndarray | None = None,
    ) -> PointTable:
        """Build a table from arrays (any order; rows are sorted by time, stably).

        ``time_s`` is UTC seconds since the epoch; ``accuracy_m`` may contain NaN for unknown (replaced by
        the fix-kind default). Enum columns accept enum members or their string values. ``artifact``
        holds artifact id strings per row. Missing columns get defaults (GNSS, GNSS time, OWN, ids 0..n-1).
        """
        time_arr = np.asarray(time_s, dtype=np.float64)
        n = len(time_arr)
        fix_codes = _encode(fix_kind, _FIX_CODE, FixKind, n, FixKind.GNSS)
        time_codes = _encode(time_source, _TIME_CODE, TimeSource, n, TimeSource.GNSS)
        obs_codes = _encode(observation, _OBS_CODE, Observation, n, Observation.OWN)
        acc = np.full(n, np.nan) if accuracy_m is None else np.asarray(accuracy_m, dtype=np.float64).copy()
        known = np.isfinite(acc)
        acc[~known] = _DEFAULT_ACCURACY_BY_CODE[fix_codes[~known]]
        if artifact is None:
            artifact_ids: tuple[str, ...] = ("unknown",)
            artifact_idx = np.zeros(n, dtype=np.int32)
        else:
            labels, inverse = np.unique(np.asarray(artifact, dtype=object).astype(str), return_inverse=True)
            artifact_ids = tuple(str(label) for label in labels)
            artifact_idx = inverse.astype(np.int32)
        ids = np.arange(n, dtype=np.int64) if record_id is None else np.asarray(record_id, dtype=np.int64)
        alt = np.full(n, np.nan) if altitude_m is None else np.asarray(altitude_m, dtype=np.float64)
        order = np.argsort(time_arr, kind="stable")
        return cls(
            time_s=time_arr[order],
            lat=np.asarray(lat, dtype=np.float64)[order],
            lon=np.asarray(lon, dtype=np.float64)[order],
            accuracy_m=acc[order],
            accuracy_known=known[order],
            fix_kind=fix_codes[order],
            time_source=time_codes[order],
            observation=obs_codes[order],
            record_id=ids[order],
            artifact=artifact_idx[order],
            altitude_m=alt[order],
            artifact_ids=artifact_ids,
        )

    @classmethod
    def from_labelled(
        cls,
        *,
        time_s: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        accuracy_m: np.ndarray,
        altitude_m: np.ndarray,
        record_id: np.ndarray,
        fix_kind: tuple[np.ndarray, Sequence[str]],
        time_source: tuple[np.ndarray, Sequence[str]],
        observation: tuple[np.ndarray, Sequence[str]],
        artifact: tuple[np.ndarray, Sequence[str]],
    ) -> PointTable:
        """Build a table from float64/int64 columns and string columns given as ``(integer codes, labels)``
        (as the store reads a case's records), without a string per row and without copying columns that
        are already in time order. The table takes the arrays over: the caller must not change them.

        Equal to :meth:`from_arrays` given the same values as strings."""
        time_arr = np.asarray(time_s, dtype=np.float64)
        n = len(time_arr)
        fix_codes = _encode_labelled(fix_kind, _FIX_CODE, FixKind, n)
        time_codes = _encode_labelled(time_source, _TIME_CODE, TimeSource, n)
        obs_codes = _encode_labelled(observation, _OBS_CODE, Observation, n)
        acc = np.asarray(accuracy_m, dtype=np.float64)
        known = np.isfinite(acc)
        if not known.all():
            acc = acc.copy() if not acc.flags.writeable else acc
            acc[~known] = _DEFAULT_ACCURACY_BY_CODE[fix_codes[~known]]
        artifact_codes, artifact_labels = artifact
        artifact_ids = tuple(sorted(str(label) for label in artifact_labels))  # as from_arrays: sorted
        remap = np.asarray([artifact_ids.index(str(label)) for label in artifact_labels], dtype=np.int32)
        artifact_idx = remap[np.asarray(artifact_codes)] if len(remap) else np.zeros(n, dtype=np.int32)
        columns = {
            "time_s": time_arr,
            "lat": np.asarray(lat, dtype=np.float64),
            "lon": np.asarray(lon, dtype=np.float64),
            "accuracy_m": acc,
            "accuracy_known": known,
            "fix_kind": fix_codes,
            "time_source": time_codes,
            "observation": obs_codes,
            "record_id": np.asarray(record_id, dtype=np.int64),
            "artifact": artifact_idx,
            "altitude_m": np.asarray(altitude_m, dtype=np.float64),
        }
        if n > 1 and not bool(np.all(time_arr[1:] >= time_arr[:-1])):
            order = np.argsort(time_arr, kind="stable")
            columns = {name: column[order] for name, column in columns.items()}
        return cls(**columns, artifact_ids=artifact_ids)

    @classmethod
    def from_records(
        cls, records: Sequence[LocationRecord], *, record_ids: Sequence[int] | None = None
    ) -> PointTable:
        """Build a table from extractor records; ``record_ids`` are the store's ids (default 0..n-1)."""
        if record_ids is not None and len(record_ids) != len(records):
            raise PointTableError(f"{len(record_ids)} record ids for {len(records)} records")
        return cls.from_arrays(
            time_s=np.array([r.time_utc.timestamp() for r in records], dtype=np.float64),
            lat=np.array([r.lat for r in records], dtype=np.float64),
            lon=np.array([r.lon for r in records], dtype=np.float64),
            accuracy_m=np.array([np.nan if r.accuracy_m is None else r.accuracy_m for r in records]),
            fix_kind=[r.fix_kind for r in records],
            time_source=[r.time_source for r in records],
            observation=[r.observation for r in records],
            record_id=None if record_ids is None else np.asarray(record_ids, dtype=np.int64),
            artifact=[r.artifact_id for r in records],
            altitude_m=np.array([np.nan if r.altitude_m is None else r.altitude_m for r in records]),
        )

    @classmethod
    def from_dataframe(cls, frame: pd.DataFrame) -> PointTable:
        """Build a table from a DataFrame.

        Required columns: ``lat``, ``lon`` and either ``time_utc`` (tz-aware UTC datetimes) or ``time_s``.
        Optional: ``accuracy_m``, ``fix_kind``, ``time_source``, ``observation``, ``record_id``,
        ``artifact_id``, ``altitude_m``.
        """
        if "time_s" in frame:
            time_s = frame["time_s"].to_numpy(dtype=np.float64)
        elif "time_utc" in frame:
            times = pd.to_datetime(frame["time_utc"])
            if times.dt.tz is None:
                raise PointTableError("column time_utc must be timezone-aware UTC")
            time_s = (
                times.dt.tz_convert("UTC").astype("datetime64[ns, UTC]").astype("int64")
            ).to_numpy() / 1e9
        else:
            raise PointTableError("frame needs a time_utc or time_s column")
        for needed in ("lat", "lon"):
            if needed not in frame:
                raise PointTableError(f"frame needs a {needed!r} column")

        def optional(name: str, dtype: type | None = None) -> np.ndarray | None:
            if name not in frame:
                return None
            return frame[name].to_numpy(dtype=dtype) if dtype else frame[name].to_numpy()

        return cls.from_arrays(
            time_s=time_s,
            lat=frame["lat"].to_numpy(dtype=np.float64),
            lon=frame["lon"].to_numpy(dtype=np.float64),
            accuracy_m=optional("accuracy_m", np.float64),
            fix_kind=optional("fix_kind"),
            time_source=optional("time_source"),
            observation=optional("observation"),
            record_id=optional("record_id", np.int64),
            artifact=optional("artifact_id"),
            altitude_m=optional("altitude_m", np.float64),
        )

    # ------------------------------------------------------------------ views
    def take(self, index: np.ndarray) -> PointTable:
        """Return a new table with the rows selected by a boolean mask or sorted integer index."""
        return PointTable(
            **{name: getattr(self, name)[index] for name in _COLUMNS},
            artifact_ids=self.artifact_ids,
        )

    def to_dataframe(self) -> pd.DataFrame:
        """Columnar copy as a DataFrame with ``time_utc`` (tz-aware) and decoded enum strings."""
        return pd.DataFrame(
            {
                "time_utc": pd.to_datetime(self.time_s, unit="s", utc=True),
                "time_s": self.time_s,
                "lat": self.lat,
                "lon": self.lon,
                "accuracy_m": self.accuracy_m,
                "accuracy_known": self.accuracy_known,
                "fix_kind": np.array([k.value for k in FIX_KINDS], dtype=object)[self.fix_kind],
                "time_source": np.array([s.value for s in TIME_SOURCES], dtype=object)[self.time_source],
                "observation": np.array([o.value for o in OBSERVATIONS], dtype=object)[self.observation],
                "record_id": self.record_id,
                "artifact_id": np.array(self.artifact_ids, dtype=object)[self.artifact],
                "altitude_m": self.altitude_m,
            }
        )

    def time_utc(self, index: int) -> datetime:
        """UTC datetime of row ``index``."""
        return seconds_to_utc(float(self.time_s[index]))


def seconds_to_utc(seconds: float) -> datetime:
    """Epoch seconds (UTC) to a tz-aware UTC datetime."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def _encode_labelled(
    values: tuple[np.ndarray, Sequence[str]], codes: dict, enum_type: type, n: int
) -> np.ndarray:  # type: ignore[type-arg]
    label_codes, labels = values
    if len(label_codes) != n:
        raise PointTableError(f"{enum_type.__name__} column has {len(label_codes)} rows, not {n}")
    try:
        lookup = np.array([codes[enum_type(label)] for label in labels], dtype=np.int8)
    except ValueError as error:
        raise PointTableError(f"unknown {enum_type.__name__} value: {error}") from error
    return lookup[np.asarray(label_codes)] if n else np.zeros(0, dtype=np.int8)


def _encode(values, codes: dict, enum_type: type, n: int, default) -> np.ndarray:  # noqa: ANN001
    if values is None:
        return np.full(n, codes[default], dtype=np.int8)
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.integer):
        if len(array) and (array.min() < 0 or array.max() >= len(codes)):
            raise PointTableError(f"{enum_type.__name__} code out of range")
        return array.astype(np.int8)
    labels, inverse = np.unique(array.astype(str), return_inverse=True)
    try:
        label_codes = np.array([codes[enum_type(label)] for label in labels], dtype=np.int8)
    except ValueError as error:
        raise PointTableError(f"unknown {enum_type.__name__} value: {error}") from error
    return label_codes[inverse].reshape(-1) if n else np.zeros(0, dtype=np.int8)
