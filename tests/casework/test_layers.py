"""The application layer stands without the web layer: a station worker or a retention run needs no FastAPI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
import casework.jobs.worker, casework.jobs.service, casework.route_versions, casework.findings
import casework.report_facts, casework.device_signals, casework.demo.case, casework.demo.seed
web = sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'api', 'uvicorn', 'typer'})
print(','.join(web) or 'none')
"""


def test_importing_the_use_cases_loads_no_web_module() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "none", result.stdout + result.stderr


def test_the_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout
