"""Shared fixtures: isolated databases (SQLite always, PostgreSQL when REISROUTE_TEST_PG is set), the app,
users for every role and a signed-in client per role."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import build_state, create_app
from casework.security import hash_password
from casework.settings import Settings
from casework.state import AppState
from casework.teams import ensure_team
from legal_basis.roles import Role
from store.db import make_engine, unit_of_work
from store.migrate import upgrade
from store.models import User

PG_ADMIN_URL = os.environ.get(
    "REISROUTE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "test-password-1"
TEST_AUDIT_KEY = "5e" * 32
TEST_ORGANISATION_KEY = "0a" * 32
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


def pg_enabled() -> bool:
    return bool(os.environ.get("REISROUTE_TEST_PG"))


@pytest.fixture(autouse=True)
def audit_key_for_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Settings() a test builds gets the test audit key, organisation key and a checkpoint directory
    outside its data directory (the service refuses to start without them outside demo mode)."""
    monkeypatch.setenv("REISROUTE_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("REISROUTE_AUDIT_CHECKPOINT_DIR", str(tmp_path / "audit-checkpoints"))
    monkeypatch.setenv("REISROUTE_ORGANISATION_KEY", TEST_ORGANISATION_KEY)  # outside the data dir, as required


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not pg_enabled():
        pytest.skip("PostgreSQL tests run when REISROUTE_TEST_PG is set")
    name = f"reisroute_tpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An isolated, migrated database for one test."""
    if request.param == "sqlite":
        target = tmp_path / "reisroute.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"reisroute_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def gazetteer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One gazetteer index for the whole session (building it takes ~15 s)."""
    return tmp_path_factory.mktemp("gazetteer")


@pytest.fixture
def settings(tmp_path: Path, database_url: str, gazetteer_dir: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        run_worker=False,
        gazetteer_dir=gazetteer_dir,
        audit_key=TEST_AUDIT_KEY,  # tests pass the audit key explicitly; checkpoints outside the data dir
        organisation_key=TEST_ORGANISATION_KEY,
        audit_checkpoint_dir=tmp_path / "audit-checkpoints",
    )


@pytest.fixture
def state(settings: Settings) -> Iterator[AppState]:
    app_state = build_state(settings, migrate=False)
    yield app_state
    app_state.engine.dispose()


USERS: dict[str, Role] = {
    "intake": Role.INTAKE_OFFICER,
    "intake2": Role.INTAKE_OFFICER,
    "authoriser": Role.AUTHORISING_OFFICIAL,
    "authoriser2": Role.AUTHORISING_OFFICIAL,
    "caseworker": Role.CASEWORKER,
    "reviewer": Role.LEGAL_REVIEWER,
    "auditor": Role.COMPLIANCE_AUDITOR,
    "admin": Role.ADMIN,
}
TEAM_NAME = "case team"
TEAM_MEMBERS = ["intake", "authoriser", "caseworker", "reviewer", "dual"]


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per test session


@pytest.fixture
def users(state: AppState, password_hash: str) -> dict[str, Role]:
    with unit_of_work(state.session_factory) as session:
        for username, role in USERS.items():
            session.add(User(username=username, password_hash=password_hash, roles=[role.value]))
        # one person who holds both roles (for the rule that a requester never approves their own request)
        session.add(
            User(
                username="dual",
                password_hash=password_hash,
                roles=[Role.INTAKE_OFFICER.value, Role.AUTHORISING_OFFICIAL.value],
            )
        )
        session.flush()
        # need-to-know: the case team every test case is assigned to (its creator's only team); intake2 and
        # authoriser2 stay outside it, as people of another team would
        ensure_team(session, TEAM_NAME, TEAM_MEMBERS)
    return USERS


@pytest.fixture
def app(state: AppState, users: dict[str, Role]):  # type: ignore[no-untyped-def]
    return create_app(state.settings, state=state)


@pytest.fixture
def anonymous(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        yield client


def sign_in(client: TestClient, username: str, role: str | None = None) -> str:
    data = {"username": username, "password": PASSWORD}
    if role:
        data["scope"] = role
    response = client.post("/api/v1/auth/token", data=data)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def client_for(app) -> Iterator[Callable[..., TestClient]]:  # type: ignore[no-untyped-def]
    """client_for("intake") → a TestClient signed in as that user (optionally with a chosen role)."""
    clients: list[TestClient] = []

    def make(username: str, role: str | None = None) -> TestClient:
        client = TestClient(app)
        client.__enter__()
        token = sign_in(client, username, role)
        client.headers["Authorization"] = f"Bearer {token}"
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
