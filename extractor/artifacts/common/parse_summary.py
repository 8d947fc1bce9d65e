"""What a parser says about a file besides its records: rows read, rows skipped and why, format variant.

Parsers are generators of ``LocationRecord``; they *return* a ``ParseSummary`` when they finish (the value of
``StopIteration``). A plain ``for`` loop ignores it; the runner collects it with ``collect`` (or
``summary = yield from parse(item, ctx)``) and copies it into the artifact's outcome, so a skipped row is
counted in the report instead of silently disappearing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from extractor.records import LocationRecord


@dataclass(frozen=True, slots=True)
class ParseSummary:
    """Counts for one parsed item. ``rows_read`` counts candidate rows (points, photos, table rows)."""

    rows_read: int = 0
    records: int = 0
    skipped_no_location: int = 0  # rows that carry no position (e.g. ZLATITUDE -180, a photo without GPS)
    skipped_invalid: int = 0  # rows with out-of-range coordinates or unreadable times
    variant: str | None = None  # e.g. "ZASSET (iOS 14+)", "on-device Timeline.json (2024+)"
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class SummaryCounter:
    """Mutable tally a parser keeps while it runs; ``freeze()`` turns it into the returned ``ParseSummary``."""

    rows_read: int = 0
    records: int = 0
    skipped_no_location: int = 0
    skipped_invalid: int = 0
    variant: str | None = None
    notes: list[str] = field(default_factory=list)
    _invalid_examples: int = 0

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def invalid(self, row_ref: str, reason: str, *, max_examples: int = 5) -> None:
        """Count a skipped invalid row; the first few are kept as notes with their reason."""
        self.skipped_invalid += 1
        if self._invalid_examples < max_examples:
            self._invalid_examples += 1
            self.notes.append(f"skipped {row_ref}: {reason}")

    def freeze(self) -> ParseSummary:
        notes = list(self.notes)
        if self.skipped_invalid > self._invalid_examples:
            notes.append(f"... {self.skipped_invalid - self._invalid_examples} more invalid rows skipped")
        return ParseSummary(
            rows_read=self.rows_read,
            records=self.records,
            skipped_no_location=self.skipped_no_location,
            skipped_invalid=self.skipped_invalid,
            variant=self.variant,
            notes=tuple(notes),
        )


def collect(records: Iterator[LocationRecord]) -> tuple[list[LocationRecord], ParseSummary | None]:
    """Drain a parser; return its records and the summary it returned (None for parsers that return none)."""
    out: list[LocationRecord] = []
    if not isinstance(records, Generator):
        out.extend(records)
        return out, None
    while True:
        try:
            out.append(next(records))
        except StopIteration as stop:
            summary = stop.value if isinstance(stop.value, ParseSummary) else None
            return out, summary


def build_record(counter: SummaryCounter, **fields: Any) -> LocationRecord | None:
    """Make a ``LocationRecord``; on out-of-range values count the row as invalid and return None."""
    return record_from(counter, fields)


def record_from(counter: SummaryCounter, fields: dict[str, Any]) -> LocationRecord | None:
    """``build_record`` from a dict of the fields: a hot loop can reuse one dict per row instead of
    building keyword arguments each time."""
    try:
        record = LocationRecord(**fields)
    except (ValueError, TypeError) as exc:
        counter.invalid(str(fields.get("row_ref", "?")), str(exc))
        return None
    counter.records += 1
    return record
