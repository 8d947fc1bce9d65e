"""Fixtures for offline-input sources: a small phone tree and iOS backup folders built in code."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.simulator.ios_backup_builder import (
    BackupFileSpec,
    BackupIdentity,
    default_home_files,
    media_folder_files,
)
from extractor.simulator.ios_phone_builder import BuiltIphoneMedia, build_iphone_media

UDID = "00008110-001A2B3C4D5E801E"


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> BuiltIphoneMedia:
    return build_iphone_media(tmp_path_factory.mktemp("offline") / "Media")


@pytest.fixture(scope="session")
def backup_files(media: BuiltIphoneMedia) -> list[BackupFileSpec]:
    return media_folder_files(media.root) + default_home_files()


@pytest.fixture(scope="session")
def identity() -> BackupIdentity:
    return BackupIdentity(udid=UDID, device_name="Amina's iPhone")


@pytest.fixture
def phone_tree(tmp_path: Path) -> Path:
    """A prior logical extraction laid out as a phone tree."""
    root = tmp_path / "tree"
    (root / "sdcard/DCIM/Camera").mkdir(parents=True)
    (root / "sdcard/DCIM/Camera/IMG_1.jpg").write_bytes(b"\xff\xd8" + bytes(range(256)) * 40)
    (root / "sdcard/Download").mkdir(parents=True)
    (root / "sdcard/Download/Timeline.json").write_text('{"semanticSegments": []}')
    return root
