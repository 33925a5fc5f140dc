"""Progress of a build, per stage: bars with pages/s and ETA on a terminal, log lines elsewhere.

:class:`flows.pipeline.Pipeline` waits for the stage tasks (completion comes from the futures' own
done callbacks, so waiting costs no API request) and calls :func:`stage_progress`'s report function
each time a shard's run of a stage completes. On a terminal (stderr is a TTY) it draws one rich
progress bar per stage; otherwise (deployments, CI, redirected output) it logs one line per finished
shard through the flow run's logger, so the lines reach the Prefect UI too. A stage whose finished
runs were all served from the cache (a rerun, a Retry) says ``cached`` instead of a rate; a stage
with some runs cached counts them and its rate counts only the pages that ran.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from prefect.logging import get_run_logger
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class Reporter(Protocol):
    """Told each time a shard's run of a stage completes."""

    def report(self, name: str, *, done: int, shards: int, pages: int, total: int, cached: int,
               rate: float) -> None:
        """``done`` of ``shards`` runs of stage ``name`` completed (``cached`` of them from the cache),
        covering ``pages`` of ``total`` pages; ``rate``: pages per second of the runs that ran."""


def progress_line(name: str, *, done: int, shards: int, pages: int, total: int, cached: int, rate: float) -> str:
    """One log line of a stage's progress: ``parse: 3/8 shards, 1500/4000 pages, 812 pages/s, ETA 3s``,
    or ``cached`` instead of the rate when every run so far was served from the cache."""
    head = f"{name}: {done}/{shards} shards"
    if cached == done:
        return f"{head}, {pages}/{total} pages, cached"
    if cached:
        head += f" ({cached} cached)"
    eta = f"ETA {(total - pages) / rate:.0f}s" if rate else "ETA -"
    return f"{head}, {pages}/{total} pages, {rate:.0f} pages/s, {eta}"


class LogReporter:
    """Progress as one line per completed shard run, through the flow run's logger."""

    def __init__(self) -> None:
        self.logger = get_run_logger()

    def report(self, name: str, *, done: int, shards: int, pages: int, total: int, cached: int,
               rate: float) -> None:
        """Log the stage's progress line."""
        self.logger.info("%s", progress_line(name, done=done, shards=shards, pages=pages, total=total,
                                             cached=cached, rate=rate))


class BarReporter:
    """Progress as one rich bar per stage (on a terminal)."""

    def __init__(self, bars: Progress, names: Sequence[str], total: int) -> None:
        self.bars = bars
        self.ids = {name: bars.add_task(name, total=total, rate="-") for name in names}

    def report(self, name: str, *, done: int, shards: int, pages: int, total: int, cached: int,
               rate: float) -> None:
        """Move the stage's bar."""
        self.bars.update(self.ids[name], completed=pages,
                         rate="cached" if cached == done else f"{rate:,.0f} pages/s")


@contextmanager
def stage_progress(names: Sequence[str], *, total: int) -> Iterator[Reporter]:
    """A reporter for the stages ``names`` (``total`` pages each): bars on a terminal, log lines elsewhere."""
    if not sys.stderr.isatty():
        yield LogReporter()
        return
    columns = (TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]:>14}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=False) as bars:
        yield BarReporter(bars, names, total)
