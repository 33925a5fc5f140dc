"""Evaluation runner: parse a folder of pages that carry hand-checked truth and score the result.

A folder holds ``NAME.txt`` (page text, innerText style) and ``NAME.truth.json``
(``{site, language, title, body, comments: [{author, text}]}``). ``run_eval`` runs the build's own stage
functions over the folder's pages (``tasks.extract.chain.parse_pages``: strip-boilerplate, template learning,
parse, detect-language) and returns a JSON-able dict;
``format_report`` renders it as a table. The CLI (``corpus eval FOLDER [--json]``) and ``make eval``
call these two functions.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import xxhash

from flows.scramble import SCRAMBLE_MODES, TEXT_SCRAMBLE_MODES, THREAD_CUT_MODES, scramble_html, scramble_text
from schemas.pages import RAW_RECORDS
from schemas.validate import polars_schema
from tasks.extract import selectors
from tasks.extract.chain import parse_pages
from tasks.extract.profiles import load_profiles
from tasks.ingest.inputs import read_input_bytes
from tasks.ingest.pages import build_pages
from tasks.ingest.readers import InputFile, records_from_bytes
from tasks.reports.parse_scores import score_pages, summarize_scores
from tasks.text_match import token_f1

logger = logging.getLogger(__name__)

TRUTH_SUFFIX = ".truth.json"

LAYOUTS = ("no comments", "says lines", "author+date lines", "name + date lines", "name lines only")
"""Layout families the report breaks figures down by (decided from the truth and the page text)."""


MAX_PAGE_BYTES = 20_000_000

DONORS = 10
"""Other pages whose writing a hard negative (``flows.scramble.THREAD_CUT_MODES``) joins below a page's article."""

FOLDS = ("all", "open", "sealed")
"""Which pages of a folder ``run_eval`` scores: every page, or one side of the seal (``is_sealed``)."""

SEAL_MODULUS = 5
"""The sealed fifth: pages whose truth ``site`` gives ``xxh3_64(site) % SEAL_MODULUS == 0``."""


def is_sealed(site: str | None) -> bool:
    """Whether a truth page belongs to the sealed fold (held out from parser development).

    The rule, fixed before any parser change: ``xxhash.xxh3_64(site.encode()).intdigest() % 5 == 0`` on the
    truth file's ``site``. Sealed pages are scored only in aggregate (``run_eval(fold="sealed")`` returns
    no per-page rows and no worst pages), so that their figures estimate pages no rule was written on.
    """
    return site_bucket(site, SEAL_MODULUS) == 0


def site_bucket(site: str | None, buckets: int, *, salt: str = "") -> int:
    """The bucket of a truth ``site``: ``xxh3_64(salt + site) % buckets`` (the seal: no salt, 5 buckets;
    other splits of the sites, as the title ranker's cross-validation folds, take a salt of their own)."""
    return xxhash.xxh3_64((salt + (site or "")).encode()).intdigest() % buckets


def load_folder(folder: Path, *, use_html: bool = False, fold: str = "all",
                scramble: str = "none") -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Read every ``NAME.txt`` (``NAME.html`` / ``NAME.html.gz`` with ``use_html``) with a ``NAME.truth.json``.

    ``fold`` keeps every page (``all``), only the open pages or only the sealed ones (see ``is_sealed``).
    ``scramble`` (HTML) replaces class and id names, and with ``tags`` custom tag names, by meaningless
    tokens before the page is read (``flows.scramble.scramble_html``); for text pages it takes comment
    cues out of the page text (``flows.scramble.scramble_text``: ``heading``, ``chrome``, ``dates``,
    ``form``, ``all``), the truth unchanged: the robustness measures; with ``thread`` it takes the
    thread out and the truth's comments with it (every comment found is spurious), and with
    ``thread-teasers`` and ``thread-article`` it joins other pages' writing of the same fold in its place
    (``_donors``; ``flows.scramble.teaser_block``, ``article_block``): the hard negatives.

    HTML pages go through ingest (decoding, rendering to text) exactly as in a build.

    Returns:
        ``(pages, truth_articles, truth_comments)``: pages have ``page_id`` (= NAME), ``site``, ``url`` (the
        page's own URL where the truth file names it, as a crawl manifest would), ``text``;
        truth articles ``page_id``, ``title``, ``body``, ``language``, ``source`` (the truth's
        ``source_repo``); truth comments ``page_id``,
        ``position``, ``author``, ``text``.
    """
    pages: list[dict[str, Any]] = []
    articles: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    folded: list[tuple[str, Path, dict[str, Any]]] = []
    for truth_path in sorted(folder.glob(f"*{TRUTH_SUFFIX}")):
        name = truth_path.name[: -len(TRUTH_SUFFIX)]
        candidates = [folder / f"{name}.html", folder / f"{name}.html.gz"] if use_html else [folder / f"{name}.txt"]
        page_path = next((p for p in candidates if p.is_file()), None)
        if page_path is None:
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if fold != "all" and is_sealed(truth.get("site")) != (fold == "sealed"):
            continue
        folded.append((name, page_path, truth))
    for k, (name, page_path, truth) in enumerate(folded):
        site = truth.get("site") or "unknown"
        if use_html:
            pages.append({"page_id": name, "site": site, "url": truth.get("url"),
                          **_render(page_path, scramble=scramble)})
        else:
            text = page_path.read_text(encoding="utf-8", errors="replace")
            if scramble != "none":
                found = truth.get("comments") or []
                text = scramble_text(text, scramble, authors=[c.get("author") for c in found],
                                     kept=[truth.get("title") or "", truth.get("body") or "",
                                           *(c.get("text") or "" for c in found)],
                                     thread=[c.get("text") or "" for c in found],
                                     donors=_donors(folded, k) if scramble in THREAD_CUT_MODES else ())
            pages.append({"page_id": name, "site": site, "url": truth.get("url"), "html": None, "text": text})
        articles.append({"page_id": name, "title": truth.get("title"), "body": truth.get("body") or "",
                         "language": truth.get("language"), "source": truth.get("source_repo") or "unknown"})
        comments.extend(
            {"page_id": name, "position": k, "author": c.get("author"), "text": c.get("text") or ""}
            for k, c in enumerate(truth.get("comments") or [])
            if use_html or scramble not in THREAD_CUT_MODES  # the thread taken out: scored as comment-less
        )
    pages_df = pl.DataFrame(pages, schema={"page_id": pl.String, "site": pl.String, "url": pl.String,
                                           "html": pl.String, "text": pl.String})
    articles_df = pl.DataFrame(
        articles, schema={"page_id": pl.String, "title": pl.String, "body": pl.String, "language": pl.String,
                          "source": pl.String}
    )
    comments_df = pl.DataFrame(
        comments, schema={"page_id": pl.String, "position": pl.Int64, "author": pl.String, "text": pl.String}
    )
    return pages_df, articles_df, comments_df


def _donors(folded: list[tuple[str, Path, dict[str, Any]]], k: int) -> list[tuple[str, str]]:
    """(title, body) of the pages after page ``k`` of ``folded`` (in name order, from the first again after
    the last) whose site is not its own, up to ``DONORS``: what the hard negatives join below its article."""
    site = folded[k][2].get("site")
    after = (folded[(k + j) % len(folded)][2] for j in range(1, len(folded)))
    return [(t.get("title") or "", t.get("body") or "") for t in after if t.get("site") != site][:DONORS]


def _render(path: Path, *, scramble: str = "none") -> dict[str, Any]:
    """``html`` and rendered ``text`` of one HTML file, read and decoded the way ingest does it (after
    ``scramble_html`` with ``scramble`` other than ``none``)."""
    st = path.stat()
    src = InputFile(str(path), st.st_size, st.st_mtime_ns)
    data = scramble_html(read_input_bytes(str(path), max_bytes=MAX_PAGE_BYTES), scramble)
    raw = pl.DataFrame(list(records_from_bytes(src, data)),
                       schema=polars_schema(RAW_RECORDS))
    page = build_pages(raw, ingested_at=datetime.now(UTC)).row(0, named=True)
    return {"html": page["html"], "text": page["text"]}


def trafilatura_body_scores(pages: pl.DataFrame, truth_articles: pl.DataFrame) -> pl.DataFrame | None:
    """``page_id``, ``trafilatura_body_f1``: trafilatura's own body (``include_comments=False``) scored
    against the truth, or None when trafilatura is not installed.

    Reads ``page_id``, ``html`` of ``pages`` and ``page_id``, ``body`` of ``truth_articles``.
    """
    try:
        import trafilatura  # noqa: PLC0415  (optional here: the eval works without it)
    except ImportError:
        return None
    truth = dict(truth_articles.select("page_id", "body").iter_rows())
    scores = [
        token_f1(trafilatura.extract(html, include_comments=False, with_metadata=False) if html else None,
                 truth.get(page_id))
        for page_id, html in pages.select("page_id", "html").iter_rows()
    ]
    return pl.DataFrame({"page_id": pages["page_id"], "trafilatura_body_f1": pl.Series(scores, dtype=pl.Float64)})


def _layout(text: str, n_true: int) -> str:
    """Layout family of a page, from its truth comment count and its text."""
    if n_true == 0:
        return LAYOUTS[0]
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    says = sum(bool(re.search(selectors.SAYS_LINE_RE, ln)) for ln in lines)
    dated = sum(bool(re.search(selectors.AUTHOR_DATE_LINE_RE, ln)) and not re.search(selectors.DATE_LINE_RE, ln)
                for ln in lines)
    dates = sum(bool(re.search(selectors.DATE_LINE_RE, ln)) for ln in lines)
    if says * 2 >= n_true:
        return LAYOUTS[1]
    if dated * 2 >= n_true:
        return LAYOUTS[2]
    if dates * 2 >= n_true:
        return LAYOUTS[3]
    return LAYOUTS[4]


def run_eval(folder: Path, *, use_html: bool = False, use_profiles: bool = False,
             fold: str = "all", scramble: str = "none") -> dict[str, Any]:
    """Parse the truth pages of ``folder`` and score them.

    Args:
        folder: folder of ``NAME.txt`` + ``NAME.truth.json`` files.
        use_html: score the pages' HTML (markup extraction, falling back to the text path) instead of
            their ``.txt``.
        use_profiles: apply the shipped site profiles (off by default: the general rules are scored).
        fold: ``all`` pages, the ``open`` ones or the ``sealed`` ones (see ``is_sealed``); a sealed run
            reports aggregates only: no per-page rows and no worst pages.
        scramble: with ``use_html``, read the pages with their class and id names (``classes``), and
            custom tag names too (``tags``), replaced by meaningless tokens (``flows.scramble``): what
            the markup finder keeps on a site whose vocabulary it does not know. Without it, read the
            text pages with comment cues taken out (``TEXT_SCRAMBLE_MODES``: the comments heading and
            count, widget chrome, header dates, the comment form, or ``all``): what the text finder keeps
            on a site that prints fewer cues. ``none``: as they are.

    Returns:
        A JSON-able dict: ``folder``, ``trafilatura`` (whether its body was scored beside ours: HTML
        runs with trafilatura installed; then ``trafilatura_body_f1`` per page and summary), ``overall``
        (see ``tasks.reports.parse_scores.summarize_scores``),
        ``by_layout`` (the same figures per layout family) and ``pages`` (per-page figures).
    """
    if fold not in FOLDS:
        raise ValueError(f"fold must be one of {FOLDS}, not {fold!r}")
    modes = SCRAMBLE_MODES if use_html else TEXT_SCRAMBLE_MODES
    if scramble not in modes:
        raise ValueError(f"scramble must be one of {modes} {'with' if use_html else 'without'} use_html")
    pages, truth_articles, truth_comments = load_folder(folder, use_html=use_html, fold=fold, scramble=scramble)
    templates, articles, comments = parse_pages(pages, profiles=load_profiles() if use_profiles else None)
    missing = pages.select("page_id").join(articles.select("page_id"), on="page_id", how="anti")
    articles = pl.concat([articles, missing.with_columns(body=pl.lit(""))], how="diagonal_relaxed")
    scores = score_pages(articles, comments, truth_articles, truth_comments,
                         languages=articles.select("page_id", "language"))
    n_true = dict(truth_comments.group_by("page_id").agg(pl.len()).iter_rows())
    layouts = pl.DataFrame(
        {"page_id": pages["page_id"],
         "layout": [_layout(t, n_true.get(p, 0)) for p, t in pages.select("page_id", "text").iter_rows()]}
    )
    scores = scores.join(layouts, on="page_id", how="left").join(
        truth_articles.select("page_id", "source"), on="page_id", how="left")
    theirs = trafilatura_body_scores(pages, truth_articles) if use_html else None
    extra = ["layout", "source"]
    if theirs is not None:
        scores = scores.join(theirs, on="page_id", how="left")
        extra.append("trafilatura_body_f1")

    def summary(frame: pl.DataFrame, n_worst: int) -> dict[str, Any]:
        out = summarize_scores(frame.drop(extra), n_worst=n_worst)
        if theirs is not None:
            out["trafilatura_body_f1"] = float(frame["trafilatura_body_f1"].mean())  # type: ignore[arg-type]
        return out

    by_layout = {
        layout: summary(scores.filter(pl.col("layout") == layout), 3)
        for layout in LAYOUTS
        if scores.filter(pl.col("layout") == layout).height
    }
    by_source = {
        source: summary(scores.filter(pl.col("source") == source), 3)
        for source in sorted(set(scores["source"].to_list()))
    }
    result = {
        "folder": str(folder),
        "fold": fold,
        "path": "html" if use_html else "text",
        "scramble": scramble,
        "n_template_lines": templates.height,
        "trafilatura": ("absent: not installed" if theirs is None else "present")
        if use_html else "not run (text pages)",
        "overall": summary(scores, 5),
        "by_layout": by_layout,
        "by_source": by_source,
        "pages": scores.to_dicts(),
        "details": _details(articles, comments, truth_articles, truth_comments),
    }
    return _without_pages(result) if fold == "sealed" else result


def _details(articles: pl.DataFrame, comments: pl.DataFrame, truth_articles: pl.DataFrame,
             truth_comments: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per page, what was predicted and what is true: ``title``, ``body`` and ``comments`` (each a list of
    ``{author, text}`` in page order), as ``{"pred": ..., "true": ...}`` (the report shows them side by side)."""
    def by_page(arts: pl.DataFrame, coms: pl.DataFrame) -> dict[str, dict[str, Any]]:
        threads = coms.sort("page_id", "position").group_by("page_id", maintain_order=True).agg(
            comments=pl.struct("author", pl.col("text").fill_null("")))
        rows = arts.select("page_id", "title", pl.col("body").fill_null("")).join(
            threads, on="page_id", how="left").with_columns(pl.col("comments").fill_null([]))
        return {r.pop("page_id"): r for r in rows.to_dicts()}

    pred, true = by_page(articles, comments), by_page(truth_articles, truth_comments)
    empty: dict[str, Any] = {"title": None, "body": "", "comments": []}
    return {page: {"pred": pred.get(page, empty), "true": page_truth} for page, page_truth in true.items()}


def _without_pages(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with every per-page figure removed (a sealed fold is reported in aggregate only)."""
    def aggregate(summary: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in summary.items() if k != "worst_pages"}

    return {**result, "overall": aggregate(result["overall"]),
            "by_layout": {k: aggregate(v) for k, v in result["by_layout"].items()},
            "by_source": {k: aggregate(v) for k, v in result["by_source"].items()}, "pages": [], "details": {}}


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


_COLUMNS = [
    ("pages", "n_pages"), ("title acc", "title_accuracy"), ("body F1", "body_f1"),
    ("cmt P", "comment_precision"), ("cmt R", "comment_recall"), ("cmt F1", "comment_f1"),
    ("author acc", "author_accuracy"), ("text F1", "matched_text_f1"), ("count exact", "count_exact_share"),
    ("spurious", "spurious_comment_pages"), ("lang acc", "language_accuracy"),
    ("traf body F1", "trafilatura_body_f1"),
]


def format_report(result: dict[str, Any]) -> str:
    """Render ``run_eval``'s result as a plain-text table (overall, per layout, pages by failure kind,
    worst pages)."""
    rows = [("overall", result["overall"]), *result.get("by_layout", {}).items()]
    header = ["", *[c for c, _ in _COLUMNS]]
    table = [header] + [[name, *[_fmt(summary.get(key)) for _, key in _COLUMNS]] for name, summary in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    fold = result.get("fold", "all")
    lines = [f"Parse evaluation of {result.get('folder', '')}" + ("" if fold == "all" else f" ({fold} fold)"), ""]
    lines += ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(r, widths,
                                                                                              strict=True)))
              for r in table]
    if result.get("trafilatura", "").startswith("absent"):
        lines += ["", "trafilatura body F1: trafilatura is not installed, column left empty."]
    kinds = result["overall"].get("failure_kinds")
    if kinds:
        lines += ["", "Pages by failure kind (overall):"]
        lines += [f"  {part}: " + ", ".join(f"{name} {n}" for name, n in counts.items())
                  for part, counts in kinds.items()]
    lines += ["", "Worst pages:"]
    for page in result["overall"].get("worst_pages", []):
        lines.append(
            f"  {page['page_id']}: score {_fmt(page['page_score'])}, title {_fmt(page['title_ok'])}, "
            f"body F1 {_fmt(page['body_f1'])}, comment F1 {_fmt(page['comment_f1'])} "
            f"({page['n_pred_comments']} predicted / {page['n_true_comments']} true)"
        )
    return "\n".join(lines)
