"""The gazetteer and the nearest-place index of a serving process: opened once, shared by every thread.

The index file is built on first use (~30 s, in a child process so the service does not keep the GeoNames
inputs in memory). A serving process that runs the job worker opens both at start-up in the background
(:func:`warm_up`), so the first route after the first extraction does not wait for them.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from casework.state import AppState

log = logging.getLogger("reisroute.places")

_lock = threading.RLock()  # one builder per process; other threads wait for it rather than build twice


def gazetteer(state: AppState) -> Any:
    """The state's gazetteer (``matching.gazetteer.Gazetteer``), opened (and built if missing) once."""
    cached = state.extras.get("gazetteer")
    if cached is not None:
        return cached
    with _lock:
        cached = state.extras.get("gazetteer")
        if cached is None:
            from matching.gazetteer import Gazetteer

            cached = Gazetteer.open(state.settings.resolved_gazetteer_dir(), build_apart=True)
            state.extras["gazetteer"] = cached
    return cached


def nearest_place_index(state: AppState) -> Any:
    """The state's ``matching.nearest_place.NearestPlaceIndex`` (names a route's stays and visits), or None
    when the matching package is not installed."""
    cached = state.extras.get("nearest_place")
    if cached is not None:
        return cached
    with _lock:
        cached = state.extras.get("nearest_place")
        if cached is None:
            try:
                from matching.nearest_place import NearestPlaceIndex
            except ImportError:
                return None
            cached = NearestPlaceIndex(gazetteer(state).path)
            state.extras["nearest_place"] = cached
    return cached


def warm_up(state: AppState) -> threading.Thread:
    """Open the gazetteer and the nearest-place index in a background thread; a failure is logged and the
    first use tries again (and reports the error where it is needed)."""

    def run() -> None:
        try:
            nearest_place_index(state)
        except Exception:  # noqa: BLE001 - logged; the first route or lookup opens it again
            log.exception("gazetteer warm-up failed")

    thread = threading.Thread(target=run, name="reisroute-gazetteer-warm-up", daemon=True)
    thread.start()
    return thread
