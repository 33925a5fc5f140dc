"""Prefect settings for quiet, offline local runs; call :func:`configure_prefect` before importing prefect.

Defaults (each can be overridden by setting the variable yourself):

- ``PREFECT_HOME``: ``~/.corpusflow/prefect`` (its ``prefect.db`` is the ephemeral server's
  database); ``CORPUSFLOW_PREFECT_HOME`` chooses another. ``corpus --prefect-home DIR`` chooses one for
  that command and wins over ``PREFECT_HOME`` set in the environment.
- no telemetry: ``DO_NOT_TRACK=1``, ``PREFECT_SERVER_ANALYTICS_ENABLED=false``.
- ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=90``: the ephemeral API server takes
  10-17 s to start on a small machine, and Prefect's default of 20 s leaves little headroom.
- ``PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE=100``: the API server records task-run states
  from the events the tasks send; by default it commits each event on its own (three per task
  run), with this it commits them together, every 5 s or per 100 events, and a task run costs the
  server about a third of the CPU. Task states reach the UI up to 5 s later; nothing is dropped (the
  server records what is queued when it stops). It applies to a server started from this environment:
  the embedded one and ``prefect server start``.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_PREFECT_HOME = Path.home() / ".corpusflow" / "prefect"

QUIET_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
}


def configure_prefect(home: Path | None = None) -> Path:
    """Set Prefect's environment for a local run and return the Prefect home in use.

    ``home`` (``corpus --prefect-home``) is used even when ``PREFECT_HOME`` is set; without it,
    ``PREFECT_HOME`` if set, else ``CORPUSFLOW_PREFECT_HOME``, else ``DEFAULT_PREFECT_HOME``.
    """
    if home is not None:
        os.environ["PREFECT_HOME"] = str(home.expanduser().resolve())
    else:
        chosen = Path(os.environ.get("CORPUSFLOW_PREFECT_HOME", "") or DEFAULT_PREFECT_HOME)
        os.environ.setdefault("PREFECT_HOME", str(chosen.expanduser().resolve()))
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    return Path(os.environ["PREFECT_HOME"])
