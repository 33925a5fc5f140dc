"""Time the parse stage of the checkout it is started in (its working directory), alone and on two threads.

    cd CHECKOUT && CHECKOUT/.venv/bin/python /path/to/bench/bench_parse.py --corpus bench/work/corpus-20000-s0

The first ``--shards`` x ``--shard-pages`` pages of a ``bench.gen_corpus`` corpus are ingested, stripped
and cut into shards, with templates learned from all of them (as ``bench/compare_parse.py`` does); then
``tasks.extract.chain.parse_shard`` runs with one polars thread (``POLARS_MAX_THREADS=1``):

- serial: the shards one after the other, ``--repeat`` times; reports the least process CPU per 1,000
  pages, split into the CPU spent inside polars queries (which release the GIL) and the rest (Python
  and the conversions between polars and Python, which hold it);
- threads: two shards at once on a ``ThreadPoolExecutor`` of two threads, as the flow's default task
  runner runs two parse tasks; reports the wall time and the summed wall time of the two tasks. Where
  parse holds the GIL, the two tasks wait for each other and the summed task time grows above the CPU.

Wall times need a machine that is otherwise idle; CPU times much less so. Prints only.
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"  # before polars is imported

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, os.getcwd())  # the checkout being measured, not the one this file lives in

import polars as pl

Shard = tuple[pl.DataFrame, pl.DataFrame]


def load_shards(corpus: Path, n_shards: int, shard_pages: int) -> tuple[list[Shard], pl.DataFrame]:
    """(lines, pages) per shard and the template lines learned from all of them."""
    from tasks.extract.boilerplate import strip_boilerplate
    from tasks.extract.templates import learn_template_lines
    from tasks.ingest.inputs import expand_inputs, read_manifest, read_raw_records
    from tasks.ingest.pages import build_pages
    from tasks.plan import attach_manifest

    files, _ = expand_inputs([str(corpus / "pages")])
    files = sorted(files, key=lambda f: f.path)[: n_shards * shard_pages]
    frame = pl.DataFrame([{"path": f.path, "size": f.size, "mtime_ns": f.mtime_ns} for f in files],
                         schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64})
    raw = read_raw_records(attach_manifest(frame, read_manifest(corpus / "manifest.csv")), max_bytes=20_000_000)
    pages = build_pages(raw, ingested_at=datetime(2025, 1, 1, tzinfo=UTC))
    pages = pages.filter(pl.col("reject_reason").is_null()).select("page_id", "site", "url", "text", "html")
    shards = []
    for k in range(n_shards):
        shard_pages_frame = pages.slice(k * shard_pages, shard_pages)
        shards.append((strip_boilerplate(shard_pages_frame), shard_pages_frame))
    templates = learn_template_lines(pl.concat([lines for lines, _ in shards]),
                                     pl.concat([p for _, p in shards]).select("page_id", "site"))
    return shards, templates


class QueryClock:
    """Process CPU spent inside polars query execution (eager DataFrame calls run as queries too)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        engine = type(pl.LazyFrame._collect_eager.__globals__["_eager_engine"]())
        collect = engine.collect
        clock = self

        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return collect(self, *args, **kwargs)
            finally:
                clock.seconds += time.process_time() - start

        engine.collect = timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="A bench.gen_corpus corpus.")
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--shard-pages", type=int, default=2500)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from tasks.extract.chain import parse_shard

    shards, templates = load_shards(args.corpus, args.shards, args.shard_pages)
    n_pages = sum(pages.height for _, pages in shards)
    parse_shard(shards[0][0].head(20_000), shards[0][1], templates)  # imports and compiled patterns
    clock = QueryClock()
    runs = []
    for _ in range(args.repeat):
        clock.seconds = 0.0
        start = time.process_time()
        for lines, pages in shards:
            parse_shard(lines, pages, templates)
        runs.append((time.process_time() - start, clock.seconds))
    cpu, in_polars = min(runs)
    per_k = 1000 / n_pages
    print(f"{os.getcwd()}: serial, {n_pages} pages: {cpu * per_k:.3f} CPU s per 1,000 pages, "
          f"{in_polars * per_k:.3f} in polars queries, {(cpu - in_polars) * per_k:.3f} outside them "
          f"(runs: {', '.join(f'{c:.2f}/{p:.2f}' for c, p in runs)} s CPU/in polars)")

    def task(shard: Shard) -> float:
        start = time.perf_counter()
        parse_shard(shard[0], shard[1], templates)
        return time.perf_counter() - start

    for _ in range(args.repeat):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            walls = list(pool.map(task, shards[:2]))
        wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
        print(f"{os.getcwd()}: 2 threads, 2 shards: wall {wall:.2f} s, CPU {cpu:.2f} s, "
              f"summed task wall {sum(walls):.2f} s ({sum(walls) / cpu:.2f} x the CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
