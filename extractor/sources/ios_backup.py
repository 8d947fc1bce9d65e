"""An iOS backup folder (MobileBackup2 format, plain or encrypted) as a Source.

Paths are ``<domain>/<relativePath>`` as listed in ``Manifest.db``, e.g.
``CameraRollDomain/Media/PhotoData/Photos.sqlite`` (a leading ``/`` is accepted and ignored). The
backup's hashed file names are never taken from the input as paths: a ``fileID`` must be 40 lowercase hex
digits and is looked up under the backup folder only.

Encrypted backups are opened with the kept library ``iphone-backup-decrypt`` (keybag unlock, Manifest.db
decryption, per-file key unwrapping). File bytes are then decrypted on demand, only the AES-CBC blocks a
read needs, so a large database is never decrypted whole to disk. The password is handed to the library
once and never stored or logged here.

Files listed in Manifest.db whose bytes are not in the folder (a filtered backup) are not listed; their
number is in ``missing_files``.
"""

from __future__ import annotations

import hashlib
import plistlib
import posixpath
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from extractor.errors import ArtifactCorrupted, ExtractionError, HostileInput, SourceFileNotFound
from extractor.sources.base import DeviceIdentity, SourceEntry
from extractor.sources.confined import ConfinedRoot

_FILE_ID = re.compile(r"^[0-9a-f]{40}$")
_BLOCK = 16
_HASH_CHUNK = 1024 * 1024
_MAX_PLIST_BYTES = 64 * 1024 * 1024


class BackupPasswordRequired(ExtractionError):
    """The backup is encrypted and no password was given."""


class BackupPasswordIncorrect(ExtractionError):
    """The password given for an encrypted backup does not unlock it."""


class NotAnIosBackup(ExtractionError):
    """The folder does not hold an iOS backup (Manifest.db / Manifest.plist missing or unreadable)."""


@dataclass(frozen=True, slots=True)
class BackupFileRecord:
    domain: str
    relative_path: str
    file_id: str
    size: int
    mtime: datetime | None
    protection_class: int | None
    wrapped_key: bytes | None

    @property
    def path(self) -> str:
        return f"{self.domain}/{self.relative_path}"


def _library_version() -> str:
    try:
        from importlib.metadata import version

        return version("iphone-backup-decrypt")
    except Exception:  # noqa: BLE001 - only a label for the custody method
        return "unknown"


class IosBackupSource:
    """Read-only Source over an iOS backup folder."""

    def __init__(self, folder: Path | ConfinedRoot, *, password: str | None = None) -> None:
        # every file of the backup is read beneath the folder without following links (a stored file that is
        # a symlink or has other hard links is refused); given a ConfinedRoot, the folder itself is reached
        # that way from the import folder, at the moment it is opened
        self._root = folder if isinstance(folder, ConfinedRoot) else ConfinedRoot.of(folder)
        self.folder = Path(str(self._root))
        if not self._root.exists("Manifest.db") or not self._root.exists("Manifest.plist"):
            raise NotAnIosBackup(
                f"{self._root.name} is not an iOS backup folder: it needs Manifest.db and Manifest.plist "
                "(point at the folder named after the device's UDID)"
            )
        try:
            manifest_plist = self._root.read_bytes("Manifest.plist", max_bytes=_MAX_PLIST_BYTES)
            self._manifest_plist: dict[str, Any] = plistlib.loads(manifest_plist)
        except (plistlib.InvalidFileException, ValueError) as exc:
            raise NotAnIosBackup(f"Manifest.plist in {self._root.name} is not a readable plist") from exc
        if not isinstance(self._manifest_plist, dict):
            raise NotAnIosBackup(f"Manifest.plist in {self._root.name} does not hold a dictionary")
        self.is_encrypted = bool(self._manifest_plist.get("IsEncrypted", False))
        self._scratch: Path | None = Path(tempfile.mkdtemp(prefix="reisroute-backup-"))
        self._scratch.chmod(0o700)
        self._keybag: Any = None
        self._key_cache: dict[str, bytes] = {}
        self._size_cache: dict[str, int] = {}
        if self.is_encrypted:
            if not password:
                raise BackupPasswordRequired(
                    f"the backup in {folder} is encrypted: ask for the backup password and provide it"
                )
            database = self._decrypt_manifest(password)
            self.method = f"iOS encrypted backup folder (iphone-backup-decrypt {_library_version()})"
        else:  # SQLite opens by path: it reads a copy taken without following links
            database = self._root.copy_to("Manifest.db", self._scratch / "Manifest.db")
            self.method = "iOS backup folder (MobileBackup2 format)"
        self._records: dict[str, BackupFileRecord] = {}
        self._directories: dict[str, dict[str, bool]] = {"": {}}
        self.missing_files = 0
        self._load(database)

    # -- opening ----------------------------------------------------------------------------------
    def _decrypt_manifest(self, password: str) -> Path:
        from iphone_backup_decrypt import EncryptedBackup
        from iphone_backup_decrypt.exceptions import IncorrectPassphraseError, UnsafeBackupError

        assert self._scratch is not None
        # the decryption library reads the manifest by path: give it copies taken without following links
        received = self._scratch / "received"
        received.mkdir(mode=0o700)
        for name in ("Manifest.plist", "Manifest.db"):
            self._root.copy_to(name, received / name)
        target = self._scratch / "Manifest.db"
        try:
            backup = EncryptedBackup(backup_directory=str(received), passphrase=password)
            backup.save_manifest_file(str(target))
        except IncorrectPassphraseError as exc:
            self.close()
            raise BackupPasswordIncorrect(
                "the backup password is wrong: the backup's keybag did not unlock. Check the password with the "
                "applicant (it is the one set for 'Encrypt local backup', not the phone passcode)"
            ) from exc
        except UnsafeBackupError as exc:
            self.close()
            raise HostileInput(f"the encrypted backup in {self.folder} looks malicious: {exc}") from exc
        except (ValueError, KeyError, OSError) as exc:
            self.close()
            raise ArtifactCorrupted(
                f"the encrypted backup in {self.folder} could not be decrypted: {exc}"
            ) from exc
        self._keybag = backup.keybag
        return target

    def _load(self, database: Path) -> None:
        from iphone_backup_decrypt.utils import FilePlist

        try:
            connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            try:
                rows = connection.execute(
                    "SELECT fileID, domain, relativePath, flags, file FROM Files"
                ).fetchall()
            finally:
                connection.close()
        except (sqlite3.Error, UnicodeDecodeError) as exc:  # a corrupted page can hold text that is not UTF-8
            raise ArtifactCorrupted(
                f"Manifest.db in {self.folder} is not a readable backup manifest: {exc}"
            ) from exc
        for file_id, domain, relative_path, flags, blob in rows:
            if not isinstance(domain, str) or not isinstance(relative_path, str):
                continue
            path = posixpath.normpath(f"{domain}/{relative_path}") if relative_path else domain
            if path.startswith(("/", "../")) or "/../" in f"/{path}/" or "\x00" in path:
                raise HostileInput(f"Manifest.db names an unsafe path {path!r}")
            self._add_directory_chain(path if flags == 2 else posixpath.dirname(path))
            if flags != 1:
                continue
            if not isinstance(file_id, str) or not _FILE_ID.match(file_id):
                raise HostileInput(f"Manifest.db holds an invalid fileID {file_id!r} for {path!r}")
            if not self._root.exists(f"{file_id[:2]}/{file_id}"):
                self.missing_files += 1
                continue
            try:
                info = FilePlist(blob)
                mtime = datetime.fromtimestamp(info.mtime, UTC) if info.mtime else None
                record = BackupFileRecord(
                    domain=domain,
                    relative_path=relative_path,
                    file_id=file_id,
                    size=info.filesize,
                    mtime=mtime,
                    protection_class=info.protection_class,
                    wrapped_key=info.encryption_key,
                )
            except (
                KeyError,
                IndexError,
                TypeError,
                ValueError,
                AttributeError,
                plistlib.InvalidFileException,
            ) as exc:
                raise ArtifactCorrupted(f"Manifest.db entry for {path!r} is malformed: {exc}") from exc
            self._records[path] = record
            self._directories.setdefault(posixpath.dirname(path), {})[posixpath.basename(path)] = False

    def _add_directory_chain(self, directory: str) -> None:
        while directory:
            parent = posixpath.dirname(directory)
            self._directories.setdefault(directory, {})
            self._directories.setdefault(parent, {})[posixpath.basename(directory)] = True
            directory = parent

    # -- identity -------------------------------------------------------------------------------
    def identity(self) -> DeviceIdentity:
        """The phone the backup came from, as Manifest.plist / Info.plist recorded it."""
        lockdown = self._manifest_plist.get("Lockdown", {}) or {}
        info: dict[str, Any] = {}
        if self._root.exists("Info.plist"):
            try:
                info = plistlib.loads(self._root.read_bytes("Info.plist", max_bytes=_MAX_PLIST_BYTES))
            except (plistlib.InvalidFileException, ValueError, HostileInput):
                info = {}
        udid = lockdown.get("UniqueDeviceID") or info.get("Target Identifier")
        extra = [("udid", str(udid))] if udid else []
        if lockdown.get("DeviceName") or info.get("Device Name"):
            extra.append(("device_name", str(lockdown.get("DeviceName") or info.get("Device Name"))))
        if info.get("IMEI"):
            extra.append(("imei", str(info["IMEI"])))
        extra.append(("backup_encrypted", str(self.is_encrypted).lower()))
        return DeviceIdentity(
            platform="ios",
            manufacturer="Apple",
            model=lockdown.get("ProductType") or info.get("Product Type"),
            serial=lockdown.get("SerialNumber") or info.get("Serial Number"),
            os_version=lockdown.get("ProductVersion") or info.get("Product Version"),
            build=lockdown.get("BuildVersion") or info.get("Build Version"),
            timezone=None,
            extra=tuple(extra),
        )

    # -- Source protocol ------------------------------------------------------------------------
    @staticmethod
    def _normalize(path: str) -> str:
        cleaned = posixpath.normpath("/" + path).lstrip("/")
        return "" if cleaned == "." else cleaned

    def paths(self) -> list[str]:
        """Every file present in the backup, as ``domain/relativePath``."""
        return sorted(self._records)

    def list_dir(self, path: str) -> Iterator[SourceEntry]:
        directory = self._normalize(path)
        children = self._directories.get(directory)
        if children is None:
            raise SourceFileNotFound(f"{path!r} is not a folder in this backup")
        for name, is_dir in sorted(children.items()):
            child = f"{directory}/{name}" if directory else name
            if is_dir:
                yield SourceEntry(path=child, size=None, mtime=None, is_dir=True)
            else:
                entry = self.stat(child)
                if entry is not None:
                    yield entry

    def stat(self, path: str) -> SourceEntry | None:
        normalized = self._normalize(path)
        record = self._records.get(normalized)
        if record is None:
            if normalized in self._directories:
                return SourceEntry(path=normalized, size=None, mtime=None, is_dir=True)
            return None
        return SourceEntry(path=normalized, size=self._plain_size(record), mtime=record.mtime)

    def read_range(self, path: str, offset: int, length: int) -> bytes:
        record = self._record(path)
        if offset < 0 or length < 0:
            raise ValueError("offset and length must be >= 0")
        stored = f"{record.file_id[:2]}/{record.file_id}"
        if not self.is_encrypted or record.wrapped_key is None:
            with self._root.open(stored) as handle:
                handle.seek(offset)
                return handle.read(length)
        return self._decrypt_range(record, stored, offset, length)

    def sha256(self, path: str) -> str | None:
        record = self._record(path)
        size = self._plain_size(record)
        digest = hashlib.sha256()
        for offset in range(0, size, _HASH_CHUNK):
            digest.update(self.read_range(path, offset, min(_HASH_CHUNK, size - offset)))
        return digest.hexdigest()

    def close(self) -> None:
        self._keybag = None
        self._key_cache.clear()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def __enter__(self) -> IosBackupSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------
    def _record(self, path: str) -> BackupFileRecord:
        record = self._records.get(self._normalize(path))
        if record is None:
            raise SourceFileNotFound(f"{path!r} is not in this backup")
        return record

    def _file_key(self, record: BackupFileRecord) -> bytes:
        cached = self._key_cache.get(record.file_id)
        if cached is not None:
            return cached
        if self._keybag is None or record.wrapped_key is None or record.protection_class is None:
            raise ArtifactCorrupted(f"no decryption key for {record.path!r}")
        try:
            key = self._keybag.unwrap_key_for_class(record.protection_class, record.wrapped_key)
        except ValueError as exc:
            raise ArtifactCorrupted(f"the key of {record.path!r} does not unwrap: {exc}") from exc
        self._key_cache[record.file_id] = key
        return key

    def _plain_size(self, record: BackupFileRecord) -> int:
        if not self.is_encrypted or record.wrapped_key is None:
            return self._root.stat(f"{record.file_id[:2]}/{record.file_id}").size
        cached = self._size_cache.get(record.file_id)
        if cached is not None:
            return cached
        stored = f"{record.file_id[:2]}/{record.file_id}"
        cipher_size = self._root.stat(stored).size
        if cipher_size == 0 or cipher_size % _BLOCK:
            raise ArtifactCorrupted(f"encrypted {record.path!r} is not a whole number of AES blocks")
        with self._root.open(stored) as handle:
            handle.seek(max(0, cipher_size - 2 * _BLOCK))
            tail = handle.read(2 * _BLOCK)
        iv, last = (tail[:_BLOCK], tail[_BLOCK:]) if len(tail) == 2 * _BLOCK else (b"\x00" * _BLOCK, tail)
        decryptor = Cipher(algorithms.AES(self._file_key(record)), modes.CBC(iv)).decryptor()
        plain_last = decryptor.update(last) + decryptor.finalize()
        pad = plain_last[-1]
        if pad == 0 or pad > _BLOCK or plain_last[-pad:] != bytes([pad]) * pad:
            raise ArtifactCorrupted(f"encrypted {record.path!r} has invalid padding (wrong key or damaged)")
        size = cipher_size - pad
        self._size_cache[record.file_id] = size
        return size

    def _decrypt_range(self, record: BackupFileRecord, stored: str, offset: int, length: int) -> bytes:
        size = self._plain_size(record)
        end = min(size, offset + length)
        if offset >= end:
            return b""
        first_block = offset // _BLOCK
        last_block = (end - 1) // _BLOCK
        with self._root.open(stored) as handle:
            if first_block == 0:
                iv = b"\x00" * _BLOCK
            else:
                handle.seek((first_block - 1) * _BLOCK)
                iv = handle.read(_BLOCK)
            handle.seek(first_block * _BLOCK)
            cipher_bytes = handle.read((last_block - first_block + 1) * _BLOCK)
        decryptor = Cipher(algorithms.AES(self._file_key(record)), modes.CBC(iv)).decryptor()
        plain = decryptor.update(cipher_bytes) + decryptor.finalize()
        start = offset - first_block * _BLOCK
        return plain[start : start + (end - offset)]
