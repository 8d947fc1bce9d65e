"""Unit tests of the ADB wire format used by the simulated phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from adb_shell.auth.sign_cryptography import CryptographySigner

from extractor.simulator import adb_protocol as proto


def test_checksum_is_the_byte_sum_for_small_and_large_payloads() -> None:
    small = bytes(range(256))
    large = os.urandom(100_000)
    assert proto.checksum(small) == sum(small)
    assert proto.checksum(large) == sum(large) & 0xFFFFFFFF


def test_header_round_trip_and_bad_magic() -> None:
    packed = proto.Message(proto.Command.WRTE, 7, 9, b"hello").pack()
    header = proto.unpack_header(packed[:24], max_payload=4096)
    assert (header.command, header.arg0, header.arg1, header.data_length) == (proto.Command.WRTE, 7, 9, 5)
    assert header.data_checksum == sum(b"hello")
    broken = packed[:20] + b"\x00\x00\x00\x00"
    with pytest.raises(proto.ProtocolError, match="magic"):
        proto.unpack_header(broken, max_payload=4096)


def test_android_public_key_decodes_and_verifies_adb_shell_signatures(station_key_dir: Path) -> None:
    signer = CryptographySigner(str(station_key_dir / "adbkey"))
    public_key = proto.decode_android_public_key(signer.GetPublicKey() + b"\x00")
    assert public_key.public_numbers() == signer.rsa_key.public_key().public_numbers()
    token = os.urandom(proto.AUTH_TOKEN_SIZE)
    assert proto.verify_token_signature(public_key, token, signer.Sign(token))
    assert not proto.verify_token_signature(public_key, os.urandom(proto.AUTH_TOKEN_SIZE), signer.Sign(token))


def test_service_parsing_and_banner() -> None:
    assert proto.parse_service(b"shell,v2,raw:getprop ro.serialno\x00") == (
        "shell",
        ("v2", "raw"),
        b"getprop ro.serialno",
    )
    assert proto.parse_service(b"sync:\x00") == ("sync", (), b"")
    banner = proto.device_banner({"ro.product.model": "SM-A525F"}, ("shell_v2", "stat_v2"))
    assert banner.startswith(b"device::") and b"ro.product.model=SM-A525F" in banner
    assert banner.endswith(b"features=shell_v2,stat_v2")


def test_sync_structures_have_protocol_sizes() -> None:
    info = proto.FileStat(mode=0o100644, size=5, mtime_s=1)
    assert len(proto.pack_stat_v2(proto.ID_STA2, info)) == 72
    assert len(proto.pack_dent_v2(b"ab", info)) == 76 + 2
    assert len(proto.pack_dent_v1(b"ab", info)) == 20 + 2
    assert len(proto.pack_list_done(2)) == 76 and len(proto.pack_list_done(1)) == 20
