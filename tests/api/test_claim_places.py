"""The place of a claim through the API: candidates and ambiguity stored, a suggestion never taken as certain,
the caseworker confirms one; the route is lookup context only after release (LEGAL 4)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.findings import claim_from_row, place_from_dict
from store.db import unit_of_work
from store.models import AuditEntry, ClaimRow, FindingSet, RouteVersion, User
from store.types import utcnow
from tests.legal_basis.helpers import new_case

SARAY_VAN = "geonames:301855"
SARAY_ISTANBUL_QUARTER = "geonames:747538"
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _claim(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {"kind": "passed_through", "place_text": "Saray", "time_text": "maart 2024"}
    body.update(overrides)
    return body


def test_an_ambiguous_place_is_stored_unconfirmed_with_its_candidates(client_for, state) -> None:  # noqa: ANN001
    intake, caseworker = client_for("intake"), client_for("caseworker")
    case_id, _ = new_case(intake, "V-PLACES-1")

    response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=_claim(place_country="TR"))
    assert response.status_code == 201, response.text
    claim = response.json()
    assert claim["place_confirmed"] is False and claim["place_confirmation"] is None
    assert claim["place_ambiguous"] is True
    assert claim["place_ambiguity_en"] and claim["place_ambiguity_nl"]
    assert claim["place_country"] == "TR"
    by_id = {candidate["place"]["id"]: candidate for candidate in claim["candidates"]}
    assert by_id[SARAY_VAN]["plausible"] and by_id[SARAY_ISTANBUL_QUARTER]["plausible"]
    assert all(c["reasons_en"] and c["reasons_nl"] and c["country"] == "TR" for c in claim["candidates"][:3])
    assert claim["place"]["id"] == claim["candidates"][0]["place"]["id"]  # a suggestion, flagged as one

    # matching reads the plausible places (as place dicts) and that the place is unconfirmed
    with state.session_factory() as session:
        row = session.get(ClaimRow, claim["id"])
        assert row.extra["place_confirmed"] is False
        plausible = [place_from_dict(place) for place in row.extra["candidates"]]
        assert {SARAY_VAN, SARAY_ISTANBUL_QUARTER} <= {place.id for place in plausible}
        assert claim_from_row(row) is not None

    # the caseworker confirms Saray (Van); the confirmation is audited
    confirmed = caseworker.post(
        f"/api/v1/cases/{case_id}/claims/{claim['id']}/confirm-place", json={"place_id": SARAY_VAN}
    )
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["place_confirmed"] is True and body["place"]["id"] == SARAY_VAN
    assert body["place_confirmation"]["by"] == "caseworker" and body["place_confirmation"]["from_candidates"]
    assert body["candidates"]  # the alternatives stay on record
    with state.session_factory() as session:
        assert session.get(ClaimRow, claim["id"]).extra["place_confirmed"] is True
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.case_id == case_id)).all()
    assert "claim.place.confirm" in actions

    listed = caseworker.get(f"/api/v1/cases/{case_id}/claims").json()
    assert listed[0]["place_confirmed"] is True and listed[0]["place"]["id"] == SARAY_VAN

    # an unknown id is refused (404), and only a caseworker confirms
    unknown = caseworker.post(
        f"/api/v1/cases/{case_id}/claims/{claim['id']}/confirm-place", json={"place_id": "geonames:0"}
    )
    assert unknown.status_code == 404, unknown.text
    reviewer = client_for("reviewer")
    assert (
        reviewer.post(
            f"/api/v1/cases/{case_id}/claims/{claim['id']}/confirm-place", json={"place_id": SARAY_VAN}
        ).status_code
        == 403
    )


def test_a_place_id_in_the_claim_is_a_confirmation(client_for) -> None:  # noqa: ANN001
    intake, caseworker = client_for("intake"), client_for("caseworker")
    case_id, _ = new_case(intake, "V-PLACES-2")
    claim = caseworker.post(
        f"/api/v1/cases/{case_id}/claims", json=_claim(place_text="Bentheim", place_id="geonames:2953552")
    ).json()
    assert claim["place_confirmed"] is True and claim["place"]["name"] == "Bad Bentheim"
    clear = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=_claim(place_text="Gaziantep")).json()
    assert clear["place_ambiguous"] is False and clear["place_confirmed"] is False


def test_lookup_endpoint_keeps_words_out_of_the_url_and_returns_the_result_type(client_for) -> None:  # noqa: ANN001
    caseworker = client_for("caseworker")
    response = caseworker.post("/api/v1/gazetteer/lookup", json={"text": "Kipoi"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["best"]["place"]["id"] == "curated:kipoi" and result["best"]["kind"] == "border_crossing"
    assert result["ambiguous"] is False and result["candidates"][0] == result["best"]
    saray = caseworker.post("/api/v1/gazetteer/lookup", json={"text": "Saray", "country": "TR"}).json()
    assert saray["ambiguous"] and SARAY_VAN in saray["ambiguous_ids"]
    assert (
        caseworker.post("/api/v1/gazetteer/lookup", json={"text": "Saray", "country": "Turkey"}).status_code
        == 422
    )
    assert client_for("intake").post("/api/v1/gazetteer/lookup", json={"text": "Kipoi"}).status_code == 403


def test_route_context_only_after_release(client_for, state) -> None:  # noqa: ANN001
    intake, caseworker = client_for("intake"), client_for("caseworker")
    case_id, _ = new_case(intake, "V-PLACES-3")
    route = {"statistics": {"countries": ["IR", "TR"]}, "stays": [{"lat": 38.50, "lon": 43.38}]}
    with unit_of_work(state.session_factory) as session:
        version = RouteVersion(
            case_id=case_id, version=1, code_version="test", records_count=1, route=route, geojson={}
        )
        session.add(version)
        session.flush()
        version_id = version.id
    body = {"text": "Saray", "country": "TR", "case_id": case_id}

    before = caseworker.post("/api/v1/gazetteer/lookup", json=body).json()
    assert all(c["distance_to_route_km"] is None for c in before["candidates"])  # not released: no route
    assert "route_near_other" not in before["ambiguity_reasons"]

    with unit_of_work(state.session_factory) as session:
        reviewer_id = session.scalar(select(User.id).where(User.username == "reviewer"))
        session.add(
            FindingSet(  # the release covers the route version the set was matched against (issue 13)
                case_id=case_id,
                route_version_id=version_id,
                code_version="test",
                released_by=reviewer_id,
                released_at=utcnow(),
                release_note="x",
            )
        )
    after = caseworker.post("/api/v1/gazetteer/lookup", json=body).json()
    by_id = {c["place"]["id"]: c for c in after["candidates"]}
    assert by_id[SARAY_VAN]["distance_to_route_km"] < 100
    assert by_id[SARAY_ISTANBUL_QUARTER]["distance_to_route_km"] > 1000
    assert by_id[SARAY_VAN]["in_route_country"] is True
    # the route never reorders the candidates
    assert [c["place"]["id"] for c in after["candidates"]] == [c["place"]["id"] for c in before["candidates"]]
