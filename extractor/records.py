"""Data that crosses stage boundaries: location records and custody items.

All times are timezone-aware UTC. Coordinates are WGS84 degrees; distances and accuracies are metres.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_ZERO = timedelta(0)


class FixKind(enum.StrEnum):
    """How a position was obtained."""

    GNSS = "gnss"
    WIFI = "wifi"
    CELL = "cell"
    EXIF = "exif"
    EXPORT = "export"
    APP = "app"
    UNKNOWN = "unknown"


class TimeSource(enum.StrEnum):
    """Which clock a record's time came from. Only device-clock times get the clock offset applied."""

    DEVICE_CLOCK = "device_clock"
    GNSS = "gnss"
    SERVER = "server"


class Observation(enum.StrEnum):
    """Whether the position is the device's own observation (LEGAL 15)."""

    OWN = "own"
    RECEIVED = (
        "received"  # e.g. a photo that arrived from elsewhere: context only, never the device's position
    )
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class LocationRecord:
    """One observed position of the device, with full provenance."""

    time_utc: datetime
    lat: float
    lon: float
    accuracy_m: float | None
    fix_kind: FixKind
    time_source: TimeSource
    artifact_id: str
    source_path: str
    source_sha256: str
    row_ref: str
    altitude_m: float | None = None
    observation: Observation = Observation.OWN
    note: str | None = None
    # The media file the record describes when that is not ``source_path`` itself (a MediaStore or Photos.sqlite
    # row names a photo): two records of one file are one observation.
    subject_path: str | None = None
    # For a GNSS-timed photo: what the device clock said at the same moment (EXIF DateTimeOriginal with its
    # offset). Evidence of how far the device clock was off *then*, not today.
    device_clock_utc: datetime | None = None
    # Set by the runner: the clock offset (device minus reference, seconds) subtracted from this record's time.
    clock_offset_applied_s: float | None = None

    def __post_init__(self) -> None:
        if self.time_utc.tzinfo is not UTC and (
            self.time_utc.tzinfo is None or self.time_utc.utcoffset() != _ZERO
        ):
            raise ValueError(f"time_utc must be timezone-aware UTC, got {self.time_utc!r}")
        if not (-90.0 <= self.lat <= 90.0) or not (-180.0 <= self.lon <= 180.0):
            raise ValueError(f"coordinates out of range: {self.lat}, {self.lon}")
        if self.accuracy_m is not None and self.accuracy_m < 0:
            raise ValueError(f"accuracy_m must be >= 0, got {self.accuracy_m}")

    def with_clock_offset(self, device_minus_host_s: float) -> LocationRecord:
        """Return the record with a device-clock time corrected to host (reference) time.

        GNSS and server times are returned unchanged: they never came from the device clock.
        """
        if self.time_source is not TimeSource.DEVICE_CLOCK:
            return self
        if device_minus_host_s == 0:
            return dataclasses.replace(self, clock_offset_applied_s=0.0)
        return dataclasses.replace(
            self,
            time_utc=self.time_utc - timedelta(seconds=device_minus_host_s),
            clock_offset_applied_s=device_minus_host_s,
        )


@dataclass(frozen=True, slots=True)
class CustodyItem:
    """One item acquired from a source, as recorded in the chain of custody."""

    device_path: str
    size: int | None
    mtime: datetime | None
    sha256_acquired: str
    bytes_acquired: int
    sha256_whole_file: str | None
    artifact_id: str
    acquired_at: datetime
    method: str  # e.g. "adb sync RECV", "adb exec:head -c 131072", "afc read", "backup", "file"


@dataclass(frozen=True, slots=True)
class ClockReading:
    """Device clock against the host clock: host UTC before and after the device answered.

    offset_s = device - host midpoint; uncertainty_s = half the bracket (plus the device's 1 s resolution).
    """

    host_before: datetime
    device_time: datetime
    host_after: datetime
    device_timezone: str | None = None

    @property
    def offset_s(self) -> float:
        midpoint = self.host_before + (self.host_after - self.host_before) / 2
        return (self.device_time - midpoint).total_seconds()

    @property
    def uncertainty_s(self) -> float:
        return (self.host_after - self.host_before).total_seconds() / 2 + 1.0
