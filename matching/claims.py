"""A claim from the applicant's account, as entered by a caseworker and confirmed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from matching.errors import InvalidClaimError
from matching.places import Place
from matching.time_phrases import TimeInterval
from matching.zones import place_zone


class ClaimKind(enum.StrEnum):
    """What the applicant says happened at the place.

    ``stayed`` with a period means being there for the whole period; every other kind means being
    there at some moment within the period.
    """

    STAYED = "stayed"
    PASSED_THROUGH = "passed_through"
    CROSSED_BORDER = "crossed_border"
    DEPARTED = "departed"
    ARRIVED = "arrived"


@dataclass(frozen=True, slots=True)
class Claim:
    """One claimed event: kind, the resolved place, and the time as an interval local to the place.

    ``place_text``/``time.text`` keep what the applicant said. For ``crossed_border`` the place is
    the crossing (or the country entered) and ``from_country``/``to_country`` are ISO 3166-1 alpha-2.
    ``timezone`` overrides the zone the dates are read in (default: the place's zone).
    """

    id: str
    kind: ClaimKind
    place: Place
    time: TimeInterval
    from_country: str | None = None
    to_country: str | None = None
    place_text: str = ""
    timezone: str | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidClaimError("a claim needs an id")
        if self.kind is ClaimKind.CROSSED_BORDER:
            if not self.from_country or not self.to_country:
                raise InvalidClaimError(f"claim {self.id}: crossed_border needs from_country and to_country")
            if self.from_country.upper() == self.to_country.upper():
                raise InvalidClaimError(f"claim {self.id}: from_country and to_country are the same")
        elif self.from_country or self.to_country:
            raise InvalidClaimError(f"claim {self.id}: from/to countries only apply to crossed_border")

    @property
    def zone(self) -> str:
        """IANA zone the claimed dates are read in."""
        return self.timezone or place_zone(self.place)

    def interval_utc(self) -> tuple[datetime, datetime]:
        """(start, end) of the claimed time in UTC; end exclusive."""
        return self.time.to_utc(self.zone)
