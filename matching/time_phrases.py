"""Dutch and English time phrases -> an interval in the local time of the claimed place.

What a phrase means (documented for users in matching/README.md; every choice is generous on purpose):

- An exact date ("12 March 2023", "12 maart 2023", "12-03-2023", "2023-03-12") is that whole local
  day. Numeric dates are read day-first (12-03-2023 is 12 March), as written in the Netherlands.
- A date with a clock time ("12 March 2023 14:30", "12-03-2023 om 14.30 uur") is read as that time
  ± 30 minutes (a time told from memory is approximate).
- A range ("from 3 to 10 May 2023", "van 3 tot 10 mei 2023", "3–10 May 2023", "between March and
  June 2022", "tussen maart en juni 2022") runs from the start of the first to the end of the last
  part, both included ("tot" is read as "up to and including").
- A month ("March 2023", "maart 2023") is the whole month; a year ("2022") the whole year.
- Parts of a month: early/begin 1–10, mid/half/midden/medio 10–20, late/eind 20–end of month.
  Parts of a year: early/begin January–April, mid/medio May–August, late/eind September–December.
- Seasons (meteorological, northern hemisphere): spring/voorjaar/lente March–May, summer/zomer
  June–August, autumn/fall/herfst/najaar September–November, winter December–February. "winter 2022"
  is read as December 2022 – February 2023 (the winter that starts in 2022); if early 2022 was
  meant, enter "January–February 2022" / "januari–februari 2022". "winter 2022/2023" is the same.
- "around"/"about"/"rond"/"omstreeks"/"ongeveer"/"circa" widens: a day by 3 days either side, a
  clock time by 2 hours, a month, season, part or year by 15 days.
- Without a year ("10 May", "summer") a ``reference_year`` must be given, else the phrase is out
  of scope with the reason.
- Relative phrases ("two weeks after Eid", "a few months after I left", "na de ramadan") are out of
  scope: the result is an ``OutOfScopePhrase`` saying so — never an exception.

Dates are local to the claimed place; ``TimeInterval.to_utc(zone)`` converts with the IANA zone.

``TimeInterval.bounded`` says whether the applicant stated both ends (a range of two dates or clock
times, or explicit instants): only then is a stay a claim for the whole period (LEGAL 18). A month,
season, part, year, "around ..." or a range of months is a vague period. ``OutOfScopePhrase.code`` says
why a phrase was not read (``relative``, ``no_year``, ``empty``, ``range_reversed``, ``not_understood``);
a reversed range is refused when the claim is entered (``claims.check_claim_entry``).
"""

from __future__ import annotations

import calendar
import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matching.errors import MatchingError

CLOCK_TIME_TOLERANCE = timedelta(minutes=30)
AROUND_DAY = timedelta(days=3)
AROUND_CLOCK_TIME = timedelta(hours=2)
AROUND_LONGER = timedelta(days=15)


class Granularity(enum.StrEnum):
    MINUTE = "minute"
    DAY = "day"
    RANGE = "range"
    PART_OF_MONTH = "part_of_month"
    MONTH = "month"
    SEASON = "season"
    PART_OF_YEAR = "part_of_year"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class TimeInterval:
    """A claimed time as an interval in the local time of the place.

    ``earliest_local`` and ``latest_local`` are both included: a ``date`` means that whole local day,
    a naive ``datetime`` that local instant. ``understood_en``/``understood_nl`` say in words what
    was understood, to show the caseworker.

    ``bounded``: the applicant stated both ends ("from 3 to 17 March", two dates or clock times, or
    explicit instants). Only a bounded interval makes a stay a claim for the whole period (LEGAL 18);
    a month, season, part of a month, "around ..." or a year is a *vague period*: presence at some
    time within it.
    """

    earliest_local: date | datetime
    latest_local: date | datetime
    granularity: Granularity
    understood_en: str
    understood_nl: str
    approximate: bool = False
    text: str = ""
    bounded: bool = False

    def __post_init__(self) -> None:
        for value in (self.earliest_local, self.latest_local):
            if isinstance(value, datetime) and value.tzinfo is not None:
                raise ValueError("TimeInterval holds local (naive) times; convert with to_utc(zone)")
        if self.start_local > self.end_local_exclusive:
            raise ValueError(f"interval ends before it starts: {self.earliest_local} – {self.latest_local}")

    @property
    def start_local(self) -> datetime:
        """Naive local start (inclusive)."""
        value = self.earliest_local
        return value if isinstance(value, datetime) else datetime.combine(value, time.min)

    @property
    def end_local_exclusive(self) -> datetime:
        """Naive local end (exclusive: the next midnight for a date)."""
        value = self.latest_local
        return value if isinstance(value, datetime) else datetime.combine(value + timedelta(days=1), time.min)

    @property
    def width_s(self) -> float:
        """Length of the interval in seconds (the time-phrase width)."""
        return (self.end_local_exclusive - self.start_local).total_seconds()

    def to_utc(self, zone: str) -> tuple[datetime, datetime]:
        """(start, end) as tz-aware UTC for a place in IANA ``zone``; end exclusive.

        Raises MatchingError for an unknown zone.
        """
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise MatchingError(f"unknown time zone {zone!r}: {exc}") from exc
        return (
            self.start_local.replace(tzinfo=tz).astimezone(UTC),
            self.end_local_exclusive.replace(tzinfo=tz).astimezone(UTC),
        )


@dataclass(frozen=True, slots=True)
class OutOfScopePhrase:
    """A phrase the parser does not turn into dates, with the reason in both languages."""

    text: str
    reason_en: str
    reason_nl: str
    code: str = "not_understood"  # relative | no_year | empty | range_reversed | not_understood


TimePhraseResult = TimeInterval | OutOfScopePhrase

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("january", "januari", "jan"),
        ("february", "februari", "feb", "febr"),
        ("march", "maart", "mar", "mrt", "maa"),
        ("april", "apr"),
        ("may", "mei"),
        ("june", "juni", "jun"),
        ("july", "juli", "jul"),
        ("august", "augustus", "aug"),
        ("september", "sep", "sept"),
        ("october", "oktober", "oct", "okt"),
        ("november", "nov"),
        ("december", "dec"),
    ],
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_MONTH_EN = [calendar.month_name[number] for number in range(13)]
_MONTH_NL = ["", "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
             "oktober", "november", "december"]  # fmt: skip

_SEASONS: dict[str, str] = {
    "spring": "spring", "voorjaar": "spring", "lente": "spring",
    "summer": "summer", "zomer": "summer",
    "autumn": "autumn", "fall": "autumn", "herfst": "autumn", "najaar": "autumn",
    "winter": "winter",
}  # fmt: skip
_SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11)}
_SEASON_NL = {"spring": "voorjaar", "summer": "zomer", "autumn": "herfst", "winter": "winter"}

_PARTS: dict[str, str] = {
    "early": "early", "begin": "early", "beginning": "early", "start": "early", "eerste": "early",
    "mid": "mid", "middle": "mid", "half": "mid", "midden": "mid", "medio": "mid", "halverwege": "mid",
    "late": "late", "end": "late", "eind": "late", "einde": "late", "laat": "late", "eindje": "late",
}  # fmt: skip
_PART_EN = {"early": "early", "mid": "mid", "late": "late"}
_PART_NL = {"early": "begin", "mid": "half", "late": "eind"}
_PART_DAYS = {"early": (1, 10), "mid": (10, 20), "late": (20, 31)}
_PART_MONTHS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}

_AROUND = re.compile(
    r"^(?:around|about|approximately|approx\.?|roughly|circa|ca\.?|rond|rondom|omstreeks|ongeveer|zo rond)\s+"
)
_RELATIVE = re.compile(
    r"\b(after|before|ago|later|earlier|since|prior|following|when|until i|na|voor|geleden|later|eerder|sinds|"
    r"toen|nadat|voordat|eid|ramadan|ramadhan|christmas|kerst|kerstmis|easter|pasen|nowruz|newroz|"
    r"new year|nieuwjaar|week|weeks|weken|days|dagen|months|maanden|years|jaren|yesterday|gisteren|"
    r"today|vandaag|last|vorige|next|volgende)\b"
)
_FILLER = re.compile(r"\b(in|on|op|at|the|of|de|het|van|during|tijdens|om|uur|h|o'clock|year|jaar)\b")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|e|ste|de)\b")
_CLOCK = re.compile(r"\b(\d{1,2})(?:[:.hu](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_CLOCK_REQUIRED = re.compile(
    r"\b(\d{1,2})[:.hu](\d{2})\s*(am|pm|a\.m\.|p\.m\.)?$|\b(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)$"
)
_RANGE_PATTERNS = (
    re.compile(
        r"^(?:from|van|vanaf)\s+(?P<a>.+?)\s+(?:to|till|until|through|tot en met|tot|t/m|-)\s+(?P<b>.+)$"
    ),
    re.compile(r"^(?:between|tussen)\s+(?P<a>.+?)\s+(?:and|en|-)\s+(?P<b>.+)$"),
    re.compile(r"^(?P<a>.+?)\s+(?:to|till|until|through|tot en met|tot|t/m|-)\s+(?P<b>.+)$"),
    re.compile(r"^(?P<a>\d{1,2})-(?P<b>\d{1,2}\s+[a-z].*)$"),  # "3-10 may 2023"
    re.compile(r"^(?P<a>[a-z]+)-(?P<b>[a-z]+\s+\d{4})$"),  # "march-june 2022"
)


@dataclass(frozen=True, slots=True)
class _Span:
    start: date | datetime
    end: date | datetime  # inclusive
    granularity: Granularity
    en: str
    nl: str
    bounded: bool = False


_EXACT = (Granularity.DAY, Granularity.MINUTE)
_REVERSED = "the range ends before it starts"


class _NotUnderstood(Exception):
    """Internal: this part of the phrase is not a date we read."""


def _en_date(value: date) -> str:
    return f"{value.day} {_MONTH_EN[value.month]} {value.year}"


def _nl_date(value: date) -> str:
    return f"{value.day} {_MONTH_NL[value.month]} {value.year}"


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _month_number(token: str) -> int | None:
    return _MONTHS.get(token.rstrip("."))


def _require_year(year: int | None) -> int:
    if year is None:
        raise _NotUnderstood("no year")
    if not 1900 <= year <= 2100:
        raise _NotUnderstood(f"year {year} out of range")
    return year


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _NotUnderstood(f"no such date: {day}-{month}-{year}") from exc


def _split_clock(text: str) -> tuple[str, time | None]:
    """Split a trailing clock time ("14:30", "14.30", "2pm", "14u30") off a date text."""
    match = _CLOCK_REQUIRED.search(text)
    if not match:
        return text, None
    hour_text = match.group(1) or match.group(4)
    minute_text = match.group(2) or "0"
    suffix = (match.group(3) or match.group(5) or "").replace(".", "")
    hour, minute = int(hour_text), int(minute_text)
    if suffix == "pm" and hour < 12:
        hour += 12
    if suffix == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise _NotUnderstood("invalid clock time")
    remainder = text[: match.start()].strip()
    if not remainder:
        raise _NotUnderstood("a clock time needs a date")
    return remainder, time(hour, minute)


def _clean(text: str) -> str:
    text = text.casefold().strip()
    text = text.replace("–", "-").replace("—", "-").replace("‐", "-")
    text = re.sub(r"\s*,\s*", " ", text)
    text = _ORDINAL.sub(r"\1", text)
    text = re.sub(r"\b(mid|early|late|begin|eind|medio|midden|half)-", r"\1 ", text)
    return re.sub(r"\s+", " ", text).strip()


def _strip_filler(text: str) -> str:
    return re.sub(r"\s+", " ", _FILLER.sub(" ", text)).strip()


def _parse_single(text: str, *, default_year: int | None, default_month: int | None) -> _Span:
    """One date expression without range connectors."""
    text = text.strip()
    # Numeric forms first (they contain '-' and '.', so before filler stripping changes them).
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t](\d{1,2})[:.](\d{2})(?::\d{2})?)?", text)
    if iso:
        day = _make_date(int(iso[1]), int(iso[2]), int(iso[3]))
        clock = time(int(iso[4]), int(iso[5])) if iso[4] else None
        return _day_span(day, clock)
    text, clock = _split_clock(re.sub(r"\s+(?:uur|h|hrs|o'clock)$", "", text))
    text = _strip_filler(text)
    numeric = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    if numeric:
        return _day_span(_make_date(int(numeric[3]), int(numeric[2]), int(numeric[1])), clock)
    if clock is not None:
        words = text.split()
        day_month_year = _parse_day_words(words, default_year=default_year, default_month=default_month)
        if day_month_year is None:
            raise _NotUnderstood("a clock time needs a full date")
        return _day_span(day_month_year, clock)
    year_month = re.fullmatch(r"(\d{4})-(\d{1,2})|(\d{1,2})[-/](\d{4})", text)
    if year_month:
        year = int(year_month[1] or year_month[4])
        month = int(year_month[2] or year_month[3])
        if not 1 <= month <= 12:
            raise _NotUnderstood("invalid month")
        return _month_span(_require_year(year), month)
    words = text.split()
    if not words:
        raise _NotUnderstood("empty")
    day = _parse_day_words(words, default_year=default_year, default_month=default_month)  # type: ignore[assignment]
    if day is not None:
        return _day_span(day, None)
    # year
    if len(words) == 1 and re.fullmatch(r"\d{4}", words[0]):
        year = _require_year(int(words[0]))
        return _Span(date(year, 1, 1), date(year, 12, 31), Granularity.YEAR, str(year), str(year))
    # month [year]
    if len(words) in (1, 2) and _month_number(words[0]) is not None:
        year = int(words[1]) if len(words) == 2 and words[1].isdigit() else None
        if len(words) == 2 and year is None:
            raise _NotUnderstood("month followed by something other than a year")
        return _month_span(
            _require_year(year if year is not None else default_year), _month_number(words[0]) or 0
        )
    # part of month / year: "early march 2023", "begin maart", "eind 2023"
    if words[0] in _PARTS:
        part = _PARTS[words[0]]
        rest = words[1:]
        if rest and _month_number(rest[0]) is not None:
            month = _month_number(rest[0]) or 0
            if len(rest) == 2 and not rest[1].isdigit():
                raise _NotUnderstood("unexpected words")
            if len(rest) > 2:
                raise _NotUnderstood("unexpected words")
            year = _require_year(int(rest[1]) if len(rest) == 2 else default_year)
            first, last = _PART_DAYS[part]
            last = min(last, _last_day(year, month))
            return _Span(
                date(year, month, first),
                date(year, month, last),
                Granularity.PART_OF_MONTH,
                f"{_PART_EN[part]} {_MONTH_EN[month]} {year} ({first}–{last} {_MONTH_EN[month]})",
                f"{_PART_NL[part]} {_MONTH_NL[month]} {year} ({first}–{last} {_MONTH_NL[month]})",
            )
        if len(rest) == 1 and re.fullmatch(r"\d{4}", rest[0]):
            year = _require_year(int(rest[0]))
            first_month, last_month = _PART_MONTHS[part]
            return _Span(
                date(year, first_month, 1),
                date(year, last_month, _last_day(year, last_month)),
                Granularity.PART_OF_YEAR,
                f"{_PART_EN[part]} {year} ({_MONTH_EN[first_month]}–{_MONTH_EN[last_month]})",
                f"{_PART_NL[part]} {year} ({_MONTH_NL[first_month]}–{_MONTH_NL[last_month]})",
            )
        raise _NotUnderstood("part without month or year")
    # season [year] / winter 2022/2023
    if words[0] in _SEASONS:
        season = _SEASONS[words[0]]
        rest = words[1:]
        year: int | None  # type: ignore[no-redef]
        if not rest:
            year = default_year
        elif len(rest) == 1 and re.fullmatch(r"\d{4}", rest[0]):
            year = int(rest[0])
        elif len(rest) == 1 and season == "winter" and re.fullmatch(r"\d{4}[/-]\d{2,4}", rest[0]):
            first_text, second_text = re.split(r"[/-]", rest[0])
            year = int(first_text)
            second = int(second_text) if len(second_text) == 4 else int(first_text[:2] + second_text)
            if second != year + 1:
                raise _NotUnderstood("a winter spans two consecutive years")
        else:
            raise _NotUnderstood("season followed by something other than a year")
        year = _require_year(year)
        if season == "winter":
            return _Span(
                date(year, 12, 1),
                date(year + 1, 2, _last_day(year + 1, 2)),
                Granularity.SEASON,
                f"winter {year}/{year + 1} (1 December {year} – end of February {year + 1})",
                f"winter {year}/{year + 1} (1 december {year} – eind februari {year + 1})",
            )
        first_month, last_month = _SEASON_MONTHS[season]
        return _Span(
            date(year, first_month, 1),
            date(year, last_month, _last_day(year, last_month)),
            Granularity.SEASON,
            f"{season} {year} ({_MONTH_EN[first_month]}–{_MONTH_EN[last_month]})",
            f"{_SEASON_NL[season]} {year} ({_MONTH_NL[first_month]}–{_MONTH_NL[last_month]})",
        )
    raise _NotUnderstood("not a date")


def _parse_day_words(words: list[str], *, default_year: int | None, default_month: int | None) -> date | None:
    """'12 march 2023', 'march 12 2023', '12 maart', '12' (with defaults) -> date, or None if not a day."""
    if len(words) == 1 and re.fullmatch(r"\d{1,2}", words[0]) and default_month is not None:
        return _make_date(_require_year(default_year), default_month, int(words[0]))
    if len(words) in (2, 3):
        year_text = words[2] if len(words) == 3 else None
        if year_text is not None and not re.fullmatch(r"\d{4}", year_text):
            return None
        year = int(year_text) if year_text else default_year
        if re.fullmatch(r"\d{1,2}", words[0]) and _month_number(words[1]) is not None:
            return _make_date(_require_year(year), _month_number(words[1]) or 0, int(words[0]))
        if _month_number(words[0]) is not None and re.fullmatch(r"\d{1,2}", words[1]):
            return _make_date(_require_year(year), _month_number(words[0]) or 0, int(words[1]))
    return None


def _day_span(day: date, clock: time | None) -> _Span:
    if clock is None:
        return _Span(day, day, Granularity.DAY, _en_date(day), _nl_date(day))
    moment = datetime.combine(day, clock)
    return _Span(
        moment - CLOCK_TIME_TOLERANCE,
        moment + CLOCK_TIME_TOLERANCE,
        Granularity.MINUTE,
        f"{_en_date(day)} at {clock:%H:%M} (± 30 minutes)",
        f"{_nl_date(day)} om {clock:%H:%M} (± 30 minuten)",
    )


def _month_span(year: int, month: int) -> _Span:
    if not 1 <= month <= 12:
        raise _NotUnderstood("invalid month")
    return _Span(
        date(year, month, 1),
        date(year, month, _last_day(year, month)),
        Granularity.MONTH,
        f"{_MONTH_EN[month]} {year}",
        f"{_MONTH_NL[month]} {year}",
    )


def _defaults_from(span: _Span) -> tuple[int, int | None]:
    end = span.end if not isinstance(span.end, datetime) else span.end.date()
    month = (
        end.month if span.granularity in (Granularity.DAY, Granularity.MINUTE, Granularity.MONTH) else None
    )
    return end.year, month


def _as_datetime(value: date | datetime, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value + timedelta(days=1) if end else value, time.min)


def _parse_range(first_text: str, second_text: str, reference_year: int | None) -> _Span:
    second = _parse_single(second_text, default_year=reference_year, default_month=None)
    default_year, default_month = _defaults_from(second)
    first = _parse_single(first_text, default_year=default_year, default_month=default_month)
    year_was_given = bool(re.search(r"\d{4}", first_text))
    first_month = first.start.month
    second_month = second.end.month
    wraps_new_year = first_month > second_month  # "from December to February 2023"
    if (
        _as_datetime(first.start, end=False) > _as_datetime(second.end, end=True)
        and not year_was_given
        and wraps_new_year
    ):
        first = _parse_single(first_text, default_year=default_year - 1, default_month=default_month)
    if _as_datetime(first.start, end=False) >= _as_datetime(second.end, end=True):
        raise _NotUnderstood(_REVERSED)
    return _Span(
        first.start,
        second.end,
        Granularity.RANGE,
        f"from {first.en} to {second.en} (both included)",
        f"van {first.nl} tot en met {second.nl}",
        bounded=first.granularity in _EXACT and second.granularity in _EXACT,
    )


def _widen(span: _Span) -> _Span:
    if span.granularity is Granularity.MINUTE:
        # Widen around the stated clock time itself, not around its ± 30 minute window.
        width = AROUND_CLOCK_TIME - CLOCK_TIME_TOLERANCE
        en, nl = "2 hours", "2 uur"
    elif span.granularity is Granularity.DAY:
        width = AROUND_DAY
        en, nl = "3 days", "3 dagen"
    else:
        width = AROUND_LONGER
        en, nl = "15 days", "15 dagen"
    start = span.start - width
    end = span.end + width
    return _Span(
        start,
        end,
        span.granularity,
        f"around {span.en}: ± {en}, {_describe_en(start, end)}",
        f"rond {span.nl}: ± {nl}, {_describe_nl(start, end)}",
    )


def _describe_en(start: date | datetime, end: date | datetime) -> str:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return f"{_en_date(start.date())} {start:%H:%M} – {_en_date(end.date())} {end:%H:%M}"
    return f"{_en_date(start)} – {_en_date(end)}"


def _describe_nl(start: date | datetime, end: date | datetime) -> str:
    if isinstance(start, datetime) and isinstance(end, datetime):
        return f"{_nl_date(start.date())} {start:%H:%M} – {_nl_date(end.date())} {end:%H:%M}"
    return f"{_nl_date(start)} – {_nl_date(end)}"


def parse_time_phrase(text: str, *, reference_year: int | None = None) -> TimePhraseResult:
    """Parse a Dutch or English time phrase (see module docstring for what each form means).

    ``reference_year`` fills in a missing year ("10 May", "summer"); without it such phrases are out
    of scope. Never raises for phrases it does not understand: returns ``OutOfScopePhrase``.
    """
    original = text
    cleaned = _clean(text)
    if not cleaned:
        return OutOfScopePhrase(original, "No time was given.", "Er is geen tijd opgegeven.", "empty")
    if _RELATIVE.search(cleaned):
        return OutOfScopePhrase(
            original,
            "Relative times (after or before an event, 'a few weeks later', a holiday) are out of scope: "
            "enter the dates they stand for, e.g. a month or a range, and note the original phrase.",
            "Relatieve tijden (na of voor een gebeurtenis, 'een paar weken later', een feestdag) vallen "
            "buiten het bereik: voer de data in waar ze voor staan, bijv. een maand of een periode, en "
            "noteer de oorspronkelijke omschrijving.",
            "relative",
        )
    approximate = False
    around = _AROUND.match(cleaned)
    if around:
        approximate = True
        cleaned = cleaned[around.end() :].strip()
    reversed_range = False
    try:
        span: _Span | None = None
        for pattern in _RANGE_PATTERNS:
            match = pattern.match(cleaned)
            if match:
                try:
                    span = _parse_range(match["a"], match["b"], reference_year)
                    break
                except _NotUnderstood as exc:
                    reversed_range = reversed_range or str(exc) == _REVERSED
                    continue
        if span is None:
            span = _parse_single(cleaned, default_year=reference_year, default_month=None)
        if approximate:
            span = _widen(span)
    except _NotUnderstood as exc:
        if reversed_range:
            return OutOfScopePhrase(
                original,
                "The period ends before it starts: check the order of the dates (e.g. 'from 3 to 17 March 2023').",
                "De periode eindigt voordat die begint: controleer de volgorde van de data (bijv. 'van 3 tot 17 "
                "maart 2023').",
                "range_reversed",
            )
        if str(exc) == "no year":
            return OutOfScopePhrase(
                original,
                "No year was given: add the year (e.g. 'March 2023'), or set the reference year of the account.",
                "Er is geen jaar opgegeven: voeg het jaar toe (bijv. 'maart 2023'), of stel het referentiejaar "
                "van het relaas in.",
                "no_year",
            )
        return OutOfScopePhrase(
            original,
            f"Not understood as a date, month, season, year or range ({exc}). Examples: '12 March 2023', "
            "'March 2023', 'spring 2022', 'from 3 to 10 May 2023', 'around 10 May 2023', 'late March 2023'.",
            f"Niet begrepen als datum, maand, seizoen, jaar of periode ({exc}). Voorbeelden: '12 maart 2023', "
            "'maart 2023', 'voorjaar 2022', 'van 3 tot 10 mei 2023', 'rond 10 mei 2023', 'eind maart 2023'.",
        )
    return TimeInterval(
        earliest_local=span.start,
        latest_local=span.end,
        granularity=span.granularity,
        understood_en=span.en,
        understood_nl=span.nl,
        approximate=approximate,
        text=original,
        bounded=span.bounded and not approximate,
    )


def interval_from_utc(start_utc: datetime, end_utc: datetime, zone: str, *, text: str = "") -> TimeInterval:
    """An interval given directly as UTC instants (e.g. from the API), expressed in local time of ``zone``."""
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise MatchingError("interval_from_utc needs timezone-aware datetimes")
    tz = ZoneInfo(zone)
    start = start_utc.astimezone(tz).replace(tzinfo=None)
    end = end_utc.astimezone(tz).replace(tzinfo=None)
    return TimeInterval(
        start,
        end,
        Granularity.MINUTE,
        f"{_describe_en(start, end)} (local time, {zone})",
        f"{_describe_nl(start, end)} (lokale tijd, {zone})",
        text=text,
        bounded=True,
    )
