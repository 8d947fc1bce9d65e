"""Need-to-know (issue 13, finding 5): a user sees and changes only the cases assigned to them or their team;
admin manages users and teams, reads no case data and starts nothing; every admin action is audited."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select, text

from store.db import make_engine
from store.migrate import alembic_config, upgrade
from store.models import AuditEntry, CaseAssignment
from tests.api.job_helpers import open_gate_case
from tests.conftest import PASSWORD, sign_in
from tests.legal_basis.helpers import authorisation_body, new_case


def actions(state, prefix: str) -> list[AuditEntry]:  # noqa: ANN001
    with state.session_factory() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action.like(f"{prefix}%"))))
        session.expunge_all()
    return rows


def user_ids(admin) -> dict[str, int]:  # noqa: ANN001
    response = admin.get("/api/v1/admin/users")
    assert response.status_code == 200, response.text
    return {u["username"]: u["id"] for u in response.json()}


def test_another_intake_officer_neither_sees_nor_changes_the_case(state, client_for) -> None:
    """Finding 5 as reproduced: intake2 edited intake's case. Now it is as if the case did not exist."""
    intake, intake2 = client_for("intake"), client_for("intake2")
    case_id, device_id = new_case(intake)
    assert [c["id"] for c in intake.get("/api/v1/cases").json()] == [case_id]
    assert intake2.get("/api/v1/cases").json() == []
    missing = intake2.get("/api/v1/cases/999999")
    for response in (
        intake2.get(f"/api/v1/cases/{case_id}"),
        intake2.post(
            f"/api/v1/cases/{case_id}/devices",
            json={"platform": "android", "make": "X", "model": "Y", "serial": "S", "seal_number": "B"},
        ),
        intake2.post(f"/api/v1/cases/{case_id}/authorisations", json=authorisation_body(device_id=device_id)),
        intake2.post(
            f"/api/v1/cases/{case_id}/notices",
            json={"language": "ar", "given_at": datetime.now(UTC).isoformat()},
        ),
    ):
        assert response.status_code == 404, response.text
        # the same words as for a case that does not exist: existence does not leak
        assert response.json()["detail"] == missing.json()["detail"].replace("999999", str(case_id))
    # nothing was added to the case, and each refusal is in the audit log
    assert len(intake.get(f"/api/v1/cases/{case_id}/devices").json()) == 1
    assert intake.get(f"/api/v1/cases/{case_id}/authorisations").json() == []
    denied = [e for e in actions(state, "access.denied") if e.actor == "intake2" and e.case_id == case_id]
    assert len(denied) == 4 and all("need-to-know" in e.reason for e in denied)


def test_caseworker_outside_the_team_reads_nothing_auditor_reads_all(client_for) -> None:
    intake, admin = client_for("intake"), client_for("admin")
    case_id, _ = new_case(intake)
    response = admin.post(
        "/api/v1/admin/users",
        json={"username": "cw-other", "password": PASSWORD, "roles": ["caseworker"], "full_name": "Other"},
    )
    assert response.status_code == 201, response.text
    other = client_for("cw-other")
    assert other.get("/api/v1/cases").json() == []
    assert other.get(f"/api/v1/cases/{case_id}/claims").status_code == 404
    assert (
        other.post("/api/v1/gazetteer/lookup", json={"text": "Wien", "case_id": case_id}).status_code == 404
    )
    # the team's caseworker sees it; the compliance auditor reads every case (audit is their task)
    assert [c["id"] for c in client_for("caseworker").get("/api/v1/cases").json()] == [case_id]
    assert [c["id"] for c in client_for("auditor").get("/api/v1/cases").json()] == [case_id]
    # an admin assigns the other caseworker to the case: now they see it; unassigned: gone again
    cw_id = user_ids(admin)["cw-other"]
    response = admin.post(f"/api/v1/admin/cases/{case_id}/assignments", json={"user_id": cw_id})
    assert response.status_code == 201, response.text
    assignment_id = response.json()["id"]
    assert [c["id"] for c in other.get("/api/v1/cases").json()] == [case_id]
    assert other.get(f"/api/v1/cases/{case_id}/claims").status_code == 200
    assert admin.delete(f"/api/v1/admin/cases/{case_id}/assignments/{assignment_id}").status_code == 204
    assert other.get(f"/api/v1/cases/{case_id}/claims").status_code == 404


def test_admin_reads_no_case_data_and_starts_nothing(state, client_for) -> None:
    intake, authoriser, admin = client_for("intake"), client_for("authoriser"), client_for("admin")
    case_id, device_id, authorisation_id = open_gate_case(intake, authoriser, "V-ADMIN-1", platform="android")
    for method, url, body in (
        ("GET", "/api/v1/cases", None),
        ("GET", f"/api/v1/cases/{case_id}", None),
        ("POST", "/api/v1/cases", {"reference": "V-BY-ADMIN"}),
        (
            "POST",
            f"/api/v1/cases/{case_id}/jobs",
            {"authorisation_id": authorisation_id, "device_id": device_id, "source": {"kind": "adb"}},
        ),
        (
            "POST",
            f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/withdraw-consent",
            {"reason": "x"},
        ),
        ("GET", "/api/v1/audit", None),
        ("GET", "/api/v1/audit/verify", None),
        ("GET", "/api/v1/compliance/audit", None),
        ("GET", f"/api/v1/cases/{case_id}/findings", None),
    ):
        response = admin.request(method, url, json=body)
        assert response.status_code == 403, f"{method} {url}: {response.status_code} {response.text}"
    # the consent still stands: nothing was withdrawn or deleted
    consent = intake.get(f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/consent").json()
    assert consent and consent[0]["withdrawn_at"] is None
    # what admin sees of a case: who is assigned, by id, nothing of the case itself
    assignments = admin.get(f"/api/v1/admin/cases/{case_id}/assignments").json()
    assert {a["user_id"] for a in assignments if a["user_id"]} == {user_ids(admin)["intake"]}
    assert all(set(a) == {"id", "case_id", "user_id", "team_id", "assigned_by"} for a in assignments)


def test_admin_manages_users_and_teams_audited(state, client_for, anonymous) -> None:
    admin = client_for("admin")
    response = admin.post(
        "/api/v1/admin/users",
        json={
            "username": "newbie",
            "password": PASSWORD,
            "roles": ["intake_officer"],
            "full_name": "New Bie",
        },
    )
    assert response.status_code == 201, response.text
    newbie_id = response.json()["id"]
    # bad input: a clear 4xx, nothing created
    for body in (
        {"username": "newbie", "password": PASSWORD, "roles": ["intake_officer"]},
        {"username": "x", "password": "short", "roles": ["intake_officer"]},
        {"username": "y", "password": PASSWORD, "roles": ["emperor"]},
        {"username": "z", "password": PASSWORD, "roles": []},
    ):
        assert admin.post("/api/v1/admin/users", json=body).status_code in (409, 422), body
    assert set(user_ids(admin)) >= {"newbie"} and not {"x", "y", "z"} & set(user_ids(admin))

    team = admin.post("/api/v1/admin/teams", json={"name": "Desk North"})
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    assert admin.post("/api/v1/admin/teams", json={"name": "Desk North"}).status_code == 409
    response = admin.post(f"/api/v1/admin/teams/{team_id}/members", json={"user_id": newbie_id})
    assert response.status_code == 200 and response.json()["member_ids"] == [newbie_id]
    teams = admin.get("/api/v1/admin/teams").json()
    assert {"id": team_id, "name": "Desk North", "member_ids": [newbie_id]} in teams

    # the new intake officer's case belongs to their only team; a caseworker added to the team sees it
    newbie = client_for("newbie")
    case = newbie.post("/api/v1/cases", json={"reference": "V-NORTH-1"})
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    caseworker_id = user_ids(admin)["caseworker"]
    assert client_for("caseworker").get(f"/api/v1/cases/{case_id}").status_code == 404
    assert (
        admin.post(f"/api/v1/admin/teams/{team_id}/members", json={"user_id": caseworker_id}).status_code
        == 200
    )
    assert client_for("caseworker").get(f"/api/v1/cases/{case_id}").status_code == 200
    # the caseworker is now in two teams: a case they would create must name its team
    # (they cannot create cases at all, but an intake officer in two teams can)
    assert admin.post(f"/api/v1/admin/teams/{team_id}/members", json={"user_id": user_ids(admin)["intake"]})
    intake = client_for("intake")
    assert intake.post("/api/v1/cases", json={"reference": "V-TWO-TEAMS"}).status_code == 409
    own = intake.post("/api/v1/cases", json={"reference": "V-TWO-TEAMS", "team_id": team_id})
    assert own.status_code == 201, own.text

    # roles: changed, and a token for a role taken away stops working at once
    assert newbie.get("/api/v1/cases").status_code == 200
    response = admin.put(f"/api/v1/admin/users/{newbie_id}/roles", json={"roles": ["caseworker"]})
    assert response.status_code == 200 and response.json()["roles"] == ["caseworker"]
    assert newbie.get("/api/v1/cases").status_code == 401
    # deactivated: every session ends, sign-in refused
    as_caseworker = client_for("newbie")
    assert admin.post(f"/api/v1/admin/users/{newbie_id}/deactivate").json()["active"] is False
    assert as_caseworker.get("/api/v1/cases").status_code == 401
    assert (
        anonymous.post("/api/v1/auth/token", data={"username": "newbie", "password": PASSWORD}).status_code
        == 401
    )
    assert admin.post(f"/api/v1/admin/users/{newbie_id}/activate").json()["active"] is True
    sign_in(anonymous, "newbie")

    audited = {e.action for e in actions(state, "admin.") if e.actor == "admin"}
    assert audited >= {
        "admin.user.create",
        "admin.user.list",
        "admin.user.roles",
        "admin.user.deactivate",
        "admin.user.activate",
        "admin.team.create",
        "admin.team.list",
        "admin.team.member.add",
    }


def test_admin_never_grants_access_to_themselves(client_for) -> None:
    """Separation of duties: whoever manages access does not use it."""
    intake, admin = client_for("intake"), client_for("admin")
    case_id, _ = new_case(intake)
    ids = user_ids(admin)
    team_id = admin.post("/api/v1/admin/teams", json={"name": "Admins"}).json()["id"]
    refused = [
        admin.put(f"/api/v1/admin/users/{ids['admin']}/roles", json={"roles": ["admin", "intake_officer"]}),
        admin.post(f"/api/v1/admin/users/{ids['admin']}/deactivate"),
        admin.post(f"/api/v1/admin/teams/{team_id}/members", json={"user_id": ids["admin"]}),
        admin.post(f"/api/v1/admin/cases/{case_id}/assignments", json={"user_id": ids["admin"]}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403], [r.text for r in refused]
    # and no one is assigned who could not use it: admins read no case data, auditors read all
    for username in ("auditor",):
        response = admin.post(f"/api/v1/admin/cases/{case_id}/assignments", json={"user_id": ids[username]})
        assert response.status_code == 409, response.text
    assert admin.post(f"/api/v1/admin/cases/{case_id}/assignments", json={}).status_code == 409
    assert admin.post("/api/v1/admin/cases/999999/assignments", json={"team_id": team_id}).status_code == 404


def test_requester_never_approves_own_request(client_for) -> None:
    """Separation of duties in the same team: the dual-role user requests, and cannot approve it."""
    intake = client_for("intake")
    case_id, device_id = new_case(intake)
    dual = client_for("dual", "intake_officer")
    response = dual.post(
        f"/api/v1/cases/{case_id}/authorisations", json=authorisation_body(device_id=device_id)
    )
    assert response.status_code == 201, response.text
    authorisation_id = response.json()["id"]
    response = client_for("dual", "authorising_official").post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve", json={"reason": "ok"}
    )
    assert response.status_code == 403 and "same_approver" in response.json()["conditions"]
    response = client_for("authoriser").post(
        f"/api/v1/cases/{case_id}/authorisations/{authorisation_id}/approve", json={"reason": "Necessary"}
    )
    assert response.status_code == 200, response.text


def test_job_report_only_for_those_who_need_it(state, client_for) -> None:
    """Finding 5: the job report (serial, locale, networks, dated file names) was readable before release by
    roles with no need for it. Now: intake, reviewers and auditors; caseworkers after release; no one else."""
    intake, authoriser = client_for("intake"), client_for("authoriser")
    case_id, device_id, authorisation_id = open_gate_case(
        intake, authoriser, "V-REPORT-1", platform="android"
    )
    response = intake.post(
        f"/api/v1/cases/{case_id}/jobs",
        json={
            "authorisation_id": authorisation_id,
            "device_id": device_id,
            "source": {"kind": "adb", "host": "127.0.0.1", "port": 9},
        },
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    url = f"/api/v1/jobs/{job_id}/report"
    assert intake.get(url).status_code == 200
    assert client_for("reviewer").get(url).status_code == 200
    assert client_for("auditor").get(url).status_code == 200
    assert authoriser.get(url).status_code == 403
    caseworker = client_for("caseworker").get(url)
    assert caseworker.status_code == 403 and "not_released" in caseworker.json()["conditions"]
    assert client_for("intake2").get(url).status_code == 404
    assert client_for("admin").get(url).status_code == 403


def test_migration_assigns_existing_cases_to_their_creator(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        upgrade(engine, "c17a_0003")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, full_name, password_hash, roles, active, created_at) "
                    "VALUES (7, 'old-intake', '', 'x', '[\"intake_officer\"]', 1, '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO cases (id, reference, title, status, created_by, created_at) "
                    "VALUES (3, 'V-OLD', '', 'open', 7, '2026-01-02 00:00:00')"
                )
            )
        upgrade(engine, "h13a_0001")
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT case_id, user_id, team_id FROM case_assignments")).all()
        assert [tuple(r) for r in rows] == [(3, 7, None)]
        config = alembic_config(engine.url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "c17a_0003")
        upgrade(engine, "h13a_0001")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM case_assignments")).scalar_one() == 1
    finally:
        engine.dispose()


def test_case_creator_is_assigned(state, client_for) -> None:
    case_id, _ = new_case(client_for("intake"))
    with state.session_factory() as session:
        rows = session.scalars(select(CaseAssignment).where(CaseAssignment.case_id == case_id)).all()
        assert sorted((r.user_id is not None, r.team_id is not None) for r in rows) == [
            (False, True),
            (True, False),
        ]


def test_cli_user_add_joins_a_team(tmp_path, monkeypatch) -> None:
    """A station set up from the command line (`reisroute user add ... --team`) gets working teams too."""
    from typer.testing import CliRunner

    from api.cli import app as cli_app
    from store.models import Team, TeamMember, User
    from tests.conftest import TEST_AUDIT_KEY

    monkeypatch.setenv("REISROUTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REISROUTE_DATABASE_URL", raising=False)
    monkeypatch.setenv("REISROUTE_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("REISROUTE_AUDIT_CHECKPOINT_DIR", str(tmp_path / "audit-checkpoints"))
    monkeypatch.setenv("NEW_PASSWORD", "a-long-password")
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    for username, role in (("officer1", "intake_officer"), ("worker1", "caseworker")):
        result = runner.invoke(
            cli_app,
            ["user", "add", username, "--role", role, "--password-env", "NEW_PASSWORD", "--team", "Desk 1"],
        )
        assert result.exit_code == 0 and "teams Desk 1" in result.output, result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'reisroute.sqlite3'}")
    try:
        with engine.connect() as connection:
            members = connection.execute(
                select(User.username)
                .join(TeamMember, TeamMember.user_id == User.id)
                .join(Team, Team.id == TeamMember.team_id)
                .where(Team.name == "Desk 1")
                .order_by(User.username)
            ).scalars()
            assert list(members) == ["officer1", "worker1"]
    finally:
        engine.dispose()
    assert runner.invoke(cli_app, ["audit", "verify"]).exit_code == 0
