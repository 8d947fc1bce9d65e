"""Tamper evidence of the audit chain, on SQLite and PostgreSQL: edit, delete, insert, cut off the end."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from api.cli import app as cli_app
from store import audit
from store.db import unit_of_work
from tests.conftest import TEST_AUDIT_KEY


def fill(state, count: int = 8) -> None:
    for number in range(count):
        with unit_of_work(state.session_factory) as session:
            audit.append(
                session,
                actor="tester",
                role="admin",
                action="test.action",
                case_id=number % 3,
                object_type="thing",
                object_id=number,
                details={"n": number, "text": "ü € ✓"},
            )


def verify(state):
    """What `audit verify` checks: MACs under the key, links, anchors and the signed checkpoints."""
    with state.session_factory() as session:
        return state.extras["audit_log"].verify(session)


def tamper(state, *statements: str, params: dict | None = None) -> None:
    """Act as an attacker with direct database access: switch the append-only triggers off first."""
    with state.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
        for statement in statements:
            connection.execute(text(statement), params or {})


def test_intact_chain_verifies(state) -> None:
    fill(state)
    result = verify(state)
    assert result.ok and result.entries_checked == 8 and result.anchors_checked == 8
    assert result.head_seq == 8


def test_triggers_refuse_update_and_delete(state) -> None:
    fill(state, 2)
    for statement in (
        "UPDATE audit_entries SET reason = 'x' WHERE seq = 1",
        "DELETE FROM audit_entries WHERE seq = 1",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            with state.engine.begin() as connection:
                connection.execute(text(statement))
    assert verify(state).ok


def test_edit_in_the_middle_is_detected(state) -> None:
    fill(state)
    tamper(state, "UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 4")
    result = verify(state)
    assert not result.ok and result.first_broken_seq == 4
    assert any("edited" in p for p in result.problems)


def test_delete_in_the_middle_is_detected(state) -> None:
    fill(state)
    tamper(state, "DELETE FROM audit_entries WHERE seq = 5")
    result = verify(state)
    assert not result.ok and result.first_broken_seq == 5


def test_insert_in_the_middle_is_detected(state) -> None:
    fill(state)
    with state.session_factory() as session:
        prev = session.execute(text("SELECT hash FROM audit_entries WHERE seq = 3")).scalar_one()
    from datetime import UTC, datetime

    at = datetime.now(UTC)
    forged_hash = audit.entry_hash(
        seq=4,
        at=at,
        actor="forger",
        role="admin",
        case_id=None,
        action="forged",
        object_type="",
        object_id="",
        reason="",
        details={},
        prev_hash=prev,
    )
    shift = [
        "UPDATE audit_entries SET seq = seq + 100 WHERE seq >= 4",
        "UPDATE audit_entries SET seq = seq - 99 WHERE seq >= 104",
    ]
    tamper(state, *shift)
    # prev_hash is unique: a forger who links to entry 3 collides with the real entry 4's prev_hash,
    # so they must also alter that one — which its own hash then betrays.
    tamper(state, "UPDATE audit_entries SET prev_hash = :h WHERE seq = 5", params={"h": forged_hash})
    with state.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_entries (seq, at, actor, role, case_id, action, object_type, object_id, reason, "
                "details, prev_hash, hash) VALUES (4, :at, 'forger', 'admin', NULL, 'forged', '', '', '', '{}', "
                ":prev, :hash)"
            ),
            {
                "at": at if connection.dialect.name == "postgresql" else at.replace(tzinfo=None),
                "prev": prev,
                "hash": forged_hash,
            },
        )
    result = verify(state)
    assert not result.ok
    assert result.first_broken_seq is not None and result.first_broken_seq <= 5


def test_cutting_off_the_end_is_detected_by_anchors(state) -> None:
    fill(state)
    tamper(state, "DELETE FROM audit_entries WHERE seq >= 7")
    with state.session_factory() as session:
        bare = audit.verify_chain(session)  # without anchors the shorter chain looks fine ...
    assert bare.ok and bare.head_seq == 6
    result = verify(state)  # ... the anchors outside the database do not
    assert not result.ok
    assert any("cut off the end" in p for p in result.problems)


def test_cli_verify(state, monkeypatch) -> None:
    fill(state, 3)
    monkeypatch.setenv("REISROUTE_DATA_DIR", str(state.settings.data_dir))
    monkeypatch.setenv("REISROUTE_DATABASE_URL", state.settings.resolved_database_url())
    monkeypatch.setenv("REISROUTE_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("REISROUTE_AUDIT_CHECKPOINT_DIR", str(state.settings.audit_checkpoint_dir))
    runner = CliRunner()
    result = runner.invoke(cli_app, ["audit", "verify", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True
    tamper(state, "UPDATE audit_entries SET reason = 'rewritten' WHERE seq = 2")
    result = runner.invoke(cli_app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "chain broken at entry 2" in result.output


def test_audit_api_for_auditor_only(client_for) -> None:
    auditor = client_for("auditor")
    intake = client_for("intake")
    intake.post("/api/v1/cases", json={"reference": "V-99"})
    assert intake.get("/api/v1/audit/verify").status_code == 403
    response = auditor.get("/api/v1/audit/verify")
    assert response.status_code == 200 and response.json()["ok"] is True
    entries = auditor.get("/api/v1/audit").json()
    actions = [e["action"] for e in entries]
    assert "case.create" in actions and "auth.sign_in" in actions


def test_concurrent_writers_never_fork_the_chain(state) -> None:
    """Many writers at once (a busy station): every entry lands, in one unbroken chain."""
    import threading

    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            for item in range(15):
                with unit_of_work(state.session_factory) as session:
                    audit.append(
                        session, actor=f"w{number}", role="admin", action="test.concurrent", object_id=item
                    )
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    result = verify(state)
    assert result.ok and result.entries_checked == 90
