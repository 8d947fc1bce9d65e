"""Numbers, times and sizes as the report prints them. No words here except units and "UTC"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: a value that reads as a Unix time in milliseconds between 2001 and 2286 (device properties store these)
_EPOCH_MS = re.compile(r"^\d{13}$")
#: the same in seconds, 2001–2286
_EPOCH_S = re.compile(r"^\d{10}$")


def format_utc(moment: datetime | None, *, seconds: bool = False) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def format_date(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d")


def _zone(name: str | None) -> ZoneInfo | None:
    if not name or name == "UTC":
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def utc_offset_text(offset: timedelta | None) -> str:
    """+03:00, −05:30, ±00:00."""
    if offset is None:
        return ""
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "±00:00"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def format_local(moment: datetime | None, zone_name: str | None) -> str:
    """Local time at a place with its offset, then UTC: ``2024-04-21 13:00 (+03:00) · 10:00 UTC``.

    The UTC part repeats the date only when it differs from the local date. Without a known zone: UTC only.
    """
    if moment is None:
        return "—"
    zone = _zone(zone_name)
    if zone is None:
        return format_utc(moment)
    local = moment.astimezone(zone)
    utc = moment.astimezone(UTC)
    utc_text = utc.strftime("%H:%M UTC") if utc.date() == local.date() else format_utc(utc)
    return f"{local:%Y-%m-%d %H:%M} ({utc_offset_text(local.utcoffset())}) · {utc_text}"


def window_end_parts(moment: datetime) -> tuple[str, str] | None:
    """For an authorisation window's end: (the last day it covers whole, the exact end in UTC), or None
    when the end is not at a day boundary. An end at 00:00 covers the day before it; at 23:59:59 its own day."""
    utc = moment.astimezone(UTC)
    if (utc.hour, utc.minute, utc.second, utc.microsecond) == (0, 0, 0, 0):
        return (utc - timedelta(days=1)).strftime("%Y-%m-%d"), format_utc(utc)
    if (utc.hour, utc.minute, utc.second) == (23, 59, 59):
        return utc.strftime("%Y-%m-%d"), format_utc(utc, seconds=True)
    return None


def format_epoch_value(value: str) -> str | None:
    """A device property that holds a Unix time (ms or s) as a UTC date and time; None if it is not one."""
    text = value.strip()
    if _EPOCH_MS.match(text):
        seconds = int(text) / 1000
    elif _EPOCH_S.match(text):
        seconds = int(text)
    else:
        return None
    if not 978_307_200 <= seconds <= 10_000_000_000:  # 2001-01-01 … 2286
        return None
    return format_utc(datetime.fromtimestamp(seconds, tz=UTC), seconds=True)


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    value = abs(float(seconds))
    if value < 90:
        return f"{value:.0f} s"
    if value < 3600:
        return f"{value / 60:.0f} min"
    if value < 2 * 86_400:
        hours, minutes = divmod(round(value / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(round(value / 3600), 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_signed_duration(seconds: float, *, zero: str = "0") -> str:
    """+2 h, −10 min; ``zero`` (the report's words for "within the claimed time") when there is none."""
    if seconds == 0:
        return zero
    return ("+" if seconds > 0 else "−") + format_duration(seconds)


def format_distance(metres: float | None) -> str:
    if metres is None:
        return "—"
    if metres < 1000:
        return f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km" if metres < 100_000 else f"{metres / 1000:.0f} km"


def format_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit} ({count} B)"
        value /= 1024
    return f"{count} B"


def number_ranges(numbers: tuple[int, ...]) -> str:
    """1, 2, 3, 5 → "1–3, 5"; empty → "—"."""
    if not numbers:
        return "—"
    parts: list[str] = []
    run_start = previous = numbers[0]
    for number in (*numbers[1:], None):
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(run_start) if run_start == previous else f"{run_start}–{previous}")
        if number is not None:
            run_start = previous = number
    return ", ".join(parts)
