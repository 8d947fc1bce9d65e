"""Deny by default: every route × every role. A new route without a rule fails this suite."""

from __future__ import annotations

import re

import pytest

from legal_basis.roles import Role
from tests.api.routes import PUBLIC_PATHS, api_routes

ROLE_USERS = {
    Role.INTAKE_OFFICER: "intake",
    Role.AUTHORISING_OFFICIAL: "authoriser",
    Role.CASEWORKER: "caseworker",
    Role.LEGAL_REVIEWER: "reviewer",
    Role.COMPLIANCE_AUDITOR: "auditor",
    Role.ADMIN: "admin",
}


def concrete(path: str) -> str:
    """Fill path parameters with ids that do not exist: the role check must answer before any lookup."""
    return re.sub(r"\{[^}]+\}", "999999", path)


def test_every_route_declares_roles(app) -> None:
    missing = [
        f"{sorted(r.methods)} {r.path}"
        for r in api_routes(app)
        if r.gate is None
        and r.path not in PUBLIC_PATHS
        and not r.path.startswith(("/docs", "/openapi", "/redoc"))
        and r.route.include_in_schema
    ]
    assert not missing, f"routes without a role rule: {missing}"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_role_matrix(app, client_for, anonymous) -> None:
    clients = {role: client_for(username) for role, username in ROLE_USERS.items()}
    checked = 0
    # sign-out ends every session of the user: walk it last
    for rule in sorted(api_routes(app), key=lambda r: r.path.endswith("sign-out")):
        if rule.gate is None:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = concrete(rule.path)
            response = anonymous.request(method, url)
            assert response.status_code == 401, f"anonymous {method} {url}: {response.status_code}"
            for role, client in clients.items():
                response = client.request(method, url, json={})
                if role in rule.gate.roles:
                    assert response.status_code not in (401, 403), (
                        f"{role} should be allowed {method} {rule.path}, got {response.status_code} {response.text}"
                    )
                else:
                    assert response.status_code == 403, (
                        f"{role} must be refused {method} {rule.path}, got {response.status_code}"
                    )
                checked += 1
    assert checked >= 6 * 15


def test_docs_list_routes(anonymous) -> None:
    assert anonymous.get("/healthz").json()["status"] == "ok"
    assert anonymous.get("/docs").status_code == 200
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert "/api/v1/cases" in paths and "/api/v1/audit/verify" in paths
