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

:func:`limit_malloc_retention` (called by the build flow) is not a Prefect setting but a process one:
it keeps glibc's allocator from holding on to the memory a finished task freed.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library this process runs on (its symbols), or ``None`` where it cannot be loaded."""
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
MMAP_THRESHOLD_BYTES = 4 << 20
"""Allocations of this size or more get pages of their own, given back to the system when freed."""
TRIM_THRESHOLD_BYTES = 8 << 20
"""Free memory at the top of an allocator heap beyond this is given back to the system."""
MALLOC_ENV = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")
"""Variables by which the allocator is tuned from outside; when one is set, its choice is kept."""


def limit_malloc_retention() -> bool:
    """Pin glibc's mmap and trim thresholds (4 and 8 MB) so that freed memory goes back to the system.

    By default glibc raises the size from which it maps a block on its own each time such a block is
    freed (up to 32 MB) and keeps up to twice that free at the top of each thread's heap. A build
    frees blocks of every size in its two task threads (decoded pages, line lists, langid's arrays,
    zstd's compression contexts in the write step), so those heaps filled with freed memory that
    was never returned: at the end of a 20,000-page build with 2,500-page shards, glibc held 438 MB
    of which 83 MB were in use, most of the rest in the two task threads' heaps, and the process's
    low point rose stage by stage with it. Pinned thresholds also switch the raising off.

    Returns whether the thresholds were set: not on a C library without ``mallopt`` (macOS) or with
    one that does nothing (musl), nor when ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_`` or
    ``GLIBC_TUNABLES`` is set (the user's choice is kept). Safe to call more than once.
    """
    if any(os.environ.get(name) for name in MALLOC_ENV):
        return False
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))


POLARS_ALLOCATOR_ENV = "_RJEM_MALLOC_CONF"
"""The variable polars' own allocator (jemalloc, built into polars under the ``_rjem_`` prefix) reads its
options from, once, when polars is loaded."""
POLARS_ALLOCATOR_CONF = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0"
"""Pages polars freed go back to the system about a second after, from a background thread."""


def release_polars_memory_promptly() -> bool:
    """Have polars' allocator return the memory a task freed within about a second, in this process if polars
    is not loaded yet and in every process started from it later (the worker processes); whether this
    process is affected. A value the user set is kept.

    polars allocates with jemalloc, not glibc, so :func:`trim_freed_memory` cannot return what a polars
    query freed; jemalloc keeps freed pages for 10 s by default and returns them only while it is called
    again, so a worker that finished a task held them while it waited for the next one, beside the other
    worker's peak. Measured on one 2,500-page shard (strip, template rows, parse, one process, one polars
    thread): 481-482 MB left after parse against 511-570 MB by default, the same CPU (10.6-11.5 s against
    11.2-12.0 s); returning every freed page at once (``dirty_decay_ms:0``) left 376-390 MB but cost 13-20%
    more CPU.
    """
    os.environ.setdefault(POLARS_ALLOCATOR_ENV, POLARS_ALLOCATOR_CONF)
    return "polars" not in sys.modules


def trim_freed_memory() -> bool:
    """Give the free memory inside glibc's heaps back to the system (``malloc_trim(0)``); whether it could.

    The pinned thresholds (:func:`limit_malloc_retention`) return what is freed at the top of a heap;
    this returns the holes inside it, which a large shard's many mid-size blocks leave. A stage task
    calls it when its body ends (``flows.stage_tasks.recorded``): about 2 ms of CPU a call, and the next task
    touches the pages afresh (more page faults). At 20,000 pages in 2,500-page shards, the build's low
    point in the write step was 956 MB with the pinned thresholds alone, 718 MB with this as well.
    """
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
DISK_FULL_TEXTS = ("no space left on device", "os error 28", "database or disk is full", "disk quota exceeded")
"""How a full disk shows in errors that carry no errno: pyarrow's and polars' messages, SQLite's."""


class DiskFullError(OSError):
    """A write under ``folder`` found its file system full (ENOSPC or a quota); made by :func:`disk_full_error`."""

    def __init__(self, message: str, folder: str = "") -> None:
        super().__init__(errno.ENOSPC, message)
        self.folder = folder

    def __reduce__(self) -> tuple[type[DiskFullError], tuple[str, str]]:
        return type(self), (str(self.strerror), self.folder)  # crosses to the flow process from a worker

    def __str__(self) -> str:
        return str(self.strerror)


def disk_full_error(folder: Path) -> DiskFullError:
    """The error of a full disk met while writing under ``folder``: it names the folder and its file system."""
    mount, free = disk_of(folder)
    return DiskFullError(f"disk full: no space left in {folder} (file system mounted at {mount}, {free:,} bytes "
                         f"free now); free space there, then run the build again (or press Retry)", str(folder))


def disk_full_from(exc: BaseException, folder: Path) -> DiskFullError | None:
    """The :class:`DiskFullError` to raise instead of ``exc``, met while writing under ``folder``: it names the
    folder and has ``exc`` as its cause. ``None`` when no disk was full, or ``exc`` is such an error already
    (or was raised from one). The one place that turns a write's ENOSPC into that message."""
    if not is_disk_full(exc) or any(isinstance(e, DiskFullError) for e in (exc, exc.__cause__)):
        return None
    error = disk_full_error(folder)
    error.__cause__ = exc
    return error



@contextmanager
def naming_full_disk(folder: Path) -> Iterator[None]:
    """Run the block; a full disk met in it is raised as the :class:`DiskFullError` that names ``folder``
    (:func:`disk_full_from`), any other error as it is."""
    try:
        yield
    except Exception as exc:
        full = disk_full_from(exc, folder)
        if full is None:
            raise
        raise full from exc

def disk_of(folder: Path) -> tuple[Path, int]:
    """The mount point of the file system holding ``folder`` (or its nearest existing parent) and the bytes
    free on it for this user."""
    path = Path(os.path.abspath(folder))
    while not path.exists() and path != path.parent:
        path = path.parent
    free = shutil.disk_usage(path).free
    while not os.path.ismount(path) and path != path.parent:
        path = path.parent
    return path, free


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or during, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or an error it came from) says that a disk is full."""
    return any(getattr(e, "errno", None) in DISK_FULL_ERRNOS or any(t in str(e).lower() for t in DISK_FULL_TEXTS)
               for e in _chain(exc))


def describe_disk_full(exc: BaseException) -> str | None:
    """The one-line message of a full disk behind ``exc``: the :class:`DiskFullError`'s (it names the folder),
    else the error's own; ``None`` when no disk was full."""
    for e in _chain(exc):
        if isinstance(e, DiskFullError):
            return str(e)
    return f"disk full: {type(exc).__name__}: {exc}" if is_disk_full(exc) else None


def full_disks(folders: dict[str, Path], *, below: int = 1 << 20) -> list[str]:
    """``name (folder, mount point)`` of each of ``folders`` whose file system has less than ``below`` bytes free."""
    found = []
    for name, folder in folders.items():
        mount, free = disk_of(folder)
        if free < below:
            found.append(f"{name} {folder} (file system mounted at {mount}, {free:,} bytes free)")
    return found


PREFECT_HOME_MIN_FREE = 32 << 20
"""Bytes a build's embedded Prefect server needs free beside its home: the database takes about 6 MB when
it is created and grows by 20-26 KB per task run. A database created on a fuller disk was left half
migrated (its server could not start again even once space was freed), so a build does not start."""


def check_prefect_home_space(home: Path, *, minimum: int = PREFECT_HOME_MIN_FREE) -> None:
    """Raise :class:`DiskFullError` when the Prefect home's file system has less than ``minimum`` bytes free
    and the build would start its own API server there (no ``PREFECT_API_URL``)."""
    if os.environ.get("PREFECT_API_URL"):
        return
    mount, free = disk_of(home)
    if free < minimum:
        raise DiskFullError(f"disk full: {free:,} bytes free for the Prefect home {home} (file system mounted at "
                            f"{mount}); its database needs {minimum >> 20} MB free: free space there, or choose "
                            f"another home with --prefect-home or PREFECT_HOME, then run again", str(home))
