"""Claims through the API: gazetteer and time phrases, matching against an extracted route, and the release
gate (caseworkers see findings only after a legal reviewer released them)."""

from __future__ import annotations

import pytest

from casework.jobs.worker import JobWorker
from extractor.simulator.adb_server import start_adb_simulator
from extractor.simulator.phone_builder import build_phone
from tests.legal_basis.helpers import approved_case

WINDOW = {"window_start": "2024-01-01T00:00:00Z", "window_end": "2024-12-31T00:00:00Z"}
pytestmark = pytest.mark.device


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    return build_phone(tmp_path_factory.mktemp("claims-phone"), photos=60, timeline_points=2000, seed=9)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_claims_findings_and_release(client_for, state, phone) -> None:
    intake, authoriser = client_for("intake"), client_for("authoriser")
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    simulator = start_adb_simulator(phone.root, port=0)
    try:
        case_id, device_id, authorisation_id = approved_case(
            intake, authoriser, "V-CLAIMS", serial=phone.serial, **WINDOW
        )
        job = intake.post(
            f"/api/v1/cases/{case_id}/jobs",
            json={
                "authorisation_id": authorisation_id,
                "device_id": device_id,
                "source": {"kind": "adb", "host": "127.0.0.1", "port": simulator.port},
            },
        ).json()
        assert JobWorker(state, retry_delay_s=0).run_once()
        assert intake.get(f"/api/v1/jobs/{job['id']}").json()["state"] == "completed"
    finally:
        simulator.stop()

    # the caseworker sees what was understood, in both languages
    understood = caseworker.get("/api/v1/time-phrase", params={"q": "maart 2024"}).json()
    assert understood["understood"] and "2024" in understood["understood_en"]
    out_of_scope = caseworker.get("/api/v1/time-phrase", params={"q": "two weeks after Eid"}).json()
    assert out_of_scope["understood"] is False and out_of_scope["reason_nl"]
    candidates = caseworker.get("/api/v1/gazetteer", params={"q": "Halab"}).json()
    assert candidates[0]["country_iso2"] == "SY"

    from datetime import timedelta

    stays = phone.stays
    first, last = stays[0], stays[-1]
    aleppo_photos = sorted(
        p.time_utc
        for p in phone.photos
        if p.own
        and p.lat is not None
        and first.start_utc + timedelta(days=1) < p.time_utc < first.end_utc - timedelta(days=1)
    )
    in_aleppo = aleppo_photos[len(aleppo_photos) // 2]
    claims = [
        # where the phone truly was, in the applicant's words (alternate names, Dutch and English)
        {"kind": "passed_through", "place_text": "Halab", "time_text": f"{in_aleppo:%d %B %Y}"},
        {"kind": "arrived", "place_text": last.place, "time_text": f"{last.start_utc:%B %Y}"},
        # before the phone's first record: no data, never inconsistent
        {"kind": "stayed", "place_text": "Damascus", "time_text": "januari 2023"},
        # physically impossible: a week in Ter Apel while the phone's records are in Athens throughout
        {"kind": "stayed", "place_text": "Ter Apel", "time_text": "van 25 tot 31 mei 2024"},
    ]
    ids = []
    for claim in claims:
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=claim)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["place"] is not None and body["interval"] is not None, body
        ids.append(body["id"])
    assert reviewer.post(f"/api/v1/cases/{case_id}/claims", json=claims[0]).status_code == 403

    response = caseworker.post(f"/api/v1/cases/{case_id}/match")
    assert response.status_code == 200, response.text
    set_id = response.json()["finding_set_id"]

    # before release: 403 for the caseworker (findings and map), visible to the reviewer
    assert caseworker.get(f"/api/v1/cases/{case_id}/findings").status_code == 403
    assert caseworker.get(f"/api/v1/cases/{case_id}/route").status_code == 403
    findings = reviewer.get(f"/api/v1/cases/{case_id}/findings").json()
    status = {f["claim_id"]: f["status"] for f in findings["findings"]}
    assert status[ids[0]] == "consistent", findings["findings"][0]["explanation_en"]
    assert status[ids[2]] == "no_data"
    assert status[ids[3]] == "inconsistent", (
        findings["findings"][3]["explanation_en"],
        findings["findings"][3]["uncertainty"],
    )
    assert all(f["explanation_nl"] and f["explanation_en"] for f in findings["findings"])
    # the evidence names the route's visits at the claimed place and time (Aleppo yes; Ter Apel in May: none)
    by_claim = {f["claim_id"]: f for f in findings["findings"]}
    assert any("Aleppo" in (v["place"] or "") for v in by_claim[ids[0]]["visits"]), by_claim[ids[0]]["visits"]
    assert by_claim[ids[3]]["visits"] == []
    assert any("device, not the person" in line for line in findings["limitations"])

    assert (
        caseworker.post(
            f"/api/v1/cases/{case_id}/finding-sets/{set_id}/release", json={"note": "x"}
        ).status_code
        == 403
    )
    response = reviewer.post(
        f"/api/v1/cases/{case_id}/finding-sets/{set_id}/release",
        json={"note": "Checked evidence and limitations"},
    )
    assert response.status_code == 200 and response.json()["released"]
    released = caseworker.get(f"/api/v1/cases/{case_id}/findings")
    assert released.status_code == 200 and released.json()["id"] == set_id
    assert caseworker.get(f"/api/v1/cases/{case_id}/route").status_code == 200

    # re-matching keeps the history; the caseworker still sees the released set, not the new draft
    new_set = reviewer.post(f"/api/v1/cases/{case_id}/match").json()["finding_set_id"]
    assert caseworker.get(f"/api/v1/cases/{case_id}/findings").json()["id"] == set_id
    history = reviewer.get(f"/api/v1/cases/{case_id}/finding-sets").json()
    assert [h["id"] for h in history] == [set_id, new_set]

    # a rebuild with a mistyped or unknown parameter is refused and the field named; a good one versions
    versions_before = len(reviewer.get(f"/api/v1/cases/{case_id}/route/versions").json())
    for bad, field in (
        ({"stays": {"bogus": 1}}, "bogus"),
        ({"stay_radius_m": 500}, "stay_radius_m"),
        ({"stays": {"radius_m": "wide"}}, "radius_m"),
        ({"visits": {"place_radius": 5000}}, "place_radius"),
    ):
        response = reviewer.post(f"/api/v1/cases/{case_id}/route/rebuild", json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert field in response.text
    out_of_range = reviewer.post(f"/api/v1/cases/{case_id}/route/rebuild", json={"stays": {"radius_m": -5}})
    assert out_of_range.status_code == 422 and "radius_m" in out_of_range.text
    rebuilt = reviewer.post(
        f"/api/v1/cases/{case_id}/route/rebuild",
        json={"stays": {"radius_m": 250}, "visits": {"default_place_radius_m": 8000}},
    )
    assert rebuilt.status_code == 200, rebuilt.text
    versions = reviewer.get(f"/api/v1/cases/{case_id}/route/versions").json()
    assert len(versions) == versions_before + 1
    assert versions[-1]["parameters"]["stays"]["radius_m"] == 250
    assert versions[-1]["parameters"]["visits"]["default_place_radius_m"] == 8000
    assert versions[-1]["code_version"].startswith("routing")
