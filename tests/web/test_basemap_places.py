"""Place names for the offline base map (issue 14): from the gazetteer's registry package, by zoom and box."""

from __future__ import annotations


def test_place_names_by_zoom_and_box(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("caseworker")
    world = client.get("/api/v1/basemap/places", params={"zoom": 3}).json()["places"]
    assert 50 < len(world) <= 400 and all(p["population"] >= 1_000_000 for p in world)
    assert [p["population"] for p in world] == sorted((p["population"] for p in world), reverse=True)
    greece = {"west": 22.5, "south": 37.5, "east": 24.5, "north": 38.5}
    near = client.get("/api/v1/basemap/places", params={"zoom": 8, **greece}).json()["places"]
    names = {p["name"] for p in near}
    assert "Athens" in names and len(near) > 10
    assert all(22.5 <= p["lon"] <= 24.5 and 37.5 <= p["lat"] <= 38.5 for p in near)
    far = client.get("/api/v1/basemap/places", params={"zoom": 4, **greece}).json()["places"]
    assert {p["name"] for p in far} < names  # fewer, bigger places when zoomed out
    assert client.get("/api/v1/basemap/places", params={"zoom": 30}).status_code == 422
    assert client_for("caseworker").get("/api/v1/basemap/places").status_code == 422
