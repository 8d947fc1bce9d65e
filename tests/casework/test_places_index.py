"""A serving process opens the gazetteer once, in the background at start-up, so the first route after the
first extraction does not wait for it; building the index happens in a child process."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from casework.places_index import gazetteer, nearest_place_index, warm_up
from casework.settings import Settings
from casework.state import AppState
from matching.gazetteer import Gazetteer, GazetteerError, build_gazetteer, build_gazetteer_apart


def test_warm_up_opens_the_gazetteer_and_the_nearest_place_index(state: AppState, gazetteer_dir: Path) -> None:
    build_gazetteer(gazetteer_dir)  # as on an installed station (the session's index)
    assert "gazetteer" not in state.extras and "nearest_place" not in state.extras
    warm_up(state).join(timeout=60)
    opened = state.extras["gazetteer"]
    assert isinstance(opened, Gazetteer) and opened.path.parent == gazetteer_dir
    assert state.extras["nearest_place"].path == opened.path
    # every later use gets the same objects, from any thread
    assert gazetteer(state) is opened and nearest_place_index(state) is state.extras["nearest_place"]


def test_the_serving_process_warms_up_when_it_runs_the_worker(settings: Settings, gazetteer_dir: Path) -> None:
    build_gazetteer(gazetteer_dir)
    app = create_app(settings.model_copy(update={"run_worker": True}))
    with TestClient(app):
        state = app.state.reisroute
        deadline = time.monotonic() + 30
        while "nearest_place" not in state.extras and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "nearest_place" in state.extras and "gazetteer" in state.extras
    quiet = create_app(settings)  # no worker (e.g. a read-only replica): nothing opened up front
    with TestClient(quiet):
        time.sleep(0.2)
        assert "nearest_place" not in quiet.state.reisroute.extras


def test_a_build_in_a_child_process_reports_its_error_here(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the index directory should be")
    with pytest.raises(OSError):
        build_gazetteer_apart(blocker)
    with pytest.raises(GazetteerError):
        Gazetteer.open(tmp_path / "empty", build_if_missing=False)
