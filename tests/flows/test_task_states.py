"""Task-run states of an embedded-mode build all reach Prefect's database, though the API server records
them in batches (``PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE``, ``flows/runtime.py``): the
states still queued when the build ends are written when the temporary server stops."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from flows.runtime import QUIET_DEFAULTS
from tests.conftest import REPO, SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.write_disk]


def test_the_server_records_task_states_in_batches() -> None:
    assert int(QUIET_DEFAULTS["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE"]) > 1


def test_every_task_state_is_recorded_when_the_build_ends(tmp_path: Path) -> None:
    home, out = tmp_path / "prefect-home", tmp_path / "out"
    env = {k: v for k, v in os.environ.items()  # embedded mode, the command's own defaults
           if k not in {"PREFECT_API_URL", "PREFECT_HOME", "PREFECT_SERVER_DATABASE_CONNECTION_URL", *QUIET_DEFAULTS}}
    env["PREFECT_HOME"] = str(home)
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "build", str(SAMPLE / "pages"), "--out", str(out),
                           "--manifest", str(SAMPLE / "manifest.csv")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bodies = sum(1 for _ in (out / "_work" / "executions.jsonl").open())  # every stage task that ran
    with sqlite3.connect(home / "prefect.db") as db:
        states = db.execute("SELECT name, state_type FROM task_run").fetchall()
        transitions = db.execute("SELECT count(*) FROM task_run_state").fetchone()[0]
    assert len(states) == bodies + 2, (bodies, states)  # plan and finish record no execution
    assert {state for _, state in states} == {"COMPLETED"}, states
    assert transitions >= 3 * len(states)  # pending, running, completed of each
    assert json.loads((out / "_state" / "last_run.json").read_text())["shards"] >= 1
