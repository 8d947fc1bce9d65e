"""The attacks of issue 13 by someone who can write the database and the data directory but does not hold
the audit key: each must fail verification. On SQLite and PostgreSQL.

The attacker works with direct database access (triggers switched off, as in test_audit_chain) and may
delete the anchor file in the data directory; the checkpoint directory is elsewhere and append-only.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from api.cli import app as cli_app
from casework.state import build_state
from store import audit
from store.db import unit_of_work
from store.models import AuditEntry
from store.types import utcnow
from tests.conftest import TEST_AUDIT_KEY
from tests.store.test_audit_chain import tamper


def fill(state, count: int) -> None:  # noqa: ANN001
    for number in range(count):
        with unit_of_work(state.session_factory) as session:
            audit.append(
                session,
                actor="officer",
                role="intake_officer",
                action="case.update",
                case_id=1,
                object_id=number,
                details={"n": number},
            )


def shut_down(state) -> None:  # noqa: ANN001
    """The service stops cleanly: its last head is checkpointed."""
    state.extras["audit_log"].close()


def verify(state, **kwargs):  # noqa: ANN001, ANN003
    with state.session_factory() as session:
        return state.extras["audit_log"].verify(session, **kwargs)


def remove_anchors(state) -> None:  # noqa: ANN001
    audit.anchor_path(state.settings.data_dir).unlink()


def rows(state) -> list[AuditEntry]:  # noqa: ANN001
    with state.session_factory() as session:
        found = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        session.expunge_all()
        return found


def test_intact_log_verifies_with_checkpoints(state) -> None:
    fill(state, 5)
    shut_down(state)
    result = verify(state)
    assert result.ok, result.problems
    assert result.macs_checked and result.unkeyed_entries == 0
    assert result.checkpoints_checked == 2 and result.last_checkpoint_seq == 5  # start and shutdown


@pytest.mark.parametrize("as_version", [1, 2])
def test_forged_approval_with_a_correct_unkeyed_hash_fails(state, as_version: int) -> None:
    fill(state, 5)
    remove_anchors(state)
    head = rows(state)[-1]
    at = utcnow()
    forged = audit.entry_hash(
        seq=6,
        at=at,
        actor="authoriser",
        role="authorising_official",
        case_id=1,
        action="authorisation.approve",
        object_type="authorisation",
        object_id="1",
        reason="approved",
        details={},
        prev_hash=head.hash,
    )
    tamper(
        state,
        "INSERT INTO audit_entries (seq, at, actor, role, case_id, action, object_type, object_id, reason, "
        "details, prev_hash, hash, chain_version, key_id) VALUES (6, :at, 'authoriser', 'authorising_official', "
        "1, 'authorisation.approve', 'authorisation', '1', 'approved', '{}', :prev, :hash, :version, :key_id)",
        params={
            "at": at if state.engine.dialect.name == "postgresql" else at.replace(tzinfo=None),
            "prev": head.hash,
            "hash": forged,
            "version": as_version,
            "key_id": head.key_id if as_version == 2 else None,
        },
    )
    result = verify(state)
    assert not result.ok and result.first_broken_seq == 6, result.problems
    assert any("forged" in p for p in result.problems)


def test_anchors_deleted_then_the_last_20_rows_deleted_fails(state) -> None:
    fill(state, 30)
    shut_down(state)
    remove_anchors(state)
    tamper(state, "DELETE FROM audit_entries WHERE seq > 10")
    with state.session_factory() as session:
        assert audit.verify_chain(session, key=state.extras["audit_log"].key).ok  # links and MACs alone: fine
    result = verify(state)
    assert not result.ok and result.head_seq == 10
    assert any("cut off the end" in p for p in result.problems)


def test_checkpoint_file_deleted_too_fails(state) -> None:
    fill(state, 30)
    shut_down(state)
    remove_anchors(state)
    state.extras["audit_log"].checkpointer.path.unlink()
    tamper(state, "DELETE FROM audit_entries WHERE seq > 10")
    result = verify(state)
    assert not result.ok
    assert any("checkpoint file is missing" in p for p in result.problems)


def test_entries_after_the_last_checkpoint_older_than_its_interval_fail(state) -> None:
    """The service wrote entries and the checkpoint after them is gone (or it never stopped cleanly)."""
    fill(state, 4)  # the start checkpoint covers entry 0 only; the periodic one is not due yet
    assert verify(state).ok  # young entries: not yet due for a checkpoint
    later = utcnow() + timedelta(
        seconds=state.settings.audit_checkpoint_interval_s + audit.CHECKPOINT_GRACE_S + 1
    )
    result = verify(state, now=later)
    assert not result.ok and result.first_broken_seq == 1
    assert any("not covered by a checkpoint" in p for p in result.problems)


@pytest.mark.parametrize("rehash_with", ["sha256", "attacker-key"])
def test_anchors_deleted_one_entry_edited_and_the_rest_rehashed_fails(state, rehash_with: str) -> None:
    fill(state, 10)
    shut_down(state)
    remove_anchors(state)
    attacker_key = audit.AuditKey.generate()
    prev = None
    statements: list[tuple[str, dict]] = []
    for row in rows(state):
        if row.seq == 4:
            row.actor = "someone-else"
        if row.seq >= 4:
            row.prev_hash = prev  # type: ignore[assignment]
            if rehash_with == "sha256":
                row.hash = audit.entry_hash(
                    seq=row.seq,
                    at=row.at,
                    actor=row.actor,
                    role=row.role,
                    case_id=row.case_id,
                    action=row.action,
                    object_type=row.object_type,
                    object_id=row.object_id,
                    reason=row.reason,
                    details=row.details,
                    prev_hash=row.prev_hash,
                )
            else:  # a MAC under a key of the attacker's own, claiming the real key's id
                row.hash = attacker_key.mac_entry(audit.keyed_entry_body(row))
            statements.append(
                (
                    "UPDATE audit_entries SET actor = :actor, prev_hash = :prev, hash = :hash WHERE seq = :seq",
                    {"actor": row.actor, "prev": row.prev_hash, "hash": row.hash, "seq": row.seq},
                )
            )
        prev = row.hash
    for statement, params in statements:
        tamper(state, statement, params=params)
    with state.session_factory() as session:
        assert audit.verify_chain(session).ok  # the links are all consistent again ...
    result = verify(state)  # ... but not one rewritten entry carries a valid MAC
    assert not result.ok and result.first_broken_seq == 4
    assert any("does not match its MAC" in p for p in result.problems)
    assert any("does not match its checkpoint" in p for p in result.problems)


def test_edited_checkpoint_fails(state) -> None:
    fill(state, 6)
    shut_down(state)
    path = state.extras["audit_log"].checkpointer.path
    lines = path.read_text().splitlines()
    lines[-1] = lines[-1].replace('"seq":6', '"seq":5')
    path.write_text("\n".join(lines) + "\n")
    result = verify(state)
    assert not result.ok
    assert any("not authentic" in p for p in result.problems)


def test_garbled_checkpoint_file_fails(state) -> None:
    fill(state, 3)
    shut_down(state)
    with state.extras["audit_log"].checkpointer.path.open("a") as handle:
        handle.write('{"kind":"periodic","seq":\n')
    result = verify(state)
    assert not result.ok and "unreadable" in result.problems[0]


def test_log_restored_from_an_older_state_and_continued_fails_its_checkpoint(state) -> None:
    """Rows 9–10 deleted, then the service itself appends two new, validly signed entries: the chain is
    whole and every MAC is right, but entry 10 is not the entry the checkpoint saw."""
    fill(state, 10)
    shut_down(state)
    remove_anchors(state)
    tamper(state, "DELETE FROM audit_entries WHERE seq > 8")
    fill(state, 2)
    with state.session_factory() as session:
        assert audit.verify_chain(session, key=state.extras["audit_log"].key).ok
    result = verify(state)
    assert not result.ok and result.first_broken_seq == 10
    assert any("does not match its checkpoint" in p for p in result.problems)


def test_cli_verify_fails_on_every_attack(state, monkeypatch) -> None:
    fill(state, 25)
    shut_down(state)
    monkeypatch.setenv("REISROUTE_DATA_DIR", str(state.settings.data_dir))
    monkeypatch.setenv("REISROUTE_DATABASE_URL", state.settings.resolved_database_url())
    monkeypatch.setenv("REISROUTE_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("REISROUTE_AUDIT_CHECKPOINT_DIR", str(state.settings.audit_checkpoint_dir))
    runner = CliRunner()
    before = state.extras["audit_log"].checkpointer.path.read_bytes()
    result = runner.invoke(cli_app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert state.extras["audit_log"].checkpointer.path.read_bytes() == before  # verify writes nothing
    remove_anchors(state)
    tamper(state, "DELETE FROM audit_entries WHERE seq > 5")
    result = runner.invoke(cli_app, ["audit", "verify"])
    assert result.exit_code == 1 and "cut off the end" in result.output
    monkeypatch.setenv("REISROUTE_AUDIT_KEY", "77" * 32)  # verifying with another key: nothing is authentic
    result = runner.invoke(cli_app, ["audit", "verify"])
    assert result.exit_code == 1 and "not authentic" in result.output


# --- the key -------------------------------------------------------------------------------------------


def test_refuses_to_start_without_a_key_or_with_one_in_the_data_dir(settings, tmp_path) -> None:
    with pytest.raises(audit.AuditKeyError, match="no audit key"):
        build_state(settings.model_copy(update={"audit_key": None}), migrate=False)
    inside = settings.data_dir / "audit.key"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    audit.write_key_file(inside)
    with pytest.raises(audit.AuditKeyError, match="inside the data directory"):
        build_state(settings.model_copy(update={"audit_key": None, "audit_key_file": inside}), migrate=False)
    with pytest.raises(audit.AuditKeyError, match="checkpoint directory"):
        build_state(settings.model_copy(update={"audit_checkpoint_dir": None}), migrate=False)
    with pytest.raises(audit.AuditKeyError, match="inside the data directory"):
        build_state(
            settings.model_copy(update={"audit_checkpoint_dir": settings.data_dir / "cp"}), migrate=False
        )
    outside = tmp_path / "secrets" / "audit.key"
    key = audit.write_key_file(outside)
    assert oct(outside.stat().st_mode & 0o777) == "0o400"
    state = build_state(
        settings.model_copy(update={"audit_key": None, "audit_key_file": outside}), migrate=False
    )
    assert state.extras["audit_log"].key.key_id == key.key_id
    state.engine.dispose()


def test_demo_generates_a_key_and_says_it_protects_nothing(settings) -> None:
    demo = settings.model_copy(update={"audit_key": None, "audit_checkpoint_dir": None, "demo": True})
    state = build_state(demo, migrate=False)
    try:
        assert (demo.data_dir / audit.DEMO_KEY_FILE_NAME).exists()
        fill(state, 2)
        result = verify(state)
        assert result.ok and any("demo mode" in w for w in result.warnings)
    finally:
        state.engine.dispose()


def test_key_id_does_not_reveal_the_key() -> None:
    key = audit.AuditKey.from_hex(TEST_AUDIT_KEY)
    assert key.key_id not in (hashlib.sha256(key.secret).hexdigest(), key.secret.hex())
    assert len(key.key_id) == 16
    with pytest.raises(audit.AuditKeyError):
        audit.AuditKey.from_hex("ab" * 8)


def test_readers_entries_are_committed_by_the_sequencer_before_return(state) -> None:
    with unit_of_work(state.session_factory, read_only=True) as session:
        audit.append(session, actor="caseworker", role="caseworker", action="route.read", case_id=1)
        with pytest.raises(Exception, match="readonly|read-only|read only"):
            session.execute(text("CREATE TABLE probe_written_by_a_reader (a integer)"))
        session.rollback()
        audit.append(session, actor="caseworker", role="caseworker", action="route.read", case_id=1)
    entries = rows(state)
    assert [e.action for e in entries] == ["route.read"]
    assert state.extras["audit_log"].sequencer.entries == 1
    assert verify(state).ok
