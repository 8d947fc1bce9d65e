"""Errors of the web UI package."""

from __future__ import annotations


class WebError(Exception):
    """Root of the web UI's errors."""


class StaticAssetMissing(WebError):
    """A file the page needs is not installed (run ``make web`` to copy the npm packages' files)."""
