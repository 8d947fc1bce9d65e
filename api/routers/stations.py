"""Intake stations for the admin: which are alive (last heartbeat), what runs or waits at each, and releasing
a dead station's job to another station."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from api.deps import ADMIN_ONLY, ReadRoute, SessionDep, StateDep
from api.params import PathId
from casework import stations
from legal_basis import services
from legal_basis.services import Actor

router = APIRouter(route_class=ReadRoute, prefix="/api/v1/admin", tags=["stations"])


class StationRead(BaseModel):
    name: str
    host: str
    version: str
    worker_id: str | None
    started_at: datetime
    last_heartbeat_at: datetime
    seconds_since_heartbeat: float
    alive: bool
    stopped: bool
    state: str = Field(description="alive | dead | stopped (words: catalogue group station_state)")
    current_job_id: int | None
    jobs_running: int
    jobs_waiting: int


class StationList(BaseModel):
    dead_after_s: float
    stations: list[StationRead]


class JobRelease(BaseModel):
    station: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="the station that takes the job over; none: any worker without a station",
    )


@router.get("/stations", response_model=StationList)
def list_stations(
    session: SessionDep, state: StateDep, actor: Annotated[Actor, Depends(ADMIN_ONLY)]
) -> StationList:
    """Every station that ever reported, alive or dead by its last heartbeat."""
    dead_after_s = state.settings.station_dead_after_s
    found = stations.list_stations(session, dead_after_s=dead_after_s)
    services.record(session, actor, "station.list", details={"stations": len(found)})
    return StationList(
        dead_after_s=dead_after_s,
        stations=[
            StationRead(
                **{name: getattr(s, name) for name in s.__slots__},  # type: ignore[attr-defined]
                state="stopped" if s.stopped else "alive" if s.alive else "dead",
            )
            for s in found
        ],
    )


class ReleasedJob(BaseModel):
    """What admin learns of a released job: ids, station and state only (no case data, issue 13)."""

    id: int
    case_id: int
    station: str | None
    state: str


@router.post("/jobs/{job_id}/release", response_model=ReleasedJob)
def release_job(
    job_id: PathId,
    body: JobRelease,
    session: SessionDep,
    state: StateDep,
    actor: Annotated[Actor, Depends(ADMIN_ONLY)],
) -> ReleasedJob:
    """Hand a dead station's job to another station: it resumes there, committed items skipped."""
    job = stations.release_job(
        session, actor, job_id, to_station=body.station, dead_after_s=state.settings.station_dead_after_s
    )
    return ReleasedJob(id=job.id, case_id=job.case_id, station=job.station, state=job.state)
