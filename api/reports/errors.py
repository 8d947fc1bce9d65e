"""The one exception root of the report package."""

from __future__ import annotations


class ReportError(Exception):
    """A case report could not be produced; the message says what is missing and what to do."""


class FontNotFound(ReportError):
    """No DejaVu TrueType font was found to embed."""


class NothingToReport(ReportError):
    """The case has no finding set (or none the reader may see) to report on."""
