"""Coordinates typed as a place: decimal degrees or degrees/minutes/seconds.

Accepted: "36.2, 37.15", "36.2 37.15", "-33.92;18.42", "N36.2 E37.15", "36.2N 37.15E",
"36°12'N 37°09'E", "36° 12′ 30″ N, 37° 9′ E", "36 12 30 N 37 9 0 E". Decimal pairs are read as
latitude first (the usual order of maps and phones). The extent radius reflects the precision given:
half the last digit or unit, at least 25 m.
"""

from __future__ import annotations

import math
import re

from matching.errors import CoordinateParseError
from matching.places import Place, PlaceKind
from routing.geodesy import METRES_PER_DEGREE

_MIN_RADIUS_M = 25.0

_DECIMAL_PAIR = re.compile(
    r"^\s*(?P<lat>[+-]?\d{1,2}(?:[.,]\d+)?)\s*[,;\s]\s*(?P<lon>[+-]?\d{1,3}(?:[.,]\d+)?)\s*$"
)
# One component: optional hemisphere letter before, degrees, optional minutes and seconds, optional letter after.
_COMPONENT = (
    r"(?P<{p}pre>[NSEWOZnsewoz])?\s*"
    r"(?P<{p}deg>\d{{1,3}}(?:[.,]\d+)?)\s*(?:°|º|d|deg|\s)?\s*"
    r"(?:(?P<{p}min>\d{{1,2}}(?:[.,]\d+)?)\s*(?:'|′|’|m|\s)?\s*)?"
    r"(?:(?P<{p}sec>\d{{1,2}}(?:[.,]\d+)?)\s*(?:\"|″|”|''|s)?\s*)?"
    r"(?P<{p}post>[NSEWOZnsewoz])?"
)
_DMS_PAIR = re.compile(
    r"^\s*" + _COMPONENT.format(p="a") + r"\s*[,;]?\s*" + _COMPONENT.format(p="b") + r"\s*$"
)
_LOOKS_LIKE_COORDINATES = re.compile(r"^[\s\d.,;:+\-°º'′’\"″”NSEWOZnsewozdegms]+$")


def looks_like_coordinates(text: str) -> bool:
    """True if the text has digits and only characters that coordinates are written with."""
    return bool(re.search(r"\d", text)) and bool(_LOOKS_LIKE_COORDINATES.match(text))


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _decimal_resolution_deg(text: str) -> float:
    text = text.replace(",", ".")
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    return 10.0**-decimals


def parse_coordinates(text: str) -> Place:
    """Read a coordinate text into a Place of kind ``coordinates``.

    Raises CoordinateParseError if the text is not a readable coordinate pair or out of range.
    """
    match = _DECIMAL_PAIR.match(text)
    if match:
        lat = _number(match["lat"])
        lon = _number(match["lon"])
        resolution_deg = max(_decimal_resolution_deg(match["lat"]), _decimal_resolution_deg(match["lon"]))
    else:
        match = _DMS_PAIR.match(text)
        if not match or not (match["apre"] or match["apost"] or "°" in text or "'" in text):
            raise CoordinateParseError(
                f"could not read {text!r} as coordinates; write e.g. '36.2, 37.15' or \"36°12'N 37°09'E\""
            )
        values: list[tuple[float, str | None]] = []
        resolution_deg = 0.0
        for prefix in ("a", "b"):
            degrees = _number(match[f"{prefix}deg"])
            minutes = match[f"{prefix}min"]
            seconds = match[f"{prefix}sec"]
            value = degrees
            resolution = _decimal_resolution_deg(match[f"{prefix}deg"])
            if minutes is not None:
                value += _number(minutes) / 60.0
                resolution = _decimal_resolution_deg(minutes) / 60.0
            if seconds is not None:
                value += _number(seconds) / 3600.0
                resolution = _decimal_resolution_deg(seconds) / 3600.0
            resolution_deg = max(resolution_deg, resolution)
            hemisphere = (match[f"{prefix}pre"] or match[f"{prefix}post"] or "").upper() or None
            values.append((value, hemisphere))
        (first, first_h), (second, second_h) = values
        # Hemisphere letters decide which number is latitude; without letters, latitude first.
        if first_h in ("E", "W", "O") or second_h in ("N", "S", "Z"):
            (first, first_h), (second, second_h) = (second, second_h), (first, first_h)
        lat = -first if first_h in ("S", "Z") else first
        lon = -second if second_h in ("W",) else second
    if not (-90.0 <= lat <= 90.0) or not (-180.0 <= lon <= 180.0):
        raise CoordinateParseError(f"coordinates out of range in {text!r}: latitude {lat}, longitude {lon}")
    radius_m = max(
        _MIN_RADIUS_M, resolution_deg / 2.0 * METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.5)
    )
    label = f"{lat:.5f}, {lon:.5f}"
    return Place(
        id=f"coordinates:{lat:.6f},{lon:.6f}",
        name=label,
        kind=PlaceKind.COORDINATES,
        country_iso2=None,
        lat=lat,
        lon=lon,
        extent_radius_m=round(radius_m, 1),
        population=None,
        source="coordinates as entered",
        matched_name=text.strip(),
    )
