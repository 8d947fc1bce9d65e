from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest

from routing.cleaning import ClockEvidence, PointFlag
from routing.errors import RouteFormatError
from routing.legs import TravelMode
from routing.points import PointTable
from routing.route import RouteParameters, build_route, route_from_dict, route_to_dict, route_to_geojson
from tests.routing.builders import ATHENS, BERLIN, GEVGELIJA, IDOMENI, T0, JourneyBuilder, offset


def border_walk() -> JourneyBuilder:
    """Idomeni camp two days, walk across the border to Gevgelija, stay there."""
    journey = JourneyBuilder(seed=11).stay(*IDOMENI, hours=30, jitter_m=150)
    return journey.move(IDOMENI, GEVGELIJA, hours=1.0).stay(*GEVGELIJA, hours=6, jitter_m=150)


def test_border_walk_idomeni_gevgelija_brackets_the_crossing_with_a_note() -> None:
    route = build_route(border_walk().table())
    assert [s.country for s in route.stays] == ["GR", "MK"]
    assert route.stays[0].country_confidence == "time_zone_corrected"  # the polygon alone says MK
    assert [v.iso_a2 for v in route.country_visits] == ["GR", "MK"]
    (crossing,) = route.border_crossings
    assert (crossing.from_iso_a2, crossing.to_iso_a2) == ("GR", "MK")
    assert (
        route.stays[0].stay.end_utc
        <= crossing.last_before_utc
        < crossing.first_after_utc
        <= route.stays[1].stay.start_utc
    )
    assert crossing.bracket_s <= 120
    assert crossing.confidence == "low" and crossing.notes
    assert route.legs[0].mode is TravelMode.WALK


def test_two_week_gap_is_listed_and_drawn_as_interpolated() -> None:
    journey = JourneyBuilder(seed=12).stay(*ATHENS, hours=6, jitter_m=100).nothing(hours=14 * 24)
    journey.stay(*offset(*ATHENS, 30_000.0, 0.0), hours=6, jitter_m=100)
    route = build_route(journey.table())
    (gap,) = route.gaps
    assert 14 * 86400 <= gap.duration_s <= 14 * 86400 + 300
    assert not gap.same_stay
    assert route.legs[0].mode is TravelMode.UNKNOWN
    collection = route_to_geojson(route, simplify_tolerance_m=50)
    gap_features = [f for f in collection["features"] if f["properties"]["kind"] == "gap"]
    assert len(gap_features) == 1 and gap_features[0]["properties"]["observed"] is False
    leg_pieces = [f for f in collection["features"] if f["properties"]["kind"] == "leg"]
    assert leg_pieces and all(not f["properties"]["observed"] for f in leg_pieces)


def test_wrong_clock_week_is_kept_but_not_used() -> None:
    journey = JourneyBuilder(seed=13).stay(*ATHENS, hours=10, jitter_m=100)
    table = journey.table()
    shifted = PointTable.from_arrays(
        time_s=table.time_s,
        lat=table.lat,
        lon=table.lon,
        accuracy_m=table.accuracy_m,
        time_source=["device_clock"] * len(table),
    )
    week = (T0 + timedelta(hours=2), T0 + timedelta(hours=2) + timedelta(days=7))
    route = build_route(shifted, params=RouteParameters(clock=ClockEvidence(suspect_intervals=(week,))))
    suspect = (route.flags & PointFlag.CLOCK_SUSPECT_PERIOD) != 0
    assert suspect.sum() == np.count_nonzero(table.time_s >= week[0].timestamp())
    assert len(route.points) == len(table)  # nothing deleted
    (stay,) = route.stays
    assert stay.stay.end_utc <= week[0]


def test_geojson_has_stays_legs_and_route_metadata_and_simplifies_only_geometry() -> None:
    journey = JourneyBuilder(seed=14).stay(*ATHENS, hours=3, jitter_m=100)
    far = offset(*ATHENS, 0.0, 60_000.0)
    journey.move(ATHENS, far, hours=1.2, every_s=10).stay(*far, hours=3, jitter_m=100)
    route = build_route(journey.table(), nearest_place=lambda lat, lon: "Athens" if lat < 38.2 else "Thiva")
    coarse = route_to_geojson(route, simplify_tolerance_m=2000)
    fine = route_to_geojson(route, simplify_tolerance_m=0)
    kinds = [f["properties"]["kind"] for f in fine["features"]]
    assert kinds.count("stay") == 2 and "leg" in kinds
    stays = [f for f in fine["features"] if f["properties"]["kind"] == "stay"]
    assert [s["properties"]["place"] for s in stays] == ["Athens", "Thiva"]
    assert stays[0]["properties"]["time_zone"] == "Europe/Athens"
    assert stays[0]["properties"]["start_local"].endswith("+02:00")

    def leg_vertices(collection: dict) -> int:
        return sum(
            len(f["geometry"]["coordinates"])
            for f in collection["features"]
            if f["properties"]["kind"] == "leg"
        )

    assert leg_vertices(coarse) < leg_vertices(fine) / 10
    coarse_leg = next(f for f in coarse["features"] if f["properties"]["kind"] == "leg")
    fine_leg = next(f for f in fine["features"] if f["properties"]["kind"] == "leg")
    assert coarse_leg["properties"]["path_length_m"] == fine_leg["properties"]["path_length_m"]
    assert coarse["route"]["statistics"] == fine["route"]["statistics"]
    assert coarse["route"]["parameters"]["stays"]["radius_m"] == 200.0
    json.dumps(coarse, allow_nan=False)


def test_flight_leg_is_an_interpolated_line() -> None:
    journey = (
        JourneyBuilder(seed=15)
        .stay(*ATHENS, hours=3, jitter_m=100)
        .nothing(hours=3.2)
        .stay(*BERLIN, hours=3, jitter_m=100)
    )
    route = build_route(journey.table())
    assert route.legs[0].mode is TravelMode.FLIGHT
    pieces = [f for f in route_to_geojson(route)["features"] if f["properties"]["kind"] == "leg"]
    assert len(pieces) == 1 and pieces[0]["properties"]["interpolated"] is True
    (crossing,) = route.border_crossings
    assert (crossing.from_iso_a2, crossing.to_iso_a2) == ("GR", "DE")


def test_route_round_trips_through_versioned_json() -> None:
    route = build_route(border_walk().table(), params=RouteParameters(gap_min_s=3 * 3600.0))
    stored = json.loads(json.dumps(route_to_dict(route), allow_nan=False))
    assert stored["format_version"] == 1 and stored["code_version"].startswith("routing-")
    back = route_from_dict(stored)
    assert back.stays == route.stays
    assert back.legs == route.legs
    assert back.border_crossings == route.border_crossings
    assert back.parameters == route.parameters
    assert np.array_equal(back.flags, route.flags)
    assert np.array_equal(back.points.lat, route.points.lat)
    assert back.point_time_zone.tolist() == route.point_time_zone.tolist()
    assert back.statistics() == route.statistics()
    stored["format_version"] = 99
    with pytest.raises(RouteFormatError):
        route_from_dict(stored)


def test_empty_input_gives_an_empty_route() -> None:
    empty = PointTable.from_arrays(time_s=np.zeros(0), lat=np.zeros(0), lon=np.zeros(0))
    route = build_route(empty)
    assert route.stays == () and route.legs == () and route.gaps == ()
    assert route_to_geojson(route)["features"] == []
