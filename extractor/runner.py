"""The generic acquisition runner: the same lifecycle for every source (Android, iPhone, backup, folder).

plan (the artifacts in scope) → enumerate each artifact's items on the source (bounded walk that never
follows symlinks, globs with ``**``, files over ``spec.max_file_bytes`` refused, unsafe names refused) →
skip items committed by an earlier run (``sink.done_item_keys()``) → acquire each item into a staging file
named from a hash (never from the device path) while hashing → parse the staged bytes → correct device-clock
times by the measured offset where the evidence says the clock was off then too (``extractor.clock_history``:
photo artifacts run first, so their GNSS times are known when a database's rows are corrected) → drop records outside the authorised window (counted) → ``sink.commit_item``.

The window is applied to corrected times: a phone whose clock is a year off must not have its data
dropped (or kept) because of that error.

One broken artifact or item never stops the run: typed errors become the artifact's outcome or a logged,
counted item failure. Losing the device does stop it: ``DeviceDisconnected`` / ``DeviceTimeout`` propagate
to the caller, which reconnects and runs again; finished items are not read twice.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from extractor.artifacts.common.parse_summary import ParseSummary
from extractor.artifacts.common.parse_summary import collect as collect_parse
from extractor.artifacts.spec import AcquiredItem, AcquireMode, Artifact, DataCategory, ParseContext
from extractor.clock_history import ClockHistory
from extractor.errors import (
    ArtifactCorrupted,
    DeviceDisconnected,
    DeviceNotFound,
    DeviceTimeout,
    DeviceUnauthorised,
    ExtractionError,
    HostileInput,
    SourceFileNotFound,
)
from extractor.records import ClockReading, CustodyItem, LocationRecord
from extractor.sink import ArtifactOutcome, JobSink, ParseTotals
from extractor.sources.base import ByteWriter, HeadBatchSource, HeadRead, Source, SourceEntry, walk

# Errors that mean the device is gone: the run stops and the caller reconnects and resumes.
DEVICE_LOST_ERRORS: tuple[type[ExtractionError], ...] = (
    DeviceDisconnected,
    DeviceTimeout,
    DeviceUnauthorised,
    DeviceNotFound,
)
MAX_DEVICE_PATH_BYTES = 4096
WALK_MAX_DEPTH = 24
WHOLE_READ_CHUNK_BYTES = 1024 * 1024
PROGRESS_INTERVAL_S = 0.25


# --- optional source capabilities -------------------------------------------------------------------------


@runtime_checkable
class CommandCapable(Protocol):
    def run_command(self, command: str) -> bytes: ...


@runtime_checkable
class StreamingCapable(Protocol):
    def pull_into(self, path: str, writer: ByteWriter, *, max_bytes: int) -> int: ...


@runtime_checkable
class SizeCapable(Protocol):
    """A source whose listings may under-report sizes and that can tell the true ones."""

    def true_sizes(self, paths: Sequence[str]) -> dict[str, int]: ...


# --- names ------------------------------------------------------------------------------------------------


def printable_device_path(path: str) -> str:
    """A device path safe to store and show: bytes that are not UTF-8 become ``\\xNN``, control characters
    become escapes and a backslash is doubled, so an escape can be told apart from the original text."""
    out: list[str] = []
    for character in path:
        code = ord(character)
        if character == "\\":
            out.append("\\\\")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(character, f"\\x{code:02x}"))
        else:
            out.append(character)
    return "".join(out)


def unsafe_name_reason(path: str) -> str | None:
    """Why a device path must not be acquired, or None. Catches names a hostile phone may report."""
    raw = path.encode("utf-8", "surrogateescape")
    if b"\x00" in raw:
        return "the name contains a NUL byte"
    if len(raw) > MAX_DEVICE_PATH_BYTES:
        return f"the path is {len(raw)} bytes long (limit {MAX_DEVICE_PATH_BYTES})"
    segments = path.split("/")[1:]
    if any(segment in ("", ".", "..") for segment in segments):
        return "the path has an empty, '.' or '..' component (a name with '/' or a traversal)"
    if posixpath.normpath(path) != path:
        return "the path is not in normal form"
    return None


def item_key(artifact_id: str, locator: str) -> str:
    digest = hashlib.sha256(locator.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{artifact_id}:{digest}"


# --- globs ------------------------------------------------------------------------------------------------


def _has_magic(segment: str) -> bool:
    return any(c in segment for c in "*?[")


def glob_root(pattern: str) -> str:
    """The directory to walk for a glob: its leading segments without wildcards."""
    segments = pattern.split("/")
    fixed: list[str] = []
    for segment in segments[:-1]:
        if _has_magic(segment):
            break
        fixed.append(segment)
    return "/".join(fixed) or "/"


def glob_match(pattern: str, path: str) -> bool:
    """POSIX glob on path segments; ``**`` matches zero or more whole directories. Case-sensitive.

    A pattern without a leading ``/`` (``**/Timeline.json``) is matched from the root too; which folders are
    walked for it is the source's ``relative_glob_roots`` (a phone: ``/sdcard``, never ``/proc``)."""
    pattern_parts = pattern.strip("/").split("/")
    path_parts = path.strip("/").split("/")
    memo: dict[tuple[int, int], bool] = {}

    def match(pi: int, si: int) -> bool:
        key = (pi, si)
        if key in memo:
            return memo[key]
        if pi == len(pattern_parts):
            result = si == len(path_parts)
        elif pattern_parts[pi] == "**":
            result = match(pi + 1, si) or (si < len(path_parts) and match(pi, si + 1))
        else:
            result = (
                si < len(path_parts)
                and fnmatch.fnmatchcase(path_parts[si], pattern_parts[pi])
                and match(pi + 1, si + 1)
            )
        memo[key] = result
        return result

    return match(0, 0)


# --- plan -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedItem:
    artifact: Artifact
    key: str
    locator: str  # device path (raw, as the source gave it) or the command
    size: int | None
    mtime: datetime | None
    is_command: bool = False

    @property
    def expected_bytes(self) -> int:
        spec = self.artifact.spec
        if self.is_command or self.size is None:
            return 0
        if spec.mode is AcquireMode.HEAD:
            return min(self.size, spec.head_bytes)
        return self.size


@dataclass(slots=True)
class _Tally:
    artifact_id: str
    items: int = 0
    records: int = 0
    dropped: int = 0
    item_failures: int = 0
    items_refused: int = 0
    errors: list[str] = field(default_factory=list)
    fatal: str | None = None
    gives_records: bool = True  # False: an artifact without location records by design (device history)
    summaries: list[ParseSummary] = field(default_factory=list)

    MAX_NOTES = 10

    def parse_totals(self) -> ParseTotals | None:
        if not self.summaries:
            return None
        notes: list[str] = []
        variants: list[str] = []
        for summary in self.summaries:
            if summary.variant and summary.variant not in variants:
                variants.append(summary.variant)
            for note in summary.notes:
                if len(notes) < self.MAX_NOTES and note not in notes:
                    notes.append(note)
        return ParseTotals(
            items_summarised=len(self.summaries),
            rows_read=sum(s.rows_read for s in self.summaries),
            records=sum(s.records for s in self.summaries),
            skipped_no_location=sum(s.skipped_no_location for s in self.summaries),
            skipped_invalid=sum(s.skipped_invalid for s in self.summaries),
            variants=tuple(variants),
            notes=tuple(notes),
        )

    def outcome(self) -> ArtifactOutcome:
        return replace(self._status(), parse_summary=self.parse_totals())

    def _status(self) -> ArtifactOutcome:
        if self.fatal is not None:
            return ArtifactOutcome(
                self.artifact_id, "failed", self.items, self.records, self.dropped, self.fatal
            )
        error = None
        if self.errors:
            error = f"{self.item_failures + self.items_refused} item(s) not usable; first: {self.errors[0]}"
        if self.items == 0 and self.item_failures == 0 and self.items_refused == 0:
            return ArtifactOutcome(self.artifact_id, "not_found", 0, 0, 0, error)
        if self.items == 0:
            return ArtifactOutcome(self.artifact_id, "failed", 0, 0, 0, error)
        status = "found" if self.records or self.dropped or not self.gives_records else "empty"
        return ArtifactOutcome(self.artifact_id, status, self.items, self.records, self.dropped, error)


def enumerate_items(
    source: Source, artifact: Artifact, sink: JobSink, *, walks: dict[str, list[SourceEntry]] | None = None
) -> tuple[list[PlannedItem], int]:
    """The items of one artifact on this source, and how many entries were refused (logged on the sink).

    ``walks`` caches the listing of each root across the artifacts of one run: several artifacts look
    under ``/sdcard``, which on a phone with 20,000 photos is a long listing over the cable."""
    spec = artifact.spec
    if spec.mode is AcquireMode.COMMAND:
        if not isinstance(source, CommandCapable):
            raise ExtractionError(f"{spec.id} needs a device shell, which this source does not have")
        return [
            PlannedItem(artifact, item_key(spec.id, "cmd:" + c), c, None, None, True) for c in spec.commands
        ], 0
    relative_roots = tuple(getattr(source, "relative_glob_roots", ("/",)))
    roots = sorted(
        {glob_root(p) for p in spec.path_globs if p.startswith("/")}
        | {r for p in spec.path_globs if not p.startswith("/") for r in relative_roots}
    )
    minimal_roots = [r for r in roots if not any(r != o and r.startswith(o.rstrip("/") + "/") for o in roots)]
    seen: set[str] = set()
    items: list[PlannedItem] = []
    refused = 0
    candidates: list[SourceEntry] = []
    for root in minimal_roots:
        if walks is None:
            listing: Iterable[SourceEntry] = _walk_existing(source, root)
        else:
            if root not in walks:
                walks[root] = list(_walk_existing(source, root))
            listing = walks[root]
        for entry in listing:
            if entry.path in seen:
                continue
            seen.add(entry.path)
            if not any(glob_match(p, entry.path) for p in spec.path_globs):
                continue
            reason = _refusal(entry, None)
            if reason is not None:
                refused += 1
                sink.log(f"{spec.id}: refused {printable_device_path(entry.path)[:300]}: {reason}")
                continue
            candidates.append(entry)
    if isinstance(source, SizeCapable) and candidates:
        # e.g. ADB sync v1 listings give sizes modulo 2**32: a 10 GB file would pass for 2 GB or for 1 KB
        true_sizes = source.true_sizes([e.path for e in candidates if e.size is not None])
        candidates = [replace(e, size=true_sizes.get(e.path, e.size)) for e in candidates]
    for entry in candidates:
        reason = _refusal(entry, spec.max_file_bytes)
        if reason is not None:
            refused += 1
            sink.log(f"{spec.id}: refused {printable_device_path(entry.path)[:300]}: {reason}")
            continue
        items.append(
            PlannedItem(artifact, item_key(spec.id, entry.path), entry.path, entry.size, entry.mtime)
        )
    return items, refused


def _walk_existing(source: Source, root: str) -> Iterator[SourceEntry]:
    """``walk`` that treats a glob root the input does not have as empty.

    A live phone lists a missing folder as empty; a backup, archive or export file says it is not there
    (``SourceFileNotFound``). Only a missing root is forgiven: any other listing error propagates.
    """
    try:
        yield from walk(source, root, max_depth=WALK_MAX_DEPTH)
    except SourceFileNotFound:
        if source.stat(root) is not None:
            raise


def _refusal(entry: SourceEntry, max_file_bytes: int | None) -> str | None:
    reason = unsafe_name_reason(entry.path)
    if reason is not None:
        return reason
    if entry.is_symlink:
        return "a symbolic link (links are never followed)"
    if max_file_bytes is not None and entry.size is not None and entry.size > max_file_bytes:
        return f"{entry.size} bytes is over the {max_file_bytes}-byte limit for this artifact"
    return None


# --- the run ----------------------------------------------------------------------------------------------


class _Progress:
    def __init__(
        self, sink: JobSink, items_total: int, bytes_total: int, items_done: int, bytes_done: int
    ) -> None:
        self.sink = sink
        self.items_total, self.bytes_total = items_total, bytes_total
        self.items_done, self.bytes_done = items_done, bytes_done
        self._last = 0.0

    def add(self, *, items: int, bytes_read: int, force: bool = False) -> None:
        self.items_done += items
        self.bytes_done += bytes_read
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL_S:
            self._last = now
            self.sink.report_progress(
                items_done=self.items_done,
                items_total=self.items_total,
                bytes_done=self.bytes_done,
                bytes_total=max(self.bytes_total, self.bytes_done),
            )


def run_acquisition(
    source: Source,
    *,
    artifacts: list[Artifact],
    sink: JobSink,
    window_start: datetime | None,
    window_end: datetime | None,
    parse_context: ParseContext,
    clock_offset_s: float,
) -> list[ArtifactOutcome]:
    """Acquire, parse and commit every in-scope artifact; return (and record on the sink) their outcomes.

    ``clock_offset_s`` is device minus host (``ClockReading.offset_s``); it is subtracted from device-clock
    times only. Raises ``DeviceDisconnected``/``DeviceTimeout`` when the device is lost (resume by calling
    again with a new source; committed items are skipped).
    """
    done = sink.done_item_keys()
    tallies = {
        a.spec.id: _Tally(a.spec.id, gives_records=a.spec.category is not DataCategory.DEVICE_HISTORY)
        for a in artifacts
    }
    plans: list[tuple[Artifact, list[PlannedItem]]] = []
    walks: dict[str, list[SourceEntry]] = {}
    for artifact in artifacts:
        tally = tallies[artifact.spec.id]
        try:
            items, refused = enumerate_items(source, artifact, sink, walks=walks)
        except DEVICE_LOST_ERRORS:
            raise
        except ExtractionError as exc:
            tally.fatal = f"could not list the artifact's files: {exc}"
            sink.log(f"{artifact.spec.id}: {tally.fatal}")
            continue
        tally.items_refused = refused
        if refused:
            tally.errors.append(f"{refused} entries refused (unsafe name, symbolic link or too large)")
        plans.append((artifact, items))
    # photos first: their GNSS times are the evidence of the past clock for the databases' rows (stable order)
    plans.sort(
        key=lambda plan: (
            0
            if plan[0].spec.category is DataCategory.PHOTO_METADATA and plan[0].spec.mode is AcquireMode.HEAD
            else 1
        )
    )

    all_items = [item for _, items in plans for item in items]
    finished = [item for item in all_items if item.key in done]
    progress = _Progress(
        sink,
        items_total=len(all_items),
        bytes_total=sum(i.expected_bytes for i in all_items),
        items_done=len(finished),
        bytes_done=sum(i.expected_bytes for i in finished),
    )
    progress.add(items=0, bytes_read=0, force=True)
    context = _RunContext(
        source,
        sink,
        parse_context,
        clock_offset_s,
        window_start,
        window_end,
        progress,
        ClockHistory(today_offset_s=clock_offset_s),
    )
    try:
        _acquire_plans(context, plans, tallies, done)
    except DEVICE_LOST_ERRORS:
        sink.flush()  # the items acquired whole before the loss are kept; a resume skips them
        raise
    sink.flush()
    progress.add(items=0, bytes_read=0, force=True)
    outcomes = [_with_not_received(source, tallies[a.spec.id].outcome()) for a in artifacts]
    sink.record_outcomes(outcomes)
    return outcomes


@runtime_checkable
class PlannedFilesCapable(Protocol):
    """A source that fetches planned files in bulk (a filtered iPhone backup) and can say which never came."""

    def not_received_for(self, artifact_id: str) -> list[str]: ...


def _with_not_received(source: Source, outcome: ArtifactOutcome) -> ArtifactOutcome:
    """``not_found`` becomes ``planned_not_received`` when the source was asked for the files and did not send
    them: the artifact may well be on the device, so "not on the device" would be wrong."""
    if outcome.status != "not_found" or not isinstance(source, PlannedFilesCapable):
        return outcome
    missing = source.not_received_for(outcome.artifact_id)
    if not missing:
        return outcome
    shown = ", ".join(printable_device_path(path)[:200] for path in missing[:5])
    return replace(outcome, status="planned_not_received", error=f"planned, not received: {shown}")


def _acquire_plans(
    context: _RunContext,
    plans: list[tuple[Artifact, list[PlannedItem]]],
    tallies: dict[str, _Tally],
    done: set[str],
) -> bool:
    """Acquire every pending item of every plan; True when cancelled before the end."""
    sink = context.sink
    cancelled = False
    for artifact, items in plans:
        tally = tallies[artifact.spec.id]
        tally.items += sum(1 for item in items if item.key in done)
        pending = [item for item in items if item.key not in done]
        if cancelled or sink.is_cancelled():
            cancelled = True
            tally.fatal = "cancelled before this artifact finished"
            continue
        if artifact.spec.mode is AcquireMode.HEAD:
            completed = context.acquire_heads(pending, tally)
        else:
            completed = context.acquire_each(pending, tally)
        if not completed:
            cancelled = True
            tally.fatal = "cancelled before this artifact finished"
    return cancelled


@dataclass(slots=True)
class _RunContext:
    source: Source
    sink: JobSink
    parse_context: ParseContext
    clock_offset_s: float
    window_start: datetime | None
    window_end: datetime | None
    progress: _Progress
    clock_history: ClockHistory

    def staging_path(self, key: str) -> Path:
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40] + ".part"
        return self.sink.staging_dir() / name

    # acquisition ------------------------------------------------------------------------------------------

    def acquire_each(self, items: list[PlannedItem], tally: _Tally) -> bool:
        for item in items:
            if self.sink.is_cancelled():
                return False
            staged = self.staging_path(item.key)
            try:
                digest, size, method = self._acquire_one(item, staged)
            except DEVICE_LOST_ERRORS:
                staged.unlink(missing_ok=True)
                raise
            except ExtractionError as exc:
                staged.unlink(missing_ok=True)
                self._item_failed(item, tally, str(exc))
                self.progress.add(items=1, bytes_read=0)
                continue
            whole = digest if (not item.is_command and item.size is not None and size == item.size) else None
            try:
                companions = self._acquire_companions(item)
            except DEVICE_LOST_ERRORS:
                staged.unlink(missing_ok=True)
                raise
            self._parse_and_commit(item, tally, staged, digest, size, whole, method, companions=companions)
        return True

    def _acquire_companions(self, item: PlannedItem) -> list[_StagedCompanion]:
        """Acquire the item's companion files (``spec.companion_suffixes``, e.g. SQLite ``-wal``/``-shm``).

        They are read whole next to the main file, handed to its parser, and committed as their own custody
        items (without records). A companion that is absent is simply not there; one that cannot be read is
        logged and the main file is parsed without it. Losing the device propagates.
        """
        spec = item.artifact.spec
        if item.is_command or not spec.companion_suffixes:
            return []
        staged_companions: list[_StagedCompanion] = []
        try:
            for suffix in spec.companion_suffixes:
                path = item.locator + suffix
                entry = self.source.stat(path)
                if entry is None or entry.is_dir or entry.is_symlink:
                    continue
                companion = PlannedItem(item.artifact, item_key(spec.id, path), path, entry.size, entry.mtime)
                reason = _refusal(entry, spec.max_file_bytes)
                if reason is not None:
                    self.sink.log(
                        f"{spec.id}: refused companion {printable_device_path(path)[:300]}: {reason}"
                    )
                    continue
                staged = self.staging_path(companion.key)
                try:
                    digest, size, method = self._acquire_one(companion, staged)
                except DEVICE_LOST_ERRORS:
                    staged.unlink(missing_ok=True)
                    raise
                except ExtractionError as exc:
                    staged.unlink(missing_ok=True)
                    self.sink.log(
                        f"{spec.id}: could not acquire companion {printable_device_path(path)[:300]}: {exc}"
                    )
                    continue
                custody = CustodyItem(
                    device_path=printable_device_path(path),
                    size=entry.size,
                    mtime=entry.mtime,
                    sha256_acquired=digest,
                    bytes_acquired=size,
                    sha256_whole_file=digest if entry.size is not None and size == entry.size else None,
                    artifact_id=spec.id,
                    acquired_at=datetime.now(UTC),
                    method=f"{method}; companion of {printable_device_path(item.locator)[:300]}",
                )
                staged_companions.append(_StagedCompanion(suffix, companion.key, staged, custody))
        except DEVICE_LOST_ERRORS:
            for companion_staged in staged_companions:
                companion_staged.staged.unlink(missing_ok=True)
            raise
        return staged_companions

    def _acquire_one(self, item: PlannedItem, staged: Path) -> tuple[str, int, str]:
        spec = item.artifact.spec
        hasher = hashlib.sha256()
        staged.unlink(missing_ok=True)
        if item.is_command:
            if not isinstance(self.source, CommandCapable):
                raise ExtractionError(f"{spec.id} needs a device shell")
            output = self.source.run_command(item.locator)
            if len(output) > spec.max_file_bytes:
                raise HostileInput(
                    f"command output of {len(output)} bytes is over the {spec.max_file_bytes}-byte limit"
                )
            staged.write_bytes(output)
            hasher.update(output)
            return hasher.hexdigest(), len(output), f"{self.source.method}; shell command {item.locator!r}"
        with open(staged, "wb") as handle:
            writer = _HashingWriter(handle, hasher)
            if isinstance(self.source, StreamingCapable):
                size = self.source.pull_into(item.locator, writer, max_bytes=spec.max_file_bytes)
                method = f"{self.source.method}; whole file (sync RECV)"
            else:
                size = self._read_whole(item, writer, spec.max_file_bytes)
                method = f"{self.source.method}; whole file"
        return hasher.hexdigest(), size, method

    def _read_whole(self, item: PlannedItem, writer: _HashingWriter, max_bytes: int) -> int:
        offset = 0
        while True:
            chunk = self.source.read_range(item.locator, offset, WHOLE_READ_CHUNK_BYTES)
            if not chunk:
                return offset
            offset += len(chunk)
            if offset > max_bytes:
                raise HostileInput(f"the file grew past the {max_bytes}-byte limit while being read")
            writer.write(chunk)
            if len(chunk) < WHOLE_READ_CHUNK_BYTES and item.size is not None and offset >= item.size:
                return offset

    def acquire_heads(self, items: list[PlannedItem], tally: _Tally, batch_files: int = 100) -> bool:
        spec_head = items[0].artifact.spec.head_bytes if items else 0
        for start in range(0, len(items), batch_files):
            if self.sink.is_cancelled():
                return False
            batch = items[start : start + batch_files]
            for item, (head, size, whole, error) in zip(batch, self._heads(batch, spec_head), strict=True):
                if self.sink.is_cancelled():
                    return False
                if head is None:
                    self._item_failed(item, tally, error or "could not be read")
                    self.progress.add(items=1, bytes_read=0)
                    continue
                staged = self.staging_path(item.key)
                staged.write_bytes(head)
                digest = hashlib.sha256(head).hexdigest()
                if whole is None and size is not None and len(head) == size:
                    whole = digest
                method = self._head_method(spec_head, whole)
                self._parse_and_commit(item, tally, staged, digest, len(head), whole, method, size=size)
        return True

    def _head_method(self, head_bytes: int, whole: str | None) -> str:
        """Custody wording for a metadata-only read: what was read and where the whole-file hash came from."""
        if isinstance(self.source, HeadBatchSource):  # a device shell: head -c, sha256sum on the device
            return f"{self.source.method}; first {head_bytes} bytes (head -c) and sha256sum on the device"
        wording = f"{self.source.method}; first {head_bytes} bytes (read with a length)"
        if whole is None:
            return wording + "; whole-file SHA-256 not known (the file was not read whole)"
        return wording + "; whole-file SHA-256 from the source"

    def _heads(
        self, batch: list[PlannedItem], head_bytes: int
    ) -> Iterator[tuple[bytes | None, int | None, str | None, str | None]]:
        """Heads of a batch: one batched device call where the source has it, else one ranged read per item,
        yielded as read so that each item is committed before the next is read (a drop loses one item)."""
        if isinstance(self.source, HeadBatchSource):
            results: list[HeadRead] = list(self.source.read_heads([i.locator for i in batch], head_bytes))
            for r in results:
                yield (r.head, r.size, r.sha256_whole, r.error)
            return
        for item in batch:
            try:
                head = self.source.read_range(item.locator, 0, head_bytes)
                whole = self.source.sha256(item.locator)
            except DEVICE_LOST_ERRORS:
                raise
            except ExtractionError as exc:
                yield (None, item.size, None, str(exc))
                continue
            yield (head, item.size, whole, None)

    # parse and commit -------------------------------------------------------------------------------------

    def _parse_and_commit(
        self,
        item: PlannedItem,
        tally: _Tally,
        staged: Path,
        digest: str,
        bytes_acquired: int,
        whole: str | None,
        method: str,
        *,
        size: int | None = None,
        companions: Sequence[_StagedCompanion] = (),
    ) -> None:
        spec = item.artifact.spec
        shown_path = ("cmd:" + item.locator) if item.is_command else printable_device_path(item.locator)
        file_size = size if size is not None else (bytes_acquired if item.is_command else item.size)
        acquired = AcquiredItem(
            device_path=shown_path,
            sha256=digest,
            size=file_size,
            mtime=item.mtime,
            opener=lambda: open(staged, "rb"),
            companions={c.suffix: _opener(c.staged) for c in companions},
        )
        records, parse_error, summary = parse_item(item.artifact, acquired, self.parse_context)
        if summary is not None:
            tally.summaries.append(summary)
        kept: list[LocationRecord] = []
        dropped = 0
        for corrected in self.clock_history.correct_item(records):
            if (self.window_start is not None and corrected.time_utc < self.window_start) or (
                self.window_end is not None and corrected.time_utc > self.window_end
            ):
                dropped += 1
                continue
            kept.append(corrected)
        del records  # a Timeline of a million points: keep one copy of its records, not two
        custody = CustodyItem(
            device_path=shown_path,
            size=file_size,
            mtime=item.mtime,
            sha256_acquired=digest,
            bytes_acquired=bytes_acquired,
            sha256_whole_file=whole,
            artifact_id=spec.id,
            acquired_at=datetime.now(UTC),
            method=method,
        )
        if companions:  # committed before the main item: a resume re-reads them if the main one is missing
            done = self.sink.done_item_keys()
            for companion in companions:
                if companion.key not in done:
                    self.sink.commit_item(
                        item_key=companion.key,
                        custody=companion.custody,
                        staged_file=companion.staged,
                        records=[],
                        dropped_outside_window=0,
                    )
                companion.staged.unlink(missing_ok=True)
                self.progress.add(items=0, bytes_read=companion.custody.bytes_acquired)
        self.sink.commit_item(
            item_key=item.key,
            custody=custody,
            staged_file=staged,
            records=kept,
            dropped_outside_window=dropped,
        )
        staged.unlink(missing_ok=True)
        tally.items += 1
        tally.records += len(kept)
        tally.dropped += dropped
        if parse_error is not None:
            tally.item_failures += 1
            tally.errors.append(f"{shown_path[:200]}: {parse_error}")
            self.sink.log(f"{spec.id}: {shown_path[:300]} acquired but not parsed: {parse_error}")
        self.progress.add(items=1, bytes_read=bytes_acquired)

    def _item_failed(self, item: PlannedItem, tally: _Tally, reason: str) -> None:
        tally.item_failures += 1
        shown = printable_device_path(item.locator)[:300]
        tally.errors.append(f"{shown}: {reason}")
        self.sink.log(f"{item.artifact.spec.id}: could not acquire {shown}: {reason}")


def _opener(path: Path) -> Callable[[], BinaryIO]:
    def open_staged() -> BinaryIO:
        return open(path, "rb")

    return open_staged


@dataclass(frozen=True, slots=True)
class _StagedCompanion:
    suffix: str  # "-wal"
    key: str
    staged: Path
    custody: CustodyItem


class _HashingWriter:
    def __init__(self, handle: BinaryIO, hasher: hashlib._Hash) -> None:
        self._handle = handle
        self._hasher = hasher

    def write(self, data: bytes) -> int:
        self._hasher.update(data)
        return self._handle.write(data)


def parse_item(
    artifact: Artifact, item: AcquiredItem, ctx: ParseContext
) -> tuple[list[LocationRecord], str | None, ParseSummary | None]:
    """Run one parser on one item. Any failure becomes ``ArtifactCorrupted`` text; records are all or none.

    This is the one place that catches every ``Exception`` from a parser, as the per-module status wrapper
    of MVT does: a parser bug on one hostile file must not end the extraction of a whole phone.
    """
    try:
        records, summary = collect_parse(artifact.parse(item, ctx))
    except ExtractionError as exc:
        return [], str(exc), None
    except Exception as exc:  # noqa: BLE001 - converted to a typed, reported error (see docstring)
        error = ArtifactCorrupted(f"{type(exc).__name__}: {exc}")
        return [], str(error), None
    return records, None, summary


def measure_clock(
    read_device_time: Callable[[], datetime],
    *,
    host_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    device_timezone: str | None = None,
    samples: int = 3,
) -> ClockReading:
    """Bracket the device clock with the host clock; of ``samples`` readings keep the tightest bracket."""
    best: ClockReading | None = None
    for _ in range(max(1, samples)):
        before = host_clock()
        device_time = read_device_time()
        after = host_clock()
        reading = ClockReading(before, device_time, after, device_timezone)
        if best is None or reading.uncertainty_s < best.uncertainty_s:
            best = reading
    assert best is not None
    return best
