"""compose.yaml cannot run here (no container engine); this checks what can go wrong without one: every
service's command is a real ``reisroute`` command with real options, every ``REISROUTE_*`` variable is a real
setting with a valid value, keys come from secrets outside the data volumes, and the roles are right (the API
runs no worker, the station worker is named, evidence goes to the central store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from api.cli import app
from casework.settings import Settings

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")))


def _reisroute_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("command", [None])[0] == "reisroute"
    }


def _parse_command(arguments: list[str]) -> Any:
    """Resolve ``reisroute …`` through the real CLI and parse its options (nothing is run); the click context
    (typer carries its own click, so groups are told by their ``get_command``)."""
    command: Any = typer.main.get_command(app)
    names, rest = ["reisroute"], list(arguments)
    parent = command.make_context("reisroute", [], resilient_parsing=True)
    while hasattr(command, "get_command"):
        name = rest.pop(0)
        found = command.get_command(parent, name)
        assert found is not None, f"`{' '.join(names)}` has no command {name!r}"
        command, names = found, [*names, name]
        parent = command.make_context(name, [], parent=parent, resilient_parsing=True)
    return command.make_context(names[-1], rest)  # raises on an unknown option or a bad value


def test_compose_has_the_database_the_api_and_a_station(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "db" in services and services["db"]["image"].startswith("postgres:")
    commands = {name: service["command"][:2] for name, service in _reisroute_services(compose).items()}
    assert ["reisroute", "serve"] in commands.values()
    assert ["reisroute", "worker"] in commands.values()


def test_commands_and_options_are_real(compose: dict[str, Any]) -> None:
    for name, service in _reisroute_services(compose).items():
        context = _parse_command(service["command"][1:])
        if service["command"][1] == "worker":
            assert context.params["station"], f"{name}: a station worker must be named (--station)"


def test_settings_are_real_and_valid(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    known = {f"REISROUTE_{field.upper()}" for field in Settings.model_fields}
    for name, service in _reisroute_services(compose).items():
        environment = {key: str(value) for key, value in service["environment"].items()}
        unknown = {key for key in environment if key.startswith("REISROUTE_")} - known
        assert not unknown, f"{name}: no such settings {sorted(unknown)}"
        for key in list(known):
            monkeypatch.delenv(key, raising=False)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        settings = Settings()  # validates every value (e.g. the evidence store's name)
        assert settings.evidence_store == "database", f"{name}: evidence must go to the central store"
        assert settings.database_url and "@db:" in settings.database_url
        assert not settings.demo
        # keys come from secrets, never from inside the service's data volume
        for key_file in (settings.organisation_key_file, settings.audit_key_file):
            assert key_file is not None and str(key_file).startswith("/run/secrets/"), name
            assert not key_file.is_relative_to(settings.data_dir)
            assert key_file.name in service["secrets"] and key_file.name in compose["secrets"]
        assert settings.audit_checkpoint_dir is not None
        assert not settings.audit_checkpoint_dir.is_relative_to(settings.data_dir)
        mounts = {volume.split(":")[1] for volume in service["volumes"]}
        assert str(settings.data_dir) in mounts and str(settings.audit_checkpoint_dir) in mounts
        if service["command"][1] == "serve":
            assert settings.run_worker is False, "the central API runs no worker: extraction is at a station"
        if service["command"][1] == "worker":
            station = _parse_command(service["command"][1:]).params["station"]
            assert settings.station == station


def test_secret_files_live_outside_the_volumes(compose: dict[str, Any]) -> None:
    for name, secret in compose["secrets"].items():
        assert secret["file"].startswith("./secrets/"), name
    used = {s for service in compose["services"].values() for s in service.get("secrets", [])}
    assert used == set(compose["secrets"])
    assert set(compose["volumes"]) == {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
    }
