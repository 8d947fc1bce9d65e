"""Pieces shared by the simulated iPhone's daemons: configuration, the request log, and a socket channel.

A ``Channel`` wraps one accepted connection. Lockdown switches it to TLS in place (``StartSession``), the
way a real lockdownd upgrades the same socket.
"""

from __future__ import annotations

import enum
import plistlib
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from typing import Any

from extractor.simulator.ios_backup_builder import BackupFileSpec

DEFAULT_UDID = "00008110-001A2B3C4D5E801E"
LOCKDOWN_PORT = 62078


class BackupNaming(enum.Enum):
    """The device-side name the phone announces for each file it uploads in a backup (phones differ)."""

    DEVICE_PATH = "device_path"  # /var/mobile/Media/PhotoData/Photos.sqlite
    DOMAIN_PATH = "domain_path"  # CameraRollDomain-Media/PhotoData/Photos.sqlite
    FILE_ID = "file_id"  # the backup file id: SHA-1 of "CameraRollDomain-Media/PhotoData/Photos.sqlite"


class PeerClosed(Exception):
    """The host closed the connection (or the simulator dropped it on purpose)."""


@dataclass(frozen=True, slots=True)
class IphoneSimulatorConfig:
    """What the simulated iPhone is, and how it should misbehave."""

    udid: str = DEFAULT_UDID
    serial_number: str = "F2LXK0SIM0D1"
    product_type: str = "iPhone14,5"
    product_version: str = "17.4.1"
    build_version: str = "21E236"
    device_name: str = "Simulated iPhone"
    hardware_model: str = "D17AP"
    imei: str = "356789100000017"
    timezone: str = "Europe/Athens"
    clock_offset_s: float = 0.0  # device clock minus true time ("wrong clock")
    refuse_pairing: bool = False  # the owner taps "Don't Trust"
    pairing_prompt_pending: bool = False  # the Trust prompt is never answered (phone locked, nobody there)
    afc_drop_after_bytes: int | None = (
        None  # drop the AFC connection mid-read once this many file bytes went out
    )
    afc_drop_times: int = 1
    afc_service_ssl: bool = False
    backup_service_ssl: bool = True
    backup_password: str | None = None  # the phone has "Encrypt local backup" on with this password
    home_files: tuple[BackupFileSpec, ...] | None = None  # None: a default set of out-of-scope files
    # Lockdown values this phone does not give (e.g. "TimeIntervalSince1970", "TimeZone", "SerialNumber",
    # "ProductVersion"). Keys a real lockdownd answers before a session (ProductVersion, ProductType...) are
    # still answered before the session, as every phone does; they are missing from the session's answers.
    omit_lockdown_values: tuple[str, ...] = ()
    # How a value it does not give is answered when asked by key: a "MissingValue" error (True) or an answer
    # without a "Value" (False). Phones do both.
    missing_value_as_error: bool = True
    backup_naming: BackupNaming = BackupNaming.DEVICE_PATH


@dataclass(frozen=True, slots=True)
class RequestLogEntry:
    service: str  # "usbmuxd", "lockdownd", "afc", "mobilebackup2", ...
    operation: str
    path: str | None = None
    bytes_sent: int = 0
    detail: str | None = None


@dataclass
class RequestLog:
    """Every request the simulated phone answered, in order (thread-safe)."""

    _entries: list[RequestLogEntry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self, service: str | None = None, operation: str | None = None) -> list[RequestLogEntry]:
        with self._lock:
            snapshot = list(self._entries)
        return [
            e
            for e in snapshot
            if (service is None or e.service == service) and (operation is None or e.operation == operation)
        ]

    def bytes_sent(self, service: str, path: str | None = None) -> int:
        return sum(e.bytes_sent for e in self.entries(service) if path is None or e.path == path)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Channel:
    """One connection, plain or TLS, with length-prefixed plist framing helpers."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock: socket.socket = sock

    def recv_exact(self, size: int) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            try:
                chunk = self.sock.recv(min(remaining, 1 << 20))
            except (OSError, ssl.SSLError) as exc:
                raise PeerClosed(str(exc)) from exc
            if not chunk:
                raise PeerClosed("host closed the connection")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as exc:
            raise PeerClosed(str(exc)) from exc

    def recv_plist(self) -> Any:
        (length,) = struct.unpack(">L", self.recv_exact(4))
        if length > 64 * 1024 * 1024:
            raise PeerClosed(f"refusing a {length}-byte plist")
        return plistlib.loads(self.recv_exact(length))

    def send_plist(self, value: Any, *, binary: bool = False) -> None:
        payload = plistlib.dumps(value, fmt=plistlib.FMT_BINARY if binary else plistlib.FMT_XML)
        self.send(struct.pack(">L", len(payload)) + payload)

    def start_tls(self, context: ssl.SSLContext) -> None:
        try:
            self.sock = context.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError) as exc:
            raise PeerClosed(f"TLS handshake failed: {exc}") from exc

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
