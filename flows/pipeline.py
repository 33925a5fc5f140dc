"""Submitting, naming and waiting for the stage tasks of a build; what failed, said in one line.

The flow hands its stage tasks to a :class:`Pipeline`, which

- names every task run after its stage and its shard or partition (``parse [shard 3/8]``,
  ``find-duplicates [partition 2/4]``, 1-based), so the Prefect UI tells them apart;
- runs the per-shard stages as chains (:meth:`Pipeline.chain`): a shard's next stage is submitted
  when its previous one completed, so a failed stage leaves no downstream task runs behind it (in
  Prefect a task whose input failed ends ``NotReady`` and logs an error of its own);
- waits for a group of task runs (:meth:`Pipeline.settle`) and, when one failed, raises one
  :class:`StageFailedError` naming the stage, the shard or partition and the original error, once
  the task runs still running have ended (their finished work is cached for a Retry);
- reports progress per stage (``flows.progress``): pages/s for stages that ran, ``cached`` for
  those served from the cache;
- counts, per stage, the task runs that ran and those served from the cache (:attr:`Pipeline.runs`).
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.progress import Reporter, stage_progress
from flows.runtime import describe_disk_full, disk_full_from

Submit = Callable[[int, list[Any]], Any]
"""Submits one stage of shard ``i`` given the futures of the shard's earlier stages (completed, in stage order)."""


class StageFailedError(RuntimeError):
    """A stage task failed: its stage, shard or partition, and the original error, in one line."""

    def __init__(self, stage: str, label: str | None, error: BaseException | str, *, more: int = 0) -> None:
        self.stage, self.label, self.error = stage, label, error
        where = f"{stage} [{label}]" if label else stage
        if isinstance(error, BaseException):
            full = describe_disk_full(error)
            cause = full or f"{type(error).__name__}: {error}"
        else:
            cause = error
        tail = f" (and {more} more task run{'s' if more > 1 else ''} failed)" if more else ""
        super().__init__(f"{where} failed: {cause}{tail}")


def shard_label(i: int, n: int) -> str:
    """``shard 3/8`` for the shard at position ``i`` (0-based) of ``n``."""
    return f"shard {i + 1}/{n}"


def part_label(p: int, n: int) -> str:
    """``partition 2/4`` for partition ``p`` (0-based, as in the file names ``p0001``) of ``n``."""
    return f"partition {p + 1}/{n}"


def named(task: Any, label: str | None) -> Any:
    """``task`` whose runs are named ``<task name> [<label>]`` (the task's name alone without a label)."""
    return task.with_options(task_run_name=f"{task.name} [{label}]" if label else task.name)


def failure_of(future: Any) -> BaseException | str | None:
    """The error a finished task run ended with (its exception, else its state message), or ``None``."""
    future.wait()  # a done future: this only takes its final state from it (``state`` alone asks the API)
    return failure_in(future.state)


def failure_in(state: Any) -> BaseException | str | None:
    """The error a final task-run state holds (its exception, else its message), or ``None``."""
    if not (state.is_failed() or state.is_crashed() or state.is_cancelled()):
        return None
    try:
        error = state.result(raise_on_failure=False)
    except Exception as exc:  # the result could not be read back: the state's message says what failed
        return state.message or f"{type(exc).__name__}: {exc}"
    return error if isinstance(error, BaseException) else (state.message or str(state.name))


@dataclass
class StageRuns:
    """Task runs of one stage in this attempt: how many ran and how many were served from the cache."""

    ran: int = 0
    cached: int = 0


@dataclass
class Pipeline:
    """Submits, names and waits for the build's task runs (module docstring)."""

    pages_per_shard: Sequence[int]
    out: Path | None = None
    """The output folder: a full disk met by a task that did not say where is reported as this folder's."""
    runs: dict[str, StageRuns] = field(default_factory=dict)
    failures: list[tuple[str, str | None, BaseException | str]] = field(default_factory=list)

    @property
    def shards(self) -> int:
        """Number of shards of the run."""
        return len(self.pages_per_shard)

    def submit(self, task: Any, label: str | None, *args: Any, **kwargs: Any) -> Any:
        """Submit one run of ``task`` named after ``label``; returns its future."""
        return named(task, label).submit(*args, **kwargs)

    def call(self, task: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a global task (``plan``, ``cluster-duplicates`` ...) in the flow's thread and return its
        result; its failure is raised as :class:`StageFailedError`. Its inputs must have completed."""
        state = named(task, None)(*args, return_state=True, **kwargs)
        error = failure_in(state)
        if error is not None:
            self._fail(task.name, None, error)
        runs = self.runs.setdefault(task.name, StageRuns())
        runs.cached += state.name == "Cached"
        runs.ran += state.name != "Cached"
        return state.result()

    def chain(self, stages: Sequence[tuple[str, Submit]]) -> list[list[Any]]:
        """Run ``stages`` for every shard, each shard's stage ``k + 1`` submitted once its stage ``k``
        completed; return the futures by stage (shard order). Raises :class:`StageFailedError` after
        every submitted run ended when one failed; a failed shard's later stages are never submitted."""
        n = self.shards
        futures: list[list[Any]] = [[None] * n for _ in stages]
        done_q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        owner: dict[int, tuple[int, int]] = {}

        def start(k: int, i: int) -> None:
            future = stages[k][1](i, [futures[j][i] for j in range(k)])
            futures[k][i] = future
            owner[id(future)] = (k, i)
            future.add_done_callback(done_q.put)

        for i in range(n):
            start(0, i)
        pending = n
        with stage_progress([name for name, _ in stages], total=sum(self.pages_per_shard)) as reporter:
            progress = self._progress([name for name, _ in stages], reporter)
            while pending:
                future = done_q.get()
                pending -= 1
                k, i = owner[id(future)]
                name = stages[k][0]
                error = failure_of(future)
                if error is not None:
                    self._fail(name, shard_label(i, n), error, now=False)
                    continue
                progress(name, i, future)
                if k + 1 < len(stages):
                    start(k + 1, i)
                    pending += 1
        self._raise_failures()
        return futures

    def settle(self, stage: str, futures: Sequence[Any], labels: Sequence[str | None], *,
               shards: bool = False) -> list[Any]:
        """Wait for ``futures`` (one stage's runs, ``labels`` naming each) and return their results;
        ``shards``: one per shard, with progress. Raises :class:`StageFailedError` when one failed."""
        done_q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        index = {id(f): i for i, f in enumerate(futures)}
        for future in futures:
            future.add_done_callback(done_q.put)
        with stage_progress([stage], total=sum(self.pages_per_shard)) if shards else nullcontext() as reporter:
            progress = self._progress([stage], reporter) if reporter is not None else None
            for _ in futures:
                future = done_q.get()
                i = index[id(future)]
                error = failure_of(future)
                if error is not None:
                    self._fail(stage, labels[i], error, now=False)
                elif progress is not None:
                    progress(stage, i, future)
                else:
                    self._count(stage, future)
        self._raise_failures()
        return [f.result() for f in futures]

    def _count(self, stage: str, future: Any) -> bool:
        """Count a completed run of ``stage``; whether it was served from the cache."""
        future.wait()
        cached = future.state.name == "Cached"
        runs = self.runs.setdefault(stage, StageRuns())
        if cached:
            runs.cached += 1
        else:
            runs.ran += 1
        return cached

    def _progress(self, names: Sequence[str], reporter: Reporter) -> Callable[[str, int, Any], None]:
        """A function that counts a completed shard's run of a stage and reports the stage's progress."""
        started = time.monotonic()
        done = dict.fromkeys(names, 0)
        pages = dict.fromkeys(names, 0)
        ran_pages = dict.fromkeys(names, 0)
        cached = dict.fromkeys(names, 0)
        total = sum(self.pages_per_shard)

        def progress(name: str, i: int, future: Any) -> None:
            done[name] += 1
            pages[name] += self.pages_per_shard[i]
            if self._count(name, future):
                cached[name] += 1
            else:
                ran_pages[name] += self.pages_per_shard[i]
            rate = ran_pages[name] / max(time.monotonic() - started, 1e-6)
            reporter.report(name, done=done[name], shards=self.shards, pages=pages[name], total=total,
                            cached=cached[name], rate=rate)

        return progress

    def _fail(self, stage: str, label: str | None, error: BaseException | str, *, now: bool = True) -> None:
        """Record a failed run (and raise its :class:`StageFailedError` when ``now``)."""
        if isinstance(error, BaseException) and self.out is not None:
            error = disk_full_from(error, self.out) or error
        self.failures.append((stage, label, error))
        if now:
            self._raise_failures()

    def _raise_failures(self) -> None:
        if self.failures:
            stage, label, error = self.failures[0]
            raise StageFailedError(stage, label, error, more=len(self.failures) - 1)
