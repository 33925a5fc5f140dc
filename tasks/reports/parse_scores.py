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
- language accuracy over pages with a known true language.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from tasks.text_match import align_comments, fold, token_f1

SCORE_SCHEMA: dict[str, pl.DataType] = {
    "page_id": pl.String(),
    "title_ok": pl.Boolean(),
    "body_f1": pl.Float64(),
    "n_true_comments": pl.Int64(),
    "n_pred_comments": pl.Int64(),
    "n_matched": pl.Int64(),
    "n_author_ok": pl.Int64(),
    "matched_text_f1_sum": pl.Float64(),
    "comment_f1": pl.Float64(),
    "count_exact": pl.Boolean(),
    "spurious": pl.Boolean(),
    "language_ok": pl.Boolean(),
}
"""Columns of ``score_pages``' output."""


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
    return {
        "title_ok": fold(title) == fold(true_title) and bool(fold(true_title)),
        "body_f1": token_f1(body, true_body),
        "n_true_comments": n_true,
        "n_pred_comments": n_pred,
        "n_matched": n_matched,
        "n_author_ok": sum(fold(comments[i][0]) == fold(true_comments[j][0]) for i, j, _ in pairs),
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
        "worst_pages": worst.select(
            "page_id", "page_score", "title_ok", "body_f1", "comment_f1", "n_true_comments", "n_pred_comments"
        ).to_dicts(),
    }
