"""Small builders for route-storage tests: a case row, an extraction job and custody row to hang records on,
and a seeded synthetic journey (stays joined by moves, with GNSS/Wi-Fi/cell noise and a received photo)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Authorisation, Case, CaseAssignment, CustodyRecord, Device, ExtractionJob, Team, User

JOURNEY = (  # (lat, lon) of the places the synthetic journey stays at, in order
    (36.2021, 37.1343),
    (37.0662, 37.3833),
    (41.0151, 28.9795),
    (39.1270, 26.5120),
    (37.9838, 23.7275),
    (41.1224, 22.5175),
)
START_S = 1_700_000_000.0


def journey_points(n_points: int, seed: int) -> dict[str, np.ndarray]:
    """Time-sorted points: 60 % of the time at the places above (2 days each), the rest moving between them."""
    rng = np.random.default_rng(seed)
    legs = len(JOURNEY) - 1
    time_s = np.sort(START_S + rng.random(n_points) * legs * 3 * 86400.0)
    phase = (time_s - START_S) / (3 * 86400.0)
    leg = np.minimum(phase.astype(np.int64), legs - 1)
    within = np.clip((phase - leg - 2 / 3) * 3, 0.0, 1.0)  # first 2 days at the place, then one day moving
    a = np.asarray(JOURNEY, dtype=np.float64)[leg]
    b = np.asarray(JOURNEY, dtype=np.float64)[leg + 1]
    lat = a[:, 0] + (b[:, 0] - a[:, 0]) * within + rng.normal(0, 0.0008, n_points)
    lon = a[:, 1] + (b[:, 1] - a[:, 1]) * within + rng.normal(0, 0.0008, n_points)
    draw = rng.random(n_points)
    fix_kind = np.where(draw < 0.7, "gnss", np.where(draw < 0.95, "wifi", "cell")).astype(object)
    accuracy = np.where(fix_kind == "gnss", 20.0, np.where(fix_kind == "wifi", 120.0, 1500.0))
    accuracy[rng.random(n_points) < 0.05] = np.nan  # some records carry no accuracy
    observation = np.where(rng.random(n_points) < 0.01, "received", "own").astype(object)
    time_source = np.where(rng.random(n_points) < 0.5, "device_clock", "gnss").astype(object)
    return {
        "time_s": time_s,
        "lat": lat,
        "lon": lon,
        "accuracy_m": accuracy,
        "fix_kind": fix_kind,
        "observation": observation,
        "time_source": time_source,
    }


def make_case_with_job(session: Session, reference: str) -> tuple[int, int, int]:
    """(case id, job id, custody id) rows for records to belong to (no extraction is run)."""
    user = User(username=f"builder-{reference}", password_hash="x", roles=["intake_officer"])
    session.add(user)
    session.flush()
    case = Case(reference=reference, created_by=user.id)
    session.add(case)
    session.flush()
    # need-to-know: the tests' case team (tests/conftest.py), when the users are seeded, sees the case
    team_id = session.scalar(select(Team.id).where(Team.name == "case team"))
    if team_id is not None:
        session.add(CaseAssignment(case_id=case.id, team_id=team_id, assigned_by=user.id))
    device = Device(case_id=case.id, platform="android", registered_by=user.id)
    session.add(device)
    session.flush()
    now = datetime.now(UTC)
    authorisation = Authorisation(
        case_id=case.id,
        device_id=device.id,
        policy_version="test",
        ground_id="vw2000-55-2-consent",  # a ground of the default policy that permits route reconstruction
        status="approved",
        purpose="test",
        necessity="test",
        window_start=now,
        window_end=now,
        valid_until=now,
        requested_by=user.id,
    )
    session.add(authorisation)
    session.flush()
    job = ExtractionJob(
        case_id=case.id,
        device_id=device.id,
        authorisation_id=authorisation.id,
        kind="archive",
        state="completed",
        created_by=user.id,
    )
    session.add(job)
    session.flush()
    custody = CustodyRecord(
        case_id=case.id,
        job_id=job.id,
        item_key="timeline",
        device_path="/sdcard/Timeline.json",
        sha256_acquired="0" * 64,
        bytes_acquired=0,
        artifact_id="android.google_timeline",
        method="test",
        acquired_at=now,
        blob_name="",
    )
    session.add(custody)
    session.flush()
    return case.id, job.id, custody.id


def record_rows(case_id: int, job_id: int, custody_id: int, points: dict[str, np.ndarray]) -> list[tuple]:
    """Tuples for ``store.location_rows.insert_location_rows``."""
    rows = []
    for k in range(len(points["time_s"])):
        accuracy = float(points["accuracy_m"][k])
        rows.append(
            (
                case_id,
                job_id,
                custody_id,
                datetime.fromtimestamp(float(points["time_s"][k]), UTC),
                float(points["lat"][k]),
                float(points["lon"][k]),
                None if accuracy != accuracy else accuracy,
                None,
                str(points["fix_kind"][k]),
                str(points["time_source"][k]),
                str(points["observation"][k]),
                "android.google_timeline",
                "/sdcard/Timeline.json",
                "0" * 64,
                f"row {k}",
                None,
                0.0,
            )
        )
    return rows
