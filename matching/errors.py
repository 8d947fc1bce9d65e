"""Exception root of the matching package."""

from __future__ import annotations


class MatchingError(Exception):
    """Root of every error raised by ``matching``."""


class GazetteerError(MatchingError):
    """The gazetteer index is missing, unreadable or could not be built."""


class PlaceNotFoundError(MatchingError):
    """A place text could not be resolved to any candidate."""


class CoordinateParseError(MatchingError):
    """A coordinate text looked like coordinates but could not be read."""


class InvalidClaimError(MatchingError):
    """A claim is internally inconsistent (e.g. crossed_border without countries).

    ``field`` names the claim field that is wrong (``from_country``, ``to_country``, ``time``, ...);
    ``message_en``/``message_nl`` say what was wrong and what to do, for the person entering it.
    """

    def __init__(self, message_en: str, *, field: str = "", message_nl: str = "") -> None:
        super().__init__(message_en)
        self.field = field
        self.message_en = message_en
        self.message_nl = message_nl or message_en


class PointTableError(MatchingError):
    """Points handed to the matcher are malformed (unsorted times, mismatched lengths)."""


class GeographyUnavailableError(MatchingError):
    """Country geometry (routing.geography) is needed for a country place but is not available."""
