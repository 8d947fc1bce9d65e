"""Gather what a case report shows, from the store, into plain frozen data.

The renderer (``api.reports``) only lays this out; nothing here draws and nothing there queries.
All times are tz-aware UTC. No field is a score: findings are carried per claim as the matcher wrote them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.errors import NothingToReport, ReportError
from casework.findings import limitation_lines
from legal_basis.policy import Policy
from store import audit
from store.evidence import EvidenceStore
from store.models import (
    Authorisation,
    Case,
    ClaimRow,
    ConsentRecord,
    Device,
    ExtractionJob,
    FindingRow,
    FindingSet,
    InformationNotice,
    RouteVersion,
    User,
)
from store.types import utcnow

#: A device clock further than this from the host clock is reported as an anomaly.
CLOCK_ANOMALY_OFFSET_S = 120.0
#: A change of the offset between the start and the end of a job larger than this is reported.
CLOCK_ANOMALY_DRIFT_S = 5.0


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    id: int
    platform: str
    make: str
    model: str
    serial: str | None
    seal_number: str | None
    registered_by: str
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class MilderMeans:
    means: str
    tried_at: str
    result: str


@dataclass(frozen=True, slots=True)
class ReportedAuthorisation:
    id: int
    device_id: int | None
    policy_version: str
    ground_id: str
    statute: str
    ground_title_en: str
    ground_title_nl: str
    purpose: str
    necessity: str
    milder_means: tuple[MilderMeans, ...]
    categories: tuple[str, ...]
    window_start: datetime
    window_end: datetime
    valid_until: datetime
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


@dataclass(frozen=True, slots=True)
class ReportedConsent:
    authorisation_id: int
    language: str
    interpreter: str | None
    refusal_without_consequence_explained: bool
    given: bool
    given_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportedNotice:
    language: str
    notice_version: str
    interpreter: str | None
    given_at: datetime
    recorded_by: str


@dataclass(frozen=True, slots=True)
class ClockFacts:
    offset_s: float
    uncertainty_s: float
    device_timezone: str | None
    host_time: str


@dataclass(frozen=True, slots=True)
class ArtifactOutcomeFacts:
    artifact_id: str
    status: str
    items: int
    records: int
    dropped_outside_window: int
    error: str | None


@dataclass(frozen=True, slots=True)
class JobFacts:
    id: int
    device_id: int
    authorisation_id: int
    kind: str
    state: str
    method: str
    operator: str
    started_at: datetime | None
    finished_at: datetime | None
    identity: tuple[tuple[str, str], ...]  # (field, value) as the device reported it
    tool_versions: tuple[tuple[str, str], ...]
    parsers: tuple[str, ...]
    categories: tuple[str, ...]
    clock_start: ClockFacts | None
    clock_end: ClockFacts | None
    items: int
    bytes_acquired: int
    records: int
    dropped_outside_window: int
    custody_manifest_sha256: str
    outcomes: tuple[ArtifactOutcomeFacts, ...]
    notes: tuple[str, ...]
    # signs of a reset or second-hand phone (LEGAL 16): (note_en, note_nl) each; None: not computed for this job
    device_history: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True, slots=True)
class CountryVisitFacts:
    iso_a2: str
    name: str
    start_utc: datetime
    end_utc: datetime
    points: int
    time_zone: str = ""  # the zone most of the country's points were in ("" unknown: times print in UTC)


@dataclass(frozen=True, slots=True)
class CrossingFacts:
    from_iso_a2: str
    to_iso_a2: str
    last_before_utc: datetime
    first_after_utc: datetime
    confidence: str
    notes: tuple[str, ...]
    last_before_record_id: int
    first_after_record_id: int
    from_time_zone: str = ""  # of the country left / entered ("" unknown)
    to_time_zone: str = ""


@dataclass(frozen=True, slots=True)
class StayFacts:
    number: int
    place: str | None
    country: str
    start_utc: datetime
    end_utc: datetime
    time_zone: str
    radius_m: float
    points: int


@dataclass(frozen=True, slots=True)
class PlaceVisitFacts:
    """A visit: time at one place with its day trips folded in (routing/visits.py)."""

    number: int
    place: str | None
    country: str
    start_utc: datetime
    end_utc: datetime
    observed_share: float | None
    records: int
    days_with_records: int
    days: int
    excursions: int
    excursion_max_distance_m: float
    stay_numbers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GapFacts:
    start_utc: datetime
    end_utc: datetime
    duration_s: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class RouteFacts:
    version: int
    code_version: str
    created_at: datetime
    records: int
    usable_points: int
    received_points: int
    clock_flagged_points: int
    first_utc: datetime | None
    last_utc: datetime | None
    stays: tuple[StayFacts, ...]
    visits: tuple[CountryVisitFacts, ...]
    crossings: tuple[CrossingFacts, ...]
    gaps: tuple[GapFacts, ...]
    route: dict[str, Any] = field(repr=False)  # route_to_dict output, for the map
    geojson: dict[str, Any] = field(repr=False)
    place_visits: tuple[PlaceVisitFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class EvidenceFacts:
    record_id: int
    time_utc: datetime
    distance_m: float
    time_difference_s: float
    accuracy_m: float


@dataclass(frozen=True, slots=True)
class FindingFacts:
    claim_id: int
    position: int
    kind: str
    place_text: str
    place_name: str | None
    place_country: str | None
    time_text: str
    understood_en: str | None
    understood_nl: str | None
    status: str
    interval_start_utc: datetime | None
    interval_end_utc: datetime | None
    evidence_for: tuple[EvidenceFacts, ...]
    evidence_against: tuple[EvidenceFacts, ...]
    records_for_count: int
    records_against_count: int
    position_accuracy_m: float | None
    clock_uncertainty_s: float | None
    time_phrase_width_s: float | None
    time_zone: str | None
    explanation_en: str
    explanation_nl: str
    # the resolved place, for the claim's map excerpt (None: not resolved)
    place_lat: float | None = None
    place_lon: float | None = None
    place_extent_m: float | None = None
    near_miss_en: str = ""
    near_miss_nl: str = ""


@dataclass(frozen=True, slots=True)
class AuditFacts:
    head_seq: int
    head_hash: str
    anchor_seq: int | None
    anchor_hash: str | None
    anchor_at: str | None


@dataclass(frozen=True, slots=True)
class CaseReportData:
    generated_at: datetime
    case_id: int
    reference: str
    title: str
    case_status: str
    case_created_at: datetime
    retention_until: datetime | None
    devices: tuple[DeviceFacts, ...]
    authorisations: tuple[ReportedAuthorisation, ...]
    consents: tuple[ReportedConsent, ...]
    notices: tuple[ReportedNotice, ...]
    jobs: tuple[JobFacts, ...]
    route: RouteFacts | None
    finding_set_id: int
    finding_set_created_at: datetime
    matching_code_version: str
    released: bool
    released_by: str | None
    released_at: datetime | None
    release_note: str | None
    findings: tuple[FindingFacts, ...]
    claims_not_matched: tuple[tuple[int, str, str], ...]  # (claim id, place text, time text)
    limitations: tuple[str, ...]
    limitations_nl: tuple[str, ...]
    clock_anomalies: tuple[tuple[str, str], ...]  # (English, Dutch) each
    coverage_first_utc: datetime | None
    coverage_last_utc: datetime | None
    audit: AuditFacts


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _req_dt(text: str) -> datetime:
    value = _dt(text)
    assert value is not None
    return value


class _People:
    """User id → "Full Name (username)", cached per report."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._names: dict[int, str] = {}

    def __call__(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self._names:
            user = self._session.get(User, user_id)
            if user is None:
                self._names[user_id] = f"user #{user_id}"
            elif user.full_name:
                self._names[user_id] = f"{user.full_name} ({user.username})"
            else:
                self._names[user_id] = user.username
        return self._names[user_id]


def select_finding_set(
    session: Session, case_id: int, *, finding_set_id: int | None, released_only: bool
) -> FindingSet:
    """The set to report on: the one asked for, else the latest (the latest released one if ``released_only``)."""
    query = select(FindingSet).where(FindingSet.case_id == case_id)
    if finding_set_id is not None:
        query = query.where(FindingSet.id == finding_set_id)
    if released_only:
        query = query.where(FindingSet.released_at.is_not(None))
    finding_set = session.scalars(query.order_by(FindingSet.id.desc()).limit(1)).first()
    if finding_set is None:
        what = f"finding set {finding_set_id}" if finding_set_id is not None else "a finding set"
        released = " released" if released_only else ""
        raise NothingToReport(
            f"case {case_id} has no{released} {what}: match the claims (and have a legal reviewer release "
            "the findings) before producing the report"
        )
    return finding_set


def _clock(reading: dict[str, Any] | None) -> ClockFacts | None:
    if not reading:
        return None
    return ClockFacts(
        offset_s=float(reading.get("offset_s", 0.0)),
        uncertainty_s=float(reading.get("uncertainty_s", 0.0)),
        device_timezone=reading.get("device_timezone"),
        host_time=str(reading.get("host_before", "")),
    )


def _job_facts(session: Session, job: ExtractionJob, people: _People) -> JobFacts:
    from casework.jobs.custody import custody_manifest

    items, manifest_sha256 = custody_manifest(session, job.id)
    tools = dict(job.tool_versions or {})
    parsers = tools.pop("parsers", {}) or {}
    scope = job.scope or {}
    methods = sorted({str(item["method"]) for item in items})
    identity = job.identity or {}
    identity_pairs = tuple(
        (str(k), str(v)) for k, v in identity.items() if v not in (None, "", [], ()) and k != "extra"
    ) + tuple((str(k), str(v)) for k, v in identity.get("extra", ()) or ())
    return JobFacts(
        id=job.id,
        device_id=job.device_id,
        authorisation_id=job.authorisation_id,
        kind=job.kind,
        state=job.state,
        method="; ".join(methods) if methods else job.kind,
        operator=people(job.created_by) or "",
        started_at=job.started_at,
        finished_at=job.finished_at,
        identity=identity_pairs,
        tool_versions=tuple(sorted((str(k), str(v)) for k, v in tools.items())),
        parsers=tuple(sorted(str(p) for p in parsers)),
        categories=tuple(scope.get("categories", ())),
        clock_start=_clock((job.clock or {}).get("start")),
        clock_end=_clock((job.clock or {}).get("end")),
        items=len(items),
        bytes_acquired=sum(int(i["bytes_acquired"] or 0) for i in items),
        records=sum(int(i["records"] or 0) for i in items),
        dropped_outside_window=sum(int(i["dropped_outside_window"] or 0) for i in items),
        custody_manifest_sha256=manifest_sha256,
        outcomes=tuple(
            ArtifactOutcomeFacts(
                artifact_id=str(o.get("artifact_id", "")),
                status=str(o.get("status", "")),
                items=int(o.get("items", 0)),
                records=int(o.get("records", 0)),
                dropped_outside_window=int(o.get("dropped_outside_window", 0)),
                error=o.get("error"),
            )
            for o in job.outcomes or []
        ),
        notes=tuple(str(n) for n in scope.get("notes", ()) or ()),
        device_history=None
        if job.device_history is None
        else tuple(
            (str(s.get("note_en", "")), str(s.get("note_nl") or s.get("note_en", "")))
            for s in job.device_history
        ),
    )


def _country_names() -> dict[str, str]:
    from routing.errors import GeodataError
    from routing.geography import country_polygons

    try:
        frame = country_polygons()
    except GeodataError as exc:  # names are a nicety: fall back to ISO codes, but say why
        logging.getLogger("reisroute.reports").warning("country names unavailable: %s", exc)
        return {}
    return {str(code): str(name) for code, name in zip(frame["iso_a2"], frame["name"], strict=True) if code}


def _zones_by_country(route: dict[str, Any]) -> dict[str, str]:
    """Country → the time zone most of its points (or, without points, its stays) were in."""
    counts: dict[str, dict[str, int]] = {}
    points = route.get("points") or {}
    countries, zones, zone_index = (
        points.get("country"),
        points.get("time_zones"),
        points.get("time_zone_index"),
    )
    if (
        countries is not None
        and zones is not None
        and zone_index is not None
        and len(countries) > 0
        and len(zones) > 0
        and len(countries) == len(zone_index)
    ):
        for country, index in zip(countries, zone_index, strict=True):
            per_zone = counts.setdefault(str(country), {})
            zone = str(zones[int(index)])
            per_zone[zone] = per_zone.get(zone, 0) + 1
    else:
        for s in route.get("stays") or []:
            if s.get("country") and s.get("time_zone"):
                per_zone = counts.setdefault(str(s["country"]), {})
                per_zone[str(s["time_zone"])] = per_zone.get(str(s["time_zone"]), 0) + 1
    return {
        country: max(per_zone.items(), key=lambda item: item[1])[0]
        for country, per_zone in counts.items()
        if country and per_zone
    }


def _route_facts(row: RouteVersion, route: dict[str, Any]) -> RouteFacts:
    zones = _zones_by_country(route)
    statistics = route.get("statistics") or {}
    flagged = statistics.get("flagged_points") or {}
    names = _country_names()
    stays = tuple(
        StayFacts(
            number=index + 1,
            place=s.get("place"),
            country=str(s.get("country") or ""),
            start_utc=_req_dt(s["stay"]["start_utc"]),
            end_utc=_req_dt(s["stay"]["end_utc"]),
            time_zone=str(s.get("time_zone") or ""),
            radius_m=float(s["stay"].get("radius_m") or 0.0),
            points=int(s["stay"].get("n_points") or 0),
        )
        for index, s in enumerate(route.get("stays") or [])
    )
    visits = tuple(
        CountryVisitFacts(
            iso_a2=v["iso_a2"],
            name=names.get(v["iso_a2"], v["iso_a2"]),
            start_utc=_req_dt(v["start_utc"]),
            end_utc=_req_dt(v["end_utc"]),
            points=int(v.get("n_points") or 0),
            time_zone=zones.get(v["iso_a2"], ""),
        )
        for v in route.get("country_visits") or []
    )
    crossings = tuple(
        CrossingFacts(
            from_iso_a2=c["from_iso_a2"],
            to_iso_a2=c["to_iso_a2"],
            last_before_utc=_req_dt(c["last_before_utc"]),
            first_after_utc=_req_dt(c["first_after_utc"]),
            confidence=str(c.get("confidence") or ""),
            notes=tuple(c.get("notes") or ()),
            last_before_record_id=int(c.get("last_before_record_id") or 0),
            first_after_record_id=int(c.get("first_after_record_id") or 0),
            from_time_zone=zones.get(c["from_iso_a2"], ""),
            to_time_zone=zones.get(c["to_iso_a2"], ""),
        )
        for c in route.get("border_crossings") or []
    )
    gaps = tuple(
        GapFacts(
            start_utc=_req_dt(g["start_utc"]),
            end_utc=_req_dt(g["end_utc"]),
            duration_s=float(g.get("duration_s") or 0.0),
            distance_m=float(g.get("distance_m") or 0.0),
        )
        for g in route.get("gaps") or []
    )
    place_visits = tuple(
        PlaceVisitFacts(
            number=index + 1,
            place=v.get("place"),
            country=str(v.get("country") or ""),
            start_utc=_req_dt(v["visit"]["start_utc"]),
            end_utc=_req_dt(v["visit"]["end_utc"]),
            observed_share=v["visit"].get("observed_share"),
            records=int(v["visit"].get("n_records") or 0),
            days_with_records=int(v["visit"].get("days_with_records") or 0),
            days=int(v["visit"].get("days") or 0),
            excursions=len(v["visit"].get("excursions") or ()),
            excursion_max_distance_m=max(
                (float(e.get("max_distance_m") or 0.0) for e in v["visit"].get("excursions") or ()),
                default=0.0,
            ),
            stay_numbers=tuple(int(k) + 1 for k in v["visit"].get("stay_indices") or ()),
        )
        for index, v in enumerate(route.get("visits") or [])
    )
    return RouteFacts(
        version=row.version,
        code_version=row.code_version,
        created_at=row.created_at,
        records=row.records_count,
        usable_points=int(statistics.get("usable_points") or 0),
        received_points=int(flagged.get("RECEIVED") or 0),
        clock_flagged_points=sum(int(v or 0) for k, v in flagged.items() if k.startswith("CLOCK_")),
        first_utc=_dt(statistics.get("first_utc")),
        last_utc=_dt(statistics.get("last_utc")),
        stays=stays,
        visits=visits,
        crossings=crossings,
        gaps=gaps,
        route=route,
        geojson=row.geojson,
        place_visits=place_visits,
    )


def _evidence(items: list[dict[str, Any]] | None) -> tuple[EvidenceFacts, ...]:
    return tuple(
        EvidenceFacts(
            record_id=int(e["record_id"]),
            time_utc=_req_dt(e["time_utc"]),
            distance_m=float(e.get("distance_m") or 0.0),
            time_difference_s=float(e.get("time_difference_s") or 0.0),
            accuracy_m=float(e.get("accuracy_m") or 0.0),
        )
        for e in items or []
    )


def _finding_facts(claim: ClaimRow, row: FindingRow) -> FindingFacts:
    data = row.data or {}
    uncertainty = data.get("uncertainty") or {}
    interval = claim.interval or {}
    place = claim.place or {}
    return FindingFacts(
        claim_id=claim.id,
        position=claim.position,
        kind=claim.kind,
        place_text=claim.place_text,
        place_name=place.get("name"),
        place_country=place.get("country_iso2"),
        time_text=claim.time_text,
        understood_en=interval.get("understood_en"),
        understood_nl=interval.get("understood_nl"),
        status=row.status,
        interval_start_utc=_dt(data.get("interval_start_utc")),
        interval_end_utc=_dt(data.get("interval_end_utc")),
        evidence_for=_evidence(data.get("evidence_for")),
        evidence_against=_evidence(data.get("evidence_against")),
        records_for_count=int(data.get("records_for_count") or 0),
        records_against_count=int(data.get("records_against_count") or 0),
        position_accuracy_m=uncertainty.get("position_accuracy_m"),
        clock_uncertainty_s=uncertainty.get("clock_uncertainty_s"),
        time_phrase_width_s=uncertainty.get("time_phrase_width_s"),
        time_zone=uncertainty.get("time_zone"),
        explanation_en=str(data.get("explanation_en") or ""),
        explanation_nl=str(data.get("explanation_nl") or ""),
        place_lat=_float_or_none(place.get("lat")),
        place_lon=_float_or_none(place.get("lon")),
        place_extent_m=_float_or_none(place.get("extent_radius_m")),
        near_miss_en=str(data.get("near_miss_en") or ""),
        near_miss_nl=str(data.get("near_miss_nl") or ""),
    )


def _float_or_none(value: object) -> float | None:
    try:
        return None if value is None else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _clock_anomalies(jobs: tuple[JobFacts, ...], route: RouteFacts | None) -> tuple[tuple[str, str], ...]:
    """Clock anomalies as (English, Dutch) notes: offsets beyond the threshold, drift during a job, no
    live reading, suspect periods and points set aside for impossible times."""
    notes: list[tuple[str, str]] = []
    for job in jobs:
        for phase_en, phase_nl, reading in (
            ("start", "bij de start", job.clock_start),
            ("end", "aan het eind", job.clock_end),
        ):
            if reading is not None and abs(reading.offset_s) > CLOCK_ANOMALY_OFFSET_S:
                ahead = reading.offset_s > 0
                seconds = f"{abs(reading.offset_s):.0f}"
                uncertainty = f"{reading.uncertainty_s:.1f}"
                notes.append(
                    (
                        f"Job {job.id}: at the {phase_en} the device clock was {seconds} s "
                        f"{'ahead of' if ahead else 'behind'} the host clock (± {uncertainty} s); device-clock "
                        "times were corrected by the measured offset.",
                        f"Taak {job.id}: {phase_nl} liep de klok van het toestel {seconds} s "
                        f"{'voor op' if ahead else 'achter bij'} de klok van het station (± {uncertainty} s); "
                        "tijden van de toestelklok zijn met de gemeten afwijking gecorrigeerd.",
                    )
                )
        if job.clock_start is not None and job.clock_end is not None:
            drift_s = job.clock_end.offset_s - job.clock_start.offset_s
            if abs(drift_s) > CLOCK_ANOMALY_DRIFT_S:
                notes.append(
                    (
                        f"Job {job.id}: the device clock offset changed by {drift_s:+.1f} s during the "
                        "extraction (clock adjusted or drifting).",
                        f"Taak {job.id}: de afwijking van de toestelklok veranderde tijdens de uitlezing met "
                        f"{drift_s:+.1f} s (klok verzet of verlopen).",
                    )
                )
        if job.clock_start is None:
            notes.append(
                (
                    f"Job {job.id}: no live device clock reading (offline input); device-clock times are "
                    "uncorrected.",
                    f"Taak {job.id}: geen meting van de klok van een aangesloten toestel (offline invoer); "
                    "tijden van de toestelklok zijn niet gecorrigeerd.",
                )
            )
    if route is not None:
        clock = (route.route.get("parameters") or {}).get("clock") or {}
        for start, end in clock.get("suspect_intervals") or []:
            start_text, end_text = _moment_text(start), _moment_text(end)
            notes.append(
                (
                    f"Suspect device-clock period from {start_text} to {end_text}: points in it were set aside.",
                    f"Verdachte periode van de toestelklok van {start_text} tot {end_text}: punten daarin zijn "
                    "terzijde gelegd.",
                )
            )
        if route.clock_flagged_points:
            count = route.clock_flagged_points
            notes.append(
                (
                    f"{count} point(s) had impossible times (before 2007, before the device was first seen, "
                    "after the extraction, or in a suspect period) and were set aside.",
                    f"{count} punt(en) hadden een onmogelijke tijd (vóór 2007, vóór het eerste gebruik van het "
                    "toestel, na de uitlezing of in een verdachte periode) en zijn terzijde gelegd.",
                )
            )
    return tuple(notes)


def _moment_text(value: object) -> str:
    """An ISO time as ``2024-03-01 11:18 UTC``; anything else as it was."""
    try:
        moment = _dt(str(value)) if value else None
    except ValueError:
        moment = None
    if moment is None:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def collect_report_data(
    session: Session,
    policy: Policy,
    case_id: int,
    *,
    data_dir: Path,
    evidence: EvidenceStore | None = None,
    finding_set_id: int | None = None,
    released_only: bool = False,
) -> CaseReportData:
    """Everything the report shows for one finding set of a case, read in one session."""
    case = session.get(Case, case_id)
    if case is None:
        raise ReportError(f"case {case_id} does not exist")
    finding_set = select_finding_set(
        session, case_id, finding_set_id=finding_set_id, released_only=released_only
    )
    people = _People(session)
    devices = tuple(
        DeviceFacts(
            id=d.id,
            platform=d.platform,
            make=d.make,
            model=d.model,
            serial=d.serial,
            seal_number=d.seal_number,
            registered_by=people(d.registered_by) or "",
            registered_at=d.registered_at,
        )
        for d in session.scalars(select(Device).where(Device.case_id == case_id).order_by(Device.id))
    )
    authorisations = []
    for a in session.scalars(
        select(Authorisation).where(Authorisation.case_id == case_id).order_by(Authorisation.id)
    ):
        ground = policy.ground(a.ground_id)
        authorisations.append(
            ReportedAuthorisation(
                id=a.id,
                device_id=a.device_id,
                policy_version=a.policy_version,
                ground_id=a.ground_id,
                statute=ground.statute if ground else f"(ground {a.ground_id} not in the current policy)",
                ground_title_en=ground.title_en if ground else a.ground_id,
                ground_title_nl=ground.title_nl if ground else a.ground_id,
                purpose=a.purpose,
                necessity=a.necessity,
                milder_means=tuple(
                    MilderMeans(
                        means=str(m.get("means", "")),
                        tried_at=str(m.get("tried_at", "")),
                        result=str(m.get("result", "")),
                    )
                    for m in a.milder_means or []
                ),
                categories=tuple(a.categories or ()),
                window_start=a.window_start,
                window_end=a.window_end,
                valid_until=a.valid_until,
                status=a.status,
                requested_by=people(a.requested_by) or "",
                requested_at=a.requested_at,
                decided_by=people(a.decided_by),
                decided_at=a.decided_at,
                decision_reason=a.decision_reason,
            )
        )
    consents = tuple(
        ReportedConsent(
            authorisation_id=c.authorisation_id,
            language=c.language,
            interpreter=c.interpreter,
            refusal_without_consequence_explained=c.refusal_without_consequence_explained,
            given=c.given,
            given_at=c.given_at,
            recorded_by=people(c.recorded_by) or "",
            withdrawn_at=c.withdrawn_at,
        )
        for c in session.scalars(
            select(ConsentRecord).where(ConsentRecord.case_id == case_id).order_by(ConsentRecord.id)
        )
    )
    notices = tuple(
        ReportedNotice(
            language=n.language,
            notice_version=n.notice_version,
            interpreter=n.interpreter,
            given_at=n.given_at,
            recorded_by=people(n.recorded_by) or "",
        )
        for n in session.scalars(
            select(InformationNotice)
            .where(InformationNotice.case_id == case_id)
            .order_by(InformationNotice.id)
        )
    )
    jobs = tuple(
        _job_facts(session, job, people)
        for job in session.scalars(
            select(ExtractionJob).where(ExtractionJob.case_id == case_id).order_by(ExtractionJob.id)
        )
    )
    route_row = (
        session.get(RouteVersion, finding_set.route_version_id)
        if finding_set.route_version_id is not None
        else None
    )
    route = None
    if route_row is not None:
        from store.route_store import legacy_route_document

        if evidence is None:
            raise ReportError("the report needs the evidence store to read the route version")
        route = _route_facts(route_row, legacy_route_document(session, evidence, route_row))
    claims = {c.id: c for c in session.scalars(select(ClaimRow).where(ClaimRow.case_id == case_id))}
    finding_rows = list(
        session.scalars(
            select(FindingRow).where(FindingRow.finding_set_id == finding_set.id).order_by(FindingRow.id)
        )
    )
    findings = tuple(
        sorted(
            (_finding_facts(claims[r.claim_id], r) for r in finding_rows if r.claim_id in claims),
            key=lambda f: (f.position, f.claim_id),
        )
    )
    matched = {r.claim_id for r in finding_rows}
    not_matched = tuple(
        (c.id, c.place_text, c.time_text)
        for c in sorted(claims.values(), key=lambda c: (c.position, c.id))
        if c.id not in matched and c.created_at <= finding_set.created_at
    )
    head_seq, head_hash = audit.head(session)
    anchors = audit.read_anchors(audit.anchor_path(data_dir))
    latest = anchors[-1] if anchors else None
    coverage = finding_set.coverage or {}
    return CaseReportData(
        generated_at=utcnow(),
        case_id=case.id,
        reference=case.reference,
        title=case.title,
        case_status=case.status,
        case_created_at=case.created_at,
        retention_until=case.retention_until,
        devices=devices,
        authorisations=tuple(authorisations),
        consents=consents,
        notices=notices,
        jobs=jobs,
        route=route,
        finding_set_id=finding_set.id,
        finding_set_created_at=finding_set.created_at,
        matching_code_version=finding_set.code_version,
        released=finding_set.released_at is not None,
        released_by=people(finding_set.released_by),
        released_at=finding_set.released_at,
        release_note=finding_set.release_note,
        findings=findings,
        claims_not_matched=not_matched,
        limitations=tuple(limitation_lines(finding_set.limitations, "en")),
        limitations_nl=tuple(limitation_lines(finding_set.limitations, "nl")),
        clock_anomalies=_clock_anomalies(jobs, route),
        coverage_first_utc=_dt(coverage.get("first_record_utc")),
        coverage_last_utc=_dt(coverage.get("last_record_utc")),
        audit=AuditFacts(
            head_seq=head_seq,
            head_hash=head_hash,
            anchor_seq=latest.seq if latest else None,
            anchor_hash=latest.hash if latest else None,
            anchor_at=latest.at if latest else None,
        ),
    )
