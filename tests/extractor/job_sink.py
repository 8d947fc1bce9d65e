"""An in-memory JobSink with a staging directory on disk, for runner tests (the store has the real one)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from extractor.records import ClockReading, CustodyItem, LocationRecord
from extractor.sink import ArtifactOutcome
from extractor.sources.base import DeviceIdentity


@dataclass(frozen=True, slots=True)
class CommittedItem:
    custody: CustodyItem
    data: bytes
    records: tuple[LocationRecord, ...]
    dropped_outside_window: int


@dataclass
class MemoryJobSink:
    """Keeps committed items in memory; ``cancel_after_items`` cancels the job after that many commits."""

    root: Path
    cancel_after_items: int | None = None
    items: dict[str, CommittedItem] = field(default_factory=dict)
    identities: list[DeviceIdentity] = field(default_factory=list)
    clocks: list[tuple[str, ClockReading]] = field(default_factory=list)
    outcomes: list[ArtifactOutcome] = field(default_factory=list)
    progress: list[tuple[int, int, int, int]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    commits_this_run: int = 0

    def staging_dir(self) -> Path:
        path = self.root / "staging"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def done_item_keys(self) -> set[str]:
        return set(self.items)

    def commit_item(
        self,
        *,
        item_key: str,
        custody: CustodyItem,
        staged_file: Path,
        records: Sequence[LocationRecord],
        dropped_outside_window: int,
    ) -> None:
        assert item_key not in self.items, f"item committed twice: {item_key}"
        data = staged_file.read_bytes()
        assert hashlib.sha256(data).hexdigest() == custody.sha256_acquired
        self.items[item_key] = CommittedItem(custody, data, tuple(records), dropped_outside_window)
        self.commits_this_run += 1

    def flush(self) -> None:
        """Every item is committed at once here."""

    def record_identity(self, identity: DeviceIdentity) -> None:
        self.identities.append(identity)

    def record_clock(self, reading: ClockReading, *, phase: str) -> None:
        self.clocks.append((phase, reading))

    def record_outcomes(self, outcomes: Sequence[ArtifactOutcome]) -> None:
        self.outcomes = list(outcomes)

    def report_progress(
        self, *, items_done: int, items_total: int, bytes_done: int, bytes_total: int
    ) -> None:
        self.progress.append((items_done, items_total, bytes_done, bytes_total))

    def is_cancelled(self) -> bool:
        return self.cancel_after_items is not None and self.commits_this_run >= self.cancel_after_items

    def log(self, message: str, *, at: datetime | None = None) -> None:
        self.messages.append(message)

    # helpers for assertions
    def records(self) -> list[LocationRecord]:
        return [r for item in self.items.values() for r in item.records]

    def custody_by_path(self) -> dict[str, CustodyItem]:
        return {item.custody.device_path: item.custody for item in self.items.values()}
