"""The Route: everything routing concluded from a case's points, with the parameters and code version.

``build_route(points, params=..., nearest_place=...)`` runs clean → stays → legs → countries and time
zones → country visits and crossings → gaps → visits (time at one place: stays and excursions, see
``visits.py``), and returns a frozen :class:`Route`. Nothing is mutated; a new
parameter set gives a new Route. ``route_to_dict``/``route_from_dict`` store it as versioned JSON;
``route_to_geojson`` renders it for the map (geometry simplified for display, statistics from the full
data; interpolated pieces flagged ``observed: false``).

The nearest named place of each stay comes from a gazetteer built elsewhere (``matching``): pass any
callable ``(lat, lon) -> str | None`` as ``nearest_place``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import shapely

from routing.borders import BorderCrossing, CountryVisit, visits_and_crossings
from routing.cleaning import CleanedPoints, CleaningParameters, ClockEvidence, PointFlag, clean_points
from routing.errors import RouteFormatError
from routing.gaps import Gap, find_gaps
from routing.geodesy import METRES_PER_DEGREE
from routing.geography import resolve_countries
from routing.legs import Leg, LegParameters, TravelMode, build_legs
from routing.points import FIX_KINDS, OBSERVATIONS, TIME_SOURCES, PointTable
from routing.stays import Stay, StayArrays, StayParameters, detect_stays_arrays, stays_from_arrays
from routing.visits import (
    Excursion,
    NamedPlace,
    Visit,
    VisitParameters,
    VisitSource,
    detect_visits,
    place_radius_m,
)

#: Nearest named place of a position (WGS84 degrees), or None. Implemented by the gazetteer. A
#: :class:`NamedPlace` (name, population, kind) also sizes the visit radius; a bare name does not.
NearestPlace = Callable[[float, float], str | NamedPlace | None]

ROUTE_FORMAT_VERSION = 1
ROUTING_ALGORITHM_VERSION = "1.0"


def code_version() -> str:
    """Routing algorithm version plus the installed reisroute package version."""
    try:
        package = metadata.version("reisroute")
    except metadata.PackageNotFoundError:
        package = "unknown"
    return f"routing-{ROUTING_ALGORITHM_VERSION}+reisroute-{package}"


@dataclass(frozen=True)
class RouteParameters:
    """Every parameter that influences a Route (stored with it). Units in the names."""

    cleaning: CleaningParameters = field(default_factory=CleaningParameters)
    stays: StayParameters = field(default_factory=StayParameters)
    legs: LegParameters = field(default_factory=LegParameters)
    visits: VisitParameters = field(default_factory=VisitParameters)
    clock: ClockEvidence = field(default_factory=ClockEvidence)
    gap_min_s: float = 6 * 3600.0
    border_tolerance_m: float = 10_000.0
    min_visit_points: int = 3
    min_visit_s: float = 600.0


@dataclass(frozen=True)
class RouteStay:
    """A stay with its country, time zone and nearest named place."""

    stay: Stay
    country: str
    country_confidence: str
    time_zone: str
    place: str | None


@dataclass(frozen=True)
class RouteVisit:
    """A visit (time at one place, its stays and excursions) with its country, time zone and place name."""

    visit: Visit
    country: str
    country_confidence: str
    time_zone: str
    place: str | None


@dataclass(frozen=True, eq=False)
class Route:
    """A reconstructed route (see module docstring). Per-point arrays are aligned with ``points``."""

    parameters: RouteParameters
    code_version: str
    points: PointTable
    flags: np.ndarray
    duplicate_of: np.ndarray
    point_country: np.ndarray  # "" for unusable points and at sea
    point_time_zone: np.ndarray  # "" for unusable points
    stays: tuple[RouteStay, ...]
    legs: tuple[Leg, ...]
    country_visits: tuple[CountryVisit, ...]
    border_crossings: tuple[BorderCrossing, ...]
    gaps: tuple[Gap, ...]
    format_version: int = ROUTE_FORMAT_VERSION
    visits: tuple[RouteVisit, ...] = ()

    @property
    def usable(self) -> np.ndarray:
        return self.flags == 0

    def statistics(self) -> dict[str, Any]:
        """Counts and totals from the full (unsimplified) data."""
        usable = self.usable
        flag_counts = {str(flag.name): int(np.count_nonzero(self.flags & flag)) for flag in PointFlag}
        return {
            "points": len(self.points),
            "usable_points": int(np.count_nonzero(usable)),
            "flagged_points": flag_counts,
            "stays": len(self.stays),
            "visits": len(self.visits),
            "legs": len(self.legs),
            "legs_by_mode": {
                mode.value: sum(1 for leg in self.legs if leg.mode is mode) for mode in TravelMode
            },
            "distance_between_stays_m": float(sum(leg.distance_m for leg in self.legs)),
            "countries": sorted({visit.iso_a2 for visit in self.country_visits}),
            "border_crossings": len(self.border_crossings),
            "gaps": len(self.gaps),
            "unobserved_s": float(sum(gap.duration_s for gap in self.gaps)),
            "first_utc": _iso(self.points.time_utc(int(np.flatnonzero(usable)[0]))) if usable.any() else None,
            "last_utc": _iso(self.points.time_utc(int(np.flatnonzero(usable)[-1]))) if usable.any() else None,
        }


def build_route(
    points: PointTable, *, params: RouteParameters | None = None, nearest_place: NearestPlace | None = None
) -> Route:
    """Clean → stays → legs → countries and time zones → visits and crossings → gaps."""
    params = params or RouteParameters()
    cleaned = clean_points(points, parameters=params.cleaning, clock=params.clock)
    usable = np.flatnonzero(cleaned.usable)
    arrays = detect_stays_arrays(
        time_s=points.time_s[usable],
        lat=points.lat[usable],
        lon=points.lon[usable],
        accuracy_m=points.accuracy_m[usable],
        parameters=params.stays,
    )
    stays = stays_from_arrays(arrays, rows=usable, record_id=points.record_id)
    point_stay = np.full(len(points), -1, dtype=np.int64)
    point_stay[usable] = arrays.point_stay
    legs = build_legs(cleaned, stays, parameters=params.legs)

    stay_places: list[NamedPlace | None] = [
        _named(nearest_place(s.lat, s.lon)) if nearest_place else None for s in stays
    ]
    route_stays = _route_stays(stays, stay_places, params)
    point_country, point_zone, confidence = _point_countries(points, usable, point_stay, route_stays, params)
    visits, crossings = visits_and_crossings(
        time_s=points.time_s[usable],
        lat=points.lat[usable],
        lon=points.lon[usable],
        iso_a2=point_country[usable],
        confidence=confidence[usable],
        record_id=points.record_id[usable],
        min_visit_points=params.min_visit_points,
        min_visit_s=params.min_visit_s,
        border_tolerance_m=params.border_tolerance_m,
        long_bracket_s=params.gap_min_s,
    )
    gaps = find_gaps(cleaned, min_gap_s=params.gap_min_s, point_stay=point_stay)
    route_visits = _route_visits(
        points, usable, arrays, route_stays, stay_places, point_country, params, nearest_place
    )
    return Route(
        parameters=params,
        code_version=code_version(),
        points=points,
        flags=cleaned.flags,
        duplicate_of=cleaned.duplicate_of,
        point_country=point_country,
        point_time_zone=point_zone,
        stays=route_stays,
        legs=legs,
        country_visits=visits,
        border_crossings=crossings,
        gaps=gaps,
        visits=route_visits,
    )


def _place_name(place: NamedPlace | None) -> str | None:
    return place.name if place is not None else None


def _named(place: str | NamedPlace | None) -> NamedPlace | None:
    if place is None or isinstance(place, NamedPlace):
        return place
    return NamedPlace(name=place)


def _route_visits(
    points: PointTable,
    usable: np.ndarray,
    arrays: StayArrays,
    stays: tuple[RouteStay, ...],
    stay_places: list[NamedPlace | None],
    point_country: np.ndarray,
    params: RouteParameters,
    nearest_place: NearestPlace | None,
) -> tuple[RouteVisit, ...]:
    """Visits over the usable points; place radius and name from the stays' places where known."""
    stay_radius = np.array(
        [place_radius_m(place, parameters=params.visits) if place else np.nan for place in stay_places]
    )

    def radius_at(lat: float, lon: float) -> float:
        place = _named(nearest_place(lat, lon)) if nearest_place else None
        return place_radius_m(place, parameters=params.visits)

    visits = detect_visits(
        time_s=points.time_s[usable],
        lat=points.lat[usable],
        lon=points.lon[usable],
        stays=arrays,
        record_id=points.record_id[usable],
        country=point_country[usable],
        stay_country=np.array([s.country for s in stays], dtype=object),
        artifact=points.artifact[usable],
        artifact_ids=points.artifact_ids,
        fix_kind=points.fix_kind[usable],
        fix_kinds=tuple(kind.value for kind in FIX_KINDS),
        stay_place_radius_m=stay_radius,
        place_radius_at_m=radius_at if nearest_place else None,
        parameters=params.visits,
    )
    if not visits:
        return ()
    assignment = resolve_countries(
        np.array([v.lat for v in visits]),
        np.array([v.lon for v in visits]),
        border_tolerance_m=params.border_tolerance_m,
    )
    result = []
    for k, visit in enumerate(visits):
        if visit.stay_indices:
            longest = max(visit.stay_indices, key=lambda index: stays[index].stay.duration_s)
            place = stays[longest].place
        else:
            found = _named(nearest_place(visit.lat, visit.lon)) if nearest_place else None
            place = found.name if found else None
        result.append(
            RouteVisit(
                visit=visit,
                country=str(assignment.iso_a2[k]),
                country_confidence=str(assignment.confidence[k]),
                time_zone=str(assignment.time_zone[k]),
                place=place,
            )
        )
    return tuple(result)


def _point_countries(
    points: PointTable, usable: np.ndarray, point_stay: np.ndarray, stays: tuple, params: RouteParameters
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Country, time zone and confidence per point. Points inside a stay take the stay's (a phone
    jittering around a camp 600 m from a border did not cross it); the others are looked up."""
    n = len(points)
    country = np.full(n, "", dtype=object)
    zone = np.full(n, "", dtype=object)
    confidence = np.full(n, "", dtype=object)
    in_stay = usable[point_stay[usable] >= 0]
    if stays and len(in_stay):
        stay_index = point_stay[in_stay]
        country[in_stay] = np.array([s.country for s in stays], dtype=object)[stay_index]
        zone[in_stay] = np.array([s.time_zone for s in stays], dtype=object)[stay_index]
        confidence[in_stay] = np.array([s.country_confidence for s in stays], dtype=object)[stay_index]
    moving = usable[point_stay[usable] < 0]
    if len(moving):
        assignment = resolve_countries(
            points.lat[moving], points.lon[moving], border_tolerance_m=params.border_tolerance_m
        )
        country[moving] = assignment.iso_a2
        zone[moving] = assignment.time_zone
        confidence[moving] = assignment.confidence
    return country, zone, confidence


def _route_stays(stays: tuple[Stay, ...], places: list[NamedPlace | None], params: RouteParameters) -> tuple:
    if not stays:
        return ()
    lat = np.array([s.lat for s in stays])
    lon = np.array([s.lon for s in stays])
    assignment = resolve_countries(lat, lon, border_tolerance_m=params.border_tolerance_m)
    return tuple(
        RouteStay(
            stay=stay,
            country=str(assignment.iso_a2[k]),
            country_confidence=str(assignment.confidence[k]),
            time_zone=str(assignment.time_zone[k]),
            place=_place_name(places[k]),
        )
        for k, stay in enumerate(stays)
    )


def cleaned_points(route: Route) -> CleanedPoints:
    """The route's points and flags as a :class:`CleanedPoints`."""
    return CleanedPoints(
        points=route.points,
        flags=route.flags,
        duplicate_of=route.duplicate_of,
        parameters=route.parameters.cleaning,
    )


# ---------------------------------------------------------------------- GeoJSON
def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _local(moment: datetime, zone: str) -> str | None:
    if not zone or zone.startswith("Etc/"):
        return None
    try:
        return moment.astimezone(ZoneInfo(zone)).isoformat()
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _line(lat: np.ndarray, lon: np.ndarray, tolerance_deg: float) -> list[list[float]]:
    line = shapely.linestrings(np.column_stack((lon, lat)))
    if tolerance_deg > 0:
        line = shapely.simplify(line, tolerance_deg, preserve_topology=False)
    return [[round(x, 6), round(y, 6)] for x, y in shapely.get_coordinates(line).tolist()]


def route_to_geojson(route: Route, *, simplify_tolerance_m: float = 50.0) -> dict[str, Any]:
    """GeoJSON FeatureCollection of stays (Points), visits (Points, ``kind: "visit"``: place, span, observed
    share, records, sources, stay indices and excursions), legs (LineStrings split into observed and
    interpolated pieces), border crossings (bracket LineStrings) and gaps (interpolated LineStrings). Each
    stay feature names its ``visit`` (index) or, on a trip away, ``excursion_of_visit``; both None outside.

    Coordinates are [lon, lat] WGS84. Geometry is simplified with ``simplify_tolerance_m`` (converted to
    degrees at 111 320 m per degree) for display only; every property is computed from the full data.
    The collection carries a foreign member ``route`` with version, parameters and statistics.
    """
    tolerance_deg = simplify_tolerance_m / METRES_PER_DEGREE
    features: list[dict[str, Any]] = []
    stay_visit: dict[int, int] = {}
    stay_excursion_of: dict[int, int] = {}
    for index, route_visit in enumerate(route.visits):
        stay_visit.update((stay, index) for stay in route_visit.visit.stay_indices)
        for excursion in route_visit.visit.excursions:
            stay_excursion_of.update((stay, index) for stay in excursion.stay_indices)
    for index, item in enumerate(route.stays):
        stay = item.stay
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(stay.lon, 6), round(stay.lat, 6)]},
                "properties": {
                    "kind": "stay",
                    "index": index,
                    "observed": True,
                    "start_utc": _iso(stay.start_utc),
                    "end_utc": _iso(stay.end_utc),
                    "start_local": _local(stay.start_utc, item.time_zone),
                    "end_local": _local(stay.end_utc, item.time_zone),
                    "time_zone": item.time_zone,
                    "duration_s": stay.duration_s,
                    "unobserved_s": stay.unobserved_s,
                    "radius_m": stay.radius_m,
                    "centre_uncertainty_m": stay.centre_uncertainty_m,
                    "n_points": stay.n_points,
                    "first_record_id": stay.first_record_id,
                    "last_record_id": stay.last_record_id,
                    "country": item.country,
                    "country_confidence": item.country_confidence,
                    "place": item.place,
                    "visit": stay_visit.get(index),
                    "excursion_of_visit": stay_excursion_of.get(index),
                },
            }
        )
    for index, route_visit in enumerate(route.visits):
        features.append(_visit_feature(index, route_visit))
    points = route.points
    for index, leg in enumerate(route.legs):
        a, b = route.stays[leg.from_stay].stay, route.stays[leg.to_stay].stay
        if leg.first_row is not None and leg.last_row is not None:
            rows = np.arange(leg.first_row, leg.last_row + 1)
            rows = rows[route.usable[rows]]
        else:
            rows = np.zeros(0, dtype=np.int64)
        lat = np.r_[a.lat, points.lat[rows], b.lat]
        lon = np.r_[a.lon, points.lon[rows], b.lon]
        times = np.r_[a.end_utc.timestamp(), points.time_s[rows], b.start_utc.timestamp()]
        long_step = np.diff(times) > route.parameters.gap_min_s
        if not len(rows):
            long_step[:] = True  # a straight line with nothing observed in between
        common = {
            "kind": "leg",
            "index": index,
            "from_stay": leg.from_stay,
            "to_stay": leg.to_stay,
            "mode": leg.mode.value,
            "mode_reason": leg.reason,
            "start_utc": _iso(leg.start_utc),
            "end_utc": _iso(leg.end_utc),
            "distance_m": leg.distance_m,
            "path_length_m": leg.path_length_m,
            "duration_s": leg.duration_s,
            "speed_mps": leg.speed_mps if np.isfinite(leg.speed_mps) else None,
            "cruising_speed_mps": leg.cruising_speed_mps,
            "water_share": leg.water_share,
            "evidence_count": leg.evidence_count,
            "longest_gap_s": leg.longest_gap_s,
        }
        # split the polyline into maximal observed runs and single interpolated steps
        boundaries = np.flatnonzero(long_step)
        start = 0
        for step in boundaries:
            if step > start:
                coordinates = _line(lat[start : step + 1], lon[start : step + 1], tolerance_deg)
                features.append(_line_feature(coordinates, {**common, "observed": True}))
            coordinates = _line(lat[step : step + 2], lon[step : step + 2], 0.0)
            features.append(_line_feature(coordinates, {**common, "observed": False, "interpolated": True}))
            start = step + 1
        if start < len(lat) - 1:
            coordinates = _line(lat[start:], lon[start:], tolerance_deg)
            features.append(_line_feature(coordinates, {**common, "observed": True}))
    for index, crossing in enumerate(route.border_crossings):
        features.append(
            _line_feature(
                [
                    [round(crossing.last_before_lon, 6), round(crossing.last_before_lat, 6)],
                    [round(crossing.first_after_lon, 6), round(crossing.first_after_lat, 6)],
                ],
                {
                    "kind": "border_crossing",
                    "index": index,
                    "observed": False,
                    "interpolated": True,
                    "from_country": crossing.from_iso_a2,
                    "to_country": crossing.to_iso_a2,
                    "last_before_utc": _iso(crossing.last_before_utc),
                    "first_after_utc": _iso(crossing.first_after_utc),
                    "bracket_s": crossing.bracket_s,
                    "last_before_record_id": crossing.last_before_record_id,
                    "first_after_record_id": crossing.first_after_record_id,
                    "confidence": crossing.confidence,
                    "notes": list(crossing.notes),
                },
            )
        )
    for index, gap in enumerate(route.gaps):
        features.append(
            _line_feature(
                [
                    [round(gap.start_lon, 6), round(gap.start_lat, 6)],
                    [round(gap.end_lon, 6), round(gap.end_lat, 6)],
                ],
                {
                    "kind": "gap",
                    "index": index,
                    "observed": False,
                    "interpolated": True,
                    "start_utc": _iso(gap.start_utc),
                    "end_utc": _iso(gap.end_utc),
                    "duration_s": gap.duration_s,
                    "distance_m": gap.distance_m,
                    "same_stay": gap.same_stay,
                    "start_record_id": gap.start_record_id,
                    "end_record_id": gap.end_record_id,
                },
            )
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "route": {
            "format_version": route.format_version,
            "code_version": route.code_version,
            "parameters": _to_jsonable(route.parameters),
            "statistics": route.statistics(),
            "simplify_tolerance_m": simplify_tolerance_m,
        },
    }


def _visit_feature(index: int, item: RouteVisit) -> dict[str, Any]:
    visit = item.visit
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(visit.lon, 6), round(visit.lat, 6)]},
        "properties": {
            "kind": "visit",
            "index": index,
            "observed": True,
            "place": item.place,
            "country": item.country,
            "country_confidence": item.country_confidence,
            "time_zone": item.time_zone,
            "start_utc": _iso(visit.start_utc),
            "end_utc": _iso(visit.end_utc),
            "start_local": _local(visit.start_utc, item.time_zone),
            "end_local": _local(visit.end_utc, item.time_zone),
            "duration_s": visit.duration_s,
            "observed_s": visit.observed_s,
            "observed_share": visit.observed_share,
            "longest_gap_s": visit.longest_gap_s,
            "place_radius_m": visit.place_radius_m,
            "n_records": visit.n_records,
            "days_with_records": visit.days_with_records,
            "days": visit.days,
            "first_record_id": visit.first_record_id,
            "last_record_id": visit.last_record_id,
            "stays": list(visit.stay_indices),
            "sources": [
                {"artifact_id": s.artifact_id, "fix_kind": s.fix_kind, "n_records": s.n_records}
                for s in visit.sources
            ],
            "excursions": [
                {
                    "start_utc": _iso(e.start_utc),
                    "end_utc": _iso(e.end_utc),
                    "start_local": _local(e.start_utc, item.time_zone),
                    "end_local": _local(e.end_utc, item.time_zone),
                    "duration_s": e.duration_s,
                    "max_distance_m": e.max_distance_m,
                    "n_records": e.n_records,
                    "stays": list(e.stay_indices),
                }
                for e in visit.excursions
            ],
        },
    }


def _line_feature(coordinates: list[list[float]], properties: dict[str, Any]) -> dict[str, Any]:
    if len(coordinates) == 1:
        coordinates = coordinates * 2
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": properties,
    }


# ---------------------------------------------------------------------- versioned JSON
def _to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None  # JSON has no NaN/inf (e.g. a zero-duration leg)
    return value


def route_to_dict(route: Route, *, include_points: bool = True) -> dict[str, Any]:
    """JSON-ready dict of the whole Route (columnar points when ``include_points``)."""
    result: dict[str, Any] = {
        "format_version": route.format_version,
        "code_version": route.code_version,
        "parameters": _to_jsonable(route.parameters),
        "stays": _to_jsonable(route.stays),
        "visits": _to_jsonable(route.visits),
        "legs": _to_jsonable(route.legs),
        "country_visits": _to_jsonable(route.country_visits),
        "border_crossings": _to_jsonable(route.border_crossings),
        "gaps": _to_jsonable(route.gaps),
        "statistics": route.statistics(),
    }
    if include_points:
        p = route.points
        zones, zone_index = np.unique(route.point_time_zone.astype(str), return_inverse=True)
        result["points"] = {
            "time_s": p.time_s.tolist(),
            "lat": p.lat.tolist(),
            "lon": p.lon.tolist(),
            "accuracy_m": np.where(p.accuracy_known, p.accuracy_m, np.nan).tolist(),
            "fix_kind": [FIX_KINDS[c].value for c in p.fix_kind],
            "time_source": [TIME_SOURCES[c].value for c in p.time_source],
            "observation": [OBSERVATIONS[c].value for c in p.observation],
            "record_id": p.record_id.tolist(),
            "artifact_id": [p.artifact_ids[c] for c in p.artifact],
            "altitude_m": p.altitude_m.tolist(),
            "flags": route.flags.astype(int).tolist(),
            "duplicate_of": route.duplicate_of.tolist(),
            "country": route.point_country.astype(str).tolist(),
            "time_zones": zones.tolist(),
            "time_zone_index": zone_index.reshape(-1).tolist(),
        }
        # NaN is not JSON: unknown accuracy/altitude become None
        for name in ("accuracy_m", "altitude_m"):
            result["points"][name] = [None if v != v else v for v in result["points"][name]]
        result["flag_bits"] = {str(flag.name): int(flag) for flag in PointFlag}
    return result


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _build(cls: type, data: dict[str, Any], converters: dict[str, Callable[[Any], Any]] | None = None) -> Any:
    converters = converters or {}
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name in converters and value is not None:
            value = converters[f.name](value)
        kwargs[f.name] = value
    return cls(**kwargs)


def route_from_dict(data: dict[str, Any]) -> Route:
    """Read a Route written by :func:`route_to_dict` (with points)."""
    if data.get("format_version") != ROUTE_FORMAT_VERSION:
        raise RouteFormatError(
            f"route format version {data.get('format_version')!r} is not {ROUTE_FORMAT_VERSION}; recompute the route"
        )
    if "points" not in data:
        raise RouteFormatError("route was stored without points; recompute it from the case's records")
    try:
        p = data["parameters"]
        clock = p["clock"]
        parameters = RouteParameters(
            cleaning=_build(CleaningParameters, p["cleaning"]),
            stays=_build(StayParameters, p["stays"]),
            legs=_build(LegParameters, p["legs"]),
            visits=_build(
                VisitParameters,
                p["visits"],
                {"radius_by_population_m": lambda rows: tuple((int(m), float(r)) for m, r in rows)},
            )
            if "visits" in p
            else VisitParameters(),
            clock=ClockEvidence(
                device_first_seen_utc=_dt(clock["device_first_seen_utc"])
                if clock["device_first_seen_utc"]
                else None,
                extraction_time_utc=_dt(clock["extraction_time_utc"])
                if clock["extraction_time_utc"]
                else None,
                suspect_intervals=tuple((_dt(a), _dt(b)) for a, b in clock["suspect_intervals"]),
            ),
            gap_min_s=p["gap_min_s"],
            border_tolerance_m=p["border_tolerance_m"],
            min_visit_points=p["min_visit_points"],
            min_visit_s=p["min_visit_s"],
        )
        pts = data["points"]
        points = PointTable.from_arrays(
            time_s=np.array(pts["time_s"], dtype=np.float64),
            lat=np.array(pts["lat"], dtype=np.float64),
            lon=np.array(pts["lon"], dtype=np.float64),
            accuracy_m=np.array([np.nan if v is None else v for v in pts["accuracy_m"]], dtype=np.float64),
            fix_kind=pts["fix_kind"],
            time_source=pts["time_source"],
            observation=pts["observation"],
            record_id=np.array(pts["record_id"], dtype=np.int64),
            artifact=pts["artifact_id"],
            altitude_m=np.array([np.nan if v is None else v for v in pts["altitude_m"]], dtype=np.float64),
        )
        stay_conv = {"start_utc": _dt, "end_utc": _dt}
        stays = tuple(
            RouteStay(
                stay=_build(Stay, s["stay"], stay_conv),
                country=s["country"],
                country_confidence=s["country_confidence"],
                time_zone=s["time_zone"],
                place=s["place"],
            )
            for s in data["stays"]
        )
        legs = tuple(
            _build(
                Leg,
                {**leg, "speed_mps": float("inf") if leg["speed_mps"] is None else leg["speed_mps"]},
                {"start_utc": _dt, "end_utc": _dt, "mode": TravelMode},
            )
            for leg in data["legs"]
        )
        visits = tuple(_build(CountryVisit, v, stay_conv) for v in data["country_visits"])
        crossings = tuple(
            _build(
                BorderCrossing,
                c,
                {"last_before_utc": _dt, "first_after_utc": _dt, "notes": tuple},
            )
            for c in data["border_crossings"]
        )
        gaps = tuple(_build(Gap, g, stay_conv) for g in data["gaps"])
        route_visits = tuple(_visit_from_dict(v) for v in data.get("visits", ()))
        zones = np.array(pts["time_zones"], dtype=object)
        return Route(
            parameters=parameters,
            code_version=data["code_version"],
            points=points,
            flags=np.array(pts["flags"], dtype=np.uint16),
            duplicate_of=np.array(pts["duplicate_of"], dtype=np.int64),
            point_country=np.array(pts["country"], dtype=object),
            point_time_zone=zones[np.array(pts["time_zone_index"], dtype=np.int64)]
            if len(zones)
            else np.zeros(0, dtype=object),
            stays=stays,
            legs=legs,
            country_visits=visits,
            border_crossings=crossings,
            gaps=gaps,
            format_version=data["format_version"],
            visits=route_visits,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise RouteFormatError(f"stored route is incomplete or malformed: {error}") from error


def _visit_from_dict(data: dict[str, Any]) -> RouteVisit:
    times = {"start_utc": _dt, "end_utc": _dt}
    visit = data["visit"]
    return RouteVisit(
        visit=_build(
            Visit,
            visit,
            {
                **times,
                "stay_indices": tuple,
                "excursions": lambda rows: tuple(
                    _build(Excursion, row, {**times, "stay_indices": tuple}) for row in rows
                ),
                "sources": lambda rows: tuple(_build(VisitSource, row) for row in rows),
            },
        ),
        country=data["country"],
        country_confidence=data["country_confidence"],
        time_zone=data["time_zone"],
        place=data["place"],
    )
