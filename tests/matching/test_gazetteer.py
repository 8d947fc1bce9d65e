"""Gazetteer: alternate names, transliterations, countries, coordinates, ranking."""

from __future__ import annotations

import math

import pytest

from matching.coordinates import parse_coordinates
from matching.errors import CoordinateParseError, GazetteerError, PlaceNotFoundError
from matching.gazetteer import Gazetteer, city_radius_m
from matching.names import normalise_name
from matching.places import PlaceKind


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kapıkule", "kapikule"),
        ("KAPI-KULE", "kapikule"),
        ("A'zaz", "azaz"),
        ("A’zaz", "azaz"),
        ("Röszke", "roszke"),
        ("Horgoš", "horgos"),
        ("Ter Apel", "terapel"),
        ("İzmir", "izmir"),
        ("Μυτιλήνη", "μυτιληνη"),
        ("أثينا", "اثينا"),
    ],
)
def test_normalise_name(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


# (text, expected lat, lon, max km from it, kinds allowed)
REQUIRED = [
    ("Halab", 36.20, 37.16, 15, {"city"}),
    ("حلب", 36.20, 37.16, 15, {"city"}),
    ("Halep", 36.20, 37.16, 15, {"city"}),
    ("Aleppo", 36.20, 37.16, 15, {"city"}),
    ("Lesvos", 39.2, 26.3, 50, {"island"}),
    ("Lesbos", 39.2, 26.3, 50, {"island"}),
    ("Midilli", 39.2, 26.3, 50, {"island", "city"}),
    ("Mytilini", 39.11, 26.55, 10, {"city"}),
    ("Μυτιλήνη", 39.11, 26.55, 10, {"city"}),
    ("Izmir", 38.42, 27.14, 15, {"city"}),
    ("İzmir", 38.42, 27.14, 15, {"city"}),
    ("Smyrna", 38.42, 27.14, 15, {"city"}),
    ("Idomeni", 41.12, 22.51, 5, {"border_crossing", "camp", "village"}),
    ("Gevgelija", 41.14, 22.50, 5, {"city", "village"}),
    ("Moria", 39.13, 26.50, 5, {"camp", "village"}),
    ("Röszke", 46.19, 20.03, 10, {"border_crossing", "village"}),
    ("Roszke", 46.19, 20.03, 10, {"border_crossing", "village"}),
    ("Ter Apel", 52.87, 7.07, 5, {"camp", "village"}),
    ("Kapikule", 41.72, 26.36, 5, {"border_crossing"}),
    ("Bab al-Hawa", 36.23, 36.68, 5, {"border_crossing"}),
]


@pytest.mark.parametrize(("text", "lat", "lon", "max_km", "kinds"), REQUIRED)
def test_required_resolutions(
    gazetteer: Gazetteer, text: str, lat: float, lon: float, max_km: float, kinds: set
) -> None:
    best = gazetteer.resolve(text)[0]
    assert _km(best.lat, best.lon, lat, lon) <= max_km, best
    assert best.kind.value in kinds, best
    assert best.timezone, best


def test_moria_offers_camp_and_village(gazetteer: Gazetteer) -> None:
    candidates = gazetteer.resolve("Moria", preferred_countries=["GR"])
    kinds = [place.kind for place in candidates[:2]]
    assert kinds == [PlaceKind.CAMP, PlaceKind.VILLAGE]
    assert all(place.country_iso2 == "GR" for place in candidates[:2])


def test_preferred_countries_rank_route_places_first(gazetteer: Gazetteer) -> None:
    plain = gazetteer.resolve("Athens")
    assert plain[0].country_iso2 == "GR"  # by population
    smyrna = gazetteer.resolve("Smyrna", preferred_countries=["US"])
    assert smyrna[0].country_iso2 == "US"
    assert "TR" in {place.country_iso2 for place in smyrna}
    assert gazetteer.resolve("Smyrna", preferred_countries=["TR"])[0].country_iso2 == "TR"


def test_name_with_country_suffix(gazetteer: Gazetteer) -> None:
    best = gazetteer.resolve("Athens, Verenigde Staten van Amerika")[0]
    assert best.country_iso2 == "US"
    assert gazetteer.resolve("Athene, Griekenland")[0].country_iso2 == "GR"


@pytest.mark.parametrize(
    ("text", "iso2"),
    [
        ("Turkey", "TR"),
        ("Turkije", "TR"),
        ("Türkiye", "TR"),
        ("تركيا", "TR"),
        ("Syria", "SY"),
        ("Syrië", "SY"),
        ("سوريا", "SY"),
        ("Greece", "GR"),
        ("Griekenland", "GR"),
        ("Ελλάδα", "GR"),
        ("Noord-Macedonië", "MK"),
        ("Servië", "RS"),
        ("Hongarije", "HU"),
        ("Duitsland", "DE"),
        ("Nederland", "NL"),
        ("افغانستان", "AF"),
        ("Eritrea", "ER"),
    ],
)
def test_countries_in_several_languages(gazetteer: Gazetteer, text: str, iso2: str) -> None:
    best = gazetteer.resolve(text)[0]
    assert best.kind is PlaceKind.COUNTRY
    assert best.country_iso2 == iso2
    assert best.extent_radius_m is None and best.bbox is not None
    assert best.bbox.min_lat <= best.lat <= best.bbox.max_lat
    assert best.timezone


def test_fuzzy_fallback_for_misspellings(gazetteer: Gazetteer) -> None:
    assert gazetteer.exact("Gevgelijja") == []
    best = gazetteer.resolve("Gevgelijja")[0]
    assert best.name == "Gevgelija" and best.score < 100
    assert gazetteer.resolve("Halabb")[0].name == "Aleppo"


def test_get_round_trips_ids(gazetteer: Gazetteer) -> None:
    for text in ("Aleppo", "Lesbos", "Greece"):
        place = gazetteer.resolve(text)[0]
        again = gazetteer.get(place.id)
        assert (again.id, again.lat, again.lon, again.kind) == (place.id, place.lat, place.lon, place.kind)
    with pytest.raises(PlaceNotFoundError):  # a wrong id is the caller's mistake, not a broken gazetteer
        gazetteer.get("geonames:does-not-exist")


def test_unknown_text_gives_no_candidates(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve("xqzvbnmwpl") == []
    assert gazetteer.resolve("   ") == []


@pytest.mark.parametrize(
    ("text", "lat", "lon", "max_radius_m"),
    [
        ("36.2, 37.15", 36.2, 37.15, 5_000),
        ("36.20123, 37.15012", 36.20123, 37.15012, 50),
        ("36°12'N 37°09'E", 36.2, 37.15, 1_000),
        ("36° 12′ 30″ N, 37° 9′ 0″ E", 36.208333, 37.15, 50),
        ("N36.2 E37.15", 36.2, 37.15, 5_000),
        ("37.15E 36.2N", 36.2, 37.15, 5_000),
        ("33°55'S 18°25'E", -33.916667, 18.416667, 1_000),
        ("-33.92;18.42", -33.92, 18.42, 1_000),
    ],
)
def test_coordinates(gazetteer: Gazetteer, text: str, lat: float, lon: float, max_radius_m: float) -> None:
    place = gazetteer.resolve(text)[0]
    assert place.kind is PlaceKind.COORDINATES
    assert place.lat == pytest.approx(lat, abs=1e-5) and place.lon == pytest.approx(lon, abs=1e-5)
    assert 0 < (place.extent_radius_m or 0) <= max_radius_m


def test_coordinates_out_of_range() -> None:
    with pytest.raises(CoordinateParseError):
        parse_coordinates("95.0, 37.0")


def test_city_radius_grows_with_population() -> None:
    assert city_radius_m(None) == 2_000
    assert city_radius_m(500) == 2_000
    assert 2_000 < city_radius_m(664_046) < city_radius_m(15_000_000) <= 40_000


def test_open_without_index_and_no_build(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(GazetteerError, match="build_gazetteer"):
        Gazetteer.open(tmp_path, build_if_missing=False)


@pytest.mark.slow
def test_build_is_deterministic(tmp_path, gazetteer) -> None:  # noqa: ANN001
    import hashlib

    from matching.gazetteer import build_gazetteer

    first = gazetteer.path  # built earlier in this session
    second = build_gazetteer(tmp_path / "b")
    assert first.name == second.name
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
