"""`reisroute job watch`: bytes in human units, items without "None", and no bar for a job that does not exist."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from api.cli import app as cli_app
from api.cli import job_items_text
from store.db import unit_of_work
from store.models import ExtractionJob
from tests.api.job_helpers import job_owner_rows


def test_items_text_never_prints_none() -> None:
    assert job_items_text(0, None) == "0 items"
    assert job_items_text(0, 0) == "0 items"
    assert job_items_text(12, 40) == "12/40 items"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_job_watch_units_and_missing_job(state, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(state.session_factory) as session:
        common = {**job_owner_rows(session, "V-WATCH"), "kind": "adb"}
        done = ExtractionJob(
            **common,
            state="completed",
            items_done=305,
            items_total=305,
            bytes_done=2_100_000,
            bytes_total=2_100_000,
        )
        failed = ExtractionJob(
            **common,
            state="failed",
            items_done=0,
            items_total=0,
            error="DeviceNotFound: nothing on 127.0.0.1:5555",
        )
        session.add_all([done, failed])
        session.flush()
        done_id, failed_id = done.id, failed.id
    monkeypatch.setenv("REISROUTE_DATA_DIR", str(state.settings.data_dir))
    monkeypatch.setenv("REISROUTE_DATABASE_URL", state.settings.resolved_database_url())
    monkeypatch.setenv("COLUMNS", "160")
    runner = CliRunner()

    result = runner.invoke(cli_app, ["job", "watch", str(done_id)])
    assert result.exit_code == 0, result.output
    assert "305/305 items" in result.output
    assert "2.1/2.1 MB" in result.output, result.output
    assert "bytes" not in result.output

    result = runner.invoke(cli_app, ["job", "watch", str(failed_id)])
    assert result.exit_code == 1 and "DeviceNotFound" in result.output
    assert "None" not in result.output and "0 items" in result.output

    result = runner.invoke(cli_app, ["job", "watch", "999"])
    assert result.exit_code == 2
    assert "no extraction job 999" in result.output
    assert "━" not in result.output and "items" not in result.output  # no bar drawn
