"""A live iPhone through pymobiledevice3: lockdown identity and clock, AFC as a Source, filtered backups.

Layers, as pymobiledevice3 has them: usbmuxd (USB, or ``create_using_tcp`` for a Wi-Fi-paired phone) →
lockdown client (pairing, TLS session) → one service per purpose (AFC for the media folder, Mobilebackup2
for the backup). pymobiledevice3 is asynchronous; ``LiveIphone`` owns a private event loop and runs every
call to completion on it, so it is used from one worker thread at a time (a lock enforces that).

Pair records are kept in the station's data directory (``pair_records_dir``), never in the user's home.
A phone that was never trusted answers ``Pair`` with a pending or refused dialog: that becomes
``DeviceUnauthorised`` with what the officer must do (unlock the phone, tap Trust).

AFC reads are metadata-only when the caller asks for a file's leading bytes; the whole-file SHA-256 is
known only for files that were read whole (AFC cannot hash on the device).

The filtered backup keeps only the files the plan names; the phone still streams every file of a backup
(the protocol has no server-side filter), and everything else is discarded unread by the host — drained
from the socket without being written anywhere. Its count is reported.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import posixpath
import threading
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from extractor.errors import (
    DeviceDisconnected,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnauthorised,
    ExtractionError,
    SourceFileNotFound,
)
from extractor.records import ClockReading
from extractor.sources.base import DeviceIdentity, SourceEntry
from extractor.sources.ios_backup import IosBackupSource
from extractor.timestamps import from_unix_s

_T = TypeVar("_T")

TRUST_HINT = (
    "Unlock the iPhone, keep it connected and tap 'Trust' on the 'Trust This Computer?' prompt "
    "(the applicant enters the passcode), then start again"
)
MEDIA_PREFIXES = ("/private/var/mobile/Media", "/var/mobile/Media")
_STAT_BATCH = 64


def _text(value: Any) -> str | None:
    """A lockdown value as text; None for a missing or empty one."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _pymobiledevice3_version() -> str:
    try:
        from importlib.metadata import version

        return version("pymobiledevice3")
    except Exception:  # noqa: BLE001 - only a label
        return "unknown"


def translate_error(exc: BaseException) -> ExtractionError:
    """Map pymobiledevice3 / asyncio / socket errors to the extractor's typed errors."""
    from pymobiledevice3 import exceptions as pmd

    if isinstance(exc, ExtractionError):
        return exc
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return DeviceTimeout(
            "the iPhone stopped answering within the time limit; check the cable and that it is unlocked"
        )
    unauthorised = (
        pmd.UserDeniedPairingError,
        pmd.PairingDialogResponsePendingError,
        pmd.PasswordRequiredError,
        pmd.NotPairedError,
        pmd.FatalPairingError,
        pmd.PairingError,
        pmd.InvalidHostIDError,
    )
    if isinstance(exc, pmd.UserDeniedPairingError):
        return DeviceUnauthorised(
            f"the iPhone refused to trust this station ('Don't Trust' was tapped). {TRUST_HINT}"
        )
    if isinstance(exc, unauthorised):
        return DeviceUnauthorised(f"this station is not trusted by the iPhone. {TRUST_HINT}")
    if isinstance(
        exc, pmd.NoDeviceConnectedError | pmd.DeviceNotFoundError | pmd.ConnectionFailedToUsbmuxdError
    ):
        return DeviceNotFound(
            "no iPhone found through usbmuxd: connect it with a cable, unlock it, and check that usbmuxd runs"
        )
    if isinstance(exc, pmd.AfcFileNotFoundError):
        return SourceFileNotFound(f"not on the iPhone: {exc}")
    disconnected = (
        pmd.ConnectionTerminatedError,
        pmd.MuxException,
        pmd.ConnectionFailedError,
        ConnectionError,
        asyncio.IncompleteReadError,
        EOFError,
        OSError,
    )
    if isinstance(exc, disconnected):
        return DeviceDisconnected(
            f"the connection to the iPhone dropped ({type(exc).__name__}); reconnect and resume"
        )
    if isinstance(exc, pmd.PyMobileDevice3Exception):
        return ExtractionError(f"the iPhone answered with an error: {type(exc).__name__}: {exc}")
    return ExtractionError(f"unexpected failure talking to the iPhone: {type(exc).__name__}: {exc}")


@dataclass(frozen=True, slots=True)
class IphoneConnectionSettings:
    pair_records_dir: Path
    udid: str | None = None  # None: the first (USB-preferred) device usbmuxd lists
    usbmux_address: str | None = None  # None: $USBMUXD_SOCKET_ADDRESS or the platform's usbmuxd socket
    wifi_host: str | None = None  # set for a Wi-Fi-paired phone reached directly over TCP
    timeout_s: float = 30.0  # per call
    backup_timeout_s: float = 3600.0
    pair_timeout_s: float = 0.0  # 0: fail at once when the Trust prompt is pending (tell the officer)
    backup_password: str | None = None  # only for phones with "Encrypt local backup" on


@dataclass(frozen=True, slots=True)
class FilteredBackup:
    folder: Path
    kept_paths: tuple[str, ...]  # domain/relativePath of the files written
    discarded_files: int  # streamed by the phone, drained unread
    source: IosBackupSource
    not_received: tuple[str, ...] = ()  # planned (domain/relativePath) but not in the backup the phone sent


def backup_file_id(domain: str, relative_path: str) -> str:
    """A backup's name for a file: SHA-1 of ``"<domain>-<relativePath>"`` (hex)."""
    return hashlib.sha1(f"{domain}-{relative_path}".encode()).hexdigest()  # noqa: S324 - Apple's naming, not security


class BackupKeepFilter:
    """Which files of a streamed backup the plan needs, whatever name the phone announces them under.

    BackupAgent2 announces each uploaded file with a device-side name and a backup file name. Phones differ in
    the device-side name: the on-phone path (``/var/mobile/Media/PhotoData/Photos.sqlite``), the
    ``Domain-relativePath`` form, or just the backup file id (SHA-1 of ``Domain-relativePath``); the backup file
    name ends in the file id (``<udid>/ab/ab12…``). A planned file is kept when any of these names it.
    pymobiledevice3's ``BackupSelectionRule`` matches the device-side path forms only, so a phone that
    announces file ids would keep nothing through it; hence this small matcher of our own.
    """

    def __init__(self, keep_paths: Sequence[str]) -> None:
        planned: list[str] = []
        self._names: set[str] = set()
        self._suffixes: list[str] = []
        for path in keep_paths:
            domain, _, relative = path.lstrip("/").partition("/")
            if not domain or not relative:
                raise ValueError(f"keep path {path!r} must be '<domain>/<relativePath>'")
            planned.append(f"{domain}/{relative}")
            file_id = backup_file_id(domain, relative)
            self._names.update(
                {f"{domain}/{relative}", f"{domain}-{relative}", file_id, f"{file_id[:2]}/{file_id}"}
            )
            self._suffixes.append("/" + relative)
        self.planned = tuple(planned)

    def keeps(self, device_name: str | None, file_name: str | None) -> bool:
        if device_name is not None:
            name = device_name.strip()
            if name in self._names or name.lstrip("/") in self._names:
                return True
            if any(name.endswith(suffix) for suffix in self._suffixes):
                return True
        if file_name is not None:
            if posixpath.basename(file_name.replace("\\", "/")).lower() in self._names:
                return True
        return False


def with_sqlite_companions(
    domain_paths: Sequence[str], suffixes: Sequence[str] = ("-wal", "-shm")
) -> list[str]:
    """``Photos.sqlite`` → also ``Photos.sqlite-wal`` and ``Photos.sqlite-shm``."""
    result: list[str] = []
    for path in domain_paths:
        result.append(path)
        result.extend(path + suffix for suffix in suffixes)
    return result


class LiveIphone:
    """A connected, trusted iPhone. Use as a context manager or call ``close()``."""

    def __init__(self, settings: IphoneConnectionSettings) -> None:
        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._lock = threading.RLock()
        self._lockdown: Any = None
        transport = f"TCP {settings.wifi_host}" if settings.wifi_host else "usbmuxd"
        self.version = _pymobiledevice3_version()
        self.method_base = f"pymobiledevice3 {self.version} over {transport}"
        self._run(self._connect(), timeout_s=settings.timeout_s + max(settings.pair_timeout_s, 0))

    # -- event loop plumbing --------------------------------------------------------------------
    def _run(self, coroutine: Awaitable[_T], *, timeout_s: float | None = None) -> _T:
        limit = self.settings.timeout_s if timeout_s is None else timeout_s
        with self._lock:
            if self._loop.is_closed():
                raise DeviceDisconnected("this iPhone connection was closed")
            try:
                return self._loop.run_until_complete(asyncio.wait_for(coroutine, limit))
            except BaseException as exc:  # translated into typed errors, never swallowed
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                raise translate_error(exc) from exc

    async def _connect(self) -> None:
        from pymobiledevice3.lockdown import create_using_tcp, create_using_usbmux

        self.settings.pair_records_dir.mkdir(parents=True, exist_ok=True)
        if self.settings.usbmux_address is not None:
            # pymobiledevice3 11.x saves a new pair record through a usbmuxd connection opened without the
            # explicit address, so the address must also be the process default. A station has one usbmuxd.
            os.environ["USBMUXD_SOCKET_ADDRESS"] = self.settings.usbmux_address
        if self.settings.wifi_host:
            self._lockdown = await create_using_tcp(
                hostname=self.settings.wifi_host,
                identifier=self.settings.udid,
                pair_timeout=self.settings.pair_timeout_s,
                pairing_records_cache_folder=self.settings.pair_records_dir,
            )
        else:
            self._lockdown = await create_using_usbmux(
                serial=self.settings.udid,
                pair_timeout=self.settings.pair_timeout_s,
                pairing_records_cache_folder=self.settings.pair_records_dir,
                usbmux_address=self.settings.usbmux_address,
            )
        if not self._lockdown.paired:
            raise DeviceUnauthorised(f"this station is not trusted by the iPhone. {TRUST_HINT}")

    def reconnect(self) -> None:
        """Open a fresh lockdown session (after a dropped cable); the pair record makes it prompt-free."""
        self._close_lockdown()
        self._run(self._connect())

    def _close_lockdown(self) -> None:
        if self._lockdown is not None:
            lockdown, self._lockdown = self._lockdown, None
            try:
                self._run(lockdown.close(), timeout_s=5)
            except ExtractionError:
                pass  # closing a dead connection: nothing to do

    @property
    def lockdown(self) -> Any:
        if self._lockdown is None:
            raise DeviceDisconnected("the iPhone is not connected; reconnect first")
        return self._lockdown

    @property
    def udid(self) -> str:
        return str(self.lockdown.udid)

    # -- identity and clock ---------------------------------------------------------------------
    def identity(self) -> DeviceIdentity:
        """What lockdown says the phone is. A value lockdown does not give is listed in ``missing``, never fatal."""
        from extractor.device_models import apple_model_name, canonical_model

        values: dict[str, Any] = self._run(self.lockdown.get_value()) or {}
        extra = [
            (key, str(values[name]))
            for key, name in (
                ("udid", "UniqueDeviceID"),
                ("device_name", "DeviceName"),
                ("hardware_model", "HardwareModel"),
                ("imei", "InternationalMobileEquipmentIdentity"),
                ("timezone_offset_s", "TimeZoneOffsetFromUTC"),
            )
            if values.get(name) is not None
        ]
        product_type = _text(values.get("ProductType"))
        model_name = None
        if product_type:
            from extractor.device_models import apple_display_name

            display = apple_display_name(product_type)
            model_name = (
                apple_model_name(display) if display else canonical_model("Apple", product_type).model
            )
        timezone = _text(values.get("TimeZone")) or self._international_timezone()
        facts = {
            "model": product_type,
            "serial": _text(values.get("SerialNumber")),
            "os_version": _text(values.get("ProductVersion")),
            "timezone": timezone,
        }
        return DeviceIdentity(
            platform="ios",
            manufacturer="Apple",
            model=product_type,
            serial=facts["serial"],
            os_version=facts["os_version"],
            build=_text(values.get("BuildVersion")),
            timezone=timezone,
            extra=tuple(extra),
            model_name=model_name,
            missing=tuple(code for code, value in facts.items() if not value),
        )

    def _international_timezone(self) -> str | None:
        """``TimeZone`` from the ``com.apple.international`` domain, where some phones keep it instead."""
        try:
            value = self._run(self.lockdown.get_value(domain="com.apple.international", key="TimeZone"))
        except (DeviceDisconnected, DeviceTimeout):
            raise
        except ExtractionError:
            return None  # MissingValue: not there either
        return _text(value)

    def read_clock(self) -> ClockReading | None:
        """Device clock (lockdown ``TimeIntervalSince1970``) bracketed by host UTC before and after.

        None when lockdown does not give the clock (an empty answer or ``MissingValue``): the job records that
        the clock was not readable and goes on, with device-clock times uncorrected. A dropped connection is
        still raised (the job resumes).
        """
        lockdown = self.lockdown

        async def read() -> tuple[datetime, Any, datetime]:
            from pymobiledevice3.exceptions import MissingValueError

            before = datetime.now(UTC)
            try:
                device_seconds = await lockdown.get_value(key="TimeIntervalSince1970")
            except MissingValueError:
                device_seconds = None
            after = datetime.now(UTC)
            return before, device_seconds, after

        before, device_seconds, after = self._run(read())
        try:
            device_time = from_unix_s(float(device_seconds)) if device_seconds is not None else None
        except (TypeError, ValueError, OverflowError):
            device_time = None  # not a number: as good as missing
        if device_time is None:
            return None
        zone = self._clock_timezone()
        return ClockReading(
            host_before=before, device_time=device_time, host_after=after, device_timezone=zone
        )

    def _clock_timezone(self) -> str | None:
        try:
            zone = self._run(self.lockdown.get_value(key="TimeZone"))
        except (DeviceDisconnected, DeviceTimeout):
            raise
        except ExtractionError:
            zone = None
        return _text(zone) or self._international_timezone()

    # -- services -------------------------------------------------------------------------------
    def afc_source(self) -> IphoneAfcSource:
        return IphoneAfcSource(self)

    def filtered_backup(self, destination: Path, keep_paths: Sequence[str]) -> FilteredBackup:
        """Run a Mobilebackup2 backup into ``destination`` keeping only ``keep_paths`` (``domain/relativePath``).

        The phone streams every file; those not kept are drained unread and counted. A planned file is
        recognised however the phone names it (see ``BackupKeepFilter``); the ones that never arrived are
        listed in ``FilteredBackup.not_received``.
        """
        from pymobiledevice3.services.mobilebackup2 import BackupFile, Mobilebackup2Service

        keep_filter = BackupKeepFilter(keep_paths)
        discarded = 0

        def keep(candidate: BackupFile) -> bool:
            nonlocal discarded
            decision = keep_filter.keeps(candidate.device_name, candidate.file_name)
            if not decision and candidate.device_name is not None:
                discarded += 1
            return decision

        destination.mkdir(parents=True, exist_ok=True)
        lockdown = self.lockdown

        async def run_backup() -> None:
            async with Mobilebackup2Service(lockdown) as service:
                await service.backup(full=True, backup_directory=destination, filter_callback=keep)

        self._run(run_backup(), timeout_s=self.settings.backup_timeout_s)
        folder = destination / self.udid
        source = IosBackupSource(folder, password=self.settings.backup_password)
        kept = tuple(source.paths())
        return FilteredBackup(
            folder=folder,
            kept_paths=kept,
            discarded_files=discarded,
            source=source,
            not_received=tuple(path for path in keep_filter.planned if path not in set(kept)),
        )

    def close(self) -> None:
        self._close_lockdown()
        with self._lock:
            if self._loop.is_closed():
                return
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            if pending:
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()

    def __enter__(self) -> LiveIphone:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class IphoneAfcSource:
    """The phone's media folder (``/var/mobile/Media``) over AFC, as a Source.

    Paths may be given AFC-relative (``/DCIM/100APPLE/IMG_0001.JPG``) or with the full
    ``/var/mobile/Media`` prefix; entries keep the form the caller used. After a dropped connection a call
    raises ``DeviceDisconnected``; the next call reconnects (the pair record makes that prompt-free).
    """

    def __init__(self, phone: LiveIphone) -> None:
        self.phone = phone
        self.method = f"{phone.method_base}, AFC"
        self._afc: Any = None
        self._whole_file_sha256: dict[str, str] = {}
        self.bytes_read = 0

    def _service(self) -> Any:
        if self._afc is None:
            from pymobiledevice3.services.afc import AfcService

            if self.phone._lockdown is None:
                self.phone.reconnect()
            afc = AfcService(self.phone.lockdown)
            self.phone._run(afc.connect())
            self._afc = afc
        return self._afc

    def _call(self, operation: Callable[[Any], Awaitable[_T]]) -> _T:
        afc = self._service()
        try:
            return self.phone._run(operation(afc))
        except (DeviceDisconnected, DeviceTimeout):
            self._drop()
            raise

    def _drop(self) -> None:
        afc, self._afc = self._afc, None
        if afc is not None:
            try:
                self.phone._run(afc.aclose(), timeout_s=5)
            except ExtractionError:
                pass  # already dead
        self.phone._close_lockdown()

    @staticmethod
    def _afc_path(path: str) -> str:
        normalized = posixpath.normpath("/" + path.lstrip("/"))
        for prefix in MEDIA_PREFIXES:
            if normalized == prefix:
                return "/"
            if normalized.startswith(prefix + "/"):
                return normalized[len(prefix) :]
        return normalized

    @staticmethod
    def _entry(path: str, info: dict[str, Any]) -> SourceEntry:
        kind = info.get("st_ifmt")
        mtime = info.get("st_mtime")
        # pymobiledevice3 turns the device's ns timestamp into a naive local datetime; make it aware UTC.
        aware = mtime.astimezone(UTC) if isinstance(mtime, datetime) else None
        return SourceEntry(
            path=path,
            size=int(info["st_size"]) if kind == "S_IFREG" else None,
            mtime=aware,
            is_dir=kind == "S_IFDIR",
            is_symlink=kind == "S_IFLNK",
        )

    def list_dir(self, path: str) -> Iterator[SourceEntry]:
        afc_directory = self._afc_path(path)
        shown = path.rstrip("/") or ""

        async def listing(afc: Any) -> list[tuple[str, dict[str, Any] | None]]:
            names = await afc.listdir(afc_directory)
            results: list[tuple[str, dict[str, Any] | None]] = []
            for start in range(0, len(names), _STAT_BATCH):
                batch = names[start : start + _STAT_BATCH]
                infos = await asyncio.gather(
                    *(afc.stat(posixpath.join(afc_directory, name)) for name in batch), return_exceptions=True
                )
                for name, info in zip(batch, infos, strict=True):
                    if isinstance(info, BaseException):
                        if isinstance(info, Exception) and "NotFound" in type(info).__name__:
                            continue  # vanished between listing and stat
                        raise info
                    results.append((name, info))
            return results

        for name, info in self._call(listing):
            if info is not None:
                yield self._entry(f"{shown}/{name}", info)

    def stat(self, path: str) -> SourceEntry | None:
        try:
            info = self._call(lambda afc: afc.stat(self._afc_path(path)))
        except SourceFileNotFound:
            return None
        return self._entry(path, info)

    def read_range(self, path: str, offset: int, length: int) -> bytes:
        afc_path = self._afc_path(path)

        async def read(afc: Any) -> tuple[bytes, int]:
            info = await afc.stat(afc_path)
            size = int(info["st_size"])
            handle = await afc.fopen(afc_path)
            try:
                if offset:
                    await afc.fseek(handle, offset)
                wanted = max(0, min(length, size - offset))
                data = await afc.fread(handle, wanted) if wanted else b""
            finally:
                await afc.fclose(handle)
            return data, size

        data, size = self._call(read)
        self.bytes_read += len(data)
        if offset == 0 and len(data) == size:
            self._whole_file_sha256[self._afc_path(path)] = hashlib.sha256(data).hexdigest()
        return data

    def sha256(self, path: str) -> str | None:
        """Known only for files this source read whole; AFC cannot hash on the phone."""
        return self._whole_file_sha256.get(self._afc_path(path))

    def close(self) -> None:
        afc, self._afc = self._afc, None
        if afc is not None:
            try:
                self.phone._run(afc.aclose(), timeout_s=5)
            except ExtractionError:
                pass  # closing a dead service: nothing to do
