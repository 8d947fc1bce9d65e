"""Fixtures for the simulated iPhone: a media folder with ground truth, and simulators with a short socket path."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from extractor.simulator.ios_phone_builder import BuiltIphoneMedia, build_iphone_media
from extractor.simulator.iphone import IphoneSimulatorConfig, RunningIphoneSimulator, start_iphone_simulator
from extractor.sources.ios import IphoneConnectionSettings, LiveIphone


@pytest.fixture(scope="session")
def iphone_media(tmp_path_factory: pytest.TempPathFactory) -> BuiltIphoneMedia:
    return build_iphone_media(tmp_path_factory.mktemp("iphone") / "Media")


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """Unix socket paths must stay under ~100 bytes, so not under pytest's long tmp_path."""
    directory = Path(tempfile.mkdtemp(prefix="ios-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


StartSimulator = Callable[..., RunningIphoneSimulator]


@pytest.fixture
def start_sim(
    iphone_media: BuiltIphoneMedia, short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StartSimulator]:
    running: list[RunningIphoneSimulator] = []

    def start(**config_fields: object) -> RunningIphoneSimulator:
        socket_path = short_dir / f"mux{len(running)}.sock"
        simulator = start_iphone_simulator(
            iphone_media.root,
            socket_path,
            config=IphoneSimulatorConfig(**config_fields),  # type: ignore[arg-type]
        )
        monkeypatch.setenv("USBMUXD_SOCKET_ADDRESS", str(socket_path))
        running.append(simulator)
        return simulator

    yield start
    for simulator in running:
        simulator.stop()


@pytest.fixture
def connect(short_dir: Path) -> Iterator[Callable[..., LiveIphone]]:
    opened: list[LiveIphone] = []

    def open_phone(simulator: RunningIphoneSimulator, **settings: object) -> LiveIphone:
        phone = LiveIphone(
            IphoneConnectionSettings(
                pair_records_dir=short_dir / "pair-records",
                usbmux_address=str(simulator.socket_path),
                timeout_s=10.0,
                **settings,  # type: ignore[arg-type]
            )
        )
        opened.append(phone)
        return phone

    yield open_phone
    for phone in opened:
        phone.close()
