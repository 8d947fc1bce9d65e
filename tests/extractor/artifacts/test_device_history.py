"""Device-history signals (LEGAL 16): parsers on real-looking outputs, garbage, and the data-start rules."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from extractor.artifacts.android.device_history import (
    SETUP_WIZARD_COMMAND,
    STAT_COMMAND,
    device_history_signals,
    parse,
)
from extractor.artifacts.common.parse_summary import collect
from extractor.artifacts.spec import AcquiredItem, ParseContext, Platform
from extractor.history_signals import Confidence, DeviceHistorySignal, SignalKind, data_start_signals
from extractor.simulator.adb_commands import DeviceState, Shell
from extractor.simulator.adb_filesystem import PhoneFilesystem
from extractor.simulator.phone_builder import build_phone

AMSTERDAM = ParseContext(device_timezone=ZoneInfo("Europe/Amsterdam"), platform=Platform.ANDROID)


def item(command: str, text: str | bytes) -> AcquiredItem:
    data = text.encode() if isinstance(text, str) else text
    return AcquiredItem(
        device_path="cmd:" + command,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime=None,
        opener=lambda: io.BytesIO(data),
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- stat -------------------------------------------------------------------------------------------------


def test_toybox_stat_without_birth_time_gives_a_low_confidence_last_change() -> None:
    output = "? 1708844400 /sdcard/Android\n? 1708851600 /sdcard/DCIM\n"
    (signal,) = device_history_signals(item(STAT_COMMAND, output), AMSTERDAM)
    assert signal.kind is SignalKind.STORAGE_INITIALISED and signal.confidence is Confidence.LOW
    assert signal.time_utc == utc("2024-02-25 07:00:00")  # the earlier of the two
    assert "/sdcard/Android" in signal.evidence and "last-change" in signal.evidence
    assert "last changed" in signal.note_en and "laatst gewijzigd" in signal.note_nl


def test_gnu_stat_birth_time_is_preferred_and_medium_confidence() -> None:
    output = "1708844000 1712000000 /sdcard/Android\n1708845000 1708851600 /sdcard/DCIM\n"
    (signal,) = device_history_signals(item(STAT_COMMAND, output), AMSTERDAM, clock_offset_s=600)
    assert signal.confidence is Confidence.MEDIUM
    assert signal.time_utc == datetime.fromtimestamp(1708844000 - 600, tz=UTC)  # corrected by the offset
    assert (
        "birth time" in signal.evidence and "2024-02-25" in signal.note_en and "2024-02-25" in signal.note_nl
    )


@pytest.mark.parametrize(
    "output",
    [
        "0 1708844400 /sdcard/Android\n",  # GNU stat: birth time unknown
        "- 1708844400 /sdcard/Android\n",
        "? 1708844400 /sdcard/Android\nstat: '/sdcard/DCIM': No such file or directory\n",
    ],
)
def test_unknown_birth_time_falls_back_to_the_last_change(output: str) -> None:
    (signal,) = device_history_signals(item(STAT_COMMAND, output), AMSTERDAM)
    assert signal.confidence is Confidence.LOW and signal.time_utc == utc("2024-02-25 07:00:00")


@pytest.mark.parametrize(
    "output",
    [
        b"",
        b"/system/bin/sh: stat: inaccessible or not found\n",
        b"? 0 /sdcard/Android\n? 1230768000 /sdcard/DCIM\n",  # 1970 and 2009: a clock that was not set
        b"\xff\xfe garbage \x00 1708844400\n",
        b"? notanumber /sdcard/Android\n",
    ],
)
def test_garbage_or_implausible_stat_gives_no_signal(output: bytes) -> None:
    assert device_history_signals(item(STAT_COMMAND, output), AMSTERDAM) == []


# --- dumpsys package --------------------------------------------------------------------------------------

ANDROID_14 = """Packages:
  Package [com.google.android.setupwizard] (8e3c2f1):
    userId=10123
    timeStamp=2008-12-31 16:00:00
    lastUpdateTime=2023-06-01 10:00:00
    User 0: ceDataInode=2162 installed=true hidden=false
      installReason=0
      firstInstallTime=2024-02-24 14:02:11
      uninstallReason=0

Hidden system packages:
  Package [com.google.android.setupwizard] (1a2b3c4):
    userId=10123
    timeStamp=2008-12-31 16:00:00
    User 0: ceDataInode=0 installed=true
      firstInstallTime=2009-01-01 08:00:00

Dexopt state:
  [com.google.android.setupwizard]
"""

ANDROID_9 = """Packages:
  Package [com.android.vending] (11aa22b):
    firstInstallTime=2023-01-01 00:00:00
  Package [com.google.android.setupwizard] (5c6d7e8):
    versionCode=2617 minSdk=28 targetSdk=28
    timeStamp=2008-12-31 16:00:00
    firstInstallTime=2024-07-30 23:30:00
    lastUpdateTime=2024-07-30 23:30:00
    User 0: ceDataInode=1234 installed=true hidden=false suspended=false stopped=false
"""


def test_setup_wizard_first_install_per_user_android_14() -> None:
    (signal,) = device_history_signals(item(SETUP_WIZARD_COMMAND, ANDROID_14), AMSTERDAM)
    assert signal.kind is SignalKind.FIRST_BOOT and signal.confidence is Confidence.MEDIUM
    assert signal.time_utc == utc("2024-02-24 13:02:11")  # CET is UTC+1; the 2009 stamp is ignored
    assert "firstInstallTime" in signal.evidence
    assert "reset" in signal.note_en and "gereset" in signal.note_nl


def test_setup_wizard_package_level_android_9_ignores_other_packages() -> None:
    (signal,) = device_history_signals(item(SETUP_WIZARD_COMMAND, ANDROID_9), AMSTERDAM, clock_offset_s=-3600)
    assert signal.time_utc == utc("2024-07-30 22:30:00")  # CEST UTC+2, device clock an hour slow


@pytest.mark.parametrize(
    "output",
    [
        "Dexopt state:\n  Unable to find package: com.google.android.setupwizard\n",  # no Google services
        "Packages:\n  Package [com.google.android.setupwizard] (1):\n    firstInstallTime=2009-01-01 08:00:00\n",
        "Packages:\n  Package [com.google.android.setupwizard] (1):\n    firstInstallTime=2024-13-45 99:00:00\n",
        "Packages:\n  Package [com.other.app] (1):\n    firstInstallTime=2024-02-24 14:02:11\n",
    ],
)
def test_missing_or_implausible_first_install_gives_no_signal(output: str) -> None:
    assert device_history_signals(item(SETUP_WIZARD_COMMAND, output), AMSTERDAM) == []


def test_local_times_need_the_device_zone() -> None:
    assert device_history_signals(item(SETUP_WIZARD_COMMAND, ANDROID_14), ParseContext()) == []


def test_parse_yields_no_records_and_counts_signals() -> None:
    records, summary = collect(parse(item(SETUP_WIZARD_COMMAND, ANDROID_14), AMSTERDAM))
    assert records == [] and summary is not None and summary.rows_read == 1


def test_signal_round_trips_through_json() -> None:
    (signal,) = device_history_signals(item(SETUP_WIZARD_COMMAND, ANDROID_14), AMSTERDAM)
    assert DeviceHistorySignal.from_dict(signal.to_dict()) == signal


# --- the simulated phone, through its shell ---------------------------------------------------------------


@pytest.mark.parametrize("reset_at_stay", [None, 4])
def test_simulated_phone_shows_its_setup(tmp_path, reset_at_stay) -> None:  # noqa: ANN001
    import json

    phone = build_phone(
        tmp_path, photos=30, timeline_points=100, seed=4, clock_offset_s=1800, reset_at_stay=reset_at_stay
    )
    device = json.loads((phone.simulator_dir / "device.json").read_text())
    shell = Shell(
        PhoneFilesystem(phone.device_root),
        DeviceState(device["properties"], phone.simulator_dir, 1800, device["boot_time_utc_s"]),
    )
    signals = []
    for command in (STAT_COMMAND, SETUP_WIZARD_COMMAND):
        output = bytes(shell.run(command.encode()).stdout)
        signals += device_history_signals(item(command, output), AMSTERDAM, clock_offset_s=1800)
    kinds = {s.kind: s.time_utc for s in signals}
    assert phone.setup_utc is not None
    assert kinds[SignalKind.STORAGE_INITIALISED] == phone.setup_utc
    assert kinds[SignalKind.FIRST_BOOT] == phone.setup_utc - timedelta(minutes=20)
    if reset_at_stay is None:
        assert phone.reset_utc is None and phone.setup_utc < phone.stays[0].start_utc
    else:
        assert phone.reset_utc == phone.setup_utc
        assert phone.stays[reset_at_stay].start_utc < phone.setup_utc < phone.stays[reset_at_stay].end_utc
        assert phone.photos and min(p.time_utc for p in phone.photos if p.own) >= phone.reset_utc
        assert phone.timeline_start_utc == phone.reset_utc


# --- data starts abruptly ---------------------------------------------------------------------------------


def test_records_right_after_setup_start_abruptly() -> None:
    (signal,) = data_start_signals(
        first_own_record_utc=utc("2024-05-07 09:00"),
        oldest_file_time_utc=utc("2024-05-07 09:00"),
        window_start_utc=utc("2024-01-01 00:00"),
        setup_times_utc=[utc("2024-05-06 16:40")],
    )
    assert signal.kind is SignalKind.DATA_STARTS and signal.time_utc == utc("2024-05-07 09:00")
    assert "right after" in signal.note_en and "direct na" in signal.note_nl


def test_records_long_after_the_oldest_file_start_abruptly() -> None:
    (signal,) = data_start_signals(
        first_own_record_utc=utc("2024-06-01 00:00"),
        oldest_file_time_utc=utc("2024-03-01 00:00"),
        window_start_utc=utc("2024-01-01 00:00"),
    )
    assert "92 days" in signal.note_en and "92 dagen" in signal.note_nl


@pytest.mark.parametrize(
    ("first", "oldest", "window", "setups"),
    [
        ("2024-03-02 00:00", "2024-03-01 00:00", "2024-01-01 00:00", ()),  # data from the first file on
        ("2024-01-02 00:00", "2020-01-01 00:00", "2024-01-01 00:00", ()),  # the window cut older data
        ("2024-03-02 00:00", None, None, ()),  # nothing to compare with
        ("2024-03-02 00:00", "2024-03-01 00:00", None, ("2024-01-01 00:00",)),  # set up two months before
        (
            "2024-01-02 00:00",
            "2024-01-01 00:00",
            "2024-01-01 12:00",
            ("2023-12-31 00:00",),
        ),  # set-up < window
    ],
)
def test_no_abrupt_start_when_nothing_says_so(first, oldest, window, setups) -> None:  # noqa: ANN001
    assert (
        data_start_signals(
            first_own_record_utc=utc(first),
            oldest_file_time_utc=utc(oldest) if oldest else None,
            window_start_utc=utc(window) if window else None,
            setup_times_utc=[utc(s) for s in setups],
        )
        == []
    )


def test_no_records_no_sign() -> None:
    assert (
        data_start_signals(first_own_record_utc=None, oldest_file_time_utc=None, window_start_utc=None) == []
    )
