"""A claim from the applicant's account, as entered by a caseworker and confirmed."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from matching.errors import InvalidClaimError
from matching.places import Place
from matching.time_phrases import OutOfScopePhrase, TimeInterval
from matching.zones import place_zone


class ClaimKind(enum.StrEnum):
    """What the applicant says happened at the place.

    ``stayed`` with a *bounded* period (both ends stated) means being there for the whole period; a
    stay with a vague period (a month, a season, "around ...") and every other kind mean being there
    at some moment within the period (LEGAL 18).
    """

    STAYED = "stayed"
    PASSED_THROUGH = "passed_through"
    CROSSED_BORDER = "crossed_border"
    DEPARTED = "departed"
    ARRIVED = "arrived"


def _invalid(claim_id: str, field: str, en: str, nl: str) -> InvalidClaimError:
    return InvalidClaimError(
        f"claim {claim_id}: {en}", field=field, message_nl=f"verklaring {claim_id}: {nl}"
    )


def check_countries(
    kind: ClaimKind | str, from_country: str | None, to_country: str | None, *, claim_id: str = "new"
) -> None:
    """Refuse a kind / countries combination that cannot be judged (InvalidClaimError naming the field).

    A border crossing needs both countries as ISO 3166-1 alpha-2 codes, and two different ones; the
    other kinds take no countries. Used when a claim is entered (the API answers 422) and by ``Claim``.
    """
    try:
        kind = ClaimKind(kind)
    except ValueError:
        raise _invalid(claim_id, "kind", f"unknown kind {kind!r}", f"onbekende soort {kind!r}") from None
    if kind is ClaimKind.CROSSED_BORDER:
        for field, value in (("from_country", from_country), ("to_country", to_country)):
            if not value:
                raise _invalid(
                    claim_id,
                    field,
                    f"a border crossing needs {field} (the country left / entered)",
                    f"een grensoversteek heeft {field} nodig (het land verlaten / binnengekomen)",
                )
            if len(value) != 2 or not value.isascii() or not value.isalpha():
                raise _invalid(
                    claim_id,
                    field,
                    f"{field} must be a two-letter ISO country code, not {value!r}",
                    f"{field} moet een landcode van twee letters zijn (ISO), niet {value!r}",
                )
        if (from_country or "").upper() == (to_country or "").upper():
            raise _invalid(
                claim_id,
                "to_country",
                "from_country and to_country are the same: a border crossing joins two countries",
                "from_country en to_country zijn gelijk: een grensoversteek gaat tussen twee landen",
            )
        return
    for field, value in (("from_country", from_country), ("to_country", to_country)):
        if value:
            raise _invalid(
                claim_id,
                field,
                f"{field} only applies to crossed_border, not to {kind.value}",
                f"{field} geldt alleen voor crossed_border, niet voor {kind.value}",
            )


def check_claim_entry(
    kind: ClaimKind | str,
    from_country: str | None,
    to_country: str | None,
    time: TimeInterval | OutOfScopePhrase | None = None,
) -> None:
    """Refuse a claim being entered whose fields cannot form a claim (InvalidClaimError naming the field):
    the kind and countries (``check_countries``) and a period that ends before it starts. A time phrase
    that is merely not understood (relative, no year) is accepted: its finding will be *not judged*."""
    check_countries(kind, from_country, to_country)
    if isinstance(time, OutOfScopePhrase) and time.code == "range_reversed":
        raise InvalidClaimError(
            f"time_text: {time.reason_en}", field="time_text", message_nl=f"time_text: {time.reason_nl}"
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """One claimed event: kind, the resolved place, and the time as an interval local to the place.

    ``place_text``/``time.text`` keep what the applicant said. For ``crossed_border`` the place is
    the crossing (or the country entered) and ``from_country``/``to_country`` are ISO 3166-1 alpha-2;
    the claim is judged at the border between them. ``timezone`` overrides the zone the dates are read
    in (default: the place's zone).

    ``candidates``: other plausible places the place text may mean (the gazetteer's alternatives);
    ``place_confirmed``: the caseworker confirmed ``place``. While it is not confirmed, a finding
    against the applicant needs the claim to fail for ``place`` and every candidate (LEGAL 20).

    Raises InvalidClaimError (naming the field) for combinations that cannot be judged.
    """

    id: str
    kind: ClaimKind
    place: Place
    time: TimeInterval
    from_country: str | None = None
    to_country: str | None = None
    place_text: str = ""
    timezone: str | None = None
    candidates: tuple[Place, ...] = ()
    place_confirmed: bool = True

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidClaimError(
                "a claim needs an id", field="id", message_nl="een verklaring heeft een id nodig"
            )
        if not isinstance(self.kind, ClaimKind):
            raise _invalid(self.id, "kind", f"unknown kind {self.kind!r}", f"onbekende soort {self.kind!r}")
        if self.time.start_local > self.time.end_local_exclusive:
            raise _invalid(
                self.id, "time", "the period ends before it starts", "de periode eindigt voordat die begint"
            )
        check_countries(self.kind, self.from_country, self.to_country, claim_id=self.id)

    @property
    def zone(self) -> str:
        """IANA zone the claimed dates are read in."""
        return self.timezone or place_zone(self.place)

    @property
    def strict(self) -> bool:
        """Whether the claim asserts presence for the whole period: a stay with both ends stated."""
        return self.kind is ClaimKind.STAYED and self.time.bounded

    def interval_utc(self) -> tuple[datetime, datetime]:
        """(start, end) of the claimed time in UTC; end exclusive."""
        return self.time.to_utc(self.zone)
