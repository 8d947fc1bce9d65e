"""Builders for extraction jobs through the HTTP API: a case with a registered device and an open gate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from casework.jobs.worker import JobWorker
from casework.state import AppState
from store.models import CustodyRecord, LocationRow
from tests.legal_basis.helpers import authorisation_body, consent_body

WINDOW_2024 = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}


def open_gate_case(
    intake: TestClient,
    authoriser: TestClient,
    reference: str,
    *,
    platform: str,
    make: str = "",
    model: str = "",
    serial: str | None = None,
    **authorisation: Any,
) -> tuple[int, int, int]:
    """A case with one device, an approved authorisation, consent and notice: (case, device, authorisation)."""
    response = intake.post("/api/v1/cases", json={"reference": reference, "title": "Extraction test"})
    assert response.status_code == 201, response.text
    case_id = response.json()["id"]
    device = {"platform": platform, "make": make, "model": model, "serial": serial, "seal_number": "BAG-7"}
    response = intake.post(f"/api/v1/cases/{case_id}/devices", json=device)
    assert response.status_code == 201, response.text
    device_id = response.json()["id"]
    body = authorisation_body(device_id=device_id, **{**WINDOW_2024, **authorisation})
    response = intake.post(f"/api/v1/cases/{case_id}/authorisations", json=body)
    assert response.status_code == 201, response.text
    authorisation_id = response.json()["id"]
    response = authoriser.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve",
        json={"reason": "Necessary and proportionate"},
    )
    assert response.status_code == 200, response.text
    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/consent", json=consent_body()
    )
    assert response.status_code == 201, response.text
    response = intake.post(
        f"/api/v1/cases/{case_id}/notices", json={"language": "ar", "given_at": datetime.now(UTC).isoformat()}
    )
    assert response.status_code == 201, response.text
    return case_id, device_id, authorisation_id


def start_job(intake: TestClient, case_id: int, device_id: int, authorisation_id: int, source: dict) -> int:
    response = intake.post(
        f"/api/v1/cases/{case_id}/jobs",
        json={"authorisation_id": authorisation_id, "device_id": device_id, "source": source},
    )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def run_job(state: AppState, intake: TestClient, job_id: int) -> dict[str, Any]:
    """One worker pass; returns the job as the API shows it."""
    assert JobWorker(state, retry_delay_s=0).run_once()
    return dict(intake.get(f"/api/v1/jobs/{job_id}").json())


def stored(state: AppState, job_id: int) -> tuple[list[CustodyRecord], list[LocationRow]]:
    with state.session_factory() as session:
        custody = list(
            session.scalars(
                select(CustodyRecord).where(CustodyRecord.job_id == job_id).order_by(CustodyRecord.id)
            )
        )
        rows = list(
            session.scalars(select(LocationRow).where(LocationRow.job_id == job_id).order_by(LocationRow.id))
        )
        session.expunge_all()
    return custody, rows


def job_owner_rows(session: Any, reference: str) -> dict[str, int]:
    """The rows a job row needs (user, case, device, authorisation), written straight to the store for tests
    of what shows a job (the CLI's watch), not of how a job comes to be: the ids as ExtractionJob fields."""
    from store.models import Authorisation, Case, Device, User

    user = User(username="u", password_hash="x", roles=["intake_officer"])
    session.add(user)
    session.flush()
    case = Case(reference=reference, created_by=user.id)
    session.add(case)
    session.flush()
    device = Device(case_id=case.id, platform="android", registered_by=user.id)
    session.add(device)
    session.flush()
    now = datetime.now(UTC)
    authorisation = Authorisation(
        case_id=case.id,
        policy_version="p",
        ground_id="g",
        purpose="p",
        necessity="n",
        window_start=now,
        window_end=now,
        valid_until=now,
        requested_by=user.id,
    )
    session.add(authorisation)
    session.flush()
    return {
        "case_id": case.id,
        "device_id": device.id,
        "authorisation_id": authorisation.id,
        "created_by": user.id,
    }
