"""What a place lookup returns: ranked candidates with the reasons for their rank, and an ambiguity flag.

The gazetteer never decides which place the applicant meant: it ranks candidates and says why, and it
says "ambiguous" when candidates that score almost alike lie far apart, so the caseworker confirms one.

**Score** of a candidate = the name match (0–100) + bonuses, each kept as a ``ScorePart`` so the screen
can show them:

- name match: the place's main name (or a reviewed curated name) spelled the same after
  normalisation 100, one of its GeoNames alternate names 97 (93 for an alternate written all in
  lower case: in GeoNames those are mostly machine transliterations; 93 too for a code, 2–4 capital
  letters such as "LON" or "SYD": GeoNames lists airport codes among alternate names); the same
  spelling family (``matching.names.fold_name``) 70 + 22 × the rapidfuzz ratio of the two spellings
  without qualifiers, doubled letters once and a final h dropped (``ascii_key``: "Raqa" and "Raqqah"
  score as the same letters) (so 92 for the same letters, −2 for an alternate name, +2 / −2 for a
  matching / differing qualifier such as "Bad", "Skala", "Nea", −1 when only one side has one, −4 when
  only the place's name has one and it is a word for the kind of place: "Mytilene island", a name of
  Lesbos, is a worse fit for "Mytileni" than the town Mytilene); a similar spelling (rapidfuzz ratio of
  the folds ≥ 80, same first letter) 0.88 × ratio. A code is never a spelling: it meets only exactly;
- generic words (``matching.names.strip_generic_words``): a name found only once the words for the
  kind of place at the start or end of the text are left out ("Calais" for "Calais jungle") −1, so
  a place named with those words exactly still comes first; a candidate of the kind those words name
  (a curated camp for "kamp", an island for "jazirat", a crossing for "grens", a country for
  "land", a GeoNames town or village for "stad", "şehir", "port", "liman": "Chios stad" is the town, not
  the island) +6, as much as a reviewed route place: the applicant said what kind of place it is;
- importance: population ``2 × (log10(population) − 3)``, 0–8; a country's capital +3; a curated
  island, camp, border crossing or region +6; a country +6;
- the region of the usual routes to Europe (Europe, Africa, the Middle East, Iran, Afghanistan,
  Pakistan, Bangladesh) +4 — a fixed, documented prior, the same for every case;
- the country the applicant named ("Saray, Turkey", or the claim's country field) +20.

**The phone's route is never part of the score.** Given the route's countries and/or positions, each
candidate reports its distance to them, and a candidate near the route that scores within
``ROUTE_FLAG_MARGIN`` of a best candidate far from it makes the result ambiguous — the route can only
raise a question for the caseworker, never silently pick the place it would then be compared with.

**Ambiguous** when another candidate within ``AMBIGUITY_MARGIN`` points of the best lies more than
``AMBIGUITY_DISTANCE_KM`` from it (gap between their extents; a point inside a country's outline is at
0 km from that country), or because of the route as above, or in two cases where the name itself is weak evidence:

- *a village near a larger name*: the best is a village (population under ``VILLAGE_POPULATION``,
  not a curated route place), however its name was met, and a more important candidate (more
  importance points: population, capital, curated route place, country, route region) more than
  ``AMBIGUITY_DISTANCE_KM`` away scores within ``SPELLING_AMBIGUITY_MARGIN`` of it. GeoNames holds
  ~200,000 villages, so one named or spelled nearly like any text is likely by chance, and between
  two such matches a few name points are a judgement of how alike two spellings look, not evidence
  about the place; 8 points is the whole range of the population points, so within it the larger
  place may rank lower only because of that judgement. Examples: the Arabic "Rihaniyya" is nearer in
  letters to a village in Israel than to the GeoNames spellings of the Turkish town Reyhanlı, 366 km
  away; the Dutch misspelling "Weenen" (for Wenen, Vienna) is the exact name of a town of 8,000 in
  South Africa.
- *weak match*: the best is a village met only by a similar spelling (no name of its spelling family),
  the weakest evidence the gazetteer has; the caseworker confirms it even without a close rival. Also
  when it is the only candidate.
- *similar only*: the best (not a village, not curated) is met only by a similar spelling and a place
  more than ``AMBIGUITY_DISTANCE_KM`` away scores within ``SPELLING_AMBIGUITY_MARGIN`` ("Harem Syria"
  read whole met the city Khorramshahr so).
- *parts disagree* (``matching.gazetteer``; not when the later part only qualifies the place, see
  ``QUALIFIED_BY_NEXT_PART`` there): a two-name text found by one part only while the other part
  names a place more than ``AMBIGUITY_DISTANCE_KM`` away ("Halab al-Shahba": Aleppo or Shahba).
- *a small exact name near a much larger spelling*: the best is a small place (under
  ``SMALL_PLACE_POPULATION`` = 50,000, not curated, not a country) whose name the text matches exactly,
  and a place met by a spelling (its family or a similar one) that is at least ``MUCH_LARGER_FACTOR``
  = 10 times as large and of at least ``MUCH_LARGER_POPULATION`` = 100,000 people, more than 50 km
  away, whose own name is spelt nearly alike (rapidfuzz ratio ≥ 80 of the two ``ascii_key``
  transliterations) and that scores within ``MUCH_LARGER_MARGIN`` = 20 points. An applicant names a
  large place far more often than a small one, and a one-letter slip of a large place's name is
  often the exact name of some small place: "Homps" (Homs) is a French village, "Irbit" (Irbid, 569,000)
  a Russian town of 42,000. The population points alone (at most 8) cannot outweigh an exact name (up
  to 30 points above a similar spelling), so the gazetteer does not choose: it asks. The near-spelling
  test keeps out large places the fuzzy search meets through some far-fetched alternate name
  ("Kanjiza" → Kinshasa).
  For a hamlet (under ``HAMLET_POPULATION`` = 2,000) the larger place need only have
  ``HAMLET_RIVAL_POPULATION`` = 20,000 people (and 10 times as many), and its matched name may be the one
  spelt nearly alike ("Rihaniya": a hamlet in Israel named so, and Reyhanlı, GeoNames "Rayhaniyah").

- *a more important namesake far away* (``same_name_far``): another place of the same kind whose own name is
  the best's own name in the same letters (``ascii_key``: two towns called Hyderabad, one in India and one
  in Pakistan) lies more than ``AMBIGUITY_DISTANCE_KM`` away, scores within ``SPELLING_AMBIGUITY_MARGIN`` and
  has more importance points (population, capital, route region), and the best is not ahead by lying in the
  country the applicant named ("Trablus Lubnan"): the best is ahead only by how the text met
  its name, and between namesakes that says which spelling looked closer, not which one the applicant meant
  ("Haiderabad Sindh" is an alternate name of the Indian city and a spelling of the Pakistani one, whose
  province the text names).

A town or city is rarely a chance match, so the village rules do not apply to one; the last rule
applies to towns under 50,000 only when the larger place is spelt nearly alike.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

import catalogue
from matching.names import ascii_key
from matching.places import Place, PlaceKind
from routing.geodesy import haversine_m

AMBIGUITY_MARGIN = 3.0
SPELLING_AMBIGUITY_MARGIN = 8.0
VILLAGE_POPULATION = 10_000
AMBIGUITY_DISTANCE_KM = 50.0
ROUTE_FLAG_MARGIN = 15.0
ROUTE_NEAR_KM = 50.0
SMALL_PLACE_POPULATION = 50_000
MUCH_LARGER_FACTOR = 10.0
MUCH_LARGER_POPULATION = 100_000
MUCH_LARGER_MARGIN = 20.0
NEAR_SPELLING_RATIO = 80.0
#: A hamlet named exactly so (under 2,000 people) is weaker still: a town of at least 20,000 (and 10 times as
#: many people) whose matched name is spelt nearly alike makes the result ambiguous ("Rihaniya": a hamlet in
#: Israel, and Reyhanlı, whose GeoNames name "Rayhaniyah" the text spells nearly).
HAMLET_POPULATION = 2_000
HAMLET_RIVAL_POPULATION = 20_000


class MatchKind(enum.StrEnum):
    """How the text met the candidate's name."""

    EXACT_NAME = "exact_name"
    EXACT_ALTERNATE = "exact_alternate"
    SPELLING_FAMILY = "spelling_family"
    SIMILAR = "similar"
    COORDINATES = "coordinates"


class ScoreReason(enum.StrEnum):
    """One component of a candidate's score (see module docstring)."""

    NAME_EXACT = "name_exact"
    ALTERNATE_NAME_EXACT = "alternate_name_exact"
    SPELLING_FAMILY = "spelling_family"
    SIMILAR_SPELLING = "similar_spelling"
    QUALIFIER_MATCHES = "qualifier_matches"
    QUALIFIER_DIFFERS = "qualifier_differs"
    POPULATION = "population"
    CAPITAL = "capital"
    CURATED_ROUTE_PLACE = "curated_route_place"
    COUNTRY = "country"
    ROUTE_REGION = "route_region"
    CLAIMED_COUNTRY = "claimed_country"
    GENERIC_WORD_DROPPED = "generic_word_dropped"
    KIND_NAMED = "kind_named"
    PART_OF_TEXT = "part_of_text"
    BOTH_PARTS = "both_parts"
    QUALIFIED_BY_NEXT_PART = "qualified_by_next_part"
    LANDMARK_PART = "landmark_part"
    CROSSING_SIDE = "crossing_side"
    SAME_CONSONANTS = "same_consonants"
    SHORT_FORM = "short_form"
    INITIALS = "initials"
    COORDINATES = "coordinates"


class AmbiguityReason(enum.StrEnum):
    FAR_APART = "far_apart"
    ROUTE_NEAR_OTHER = "route_near_other"
    SPELLING_NEAR_LARGER = "spelling_near_larger"
    SPELLING_NEAR_MUCH_LARGER = "spelling_near_much_larger"
    WEAK_MATCH = "weak_match"
    PARTS_DISAGREE = "parts_disagree"
    CROSSING_AND_TOWN = "crossing_and_town"
    SIMILAR_ONLY = "similar_only"
    CONSONANTS_ONLY = "consonants_only"
    SAME_NAME_FAR = "same_name_far"
    OUTSIDE_NAMED_COUNTRY = "outside_named_country"


def reason_text(code: str, language: str = "en") -> str:
    """The words for a score or ambiguity reason, from the catalogue (group ``place_reason``)."""
    return catalogue.label("place_reason", code, "nl" if language == "nl" else "en")


@dataclass(frozen=True, slots=True)
class ScorePart:
    reason: ScoreReason
    points: float


@dataclass(frozen=True, slots=True)
class PlaceCandidate:
    """One ranked candidate. ``score`` is the sum of ``parts``; ``place.score`` is the name match alone.

    ``distance_to_route_km``: gap between the place's extent and the nearest route position given
    (None when no positions were given); ``in_route_country`` / ``distance_to_route_countries_km``:
    the same against the route's countries (None when none were given or the outlines are not
    available). Reported only — never part of ``score``.
    """

    place: Place
    score: float
    match: MatchKind
    parts: tuple[ScorePart, ...]
    distance_to_route_km: float | None = None
    in_route_country: bool | None = None
    distance_to_route_countries_km: float | None = None

    def reasons(self, language: str = "en") -> list[str]:
        return [f"{reason_text(part.reason, language)} ({part.points:+.1f})" for part in self.parts]

    def to_dict(self, place_dict: dict[str, Any]) -> dict[str, Any]:
        """JSON form; ``place_dict`` is the caller's serialisation of ``place``."""
        return {
            "place": place_dict,
            "score": round(self.score, 2),
            "match": self.match.value,
            "kind": self.place.kind.value,
            "country": self.place.country_iso2,
            "parts": [{"reason": part.reason.value, "points": round(part.points, 2)} for part in self.parts],
            "reasons_en": self.reasons("en"),
            "reasons_nl": self.reasons("nl"),
            "distance_to_route_km": _round(self.distance_to_route_km),
            "in_route_country": self.in_route_country,
            "distance_to_route_countries_km": _round(self.distance_to_route_countries_km),
        }


@dataclass(frozen=True, slots=True)
class PlaceResolution:
    """The answer to one lookup: candidates best first, and whether the caseworker must choose.

    ``best`` is the top candidate (None if nothing plausible); when ``ambiguous`` it is only the
    first of ``ambiguous_ids`` and must not be used as if it were confirmed.
    """

    text: str
    candidates: tuple[PlaceCandidate, ...]
    ambiguous: bool = False
    ambiguity_reasons: tuple[AmbiguityReason, ...] = ()
    ambiguous_ids: tuple[str, ...] = ()
    claimed_country: str | None = None
    route_countries: tuple[str, ...] = field(default=())

    @property
    def best(self) -> PlaceCandidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def places(self) -> list[Place]:
        return [candidate.place for candidate in self.candidates]

    def explanation(self, language: str = "en") -> list[str]:
        return [reason_text(reason, language) for reason in self.ambiguity_reasons]

    def to_dict(self, place_dict: Any) -> dict[str, Any]:  # noqa: ANN401 - a Place -> dict callable
        best = self.best
        return {
            "text": self.text,
            "ambiguous": self.ambiguous,
            "ambiguity_reasons": [reason.value for reason in self.ambiguity_reasons],
            "ambiguity_en": self.explanation("en"),
            "ambiguity_nl": self.explanation("nl"),
            "ambiguous_ids": list(self.ambiguous_ids),
            "claimed_country": self.claimed_country,
            "route_countries": list(self.route_countries),
            "best": best.to_dict(place_dict(best.place)) if best else None,
            "candidates": [candidate.to_dict(place_dict(candidate.place)) for candidate in self.candidates],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS84 points (degrees); ``routing.geodesy``'s sphere."""
    return float(haversine_m(lat1, lon1, lat2, lon2)) / 1000.0


def _distance_to_bbox_km(place: Place, lat: float, lon: float) -> float:
    box = place.bbox
    if box is None:
        return haversine_km(place.lat, place.lon, lat, lon)
    nearest_lat = min(max(lat, box.min_lat), box.max_lat)
    nearest_lon = min(max(lon, box.min_lon), box.max_lon)
    return haversine_km(nearest_lat, nearest_lon, lat, lon)


def gap_km(first: Place, second: Place) -> float:
    """Distance between two places' extents in km (0 if they overlap; a country by its outline box)."""
    if first.id == second.id:
        return 0.0
    if first.kind is PlaceKind.COUNTRY and second.kind is PlaceKind.COUNTRY:
        return 0.0 if first.country_iso2 == second.country_iso2 else math.inf
    if first.kind is PlaceKind.COUNTRY:
        first, second = second, first
    if second.kind is PlaceKind.COUNTRY:
        return max(
            0.0, _distance_to_bbox_km(second, first.lat, first.lon) - (first.extent_radius_m or 0) / 1000
        )
    centre = haversine_km(first.lat, first.lon, second.lat, second.lon)
    return max(0.0, centre - ((first.extent_radius_m or 0) + (second.extent_radius_m or 0)) / 1000)


def distance_to_points_km(place: Place, route_points: Sequence[tuple[float, float]]) -> float | None:
    """Gap in km between the place's extent and the nearest of ``route_points`` (lat, lon degrees)."""
    if not route_points:
        return None
    if place.kind is PlaceKind.COUNTRY:
        return min(_distance_to_bbox_km(place, lat, lon) for lat, lon in route_points)
    radius_km = (place.extent_radius_m or 0) / 1000
    return max(
        0.0, min(haversine_km(place.lat, place.lon, lat, lon) for lat, lon in route_points) - radius_km
    )


def decide_ambiguity(
    candidates: Sequence[PlaceCandidate],
) -> tuple[bool, tuple[AmbiguityReason, ...], tuple[str, ...]]:
    """(ambiguous, reasons, ids of the candidates the caseworker must choose between)."""
    if not candidates:
        return False, (), ()
    best = candidates[0]
    if len(candidates) == 1:  # a lone weak match is still weak ("Assos Behramkale" → a French village)
        if best.match is MatchKind.SIMILAR and _is_village(best):
            return True, (AmbiguityReason.WEAK_MATCH,), (best.place.id,)
        return False, (), ()
    reasons: list[AmbiguityReason] = []
    rivals: list[PlaceCandidate] = []
    for other in candidates[1:]:
        if (
            best.score - other.score <= AMBIGUITY_MARGIN
            and gap_km(best.place, other.place) > AMBIGUITY_DISTANCE_KM
        ):
            rivals.append(other)
    if rivals:
        reasons.append(AmbiguityReason.FAR_APART)

    def flag(reason: AmbiguityReason, rival: Callable[[PlaceCandidate], bool]) -> None:
        """Every further candidate not yet a rival that ``rival`` admits becomes one, flagged by ``reason``."""
        for other in candidates[1:]:
            if other not in rivals and rival(other):
                rivals.append(other)
                if reason not in reasons:
                    reasons.append(reason)

    best_importance = importance_points(best)
    if _is_village(best):
        flag(
            AmbiguityReason.SPELLING_NEAR_LARGER,
            lambda other: (
                best.score - other.score <= SPELLING_AMBIGUITY_MARGIN
                and importance_points(other) > best_importance
                and gap_km(best.place, other.place) > AMBIGUITY_DISTANCE_KM
            ),
        )
    if _is_small_exact(best):
        hamlet = (best.place.population or 0) < HAMLET_POPULATION
        floor = max(
            MUCH_LARGER_FACTOR * (best.place.population or 0),
            HAMLET_RIVAL_POPULATION if hamlet else MUCH_LARGER_POPULATION,
        )
        said = best.place.matched_name or best.place.name
        flag(
            AmbiguityReason.SPELLING_NEAR_MUCH_LARGER,
            lambda other: (
                other.match in _INEXACT_MATCHES
                and (other.place.population or 0) >= floor
                and (
                    near_spelling(said, other.place.name)
                    or (hamlet and near_spelling(said, other.place.matched_name or other.place.name))
                )
                and best.score - other.score <= MUCH_LARGER_MARGIN
                and gap_km(best.place, other.place) > AMBIGUITY_DISTANCE_KM
            ),
        )
    if best.match is MatchKind.SIMILAR and not _is_village(best) and not _is_curated(best):
        flag(
            AmbiguityReason.SIMILAR_ONLY,
            lambda other: (
                best.score - other.score <= SPELLING_AMBIGUITY_MARGIN
                and gap_km(best.place, other.place) > AMBIGUITY_DISTANCE_KM
            ),
        )
    best_name = ascii_key(best.place.name)
    best_claimed = _claimed(best)
    flag(
        AmbiguityReason.SAME_NAME_FAR,
        lambda other: (
            best.score - other.score <= SPELLING_AMBIGUITY_MARGIN
            and importance_points(other) > best_importance
            and _claimed(other) >= best_claimed
            and _kind_group(other.place.kind) is _kind_group(best.place.kind)
            and ascii_key(other.place.name) == best_name
            and gap_km(best.place, other.place) > AMBIGUITY_DISTANCE_KM
        ),
    )
    weak = best.match is MatchKind.SIMILAR and _is_village(best)
    if weak:
        reasons.append(AmbiguityReason.WEAK_MATCH)
    best_far = _far_from_route(best)
    if best_far:
        for other in candidates[1:]:
            if best.score - other.score <= ROUTE_FLAG_MARGIN and _near_route(other):
                if other not in rivals:
                    rivals.append(other)
                if AmbiguityReason.ROUTE_NEAR_OTHER not in reasons:
                    reasons.append(AmbiguityReason.ROUTE_NEAR_OTHER)
    if not rivals and not weak:
        return False, (), ()
    return True, tuple(reasons), (best.place.id, *(other.place.id for other in rivals))


_INEXACT_MATCHES = frozenset({MatchKind.SPELLING_FAMILY, MatchKind.SIMILAR})
_IMPORTANCE_REASONS = frozenset(
    {
        ScoreReason.POPULATION,
        ScoreReason.CAPITAL,
        ScoreReason.CURATED_ROUTE_PLACE,
        ScoreReason.COUNTRY,
        ScoreReason.ROUTE_REGION,
    }
)


def _is_village(candidate: PlaceCandidate) -> bool:
    place = candidate.place
    return (
        place.kind in (PlaceKind.CITY, PlaceKind.VILLAGE)
        and (place.population or 0) < VILLAGE_POPULATION
        and not any(part.reason is ScoreReason.CURATED_ROUTE_PLACE for part in candidate.parts)
    )


def _claimed(candidate: PlaceCandidate) -> bool:
    """The candidate lies in the country the applicant named (its score has the claimed-country points)."""
    return any(part.reason is ScoreReason.CLAIMED_COUNTRY for part in candidate.parts)


def _kind_group(kind: PlaceKind) -> PlaceKind:
    """A village and a town are the same kind of place for the namesake rule (GeoNames' size bands)."""
    return PlaceKind.CITY if kind is PlaceKind.VILLAGE else kind


def _is_curated(candidate: PlaceCandidate) -> bool:
    return any(part.reason is ScoreReason.CURATED_ROUTE_PLACE for part in candidate.parts)


def near_spelling(said: str, name: str) -> bool:
    """Two names spelt nearly alike: rapidfuzz ratio ≥ ``NEAR_SPELLING_RATIO`` of their transliterations."""
    return fuzz.ratio(ascii_key(said), ascii_key(name)) >= NEAR_SPELLING_RATIO


def _is_small_exact(candidate: PlaceCandidate) -> bool:
    place = candidate.place
    return (
        candidate.match in (MatchKind.EXACT_NAME, MatchKind.EXACT_ALTERNATE)
        and place.kind in (PlaceKind.CITY, PlaceKind.VILLAGE)
        and (place.population or 0) < SMALL_PLACE_POPULATION
        and not any(part.reason is ScoreReason.CURATED_ROUTE_PLACE for part in candidate.parts)
    )


def importance_points(candidate: PlaceCandidate) -> float:
    """The part of a candidate's score that says how important the place is (not its name, not the claim)."""
    return sum(part.points for part in candidate.parts if part.reason in _IMPORTANCE_REASONS)


def _far_from_route(candidate: PlaceCandidate) -> bool:
    if candidate.distance_to_route_km is not None:
        return candidate.distance_to_route_km > ROUTE_NEAR_KM
    if candidate.distance_to_route_countries_km is not None:
        return candidate.distance_to_route_countries_km > ROUTE_NEAR_KM
    return False


def _near_route(candidate: PlaceCandidate) -> bool:
    if candidate.distance_to_route_km is not None:
        return candidate.distance_to_route_km <= ROUTE_NEAR_KM
    if candidate.distance_to_route_countries_km is not None:
        return candidate.distance_to_route_countries_km <= ROUTE_NEAR_KM
    return False
