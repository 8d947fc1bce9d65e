"""The one module for epoch and timestamp conversions. Everything returns timezone-aware UTC datetimes.

Naive datetimes never leave this module.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
COCOA_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)  # Apple "Mac absolute time"
_COCOA_OFFSET_S = 978307200


class TimestampError(ValueError):
    """A timestamp could not be interpreted."""


def from_unix_s(value: float) -> datetime:
    """Seconds since 1970-01-01 UTC."""
    return UNIX_EPOCH + timedelta(seconds=float(value))


def from_unix_ms(value: float) -> datetime:
    """Milliseconds since 1970-01-01 UTC."""
    return UNIX_EPOCH + timedelta(milliseconds=float(value))


def from_cocoa_s(value: float) -> datetime:
    """Seconds since 2001-01-01 UTC (Core Data / NSDate, e.g. Photos.sqlite ZDATECREATED)."""
    return COCOA_EPOCH + timedelta(seconds=float(value))


def to_cocoa_s(moment: datetime) -> float:
    return (require_utc(moment) - COCOA_EPOCH).total_seconds()


def to_unix_s(moment: datetime) -> float:
    return (require_utc(moment) - UNIX_EPOCH).total_seconds()


def require_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise TimestampError(f"naive datetime {moment!r}: a timezone is required")
    return moment.astimezone(UTC)


def parse_iso8601(text: str) -> datetime:
    """ISO 8601 with a zone designator ("Z" or +hh:mm). A string without a zone is refused."""
    try:
        # Python 3.11's fromisoformat reads "Z" itself; the text as given first (the common case: one call).
        moment = datetime.fromisoformat(text)
    except ValueError:
        cleaned = text.strip()
        if cleaned.endswith("Z"):
            cleaned = cleaned[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(cleaned)
        except ValueError as exc:
            raise TimestampError(f"not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        raise TimestampError(f"ISO 8601 time without a zone: {text!r}")
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


_EXIF_DATETIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def parse_exif_offset(text: str) -> timezone:
    """EXIF OffsetTime* value such as "+03:00"."""
    match = _EXIF_OFFSET.match(text.strip().rstrip("\x00"))
    if not match:
        raise TimestampError(f"not an EXIF offset: {text!r}")
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def parse_exif_local(text: str) -> tuple[int, int, int, int, int, int]:
    """EXIF DateTime* value "YYYY:MM:DD HH:MM:SS" as its fields (a local wall-clock time, no zone)."""
    match = _EXIF_DATETIME.match(text.strip().rstrip("\x00"))
    if not match:
        raise TimestampError(f"not an EXIF date-time: {text!r}")
    fields = tuple(int(g) for g in match.groups())
    return fields  # type: ignore[return-value]


def from_exif_local_with_offset(local_text: str, offset_text: str) -> datetime:
    """EXIF DateTimeOriginal with OffsetTimeOriginal → UTC."""
    year, month, day, hour, minute, second = parse_exif_local(local_text)
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=parse_exif_offset(offset_text))
    except ValueError as exc:
        raise TimestampError(f"impossible EXIF date-time {local_text!r}") from exc
    return local.astimezone(UTC)


def from_exif_local_in_zone(local_text: str, zone: timezone | object) -> datetime:
    """EXIF local time read in a known zone (e.g. the device's zone); the caller must say which zone."""
    year, month, day, hour, minute, second = parse_exif_local(local_text)
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=zone)  # type: ignore[arg-type]
    except ValueError as exc:
        raise TimestampError(f"impossible EXIF date-time {local_text!r}") from exc
    return local.astimezone(UTC)


def from_gps_date_time(date_stamp: str, time_stamp: tuple[float, float, float]) -> datetime:
    """EXIF GPSDateStamp ("YYYY:MM:DD") and GPSTimeStamp (h, m, s rationals) — already UTC."""
    match = re.match(r"^(\d{4}):(\d{2}):(\d{2})", date_stamp.strip().rstrip("\x00"))
    if not match:
        raise TimestampError(f"not a GPS date stamp: {date_stamp!r}")
    hours, minutes, seconds = (float(v) for v in time_stamp)
    try:
        base = datetime(int(match.group(1)), int(match.group(2)), int(match.group(3)), tzinfo=UTC)
    except ValueError as exc:
        raise TimestampError(f"impossible GPS date {date_stamp!r}") from exc
    return base + timedelta(hours=hours, minutes=minutes, seconds=seconds)


def from_android_elapsed_realtime(
    elapsed_ms: float, *, anchor_wall_utc: datetime, anchor_elapsed_ms: float
) -> datetime:
    """Convert an elapsedRealtime value using an anchor pair (wall clock and elapsed at the same instant)."""
    return require_utc(anchor_wall_utc) + timedelta(milliseconds=float(elapsed_ms) - float(anchor_elapsed_ms))


_LOCAL_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")


def from_local_date_time_in_zone(text: str, zone: tzinfo) -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` wall time in a known zone (e.g. Android ``dumpsys package`` times, printed by
    ``SimpleDateFormat`` in the device's zone). In the hour a clock goes back the earlier reading is taken."""
    match = _LOCAL_DATE_TIME.match(text.strip())
    if not match:
        raise TimestampError(f"not a local date-time YYYY-MM-DD HH:MM:SS: {text!r}")
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        local = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError as exc:
        raise TimestampError(f"impossible local date-time {text!r}") from exc
    return local.astimezone(UTC)
