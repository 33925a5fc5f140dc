"""Process settings of a build: glibc's allocator gives back what a finished task freed."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

from flows.runtime import MALLOC_ENV, limit_malloc_retention, trim_freed_memory
from tests.conftest import REPO

GLIBC = hasattr(ctypes.CDLL(None), "mallinfo2")

# Run in a fresh interpreter: the thresholds are process-wide and sticky. A thread frees a 24 MB block
# (glibc then raises its thresholds to 24 and 48 MB) and 32 one-MB blocks; prints the MB glibc holds free.
_FREED_AND_HELD = """
import ctypes, sys, threading
from flows.runtime import limit_malloc_retention
if sys.argv[1] == "limit":
    assert limit_malloc_retention()
libc = ctypes.CDLL(None)
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                               "fsmblks", "uordblks", "fordblks", "keepcost")]
libc.mallinfo2.restype = Info
def work():
    big = b"x" * (24 << 20)
    del big
    blocks = [b"x" * (1 << 20) for _ in range(32)]
    del blocks
thread = threading.Thread(target=work)
thread.start()
thread.join()
print(libc.mallinfo2().fordblks / 2**20)
"""


# With the build's thresholds, a thread keeps 64 one-MB blocks, frees every other one (holes inside its heap,
# the top still in use) and prints its resident MB before and after trim_freed_memory() (or nothing).
_HOLES = """
import sys, threading
from flows.runtime import limit_malloc_retention, trim_freed_memory
assert limit_malloc_retention()
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20
def work():
    blocks = [b"x" * (1 << 20) for _ in range(64)]
    del blocks[::2]
    before = rss()
    if sys.argv[1] == "trim":
        assert trim_freed_memory()
    print(before, rss())
thread = threading.Thread(target=work)
thread.start()
thread.join()
"""


def _run(script: str, mode: str) -> list[float]:
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    done = subprocess.run([sys.executable, "-c", script, mode], cwd=REPO, env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    return [float(x) for x in done.stdout.split()]


def _held_mb(mode: str) -> float:
    return _run(_FREED_AND_HELD, mode)[0]


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator only (mallinfo2, glibc 2.33 or later)")
def test_limit_malloc_retention_gives_freed_memory_back() -> None:
    """The freed 1 MB blocks stay in the thread's heap by default; with the limit they go back to the system."""
    assert _held_mb("default") >= 24
    assert _held_mb("limit") < 8


def test_limit_malloc_retention_keeps_the_users_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert limit_malloc_retention() is False


@pytest.mark.skipif(not GLIBC, reason="glibc's allocator only (malloc_trim)")
def test_trim_freed_memory_returns_the_holes() -> None:
    """32 MB freed inside a heap stay resident until trimmed; the trim gives back most of them."""
    assert trim_freed_memory()
    before, after = _run(_HOLES, "keep")
    assert before - after < 4
    before, after = _run(_HOLES, "trim")
    assert before - after > 24


# Sets pyarrow's pool as corpus build does (or not), then prints the pool pyarrow allocates from.
_ARROW_POOL = """
import sys
from flows.runners import arrow_memory_from_malloc
if sys.argv[1] == "build":
    assert arrow_memory_from_malloc()
import pyarrow as pa
print(pa.default_memory_pool().backend_name)
"""


def _arrow_pool(mode: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | env
    done = subprocess.run([sys.executable, "-c", _ARROW_POOL, mode], cwd=REPO, env=clean, capture_output=True,
                          text=True, check=True, timeout=60)
    return done.stdout.strip()


def test_arrow_allocates_from_malloc_in_a_build() -> None:
    """pyarrow's own pool keeps freed pages; a build has it allocate from glibc's malloc instead."""
    assert _arrow_pool("default") != "system"
    assert _arrow_pool("build") == "system"


def test_arrow_pool_keeps_the_users_choice() -> None:
    assert _arrow_pool("build", ARROW_DEFAULT_MEMORY_POOL="jemalloc") == "jemalloc"
