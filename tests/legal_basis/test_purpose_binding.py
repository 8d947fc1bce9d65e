"""LEGAL 21: the policy says which evaluations a ground permits, and the software refuses the others.

The same extraction under the Dutch default (route and claim matching permitted) and under the example
German-style ground (identity and nationality only, evaluated only by a legal reviewer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.settings import Settings
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from legal_basis.policy import DEFAULT_POLICY_FILE, Evaluation, load_policy
from tests.api.job_helpers import open_gate_case, run_job, start_job

DE_POLICY = DEFAULT_POLICY_FILE.with_name("de-example.yaml")
pytestmark = pytest.mark.device


def test_the_shipped_policies_bind_purposes() -> None:
    dutch = load_policy(None).ground("vw2000-55-2-consent")
    assert dutch is not None and dutch.permitted_evaluations == set(Evaluation)
    german = load_policy(DE_POLICY).ground("asylg-15a-identity")
    assert german is not None and german.permitted_evaluations == {Evaluation.IDENTITY_NATIONALITY}
    assert german.evaluator_roles == {"legal_reviewer"} and german.requires_milder_means


@pytest.fixture(scope="module")
def phone(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build_phone(tmp_path_factory.mktemp("purpose-phone"), photos=12, timeline_points=400, seed=21)


@pytest.fixture(params=["nl-default", "de-example"])
def policy_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, gazetteer_dir: Path, policy_name: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        run_worker=False,
        gazetteer_dir=gazetteer_dir,
        policy_file=DE_POLICY if policy_name == "de-example" else None,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_route_and_matching_only_where_the_ground_permits(client_for, state, phone, policy_name) -> None:  # type: ignore[no-untyped-def]
    intake, authoriser = client_for("intake"), client_for("authoriser")
    reviewer, caseworker = client_for("reviewer"), client_for("caseworker")
    ground = "asylg-15a-identity" if policy_name == "de-example" else "vw2000-55-2-consent"
    case_id, device_id, authorisation_id = open_gate_case(
        intake,
        authoriser,
        f"V-PURPOSE-{policy_name}",
        platform="android",
        serial=phone.serial,
        ground_id=ground,
        categories=["location", "device_time", "device_identity"],
    )
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        job_id = start_job(
            intake,
            case_id,
            device_id,
            authorisation_id,
            {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
        )
        job = run_job(state, intake, job_id)
    finally:
        simulator.stop()
    assert job["state"] == "completed", job["error"]
    # the device's identity is what every ground here permits
    assert reviewer.get(f"/api/v1/jobs/{job_id}/report").json()["identity"]["serial"] == phone.serial

    claim = {"kind": "passed_through", "place_text": "Athens", "time_text": "mei 2024"}
    created = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=claim)
    assert created.status_code == 201, created.text
    route = reviewer.get(f"/api/v1/cases/{case_id}/route")
    match = reviewer.post(f"/api/v1/cases/{case_id}/match")
    rebuild = reviewer.post(f"/api/v1/cases/{case_id}/route/rebuild", json={})
    if policy_name == "nl-default":
        assert route.status_code == 200 and match.status_code == 200 and rebuild.status_code == 200
        return
    for response in (route, match, rebuild):
        assert response.status_code == 403, response.text
        assert "asylg-15a-identity" in response.text and "15a" in response.text
        assert "route reconstruction" in response.text or "comparison" in response.text
    for path in ("route/summary", "route/versions", "route/points", "findings", "report.pdf"):
        refused = reviewer.get(f"/api/v1/cases/{case_id}/{path}")
        assert refused.status_code == 403 and "asylg-15a-identity" in refused.text, (path, refused.text)
