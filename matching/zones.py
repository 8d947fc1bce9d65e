"""Time zone at a place: which IANA zone a claimed date is read in."""

from __future__ import annotations

import functools

from matching.places import Place


@functools.cache
def _finder():  # type: ignore[no-untyped-def]
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def zone_at(lat: float, lon: float) -> str:
    """IANA zone at a WGS84 position (``routing.geography.timezones_of`` when available, else timezonefinder).

    Falls back to a fixed "Etc/GMT±h" zone from the longitude at sea, where no zone polygon exists.
    """
    try:
        from routing.geography import timezones_of  # type: ignore[attr-defined]
    except ImportError:
        timezones_of = None  # type: ignore[assignment]
    zone: str | None = None
    if timezones_of is not None:
        import numpy as np

        zone = str(timezones_of(np.array([lat]), np.array([lon]))[0]) or None
    else:
        zone = _finder().timezone_at(lat=lat, lng=lon)
    if not zone or zone == "None":
        hours = round(lon / 15.0)
        zone = "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"  # POSIX sign: Etc/GMT-2 is UTC+2
    return zone


def place_zone(place: Place) -> str:
    """The zone a claim's dates at this place are read in: the place's own zone, else the zone at its centre."""
    return place.timezone or zone_at(place.lat, place.lon)
