"""Prefect settings for quiet, offline local runs; call :func:`configure_prefect` before importing prefect.

Defaults (each can be overridden by setting the variable yourself):

- ``PREFECT_HOME``: ``~/.corpusflow/prefect`` (its ``prefect.db`` is the ephemeral server's
  database); ``corpus --prefect-home DIR`` or ``CORPUSFLOW_PREFECT_HOME`` choose another.
- no telemetry: ``DO_NOT_TRACK=1``, ``PREFECT_SERVER_ANALYTICS_ENABLED=false``.
- ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=90``: the ephemeral API server takes
  10-17 s to start on a small machine, and Prefect's default of 20 s leaves little headroom.
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
}


def configure_prefect(home: Path | None = None) -> Path:
    """Set Prefect's environment for a local run and return the Prefect home in use."""
    chosen = home or Path(os.environ.get("CORPUSFLOW_PREFECT_HOME", "") or DEFAULT_PREFECT_HOME)
    os.environ.setdefault("PREFECT_HOME", str(chosen.expanduser().resolve()))
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    return Path(os.environ["PREFECT_HOME"])
