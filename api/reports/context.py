"""What every section of the report is built from: the collected facts, the words and the layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from api.reports.formatting import format_local, format_signed_duration, format_utc, window_end_parts
from api.reports.layout import Layout
from api.reports.text import Language, Words
from casework.report_facts import CaseReportData

#: the report's flowables (reportlab's Flowable objects; reportlab ships no type hints)
Story = list[Any]


@dataclass(frozen=True, slots=True)
class ReportContext:
    data: CaseReportData
    words: Words
    layout: Layout
    claim_maps: dict[int, bytes] = field(default_factory=dict)  # claim id → PNG of its map excerpt

    @property
    def language(self) -> Language:
        return self.words.language

    def local(self, moment: datetime | None, zone: str | None) -> str:
        """Local time at the place with UTC beside it (UTC only where the zone is unknown)."""
        return format_local(moment, zone)

    def window_end(self, moment: datetime) -> str:
        """An authorisation window's end as the end of a day, not as if it were a start."""
        parts = window_end_parts(moment)
        if parts is None:
            return self.words("window_until", moment=format_utc(moment))
        return self.words("window_end_of_day", date=parts[0], moment=parts[1])

    def signed(self, seconds: float) -> str:
        return format_signed_duration(seconds, zero=self.words("within"))
