"""Issue 13, finding 8: out-of-range integers, NUL bytes and unknown place ids are 4xx, never 500.

Every API route is walked: each integer path parameter gets 2**70 and -1, and each integer query parameter
the same, for every role that may call the route.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from legal_basis.roles import Role
from tests.api.routes import api_routes
from tests.conftest import sign_in

ROLE_USERS = {
    Role.INTAKE_OFFICER: "intake",
    Role.AUTHORISING_OFFICIAL: "authoriser",
    Role.CASEWORKER: "caseworker",
    Role.LEGAL_REVIEWER: "reviewer",
    Role.COMPLIANCE_AUDITOR: "auditor",
    Role.ADMIN: "admin",
}
HOSTILE_INTEGERS = (2**70, -1, 2**63)


def _is_integer(field) -> bool:  # type: ignore[no-untyped-def]
    annotation = field.field_info.annotation
    return annotation is int or (getattr(annotation, "__args__", None) or ()) in ((int, type(None)),)


def _integer_params(rule) -> tuple[list[str], list[str], list[str]]:  # type: ignore[no-untyped-def]
    dependant = rule.route.dependant
    path_names = re.findall(r"\{([^}:]+)", rule.path)
    integer_path = [f.name for f in dependant.path_params if _is_integer(f)]
    integer_query = [f.name for f in dependant.query_params if _is_integer(f)]
    return path_names, integer_path, integer_query


def _client(app, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    """A signed-in client that answers a server error as a 500 response instead of raising it."""
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {sign_in(client, username)}"
    return client


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_route_answers_500_to_out_of_range_integers(app) -> None:  # type: ignore[no-untyped-def]
    clients = {role: _client(app, username) for role, username in ROLE_USERS.items()}
    checked = 0
    failures: list[str] = []
    for rule in sorted(api_routes(app), key=lambda r: r.path.endswith("sign-out")):
        if rule.gate is None or rule.path.endswith("sign-out"):
            continue
        path_names, integer_path, integer_query = _integer_params(rule)
        if not integer_path and not integer_query:
            continue
        allowed = [clients[role] for role in rule.gate.roles if role in clients]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in HOSTILE_INTEGERS:
                cases: list[tuple[str, dict[str, str]]] = []
                for target in integer_path:
                    url = rule.path
                    for name in path_names:
                        url = url.replace("{" + name + "}", str(value) if name == target else "1")
                    cases.append((url, {}))
                base = rule.path
                for name in path_names:
                    base = base.replace("{" + name + "}", "1")
                cases += [(base, {name: str(value)}) for name in integer_query]
                for url, query in cases:
                    for client in allowed:
                        response = client.request(method, url, params=query, json={})
                        checked += 1
                        if response.status_code >= 500:
                            failures.append(
                                f"{method} {url} {query}: {response.status_code} {response.text[:120]}"
                            )
    assert checked > 100
    assert not failures, "\n".join(failures)


def test_nul_bytes_in_a_path_are_refused_with_4xx(app) -> None:  # type: ignore[no-untyped-def]
    intake = _client(app, "intake")
    for url in ("/api/v1/cases/1%00", "/api/v1/cases/%00/devices", "/static/%00.js", "/%00"):
        response = intake.get(url)
        assert 400 <= response.status_code < 500, (url, response.status_code, response.text)


def _json(body: dict[str, object]) -> dict[str, object]:
    """A JSON body as text (json.dumps escapes a lone surrogate, which a client's encoder would refuse)."""
    return {"content": json.dumps(body), "headers": {"content-type": "application/json"}}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unknown_or_malformed_place_id_is_a_4xx(app) -> None:  # type: ignore[no-untyped-def]
    from tests.legal_basis.helpers import new_case

    intake, caseworker = _client(app, "intake"), _client(app, "caseworker")
    case_id, _ = new_case(intake, "V-PLACE-ID")
    body = {"kind": "passed_through", "place_text": "Saray", "time_text": "maart 2024"}
    created = caseworker.post(f"/api/v1/cases/{case_id}/claims", json=body)
    assert created.status_code == 201, created.text
    claim_id = created.json()["id"]
    for place_id in (
        "geonames:999999999",
        "nowhere",
        "coordinates:abc",
        "coordinates:99,999",
        "x\u0000y",
        "\ud800",
    ):
        with_place, confirmation = _json({**body, "place_id": place_id}), _json({"place_id": place_id})
        for response in (
            caseworker.post(f"/api/v1/cases/{case_id}/claims", **with_place),
            caseworker.put(f"/api/v1/cases/{case_id}/claims/{claim_id}", **with_place),
            caseworker.post(f"/api/v1/cases/{case_id}/claims/{claim_id}/confirm-place", **confirmation),
        ):
            assert 400 <= response.status_code < 500, (place_id, response.status_code, response.text)
    for body_integer in ({"position": 2**70}, {"reference_year": -(2**70)}):
        response = caseworker.post(f"/api/v1/cases/{case_id}/claims", json={**body, **body_integer})
        assert response.status_code == 422, response.text
