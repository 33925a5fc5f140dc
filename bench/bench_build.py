"""``corpus build`` as a user runs it, measured from outside: cores busy, time to the first task, memory.

Run ``.venv/bin/python -m bench.bench_build CORPUS_DIR [--out DIR] [--json FILE] [-- EXTRA corpus build ARGS]``
on a folder made by ``bench.gen_real`` or ``bench.gen_corpus`` (its ``pages/`` and ``manifest.csv``).

The command is started as a child process (``.venv/bin/python -m flows.cli build CORPUS/pages --manifest
CORPUS/manifest.csv --out OUT``, which is ``corpus build``, run in ``--checkout`` (default: this repository)
so that another worktree's code can be measured with the same virtualenv; the runner and every setting
left to their defaults unless given after ``--``) and every process below it is sampled from ``/proc``
every ``--interval`` seconds:

- **CPU seconds**: the whole process tree's user + system time, from ``wait4`` on the command once it
  exits (the API server and the worker processes are reaped by it, so their time is included); per process
  kind (build, API server, task workers) the last sampled ``utime + stime``;
- **cores busy**: CPU seconds / wall seconds, start-up included; also from the first stage task on (the
  tree's CPU at the last sample before that task taken off);
- **cores wanted**: the mean over the samples of min(cores, threads of the tree running or runnable): on a
  shared machine CPU / wall is what the build got, this is how many cores it had work for (a thread waiting
  for Python's GIL sleeps and does not count);
- **time to the first task**: from the command's start to the earliest stage body it recorded in
  ``OUT/_work/executions.jsonl`` (``at``), and the API server's first sample (when its process appeared);
- **peak RSS** per process kind (``VmHWM``), the highest sum of ``VmRSS`` over all processes at one sample
  (and what made it up: each process's ``VmRSS`` then and the stage tasks running),
  and per stage the highest ``VmRSS`` sample of the process running a task of that stage (the
  ``VmRSS`` sample taken while a task of that stage was running, from the same ``executions.jsonl``):
  how memory follows the pages, stage by stage.

Prints one JSON object (and writes it to ``--json``). Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return tree


def _descendants(root: int) -> list[int]:
    tree, out, todo = _children_of(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, []))
    return out


def _kind(pid: int, root: int) -> str:
    if pid == root:
        return "build"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if "uvicorn" in cmd or "prefect.server" in cmd or "prefect server" in cmd:
        return "api_server"
    if "multiprocessing" in cmd or "spawn_main" in cmd:
        return "worker"
    return "other"


def _running_threads(pid: int) -> int:
    """Threads of ``pid`` in state R (running, or runnable and waiting for a core); a thread waiting for
    the GIL sleeps and does not count."""
    count = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            count += stat.read_text().rsplit(")", 1)[1].split()[0] == "R"
        except (OSError, IndexError):
            continue
    return count


def cores_wanted(samples: list[tuple[float, int]], since: float, cores: int) -> float:
    """Mean over the samples from ``since`` of min(cores, threads running or runnable): how many cores the
    build had work for. On a machine shared with other jobs, CPU / wall is what the build got; this is
    what it would have kept busy had the cores been its own (an estimate: the run's timeline stays that
    of the shared machine)."""
    values = [min(cores, n) for t, n in samples if t >= since]
    return round(sum(values) / len(values), 2) if values else 0.0


class Sampler(threading.Thread):
    """Samples the process tree below ``root``: per pid its kind, VmHWM, VmRSS and CPU ticks."""

    def __init__(self, root: int, interval: float, trace: Path | None = None) -> None:
        super().__init__(daemon=True)
        self.root, self.interval, self.stop = root, interval, threading.Event()
        self.trace = trace  # a CSV that every sample is appended to as it is taken (read while the build runs)
        self.started = time.time()
        self.kinds: dict[int, str] = {}
        self.hwm: dict[int, float] = {}
        self.cpu: dict[int, float] = {}
        self.first_seen: dict[str, float] = {}
        self.rss: dict[int, list[tuple[float, float]]] = {}  # per pid: (time.time(), VmRSS MB)
        self.tree_cpu: list[tuple[float, float]] = []  # (time.time(), CPU s of every process seen so far)
        self.running: list[tuple[float, int]] = []  # (time.time(), threads of the tree running or runnable)
        self.rss_sum = 0.0  # the highest sum of VmRSS over the tree's processes at one sample (MB)
        self.rss_sum_at: tuple[float, dict[int, float]] = (0.0, {})  # that sample's time and VmRSS per pid

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.time()
            running, rss_sum, parts = 0, 0.0, {}
            for pid in _descendants(self.root):
                running += _running_threads(pid)
                if pid not in self.kinds:
                    self.kinds[pid] = _kind(pid, self.root)
                    self.first_seen.setdefault(self.kinds[pid], now)
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                values = {line.split(":")[0]: line.split()[1] for line in status.splitlines()
                          if line.startswith(("VmHWM", "VmRSS"))}
                if "VmHWM" in values:
                    self.hwm[pid] = max(self.hwm.get(pid, 0.0), int(values["VmHWM"]) / 1024)
                if "VmRSS" in values:
                    rss_sum += int(values["VmRSS"]) / 1024
                    parts[pid] = int(values["VmRSS"]) / 1024
                if "VmRSS" in values:
                    self.rss.setdefault(pid, []).append((now, int(values["VmRSS"]) / 1024))
                self.cpu[pid] = (int(stat[11]) + int(stat[12])) / CLOCK_TICKS
            self.tree_cpu.append((now, sum(self.cpu.values())))
            self.running.append((now, running))
            if rss_sum > self.rss_sum:
                self.rss_sum, self.rss_sum_at = rss_sum, (now, parts)
            if self.trace is not None:
                self._append_trace(now, rss_sum, parts)
            self.stop.wait(self.interval)


    def _append_trace(self, now: float, rss_sum: float, parts: dict[int, float]) -> None:
        """One CSV line: seconds from the start, VmRSS MB of all processes, of the build process, of the API
        server, and of each worker (largest first), then the CPU s of the tree so far."""
        by_kind = {kind: sorted((mb for pid, mb in parts.items() if self.kinds.get(pid) == kind), reverse=True)
                   for kind in ("build", "api_server", "worker", "other")}
        line = [f"{now - self.started:.1f}", f"{rss_sum:.0f}", f"{sum(by_kind['build']):.0f}",
                f"{sum(by_kind['api_server']):.0f}", " ".join(f"{mb:.0f}" for mb in by_kind["worker"]),
                f"{self.tree_cpu[-1][1]:.1f}"]
        with self.trace.open("a", encoding="utf-8") as f:
            f.write(",".join(line) + "\n")


def peak_at_once(sampler: Sampler, executions: list[dict[str, Any]], started: float) -> dict[str, Any]:
    """What made up the highest sum of RSS: when (seconds from the start), each process's RSS (MB, by
    kind) and the stage tasks running then (by process kind)."""
    at, parts = sampler.rss_sum_at
    running = [f"{sampler.kinds.get(rec.get('pid', -1), '?')}: {rec['stage']}" for rec in executions
               if rec["at"] <= at <= rec["at"] + rec["seconds"]]
    return {"seconds": round(at - started, 1),
            "mb_by_process": sorted([[sampler.kinds.get(pid, "?"), round(mb)] for pid, mb in parts.items()],
                                    key=lambda x: -x[1]),
            "stages_running": sorted(running)}


def stage_peaks(rss: dict[int, list[tuple[float, float]]], executions: list[dict[str, Any]]) -> dict[str, float]:
    """Per stage, the highest RSS sample (MB) of the process that ran a task of it, while it ran."""
    peaks: dict[str, float] = {}
    for rec in executions:
        start, end = rec["at"], rec["at"] + rec["seconds"]
        inside = [mb for t, mb in rss.get(rec.get("pid", -1), []) if start <= t <= end]
        if inside:
            peaks[rec["stage"]] = round(max(peaks.get(rec["stage"], 0.0), *inside))
    return peaks


def measure(corpus: Path, out: Path, extra: list[str], *, interval: float, checkout: Path = REPO,
            trace: Path | None = None) -> dict[str, Any]:
    """Run ``corpus build`` of ``checkout`` on ``corpus`` into ``out`` (removed first); return what was measured.

    ``trace``: a CSV the memory samples are appended to while the build runs (``seconds,all_mb,build_mb,
    api_server_mb,worker_mb,cpu_s``; the worker column lists each worker's MB, space-separated)."""
    if trace is not None:
        trace.parent.mkdir(parents=True, exist_ok=True)
        trace.write_text("seconds,all_mb,build_mb,api_server_mb,worker_mb,cpu_s\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(REPO / ".venv" / "bin" / "python"), "-m", "flows.cli", "build", str(corpus / "pages"),
           "--manifest", str(corpus / "manifest.csv"), "--out", str(out), "--json", *extra]
    load_before = os.getloadavg()
    started = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=checkout)
    sampler = Sampler(proc.pid, interval, trace)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.time() - started
    sampler.stop.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.stderr.write(stderr[-4000:])
        raise SystemExit(f"corpus build exited with {proc.returncode}")
    summary = json.loads(stdout[stdout.index("{"):])
    work = out / "_work" / "executions.jsonl"
    executions = [json.loads(line) for line in work.read_text().splitlines() if line.strip()]
    first_task = min(r["at"] for r in executions)
    cpu = usage.ru_utime + usage.ru_stime
    by_kind: dict[str, float] = {}
    hwm_by_kind: dict[str, float] = {}
    for pid, kind in sampler.kinds.items():
        by_kind[kind] = round(by_kind.get(kind, 0.0) + sampler.cpu.get(pid, 0.0), 1)
        hwm_by_kind[kind] = round(max(hwm_by_kind.get(kind, 0.0), sampler.hwm.get(pid, 0.0)))
    before = [c for t, c in sampler.tree_cpu if t <= first_task]
    cpu_before_first = before[-1] if before else 0.0
    pages = int(summary.get("pages_in") or summary.get("files") or 0)
    return {
        "command": " ".join(cmd[1:]), "checkout": str(checkout),
        "pages": pages,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1), "cpu_user": round(usage.ru_utime, 1), "cpu_system": round(usage.ru_stime, 1),
        "cores_busy": round(cpu / wall, 2),
        "pages_per_cpu_second": round(pages / cpu, 1),
        "pages_per_wall_second": round(pages / wall, 1),
        "seconds_to_first_task": round(first_task - started, 1),
        "seconds_to_api_server_process": round(sampler.first_seen.get("api_server", started) - started, 2),
        "seconds_first_task_to_end": round(started + wall - first_task, 1),
        "cpu_seconds_before_first_task": round(cpu_before_first, 1),
        "cores_busy_from_first_task": round((cpu - cpu_before_first) / (started + wall - first_task), 2),
        "cores_wanted": cores_wanted(sampler.running, started, os.cpu_count() or 1),
        "cores_wanted_from_first_task": cores_wanted(sampler.running, first_task, os.cpu_count() or 1),
        "cpu_seconds_by_process_kind": by_kind,
        "peak_rss_mb_by_process_kind": hwm_by_kind,
        "peak_rss_mb_all_processes_at_once": round(sampler.rss_sum),
        "peak_rss_at_once": peak_at_once(sampler, executions, started),
        "peak_rss_mb_by_stage": stage_peaks(sampler.rss, executions),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "summary": {k: summary[k] for k in ("files", "shards", "articles", "comments", "duplicates", "rejects")
                    if k in summary},
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the build once, print (and write) the figures."""
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="A folder made by bench.gen_real or bench.gen_corpus.")
    parser.add_argument("--out", type=Path, default=None,
                        help="Output folder (removed first; default bench/work/run-build-NAME).")
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    parser.add_argument("--checkout", type=Path, default=REPO,
                        help="Run the code of this checkout (a git worktree; this one's virtualenv).")
    parser.add_argument("--interval", type=float, default=0.5, help="Seconds between samples of /proc.")
    parser.add_argument("--trace", type=Path, default=None,
                        help="Append every memory sample to this CSV as the build runs (read it while it runs).")
    args = parser.parse_args(argv)
    out = args.out or REPO / "bench" / "work" / f"run-build-{args.corpus.name}"
    result = measure(args.corpus.resolve(), out.resolve(), extra, interval=args.interval,
                     checkout=args.checkout.resolve(), trace=args.trace)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
