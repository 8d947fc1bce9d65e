"""A live Android phone over ADB, through the ``adb-shell`` library (TCP, or USB with ``adb-shell[usb]``).

``AdbSource`` implements ``Source`` and ``CommandSource`` and adds what makes a whole phone fast:
``read_heads`` reads the leading bytes, the size and the on-device SHA-256 of many files in one shell
round-trip (20,000 photos in minutes, not an hour), and ``pull_into`` streams a whole file over the sync
protocol into a writer without holding it in memory.

Errors are typed (``extractor.errors``): no device, unauthorised (with what the officer must do), timeout,
disconnect. After a timeout or a disconnect the source is unusable: open a new one and resume the job.

Device paths are ``str``; bytes that are not UTF-8 are carried as surrogate escapes (``surrogateescape``) so
that a path read from a listing is sent back to the device byte for byte. They are never used as local paths.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import socket
import stat as stat_module
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import adb_shell
from adb_shell import exceptions as adb_errors
from adb_shell.adb_device import AdbDevice
from adb_shell.auth.keygen import keygen
from adb_shell.auth.sign_cryptography import CryptographySigner
from adb_shell.transport.base_transport import BaseTransport

from extractor.artifacts.spec import ParseContext, Platform
from extractor.errors import (
    DeviceDisconnected,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnauthorised,
    ExtractionError,
    HostileInput,
    SourceFileNotFound,
)
from extractor.records import ClockReading
from extractor.sources.base import ByteWriter, DeviceIdentity, HeadRead, SourceEntry
from extractor.timestamps import from_unix_s

KEY_FILE_NAME = "adbkey"
UNAUTHORISED_MESSAGE = (
    "The phone has not authorised this station. Ask the owner to unlock the phone and accept the "
    "'Allow USB debugging?' prompt (tick 'Always allow from this computer'), then start the extraction again."
)
_ENCODING = "utf-8"
_ERRORS = "surrogateescape"
_SYNC_MAX_PATH = 1024


def _to_bytes(path: str) -> bytes:
    return path.encode(_ENCODING, _ERRORS)


def _to_str(raw: bytes) -> str:
    return raw.decode(_ENCODING, _ERRORS)


def quote_device_path(path: str) -> str:
    """Quote a device path for the Android shell (POSIX single quotes; safe for any byte but NUL)."""
    if "\x00" in path:
        raise ValueError("a device path cannot contain NUL")
    return shlex.quote(path)


# --- station key ------------------------------------------------------------------------------------------


def station_signer(key_dir: Path) -> CryptographySigner:
    """The station's ADB RSA key, created on first use in ``key_dir`` (private key readable by owner only)."""
    key_dir.mkdir(parents=True, exist_ok=True)
    private_key = key_dir / KEY_FILE_NAME
    if not private_key.is_file() or not Path(f"{private_key}.pub").is_file():
        keygen(str(private_key))
        os.chmod(private_key, 0o600)
    return CryptographySigner(str(private_key))


# --- transport --------------------------------------------------------------------------------------------


class _PeerClosed(ConnectionError):
    pass


class _TcpTransport(BaseTransport):
    """adb-shell's TCP transport, but a closed peer is reported at once (not after a busy read timeout),
    writes are complete (sendall) and small messages are not delayed by Nagle's algorithm."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._socket: socket.socket | None = None

    def close(self) -> None:
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._socket.close()
            self._socket = None

    def connect(self, transport_timeout_s: float | None) -> None:
        self._socket = socket.create_connection((self._host, self._port), timeout=transport_timeout_s)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.settimeout(transport_timeout_s)

    def bulk_read(self, numbytes: int, transport_timeout_s: float | None) -> bytes:
        if self._socket is None:
            raise _PeerClosed("not connected")
        self._socket.settimeout(transport_timeout_s)
        try:
            data = self._socket.recv(numbytes)
        except TimeoutError as exc:
            raise adb_errors.TcpTimeoutException(
                f"no data from {self._host}:{self._port} for {transport_timeout_s} s"
            ) from exc
        if not data:
            raise _PeerClosed(f"{self._host}:{self._port} closed the connection")
        return data

    def bulk_write(self, data: bytes, transport_timeout_s: float | None) -> int:
        if self._socket is None:
            raise _PeerClosed("not connected")
        self._socket.settimeout(transport_timeout_s)
        try:
            self._socket.sendall(data)
        except TimeoutError as exc:
            raise adb_errors.TcpTimeoutException(f"could not send to {self._host}:{self._port}") from exc
        return len(data)


# --- results ----------------------------------------------------------------------------------------------


# --- getprop ----------------------------------------------------------------------------------------------

_GETPROP_LINE = re.compile(r"^\[(?P<key>[^\]]+)\]: \[(?P<value>.*)\]$")


def parse_getprop(text: str) -> dict[str, str]:
    """``[key]: [value]`` lines of ``getprop`` (values spanning lines are joined with newlines)."""
    properties: dict[str, str] = {}
    pending_key: str | None = None
    pending: list[str] = []
    for line in text.splitlines():
        if pending_key is not None:
            pending.append(line)
            if line.endswith("]"):
                properties[pending_key] = "\n".join(pending)[:-1]
                pending_key, pending = None, []
            continue
        match = _GETPROP_LINE.match(line)
        if match:
            properties[match.group("key")] = match.group("value")
        elif line.startswith("[") and "]: [" in line:
            key, _, rest = line[1:].partition("]: [")
            pending_key, pending = key, [rest]
    return properties


def identity_from_properties(properties: dict[str, str]) -> DeviceIdentity:
    serial = properties.get("ro.serialno") or properties.get("ro.boot.serialno") or None
    extra_keys = (
        "ro.product.name",
        "ro.product.device",
        "ro.product.brand",
        "ro.build.version.sdk",
        "ro.build.id",
        "ro.runtime.firstboot",
        "persist.sys.locale",
        "gsm.operator.alpha",
    )
    return DeviceIdentity(
        platform="android",
        manufacturer=properties.get("ro.product.manufacturer") or None,
        model=properties.get("ro.product.model") or None,
        serial=serial,
        os_version=properties.get("ro.build.version.release") or None,
        build=properties.get("ro.build.fingerprint") or None,
        timezone=properties.get("persist.sys.timezone") or None,
        extra=tuple((k, properties[k]) for k in extra_keys if properties.get(k)),
    )


# --- the source -------------------------------------------------------------------------------------------


class AdbSource:
    """A connected, authorised Android phone. Use ``AdbSource.connect_tcp`` or ``AdbSource.connect_usb``."""

    def __init__(
        self, device: AdbDevice, *, method: str, read_timeout_s: float = 30.0, head_batch_files: int = 100
    ):
        self._device = device
        self.method = method
        self.relative_glob_roots: tuple[str, ...] = ("/sdcard",)  # where "**/name" globs are searched
        self.read_timeout_s = read_timeout_s
        self.head_batch_files = head_batch_files
        self._broken: ExtractionError | None = None
        self._properties: dict[str, str] | None = None

    # connection -------------------------------------------------------------------------------------------

    @classmethod
    def connect_tcp(
        cls,
        host: str,
        port: int,
        *,
        key_dir: Path,
        timeout_s: float = 10.0,
        auth_timeout_s: float = 60.0,
        read_timeout_s: float = 30.0,
    ) -> AdbSource:
        """Connect to ``adbd`` on TCP (``adb tcpip`` or a simulated phone). ``auth_timeout_s`` is how long the
        owner has to accept the prompt on the phone."""
        device = AdbDevice(
            _TcpTransport(host, port), default_transport_timeout_s=timeout_s, banner="reisroute"
        )
        source = cls(
            device,
            method=f"adb-shell {adb_shell.__version__} over TCP {host}:{port}",
            read_timeout_s=read_timeout_s,
        )
        source._connect(key_dir, timeout_s=timeout_s, auth_timeout_s=auth_timeout_s, where=f"{host}:{port}")
        return source

    @classmethod
    def connect_usb(
        cls,
        serial: str | None = None,
        *,
        key_dir: Path,
        timeout_s: float = 10.0,
        auth_timeout_s: float = 60.0,
    ) -> AdbSource:
        """Connect to a phone on USB (needs ``libusb1`` and udev access to the device)."""
        try:
            from adb_shell.adb_device import AdbDeviceUsb
        except ImportError as exc:  # pragma: no cover - depends on the station
            raise DeviceNotFound("USB support is not installed: install adb-shell[usb] (libusb1)") from exc
        try:
            device = AdbDeviceUsb(serial=serial, default_transport_timeout_s=timeout_s, banner="reisroute")
        except (adb_errors.UsbDeviceNotFoundError, adb_errors.InvalidTransportError, OSError) as exc:
            raise DeviceNotFound(
                "No Android phone with USB debugging was found on USB. Check the cable, unlock the phone and "
                f"enable USB debugging in Developer options. ({exc})"
            ) from exc
        source = cls(device, method=f"adb-shell {adb_shell.__version__} over USB")
        source._connect(key_dir, timeout_s=timeout_s, auth_timeout_s=auth_timeout_s, where=serial or "USB")
        return source

    def _connect(self, key_dir: Path, *, timeout_s: float, auth_timeout_s: float, where: str) -> None:
        signer = station_signer(key_dir)
        offered_key: list[bool] = []
        try:
            self._device.connect(
                rsa_keys=[signer],
                transport_timeout_s=timeout_s,
                auth_timeout_s=auth_timeout_s,
                read_timeout_s=timeout_s,
                auth_callback=lambda _device: offered_key.append(True),
            )
        except (ConnectionRefusedError, socket.gaierror) as exc:
            raise DeviceNotFound(
                f"No phone answered at {where}. Check the address, that the phone is on and that ADB is enabled."
            ) from exc
        except adb_errors.DeviceAuthError as exc:
            raise DeviceUnauthorised(UNAUTHORISED_MESSAGE) from exc
        except (
            OSError,
            adb_errors.TcpTimeoutException,
            adb_errors.AdbTimeoutError,
            adb_errors.InvalidResponseError,
        ) as exc:
            if offered_key:
                raise DeviceUnauthorised(UNAUTHORISED_MESSAGE) from exc
            if isinstance(exc, TimeoutError | adb_errors.TcpTimeoutException | adb_errors.AdbTimeoutError):
                raise DeviceTimeout(
                    f"The phone at {where} did not answer the ADB handshake in {timeout_s} s."
                ) from exc
            raise DeviceNotFound(f"Could not open an ADB connection to {where}: {exc}") from exc

    def close(self) -> None:
        self._device.close()

    def __enter__(self) -> AdbSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Turn adb-shell and socket errors into typed extractor errors; a dead link stays dead."""
        if self._broken is not None:
            raise type(self._broken)(f"{what}: the connection was lost earlier ({self._broken}); reconnect")
        try:
            yield
        except adb_errors.AdbCommandFailureException as exc:
            raise SourceFileNotFound(f"{what}: the phone refused: {exc}") from exc
        except (TimeoutError, adb_errors.TcpTimeoutException, adb_errors.AdbTimeoutError) as exc:
            self._broken = DeviceTimeout(f"{what}: the phone stopped answering ({exc})")
            self._device.close()
            raise self._broken from exc
        except (
            OSError,
            adb_errors.AdbConnectionError,
            adb_errors.InvalidResponseError,
            adb_errors.InvalidChecksumError,
            adb_errors.InvalidCommandError,
            adb_errors.UsbReadFailedError,
            adb_errors.UsbWriteFailedError,
        ) as exc:
            self._broken = DeviceDisconnected(
                f"{what}: the connection to the phone dropped ({exc}). Reconnect the cable and resume the job."
            )
            self._device.close()
            raise self._broken from exc

    # commands ---------------------------------------------------------------------------------------------

    def run_command(self, command: str) -> bytes:
        """Run a read-only shell command (``exec:``: raw bytes, stdout and stderr merged as adbd does)."""
        with self._guard(f"running {command[:80]!r}"):
            output = self._device._service(  # noqa: SLF001 - the public exec_out() cannot send non-UTF-8 bytes
                b"exec", _to_bytes(command), read_timeout_s=self.read_timeout_s, decode=False
            )
        return bytes(output)

    def properties(self) -> dict[str, str]:
        if self._properties is None:
            self._properties = parse_getprop(self.run_command("getprop").decode(_ENCODING, "replace"))
        return dict(self._properties)

    def identity(self) -> DeviceIdentity:
        return identity_from_properties(self.properties())

    def read_clock(self, *, host_clock: Callable[[], datetime] | None = None) -> ClockReading:
        """Host UTC before, device ``date +%s``, host UTC after."""
        clock = host_clock or (lambda: datetime.now(UTC))
        before = clock()
        output = self.run_command("date +%s")
        after = clock()
        text = output.decode("ascii", "replace").strip()
        if not text.isdigit():
            raise DeviceDisconnected(f"unexpected answer to 'date +%s': {text[:80]!r}")
        return ClockReading(
            host_before=before,
            device_time=from_unix_s(int(text)),
            host_after=after,
            device_timezone=self.properties().get("persist.sys.timezone") or None,
        )

    def elapsed_realtime_anchor(self) -> dict[str, str]:
        """The ``dumpsys alarm`` anchor (wall clock and elapsed realtime at one instant) for ParseContext.anchors."""
        from extractor.artifacts.android.dumpsys_location import parse_alarm_anchor

        return parse_alarm_anchor(self.run_command("dumpsys alarm").decode(_ENCODING, "replace"))

    # files ------------------------------------------------------------------------------------------------

    def list_dir(self, path: str) -> Iterator[SourceEntry]:
        with self._guard(f"listing {path!r}"):
            entries = self._device.list(_to_bytes(path), read_timeout_s=self.read_timeout_s)
        parent = path.rstrip("/")
        listed: list[SourceEntry] = []
        for entry in entries:
            name = _to_str(bytes(entry.filename))
            if name in (".", ".."):
                continue
            mode = entry.mode
            listed.append(
                SourceEntry(
                    path=f"{parent}/{name}",
                    size=entry.size if stat_module.S_ISREG(mode) else None,
                    mtime=datetime.fromtimestamp(entry.mtime, tz=UTC) if entry.mtime else None,
                    is_dir=stat_module.S_ISDIR(mode),
                    is_symlink=stat_module.S_ISLNK(mode),
                )
            )
        # Sizes of regular files are as sync v1 LIST reports them: modulo 2**32. The runner asks
        # ``true_sizes`` for the files it plans to acquire (only those: out-of-scope files are never touched).
        yield from listed

    def true_sizes(self, paths: Sequence[str], *, batch: int = 200) -> dict[str, int]:
        """64-bit sizes from ``stat -c %s`` on the device (framed per file, so odd names cannot misalign)."""
        sizes: dict[str, int] = {}
        for start in range(0, len(paths), batch):
            chunk = [p for p in paths[start : start + batch] if len(_to_bytes(p)) <= 4096]
            if not chunk:
                continue
            script = "; ".join(
                f"echo @S{index}; stat -c %s -- {quote_device_path(path)} 2>/dev/null"
                for index, path in enumerate(chunk)
            )
            output = self.run_command(script).decode("ascii", "replace")
            current: int | None = None
            for line in output.splitlines():
                if line.startswith("@S") and line[2:].isdigit():
                    current = int(line[2:])
                elif current is not None and line.strip().isdigit() and current < len(chunk):
                    sizes[chunk[current]] = int(line.strip())
                    current = None
        return sizes

    def stat(self, path: str) -> SourceEntry | None:
        with self._guard(f"stat {path!r}"):
            mode, size, mtime = self._device.stat(_to_bytes(path), read_timeout_s=self.read_timeout_s)
        if mode == 0 and size == 0 and mtime == 0:
            return None
        if stat_module.S_ISREG(mode):  # sync v1 STAT sizes are modulo 2**32, as in list_dir
            size = self.true_sizes([path]).get(path, size)
        return SourceEntry(
            path=path,
            size=size if stat_module.S_ISREG(mode) else None,
            mtime=datetime.fromtimestamp(mtime, tz=UTC) if mtime else None,
            is_dir=stat_module.S_ISDIR(mode),
            is_symlink=stat_module.S_ISLNK(mode),
        )

    def read_range(self, path: str, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (read with ``head -c offset+length``; meant for leading bytes)."""
        with self._guard(f"reading {path!r}"):
            output = self.run_command(
                f"head -c {int(offset) + int(length)} -- {quote_device_path(path)} 2>/dev/null"
            )
        return output[offset : offset + length]

    def sha256(self, path: str) -> str | None:
        output = self.run_command(f"sha256sum -- {quote_device_path(path)} 2>/dev/null")
        digest = output[:64].decode("ascii", "replace")
        return digest if re.fullmatch(r"[0-9a-f]{64}", digest) else None

    def pull_into(self, path: str, writer: ByteWriter, *, max_bytes: int) -> int:
        """Stream a whole file over the sync protocol (RECV) into ``writer``; refuses more than ``max_bytes``."""
        if len(_to_bytes(path)) > _SYNC_MAX_PATH:
            raise SourceFileNotFound(f"path longer than {_SYNC_MAX_PATH} bytes cannot be read over ADB sync")
        capped = _CappedWriter(writer, max_bytes)
        with self._guard(f"pulling {path!r}"):
            self._device.pull(_to_bytes(path), capped, read_timeout_s=self.read_timeout_s)  # type: ignore[arg-type]
        return capped.written

    def read_heads(self, paths: Sequence[str], head_bytes: int) -> Iterator[HeadRead]:
        """Heads, sizes and whole-file hashes of many files, ``head_batch_files`` per shell round-trip.

        Output framing per file ``i``: ``@R<i>`` line, size line (``stat -c %s``), exactly min(size, N) head
        bytes, a newline, the ``sha256sum`` line. Sizes make the binary heads self-delimiting; any surprise
        (a file changed between stat and head) falls back to reading that one file on its own.
        """
        for start in range(0, len(paths), self.head_batch_files):
            batch = list(paths[start : start + self.head_batch_files])
            yield from self._read_head_batch(batch, head_bytes)

    def _read_head_batch(self, batch: list[str], head_bytes: int) -> Iterator[HeadRead]:
        parts = []
        for index, path in enumerate(batch):
            quoted = quote_device_path(path)
            parts.append(
                f"echo @R{index}; stat -c %s -- {quoted} 2>/dev/null; head -c {head_bytes} -- {quoted} 2>/dev/null; "
                f"echo; sha256sum -- {quoted} 2>/dev/null"
            )
        output = self.run_command("; ".join(parts))
        position = 0
        for index, path in enumerate(batch):
            result, position = _parse_head_frame(output, position, index, path, head_bytes)
            if result is None:
                result = self._read_head_alone(path, head_bytes)
                marker = f"\n@R{index + 1}\n".encode()
                found = output.find(marker, position)
                position = found + 1 if found >= 0 else len(output)
            yield result

    def _read_head_alone(self, path: str, head_bytes: int) -> HeadRead:
        entry = self.stat(path) if len(_to_bytes(path)) <= _SYNC_MAX_PATH else None
        size = entry.size if entry is not None else None
        head = self.read_range(path, 0, head_bytes)
        digest = self.sha256(path)
        if digest is None and not head:
            return HeadRead(path, None, size, None, error="the phone could not read this file")
        return HeadRead(path, head, size if size is not None else len(head), digest)


def _parse_head_frame(
    output: bytes, position: int, index: int, path: str, head_bytes: int
) -> tuple[HeadRead | None, int]:
    marker = f"@R{index}\n".encode()
    if not output.startswith(marker, position):
        return None, position
    position += len(marker)
    line_end = output.find(b"\n", position)
    size_text = output[position:line_end] if line_end >= 0 else b""
    if not size_text.isdigit():
        if (
            output.startswith(b"\n", position)
            or output.startswith(f"@R{index + 1}\n".encode(), position)
            or position >= len(output)
        ):
            # No size: the file vanished or cannot be read. Skip its (empty) head, newline and hash lines.
            following = output.find(f"@R{index + 1}\n".encode(), position)
            end = following if following >= 0 else len(output)
            return HeadRead(path, None, None, None, error="the file vanished or cannot be read"), end
        return None, position
    size = int(size_text)
    position = line_end + 1
    take = min(size, head_bytes)
    head = output[position : position + take]
    position += take
    if len(head) != take or not output.startswith(b"\n", position):
        return None, position
    position += 1
    expected_tail = b"  " + _to_bytes(path) + b"\n"
    digest = output[position : position + 64]
    if not re.fullmatch(rb"[0-9a-f]{64}", digest) or not output.startswith(expected_tail, position + 64):
        return None, position
    position += 64 + len(expected_tail)
    return HeadRead(path, head, size, digest.decode("ascii")), position


class _CappedWriter(io.BytesIO):
    """Forwards to ``writer`` and keeps nothing; a BytesIO only because adb-shell's pull() accepts one."""

    def __init__(self, writer: ByteWriter, max_bytes: int) -> None:
        super().__init__()
        self._writer = writer
        self._max_bytes = max_bytes
        self.written = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.written += len(data)
        if self.written > self._max_bytes:
            raise HostileInput(f"the file is larger than the {self._max_bytes}-byte limit; refused")
        return self._writer.write(data)


def android_parse_context(source: AdbSource, *, elapsed_anchor: bool) -> ParseContext:
    """ParseContext for this phone: its zone, make, model and (when dumpsys location is in scope) the
    elapsed-realtime anchor from ``dumpsys alarm``."""
    properties = source.properties()
    zone = None
    zone_name = properties.get("persist.sys.timezone")
    if zone_name:
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
    return ParseContext(
        device_timezone=zone,
        device_make=properties.get("ro.product.manufacturer") or None,
        device_model=properties.get("ro.product.model") or None,
        platform=Platform.ANDROID,
        anchors=source.elapsed_realtime_anchor() if elapsed_anchor else {},
    )
