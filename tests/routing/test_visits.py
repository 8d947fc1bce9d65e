from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from routing.errors import ParameterError
from routing.points import PointTable
from routing.route import build_route, route_from_dict, route_to_dict, route_to_geojson
from routing.stays import detect_stays_arrays
from routing.visits import NamedPlace, VisitParameters, detect_visits, place_radius_m
from tests.routing.builders import ALEPPO, ATHENS, IDOMENI, T0, JourneyBuilder, offset
from tests.routing.test_route import border_walk

DAY_S = 86_400.0


def photos(places_and_times: list[tuple[tuple[float, float], float]], *, seed: int = 5) -> PointTable:
    """Photo records (EXIF, ~100 m jitter) at (place, seconds after T0)."""
    rng = np.random.default_rng(seed)
    lat, lon, times = [], [], []
    for place, seconds in places_and_times:
        east, north = rng.normal(0, 100, 2)
        la, lo = offset(place[0], place[1], east, north)
        lat.append(la)
        lon.append(lo)
        times.append(T0.timestamp() + seconds)
    n = len(times)
    return PointTable.from_arrays(
        time_s=np.array(times),
        lat=np.array(lat),
        lon=np.array(lon),
        fix_kind=["exif"] * n,
        time_source=["device_clock"] * n,
        artifact=["ios.photos_exif"] * n,
    )


def daily_excursions(days: int) -> JourneyBuilder:
    """Nights in one Aleppo flat, a few hours at a market 2 km off, and a day trip 15 km out every day."""
    journey = JourneyBuilder(seed=3, interval_s=60)
    village = offset(*ALEPPO, 15_000, 0)
    market = offset(*ALEPPO, 2_000, 0)
    for _ in range(days):
        journey.stay(*ALEPPO, hours=14, jitter_m=50)
        journey.move(ALEPPO, village, hours=0.5)
        journey.stay(*village, hours=6, jitter_m=50)
        journey.move(village, market, hours=0.5)
        journey.stay(*market, hours=3, jitter_m=50)
    return journey


def test_a_visit_with_daily_excursions_is_one_visit_with_its_excursions_listed() -> None:
    route = build_route(daily_excursions(5).table())
    assert len(route.stays) >= 10  # the 200 m stays underneath stay split
    (visit,) = route.visits
    v = visit.visit
    excursions = v.excursions
    assert len(excursions) in (4, 5)  # the last day's trip may end the visit at the market
    assert all(14_000 < e.max_distance_m < 16_500 for e in excursions)
    assert all(5 * 3600 <= e.duration_s <= 8 * 3600 for e in excursions)
    on_trips = {stay for e in excursions for stay in e.stay_indices}
    assert on_trips and not on_trips & set(v.stay_indices)
    assert set(v.stay_indices) | on_trips <= set(range(len(route.stays)))
    assert v.start_utc == route.stays[0].stay.start_utc
    assert v.observed_share is not None and v.observed_share > 0.95
    assert v.days == 6 and v.days_with_records == 6  # 06:00 on day 1 to 06:00 on day 6


def test_a_one_photo_a_day_week_at_one_place_is_one_visit_with_its_observed_share() -> None:
    hours = [3, 12, 7, 14, 5, 10, 4]  # after 06:00 UTC
    table = photos([(ATHENS, day * DAY_S + h * 3600) for day, h in enumerate(hours)])
    route = build_route(table)
    assert len(route.stays) < 7  # the 200 m stays merge only across gaps of 18 h
    (visit,) = route.visits
    v = visit.visit
    assert v.n_records == 7 and v.days_with_records == 7 and v.days == 7
    assert v.observed_share == 0.0  # no two records within an hour: nothing in between was observed
    assert v.longest_gap_s == pytest.approx((24 + 12 - 3) * 3600)
    assert [(s.artifact_id, s.fix_kind, s.n_records) for s in v.sources] == [("ios.photos_exif", "exif", 7)]
    assert visit.country == "GR"
    assert v.start_utc == T0 + timedelta(hours=3)


@pytest.mark.parametrize("per_day_hours", [[6], [1, 8, 14]])
def test_two_towns_30_km_apart_on_alternating_days_are_separate_visits(per_day_hours: list[int]) -> None:
    town_b = offset(*ALEPPO, 30_000, 0)
    records = [
        (ALEPPO if day % 2 == 0 else town_b, day * DAY_S + h * 3600)
        for day in range(6)
        for h in per_day_hours
    ]
    route = build_route(photos(records))
    assert len(route.visits) == 6
    for day, visit in enumerate(route.visits):
        assert visit.visit.start_utc.date() == (T0 + timedelta(days=day)).date()
        assert visit.visit.n_records == len(per_day_hours)


def test_two_towns_30_km_apart_on_alternating_days_with_a_dense_phone() -> None:
    town_b = offset(*ALEPPO, 30_000, 0)
    journey = JourneyBuilder(seed=8, interval_s=60)
    for day in range(4):
        here, there = (ALEPPO, town_b) if day % 2 == 0 else (town_b, ALEPPO)
        journey.stay(*here, hours=23, jitter_m=80).move(here, there, hours=1.0)
    route = build_route(journey.table())
    assert len(route.visits) == 4
    assert all(not v.visit.excursions for v in route.visits)


def test_a_visit_spanning_a_data_gap_reports_its_observed_share() -> None:
    journey = JourneyBuilder(seed=4, interval_s=120)
    journey.stay(*ATHENS, hours=10, jitter_m=80).nothing(hours=40).stay(*ATHENS, hours=10, jitter_m=80)
    route = build_route(journey.table())
    (visit,) = route.visits
    v = visit.visit
    assert v.duration_s == pytest.approx(60 * 3600, abs=600)
    assert v.observed_share == pytest.approx(20 / 60, abs=0.01)
    assert v.longest_gap_s == pytest.approx(40 * 3600, abs=300)
    assert v.days == 3 and v.days_with_records == 2


def test_a_silence_longer_than_max_gap_ends_the_visit_even_at_the_same_place() -> None:
    journey = JourneyBuilder(seed=4, interval_s=120)
    journey.stay(*ATHENS, hours=10, jitter_m=80).nothing(hours=24 * 5).stay(*ATHENS, hours=10, jitter_m=80)
    assert len(build_route(journey.table()).visits) == 2
    loose = VisitParameters(max_gap_s=6 * DAY_S)
    stays = detect_stays_arrays(
        time_s=np.array(journey.time_s), lat=np.array(journey.lat), lon=np.array(journey.lon)
    )
    visits = detect_visits(
        time_s=np.array(journey.time_s),
        lat=np.array(journey.lat),
        lon=np.array(journey.lon),
        stays=stays,
        parameters=loose,
    )
    assert len(visits) == 1


def test_a_visit_never_takes_in_another_country() -> None:
    """Idomeni and Gevgelija are 2.5 km apart, well inside a town radius, but across a border."""
    route = build_route(border_walk().table())
    assert [v.country for v in route.visits] == ["GR", "MK"]


def test_place_radius_follows_settlement_size() -> None:
    assert place_radius_m(None) == 10_000.0
    assert place_radius_m(NamedPlace("Idomeni", population=150)) == 3_000.0
    assert place_radius_m(NamedPlace("Kilis", population=90_000)) == 5_000.0
    assert place_radius_m(NamedPlace("Gaziantep", population=2_000_000)) == 20_000.0
    assert place_radius_m(NamedPlace("Moria", population=None, kind="camp")) == 3_000.0
    assert place_radius_m(NamedPlace("Somewhere")) == 10_000.0
    with pytest.raises(ParameterError):
        VisitParameters(radius_by_population_m=((1000, 1.0), (0, 2.0)))


def test_a_small_place_keeps_a_day_trip_15_km_away_as_an_excursion_and_a_village_radius() -> None:
    def village(lat: float, lon: float) -> NamedPlace:
        return NamedPlace("Tal Rifaat", population=20_000)

    route = build_route(daily_excursions(3).table(), nearest_place=village)
    (visit,) = route.visits
    assert visit.place == "Tal Rifaat"
    assert visit.visit.place_radius_m == 5_000.0
    assert route.stays[0].place == "Tal Rifaat"


def test_visits_are_in_the_geojson_and_survive_the_stored_json() -> None:
    route = build_route(daily_excursions(3).table(), nearest_place=lambda lat, lon: "Aleppo (SY)")
    collection = route_to_geojson(route)
    visit_features = [f for f in collection["features"] if f["properties"]["kind"] == "visit"]
    assert len(visit_features) == 1
    properties = visit_features[0]["properties"]
    assert properties["place"] == "Aleppo (SY)"
    assert properties["stays"] == list(route.visits[0].visit.stay_indices)
    assert len(properties["excursions"]) == len(route.visits[0].visit.excursions)
    stay_features = [f for f in collection["features"] if f["properties"]["kind"] == "stay"]
    assert {f["properties"]["visit"] for f in stay_features} >= {0}
    assert collection["route"]["statistics"]["visits"] == 1
    import json

    again = route_from_dict(json.loads(json.dumps(route_to_dict(route))))
    assert again.visits == route.visits
    assert again.parameters == route.parameters


def test_records_every_two_hours_on_a_bus_are_travel_not_visits() -> None:
    """A fix every 108 minutes between Athens and Idomeni (the simulated phone's pattern): no visit each."""
    journey = JourneyBuilder(seed=6, interval_s=600)
    journey.stay(*ATHENS, hours=30, jitter_m=80)
    journey.move(ATHENS, IDOMENI, hours=9.0, every_s=108 * 60)
    journey.stay(*IDOMENI, hours=30, jitter_m=80)
    route = build_route(journey.table())
    assert [v.country for v in route.visits] == ["GR", "GR"]
    assert all(v.visit.n_records > 100 for v in route.visits)


def test_visits_at_a_claimed_place_and_time_are_found_for_the_evidence() -> None:
    from routing.visits import visits_at

    route = build_route(daily_excursions(3).table())
    visits = tuple(v.visit for v in route.visits)
    start = T0.timestamp()
    near = offset(*ALEPPO, 3_000, 0)
    found = visits_at(visits, lat=near[0], lon=near[1], radius_m=5_000, start_s=start, end_s=start + DAY_S)
    assert [index for index, _ in found] == [0]
    assert 1_000 < found[0][1] < 4_500  # the centre lies between the flat and the market
    later = visits_at(
        visits, lat=near[0], lon=near[1], radius_m=5_000, start_s=start + 10 * DAY_S, end_s=start + 11 * DAY_S
    )
    far = offset(*ALEPPO, 60_000, 0)
    elsewhere = visits_at(visits, lat=far[0], lon=far[1], radius_m=5_000, start_s=start, end_s=start + DAY_S)
    assert later == [] and elsewhere == []


def test_a_route_stored_before_visits_existed_still_reads() -> None:
    import json

    route = build_route(daily_excursions(2).table())
    stored = json.loads(json.dumps(route_to_dict(route)))
    del stored["visits"]
    del stored["parameters"]["visits"]
    old = route_from_dict(stored)
    assert old.visits == () and old.stays == route.stays
    assert old.parameters.visits == VisitParameters()


# --- sparse phones: day trips on consecutive days, photos in passing, silences at one place ------------------


def test_day_trips_on_consecutive_days_in_different_directions_fold_into_the_visit() -> None:
    east = offset(*ATHENS, 30_000, 0)
    north = offset(*ATHENS, 0, 30_000)
    records = [(ATHENS, day * DAY_S + h * 3600) for day in range(4) for h in (2, 9)]
    records += [(east, 4 * DAY_S + 4 * 3600), (north, 5 * DAY_S + 5 * 3600)]  # no photo in Athens between
    records += [(ATHENS, day * DAY_S + h * 3600) for day in range(6, 9) for h in (2, 9)]
    (visit,) = build_route(photos(records)).visits
    assert visit.visit.n_records == len(records)
    assert len(visit.visit.excursions) == 2
    assert all(29_000 < e.max_distance_m < 31_500 for e in visit.visit.excursions)


def _dense_trip_with_a_night_away(second_place: tuple[float, float]) -> PointTable:
    """Athens, a day at a place 30 km east, the phone off for the night, a day at ``second_place``, back."""
    first_place = offset(*ATHENS, 30_000, 0)
    journey = JourneyBuilder(seed=6, interval_s=120)
    journey.stay(*ATHENS, hours=30, jitter_m=80).move(ATHENS, first_place, hours=0.7)
    journey.stay(*first_place, hours=5, jitter_m=80).nothing(hours=10)
    if second_place != first_place:
        journey.move(first_place, second_place, hours=0.01)
    journey.stay(*second_place, hours=5, jitter_m=80).move(second_place, ATHENS, hours=0.7)
    journey.stay(*ATHENS, hours=30, jitter_m=80)
    return journey.table()


def test_a_night_away_at_one_place_is_not_two_day_trips() -> None:
    place = offset(*ATHENS, 30_000, 0)
    visits = build_route(_dense_trip_with_a_night_away(place)).visits
    # Athens, the place 30 km away (slept there: the phone was there before and after the night), Athens
    assert len(visits) == 3
    assert not any(v.visit.excursions for v in visits)


def test_a_night_between_days_at_two_different_places_was_spent_at_the_visit() -> None:
    visits = build_route(_dense_trip_with_a_night_away(offset(*ATHENS, 0, 30_000))).visits
    (visit,) = visits
    assert len(visit.visit.excursions) == 2


TOWN_B = offset(*ATHENS, 250_000, 0)


def _two_towns_and_one_photo(photo_at: tuple[float, float], photo_s: float) -> PointTable:
    records = [(ATHENS, day * DAY_S + h * 3600) for day in range(3) for h in (2, 8, 12)]
    records.append((photo_at, photo_s))
    records += [(TOWN_B, day * DAY_S + h * 3600) for day in range(4, 7) for h in (2, 8, 12)]
    return photos(records)


def test_a_photo_from_the_bus_between_two_towns_is_not_a_visit() -> None:
    on_the_way = offset(*ATHENS, 100_000, 5_000)
    visits = build_route(_two_towns_and_one_photo(on_the_way, 2 * DAY_S + 15 * 3600)).visits
    assert len(visits) == 2  # Athens and town B; the photo 3 h after the last one in Athens was in passing
    assert [v.visit.n_records for v in visits] == [9, 9]


def test_a_photo_off_the_way_or_a_night_from_both_towns_is_kept_as_a_visit() -> None:
    off_the_way = offset(*ATHENS, 100_000, 120_000)  # detour 98 km on a 250 km leg
    assert len(build_route(_two_towns_and_one_photo(off_the_way, 2 * DAY_S + 15 * 3600)).visits) == 3
    on_the_way = offset(*ATHENS, 100_000, 5_000)  # but a night after Athens and a night before town B
    assert len(build_route(_two_towns_and_one_photo(on_the_way, 3 * DAY_S + 8 * 3600)).visits) == 3


def test_two_days_without_a_photo_at_one_place_do_not_split_the_visit() -> None:
    hours = {0: (2, 12), 1: (4,), 4: (13,), 5: (3, 9)}  # 06:00 + h; nothing on days 2 and 3: 3 d 9 h apart
    records = [(ATHENS, day * DAY_S + h * 3600) for day, hs in hours.items() for h in hs]
    (visit,) = build_route(photos(records)).visits
    assert visit.visit.longest_gap_s == pytest.approx((3 * 24 + 9) * 3600)
    assert visit.visit.days == 6 and visit.visit.days_with_records == 4
