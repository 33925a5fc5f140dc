"""Issue 7: a deployment run that fails in dedup, retried the way the UI's Retry button does it,
runs only dedup and the stages after it; the finished stages are served from their persisted results.

Uses a real local Prefect server (its own home in tmp_path, a free loopback port) and ``corpus serve``,
with the tasks in worker processes (``CORPUSFLOW_TASK_RUNNER=processes``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, SAMPLE
from tests.flows.test_crash_safety import _snapshot

pytestmark = [pytest.mark.slow, pytest.mark.write_disk]

UPSTREAM = ("ingest", "strip_boilerplate", "learn_templates", "parse", "detect_language")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate, timeout: float, what: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture
def server(tmp_path: Path):
    port = _free_port()
    env = dict(os.environ)
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", PREFECT_SERVER_UI_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            return httpx.get(f"{api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait(healthy, 120, "the Prefect server")
        client_env = dict(os.environ)
        client_env.update(PREFECT_API_URL=api, PREFECT_HOME=str(tmp_path / "client-home"),
                          PREFECT_RUNNER_POLL_FREQUENCY="2", CORPUSFLOW_TASK_RUNNER="processes")
        yield api, client_env
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _created(response: httpx.Response) -> dict | None:
    """The created object, or None when the server answered with an error (it can be busy under load:
    the request is sent again until the wait times out)."""
    return response.json() if response.status_code in (200, 201) else None


def _flow_run(api: str, run_id: str) -> dict:
    return httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()


def _task_states(api: str, run_id: str) -> list[tuple[str, str]]:
    """(task key, state name) of the run's task runs whose state has reached the API. The server records
    task runs from the events the workers send, so a task run can be listed before its state is set (its
    ``state`` is null then): it is left out until its state arrives."""
    body = {"flow_runs": {"id": {"any_": [run_id]}}, "limit": 200}
    runs = httpx.post(f"{api}/task_runs/filter", json=body, timeout=10).json()
    return [(r["task_key"], r["state"]["name"]) for r in runs if r.get("state")]


def test_retry_runs_only_the_failed_stage_and_after(tmp_path: Path, server: tuple[str, dict[str, str]]) -> None:
    api, env = server
    out = tmp_path / "out"
    (out / "_work").mkdir(parents=True)
    (out / "_work" / "dedup").write_text("a file where the dedup stage folder should be")  # a real fault
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", str(SAMPLE / "pages"), "--out", str(out),
         "--manifest", str(SAMPLE / "manifest.csv"), "--name", "retry-test"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("wb"),
        start_new_session=True)
    try:
        deployment = _wait(lambda: httpx.get(f"{api}/deployments/name/build-corpus/retry-test",
                                             timeout=5).json().get("id"), 120, "the served deployment")
        run = _wait(lambda: _created(httpx.post(f"{api}/deployments/{deployment}/create_flow_run", json={},
                                                timeout=10)), 60, "the flow run to be created")
        _wait(lambda: _flow_run(api, run["id"])["state"]["type"] in ("FAILED", "CRASHED"), 300,
              "the first run to fail")
        log = (tmp_path / "serve.log").read_text(errors="replace")
        message = _flow_run(api, run["id"])["state"]["message"]  # issue 19: the UI names the stage and the error
        assert "dedup-keys [shard 1/1] failed: FileExistsError" in message and "NoneType" not in message, message
        assert (out / "_work" / "executions.jsonl").exists(), log[-3000:]
        executed = Counter(json.loads(line)["stage"] for line in (out / "_work" / "executions.jsonl").open())
        assert executed["write"] == 0

        (out / "_work" / "dedup").unlink()  # fix the fault, then press Retry (what the UI sends)
        response = httpx.post(f"{api}/flow_runs/{run['id']}/set_state", timeout=10, json={
            "state": {"type": "SCHEDULED", "name": "AwaitingRetry", "message": "Retry from the UI"}, "force": False})
        assert response.status_code in (200, 201), response.text
        _wait(lambda: _flow_run(api, run["id"])["state"]["type"] == "COMPLETED", 300, "the retried run to complete")
        assert _flow_run(api, run["id"])["run_count"] == 2
    finally:
        os.killpg(serve.pid, signal.SIGKILL)
        serve.wait(timeout=30)

    after = Counter(json.loads(line)["stage"] for line in (out / "_work" / "executions.jsonl").open())
    for stage in UPSTREAM:  # executed once, in the first attempt only
        assert after[stage] == executed[stage] and executed[stage] >= 1, (stage, executed, after)
    assert after["dedup_keys"] > executed["dedup_keys"]
    for stage in ("find_duplicates", "merge_comments", "write"):
        assert after[stage] >= 1, (stage, after)
    states = _wait(lambda: (s := _task_states(api, run["id"])) and any(n == "Cached" for _, n in s) and s, 30,
                   "task states to reach the API")
    assert any(name == "Cached" for _, name in states)

    # Issue 19: the summary of the retried run covers the whole run, the stages served from the cache marked
    last = json.loads((out / "_state" / "last_run.json").read_text())
    assert last["attempt"] == 2
    stages = {row["stage"]: row for row in last["stages"]}
    for stage in ("ingest", "strip-boilerplate", "parse", "detect-language"):
        assert stages[stage]["cached"] == stages[stage]["task_runs"] >= 1, (stage, stages[stage])
        assert stages[stage]["seconds"] > 0, (stage, stages[stage])  # ran in the first attempt
    assert stages["write"]["cached"] == 0
    assert last["seconds_ingest"] > 0
    artifacts = httpx.post(f"{api}/artifacts/filter", timeout=10,
                           json={"artifacts": {"flow_run_id": {"any_": [run["id"]]}}}).json()
    summary = [a for a in artifacts if a["key"] == "corpus-build-summary" and a["task_run_id"] is None]
    assert summary and "| parse | " in summary[-1]["data"] and "(cached)" in summary[-1]["data"], artifacts

    reference = tmp_path / "reference"  # the same build, uninterrupted
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "build", str(SAMPLE / "pages"), "--out",
                           str(reference), "--manifest", str(SAMPLE / "manifest.csv")],
                          cwd=REPO, env=env, capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    got, expected = _snapshot(out), _snapshot(reference)
    for name, frame in expected.items():
        assert got[name].drop("fetched_at", strict=False).equals(frame.drop("fetched_at", strict=False)), name
