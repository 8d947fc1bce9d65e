"""A case extracted from a simulated phone over the real adb protocol, matched and released (issue 13 tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casework.jobs.worker import JobWorker
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from matching.gazetteer import Gazetteer
from tests.legal_basis.helpers import approved_case


@dataclass
class ReleasedCase:
    case_id: int
    job_id: int
    finding_set_id: int
    phone: Any


def released_case(state, client_for, root: Path, gazetteer_dir: Path, reference: str) -> ReleasedCase:  # type: ignore[no-untyped-def]
    state.extras["gazetteer"] = Gazetteer.open(gazetteer_dir)
    intake, authoriser = client_for("intake"), client_for("authoriser")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    phone = build_phone(root / "phone", photos=8, timeline_points=300, seed=3)
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        case_id, device_id, authorisation_id = approved_case(
            intake,
            authoriser,
            reference,
            serial=phone.serial,
            window_start="2024-01-01T00:00:00Z",
            window_end="2024-12-31T00:00:00Z",
        )
        response = intake.post(
            f"/api/v1/cases/{case_id}/jobs",
            json={
                "authorisation_id": authorisation_id,
                "device_id": device_id,
                "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
            },
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        assert JobWorker(state, retry_delay_s=0).run_once()
    finally:
        simulator.stop()
    response = caseworker.post(
        f"/api/v1/cases/{case_id}/claims",
        json={"kind": "stayed", "place_text": "Damascus", "time_text": "januari 2023", "position": 0},
    )
    assert response.status_code == 201, response.text
    response = caseworker.post(f"/api/v1/cases/{case_id}/match")
    assert response.status_code == 200, response.text
    set_id = response.json()["finding_set_id"]
    response = reviewer.post(
        f"/api/v1/cases/{case_id}/finding-sets/{set_id}/release", json={"note": "checked for the test"}
    )
    assert response.status_code == 200, response.text
    return ReleasedCase(case_id=case_id, job_id=job_id, finding_set_id=set_id, phone=phone)
