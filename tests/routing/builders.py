"""Small builders for hand-made journeys: stays with jitter, straight moves, gaps — as PointTables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from extractor.records import FixKind, LocationRecord, TimeSource
from routing.points import PointTable

METRES_PER_DEGREE = 111_320.0
T0 = datetime(2016, 3, 1, 6, 0, tzinfo=UTC)


def offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    return lat + north_m / METRES_PER_DEGREE, lon + east_m / (METRES_PER_DEGREE * np.cos(np.radians(lat)))


def make_record(
    time_utc: datetime,
    lat: float,
    lon: float,
    *,
    accuracy_m: float | None = 20.0,
    artifact_id: str = "android.fused_location",
    fix_kind: FixKind = FixKind.GNSS,
    time_source: TimeSource = TimeSource.GNSS,
    altitude_m: float | None = None,
) -> LocationRecord:
    return LocationRecord(
        time_utc=time_utc,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        fix_kind=fix_kind,
        time_source=time_source,
        artifact_id=artifact_id,
        source_path="/data/test",
        source_sha256="0" * 64,
        row_ref="row",
        altitude_m=altitude_m,
    )


@dataclass
class JourneyBuilder:
    """Appends points in time order; ``now`` advances with each piece. Deterministic per seed."""

    seed: int = 1
    now: datetime = T0
    interval_s: float = 60.0
    time_s: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    accuracy_m: list[float] = field(default_factory=list)
    altitude_m: list[float] = field(default_factory=list)
    time_source: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def _add(
        self, t: np.ndarray, lat: np.ndarray, lon: np.ndarray, accuracy: float, altitude: float | None
    ) -> None:
        self.time_s.extend(t.tolist())
        self.lat.extend(lat.tolist())
        self.lon.extend(lon.tolist())
        self.accuracy_m.extend([accuracy] * len(t))
        self.altitude_m.extend([np.nan if altitude is None else altitude] * len(t))
        self.time_source.extend(["gnss"] * len(t))

    def stay(
        self, lat: float, lon: float, *, hours: float, jitter_m: float = 0.0, accuracy_m: float = 20.0
    ) -> JourneyBuilder:
        start = self.now.timestamp()
        t = np.arange(start, start + hours * 3600, self.interval_s)
        east = self.rng.normal(0, jitter_m / np.sqrt(2), len(t)) if jitter_m else np.zeros(len(t))
        north = self.rng.normal(0, jitter_m / np.sqrt(2), len(t)) if jitter_m else np.zeros(len(t))
        plat = lat + north / METRES_PER_DEGREE
        plon = lon + east / (METRES_PER_DEGREE * np.cos(np.radians(lat)))
        self._add(t, plat, plon, accuracy_m, None)
        self.now += timedelta(hours=hours)
        return self

    def move(
        self,
        a: tuple[float, float],
        b: tuple[float, float],
        *,
        hours: float,
        every_s: float | None = None,
        altitude_m: float | None = None,
    ) -> JourneyBuilder:
        start = self.now.timestamp()
        t = np.arange(start, start + hours * 3600, every_s or self.interval_s)[1:]
        fraction = (t - start) / (hours * 3600)
        self._add(t, a[0] + (b[0] - a[0]) * fraction, a[1] + (b[1] - a[1]) * fraction, 20.0, altitude_m)
        self.now += timedelta(hours=hours)
        return self

    def nothing(self, *, hours: float) -> JourneyBuilder:
        """Phone off / no fixes (also a flight without points)."""
        self.now += timedelta(hours=hours)
        return self

    def table(self) -> PointTable:
        return PointTable.from_arrays(
            time_s=np.array(self.time_s),
            lat=np.array(self.lat),
            lon=np.array(self.lon),
            accuracy_m=np.array(self.accuracy_m),
            altitude_m=np.array(self.altitude_m),
            time_source=self.time_source,
        )


# Reference places (WGS84)
ALEPPO = (36.2021, 37.1343)
AYVALIK = (39.3100, 26.7200)  # inland of Ayvalık, Turkey
SKALA_SIKAMINEAS = (39.3700, 26.3070)  # Lesbos north coast
MYTILENE = (39.1050, 26.5560)
ATHENS = (37.9838, 23.7275)
BERLIN = (52.5200, 13.4050)
IDOMENI = (41.1224, 22.5175)
GEVGELIJA = (41.1418, 22.5030)
