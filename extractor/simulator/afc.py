"""Simulated AFC (Apple File Connection) over a media folder, read-only.

Packet: a 40-byte little-endian header ``magic "CFA6LPAA", entire_length, this_length, packet_num,
operation`` then the payload. Answers echo ``packet_num``; they are ``DATA`` (2) with a payload,
``FILE_OPEN_RES`` (14) with a u64 handle, ``FILE_TELL_RES`` (19), or ``STATUS`` (1) with a u64 error code.
Supported: READ_DIR, GET_FILE_INFO (``key\\0value\\0`` pairs, times in ns), GET_DEVINFO, FILE_OPEN,
READ (exactly the length asked for, so a client can read only a file's leading bytes), FILE_SEEK,
FILE_TELL, FILE_CLOSE, FILE_LOCK. Anything that would write is answered ``PERM_DENIED``, except opening
files for writing, which gives a throwaway in-memory file (the backup client opens its sync lock file
that way) — the media folder is never modified.

Every READ is logged with the path and the number of file bytes sent, so tests can prove a read was
metadata-only. On request the service drops the connection in the middle of a READ.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from extractor.simulator.ios_common import Channel, PeerClosed, RequestLogEntry

if TYPE_CHECKING:
    from extractor.simulator.iphone import SimulatedIphone

MAGIC = b"CFA6LPAA"
_HEADER = struct.Struct("<8sQQQQ")

OP_STATUS = 0x01
OP_DATA = 0x02
OP_READ_DIR = 0x03
OP_REMOVE_PATH = 0x08
OP_MAKE_DIR = 0x09
OP_GET_FILE_INFO = 0x0A
OP_GET_DEVINFO = 0x0B
OP_FILE_OPEN = 0x0D
OP_FILE_OPEN_RES = 0x0E
OP_READ = 0x0F
OP_WRITE = 0x10
OP_FILE_SEEK = 0x11
OP_FILE_TELL = 0x12
OP_FILE_TELL_RES = 0x13
OP_FILE_CLOSE = 0x14
OP_FILE_LOCK = 0x1B

ERR_SUCCESS = 0
ERR_UNKNOWN_PACKET = 6
ERR_INVALID_ARG = 7
ERR_OBJECT_NOT_FOUND = 8
ERR_OBJECT_IS_DIR = 9
ERR_PERM_DENIED = 10
ERR_OP_NOT_SUPPORTED = 15

_MODE_READ_ONLY = 1
_MAX_READ = 8 * 1024 * 1024


@dataclass
class _OpenFile:
    path: str
    handle: BinaryIO
    virtual: bool


def _cstring(payload: bytes, offset: int = 0) -> str:
    end = payload.index(b"\x00", offset) if b"\x00" in payload[offset:] else len(payload)
    return payload[offset:end].decode("utf-8", errors="surrogateescape")


class AfcSession:
    def __init__(self, device: SimulatedIphone, channel: Channel, media_root: Path) -> None:
        self.device = device
        self.channel = channel
        self.root = media_root.resolve()
        self.files: dict[int, _OpenFile] = {}
        self.next_handle = 1

    # -- paths ------------------------------------------------------------------------------------
    def _local(self, device_path: str, *, follow: bool = False) -> Path | None:
        """Map an AFC path to a path inside the media folder; None when it would leave the folder."""
        normalized = posixpath.normpath("/" + device_path.lstrip("/"))
        candidate = self.root / normalized.lstrip("/") if normalized != "/" else self.root
        checked = candidate.resolve() if follow else candidate.parent.resolve() / candidate.name
        if candidate == self.root:
            return self.root
        try:
            checked.relative_to(self.root)
        except ValueError:
            return None
        return checked if follow else candidate

    # -- framing ----------------------------------------------------------------------------------
    def _reply(self, packet_num: int, operation: int, payload: bytes = b"") -> None:
        length = _HEADER.size + len(payload)
        self.channel.send(_HEADER.pack(MAGIC, length, length, packet_num, operation) + payload)

    def _status(self, packet_num: int, code: int) -> None:
        self._reply(packet_num, OP_STATUS, struct.pack("<Q", code))

    def serve(self) -> None:
        try:
            while True:
                header = self.channel.recv_exact(_HEADER.size)
                magic, entire_length, _this_length, packet_num, operation = _HEADER.unpack(header)
                if magic != MAGIC or entire_length < _HEADER.size or entire_length > _MAX_READ + 4096:
                    return
                payload = self.channel.recv_exact(entire_length - _HEADER.size)
                self._dispatch(packet_num, operation, payload)
        except PeerClosed:
            return
        finally:
            for open_file in self.files.values():
                open_file.handle.close()

    def _dispatch(self, packet_num: int, operation: int, payload: bytes) -> None:
        handlers = {
            OP_READ_DIR: self._read_dir,
            OP_GET_FILE_INFO: self._file_info,
            OP_GET_DEVINFO: self._device_info,
            OP_FILE_OPEN: self._open,
            OP_READ: self._read,
            OP_FILE_SEEK: self._seek,
            OP_FILE_TELL: self._tell,
            OP_FILE_CLOSE: self._close,
            OP_FILE_LOCK: self._lock,
        }
        handler = handlers.get(operation)
        if handler is None:
            self.device.log.add(RequestLogEntry("afc", f"op_{operation:#x}"))
            refused = operation in (OP_REMOVE_PATH, OP_MAKE_DIR, OP_WRITE)
            self._status(packet_num, ERR_PERM_DENIED if refused else ERR_OP_NOT_SUPPORTED)
            return
        handler(packet_num, payload)

    # -- operations -------------------------------------------------------------------------------
    def _read_dir(self, packet_num: int, payload: bytes) -> None:
        path = _cstring(payload)
        self.device.log.add(RequestLogEntry("afc", "READ_DIR", path=path))
        local = self._local(path, follow=True)
        if local is None or not local.exists():
            self._status(packet_num, ERR_OBJECT_NOT_FOUND)
            return
        if not local.is_dir():
            self._status(packet_num, ERR_INVALID_ARG)
            return
        names = [".", ".."] + sorted(entry.name for entry in os.scandir(local))
        self._reply(
            packet_num, OP_DATA, b"".join(name.encode("utf-8", "surrogateescape") + b"\x00" for name in names)
        )

    def _file_info(self, packet_num: int, payload: bytes) -> None:
        path = _cstring(payload)
        self.device.log.add(RequestLogEntry("afc", "GET_FILE_INFO", path=path))
        local = self._local(path)
        if local is None or not (local.exists() or local.is_symlink()):
            self._status(packet_num, ERR_OBJECT_NOT_FOUND)
            return
        info = local.lstat()
        if stat.S_ISLNK(info.st_mode):
            kind = "S_IFLNK"
        elif stat.S_ISDIR(info.st_mode):
            kind = "S_IFDIR"
        else:
            kind = "S_IFREG"
        fields = {
            "st_size": str(info.st_size),
            "st_blocks": str((info.st_size + 511) // 512),
            "st_nlink": str(info.st_nlink),
            "st_ifmt": kind,
            "st_mtime": str(int(info.st_mtime * 1_000_000_000)),
            "st_birthtime": str(int(info.st_mtime * 1_000_000_000)),
        }
        if kind == "S_IFLNK":
            fields["LinkTarget"] = os.readlink(local)
        self._reply(
            packet_num,
            OP_DATA,
            b"".join(k.encode() + b"\x00" + v.encode() + b"\x00" for k, v in fields.items()),
        )

    def _device_info(self, packet_num: int, payload: bytes) -> None:
        self.device.log.add(RequestLogEntry("afc", "GET_DEVINFO"))
        fields = {
            "Model": self.device.config.product_type,
            "FSTotalBytes": str(128 * 1024**3),
            "FSFreeBytes": str(40 * 1024**3),
            "FSBlockSize": "4096",
        }
        self._reply(
            packet_num,
            OP_DATA,
            b"".join(k.encode() + b"\x00" + v.encode() + b"\x00" for k, v in fields.items()),
        )

    def _open(self, packet_num: int, payload: bytes) -> None:
        (mode,) = struct.unpack_from("<Q", payload)
        path = _cstring(payload, 8)
        self.device.log.add(RequestLogEntry("afc", "FILE_OPEN", path=path, detail=f"mode={mode}"))
        if mode != _MODE_READ_ONLY:
            open_file = _OpenFile(path=path, handle=io.BytesIO(), virtual=True)
        else:
            local = self._local(path, follow=True)
            if local is None or not local.exists():
                self._status(packet_num, ERR_OBJECT_NOT_FOUND)
                return
            if local.is_dir():
                self._status(packet_num, ERR_OBJECT_IS_DIR)
                return
            open_file = _OpenFile(path=path, handle=local.open("rb"), virtual=False)
        handle = self.next_handle
        self.next_handle += 1
        self.files[handle] = open_file
        self._reply(packet_num, OP_FILE_OPEN_RES, struct.pack("<Q", handle))

    def _read(self, packet_num: int, payload: bytes) -> None:
        handle, size = struct.unpack_from("<QQ", payload)
        open_file = self.files.get(handle)
        if open_file is None:
            self._status(packet_num, ERR_INVALID_ARG)
            return
        data = open_file.handle.read(min(size, _MAX_READ))
        allowed = self.device.afc_bytes_before_drop(len(data))
        self.device.log.add(
            RequestLogEntry("afc", "READ", path=open_file.path, bytes_sent=min(allowed, len(data)))
        )
        if allowed < len(data):
            # Misbehave on request: the header promises the whole chunk, then the link dies.
            length = _HEADER.size + len(data)
            partial = _HEADER.pack(MAGIC, length, length, packet_num, OP_DATA) + data[:allowed]
            self.channel.send(partial)
            self.channel.close()
            raise PeerClosed("simulated cable pull during AFC READ")
        self._reply(packet_num, OP_DATA, data)

    def _seek(self, packet_num: int, payload: bytes) -> None:
        handle, whence, offset = struct.unpack_from("<QQq", payload)
        open_file = self.files.get(handle)
        self.device.log.add(RequestLogEntry("afc", "FILE_SEEK", path=open_file.path if open_file else None))
        if open_file is None or whence not in (0, 1, 2):
            self._status(packet_num, ERR_INVALID_ARG)
            return
        open_file.handle.seek(offset, whence)
        self._status(packet_num, ERR_SUCCESS)

    def _tell(self, packet_num: int, payload: bytes) -> None:
        (handle,) = struct.unpack_from("<Q", payload)
        open_file = self.files.get(handle)
        if open_file is None:
            self._status(packet_num, ERR_INVALID_ARG)
            return
        self._reply(packet_num, OP_FILE_TELL_RES, struct.pack("<Q", open_file.handle.tell()))

    def _close(self, packet_num: int, payload: bytes) -> None:
        (handle,) = struct.unpack_from("<Q", payload)
        open_file = self.files.pop(handle, None)
        self.device.log.add(RequestLogEntry("afc", "FILE_CLOSE", path=open_file.path if open_file else None))
        if open_file is None:
            self._status(packet_num, ERR_INVALID_ARG)
            return
        open_file.handle.close()
        self._status(packet_num, ERR_SUCCESS)

    def _lock(self, packet_num: int, payload: bytes) -> None:
        (handle,) = struct.unpack_from("<Q", payload)
        self.device.log.add(RequestLogEntry("afc", "FILE_LOCK"))
        self._status(packet_num, ERR_SUCCESS if handle in self.files else ERR_INVALID_ARG)


def serve_afc(device: SimulatedIphone, channel: Channel, media_root: Path) -> None:
    AfcSession(device, channel, media_root).serve()
