"""The applicant's words: time phrases, coordinate texts and claim entries, as free text in both languages
and as hostile strings built from the parsers' own vocabulary. ``parse_time_phrase`` never raises (it answers
``OutOfScopePhrase``); coordinates and claims raise only ``MatchingError`` (a 4xx at the API)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from matching.claims import ClaimKind, check_claim_entry
from matching.coordinates import parse_coordinates
from matching.errors import MatchingError
from matching.time_phrases import OutOfScopePhrase, TimeInterval, parse_time_phrase

WORDS = [
    "van", "tot", "from", "to", "until", "tot en met", "begin", "eind", "midden", "early", "late", "mid",
    "zomer", "summer", "winter", "lente", "spring", "herfst", "autumn", "maart", "March", "september",
    "Sep", "okt", "december", "week", "dagen", "days", "after", "na", "voor", "before", "Eid", "Ramadan",
    "om", "at", "uur", "h", "am", "pm", "-", "–", "/", ".", ",", ":", "en", "and", "or", "of", "rond",
    "around", "ongeveer", "about", "jaar", "year",
]  # fmt: skip
TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.integers(min_value=-5, max_value=100_000).map(str),
    st.sampled_from(
        ["0", "00", "31", "32", "29", "30", "2015", "2016", "9999", "0001", "12:60", "24:00", "25"]
    ),
    st.text(max_size=4),
)
PHRASES = st.one_of(st.text(max_size=60), st.lists(TOKENS, max_size=10).map(" ".join))


@given(text=PHRASES, reference_year=st.none() | st.integers(min_value=1, max_value=9999))
def test_time_phrases_never_raise(text: str, reference_year: int | None) -> None:
    result = parse_time_phrase(text, reference_year=reference_year)
    assert isinstance(result, TimeInterval | OutOfScopePhrase)
    if isinstance(result, TimeInterval):
        assert result.earliest_local <= result.latest_local, (text, result)


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["91", "-90.0000001", "180.5", "1e400", "nan", "inf", "٣٧٫٩", "37,98", "37°58'", "0x10"]),
)
COORDINATES = st.one_of(
    st.text(max_size=40),
    st.tuples(
        NUMBERS,
        st.sampled_from([",", " ", ", ", ";", " N ", "° N, "]),
        NUMBERS,
        st.sampled_from(["", " E", "°"]),
    ).map("".join),
)


@given(text=COORDINATES)
def test_coordinates_parse_or_refuse(text: str) -> None:
    try:
        place = parse_coordinates(text)
    except MatchingError:
        return
    assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180


COUNTRY = (
    st.none()
    | st.sampled_from(["SY", "TR", "GR", "rs", "XX", "", "Serbia", "HU", "ZZZ"])
    | st.text(max_size=4)
)


@given(
    kind=st.sampled_from(list(ClaimKind)) | st.text(max_size=12),
    from_country=COUNTRY,
    to_country=COUNTRY,
    time_text=PHRASES,
)
def test_claim_entries_parse_or_refuse(
    kind: str, from_country: str | None, to_country: str | None, time_text: str
) -> None:
    try:
        check_claim_entry(kind, from_country, to_country, parse_time_phrase(time_text, reference_year=2016))
    except MatchingError:
        return
