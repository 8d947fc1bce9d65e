"""The one small protocol every source implements: list, stat, read a range, hash, (run a command).

Device paths are POSIX strings as the device reports them. They are never used as local file paths.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
    # The canonical model name (``iPhone 8`` for ProductType ``iPhone10,4``), see ``extractor.device_models``.
    model_name: str | None = None
    # Facts the device did not give (codes of the catalogue group ``device_fact_missing``: ``serial``,
    # ``os_version``, ``timezone``, ``model``); the job records them and goes on.
    missing: tuple[str, ...] = ()


class ByteWriter(Protocol):
    """Where a streamed file goes (a file, or a writer that hashes as it writes)."""

    def write(self, data: bytes, /) -> int: ...


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


@dataclass(frozen=True, slots=True)
class HeadRead:
    """The leading bytes of one file, its size and its whole-file SHA-256 as computed on the device."""

    path: str
    head: bytes | None  # None: the file could not be read
    size: int | None
    sha256_whole: str | None
    error: str | None = None


@runtime_checkable
class HeadBatchSource(Protocol):
    """Optional: read the heads of many files per round-trip (the runner uses it when present)."""

    def read_heads(self, paths: Sequence[str], head_bytes: int) -> Iterator[HeadRead]: ...


def _same_name(expected: str, actual: str | None) -> bool:
    """Names as a person registered them against what the device reports, case- and space-insensitive; a
    registered model may be the shorter form of the reported one ("Pixel 4a" for "Pixel 4a (5G)")."""
    want = " ".join(expected.split()).casefold()
    have = " ".join((actual or "").split()).casefold()
    return bool(have) and (want == have or want in have or have in want)


def ensure_registered_device(
    identity: DeviceIdentity,
    *,
    serial: str | None = None,
    model: str | None = None,
    manufacturer: str | None = None,
) -> list[str]:
    """Raise ``IdentityMismatch`` when the device is not the one registered for the case; return the
    discrepancies that do not make it another device (to be recorded on the job).

    The serial number decides when both sides know it (case-insensitive): a different serial is another
    device. Model and manufacturer, as an officer wrote them from the phone's label, decide only when no serial
    can be compared; beside a matching serial a different model is a clerical discrepancy, returned as a note.
    A fact the device does not report is not a mismatch.
    """
    from extractor.errors import IdentityMismatch

    def refuse(label: str, actual: str | None, expected: str) -> IdentityMismatch:
        return IdentityMismatch(
            f"The connected device's {label} is {actual!r}, but the case registered {expected!r}. "
            "Check the seal and that the right device is connected; do not extract from another "
            "person's device."
        )

    serial_compared = bool(serial and identity.serial)
    if serial and identity.serial and serial.strip().casefold() != identity.serial.strip().casefold():
        raise refuse("serial number", identity.serial, serial)
    notes: list[str] = []
    from extractor.device_models import same_model

    for label, expected, actual in (
        ("model", model, identity.model),
        ("manufacturer", manufacturer, identity.manufacturer),
    ):
        if label == "model" and expected and actual:
            # "iPhone 8" as registered is ProductType "iPhone10,4"; "SAMSUNG SM-A525F" is "samsung" "SM-A525F"
            if same_model(
                manufacturer or identity.manufacturer or "", expected, identity.manufacturer or "", actual
            ):
                continue
        if expected and actual and not _same_name(expected, actual):
            if not serial_compared:
                raise refuse(label, actual, expected)
            notes.append(
                f"the device reports {label} {actual!r}, the case registered {expected!r} "
                "(the serial number matches)"
            )
    return notes
