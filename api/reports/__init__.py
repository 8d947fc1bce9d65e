"""The PDF case report: one document per set of findings, for the case file (issue 7).

``build_case_report(state, case_id, finding_set_id=None, language="nl")`` → PDF bytes.
"""

from __future__ import annotations

from api.reports.errors import FontNotFound, NothingToReport, ReportError
from api.reports.report import (
    DRAFT_WATERMARK,
    CaseReport,
    build_case_report,
    produce_case_report,
    render_case_report,
)

__all__ = [
    "DRAFT_WATERMARK",
    "CaseReport",
    "FontNotFound",
    "NothingToReport",
    "ReportError",
    "build_case_report",
    "produce_case_report",
    "render_case_report",
]
