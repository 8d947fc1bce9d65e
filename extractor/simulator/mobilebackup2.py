"""Simulated com.apple.mobilebackup2: the DeviceLink conversation that produces a backup.

DeviceLink messages are plists (4-byte big-endian length) whose root is an array naming the message:

1. phone → ``["DLMessageVersionExchange", 300, 0]``; host → ``[..., "DLVersionsOk", 300]``;
   phone → ``["DLMessageDeviceReady"]``.
2. host → ``["DLMessageProcessMessage", {"MessageName": "Hello", "SupportedProtocolVersions": [...]}]``;
   phone answers ``ErrorCode 0`` and the chosen ``ProtocolVersion``.
3. host → ``Backup``. The phone asks for free disk space, creates the hash-prefix directories
   (``DLMessageCreateDirectory``), then sends ``DLMessageUploadFiles`` followed by a raw stream: for each
   file its device path and backup name (each length-prefixed), then chunks ``<u32 length><0x0C><data>``
   closed by ``<u32 1><0x00>``; four zero bytes end the stream. Manifest.db/.plist and Status.plist
   come last. It ends with ``DLMessageProcessMessage`` ``ErrorCode 0``.

The host decides what to keep; the phone streams every file regardless. The log records every file
streamed and its size, so tests can see that out-of-scope files crossed the cable but were not kept.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from extractor.simulator.ios_backup_builder import PlannedBackup, PlannedBackupFile
from extractor.simulator.ios_common import BackupNaming, Channel, PeerClosed, RequestLogEntry

if TYPE_CHECKING:
    from extractor.simulator.iphone import SimulatedIphone

_SUPPORTED_VERSIONS = (2.0, 2.1)
_CODE_FILE_DATA = 0x0C
_CODE_SUCCESS = 0x00
_CHUNK_BYTES = 64 * 1024


def serve_mobilebackup2(device: SimulatedIphone, channel: Channel) -> None:
    try:
        channel.send_plist(["DLMessageVersionExchange", 300, 0], binary=True)
        answer = channel.recv_plist()
        if not (isinstance(answer, list) and answer[:2] == ["DLMessageVersionExchange", "DLVersionsOk"]):
            return
        channel.send_plist(["DLMessageDeviceReady"], binary=True)
        while True:
            message = channel.recv_plist()
            if not isinstance(message, list) or not message:
                return
            if message[0] == "DLMessageDisconnect":
                device.log.add(RequestLogEntry("mobilebackup2", "Disconnect"))
                return
            if message[0] != "DLMessageProcessMessage" or len(message) < 2:
                return
            body: dict[str, Any] = message[1]
            name = str(body.get("MessageName", ""))
            device.log.add(RequestLogEntry("mobilebackup2", name))
            if name == "Hello":
                offered = [float(v) for v in body.get("SupportedProtocolVersions", [])]
                common = [v for v in _SUPPORTED_VERSIONS if v in offered]
                if not common:
                    _finish(channel, 1, "no common protocol version")
                    continue
                channel.send_plist(
                    ["DLMessageProcessMessage", {"ErrorCode": 0, "ProtocolVersion": max(common)}], binary=True
                )
            elif name == "Backup":
                _backup(device, channel, str(body.get("TargetIdentifier", device.config.udid)))
            else:
                _finish(channel, 1, f"{name} is not supported by this simulated phone")
    except PeerClosed:
        return


def _finish(channel: Channel, code: int, description: str = "") -> None:
    channel.send_plist(
        ["DLMessageProcessMessage", {"ErrorCode": code, "ErrorDescription": description, "Content": ""}],
        binary=True,
    )


def _await_status(channel: Channel) -> None:
    status = channel.recv_plist()
    if not isinstance(status, list) or status[:1] != ["DLMessageStatusResponse"]:
        raise PeerClosed(f"expected a DLMessageStatusResponse, got {status!r:.80}")


def _prefixed(text: str) -> bytes:
    encoded = text.encode()
    return struct.pack(">I", len(encoded)) + encoded


def _announced_name(device: SimulatedIphone, planned: PlannedBackupFile) -> str:
    """The device-side name this phone announces for an uploaded file (see ``BackupNaming``)."""
    naming = device.config.backup_naming
    if naming is BackupNaming.FILE_ID:
        return planned.file_id
    if naming is BackupNaming.DOMAIN_PATH:
        return f"{planned.spec.domain}-{planned.spec.relative_path}"
    return planned.device_name


def _backup(device: SimulatedIphone, channel: Channel, target: str) -> None:
    plan: PlannedBackup = device.plan_backup()
    channel.send_plist(["DLMessageGetFreeDiskSpace"], binary=True)
    _await_status(channel)
    prefixes = sorted({planned.file_id[:2] for planned in plan.files})
    for prefix in prefixes:
        channel.send_plist(["DLMessageCreateDirectory", f"{target}/{prefix}", 0.0], binary=True)
        _await_status(channel)
    uploads: list[tuple[str, str, bytes]] = [
        (_announced_name(device, planned), f"{target}/{planned.stored_name}", planned.stored_bytes)
        for planned in plan.files
    ]
    uploads += [
        (f"/var/mobile/Library/Backup/{name}", f"{target}/{name}", data)
        for name, data in plan.metadata_files()
    ]
    channel.send_plist(["DLMessageUploadFiles", {}, 10.0], binary=True)
    for device_name, file_name, data in uploads:
        stream = bytearray(_prefixed(device_name) + _prefixed(file_name))
        for offset in range(0, len(data), _CHUNK_BYTES):
            chunk = data[offset : offset + _CHUNK_BYTES]
            stream += struct.pack(">IB", len(chunk) + 1, _CODE_FILE_DATA) + chunk
        stream += struct.pack(">IB", 1, _CODE_SUCCESS)
        channel.send(bytes(stream))
        device.log.add(RequestLogEntry("mobilebackup2", "UploadFile", path=device_name, bytes_sent=len(data)))
    channel.send(b"\x00\x00\x00\x00")
    _await_status(channel)
    channel.send_plist(["DLMessageProcessMessage", {"ErrorCode": 0, "Content": ""}], binary=True)
