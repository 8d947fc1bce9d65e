"""Deny by default, need-to-know by team: every route × every role × inside/outside the case's team.

Generated from the app's routes: a new route without a role rule, or with an id in its path that the central
gate cannot tie to a case, fails this suite.
"""

from __future__ import annotations

import re

import pytest

from legal_basis.roles import Role
from store.db import unit_of_work
from store.models import ExtractionJob, User
from tests.api.routes import PUBLIC_PATHS, RouteRule, api_routes
from tests.legal_basis.helpers import authorisation_body, new_case

# members of the case's team (tests/conftest.py TEAM_MEMBERS) and, per team-bound role, someone outside it
INSIDE = {
    Role.INTAKE_OFFICER: "intake",
    Role.AUTHORISING_OFFICIAL: "authoriser",
    Role.CASEWORKER: "caseworker",
    Role.LEGAL_REVIEWER: "reviewer",
    Role.COMPLIANCE_AUDITOR: "auditor",  # reads across cases (casework/access.py)
    Role.ADMIN: "admin",
}
OUTSIDE = {
    Role.INTAKE_OFFICER: "intake2",
    Role.AUTHORISING_OFFICIAL: "authoriser2",
    Role.CASEWORKER: "caseworker2",
    Role.LEGAL_REVIEWER: "reviewer2",
}
CASE_PARAMS = {"case_id", "job_id"}
# ids in paths that are not case data: only admin's user and team management may carry them without a case
ADMIN_PARAMS = {"user_id", "team_id", "assignment_id", "job_id"}  # job_id: releasing a dead station's job
# where admin may go at all: its own API, its session and the base map (no case data)
ADMIN_PREFIXES = ("/api/v1/admin/", "/api/v1/auth/", "/api/v1/basemap/")


def path_params(path: str) -> set[str]:
    return set(re.findall(r"\{([^}:]+)(?::[^}]*)?\}", path))


def concrete(path: str, ids: dict[str, int]) -> str:
    """Fill case and job ids with the real ones, every other id with one that does not exist."""
    return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", lambda m: str(ids.get(m.group(1), 999999)), path)


def gate_refused(response) -> bool:  # type: ignore[no-untyped-def]
    """Refused by the role gate or by need-to-know (not by the route's own checks of state or input)."""
    if response.status_code == 401:
        return True
    if response.status_code not in (403, 404):
        return False
    detail = response.json().get("detail")
    text = detail if isinstance(detail, str) else ""
    if response.status_code == 403:
        return text.startswith("role ") or "reads no case data" in text
    return "not assigned to you" in text


def gated_routes(app) -> list[RouteRule]:  # type: ignore[no-untyped-def]
    # sign-out ends every session of the user: walk it last
    return sorted(
        (r for r in api_routes(app) if r.gate is not None),
        key=lambda r: (r.path.endswith("sign-out"), r.path),
    )


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


def test_every_id_in_a_path_is_tied_to_a_case(app) -> None:
    """The central gate checks need-to-know from ``{case_id}`` or ``{job_id}``: a route that names another
    object without its case (``/findings/{id}``) would escape it, so it must not exist."""
    loose = []
    for rule in gated_routes(app):
        ids = {p for p in path_params(rule.path) if p.endswith("_id")}
        if not ids or ids & CASE_PARAMS and rule.gate.case_scoped:
            continue
        if (
            not rule.gate.case_scoped
            and rule.gate.roles == {Role.ADMIN}
            and ids <= ADMIN_PARAMS | {"case_id"}
        ):
            continue  # admin's management routes: ids only, no case data
        loose.append(f"{sorted(rule.methods)} {rule.path}")
    assert not loose, f"routes with ids the need-to-know gate cannot tie to a case: {loose}"


def test_admin_reads_no_case_data_by_rule(app) -> None:
    """No case-data gate admits admin; admin's own routes are not case-scoped and admit admin only."""
    wrong = [
        f"{sorted(r.methods)} {r.path}"
        for r in gated_routes(app)
        if Role.ADMIN in r.gate.roles and not r.path.startswith(ADMIN_PREFIXES)
    ]
    assert not wrong, f"routes that admit admin outside user and team management: {wrong}"
    for rule in gated_routes(app):
        if rule.path.startswith("/api/v1/admin/"):
            assert rule.gate.roles == {Role.ADMIN} and not rule.gate.case_scoped, rule.path


@pytest.fixture
def outsiders(client_for) -> None:  # type: ignore[no-untyped-def]
    """A caseworker and a legal reviewer of another team, made through admin's API."""
    admin = client_for("admin")
    for username, role in (("caseworker2", Role.CASEWORKER), ("reviewer2", Role.LEGAL_REVIEWER)):
        response = admin.post(
            "/api/v1/admin/users",
            json={"username": username, "password": "test-password-1", "roles": [role.value]},
        )
        assert response.status_code == 201, response.text
    other = admin.post("/api/v1/admin/teams", json={"name": "other team"}).json()
    users = {u["username"]: u["id"] for u in admin.get("/api/v1/admin/users").json()}
    for username in OUTSIDE.values():
        response = admin.post(f"/api/v1/admin/teams/{other['id']}/members", json={"user_id": users[username]})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_role_team_route_matrix(app, state, client_for, anonymous, outsiders) -> None:
    inside = {role: client_for(username) for role, username in INSIDE.items()}
    outside = {role: client_for(username) for role, username in OUTSIDE.items()}
    # a real case of the team, with a device, a requested authorisation and a job row
    case_id, device_id = new_case(inside[Role.INTAKE_OFFICER])
    response = inside[Role.INTAKE_OFFICER].post(
        f"/api/v1/cases/{case_id}/authorisations", json=authorisation_body(device_id=device_id)
    )
    assert response.status_code == 201, response.text
    with unit_of_work(state.session_factory) as session:
        intake_id = session.query(User.id).filter(User.username == "intake").scalar()
        job = ExtractionJob(
            case_id=case_id,
            device_id=device_id,
            authorisation_id=response.json()["id"],
            kind="adb",
            created_by=intake_id,
            state="interrupted",
        )
        session.add(job)
        session.flush()
        job_id = job.id
    ids = {"case_id": case_id, "job_id": job_id}

    checked = {"allowed": 0, "wrong_role": 0, "outside_team": 0, "admin_on_case": 0}
    for rule in gated_routes(app):
        scoped = rule.gate.case_scoped and bool(path_params(rule.path) & CASE_PARAMS)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = concrete(rule.path, ids)
            response = anonymous.request(method, url)
            assert response.status_code == 401, f"anonymous {method} {url}: {response.status_code}"
            for role, client in inside.items():
                response = client.request(method, url, json={})
                where = f"{role} {method} {rule.path}: {response.status_code} {response.text[:300]}"
                if role not in rule.gate.roles:
                    assert response.status_code == 403, f"must be refused: {where}"
                    checked["wrong_role"] += 1
                    if role == Role.ADMIN and scoped:
                        checked["admin_on_case"] += 1
                else:
                    assert not gate_refused(response), f"member should pass the gate: {where}"
                    checked["allowed"] += 1
            if not scoped:
                continue
            for role, client in outside.items():
                response = client.request(method, url, json={})
                where = f"outsider {role} {method} {rule.path}: {response.status_code} {response.text[:300]}"
                if role not in rule.gate.roles:
                    assert response.status_code == 403, f"must be refused: {where}"
                else:
                    # like a case that does not exist: the case's existence does not leak
                    assert response.status_code == 404, f"must not see the case: {where}"
                    assert "not assigned to you" in response.json()["detail"], where
                    checked["outside_team"] += 1
    assert checked["allowed"] >= 60 and checked["outside_team"] >= 30, checked
    assert checked["admin_on_case"] >= 30, checked


def test_docs_list_routes(anonymous) -> None:
    assert anonymous.get("/healthz").json()["status"] == "ok"
    assert anonymous.get("/docs").status_code == 200
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert "/api/v1/cases" in paths and "/api/v1/audit/verify" in paths and "/api/v1/admin/users" in paths
