"""Shared fixtures: Prefect runs against a throw-away test server for the whole session."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from flows.evaluate import is_sealed
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
# Tests of the key made per output unset it (tests/flows/test_publish.py, tests/unit/publish/test_privacy.py).
(_HOME / "pseudonym.key").write_text("the test session's shared pseudonym key\n")
os.environ.setdefault("CORPUSFLOW_PSEUDONYM_KEY", str(_HOME / "pseudonym.key"))

# Property tests: the same examples on every run by default, so a test that passed on a commit passes on its
# clean clone (CI). HYPOTHESIS_PROFILE=explore draws new examples on each run, to look for cases not yet seen.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
TRAIN = REPO.parent / "shared" / "corpus-train"
"""The labelled pages of sites no rule was written on (``../shared/corpus-train``); absent on a bare clone."""


def open_fold_folder(tmp_path: Path, names: list[str], suffixes: tuple[str, ...]) -> Path:
    """``tmp_path`` holding links to the named corpus-train pages (their truth and each of ``suffixes``
    present): a folder ``corpus eval`` reads. Skips the test without ``../shared``; fails on a page of the
    sealed fold, which no test may open."""
    if not TRAIN.is_dir():
        pytest.skip(f"{TRAIN} is not present")
    for name in names:
        truth = json.loads((TRAIN / f"{name}.truth.json").read_text(encoding="utf-8"))
        assert not is_sealed(truth["site"]), f"{name} is in the sealed fold"
        found = [suffix for suffix in (".truth.json", *suffixes) if (TRAIN / f"{name}{suffix}").is_file()]
        assert len(found) > 1, f"{name} has none of {suffixes}"
        for suffix in found:
            (tmp_path / f"{name}{suffix}").symlink_to(TRAIN / f"{name}{suffix}")
    return tmp_path
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# A test process that cannot exit (a thread or exit hook that blocks) ends, with its stacks printed.
pytest_plugins = ["tests.exit_watchdog"]


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server (temporary database) for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
