"""The ``corpus`` command line: ``build``, ``serve``, ``stats``, ``card``, ``compact``, ``inspect``, ``eval``.

Prefect's environment (home folder, no telemetry, start-up timeout) is set before Prefect is
imported, so this module imports the flow lazily.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flows.runtime import configure_prefect
from flows.scramble import SCRAMBLE_MODES, TEXT_SCRAMBLE_MODES

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTS = 3


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corpus", description="Build a research corpus from scraped news pages.")
    parser.add_argument("--prefect-home", type=Path, default=None,
                        help="Prefect's home folder for this command, even when PREFECT_HOME is set "
                             "(default: $PREFECT_HOME, else $CORPUSFLOW_PREFECT_HOME, else ~/.corpusflow/prefect).")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="Build (or extend) a corpus from input files, folders or globs.")
    build.add_argument("inputs", nargs="+", help="Files (.txt .html .warc .jsonl, optionally .gz), folders, globs.")
    build.add_argument("--out", type=Path, default=Path("data/corpus"), help="Output folder (default: data/corpus).")
    build.add_argument("--manifest", type=Path, default=None,
                       help="CSV or JSONL with path, url, fetched_at, site for the input files.")
    build.add_argument("--languages", default=None,
                       help="Comma-separated ISO 639-1 codes to keep (others are counted, not written).")
    build.add_argument("--shard-size", type=int, default=None,
                       help="Input files per shard (default: an eighth of the new files, 500 to 2,500).")
    build.add_argument("--max-page-bytes", type=int, default=20_000_000,
                       help="Reject inputs larger than this after decompression (default: 20 MB).")
    build.add_argument("--follow-symlinks", action="store_true", help="Follow symbolic links out of input folders.")
    build.add_argument("--fail-on-reject", action="store_true",
                       help=f"Exit with status {EXIT_REJECTS} when any input was rejected.")
    build.add_argument("--pseudonymize", action="store_true",
                       help="Write no author names (author null, author_id kept); thread commenters' names in "
                            "comments become their ids.")
    build.add_argument("--redact-pii", action="store_true",
                       help="Replace e-mail addresses, phone numbers, IPs and URLs with user names by typed "
                            "placeholders (<EMAIL>, <PHONE>, <IP>, <URL_WITH_USER>).")
    build.add_argument("--pseudonym-key", type=Path, default=None, metavar="FILE",
                       help="Secret key of author_id (at least 16 bytes); default: OUT/_state/pseudonym.key, "
                            "made by the output's first build. Outputs built with one key share ids.")
    build.add_argument("--json", action="store_true", help="Print the run summary as JSON.")
    build.add_argument("--verbose", action="store_true", help="Log every task run's state as well.")
    build.add_argument("--runner", choices=["processes", "threads"], default=None,
                       help="Run the stage tasks in worker processes sharing this build's Prefect API server "
                            "(the default on 2 or more cores) or in threads of this process.")
    build.add_argument("--workers", type=int, default=None, metavar="N",
                       help="Worker processes or threads (default: one process per core, at most 4; 2 threads).")
    build.add_argument("--cluster", default=None, metavar="ADDRESS",
                       help="Run the stage tasks on an existing Dask cluster (e.g. tcp://HOST:8786) through "
                            "prefect-dask; the default runs them in this process's threads.")

    serve = sub.add_parser("serve", help="Serve build-corpus as a deployment (needs PREFECT_API_URL of a server).")
    serve.add_argument("inputs", nargs="+", help="Input files, folders or globs (e.g. a drop folder).")
    serve.add_argument("--out", type=Path, default=Path("data/corpus"), help="Output folder (default: data/corpus).")
    serve.add_argument("--manifest", type=Path, default=None, help="CSV or JSONL manifest of the inputs.")
    serve.add_argument("--cron", default=None, help="Cron schedule, e.g. '0 3 * * *' (default: none, manual runs).")
    serve.add_argument("--name", default="corpus-build", help="Deployment name (default: corpus-build).")

    stats = sub.add_parser("stats", help="Summarise a corpus folder: terminal tables, or a self-contained HTML report.")
    stats.add_argument("out", type=Path, help="The corpus folder (the --out of corpus build).")
    stats.add_argument("--html", type=Path, default=None, metavar="FILE", help="Also write an HTML report here.")

    card = sub.add_parser("card", help="Print a Markdown dataset card of a corpus folder (counts, languages, sites, "
                                       "processing, privacy, schema, how to load).")
    card.add_argument("out", type=Path, help="The corpus folder (the --out of corpus build).")
    card.add_argument("--out", dest="card_file", type=Path, default=None, metavar="FILE",
                      help="Write the card to FILE instead of printing it.")

    compact = sub.add_parser("compact", help="Merge small files of many runs, atomically, keeping every row.")
    compact.add_argument("out", type=Path, help="The corpus folder.")

    inspect = sub.add_parser("inspect", help="Run one page through strip, parse and language detection.")
    inspect.add_argument("file", type=Path, help="A .txt or .html page.")
    inspect.add_argument("--json", action="store_true", help="Print JSON (the default, kept for scripts).")

    ev = sub.add_parser("eval", help="Score the parser on pages that have NAME.truth.json beside them.")
    ev.add_argument("folder", type=Path, help="Folder with NAME.txt (or .html) and NAME.truth.json.")
    ev.add_argument("--json", action="store_true", help="Print the full result as JSON.")
    ev.add_argument("--html", action="store_true", help="Use the pages' HTML instead of their text.")
    ev.add_argument("--report", type=Path, default=None, metavar="FILE",
                    help="Also write a self-contained HTML report: figures per source and layout, and per page "
                         "the predicted against the true title, body start and end, and comments.")
    ev.add_argument("--fold", choices=("all", "open", "sealed"), default="all",
                    help="Score every page, or only the open or the sealed fold (truth site's xxh3_64 %% 5 == 0 "
                         "is sealed; a sealed fold is reported in aggregate only).")
    ev.add_argument("--scramble", choices=tuple(dict.fromkeys((*SCRAMBLE_MODES, *TEXT_SCRAMBLE_MODES))),
                    default="none",
                    help="With --html: replace every class and id name (classes), and custom tag names too "
                         "(tags), by a meaningless token before parsing, to measure what an unknown site "
                         "vocabulary costs the markup finder; or move each comment author the markup "
                         "finder reads into another form (author-cite, author-bold, author-link, "
                         "author-microdata, author-avatar, author-says), to measure how it reads that form. "
                         "Without --html: take comment cues out of the page text (truth unchanged): the "
                         "comments heading and count lines (heading), reply/like/permalink lines and 'says' "
                         "(chrome), dates on header lines (dates), the comment form (form), or all of them (all); "
                         "make comment dates relative ('NAME · 3 hours ago': relative); "
                         "or take each page's thread out and score it as comment-less (thread), with other "
                         "pages' teaser list (thread-teasers) or sub-headed article (thread-article) put "
                         "in its place, or only its comment texts taken out (thread-texts): the spurious "
                         "threads a comment-less page yields.")
    return parser


def _print_summary(summary: dict[str, Any]) -> None:
    width = max(len(k) for k in summary)
    print("corpus build summary")
    for key, value in summary.items():
        print(f"  {key:<{width}}  {value}")


def cmd_build(args: argparse.Namespace) -> int:
    """Run the build flow; return the exit status."""
    from flows.runtime import check_prefect_home_space

    check_prefect_home_space(Path(os.environ["PREFECT_HOME"]))  # before Prefect's server creates its database
    launched = None
    if not args.cluster:
        from flows.apiserver import launch

        launched = launch()  # first of all: the server boots while Prefect, the flow and the stage code load
    try:
        return _build(args, launched)
    finally:
        if launched is not None and launched.process.poll() is None and not _server_adopted(launched):
            launched.process.terminate()  # the build stopped before Prefect took the server over


def _server_adopted(launched: Any) -> bool:
    from prefect.server.api.server import SubprocessASGIServer

    return SubprocessASGIServer().server_process is launched.process


def _flow_of(args: argparse.Namespace, build_corpus: Any) -> Any:
    """The build flow with the task runner the arguments choose (``--runner``, ``--workers``, ``--cluster``)."""
    if args.cluster:
        from flows.build_corpus import on_dask

        return on_dask(args.cluster)
    if args.runner or args.workers:
        from flows.runners import pick_runner, runner_choice

        return build_corpus.with_options(task_runner=pick_runner(*runner_choice(args.runner, args.workers)))
    return build_corpus


def _build(args: argparse.Namespace, launched: Any) -> int:
    if not args.cluster:  # before polars is imported (by the flow's modules): it reads the variable once
        from flows.runners import arrow_memory_from_malloc, set_polars_threads
        from flows.runtime import release_polars_memory_promptly

        set_polars_threads(args.runner, args.workers)
        release_polars_memory_promptly()
        arrow_memory_from_malloc()  # pyarrow's too: it reads its variable once
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig, LangIdConfig, PrivacyConfig

    languages = tuple(x.strip() for x in args.languages.split(",") if x.strip()) if args.languages else None
    config = BuildConfig(inputs=tuple(args.inputs), out=args.out, manifest=args.manifest,
                         shard_size=args.shard_size, max_page_bytes=args.max_page_bytes,
                         follow_symlinks=args.follow_symlinks, langid=LangIdConfig(languages=languages),
                         privacy=PrivacyConfig(pseudonymize=args.pseudonymize, redact_pii=args.redact_pii,
                                               pseudonym_key=args.pseudonym_key))
    if not args.verbose:  # stage progress is shown by flows/progress.py; one line per task state is noise
        logging.getLogger("prefect.task_runs").setLevel(logging.WARNING)
    flow = _flow_of(args, build_corpus)
    from flows.runners import SharedServerProcessPool

    runner = getattr(flow, "task_runner", None)
    pool = runner if isinstance(runner, SharedServerProcessPool) else None
    try:
        if pool is not None:
            pool.prestart()  # the workers import and warm up while the server boots
        elif not args.cluster:
            from flows.stage_tasks import warm_up

            warm_up()  # the tables the first tasks would build, while the server boots
        if launched is not None:
            from flows.apiserver import adopt

            adopt(launched)  # wait for the server; a server that failed is started again by Prefect
        summary = flow(config)
    finally:
        if pool is not None:
            pool.release()
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_summary(summary)
    if summary.get("unmatched"):
        print(f"warning: inputs that matched no file: {summary['unmatched']}", file=sys.stderr)
    if args.fail_on_reject and summary.get("rejects", 0):
        return EXIT_REJECTS
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the flow until interrupted."""
    from flows.runners import set_polars_threads

    set_polars_threads(None, None)  # its runs inherit this process's environment
    from flows.config import BuildConfig
    from flows.serve import serve

    serve(BuildConfig(inputs=tuple(args.inputs), out=args.out, manifest=args.manifest), name=args.name,
          cron=args.cron)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the corpus summary; write the HTML report when asked."""
    from flows.stats import print_stats, write_html_report

    print_stats(args.out)
    if args.html:
        print(f"report written to {write_html_report(args.out, args.html)}")
    return EXIT_OK


def cmd_card(args: argparse.Namespace) -> int:
    """Print the dataset card, or write it to ``--out FILE``."""
    from flows.card import write_card

    card = write_card(args.out, args.card_file)
    if args.card_file:
        print(f"card written to {args.card_file}")
    else:
        print(card)
    return EXIT_OK


def cmd_compact(args: argparse.Namespace) -> int:
    """Compact a corpus folder and print what changed."""
    from tasks.publish.compaction import compact

    print(json.dumps(compact(args.out), indent=2, default=str))
    return EXIT_OK


def inspect_page(path: Path) -> dict[str, Any]:
    """One page through ingest, strip, parse and language detection; no dedup, nothing written."""
    import polars as pl

    from tasks.extract.chain import parse_pages
    from tasks.ingest.inputs import expand_inputs, read_raw_records
    from tasks.ingest.pages import build_pages
    from tasks.plan import attach_manifest

    files, _ = expand_inputs([str(path)])
    frame = pl.DataFrame([{"path": f.path, "size": f.size, "mtime_ns": f.mtime_ns} for f in files],
                         schema={"path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64})
    pages = build_pages(read_raw_records(attach_manifest(frame, None), max_bytes=20_000_000),
                        ingested_at=datetime.now(UTC))
    page = pages.row(0, named=True)
    if page["reject_reason"]:
        return {"source_path": str(path), "rejected": page["reject_reason"], "detail": page["reject_detail"]}
    _, arts, coms = parse_pages(pages)
    art = arts.row(0, named=True)
    return {
        "source_path": str(path),
        "site": page["site"],
        "title": art["title"],
        "body": art["body"],
        "parse_confidence": art["parse_confidence"],
        "is_suspect": art["is_suspect"],
        "language": art["language"],
        "language_score": art["language_score"],
        "n_lines_stripped": art["n_lines_stripped"],
        "stripped_by_rule": art["stripped_by_rule"],
        "comments": [
            {k: c[k] for k in ("position", "author", "text", "posted_at_text", "parent_position", "language")}
            | {"posted_at": c["posted_at"].isoformat() if c["posted_at"] else None}
            for c in coms.sort("position").iter_rows(named=True)
        ],
    }


def cmd_inspect(args: argparse.Namespace) -> int:
    """Print one page as the pipeline sees it."""
    print(json.dumps(inspect_page(args.file), indent=2, ensure_ascii=False, default=str))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the parser on a folder of pages with truth files."""
    from flows.evaluate import format_report, run_eval

    result = run_eval(args.folder, use_html=args.html, fold=args.fold, scramble=args.scramble)
    if args.report:
        from flows.eval_report import write_eval_report

        print(f"report written to {write_eval_report(result, args.report)}", file=sys.stderr)
    shown = {k: v for k, v in result.items() if k != "details"}
    print(json.dumps(shown, indent=2, ensure_ascii=False) if args.json else format_report(result))
    return EXIT_OK


def failure_line(args: argparse.Namespace, exc: Exception) -> str:
    """The one line ``corpus`` prints when a command fails: the failed stage with its shard or partition
    and the original error, and which folder's disk filled up when one did (the output folder, or
    Prefect's home, whose database and cached results fill it too)."""
    from flows.runtime import describe_disk_full, full_disks

    if type(exc).__name__ == "StageFailedError":  # flows.pipeline: it names the stage and the error
        return str(exc)
    message = describe_disk_full(exc) or f"{type(exc).__name__}: {exc}"
    folders = {"the Prefect home": Path(os.environ.get("PREFECT_HOME", "."))}
    if getattr(args, "out", None) is not None:
        folders["the output folder"] = args.out
    full = full_disks(folders)
    if full and not message.startswith("disk full"):
        message = f"disk full: no space left for {' and '.join(full)}; free space there, then run again ({message})"
    return f"{args.command} failed: {message}"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``corpus`` command."""
    args = _build_parser().parse_args(argv)
    configure_prefect(args.prefect_home)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handlers = {"build": cmd_build, "serve": cmd_serve, "stats": cmd_stats, "card": cmd_card, "compact": cmd_compact,
                "inspect": cmd_inspect, "eval": cmd_eval}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        print("corpus: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"corpus: {failure_line(args, exc)}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
