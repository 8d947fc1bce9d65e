"""The one small protocol every source implements: list, stat, read a range, hash, (run a command).

Device paths are POSIX strings as the device reports them. They are never used as local file paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class SourceEntry:
    path: str
    size: int | None
    mtime: datetime | None
    is_dir: bool = False
    is_symlink: bool = False


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    platform: str  # "android" | "ios" | "offline"
    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    os_version: str | None = None
    build: str | None = None
    timezone: str | None = None
    extra: tuple[tuple[str, str], ...] = ()


@runtime_checkable
class Source(Protocol):
    """A place to acquire from: a live phone, a backup, an archive, a folder."""

    method: str  # short description for custody, e.g. "adb-shell 0.4.4 over TCP"

    def list_dir(self, path: str) -> Iterator[SourceEntry]: ...

    def stat(self, path: str) -> SourceEntry | None: ...

    def read_range(self, path: str, offset: int, length: int) -> bytes: ...

    def sha256(self, path: str) -> str | None:
        """Whole-file SHA-256 computed at the source (on the device), or None where unsupported."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class CommandSource(Source, Protocol):
    """A source that can also run read-only commands (Android shell)."""

    def run_command(self, command: str) -> bytes: ...


MAX_WALK_ENTRIES = 2_000_000
MAX_WALK_DEPTH = 40


def walk(source: Source, root: str, *, max_depth: int = MAX_WALK_DEPTH) -> Iterator[SourceEntry]:
    """Depth-first walk that never follows symlinked directories and never revisits a path.

    Bounded in depth and entry count so that a symlink loop or a hostile tree cannot hang a station.
    """
    seen: set[str] = set()
    stack: list[tuple[str, int]] = [(root.rstrip("/") or "/", 0)]
    count = 0
    while stack:
        directory, depth = stack.pop()
        if directory in seen or depth > max_depth:
            continue
        seen.add(directory)
        for entry in source.list_dir(directory):
            count += 1
            if count > MAX_WALK_ENTRIES:
                return
            if entry.is_dir and not entry.is_symlink:
                stack.append((entry.path, depth + 1))
            elif not entry.is_dir:
                yield entry
