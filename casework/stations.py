"""Intake stations: who is alive, which jobs wait for whom, and releasing a dead station's job.

A station is a named worker (``REISROUTE_STATION``, ``reisroute worker --station NAME``) at the place where
phones are plugged in. Jobs pinned to a station are claimed only by that station's worker. The worker writes a
heartbeat row every ``station_heartbeat_s``; a station whose heartbeat is older than ``station_dead_after_s``
is shown dead. One worker holds a station name at a time (a second one with a live namesake refuses to
start), so when a station's worker starts again it takes back the jobs it left running and resumes them,
committed items skipped. If the station does not come back, an admin releases its job to another station
(or to any worker without a station): :func:`release_job`.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import extractor
from casework.errors import CaseworkError
from legal_basis import services
from legal_basis.services import Actor
from store.models import ExtractionJob, Station
from store.types import utcnow

WAITING_STATES = ("queued", "interrupted")


class StationTaken(CaseworkError):
    """Another live worker already runs under this station name."""


@dataclass(frozen=True, slots=True)
class StationStatus:
    name: str
    host: str
    version: str
    worker_id: str | None
    started_at: datetime
    last_heartbeat_at: datetime
    seconds_since_heartbeat: float
    alive: bool
    stopped: bool
    current_job_id: int | None
    jobs_running: int
    jobs_waiting: int


def _alive(row: Station, now: datetime, dead_after_s: float) -> bool:
    return row.stopped_at is None and (now - row.last_heartbeat_at).total_seconds() <= dead_after_s


def register_station(
    factory: sessionmaker[Session], name: str, worker_id: str, *, dead_after_s: float
) -> None:
    """Claim the station name for this worker; refuses while another worker's heartbeat under it is fresh."""
    now = utcnow()
    with factory.begin() as session:
        row = session.get(Station, name, with_for_update=True)
        if row is not None and row.worker_id not in (None, worker_id) and _alive(row, now, dead_after_s):
            raise StationTaken(
                f"station {name!r} already has a live worker ({row.worker_id}, last heartbeat "
                f"{(now - row.last_heartbeat_at).total_seconds():.0f} s ago): one worker per station name"
            )
        if row is None:
            row = Station(name=name)
            session.add(row)
        row.worker_id = worker_id
        row.host = socket.gethostname()
        row.version = extractor.__version__
        row.started_at = now
        row.last_heartbeat_at = now
        row.stopped_at = None
        row.current_job_id = None


def heartbeat(
    factory: sessionmaker[Session], name: str, worker_id: str, *, current_job_id: int | None
) -> None:
    with factory.begin() as session:
        row = session.get(Station, name)
        if row is None or row.worker_id != worker_id:
            return  # taken over (after this worker was shown dead): the newer worker owns the row
        row.last_heartbeat_at = utcnow()
        row.current_job_id = current_job_id


def stop_station(factory: sessionmaker[Session], name: str, worker_id: str) -> None:
    with factory.begin() as session:
        row = session.get(Station, name)
        if row is not None and row.worker_id == worker_id:
            row.stopped_at = utcnow()
            row.current_job_id = None


def list_stations(
    session: Session, *, dead_after_s: float, now: datetime | None = None
) -> list[StationStatus]:
    """Every station that ever ran, with whether it is alive and how many jobs run at it or wait for it."""
    now = now or utcnow()
    counts: dict[tuple[str | None, str], int] = {
        (station, state): count
        for station, state, count in session.execute(
            select(ExtractionJob.station, ExtractionJob.state, func.count())
            .where(ExtractionJob.station.is_not(None), ExtractionJob.state.in_(["running", *WAITING_STATES]))
            .group_by(ExtractionJob.station, ExtractionJob.state)
        )
    }
    result = []
    for row in session.scalars(select(Station).order_by(Station.name)):
        result.append(
            StationStatus(
                name=row.name,
                host=row.host,
                version=row.version,
                worker_id=row.worker_id,
                started_at=row.started_at,
                last_heartbeat_at=row.last_heartbeat_at,
                seconds_since_heartbeat=round((now - row.last_heartbeat_at).total_seconds(), 1),
                alive=_alive(row, now, dead_after_s),
                stopped=row.stopped_at is not None,
                current_job_id=row.current_job_id,
                jobs_running=counts.get((row.name, "running"), 0),
                jobs_waiting=sum(counts.get((row.name, state), 0) for state in WAITING_STATES),
            )
        )
    return result


def release_job(
    session: Session,
    actor: Actor,
    job_id: int,
    *,
    to_station: str | None,
    dead_after_s: float,
) -> ExtractionJob:
    """Move a job of a dead (or never seen) station to another station, or to any worker without a station
    (``to_station=None``). A job that was running becomes ``interrupted``: the new station resumes it and
    skips the items already committed. Refused while the job's own station is alive and running it."""
    job = session.get(ExtractionJob, job_id, with_for_update=True)
    if job is None:
        raise services.NotFound(f"job {job_id} does not exist")
    if job.state not in ("running", *WAITING_STATES):
        raise services.Conflict(f"job {job_id} is {job.state}: only a waiting or running job can be released")
    if to_station is not None and to_station == job.station:
        raise services.Conflict(f"job {job_id} is already pinned to station {to_station!r}")
    now = utcnow()
    if job.station is not None:
        row = session.get(Station, job.station)
        if row is not None and job.state == "running" and _alive(row, now, dead_after_s):
            raise services.Conflict(
                f"station {job.station!r} is alive and runs job {job_id}: cancel the job there, or release it "
                f"once the station has had no heartbeat for {dead_after_s:.0f} s"
            )
    elif (
        job.state == "running"
        and job.heartbeat_at is not None
        and (now - job.heartbeat_at < timedelta(seconds=dead_after_s))
    ):
        raise services.Conflict(f"job {job_id} is running with a fresh heartbeat: cancel it instead")
    previous = job.station
    if job.state == "running":
        job.state = "interrupted"
    job.worker_id = None
    job.station = to_station
    services.record(
        session,
        actor,
        "job.release",
        case_id=job.case_id,
        object_type="job",
        object_id=job_id,
        details={"from_station": previous, "to_station": to_station},
    )
    session.flush()
    return job
