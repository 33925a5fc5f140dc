"""Task runners of the build: worker processes that share the flow's Prefect API server, or threads.

The stage code is Python (parsing, line rules) as much as polars, so threads of one process are
bound by the GIL: two threads gave about 1.45x one core. :class:`SharedServerProcessPool` runs the
tasks in worker processes instead (Prefect's ``ProcessPoolTaskRunner``, spawned), with three
changes that make it work and pay on a small machine:

- **One API server.** A worker process inherits the flow's Prefect settings. With no
  ``PREFECT_API_URL`` configured (Prefect's embedded mode) each worker would start a temporary API
  server of its own, and several servers on one SQLite database fight over it. The runner hands the
  workers the URL of the flow process's own server: the one Prefect started for the flow run
  (embedded mode), the test server of ``prefect_test_harness``, or the configured ``PREFECT_API_URL``
  (then nothing is started).
- **Warm workers.** Each worker imports the stage code once, when it starts, with
  ``POLARS_MAX_THREADS`` set to its share of the cores, and builds what the stages build once per
  process (``flows.stage_tasks.warm_up``: about 0.2 s of CPU), while the flow plans.
- **No nested pools.** Prefect enters a copy of the flow's task runner around every task it runs in
  a worker; here that copy is a one-thread runner, not another process pool.

:func:`default_runner` picks the runner: ``CORPUSFLOW_TASK_RUNNER`` (``processes`` or ``threads``) and
``CORPUSFLOW_WORKERS`` when set, else worker processes on a machine of 2 or more cores (threads on one).
Two task threads kept 1.0-1.2 of 2 cores busy (the GIL: parsing and the line rules hold it), so the
default is processes. What made the workers cost 25-40% more CPU than threads was mostly per task run,
and ``corpus build`` now avoids it: each worker builds one SSL context per CA file instead of two per task
run (:func:`_share_ssl_contexts`), Prefect's settings once instead of per task run
(:func:`_reuse_settings_contexts`), loads Prefect's collections when it starts but not the task-runner-only
prefect-dask (:func:`_load_collections_but_runners`), and receives the stage tasks' code versions from the
flow process; the workers start while the API server boots
(:meth:`SharedServerProcessPool.prestart`, ``flows.apiserver``).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from prefect.context import SettingsContext, get_settings_context
from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.runtime import limit_malloc_retention, release_polars_memory_promptly

RUNNER_ENV = "CORPUSFLOW_TASK_RUNNER"
"""Environment variable choosing the task runner: ``processes`` or ``threads``."""
WORKERS_ENV = "CORPUSFLOW_WORKERS"
"""Environment variable setting the number of worker processes or threads."""
MAX_DEFAULT_WORKERS = 4


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def shared_api_url() -> str | None:
    """The API URL every process of a run should use: the configured one, else the flow process's
    temporary server (started now if Prefect has not started it yet), else ``None`` (no API)."""
    configured = PREFECT_API_URL.value()
    if configured:
        return str(configured)
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    from prefect.server.api.server import SubprocessASGIServer  # noqa: PLC0415 -- server code only in this mode

    server = SubprocessASGIServer()  # the same instance Prefect's own client starts for the flow run
    server.start()  # no-op when it runs already; bounded by PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS
    return server.api_url


_WORKER = {"inside": False}  # set once in a worker process by _init_worker: which kind of process this is


def _init_worker(polars_threads: int) -> None:
    """Set up a worker process once: polars' thread count, the stage code and what it builds once per process."""
    _WORKER["inside"] = True
    # The worker's share of the cores, whatever the flow process was given: N workers each with the
    # flow's thread count would oversubscribe the cores.
    os.environ["POLARS_MAX_THREADS"] = str(polars_threads)
    limit_malloc_retention()  # as in the flow process: freed memory goes back to the system
    _share_ssl_contexts()
    _reuse_settings_contexts()
    _load_collections_but_runners()
    import flows.stage_tasks  # noqa: PLC0415 -- imported for its import cost, before the first task

    flows.stage_tasks.warm_up()


ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
"""The variable by which a user chooses pyarrow's allocator (``jemalloc``, ``mimalloc``, ``system``); when set, kept."""


def arrow_memory_from_malloc() -> bool:
    """Have pyarrow allocate from glibc's ``malloc`` (``ARROW_DEFAULT_MEMORY_POOL=system``) in this process if
    pyarrow is not loaded yet, and in every process started from it later (the worker processes); whether this
    process is affected. A value the user set is kept.

    pyarrow's default pool (mimalloc in the wheels) keeps the pages of freed buffers for its own reuse, so each
    Parquet write of a task (the Arrow copy of a frame in ``schemas.validate.conform``, the encoded column
    chunks) left its high-water mark in the process. On one 2,500-page shard of the 20,000-page real corpus
    (one process, one polars thread) the write step stood at 411-444 MB after staging its datasets and peaked
    at 426-467 MB; from ``malloc``, under the build's thresholds (:func:`flows.runtime.limit_malloc_retention`:
    a block of 4 MB or more is mapped on its own and unmapped when freed, a task's end trims the heaps), 333-348
    MB after, 359-382 MB at the peak. The variable is read once, when pyarrow makes its default pool
    (``pyarrow.set_memory_pool`` later did not change what the Parquet writers hold).
    """
    os.environ.setdefault(ARROW_POOL_ENV, "system")
    return "pyarrow" not in sys.modules


RUNNER_ONLY_COLLECTIONS = frozenset({"prefect_dask"})
"""Prefect collections (entry-point names) that hold task runners only: a worker runs the tasks it is sent
and never makes a runner of theirs, so it does not import them."""


def _load_collections_but_runners() -> None:
    """Load Prefect's installed collections in this worker, except :data:`RUNNER_ONLY_COLLECTIONS`.

    Prefect loads every collection the first time a task run looks up a block class (the result storage
    of the run's context), and prefect-dask imports dask, distributed and pandas with it: 72 MB of the
    worker's memory and about 0.2-0.5 s of CPU per worker, for a task runner the worker never makes.
    Collections that register blocks (any other) load as before; Prefect's own cache of loaded
    collections is then filled, so it does not load the left-out ones later.
    """
    from importlib.metadata import entry_points  # noqa: PLC0415

    from prefect._internal.plugins import collections  # noqa: PLC0415

    if collections._collections is not None:  # loaded already (by Prefect or an earlier call)
        return
    wanted = [ep for ep in entry_points(group="prefect.collections")
              if (ep.name or ep.value) not in RUNNER_ONLY_COLLECTIONS]
    collections._collections = collections.safe_load_entrypoints(wanted)  # type: ignore[arg-type]


def _reuse_settings_contexts() -> None:
    """Build Prefect's settings once per worker, not once per task run.

    Each task run sent to a worker carries the flow's settings as a dict, and Prefect builds a
    ``SettingsContext`` from it before the task runs (``prefect.context.hydrated_context``): a pydantic
    ``BaseSettings`` that reads the environment and Prefect's profile and TOML sources again, about 18%
    of the workers' CPU outside the stage bodies on 5,000 real pages (py-spy). The dict is the same for
    every task run of a build, so the worker builds the context for the first one and enters a copy of
    it for every later run whose dict and environment are equal; a different dict or environment builds
    a new one, as Prefect would.
    """
    import prefect.task_runners as runners  # noqa: PLC0415
    from prefect.context import SettingsContext  # noqa: PLC0415

    original = runners._run_task_with_hydrated_context
    if getattr(original, "shared_by_corpusflow", False):
        return
    built: list[Any] = []  # [serialized settings, environment, the context built from them]
    lock = threading.Lock()

    def run_with_settings(*args: Any, **kwargs: Any) -> Any:
        context = kwargs.get("context") or {}
        serialized = context.get("settings_context")
        if not serialized:
            return original(*args, **kwargs)
        environ = dict(os.environ)  # the task's environment is in force here (_run_task_in_subprocess)
        with lock:
            if not built or built[0] != serialized or built[1] != environ:
                built[:] = [serialized, environ, SettingsContext(**serialized)]
            settings = built[2].model_copy()  # a context object can be entered once at a time
        kwargs["context"] = {**context, "settings_context": None}  # entered here instead of by Prefect
        with settings:
            return original(*args, **kwargs)

    run_with_settings.shared_by_corpusflow = True  # type: ignore[attr-defined]
    runners._run_task_with_hydrated_context = run_with_settings


def _fill_code_versions() -> None:
    """Work out the stage tasks' code versions (their cache keys' part) once, here, not in every worker."""
    import flows.stage_tasks  # noqa: PLC0415 -- the stage tasks (the flow imports them too)
    from flows.caching import fill_code_versions  # noqa: PLC0415

    fill_code_versions(vars(flows.stage_tasks).values())


def _share_ssl_contexts() -> None:
    """Make ``ssl.create_default_context(cafile=F)`` return one context per CA file in this process.

    Prefect builds an API client for every task run a worker runs (two, in fact: one for the run's
    context, one for its engine), and each client a verified SSL context from certifi's CA bundle:
    about 40 ms of CPU per context, 11% of the workers' CPU at 5,000 pages, for a plain-HTTP API on
    127.0.0.1 in embedded mode. A context verified against a CA file is the same for every client; calls
    with other arguments (no CA file, ``capath``, ``cadata``, another purpose) build their own as before.
    Only worker processes share them (:func:`_init_worker`).
    """
    import ssl  # noqa: PLC0415

    original = ssl.create_default_context
    if getattr(original, "shared_by_corpusflow", False):
        return
    made: dict[str, ssl.SSLContext] = {}
    lock = threading.Lock()

    def create_default_context(purpose: ssl.Purpose = ssl.Purpose.SERVER_AUTH, *, cafile: str | None = None,
                               capath: str | None = None, cadata: str | bytes | None = None) -> ssl.SSLContext:
        if cafile is None or capath is not None or cadata is not None or purpose != ssl.Purpose.SERVER_AUTH:
            return original(purpose, cafile=cafile, capath=capath, cadata=cadata)
        with lock:
            if cafile not in made:
                made[cafile] = original(purpose, cafile=cafile)
            return made[cafile]

    create_default_context.shared_by_corpusflow = True  # type: ignore[attr-defined]
    ssl.create_default_context = create_default_context  # type: ignore[assignment]


class SharedServerProcessPool(ProcessPoolTaskRunner):
    """``ProcessPoolTaskRunner`` whose workers use the flow's API server and start warm (module docstring)."""

    def __init__(self, max_workers: int | None = None, **kwargs: Any) -> None:
        workers = max_workers or min(MAX_DEFAULT_WORKERS, usable_cores())
        threads = max(1, usable_cores() // workers)
        kwargs.setdefault("initializer", _init_worker)
        kwargs.setdefault("initargs", (threads,))
        super().__init__(max_workers=workers, **kwargs)
        self._api_url: str | None = None
        self._settings: tuple[Any, Any] | None = None
        self._warm: SharedServerProcessPool | None = None  # a started copy (prestart) a flow run has not taken
        self._taken_over: bool | None = None  # of a started copy: False until a flow run enters it

    def duplicate(self) -> Any:
        """A fresh runner like this one for a flow run; in a worker process, where Prefect enters one
        around each task it runs, a one-thread runner: never a pool of pools."""
        if _WORKER["inside"]:
            return ThreadPoolTaskRunner(max_workers=1)
        if self._warm is not None:  # workers started by prestart(): handed over, once
            warm, self._warm = self._warm, None
            return warm
        return type(self)(max_workers=self._max_workers, initializer=self._initializer, initargs=self._initargs)

    def prestart(self) -> None:
        """Start worker processes now, before the flow runs and before the API server answers (they need it
        only for their first task): their start-up (imports, ``flows.stage_tasks.warm_up``) overlaps the server's
        boot. The flow run takes them over (:meth:`duplicate`); call :meth:`release` after the flow, which
        stops them should the flow never have taken them (it failed first)."""
        if self._warm is None and not _WORKER["inside"]:
            _fill_code_versions()
            warm = type(self)(max_workers=self._max_workers, initializer=self._initializer, initargs=self._initargs)
            ProcessPoolTaskRunner.__enter__(warm)
            warm._start_workers()
            warm._taken_over = False
            self._warm = warm

    def release(self) -> None:
        """Stop the workers :meth:`prestart` started if no flow run took them over."""
        warm, self._warm = self._warm, None
        if warm is not None:
            warm.__exit__(None, None, None)

    def end_workers(self) -> None:
        """End the worker processes now, once every task sent to them has ended: the flow's last steps run in
        its own process, and an idle worker still holds what its last task left (380-390 MB each at the end of
        a 1,000,000-page build, beside the finish step's 990 MB). Nothing can be submitted afterwards; leaving
        the runner (``__exit__``) is then a no-op for the workers."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _start_workers(self) -> None:
        release_polars_memory_promptly()  # in the workers' environment before they start
        arrow_memory_from_malloc()
        if self._executor is not None:  # start every worker now: their imports overlap the flow's first steps
            for _ in range(self._max_workers):
                self._executor.submit(os.getpid)

    def __enter__(self) -> SharedServerProcessPool:
        if self._taken_over is False:  # started by prestart(): the flow run takes it over as it is
            self._taken_over = True
            self._api_url = shared_api_url()
            return self
        self._api_url = shared_api_url()
        super().__enter__()
        self._start_workers()
        _fill_code_versions()
        return self

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the flow, in the context sent to every task run of a worker) without a started copy."""
        return {**self.__dict__, "_warm": None}

    def _worker_settings(self) -> SettingsContext | None:
        """The settings in force with the shared API URL, made once per settings object (building one
        costs tens of milliseconds); ``None`` when they carry it already."""
        current = get_settings_context()
        if not self._api_url or current.settings.api.url == self._api_url:
            return None
        if self._settings is None or self._settings[0] is not current.settings:
            shared = current.settings.copy_with_update(updates={PREFECT_API_URL: self._api_url})
            self._settings = (current.settings, SettingsContext(profile=current.profile, settings=shared))
        return self._settings[1]

    def submit(self, task: Any, parameters: dict[str, Any], wait_for: Any = None,
               dependencies: Any = None) -> Any:
        """Submit with the shared API URL in the settings and environment the worker receives."""
        settings = self._worker_settings()
        if settings is None:
            return super().submit(task, parameters, wait_for=wait_for, dependencies=dependencies)
        with settings.model_copy():  # a context object can be entered once at a time
            return super().submit(task, parameters, wait_for=wait_for, dependencies=dependencies)


def end_worker_processes() -> bool:
    """End the worker processes of the flow run in progress when its task runner is a
    :class:`SharedServerProcessPool` (:meth:`~SharedServerProcessPool.end_workers`); whether it did. Call it from
    the flow once no task will be submitted again. Threads and other runners are left as they are."""
    from prefect.context import FlowRunContext  # noqa: PLC0415

    context = FlowRunContext.get()
    runner = context.task_runner if context is not None else None
    if not isinstance(runner, SharedServerProcessPool) or _WORKER["inside"]:
        return False
    runner.end_workers()
    return True


def runner_choice(kind: str | None, workers: int | None) -> tuple[str, int | None]:
    """The runner kind and worker count a build uses: those given, else ``CORPUSFLOW_TASK_RUNNER`` and
    ``CORPUSFLOW_WORKERS``, else processes (threads on a one-core machine)."""
    kind = (kind or os.environ.get(RUNNER_ENV, "")).strip().lower() or None
    if kind not in {None, "processes", "threads"}:
        raise ValueError(f"the task runner must be 'processes' or 'threads', not {kind!r}")
    workers = workers or int(os.environ.get(WORKERS_ENV, "0") or 0) or None
    return ("processes" if kind in {None, "processes"} and usable_cores() >= 2 else "threads"), workers


def set_polars_threads(kind: str | None, workers: int | None) -> int | None:
    """For a build on task threads, set ``POLARS_MAX_THREADS`` to the cores per task thread (at least one:
    one on two cores with the default two threads) and return it; ``None`` when it sets nothing.

    Call it before polars is imported (polars reads the variable once). The task threads already keep
    the cores busy, and polars' own threads on top spent CPU without saving wall time: at 20,000 pages
    on 2 cores, one polars thread per task cut Prefect's share of the CPU from 16.7% to 11.6% at the
    same wall time. A value the user set is kept, and so is everything for worker processes, which
    set their own (:func:`_init_worker`).
    """
    kind, workers = runner_choice(kind, workers)
    if kind != "threads" or os.environ.get("POLARS_MAX_THREADS", "").strip():
        return None
    threads = max(1, usable_cores() // (workers or 2))
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    return threads


def pick_runner(kind: str | None, workers: int | None) -> TaskRunner[Any]:
    """``processes`` (one per core up to four unless ``workers``) or ``threads`` (two unless ``workers``);
    ``None`` picks processes (module docstring); a one-core machine gets threads."""
    if kind not in {None, "", "processes", "threads"}:
        raise ValueError(f"the task runner must be 'processes' or 'threads', not {kind!r}")
    if kind == "threads" or usable_cores() < 2:
        return ThreadPoolTaskRunner(max_workers=workers or 2)
    return SharedServerProcessPool(max_workers=workers)


def default_runner() -> TaskRunner[Any]:
    """The build's task runner: :func:`pick_runner` with ``CORPUSFLOW_TASK_RUNNER`` and
    ``CORPUSFLOW_WORKERS`` when set (module docstring)."""
    return pick_runner(*runner_choice(None, None))
