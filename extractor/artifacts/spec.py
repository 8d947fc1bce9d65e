"""Declarative description of an artifact and the registry of all artifacts.

One artifact = one module under ``extractor/artifacts/<platform>/`` declaring a frozen ``SPEC`` and a pure
``parse(item, ctx)`` that yields ``LocationRecord``s from bytes already acquired (never from a live device).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import BinaryIO, Protocol

from extractor.records import LocationRecord


class Platform(enum.StrEnum):
    ANDROID = "android"
    IOS = "ios"
    ANY = "any"  # offline exports that may come from either


class DataCategory(enum.StrEnum):
    """Data categories an authorisation can put in scope. Policy decides which are allowed at all."""

    LOCATION = "location"  # location histories, last known fixes
    PHOTO_METADATA = "photo_metadata"  # EXIF / media database rows; never pixels
    DEVICE_TIME = "device_time"  # device clock and time zone
    DEVICE_IDENTITY = "device_identity"  # model, serial, OS version
    DEVICE_HISTORY = "device_history"  # first boot, resets, account changes (signs of a second-hand phone)
    # Categories that exist only to be refused: never acquirable, whatever a policy says.
    MESSAGE_CONTENT = "message_content"
    CONTACTS = "contacts"
    PHOTO_CONTENT = "photo_content"


NEVER_ACQUIRABLE: frozenset[DataCategory] = frozenset(
    {DataCategory.MESSAGE_CONTENT, DataCategory.CONTACTS, DataCategory.PHOTO_CONTENT}
)


class AcquireMode(enum.StrEnum):
    WHOLE = "whole"  # copy the whole file
    HEAD = "head"  # copy only the leading ``head_bytes`` (metadata-only), hash the whole file at the source
    COMMAND = "command"  # output of a shell command (Android dumpsys, content query)


@dataclass(frozen=True, slots=True)
class ArtifactSpec:
    id: str  # "android.dcim_exif"
    title: str
    platform: Platform
    category: DataCategory
    path_globs: tuple[str, ...] = ()  # device paths, POSIX globs with ** (e.g. "/sdcard/DCIM/**/*.jpg")
    commands: tuple[str, ...] = ()  # for AcquireMode.COMMAND
    mode: AcquireMode = AcquireMode.WHOLE
    head_bytes: int = 0  # for AcquireMode.HEAD
    max_file_bytes: int = 2 * 1024**3  # larger files are refused, not read
    formats: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    verified_on: tuple[str, ...] = ()  # test images / fixtures and the row counts they gave
    companion_suffixes: tuple[str, ...] = ()  # e.g. ("-wal", "-shm") for SQLite


@dataclass(frozen=True, slots=True)
class AcquiredItem:
    """Bytes already acquired and stored, handed to a parser."""

    device_path: str
    sha256: str  # of the bytes acquired
    size: int | None  # of the whole file on the device, where known
    mtime: datetime | None
    opener: Callable[[], BinaryIO]  # opens the acquired bytes (decrypted) for streaming reads
    companions: dict[str, Callable[[], BinaryIO]] = field(default_factory=dict)  # suffix -> opener

    def open(self) -> BinaryIO:
        return self.opener()

    def read_bytes(self) -> bytes:
        with self.open() as handle:
            return handle.read()


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser may know about the device, besides the item's bytes."""

    device_timezone: tzinfo | None = None  # zone the device reported, to read naive local times
    device_make: str | None = None
    device_model: str | None = None
    platform: Platform | None = None
    anchors: dict[str, str] = field(default_factory=dict)  # e.g. elapsed-realtime anchor from dumpsys alarm


class Parser(Protocol):
    def __call__(self, item: AcquiredItem, ctx: ParseContext) -> Iterator[LocationRecord]: ...


@dataclass(frozen=True, slots=True)
class Artifact:
    spec: ArtifactSpec
    parse: Parser


class DuplicateArtifact(ValueError):
    pass


class ArtifactRegistry:
    """All known artifacts, by id. Rejects duplicate ids."""

    def __init__(self) -> None:
        self._artifacts: dict[str, Artifact] = {}

    def register(self, spec: ArtifactSpec, parse: Parser) -> Artifact:
        if spec.id in self._artifacts:
            raise DuplicateArtifact(f"artifact id {spec.id!r} is registered twice")
        if spec.category in NEVER_ACQUIRABLE:
            raise ValueError(f"artifact {spec.id!r} declares never-acquirable category {spec.category}")
        artifact = Artifact(spec=spec, parse=parse)
        self._artifacts[spec.id] = artifact
        return artifact

    def get(self, artifact_id: str) -> Artifact:
        return self._artifacts[artifact_id]

    def all(self) -> list[Artifact]:
        return sorted(self._artifacts.values(), key=lambda a: a.spec.id)

    def in_scope(self, categories: set[DataCategory], platform: Platform) -> list[Artifact]:
        """The artifacts an authorisation with these categories may touch on this platform."""
        return [
            a
            for a in self.all()
            if a.spec.category in categories and a.spec.platform in (platform, Platform.ANY)
        ]
