"""Both evidence backends for real (the directory on disk; the central store in PostgreSQL), and the
organisation key: refusal without one, rotation without re-encryption, the old per-directory master key."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from casework.state import AppState, build_state
from store import keys
from store.errors import EvidenceIntegrityError, EvidenceKeyDestroyed, StoreError
from store.evidence import DirectoryEvidenceStore, EvidenceStore, open_evidence_store
from store.models import CaseKey, EvidenceChunk
from tests.conftest import TEST_ORGANISATION_KEY
from tests.store.route_builders import make_case_with_job

BIG = os.urandom(3 * 1024 * 1024 + 17)  # four chunks, the last one short


@pytest.fixture(params=["directory", "database"])
def evidence_state(request: pytest.FixtureRequest, settings) -> Iterator[AppState]:  # type: ignore[no-untyped-def]
    if request.param == "database" and not settings.resolved_database_url().startswith("postgresql"):
        pytest.skip("the central evidence store runs on PostgreSQL")
    app_state = build_state(settings.model_copy(update={"evidence_store": request.param}), migrate=False)
    yield app_state
    app_state.engine.dispose()


def _case(state: AppState) -> tuple[int, bytes]:
    with state.session_factory.begin() as session:
        case_id, _job, _custody = make_case_with_job(session, "V-EVIDENCE")
        key = state.evidence.ensure_case_key(session, case_id)
    return case_id, key


def test_round_trip_tamper_and_erase(evidence_state: AppState, tmp_path: Path) -> None:
    state, evidence = evidence_state, evidence_state.evidence
    case_id, key = _case(state)
    source = tmp_path / "item.bin"
    source.write_bytes(BIG)
    name, digest, size = evidence.put_file(key, case_id, source, durable=False)
    small, small_digest, _ = evidence.put_bytes(key, case_id, b"", durable=True)  # an empty blob is one chunk
    evidence.sync(case_id)
    assert (digest, size) == (hashlib.sha256(BIG).hexdigest(), len(BIG))
    assert evidence.read_verified(key, case_id, name, digest) == BIG
    assert evidence.read_verified(key, case_id, small, small_digest) == b""
    with pytest.raises(EvidenceIntegrityError, match="no longer matches"):
        evidence.read_verified(key, case_id, name, "0" * 64)
    with pytest.raises(EvidenceIntegrityError):  # another case's key opens nothing
        list(evidence.iter_chunks(os.urandom(32), case_id, name))

    if isinstance(evidence, DirectoryEvidenceStore):
        path = evidence.blob_path(case_id, name)
        path.write_bytes(path.read_bytes()[: -1024 * 1024])  # cut the last chunk off
        with pytest.raises(EvidenceIntegrityError):
            evidence.read_verified(key, case_id, name, digest)
    else:
        with state.session_factory.begin() as session:  # the chunk rows hold only sealed bytes
            sealed = session.scalar(select(EvidenceChunk.sealed).where(EvidenceChunk.blob_name == name))
            assert sealed is not None and BIG[:4096] not in sealed
            # a final flag flipped on a middle chunk fails authentication
            session.execute(
                update(EvidenceChunk)
                .where(EvidenceChunk.blob_name == name, EvidenceChunk.chunk_index == 1)
                .values(final=True)
            )
        with pytest.raises(EvidenceIntegrityError, match="fails authentication"):
            evidence.read_verified(key, case_id, name, digest)
        with state.session_factory.begin() as session:
            session.execute(
                update(EvidenceChunk)
                .where(EvidenceChunk.blob_name == name, EvidenceChunk.chunk_index == 1)
                .values(final=False)
            )
            session.execute(
                delete(EvidenceChunk).where(EvidenceChunk.blob_name == name, EvidenceChunk.chunk_index == 3)
            )
        with pytest.raises(EvidenceIntegrityError, match="truncated"):
            evidence.read_verified(key, case_id, name, digest)

    with state.session_factory.begin() as session:
        proof = evidence.destroy_case(session, case_id)
    assert proof["blobs_deleted"] == 2 and proof["key_fingerprint"]
    assert proof["evidence_store"] == state.settings.evidence_store
    with state.session_factory() as session:
        with pytest.raises(EvidenceKeyDestroyed):
            evidence.case_key(session, case_id)
        assert not session.scalar(
            select(func.count()).select_from(EvidenceChunk).where(EvidenceChunk.case_id == case_id)
        )
    with pytest.raises(EvidenceIntegrityError, match="missing"):
        list(evidence.iter_chunks(key, case_id, small))


def test_the_database_store_needs_postgresql(state: AppState) -> None:
    if state.engine.dialect.name == "postgresql":
        pytest.skip("the refusal is for SQLite")
    with pytest.raises(StoreError, match="needs PostgreSQL"):
        open_evidence_store(
            "database", data_dir=state.settings.data_dir, keyring=state.evidence.keyring, engine=state.engine
        )


def test_no_organisation_key_no_start(settings) -> None:  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"organisation_key": None})
    with pytest.raises(keys.OrganisationKeyError, match="REISROUTE_ORGANISATION_KEY_FILE"):
        build_state(settings, migrate=False)
    inside = settings.data_dir / "organisation.key"
    keys.write_key_file(inside)
    with pytest.raises(keys.OrganisationKeyError, match="inside the data directory"):
        build_state(settings.model_copy(update={"organisation_key_file": inside}), migrate=False)
    demo = build_state(settings.model_copy(update={"demo": True}), migrate=False)  # demo: generated
    try:
        assert (settings.data_dir / keys.DEMO_ORGANISATION_KEY).exists()
    finally:
        demo.engine.dispose()


def _store(state: AppState, keyring: keys.Keyring) -> EvidenceStore:
    return open_evidence_store(
        state.settings.evidence_store, data_dir=state.settings.data_dir, keyring=keyring, engine=state.engine
    )


def test_rotation_rewraps_keys_and_never_touches_evidence(
    state: AppState, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a case from before organisation keys: its key wrapped by the data directory's old master key
    master = tmp_path / "data" / keys.LEGACY_MASTER_KEY
    master.parent.mkdir(parents=True, exist_ok=True)
    master.write_bytes(os.urandom(32))
    legacy = keys.LocalKeyWrapper(master.read_bytes())
    with state.session_factory.begin() as session:
        old_case, _job, _custody = make_case_with_job(session, "V-OLD")
        old_key = os.urandom(32)
        session.add(
            CaseKey(
                case_id=old_case,
                wrapped_key=legacy.wrap(old_key, context=f"case:{old_case}".encode()),
                wrapped_by=None,
                key_fingerprint=keys.case_key_fingerprint(old_key),
            )
        )
    state = build_state(state.settings, migrate=False)  # now with the old master key beside the org key
    name, digest, _ = state.evidence.put_bytes(old_key, old_case, b"from before", durable=True)
    with state.session_factory() as session:
        assert state.evidence.case_key(session, old_case) == old_key  # still readable

    new_file = tmp_path / "secrets" / "new.key"
    new = keys.write_key_file(new_file)
    from api.cli import app

    monkeypatch.setenv("REISROUTE_DATA_DIR", str(state.settings.data_dir))
    monkeypatch.setenv("REISROUTE_DATABASE_URL", state.settings.resolved_database_url())
    result = CliRunner().invoke(app, ["keys", "rotate", "--new-key-file", str(new_file)])
    assert result.exit_code == 0, result.output
    assert "1 case key(s) re-wrapped" in result.output
    with state.session_factory() as session:
        row = session.get(CaseKey, old_case)
        assert row is not None and row.wrapped_by == new.key_id
        assert row.key_fingerprint == keys.case_key_fingerprint(
            old_key
        )  # the same case key: no re-encryption
    master.unlink()  # the old per-directory key is no longer needed

    rotated = keys.Keyring(current=new)
    with state.session_factory() as session:
        key = _store(state, rotated).case_key(session, old_case)
    assert _store(state, rotated).read_verified(key, old_case, name, digest) == b"from before"
    old_only = keys.Keyring(current=keys.LocalKeyWrapper.from_hex(TEST_ORGANISATION_KEY))
    with state.session_factory() as session, pytest.raises(keys.OrganisationKeyError, match="does not hold"):
        _store(state, old_only).case_key(session, old_case)
    during = keys.Keyring(current=keys.LocalKeyWrapper.from_hex(TEST_ORGANISATION_KEY), previous=[new])
    with state.session_factory() as session:  # mid-rotation, a station with both keys reads both
        assert _store(state, during).case_key(session, old_case) == old_key
    again = CliRunner().invoke(app, ["keys", "rotate", "--new-key-file", str(new_file)])
    assert (
        again.exit_code == 0 and "0 case key(s) re-wrapped" in again.output
    )  # a rerun resumes: nothing left
    state.engine.dispose()
