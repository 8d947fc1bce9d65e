"""One released case for the report tests, built once per module the way a real case is: a case with an
approved authorisation, consent and notice, an extraction from the simulated Android phone over the adb
wire protocol, claims entered by the caseworker, matching, and release by a legal reviewer.

Users carry full names with Turkish and Greek letters, so the report's embedded font is exercised.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import build_state, create_app
from casework.jobs.worker import JobWorker
from casework.settings import Settings
from casework.state import AppState
from casework.teams import ensure_team
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import PhoneManifest, build_phone
from legal_basis.roles import Role
from matching.gazetteer import Gazetteer
from store.db import unit_of_work
from store.models import User
from tests.conftest import (
    PASSWORD,
    TEST_AUDIT_KEY,
    TEST_ORGANISATION_KEY,
)  # the session's password_hash fixture hashes this one
from tests.legal_basis.helpers import approved_case

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
WINDOW = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}
REFERENCE = "V-RAPPORT-7"

#: username → (role, full name)
PEOPLE: dict[str, tuple[Role, str]] = {
    "intake": (Role.INTAKE_OFFICER, "Ingrid de Vries"),
    "authoriser": (Role.AUTHORISING_OFFICIAL, "Aylin Şahin-Öztürk"),
    "caseworker": (Role.CASEWORKER, "Karel Janssen"),
    "reviewer": (Role.LEGAL_REVIEWER, "Δήμητρα Παπαδοπούλου"),
    "auditor": (Role.COMPLIANCE_AUDITOR, "Anna Bakker"),
}


@dataclass
class ReleasedCase:
    state: AppState
    phone: PhoneManifest
    clients: dict[str, TestClient]
    case_id: int
    device_id: int
    job_id: int
    claim_ids: list[int]
    released_set_id: int
    draft_set_id: int
    caseworker_status_before_release: int
    statuses: dict[int, str] = field(default_factory=dict)


def _sign_in(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    client.__enter__()
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def released_case(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    password_hash: str,
) -> Iterator[ReleasedCase]:
    root = tmp_path_factory.mktemp("report-case")
    database = root / "reisroute.sqlite3"
    shutil.copyfile(sqlite_template, database)
    # the gazetteer index is keyed by its inputs: build it once into pytest's cache and reuse it
    # (CI runs with -p no:cacheprovider: then it is built once for this run)
    cache = getattr(request.config, "cache", None)
    gazetteer_dir = (
        Path(cache.mkdir("reisroute-gazetteer")) if cache is not None else root / "gazetteer-cache"
    )
    settings = Settings(
        data_dir=root / "data",
        database_url=f"sqlite:///{database}",
        run_worker=False,
        gazetteer_dir=gazetteer_dir,
        audit_key=TEST_AUDIT_KEY,
        organisation_key=TEST_ORGANISATION_KEY,
        audit_checkpoint_dir=root / "audit-checkpoints",
    )
    state = build_state(settings, migrate=False)
    state.extras["gazetteer"] = Gazetteer.open(gazetteer_dir)
    with unit_of_work(state.session_factory) as session:
        for username, (role, full_name) in PEOPLE.items():
            session.add(
                User(username=username, full_name=full_name, password_hash=password_hash, roles=[role.value])
            )
        session.flush()
        ensure_team(session, "report team", list(PEOPLE))  # need-to-know: the case's team
    app = create_app(settings, state=state)
    clients = {username: _sign_in(app, username) for username in PEOPLE}
    intake, authoriser = clients["intake"], clients["authoriser"]
    caseworker, reviewer = clients["caseworker"], clients["reviewer"]
    phone = build_phone(root / "phone", photos=40, timeline_points=1200, seed=9)
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        case_id, device_id, authorisation_id = approved_case(
            intake, authoriser, REFERENCE, serial=phone.serial, **WINDOW
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
        assert intake.get(f"/api/v1/jobs/{job_id}").json()["state"] == "completed"
    finally:
        simulator.stop()

    first, last = phone.stays[0], phone.stays[-1]
    own_photo_times = sorted(
        p.time_utc
        for p in phone.photos
        if p.own
        and p.lat is not None
        and first.start_utc + timedelta(days=1) < p.time_utc < first.end_utc - timedelta(days=1)
    )
    in_aleppo = own_photo_times[len(own_photo_times) // 2]
    claims = [
        {"kind": "passed_through", "place_text": "Halab", "time_text": f"{in_aleppo:%d %B %Y}"},
        {"kind": "arrived", "place_text": last.place, "time_text": f"{last.start_utc:%B %Y}"},
        {"kind": "stayed", "place_text": "Damascus", "time_text": "januari 2023"},
        {"kind": "stayed", "place_text": "Ter Apel", "time_text": "van 25 tot 31 mei 2024"},
    ]
    claim_ids = []
    for position, claim in enumerate(claims):
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json={**claim, "position": position})
        assert response.status_code == 201, response.text
        claim_ids.append(response.json()["id"])
    response = caseworker.post(f"/api/v1/cases/{case_id}/match")
    assert response.status_code == 200, response.text
    released_set_id = response.json()["finding_set_id"]
    before = caseworker.get(f"/api/v1/cases/{case_id}/report.pdf").status_code
    response = reviewer.post(
        f"/api/v1/cases/{case_id}/finding-sets/{released_set_id}/release",
        json={"note": "Evidence and limitations checked against the custody report"},
    )
    assert response.status_code == 200, response.text
    # a later re-match: a new, unreleased set the reviewer can print only as a draft
    draft_set_id = reviewer.post(f"/api/v1/cases/{case_id}/match").json()["finding_set_id"]
    findings = reviewer.get(
        f"/api/v1/cases/{case_id}/findings", params={"finding_set_id": released_set_id}
    ).json()["findings"]
    yield ReleasedCase(
        state=state,
        phone=phone,
        clients=clients,
        case_id=case_id,
        device_id=device_id,
        job_id=job_id,
        claim_ids=claim_ids,
        released_set_id=released_set_id,
        draft_set_id=draft_set_id,
        caseworker_status_before_release=before,
        statuses={f["claim_id"]: f["status"] for f in findings},
    )
    for client in clients.values():
        client.__exit__(None, None, None)
    state.engine.dispose()
