"""The encrypted evidence blob store, with two backends.

Every case has its own random 256-bit key, stored only wrapped by the organisation key (``store.keys``). Blobs
are encrypted in 1 MiB chunks with AES-256-GCM; each chunk's nonce is derived from the blob name and chunk
index and the chunk index and the final flag are authenticated, so chunks cannot be reordered, truncated or
swapped between blobs.

:class:`EvidenceStore` holds what both backends share (keys, sealing, reading back against the acquisition
hash, crypto-erasure); a backend only stores and returns sealed chunks:

- :class:`DirectoryEvidenceStore` (``REISROUTE_EVIDENCE_STORE=directory``, the default): files under the data
  directory — one station, one process;
- ``store.evidence_db.DatabaseEvidenceStore`` (``=database``): a table of sealed chunks in the central
  database, shared by every station and the central service (see that module for why).

Destroying a case's key row makes all its blobs unreadable (crypto-erasure); the blobs are deleted too, and the
proof of deletion (key fingerprint, blob count and names hash) goes into the audit log.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from store import keys
from store.errors import EvidenceIntegrityError, EvidenceKeyDestroyed, StoreError
from store.models import CaseKey

CHUNK_SIZE = 1024 * 1024
_MAGIC = b"RRE1"
BACKENDS = ("directory", "database")


class EvidenceStore:
    """What every backend shares. A backend implements :meth:`_write`, :meth:`_read`, :meth:`_delete_blobs`,
    :meth:`sync` and names itself in :attr:`location` (a cache key: two stores with the same location hold
    the same blobs)."""

    location: str = ""

    def __init__(self, keyring: keys.Keyring) -> None:
        self.keyring = keyring

    # keys ----------------------------------------------------------------------------------------------
    def ensure_case_key(self, session: Session, case_id: int) -> bytes:
        return keys.ensure_case_key(session, self.keyring, case_id)

    def case_key(self, session: Session, case_id: int) -> bytes:
        row = session.get(CaseKey, case_id)
        if row is None:
            raise EvidenceKeyDestroyed(
                f"case {case_id} has no evidence key (destroyed at the end of retention)"
            )
        return self.keyring.unwrap(case_id, row.wrapped_by, row.wrapped_key)

    # backend -------------------------------------------------------------------------------------------
    def _write(
        self, case_id: int, blob_name: str, sealed: Iterable[tuple[int, bool, bytes]], *, durable: bool
    ) -> None:
        raise NotImplementedError

    def _read(self, case_id: int, blob_name: str) -> Iterator[tuple[bytes, bool | None]]:
        """The blob's sealed chunks in order, each with its final flag where the backend keeps it."""
        raise NotImplementedError

    def _delete_blobs(self, session: Session, case_id: int) -> list[str]:
        """Delete every blob of the case; the names deleted."""
        raise NotImplementedError

    def sync(self, case_id: int) -> None:
        """Make every blob written with ``durable=False`` durable. Call before committing the rows that
        name those blobs."""
        raise NotImplementedError

    # blobs ---------------------------------------------------------------------------------------------
    def put_file(
        self, key: bytes, case_id: int, source: Path, *, durable: bool = True
    ) -> tuple[str, str, int]:
        """Encrypt a staged file into the store. Returns (blob name, SHA-256 of plaintext, size).

        ``durable=False`` skips the per-blob flush to stable storage: the caller makes a batch durable at
        once with :meth:`sync` before it commits the rows that name the blobs (a blob no row names is noise).
        """
        with open(source, "rb") as reader:
            return self._put(key, case_id, iter(lambda: reader.read(CHUNK_SIZE), b""), durable=durable)

    def put_bytes(
        self, key: bytes, case_id: int, data: bytes, *, durable: bool = True
    ) -> tuple[str, str, int]:
        """Encrypt bytes held in memory (e.g. a route version's columnar points) into the store."""
        view = memoryview(data)
        chunks = (bytes(view[start : start + CHUNK_SIZE]) for start in range(0, len(view), CHUNK_SIZE))
        return self._put(key, case_id, chunks, durable=durable)

    def _put(
        self, key: bytes, case_id: int, chunks: Iterator[bytes], *, durable: bool
    ) -> tuple[str, str, int]:
        blob_name = secrets.token_hex(16)
        aead = AESGCM(key)
        digest = hashlib.sha256()
        size = 0

        def sealed() -> Iterator[tuple[int, bool, bytes]]:
            nonlocal size
            index = 0
            chunk = next(chunks, b"")
            while True:
                following = next(chunks, b"") if chunk else b""
                final = not following
                digest.update(chunk)
                size += len(chunk)
                yield (
                    index,
                    final,
                    aead.encrypt(_nonce(blob_name, index), chunk, _aad(blob_name, index, final)),
                )
                if final:
                    return
                chunk, index = following, index + 1

        self._write(case_id, blob_name, sealed(), durable=durable)
        return blob_name, digest.hexdigest(), size

    def iter_chunks(self, key: bytes, case_id: int, blob_name: str) -> Iterator[bytes]:
        aead = AESGCM(key)
        index = 0
        for sealed, stored_final in self._read(case_id, blob_name):
            for final in (False, True) if stored_final is None else (stored_final,):
                try:
                    chunk = aead.decrypt(_nonce(blob_name, index), sealed, _aad(blob_name, index, final))
                    break
                except InvalidTag:
                    continue
            else:
                raise EvidenceIntegrityError(f"evidence blob {blob_name} chunk {index} fails authentication")
            yield chunk
            if final:
                return
            index += 1
        raise EvidenceIntegrityError(f"evidence blob {blob_name} is truncated at chunk {index}")

    def open_verified(self, key: bytes, case_id: int, blob_name: str, expected_sha256: str) -> BinaryIO:
        """Decrypt to a spooled buffer, checking the SHA-256 recorded at acquisition (hashes re-checked on load)."""
        import tempfile

        buffer = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
        digest = hashlib.sha256()
        for chunk in self.iter_chunks(key, case_id, blob_name):
            digest.update(chunk)
            buffer.write(chunk)
        if digest.hexdigest() != expected_sha256:
            buffer.close()
            raise EvidenceIntegrityError(
                f"evidence blob {blob_name} of case {case_id} no longer matches its acquisition hash"
            )
        buffer.seek(0)
        return buffer  # type: ignore[return-value]

    def read_verified(self, key: bytes, case_id: int, blob_name: str, expected_sha256: str) -> bytes:
        """The whole plaintext in memory, checked against its recorded SHA-256."""
        digest = hashlib.sha256()
        parts: list[bytes] = []
        for chunk in self.iter_chunks(key, case_id, blob_name):
            digest.update(chunk)
            parts.append(chunk)
        if digest.hexdigest() != expected_sha256:
            raise EvidenceIntegrityError(
                f"evidence blob {blob_name} of case {case_id} no longer matches its recorded hash"
            )
        return b"".join(parts)

    def destroy_case(self, session: Session, case_id: int) -> dict[str, object]:
        """Crypto-erase a case: delete its key row and its blobs. Returns the proof for the audit log."""
        row = session.get(CaseKey, case_id)
        fingerprint = row.key_fingerprint if row is not None else None
        if row is not None:
            session.delete(row)
            session.flush()
        names = sorted(self._delete_blobs(session, case_id))
        names_digest = hashlib.sha256("\n".join(names).encode()).hexdigest()
        return {
            "key_fingerprint": fingerprint,
            "blobs_deleted": len(names),
            "blob_names_sha256": names_digest,
            "evidence_store": self.location.split(":", 1)[0],
        }


class DirectoryEvidenceStore(EvidenceStore):
    """Blobs as files under ``<data dir>/evidence/case-N/``: ``RRE1`` then length-prefixed sealed chunks."""

    def __init__(self, data_dir: Path, keyring: keys.Keyring) -> None:
        super().__init__(keyring)
        self.root = Path(data_dir) / "evidence"
        self.root.mkdir(parents=True, exist_ok=True)
        self.location = f"directory:{self.root.resolve()}"
        self._made_dirs: set[Path] = set()

    def _case_dir(self, case_id: int) -> Path:
        return self.root / f"case-{int(case_id)}"

    def blob_path(self, case_id: int, blob_name: str) -> Path:
        if not blob_name.isalnum():
            raise StoreError(f"invalid blob name {blob_name!r}")
        return self._case_dir(case_id) / blob_name[:2] / f"{blob_name}.bin"

    def _write(
        self, case_id: int, blob_name: str, sealed: Iterable[tuple[int, bool, bytes]], *, durable: bool
    ) -> None:
        target = self.blob_path(case_id, blob_name)
        if target.parent not in self._made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._made_dirs.add(target.parent)
        # a durable blob appears whole under its name (write, fsync, rename); a batched one is written in
        # place: no row names it before the batch's sync, and a blob no row names is noise
        temporary = target.with_suffix(".part") if durable else target
        # 0600 whatever the umask (issue 13, finding 7)
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as writer:
            writer.write(_MAGIC)
            for _index, _final, chunk in sealed:
                writer.write(struct.pack(">I", len(chunk)) + chunk)
            writer.flush()
            if durable:
                os.fsync(writer.fileno())
        if durable:
            os.replace(temporary, target)

    def sync(self, case_id: int) -> None:
        """One ``syncfs`` of the store's file system (Linux), else a sync of the whole system."""
        case_dir = self._case_dir(case_id)
        case_dir.mkdir(parents=True, exist_ok=True)
        if _syncfs(case_dir):
            return
        os.sync()

    def _read(self, case_id: int, blob_name: str) -> Iterator[tuple[bytes, bool | None]]:
        path = self.blob_path(case_id, blob_name)
        try:
            handle = open(path, "rb")
        except FileNotFoundError as exc:
            raise EvidenceIntegrityError(f"evidence blob {blob_name} of case {case_id} is missing") from exc
        with handle:
            if handle.read(4) != _MAGIC:
                raise EvidenceIntegrityError(f"evidence blob {blob_name} has no valid header")
            while True:
                header = handle.read(4)
                if len(header) < 4:
                    return
                yield handle.read(struct.unpack(">I", header)[0]), None

    def _delete_blobs(self, session: Session, case_id: int) -> list[str]:
        case_dir = self._case_dir(case_id)
        names = [p.name for p in case_dir.rglob("*.bin")]
        for path in case_dir.rglob("*"):
            if path.is_file():
                path.unlink()
        for path in sorted(case_dir.rglob("*"), reverse=True):
            path.rmdir()
        if case_dir.exists():
            case_dir.rmdir()
        self._made_dirs = {d for d in self._made_dirs if case_dir not in d.parents}
        return names


def open_evidence_store(
    backend: str, *, data_dir: Path, keyring: keys.Keyring, engine: object = None
) -> EvidenceStore:
    """The evidence store the settings name (``REISROUTE_EVIDENCE_STORE``)."""
    if backend == "directory":
        return DirectoryEvidenceStore(data_dir, keyring)
    if backend == "database":
        from sqlalchemy import Engine

        from store.evidence_db import DatabaseEvidenceStore

        if not isinstance(engine, Engine):
            raise StoreError("the database evidence store needs the database engine")
        return DatabaseEvidenceStore(engine, keyring)
    raise StoreError(f"unknown evidence store {backend!r}: choose one of {', '.join(BACKENDS)}")


def _syncfs(path: Path) -> bool:
    """``syncfs(2)`` on the file system holding ``path``; False where it is not available."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    if not hasattr(libc, "syncfs"):
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.syncfs(fd) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"syncfs of the evidence store failed: {os.strerror(error)}")
    finally:
        os.close(fd)
    return True


def _nonce(blob_name: str, index: int) -> bytes:
    return hashlib.sha256(f"{blob_name}:{index}".encode()).digest()[:12]


def _aad(blob_name: str, index: int, final: bool) -> bytes:
    return f"{blob_name}|{index}|{int(final)}".encode()


def bytes_io(data: bytes) -> BinaryIO:
    return io.BytesIO(data)


def verify_case_evidence(session: Session, evidence: EvidenceStore, case_id: int) -> dict[str, object]:
    """Re-read every stored item of a case and check it against the hash recorded at acquisition; one entry
    per custody item (``verified``, ``not_kept_outside_window`` or ``failed`` with the problem)."""
    from sqlalchemy import select

    from store.models import CustodyRecord

    key = evidence.case_key(session, case_id)
    checked = not_kept = 0
    failures: list[dict[str, str]] = []
    items: list[dict[str, object]] = []
    for row in session.scalars(
        select(CustodyRecord).where(CustodyRecord.case_id == case_id).order_by(CustodyRecord.id)
    ):
        item: dict[str, object] = {"job_id": row.job_id, "device_path": row.device_path}
        items.append(item)
        if not row.blob_name:
            not_kept += 1
            item["status"] = "not_kept_outside_window"
            continue
        digest = hashlib.sha256()
        try:
            for chunk in evidence.iter_chunks(key, case_id, row.blob_name):
                digest.update(chunk)
        except EvidenceIntegrityError as exc:
            failures.append({"device_path": row.device_path, "problem": str(exc)})
            item.update(status="failed", problem=str(exc))
            continue
        checked += 1
        if digest.hexdigest() != row.sha256_acquired:
            problem = "content differs from its acquisition hash"
            failures.append({"device_path": row.device_path, "problem": problem})
            item.update(status="failed", problem=problem)
        else:
            item["status"] = "verified"
    return {
        "ok": not failures,
        "items_checked": checked,
        "items_not_kept_outside_window": not_kept,
        "failures": failures,
        "evidence_store": evidence.location.split(":", 1)[0],
        "items": items,
    }
