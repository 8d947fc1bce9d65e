from __future__ import annotations

import numpy as np
import pytest

from routing.geography import (
    CountryConfidence,
    countries_of,
    country_polygons,
    resolve_countries,
    timezones_of,
    zone_countries,
)

# name, lat, lon, expected country, expected polygon answer (Natural Earth 1:10m), expected confidence
REFERENCE_POINTS = [
    ("Aleppo", 36.2021, 37.1343, "SY", "SY", CountryConfidence.AGREE),
    ("Azaz", 36.5866, 37.0443, "SY", "SY", CountryConfidence.AGREE),
    ("Kilis", 36.7184, 37.1212, "TR", "TR", CountryConfidence.AGREE),
    ("Edirne", 41.6771, 26.5557, "TR", "TR", CountryConfidence.AGREE),
    (
        "Kastanies (GR), polygon says Turkey",
        41.6467,
        26.4795,
        "GR",
        "TR",
        CountryConfidence.TIME_ZONE_CORRECTED,
    ),
    ("Mytilene", 39.1050, 26.5560, "GR", "GR", CountryConfidence.AGREE),
    ("Farmakonisi, missing from the polygons", 37.2833, 27.0833, "GR", "", CountryConfidence.TIME_ZONE_ONLY),
    (
        "Idomeni (GR), polygon says North Macedonia",
        41.1224,
        22.5175,
        "GR",
        "MK",
        CountryConfidence.TIME_ZONE_CORRECTED,
    ),
    ("Gevgelija", 41.1418, 22.5030, "MK", "MK", CountryConfidence.AGREE),
    ("Pristina (Kosovo shares Serbia's zone)", 42.6629, 21.1655, "XK", "XK", CountryConfidence.AGREE),
    ("Horgos", 46.1550, 19.9700, "RS", "RS", CountryConfidence.AGREE),
    ("Roszke", 46.1870, 20.0370, "HU", "HU", CountryConfidence.AGREE),
    ("Spielfeld", 46.7096, 15.6340, "AT", "AT", CountryConfidence.AGREE),
    ("Sentilj", 46.6810, 15.6470, "SI", "SI", CountryConfidence.AGREE),
    ("Berlin", 52.5200, 13.4050, "DE", "DE", CountryConfidence.AGREE),
    ("Central Mediterranean, open sea", 35.0, 18.0, "", "", CountryConfidence.UNKNOWN),
]


def test_country_polygons_have_the_documented_columns_and_codes() -> None:
    frame = country_polygons()
    assert list(frame.columns) == ["iso_a2", "iso_a3", "name", "geometry"]
    assert len(frame) >= 240
    codes = set(frame["iso_a2"])
    assert {"FR", "NO", "XK", "GR", "MK", "TR", "SY"} <= codes  # ISO_A2_EH, not the -99 of ISO_A2
    assert "-99" not in codes


@pytest.mark.parametrize(("name", "lat", "lon", "country", "polygon", "confidence"), REFERENCE_POINTS)
def test_reference_points_with_second_opinion(name, lat, lon, country, polygon, confidence) -> None:  # noqa: ANN001
    assignment = resolve_countries(np.array([lat]), np.array([lon]))
    assert assignment.polygon_iso_a2[0] == polygon, name
    assert assignment.iso_a2[0] == country, name
    assert assignment.confidence[0] == confidence.value, name


def test_vectorised_lookups_match_one_by_one() -> None:
    lat = np.array([p[1] for p in REFERENCE_POINTS])
    lon = np.array([p[2] for p in REFERENCE_POINTS])
    together = countries_of(lat, lon)
    assert together.tolist() == [
        countries_of(np.array([a]), np.array([b]))[0] for a, b in zip(lat, lon, strict=True)
    ]
    zones = timezones_of(lat, lon)
    assert zones[0] == "Asia/Damascus" and zones[7] == "Europe/Athens" and zones[8] == "Europe/Skopje"
    assert zones[-1].startswith("Etc/")


def test_zone_to_country_table_from_tzdata() -> None:
    mapping = zone_countries()
    assert mapping["Europe/Athens"] == frozenset({"GR"})
    assert {"RS", "MK", "XK"} <= mapping["Europe/Belgrade"]
