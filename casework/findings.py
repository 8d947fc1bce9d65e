"""Claims ↔ matching glue: serialise places and intervals, resolve, and produce versioned finding sets."""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

import catalogue
from casework.device_signals import device_history_limitations
from casework.state import AppState
from legal_basis.policy import Evaluation
from legal_basis.purpose import require_evaluation
from matching.claims import Claim, ClaimKind
from matching.claims import check_claim_entry as check_claim_entry_fields
from matching.errors import InvalidClaimError, MatchingError
from matching.matcher import Finding, match_claims, not_judged_finding
from matching.places import BoundingBox, Place, PlaceKind
from matching.time_phrases import Granularity, OutOfScopePhrase, TimeInterval, parse_time_phrase
from routing.route import route_visits_from_dict
from store import audit
from store.db import open_session
from store.models import ClaimRow, ExtractionJob, FindingRow, FindingSet, RouteVersion

MATCHING_CODE_VERSION = "matching-0.2.0"  # bounded vs vague periods, only by air, near misses


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def place_to_dict(place: Place) -> dict[str, Any]:
    return _jsonable(place)  # type: ignore[no-any-return]


def place_from_dict(data: dict[str, Any]) -> Place:
    fields = dict(data)
    fields["kind"] = PlaceKind(fields["kind"])
    if fields.get("bbox"):
        fields["bbox"] = BoundingBox(**fields["bbox"])
    return Place(**fields)


def interval_to_dict(interval: TimeInterval) -> dict[str, Any]:
    data = _jsonable(interval)
    data["earliest_kind"] = "datetime" if isinstance(interval.earliest_local, datetime) else "date"
    data["latest_kind"] = "datetime" if isinstance(interval.latest_local, datetime) else "date"
    return data  # type: ignore[no-any-return]


def interval_from_dict(data: dict[str, Any]) -> TimeInterval:
    def value(key: str) -> date | datetime:
        text = data[key]
        return (
            datetime.fromisoformat(text)
            if data.get(f"{key.split('_')[0]}_kind") == "datetime"
            else date.fromisoformat(text)
        )

    return TimeInterval(
        earliest_local=value("earliest_local"),
        latest_local=value("latest_local"),
        granularity=Granularity(data["granularity"]),
        understood_en=data["understood_en"],
        understood_nl=data["understood_nl"],
        approximate=bool(data.get("approximate")),
        text=data.get("text", ""),
        bounded=bool(data.get("bounded")),
    )


def understand_time(text: str, *, reference_year: int | None = None) -> dict[str, Any]:
    result = parse_time_phrase(text, reference_year=reference_year)
    if isinstance(result, OutOfScopePhrase):
        return {"understood": False, "reason_en": result.reason_en, "reason_nl": result.reason_nl}
    return {
        "understood": True,
        "interval": interval_to_dict(result),
        "understood_en": result.understood_en,
        "understood_nl": result.understood_nl,
    }


def gazetteer(state: AppState):  # type: ignore[no-untyped-def]
    from casework.places_index import gazetteer as shared_gazetteer

    return shared_gazetteer(state)


def route_countries(session: Session, case_id: int) -> list[str]:
    row = session.scalars(
        select(RouteVersion)
        .where(RouteVersion.case_id == case_id)
        .options(defer(RouteVersion.geojson))
        .order_by(RouteVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return []
    return list((row.route.get("statistics") or {}).get("countries") or [])


def check_claim_entry(
    kind: str, time_text: str, from_country: str | None, to_country: str | None, reference_year: int | None
) -> None:
    """Refuse a claim that cannot be a claim when it is entered (InvalidClaimError naming the field; 422)."""
    check_claim_entry_fields(
        kind, from_country, to_country, parse_time_phrase(time_text, reference_year=reference_year)
    )


MAX_PLACE_CANDIDATES = 3  # plausible alternatives judged while the place is not confirmed
CANDIDATE_SCORE_MARGIN = 10.0  # within this many points of the best candidate's score


def _plausible_candidates(extra: dict[str, Any], chosen: Place) -> tuple[Place, ...]:
    rows = [row for row in extra.get("candidates") or [] if isinstance(row, dict)]
    if not rows:
        return ()
    best = max(float(row.get("score") or 0.0) for row in rows)
    places = []
    for row in rows:
        if float(row.get("score") or 0.0) < best - CANDIDATE_SCORE_MARGIN or row.get("id") == chosen.id:
            continue
        try:
            places.append(place_from_dict(row))
        except (TypeError, ValueError, KeyError):
            continue
    return tuple(places[:MAX_PLACE_CANDIDATES])


@dataclasses.dataclass(frozen=True, slots=True)
class NotJudged:
    """Why a stored claim cannot be judged (shown in the finding set as *not judged*)."""

    reason_en: str
    reason_nl: str


def claim_or_reason(row: ClaimRow) -> Claim | NotJudged:
    """The matcher's Claim for a stored claim, or why it cannot be judged (never an exception)."""
    extra = row.extra or {}
    if not row.place:
        return NotJudged(
            f"the place {row.place_text!r} was not found in the gazetteer; search again or enter coordinates.",
            f"de plaats {row.place_text!r} is niet gevonden in de plaatsnamenlijst; zoek opnieuw of voer "
            "coördinaten in.",
        )
    if not row.interval:
        understood = extra.get("time_understood") or {}
        return NotJudged(
            f"the time {row.time_text!r} was not understood: {understood.get('reason_en') or 'no reason given.'}",
            f"de tijd {row.time_text!r} is niet begrepen: {understood.get('reason_nl') or 'geen reden bekend.'}",
        )
    try:
        place = place_from_dict(row.place)
        return Claim(
            id=str(row.id),
            kind=ClaimKind(row.kind),
            place=place,
            time=interval_from_dict(row.interval),
            from_country=extra.get("from_country"),
            to_country=extra.get("to_country"),
            place_text=row.place_text,
            candidates=() if extra.get("place_confirmed", True) else _plausible_candidates(extra, place),
            place_confirmed=bool(extra.get("place_confirmed", True)),
        )
    except InvalidClaimError as exc:
        return NotJudged(f"{exc.message_en}.", f"{exc.message_nl}.")
    except (TypeError, ValueError, KeyError) as exc:
        return NotJudged(
            f"the stored claim could not be read ({type(exc).__name__}); enter it again.",
            f"de opgeslagen verklaring kon niet worden gelezen ({type(exc).__name__}); voer die opnieuw in.",
        )


def claim_from_row(row: ClaimRow) -> Claim | None:
    """The matcher's Claim, or None when it cannot be judged (see ``claim_or_reason`` for why)."""
    result = claim_or_reason(row)
    return result if isinstance(result, Claim) else None


def _match_each(claims: list[Claim], points: Any, route_label: str | None) -> list[Finding]:
    """Findings for the claims; one claim the matcher cannot evaluate becomes *not judged*, never an error
    for the whole case."""
    try:
        return match_claims(claims, points, route_version=route_label)
    except MatchingError:
        pass
    findings = []
    for claim in claims:
        try:
            findings += match_claims([claim], points, route_version=route_label)
        except MatchingError as exc:
            findings.append(
                not_judged_finding(
                    claim.id,
                    f"the claim could not be compared with the records: {exc}.",
                    f"de verklaring kon niet met de gegevens worden vergeleken: {exc}.",
                    route_version=route_label,
                    place_text=claim.place.name,
                )
            )
    return findings


def _clock_uncertainty_s(session: Session, case_id: int) -> float:
    worst = 60.0
    for job in session.scalars(select(ExtractionJob).where(ExtractionJob.case_id == case_id)):
        for phase in ("start", "end"):
            reading = (job.clock or {}).get(phase)
            if reading:
                worst = max(worst, float(reading.get("uncertainty_s", 0.0)))
        start, end = (job.clock or {}).get("start"), (job.clock or {}).get("end")
        if start and end:  # drift during the job widens the uncertainty
            worst = max(worst, abs(float(start["offset_s"]) - float(end["offset_s"])))
    return worst


def rematch_case(state: AppState, case_id: int, *, actor: str) -> FindingSet | None:
    """Match every understood claim against the latest route; a new, unreleased finding set."""
    from matching.points import MatchPoints, coverage
    from store.route_store import load_points

    with open_session(state.session_factory, read_only=True) as session:  # reading: no write lock held
        require_evaluation(session, state.policy, case_id, Evaluation.CLAIM_MATCHING)  # LEGAL 21
        route_row = session.scalars(
            select(RouteVersion)
            .where(RouteVersion.case_id == case_id)
            .options(defer(RouteVersion.geojson))
            .order_by(RouteVersion.version.desc())
            .limit(1)
        ).first()
        # the columns matching needs, from the version's columnar store (cached once decoded)
        stored_points = load_points(session, state.evidence, route_row) if route_row is not None else None
        claim_rows = list(
            session.scalars(
                select(ClaimRow).where(ClaimRow.case_id == case_id).order_by(ClaimRow.position, ClaimRow.id)
            )
        )
        clock_uncertainty = _clock_uncertainty_s(session, case_id)
        history_lines = device_history_limitations(session, case_id)
    if not claim_rows:
        return None
    judged = {row.id: claim_or_reason(row) for row in claim_rows}
    claims = [claim for claim in judged.values() if isinstance(claim, Claim)]
    if route_row is not None and stored_points is not None:
        points = MatchPoints.from_point_table(
            stored_points.point_table(),
            usable=stored_points.flags == 0,
            device_clock_uncertainty_s=clock_uncertainty,
        )
        route_label = f"v{route_row.version}"
        limitations = case_specific_first(route_limitations(route_row.route) + history_lines)
    else:
        import numpy as np

        empty = np.zeros(0)
        points = MatchPoints(
            time_utc_s=empty,
            lat=empty,
            lon=empty,
            accuracy_m=empty,
            record_id=np.zeros(0, dtype=np.int64),
            clock_uncertainty_s=empty,
            usable=np.zeros(0, dtype=bool),
        )
        route_label = None
        limitations = [
            {
                "en": "No location records: every claim is 'no data'. This says nothing against the applicant.",
                "nl": "Geen locatiegegevens: elke verklaring is 'geen gegevens'. Dat zegt niets tegen de "
                "aanvrager.",
            },
            *history_lines,
        ]
    by_claim = {finding.claim_id: finding for finding in _match_each(claims, points, route_label)}
    findings = [
        by_claim[str(row_id)]
        if isinstance(result, Claim)
        else not_judged_finding(
            str(row_id),
            result.reason_en,
            result.reason_nl,
            route_version=route_label,
            place_text=row.place_text,
        )
        for row, (row_id, result) in zip(claim_rows, judged.items(), strict=True)
    ]
    visit_evidence = _visit_evidence(
        SimpleNamespace(visits=route_visits_from_dict(route_row.route)) if route_row is not None else None,
        claims,
    )
    cover = coverage(points)
    with state.session_factory.begin() as session:
        finding_set = FindingSet(
            case_id=case_id,
            route_version_id=route_row.id if route_row else None,
            code_version=MATCHING_CODE_VERSION,
            coverage=_jsonable(cover),
            limitations=limitations,
        )
        session.add(finding_set)
        session.flush()
        for finding in findings:
            session.add(
                FindingRow(
                    finding_set_id=finding_set.id,
                    claim_id=int(finding.claim_id),
                    status=str(finding.status),
                    data={**_jsonable(finding), "visits": visit_evidence.get(str(finding.claim_id), [])},
                )
            )
        not_understood = [row_id for row_id, result in judged.items() if not isinstance(result, Claim)]
        audit.append(
            session,
            actor=actor,
            role="system",
            action="findings.compute",
            case_id=case_id,
            object_type="finding_set",
            object_id=finding_set.id,
            details={
                "claims": len(findings),
                "route_version": route_label,
                "claims_not_understood": not_understood,
            },
        )
    return finding_set


def _visit_evidence(route: Any, claims: list[Claim]) -> dict[str, list[dict[str, Any]]]:
    """Per claim: the route's visits at the claimed place during the claimed time (routing/visits.py), so
    a finding can say "visit 4: Gaziantep 13 March – 20 April, records on 38 of 39 days". Country claims
    (no place radius) get the visits in that country."""
    from routing.visits import visits_at

    if route is None or not route.visits:
        return {}
    visits = tuple(v.visit for v in route.visits)
    evidence: dict[str, list[dict[str, Any]]] = {}
    for claim in claims:
        try:
            start, end = claim.interval_utc()
        except MatchingError:  # e.g. an unknown time zone: the claim's finding says why; no visits
            continue
        if claim.place.extent_radius_m is None:
            code = (claim.place.country_iso2 or "").upper()
            found = [
                (k, 0.0)
                for k, v in enumerate(route.visits)
                if code and v.country == code and v.visit.start_utc <= end and v.visit.end_utc >= start
            ]
        else:
            found = visits_at(
                visits,
                lat=claim.place.lat,
                lon=claim.place.lon,
                radius_m=claim.place.extent_radius_m,
                start_s=start.timestamp(),
                end_s=end.timestamp(),
            )
        evidence[str(claim.id)] = [
            {
                "visit": index,
                "place": route.visits[index].place,
                "country": route.visits[index].country,
                "start_utc": _jsonable(visits[index].start_utc),
                "end_utc": _jsonable(visits[index].end_utc),
                "distance_m": distance,
                "observed_share": visits[index].observed_share,
                "days_with_records": visits[index].days_with_records,
                "days": visits[index].days,
                "n_records": visits[index].n_records,
            }
            for index, distance in found
        ]
    return evidence


def case_specific_first(lines: list[dict[str, str]]) -> list[dict[str, str]]:
    """What is particular to this case (gaps, data starting late, a reset) before what holds for every case,
    each once, so the reader meets the case's own limits first."""
    seen: set[str] = set()
    unique = []
    for line in lines:
        if line.get("en") not in seen:
            seen.add(str(line.get("en")))
            unique.append(line)
    return sorted(unique, key=lambda line: line.get("scope") == "general")


def route_limitations(route: dict[str, Any]) -> list[dict[str, str]]:
    """Plain-language limitations of the data behind a route (LEGAL 14), each in English and Dutch."""
    statistics = route.get("statistics") or {}
    notes = [
        {
            "en": "The data locates the device, not the person: a phone can be lent, lost, shared or carried by "
            "someone else.",
            "nl": "De gegevens tonen waar het toestel was, niet waar de persoon was: een telefoon kan uitgeleend, "
            "verloren, gedeeld of door een ander meegenomen zijn.",
            "scope": "general",
        },
        {
            "en": "Only logical acquisition of the authorised categories was done; other data on the phone was not "
            "read.",
            "nl": "Alleen de goedgekeurde categorieën zijn logisch uitgelezen; andere gegevens op de telefoon zijn "
            "niet gelezen.",
            "scope": "general",
        },
        {
            "en": "Position accuracy radii are estimates: Google's own radius held the true position only about half "
            "the time with GPS (NFI/TU Delft 2018); reisroute widens every radius before calling anything "
            "impossible.",
            "nl": "Nauwkeurigheidsstralen zijn schattingen: Googles eigen straal bevatte de werkelijke positie met GPS "
            "maar ongeveer de helft van de tijd (NFI/TU Delft 2018); reisroute vergroot elke straal voordat "
            "iets onmogelijk heet.",
            "scope": "general",
        },
    ]
    if statistics.get("gaps"):
        gaps = statistics["gaps"]
        notes.append(
            {
                "en": f"The record has {gaps} gap(s) without any position; nothing is known of those periods, and "
                "absence of data is never evidence against the applicant.",
                "nl": f"De gegevens hebben {gaps} periode(s) zonder enige positie; over die perioden is niets bekend, "
                "en het ontbreken van gegevens is nooit bewijs tegen de aanvrager.",
            }
        )
    flagged = statistics.get("flagged_points") or {}
    suspect = {k: v for k, v in flagged.items() if v}
    if suspect:

        def listed(language: catalogue.Language) -> str:
            return "; ".join(
                f"{v} × {catalogue.label('point_flag', k.lower(), language)}"
                for k, v in sorted(suspect.items())
            )

        notes.append(
            {
                "en": f"Points set aside during cleaning (kept, with reasons): {listed('en')}.",
                "nl": f"Punten die bij het opschonen terzijde zijn gelegd (bewaard, met reden): {listed('nl')}.",
            }
        )
    if statistics.get("first_utc"):
        first = _readable_utc(str(statistics["first_utc"]))
        notes.append(
            {
                "en": f"The device's own records start {first}: claims before that are outside what the phone can say.",
                "nl": f"De eigen gegevens van het toestel beginnen op {first}: over verklaringen van daarvoor kan de "
                "telefoon niets zeggen.",
            }
        )
    return notes


def _readable_utc(value: str) -> str:
    """``2024-03-02T21:13:00Z`` as ``2024-03-02 21:13 UTC`` (as the page and the report print times)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def limitation_lines(limitations: list[Any], language: str) -> list[str]:
    """Limitations in one language (older finding sets stored English strings only)."""
    return [
        line.get(language) or line.get("en", "") if isinstance(line, dict) else str(line)
        for line in limitations or []
    ]
