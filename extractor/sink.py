"""What the acquisition runner needs from persistence. ``store`` implements it; tests may use an in-memory one.

The runner (``extractor/runner.py``) drives: plan (artifacts in scope) → enumerate items on the source →
for each item not yet done: acquire bytes into a staging file while hashing → parse the staged bytes →
drop records outside the authorised window (counted) → apply the clock offset to device-clock times →
``commit_item`` (one transaction: encrypted bytes, custody row, records). An item is either fully committed
or not at all, so a job interrupted anywhere resumes without losing or duplicating anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from extractor.records import ClockReading, CustodyItem, LocationRecord
from extractor.sources.base import DeviceIdentity


@dataclass(frozen=True, slots=True)
class ArtifactOutcome:
    """Per-artifact status for the extraction report: in scope, found, empty, failed (with why)."""

    artifact_id: str
    status: (
        str  # "found" | "empty" | "not_found" | "planned_not_received" | "failed" | "skipped_out_of_scope"
    )
    items: int = 0
    records: int = 0
    dropped_outside_window: int = 0
    error: str | None = None
    parse_summary: ParseTotals | None = None  # what the parsers said (rows read, skipped and why)


@dataclass(frozen=True, slots=True)
class ParseTotals:
    """The parse summaries of one artifact's items added up: rows read, records made, rows skipped and why."""

    items_summarised: int = 0
    rows_read: int = 0
    records: int = 0
    skipped_no_location: int = 0
    skipped_invalid: int = 0
    variants: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(
        default=()
    )  # the first few notes of the parsers (examples, with their row)


class JobSink(Protocol):
    def staging_dir(self) -> Path:
        """A private directory for partially acquired bytes (never inside a device-named path)."""
        ...

    def done_item_keys(self) -> set[str]:
        """Keys of items committed by earlier runs of this job (for resume)."""
        ...

    def commit_item(
        self,
        *,
        item_key: str,
        custody: CustodyItem,
        staged_file: Path,
        records: Sequence[LocationRecord],
        dropped_outside_window: int,
    ) -> None:
        """Atomically store the item's bytes (encrypted), its custody entry and its records. A sink may
        hold items back and commit them in a batch: an item is then committed whole at the next
        :meth:`flush` or lost whole (and acquired again on resume), never half."""
        ...

    def flush(self) -> None:
        """Commit every item held back (called before outcomes are recorded and when the device is lost)."""
        ...

    def record_identity(self, identity: DeviceIdentity) -> None: ...

    def record_clock(self, reading: ClockReading, *, phase: str) -> None:
        """phase: "start" or "end"."""
        ...

    def record_outcomes(self, outcomes: Sequence[ArtifactOutcome]) -> None: ...

    def report_progress(
        self, *, items_done: int, items_total: int, bytes_done: int, bytes_total: int
    ) -> None: ...

    def is_cancelled(self) -> bool: ...

    def log(self, message: str, *, at: datetime | None = None) -> None: ...
