"""The CLI (db upgrade, user add, serve --demo on a real port) and the packaging files."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app as cli_app
from tests.conftest import TEST_AUDIT_KEY

ROOT = Path(__file__).resolve().parents[2]


def test_db_upgrade_and_user_add(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REISROUTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("REISROUTE_DATABASE_URL", raising=False)
    monkeypatch.setenv("REISROUTE_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("REISROUTE_AUDIT_CHECKPOINT_DIR", str(tmp_path / "audit-checkpoints"))
    monkeypatch.setenv("NEW_PASSWORD", "a-long-password")
    runner = CliRunner()
    result = runner.invoke(cli_app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "reisroute.sqlite3").exists()
    result = runner.invoke(
        cli_app, ["user", "add", "officer1", "--role", "intake_officer", "--password-env", "NEW_PASSWORD"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli_app, ["user", "add", "officer1", "--role", "intake_officer", "--password-env", "NEW_PASSWORD"]
    )
    assert result.exit_code == 2 and "already exists" in result.output
    result = runner.invoke(cli_app, ["user", "add", "x", "--role", "king", "--password-env", "NEW_PASSWORD"])
    assert result.exit_code == 2 and "unknown role" in result.output
    result = runner.invoke(cli_app, ["audit", "verify"])
    assert result.exit_code == 0 and "chain intact" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
@pytest.mark.device
def test_serve_demo_answers(tmp_path, gazetteer_dir) -> None:
    """What `make demo` runs: the service on SQLite with demo data, on 127.0.0.1."""
    port = _free_port()
    env = {
        **os.environ,
        "REISROUTE_DATA_DIR": str(tmp_path / "data"),
        "REISROUTE_GAZETTEER_DIR": str(gazetteer_dir),
    }
    env.pop("REISROUTE_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(1)
        else:
            pytest.fail("the demo service did not answer /healthz in time")
        assert health.json()["database"] == "sqlite"
        assert "/api/v1/cases" in httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()["paths"]
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
        token = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/token",
            data={"username": "caseworker", "password": "demo-password"},
        ).json()["access_token"]
        cases = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/cases", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert {c["reference"] for c in cases} >= {"V-DEMO-0001", "V-DEMO-0002"}
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_dockerfile_installs_and_serves() -> None:
    text = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[0].startswith("FROM python:3.11")
    for package in ("extractor", "routing", "matching", "api", "legal_basis", "store"):
        assert f"COPY {package} ./{package}" in lines
    assert any(line.startswith("RUN pip install") for line in lines)
    assert lines[-1].startswith("CMD") and '"reisroute", "serve"' in lines[-1]


def test_licence_is_gpl_compatible() -> None:
    assert "GNU GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text()[:200]
    assert 'license = { text = "GPL-3.0-or-later" }' in (ROOT / "pyproject.toml").read_text()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_job_watch_shows_progress_and_exit_status(state, monkeypatch) -> None:
    from store.db import unit_of_work
    from store.models import ExtractionJob
    from tests.api.job_helpers import job_owner_rows

    with unit_of_work(state.session_factory) as session:
        owners = job_owner_rows(session, "V-W")
        for state_name, error in (("completed", None), ("failed", "DeviceUnauthorised: accept the prompt")):
            session.add(
                ExtractionJob(
                    **owners, kind="adb", state=state_name, items_done=7, items_total=7, error=error
                )
            )
    monkeypatch.setenv("REISROUTE_DATA_DIR", str(state.settings.data_dir))
    monkeypatch.setenv("REISROUTE_DATABASE_URL", state.settings.resolved_database_url())
    monkeypatch.setenv("REISROUTE_AUDIT_KEY", TEST_AUDIT_KEY)
    monkeypatch.setenv("REISROUTE_AUDIT_CHECKPOINT_DIR", str(state.settings.audit_checkpoint_dir))
    runner = CliRunner()
    result = runner.invoke(cli_app, ["job", "watch", "1"])
    assert result.exit_code == 0 and "job 1: completed" in result.output
    result = runner.invoke(cli_app, ["job", "watch", "2"])
    assert result.exit_code == 1 and "accept the prompt" in result.output
