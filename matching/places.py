"""A resolved place: what a claim's place text was confirmed to mean."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PlaceKind(enum.StrEnum):
    CITY = "city"
    VILLAGE = "village"
    ISLAND = "island"
    CAMP = "camp"
    BORDER_CROSSING = "border_crossing"
    REGION = "region"
    COUNTRY = "country"
    COORDINATES = "coordinates"


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """WGS84 degrees."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True, slots=True)
class Place:
    """One candidate (or confirmed) place.

    ``lat``/``lon`` are WGS84 degrees of the centre (for a country: a label point inside it).
    ``extent_radius_m`` is the radius around the centre that counts as "at the place"; for a country
    it is None and the extent is the country polygon (``routing.geography.country_polygons()``),
    with ``bbox`` as a quick outline. ``matched_name`` is the name or alias the text matched;
    ``score`` 0–100 is how well (100 = exact after normalisation). ``timezone`` is the IANA zone
    in which the applicant's dates for this place are read.
    """

    id: str
    name: str
    kind: PlaceKind
    country_iso2: str | None
    lat: float
    lon: float
    extent_radius_m: float | None
    population: int | None
    source: str
    matched_name: str
    score: float = 100.0
    timezone: str | None = None
    bbox: BoundingBox | None = None

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0) or not (-180.0 <= self.lon <= 180.0):
            raise ValueError(f"place {self.id}: coordinates out of range: {self.lat}, {self.lon}")
        if self.kind is not PlaceKind.COUNTRY and (self.extent_radius_m is None or self.extent_radius_m < 0):
            raise ValueError(f"place {self.id}: a {self.kind} needs extent_radius_m >= 0")
        if self.kind is PlaceKind.COUNTRY and not self.country_iso2:
            raise ValueError(f"place {self.id}: a country needs country_iso2")
