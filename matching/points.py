"""The columnar points the matcher reads, and the device's data coverage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from matching.errors import PointTableError

DEFAULT_CLOCK_UNCERTAINTY_S = 1.0


@dataclass(frozen=True, eq=False)
class MatchPoints:
    """Location points as parallel arrays sorted by time.

    ``time_utc_s``: float64 UTC seconds since the Unix epoch (clock-corrected). ``lat``/``lon``: WGS84
    degrees. ``accuracy_m``: horizontal accuracy in metres, NaN when unknown (the matcher then uses
    ``MatchParameters.unknown_accuracy_m``). ``record_id``: int64 ids cited as evidence.
    ``clock_uncertainty_s``: how far each time may be off (clock-offset uncertainty). ``usable``: rows
    the matcher may use — the device's own, unflagged observations (received photos and flagged
    outliers are not the device's position).
    """

    time_utc_s: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    accuracy_m: np.ndarray
    record_id: np.ndarray
    clock_uncertainty_s: np.ndarray
    usable: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.time_utc_s)
        for name in ("time_utc_s", "lat", "lon", "accuracy_m", "record_id", "clock_uncertainty_s", "usable"):
            column = getattr(self, name)
            if not isinstance(column, np.ndarray) or column.ndim != 1 or len(column) != n:
                raise PointTableError(f"MatchPoints.{name} must be a 1-D numpy array of length {n}")
        if n and np.any(np.diff(self.time_utc_s) < 0):
            raise PointTableError("MatchPoints must be sorted by time_utc_s (use MatchPoints.from_arrays)")
        if n and not np.all(np.isfinite(self.time_utc_s) & np.isfinite(self.lat) & np.isfinite(self.lon)):
            raise PointTableError("time_utc_s, lat and lon must be finite")
        if n and (np.abs(self.lat).max() > 90 or np.abs(self.lon).max() > 180):
            raise PointTableError("lat/lon out of WGS84 range")
        if n and np.any(self.clock_uncertainty_s < 0):
            raise PointTableError("clock_uncertainty_s must be >= 0")

    def __len__(self) -> int:
        return len(self.time_utc_s)

    @classmethod
    def from_arrays(
        cls,
        *,
        time_utc_s: Sequence[float] | np.ndarray,
        lat: Sequence[float] | np.ndarray,
        lon: Sequence[float] | np.ndarray,
        accuracy_m: Sequence[float] | np.ndarray | None = None,
        record_id: Sequence[int] | np.ndarray | None = None,
        clock_uncertainty_s: float | Sequence[float] | np.ndarray = DEFAULT_CLOCK_UNCERTAINTY_S,
        usable: Sequence[bool] | np.ndarray | None = None,
    ) -> MatchPoints:
        """Build from arrays in any order (sorted stably by time). Defaults: accuracy unknown, ids 0..n-1."""
        times = np.asarray(time_utc_s, dtype=np.float64)
        n = len(times)
        order = np.argsort(times, kind="stable")

        def column(values: object, default: object, dtype: type) -> np.ndarray:
            if values is None:
                return np.full(n, default, dtype=dtype)
            array: np.ndarray = np.asarray(values, dtype=dtype)
            if array.ndim == 0:
                array = np.full(n, array.item(), dtype=dtype)
            if len(array) != n:
                raise PointTableError(f"column length {len(array)} differs from time_utc_s length {n}")
            return array[order]

        return cls(
            time_utc_s=times[order],
            lat=column(lat, np.nan, np.float64),
            lon=column(lon, np.nan, np.float64),
            accuracy_m=column(accuracy_m, np.nan, np.float64),
            record_id=column(record_id, 0, np.int64) if record_id is not None else order.astype(np.int64),
            clock_uncertainty_s=column(clock_uncertainty_s, DEFAULT_CLOCK_UNCERTAINTY_S, np.float64),
            usable=column(usable, True, bool),
        )

    @classmethod
    def from_point_table(
        cls,
        table: Any,
        *,
        usable: np.ndarray | None = None,
        device_clock_uncertainty_s: float = DEFAULT_CLOCK_UNCERTAINTY_S,
        other_clock_uncertainty_s: float = DEFAULT_CLOCK_UNCERTAINTY_S,
    ) -> MatchPoints:
        """From routing's ``PointTable`` (routing/points.py) or its ``CleanedPoints`` (routing/cleaning.py).

        ``usable`` defaults to the cleaning's mask for CleanedPoints, else to rows that are not RECEIVED.
        Device-clock rows get ``device_clock_uncertainty_s`` (the measured clock-offset uncertainty);
        GNSS/server-time rows get ``other_clock_uncertainty_s``.
        """
        points = getattr(table, "points", table)
        if usable is None and hasattr(table, "usable"):
            usable = np.asarray(table.usable() if callable(table.usable) else table.usable, dtype=bool)
        try:
            from routing.points import OBSERVATION_RECEIVED_CODE, TIME_SOURCE_DEVICE_CLOCK_CODE
        except ImportError as exc:
            raise PointTableError(f"routing.points is not importable: {exc}") from exc
        try:
            time_s = np.asarray(points.time_s, dtype=np.float64)
            accuracy = np.asarray(points.accuracy_m, dtype=np.float64).copy()
            if hasattr(points, "accuracy_known"):
                accuracy[~np.asarray(points.accuracy_known, dtype=bool)] = np.nan
            device_clock = np.asarray(points.time_source) == TIME_SOURCE_DEVICE_CLOCK_CODE
            if usable is None:
                usable = np.asarray(points.observation) != OBSERVATION_RECEIVED_CODE
            return cls(
                time_utc_s=time_s,
                lat=np.asarray(points.lat, dtype=np.float64),
                lon=np.asarray(points.lon, dtype=np.float64),
                accuracy_m=accuracy,
                record_id=np.asarray(points.record_id, dtype=np.int64),
                clock_uncertainty_s=np.where(
                    device_clock, device_clock_uncertainty_s, other_clock_uncertainty_s
                ),
                usable=np.asarray(usable, dtype=bool),
            )
        except AttributeError as exc:
            raise PointTableError(f"not a routing PointTable: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Gap:
    start_utc: datetime
    end_utc: datetime

    @property
    def duration_s(self) -> float:
        return (self.end_utc - self.start_utc).total_seconds()


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the device's own records can speak about: first and last record and the gaps between.

    Claims before ``first_record_utc`` are outside what the phone can say (no data).
    """

    first_record_utc: datetime | None
    last_record_utc: datetime | None
    record_count: int
    gaps: tuple[Gap, ...]
    gap_threshold_s: float


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), tz=UTC)


def coverage(points: MatchPoints, *, gap_threshold_s: float = 12 * 3600.0) -> Coverage:
    """Coverage of the usable records; a gap is a period longer than ``gap_threshold_s`` without any."""
    times = points.time_utc_s[points.usable]
    if len(times) == 0:
        return Coverage(None, None, 0, (), gap_threshold_s)
    steps = np.diff(times)
    gap_index = np.flatnonzero(steps > gap_threshold_s)
    gaps = tuple(Gap(_utc(times[i]), _utc(times[i + 1])) for i in gap_index)
    return Coverage(_utc(times[0]), _utc(times[-1]), int(len(times)), gaps, gap_threshold_s)
