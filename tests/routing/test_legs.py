from __future__ import annotations

from routing.cleaning import clean_points
from routing.legs import TravelMode, build_legs
from routing.stays import detect_stays
from tests.routing.builders import ATHENS, AYVALIK, BERLIN, SKALA_SIKAMINEAS, JourneyBuilder, offset


def legs_of(journey: JourneyBuilder):
    cleaned = clean_points(journey.table())
    stays = detect_stays(cleaned)
    return stays, build_legs(cleaned, stays)


def test_boat_leg_turkey_to_lesbos() -> None:
    journey = JourneyBuilder(seed=1).stay(*AYVALIK, hours=5, jitter_m=100)
    journey.move(AYVALIK, SKALA_SIKAMINEAS, hours=3.5, every_s=300).stay(
        *SKALA_SIKAMINEAS, hours=3, jitter_m=100
    )
    stays, legs = legs_of(journey)
    assert len(stays) == 2 and len(legs) == 1
    leg = legs[0]
    assert leg.mode is TravelMode.BOAT, leg.reason
    assert 35_000 < leg.distance_m < 40_000
    assert leg.evidence_count >= 30
    assert leg.water_share > 0.5


def test_flight_athens_to_berlin_without_points_between() -> None:
    journey = (
        JourneyBuilder(seed=2)
        .stay(*ATHENS, hours=3, jitter_m=100)
        .nothing(hours=3.2)
        .stay(*BERLIN, hours=4, jitter_m=100)
    )
    stays, legs = legs_of(journey)
    assert len(legs) == 1
    leg = legs[0]
    assert leg.mode is TravelMode.FLIGHT, leg.reason
    assert leg.evidence_count == 0
    assert 1_700_000 < leg.distance_m < 1_850_000
    assert leg.longest_gap_s >= 3 * 3600


def test_walk_and_road_by_cruising_speed_despite_jitter() -> None:
    shop = offset(*ATHENS, 1800.0, 0.0)
    town = offset(*ATHENS, 0.0, 60_000.0)  # Thiva direction, over land
    journey = JourneyBuilder(seed=3).stay(*ATHENS, hours=2, jitter_m=150).move(ATHENS, shop, hours=0.4)
    journey.stay(*shop, hours=2, jitter_m=150).move(shop, town, hours=1.1).stay(*town, hours=2, jitter_m=150)
    _, legs = legs_of(journey)
    assert [leg.mode for leg in legs] == [TravelMode.WALK, TravelMode.ROAD], [leg.reason for leg in legs]
    assert legs[1].cruising_speed_mps is not None and 12 < legs[1].cruising_speed_mps < 20


def test_flight_recognised_from_altitude_with_points() -> None:
    far = offset(*ATHENS, 0.0, 90_000.0)
    journey = (
        JourneyBuilder(seed=4)
        .stay(*ATHENS, hours=2)
        .move(ATHENS, far, hours=0.4, altitude_m=9000.0)
        .stay(*far, hours=2)
    )
    _, legs = legs_of(journey)
    assert legs[0].mode is TravelMode.FLIGHT, legs[0].reason
