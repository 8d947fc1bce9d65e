"""The simulated phone against real clients: the adb-shell library and Debian's official ``adb``."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from adb_shell.adb_device import AdbDeviceTcp
from adb_shell.auth.sign_cryptography import CryptographySigner

from extractor.simulator.adb_server import RunningSimulator, SimulatorConfig
from extractor.simulator.phone_builder import CAMERA_DIR, PhoneManifest

pytestmark = pytest.mark.device


def _client(simulator: RunningSimulator, key_dir: Path) -> AdbDeviceTcp:
    device = AdbDeviceTcp("127.0.0.1", simulator.port, default_transport_timeout_s=5)
    device.connect(rsa_keys=[CryptographySigner(str(key_dir / "adbkey"))], auth_timeout_s=5)
    return device


def test_adb_shell_client_shell_list_stat_and_pull(
    simulator: RunningSimulator, small_phone: PhoneManifest, station_key_dir: Path
) -> None:
    device = _client(simulator, station_key_dir)
    try:
        assert device.shell("getprop ro.product.model").strip() == small_phone.model
        assert f"[ro.serialno]: [{small_phone.serial}]" in device.shell("getprop")
        photo = small_phone.photos[0].device_path
        names = {bytes(f.filename) for f in device.list(CAMERA_DIR)}
        assert photo.rsplit("/", 1)[1].encode() in names
        host_bytes = small_phone.host_path(photo).read_bytes()
        mode, size, _mtime = device.stat(photo)
        assert size == len(host_bytes) and mode & 0o170000 == 0o100000
        buffer = io.BytesIO()
        device.pull(photo.replace("/storage/emulated/0", "/sdcard"), buffer)
        assert buffer.getvalue() == host_bytes
        assert device.exec_out("head -c 4 " + photo, decode=False) == host_bytes[:4]
    finally:
        device.close()
    services = [r.service for r in simulator.requests]
    assert "sync:RECV" in services and "sync:LIST" in services and "exec" in services


def test_known_key_is_accepted_by_signature_without_a_prompt(
    small_phone: PhoneManifest, start_simulator: Callable[..., RunningSimulator], station_key_dir: Path
) -> None:
    public_key = (station_key_dir / "adbkey.pub").read_bytes()
    config = SimulatorConfig(accept_new_keys=False, authorized_keys=(public_key,))
    simulator = start_simulator(small_phone, config)
    device = _client(simulator, station_key_dir)
    assert device.shell("date +%s").strip().isdigit()
    device.close()
    assert [r.argument for r in simulator.requested("AUTH")] == ["signature accepted"]


def test_hostile_names_are_served_as_raw_bytes(
    small_phone: PhoneManifest,
    start_simulator: Callable[..., RunningSimulator],
    station_key_dir: Path,
    tmp_path: Path,
) -> None:
    log_path = tmp_path / "requests.jsonl"
    simulator = start_simulator(small_phone, SimulatorConfig(hostile_names=True, request_log_path=log_path))
    device = _client(simulator, station_key_dir)
    names = {bytes(f.filename) for f in device.list(CAMERA_DIR)}
    device.close()
    assert b"../../etc/x.jpg" in names and b"line\nbreak.jpg" in names
    assert b"bad-\xff\xfe-utf8.jpg" in names and any(len(n) > 4000 for n in names)
    assert '"sync:LIST"' in log_path.read_text("utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(
    shutil.which("adb") is None, reason="Debian package 'adb' is not installed (.ci/apt-packages.txt)"
)
def test_official_adb_client_connects_runs_shell_and_pulls(
    small_phone: PhoneManifest, start_simulator: Callable[..., RunningSimulator], tmp_path: Path
) -> None:
    simulator = start_simulator(small_phone)
    home = tmp_path / "home"
    home.mkdir()
    server_port = _free_port()
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ANDROID_ADB_SERVER_PORT": str(server_port),
    }
    adb = shutil.which("adb") or "adb"
    serial = simulator.serial

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [adb, "-P", str(server_port), *args], env=env, capture_output=True, text=True, timeout=60
        )

    try:
        connected = run("connect", serial)
        assert "connected" in connected.stdout or "authenticate" in connected.stdout, connected
        devices = run("devices")
        assert f"{serial}\tdevice" in devices.stdout, devices
        model = run("-s", serial, "shell", "getprop", "ro.product.model")
        assert model.returncode == 0 and model.stdout.strip() == small_phone.model, model
        target = tmp_path / "pulled"
        pulled = run("-s", serial, "pull", "/sdcard/DCIM/Camera", str(target))
        assert pulled.returncode == 0, pulled
        camera_host = small_phone.host_path(CAMERA_DIR)
        expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in camera_host.iterdir()}
        got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in target.iterdir()}
        assert got == expected and len(got) > 10
    finally:
        run("kill-server")
    services = {r.service for r in simulator.requests}
    assert {"sync:STA2", "sync:RECV"} <= services
    assert simulator.requested("CNXN")[0].argument.startswith("host::features=")
