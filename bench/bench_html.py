"""Bench: article and comment extraction from HTML, ours against trafilatura, on the dev pages.

Runs both extractors over the same ``.html``/``.html.gz`` pages in one run and prints body F1,
comment precision/recall/F1, author accuracy, spurious comment pages and pages per second per core
(pages / process CPU seconds). Scoring is ``tasks.reports.parse_scores`` (bag of case-folded ``\\w+`` tokens;
comments aligned in order, a pair matching at text F1 >= 0.5). trafilatura gives comments only as
one blob without authors, so it is scored as one comment per page with no author.

Ours is the whole HTML path (``extract_html_pages``: our markup extraction, trafilatura's body and
the choice between them); pages it reads only a body of count with that body and no title or
comments (the build takes those from the text path); pages it leaves out score as empty, which is
the strict view. ``pages_per_cpu_s_markup_alone`` times our markup extraction without trafilatura.
trafilatura's own speed is ``pages_per_cpu_s_without_comments`` (the call our path makes) beside
``pages_per_cpu_s`` (with comments). ``interleaved`` times our per-page work and trafilatura's own
``extract`` page by page in turn (three passes), the fair ratio on a machine whose load drifts: ours
is the whole of what a build does with a page's markup, ingest's rendering to text
(``tasks.ingest.render.render_page``, with its canonical URL and publication time) and the markup path
(``extract_page``: our markup extraction, trafilatura's body and the choice), against trafilatura's
extraction of the body alone.
``--per-page`` lists every page.

Usage: ``python -m bench.bench_html [--dev DIR] [--fold all|open] [--repeat N] [--per-page] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path
from typing import Any

import polars as pl
from selectolax.lexbor import LexborHTMLParser

from flows.evaluate import is_sealed
from tasks.extract.html import extract_html_pages, extract_page
from tasks.ingest.render import check_markup, render_page
from tasks.reports.parse_scores import score_pages, summarize_scores

DEFAULT_DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus-dev"


def load_pages(dev: Path, *, fold: str = "all") -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The pages of a truth folder that have HTML: (pages: page_id, html), truth articles, truth comments.

    ``fold="open"`` leaves out the sealed pages (``flows.evaluate.is_sealed``) without reading them.
    """
    pages: list[dict[str, Any]] = []
    truth_articles: list[dict[str, Any]] = []
    truth_comments: list[dict[str, Any]] = []
    for truth_path in sorted(dev.glob("*.truth.json")):
        name = truth_path.name.removesuffix(".truth.json")
        html_path = next((p for p in (dev / f"{name}.html", dev / f"{name}.html.gz") if p.exists()), None)
        if html_path is None:
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if fold == "open" and is_sealed(truth.get("site")):
            continue
        raw = html_path.read_bytes()
        if html_path.suffix == ".gz":
            raw = gzip.decompress(raw)
        pages.append({"page_id": name, "html": raw.decode("utf-8", errors="replace")})
        truth_articles.append({"page_id": name, "title": truth["title"], "body": truth["body"],
                               "language": truth.get("language")})
        truth_comments.extend({"page_id": name, "position": i, "author": c["author"], "text": c["text"]}
                              for i, c in enumerate(truth["comments"]))
    schema = {"page_id": pl.String, "position": pl.Int64, "author": pl.String, "text": pl.String}
    return pl.DataFrame(pages), pl.DataFrame(truth_articles), pl.DataFrame(truth_comments, schema=schema)


def run_ours(pages: pl.DataFrame, *, use_trafilatura: bool = True) -> tuple[pl.DataFrame, pl.DataFrame, float]:
    """Our HTML path (``extract_html_pages``): body-only pages count with their body and no title/comments."""
    start = time.process_time()
    articles, comments, partial, _ = extract_html_pages(pages, use_trafilatura=use_trafilatura)
    cpu = time.process_time() - start
    articles = pl.concat([articles.select("page_id", "title", "body"),
                          partial.select("page_id", pl.lit(None, dtype=pl.String).alias("title"), "body")])
    return articles, comments, cpu


def run_trafilatura(pages: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, float, float]:
    """trafilatura with comments on (timed, scored for comments), and with comments off (scored for body)."""
    import trafilatura

    bodies, blobs = [], []
    start = time.process_time()
    for page_id, html in pages.select("page_id", "html").iter_rows():
        result = trafilatura.bare_extraction(html, include_comments=True, with_metadata=False)
        blob = None
        if result is not None:
            blob = result.comments if hasattr(result, "comments") else result.get("comments")
        blobs.append({"page_id": page_id, "position": 0, "author": None, "text": blob or ""})
    with_comments = time.process_time() - start
    start = time.process_time()
    for page_id, html in pages.select("page_id", "html").iter_rows():
        body = trafilatura.extract(html, include_comments=False, with_metadata=False)
        bodies.append({"page_id": page_id, "title": None, "body": body or ""})
    without_comments = time.process_time() - start
    comments = pl.DataFrame([b for b in blobs if b["text"]],
                            schema={"page_id": pl.String, "position": pl.Int64, "author": pl.String,
                                    "text": pl.String})
    return pl.DataFrame(bodies), comments, with_comments, without_comments


def _render(html: str) -> None:
    """What ingest does with a page's markup (``tasks.ingest``): the checks, then the rendering."""
    if check_markup(html) is None:
        render_page(LexborHTMLParser(html))


def interleaved_speed(pages: pl.DataFrame, *, repeat: int = 3) -> dict[str, float]:
    """Pages per CPU second of our per-page HTML work (ingest's rendering, then ``extract_page``: markup,
    trafilatura, the choice) and of trafilatura's own ``extract`` (comments off, as our path calls it),
    timed page by page in turn so that both see the same load on a shared machine; ``repeat`` passes
    over the pages. ``ours_extract_only_pages_per_cpu_s`` and ``ratio_extract_only`` leave the
    rendering out (the figure this bench gave before it timed the rendering). ``ratio_fast_alone`` is
    trafilatura's own extraction against its fast run alone (``fast=True``, the first call our path makes
    on every page, timed in the same turn): the ratio ours could reach with no work of its own."""
    import trafilatura

    render = extract = theirs = fast = 0.0
    htmls = pages["html"].to_list()
    for _ in range(repeat):
        for html in htmls:
            start = time.process_time()
            _render(html)
            mid = time.process_time()
            extract_page(html)
            end = time.process_time()
            render += mid - start
            extract += end - mid
            start = time.process_time()
            trafilatura.extract(html, include_comments=False, with_metadata=False)
            mid = time.process_time()
            trafilatura.extract(html, include_comments=False, with_metadata=False, fast=True)
            theirs += mid - start
            fast += time.process_time() - mid
    n = len(htmls) * repeat
    return {"ours_pages_per_cpu_s": n / (render + extract), "trafilatura_pages_per_cpu_s": n / theirs,
            "ratio": theirs / (render + extract), "ours_render_pages_per_cpu_s": n / render,
            "ours_extract_only_pages_per_cpu_s": n / extract, "ratio_extract_only": theirs / extract,
            "trafilatura_fast_pages_per_cpu_s": n / fast, "ratio_fast_alone": theirs / fast}


def _figures(summary: dict[str, Any], n_pages: int, cpu: float) -> dict[str, Any]:
    keys = ("body_f1", "title_accuracy", "comment_precision", "comment_recall", "comment_f1", "author_accuracy",
            "matched_text_f1", "count_exact_share", "spurious_comment_pages", "n_true_comments", "n_pred_comments")
    out = {k: summary.get(k) for k in keys}
    out["pages_per_cpu_s"] = n_pages / cpu if cpu else None
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--repeat", type=int, default=1, help="repeat our extractor N times for the timing")
    parser.add_argument("--per-page", action="store_true")
    parser.add_argument("--no-trafilatura", action="store_true")
    parser.add_argument("--fold", choices=("all", "open"), default="all",
                        help="open: leave out a truth folder's sealed pages (corpus-train)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    pages, truth_articles, truth_comments = load_pages(args.dev, fold=args.fold)
    n = pages.height
    # warm up both extractors on one page (imports, lazy initialisation) before timing
    run_ours(pages.head(1))
    if not args.no_trafilatura:
        run_trafilatura(pages.head(1))
    ours_cpu = 0.0
    for _ in range(max(args.repeat, 1)):
        articles, comments, cpu = run_ours(pages)
        ours_cpu += cpu
    ours_cpu /= max(args.repeat, 1)
    scores = score_pages(articles, comments, truth_articles, truth_comments)
    report: dict[str, Any] = {"n_pages": n, "n_pages_extracted": articles.height,
                              "ours": _figures(summarize_scores(scores), n, ours_cpu)}
    _, _, markup_cpu = run_ours(pages, use_trafilatura=False)
    report["ours"]["pages_per_cpu_s_markup_alone"] = n / markup_cpu if markup_cpu else None
    if not args.no_trafilatura:
        t_bodies, t_comments, t_with, t_without = run_trafilatura(pages)
        t_scores = score_pages(t_bodies, t_comments, truth_articles, truth_comments)
        figures = _figures(summarize_scores(t_scores), n, t_with)
        figures["pages_per_cpu_s_without_comments"] = n / t_without if t_without else None
        report["trafilatura"] = figures
        report["interleaved"] = interleaved_speed(pages)
    if args.per_page:
        cols = ["page_id", "body_f1", "title_ok", "n_true_comments", "n_pred_comments", "n_matched", "n_author_ok",
                "comment_f1"]
        with pl.Config(tbl_rows=100, tbl_cols=20, tbl_width_chars=200, fmt_str_lengths=45):
            print(scores.select(cols))
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
