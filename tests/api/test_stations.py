"""Stations on either database: a worker claims only its station's jobs, heartbeats show alive and dead, one
worker per station name, and an admin releases a dead station's job (never a live one's)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from casework.jobs.worker import JobWorker
from casework.stations import StationTaken, heartbeat, register_station
from store.models import ExtractionJob, Station
from store.types import utcnow
from tests.api.job_helpers import job_owner_rows


def _job(state, station: str | None, reference: str) -> int:  # type: ignore[no-untyped-def]
    with state.session_factory.begin() as session:
        owner = job_owner_rows(session, reference) if reference else {}
        job = ExtractionJob(kind="adb", params={}, station=station, **owner)
        session.add(job)
        session.flush()
        return int(job.id)


def test_workers_claim_only_their_stations_jobs(state) -> None:  # type: ignore[no-untyped-def]
    north_job = _job(state, "north", "V-ST-1")
    with state.session_factory.begin() as session:  # a second job in the same case, unpinned
        first = session.get(ExtractionJob, north_job)
        assert first is not None
        free = ExtractionJob(
            kind="adb",
            params={},
            case_id=first.case_id,
            device_id=first.device_id,
            authorisation_id=first.authorisation_id,
            created_by=first.created_by,
        )
        session.add(free)
        session.flush()
        free_job = free.id
    assert JobWorker(state, station="south").claim() is None
    assert JobWorker(state).claim() == free_job  # no station: only unpinned jobs
    north = JobWorker(state, station="north")
    assert north.claim() == north_job
    assert north.claim() is None
    with state.session_factory() as session:
        job = session.get(ExtractionJob, north_job)
        assert job is not None and job.state == "running" and job.worker_id == north.worker_id


def test_heartbeats_and_release(state, client_for) -> None:  # type: ignore[no-untyped-def]
    admin, intake = client_for("admin"), client_for("intake")
    assert admin.get("/api/v1/admin/stations").json()["stations"] == []
    job_id = _job(state, "north", "V-ST-2")
    first = JobWorker(state, station="north")
    register_station(state.session_factory, "north", first.worker_id, dead_after_s=30)
    assert first.claim() == job_id
    with pytest.raises(StationTaken, match="already has a live worker"):
        register_station(state.session_factory, "north", "another:1:x", dead_after_s=30)
    heartbeat(state.session_factory, "north", first.worker_id, current_job_id=job_id)

    stations = admin.get("/api/v1/admin/stations").json()["stations"]
    assert [(s["name"], s["state"], s["current_job_id"], s["jobs_running"]) for s in stations] == [
        ("north", "alive", job_id, 1)
    ]
    assert intake.get("/api/v1/admin/stations").status_code == 403
    refused = admin.post(f"/api/v1/admin/jobs/{job_id}/release", json={"station": "south"})
    assert refused.status_code == 409 and "alive" in refused.json()["detail"]
    assert admin.post(f"/api/v1/admin/jobs/{job_id}/release", json={"station": "bad name!"}).status_code == 422

    with state.session_factory.begin() as session:  # the station falls silent
        session.execute(
            update(Station).values(
                last_heartbeat_at=utcnow() - timedelta(seconds=state.settings.station_dead_after_s + 1)
            )
        )
    assert admin.get("/api/v1/admin/stations").json()["stations"][0]["state"] == "dead"
    released = admin.post(f"/api/v1/admin/jobs/{job_id}/release", json={"station": "south"})
    assert released.status_code == 200, released.text
    assert (released.json()["state"], released.json()["station"]) == ("interrupted", "south")
    assert JobWorker(state, station="north").claim() is None
    assert JobWorker(state, station="south").claim() == job_id
    assert admin.post("/api/v1/jobs/999999/release", json={}).status_code == 404


def test_a_restarted_station_takes_its_job_back(state) -> None:  # type: ignore[no-untyped-def]
    job_id = _job(state, "east", "V-ST-3")
    dead = JobWorker(state, station="east")
    assert dead.claim() == job_id
    with state.session_factory.begin() as session:  # the worker process is gone: its heartbeat went stale
        session.execute(update(ExtractionJob).values(worker_id="elsewhere:1:dead"))
        session.add(
            Station(
                name="east", worker_id="elsewhere:1:dead", last_heartbeat_at=utcnow() - timedelta(hours=1)
            )
        )
    again = JobWorker(state, station="east")
    register_station(state.session_factory, "east", again.worker_id, dead_after_s=30)
    assert again.recover_orphans() == 1
    assert again.claim() == job_id
