"""The build's task runners: worker processes that share the flow's API server, or threads."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prefect.task_runners import ThreadPoolTaskRunner

import flows.runners
from flows.runners import (
    RUNNER_ENV,
    WORKERS_ENV,
    SharedServerProcessPool,
    default_runner,
    pick_runner,
    runner_choice,
    set_polars_threads,
)
from flows.runtime import POLARS_ALLOCATOR_CONF, POLARS_ALLOCATOR_ENV
from tests.conftest import REPO, SAMPLE
from tests.flows.test_crash_safety import _snapshot

pytestmark = [pytest.mark.slow]


def test_pick_runner_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(pick_runner("threads", None), ThreadPoolTaskRunner)
    procs = pick_runner("processes", 3)
    assert isinstance(procs, SharedServerProcessPool)
    assert procs._max_workers == 3
    with pytest.raises(ValueError, match="processes"):
        pick_runner("fibers", None)
    monkeypatch.setattr("flows.runners.usable_cores", lambda: 2)
    assert isinstance(pick_runner(None, None), SharedServerProcessPool)  # the default
    monkeypatch.setattr("flows.runners.usable_cores", lambda: 1)
    assert isinstance(pick_runner("processes", None), ThreadPoolTaskRunner)  # one core: threads


def test_default_runner_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNNER_ENV, "threads")
    monkeypatch.setenv(WORKERS_ENV, "3")
    runner = default_runner()
    assert isinstance(runner, ThreadPoolTaskRunner)
    assert runner._max_workers == 3
    monkeypatch.setenv(RUNNER_ENV, "processes")
    monkeypatch.delenv(WORKERS_ENV)
    assert isinstance(default_runner(), SharedServerProcessPool)


def test_workers_flag_keeps_the_runner_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``corpus build --workers N`` with ``CORPUSFLOW_TASK_RUNNER=processes``: N processes, not threads."""
    monkeypatch.setattr("flows.runners.usable_cores", lambda: 2)
    monkeypatch.setenv(RUNNER_ENV, "processes")
    assert runner_choice(None, 3) == ("processes", 3)
    assert runner_choice("threads", 3) == ("threads", 3)  # the flag wins over the environment
    assert isinstance(pick_runner(*runner_choice(None, 3)), SharedServerProcessPool)


def test_polars_threads_for_task_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Task threads share the cores: polars gets the cores per task thread, unless the user chose."""
    monkeypatch.setattr("flows.runners.usable_cores", lambda: 2)
    monkeypatch.delenv(RUNNER_ENV, raising=False)
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    assert set_polars_threads("threads", None) == 1
    assert os.environ["POLARS_MAX_THREADS"] == "1"
    monkeypatch.delenv("POLARS_MAX_THREADS")
    assert set_polars_threads("threads", 1) == 2
    monkeypatch.setattr("flows.runners.usable_cores", lambda: 8)
    monkeypatch.delenv("POLARS_MAX_THREADS")
    monkeypatch.setenv(RUNNER_ENV, "threads")
    assert set_polars_threads(None, None) == 4
    monkeypatch.setenv("POLARS_MAX_THREADS", "3")  # the user's own value stays
    assert set_polars_threads(None, None) is None
    assert os.environ["POLARS_MAX_THREADS"] == "3"
    monkeypatch.delenv("POLARS_MAX_THREADS")
    assert set_polars_threads("processes", None) is None  # worker processes set their own
    monkeypatch.setenv(RUNNER_ENV, "processes")
    assert set_polars_threads(None, None) is None
    monkeypatch.delenv(RUNNER_ENV)
    assert set_polars_threads(None, None) is None  # the default on 2+ cores: worker processes
    assert "POLARS_MAX_THREADS" not in os.environ


_CLI_PROBE = """
import os, sys, types
fake = types.ModuleType("flows.build_corpus")
class Flow:
    def with_options(self, **options):
        return self
    def __call__(self, config):
        import polars
        print("POLARS", polars.thread_pool_size(), os.environ.get("POLARS_MAX_THREADS"))
        return {"pages_in": 0}
fake.build_corpus = Flow()
sys.modules["flows.build_corpus"] = fake
from flows.cli import main
raise SystemExit(main(["--prefect-home", sys.argv[1], "build", "nothing", "--json", *sys.argv[2:]]))
"""


@pytest.mark.parametrize(("flags", "user", "expected"), [
    (["--runner", "threads"], None, "one per task thread"), (["--runner", "threads", "--workers", "1"], None, "all"),
    ([], "2", "2"), (["--runner", "processes"], None, "unset"), ([], None, "the default's")])
def test_cli_sets_polars_threads_before_polars_loads(tmp_path: Path, flags: list[str], user: str | None,
                                                     expected: str) -> None:
    """``corpus build`` on task threads runs polars with the cores per task thread (one with two threads on
    two cores); a user's POLARS_MAX_THREADS stays; worker processes (the default on 2+ cores) set their own."""
    env = {k: v for k, v in os.environ.items() if k not in {"POLARS_MAX_THREADS", RUNNER_ENV, WORKERS_ENV}}
    env["PREFECT_API_URL"] = "http://127.0.0.1:9/api"  # the fake flow needs no API: no server is started early
    if user:
        env["POLARS_MAX_THREADS"] = user
    proc = subprocess.run([sys.executable, "-c", _CLI_PROBE, str(tmp_path / "home"), *flags], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    _, size, variable = next(x for x in proc.stdout.splitlines() if x.startswith("POLARS")).split()
    cores = flows.runners.usable_cores()
    if expected == "the default's":
        expected = "unset" if cores >= 2 else "one per task thread"
    want = {"one per task thread": str(max(1, cores // 2)), "all": str(cores), "2": "2", "unset": "None"}[expected]
    assert variable == want
    if expected != "unset":
        assert size == want


def test_worker_copy_is_not_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """A flow run gets a fresh process pool; inside a worker, where Prefect enters a copy of the flow's
    runner around each task, the copy is never another process pool."""
    runner = SharedServerProcessPool(max_workers=3)
    copy = runner.duplicate()
    assert isinstance(copy, SharedServerProcessPool)
    assert copy._max_workers == 3
    monkeypatch.setitem(flows.runners._WORKER, "inside", True)
    assert isinstance(runner.duplicate(), ThreadPoolTaskRunner)


@pytest.mark.usefixtures("prefect_server")
def test_tasks_run_in_workers_reporting_to_the_flows_server() -> None:
    """Every task runs in a worker process, and its task run is recorded by the flow's own API server."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from tests.flows.proc_flows import probe

    state = probe(4, return_state=True)
    pids = state.result()
    assert sorted(n for _, n in pids) == [0, 1, 2, 3]
    assert os.getpid() not in {p for p, _ in pids}
    this_run = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
    with get_client(sync_client=True) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # task states reach the API asynchronously
            runs = client.read_task_runs(flow_run_filter=this_run)
            if len(runs) == 4 and all(r.state and r.state.is_completed() for r in runs):
                break
            time.sleep(0.5)
    assert len(runs) == 4
    assert all(r.state is not None and r.state.is_completed() for r in runs)


@pytest.mark.usefixtures("prefect_server")
def test_workers_reuse_settings_and_skip_runner_collections() -> None:
    """A worker builds Prefect's settings once for the task runs of one flow (not once per run), does not
    load prefect-dask (a task runner it never makes), and has polars' allocator options from the runner."""
    from tests.flows.proc_flows import worker_states

    seen = worker_states(3)
    assert len({pid for pid, *_ in seen}) == 1
    assert [n for _, n, *_ in seen] == [0, 1, 2]
    assert not any(dask for _, _, dask, *_ in seen)
    assert {conf for *_, conf, _ in seen} == {os.environ.get(POLARS_ALLOCATOR_ENV, POLARS_ALLOCATOR_CONF)}
    assert len({settings for *_, settings in seen}) == 1


@pytest.mark.usefixtures("prefect_server")
def test_ending_the_workers_before_the_flow_ends() -> None:
    """The build ends its worker processes once the last task has ended, before its own last step: they are
    gone at once, and the flow run still completes. Outside a flow run, or on threads, nothing is ended."""
    from tests.flows.proc_flows import end_workers

    state = end_workers(4, return_state=True)
    assert state.is_completed()
    pids, ended, alive = state.result()
    assert ended and pids and os.getpid() not in pids
    assert alive == [False] * len(pids)
    assert not flows.runners.end_worker_processes()  # no flow run here


@pytest.mark.usefixtures("prefect_server")
def test_a_dead_worker_fails_the_run_without_hanging() -> None:
    from tests.flows.proc_flows import crash

    started = time.monotonic()
    state = crash(return_state=True)
    assert state.is_failed() or state.is_crashed()
    assert time.monotonic() - started < 120


_EARLY_PROBE = """
import sys
from flows.runtime import configure_prefect
from pathlib import Path
configure_prefect(Path(sys.argv[1]))
from flows.apiserver import adopt, launch
launched = launch()
assert "prefect" not in sys.modules  # launched before Prefect is imported
from prefect.server.api.server import SubprocessASGIServer
seconds = adopt(launched)
server = SubprocessASGIServer()
print("UP", server.running, server.server_process is launched.process, seconds is not None)
from prefect.client.orchestration import get_client
with get_client(sync_client=True) as client:  # Prefect's own client finds the adopted server
    print("API", client.api_healthcheck() is None, str(client.api_url).rstrip("/") == server.api_url)
server.stop()
print("STOPPED", launched.process.poll() is not None)
"""


def test_early_server_only_in_embedded_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``corpus build`` launches the temporary API server before it imports Prefect, so the server boots
    meanwhile, and hands it to Prefect; with a configured PREFECT_API_URL there is nothing to launch."""
    from flows.apiserver import launch

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert launch() is None
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.run([sys.executable, "-c", _EARLY_PROBE, str(tmp_path / "home")], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "UP True True True" in proc.stdout, proc.stdout
    assert "API True True" in proc.stdout, proc.stdout
    assert "STOPPED True" in proc.stdout, proc.stdout


def test_embedded_mode_starts_one_server(tmp_path: Path) -> None:
    """With no PREFECT_API_URL, the flow's temporary API server is the only one: no worker starts its own."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    proc = subprocess.run([sys.executable, "-m", "tests.flows.proc_flows"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-3000:]
    assert log.count("Starting temporary server") == 1, log[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("PIDS"))
    assert str(os.getpid()) not in line


@pytest.mark.write_disk
@pytest.mark.usefixtures("prefect_server")
def test_processes_and_threads_build_the_same_corpus(tmp_path: Path) -> None:
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    snaps = {}
    for kind in ("processes", "threads"):
        config = BuildConfig(inputs=(str(SAMPLE / "pages"),), out=tmp_path / kind, manifest=SAMPLE / "manifest.csv",
                             shard_size=3)
        summary = build_corpus.with_options(task_runner=pick_runner(kind, 2))(config)
        assert summary["pages_in"] == len(list((SAMPLE / "pages").glob("*.txt")))
        snaps[kind] = _snapshot(config.out)
    for name, frame in snaps["threads"].items():
        assert snaps["processes"][name].drop("fetched_at", strict=False).equals(
            frame.drop("fetched_at", strict=False)), name
