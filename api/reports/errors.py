"""Errors of the PDF rendering; the report's facts raise ``casework.errors.ReportError``."""

from __future__ import annotations

from casework.errors import NothingToReport, ReportError


class FontNotFound(ReportError):
    """No DejaVu TrueType font was found to embed."""


__all__ = ["FontNotFound", "NothingToReport", "ReportError"]
