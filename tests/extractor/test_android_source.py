"""AdbSource (adb-shell) against the simulated phone: identity, clock, batched heads, typed errors."""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from extractor.errors import (
    DeviceDisconnected,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnauthorised,
    IdentityMismatch,
)
from extractor.simulator.adb_server import RunningSimulator, SimulatorConfig
from extractor.simulator.phone_builder import CAMERA_DIR, PhoneManifest
from extractor.sources.android import (
    UNAUTHORISED_MESSAGE,
    AdbSource,
    android_parse_context,
    quote_device_path,
)
from extractor.sources.base import ensure_registered_device
from tests.extractor.conftest import CLOCK_OFFSET_S

pytestmark = pytest.mark.device


def _connect(simulator: RunningSimulator, key_dir: Path, **kwargs: float) -> AdbSource:
    return AdbSource.connect_tcp(
        "127.0.0.1", simulator.port, key_dir=key_dir, timeout_s=3, auth_timeout_s=3, **kwargs
    )


def test_identity_and_parse_context_come_from_getprop(
    simulator: RunningSimulator, small_phone: PhoneManifest, station_key_dir: Path
) -> None:
    with _connect(simulator, station_key_dir) as source:
        identity = source.identity()
        context = android_parse_context(source, elapsed_anchor=True)
    assert (identity.manufacturer, identity.model, identity.serial) == (
        small_phone.make,
        small_phone.model,
        small_phone.serial,
    )
    assert identity.os_version == "14" and identity.timezone == small_phone.timezone
    assert identity.build == small_phone.property_map["ro.build.fingerprint"]
    assert context.device_make == "samsung" and str(context.device_timezone) == "Europe/Amsterdam"
    assert set(context.anchors) == {"android.elapsed_anchor.wall_ms", "android.elapsed_anchor.elapsed_ms"}
    ensure_registered_device(identity, serial=small_phone.serial.lower(), model=small_phone.model)
    with pytest.raises(IdentityMismatch, match="serial number"):
        ensure_registered_device(identity, serial="OTHERPHONE")


def test_clock_reading_brackets_a_wrong_device_clock(
    fast_clock_phone: PhoneManifest, start_simulator: Callable[..., RunningSimulator], station_key_dir: Path
) -> None:
    simulator = start_simulator(fast_clock_phone)
    with _connect(simulator, station_key_dir) as source:
        reading = source.read_clock()
    assert abs(reading.offset_s - CLOCK_OFFSET_S) <= reading.uncertainty_s
    assert reading.host_before <= reading.host_after and reading.device_timezone == "Europe/Amsterdam"


def test_read_heads_batches_heads_sizes_and_device_hashes(
    simulator: RunningSimulator, small_phone: PhoneManifest, station_key_dir: Path
) -> None:
    paths = [p.device_path for p in small_phone.photos] + [f"{CAMERA_DIR}/missing.jpg"]
    with _connect(simulator, station_key_dir) as source:
        source.head_batch_files = 7
        started = len(simulator.requested("exec"))
        results = list(source.read_heads(paths, 300))
        round_trips = len(simulator.requested("exec")) - started
    assert round_trips == -(-len(paths) // 7)
    for result, path in zip(results[:-1], paths[:-1], strict=True):
        data = small_phone.host_path(path).read_bytes()
        assert result.head == data[:300] and result.size == len(data)
        assert result.sha256_whole == hashlib.sha256(data).hexdigest()
    assert results[-1].head is None and results[-1].error


def test_quoting_survives_shell_metacharacters() -> None:
    assert quote_device_path("/sdcard/a b'c;$(x).jpg") == "'/sdcard/a b'\"'\"'c;$(x).jpg'"
    with pytest.raises(ValueError):
        quote_device_path("/a\x00b")


def test_refused_prompt_raises_unauthorised_with_the_officer_message(
    small_phone: PhoneManifest, start_simulator: Callable[..., RunningSimulator], tmp_path: Path
) -> None:
    simulator = start_simulator(small_phone, SimulatorConfig(accept_new_keys=False))
    with pytest.raises(DeviceUnauthorised) as raised:
        _connect(simulator, tmp_path / "fresh-key")
    assert str(raised.value) == UNAUTHORISED_MESSAGE and "accept" in UNAUTHORISED_MESSAGE
    assert (tmp_path / "fresh-key" / "adbkey").is_file()  # the station key was created on first use
    assert not simulator.requested("exec") and not simulator.requested("sync")


def test_no_device_at_the_address(station_key_dir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeviceNotFound, match="No phone answered"):
        AdbSource.connect_tcp("127.0.0.1", port, key_dir=station_key_dir, timeout_s=2)


def test_stall_becomes_a_timeout_and_drop_a_disconnect(
    small_phone: PhoneManifest, start_simulator: Callable[..., RunningSimulator], station_key_dir: Path
) -> None:
    stalled = start_simulator(small_phone, SimulatorConfig(stall_after_bytes=300))
    with _connect(stalled, station_key_dir, read_timeout_s=1.0) as source:
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            source.run_command("getprop")
        assert time.monotonic() - started < 10
        with pytest.raises(DeviceTimeout, match="lost earlier"):
            source.run_command("date +%s")
    dropped = start_simulator(small_phone, SimulatorConfig(drop_after_bytes=300))
    with _connect(dropped, station_key_dir) as source, pytest.raises(DeviceDisconnected, match="Reconnect"):
        source.run_command("getprop")
