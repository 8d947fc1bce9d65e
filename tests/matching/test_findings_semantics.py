"""The semantics of issue 16 / LEGAL 18–20, each rule in both directions, on hand-built records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from matching.claims import Claim, ClaimKind
from matching.errors import InvalidClaimError
from matching.matcher import Status, match_claims, not_judged_finding
from matching.places import Place
from matching.points import MatchPoints
from matching.time_phrases import TimeInterval, interval_from_utc, parse_time_phrase
from matching.travel import TravelMode
from tests.matching.conftest import ATHENS, BERLIN, IZMIR, every, make_place, make_points

H = timedelta(hours=1)
D = timedelta(days=1)
SOFIA = (42.6977, 23.3219)  # ~525 km from Athens
CORINTH = (37.94, 22.93)  # ~70 km from Athens
VIENNA = (48.2082, 16.3738)
BUDAPEST = (47.4979, 19.0402)  # ~215 km from Vienna
SUBOTICA = (46.1000, 19.6667)
HORGOS = (46.1560, 19.9760)  # Serbian side of the Horgoš–Röszke crossing, ~24 km from Subotica
ROSZKE = (46.1870, 20.0360)  # Hungarian side
NIS = (43.3209, 21.8958)  # ~330 km from the Hungarian border

athens = make_place("Athens", *ATHENS, radius_m=12_000, country="GR")
izmir = make_place("Izmir", *IZMIR, radius_m=15_000, country="TR")
vienna = make_place("Vienna", *VIENNA, radius_m=12_000, country="AT")
subotica = make_place("Subotica", *SUBOTICA, radius_m=4_000, country="RS")


def said(kind: ClaimKind, place: Place, text: str, claim_id: str = "c", **extra: Any) -> Claim:
    interval = parse_time_phrase(text)
    assert isinstance(interval, TimeInterval), text
    return Claim(claim_id, kind, place, interval, **extra)  # type: ignore[arg-type]


def one(claim: Claim, points: MatchPoints):  # noqa: ANN201
    return match_claims([claim], points)[0]


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


# --- bounded vs vague ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bounded"),
    [
        ("from 3 to 17 March 2023", True),
        ("van 3 tot 17 maart 2023", True),
        ("3-17 March 2023", True),
        ("from 3 March 2023 to 2 April 2023", True),
        ("March 2023", False),
        ("maart 2023", False),
        ("early July 2023", False),
        ("begin juli 2023", False),
        ("around 10 May 2023", False),
        ("rond 10 mei 2023", False),
        ("summer 2023", False),
        ("2023", False),
        ("between March and June 2022", False),  # both ends are months: vague
        ("12 March 2023", False),
    ],
)
def test_only_a_range_with_both_ends_is_bounded(text: str, bounded: bool) -> None:
    interval = parse_time_phrase(text)
    assert isinstance(interval, TimeInterval)
    assert interval.bounded is bounded
    assert Claim("c", ClaimKind.STAYED, athens, interval).strict is bounded
    assert not Claim("c", ClaimKind.PASSED_THROUGH, athens, interval).strict


def test_true_vague_stay_with_phone_elsewhere_part_of_the_month_is_not_inconsistent() -> None:
    # In Izmir 1–15 March, in Athens 16–31 March: "stayed in Athens in March 2023" is true.
    rows = every(utc(2023, 3, 1), utc(2023, 3, 15, 20), 2 * H, IZMIR)
    rows += every(utc(2023, 3, 16, 12), utc(2023, 3, 31, 20), 2 * H, ATHENS)
    finding = one(said(ClaimKind.STAYED, athens, "March 2023"), make_points(rows))
    assert finding.status is Status.CONSISTENT and not finding.strict
    assert finding.days_in_period == 31 and 15 <= finding.days_at_place <= 16
    assert finding.observed_share == pytest.approx(finding.days_at_place / 31, abs=0.001)
    assert "some time within it" in finding.explanation_en and "enig moment" in finding.explanation_nl


def test_the_same_records_contradict_a_strict_stay_for_the_whole_month() -> None:
    rows = every(utc(2023, 3, 1), utc(2023, 3, 15, 20), 2 * H, IZMIR)
    rows += every(utc(2023, 3, 16, 12), utc(2023, 3, 31, 20), 2 * H, ATHENS)
    finding = one(said(ClaimKind.STAYED, athens, "from 1 to 31 March 2023"), make_points(rows))
    assert finding.strict
    assert finding.status in (Status.INCONSISTENT, Status.ONLY_BY_AIR, Status.INCONCLUSIVE)
    assert finding.status is not Status.CONSISTENT


# --- strict stays: the away rule, both directions ------------------------------------------------------


def _days_in_sofia_with_nights_unrecorded() -> MatchPoints:
    """Records in Sofia from 08:00 to 20:00 every day of 1–14 March; nothing at night (12 h gaps,
    enough to fly Sofia–Athens and back)."""
    rows = []
    for day in range(14):
        start = utc(2023, 3, 1, 8) + day * D
        rows += every(start, start + 12 * H, H, SOFIA)
    return make_points(rows)


def test_false_strict_two_week_stay_with_phone_500_km_away_every_day_is_inconsistent() -> None:
    finding = one(
        said(ClaimKind.STAYED, athens, "from 1 to 14 March 2023"), _days_in_sofia_with_nights_unrecorded()
    )
    assert finding.status is Status.INCONSISTENT, finding.explanation_en
    assert "14 separate days" in finding.explanation_en and "14 verschillende dagen" in finding.explanation_nl
    assert finding.near_miss is not None and finding.near_miss.nearest_in_period_m > 500_000


def test_the_same_records_do_not_contradict_a_vague_stay_in_that_month() -> None:
    # "in March 2023": at some time in March; the phone has no records after 14 March.
    finding = one(said(ClaimKind.STAYED, athens, "maart 2023"), _days_in_sofia_with_nights_unrecorded())
    assert finding.status is not Status.INCONSISTENT and finding.status is not Status.ONLY_BY_AIR


def test_excursions_and_an_overnight_trip_in_a_true_strict_stay_do_not_make_it_inconsistent() -> None:
    rows = [
        row
        for row in every(utc(2023, 3, 1), utc(2023, 3, 15), H, ATHENS)
        if not (utc(2023, 3, 4, 8) <= row[0] <= utc(2023, 3, 4, 18))  # a day trip to Corinth
        and not (utc(2023, 3, 9, 8) <= row[0] <= utc(2023, 3, 10, 20))  # an overnight trip to Sofia
    ]
    rows += every(utc(2023, 3, 4, 9), utc(2023, 3, 4, 17), H, CORINTH)
    rows += every(utc(2023, 3, 9, 16), utc(2023, 3, 10, 12), H, SOFIA)
    finding = one(said(ClaimKind.STAYED, athens, "from 2 to 14 March 2023"), make_points(rows))
    assert finding.status is Status.CONSISTENT, finding.explanation_en
    assert finding.records_against_count > 0 and "excursions" in finding.explanation_en


def test_far_records_on_two_days_at_the_start_only_are_not_enough() -> None:
    # Far on 1–2 March, then no records: the stay from 3 March on is possible; not spread over the period.
    rows = every(utc(2023, 3, 1, 8), utc(2023, 3, 2, 20), 2 * H, SOFIA)
    rows += every(utc(2023, 3, 20), utc(2023, 3, 21), 2 * H, ATHENS)
    finding = one(said(ClaimKind.STAYED, athens, "from 1 to 14 March 2023"), make_points(rows))
    assert finding.status is Status.INCONCLUSIVE, finding.explanation_en


# --- flights: only by air, and the speed needed ---------------------------------------------------------


def test_claim_reconcilable_only_by_a_flight_gets_its_own_status() -> None:
    # Berlin at 07:00 and again at 17:00; "passed through Athens" at 11–13 h: 1,800 km each way, too far
    # for a round trip over land in 10 hours (even at 324 km/h), not for a flight.
    points = make_points([(utc(2023, 3, 12, 7), BERLIN), (utc(2023, 3, 12, 17), BERLIN)])
    claim = Claim(
        "c",
        ClaimKind.PASSED_THROUGH,
        athens,
        interval_from_utc(utc(2023, 3, 12, 11), utc(2023, 3, 12, 13), "UTC"),
    )
    finding = one(claim, points)
    assert finding.status is Status.ONLY_BY_AIR
    assert finding.travel.mode is TravelMode.AIR and finding.travel.minimum_speed_mps > 90
    assert finding.travel.departure_airport and finding.travel.arrival_airport
    assert "only if the journey was made by air" in finding.explanation_en
    assert "alleen als de reis per vliegtuig" in finding.explanation_nl


def test_not_even_a_flight_fits_is_inconsistent() -> None:
    # Berlin at 10:00 and 15:00: five hours are not enough to fly to Athens and back door to door.
    points = make_points([(utc(2023, 3, 12, 10), BERLIN), (utc(2023, 3, 12, 15), BERLIN)])
    claim = Claim(
        "c",
        ClaimKind.PASSED_THROUGH,
        athens,
        interval_from_utc(utc(2023, 3, 12, 12), utc(2023, 3, 12, 13), "UTC"),
    )
    finding = one(claim, points)
    assert finding.status is Status.INCONSISTENT, finding.explanation_en
    assert "not even a flight" in finding.explanation_en


def test_a_claim_reachable_over_land_is_not_only_by_air_and_reports_the_speed() -> None:
    # Corinth at 08:00 and 20:00; Athens (70 km) in between: easily by road.
    points = make_points([(utc(2023, 3, 12, 8), CORINTH), (utc(2023, 3, 12, 20), CORINTH)])
    claim = Claim(
        "c",
        ClaimKind.PASSED_THROUGH,
        athens,
        interval_from_utc(utc(2023, 3, 12, 12), utc(2023, 3, 12, 14), "UTC"),
    )
    finding = one(claim, points)
    assert finding.status is Status.INCONCLUSIVE
    assert finding.travel.mode in (TravelMode.ON_FOOT, TravelMode.ROAD_OR_RAIL)
    assert "km/h" in finding.explanation_en and "km/u" in finding.explanation_nl


# --- near misses ------------------------------------------------------------------------------------------


def test_near_miss_by_one_day_is_reported() -> None:
    # Vienna until 30 June, Budapest from that evening: "stayed in Vienna, early July 2023".
    rows = every(utc(2023, 6, 20), utc(2023, 6, 30, 12), H, VIENNA)
    rows += every(utc(2023, 6, 30, 16), utc(2023, 7, 12), timedelta(minutes=20), BUDAPEST)
    finding = one(said(ClaimKind.STAYED, vienna, "early July 2023"), make_points(rows))
    assert finding.status is Status.INCONSISTENT
    near = finding.near_miss
    assert near is not None and near.last_at_place_before_utc.date().isoformat() == "2023-06-30"
    assert near.gap_before_period_s < 86_400 and near.first_at_place_after_utc is None
    assert 180_000 < near.nearest_in_period_m < 230_000
    assert "until 30 June 2023, 1 day before the stated period" in finding.near_miss_en
    assert "tot 30 juni 2023, 1 dag vóór de genoemde periode" in finding.near_miss_nl
    assert finding.near_miss_en in finding.explanation_en


def test_near_miss_is_also_reported_for_a_consistent_claim() -> None:
    rows = every(utc(2023, 6, 20), utc(2023, 7, 5), 3 * H, VIENNA)
    finding = one(said(ClaimKind.PASSED_THROUGH, vienna, "on 1 July 2023"), make_points(rows))
    assert finding.status is Status.CONSISTENT
    assert (
        finding.near_miss.nearest_in_period_m == 0 and finding.near_miss.first_at_place_after_utc is not None
    )


# --- border crossings, judged at the border --------------------------------------------------------------


def crossing_claim(**extra: Any) -> Claim:
    fields = {"from_country": "RS", "to_country": "HU", **extra}
    return said(ClaimKind.CROSSED_BORDER, subotica, "on 14 September 2015", **fields)


def test_border_crossing_recorded_20_km_from_the_town_but_at_the_border_is_consistent() -> None:
    rows = every(utc(2015, 9, 14, 6), utc(2015, 9, 14, 9), H, HORGOS)
    rows += every(utc(2015, 9, 14, 11), utc(2015, 9, 14, 15), H, ROSZKE)
    finding = one(crossing_claim(), make_points(rows))
    assert finding.status is Status.CONSISTENT, finding.explanation_en
    assert finding.country_order_seen is True
    assert min(item.distance_m for item in finding.evidence_for) == 0


def test_border_crossing_in_the_other_direction_is_not_consistent() -> None:
    rows = every(utc(2015, 9, 14, 6), utc(2015, 9, 14, 9), H, ROSZKE)
    rows += every(utc(2015, 9, 14, 11), utc(2015, 9, 14, 15), H, HORGOS)
    finding = one(crossing_claim(), make_points(rows))
    assert finding.status is Status.INCONCLUSIVE and finding.country_order_seen is False
    assert "other direction" in finding.explanation_en and "andere richting" in finding.explanation_nl


def test_records_far_from_the_border_all_day_make_the_crossing_inconsistent() -> None:
    rows = every(utc(2015, 9, 13, 20), utc(2015, 9, 15, 4), timedelta(minutes=30), NIS)
    finding = one(crossing_claim(), make_points(rows))
    assert finding.status is Status.INCONSISTENT


# --- place candidates --------------------------------------------------------------------------------------


def test_unconfirmed_place_is_judged_for_every_candidate_most_favourable_kept() -> None:
    rows = every(utc(2023, 3, 11), utc(2023, 3, 14), H, IZMIR)
    claim = said(
        ClaimKind.PASSED_THROUGH, athens, "12 March 2023", candidates=(izmir,), place_confirmed=False
    )
    finding = one(claim, make_points(rows))
    assert finding.status is Status.CONSISTENT and finding.place_used == "Izmir"
    assert finding.candidates_considered == ("Athens", "Izmir") and finding.place_confirmed is False
    # Confirmed as Athens, the same records rule it out.
    confirmed = one(said(ClaimKind.PASSED_THROUGH, athens, "12 March 2023"), make_points(rows))
    assert confirmed.status is Status.INCONSISTENT and confirmed.place_confirmed


def test_inconsistent_needs_every_candidate_to_be_impossible() -> None:
    rows = every(utc(2023, 3, 11), utc(2023, 3, 14), timedelta(minutes=20), BERLIN)
    claim = said(
        ClaimKind.PASSED_THROUGH, athens, "12 March 2023", candidates=(izmir,), place_confirmed=False
    )
    assert one(claim, make_points(rows)).status is Status.INCONSISTENT
    berlin = make_place("Berlin", *BERLIN, radius_m=15_000, country="DE")
    claim = said(
        ClaimKind.PASSED_THROUGH, athens, "12 March 2023", candidates=(berlin,), place_confirmed=False
    )
    assert one(claim, make_points(rows)).status is Status.CONSISTENT


# --- not judged, invalid claims, no data ---------------------------------------------------------------


def test_not_judged_finding_carries_its_reason() -> None:
    finding = not_judged_finding("7", "the place 'Xyz' was not found.", "de plaats 'Xyz' is niet gevonden.")
    assert finding.status is Status.NOT_JUDGED and finding.claim_id == "7"
    assert finding.interval_start_utc is None and "not found" in finding.explanation_en
    assert "niet gevonden" in finding.explanation_nl and finding.not_judged_reason_en


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        (ClaimKind.CROSSED_BORDER, {"to_country": "HU"}, "from_country"),
        (ClaimKind.CROSSED_BORDER, {"from_country": "RS"}, "to_country"),
        (ClaimKind.CROSSED_BORDER, {"from_country": "RS", "to_country": "rs"}, "to_country"),
        (ClaimKind.CROSSED_BORDER, {"from_country": "Serbia", "to_country": "HU"}, "from_country"),
        (ClaimKind.STAYED, {"from_country": "RS"}, "from_country"),
        (ClaimKind.ARRIVED, {"to_country": "HU"}, "to_country"),
    ],
)
def test_invalid_combinations_raise_naming_the_field(kind: ClaimKind, extra: dict, field: str) -> None:
    interval = parse_time_phrase("12 March 2023")
    with pytest.raises(InvalidClaimError) as raised:
        Claim("c", kind, subotica, interval, **extra)  # type: ignore[arg-type]
    assert raised.value.field == field and raised.value.message_nl


def test_before_the_first_record_is_no_data_even_for_a_false_claim() -> None:
    rows = every(utc(2023, 4, 1), utc(2023, 4, 10), H, BERLIN)
    for text in ("from 1 to 14 March 2023", "March 2023", "12 March 2023"):
        finding = one(said(ClaimKind.STAYED, athens, text), make_points(rows))
        assert finding.status is Status.NO_DATA


def test_every_status_and_travel_mode_has_words_in_the_catalogue() -> None:
    import catalogue

    assert {status.value for status in Status} <= set(catalogue.group("finding_status"))
    assert {mode.value for mode in TravelMode} <= set(catalogue.group("travel_mode"))
    assert catalogue.label("finding_status", "only_by_air", "nl") == "Tegenstrijdig, tenzij per vliegtuig"
    assert catalogue.label("finding_status", "only_by_air", "en") == "Inconsistent unless by air"


def test_near_misses_equal_a_record_by_record_search() -> None:
    """The block-skipping near-miss search gives the records a plain scan gives (nearest distance exact to
    within NEAREST_SLACK_M, never nearer than a real record)."""
    import numpy as np

    from bench.bench_matching import make_claims, make_route
    from matching.claim_rows import _radius_edge_distance_m, prepare
    from matching.matcher import MatchParameters
    from matching.near_miss import NEAREST_SLACK_M

    points, claims = make_route(60_000, 5), make_claims(200, 5)
    findings = match_claims(claims, points)
    data = prepare(points, MatchParameters())
    for claim, finding in zip(claims, findings, strict=True):
        start, end = (moment.timestamp() for moment in claim.interval_utc())
        first, last = np.searchsorted(data.t, [start, end])
        distance = _radius_edge_distance_m(claim.place, data.unit_x, data.unit_y, data.unit_z)
        at = np.flatnonzero(distance <= data.at_tolerance_m)
        before, after = at[at < first], at[at >= last]
        near = finding.near_miss
        assert near is not None
        assert near.last_at_place_before_record_id == (
            int(data.record_id[before[-1]]) if len(before) else None
        )
        assert near.first_at_place_after_record_id == (int(data.record_id[after[0]]) if len(after) else None)
        if last > first:
            true_nearest = float(distance[first:last].min())
            assert true_nearest - 0.5 <= near.nearest_in_period_m <= true_nearest + NEAREST_SLACK_M
