"""The simulated iPhone validated with pymobiledevice3's own command-line client, as an officer would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.simulator.ios_phone_builder import BuiltIphoneMedia

pytestmark = pytest.mark.device


def _cli(args: list[str], *, socket_path: Path, home: Path) -> str:
    env = dict(os.environ, USBMUXD_SOCKET_ADDRESS=str(socket_path), HOME=str(home), NO_COLOR="1")
    completed = subprocess.run(
        [sys.executable, "-m", "pymobiledevice3", "--no-color", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def test_official_cli_lists_pairs_reads_identity_and_lists_afc(
    start_sim, iphone_media: BuiltIphoneMedia, short_dir
):
    simulator = start_sim(device_name="Officer Test Phone")
    home = short_dir / "home"
    home.mkdir()

    devices = json.loads(_cli(["usbmux", "list"], socket_path=simulator.socket_path, home=home))
    assert [d["Identifier"] for d in devices] == [simulator.udid]
    assert devices[0]["ConnectionType"] == "USB"

    info = json.loads(_cli(["lockdown", "info"], socket_path=simulator.socket_path, home=home))
    assert info["UniqueDeviceID"] == simulator.udid
    assert info["DeviceName"] == "Officer Test Phone"
    assert info["TimeZone"] == "Europe/Athens"
    assert "TimeIntervalSince1970" in info  # only answered inside a TLS session, i.e. pairing worked
    assert any(e.operation == "Pair" for e in simulator.requests.entries("lockdownd"))

    listing = _cli(["afc", "ls", "/DCIM/100APPLE"], socket_path=simulator.socket_path, home=home).split()
    expected = sorted(photo.device_path for photo in iphone_media.photos)
    assert listing[0] == "/DCIM/100APPLE"  # the CLI prints the folder first, then its entries
    assert sorted(listing[1:]) == expected
