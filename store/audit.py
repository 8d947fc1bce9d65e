"""The append-only audit log: a keyed hash chain, signed checkpoints outside the data directory, and a
sequencer that lets readers record their reads without holding a write lock.

**Entries.** Each entry's ``hash`` is an HMAC-SHA256, under a key that does not live in the data
directory, over the canonical JSON of the entry (sequence number, time, who, role, case, what, why, details,
the previous entry's hash and the key's id). Editing, inserting or deleting an entry breaks every later
link, and nobody without the key — a host administrator who can write the database or the data
directory included — can compute a valid entry, so a forged or re-hashed chain fails verification.
``prev_hash`` and ``seq`` are unique, so two writers racing for the same position cannot fork the chain.
Rows written before keyed chaining existed (``chain_version`` 1) keep their unkeyed SHA-256; they are
accepted only below the first checkpoint, which the first keyed start writes over them (it seals them).

**Checkpoints.** Cutting entries off the end leaves a valid shorter chain; so does restoring an old copy
of the database. Both are caught by checkpoints: ``{kind, seq, hash, at, interval_s, key_id}`` with an
HMAC under a key derived from the same secret, appended (``O_APPEND``, fsync) to a file in a directory
outside the data directory that the service can only append to (``chattr +a``, or owned by another user
with an append-only ACL), optionally copied to syslog. One is written at start, at most every
``interval_s`` while the head moves, and at shutdown. ``verify_chain`` fails when the checkpoint file is
missing, when a checkpoint is not authentic or does not match the entry at its position, when a checkpoint
lies beyond the head, and when entries after the last checkpoint are older than its interval (plus
``CHECKPOINT_GRACE_S``): those should have been checkpointed, so checkpoints were removed. What remains
possible: cutting off entries younger than one interval after a crash, and anything by someone holding
the key (the service's own memory) — against them only an external copy of the checkpoints helps.

**Concurrency.** Two paths lead into the chain, one code path (``_chain``) computes it:

- *Writes* (a request that changes data, a job step): ``append`` queues the entry on the session and the
  ``before_commit`` hook chains it in the same transaction, so the action and its record commit together
  or not at all. The chain head is taken only at commit (PostgreSQL: a transaction-level advisory lock;
  SQLite: the write lock the write transaction holds anyway), not for the whole transaction.
- *Reads* (``sequenced`` sessions, a read transaction): entries cannot share the transaction — a read must
  not hold the write lock — so after the read transaction ends they go to the ``Sequencer``, a group
  commit as certificate-transparency logs do it: the first waiting thread becomes the leader, takes every
  entry queued so far, chains the batch in one short write transaction (one fsync, one head lookup) and
  wakes the others. The request returns its data only once its entries are committed, so a read is never
  served unrecorded, and 50 concurrent readers cost a few short transactions instead of 50 serialised
  ones. Chosen over one short append per reader (50 fsyncs and 50 lock hand-overs under load) and over
  per-case chains (a second structure to verify, and the global order of events is what an auditor reads).
- *Entries that must outlive a failed request* (a failed sign-in, a refused access) are appended with
  ``survive_rollback=True``: a rollback keeps them, and the request scope hands them to the sequencer.

There is deliberately no function here that updates or deletes an entry; database triggers refuse both.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from store.errors import StoreError, StoreUnavailable
from store.models import AuditEntry
from store.types import utcnow

log = logging.getLogger(__name__)
# an append by the sequencer slower than this is logged (``REISROUTE_AUDIT_SLOW_APPEND_MS``)
SLOW_APPEND_MS = float(os.environ.get("REISROUTE_AUDIT_SLOW_APPEND_MS", "250"))

GENESIS_HASH = "0" * 64
ANCHOR_FILE_NAME = "audit-anchors.jsonl"
CHECKPOINT_FILE_NAME = "audit-checkpoints.jsonl"
DEMO_KEY_FILE_NAME = "demo-audit.key"
DEMO_CHECKPOINT_DIR_NAME = "audit-checkpoints"
CHAIN_VERSION_UNKEYED = 1
CHAIN_VERSION_KEYED = 2
CHECKPOINT_GRACE_S = 10.0
MIN_KEY_BYTES = 32
SEQUENCER_BATCH_MAX = 500
PG_CHAIN_LOCK_ID = 724311

PENDING = "audit_pending"
SEQUENCED = "audit_sequenced"
LOG_KEY = "audit_log"
HEAD_KEY = "audit_head"

APPEND_ONLY_TRIGGERS_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END",
)
APPEND_ONLY_TRIGGERS_POSTGRESQL = (
    "CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries",
    "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()",
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change()",
)


class AuditKeyError(StoreError):
    """The audit key is missing, unreadable, too short or stored where it protects nothing."""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


# --- the key -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditKey:
    """The secret behind entry MACs and checkpoint MACs (two keys derived from it, one per purpose)."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            raise AuditKeyError(
                f"the audit key must be at least {MIN_KEY_BYTES} bytes ({MIN_KEY_BYTES * 2} hex)"
            )

    @classmethod
    def from_hex(cls, value: str) -> AuditKey:
        try:
            return cls(bytes.fromhex(value.strip()))
        except ValueError as exc:
            raise AuditKeyError(
                "the audit key must be hexadecimal (generate one: reisroute audit keygen)"
            ) from exc

    @classmethod
    def generate(cls) -> AuditKey:
        return cls(secrets.token_bytes(MIN_KEY_BYTES))

    def _derive(self, purpose: str) -> bytes:
        return hmac.new(self.secret, f"reisroute audit {purpose}".encode(), hashlib.sha256).digest()

    @property
    def key_id(self) -> str:
        """A public name of the key (16 hex): which key signed an entry, without revealing it."""
        return self._derive("key id").hex()[:16]

    def mac_entry(self, body: str) -> str:
        return hmac.new(self._derive("entry v2"), body.encode("utf-8"), hashlib.sha256).hexdigest()

    def mac_checkpoint(self, body: str) -> str:
        return hmac.new(self._derive("checkpoint v1"), body.encode("utf-8"), hashlib.sha256).hexdigest()


def write_key_file(path: Path) -> AuditKey:
    """Create a new key file readable by its owner only (refuses to overwrite one)."""
    key = AuditKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    try:
        os.write(fd, (key.secret.hex() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def _inside(path: Path, directory: Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(directory).resolve())


def load_key(*, key_hex: str | None, key_file: Path | None, data_dir: Path, demo: bool) -> AuditKey:
    """The audit key from settings. Outside demo mode a missing key, or one kept in the data directory,
    refuses to start: a key beside the database protects nothing against whoever can write the database.
    In demo mode a key is generated in the data directory (and ``audit verify`` says it protects nothing)."""
    if key_hex:
        return AuditKey.from_hex(key_hex)
    if key_file is not None:
        if not demo and _inside(key_file, data_dir):
            raise AuditKeyError(
                f"the audit key file {key_file} is inside the data directory {data_dir}: keep it elsewhere "
                "(another mount or a secret store), readable only by the service"
            )
        try:
            return AuditKey.from_hex(Path(key_file).read_text(encoding="ascii"))
        except OSError as exc:
            raise AuditKeyError(f"cannot read the audit key file {key_file}: {exc.strerror}") from exc
    if demo:
        path = Path(data_dir) / DEMO_KEY_FILE_NAME
        if path.exists():
            return AuditKey.from_hex(path.read_text(encoding="ascii"))
        return write_key_file(path)
    raise AuditKeyError(
        "no audit key: set REISROUTE_AUDIT_KEY_FILE to a file outside the data directory "
        "(create one with: reisroute audit keygen PATH) or REISROUTE_AUDIT_KEY (hex); only --demo runs without"
    )


def resolve_checkpoint_dir(checkpoint_dir: Path | None, *, data_dir: Path, demo: bool) -> Path:
    if checkpoint_dir is None:
        if demo:
            return Path(data_dir) / DEMO_CHECKPOINT_DIR_NAME
        raise AuditKeyError(
            "no audit checkpoint directory: set REISROUTE_AUDIT_CHECKPOINT_DIR to a directory outside the data "
            "directory that the service can only append to"
        )
    if not demo and _inside(checkpoint_dir, data_dir):
        raise AuditKeyError(
            f"the audit checkpoint directory {checkpoint_dir} is inside the data directory {data_dir}: "
            "whoever can rewrite the database could rewrite the checkpoints too"
        )
    return Path(checkpoint_dir)


# --- entries -------------------------------------------------------------------------------------------


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    role: str,
    case_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    reason: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    """The unkeyed SHA-256 of a chain-version-1 entry (rows written before keyed chaining)."""
    body = _canonical(
        {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "role": role,
            "case_id": case_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "reason": reason,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def keyed_body(fields: dict[str, Any]) -> str:
    """The canonical text a chain-version-2 entry's MAC covers, from the entry's fields (a row's or an
    export's: ``at`` a datetime)."""
    return _canonical(
        {
            "v": CHAIN_VERSION_KEYED,
            "seq": fields["seq"],
            "at": fields["at"].isoformat(timespec="microseconds"),
            "actor": fields["actor"],
            "role": fields["role"],
            "case_id": fields["case_id"],
            "action": fields["action"],
            "object_type": fields["object_type"],
            "object_id": fields["object_id"],
            "reason": fields["reason"],
            "details": fields.get("details") or {},
            "prev_hash": fields["prev_hash"],
            "key_id": fields["key_id"],
        }
    )


def keyed_entry_body(row: AuditEntry) -> str:
    """The canonical text a chain-version-2 entry's MAC covers."""
    names = ("seq", "at", "actor", "role", "case_id", "action", "object_type", "object_id", "reason")
    return keyed_body(
        {
            **{name: getattr(row, name) for name in names},
            "details": row.details or {},
            "prev_hash": row.prev_hash,
            "key_id": row.key_id,
        }
    )


def _unkeyed_hash_of_row(row: AuditEntry) -> str:
    return entry_hash(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        role=row.role,
        case_id=row.case_id,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        reason=row.reason,
        details=row.details or {},
        prev_hash=row.prev_hash,
    )


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """An entry waiting for its place in the chain (``at`` is when the event happened)."""

    at: datetime
    actor: str
    role: str
    action: str
    case_id: int | None
    object_type: str
    object_id: str
    reason: str
    details: dict[str, Any]
    survive_rollback: bool = False


def pending_entry(
    *,
    actor: str,
    role: str,
    action: str,
    case_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    survive_rollback: bool = False,
) -> PendingEntry:
    return PendingEntry(
        at=utcnow(),
        actor=actor[:120],
        role=role[:40],
        action=action,
        case_id=case_id,
        object_type=object_type,
        object_id=str(object_id)[:120],
        reason=reason,
        details=json.loads(_canonical(details or {})),
        survive_rollback=survive_rollback,
    )


def append(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    case_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    survive_rollback: bool = False,
) -> PendingEntry:
    """Record an entry for this session's unit of work.

    In a write session it is chained at commit, in the same transaction as the action it records (both
    commit or neither). In a read session (``sequenced``) it is chained by the sequencer once the read
    transaction has ended, before the request returns. ``survive_rollback`` entries are kept when the
    transaction rolls back (a failed sign-in, a refused access).
    """
    if LOG_KEY not in session.info:
        raise StoreError(
            "this session has no audit log: make sessions with the factory AuditLog.install set up"
        )
    entry = pending_entry(
        actor=actor,
        role=role,
        action=action,
        case_id=case_id,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        details=details,
        survive_rollback=survive_rollback,
    )
    session.info.setdefault(PENDING, []).append(entry)
    return entry


AUDIT_TABLE: Table = AuditEntry.__table__  # type: ignore[assignment]


_HEAD_QUERY = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)


def _chain(
    session: Session, key: AuditKey, entries: Sequence[PendingEntry], *, lock_timeout_ms: int = 5000
) -> tuple[int, str]:
    """Give the entries the next places in the chain, in this session's (write) transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders on the chain head, for the rest of this (short) transaction; a head held
        # too long raises LockNotAvailable (retried by the sequencer, else a 503), never waits forever.
        session.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout_ms)}ms'"))
        session.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": PG_CHAIN_LOCK_ID})
    head_row = session.execute(_HEAD_QUERY).first()
    seq, prev_hash = (head_row[0], head_row[1]) if head_row else (0, GENESIS_HASH)
    rows: list[dict[str, Any]] = []
    for pending in entries:
        seq += 1
        row: dict[str, Any] = {
            "seq": seq,
            "at": pending.at,
            "actor": pending.actor,
            "role": pending.role,
            "case_id": pending.case_id,
            "action": pending.action,
            "object_type": pending.object_type,
            "object_id": pending.object_id,
            "reason": pending.reason,
            "details": pending.details,
            "prev_hash": prev_hash,
            "chain_version": CHAIN_VERSION_KEYED,
            "key_id": key.key_id,
        }
        row["hash"] = key.mac_entry(keyed_body(row))
        rows.append(row)
        prev_hash = row["hash"]
    # one executemany on the table, past the ORM: entries are never read back or changed in this session,
    # so its unit of work (an object, identity and flush bookkeeping per entry) would be pure cost
    session.connection().execute(insert(AUDIT_TABLE), rows)
    return seq, prev_hash


def take_pending(session: Session, *, survivors_only: bool = False) -> list[PendingEntry]:
    pending: list[PendingEntry] = session.info.pop(PENDING, [])
    return [p for p in pending if p.survive_rollback] if survivors_only else pending


# --- anchors (in the data directory) and checkpoints (outside it) --------------------------------------


@dataclass(frozen=True, slots=True)
class Anchor:
    """The head after a commit, in the data directory: catches accidents, not an adversary."""

    seq: int
    hash: str
    at: str


def anchor_path(data_dir: Path) -> Path:
    return Path(data_dir) / ANCHOR_FILE_NAME


def _append_line(path: Path, line: str) -> None:
    """Append one line (O_APPEND: never rewrites; fsync so a crash cannot lose it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def write_anchor(path: Path, seq: int, digest: str) -> None:
    _append_line(path, _canonical({"seq": seq, "hash": digest, "at": utcnow().isoformat()}))


def read_anchors(path: Path) -> list[Anchor]:
    if not path.exists():
        return []
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            anchors.append(Anchor(seq=int(raw["seq"]), hash=str(raw["hash"]), at=str(raw["at"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"anchor file {path} line {number} is unreadable: {exc}") from exc
    return anchors


@dataclass(frozen=True, slots=True)
class Checkpoint:
    kind: str
    seq: int
    hash: str
    at: datetime
    interval_s: float
    key_id: str
    mac: str
    line: int = 0

    def body(self) -> str:
        return _canonical(
            {
                "kind": self.kind,
                "seq": self.seq,
                "hash": self.hash,
                "at": self.at.isoformat(timespec="microseconds"),
                "interval_s": self.interval_s,
                "key_id": self.key_id,
            }
        )

    def authentic(self, key: AuditKey) -> bool:
        return self.key_id == key.key_id and hmac.compare_digest(self.mac, key.mac_checkpoint(self.body()))


def checkpoint_path(checkpoint_dir: Path) -> Path:
    return Path(checkpoint_dir) / CHECKPOINT_FILE_NAME


def read_checkpoints(path: Path) -> list[Checkpoint] | None:
    """The checkpoints in file order; None when the file does not exist. Unreadable lines raise."""
    if not path.exists():
        return None
    checkpoints = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            checkpoints.append(
                Checkpoint(
                    kind=str(raw["kind"]),
                    seq=int(raw["seq"]),
                    hash=str(raw["hash"]),
                    at=datetime.fromisoformat(str(raw["at"])),
                    interval_s=float(raw["interval_s"]),
                    key_id=str(raw["key_id"]),
                    mac=str(raw["mac"]),
                    line=number,
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"checkpoint file {path} line {number} is unreadable: {exc}") from exc
    return checkpoints


class Checkpointer:
    """Writes signed checkpoints of the head: at start, at most every ``interval_s`` while it moves (a
    one-shot timer covers an idle tail), and at shutdown."""

    def __init__(
        self, checkpoint_dir: Path, key: AuditKey, *, interval_s: float, syslog: bool = False
    ) -> None:
        self.path = checkpoint_path(checkpoint_dir)
        self.key = key
        self.interval_s = float(interval_s)
        self.syslog = syslog
        self._lock = threading.Lock()
        self._latest: tuple[int, str] | None = None
        self._written: tuple[int, str] | None = None
        self._written_at = 0.0
        self._timer: threading.Timer | None = None

    def write(self, kind: str, seq: int, digest: str) -> Checkpoint:
        unsigned = Checkpoint(
            kind=kind,
            seq=seq,
            hash=digest,
            at=utcnow(),
            interval_s=self.interval_s,
            key_id=self.key.key_id,
            mac="",
        )
        checkpoint = Checkpoint(**{**_fields(unsigned), "mac": self.key.mac_checkpoint(unsigned.body())})
        line = _canonical({**json.loads(checkpoint.body()), "mac": checkpoint.mac})
        _append_line(self.path, line)
        if self.syslog:
            import syslog

            syslog.syslog(syslog.LOG_AUTHPRIV | syslog.LOG_NOTICE, f"reisroute-audit-checkpoint {line}")
        self._written, self._written_at = (seq, digest), time.monotonic()
        return checkpoint

    def observe(self, seq: int, digest: str) -> None:
        """A commit moved the head: checkpoint now if the interval has passed, else make sure a timer will."""
        with self._lock:
            if self._latest is None or seq > self._latest[0]:
                self._latest = (seq, digest)
            due = self._written_at + self.interval_s - time.monotonic()
            if due <= 0:
                self._flush_locked("periodic")
            elif self._timer is None:
                self._timer = threading.Timer(due, self._on_timer)
                self._timer.daemon = True
                self._timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
            try:
                self._flush_locked("periodic")
            except OSError:
                log.exception("could not write an audit checkpoint to %s", self.path)

    def _flush_locked(self, kind: str) -> None:
        if self._latest is not None and self._latest != self._written:
            self.write(kind, *self._latest)

    def close(self) -> None:
        """Checkpoint the last head this process committed (at shutdown)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._flush_locked("shutdown")


def _fields(checkpoint: Checkpoint) -> dict[str, Any]:
    return {name: getattr(checkpoint, name) for name in Checkpoint.__slots__}


# --- the sequencer -------------------------------------------------------------------------------------


class _Ticket:
    __slots__ = ("entries", "done", "error")

    def __init__(self, entries: list[PendingEntry]) -> None:
        self.entries = entries
        self.done = False
        self.error: BaseException | None = None


class Sequencer:
    """Group commit of entries that cannot share their request's transaction (see the module docstring).

    ``submit`` returns once the entries are committed (durable); it raises ``StoreUnavailable`` when the
    database stayed locked or unreachable for ``timeout_s``.
    """

    def __init__(self, audit_log: AuditLog, *, timeout_s: float = 10.0) -> None:
        self._log = audit_log
        self._timeout_s = timeout_s
        self._cond = threading.Condition()
        self._queue: list[_Ticket] = []
        self._leader_busy = False
        self.batches = 0
        self.entries = 0

    def submit(self, entries: list[PendingEntry]) -> None:
        if not entries:
            return
        ticket = _Ticket(entries)
        deadline = time.monotonic() + self._timeout_s * 2
        with self._cond:
            self._queue.append(ticket)
        while True:
            with self._cond:
                while not ticket.done and self._leader_busy:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise StoreUnavailable(
                            "the audit log could not record this request in time: try again"
                        )
                    self._cond.wait(remaining)
                if ticket.done:
                    break
                self._leader_busy = True  # become the leader: take what is queued
                batch, self._queue = self._take_batch()
            self._lead(batch)
        if ticket.error is not None:
            raise ticket.error

    def _take_batch(self) -> tuple[list[_Ticket], list[_Ticket]]:
        batch: list[_Ticket] = []
        size = 0
        for index, ticket in enumerate(self._queue):
            if batch and size + len(ticket.entries) > SEQUENCER_BATCH_MAX:
                return batch, self._queue[index:]
            batch.append(ticket)
            size += len(ticket.entries)
        return batch, []

    def _lead(self, batch: list[_Ticket]) -> None:
        error: BaseException | None = None
        try:
            self._log.write_direct([entry for ticket in batch for entry in ticket.entries], self._timeout_s)
            self.batches += 1
            self.entries += sum(len(t.entries) for t in batch)
        except BaseException as exc:  # noqa: BLE001 - handed to every waiter of the batch
            error = exc
        with self._cond:
            for ticket in batch:
                ticket.done, ticket.error = True, error
            self._leader_busy = False
            self._cond.notify_all()


# --- the log -------------------------------------------------------------------------------------------


def is_transient(exc: BaseException) -> bool:
    """A locked or unreachable database (worth a retry or a 503), not a bug."""
    if isinstance(exc, (PoolTimeoutError, StoreUnavailable)):
        return True
    if isinstance(exc, OperationalError):
        if isinstance(exc.orig, sqlite3.OperationalError):  # also "no such table": a bug, not busy
            message = str(exc.orig).lower()
            return "locked" in message or "busy" in message
        return True  # PostgreSQL: connection lost, lock or statement timeout, serialisation failure
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class AuditLog:
    """The key, the anchor file, the checkpointer and the sequencer of one database, wired into its
    session factory by ``install``."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        key: AuditKey,
        *,
        data_dir: Path,
        checkpoint_dir: Path,
        checkpoint_interval_s: float = 60.0,
        syslog: bool = False,
        demo: bool = False,
        write_timeout_s: float = 10.0,
    ) -> None:
        self.factory = factory
        self.lock_timeout_ms = max(1, int(write_timeout_s * 500))
        self.key = key
        self.anchor_file = anchor_path(data_dir)
        self.checkpoint_dir = Path(checkpoint_dir)
        self.checkpointer = Checkpointer(checkpoint_dir, key, interval_s=checkpoint_interval_s, syslog=syslog)
        self.sequencer = Sequencer(self, timeout_s=write_timeout_s)
        self.demo = demo
        self._install(factory)

    def _install(self, factory: sessionmaker[Session]) -> None:
        info = dict(factory.kw.get("info") or {})
        info[LOG_KEY] = self
        factory.configure(info=info)

        @event.listens_for(factory, "before_commit")
        def _chain_pending(session: Session) -> None:
            if session.info.get(SEQUENCED) or not session.info.get(PENDING):
                return
            session.flush()
            session.info[HEAD_KEY] = _chain(
                session, self.key, take_pending(session), lock_timeout_ms=self.lock_timeout_ms
            )

        @event.listens_for(factory, "after_commit")
        def _after_commit(session: Session) -> None:
            head = session.info.pop(HEAD_KEY, None)
            if head is not None:
                self._committed(*head)

        @event.listens_for(factory, "after_rollback")
        def _after_rollback(session: Session) -> None:
            session.info.pop(HEAD_KEY, None)
            survivors = take_pending(session, survivors_only=True)
            if survivors:
                session.info[PENDING] = survivors

    def _committed(self, seq: int, digest: str) -> None:
        """After a commit: anchor and (when due) checkpoint. The entries are committed already; a file that
        cannot be written is logged, and ``verify`` reports the entries it leaves uncovered."""
        try:
            write_anchor(self.anchor_file, seq, digest)
            self.checkpointer.observe(seq, digest)
        except OSError:
            log.exception("could not write the audit anchor or checkpoint for entry %s", seq)

    def write_direct(self, entries: list[PendingEntry], timeout_s: float) -> None:
        """Chain entries in a short transaction of their own, retrying while the database is locked."""
        started = time.monotonic()
        deadline = started + timeout_s
        delay = 0.005
        attempts = 0
        while True:
            attempts += 1
            session = self.factory()
            try:
                head = _chain(session, self.key, entries, lock_timeout_ms=self.lock_timeout_ms)
                session.commit()
                break
            except BaseException as exc:
                session.rollback()
                if not is_transient(exc) or time.monotonic() + delay > deadline:
                    if is_transient(exc):
                        raise StoreUnavailable(
                            "the database is busy or unreachable; the audit entry was not recorded: try again"
                        ) from exc
                    raise
            finally:
                session.close()
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
        elapsed_ms = (time.monotonic() - started) * 1000
        if elapsed_ms >= SLOW_APPEND_MS:
            # every reader of the batch waited this long for its answer: worth knowing (a writer holding the
            # chain head or SQLite's write lock)
            log.warning(
                "audit append of %d entries took %.0f ms (%d attempts)", len(entries), elapsed_ms, attempts
            )
        self._committed(*head)

    def record_now(self, entries: list[PendingEntry]) -> None:
        """Durably record entries outside any request transaction (returns once committed)."""
        self.sequencer.submit(entries)

    def settle(self, session: Session, *, succeeded: bool) -> None:
        """End of a unit of work: hand a read's entries (or a failed request's survivors) to the sequencer."""
        entries = take_pending(session, survivors_only=not succeeded)
        self.record_now(entries)

    def start(self) -> None:
        """Checkpoint the head at start; this also seals rows from before keyed chaining."""
        with self.factory() as session:
            seq, digest = head(session)
        self.checkpointer.write("startup", seq, digest)
        atexit.register(_close_at_exit, weakref.ref(self))

    def close(self) -> None:
        self.checkpointer.close()

    def latest_checkpoint(self) -> Checkpoint | None:
        """The authentic checkpoint of the highest entry (for reports: the head, and where it is anchored)."""
        found = [c for c in read_checkpoints(self.checkpointer.path) or [] if c.authentic(self.key)]
        return max(found, key=lambda c: c.seq, default=None)

    def verify(self, session: Session, *, now: datetime | None = None) -> VerifyResult:
        unreadable: list[str] = []
        try:
            anchors = read_anchors(self.anchor_file)
        except ValueError as exc:
            anchors, unreadable = [], [*unreadable, str(exc)]
        try:
            checkpoints = read_checkpoints(checkpoint_path(self.checkpoint_dir))
        except ValueError as exc:
            checkpoints, unreadable = [], [*unreadable, f"{exc}: the checkpoint file was altered"]
        result = verify_chain(
            session, anchors=anchors, key=self.key, checkpoints=checkpoints, require_checkpoints=True, now=now
        )
        if unreadable:
            result.ok = False
            result.problems[:0] = unreadable
        if self.demo:
            result.warnings.append(
                "demo mode: the audit key and checkpoints are in the data directory, so they do not protect the "
                "log against whoever can write it"
            )
        return result


def _close_at_exit(ref: weakref.ref[AuditLog]) -> None:
    audit_log = ref()
    if audit_log is not None:
        try:
            audit_log.close()
        except OSError:
            log.warning("could not write the shutdown audit checkpoint to %s", audit_log.checkpointer.path)


def audit_log_of(session: Session) -> AuditLog:
    audit_log = session.info.get(LOG_KEY)
    if not isinstance(audit_log, AuditLog):
        raise StoreError("this session has no audit log")
    return audit_log


# --- verification --------------------------------------------------------------------------------------


@dataclass(slots=True)
class VerifyResult:
    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: str
    anchors_checked: int
    first_broken_seq: int | None = None
    problems: list[str] = field(default_factory=list)
    checkpoints_checked: int = 0
    last_checkpoint_seq: int | None = None
    unkeyed_entries: int = 0
    macs_checked: bool = False
    warnings: list[str] = field(default_factory=list)


def iter_entries(session: Session, *, batch_size: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch_size)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(
    session: Session,
    *,
    anchors: list[Anchor] | None = None,
    key: AuditKey | None = None,
    checkpoints: list[Checkpoint] | None = None,
    require_checkpoints: bool = False,
    now: datetime | None = None,
) -> VerifyResult:
    """Walk the chain; report the first broken link.

    Without ``key`` only links and unkeyed hashes are checked (keyed entries' MACs cannot be). Checkpoints
    need the key; with ``require_checkpoints`` a missing checkpoint file fails, and so do entries after the
    last checkpoint that are older than its interval plus ``CHECKPOINT_GRACE_S``.
    """
    problems: list[str] = []
    first_broken: int | None = None
    now = now or utcnow()

    def broken(seq: int, message: str) -> None:
        nonlocal first_broken
        if first_broken is None or seq < first_broken:
            first_broken = seq
        problems.append(message)

    authentic: list[Checkpoint] = []
    if require_checkpoints and checkpoints is None:
        broken(
            1, "the checkpoint file is missing: checkpoints were removed, or the log was never checkpointed"
        )
    for checkpoint in checkpoints or []:
        if key is None or not checkpoint.authentic(key):
            broken(
                max(checkpoint.seq, 1),
                f"checkpoint on line {checkpoint.line} (entry {checkpoint.seq}) is not authentic: "
                "edited, forged or signed with another key",
            )
        else:
            authentic.append(checkpoint)
    legacy_limit = min((c.seq for c in authentic), default=None)
    wanted = {c.seq for c in authentic} | {a.seq for a in anchors or []}

    expected_seq = 1
    prev = GENESIS_HASH
    count = 0
    unkeyed = 0
    seen_keyed = False
    hashes_by_seq: dict[int, str] = {0: GENESIS_HASH}
    at_by_seq: dict[int, datetime] = {}
    last_checkpoint = max(authentic, key=lambda c: c.seq, default=None)
    covered = last_checkpoint.seq if last_checkpoint is not None else 0

    for row in iter_entries(session):
        count += 1
        if row.seq != expected_seq:
            broken(expected_seq, f"entry {expected_seq} is missing (next entry found is {row.seq}): deleted")
        if row.prev_hash != prev:
            broken(row.seq, f"entry {row.seq} does not link to the entry before it: inserted or reordered")
        version = row.chain_version or CHAIN_VERSION_UNKEYED
        if version == CHAIN_VERSION_KEYED:
            seen_keyed = True
            if key is not None:
                if row.key_id != key.key_id:
                    broken(row.seq, f"entry {row.seq} is signed with another key ({row.key_id}): forged")
                elif not hmac.compare_digest(row.hash, key.mac_entry(keyed_entry_body(row))):
                    broken(row.seq, f"entry {row.seq} content does not match its MAC: edited or forged")
        elif version == CHAIN_VERSION_UNKEYED:
            unkeyed += 1
            if _unkeyed_hash_of_row(row) != row.hash:
                broken(row.seq, f"entry {row.seq} content does not match its hash: edited")
            if key is not None and (seen_keyed or (legacy_limit is not None and row.seq > legacy_limit)):
                broken(
                    row.seq,
                    f"entry {row.seq} is an unkeyed entry after keyed chaining began (no MAC): forged",
                )
        else:
            broken(row.seq, f"entry {row.seq} has an unknown chain version {version}: forged")
        if row.seq in wanted:
            hashes_by_seq[row.seq] = row.hash
        if row.seq > covered:
            at_by_seq[row.seq] = row.at
        prev = row.hash
        expected_seq = row.seq + 1
    head_seq = expected_seq - 1

    if key is not None and unkeyed and require_checkpoints and legacy_limit is None:
        broken(1, f"{unkeyed} unkeyed entries are not sealed by any checkpoint")

    for anchor in anchors or []:
        if anchor.seq > head_seq:
            broken(
                head_seq + 1,
                f"anchor at entry {anchor.seq} ({anchor.at}) is beyond the chain head {head_seq}: "
                "entries were cut off the end",
            )
        elif hashes_by_seq.get(anchor.seq) != anchor.hash:
            broken(anchor.seq, f"entry {anchor.seq} differs from its anchor written at {anchor.at}")

    for checkpoint in authentic:
        if checkpoint.seq > head_seq:
            broken(
                head_seq + 1,
                f"checkpoint of entry {checkpoint.seq} ({checkpoint.at.isoformat()}) is beyond the chain head "
                f"{head_seq}: entries were cut off the end",
            )
        elif hashes_by_seq.get(checkpoint.seq) != checkpoint.hash:
            broken(
                checkpoint.seq,
                f"entry {checkpoint.seq} does not match its checkpoint of {checkpoint.at.isoformat()}: the chain "
                "was rewritten or restored from an older copy",
            )

    if require_checkpoints and checkpoints is not None:
        interval = last_checkpoint.interval_s if last_checkpoint is not None else 0.0
        limit = now - timedelta(seconds=interval + CHECKPOINT_GRACE_S)
        stale = [seq for seq, at in at_by_seq.items() if at < limit]
        if stale:
            broken(
                min(stale),
                f"entries from {min(stale)} to {head_seq} are not covered by a checkpoint although older than "
                f"the checkpoint interval ({interval:g} s): checkpoints were removed or the service stopped "
                "uncleanly",
            )

    return VerifyResult(
        ok=not problems,
        entries_checked=count,
        head_seq=head_seq,
        head_hash=prev,
        anchors_checked=len(anchors or []),
        first_broken_seq=first_broken,
        problems=problems,
        checkpoints_checked=len(checkpoints or []),
        last_checkpoint_seq=last_checkpoint.seq if last_checkpoint is not None else None,
        unkeyed_entries=unkeyed,
        macs_checked=key is not None,
    )


def head(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)
