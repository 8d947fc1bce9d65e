"""The encrypted evidence blob store.

Every case has its own random 256-bit key, stored only wrapped (AES-KW style via AES-GCM) by the station
master key kept in the data directory. Blobs are encrypted in 1 MiB chunks with AES-256-GCM; each chunk's
nonce is derived from the blob name and chunk index and the chunk index and the final flag are
authenticated, so chunks cannot be reordered, truncated or swapped between blobs.

Destroying a case's key row makes all its blobs unreadable (crypto-erasure); the files are deleted too,
and the proof of deletion (key fingerprint, blob count and names hash) goes into the audit log.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from store.errors import EvidenceIntegrityError, EvidenceKeyDestroyed, StoreError
from store.models import CaseKey

CHUNK_SIZE = 1024 * 1024
_MAGIC = b"RRE1"


def load_or_create_master_key(data_dir: Path) -> bytes:
    path = Path(data_dir) / "keys" / "master.key"
    if path.exists():
        key = path.read_bytes()
        if len(key) != 32:
            raise StoreError(f"master key {path} is damaged (expected 32 bytes, found {len(key)})")
        return key
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def _fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"reisroute-case-key" + key).hexdigest()


class EvidenceStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "evidence"
        self.root.mkdir(parents=True, exist_ok=True)
        self._master = AESGCM(load_or_create_master_key(Path(data_dir)))
        self._made_dirs: set[Path] = set()

    # keys ----------------------------------------------------------------------------------------------
    def ensure_case_key(self, session: Session, case_id: int) -> bytes:
        row = session.get(CaseKey, case_id)
        if row is not None:
            return self._unwrap(case_id, row.wrapped_key)
        key = secrets.token_bytes(32)
        nonce = secrets.token_bytes(12)
        wrapped = nonce + self._master.encrypt(nonce, key, f"case:{case_id}".encode())
        session.add(CaseKey(case_id=case_id, wrapped_key=wrapped, key_fingerprint=_fingerprint(key)))
        session.flush()
        return key

    def case_key(self, session: Session, case_id: int) -> bytes:
        row = session.get(CaseKey, case_id)
        if row is None:
            raise EvidenceKeyDestroyed(
                f"case {case_id} has no evidence key (destroyed at the end of retention)"
            )
        return self._unwrap(case_id, row.wrapped_key)

    def _unwrap(self, case_id: int, wrapped: bytes) -> bytes:
        try:
            return self._master.decrypt(wrapped[:12], wrapped[12:], f"case:{case_id}".encode())
        except InvalidTag as exc:
            raise StoreError(
                f"the key of case {case_id} does not unwrap with this station's master key"
            ) from exc

    # blobs ---------------------------------------------------------------------------------------------
    def _case_dir(self, case_id: int) -> Path:
        return self.root / f"case-{int(case_id)}"

    def blob_path(self, case_id: int, blob_name: str) -> Path:
        if not blob_name.isalnum():
            raise StoreError(f"invalid blob name {blob_name!r}")
        return self._case_dir(case_id) / blob_name[:2] / f"{blob_name}.bin"

    def put_file(
        self, key: bytes, case_id: int, source: Path, *, durable: bool = True
    ) -> tuple[str, str, int]:
        """Encrypt a staged file into the store. Returns (blob name, SHA-256 of plaintext, size).

        ``durable=False`` skips the per-file fsync: the caller makes a batch durable at once with
        :meth:`sync` before it commits the rows that name the blobs (a blob no row names is noise).
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
        target = self.blob_path(case_id, blob_name)
        if target.parent not in self._made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._made_dirs.add(target.parent)
        aead = AESGCM(key)
        digest = hashlib.sha256()
        size = 0
        # a durable blob appears whole under its name (write, fsync, rename); a batched one is written in
        # place: no row names it before the batch's sync, and a blob no row names is noise
        temporary = target.with_suffix(".part") if durable else target
        # 0600 whatever the umask (issue 13, finding 7)
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as writer:
            writer.write(_MAGIC)
            index = 0
            chunk = next(chunks, b"")
            while True:
                following = next(chunks, b"") if chunk else b""
                final = not following
                digest.update(chunk)
                size += len(chunk)
                sealed = aead.encrypt(_nonce(blob_name, index), chunk, _aad(blob_name, index, final))
                writer.write(struct.pack(">I", len(sealed)) + sealed)
                if final:
                    break
                chunk, index = following, index + 1
            writer.flush()
            if durable:
                os.fsync(writer.fileno())
        if durable:
            os.replace(temporary, target)
        return blob_name, digest.hexdigest(), size

    def sync(self, case_id: int) -> None:
        """Make every blob written with ``durable=False`` durable: one ``syncfs`` of the store's file system
        (Linux), else a sync of the whole system. Call before committing the rows that name those blobs."""
        case_dir = self._case_dir(case_id)
        case_dir.mkdir(parents=True, exist_ok=True)
        if _syncfs(case_dir):
            return
        os.sync()

    def iter_chunks(self, key: bytes, case_id: int, blob_name: str) -> Iterator[bytes]:
        aead = AESGCM(key)
        path = self.blob_path(case_id, blob_name)
        try:
            handle = open(path, "rb")
        except FileNotFoundError as exc:
            raise EvidenceIntegrityError(f"evidence blob {blob_name} of case {case_id} is missing") from exc
        with handle:
            if handle.read(4) != _MAGIC:
                raise EvidenceIntegrityError(f"evidence blob {blob_name} has no valid header")
            index = 0
            while True:
                header = handle.read(4)
                if len(header) < 4:
                    raise EvidenceIntegrityError(f"evidence blob {blob_name} is truncated at chunk {index}")
                sealed = handle.read(struct.unpack(">I", header)[0])
                for final in (False, True):
                    try:
                        chunk = aead.decrypt(_nonce(blob_name, index), sealed, _aad(blob_name, index, final))
                        break
                    except InvalidTag:
                        continue
                else:
                    raise EvidenceIntegrityError(
                        f"evidence blob {blob_name} chunk {index} fails authentication"
                    )
                yield chunk
                if final:
                    return
                index += 1

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
        """Crypto-erase a case: delete its key row and its blob files. Returns the proof for the audit log."""
        row = session.get(CaseKey, case_id)
        fingerprint = row.key_fingerprint if row is not None else None
        if row is not None:
            session.delete(row)
            session.flush()
        names = sorted(p.name for p in self._case_dir(case_id).rglob("*.bin"))
        names_digest = hashlib.sha256("\n".join(names).encode()).hexdigest()
        for path in self._case_dir(case_id).rglob("*"):
            if path.is_file():
                path.unlink()
        for path in sorted(self._case_dir(case_id).rglob("*"), reverse=True):
            path.rmdir()
        if self._case_dir(case_id).exists():
            self._case_dir(case_id).rmdir()
        self._made_dirs = {d for d in self._made_dirs if self._case_dir(case_id) not in d.parents}
        return {
            "key_fingerprint": fingerprint,
            "blobs_deleted": len(names),
            "blob_names_sha256": names_digest,
        }


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
    """Re-read every stored item of a case and check it against the hash recorded at acquisition."""
    from sqlalchemy import select

    from store.models import CustodyRecord

    key = evidence.case_key(session, case_id)
    checked = not_kept = 0
    failures: list[dict[str, str]] = []
    for row in session.scalars(
        select(CustodyRecord).where(CustodyRecord.case_id == case_id).order_by(CustodyRecord.id)
    ):
        if not row.blob_name:
            not_kept += 1
            continue
        digest = hashlib.sha256()
        try:
            for chunk in evidence.iter_chunks(key, case_id, row.blob_name):
                digest.update(chunk)
        except EvidenceIntegrityError as exc:
            failures.append({"device_path": row.device_path, "problem": str(exc)})
            continue
        checked += 1
        if digest.hexdigest() != row.sha256_acquired:
            failures.append(
                {"device_path": row.device_path, "problem": "content differs from its acquisition hash"}
            )
    return {
        "ok": not failures,
        "items_checked": checked,
        "items_not_kept_outside_window": not_kept,
        "failures": failures,
    }
