"""Fixtures for device-level extractor tests: built phones, running ADB simulators, the station key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from extractor.simulator.adb_server import RunningSimulator, SimulatorConfig, start_adb_simulator
from extractor.simulator.phone_builder import PhoneManifest, build_phone
from extractor.sources.android import station_signer

SMALL_PHOTOS = 60
SMALL_TIMELINE_POINTS = 400
CLOCK_OFFSET_S = 5400.0  # the "wrong clock" phone runs 1.5 h fast


@pytest.fixture(scope="session")
def station_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key_dir = tmp_path_factory.mktemp("station-key")
    station_signer(key_dir)
    return key_dir


@pytest.fixture(scope="session")
def small_phone(tmp_path_factory: pytest.TempPathFactory) -> PhoneManifest:
    return build_phone(
        tmp_path_factory.mktemp("phone-small"),
        photos=SMALL_PHOTOS,
        timeline_points=SMALL_TIMELINE_POINTS,
        seed=11,
    )


@pytest.fixture(scope="session")
def fast_clock_phone(tmp_path_factory: pytest.TempPathFactory) -> PhoneManifest:
    return build_phone(
        tmp_path_factory.mktemp("phone-fast-clock"),
        photos=SMALL_PHOTOS,
        timeline_points=SMALL_TIMELINE_POINTS,
        seed=11,
        clock_offset_s=CLOCK_OFFSET_S,
        symlink_loop=True,
    )


@pytest.fixture
def start_simulator() -> Iterator[Callable[..., RunningSimulator]]:
    """Start simulators on free loopback ports; all are stopped after the test."""
    running: list[RunningSimulator] = []

    def start(phone: PhoneManifest, config: SimulatorConfig | None = None) -> RunningSimulator:
        simulator = start_adb_simulator(phone.root, port=0, config=config)
        running.append(simulator)
        return simulator

    yield start
    for simulator in running:
        simulator.stop()


@pytest.fixture
def simulator(
    small_phone: PhoneManifest, start_simulator: Callable[..., RunningSimulator]
) -> RunningSimulator:
    return start_simulator(small_phone)
