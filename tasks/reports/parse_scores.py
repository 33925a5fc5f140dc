"""Parse quality metrics: compare parsed articles and comments with hand-checked truth.

Pure functions, no I/O; texts are compared as ``tasks.text_match`` does.
``score_pages`` reads predicted ``PARSED_ARTICLES`` rows (``page_id``, ``title``,
``body``) and ``PARSED_COMMENTS`` rows (``page_id``, ``position``, ``author``, ``text``), the truth as
``page_id``, ``title``, ``body``, ``language`` (articles) and ``page_id``, ``position``, ``author``,
``text`` (comments), and optionally predicted languages (``page_id``, ``language``). It returns one row
of figures per page; ``summarize_scores`` turns them into the overall figures and the worst pages.

Definitions:

- title accuracy: exact match after white-space collapsing and case folding;
- body F1: F1 of the bags of ``\\w+`` tokens (case folded), mean over pages;
- comments: predicted and true comments are aligned in order (a pair may match when its text token
  F1 is at least 0.5; the alignment maximises the summed F1); precision, recall and F1 over all
  comments; author accuracy over matched pairs (exact after folding); mean text F1 of matched pairs;
  the share of comment pages whose comment count is exact; the number of comment-less pages that were
  given comments (spurious);
- language accuracy over pages with a known true language;
- failure kinds (``failure_kinds``): how many pages fail in each way, for the body (``BODY_KINDS``, by its
  token precision and recall), the comments of pages with true comments (``COMMENT_KINDS``, by the counts
  found, true and matched) and their authors; counts only, so a fold reported in aggregate can say which
  kind of failure costs it most without naming a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from tasks.text_match import align_comments, bag_f1, fold, tokens

SCORE_SCHEMA: dict[str, pl.DataType] = {
    "page_id": pl.String(),
    "title_ok": pl.Boolean(),
    "body_f1": pl.Float64(),
    "body_precision": pl.Float64(),
    "body_recall": pl.Float64(),
    "n_true_comments": pl.Int64(),
    "n_pred_comments": pl.Int64(),
    "n_matched": pl.Int64(),
    "n_author_ok": pl.Int64(),
    "n_author_missing": pl.Int64(),
    "n_author_other_reader": pl.Int64(),
    "n_author_longer": pl.Int64(),
    "n_author_shorter": pl.Int64(),
    "n_author_one_label_for_several_readers": pl.Int64(),
    "n_author_unrelated_with_digits": pl.Int64(),
    "n_author_unrelated_one_word": pl.Int64(),
    "n_author_unrelated_words": pl.Int64(),
    "matched_text_f1_sum": pl.Float64(),
    "comment_f1": pl.Float64(),
    "count_exact": pl.Boolean(),
    "spurious": pl.Boolean(),
    "language_ok": pl.Boolean(),
}
"""Columns of ``score_pages``' output."""

GOOD_F1 = 0.95
"""A page whose body F1 reaches this is counted as right."""
SHORT_RECALL = 0.5
"""Below this recall (with fair precision) the body is on the wrong block or misses most of the article."""
FAIR = 0.9
"""Precision or recall at or above this is fair (the other one then names the failure)."""
BODY_KINDS = ("ok", "wrong block", "cut short", "overgrown", "both")
"""``ok``: F1 >= ``GOOD_F1``; ``wrong block``: recall < ``SHORT_RECALL``; ``both``: precision and recall
below ``FAIR``; else ``cut short`` where recall is the lower of the two, ``overgrown`` where precision is."""
COMMENT_KINDS = ("right", "missed", "cut short", "run over", "same count, other comments")
"""On a page with true comments: ``right``: as many found as true, all matched; ``missed``: none found;
``cut short``: fewer found than true; ``run over``: more found than true; ``same count, other comments``:
as many found as true, not all matched (a comment split and two merged, or the thread shifted)."""
AUTHOR_ERRORS = ("missing", "other reader", "longer", "shorter", "one label for several readers",
                 "unrelated with digits", "unrelated one word", "unrelated words")
"""A matched comment's wrong author: ``missing`` (none read), ``other reader`` (the true author of another comment
of the page), ``longer`` (holds the true name and more: a badge, a date, a verb), ``shorter`` (a part of the true
name), ``one label for several readers`` (the same text read as the author of comments by different readers: a
control word, a site's label), else unrelated to it: ``with digits`` (a date, a time, a count), ``one word`` (a
handle, a word of the page), ``words`` (another element's text, another form of the name)."""


def author_column(kind: str) -> str:
    """The ``score_pages`` column counting matched comments whose author error is ``kind`` (``AUTHOR_ERRORS``)."""
    return "n_author_" + kind.replace(" ", "_")


def author_error(predicted: str | None, true: str | None, page_authors: set[str],
                 labels: frozenset[str] = frozenset()) -> str | None:
    """The kind of error (``AUTHOR_ERRORS``) of ``predicted`` against ``true`` (both folded here), or None when
    they agree; ``page_authors`` holds the page's true authors, ``labels`` the texts read as the author of
    comments by two or more different readers, both folded."""
    got, want = fold(predicted), fold(true)
    if got == want:
        return None
    if not got:
        return "missing"
    if got in page_authors:
        return "other reader"
    if want and want in got:
        return "longer"
    if got in want:
        return "shorter"
    if got in labels:
        return "one label for several readers"
    if any(c.isdigit() for c in got):
        return "unrelated with digits"
    return "unrelated one word" if len(got.split()) == 1 else "unrelated words"


def body_kind(precision: pl.Expr, recall: pl.Expr, f1: pl.Expr) -> pl.Expr:
    """The body's failure kind (``BODY_KINDS``) from its token precision, recall and F1."""
    return (pl.when(f1 >= GOOD_F1).then(pl.lit("ok"))
            .when(recall < SHORT_RECALL).then(pl.lit("wrong block"))
            .when(pl.max_horizontal(precision, recall) < FAIR).then(pl.lit("both"))
            .when(recall < precision).then(pl.lit("cut short"))
            .otherwise(pl.lit("overgrown")))


def comment_kind(n_true: pl.Expr, n_pred: pl.Expr, n_matched: pl.Expr) -> pl.Expr:
    """The comments' failure kind (``COMMENT_KINDS``) of a page with true comments; null on other pages."""
    return (pl.when(n_true == 0).then(pl.lit(None, dtype=pl.String))
            .when(n_pred == 0).then(pl.lit("missed"))
            .when(n_pred < n_true).then(pl.lit("cut short"))
            .when(n_pred > n_true).then(pl.lit("run over"))
            .when(n_matched < n_true).then(pl.lit("same count, other comments"))
            .otherwise(pl.lit("right")))


def score_page(
    *,
    title: str | None,
    body: str | None,
    comments: Sequence[tuple[str | None, str]],
    true_title: str | None,
    true_body: str | None,
    true_comments: Sequence[tuple[str | None, str]],
    language: str | None = None,
    true_language: str | None = None,
) -> dict[str, Any]:
    """Figures for one page; comments are ``(author, text)`` in page order."""
    pairs = align_comments([c[1] for c in comments], [c[1] for c in true_comments])
    n_pred, n_true, n_matched = len(comments), len(true_comments), len(pairs)
    precision = n_matched / n_pred if n_pred else (1.0 if n_true == 0 else 0.0)
    recall = n_matched / n_true if n_true else (1.0 if n_pred == 0 else 0.0)
    comment_f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    got, want = tokens(body), tokens(true_body)
    overlap = sum((got & want).values())
    page_authors = {fold(a) for a, _ in true_comments} - {""}
    readers: dict[str, set[str]] = {}
    for i, j, _ in pairs:
        readers.setdefault(fold(comments[i][0]), set()).add(fold(true_comments[j][0]))
    labels = frozenset(got for got, true in readers.items() if len(true) > 1)
    errors = [author_error(comments[i][0], true_comments[j][0], page_authors, labels) for i, j, _ in pairs]
    return {
        "title_ok": fold(title) == fold(true_title) and bool(fold(true_title)),
        "body_f1": bag_f1(got, want) if got or want else 1.0,
        "body_precision": overlap / sum(got.values()) if got else float(not want),
        "body_recall": overlap / sum(want.values()) if want else float(not got),
        "n_true_comments": n_true,
        "n_pred_comments": n_pred,
        "n_matched": n_matched,
        "n_author_ok": errors.count(None),
        **{author_column(kind): errors.count(kind) for kind in AUTHOR_ERRORS},
        "matched_text_f1_sum": sum(f for _, _, f in pairs),
        "comment_f1": comment_f1,
        "count_exact": n_pred == n_true,
        "spurious": n_true == 0 and n_pred > 0,
        "language_ok": None if not true_language else (language or "") == true_language,
    }


def _comments_by_page(frame: pl.DataFrame) -> dict[str, list[tuple[str | None, str]]]:
    by_page: dict[str, list[tuple[str | None, str]]] = {}
    for page_id, author, text in frame.sort("page_id", "position").select("page_id", "author", "text").iter_rows():
        by_page.setdefault(page_id, []).append((author, text or ""))
    return by_page


def score_pages(
    articles: pl.DataFrame,
    comments: pl.DataFrame,
    truth_articles: pl.DataFrame,
    truth_comments: pl.DataFrame,
    *,
    languages: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Score every truth page against the predictions (a missing prediction scores as empty).

    Args:
        articles: reads ``page_id``, ``title``, ``body``.
        comments: reads ``page_id``, ``position``, ``author``, ``text``.
        truth_articles: reads ``page_id``, ``title``, ``body`` and ``language`` (may be null).
        truth_comments: reads ``page_id``, ``position``, ``author``, ``text``.
        languages: optional ``page_id``, ``language`` predicted per page.

    Returns:
        One row per truth page with the ``SCORE_SCHEMA`` columns.
    """
    predicted = {r["page_id"]: r for r in articles.select("page_id", "title", "body").iter_rows(named=True)}
    pred_comments = _comments_by_page(comments)
    true_comments = _comments_by_page(truth_comments)
    langs = dict(languages.select("page_id", "language").iter_rows()) if languages is not None else {}
    rows = [
        {
            "page_id": t["page_id"],
            **score_page(
                title=predicted.get(t["page_id"], {}).get("title"),
                body=predicted.get(t["page_id"], {}).get("body"),
                comments=pred_comments.get(t["page_id"], []),
                true_title=t["title"],
                true_body=t["body"],
                true_comments=true_comments.get(t["page_id"], []),
                language=langs.get(t["page_id"]),
                true_language=t.get("language"),
            ),
        }
        for t in truth_articles.select("page_id", "title", "body", "language").iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema=SCORE_SCHEMA)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def summarize_scores(scores: pl.DataFrame, *, n_worst: int = 5) -> dict[str, Any]:
    """Overall figures from ``score_pages`` rows, plus the ``n_worst`` pages by a combined score.

    The combined page score is the mean of body F1, title (1/0) and, on pages with true comments or
    spurious ones, comment F1.
    """
    if scores.height == 0:
        return {"n_pages": 0, "worst_pages": []}
    n_pred = int(scores["n_pred_comments"].sum())
    n_true = int(scores["n_true_comments"].sum())
    n_matched = int(scores["n_matched"].sum())
    precision = _ratio(n_matched, n_pred)
    recall = _ratio(n_matched, n_true)
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    comment_pages = scores.filter(pl.col("n_true_comments") > 0)
    lang = scores.filter(pl.col("language_ok").is_not_null())
    has_comments = (pl.col("n_true_comments") > 0) | (pl.col("n_pred_comments") > 0)
    combined = scores.with_columns(
        page_score=pl.when(has_comments)
        .then((pl.col("body_f1") + pl.col("title_ok").cast(pl.Float64) + pl.col("comment_f1")) / 3)
        .otherwise((pl.col("body_f1") + pl.col("title_ok").cast(pl.Float64)) / 2)
    )
    worst = combined.sort("page_score", "page_id").head(n_worst)
    return {
        "n_pages": scores.height,
        "n_comment_pages": comment_pages.height,
        "title_accuracy": float(scores["title_ok"].cast(pl.Float64).mean()),  # type: ignore[arg-type]
        "body_f1": float(scores["body_f1"].mean()),  # type: ignore[arg-type]
        "comment_precision": precision,
        "comment_recall": recall,
        "comment_f1": f1,
        "author_accuracy": _ratio(int(scores["n_author_ok"].sum()), n_matched),
        "matched_text_f1": _ratio(float(scores["matched_text_f1_sum"].sum()), n_matched),
        "count_exact_share": (
            float(comment_pages["count_exact"].cast(pl.Float64).mean())  # type: ignore[arg-type]
            if comment_pages.height
            else None
        ),
        "spurious_comment_pages": int(scores["spurious"].sum()),
        "language_accuracy": (
            float(lang["language_ok"].cast(pl.Float64).mean()) if lang.height else None  # type: ignore[arg-type]
        ),
        "n_true_comments": n_true,
        "n_pred_comments": n_pred,
        "n_matched_comments": n_matched,
        "failure_kinds": failure_kinds(scores),
        "worst_pages": worst.select(
            "page_id", "page_score", "title_ok", "body_f1", "comment_f1", "n_true_comments", "n_pred_comments"
        ).to_dicts(),
    }


def failure_kinds(scores: pl.DataFrame) -> dict[str, dict[str, int]]:
    """How many pages of ``score_pages`` rows fail in each way (counts only, no page named).

    Reads ``body_precision``, ``body_recall``, ``body_f1``, ``title_ok``, ``n_true_comments``,
    ``n_pred_comments``, ``n_matched``, ``n_author_ok``, the ``n_author_*`` error counts and ``spurious``.
    Returns ``body`` (pages per ``BODY_KINDS``), ``comments`` (pages with true comments per
    ``COMMENT_KINDS``), ``authors`` (pages with matched comments: ``all right``, ``some wrong``, ``all
    wrong``), ``author errors`` (matched comments per ``AUTHOR_ERRORS``) and ``other`` (``title wrong``,
    ``spurious`` pages). Every kind is listed, with 0 where no page has it.
    """
    kinds = scores.select(
        body=body_kind(pl.col("body_precision"), pl.col("body_recall"), pl.col("body_f1")),
        comments=comment_kind(pl.col("n_true_comments"), pl.col("n_pred_comments"), pl.col("n_matched")),
        authors=pl.when(pl.col("n_matched") == 0).then(pl.lit(None, dtype=pl.String))
        .when(pl.col("n_author_ok") == pl.col("n_matched")).then(pl.lit("all right"))
        .when(pl.col("n_author_ok") == 0).then(pl.lit("all wrong"))
        .otherwise(pl.lit("some wrong")),
    )

    def count(column: str, names: Sequence[str]) -> dict[str, int]:
        found = dict(kinds[column].drop_nulls().value_counts().iter_rows())
        return {name: int(found.get(name, 0)) for name in names}

    return {
        "body": count("body", BODY_KINDS),
        "comments": count("comments", COMMENT_KINDS),
        "authors": count("authors", ("all right", "some wrong", "all wrong")),
        "author errors": {kind: int(scores[author_column(kind)].sum()) for kind in AUTHOR_ERRORS},
        "other": {"title wrong": int((~scores["title_ok"]).sum()), "spurious": int(scores["spurious"].sum())},
    }
