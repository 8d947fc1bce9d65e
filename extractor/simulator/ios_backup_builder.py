"""Build iOS backups in the MobileBackup2 on-disk format, plain or encrypted.

Used by the simulated iPhone (its Mobilebackup2 service streams a backup planned here) and by tests that
need an offline backup folder. The format, as iTunes/Finder and the device's BackupAgent2 write it:

- ``Manifest.db`` (SQLite): table ``Files(fileID, domain, relativePath, flags, file)`` where
  ``fileID = sha1("<domain>-<relativePath>")``, ``flags`` 1 = file, 2 = directory, 4 = symlink, and
  ``file`` is a binary NSKeyedArchiver plist of an ``MBFile`` (size, mode, times, protection class and,
  in encrypted backups, the wrapped per-file key).
- each file's bytes at ``<fileID[:2]>/<fileID>``;
- ``Manifest.plist`` (``IsEncrypted``, ``Lockdown`` identity, and for encrypted backups ``BackupKeyBag`` and
  ``ManifestKey``), ``Info.plist``, ``Status.plist``.

Encryption: a keybag holds one random 32-byte key per protection class, each wrapped (RFC 3394) with a
key derived from the password (PBKDF2-SHA256 with ``DPSL``/``DPIC``, then PBKDF2-SHA1 with
``SALT``/``ITER``). Every file has its own random key, wrapped with its class key and stored in its MBFile
as ``<class as little-endian int32><40-byte wrapped key>``; the bytes are AES-256-CBC with a zero IV and
PKCS#7 padding. ``Manifest.db`` itself is encrypted the same way with the key in ``ManifestKey``.
"""

from __future__ import annotations

import hashlib
import os
import plistlib
import sqlite3
import struct
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

FLAG_FILE = 1
FLAG_DIRECTORY = 2

DOMAIN_DEVICE_ROOTS: dict[str, str] = {
    "CameraRollDomain": "/var/mobile",
    "HomeDomain": "/var/mobile",
    "MediaDomain": "/var/mobile",
    "KeychainDomain": "/var/Keychains",
    "SystemPreferencesDomain": "/var/preferences",
    "WirelessDomain": "/var/wireless",
    "RootDomain": "/var/root",
}

_PROTECTION_CLASSES = tuple(range(1, 12))
_MANIFEST_PROTECTION_CLASS = 4


def file_id_for(domain: str, relative_path: str) -> str:
    """The backup's name for a file: SHA-1 of ``"<domain>-<relativePath>"``."""
    return hashlib.sha1(f"{domain}-{relative_path}".encode()).hexdigest()


def device_name_for(domain: str, relative_path: str) -> str:
    """The on-phone path BackupAgent2 announces for a file of this domain."""
    if domain.startswith("AppDomain-"):
        bundle = domain.removeprefix("AppDomain-")
        container = uuid.uuid5(uuid.NAMESPACE_DNS, bundle)
        return f"/var/mobile/Containers/Data/Application/{str(container).upper()}/{relative_path}"
    root = DOMAIN_DEVICE_ROOTS.get(domain, "/var/mobile")
    return f"{root}/{relative_path}"


@dataclass(frozen=True, slots=True)
class BackupFileSpec:
    """One file of the phone as it goes into a backup."""

    domain: str
    relative_path: str
    data: bytes
    mtime_utc: datetime = datetime(2024, 3, 1, tzinfo=UTC)
    mode: int = 0o100644
    protection_class: int = 3

    @property
    def file_id(self) -> str:
        return file_id_for(self.domain, self.relative_path)

    @property
    def domain_path(self) -> str:
        return f"{self.domain}/{self.relative_path}"


@dataclass(frozen=True, slots=True)
class BackupIdentity:
    udid: str
    serial_number: str = "F2LXK0SIM0D1"
    product_type: str = "iPhone14,5"
    product_version: str = "17.4.1"
    build_version: str = "21E236"
    device_name: str = "Simulated iPhone"


@dataclass(frozen=True, slots=True)
class KdfIterations:
    """PBKDF2 rounds. Real phones use 10,000,000 (DPIC) and 10,000 (ITER); tests use few to stay fast."""

    dpic: int = 10_000_000
    iter: int = 10_000


FAST_TEST_ITERATIONS = KdfIterations(dpic=1_000, iter=100)


def _tlv(tag: bytes, value: bytes | int) -> bytes:
    payload = struct.pack(">L", value) if isinstance(value, int) else value
    return tag + struct.pack(">L", len(payload)) + payload


def _encrypt_cbc(data: bytes, key: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(b"\x00" * 16)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


@dataclass(slots=True)
class BackupKeys:
    """The secrets of one encrypted backup (never persisted in the clear; tests only)."""

    password: str
    iterations: KdfIterations
    dpsl: bytes = field(default_factory=lambda: os.urandom(20))
    salt: bytes = field(default_factory=lambda: os.urandom(20))
    class_keys: dict[int, bytes] = field(
        default_factory=lambda: {klass: os.urandom(32) for klass in _PROTECTION_CLASSES}
    )
    manifest_key: bytes = field(default_factory=lambda: os.urandom(32))

    def passphrase_key(self) -> bytes:
        round1 = hashlib.pbkdf2_hmac("sha256", self.password.encode(), self.dpsl, self.iterations.dpic, 32)
        return hashlib.pbkdf2_hmac("sha1", round1, self.salt, self.iterations.iter, 32)

    def keybag(self) -> bytes:
        wrapping_key = self.passphrase_key()
        blob = b"".join(
            [
                _tlv(b"VERS", 3),
                _tlv(b"TYPE", 1),  # backup keybag
                _tlv(b"UUID", uuid.uuid4().bytes),
                _tlv(b"HMCK", os.urandom(40)),
                _tlv(b"WRAP", 0),
                _tlv(b"SALT", self.salt),
                _tlv(b"ITER", self.iterations.iter),
                _tlv(b"DPWT", 1),
                _tlv(b"DPIC", self.iterations.dpic),
                _tlv(b"DPSL", self.dpsl),
            ]
        )
        for klass, key in sorted(self.class_keys.items()):
            blob += b"".join(
                [
                    _tlv(b"UUID", uuid.uuid4().bytes),
                    _tlv(b"CLAS", klass),
                    _tlv(b"WRAP", 2),  # wrapped with the passphrase key
                    _tlv(b"KTYP", 0),
                    _tlv(b"WPKY", aes_key_wrap(wrapping_key, key)),
                ]
            )
        return blob

    def wrapped_key_blob(self, protection_class: int, file_key: bytes) -> bytes:
        return struct.pack("<l", protection_class) + aes_key_wrap(self.class_keys[protection_class], file_key)

    def manifest_key_blob(self) -> bytes:
        return self.wrapped_key_blob(_MANIFEST_PROTECTION_CLASS, self.manifest_key)


def mbfile_blob(
    *,
    relative_path: str,
    size: int,
    mode: int,
    mtime_utc: datetime,
    protection_class: int,
    encryption_key_blob: bytes | None = None,
) -> bytes:
    """The ``file`` column of Manifest.db: an NSKeyedArchiver binary plist of an MBFile."""
    moment = int(mtime_utc.timestamp())
    mbfile: dict[str, object] = {
        "$class": plistlib.UID(3),
        "RelativePath": plistlib.UID(2),
        "Size": size,
        "Mode": mode,
        "LastModified": moment,
        "LastStatusChange": moment,
        "Birth": moment,
        "InodeNumber": int.from_bytes(hashlib.sha1(relative_path.encode()).digest()[:4], "big"),
        "UserID": 501,
        "GroupID": 501,
        "ProtectionClass": protection_class,
        "Flags": 0,
    }
    objects: list[object] = [
        "$null",
        mbfile,
        relative_path,
        {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]},
    ]
    if encryption_key_blob is not None:
        mbfile["EncryptionKey"] = plistlib.UID(4)
        objects.append({"NS.data": encryption_key_blob, "$class": plistlib.UID(5)})
        objects.append({"$classname": "NSMutableData", "$classes": ["NSMutableData", "NSData", "NSObject"]})
    archive = {
        "$version": 100000,
        "$archiver": "NSKeyedArchiver",
        "$top": {"root": plistlib.UID(1)},
        "$objects": objects,
    }
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


@dataclass(frozen=True, slots=True)
class PlannedBackupFile:
    spec: BackupFileSpec
    stored_bytes: bytes  # as written into the backup (encrypted where the backup is)

    @property
    def file_id(self) -> str:
        return self.spec.file_id

    @property
    def stored_name(self) -> str:
        return f"{self.file_id[:2]}/{self.file_id}"

    @property
    def device_name(self) -> str:
        return device_name_for(self.spec.domain, self.spec.relative_path)


@dataclass(frozen=True, slots=True)
class PlannedBackup:
    """Everything a backup consists of, ready to be written to disk or streamed by the simulator."""

    identity: BackupIdentity
    files: tuple[PlannedBackupFile, ...]
    manifest_db: bytes  # as stored (encrypted where the backup is)
    manifest_plist: bytes
    info_plist: bytes
    status_plist: bytes
    is_encrypted: bool

    def metadata_files(self) -> list[tuple[str, bytes]]:
        return [
            ("Manifest.db", self.manifest_db),
            ("Manifest.plist", self.manifest_plist),
            ("Info.plist", self.info_plist),
            ("Status.plist", self.status_plist),
        ]


def _parent_directories(relative_path: str) -> list[str]:
    parts = relative_path.split("/")[:-1]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def _manifest_db_bytes(rows: Iterable[tuple[str, str, str, int, bytes]]) -> bytes:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "Manifest.db"
        connection = sqlite3.connect(path)
        try:
            connection.executescript(
                """
                CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
                CREATE INDEX FilesDomainIdx ON Files(domain);
                CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
                CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);
                """
            )
            connection.executemany("INSERT OR IGNORE INTO Files VALUES (?, ?, ?, ?, ?)", rows)
            connection.execute("INSERT INTO Properties VALUES ('salt', ?)", (os.urandom(16),))
            connection.commit()
        finally:
            connection.close()
        return path.read_bytes()


def plan_backup(
    files: Sequence[BackupFileSpec],
    identity: BackupIdentity,
    *,
    password: str | None = None,
    iterations: KdfIterations = FAST_TEST_ITERATIONS,
    backup_date_utc: datetime | None = None,
) -> PlannedBackup:
    keys = BackupKeys(password=password, iterations=iterations) if password else None
    rows: list[tuple[str, str, str, int, bytes]] = []
    planned: list[PlannedBackupFile] = []
    seen_directories: set[tuple[str, str]] = set()
    for spec in files:
        for directory in ["", *_parent_directories(spec.relative_path)]:
            if (spec.domain, directory) in seen_directories:
                continue
            seen_directories.add((spec.domain, directory))
            blob = mbfile_blob(
                relative_path=directory,
                size=0,
                mode=0o40755,
                mtime_utc=spec.mtime_utc,
                protection_class=0,
            )
            rows.append((file_id_for(spec.domain, directory), spec.domain, directory, FLAG_DIRECTORY, blob))
        if keys is not None:
            file_key = os.urandom(32)
            stored = _encrypt_cbc(spec.data, file_key)
            key_blob: bytes | None = keys.wrapped_key_blob(spec.protection_class, file_key)
        else:
            stored = spec.data
            key_blob = None
        blob = mbfile_blob(
            relative_path=spec.relative_path,
            size=len(spec.data),
            mode=spec.mode,
            mtime_utc=spec.mtime_utc,
            protection_class=spec.protection_class,
            encryption_key_blob=key_blob,
        )
        rows.append((spec.file_id, spec.domain, spec.relative_path, FLAG_FILE, blob))
        planned.append(PlannedBackupFile(spec=spec, stored_bytes=stored))
    manifest_db = _manifest_db_bytes(rows)
    date = (backup_date_utc or datetime.now(UTC)).replace(tzinfo=None)
    lockdown = {
        "ProductVersion": identity.product_version,
        "ProductType": identity.product_type,
        "BuildVersion": identity.build_version,
        "UniqueDeviceID": identity.udid,
        "SerialNumber": identity.serial_number,
        "DeviceName": identity.device_name,
    }
    manifest: dict[str, object] = {
        "Version": "10.0",
        "SystemDomainsVersion": "24.0",
        "Date": date,
        "IsEncrypted": keys is not None,
        "WasPasscodeSet": False,
        "Lockdown": lockdown,
        "Applications": {},
    }
    if keys is not None:
        manifest["BackupKeyBag"] = keys.keybag()
        manifest["ManifestKey"] = keys.manifest_key_blob()
        manifest_db = _encrypt_cbc(manifest_db, keys.manifest_key)
    info = {
        "Device Name": identity.device_name,
        "Display Name": identity.device_name,
        "Product Type": identity.product_type,
        "Product Version": identity.product_version,
        "Build Version": identity.build_version,
        "Serial Number": identity.serial_number,
        "Target Identifier": identity.udid,
        "Unique Identifier": identity.udid.upper(),
        "Target Type": "Device",
        "Last Backup Date": date,
    }
    status = {
        "BackupState": "new",
        "Date": date,
        "IsFullBackup": True,
        "SnapshotState": "finished",
        "UUID": str(uuid.uuid4()).upper(),
        "Version": "3.3",
    }
    return PlannedBackup(
        identity=identity,
        files=tuple(planned),
        manifest_db=manifest_db,
        manifest_plist=plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY),
        info_plist=plistlib.dumps(info),
        status_plist=plistlib.dumps(status, fmt=plistlib.FMT_BINARY),
        is_encrypted=keys is not None,
    )


def write_backup_folder(
    destination: Path,
    files: Sequence[BackupFileSpec],
    identity: BackupIdentity,
    *,
    password: str | None = None,
    iterations: KdfIterations = FAST_TEST_ITERATIONS,
) -> Path:
    """Write a complete backup folder (as found under MobileSync/Backup/<udid>) and return it."""
    plan = plan_backup(files, identity, password=password, iterations=iterations)
    destination.mkdir(parents=True, exist_ok=True)
    for planned in plan.files:
        target = destination / planned.stored_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(planned.stored_bytes)
    for name, data in plan.metadata_files():
        (destination / name).write_bytes(data)
    return destination


def default_home_files() -> list[BackupFileSpec]:
    """Out-of-scope files a real backup also holds (messages, contacts): a filtered backup must drop them."""
    return [
        BackupFileSpec("HomeDomain", "Library/SMS/sms.db", b"SQLite format 3\x00" + os.urandom(48_000)),
        BackupFileSpec(
            "HomeDomain",
            "Library/AddressBook/AddressBook.sqlitedb",
            b"SQLite format 3\x00" + os.urandom(24_000),
        ),
        BackupFileSpec(
            "HomeDomain", "Library/Preferences/com.apple.Maps.plist", plistlib.dumps({"Sim": True})
        ),
    ]


def media_folder_files(media_root: Path) -> list[BackupFileSpec]:
    """The CameraRollDomain part of a backup: every regular file under the AFC media folder."""
    specs: list[BackupFileSpec] = []
    for path in sorted(media_root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(media_root).as_posix()
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        specs.append(
            BackupFileSpec("CameraRollDomain", f"Media/{relative}", path.read_bytes(), mtime_utc=mtime)
        )
    return specs
