"""The pipeline benchmark's 2-process mode: the flow's task graph, each task after the tasks it reads from."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from bench.bench_pipeline import _global_nodes, _Graph, _shard_nodes
from flows.config import BuildConfig

SHARDS = [("s0", "shards/s0.parquet"), ("s1", "shards/s1.parquet"), ("s2", "shards/s2.parquet")]


class _Pool:
    """Stands in for a one-process pool: runs nothing, answers each task at once with a fake result, and
    notes which tasks were done when each task was handed to it."""

    def __init__(self, calls: list[str], done_before: list[set[str]]) -> None:
        self.calls, self.done_before = calls, done_before
        self.graph: _Graph | None = None

    def submit(self, fn: Any, jobs: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]], cfg: dict) -> Future:
        (stage, name, _args, kwargs), = jobs
        self.calls.append(name)
        assert self.graph is not None
        self.done_before.append(set(self.graph.results))
        done: Future = Future()
        out = kwargs["out"]
        done.set_result(({stage: 0.5}, [out if isinstance(out, tuple) else (out, out)]))
        return done


class _Runner:
    def __init__(self, calls: list[str], done_before: list[set[str]]) -> None:
        self.pools = [_Pool(calls, done_before), _Pool(calls, done_before)]


def _graph(tmp_path: Path, calls: list[str], done_before: list[set[str]] | None = None) -> _Graph:
    config = BuildConfig(inputs=(str(tmp_path / "in"),), out=tmp_path / "out")
    runner = _Runner(calls, [] if done_before is None else done_before)
    graph = _Graph(runner)  # type: ignore[arg-type]
    for pool in runner.pools:
        pool.graph = graph
    _shard_nodes(graph, config, SHARDS, tparts=2)
    _global_nodes(graph, config, [sid for sid, _ in SHARDS], parts=2)
    return graph


def test_every_step_of_the_flow_is_a_node_after_the_nodes_it_reads_from(tmp_path: Path) -> None:
    graph = _graph(tmp_path, [])
    names = list(graph.nodes)
    per_shard = ("ingest", "strip", "trows", "parse", "langid", "keys", "drows", "apply", "write")
    per_part = ("tlearn", "dedup", "uindex", "mcomm")
    assert sorted(names) == sorted([f"{k}:{sid}" for k in per_shard for sid, _ in SHARDS]
                                   + [f"{k}:{p}" for k in per_part for p in range(2)]
                                   + ["tmerge", "dprior", "cluster", "mrepeats"])
    for i, name in enumerate(names):  # the submission order is a topological order: dispatch never stalls
        assert all(names.index(dep) < i for dep in graph.nodes[name][3]), name
    after = {name: set(node[3]) for name, node in graph.nodes.items()}
    assert after["strip:s1"] == {"ingest:s1"}
    assert after["keys:s2"] == {"langid:s2"}  # dedup-keys waits for its own shard only
    assert after["tlearn:0"] == {f"trows:{sid}" for sid, _ in SHARDS}
    assert after["dedup:1"] == {*(f"drows:{sid}" for sid, _ in SHARDS), "dprior"}
    assert after["write:s0"] == {"mrepeats", "apply:s0"}


def test_the_graph_runs_each_task_once_after_its_inputs_and_counts_its_cpu(tmp_path: Path) -> None:
    calls: list[str] = []
    done_before: list[set[str]] = []
    graph = _graph(tmp_path, calls, done_before)
    cpu: dict[str, float] = {}

    def add(part: dict[str, float]) -> None:
        for stage, seconds in part.items():
            cpu[stage] = cpu.get(stage, 0.0) + seconds

    graph.run(add)
    ran = [task["task"] for task in graph.tasks]
    assert sorted(ran) == sorted(graph.nodes)
    assert len(calls) == len(graph.nodes)
    handed = list(graph.spans)  # in the order the tasks were handed to a process
    assert len(handed) == len(done_before)
    for name, done in zip(handed, done_before, strict=True):
        assert set(graph.nodes[name][3]) <= done, name  # every task it reads from was done by then
    assert {task["process"] for task in graph.tasks} == {0, 1}
    assert cpu["ingest"] == 0.5 * len(SHARDS)
    # rows and apply per shard, dedup and update-index per partition, dedup-prior and cluster once
    assert cpu["find-duplicates"] == 0.5 * (2 * len(SHARDS) + 2 * 2 + 2)
    assert graph.wall(("write:",)) >= 0.0
