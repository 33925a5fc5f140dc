"""Progress of a build, per stage: bars with pages/s and ETA on a terminal, log lines elsewhere.

The flow hands each stage's futures (one per shard) to :func:`track`, which polls their states
until all are final. On a terminal (stderr is a TTY) it draws one rich progress bar per stage;
otherwise (deployments, CI, redirected output) it logs one line per finished shard through the
flow run's logger, so the lines reach the Prefect UI too.
"""

import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from prefect.logging import get_run_logger
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

POLL_SECONDS = 0.2


def _done(future: Any) -> bool:
    return bool(future.state.is_final())


def track(stages: Mapping[str, Sequence[Any]], *, pages_per_shard: Sequence[int]) -> None:
    """Wait for every future of ``stages`` (stage name -> one future per shard), showing progress.

    ``pages_per_shard[i]`` is the number of input files of shard ``i``; pages/s and ETA count them.
    """
    total = sum(pages_per_shard)
    started = time.monotonic()
    finished: dict[str, set[int]] = {name: set() for name in stages}
    if sys.stderr.isatty():
        columns = (TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]:>8} pages/s"), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=False) as bars:
            ids = {name: bars.add_task(name, total=total, rate="-") for name in stages}
            while not _all_done(stages, finished):
                for name in _newly_done(stages, finished):
                    pages = sum(pages_per_shard[i] for i in finished[name])
                    rate = pages / max(time.monotonic() - started, 1e-6)
                    bars.update(ids[name], completed=pages, rate=f"{rate:,.0f}")
                time.sleep(POLL_SECONDS)
        return
    logger = get_run_logger()
    while not _all_done(stages, finished):
        for name in _newly_done(stages, finished):
            pages = sum(pages_per_shard[i] for i in finished[name])
            elapsed = time.monotonic() - started
            rate = pages / max(elapsed, 1e-6)
            eta = (total - pages) / rate if rate else float("nan")
            logger.info("%s: %d/%d shards, %d/%d pages, %.0f pages/s, ETA %.0fs", name, len(finished[name]),
                        len(stages[name]), pages, total, rate, eta)
        time.sleep(POLL_SECONDS)


def _newly_done(stages: Mapping[str, Sequence[Any]], finished: dict[str, set[int]]) -> list[str]:
    changed = []
    for name, futures in stages.items():
        for i, future in enumerate(futures):
            if i not in finished[name] and _done(future):
                finished[name].add(i)
                changed.append(name)
    return list(dict.fromkeys(changed))


def _all_done(stages: Mapping[str, Sequence[Any]], finished: dict[str, set[int]]) -> bool:
    return all(len(finished[name]) == len(futures) for name, futures in stages.items())
