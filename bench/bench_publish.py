"""What the quality signals cost: the build with them against the build without them, in one run.

Run ``.venv/bin/python -m bench.bench_publish --pages 10000`` (``--help`` for the options). On one
generated corpus (``bench.gen_corpus``, as ``bench_pipeline`` makes it), each in its own subprocess with
one polars thread, alternating, ``--repeats`` times each:

- **with**: the flow's stages as plain functions (``bench_pipeline.run_ours``, 1 core), the code as it is;
- **without**: the same with ``tasks.publish.release.add_signals`` replaced by a constant ``signals`` column
  (the same columns written, nothing measured).

Reported: the stages' CPU seconds of each run, the median difference and its share of the median
build with signals; and, in each *with* run, ``add_signals`` timed alone (process CPU) on the articles
and comments that build wrote: the signals' own cost, free of the run-to-run noise of two builds.
The denominator is the stages' CPU without Prefect's, so the share is an upper bound of the share of
a ``corpus build``. Also timed alone: PII tagging of bodies and texts, and author ids.

Writes ``bench/results/publish.json`` and prints a short table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_pipeline import RESULTS, WORK, ensure_corpus, snapshot_code


def _without_signals() -> None:
    """Replace the signals by a constant column of the declared type (the build writes the same columns)."""
    import polars as pl

    import tasks.publish.release
    from tasks.publish.signals import SIGNALS_DTYPE

    def constant(frame: pl.DataFrame, *, text_column: str) -> pl.DataFrame:
        del text_column
        fields = SIGNALS_DTYPE.to_schema()  # type: ignore[attr-defined]
        value = pl.struct([pl.lit(0 if name in ("n_words", "n_urls") else None, dtype).alias(name)
                           for name, dtype in fields.items()])
        return frame.with_columns(value.cast(SIGNALS_DTYPE).alias("signals"))

    tasks.publish.release.add_signals = constant  # type: ignore[assignment]


def _time_alone(out: Path) -> dict[str, float]:
    """CPU seconds of the publish functions alone on what the build wrote (articles' bodies, comments)."""
    from tasks.publish.privacy import add_author_ids, redact_pii
    from tasks.publish.signals import add_signals
    from tasks.publish.write import scan_corpus

    frames = scan_corpus(out)
    arts = frames["articles"].select("body", "language").collect()
    coms = frames["comments"].select("site", "author", "text", "language").collect()
    result: dict[str, float] = {"articles": arts.height, "comments": coms.height}
    for name, call in (
        ("signals_cpu", lambda: (add_signals(arts, text_column="body"), add_signals(coms, text_column="text"))),
        ("pii_cpu", lambda: (redact_pii(arts, "body", redact=True), redact_pii(coms, "text", redact=True))),
        ("author_id_cpu", lambda: add_author_ids(coms, key=b"k" * 32)),
    ):
        start = time.process_time()
        call()
        result[name] = time.process_time() - start
    return result


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """One build of ``args.variant`` (``with`` or ``without``), 1 core."""
    from bench.bench_pipeline import run_ours

    if args.variant == "without":
        _without_signals()
    result = run_ours(args.corpus, args.work, shard_size=args.shard_size, workers=1)
    figures = {"variant": args.variant, "cpu_total": result["cpu_total"], "cpu_seconds": result["cpu_seconds"]}
    if args.variant == "with":
        figures |= _time_alone(Path(result["out"]))
    return figures


def _run(variant: str, args: argparse.Namespace, code: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result_path = Path(fh.name)
    env = {**os.environ, "POLARS_MAX_THREADS": "1"}
    cmd = [sys.executable, "-m", "bench.bench_publish", "--worker", "--variant", variant, "--corpus",
           str(args.corpus), "--work", str(WORK / f"run-publish-{variant}-{args.pages}"),
           "--shard-size", str(args.shard_size), "--result", str(result_path)]
    subprocess.run(cmd, check=True, cwd=code, env=env)
    try:
        return dict(json.loads(result_path.read_text()))
    finally:
        result_path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: the benchmark, or one worker run (``--worker``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shard-size", type=int, default=1_250)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--variant", choices=("with", "without"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        args.result.write_text(json.dumps(worker(args)))
        return 0
    args.corpus, corpus_info = ensure_corpus(args.pages, args.seed, None)
    code = snapshot_code(WORK / f"code-publish-{args.pages}")
    runs: list[dict[str, Any]] = []
    for i in range(args.repeats):
        for variant in (("with", "without") if i % 2 == 0 else ("without", "with")):
            runs.append(_run(variant, args, code))
            print(f"{variant:8} {runs[-1]['cpu_total']:8.2f} CPU s", flush=True)
    with_ = [r for r in runs if r["variant"] == "with"]
    median_with = statistics.median(r["cpu_total"] for r in with_)
    median_without = statistics.median(r["cpu_total"] for r in runs if r["variant"] == "without")
    signals_alone = statistics.median(r["signals_cpu"] for r in with_)
    summary = {
        "pages": args.pages, "shard_size": args.shard_size, "corpus": corpus_info, "runs": runs,
        "median_cpu_with": round(median_with, 3), "median_cpu_without": round(median_without, 3),
        "difference_share": round((median_with - median_without) / median_with, 4),
        "signals_alone_cpu": round(signals_alone, 3), "signals_alone_share": round(signals_alone / median_with, 4),
        "pii_alone_cpu": round(statistics.median(r["pii_cpu"] for r in with_), 3),
        "author_id_alone_cpu": round(statistics.median(r["author_id_cpu"] for r in with_), 3),
        "articles": with_[0]["articles"], "comments": with_[0]["comments"],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "publish.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps({k: v for k, v in summary.items() if k not in ("runs", "corpus")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
