"""Dutch and English time phrases -> local intervals; out-of-scope phrases say so."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from matching.errors import MatchingError
from matching.time_phrases import Granularity, OutOfScopePhrase, TimeInterval, parse_time_phrase

D = date
T = datetime

CASES = [
    # exact dates
    ("12 March 2023", D(2023, 3, 12), D(2023, 3, 12), Granularity.DAY),
    ("12 maart 2023", D(2023, 3, 12), D(2023, 3, 12), Granularity.DAY),
    ("12-03-2023", D(2023, 3, 12), D(2023, 3, 12), Granularity.DAY),
    ("12/03/2023", D(2023, 3, 12), D(2023, 3, 12), Granularity.DAY),
    ("2023-03-12", D(2023, 3, 12), D(2023, 3, 12), Granularity.DAY),
    ("March 12, 2023", D(2023, 3, 12), D(2023, 3, 12), Granularity.DAY),
    ("on the 12th of March 2023", D(2023, 3, 12), D(2023, 3, 12), Granularity.DAY),
    ("op 12 mrt. 2023", D(2023, 3, 12), D(2023, 3, 12), Granularity.DAY),
    # date + time: ± 30 minutes
    ("12 March 2023 14:30", T(2023, 3, 12, 14, 0), T(2023, 3, 12, 15, 0), Granularity.MINUTE),
    ("12-03-2023 om 14.30 uur", T(2023, 3, 12, 14, 0), T(2023, 3, 12, 15, 0), Granularity.MINUTE),
    ("12 March 2023 at 2pm", T(2023, 3, 12, 13, 30), T(2023, 3, 12, 14, 30), Granularity.MINUTE),
    # ranges, end included
    ("from 3 to 10 May 2023", D(2023, 5, 3), D(2023, 5, 10), Granularity.RANGE),
    ("van 3 tot 10 mei 2023", D(2023, 5, 3), D(2023, 5, 10), Granularity.RANGE),
    ("3 t/m 10 mei 2023", D(2023, 5, 3), D(2023, 5, 10), Granularity.RANGE),
    ("3–10 May 2023", D(2023, 5, 3), D(2023, 5, 10), Granularity.RANGE),
    ("from 28 April to 3 May 2023", D(2023, 4, 28), D(2023, 5, 3), Granularity.RANGE),
    ("between March and June 2022", D(2022, 3, 1), D(2022, 6, 30), Granularity.RANGE),
    ("tussen maart en juni 2022", D(2022, 3, 1), D(2022, 6, 30), Granularity.RANGE),
    ("from December to February 2023", D(2022, 12, 1), D(2023, 2, 28), Granularity.RANGE),
    # months, years
    ("March 2023", D(2023, 3, 1), D(2023, 3, 31), Granularity.MONTH),
    ("in maart 2023", D(2023, 3, 1), D(2023, 3, 31), Granularity.MONTH),
    ("februari 2024", D(2024, 2, 1), D(2024, 2, 29), Granularity.MONTH),
    ("2022", D(2022, 1, 1), D(2022, 12, 31), Granularity.YEAR),
    # seasons
    ("spring 2022", D(2022, 3, 1), D(2022, 5, 31), Granularity.SEASON),
    ("voorjaar 2022", D(2022, 3, 1), D(2022, 5, 31), Granularity.SEASON),
    ("lente 2022", D(2022, 3, 1), D(2022, 5, 31), Granularity.SEASON),
    ("summer 2021", D(2021, 6, 1), D(2021, 8, 31), Granularity.SEASON),
    ("in de zomer van 2021", D(2021, 6, 1), D(2021, 8, 31), Granularity.SEASON),
    ("autumn 2020", D(2020, 9, 1), D(2020, 11, 30), Granularity.SEASON),
    ("fall 2020", D(2020, 9, 1), D(2020, 11, 30), Granularity.SEASON),
    ("herfst 2020", D(2020, 9, 1), D(2020, 11, 30), Granularity.SEASON),
    ("winter 2022", D(2022, 12, 1), D(2023, 2, 28), Granularity.SEASON),
    ("winter 2022/2023", D(2022, 12, 1), D(2023, 2, 28), Granularity.SEASON),
    # around: ± 3 days
    ("around 10 May 2023", D(2023, 5, 7), D(2023, 5, 13), Granularity.DAY),
    ("rond 10 mei 2023", D(2023, 5, 7), D(2023, 5, 13), Granularity.DAY),
    ("omstreeks 10 mei 2023", D(2023, 5, 7), D(2023, 5, 13), Granularity.DAY),
    # parts of a month / year
    ("early March 2023", D(2023, 3, 1), D(2023, 3, 10), Granularity.PART_OF_MONTH),
    ("begin maart 2023", D(2023, 3, 1), D(2023, 3, 10), Granularity.PART_OF_MONTH),
    ("mid-March 2023", D(2023, 3, 10), D(2023, 3, 20), Granularity.PART_OF_MONTH),
    ("half maart 2023", D(2023, 3, 10), D(2023, 3, 20), Granularity.PART_OF_MONTH),
    ("late March 2023", D(2023, 3, 20), D(2023, 3, 31), Granularity.PART_OF_MONTH),
    ("eind maart 2023", D(2023, 3, 20), D(2023, 3, 31), Granularity.PART_OF_MONTH),
    ("eind 2023", D(2023, 9, 1), D(2023, 12, 31), Granularity.PART_OF_YEAR),
]


@pytest.mark.parametrize(("text", "earliest", "latest", "granularity"), CASES)
def test_phrase(text: str, earliest, latest, granularity: Granularity) -> None:  # noqa: ANN001
    result = parse_time_phrase(text)
    assert isinstance(result, TimeInterval), result
    assert (result.earliest_local, result.latest_local, result.granularity) == (earliest, latest, granularity)
    assert result.understood_en and result.understood_nl and result.text == text


def test_understood_text_in_both_languages() -> None:
    result = parse_time_phrase("van 3 tot 10 mei 2023")
    assert isinstance(result, TimeInterval)
    assert "3 May 2023" in result.understood_en and "10 May 2023" in result.understood_en
    assert "3 mei 2023" in result.understood_nl and "tot en met" in result.understood_nl
    winter = parse_time_phrase("winter 2022")
    assert isinstance(winter, TimeInterval) and "December 2022" in winter.understood_en


def test_reference_year_fills_missing_year() -> None:
    assert isinstance(parse_time_phrase("summer"), OutOfScopePhrase)
    assert isinstance(parse_time_phrase("10 May"), OutOfScopePhrase)
    summer = parse_time_phrase("zomer", reference_year=2022)
    assert isinstance(summer, TimeInterval) and summer.earliest_local == D(2022, 6, 1)
    late = parse_time_phrase("late March", reference_year=2022)
    assert isinstance(late, TimeInterval) and late.latest_local == D(2022, 3, 31)


@pytest.mark.parametrize(
    "text",
    ["two weeks after Eid", "a few months after I left", "twee weken na het suikerfeest", "kort na de ramadan",
     "three days before Christmas", "banana", "31 februari 2023", "", "from 10 May to 3 May 2023"],
)  # fmt: skip
def test_out_of_scope_is_a_result_not_a_crash(text: str) -> None:
    result = parse_time_phrase(text)
    assert isinstance(result, OutOfScopePhrase)
    assert result.reason_en and result.reason_nl and result.text == text


def test_relative_phrase_says_out_of_scope() -> None:
    result = parse_time_phrase("two weeks after Eid")
    assert isinstance(result, OutOfScopePhrase)
    assert "out of scope" in result.reason_en and "buiten het bereik" in result.reason_nl


def test_to_utc_uses_the_place_zone_and_daylight_saving() -> None:
    day = parse_time_phrase("12 March 2023")
    assert isinstance(day, TimeInterval)
    start, end = day.to_utc("Europe/Athens")  # UTC+2 in winter
    assert start == datetime(2023, 3, 11, 22, 0, tzinfo=UTC) and end == datetime(
        2023, 3, 12, 22, 0, tzinfo=UTC
    )
    summer = parse_time_phrase("12 July 2023")
    assert isinstance(summer, TimeInterval)
    assert summer.to_utc("Europe/Athens")[0] == datetime(2023, 7, 11, 21, 0, tzinfo=UTC)  # UTC+3
    # 26 March 2023 has 23 hours in Amsterdam (clocks forward)
    short = parse_time_phrase("26 maart 2023")
    assert isinstance(short, TimeInterval)
    start, end = short.to_utc("Europe/Amsterdam")
    assert (end - start).total_seconds() == 23 * 3600
    with pytest.raises(MatchingError):
        day.to_utc("Mars/Olympus_Mons")
