"""Keys that work across stations: case keys wrapped by an organisation key.

Every case has its own random 256-bit evidence key. It is stored only wrapped, in the ``case_keys`` row of the
central database, by the **organisation key**: one key for every station and the central service, kept
outside any data directory (a file on another mount or a secret store, or a KMS). Any process holding the
organisation key can unwrap any case key, so the central service can re-verify, report on and delete every
case; destroying a case's key row erases its evidence for the whole organisation at once.

The wrapping goes through :class:`KeyWrapper`, a KMS-style interface (``wrap``/``unwrap`` with a context that
binds the wrapped key to its case); :class:`LocalKeyWrapper` is the one implementation shipped, AES-256-GCM
with a key read from a file. A cloud or HSM KMS would be a second implementation of the same two methods.

Rotation of the organisation key re-wraps the case keys (a few hundred bytes a case) and never re-encrypts
evidence: :func:`rewrap_case_keys`, ``reisroute keys rotate``. Each row names the key that wraps it
(``wrapped_by``), so a rotation can be resumed and its progress seen. Rows from before organisation keys
(``wrapped_by`` empty) are wrapped by the old per-data-directory master key (``keys/master.key``); it is read
only to unwrap them, and ``reisroute keys rotate`` moves them under the organisation key.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import EvidenceKeyDestroyed, StoreError
from store.models import Case, CaseKey

KEY_BYTES = 32
LEGACY_MASTER_KEY = Path("keys") / "master.key"
DEMO_ORGANISATION_KEY = Path("keys") / "organisation-demo.key"


class OrganisationKeyError(StoreError):
    """The organisation key is missing, unreadable, malformed, kept where it protects nothing, or wrong."""


class KeyWrapper(Protocol):
    """A KMS-style key-encryption key: wraps and unwraps data keys; ``context`` is bound to the result."""

    @property
    def key_id(self) -> str: ...

    def wrap(self, key: bytes, *, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes: ...


@dataclass(frozen=True, slots=True)
class LocalKeyWrapper:
    """AES-256-GCM under a 32-byte key held in memory; the wrapped form is ``nonce (12) || ciphertext+tag``."""

    secret: bytes = field(repr=False)
    label: str = "organisation"

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise OrganisationKeyError(
                f"an organisation key is {KEY_BYTES} bytes ({KEY_BYTES * 2} hex), not {len(self.secret)}"
            )

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"reisroute key-encryption key" + self.secret).hexdigest()[:16]

    def wrap(self, key: bytes, *, context: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + AESGCM(self.secret).encrypt(nonce, key, context)

    def unwrap(self, wrapped: bytes, *, context: bytes) -> bytes:
        try:
            return AESGCM(self.secret).decrypt(wrapped[:12], wrapped[12:], context)
        except InvalidTag as exc:
            raise OrganisationKeyError(
                f"a case key does not unwrap with the {self.label} key {self.key_id}"
            ) from exc

    @classmethod
    def from_hex(cls, value: str, *, label: str = "organisation") -> LocalKeyWrapper:
        try:
            return cls(bytes.fromhex(value.strip()), label=label)
        except ValueError as exc:
            raise OrganisationKeyError(
                "the organisation key must be 64 hexadecimal digits (create one: reisroute keys keygen PATH)"
            ) from exc

    @classmethod
    def from_file(cls, path: Path, *, label: str = "organisation") -> LocalKeyWrapper:
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise OrganisationKeyError(f"cannot read the {label} key file {path}: {exc}") from exc
        return cls.from_hex(text, label=label)


def write_key_file(path: Path) -> LocalKeyWrapper:
    """A new random organisation key in a new owner-read-only file (never overwrites: FileExistsError)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = LocalKeyWrapper(secrets.token_bytes(KEY_BYTES))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(wrapper.secret.hex() + "\n")
    return wrapper


def _legacy_master_key(data_dir: Path) -> LocalKeyWrapper | None:
    path = Path(data_dir) / LEGACY_MASTER_KEY
    if not path.exists():
        return None
    secret = path.read_bytes()
    if len(secret) != KEY_BYTES:
        raise OrganisationKeyError(f"the old master key {path} is damaged ({len(secret)} bytes, not 32)")
    return LocalKeyWrapper(secret, label="old per-directory master")


def _context(case_id: int) -> bytes:
    return f"case:{int(case_id)}".encode()


def case_key_fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"reisroute-case-key" + key).hexdigest()


@dataclass(slots=True)
class Keyring:
    """The key that wraps new case keys, the keys still accepted for unwrapping (a rotation in progress) and
    the old per-directory master key for rows from before organisation keys."""

    current: KeyWrapper
    previous: list[KeyWrapper] = field(default_factory=list)
    legacy: KeyWrapper | None = None

    def wrap(self, case_id: int, key: bytes) -> tuple[str, bytes]:
        return self.current.key_id, self.current.wrap(key, context=_context(case_id))

    def unwrap(self, case_id: int, wrapped_by: str | None, wrapped: bytes) -> bytes:
        if not wrapped_by:
            if self.legacy is None:
                raise OrganisationKeyError(
                    f"the key of case {case_id} is wrapped by an old per-directory master key that this "
                    "process does not have: run `reisroute keys rotate` on the station that holds it"
                )
            return self.legacy.unwrap(wrapped, context=_context(case_id))
        for wrapper in (self.current, *self.previous):
            if wrapper.key_id == wrapped_by:
                return wrapper.unwrap(wrapped, context=_context(case_id))
        raise OrganisationKeyError(
            f"the key of case {case_id} is wrapped by organisation key {wrapped_by}, which this process does "
            f"not hold (it holds {', '.join(w.key_id for w in (self.current, *self.previous))}): set "
            "REISROUTE_ORGANISATION_KEY_FILE (or _PREVIOUS_FILE during a rotation) to that key"
        )


def _inside(path: Path, directory: Path) -> bool:
    return Path(path).resolve().is_relative_to(Path(directory).resolve())


def load_keyring(
    *,
    key_hex: str | None,
    key_file: Path | None,
    previous_key_file: Path | None,
    data_dir: Path,
    demo: bool,
) -> Keyring:
    """The organisation keyring from settings. Outside demo mode the key must be set and must not lie in the
    data directory (a key beside the evidence protects nothing against whoever copies the directory); the
    service refuses to start otherwise. Demo mode generates a key in the data directory."""
    for path, what in ((key_file, "organisation key"), (previous_key_file, "previous organisation key")):
        if path is not None and not demo and _inside(path, data_dir):
            raise OrganisationKeyError(
                f"the {what} file {path} is inside the data directory {data_dir}: keep it elsewhere (another "
                "mount or a secret store), readable only by the service"
            )
    if key_hex:
        current: KeyWrapper = LocalKeyWrapper.from_hex(key_hex)
    elif key_file is not None:
        current = LocalKeyWrapper.from_file(key_file)
    elif demo:
        path = Path(data_dir) / DEMO_ORGANISATION_KEY
        current = LocalKeyWrapper.from_file(path) if path.exists() else write_key_file(path)
    else:
        raise OrganisationKeyError(
            "no organisation key: set REISROUTE_ORGANISATION_KEY_FILE to a file outside the data directory, "
            "the same on every station and the central service (create one with: reisroute keys keygen "
            "PATH), or REISROUTE_ORGANISATION_KEY (hex); only --demo runs without"
        )
    previous: list[KeyWrapper] = []
    if previous_key_file is not None:
        previous.append(LocalKeyWrapper.from_file(previous_key_file, label="previous organisation"))
    return Keyring(current=current, previous=previous, legacy=_legacy_master_key(Path(data_dir)))


def ensure_case_key(session: Session, keyring: Keyring, case_id: int) -> bytes:
    """The case's key, created (and wrapped by the current organisation key) on first use — never for a
    deleted case: a route build or job step still running when the case was deleted would otherwise give it a
    new key after its key was destroyed (found by the two-station test under load). The case row is locked
    first (PostgreSQL: ``FOR UPDATE``; SQLite's write transactions are serial), so a deletion committing
    meanwhile is seen, and a deletion that comes later deletes the new key with the rest."""
    row = session.get(CaseKey, case_id)
    if row is not None:
        return keyring.unwrap(case_id, row.wrapped_by, row.wrapped_key)
    case = session.execute(select(Case.id, Case.status).where(Case.id == case_id).with_for_update()).first()
    if (
        case is not None and case.status == "deleted"
    ):  # a withdrawn consent keeps the case open: new keys allowed
        raise EvidenceKeyDestroyed(
            f"case {case_id} was deleted: its evidence key is destroyed and none is made"
        )
    key = secrets.token_bytes(KEY_BYTES)
    key_id, wrapped = keyring.wrap(case_id, key)
    session.add(
        CaseKey(
            case_id=case_id, wrapped_key=wrapped, wrapped_by=key_id, key_fingerprint=case_key_fingerprint(key)
        )
    )
    session.flush()
    return key


@dataclass(frozen=True, slots=True)
class RewrapResult:
    rewrapped: int
    already_current: int
    new_key_id: str


def rewrap_case_keys(session: Session, keyring: Keyring, new: KeyWrapper) -> RewrapResult:
    """Re-wrap every case key under ``new`` (evidence is not touched: the case keys themselves stay the same,
    their fingerprints prove it). Rows already under ``new`` are skipped, so an interrupted run resumes."""
    rewrapped = current = 0
    rows = session.scalars(select(CaseKey).order_by(CaseKey.case_id).with_for_update())
    for row in rows:
        if row.wrapped_by == new.key_id:
            current += 1
            continue
        key = keyring.unwrap(row.case_id, row.wrapped_by, row.wrapped_key)
        if case_key_fingerprint(key) != row.key_fingerprint:
            raise OrganisationKeyError(f"the key of case {row.case_id} does not match its fingerprint")
        row.wrapped_key = new.wrap(key, context=_context(row.case_id))
        row.wrapped_by = new.key_id
        rewrapped += 1
    session.flush()
    return RewrapResult(rewrapped=rewrapped, already_current=current, new_key_id=new.key_id)
