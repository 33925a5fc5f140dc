"""Check that two checkouts parse the same pages to the same bits.

Runs the parse stage of the checkout it is started in (its working directory) and saves, per input
set, the segmented lines (``segment_pages`` output: every line's ``region`` and ``comment_position``),
the parsed articles and the parsed comments; ``compare`` then checks two such dumps for exact equality.

    cd OLD && OLD/.venv/bin/python NEW/bench/compare_parse.py dump --out /tmp/old [inputs]
    cd NEW && .venv/bin/python bench/compare_parse.py dump --out /tmp/new [inputs]
    .venv/bin/python bench/compare_parse.py compare /tmp/old /tmp/new

Inputs: ``--dev FOLDER`` (the dev pages with truth, parsed from their text and from their HTML, as
``corpus eval`` does), ``--corpus DIR`` (a ``bench.gen_corpus`` corpus, ingested, stripped and parsed
as one shard with templates learned from it) and ``--stages WORK`` (the ``lines``, ``pages`` and
``state/template_lines.parquet`` stage files of a build's ``_work`` folder, one parse per shard).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, os.getcwd())  # the checkout being measured, not the one this file lives in

import polars as pl

PARTS = ("segmented", "articles", "comments")


def _recording_parse() -> tuple[Callable[..., tuple[pl.DataFrame, pl.DataFrame]], list[pl.DataFrame]]:
    """``parse_shard`` with ``segment_pages`` wrapped to keep its output."""
    from tasks.extract import chain

    kept: list[pl.DataFrame] = []
    segment = chain.segment_pages

    def recorded(*args: Any, **kwargs: Any) -> pl.DataFrame:
        out = segment(*args, **kwargs)
        kept.append(out)
        return out

    chain.segment_pages = recorded  # type: ignore[assignment]
    return chain.parse_shard, kept


def _save(out: Path, name: str, frames: dict[str, pl.DataFrame]) -> None:
    for part, frame in frames.items():
        frame.write_parquet(out / f"{name}-{part}.parquet")
    print(name, {part: frame.shape for part, frame in frames.items()})


def dump_dev(folder: Path, out: Path) -> None:
    from flows.evaluate import load_folder
    from tasks.extract.boilerplate import strip_boilerplate
    from tasks.extract.templates import learn_template_lines

    parse, kept = _recording_parse()
    for name, use_html in (("dev-text", False), ("dev-html", True)):
        kept.clear()
        pages, _, _ = load_folder(folder, use_html=use_html)
        lines = strip_boilerplate(pages)
        templates = learn_template_lines(lines, pages.select("page_id", "site"))
        arts, coms = parse(lines, pages, templates)
        _save(out, name, {"segmented": pl.concat(kept), "articles": arts, "comments": coms})


def dump_corpus(corpus: Path, out: Path) -> None:
    from tasks.extract.boilerplate import strip_boilerplate
    from tasks.extract.templates import learn_template_lines
    from tasks.ingest.inputs import expand_inputs, read_manifest, read_raw_records
    from tasks.ingest.pages import build_pages
    from tasks.plan import attach_manifest

    parse, kept = _recording_parse()
    files, _ = expand_inputs([str(corpus / "pages")])
    frame = pl.DataFrame([{"path": f.path, "size": f.size, "mtime_ns": f.mtime_ns} for f in files],
                         schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64})
    raw = read_raw_records(attach_manifest(frame, read_manifest(corpus / "manifest.csv")), max_bytes=20_000_000)
    pages = build_pages(raw, ingested_at=datetime(2025, 1, 1, tzinfo=UTC))
    pages = pages.filter(pl.col("reject_reason").is_null()).select("page_id", "site", "text", "html", "fetched_at")
    lines = strip_boilerplate(pages)
    templates = learn_template_lines(lines, pages.select("page_id", "site"))
    arts, coms = parse(lines, pages, templates)
    _save(out, f"corpus-{corpus.name}", {"segmented": pl.concat(kept), "articles": arts, "comments": coms})


def dump_stages(work: Path, out: Path) -> None:
    from schemas.pages import PAGES
    from schemas.parsed import LINES, TEMPLATE_LINES
    from tasks import io

    parse, kept = _recording_parse()
    templates = io.read_batch(work / "state" / "template_lines.parquet", TEMPLATE_LINES)
    for lines_path in sorted((work / "lines").glob("*.parquet")):
        kept.clear()
        pages = io.read_batch(work / "pages" / lines_path.name, PAGES).filter(pl.col("reject_reason").is_null())
        arts, coms = parse(io.read_batch(lines_path, LINES),
                           pages.select("page_id", "site", "text", "html", "fetched_at"), templates)
        _save(out, f"stages-{lines_path.stem}", {"segmented": pl.concat(kept), "articles": arts, "comments": coms})


def compare(old: Path, new: Path) -> int:
    """Exact equality of every dump in ``old`` with the same-named one in ``new``; returns the exit code."""
    from polars.testing import assert_frame_equal

    names = sorted(p.name for p in old.glob("*.parquet"))
    if names != sorted(p.name for p in new.glob("*.parquet")) or not names:
        print("the two dumps hold different files")
        return 1
    failed = 0
    counts: dict[str, int] = dict.fromkeys(PARTS, 0)
    for name in names:
        a, b = pl.read_parquet(old / name), pl.read_parquet(new / name)
        try:
            assert_frame_equal(a, b, check_exact=True)
        except AssertionError as exc:
            failed += 1
            print(f"DIFFERENT {name}: {exc}")
        counts[name.rsplit("-", 1)[1].removesuffix(".parquet")] += a.height
    print(f"{len(names)} frames compared, {failed} different; rows: {counts}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump")
    dump.add_argument("--out", type=Path, required=True)
    dump.add_argument("--dev", type=Path)
    dump.add_argument("--corpus", type=Path, action="append", default=[])
    dump.add_argument("--stages", type=Path)
    cmp = sub.add_parser("compare")
    cmp.add_argument("old", type=Path)
    cmp.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "compare":
        return compare(args.old, args.new)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.dev:
        dump_dev(args.dev, args.out)
    for corpus in args.corpus:
        dump_corpus(corpus, args.out)
    if args.stages:
        dump_stages(args.stages, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
