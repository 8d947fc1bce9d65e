"""Builders for the legal workflow through the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

GROUND = "vw2000-55-2-consent"


def authorisation_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ground_id": GROUND,
        "purpose": "Establish the travel route stated in the asylum account",
        "necessity": "No travel documents; route cannot otherwise be established",
        "milder_means": [
            {"means": "Documents asked for", "tried_at": "2026-11-01", "result": "None available"},
            {"means": "Eurodac and VIS checked", "tried_at": "2026-11-02", "result": "No hit"},
        ],
        "categories": ["location", "photo_metadata", "device_time", "device_identity"],
        "window_start": "2015-01-01T00:00:00Z",
        "window_end": "2017-01-01T00:00:00Z",
    }
    body.update(overrides)
    return body


def consent_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "language": "ar",
        "interpreter": "Interpreter #4411",
        "refusal_without_consequence_explained": True,
        "given": True,
        "given_at": datetime.now(UTC).isoformat(),
    }
    body.update(overrides)
    return body


def new_case(intake: TestClient, reference: str = "V-1234567", serial: str = "R58M123") -> tuple[int, int]:
    response = intake.post("/api/v1/cases", json={"reference": reference, "title": "Test"})
    assert response.status_code == 201, response.text
    case_id = response.json()["id"]
    response = intake.post(
        f"/api/v1/cases/{case_id}/devices",
        json={
            "platform": "android",
            "make": "Samsung",
            "model": "SM-A515F",
            "serial": serial,
            "seal_number": "BAG-001",
        },
    )
    assert response.status_code == 201, response.text
    return case_id, response.json()["id"]


def approved_case(
    intake: TestClient,
    authoriser: TestClient,
    reference: str = "V-7654321",
    serial: str = "R58M123",
    **authorisation: Any,
) -> tuple[int, int, int]:
    """A case with a device, an approved authorisation, consent and notice: the gate says yes."""
    case_id, device_id = new_case(intake, reference, serial)
    response = intake.post(
        f"/api/v1/cases/{case_id}/authorisations",
        json=authorisation_body(device_id=device_id, **authorisation),
    )
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


def iso(moment: datetime) -> str:
    return moment.isoformat()


def days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)
