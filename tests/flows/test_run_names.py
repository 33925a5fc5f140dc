"""Issue 19: what the Prefect UI shows of a build, checked through the API: task runs named after their
stage and shard or partition, the artifacts on the flow run, a failure named in the flow run's state
message with no task runs left behind it, and a rerun that marks the stages served from the cache."""

from __future__ import annotations

import re
import time
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowRunFilter, FlowRunFilterId

from flows.config import BuildConfig
from tests.conftest import SAMPLE

pytestmark = [pytest.mark.slow, pytest.mark.write_disk]

SHARD_STAGES = ("ingest", "strip-boilerplate", "template-rows", "parse", "detect-language", "dedup-keys",
                "dedup-rows", "apply-duplicates", "write")
PART_STAGES = ("learn-templates", "find-duplicates", "update-index", "merge-comments")
GLOBAL_STAGES = ("plan", "merge-templates", "dedup-prior", "cluster-duplicates", "count-repeats", "finish")


def _task_runs(flow_run_id: UUID, expected: int = 1, names: set[str] = frozenset()) -> list:
    """The flow run's task runs, once ``expected`` of them and those named ``names`` reached the API (they
    are recorded in batches)."""
    deadline = time.monotonic() + 60
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            if (len(runs) >= expected and names <= {r.name for r in runs}) or time.monotonic() > deadline:
                return runs
            time.sleep(1)


def _config(tmp_path: Path, shard_size: int = 4) -> BuildConfig:
    return BuildConfig(inputs=(str(SAMPLE / "pages"),), out=tmp_path / "out", manifest=SAMPLE / "manifest.csv",
                       shard_size=shard_size)


def test_task_runs_are_named_and_artifacts_hang_on_the_flow_run(tmp_path: Path, prefect_server: None) -> None:
    from flows.build_corpus import build_corpus

    state = build_corpus(_config(tmp_path), return_state=True)
    assert state.is_completed()
    summary = state.result()
    flow_run_id = state.state_details.flow_run_id
    shards = summary["shards"]
    assert shards == 2
    runs = _task_runs(flow_run_id, names={f"{stage} [shard {i}/{shards}]" for stage in SHARD_STAGES
                                          for i in range(1, shards + 1)} | set(GLOBAL_STAGES))
    names = {r.name for r in runs}
    for stage in SHARD_STAGES:
        assert {f"{stage} [shard {i}/{shards}]" for i in range(1, shards + 1)} <= names, (stage, sorted(names))
    for stage in PART_STAGES:
        parts = [n for n in names if n.startswith(f"{stage} [partition ")]
        assert parts, (stage, sorted(names))
        total = int(re.search(r"/(\d+)\]$", parts[0]).group(1))
        assert sorted(parts) == sorted(f"{stage} [partition {p}/{total}]" for p in range(1, total + 1))
    assert set(GLOBAL_STAGES) <= names
    assert all(re.fullmatch(r"[a-z-]+( \[(shard|partition) \d+/\d+\])?", n) for n in names), sorted(names)

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    by_key = {a.key: a for a in artifacts}
    assert {"corpus-build-counts", "corpus-build-summary"} <= set(by_key)
    assert all(a.task_run_id is None for a in by_key.values())  # the flow run's own, not the finish task's
    assert "| parse | 2 | 0 |" in by_key["corpus-build-summary"].data


def test_a_failed_stage_is_named_and_nothing_runs_behind_it(tmp_path: Path, prefect_server: None) -> None:
    from flows.build_corpus import build_corpus

    config = _config(tmp_path)
    (config.work_dir).mkdir(parents=True)
    (config.work_dir / "dedup").write_text("a file where the dedup stage folder should be")  # a real fault
    state = build_corpus(config, return_state=True)
    assert state.is_failed()
    message = state.message
    assert re.search(r"dedup-keys \[shard [12]/2\] failed: FileExistsError: \[Errno 17\] File exists: '.*dedup'",
                     message), message
    assert "NoneType" not in message
    runs = _task_runs(state.state_details.flow_run_id, expected=1)
    time.sleep(6)  # the last states reach the API in batches
    runs = _task_runs(state.state_details.flow_run_id, expected=len(runs))
    states = {(r.name, r.state.name if r.state else None) for r in runs}
    assert not [s for s in states if s[1] in {"NotReady", "Pending"}], sorted(states)
    assert not [n for n, _ in states if n.startswith(("dedup-rows", "find-duplicates", "write"))], sorted(states)

    (config.work_dir / "dedup").unlink()  # the fault fixed: the rerun serves the finished stages from the cache
    summary = build_corpus(config)
    cached = dict(item.rsplit(" ", 1) for item in summary["cached"].split(", "))
    for stage in ("ingest", "strip-boilerplate", "parse", "detect-language"):
        assert cached[stage] == "2/2", summary["cached"]
    assert "dedup-keys" not in cached and "write" not in cached
