"""The ADB wire protocol as a device (adbd) speaks it: messages, authentication, file sync, shell v2.

Written from the protocol description (AOSP ``protocol.txt``, ``SYNC.TXT``, ``file_sync_protocol.h``), not
from any implementation. Every integer on the wire is little-endian.

Message header (24 bytes): command, arg0, arg1, data length, data checksum (sum of the data bytes),
magic (command XOR 0xFFFFFFFF). Peers that negotiated version >= ``VERSION_SKIP_CHECKSUM`` send and expect
checksum 0; older peers (adb-shell announces ``VERSION_MIN``) verify it.
"""

from __future__ import annotations

import base64
import enum
import struct
from dataclasses import dataclass

import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

VERSION_MIN = 0x01000000
VERSION_SKIP_CHECKSUM = 0x01000001
DEVICE_VERSION = VERSION_SKIP_CHECKSUM
DEVICE_MAX_PAYLOAD = 1024 * 1024
LEGACY_MAX_PAYLOAD = 4096
HEADER_SIZE = 24
HEADER_FORMAT = "<6I"

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3
AUTH_TOKEN_SIZE = 20


def _command_id(name: bytes) -> int:
    return int.from_bytes(name, "little")


class Command(enum.IntEnum):
    SYNC = _command_id(b"SYNC")
    CNXN = _command_id(b"CNXN")
    AUTH = _command_id(b"AUTH")
    OPEN = _command_id(b"OPEN")
    OKAY = _command_id(b"OKAY")
    CLSE = _command_id(b"CLSE")
    WRTE = _command_id(b"WRTE")
    STLS = _command_id(b"STLS")


class ProtocolError(Exception):
    """The peer sent something that is not valid ADB."""


def checksum(data: bytes) -> int:
    """Sum of all bytes, modulo 2**32."""
    if len(data) < 2048:
        return sum(data) & 0xFFFFFFFF
    return int(np.frombuffer(data, dtype=np.uint8).sum(dtype=np.uint64)) & 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class Message:
    command: Command
    arg0: int
    arg1: int
    data: bytes = b""

    def pack(self, *, with_checksum: bool = True) -> bytes:
        header = struct.pack(
            HEADER_FORMAT,
            int(self.command),
            self.arg0,
            self.arg1,
            len(self.data),
            checksum(self.data) if with_checksum else 0,
            int(self.command) ^ 0xFFFFFFFF,
        )
        return header + self.data


@dataclass(frozen=True, slots=True)
class Header:
    command: Command
    arg0: int
    arg1: int
    data_length: int
    data_checksum: int


def unpack_header(raw: bytes, *, max_payload: int) -> Header:
    if len(raw) != HEADER_SIZE:
        raise ProtocolError(f"short header: {len(raw)} bytes")
    command, arg0, arg1, length, data_checksum, magic = struct.unpack(HEADER_FORMAT, raw)
    if magic != command ^ 0xFFFFFFFF:
        raise ProtocolError(f"bad magic 0x{magic:08x} for command 0x{command:08x}")
    try:
        known = Command(command)
    except ValueError as exc:
        raise ProtocolError(f"unknown command 0x{command:08x}") from exc
    if length > max_payload:
        raise ProtocolError(f"payload of {length} bytes exceeds the maximum {max_payload}")
    return Header(known, arg0, arg1, length, data_checksum)


# --- Authentication ---------------------------------------------------------------------------------------

_ANDROID_PUBKEY_WORDS = 64  # 2048-bit modulus
_ANDROID_PUBKEY_FORMAT = f"<II{_ANDROID_PUBKEY_WORDS * 4}s{_ANDROID_PUBKEY_WORDS * 4}sI"


def decode_android_public_key(blob: bytes) -> rsa.RSAPublicKey:
    """Decode the ``adbkey.pub`` format: base64 of (words, n0inv, modulus LE, rr LE, exponent), then ' user@host'."""
    text = blob.split(b"\x00", 1)[0].strip()
    encoded = text.split(b" ", 1)[0]
    try:
        raw = base64.b64decode(encoded, validate=True)
        words, _n0inv, modulus_le, _rr, exponent = struct.unpack(_ANDROID_PUBKEY_FORMAT, raw)
    except (ValueError, struct.error) as exc:
        raise ProtocolError("not an Android RSA public key") from exc
    if words != _ANDROID_PUBKEY_WORDS:
        raise ProtocolError(f"unsupported key size: {words} words")
    modulus = int.from_bytes(modulus_le, "little")
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def verify_token_signature(public_key: rsa.RSAPublicKey, token: bytes, signature: bytes) -> bool:
    """adbd treats the 20-byte token as a SHA-1 digest and checks a PKCS#1 v1.5 signature over it."""
    try:
        public_key.verify(signature, token, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_fingerprint(public_key: rsa.RSAPublicKey) -> int:
    return public_key.public_numbers().n


# --- File sync --------------------------------------------------------------------------------------------

SYNC_DATA_MAX = 64 * 1024
SYNC_MAX_PATH = 1024


def sync_id(name: bytes) -> int:
    return _command_id(name)


ID_STAT = sync_id(b"STAT")
ID_STA2 = sync_id(b"STA2")
ID_LST2 = sync_id(b"LST2")
ID_LIST = sync_id(b"LIST")
ID_LIS2 = sync_id(b"LIS2")
ID_DENT = sync_id(b"DENT")
ID_DNT2 = sync_id(b"DNT2")
ID_RECV = sync_id(b"RECV")
ID_SEND = sync_id(b"SEND")
ID_DATA = sync_id(b"DATA")
ID_DONE = sync_id(b"DONE")
ID_OKAY = sync_id(b"OKAY")
ID_FAIL = sync_id(b"FAIL")
ID_QUIT = sync_id(b"QUIT")

SYNC_REQUEST_FORMAT = "<II"  # id, path length; then the path (not NUL-terminated)
STAT_V1_FORMAT = "<IIII"  # id, mode, size, mtime
STAT_V2_FORMAT = "<IIQQIIIIQqqq"  # id, error, dev, ino, mode, nlink, uid, gid, size, atime, mtime, ctime
DENT_V1_FORMAT = "<IIIII"  # id, mode, size, mtime, name length; then the name
DENT_V2_FORMAT = "<IIQQIIIIQqqqI"  # stat v2 fields, then name length; then the name


@dataclass(frozen=True, slots=True)
class FileStat:
    mode: int
    size: int
    mtime_s: int
    ino: int = 0
    nlink: int = 1
    uid: int = 0
    gid: int = 1015  # sdcard_rw


def pack_stat_v1(stat: FileStat | None) -> bytes:
    if stat is None:
        return struct.pack(STAT_V1_FORMAT, ID_STAT, 0, 0, 0)
    return struct.pack(STAT_V1_FORMAT, ID_STAT, stat.mode, stat.size & 0xFFFFFFFF, stat.mtime_s & 0xFFFFFFFF)


def pack_stat_v2(request_id: int, stat: FileStat | None, errno_value: int = 2) -> bytes:
    if stat is None:
        return struct.pack(STAT_V2_FORMAT, request_id, errno_value, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    return struct.pack(
        STAT_V2_FORMAT,
        request_id,
        0,
        0x10304,
        stat.ino,
        stat.mode,
        stat.nlink,
        stat.uid,
        stat.gid,
        stat.size,
        stat.mtime_s,
        stat.mtime_s,
        stat.mtime_s,
    )


def pack_dent_v1(name: bytes, stat: FileStat) -> bytes:
    header = struct.pack(DENT_V1_FORMAT, ID_DENT, stat.mode, stat.size & 0xFFFFFFFF, stat.mtime_s, len(name))
    return header + name


def pack_dent_v2(name: bytes, stat: FileStat) -> bytes:
    header = struct.pack(
        DENT_V2_FORMAT,
        ID_DNT2,
        0,
        0x10304,
        stat.ino,
        stat.mode,
        stat.nlink,
        stat.uid,
        stat.gid,
        stat.size,
        stat.mtime_s,
        stat.mtime_s,
        stat.mtime_s,
        len(name),
    )
    return header + name


def pack_list_done(version: int) -> bytes:
    """End of a listing: a zeroed entry of the same layout with id DONE."""
    if version == 2:
        return struct.pack(DENT_V2_FORMAT, ID_DONE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    return struct.pack(DENT_V1_FORMAT, ID_DONE, 0, 0, 0, 0)


def pack_data(chunk: bytes) -> bytes:
    return struct.pack("<II", ID_DATA, len(chunk)) + chunk


def pack_done(value: int = 0) -> bytes:
    return struct.pack("<II", ID_DONE, value)


def pack_fail(reason: str) -> bytes:
    encoded = reason.encode("utf-8")
    return struct.pack("<II", ID_FAIL, len(encoded)) + encoded


# --- Shell protocol v2 ------------------------------------------------------------------------------------

SHELL_STDIN = 0
SHELL_STDOUT = 1
SHELL_STDERR = 2
SHELL_EXIT = 3
SHELL_CLOSE_STDIN = 4
SHELL_WINDOW_SIZE = 5


def pack_shell_packet(packet_id: int, payload: bytes) -> bytes:
    return struct.pack("<BI", packet_id, len(payload)) + payload


def parse_service(destination: bytes) -> tuple[str, tuple[str, ...], bytes]:
    """Split an OPEN destination such as ``b"shell,v2,raw:getprop"`` into ("shell", ("v2", "raw"), b"getprop")."""
    text = destination.split(b"\x00", 1)[0]
    name_part, _, argument = text.partition(b":")
    pieces = name_part.decode("latin-1").split(",")
    return pieces[0], tuple(pieces[1:]), argument


def device_banner(properties: dict[str, str], features: tuple[str, ...]) -> bytes:
    """``device::ro.product.name=...;ro.product.model=...;ro.product.device=...;features=...``."""
    parts = [
        f"{key}={properties.get(key, '')}"
        for key in ("ro.product.name", "ro.product.model", "ro.product.device")
    ]
    parts.append("features=" + ",".join(features))
    return ("device::" + ";".join(parts)).encode("utf-8")
