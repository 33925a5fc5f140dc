"""A pytest plugin that bounds how long the test process may take to exit once the session has ended.

At interpreter exit Python joins every non-daemon thread and runs the ``atexit`` hooks (Prefect's
services flush their queues to the API there, its temporary server is stopped there). Should one of
them block, the results are printed but the process never ends, and CI waits out its whole time limit
with nothing to show. After ``CORPUSFLOW_TEST_EXIT_GRACE`` seconds (default 120) the plugin prints
every thread's stack to stderr, so the blocking call is named in the log, and ends the process with
the session's own exit status. Should the interpreter be stuck where Python code cannot run, a second,
C-level timer (twice the grace) prints the stacks and exits with status 1.
"""

from __future__ import annotations

import faulthandler
import os
import sys
import threading
import time

import pytest

_DEFAULT_GRACE_SECONDS = 120.0


def _grace_seconds() -> float:
    return float(os.environ.get("CORPUSFLOW_TEST_EXIT_GRACE", _DEFAULT_GRACE_SECONDS))


def _end_after(grace: float, status: int) -> None:
    time.sleep(grace)
    sys.stderr.write(f"\nexit_watchdog: the test process is still running {grace:.0f} s after the session "
                     f"ended; every thread's stack follows, then it exits with the session's status {status}\n")
    sys.stderr.flush()
    faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    sys.stderr.flush()
    os._exit(status)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Armed as the session finishes: what may block comes after (the last hooks, the exit)."""
    grace = _grace_seconds()
    threading.Thread(target=_end_after, args=(grace, int(exitstatus)), name="exit-watchdog", daemon=True).start()
    faulthandler.dump_traceback_later(2 * grace, exit=True, file=sys.__stderr__)
