"""Small flows on the build's process runner, for tests/flows/test_runners.py (importable by spawned workers)."""

from __future__ import annotations

import os

from prefect import flow, task

from flows.runners import SharedServerProcessPool, end_worker_processes


@task(name="where-am-i")
def where_am_i(n: int) -> tuple[int, int]:
    """The process id that ran the task, with its input."""
    return os.getpid(), n


@task(name="what-did-the-worker-load")
def worker_state(n: int) -> tuple[int, int, bool, str | None, int]:
    """The process id, whether prefect-dask is loaded, polars' allocator options in the environment and the
    identity of the settings object the task ran under."""
    import sys

    from prefect.context import SettingsContext

    settings = SettingsContext.get()
    assert settings is not None
    return (os.getpid(), n, "prefect_dask" in sys.modules, os.environ.get("_RJEM_MALLOC_CONF"),
            id(settings.settings))


@task(name="die")
def die(n: int) -> int:
    """End the worker process at once, the way a crash or the kernel's OOM killer does."""
    os._exit(n)


@flow(name="runner-probe", task_runner=SharedServerProcessPool(max_workers=2))
def probe(n: int = 4) -> list[tuple[int, int]]:
    """Run ``n`` trivial tasks in the worker processes; their process ids."""
    return [f.result() for f in [where_am_i.submit(i) for i in range(n)]]


@flow(name="runner-workers", task_runner=SharedServerProcessPool(max_workers=1))
def worker_states(n: int = 3) -> list[tuple[int, int, bool, str | None, int]]:
    """Run ``n`` tasks one after another in one worker process: what each saw (:func:`worker_state`)."""
    return [worker_state.submit(i).result() for i in range(n)]


@flow(name="runner-crash", task_runner=SharedServerProcessPool(max_workers=2))
def crash() -> list[int]:
    """One task ends its worker process."""
    return [f.result() for f in [where_am_i.submit(1), die.submit(3), where_am_i.submit(2)]]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@flow(name="runner-end-workers", task_runner=SharedServerProcessPool(max_workers=2))
def end_workers(n: int = 4) -> tuple[list[int], bool, list[bool]]:
    """Run ``n`` tasks, then end the workers: their process ids, whether they were ended and whether each
    is still alive afterwards."""
    pids = sorted({pid for pid, _ in [f.result() for f in [where_am_i.submit(i) for i in range(n)]]})
    ended = end_worker_processes()
    return pids, ended, [_alive(pid) for pid in pids]


if __name__ == "__main__":  # embedded mode: run in a fresh process with no PREFECT_API_URL
    pids = probe(4)
    print("PIDS", os.getpid(), sorted({p for p, _ in pids}), flush=True)
