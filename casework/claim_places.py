"""The place of a claim: look up what the applicant said, keep every plausible candidate, confirm one.

The gazetteer's first candidate is a suggestion, never a fact: a claim stores the ranked candidates,
whether the lookup was ambiguous, and whether a caseworker confirmed the place (and who, when, and
whether the confirmed place was one of the candidates). The claim row's ``extra`` holds:

- ``candidates``: the *plausible* places as place dicts, best first — what matching judges an unconfirmed
  place by (``casework.findings`` turns them into ``Claim.candidates``), so that ambiguity never counts
  against the applicant (LEGAL 20);
- ``place_lookup``: the whole lookup for the screen — every candidate with score, reasons (en, nl),
  kind, country, plausibility and route distances, the ambiguity flag and its reasons;
- ``place_confirmed`` and, once confirmed, ``place_confirmation`` (by, at, place id, from_candidates).

The phone's route is context for the lookup only for someone who may see the route (LEGAL 4: a
caseworker only after a legal reviewer released the findings); otherwise candidates carry no route
distances and the route raises no ambiguity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.findings import gazetteer, place_to_dict
from casework.state import AppState
from matching.place_candidates import AMBIGUITY_MARGIN, PlaceResolution
from store.models import ClaimRow, RouteVersion

MAX_CANDIDATES = 8


@dataclass(frozen=True, slots=True)
class RouteContext:
    """What the lookup may know of the phone's route: its countries and its stays' centres (WGS84)."""

    countries: tuple[str, ...] = ()
    points: tuple[tuple[float, float], ...] = ()


def route_context(session: Session, case_id: int, *, released_only: bool = False) -> RouteContext:
    """Countries and stay centres of the case's latest route version (empty when there is none); with
    ``released_only`` of its latest released version (what a caseworker may see, issue 13 finding 4)."""
    from casework.access import released_route_version_ids

    released = [RouteVersion.id.in_(released_route_version_ids(case_id))] if released_only else []
    row = session.scalars(
        select(RouteVersion)
        .where(RouteVersion.case_id == case_id, *released)
        .order_by(RouteVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return RouteContext()
    route = row.route or {}
    countries = tuple(str(code).upper() for code in (route.get("statistics") or {}).get("countries") or [])
    points = tuple(
        (float(stay["lat"]), float(stay["lon"]))
        for stay in route.get("stays") or []
        if stay.get("lat") is not None and stay.get("lon") is not None
    )
    return RouteContext(countries=countries, points=points)


def lookup_place(
    state: AppState, text: str, *, country: str | None = None, route: RouteContext | None = None
) -> PlaceResolution:
    """Ranked candidates for ``text``; ``route`` only where the caller may see the route."""
    context = route or RouteContext()
    return gazetteer(state).lookup(
        text,
        country=country,
        route_countries=context.countries,
        route_points=context.points,
        limit=MAX_CANDIDATES,
    )


def plausible_ids(resolution: PlaceResolution) -> set[str]:
    """Candidates the caseworker must consider: the ambiguous ones, and those scoring within the margin."""
    best = resolution.best
    if best is None:
        return set()
    close = {c.place.id for c in resolution.candidates if best.score - c.score <= AMBIGUITY_MARGIN}
    return close | set(resolution.ambiguous_ids)


def resolution_to_dict(resolution: PlaceResolution) -> dict[str, Any]:
    """JSON of a lookup for the API: ``matching.place_candidates.PlaceResolution.to_dict`` plus plausibility."""
    data = resolution.to_dict(place_to_dict)
    plausible = plausible_ids(resolution)
    for candidate in data["candidates"]:
        candidate["plausible"] = candidate["place"]["id"] in plausible
    if data["best"] is not None:
        data["best"]["plausible"] = True
    return data


def apply_place(
    state: AppState,
    row: ClaimRow,
    extra: dict[str, Any],
    *,
    place_text: str,
    country: str | None,
    place_id: str | None,
    route: RouteContext | None,
    confirmed_by: str,
    now: datetime,
) -> None:
    """Resolve ``place_text`` onto ``row.place`` and ``extra`` (the claim row's extra JSON, updated in place).

    Without ``place_id`` the best candidate is stored as a *suggestion* (``place_confirmed`` false);
    with it, the caseworker's choice is stored as confirmed. The candidates are kept either way.
    """
    resolution = lookup_place(state, place_text, country=country, route=route)
    data = resolution_to_dict(resolution)
    data["route_context"] = bool(route and (route.countries or route.points))
    plausible = plausible_ids(resolution)
    extra.update(
        {
            "place_country": country,
            # what matching reads: the plausible places (best first), as place dicts
            "candidates": [
                place_to_dict(candidate.place)
                for candidate in resolution.candidates
                if candidate.place.id in plausible
            ],
            # what the caseworker reads: every candidate with its score, reasons and route distance
            "place_lookup": data,
        }
    )
    if place_id:
        confirm(state, row, extra, place_id=place_id, confirmed_by=confirmed_by, now=now)
        return
    row.place = data["best"]["place"] if data["best"] else None
    extra["place_confirmed"] = False
    extra.pop("place_confirmation", None)


def confirm(
    state: AppState, row: ClaimRow, extra: dict[str, Any], *, place_id: str, confirmed_by: str, now: datetime
) -> None:
    """Store ``place_id`` as the caseworker's confirmed place (raises GazetteerError for an unknown id)."""
    place = gazetteer(state).get(place_id)
    looked_up = (extra.get("place_lookup") or {}).get("candidates") or []
    candidate_ids = [candidate["place"]["id"] for candidate in looked_up]
    row.place = place_to_dict(place)
    extra["place_confirmed"] = True
    extra["place_confirmation"] = {
        "by": confirmed_by,
        "at": now.isoformat(),
        "place_id": place_id,
        "from_candidates": place_id in candidate_ids,
    }
