from __future__ import annotations

import numpy as np

from routing.cleaning import clean_points
from routing.geodesy import haversine_m
from routing.stays import StayParameters, detect_stays, detect_stays_arrays
from tests.routing.builders import ATHENS, JourneyBuilder, offset

HOTEL = ATHENS
PARK = offset(*ATHENS, 2500.0, 1500.0)


def stays_of(journey: JourneyBuilder, **parameters: float):
    return detect_stays(clean_points(journey.table()), parameters=StayParameters(**parameters))


def test_two_places_with_heavy_jitter_give_exactly_two_stays_at_the_right_centres() -> None:
    journey = JourneyBuilder(seed=5).stay(*HOTEL, hours=3, jitter_m=300).move(HOTEL, PARK, hours=0.6)
    journey.stay(*PARK, hours=2, jitter_m=250)
    stays = stays_of(journey)
    assert len(stays) == 2
    for stay, place in zip(stays, (HOTEL, PARK), strict=True):
        assert haversine_m(stay.lat, stay.lon, *place) < 80
    assert abs(stays[0].duration_s - 3 * 3600) < 15 * 60
    assert stays[0].first_record_id < stays[0].last_record_id < stays[1].first_record_id


def test_single_multipath_outlier_does_not_end_a_stay() -> None:
    journey = JourneyBuilder(seed=2, interval_s=300).stay(*HOTEL, hours=4, jitter_m=150)
    table = journey.table()
    lat, lon = table.lat.copy(), table.lon.copy()
    lat[20], lon[20] = offset(*HOTEL, 900.0, 0.0)  # slow sampling: too slow to be flagged as a spike
    arrays = detect_stays_arrays(time_s=table.time_s, lat=lat, lon=lon, accuracy_m=table.accuracy_m)
    assert len(arrays) == 1
    assert arrays.n_points[0] == len(lat)


def test_night_with_phone_off_at_the_same_hotel_is_one_stay() -> None:
    journey = (
        JourneyBuilder(seed=4)
        .stay(*HOTEL, hours=5, jitter_m=200)
        .nothing(hours=9)
        .stay(*HOTEL, hours=4, jitter_m=200)
    )
    stays = stays_of(journey)
    assert len(stays) == 1
    assert stays[0].unobserved_s >= 9 * 3600 - 120
    assert stays[0].duration_s >= 18 * 3600 - 600


def test_two_weeks_without_points_at_the_same_place_are_two_stays() -> None:
    journey = (
        JourneyBuilder(seed=4)
        .stay(*HOTEL, hours=5, jitter_m=100)
        .nothing(hours=14 * 24)
        .stay(*HOTEL, hours=4, jitter_m=100)
    )
    assert len(stays_of(journey)) == 2


def test_short_stop_is_not_a_stay_and_walking_is_not_a_stay() -> None:
    far = offset(*HOTEL, 6000.0, 0.0)
    journey = JourneyBuilder(seed=6).move(HOTEL, far, hours=1.3).stay(*far, hours=0.25, jitter_m=50)
    journey.move(far, offset(*far, 4000.0, 0.0), hours=1)
    assert stays_of(journey) == ()


def test_parameters_change_the_result() -> None:
    journey = JourneyBuilder(seed=7).stay(*HOTEL, hours=0.6, jitter_m=50)
    assert len(stays_of(journey)) == 1
    assert stays_of(journey, min_duration_s=3600.0) == ()


def test_empty_and_tiny_inputs() -> None:
    empty = detect_stays_arrays(time_s=np.zeros(0), lat=np.zeros(0), lon=np.zeros(0))
    assert len(empty) == 0
    one = detect_stays_arrays(time_s=np.array([0.0]), lat=np.array([1.0]), lon=np.array([1.0]))
    assert len(one) == 0 and one.point_stay.tolist() == [-1]
