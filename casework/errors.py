"""The one exception root of the casework package: every use case raises one of these (or a domain error)."""

from __future__ import annotations


class CaseworkError(Exception):
    """A use case of a case could not be carried out; the message says what was wrong and what to do."""


class ReportError(CaseworkError):
    """A case report could not be produced; the message says what is missing and what to do."""


class NothingToReport(ReportError):
    """The case has no finding set (or none the reader may see) to report on."""
