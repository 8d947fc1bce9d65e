"""The web UI's server side without a browser: the page and its files, the base map, the schema, translations."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

import catalogue
from api.app import create_app
from api.web.pages import STATIC_DIR
from extractor.records import FixKind
from legal_basis.roles import Role
from matching.places import PlaceKind
from routing.legs import TravelMode

JS_DIR = STATIC_DIR / "js"
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE
def test_page_is_served_without_case_data(anonymous, client_for) -> None:
    intake = client_for("intake")
    assert intake.post("/api/v1/cases", json={"reference": "V-SECRET-77"}).status_code == 201
    response = anonymous.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "V-SECRET-77" not in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "/static/vendor/leaflet/leaflet.js" in response.text and "/static/js/main.js" in response.text


@SQLITE
def test_static_files_and_no_escape(anonymous) -> None:
    script = anonymous.get("/static/js/main.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    leaflet = anonymous.get("/static/vendor/leaflet/leaflet.js")
    assert leaflet.status_code == 200 and "Leaflet" in leaflet.text[:400]
    assert anonymous.get("/static/vendor/leaflet/leaflet.css").headers["content-type"].startswith("text/css")
    for path in ("/static/../pages.py", "/static/%2e%2e/pages.py", "/static/js", "/static/nothing.js"):
        assert anonymous.get(path).status_code == 404, path


@SQLITE
def test_page_routes_stay_out_of_the_schema(anonymous) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith("/static") for p in paths)
    assert {
        "/api/v1/basemap/countries",
        "/api/v1/basemap/config",
        "/api/v1/cases/{case_id}/route/points",
    } <= set(paths)


@SQLITE
def test_basemap_is_simplified_countries_for_signed_in_users(anonymous, client_for) -> None:
    import shapely

    from routing.geography import country_polygons

    assert anonymous.get("/api/v1/basemap/countries").status_code == 401
    response = client_for("caseworker").get("/api/v1/basemap/countries")
    assert response.status_code == 200
    collection = response.json()
    frame = country_polygons()
    codes = {f["properties"]["iso_a2"] for f in collection["features"]}
    assert {"SY", "TR", "GR", "MK", "RS", "HU", "AT", "DE", "NL"} <= codes
    assert len(collection["features"]) >= len(frame) - 5
    served = sum(
        shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"])) for f in collection["features"]
    )
    original = int(shapely.get_num_coordinates(frame.geometry.values).sum())
    assert served < original / 5, (served, original)
    assert len(response.content) < 3_000_000


@SQLITE
def test_tile_server_from_settings(state, users) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from tests.conftest import sign_in

    tile_url = "https://tiles.example.org/{z}/{x}/{y}.png"
    with_tiles = dataclasses.replace(state, settings=state.settings.model_copy(update={"tile_url": tile_url}))
    with TestClient(create_app(with_tiles.settings, state=with_tiles)) as client:
        assert (
            "img-src 'self' data: https://tiles.example.org"
            in client.get("/").headers["content-security-policy"]
        )
        client.headers["Authorization"] = f"Bearer {sign_in(client, 'auditor')}"
        assert client.get("/api/v1/basemap/config").json()["tile_url"] == tile_url


def dictionary_keys(source: str, name: str) -> set[str]:
    body = re.search(rf"^const {name} = \{{\n(.*?)^\}};", source, re.S | re.M)
    assert body, f"dictionary {name} not found in i18n.js"
    return set(re.findall(r"^  ([a-z0-9_]+):", body.group(1), re.M))


def test_every_text_exists_in_english_and_dutch() -> None:
    source = (JS_DIR / "i18n.js").read_text(encoding="utf-8")
    english, dutch = dictionary_keys(source, "en"), dictionary_keys(source, "nl")
    assert english == dutch, {"only English": english - dutch, "only Dutch": dutch - english}
    used: set[str] = set()
    for script in JS_DIR.rglob("*.js"):
        used |= set(re.findall(r"\bt\(\"([a-z0-9_]+)\"", script.read_text(encoding="utf-8")))
    # the page's own words kept in the one catalogue (group web_word, both languages by construction)
    page_words = set(catalogue.group("web_word"))
    assert used - english - page_words == set(), (
        f"texts used but not translated: {used - english - page_words}"
    )
    assert not english & page_words, english & page_words  # one place per word
    # texts built from the values the API sends: every value has words in both languages
    # (finding statuses, job and authorisation states come from the one catalogue: tests/catalogue)
    dynamic = (
        {"finding_not_released"}
        | {f"kind_{k}" for k in ("stayed", "passed_through", "crossed_border", "departed", "arrived")}
        | {f"fix_{k.value}" for k in FixKind}
        | {f"mode_{m.value}" for m in TravelMode}
        | {f"place_kind_{k.value}" for k in PlaceKind}
        | {f"role_{r.value}" for r in Role}
    )
    assert dynamic - english == set(), dynamic - english


def test_vendor_map_library_comes_from_the_npm_lock() -> None:
    import json

    lock = json.loads((Path(STATIC_DIR).parent / "package-lock.json").read_text())
    locked = lock["packages"]["node_modules/leaflet"]["version"]
    vendored = json.loads((STATIC_DIR / "vendor" / "leaflet" / "package.json").read_text())["version"]
    assert vendored == locked
