"""A simulated iPhone behind a simulated usbmuxd socket, for tests, benchmarks and the demo.

Production reaches a USB iPhone through the usbmuxd daemon's unix socket; pymobiledevice3 honours
``USBMUXD_SOCKET_ADDRESS``. Point it at ``RunningIphoneSimulator.socket_path`` and the real client talks
to: usbmuxd (``usbmuxd.py``) → lockdownd with pairing and TLS sessions (``lockdown.py``) → AFC over a media
folder (``afc.py``) and Mobilebackup2 (``mobilebackup2.py``) plus the helper services a backup opens
(``ios_services.py``). Every request is logged (``.requests``).

    sim = start_iphone_simulator(media_root, tmp / "usbmuxd.sock")
    os.environ["USBMUXD_SOCKET_ADDRESS"] = str(sim.socket_path)
    ...
    sim.stop()
"""

from __future__ import annotations

import plistlib
import shutil
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from extractor.simulator.afc import serve_afc
from extractor.simulator.ios_backup_builder import (
    BackupIdentity,
    PlannedBackup,
    default_home_files,
    media_folder_files,
    plan_backup,
)
from extractor.simulator.ios_common import (
    LOCKDOWN_PORT,
    BackupNaming,
    Channel,
    IphoneSimulatorConfig,
    PeerClosed,
    RequestLog,
    RequestLogEntry,
)
from extractor.simulator.ios_services import (
    serve_installation_proxy,
    serve_notification_proxy,
    serve_springboard,
)
from extractor.simulator.lockdown import serve_lockdown
from extractor.simulator.mobilebackup2 import serve_mobilebackup2
from extractor.simulator.usbmuxd import UsbmuxdServer

__all__ = [
    "BackupNaming",
    "IphoneSimulatorConfig",
    "RunningIphoneSimulator",
    "SimulatedIphone",
    "start_iphone_simulator",
]

AFC_SERVICE = "com.apple.afc"
BACKUP_SERVICE = "com.apple.mobilebackup2"
_SERVICES = (
    AFC_SERVICE,
    BACKUP_SERVICE,
    "com.apple.mobile.notification_proxy",
    "com.apple.mobile.installation_proxy",
    "com.apple.springboardservices",
)
_FIRST_SERVICE_PORT = 49152


@dataclass(frozen=True, slots=True)
class ServiceTicket:
    port: int
    service: str
    ssl: bool
    host_id: str


class SimulatedIphone:
    """The phone's state: identity, trusted hosts, started services and misbehaviour counters."""

    def __init__(self, media_root: Path, config: IphoneSimulatorConfig) -> None:
        self.media_root = media_root
        self.config = config
        self.log = RequestLog()
        self._lock = threading.Lock()
        self._state_dir = Path(tempfile.mkdtemp(prefix="iphone-sim-"))
        self._device_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.device_public_key_pem = self._device_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
        )
        self._trusted_hosts: dict[str, dict[str, Any]] = {}
        self._usbmux_records: dict[str, bytes] = {}
        self._tickets: dict[int, ServiceTicket] = {}
        self._next_port = _FIRST_SERVICE_PORT
        self._tls_contexts: dict[str, ssl.SSLContext] = {}
        self._afc_bytes_served = 0
        self._afc_drops_left = config.afc_drop_times if config.afc_drop_after_bytes is not None else 0

    # -- identity and clock -------------------------------------------------------------------
    def lockdown_values(self, *, domain: str | None, in_session: bool) -> dict[str, Any] | None:
        config = self.config
        if domain == "com.apple.mobile.backup":
            return {"WillEncrypt": config.backup_password is not None}
        if domain == "com.apple.international":
            values = {"Locale": "en_US", "Language": "en", "TimeZone": config.timezone}
            return {k: v for k, v in values.items() if k not in config.omit_lockdown_values}
        if domain:
            return None
        zone = ZoneInfo(config.timezone)
        device_now = time.time() + config.clock_offset_s
        offset = datetime.fromtimestamp(device_now, UTC).astimezone(zone).utcoffset()
        return {
            "ActivationState": "Activated",
            "BasebandVersion": "3.50.04",
            "BluetoothAddress": "a4:c3:f0:11:22:34",
            "BuildVersion": config.build_version,
            "CPUArchitecture": "arm64e",
            "DeviceClass": "iPhone",
            "DeviceColor": "1",
            "DeviceName": config.device_name,
            "DevicePublicKey": self.device_public_key_pem,
            "FirmwareVersion": "iBoot-10151.102.2",
            "HardwareModel": config.hardware_model,
            "HostAttached": True,
            "InternationalMobileEquipmentIdentity": config.imei,
            "PasswordProtected": True,
            "ProductName": "iPhone OS",
            "ProductType": config.product_type,
            "ProductVersion": config.product_version,
            "SerialNumber": config.serial_number,
            "TimeIntervalSince1970": device_now,
            "TimeZone": config.timezone,
            "TimeZoneOffsetFromUTC": offset.total_seconds() if offset is not None else 0.0,
            "UniqueChipID": int(config.udid.replace("-", "")[8:], 16),
            "UniqueDeviceID": config.udid,
            "Uses24HourClock": True,
            "WiFiAddress": "a4:c3:f0:11:22:33",
        }

    # -- pairing ------------------------------------------------------------------------------
    def is_trusted(self, host_id: str) -> bool:
        with self._lock:
            return host_id in self._trusted_hosts

    def trust_host(self, host_id: str, record: dict[str, Any], escrow_bag: bytes) -> None:
        with self._lock:
            self._trusted_hosts[host_id] = dict(record, EscrowBag=escrow_bag)
            self._tls_contexts.pop(host_id, None)
        self.log.add(RequestLogEntry("lockdownd", "trusted_host", detail=host_id))

    def forget_host(self, host_id: str) -> None:
        with self._lock:
            self._trusted_hosts.pop(host_id, None)
            self._tls_contexts.pop(host_id, None)

    def usbmux_pair_record(self, udid: str) -> bytes | None:
        with self._lock:
            return self._usbmux_records.get(udid)

    def save_usbmux_pair_record(self, udid: str, record: bytes) -> None:
        plistlib.loads(record)  # must be a plist, as usbmuxd checks
        with self._lock:
            self._usbmux_records[udid] = record

    def delete_usbmux_pair_record(self, udid: str) -> None:
        with self._lock:
            self._usbmux_records.pop(udid, None)

    def tls_context_for(self, host_id: str) -> ssl.SSLContext:
        """The phone's side of TLS: its certificate from the pair record; only the paired host certificate passes."""
        with self._lock:
            cached = self._tls_contexts.get(host_id)
            if cached is not None:
                return cached
            record = self._trusted_hosts[host_id]
            key_pem = self._device_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            chain = self._state_dir / f"device-{len(self._tls_contexts)}-{abs(hash(host_id))}.pem"
            chain.write_bytes(bytes(record["DeviceCertificate"]) + b"\n" + key_pem)
            chain.chmod(0o600)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers("ALL:@SECLEVEL=0")
            context.load_cert_chain(str(chain))
            # The host certificate and its root both have an empty subject, so OpenSSL would take the
            # host certificate for self-signed; trust exactly the paired host certificate instead.
            context.verify_mode = ssl.CERT_REQUIRED
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
            context.load_verify_locations(cadata=bytes(record["HostCertificate"]).decode())
            self._tls_contexts[host_id] = context
            return context

    # -- services -----------------------------------------------------------------------------
    def open_service(self, name: str, host_id: str) -> ServiceTicket | None:
        if name not in _SERVICES:
            return None
        if name == AFC_SERVICE:
            use_ssl = self.config.afc_service_ssl
        elif name == BACKUP_SERVICE:
            use_ssl = self.config.backup_service_ssl
        else:
            use_ssl = False
        with self._lock:
            port = self._next_port
            self._next_port = _FIRST_SERVICE_PORT + (self._next_port - _FIRST_SERVICE_PORT + 1) % 16000
            ticket = ServiceTicket(port=port, service=name, ssl=use_ssl, host_id=host_id)
            self._tickets[port] = ticket
        return ticket

    def accepts_port(self, port: int) -> bool:
        with self._lock:
            return port == LOCKDOWN_PORT or port in self._tickets

    def serve_port(self, port: int, channel: Channel) -> None:
        """Run the daemon listening on ``port`` over an established usbmuxd connection."""
        if port == LOCKDOWN_PORT:
            serve_lockdown(self, channel)
            return
        with self._lock:
            ticket = self._tickets.pop(port, None)  # a started service accepts one connection
        if ticket is None:
            return
        self.log.add(RequestLogEntry("lockdownd", "service_connected", detail=ticket.service))
        if ticket.ssl:
            try:
                channel.start_tls(self.tls_context_for(ticket.host_id))
            except PeerClosed:
                return
        if ticket.service == AFC_SERVICE:
            serve_afc(self, channel, self.media_root)
        elif ticket.service == BACKUP_SERVICE:
            serve_mobilebackup2(self, channel)
        elif ticket.service == "com.apple.mobile.notification_proxy":
            serve_notification_proxy(self, channel)
        elif ticket.service == "com.apple.mobile.installation_proxy":
            serve_installation_proxy(self, channel)
        else:
            serve_springboard(self, channel)

    # -- misbehaviour -------------------------------------------------------------------------
    def afc_bytes_before_drop(self, wanted: int) -> int:
        """How many of ``wanted`` file bytes may still go out before the planned mid-read drop."""
        limit = self.config.afc_drop_after_bytes
        with self._lock:
            if limit is None or self._afc_drops_left <= 0:
                self._afc_bytes_served += wanted
                return wanted
            allowed = max(0, limit - self._afc_bytes_served)
            if allowed >= wanted:
                self._afc_bytes_served += wanted
                return wanted
            self._afc_drops_left -= 1
            self._afc_bytes_served = 0
            return allowed

    # -- backup -------------------------------------------------------------------------------
    def plan_backup(self) -> PlannedBackup:
        config = self.config
        files = media_folder_files(self.media_root)
        files += list(config.home_files) if config.home_files is not None else default_home_files()
        identity = BackupIdentity(
            udid=config.udid,
            serial_number=config.serial_number,
            product_type=config.product_type,
            product_version=config.product_version,
            build_version=config.build_version,
            device_name=config.device_name,
        )
        return plan_backup(files, identity, password=config.backup_password)

    def close(self) -> None:
        shutil.rmtree(self._state_dir, ignore_errors=True)


@dataclass
class RunningIphoneSimulator:
    """Handle on a running simulator."""

    device: SimulatedIphone
    server: UsbmuxdServer
    socket_path: Path

    @property
    def udid(self) -> str:
        return self.device.config.udid

    @property
    def requests(self) -> RequestLog:
        return self.device.log

    def stop(self) -> None:
        self.server.stop()
        self.device.close()

    def __enter__(self) -> RunningIphoneSimulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_iphone_simulator(
    media_root: Path, socket_path: Path, *, config: IphoneSimulatorConfig | None = None
) -> RunningIphoneSimulator:
    """Start usbmuxd on ``socket_path`` with one simulated iPhone serving ``media_root`` over AFC."""
    if not media_root.is_dir():
        raise FileNotFoundError(f"media folder {media_root} does not exist")
    device = SimulatedIphone(media_root, config or IphoneSimulatorConfig())
    server = UsbmuxdServer(device, socket_path)
    server.start()
    return RunningIphoneSimulator(device=device, server=server, socket_path=socket_path)
