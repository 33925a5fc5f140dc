"""Comment-header lines on the text path: per-line shape features and a learned logistic classifier.

A comment header is the line that opens a reader's comment: the line holding its author ("Anna K.",
"Anna K. 12 March 2021 at 08:14", "#4 anna_k"), or a date or number line where the thread prints no
name. Across sites the one cue that holds is repetition: a run of similarly shaped short lines at
regular distances, with a block of the readers' text under each, widget words ("Reply", "Like", a
permalink) repeated between them, below the article and above a comment form. ``header_features`` puts
these cues in numbers, in any language: no feature reads a word of a language. A line's shape is its
word count, whether it holds a digit, and the class of its first and last characters (a letter, a digit,
or the mark itself); repetition counts lines of the same shape or text on the page, and the distances
between them.

The classifier (``header_scores``) is a logistic model over ``FEATURES``: one weight per standardised
feature, learned by ``flows.train_comment_headers`` from labelled pages and kept in
``models/comment_headers.json`` beside this module (read once per process). ``tasks.extract.parse`` reads the
headers it is sure of where its own rules find no thread (``tasks.extract.parse._learned_thread``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

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

FEATURES: tuple[str, ...] = (
    "log_chars", "words_1", "words_4_6", "words_7_12", "name_like", "date", "has_date", "digits",
    "ends_sentence", "starts_digit", "chrome_rule", "says", "author_date", "affix", "prose",
    "rel_pos", "log_to_end", "section_above", "form_below",
    "log_shape_count", "regular_prev", "regular_next", "log_gap_prev",
    "next_prose", "next_long", "log_next_words", "prev_long", "prev_name_like", "next_date",
    "chrome_near", "chrome_above", "text_after", "run_member", "log_run_size", "name_repeats", "shape_distinct",
)
"""The features of a line, in the model's order (see ``header_features``)."""

REPEAT_FEATURES: tuple[str, ...] = (
    "log_shape_count", "regular_prev", "regular_next", "log_gap_prev", "text_after", "run_member", "log_run_size",
    "chrome_near", "chrome_above", "name_repeats", "shape_distinct",
)
"""The features that read the page's repetition (its shape groups and repeated widget words): the costly
ones. ``line_scores``'s upper bound puts their most favourable value in their place."""
_LOG_CAP = float(np.log(CAP + 1))
_RANGES = {"log_shape_count": (0.0, _LOG_CAP), "log_gap_prev": (0.0, _LOG_CAP), "log_run_size": (0.0, _LOG_CAP),
           "chrome_near": (0.0, float(2 * NEAR))}
NAME_REPEATS_MAX = 12
"""A name-like line printed twice up to this many times on its page: a commenter who writes more than once
(the site's author answering); a line printed more often is a widget word or a menu entry."""
"""The range of each of ``REPEAT_FEATURES`` that is not a flag (0 to 1)."""

FEATURE_COLUMNS = ("_page", "_i", "text", "strip_rule", "f_words", "f_date", "f_has_date", "f_count", "f_heading",
                   "f_numeric", "f_prose", "f_says", "f_ad_author", "f_affix", "name_like")
"""The columns ``header_features`` reads (``tasks.extract.parse.line_features`` columns, the page number and line,
and ``name_like``: the line can be a commenter's name, ``tasks.extract.parse._NAME_LIKE``)."""


def _near(expr: pl.Expr, k: int) -> pl.Expr:
    """``expr`` of the line ``k`` lines away (negative: above) on the same page, null outside it (the
    frame holds each page's lines in order, consecutive)."""
    same = pl.col("_page").shift(-k) == pl.col("_page")
    return pl.when(same).then(expr.shift(-k))


def _end_class(char: pl.Expr) -> pl.Expr:
    """The class of a one-character string: ``a`` for a letter, ``0`` for a digit, else the character."""
    return (pl.when(char.str.contains(r"^[^\W\d_]")).then(pl.lit("a"))
            .when(char.str.contains(r"^\d")).then(pl.lit("0")).otherwise(char))


def _shape() -> pl.Expr:
    """A line's shape, hashed: its words, whether it holds a digit and the class of its first and last
    characters (``_end_class``): "Anna Keller" and "Boris Lund" share one, as do "Anna, 12 May 2021 at
    08:14" and "Bo, 3 June 2021 at 10:02". Reads ``text``, ``f_words`` and ``_digit`` (an ASCII digit)."""
    return pl.struct(pl.col("f_words"), pl.col("_digit"),
                     _end_class(_TEXT.str.slice(0, 1)).alias("s"), _end_class(_TEXT.str.slice(-1)).alias("e")
                     ).hash(seed=0)


def _log(expr: pl.Expr) -> pl.Expr:
    return (expr.cast(pl.Float64).clip(0, CAP) + 1.0).log()


def _shape_groups(frame: pl.DataFrame) -> pl.Series:
    """Per line of ``frame`` (``_page``, ``_i``, ``text``, ``f_words``, ``_digit``, ``_long``; each page's
    lines consecutive and in order), a struct of its shape group's figures (null fields for lines over
    ``SHORT_CHARS``): ``_gp``, ``_gn`` (lines to the previous and next line of its shape on the page),
    ``_tb``, ``_ta`` (a long line lies between it and them), ``_shapes`` (lines of its shape on the page),
    ``_member`` (a run member), ``_run_size`` (run members of its shape on the page) and ``_distinct``
    (distinct texts among the lines of its shape on the page).

    One sort of the short lines by page, shape (hashed) and line replaces a window per figure."""
    height = frame.height
    short = frame.select(_CHARS <= SHORT_CHARS).to_series().to_numpy()
    rows = np.flatnonzero(short)
    short_lines = frame.select("text", "f_words", "_digit").filter(pl.Series(short))
    key = short_lines.select(_shape()).to_series().to_numpy()
    text_key = short_lines.select(_TEXT.hash(seed=0)).to_series().to_numpy()
    page = frame["_page"].to_numpy()[rows]
    line = frame["_i"].to_numpy().astype(np.int64)
    cum_long = np.cumsum(frame["_long"].to_numpy(), dtype=np.int64)
    order = np.lexsort((line[rows], key, page))
    rows, key, page, text_key = rows[order], key[order], page[order], text_key[order]
    at, cum = line[rows], cum_long[rows]
    same_prev = np.zeros(len(rows), dtype=bool)
    same_prev[1:] = (key[1:] == key[:-1]) & (page[1:] == page[:-1])
    same_next = np.zeros(len(rows), dtype=bool)
    same_next[:-1] = same_prev[1:]
    gap_prev = np.full(len(rows), -1, dtype=np.int64)
    gap_prev[1:] = at[1:] - at[:-1]
    gap_prev[~same_prev] = -1
    gap_next = np.full(len(rows), -1, dtype=np.int64)
    gap_next[:-1] = gap_prev[1:]
    gap_next[~same_next] = -1
    text_before = np.zeros(len(rows), dtype=bool)
    text_before[1:] = cum[1:] - cum[:-1] > 0  # the long lines of the lines after the previous one, to this
    text_before &= same_prev
    text_after = np.zeros(len(rows), dtype=bool)
    text_after[:-1] = text_before[1:]
    text_after &= same_next
    member = (((gap_prev >= GAP_MIN) & (gap_prev <= GAP_MAX) & text_before)
              | ((gap_next >= GAP_MIN) & (gap_next <= GAP_MAX) & text_after))
    group = np.cumsum(~same_prev) - 1
    shapes = np.bincount(group)[group] if len(rows) else np.zeros(0, dtype=np.int64)
    run_size = np.bincount(group, weights=member)[group] if len(rows) else np.zeros(0)
    # distinct texts per shape group: one sort by group and text, a new text where either changes
    by_text = np.lexsort((text_key, group))
    new_text = np.ones(len(rows), dtype=bool)
    new_text[1:] = (group[by_text][1:] != group[by_text][:-1]) | (text_key[by_text][1:] != text_key[by_text][:-1])
    distinct = np.bincount(group[by_text], weights=new_text)[group] if len(rows) else np.zeros(0)

    def scatter(values: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
        out = np.zeros(height, dtype=values.dtype)
        out[rows] = values
        series = pl.Series(out)
        return series if missing is None else series.scatter(np.flatnonzero(missing), None)

    has = np.zeros(height, dtype=bool)
    has[rows] = True
    gp_missing = np.ones(height, dtype=bool)
    gp_missing[rows] = gap_prev < 0
    gn_missing = np.ones(height, dtype=bool)
    gn_missing[rows] = gap_next < 0
    return pl.DataFrame({
        "_gp": scatter(gap_prev, gp_missing), "_gn": scatter(gap_next, gn_missing),
        "_tb": scatter(text_before, ~has), "_ta": scatter(text_after, ~has),
        "_shapes": scatter(shapes, ~has), "_member": scatter(member),
        "_run_size": scatter(run_size.astype(np.int64), ~has),
        "_distinct": scatter(distinct.astype(np.int64), ~has),
    }).to_struct("_groups")


def _feature_exprs(lines: pl.DataFrame, *, repeats: bool = True, groups: bool = True
                   ) -> tuple[pl.DataFrame, dict[str, pl.Expr]]:
    """The lines with the helper columns the features read, and each feature's expression (see
    ``header_features``); with ``repeats`` False, all but ``REPEAT_FEATURES`` (the helper columns they
    read are not built); with ``groups`` False, all but those that read the page's shape groups (no
    ``_shape_groups``: ``chrome_near``, ``chrome_above`` and ``name_repeats`` read only how often the page
    prints each text)."""
    frame = lines.select(FEATURE_COLUMNS)
    words = pl.col("f_words")
    long_line = (words >= 8) | pl.col("f_prose")
    frame = frame.with_columns(_long=long_line, _digit=_TEXT.str.contains("[0-9]"))
    chrome_word = ((words <= CHROME_MAX_WORDS) & (words >= 1) & (pl.col("_count") >= CHROME_MIN_REPEATS)) | (
        pl.col("strip_rule") == "comment_chrome").fill_null(value=False)
    n = pl.len().over("_page")
    section = (pl.col("f_count").is_not_null() | pl.col("f_heading")).cast(pl.Int32).cum_max().over("_page")
    form = (pl.col("strip_rule").is_in(["comment_form", "profile_comments_start"]).fill_null(value=False)
            .cast(pl.Int32).cum_max(reverse=True).over("_page"))
    flag = pl.Float64
    own = {
        "log_chars": (_CHARS.cast(flag) + 1.0).log(),
        "words_1": words == 1, "words_4_6": words.is_between(4, 6), "words_7_12": words.is_between(7, 12),
        "name_like": pl.col("name_like"), "date": pl.col("f_date"), "has_date": pl.col("f_has_date"),
        "digits": pl.col("_digit"), "ends_sentence": _TEXT.str.contains(r"[.!?…。！？]$"),
        "starts_digit": _TEXT.str.contains(r"^\W?\d"),
        "chrome_rule": (pl.col("strip_rule") == "comment_chrome").fill_null(value=False),
        "says": pl.col("f_says").is_not_null(), "author_date": pl.col("f_ad_author").is_not_null(),
        "affix": pl.col("f_affix"), "prose": pl.col("f_prose"),
        "rel_pos": pl.col("_i").cast(flag) / n.cast(flag), "log_to_end": _log(n - 1 - pl.col("_i")),
        "section_above": section > 0, "form_below": form > 0,
        "next_prose": _near(pl.col("f_prose"), 1), "next_long": _near(pl.col("_long"), 1),
        "log_next_words": _log(_near(words, 1)), "prev_long": _near(pl.col("_long"), -1),
        "prev_name_like": _near(pl.col("name_like"), -1), "next_date": _near(pl.col("f_date"), 1),
    }
    if not repeats:
        return frame, own
    frame = frame.with_columns(_count=pl.len().over(_TEXT.hash(seed=0), "_page"))
    frame = frame.with_columns(_chrome=chrome_word.fill_null(value=False))
    chrome_above = pl.any_horizontal([_near(pl.col("_chrome"), -k).fill_null(value=False) for k in range(1, NEAR + 1)])
    texts = {
        "chrome_near": pl.sum_horizontal([_near(pl.col("_chrome"), k).fill_null(value=False).cast(pl.Int32)
                                          for k in (*range(-NEAR, 0), *range(1, NEAR + 1))]),
        "chrome_above": chrome_above,
        "name_repeats": pl.col("name_like") & pl.col("_count").is_between(2, NAME_REPEATS_MAX),
    }
    if not groups:
        return frame, {**own, **texts}
    frame = frame.with_columns(_shape_groups(frame)).unnest("_groups")
    repeat = {
        **texts,
        "log_shape_count": _log(pl.col("_shapes")),
        "regular_prev": pl.col("_gp").is_between(GAP_MIN, GAP_MAX),
        "regular_next": pl.col("_gn").is_between(GAP_MIN, GAP_MAX),
        "log_gap_prev": _log(pl.col("_gp")),
        "text_after": pl.col("_ta"), "run_member": pl.col("_member"),
        "log_run_size": pl.when(pl.col("_member")).then(_log(pl.col("_run_size"))),
        "shape_distinct": pl.when(pl.col("_shapes") >= 2).then(
            pl.col("_distinct").cast(pl.Float64) / pl.col("_shapes").cast(pl.Float64)),
    }
    exprs = {name: {**own, **repeat}[name] for name in FEATURES}
    return frame, exprs


def header_features(lines: pl.DataFrame) -> pl.DataFrame:
    """``_page``, ``_i`` and the ``FEATURES`` columns (Float64) of every line of ``lines``.

    Args:
        lines: ``FEATURE_COLUMNS``, sorted by ``_page`` and ``_i`` with each page's lines consecutive.

    Own shape: characters (log), words (buckets), name-like, a date line / holding a date, digits, how it
    ends and starts, stripped as comment chrome, the rule-based header kinds. Position: share of the page
    above it, lines to the page end (log), a comment count or heading above, a comment form below.
    Repetition (``_shape_groups``): how many short lines of the page share its shape (log), the distance
    to the previous line of its shape (log), whether the previous and next ones are at a regular distance
    (``GAP_MIN`` to ``GAP_MAX``), whether a long line (8+ words or prose) lies between it and the next,
    whether it is a run member (a regular distance with a long line between, above or below) and how many
    run members of its shape the page has (log), the share of distinct texts among the lines of its shape
    (commenters' names differ; a widget word is the same text each time) and whether it is a name-like line
    the page prints again (two to ``NAME_REPEATS_MAX`` times: a commenter who writes twice). Neighbours:
    the next line prose, long or a date, its words, the previous line long or name-like, and repeated
    widget words (``CHROME_*``) within ``NEAR`` lines, and just above. Features whose weight stayed under
    0.1 (standardised) in a fit over all of them were left out (text repeats, the distance to the next
    line of the shape, case, "by" headers, ...).
    """
    frame, exprs = _feature_exprs(lines)
    return frame.select("_page", "_i", *(expr.cast(pl.Float64).fill_null(0.0).alias(name)
                                         for name, expr in exprs.items()))


def line_scores(lines: pl.DataFrame, model: dict[str, Any], *, bound: bool | Literal["groups"] = False
                ) -> np.ndarray:
    """The classifier's log-odds per line of ``lines`` (as ``header_features`` takes them): the same as
    ``header_scores(header_features(lines), model)``, in one select that never builds the feature
    columns (a weight times a standardised feature is a constant times the feature plus a constant).

    With ``bound``, an upper bound of them that skips the costly ``REPEAT_FEATURES`` (each at its most
    favourable value): a line under the threshold there is under it in the full score. With ``bound``
    "groups", a tighter one that skips only the features of the page's shape groups (its repeated texts
    are counted)."""
    frame, exprs = _feature_exprs(lines, repeats=bound in (False, "groups"), groups=not bound)
    offset = float(model.get("bias", 0.0))
    terms = []
    for name, weight, mean, scale in zip(FEATURES, model["weights"], model["mean"], model["scale"], strict=True):
        if not weight:
            continue
        offset -= weight * mean / scale
        if name in exprs:
            terms.append(exprs[name].cast(pl.Float64).fill_null(0.0) * (weight / scale))
        else:
            low, high = _RANGES.get(name, (0.0, 1.0))
            offset += max(weight * low, weight * high) / scale
    score = (pl.sum_horizontal(terms) if terms else pl.repeat(0.0, pl.len())) + offset
    scores: np.ndarray = frame.select(score).to_series().to_numpy()
    return scores


@cache
def load_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    """The classifier's weights (``weights`` in ``FEATURES`` order, ``mean``, ``scale``, ``bias``,
    ``threshold``)."""
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if tuple(model["features"]) != FEATURES:
        raise ValueError(f"{path}: the model's features differ from FEATURES; retrain it (make train)")
    return model


def header_scores(feats: pl.DataFrame, model: dict[str, Any]) -> np.ndarray:
    """The log-odds that each row of ``feats`` (``header_features`` output) is a comment header: the
    weighted sum of the standardised features, one polars expression over all rows."""
    terms = [(pl.col(f) - m) * (w / s) for f, w, m, s in zip(FEATURES, model["weights"], model["mean"],
                                                            model["scale"], strict=True) if w]
    bias = float(model.get("bias", 0.0))
    scores: np.ndarray = feats.select(pl.sum_horizontal(terms) + bias if terms else pl.repeat(
        bias, pl.len())).to_series().to_numpy()
    return scores
