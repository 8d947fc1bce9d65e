"""Offline job kinds: an iOS backup folder, a prior extraction (folder/zip/tar), a Google location export.

Each input is itself an evidence item: its SHA-256 as received is taken before anything is read from it
(``Target.input_sha256``; for a folder, a digest over its sorted file list, see ``folder_sha256``). An
offline input has no live clock: ``read_clock`` gives None and device-clock times are not corrected.

The backup password (``secrets["password"]``) is handed to the backup reader once and never stored, logged
or put in a message.
"""

from __future__ import annotations

import hashlib
import re
import stat
import sys
from pathlib import Path
from typing import Any, cast

from casework.jobs.targets import Target, TargetError
from extractor.artifacts.spec import ParseContext, Platform
from extractor.errors import HostileInput, SourceFileNotFound
from extractor.sources.archive import input_sha256, open_prior_extraction
from extractor.sources.base import DeviceIdentity, Source
from extractor.sources.confined import ConfinedRoot, confine_import
from extractor.sources.ios_backup import IosBackupSource
from extractor.sources.single_file import SingleFileSource

OFFLINE_KINDS = ("ios_backup", "archive", "google_export")
_HASH_CHUNK = 1024 * 1024
_SNIFF_BYTES = 64 * 1024
_SEMANTIC_NAME = re.compile(r"^(?P<year>\d{4})_[A-Za-z]+\.json$")


def folder_sha256(root: Path | ConfinedRoot) -> str:
    """SHA-256 of a folder as an evidence item: over ``path\0size\0sha256\n`` of every file, sorted by path.

    Read beneath the folder without following links; a symbolic link is hashed as ``path\0link`` (it is
    never followed, and the readers refuse it).
    """
    confined = root if isinstance(root, ConfinedRoot) else ConfinedRoot.of(root)
    lines: list[bytes] = []
    stack = [""]
    while stack:
        directory = stack.pop()
        for name, info in confined.scan(directory):
            relative = f"{directory}/{name}" if directory else name
            encoded = relative.encode("utf-8", "surrogateescape")
            if stat.S_ISDIR(info.st_mode):
                stack.append(relative)
            elif stat.S_ISLNK(info.st_mode):
                lines.append(encoded + b"\0link")
            elif stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256()
                with confined.open(relative) as handle:  # a file with other hard links is refused
                    while chunk := handle.read(_HASH_CHUNK):
                        digest.update(chunk)
                lines.append(
                    encoded + b"\0" + str(info.st_size).encode() + b"\0" + digest.hexdigest().encode()
                )
    outer = hashlib.sha256()
    for line in sorted(lines):
        outer.update(line + b"\n")
    return outer.hexdigest()


def _input_digest(root: ConfinedRoot) -> tuple[str, str]:
    """(SHA-256, how it was computed) of the input as received."""
    if root.is_dir():
        return folder_sha256(
            root
        ), "folder digest: SHA-256 over the sorted (path, size, SHA-256) of its files"
    parent, name = _parent(root)
    return input_sha256(parent.open(name)), "SHA-256 of the file"


def _parent(root: ConfinedRoot) -> tuple[ConfinedRoot, str]:
    return ConfinedRoot(root.anchor, root.inner.parent), root.inner.name


def _input_root(params: dict[str, Any], data_dir: Path) -> ConfinedRoot:
    """The input beneath the station's import folder, checked again now: the job was created earlier, and
    the folder may have been swapped (for a symlink, say) since."""
    raw = params.get("path")
    if not raw:
        raise TargetError("an offline job needs the input's path")
    path = Path(str(raw))
    if "\x00" in str(raw):
        raise HostileInput("the input path holds a NUL byte")
    root = confine_import(path, (Path(data_dir) / "imports").resolve())
    parent, name = _parent(root)
    if not root.is_dir() and not parent.exists(name):
        raise SourceFileNotFound(f"the input {path.name!r} is no longer in the import folder")
    return root


def offline_target(kind: str, params: dict[str, Any], *, secrets: dict[str, str], data_dir: Path) -> Target:
    """Open an offline input (``params["path"]``, inside the station's import folder: checked again here)."""
    root = _input_root(params, data_dir)
    digest, digest_method = _input_digest(root)
    notes = [f"input {root.name}: {digest_method} {digest}, taken before reading it"]
    if kind == "ios_backup":
        target = _ios_backup_target(root, secrets.get("password") or None, notes)
    elif kind == "archive":
        target = _archive_target(root, notes)
    elif kind == "google_export":
        target = _google_export_target(root, notes)
    else:
        raise TargetError(f"{kind!r} is not an offline job kind; choose one of {', '.join(OFFLINE_KINDS)}")
    target.input_sha256 = digest
    return target


def _no_clock() -> None:
    return None


def _no_identity() -> DeviceIdentity | None:
    return None


# --- iOS backup -------------------------------------------------------------------------------------------


def _backup_folder(root: ConfinedRoot) -> ConfinedRoot:
    """The backup folder itself, or the one UDID-named backup folder inside the given folder."""
    if not root.is_dir() or root.exists("Manifest.db"):
        return root
    candidates = [
        root.child(name)
        for name, info in root.scan()
        if stat.S_ISDIR(info.st_mode) and root.child(name).exists("Manifest.db")
    ]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise TargetError(
            f"{root.name} holds {len(candidates)} iOS backups; import the one folder named after the device's UDID"
        )
    return root  # IosBackupSource says what is missing


def _ios_backup_target(root: ConfinedRoot, password: str | None, notes: list[str]) -> Target:
    if not root.is_dir():
        raise TargetError(
            f"{root.name} is not a folder: an iOS backup is imported as its folder (unpack an archived one first)"
        )
    source = IosBackupSource(_backup_folder(root), password=password)
    identity = source.identity()
    tool_versions = {"python": sys.version.split()[0]}
    if source.is_encrypted:
        from importlib.metadata import PackageNotFoundError, version

        try:
            tool_versions["iphone-backup-decrypt"] = version("iphone-backup-decrypt")
        except PackageNotFoundError:
            tool_versions["iphone-backup-decrypt"] = "unknown"
        notes.append(
            "the backup is encrypted; it was opened with the password given for this job (not stored)"
        )
    if source.missing_files:
        notes.append(
            f"{source.missing_files} file(s) listed in Manifest.db are not in the folder (a partial backup)"
        )

    def context(_artifact_ids: set[str]) -> ParseContext:
        return ParseContext(
            device_make="Apple",
            device_model=identity.model,
            platform=Platform.IOS,
        )

    return Target(
        source=source,
        platform=Platform.IOS,
        identity=lambda: identity,
        read_clock=_no_clock,
        parse_context=context,
        close=source.close,
        tool_versions=tool_versions,
        notes=notes,
    )


# --- prior extraction -------------------------------------------------------------------------------------

_ANDROID_MARKERS = ("/sdcard", "/storage/emulated/0", "/data/data", "/data/media/0")
_IOS_MARKERS = ("/DCIM", "/PhotoData", "/var/mobile", "/private/var/mobile")


def tree_platform(source: Source) -> Platform:
    """Which phone the tree came from, by its layout; ANY (only cross-platform artifacts) when it does not say."""
    if any(_exists(source, marker) for marker in _ANDROID_MARKERS):
        return Platform.ANDROID
    if any(_exists(source, marker) for marker in _IOS_MARKERS):
        return Platform.IOS
    return Platform.ANY


def _exists(source: Source, path: str) -> bool:
    return source.stat(path) is not None


def _archive_target(path: ConfinedRoot, notes: list[str]) -> Target:
    source = cast(Source, open_prior_extraction(path))  # each concrete tree source has close()
    platform = tree_platform(source)
    notes.append(
        f"prior extraction {path.name} read as a {platform.value} phone tree"
        if platform is not Platform.ANY
        else f"prior extraction {path.name}: no Android or iPhone layout found; only cross-platform exports searched"
    )
    return Target(
        source=source,
        platform=platform,
        identity=_no_identity,
        read_clock=_no_clock,
        parse_context=lambda _ids: ParseContext(platform=platform),
        close=source.close,
        tool_versions={"python": sys.version.split()[0]},
        notes=notes,
    )


# --- Google export ----------------------------------------------------------------------------------------


def google_export_device_path(name: str, head: bytes) -> str:
    """Where the export file is placed in the job's tree so that exactly one Google parser's globs find it."""
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    semantic = _SEMANTIC_NAME.match(name)
    if b'"timelineObjects"' in head or semantic:
        year = semantic.group("year") if semantic else "unknown"
        return f"/Semantic Location History/{year}/{name}"
    if b'"locations"' in head or name == "Records.json":
        return "/Takeout/Location History/Records.json"
    if b'"semanticSegments"' in head or b'"rawSignals"' in head or name == "Timeline.json":
        return "/Timeline.json"
    if head.startswith(b"[") or name == "location-history.json":
        return "/location-history.json"
    raise TargetError(
        f"{name} is not a recognised Google location export (Timeline.json, location-history.json, "
        "Records.json or a Semantic Location History month); import a Takeout zip as a whole instead"
    )


def _google_export_target(root: ConfinedRoot, notes: list[str]) -> Target:
    source: Any
    parent, name = _parent(root)
    if not root.is_dir() and not _is_archive(parent, name):
        with parent.open(name) as handle:
            head = handle.read(_SNIFF_BYTES)
        device_path = google_export_device_path(name, head)
        source = SingleFileSource(parent, name, device_path=device_path)
        if device_path != f"/{name}":
            notes.append(f"export file {name} read as {device_path} (where Google's export puts it)")
    else:
        source = open_prior_extraction(root)  # a Takeout zip/tar or folder: its own layout
        notes.append(f"Google export {name} read as a folder tree (Takeout layout)")
    return Target(
        source=source,
        platform=Platform.ANY,
        identity=_no_identity,
        read_clock=_no_clock,
        parse_context=lambda _ids: ParseContext(platform=Platform.ANY),
        close=source.close,
        tool_versions={"python": sys.version.split()[0]},
        notes=notes,
    )


def _is_archive(parent: ConfinedRoot, name: str) -> bool:
    import tarfile
    import zipfile

    with parent.open(name) as handle:
        if zipfile.is_zipfile(handle):
            return True
    with parent.open(name) as handle:
        try:
            with tarfile.open(fileobj=handle, mode="r:*"):
                return True
        except (tarfile.TarError, OSError, EOFError):
            return False
