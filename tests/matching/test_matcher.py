"""Hand-built journeys for each status, the flight edge cases, gaps and the first record (LEGAL 12–16)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from matching.claims import Claim, ClaimKind
from matching.errors import InvalidClaimError, MatchingError
from matching.matcher import MatchParameters, Status, match_claims
from matching.places import Place, PlaceKind
from matching.points import MatchPoints, coverage
from matching.time_phrases import TimeInterval, interval_from_utc, parse_time_phrase
from tests.matching.conftest import ATHENS, BERLIN, IZMIR, LESBOS_MYTILENE, T0, every, make_place, make_points

athens = make_place("Athens", *ATHENS, radius_m=12_000, country="GR")
izmir = make_place("Izmir", *IZMIR, radius_m=15_000, country="TR")
mytilene = make_place("Mytilene", *LESBOS_MYTILENE, radius_m=3_000, country="GR")
H = timedelta(hours=1)
D = timedelta(days=1)


def claim(kind: ClaimKind, place: Place, start, end, claim_id: str = "c") -> Claim:  # noqa: ANN001
    return Claim(claim_id, kind, place, interval_from_utc(start, end, place.timezone or "UTC"))


def one(claims_: Claim, points: MatchPoints, **kwargs) -> object:  # noqa: ANN003
    return match_claims([claims_], points, **kwargs)[0]


def test_consistent_with_evidence_and_explanations() -> None:
    points = make_points(every(T0, T0 + 6 * H, 10 * timedelta(minutes=1), ATHENS))
    finding = one(claim(ClaimKind.PASSED_THROUGH, athens, T0 + H, T0 + 2 * H), points)
    assert finding.status is Status.CONSISTENT
    assert finding.records_for_count == 7 and finding.evidence_for[0].distance_m == 0
    assert finding.evidence_for[0].time_difference_s == 0
    assert "not the person" in finding.explanation_en and "niet waar de persoon" in finding.explanation_nl
    assert finding.uncertainty.place_extent_m == 12_000 and finding.uncertainty.time_zone == "Europe/Athens"


def test_athens_two_hours_after_izmir_is_possible_by_plane() -> None:
    points = make_points([(T0, IZMIR)])
    for kind in (ClaimKind.STAYED, ClaimKind.ARRIVED, ClaimKind.PASSED_THROUGH):
        finding = one(claim(kind, athens, T0 + 2 * H, T0 + 2 * H + timedelta(minutes=30)), points)
        assert finding.status is not Status.INCONSISTENT, finding.explanation_en
        assert finding.status is Status.INCONCLUSIVE


def test_athens_thirty_minutes_after_berlin_is_impossible() -> None:
    points = make_points([(T0, BERLIN)])
    finding = one(claim(ClaimKind.STAYED, athens, T0 + timedelta(minutes=30), T0 + 2 * H), points)
    assert finding.status is Status.INCONSISTENT
    (against,) = finding.evidence_against
    assert against.record_id == 1 and against.time_difference_s == -1800
    assert against.distance_m > 1_700_000 and against.travel_time_needed_s > 2 * 3600
    assert "900 km/h" in finding.explanation_en and "900 km/u" in finding.explanation_nl


def test_impossible_between_records_before_and_after() -> None:
    # Device in Berlin every 15 min all day: a claimed visit to Athens that day is impossible.
    points = make_points(every(T0 - 12 * H, T0 + 24 * H, timedelta(minutes=15), BERLIN))
    finding = one(claim(ClaimKind.PASSED_THROUGH, athens, T0, T0 + 10 * H), points)
    assert finding.status is Status.INCONSISTENT

    # A 6-hour hole is too short to fly there and back door to door (airports, check-in): still impossible.
    def with_hole(hours: float) -> MatchPoints:
        rows = every(T0 - 12 * H, T0 + 24 * H, timedelta(minutes=15), BERLIN)
        return make_points([row for row in rows if not T0 + H < row[0] < T0 + H + hours * H])

    finding = one(claim(ClaimKind.PASSED_THROUGH, athens, T0, T0 + 10 * H), with_hole(6))
    assert finding.status is Status.INCONSISTENT
    # ...a 10-hour hole leaves time to fly there and back, and only to fly: "only by air", not inconsistent.
    finding = one(claim(ClaimKind.PASSED_THROUGH, athens, T0, T0 + 10 * H), with_hole(10))
    assert finding.status is Status.ONLY_BY_AIR, finding.explanation_en
    assert finding.travel is not None and finding.travel.departure_airport and finding.travel.arrival_airport
    assert finding.travel.minimum_speed_mps > 90 and finding.travel.mode == "air"
    assert "tenzij" not in finding.explanation_nl and "per vliegtuig" in finding.explanation_nl


def test_single_point_elsewhere_with_time_to_travel_is_not_enough() -> None:
    points = make_points([(T0, IZMIR), (T0 + 30 * H, IZMIR)])
    finding = one(claim(ClaimKind.PASSED_THROUGH, athens, T0 + 6 * H, T0 + 24 * H), points)
    assert finding.status is Status.INCONCLUSIVE


def test_no_data_before_first_record_and_far_from_any_record() -> None:
    points = make_points(every(T0, T0 + 2 * D, H, ATHENS))
    before = one(claim(ClaimKind.STAYED, izmir, T0 - 30 * D, T0 - 20 * D), points)
    assert before.status is Status.NO_DATA and "first own record" in before.explanation_en
    # Even one hour before the first record, in a far place: the phone cannot speak about it.
    just_before = one(
        claim(ClaimKind.PASSED_THROUGH, make_place("Berlin", *BERLIN), T0 - 2 * H, T0 - H), points
    )
    assert just_before.status is Status.NO_DATA
    empty = one(claim(ClaimKind.STAYED, izmir, T0, T0 + H), make_points([]))
    assert empty.status is Status.NO_DATA


def test_claims_in_a_gap_are_never_inconsistent() -> None:
    rows = every(T0, T0 + 2 * D, H, IZMIR) + every(T0 + 16 * D, T0 + 18 * D, H, ATHENS)
    points = make_points(rows)
    for place in (athens, izmir, mytilene, make_place("Berlin", *BERLIN)):
        for kind in (ClaimKind.STAYED, ClaimKind.PASSED_THROUGH):
            middle = one(claim(kind, place, T0 + 7 * D, T0 + 9 * D), points)
            assert middle.status is Status.NO_DATA, (place.name, kind)
            edge = one(claim(kind, place, T0 + 2 * D + 2 * H, T0 + 3 * D), points)
            assert edge.status in (Status.INCONCLUSIVE, Status.NO_DATA), (
                place.name,
                kind,
                edge.explanation_en,
            )


def test_records_near_but_not_at_the_place_are_inconclusive() -> None:
    near_athens = (38.05, 23.35)  # ~35 km from the centre, outside the 12 km extent
    points = make_points(every(T0, T0 + 10 * H, H, near_athens))
    finding = one(claim(ClaimKind.PASSED_THROUGH, athens, T0 + 2 * H, T0 + 4 * H), points)
    assert finding.status is Status.INCONCLUSIVE
    assert finding.records_against_count == 3 and finding.evidence_against[0].distance_m > 10_000


def test_stay_whole_period_consistent_partial_and_absence() -> None:
    points = make_points(every(T0, T0 + 10 * D, 2 * H, ATHENS))
    assert one(claim(ClaimKind.STAYED, athens, T0 + D, T0 + 5 * D), points).status is Status.CONSISTENT
    # Period running past the last record: partially covered -> inconclusive.
    partial = one(claim(ClaimKind.STAYED, athens, T0 + 8 * D, T0 + 14 * D), points)
    assert partial.status is Status.INCONCLUSIVE
    # A half-day trip to Corinth (80 km) within a 4-day stay: an excursion, the stay still holds.
    corinth = (37.94, 22.93)
    rows = [
        row for row in every(T0, T0 + 10 * D, H, ATHENS) if not T0 + 2 * D <= row[0] <= T0 + 2 * D + 10 * H
    ]
    rows += every(T0 + 2 * D + H, T0 + 2 * D + 9 * H, H, corinth)
    trip = one(claim(ClaimKind.STAYED, athens, T0 + D, T0 + 5 * D), make_points(rows))
    assert trip.status is Status.CONSISTENT and trip.records_against_count == 9 and trip.strict
    # Four days in Izmir in the middle of a claimed Athens stay: impossible for longer than allowed.
    rows = [row for row in every(T0, T0 + 10 * D, H, ATHENS) if not T0 + 2 * D <= row[0] <= T0 + 6 * D]
    rows += every(T0 + 2 * D + 6 * H, T0 + 6 * D - 6 * H, H, IZMIR)
    away = one(claim(ClaimKind.STAYED, athens, T0 + D, T0 + 8 * D), make_points(rows))
    assert away.status is Status.INCONSISTENT and "allowed for absences" in away.explanation_en


def test_single_wrong_fix_is_disregarded() -> None:
    rows = every(T0, T0 + 10 * H, timedelta(minutes=20), ATHENS)
    rows.append((T0 + 5 * H + timedelta(minutes=10), BERLIN))  # one multipath/Wi-Fi error
    points = make_points(rows)
    finding = one(claim(ClaimKind.STAYED, athens, T0 + H, T0 + 9 * H), points)
    assert finding.status is Status.CONSISTENT
    assert finding.disregarded_record_ids == (17,)


def test_contradicting_records_make_it_inconclusive_not_inconsistent() -> None:
    # Records jump Berlin -> Athens in 10 minutes and stay (e.g. a clock error): the data contradicts
    # itself, so a claim it would otherwise rule out is inconclusive.
    rows = every(T0 - 5 * H, T0, H, BERLIN) + every(T0 + timedelta(minutes=10), T0 + 5 * H, H, ATHENS)
    finding = one(
        claim(ClaimKind.PASSED_THROUGH, izmir, T0 - timedelta(minutes=20), T0 + timedelta(minutes=30)),
        make_points(rows),
    )
    assert finding.status is Status.INCONCLUSIVE and "contradict each other" in finding.explanation_en


def test_clock_uncertainty_widens_the_window() -> None:
    points_exact = make_points([(T0, BERLIN)], clock_s=1.0)
    points_unsure = make_points([(T0, BERLIN)], clock_s=4 * 3600.0)
    late = claim(ClaimKind.ARRIVED, athens, T0 + H, T0 + 2 * H)
    assert one(late, points_exact).status is Status.INCONSISTENT
    unsure = one(late, points_unsure)
    assert unsure.status is Status.INCONCLUSIVE and unsure.uncertainty.clock_uncertainty_s == 4 * 3600.0


def test_accuracy_widens_the_place() -> None:
    rows = every(T0, T0 + 3 * H, H, (38.09, 23.72))  # 12 km north of the centre
    assert (
        one(claim(ClaimKind.PASSED_THROUGH, athens, T0, T0 + 3 * H), make_points(rows, accuracy_m=30)).status
        is Status.CONSISTENT
    )
    far = every(T0, T0 + 3 * H, H, (38.30, 23.72))  # 35 km: consistent only with a coarse cell fix
    assert (
        one(claim(ClaimKind.PASSED_THROUGH, athens, T0, T0 + 3 * H), make_points(far, accuracy_m=30)).status
        is Status.INCONCLUSIVE
    )
    assert (
        one(
            claim(ClaimKind.PASSED_THROUGH, athens, T0, T0 + 3 * H), make_points(far, accuracy_m=12_000)
        ).status
        is Status.CONSISTENT
    )


def test_dates_are_read_in_local_time_of_the_place() -> None:
    # 23:30 UTC on 11 March is 01:30 on 12 March in Athens.
    points = make_points([(T0.replace(day=11, hour=23, minute=30), ATHENS)])
    day = parse_time_phrase("12 March 2023")
    assert isinstance(day, TimeInterval)
    finding = one(Claim("c", ClaimKind.PASSED_THROUGH, athens, day), points)
    assert finding.status is Status.CONSISTENT
    assert finding.interval_start_utc.hour == 22


def test_unusable_points_are_not_the_device() -> None:
    rows = [(T0, ATHENS), (T0 + H, ATHENS)]
    points = MatchPoints.from_arrays(
        time_utc_s=[r[0].timestamp() for r in rows], lat=[r[1][0] for r in rows], lon=[r[1][1] for r in rows],
        usable=[False, False],
    )  # fmt: skip
    assert one(claim(ClaimKind.PASSED_THROUGH, athens, T0, T0 + H), points).status is Status.NO_DATA


def test_crossed_border_needs_countries_and_country_places() -> None:
    with pytest.raises(InvalidClaimError):
        claim(ClaimKind.CROSSED_BORDER, mytilene, T0, T0 + H)
    with pytest.raises(InvalidClaimError):
        Claim("c", ClaimKind.STAYED, athens, parse_time_phrase("2023"), from_country="TR", to_country="GR")  # type: ignore[arg-type]
    crossing = Claim(
        "c", ClaimKind.CROSSED_BORDER, mytilene, interval_from_utc(T0, T0 + 6 * H, "Europe/Athens"),
        from_country="TR", to_country="GR",
    )  # fmt: skip
    points = make_points([(T0 - H, IZMIR), (T0 + 5 * H, LESBOS_MYTILENE)])
    assert one(crossing, points).status is Status.CONSISTENT


def test_country_place() -> None:
    pytest.importorskip("routing.geography")
    greece = Place(
        "country:GR",
        "Greece",
        PlaceKind.COUNTRY,
        "GR",
        39.0,
        22.0,
        None,
        None,
        "test",
        "Greece",
        timezone="Europe/Athens",
    )
    points = make_points(every(T0, T0 + 2 * D, 3 * H, ATHENS))
    assert one(claim(ClaimKind.STAYED, greece, T0 + H, T0 + D), points).status is Status.CONSISTENT
    berlin_points = make_points(every(T0, T0 + 2 * D, H, BERLIN))
    ruled_out = one(claim(ClaimKind.PASSED_THROUGH, greece, T0 + 10 * H, T0 + 20 * H), berlin_points)
    assert ruled_out.status is Status.INCONSISTENT
    assert (
        ruled_out.uncertainty.place_extent_m is None
        and ruled_out.uncertainty.country_border_tolerance_m == 5_000
    )


def test_parameters_cannot_be_made_harsher_than_physics() -> None:
    points = make_points([(T0, BERLIN)])
    with pytest.raises(MatchingError):
        match_claims(
            [claim(ClaimKind.STAYED, athens, T0, T0 + H)],
            points,
            params=MatchParameters(max_air_speed_mps=100),
        )


def test_findings_carry_route_version_and_keep_claim_order() -> None:
    points = make_points(every(T0, T0 + 6 * H, H, ATHENS))
    claims = [
        claim(ClaimKind.PASSED_THROUGH, athens, T0, T0 + H, "a"),
        claim(ClaimKind.STAYED, izmir, T0 - 9 * D, T0 - 8 * D, "b"),
    ]
    findings = match_claims(claims, points, route_version="route-7")
    assert [f.claim_id for f in findings] == ["a", "b"] and all(
        f.route_version == "route-7" for f in findings
    )


def test_coverage_lists_first_last_and_gaps() -> None:
    rows = every(T0, T0 + D, H, IZMIR) + every(T0 + 5 * D, T0 + 6 * D, H, ATHENS)
    result = coverage(make_points(rows), gap_threshold_s=12 * 3600)
    assert result.first_record_utc == T0 and result.last_record_utc == T0 + 6 * D
    assert len(result.gaps) == 1 and result.gaps[0].duration_s == 4 * 86_400
    assert coverage(make_points([])).first_record_utc is None


def test_from_routing_point_table() -> None:
    routing_points = pytest.importorskip("routing.points")
    times = np.array([T0.timestamp(), (T0 + H).timestamp()])
    table = routing_points.PointTable.from_arrays(
        time_s=times, lat=np.array([ATHENS[0]] * 2), lon=np.array([ATHENS[1]] * 2),
        accuracy_m=np.array([np.nan, 20.0]), time_source=["device_clock", "gnss"], observation=["own", "received"],
        record_id=np.array([10, 11]),
    )  # fmt: skip
    points = MatchPoints.from_point_table(table, device_clock_uncertainty_s=90.0)
    assert list(points.record_id) == [10, 11] and list(points.usable) == [True, False]
    assert list(points.clock_uncertainty_s) == [90.0, 1.0] and np.isnan(points.accuracy_m[0])


def test_block_skipping_gives_the_same_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long claims skip far-away and at-place blocks; the findings must equal the point-by-point ones."""
    import matching.claim_rows as claim_rows_module

    rng = np.random.default_rng(5)
    n = 40_000
    times = np.sort(T0.timestamp() + rng.uniform(0, 40 * 86_400, n))
    cities = [ATHENS, IZMIR, LESBOS_MYTILENE, BERLIN]
    which = np.minimum((times - times[0]) // (10 * 86_400), 3).astype(int)
    lat = np.array([c[0] for c in cities])[which] + rng.normal(0, 0.02, n)
    lon = np.array([c[1] for c in cities])[which] + rng.normal(0, 0.02, n)
    points = MatchPoints.from_arrays(
        time_utc_s=times,
        lat=lat,
        lon=lon,
        accuracy_m=rng.choice([20.0, 150.0, 1500.0], n),
        clock_uncertainty_s=5.0,
    )
    places = [athens, izmir, mytilene, make_place("Berlin", *BERLIN), make_place("Rome", 41.894, 12.483)]
    claims = [
        claim(kind, place, T0 + start * D, T0 + (start + length) * D, f"{place.name}-{kind}-{start}-{length}")
        for place in places
        for kind in (ClaimKind.STAYED, ClaimKind.PASSED_THROUGH)
        for start, length in ((0, 9), (2, 5), (8, 4), (0, 40), (15, 1), (31, 8))
    ]
    fast = match_claims(claims, points)
    monkeypatch.setattr(claim_rows_module, "MIN_ROWS_FOR_BLOCKS", 10**12)
    slow = match_claims(claims, points)
    assert [f.status for f in fast] == [f.status for f in slow]
    assert [f.records_for_count for f in fast] == [f.records_for_count for f in slow]
    assert [f.records_against_count for f in fast] == [f.records_against_count for f in slow]
    assert {f.status for f in fast} >= {Status.CONSISTENT, Status.INCONSISTENT, Status.INCONCLUSIVE}
