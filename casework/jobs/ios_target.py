"""The ``ios_usbmux`` job kind: a live iPhone through usbmuxd, as one Source for the generic runner.

The phone gives its data through two services, and the job's source presents both under one tree:

- ``/DCIM/...`` is the camera roll over AFC (``ios.afc_photos_exif``: metadata-only reads of each photo);
- ``/CameraRollDomain/...`` is a Mobilebackup2 backup filtered to the files the plan needs
  (``ios.photos_sqlite``: ``Media/PhotoData/Photos.sqlite`` with its ``-wal``/``-shm``).

The backup is taken only when an in-scope artifact needs it, and only when the runner first looks into
``/CameraRollDomain`` (so an interrupted job that resumes takes it again, in its own private folder that is
deleted when the job's source closes). The protocol has no server-side filter: the phone streams every file of
a backup and the station drains the rest unread; the target's notes say so, with the count.

Pair records live in ``<data_dir>/keys/pairing``, never in the user's home.
"""

from __future__ import annotations

import posixpath
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casework.jobs.targets import Target
from extractor.artifacts import default_registry
from extractor.artifacts.spec import ParseContext, Platform
from extractor.errors import DeviceDisconnected, DeviceTimeout, ExtractionError, SourceFileNotFound
from extractor.sources.base import DeviceIdentity, SourceEntry
from extractor.sources.ios import (
    FilteredBackup,
    IphoneAfcSource,
    IphoneConnectionSettings,
    LiveIphone,
    with_sqlite_companions,
)

AFC_ROOT = "/DCIM"
BACKUP_DOMAIN = "CameraRollDomain"
BACKUP_ROOT = f"/{BACKUP_DOMAIN}"
# Which backup files (``domain/relativePath``) each artifact reads; companions come from the artifact's spec.
BACKUP_FILES_BY_ARTIFACT: dict[str, tuple[str, ...]] = {
    "ios.photos_sqlite": (f"{BACKUP_DOMAIN}/Media/PhotoData/Photos.sqlite",),
}


def station_pairing_dir(data_dir: Path) -> Path:
    path = Path(data_dir) / "keys" / "pairing"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


class LiveIphoneJobSource:
    """``/DCIM`` from AFC and ``/CameraRollDomain`` from a filtered backup, as one read-only Source.

    Nothing else on the phone is reachable through it. A path outside both is not there.
    """

    def __init__(self, phone: LiveIphone, *, backup_parent: Path, notes: list[str]) -> None:
        self.phone = phone
        self.afc: IphoneAfcSource = phone.afc_source()
        self.method = (
            f"{phone.method_base}: {AFC_ROOT} over AFC, {BACKUP_ROOT} from a filtered Mobilebackup2 backup"
        )
        self._backup_parent = backup_parent
        self._notes = notes
        self._backup_keep: list[str] = []
        self._backup: FilteredBackup | None = None
        self._backup_error: str | None = None
        self._backup_folder: Path | None = None

    # -- plan --------------------------------------------------------------------------------------------
    def plan_backup(self, keep_paths: list[str]) -> None:
        """Take a backup (on first use) keeping only ``keep_paths``; an empty list means no backup at all."""
        self._backup_keep = list(keep_paths)

    @property
    def backup_planned(self) -> bool:
        return bool(self._backup_keep)

    @property
    def relative_glob_roots(self) -> tuple[str, ...]:
        """Where ``**/name`` globs are searched: only the filtered backup, never the whole media folder."""
        return (BACKUP_ROOT,) if self.backup_planned else ()

    @property
    def bytes_read_afc(self) -> int:
        return self.afc.bytes_read

    def _filtered_backup(self) -> FilteredBackup | None:
        """The backup (taken on first use); None when the phone's backup service failed (noted, not fatal)."""
        if self._backup is None and self._backup_error is None:
            self._backup_parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder = Path(tempfile.mkdtemp(prefix="ios-backup-", dir=self._backup_parent))
            self._backup_folder = folder
            try:
                backup = self.phone.filtered_backup(folder, self._backup_keep)
            except (DeviceDisconnected, DeviceTimeout):
                raise  # the job is interrupted and resumes
            except ExtractionError as exc:
                self._backup_error = str(exc)
                self._notes.append(
                    "filtered Mobilebackup2 backup not received: the phone's backup service failed "
                    f"({exc}); the files planned from it are reported as planned, not received"
                )
                return None
            self._backup = backup
            kept = ", ".join(backup.kept_paths) or "none"
            self._notes.append(
                f"filtered Mobilebackup2 backup: kept {len(backup.kept_paths)} file(s) the plan needs ({kept}); "
                f"the phone streamed {backup.discarded_files} other file(s) of its backup, which were "
                "discarded unread (drained from the connection, never written or parsed)"
            )
            missing = self._not_received(backup)
            if missing:
                self._notes.append(
                    f"planned, not received: {', '.join(missing)} (the phone's backup did not "
                    "contain them under any name: device path, domain path or backup file id)"
                )
        return self._backup

    def not_received_for(self, artifact_id: str) -> list[str]:
        """Backup files this artifact planned that never arrived (``/Domain/relativePath``), for its outcome."""
        planned = [p for p in backup_keep_paths({artifact_id}) if p in self._backup_keep]
        if not planned or (self._backup is None and self._backup_error is None):
            return []  # not planned, or the backup was never needed
        if self._backup is None:
            return ["/" + p for p in planned]
        missing = set(self._not_received(self._backup))
        return ["/" + p for p in planned if p in missing]

    @staticmethod
    def _not_received(backup: FilteredBackup) -> list[str]:
        """Planned files that did not arrive; a database's ``-wal``/``-shm`` missing beside it is normal (no
        uncheckpointed writes), so those count only when the database itself is missing too."""
        kept = set(backup.kept_paths)
        missing: list[str] = []
        for path in backup.not_received:
            main = next((path[: -len(s)] for s in ("-wal", "-shm") if path.endswith(s)), None)
            if main is not None and main in kept:
                continue
            missing.append(path)
        return missing

    # -- routing -----------------------------------------------------------------------------------------
    @staticmethod
    def _normalize(path: str) -> str:
        return posixpath.normpath("/" + path.lstrip("/"))

    @staticmethod
    def _under(path: str, root: str) -> bool:
        return path == root or path.startswith(root + "/")

    def _backup_path(self, path: str) -> str | None:
        if self.backup_planned and self._under(path, BACKUP_ROOT):
            return path.lstrip("/")
        return None

    def list_dir(self, path: str) -> Iterator[SourceEntry]:
        normalized = self._normalize(path)
        if normalized == "/":
            yield SourceEntry(path=AFC_ROOT, size=None, mtime=None, is_dir=True)
            if self.backup_planned:
                yield SourceEntry(path=BACKUP_ROOT, size=None, mtime=None, is_dir=True)
            return
        if self._under(normalized, AFC_ROOT):
            yield from self.afc.list_dir(normalized)
            return
        backup_path = self._backup_path(normalized)
        if backup_path is None:
            raise SourceFileNotFound(f"{path!r} is outside what this job reads from the iPhone")
        backup = self._filtered_backup()
        if backup is None:
            return
        for entry in backup.source.list_dir(backup_path):
            yield SourceEntry(
                path="/" + entry.path.lstrip("/"),
                size=entry.size,
                mtime=entry.mtime,
                is_dir=entry.is_dir,
                is_symlink=entry.is_symlink,
            )

    def stat(self, path: str) -> SourceEntry | None:
        normalized = self._normalize(path)
        if normalized == "/":
            return SourceEntry(path="/", size=None, mtime=None, is_dir=True)
        if self._under(normalized, AFC_ROOT):
            return self.afc.stat(normalized)
        backup_path = self._backup_path(normalized)
        if backup_path is None:
            return None
        backup = self._filtered_backup()
        entry = backup.source.stat(backup_path) if backup is not None else None
        if entry is None:
            return None
        return SourceEntry(
            path=normalized,
            size=entry.size,
            mtime=entry.mtime,
            is_dir=entry.is_dir,
            is_symlink=entry.is_symlink,
        )

    def read_range(self, path: str, offset: int, length: int) -> bytes:
        normalized = self._normalize(path)
        if self._under(normalized, AFC_ROOT):
            return self.afc.read_range(normalized, offset, length)
        backup_path = self._backup_path(normalized)
        if backup_path is None:
            raise SourceFileNotFound(f"{path!r} is outside what this job reads from the iPhone")
        backup = self._filtered_backup()
        if backup is None:
            raise SourceFileNotFound(f"{path!r} was planned from the backup, which was not received")
        return backup.source.read_range(backup_path, offset, length)

    def sha256(self, path: str) -> str | None:
        normalized = self._normalize(path)
        if self._under(normalized, AFC_ROOT):
            return self.afc.sha256(normalized)
        backup_path = self._backup_path(normalized)
        if backup_path is None:
            return None
        backup = self._filtered_backup()
        return backup.source.sha256(backup_path) if backup is not None else None

    def close(self) -> None:
        try:
            self.afc.close()
        finally:
            if self._backup is not None:
                self._backup.source.close()
                self._backup = None
            if self._backup_folder is not None:
                shutil.rmtree(self._backup_folder, ignore_errors=True)
                self._backup_folder = None


def backup_keep_paths(artifact_ids: set[str]) -> list[str]:
    """The backup files (with SQLite companions) the in-scope artifacts read; empty: no backup needed."""
    registry = default_registry()
    keep: list[str] = []
    for artifact_id in sorted(artifact_ids):
        files = BACKUP_FILES_BY_ARTIFACT.get(artifact_id)
        if not files:
            continue
        suffixes = registry.get(artifact_id).spec.companion_suffixes
        keep.extend(with_sqlite_companions(files, suffixes) if suffixes else files)
    return keep


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def ios_usbmux_target(
    params: dict[str, Any], data_dir: Path, *, secrets: dict[str, str] | None = None
) -> Target:
    """Open the iPhone named by ``params`` (``udid``; ``socket``: the usbmuxd socket, default the system one).

    ``secrets["password"]`` is the backup password of a phone with "Encrypt local backup" on (memory only).
    """
    password = (secrets or {}).get("password") or None
    settings = IphoneConnectionSettings(
        pair_records_dir=station_pairing_dir(data_dir),
        udid=params.get("udid") or None,
        usbmux_address=params.get("socket") or None,
        backup_password=password,
    )
    phone = LiveIphone(settings)
    notes: list[str] = []
    try:
        source = LiveIphoneJobSource(
            phone, backup_parent=Path(data_dir) / "staging" / "ios-backups", notes=notes
        )
    except BaseException:
        phone.close()
        raise
    cached_identity: list[DeviceIdentity] = []

    def identity() -> DeviceIdentity:
        if not cached_identity:
            cached_identity.append(phone.identity())
        return cached_identity[0]

    def parse_context(artifact_ids: set[str]) -> ParseContext:
        keep = backup_keep_paths(artifact_ids)
        source.plan_backup(keep)
        if not keep:
            notes.append("no backup taken: no artifact in scope needs one (Photos.sqlite is not in scope)")
        device = identity()
        return ParseContext(
            device_timezone=_zone(device.timezone),
            device_make=device.manufacturer or "Apple",
            device_model=device.model,
            platform=Platform.IOS,
        )

    def close() -> None:
        try:
            source.close()
        finally:
            phone.close()

    return Target(
        source=source,
        platform=Platform.IOS,
        identity=identity,
        read_clock=phone.read_clock,
        parse_context=parse_context,
        close=close,
        tool_versions={"pymobiledevice3": phone.version},
        notes=notes,
        live_clock=True,
    )
