"""Shared fixtures: Prefect runs against a throw-away test server for the whole session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.runtime import configure_prefect

# Before anything imports prefect: a private home and quiet, offline settings.
_HOME = Path(tempfile.mkdtemp(prefix="corpusflow-prefect-"))
os.environ["PREFECT_HOME"] = str(_HOME)
configure_prefect(_HOME)
# The flow tests run on the default runner (threads); the process runner has its own tests
# (tests/flows/test_runners.py, and the Retry test runs with it). CORPUSFLOW_TASK_RUNNER=processes
# runs the whole suite with it.
os.environ.setdefault("CORPUSFLOW_TASK_RUNNER", "threads")
# One pseudonym key for every build of the session, as a team shares one key file: outputs built from the
# same inputs into different folders (resumed, on other runners, on Dask) then hold the same author_id.
# Tests of the key made per output unset it (tests/flows/test_publish.py, tests/unit/test_privacy.py).
(_HOME / "pseudonym.key").write_text("the test session's shared pseudonym key\n")
os.environ.setdefault("CORPUSFLOW_PSEUDONYM_KEY", str(_HOME / "pseudonym.key"))

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server (temporary database) for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
