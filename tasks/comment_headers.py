"""Comment-header lines on the text path: per-line shape features and a learned logistic classifier.

A comment header is the line that opens a reader's comment: the line holding its author ("Anna K.",
"Anna K. 12 March 2021 at 08:14", "#4 anna_k"), or a date or number line where the thread prints no
name. Across sites the one cue that holds is repetition: a run of similarly shaped short lines at
regular distances, with a block of the readers' text under each, widget words ("Reply", "Like", a
permalink) repeated between them, below the article and above a comment form. ``header_features`` puts
these cues in numbers, in any language: no feature reads a word of a language. A line's shape is its
text with runs of letters written ``a`` and runs of digits ``0`` ("Anna K. 12 March 2021" -> "a a. 0 a
0"); repetition counts lines of the same shape or text on the page, and the distances between them.

The classifier (``header_scores``) is a logistic model over ``FEATURES``: one weight per standardised
feature, learned by ``flows.train_comment_headers`` from labelled pages and kept in
``models/comment_headers.json`` beside this module (read once per process). ``tasks.parse`` reads the
headers it is sure of where its own rules find no thread (``tasks.parse._learned_thread``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

MODEL_PATH = Path(__file__).with_name("models") / "comment_headers.json"

SHORT_CHARS = 80
"""Lines up to this many characters get a shape (headers are short; longer lines are the readers' text)."""
GAP_MIN = 2
GAP_MAX = 40
"""A regular distance between two lines of the same shape: a header, then at least one line of text,
and not more than a long comment's lines."""
CHROME_MAX_WORDS = 3
CHROME_MIN_REPEATS = 3
"""Widget words: a line of at most ``CHROME_MAX_WORDS`` words the page prints ``CHROME_MIN_REPEATS``
times or more ("Reply", "Like", "Permalink" in any language)."""
NEAR = 3
"""Lines on each side that count as a line's neighbours for the chrome feature."""
CAP = 50
"""Distances are capped here."""

_TEXT = pl.col("text")
_CHARS = _TEXT.str.len_chars()
_KEPT = pl.col("strip_rule").is_null() | (pl.col("strip_rule") == "template")

FEATURES: tuple[str, ...] = (
    "log_chars", "words_1", "words_2_3", "words_4_6", "words_7_12", "words_over_12", "name_like", "date",
    "has_date", "digits", "ends_sentence", "ends_colon", "starts_upper", "starts_digit", "kept", "chrome_rule",
    "says", "author_date", "by_author", "affix", "prose",
    "rel_pos", "log_to_end", "section_above", "form_below",
    "log_shape_count", "log_text_count", "regular_prev", "regular_next", "log_gap_prev", "log_gap_next",
    "next_prose", "next_long", "log_next_words", "prev_long", "prev_name_like", "next_date", "prev_date",
    "chrome_near", "chrome_above", "chrome_below",
    "text_after", "text_before", "run_member", "log_run_size",
)
"""The features of a line, in the model's order (see ``header_features``)."""

FEATURE_COLUMNS = ("_page", "_i", "text", "strip_rule", "f_words", "f_date", "f_has_date", "f_count", "f_heading",
                   "f_numeric", "f_prose", "f_says", "f_ad_author", "f_by_author", "f_affix", "name_like")
"""The columns ``header_features`` reads (``tasks.parse.line_features`` columns, the page number and line,
and ``name_like``: the line can be a commenter's name, ``tasks.parse._NAME_LIKE``)."""


def _near(expr: pl.Expr, k: int) -> pl.Expr:
    """``expr`` of the line ``k`` lines away (negative: above) on the same page, null outside it (the
    frame holds each page's lines in order, consecutive)."""
    same = pl.col("_page").shift(-k) == pl.col("_page")
    return pl.when(same).then(expr.shift(-k))


def _shape() -> pl.Expr:
    """A line's shape: letters runs as ``a``, digit runs as ``0``, white space as one space."""
    return (_TEXT.str.replace_all(r"[^\W\d_]+", "a").str.replace_all(r"\d+", "0")
            .str.replace_all(r"\s+", " "))


def _log(expr: pl.Expr) -> pl.Expr:
    return (expr.cast(pl.Float64).clip(0, CAP) + 1.0).log()


def header_features(lines: pl.DataFrame) -> pl.DataFrame:
    """``_page``, ``_i`` and the ``FEATURES`` columns (Float64) of every line of ``lines``.

    Args:
        lines: ``FEATURE_COLUMNS``, sorted by ``_page`` and ``_i`` with each page's lines consecutive.

    Own shape: characters (log), words (buckets), name-like, a date line / holding a date, digits, how it
    ends and starts, kept or stripped (as comment chrome), the rule-based header kinds. Position: share
    of the page above it, lines to the page end (log), a comment count or heading above, a comment form
    below. Repetition: how many short lines of the page share its shape and its text (log), the distance
    to the previous and next line of its shape (log, and whether it is regular: ``GAP_MIN`` to
    ``GAP_MAX``), whether a long line (8+ words or prose) lies between it and them, whether it is a run
    member (a regular distance with a long line between, above or below) and how many run members of its
    shape the page has (log). Neighbours: the next line prose or long, its words, the previous line long or name-like,
    dates next to it, and repeated widget words (``CHROME_*``) within ``NEAR`` lines, above, below.
    """
    frame = lines.select(FEATURE_COLUMNS)
    words = pl.col("f_words")
    short = _CHARS <= SHORT_CHARS
    # shapes only for the short lines (the regex replaces run on those rows alone)
    is_short = frame.select(short).to_series()
    shapes = frame.filter(is_short).select("_page", "_i", _shape=_shape())
    frame = frame.join(shapes, on=["_page", "_i"], how="left", maintain_order="left")
    chrome_word = ((words <= CHROME_MAX_WORDS) & (words >= 1)
                   & (pl.len().over("_page", "text") >= CHROME_MIN_REPEATS)) | (
        pl.col("strip_rule") == "comment_chrome").fill_null(value=False)
    shape_gap_prev = pl.col("_i") - pl.col("_i").shift(1).over("_page", "_shape")
    shape_gap_next = pl.col("_i").shift(-1).over("_page", "_shape") - pl.col("_i")
    n = pl.len().over("_page")
    section = (pl.col("f_count").is_not_null() | pl.col("f_heading")).cast(pl.Int32).cum_max().over("_page")
    form = (pl.col("strip_rule").is_in(["comment_form", "profile_comments_start"]).fill_null(value=False)
            .cast(pl.Int32).cum_max(reverse=True).over("_page"))
    long_line = (words >= 8) | pl.col("f_prose")
    # long lines up to each line (over the frame: differences within a page are what count)
    frame = frame.with_columns(_cum_long=((words >= 8) | pl.col("f_prose")).cast(pl.Int32).cum_sum())
    long_to_next = pl.col("_cum_long").shift(-1).over("_page", "_shape") - pl.col("_cum_long")
    long_from_prev = pl.col("_cum_long") - pl.col("_cum_long").shift(1).over("_page", "_shape")
    frame = frame.with_columns(
        _chrome=chrome_word.fill_null(value=False),
        _ta=pl.when(pl.col("_shape").is_not_null()).then(long_to_next > 0),
        _tb=pl.when(pl.col("_shape").is_not_null()).then(long_from_prev > 0),
        _gp=pl.when(pl.col("_shape").is_not_null()).then(shape_gap_prev),
        _gn=pl.when(pl.col("_shape").is_not_null()).then(shape_gap_next),
        _long=long_line,
    )
    # a run member: a short line with a line of its shape at a regular distance above or below, and a
    # long line between them (a header with its comment's text, repeated)
    member = ((pl.col("_gp").is_between(GAP_MIN, GAP_MAX) & pl.col("_tb"))
              | (pl.col("_gn").is_between(GAP_MIN, GAP_MAX) & pl.col("_ta"))).fill_null(value=False)
    frame = frame.with_columns(_member=member).with_columns(
        _run_size=pl.col("_member").cast(pl.Int32).sum().over("_page", "_shape"))
    chrome_above = pl.any_horizontal([_near(pl.col("_chrome"), -k).fill_null(value=False) for k in range(1, NEAR + 1)])
    chrome_below = pl.any_horizontal([_near(pl.col("_chrome"), k).fill_null(value=False) for k in range(1, NEAR + 1)])
    flag = pl.Float64
    out = frame.select(
        "_page", "_i",
        log_chars=(_CHARS.cast(flag) + 1.0).log(),
        words_1=words == 1, words_2_3=words.is_between(2, 3), words_4_6=words.is_between(4, 6),
        words_7_12=words.is_between(7, 12), words_over_12=words > 12,
        name_like=pl.col("name_like"), date=pl.col("f_date"), has_date=pl.col("f_has_date"),
        digits=_TEXT.str.contains(r"\d"),
        ends_sentence=_TEXT.str.contains(r"[.!?…。！？]$"), ends_colon=_TEXT.str.ends_with(":"),
        starts_upper=_TEXT.str.contains(r"^\p{Lu}"), starts_digit=_TEXT.str.contains(r"^\W?\d"),
        kept=_KEPT.fill_null(value=False),
        chrome_rule=(pl.col("strip_rule") == "comment_chrome").fill_null(value=False),
        says=pl.col("f_says").is_not_null(), author_date=pl.col("f_ad_author").is_not_null(),
        by_author=pl.col("f_by_author").is_not_null(), affix=pl.col("f_affix"), prose=pl.col("f_prose"),
        rel_pos=pl.col("_i").cast(flag) / n.cast(flag),
        log_to_end=_log(n - 1 - pl.col("_i")),
        section_above=section > 0, form_below=form > 0,
        log_shape_count=pl.when(pl.col("_shape").is_not_null()).then(_log(pl.len().over("_page", "_shape"))),
        log_text_count=_log(pl.len().over("_page", "text")),
        regular_prev=pl.col("_gp").is_between(GAP_MIN, GAP_MAX),
        regular_next=pl.col("_gn").is_between(GAP_MIN, GAP_MAX),
        log_gap_prev=_log(pl.col("_gp")), log_gap_next=_log(pl.col("_gn")),
        next_prose=_near(pl.col("f_prose"), 1), next_long=_near(pl.col("_long"), 1),
        log_next_words=_log(_near(words, 1)), prev_long=_near(pl.col("_long"), -1),
        prev_name_like=_near(pl.col("name_like"), -1), next_date=_near(pl.col("f_date"), 1),
        prev_date=_near(pl.col("f_date"), -1),
        chrome_near=pl.sum_horizontal([_near(pl.col("_chrome"), k).fill_null(value=False).cast(pl.Int32)
                                       for k in (*range(-NEAR, 0), *range(1, NEAR + 1))]),
        chrome_above=chrome_above, chrome_below=chrome_below,
        text_after=pl.col("_ta"), text_before=pl.col("_tb"), run_member=pl.col("_member"),
        log_run_size=pl.when(pl.col("_member")).then(_log(pl.col("_run_size"))),
    )
    return out.with_columns(pl.col(FEATURES).cast(flag).fill_null(0.0))


@cache
def load_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    """The classifier's weights (``weights`` in ``FEATURES`` order, ``mean``, ``scale``, ``bias``,
    ``threshold``)."""
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if tuple(model["features"]) != FEATURES:
        raise ValueError(f"{path}: the model's features differ from FEATURES; retrain it (make train)")
    return model


def header_scores(feats: pl.DataFrame, model: dict[str, Any]) -> np.ndarray:
    """The log-odds that each row of ``feats`` (``header_features`` output) is a comment header (one
    matrix product over all rows)."""
    x = feats.select(FEATURES).to_numpy().astype(np.float64)
    x = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    scores: np.ndarray = x @ np.asarray(model["weights"]) + float(model.get("bias", 0.0))
    return scores
