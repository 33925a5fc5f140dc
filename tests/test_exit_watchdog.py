"""The exit watchdog (tests/exit_watchdog.py): a test process whose exit blocks ends with its session's
status and the blocking thread's stack in its log, instead of running until CI's time limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

HANGING = '''
import threading

_never = threading.Event()


def test_leaves_a_thread_that_never_ends():
    threading.Thread(target=_never.wait, name="never-ends").start()  # not a daemon: exit waits for it
    assert {OUTCOME}
'''


@pytest.mark.parametrize(("outcome", "status"), [("True", 0), ("False", 1)])
def test_a_blocked_exit_ends_with_the_session_status(tmp_path: Path, outcome: str, status: int) -> None:
    (tmp_path / "test_hang.py").write_text(HANGING.replace("{OUTCOME}", outcome))
    env = dict(os.environ, CORPUSFLOW_TEST_EXIT_GRACE="1", PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.exit_watchdog",
                           "--rootdir", str(tmp_path), str(tmp_path / "test_hang.py")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == status, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "still running 1 s after the session ended" in proc.stderr, proc.stderr[-2000:]
    assert "_never.wait" in proc.stderr or "in wait" in proc.stderr, proc.stderr[-2000:]  # the blocked thread's stack
