"""Exports that prove themselves: an exported range verifies offline; a tampered one fails at its first bad entry."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from store import audit
from tests.legal_basis.helpers import approved_case

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def verify(path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["audit", "verify-export", str(path), *extra])
    return result.exit_code, result.output


@pytest.fixture
def exported(client_for, state, tmp_path):  # type: ignore[no-untyped-def]
    intake, authoriser, auditor = client_for("intake"), client_for("authoriser"), client_for("auditor")
    approved_case(intake, authoriser, "V-EXPORT-1", "E1")
    approved_case(intake, authoriser, "V-EXPORT-2", "E2")

    def download(fmt: str, **params: object) -> Path:
        response = auditor.get("/api/v1/compliance/audit/export", params={"format": fmt, **params})
        assert response.status_code == 200, response.text
        path = tmp_path / f"export-{fmt}-{len(list(tmp_path.iterdir()))}.{fmt}"
        path.write_bytes(response.content)
        return path

    return download, auditor


def test_json_export_verifies_offline_and_tampering_names_the_first_bad_entry(exported, tmp_path) -> None:  # type: ignore[no-untyped-def]
    download, _ = exported
    path = download("json")
    code, output = verify(path)
    assert code == 0, output
    assert "export intact" in output and "gaps (filtered out): 0" in output
    document = json.loads(path.read_text())
    entries = document["entries"]
    assert entries[0]["seq"] == 1 and all(e["hash"] and e["prev_hash"] for e in entries)
    assert document["chain_head"]["seq"] >= entries[-1]["seq"] and document["latest_anchor"] is not None

    # edit one entry's content: it fails there, and only its own hash is wrong
    victim = entries[5]
    victim["actor"] = "someone-else"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    code, output = verify(tampered)
    assert code == 1
    assert f"export fails at entry {victim['seq']}" in output
    assert f"entry {victim['seq']} content does not match its hash: edited" in output

    # recompute the edited entry's MAC as a forger holding the key would: the next entry no longer links to it
    from casework.compliance.hashing import recompute_hash

    victim["hash"] = recompute_hash({k: v for k, v in _typed(victim).items() if k != "hash"})
    tampered.write_text(json.dumps(document))
    code, output = verify(tampered)
    assert code == 1 and f"export fails at entry {victim['seq'] + 1}" in output
    assert "does not link" in output

    # drop an entry from the middle: the declared range no longer holds
    document = json.loads(path.read_text())
    removed = document["entries"].pop(3)
    tampered.write_text(json.dumps(document))
    code, output = verify(tampered)
    assert code == 1 and f"export fails at entry {removed['seq']}" in output


def _typed(entry: dict) -> dict:  # type: ignore[type-arg]
    from datetime import datetime

    return {**entry, "at": datetime.fromisoformat(entry["at"])}


@SQLITE
def test_csv_export_of_a_filtered_range_verifies_and_tampering_fails(exported, tmp_path) -> None:  # type: ignore[no-untyped-def]
    download, _ = exported
    path = download("csv", actor="intake")
    code, output = verify(path)
    assert code == 0, output
    assert "gaps (filtered out): 0" not in output  # a filtered range has gaps, counted, not failed
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and json.loads(lines[0][2:])["filter"] == {"actor": "intake"}
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[1:]))))
    assert rows and {r["actor"] for r in rows} == {"intake"}

    # change a reason in the CSV text
    target = rows[2]
    rows[2] = {**target, "reason": "changed afterwards"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    tampered = tmp_path / "tampered.csv"
    tampered.write_text(lines[0] + "\n" + out.getvalue(), encoding="utf-8")
    code, output = verify(tampered)
    assert code == 1 and f"export fails at entry {target['seq']}" in output


@SQLITE
def test_export_is_audited_with_the_digest_of_the_file(exported, state) -> None:  # type: ignore[no-untyped-def]
    download, auditor = exported
    path = download("json", action="authorisation.")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    entries = auditor.get("/api/v1/compliance/audit", params={"action": "audit.export"}).json()["entries"]
    assert entries and entries[0]["details"]["sha256"] == digest
    assert entries[0]["details"]["filter"] == {"action": "authorisation."}
    assert entries[0]["actor"] == "auditor"


@SQLITE
def test_verify_export_against_a_trusted_checkpoint(exported, state, tmp_path) -> None:  # type: ignore[no-untyped-def]
    download, _ = exported
    path = download("json")
    document = json.loads(path.read_text())
    last = document["entries"][-1]
    assert verify(path, "--anchor", f"{last['seq']}:{last['hash']}")[0] == 0
    code, output = verify(path, "--anchor", f"{last['seq']}:{'0' * 64}")
    assert code == 1 and f"export fails at entry {last['seq']}" in output
    anchors = audit.anchor_path(state.settings.data_dir)
    code, output = verify(path, "--anchors", str(anchors))
    assert code == 0 and "checkpoints matched: 0" not in output


def test_a_file_that_is_no_export_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "other.json"
    path.write_text('{"hello": 1}')
    code, output = verify(path)
    assert code == 2 and "not an audit export" in output
