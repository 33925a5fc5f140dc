"""Progress of a build, per stage: bars with pages/s and ETA on a terminal, log lines elsewhere.

The flow hands each stage's futures (one per shard) to :func:`track`, which waits for them with
:func:`prefect.futures.as_completed`: completion comes from the futures' own done callbacks, so
waiting costs no API request (reading ``future.state`` of an unfinished future is one request to the
API server each time). On a terminal (stderr is a TTY) it draws one rich progress bar per stage;
otherwise (deployments, CI, redirected output) it logs one line per finished shard through the
flow run's logger, so the lines reach the Prefect UI too.
"""

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from prefect.futures import as_completed
from prefect.logging import get_run_logger
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


def track(stages: Mapping[str, Sequence[Any]], *, pages_per_shard: Sequence[int]) -> None:
    """Wait for every future of ``stages`` (stage name -> one future per shard), showing progress.

    ``pages_per_shard[i]`` is the number of input files of shard ``i``; pages/s and ETA count them.
    """
    total = sum(pages_per_shard)
    if sys.stderr.isatty():
        columns = (TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]:>8} pages/s"), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=False) as bars:
            ids = {name: bars.add_task(name, total=total, rate="-") for name in stages}

            def draw(name: str, done: int, pages: int, rate: float) -> None:
                bars.update(ids[name], completed=pages, rate=f"{rate:,.0f}")

            _wait(stages, pages_per_shard, draw)
        return
    logger = get_run_logger()

    def log(name: str, done: int, pages: int, rate: float) -> None:
        eta = (total - pages) / rate if rate else float("nan")
        logger.info("%s: %d/%d shards, %d/%d pages, %.0f pages/s, ETA %.0fs", name, done, len(stages[name]),
                    pages, total, rate, eta)

    _wait(stages, pages_per_shard, log)


def _wait(stages: Mapping[str, Sequence[Any]], pages_per_shard: Sequence[int],
          report: Callable[[str, int, int, float], None]) -> None:
    """Call ``report(stage, shards done, pages done, pages/s)`` each time a future of ``stages`` ends."""
    started = time.monotonic()
    owner = {id(f): (name, i) for name, futures in stages.items() for i, f in enumerate(futures)}
    done: dict[str, int] = dict.fromkeys(stages, 0)
    pages: dict[str, int] = dict.fromkeys(stages, 0)
    for future in as_completed([f for futures in stages.values() for f in futures]):
        name, i = owner[id(future)]
        done[name] += 1
        pages[name] += pages_per_shard[i]
        report(name, done[name], pages[name], pages[name] / max(time.monotonic() - started, 1e-6))
