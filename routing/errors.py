"""The one exception root of the routing package."""

from __future__ import annotations


class RoutingError(Exception):
    """Root of all errors raised by routing."""


class PointTableError(RoutingError, ValueError):
    """Points could not be built: a column is missing, unsorted, or out of range."""


class ParameterError(RoutingError, ValueError):
    """A routing parameter is out of its allowed range."""


class GeodataError(RoutingError):
    """Offline geodata (country polygons, time zones, land mask) could not be loaded."""


class RouteFormatError(RoutingError, ValueError):
    """A stored route could not be read back (wrong format version or missing fields)."""
