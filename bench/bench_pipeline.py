"""End-to-end and per-stage benchmark of the pipeline against the obvious one, on a generated corpus.

Run ``.venv/bin/python -m bench.bench_pipeline --pages 2000`` (``--help`` for the options). In one run:

1. ``bench.gen_real`` writes (or reuses) a corpus of varied real text pages under ``bench/work/``
   (``--synthetic``: the generated pages of ``bench.gen_corpus``, for scale tests);
2. **ours, 1 core**: the tasks of ``flows/build_corpus.py`` called as plain functions (the Prefect tasks'
   ``.fn``: the same stage code and stage-file I/O, no orchestration) as the flow's task graph: every
   task, per shard, per partition or global, runs once the tasks whose files it reads are done, in the
   order the flow submits them; in one subprocess with ``POLARS_MAX_THREADS=1``;
3. **ours, 2 cores**: the same task graph on two worker processes (one polars thread each): each task
   starts on whichever process is free (as the flow's runner does: no barrier between steps that the
   flow does not have); the plan and the commit in the parent;
4. **baseline**: ``bench.baseline`` (the obvious pipeline) on the same pages, one process;
5. **flow**: ``build_corpus`` itself with worker processes sharing the flow's API server
   (``--runner processes``, ``flows/runners.py``), and **flow_threads** with two threads of one process
   (``--runner threads``, the build's default), each in a subprocess with a fresh Prefect home; the
   ephemeral API server is started by a warm-up flow first and its start-up is reported apart.

Every run imports the code from one copy of ``tasks``, ``flows``, ``schemas`` and ``bench`` taken when the
benchmark starts (``bench/work/code-<pages>``), so all runs measure the same code.

Figures: pages/s per core = pages / process CPU seconds (all threads; for the flow, its process, its
task worker processes and its API server); pages/s wall = pages / wall seconds; peak RSS from
``resource.getrusage`` (the largest process; for 2 cores also the sum of the parent and its largest
child; for the flow also the sum over its processes, sampled from ``/proc``); bytes written into the
output datasets and stage files; Prefect's share = 1 - (CPU of the same stages run plainly) / (CPU of
the flow's processes and its API server). Quality against the planted truth: articles, comments and
duplicates found, duplicate recall per planted kind, and false duplicates.

Writes ``bench/results/pipeline.json`` (and ``pipeline-real-<pages>.json``, ``pipeline-<pages>.json`` with
``--synthetic``) and prints a short table.
``--profile`` runs the stages in one process under cProfile and prints the top lines.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import io as stdio
import json
import os
import platform
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
WORK = BENCH / "work"
OURS_STAGES = ("plan", "ingest", "strip-boilerplate", "learn-templates", "parse", "detect-language", "dedup-keys",
               "find-duplicates", "merge-comments", "write", "commit")
OUTPUTS = ("articles", "comments", "duplicates", "rejects")


# ------------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------------

def _cpu() -> float:
    return time.process_time()


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size of this process (or of its largest waited-for child), MB."""
    return resource.getrusage(who).ru_maxrss / 1024


def dir_bytes(root: Path) -> int:
    """Bytes of every file under ``root``."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def _waited_children_cpu() -> float:
    """CPU seconds of the child processes of this process that ended and were waited for (task workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _TreeRss:
    """Samples the peak RSS (VmHWM) of every process below this one, in a thread, until stopped."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        parents: dict[int, int] = {}
        hwm: dict[int, float] = {}
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError, ValueError):
                fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
                pid = int(status.parent.name)
                parents[pid] = int(fields["PPid"])
                if "VmHWM" in fields:
                    hwm[pid] = int(fields["VmHWM"].split()[0]) / 1024
        me = os.getpid()
        for pid, peak in hwm.items():
            up, seen = parents.get(pid), 0
            while up and up != me and seen < 64:
                up, seen = parents.get(up), seen + 1
            if up == me:
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), peak)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> _TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _children_cpu() -> float:
    """CPU seconds of the live child processes of this process (the Prefect API server), from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[1] == me:  # ppid
                total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


# ------------------------------------------------------------------------------------------------
# Ours: the flow's stages as plain functions
# ------------------------------------------------------------------------------------------------

def _config(corpus: Path, out: Path, shard_size: int) -> Any:
    from flows.config import BuildConfig

    return BuildConfig(inputs=(str(corpus / "pages"),), out=out, manifest=corpus / "manifest.csv",
                       shard_size=shard_size)


def _timed(cpu: dict[str, float], stage: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    start = _cpu()
    result = fn(*args, **kwargs)
    cpu[stage] = cpu.get(stage, 0.0) + _cpu() - start
    # the process's peak RSS so far, after this stage: where the peak jumps is the stage that holds the memory
    cpu[f"rss_mb_after:{stage}"] = peak_rss_mb()
    return result


def _warm() -> None:
    """Import the stage code (Prefect included) and build what it builds once per process before the clock
    starts, as the flow's worker processes do when they start (``flows.runners``)."""
    from flows.stage_tasks import warm_up

    warm_up()


class _InProcess:
    """A one-task pool that runs each task in this process as it is handed over (the 1-core run)."""

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        done: Future = Future()
        done.set_result(fn(*args, **kwargs))
        return done

    def shutdown(self) -> None:
        """Nothing to stop."""


class _Runner:
    """The processes that :class:`_Graph` hands tasks to: this process alone (1 core) or ``workers`` worker
    processes with one polars thread each, warmed up as the flow's are."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pools: list[ProcessPoolExecutor | _InProcess] = [_InProcess()]
        if workers > 1:
            previous = os.environ.get("POLARS_MAX_THREADS")
            os.environ["POLARS_MAX_THREADS"] = "1"
            ctx = get_context("spawn")
            self.pools = [ProcessPoolExecutor(1, mp_context=ctx) for _ in range(workers)]
            for pool in self.pools:
                pool.submit(_warm).result()
            if previous is None:
                os.environ.pop("POLARS_MAX_THREADS")
            else:
                os.environ["POLARS_MAX_THREADS"] = previous

    def child_rss_mb(self) -> list[float]:
        """Peak RSS of each worker process, MB (none when the tasks run in this process)."""
        return [pool.submit(peak_rss_mb).result() for pool in self.pools if isinstance(pool, ProcessPoolExecutor)]

    def close(self) -> None:
        for pool in self.pools:
            pool.shutdown()


def _walled(walls: dict[str, float], phase: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    walls[phase] = walls.get(phase, 0.0) + time.perf_counter() - started
    return result


def _calls(jobs: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]],
           cfg: dict[str, Any]) -> tuple[dict[str, float], list[Any]]:
    """Run (stage, task name, args, kwargs) jobs: each the ``.fn`` of that task of ``flows.stage_tasks``, timed
    under ``stage``; returns CPU per stage and the tasks' results in order."""
    import flows.stage_tasks

    cpu: dict[str, float] = {}
    out = [_timed(cpu, stage, getattr(flows.stage_tasks, name).fn, *args, **kwargs)
           for stage, name, args, kwargs in jobs]
    return cpu, out


class _Graph:
    """The flow's task graph on the runner's processes: each task (the ``.fn`` of a task of ``flows.stage_tasks``)
    starts as soon as the tasks whose files it reads are done, on whichever process is free; among the
    tasks ready at once, the one the flow submits first. The flow's runner works the same way (futures
    passed to ``submit``), so no step waits at a barrier the flow does not have."""

    def __init__(self, runner: _Runner) -> None:
        self.runner = runner
        self.nodes: dict[str, tuple[str, str, Callable[[], tuple[tuple[Any, ...], dict[str, Any]]], list[str]]] = {}
        self.results: dict[str, Any] = {}
        self.spans: dict[str, tuple[float, float]] = {}
        self.tasks: list[dict[str, Any]] = []

    def add(self, node: str, stage: str, name: str, call: Callable[[], tuple[tuple[Any, ...], dict[str, Any]]],
            after: list[str]) -> str:
        """Task ``name`` timed under ``stage``; ``call()`` gives its arguments once the nodes ``after`` are done."""
        self.nodes[node] = (stage, name, call, after)
        return node

    def run(self, add: Callable[[dict[str, float]], None]) -> None:
        """Run every node; CPU per stage to ``add``, results in ``self.results``, (start, end) in ``self.spans``,
        and per task its process, start and end (seconds since the first start) and CPU in ``self.tasks``."""
        pending = list(self.nodes)
        free = list(self.runner.pools)
        running: dict[Future, tuple[str, ProcessPoolExecutor | _InProcess]] = {}
        while pending or running:
            for node in [n for n in pending if all(d in self.results for d in self.nodes[n][3])]:
                if not free:
                    break
                stage, name, call, _ = self.nodes[node]
                args, kwargs = call()
                pool = free.pop(0)
                self.spans[node] = (time.perf_counter(), 0.0)
                running[pool.submit(_calls, [(stage, name, args, kwargs)], {})] = (node, pool)
                pending.remove(node)
            if not running:
                raise RuntimeError(f"tasks wait on tasks that never run: {pending}")
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                node, pool = running.pop(future)
                cpu, (result,) = future.result()
                add(cpu)
                self.results[node] = result
                self.spans[node] = (self.spans[node][0], time.perf_counter())
                self.tasks.append({"task": node, "process": self.runner.pools.index(pool), "cpu": round(sum(
                    v for k, v in cpu.items() if not k.startswith("rss_mb_after:")), 3), "span": self.spans[node]})
                free.append(pool)
        first = min(s for s, _ in self.spans.values())
        for task in self.tasks:
            task["span"] = [round(t - first, 3) for t in task["span"]]

    def wall(self, prefixes: tuple[str, ...]) -> float:
        """Seconds from the first start to the last end of the nodes whose names start with ``prefixes``."""
        spans = [s for n, s in self.spans.items() if n.startswith(prefixes)]
        return max(e for _, e in spans) - min(s for s, _ in spans) if spans else 0.0


def _graph_steps(runner: _Runner, add: Callable[[dict[str, float]], None], config: Any,
                 shards: list[tuple[str, str]], *, n_files: int) -> tuple[dict[str, float], list[str], _Graph]:
    """Every step after the plan as the flow's task graph (:class:`_Graph`), the tasks in the order the flow
    submits them; returns the wall seconds of each phase (from its first task's start to its last task's
    end: phases overlap), the shard ids for the commit and the graph run."""
    from tasks.plan import dedup_partitions, template_partitions

    g = _Graph(runner)
    _shard_nodes(g, config, shards, tparts=template_partitions(n_files))
    sids = [sid for sid, _ in shards]
    _global_nodes(g, config, sids, parts=config.dedup.partitions or dedup_partitions(n_files))
    g.run(add)
    walls = {"ingest+strip": g.wall(("ingest:", "strip:")), "learn-templates": g.wall(("trows:", "tlearn:", "tmerge")),
             "parse+langid+keys": g.wall(("parse:", "langid:", "keys:")),
             "find-duplicates+merge-comments": g.wall(("drows:", "dprior", "dedup:", "cluster", "apply:", "uindex:",
                                                       "mcomm:", "mrepeats")),
             "write": g.wall(("write:",))}
    return walls, sids, g


def _nodes(prefix: str, keys: Any) -> list[str]:
    """Node names ``prefix:key`` of each key."""
    return [f"{prefix}:{k}" for k in keys]


def _shard_nodes(g: _Graph, config: Any, shards: list[tuple[str, str]], *, tparts: int) -> None:
    """ingest, strip-boilerplate, learn-templates, parse, detect-language and dedup-keys, as the flow submits them."""
    from flows.stage_tasks import ParsedFiles, TaggedFiles
    from tasks import io

    work, state, dedup, langid = config.work_dir, config.work_dir / "state", config.dedup, config.langid
    dedup_dir, r, sids = config.work_dir / "dedup", g.results, [sid for sid, _ in shards]
    for sid, shard in shards:
        g.add(f"ingest:{sid}", "ingest", "ingest_task", lambda shard=shard, sid=sid: (
            (Path(shard),), {"max_page_bytes": config.max_page_bytes, "out": work / "pages" / f"{sid}.parquet"}), [])
    for sid in sids:
        g.add(f"strip:{sid}", "strip-boilerplate", "strip_boilerplate_task", lambda sid=sid: (
            (r[f"ingest:{sid}"],), {"out": work / "lines" / f"{sid}.parquet"}), [f"ingest:{sid}"])
    for sid in sids:
        g.add(f"trows:{sid}", "learn-templates", "template_rows_task", lambda sid=sid: (
            (r[f"strip:{sid}"], r[f"ingest:{sid}"]), {"parts": tparts, "out": work / "templates" / sid}),
            [f"strip:{sid}"])
    counted = _nodes("trows", sids)
    for p in range(tparts):
        g.add(f"tlearn:{p}", "learn-templates", "learn_templates_task", lambda p=p: (
            (p, [r[c] for c in counted]), {"out": io.part_path(work / "templates" / "learned", p)}), counted)
    learned = _nodes("tlearn", range(tparts))
    g.add("tmerge", "learn-templates", "merge_templates_task", lambda: (
        ([r[x] for x in learned], [r[c] for c in counted], config.state_dir / "none" / "template_lines.parquet"),
        {"out": state / "template_lines.parquet"}), learned)
    for sid in sids:
        g.add(f"parse:{sid}", "parse", "parse_task", lambda sid=sid: (
            (r[f"strip:{sid}"], r[f"ingest:{sid}"], r["tmerge"]),
            {"out": ParsedFiles(work / "parsed" / f"{sid}-articles.parquet",
                                work / "parsed" / f"{sid}-comments.parquet")}),
            ["tmerge"])
    for sid in sids:
        g.add(f"langid:{sid}", "detect-language", "detect_language_task", lambda sid=sid: (
            (r[f"parse:{sid}"], r[f"ingest:{sid}"]), {**langid.model_dump(exclude={"languages"}), "out": TaggedFiles(
                work / "tagged" / f"{sid}-articles.parquet", work / "tagged" / f"{sid}-comments.parquet")}),
            [f"parse:{sid}"])
    for sid in sids:
        g.add(f"keys:{sid}", "dedup-keys", "dedup_keys_task", lambda sid=sid: (
            (r[f"langid:{sid}"], r[f"ingest:{sid}"]), {"shingle_size": dedup.shingle_size, "num_perm": dedup.num_perm,
                                                       "out": dedup_dir / f"{sid}-keys.parquet"}),
            [f"langid:{sid}"])


def _global_nodes(g: _Graph, config: Any, sids: list[str], *, parts: int) -> None:
    """find-duplicates, merge-comments and write, as the flow submits them."""
    from flows.stage_tasks import AppliedFiles, IndexPart, MergedFiles
    from tasks import io

    work, dedup, r = config.work_dir, config.dedup, g.results
    dedup_dir, state = work / "dedup", work / "state"
    index, prior_keys = config.state_dir / "none" / "dedup_index", config.state_dir / "none" / "comment_keys"
    keys = _nodes("keys", sids)
    lsh = {"bands": dedup.bands, "rows": dedup.rows}
    step = "find-duplicates"
    for i, sid in enumerate(sids):
        g.add(f"drows:{sid}", step, "dedup_rows_task", lambda i=i, sid=sid: (
            (r[f"keys:{sid}"],), {**lsh, "shard_no": i, "base": 0, "parts": parts,
                                        "out": dedup_dir / "rows" / f"{sid}.parquet"}), [f"keys:{sid}"])
    g.add("dprior", step, "dedup_prior_task", lambda: (([r[k] for k in keys], index), {
        **lsh, "base": 0, "parts": parts, "out": state / "dedup_index" / "meta.json"}),
        keys)
    rows = _nodes("drows", sids)
    for p in range(parts):
        g.add(f"dedup:{p}", step, "find_duplicates_task", lambda p=p: (
            (p, [r[x] for x in rows], [r[k] for k in keys]), {"index": index, "threshold": dedup.threshold, "base": 0,
            "out": io.part_path(dedup_dir / "edges", p)}), [*rows, "dprior"])
    edges = _nodes("dedup", range(parts))
    g.add("cluster", step, "cluster_duplicates_task", lambda: (([r[e] for e in edges], [r[k] for k in keys], index),
                                                    {"base": 0, "out": dedup_dir / "decided.parquet"}), edges)
    for i, sid in enumerate(sids):
        g.add(f"apply:{sid}", step, "apply_duplicates_task", lambda i=i, sid=sid: ((sid, r[f"keys:{sid}"]), {
            "decided": r["cluster"], "comments": r[f"langid:{sid}"].comments, "pages": r[f"ingest:{sid}"],
            "tagged": r[f"langid:{sid}"].articles, **lsh, "shard_no": i, "base": 0, "parts": parts,
            "out": AppliedFiles(dedup_dir / "clusters" / f"{sid}.parquet", dedup_dir / "applied" / sid)}), ["cluster"])
    applied = _nodes("apply", sids)
    for p in range(parts):
        g.add(f"uindex:{p}", step, "update_index_task", lambda p=p: (
            (p, [r[a].spread for a in applied], index), {"out": IndexPart(
                io.part_path(state / "dedup_index" / "nodes", p), io.part_path(state / "dedup_index" / "rows", p))}),
            applied)
    for p in range(parts):
        g.add(f"mcomm:{p}", "merge-comments", "merge_comments_task", lambda p=p: (
            (p, [r[a].spread for a in applied], prior_keys), {"shards": sids, "out": MergedFiles(
                io.part_path(dedup_dir / "merged", p), io.part_path(state / "comment_keys", p),
                io.part_path(dedup_dir / "counts", p))}), applied)
    merged = _nodes("mcomm", range(parts))
    g.add("mrepeats", "merge-comments", "count_repeats_task", lambda: (
        ([r[m].merged for m in merged], [r[m].text_counts for m in merged]), {"out": dedup_dir / "repeats"}), merged)
    for i, sid in enumerate(sids):
        g.add(f"write:{sid}", "write", "write_task", lambda i=i, sid=sid: ((sid, r[f"ingest:{sid}"]), {
            "shard_no": i, "tagged": r[f"langid:{sid}"].articles, "keys": r[f"keys:{sid}"],
            "clusters": r[f"apply:{sid}"].clusters, "merged": [r[m].merged for m in merged], "repeats": r["mrepeats"],
            "root": config.out, "languages": None, "pseudonymize": config.privacy.pseudonymize,
            "redact_pii": config.privacy.redact_pii,
            "key_file": io.pseudonym_key_file(config.out, config.privacy.pseudonym_key),
            "out": work / "counts" / f"{sid}.json"}),
            ["mrepeats", f"apply:{sid}"])


def run_ours(corpus: Path, work_root: Path, *, shard_size: int, workers: int) -> dict[str, Any]:
    """The flow's stages as the flow's task graph (:class:`_Graph`) without Prefect, in this process (1 core) or
    on ``workers`` worker processes; CPU per stage, wall, RSS and bytes."""
    from flows.build_corpus import plan_task
    from tasks.publish.write import commit_run

    if work_root.exists():
        shutil.rmtree(work_root)
    config = _config(corpus, work_root / "out", shard_size)
    runner = _Runner(workers)
    _warm()  # in this process too: 1 core runs the stages here
    cpu: dict[str, float] = {}
    walls: dict[str, float] = {}

    def add(part: dict[str, float]) -> None:
        for k, v in part.items():
            cpu[k] = max(cpu.get(k, 0.0), v) if k.startswith("rss_mb_after:") else cpu.get(k, 0.0) + v

    try:
        started = time.perf_counter()
        plan = _walled(walls, "plan", _timed, cpu, "plan", plan_task.fn, config)
        shards = [(sid, p) for sid, p in plan.shards]
        n_files = plan.files - plan.already_built
        phases, sids, graph = _graph_steps(runner, add, config, shards, n_files=n_files)
        walls.update(phases)
        _walled(walls, "commit", _timed, cpu, "commit", commit_run, config.out, sids)
        total_wall = time.perf_counter() - started
        children = runner.child_rss_mb()
    finally:
        runner.close()
    span = max(e for _, e in graph.spans.values()) - min(s for s, _ in graph.spans.values())
    busy = [sum(t["span"][1] - t["span"][0] for t in graph.tasks if t["process"] == i) for i in range(workers)]
    return {**_ours_result(workers, shards, cpu, total_wall=total_wall, walls=walls, children=children,
                           config=config),
            "graph_seconds": round(span, 3), "idle_seconds_per_process": [round(span - b, 3) for b in busy],
            "tasks": graph.tasks}


def _ours_result(workers: int, shards: list[tuple[str, str]], cpu: dict[str, float], *, total_wall: float,
                 walls: dict[str, float], children: list[float], config: Any) -> dict[str, Any]:
    """The figures of one run of ours."""
    work = config.work_dir
    rss_after = {k.split(":", 1)[1]: round(v) for k, v in cpu.items() if k.startswith("rss_mb_after:")}
    cpu = {stage: cpu.get(stage, 0.0) for stage in OURS_STAGES}
    out_bytes = {name: dir_bytes(config.out / name) for name in OUTPUTS}
    return {
        "workers": workers, "shards": len(shards), "cpu_seconds": cpu, "cpu_total": sum(cpu.values()),
        "wall_seconds": total_wall, "wall_by_phase": walls, "peak_rss_mb_after_stage": rss_after,
        "peak_rss_mb": max([peak_rss_mb(), *children]), "peak_rss_mb_parent_plus_children": peak_rss_mb()
        + sum(children), "bytes_output": out_bytes, "bytes_output_total": sum(out_bytes.values()),
        "bytes_work": dir_bytes(work), "out": str(config.out),
    }


# ------------------------------------------------------------------------------------------------
# Quality against the planted truth, and the Parquet size check
# ------------------------------------------------------------------------------------------------

def read_truth(corpus: Path) -> dict[str, dict[str, str]]:
    """truth.csv rows by path."""
    with (corpus / "truth.csv").open(encoding="utf-8", newline="") as fh:
        return {row["path"]: row for row in csv.DictReader(fh)}


def expected_counts(truth: dict[str, dict[str, str]]) -> dict[str, int]:
    """Articles, merged comments and duplicates a perfect pipeline would report."""
    comments = 0
    for row in truth.values():
        n = int(row["n_comments"])
        if row["kind"] in ("original", "near"):
            comments += n
        elif row["kind"] == "rescrape":
            comments += n - int(truth[row["source_path"]]["n_comments"])
    duplicates = sum(row["kind"] != "original" for row in truth.values())
    return {"pages": len(truth), "articles": len(truth) - duplicates, "comments": comments, "duplicates": duplicates}


def duplicate_quality(truth: dict[str, dict[str, str]], flagged: set[str]) -> dict[str, Any]:
    """Recall of each planted kind and the originals wrongly flagged."""
    by_kind: dict[str, list[bool]] = {}
    for path, row in truth.items():
        by_kind.setdefault(row["kind"], []).append(path in flagged)
    recall = {k: round(sum(v) / len(v), 4) for k, v in by_kind.items() if k != "original" and v}
    false = sum(by_kind.get("original", []))
    return {"recall_by_kind": recall, "false_duplicates": false, "flagged": len(flagged & set(truth))}


def ours_quality(out: Path, truth: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Counts of our output datasets and duplicate quality."""
    import polars as pl

    def rows(name: str, *cols: str) -> pl.DataFrame:
        files = sorted(str(p) for p in (out / name).rglob("*.parquet"))
        if not files:
            return pl.DataFrame()
        return pl.scan_parquet(files, hive_partitioning=False).select(*cols).collect()

    dups = rows("duplicates", "source_path")
    flagged = set(dups["source_path"].to_list()) if dups.height else set()
    return {"articles": rows("articles", "article_id").height, "comments": rows("comments", "comment_id").height,
            "duplicates": len(flagged), **duplicate_quality(truth, flagged)}


def zstd3_bytes(out: Path) -> dict[str, int]:
    """Bytes of the articles and comments columns rewritten as one zstd level 3 Parquet file each."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("articles", "comments"):
            if not (out / name).exists():
                continue
            table = ds.dataset(out / name, format="parquet").to_table()
            target = Path(tmp) / f"{name}.parquet"
            pq.write_table(table, target, compression="zstd", compression_level=3)
            sizes[name] = target.stat().st_size
    return sizes


# ------------------------------------------------------------------------------------------------
# Workers (each run in its own subprocess)
# ------------------------------------------------------------------------------------------------

def worker_ours(args: argparse.Namespace) -> dict[str, Any]:
    """Ours on 1 or 2 cores."""
    result = run_ours(args.corpus, args.work, shard_size=args.shard_size, workers=args.cores)
    out = Path(result["out"])
    result["quality"] = ours_quality(out, read_truth(args.corpus))
    if args.cores == 1:
        result["zstd3_bytes_same_columns"] = zstd3_bytes(out)
        result["bytes_articles_comments"] = result["bytes_output"]["articles"] + result["bytes_output"]["comments"]
    return result


def worker_baseline(args: argparse.Namespace) -> dict[str, Any]:
    """The obvious pipeline, 1 core."""
    from bench.baseline import read_manifest, run_baseline

    start = _cpu()
    res = run_baseline(args.corpus, args.work, limit=args.limit)
    truth = read_truth(args.corpus)
    if args.limit is not None:
        kept = {r["path"] for r in read_manifest(args.corpus)[:args.limit]}
        truth = {k: v for k, v in truth.items() if k in kept}
    return {"pages": res.pages, "cpu_seconds": res.cpu, "cpu_total": _cpu() - start, "wall_seconds": res.wall_seconds,
            "peak_rss_mb": peak_rss_mb(), "bytes_output_total": res.bytes_written,
            "quality": {"articles": res.articles, "comments": res.comments, "duplicates": res.duplicates,
                        **duplicate_quality(truth, set(res.duplicate_paths))},
            "expected": expected_counts(truth)}


def _settle_prefect() -> float:
    """Send what the flow process still holds (events, logs), stop the temporary API server so it records
    what it has queued, and return the server's CPU seconds over its whole life (``0.0`` with no server)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.server.api.server import SubprocessASGIServer

    EventsWorker.drain_all(timeout=60)
    APILogWorker.drain_all(timeout=60)
    server = SubprocessASGIServer()  # the instance Prefect's client started for the flow runs
    if server.server_process is None:
        return 0.0
    before = _waited_children_cpu()
    server.stop()  # SIGTERM: the server's services flush their queues before it exits
    return _waited_children_cpu() - before


def _flow_environment(runner: str | None) -> Path:
    """Set up this process as ``corpus build`` does, in the same order: Prefect's settings for a fresh home
    before prefect is imported (its settings are read once, at import), then polars' threads for the runner
    before polars is imported. Returns the Prefect home."""
    from flows.runtime import configure_prefect

    home = configure_prefect(Path(tempfile.mkdtemp(prefix="bench-prefect-")))
    from flows.runners import set_polars_threads  # imports prefect

    set_polars_threads(runner, None)
    return home


def worker_flow(args: argparse.Namespace) -> dict[str, Any]:
    """``build_corpus`` with a fresh Prefect home; the server is warmed up first.

    polars' threads are set as ``corpus build`` sets them for the runner (``flows.runners.set_polars_threads``).
    The flow's CPU includes what Prefect does for it after the flow returns: the flow process sends its
    last events and logs, and the server's CPU is taken when it has stopped, after it recorded them.
    """
    home = _flow_environment(args.runner)
    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.build_corpus import build_corpus
    from flows.runners import pick_runner

    runner = pick_runner(args.runner, None)

    @flow(name="bench-warm-up")
    def warm_up() -> int:
        return 1

    t0 = time.perf_counter()
    warm_up()
    server_start = time.perf_counter() - t0
    if args.work.exists():
        shutil.rmtree(args.work)
    config = _config(args.corpus, args.work / "out", args.shard_size)
    cpu0, child0, workers0 = _cpu(), _children_cpu(), _waited_children_cpu()
    t0 = time.perf_counter()
    with _TreeRss() as tree, temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        summary = build_corpus.with_options(task_runner=runner)(config)
    flow_wall = time.perf_counter() - t0
    server_at_end = _children_cpu() - child0  # what the server had done when the flow returned
    workers_cpu = _waited_children_cpu() - workers0  # the task workers end with the flow run
    lifetime = _settle_prefect()
    server_cpu = lifetime - child0 if lifetime else server_at_end
    cpu = _cpu() - cpu0
    task_runs = 2 + sum(1 for _ in (config.work_dir / "executions.jsonl").open())  # plan and finish record none
    out_bytes = {name: dir_bytes(config.out / name) for name in OUTPUTS}
    shutil.rmtree(home, ignore_errors=True)
    return {"runner": type(runner).__name__, "server_start_seconds": server_start, "wall_seconds": flow_wall,
            "cpu_process": cpu, "cpu_server": server_cpu, "cpu_server_at_flow_end": server_at_end,
            "cpu_workers": workers_cpu, "task_runs": task_runs, "polars_threads": os.environ.get("POLARS_MAX_THREADS"),
            "peak_rss_mb": peak_rss_mb(),
            "peak_rss_mb_children": {str(k): round(v) for k, v in tree.peaks.items()},
            "peak_rss_mb_sum": round(peak_rss_mb() + sum(tree.peaks.values())), "bytes_output": out_bytes,
            "bytes_output_total": sum(out_bytes.values()), "summary": summary}


def profile_stages(corpus: Path, work: Path, *, shard_size: int, top: int) -> str:
    """Run our stages in this process under cProfile: the top lines by own time, by cumulative time in
    the project's modules, and the callers of polars' ``collect`` (where the lazy queries run)."""
    import flows.build_corpus
    import flows.stage_tasks  # noqa: F401 -- imported before profiling so import time stays out of the profile

    profiler = cProfile.Profile()
    profiler.enable()
    run_ours(corpus, work, shard_size=shard_size, workers=1)
    profiler.disable()
    buf = stdio.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    project = str(REPO).replace("\\", "/")
    stats.sort_stats("cumulative").print_stats(rf"{project}/(tasks|flows|schemas)/", top)
    stats.sort_stats("tottime").print_callers(r"\{method 'collect'", 20)
    return buf.getvalue().replace(project + "/", "").replace(str(Path(sys.prefix)) + "/lib/", "")


# ------------------------------------------------------------------------------------------------
# Orchestration
# ------------------------------------------------------------------------------------------------

def snapshot_code(target: Path) -> Path:
    """Copy the code (tasks, flows, schemas, bench) into ``target``, so every run of a benchmark measures the
    same code even while the working tree changes; subprocesses run from there."""
    if target.exists():
        shutil.rmtree(target)
    ignore = shutil.ignore_patterns("__pycache__", "work", "results")
    for package in ("tasks", "flows", "schemas", "bench"):
        shutil.copytree(REPO / package, target / package, ignore=ignore)
    return target


def _subprocess(kind: str, args: argparse.Namespace, *extra: str, threads: int | None = None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result_path = Path(fh.name)
    env = dict(os.environ)
    if threads is not None:
        env["POLARS_MAX_THREADS"] = str(threads)
    cmd = [sys.executable, "-m", "bench.bench_pipeline", "--worker", kind, "--corpus", str(args.corpus),
           "--work", str(WORK / f"run-{kind}-{args.pages}"), "--shard-size", str(args.shard_size),
           "--result", str(result_path), *extra]
    subprocess.run(cmd, check=True, cwd=args.code or REPO, env=env)
    try:
        return json.loads(result_path.read_text())
    finally:
        result_path.unlink(missing_ok=True)


def ensure_corpus(pages: int, seed: int, folder: Path | None, *,
                  synthetic: bool = False) -> tuple[Path, dict[str, Any]]:
    """Generate the corpus unless one of that size and seed is already there.

    The default is varied real pages (``bench.gen_real``); ``synthetic`` the generated pages of ``bench.gen_corpus``.
    """
    from bench.gen_corpus import write_corpus
    from bench.gen_real import write_real_corpus

    name = f"corpus-{pages}-s{seed}" if synthetic else f"real-{pages}-s{seed}"
    corpus = (folder or WORK / name).resolve()  # runs start elsewhere (the code snapshot)
    truth = corpus / "truth.csv"
    if truth.exists() and sum(1 for _ in truth.open(encoding="utf-8")) == pages + 1:
        return corpus, {"reused": True}
    if corpus.exists():
        shutil.rmtree(corpus)
    summary = write_corpus(corpus, n_pages=pages, seed=seed) if synthetic else \
        write_real_corpus(corpus, n_pages=pages, seed=seed)
    return corpus, {"reused": False, **summary.__dict__}


def _rate(pages: int, seconds: float) -> float | None:
    return round(pages / seconds, 2) if seconds > 0 else None


def summarise(pages: int, ours1: dict[str, Any], ours2: dict[str, Any] | None, base: dict[str, Any] | None,
              flow: dict[str, Any] | None, *, flow_threads: dict[str, Any] | None = None) -> dict[str, Any]:
    """Per-stage and end-to-end rates and ratios."""
    stages = {s: {"cpu_seconds": round(c, 3), "pages_per_cpu_second": _rate(pages, c)}
              for s, c in ours1["cpu_seconds"].items()}
    e2e: dict[str, Any] = {"ours_1core_pages_per_core": _rate(pages, ours1["cpu_total"]),
                           "ours_1core_pages_per_wall_second": _rate(pages, ours1["wall_seconds"])}
    if ours2:
        e2e["ours_2core_pages_per_wall_second"] = _rate(pages, ours2["wall_seconds"])
        e2e["ours_2core_pages_per_core"] = _rate(pages, ours2["cpu_total"])
        e2e["ours_2core_speedup_wall"] = round(ours1["wall_seconds"] / ours2["wall_seconds"], 2)
        # over the 1-core run's pages per CPU s: its wall time is shorter than its CPU time (mostly in write,
        # whose files pyarrow compresses in its own threads), so this is the ratio to one core's work rate
        e2e["ours_2core_speedup_over_1core_cpu_rate"] = round(ours1["cpu_total"] / ours2["wall_seconds"], 2)
    baseline_stages: dict[str, Any] = {}
    if base:
        bp = base["pages"]
        e2e["baseline_pages_per_core"] = _rate(bp, base["cpu_total"])
        e2e["ratio_ours_over_baseline_per_core"] = round((pages / ours1["cpu_total"]) / (bp / base["cpu_total"]), 2)
        baseline_stages = {s: {"cpu_seconds": round(c, 3), "pages_per_cpu_second": _rate(bp, c)}
                           for s, c in base["cpu_seconds"].items()}
        pairs = {"boilerplate": ["strip-boilerplate", "learn-templates"], "parse": ["parse"],
                 "langid": ["detect-language"], "dedup": ["dedup-keys", "find-duplicates", "merge-comments"],
                 "read": ["plan", "ingest"], "write": ["write"]}
        for bstage, ostages in pairs.items():
            ours_cpu = sum(ours1["cpu_seconds"].get(s, 0.0) for s in ostages) / pages
            base_cpu = base["cpu_seconds"][bstage] / bp
            baseline_stages[bstage]["ratio_ours_over_baseline"] = round(base_cpu / ours_cpu, 2) if ours_cpu else None
    for name, run in (("flow", flow), ("flow_threads", flow_threads)):
        if not run:
            continue
        plain = ours1["cpu_total"]
        flow_cpu = run["cpu_process"] + run["cpu_server"] + run.get("cpu_workers", 0.0)
        e2e[f"{name}_pages_per_wall_second"] = _rate(pages, run["wall_seconds"])
        e2e[f"{name}_speedup_wall_over_1core_per_cpu"] = round((pages / run["wall_seconds"]) /
                                                               (pages / ours1["cpu_total"]), 2)
        e2e[f"{name}_pages_per_core"] = _rate(pages, flow_cpu)
        e2e[f"{name}_prefect_share_of_cpu"] = round(max(0.0, 1 - plain / flow_cpu), 4) if flow_cpu else None
        if run.get("task_runs"):
            extra = run["cpu_process"] + run.get("cpu_workers", 0.0) - plain
            e2e[f"{name}_task_runs"] = run["task_runs"]
            e2e[f"{name}_server_cpu_seconds"] = round(run["cpu_server"], 2)
            e2e[f"{name}_server_ms_per_task_run"] = round(run["cpu_server"] / run["task_runs"] * 1000, 1)
            e2e[f"{name}_flow_extra_cpu_seconds"] = round(extra, 2)
            e2e[f"{name}_flow_extra_ms_per_task_run"] = round(extra / run["task_runs"] * 1000, 1)
        e2e[f"{name}_server_start_seconds"] = round(run["server_start_seconds"], 1)
    return {"stages_ours": stages, "stages_baseline": baseline_stages, "end_to_end": e2e}


def print_table(res: dict[str, Any]) -> None:
    """A short table of the figures."""
    s = res["summary"]
    print(f"\npipeline benchmark: {res['pages']:,} pages, {res['machine']['cpus']} CPUs, shards of {res['shard_size']}")
    print(f"{'stage':<20}{'ours p/s/core':>15}{'baseline p/s/core':>19}{'ratio':>8}")
    for stage, row in s["stages_ours"].items():
        print(f"{stage:<20}{row['pages_per_cpu_second'] or 0:>15,.1f}")
    for stage, row in s["stages_baseline"].items():
        print(f"{'  baseline ' + stage:<20}{'':>15}{row['pages_per_cpu_second'] or 0:>19,.1f}"
              f"{row.get('ratio_ours_over_baseline') or 0:>8.1f}")
    print("end to end:")
    for k, v in s["end_to_end"].items():
        print(f"  {k:<40}{v}")
    for name in ("ours_1core", "ours_2core", "baseline", "flow", "flow_threads"):
        run = res.get(name)
        if run:
            written = run["bytes_output_total"] / 1e6
            quality = f", quality {run['quality']}" if "quality" in run else ""
            rss = f"{run['peak_rss_mb']:,.0f} MB" + (f" (sum over processes {run['peak_rss_mb_sum']:,.0f} MB)"
                                                    if "peak_rss_mb_sum" in run else "")
            print(f"  {name:<12} peak RSS {rss}, written {written:,.1f} MB{quality}")
            if "idle_seconds_per_process" in run:
                print(f"  {name:<12} task graph {run['graph_seconds']:,.1f} s, idle per process "
                      f"{', '.join(f'{x:,.1f}' for x in run['idle_seconds_per_process'])} s")
    print(f"  expected (planted truth): {res['expected']}")


@contextlib.contextmanager
def _stage(name: str) -> Iterator[None]:
    print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
    t0 = time.perf_counter()
    yield
    print(f"[{time.strftime('%H:%M:%S')}] {name} done in {time.perf_counter() - t0:,.1f} s", flush=True)


def _code_version() -> str:
    """The commit the stage code was read from ('+dirty' when tasks/ or flows/ differ from it)."""
    def git(*cmd: str) -> str:
        done = subprocess.run(["git", *cmd], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "tasks", "flows", "schemas") else "")


def _parser() -> argparse.ArgumentParser:
    """The command line options."""
    parser = argparse.ArgumentParser(description="Per-stage and end-to-end pipeline benchmark against the baseline.")
    parser.add_argument("--pages", type=int, default=2000, help="Pages in the generated corpus (default 2,000).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shard-size", type=int, default=None,
                        help="Input files per shard (default: the build's own, an eighth of the pages, 500 to 5,000).")
    parser.add_argument("--baseline-pages", type=int, default=None,
                        help="Run the baseline on the first N pages only (default: all; it is slow).")
    parser.add_argument("--skip", default="",
                        help="Comma-separated runs to skip: ours2, baseline, flow, flowthreads.")
    parser.add_argument("--runner", choices=["processes", "threads"], default=None, help=argparse.SUPPRESS)
    parser.add_argument("--resume", action="store_true",
                        help="Reuse the runs (and the code snapshot) of an interrupted benchmark of the same size.")
    parser.add_argument("--profile", action="store_true", help="Profile our stages (cProfile) and print the top lines.")
    parser.add_argument("--top", type=int, default=30, help="Lines of the profile to print.")
    parser.add_argument("--corpus", type=Path, default=None, help="Use this corpus folder.")
    parser.add_argument("--synthetic", action="store_true",
                        help="The generated pages of bench.gen_corpus (scale tests) instead of varied real pages.")
    parser.add_argument("--worker", choices=["ours", "baseline", "flow"], help=argparse.SUPPRESS)
    parser.add_argument("--cores", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = _parser()
    args = parser.parse_args(argv)

    if args.worker:
        workers = {"ours": worker_ours, "baseline": worker_baseline, "flow": worker_flow}
        result = workers[args.worker](args)
        args.result.write_text(json.dumps(result, default=str))
        return 0

    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    if args.shard_size is None:  # the build's default for a corpus of this size
        from tasks.plan import auto_shard_size

        args.shard_size = auto_shard_size(args.pages)
    tag = f"{args.pages}" if args.synthetic else f"real-{args.pages}"
    partial = RESULTS / f"pipeline-{tag}.partial.json"
    done: dict[str, Any] = json.loads(partial.read_text()) if args.resume and partial.exists() else {}
    with _stage(f"corpus of {args.pages:,} pages"):
        args.corpus, gen = ensure_corpus(args.pages, args.seed, args.corpus, synthetic=args.synthetic)
    if args.profile:
        with _stage("profile of our stages (1 process)"):
            print(profile_stages(args.corpus, WORK / f"run-profile-{args.pages}", shard_size=args.shard_size,
                                 top=args.top))
        return 0
    code = WORK / f"code-{args.pages}"
    args.code = code if args.resume and code.exists() else snapshot_code(code)  # a resumed run keeps its code
    res: dict[str, Any] = {"pages": args.pages, "seed": args.seed, "shard_size": args.shard_size,
                           "corpus": str(args.corpus), "generator": gen,
                           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                       "platform": platform.platform(),
                                       "load_average_at_start": os.getloadavg()},
                           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "code": done.get("code") or _code_version()}
    extra = ["--limit", str(args.baseline_pages)] if args.baseline_pages else []
    runs = [("ours_1core", "ours, 1 core", "ours", ["--cores", "1"], 1),
            ("ours_2core", "ours, 2 cores (the task graph on two processes)", "ours", ["--cores", "2"], 2),
            ("baseline", "baseline, 1 core", "baseline", extra, 1),
            ("flow", "flow (Prefect, worker processes)", "flow", ["--runner", "processes"], None),
            ("flow_threads", "flow (Prefect, 2 threads)", "flow", ["--runner", "threads"], None)]
    short = {"ours_2core": "ours2", "baseline": "baseline", "flow": "flow", "flow_threads": "flowthreads"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    for key, label, kind, flags, threads in runs:
        if short.get(key) in skip:
            continue
        if key in done:
            res[key] = done[key]
            continue
        with _stage(label):
            res[key] = _subprocess(kind, args, *flags, threads=threads)
        partial.write_text(json.dumps(res, indent=2, default=str))
    res["expected"] = expected_counts(read_truth(args.corpus))
    res["summary"] = summarise(args.pages, res["ours_1core"], res.get("ours_2core"), res.get("baseline"),
                               res.get("flow"), flow_threads=res.get("flow_threads"))
    res["machine"]["load_average_at_end"] = os.getloadavg()
    text = json.dumps(res, indent=2, default=str)
    (RESULTS / "pipeline.json").write_text(text)
    (RESULTS / f"pipeline-{tag}.json").write_text(text)
    partial.unlink(missing_ok=True)
    print_table(res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
