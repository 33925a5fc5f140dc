"""Title finding on the text path: candidate lines near the body start, their features, a learned ranker.

A page's title candidates are the kept lines (and the lines stripped as a site template or a byline,
flagged: ``RULES_SEEN``) from ``WINDOW_ABOVE`` lines above its body window's first line to ``WINDOW_BELOW``
lines below it, and the ``BYLINE_ZONE`` lines just above its first byline or dateline line wherever that
is (``candidate_features``). Each candidate gets shape features (length, case, punctuation, script), position
features (lines and kept lines to the body start, the lines also in steps of 1, 2, 3-4 and 5-8, its rank among
the candidates above the body), evidence features (named by a breadcrumb or a comment-count line, repeated on
the page, the share of its words the body's first prose lines hold, the URL slug's words it holds) and
neighbour features (how many headline-like lines surround it, as in a list of teaser headlines; how near a
date or byline line follows it, and how many headline-like lines stand between (the last one above its date is
the headline, not an earlier variant); how near a paragraph of prose follows it; whether a short label sits just
above it, as a kicker or section name sits above a headline, or a date line, as a blog's post date sits above its
headline; how many of the lines around it are menu labels; whether a "©" credit stands just above or below it,
as around a photo caption; how much of it a line just above retells, as a standfirst retells its headline).
No feature names a site or a word of a language: the cues are shapes, positions and repetition.

The ranker is a conditional logit (a softmax over a page's candidates, ``rank_titles``): one weight per
feature, learned by ``flows.train_titles`` from labelled pages and kept in ``models/title_ranker.json``
beside this module (a few kB, read once per process). The page's title is its best-scoring candidate
when that scores above the model's threshold.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tasks.extract import selectors

WINDOW_ABOVE = 40
"""Candidates start this many lines above the body's first line."""
WINDOW_BELOW = 6
"""... and end this many lines below it (a body window may open on a teaser above the headline)."""
MAX_CHARS = 220
"""A title line holds at most this many characters."""
NEIGHBOURS = 3
"""Lines on each side that count as a candidate's neighbours (teaser-run and date features)."""
DATE_REACH = 8
"""Distances to the next date or byline line are capped here."""
RULES_SEEN = ("template", "byline")
"""Stripped lines that stay candidates (flagged ``template_line``, ``byline_line``): a post's headline recurs
in the other posts' archive lists of its site (so is learned as a template line), and a headline may open
with the word a byline opens with."""
BYLINE_ZONE = 4
"""The lines up to this many above a page's first byline or dateline line (not in a comment) are candidates too,
where the body window starts far from it: a headline sits just above its byline wherever the body window starts."""
PROSE_WORDS = 15
"""A paragraph of prose that opens a body (``prose_near``) has at least this many words."""
LABEL_WORDS = 3
"""A menu or widget label (``labels_below``, ``labels_above``) has at most this many words."""
KICKER_WORDS = 6
"""A kicker or section label above a headline (``kicker_above``) has at most this many words."""
MODEL_PATH = Path(__file__).with_name("models") / "title_ranker.json"

_CRUMB_RE = r" (?:»|›|>>?|\|) "
_CRUMB_SPLIT = r"\s(?:»|›|>>?|\|)\s"

_TEXT, _WORDS = pl.col("text"), pl.col("f_words")
_CHARS = _TEXT.str.len_chars()
_KEPT = pl.col("strip_rule").is_null()

FEATURES: tuple[str, ...] = (
    "words_1", "words_2_3", "words_4_14", "words_15_20", "words_21_25", "words_over_25", "log_chars", "cjk",
    "starts_lower", "no_upper", "all_upper", "two_sentences", "person_name", "prose", "ends_period",
    "ends_cut", "ends_mark", "odd_start", "separator", "digits",
    "below", "log_lines_above", "log_kept_above", "first_above", "cand_rank", "page_pos",
    "hinted", "repeated",
    "headline_neighbours", "date_next", "date_between", "stripped_prev", "stripped_next",
    "prose_next", "prose_prev", "numeric_prev", "numeric_next", "rule_ok", "rule_score", "rule_best", "rule_gap",
    "credit", "glued", "holds_near", "held_near", "twin_first", "twin_second", "slug_share", "slug_best",
    "lead_like", "body_share", "echo_above", "template_line", "byline_line", "kicker_above", "dateline_prev",
    "above_1", "above_2", "above_3_4", "above_5_8",
    "credit_prev", "credit_next", "labels_below", "labels_above", "heads_to_date", "prose_near",
)
"""The features of a candidate, in the model's order (see ``candidate_features``)."""
COSTLY: tuple[str, ...] = ("repeated", "body_share", "echo_above")
"""The costly features: computed only for the candidates that can still be their page's title
(``candidate_features``); the others are bounded by their ranges (``COSTLY_RANGES``)."""
COSTLY_RANGES: dict[str, tuple[float, float]] = {"repeated": (0.0, 2.0)}
"""The range of each of ``COSTLY`` that is not a flag or a share (0 to 1): ``repeated`` is clipped to 0-2."""
FIRST_ROUND = 1
"""Candidates per page whose costly features are computed first (those of the highest upper bounds)."""
BOUND_SLACK = 1e-7
"""Added to an upper bound before it is compared with a full score (rounding of two sums of the same terms)."""


def _title_hints(lines: pl.DataFrame) -> pl.DataFrame:
    """Headline evidence elsewhere on the page: the quoted title of a comment-count line ("22 Responses
    to “Title”") and the last crumb of a breadcrumb of three or more crumbs ("Home » News » Title"),
    lower-cased as the candidates' ``_key`` is.

    Reads ``_page``, ``text`` and ``f_count``; returns distinct ``_page``, ``_key``."""
    quoted = lines.filter(pl.col("f_count").is_not_null()).select(
        "_page", _key=_TEXT.str.extract(selectors.QUOTED_TITLE_RE, 1))
    crumbs = lines.filter(_TEXT.str.contains(_CRUMB_RE)).filter(_TEXT.str.count_matches(_CRUMB_SPLIT) >= 2).select(
        "_page", _key=_TEXT.str.replace(f"^.*{_CRUMB_SPLIT}", ""))
    return pl.concat([quoted, crumbs]).select(
        "_page", _key=pl.col("_key").str.strip_chars().str.to_lowercase()).drop_nulls().unique()


def _repeated_lines(lines: pl.DataFrame, cands: pl.DataFrame) -> pl.DataFrame:
    """How often each candidate's text occurs on its page, compared lower-cased (only lines with as many
    words as a candidate of their page are lower-cased and counted; lower-casing keeps white space).

    Reads ``_page``, ``text``, ``f_words`` of ``lines`` and ``_page``, ``f_words``, ``_key`` (the lower-cased text)
    of ``cands``; returns ``_page``, ``_key``, ``_rep``."""
    lengths = cands.select("_page", "f_words").unique()
    same_length = lines.join(lengths, on=["_page", "f_words"], how="semi")
    # an ASCII line lower-cases to an ASCII text of as many bytes: it can only equal a candidate's key that
    # is ASCII and as long, so the other ASCII lines are not lower-cased
    ascii_text = _TEXT.str.len_bytes() == _CHARS
    keys = cands.select("_page", "f_words", "_key")
    ascii_keys = keys.filter(pl.col("_key").str.len_bytes() == pl.col("_key").str.len_chars()).select(
        "_page", "f_words", _bytes=pl.col("_key").str.len_bytes()).unique()
    same_length = same_length.with_columns(_ascii=ascii_text, _bytes=_TEXT.str.len_bytes())
    same_length = pl.concat([
        same_length.filter(~pl.col("_ascii")),
        same_length.filter("_ascii").join(ascii_keys, on=["_page", "f_words", "_bytes"], how="semi"),
    ])
    return same_length.group_by("_page", _key=_TEXT.str.to_lowercase()).agg(_rep=pl.len().cast(pl.Int32))


def _headline_like() -> pl.Expr:
    """A kept line shaped like a headline: 4 to 20 words, at most ``MAX_CHARS``, not prose, not ending in
    a full stop (the lines a run of teaser headlines is made of)."""
    return (
        _KEPT & _WORDS.is_between(4, 20) & (_CHARS <= MAX_CHARS) & ~pl.col("f_prose")
        & ~_TEXT.str.ends_with(".") & ~pl.col("f_date")
    )


NUMBER_SHAPE_CHARS = 40
"""A date or time line of numbers holds at most this many characters."""


def number_shaped(texts: pl.Series) -> pl.Series:
    """Whether each line is a short line of two or more numbers and no more letters than digits: the shape
    of a date or time in any script ("2025年1月13日 20時01分", "15.04.2026 - 15:48"). The letter count (a
    costly regex) runs only on the lines of at most ``NUMBER_SHAPE_CHARS`` characters with two numbers."""
    text = pl.col("t")
    frame = texts.to_frame("t")
    shaped = np.zeros(len(texts), dtype=bool)
    # each test on the lines the cheaper one before it kept: length, then two numbers, then the letters
    short = frame.select(text.str.len_chars() <= NUMBER_SHAPE_CHARS).to_series().arg_true()
    at = short.filter(frame[short].select(text.str.contains(r"\d\D+\d")).to_series()) if len(short) else short
    if len(at):
        some = frame[at].select(text.str.count_matches(r"[^\d\W]") <= text.str.count_matches(r"\d"))
        shaped[at.to_numpy()] = some.to_series().to_numpy()
    return pl.Series(texts.name, shaped)


def _latin_letters() -> tuple[list[str], list[str]]:
    """Lower-case Latin letters with diacritics (U+00C0-U+024F) and their ASCII spelling, from their
    Unicode decomposition, plus the letters that do not decompose (ß, æ, ø, œ, đ, ł)."""
    src, dst = ["ß", "æ", "ø", "œ", "đ", "ł"], ["ss", "ae", "o", "oe", "d", "l"]
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if ch.islower() and base and base.isascii() and base != ch and ch not in src:
            src.append(ch)
            dst.append(base.lower())
    return src, dst


_LATIN_FROM, _LATIN_TO = _latin_letters()


def _ascii_fold(expr: pl.Expr, *, ascii_only: bool = False, lowered: bool = False) -> pl.Expr:
    """Lower case, Latin diacritics dropped, umlaut spellings folded ("ü" and "ue" both to "u"), letters and
    digits only: how a URL slug spells a headline's words (``ascii_only``: the text is known to be ASCII;
    ``lowered``: it is lower-cased already)."""
    folded = expr if lowered else expr.str.to_lowercase()
    if not ascii_only:
        folded = folded.str.replace_many(_LATIN_FROM, _LATIN_TO)
    # "ae", "oe", "ue" as "a", "o", "u": leftmost, without overlaps, as a regex would replace them
    return folded.str.replace_all(r"[^a-z0-9]+", "").str.replace_many(["ae", "oe", "ue"], ["a", "o", "u"])


SLUG_MIN_TOKENS = 3
"""A URL path segment is a slug when it splits into at least this many words at "-" or "_"."""


def slug_tokens(urls: pl.DataFrame) -> pl.DataFrame:
    """The words of each page's URL slug: the path segment with the most "-" or "_" separators (file
    extension dropped, at least ``SLUG_MIN_TOKENS`` words), split there, folded (``_ascii_fold``), words
    of 3+ characters that are not all digits and hold no run of 4 digits (ids, dates).

    Reads ``_page``, ``url``; returns ``_page``, ``_token``, ``_n_tokens`` (the slug's words)."""
    path = pl.col("url").str.replace(r"^[a-zA-Z][\w+.-]*://[^/]*", "").str.replace(r"[?#].*$", "")
    segments = urls.filter(pl.col("url").is_not_null()).select(
        "_page", _seg=path.str.split("/")).explode("_seg").with_columns(
        _seg=pl.col("_seg").str.replace(r"\.[A-Za-z]{2,5}$", ""))
    segments = segments.with_columns(_sep=pl.col("_seg").str.count_matches(r"[-_]+"))
    slugs = segments.filter((pl.col("_sep") == pl.col("_sep").max().over("_page"))
                            & (pl.col("_sep") >= SLUG_MIN_TOKENS - 1)).group_by("_page").agg(pl.col("_seg").last())
    words = pl.col("_seg").str.replace_all("_", "-", literal=True).str.split("-")
    tokens = slugs.select("_page", _token=words).explode("_token").with_columns(_token=_ascii_fold(pl.col("_token")))
    tokens = tokens.filter((pl.col("_token").str.len_chars() >= 3) & ~pl.col("_token").str.contains(r"^\d+$|\d{4}"))
    return tokens.unique(maintain_order=True).with_columns(_n_tokens=pl.len().over("_page").cast(pl.Int32))


def _slug_share(cands: pl.DataFrame, urls: pl.DataFrame | None) -> pl.DataFrame:
    """``_page``, ``_i``, ``slug_share``: the share of the page's slug words (``slug_tokens``) that the
    candidate's folded text holds, for the candidates of pages with a slug (0 for the others, which have
    no row here). Reads ``_page``, ``_i``, ``_key`` (the lower-cased text) of ``cands``."""
    empty = pl.DataFrame(schema={"_page": cands.schema["_page"], "_i": cands.schema["_i"], "slug_share": pl.Float64})
    if urls is None or urls.height == 0:
        return empty
    tokens = slug_tokens(urls)
    if tokens.height == 0:
        return empty
    # folded from the lower-cased text (a text is ASCII where it is: lower-casing keeps a text ASCII, and
    # the diacritics' replacement leaves an ASCII text as it is)
    key = pl.col("_key")
    texts = cands.select("_page", "_i", "_key").join(tokens.select("_page").unique(), on="_page", how="semi")
    texts = texts.with_columns(_ascii=key.str.len_bytes() == key.str.len_chars())
    folded = pl.concat([
        texts.filter("_ascii").select("_page", "_i", _folded=_ascii_fold(key, ascii_only=True, lowered=True)),
        texts.filter(~pl.col("_ascii")).select("_page", "_i", _folded=_ascii_fold(key, lowered=True)),
    ])
    # each candidate's slug words found, counted by the candidate's row (cheaper than a group-by)
    pairs = folded.with_row_index("_c").join(tokens, on="_page", how="inner")
    found = pairs.select(pl.col("_folded").str.contains(pl.col("_token"), literal=True)).to_series().to_numpy()
    hits = np.bincount(pairs["_c"].to_numpy(), weights=found, minlength=folded.height)
    n_tokens = tokens.group_by("_page").agg(pl.col("_n_tokens").first())
    return folded.select("_page", "_i").join(n_tokens, on="_page", how="left", maintain_order="left").select(
        "_page", "_i", slug_share=pl.Series(hits) / pl.col("_n_tokens"))


BODY_LINES = 6
"""The body's first prose lines (from the body window's first line) whose words a title shares."""
BODY_CHARS = 250
"""... their first characters."""
_BODY_TOKEN = r"\p{Han}|[\w--\p{Han}]{4,}"
"""Words a title shares with its body: single Han characters (scripts written without spaces), else runs of
4+ word characters (shorter words are mostly function words)."""


def _words(frame: pl.DataFrame, line: str, *flags: str) -> pl.DataFrame:
    """The distinct words (``_BODY_TOKEN`` of the first ``BODY_CHARS`` characters, lower-cased, hashed: ``_w``)
    of each row of ``frame`` (``_page``, ``_i``, ``text`` and the ``flags`` columns), its ``_i`` named ``line``."""
    # hashed and made distinct within each row's list (its rows are distinct lines): cheaper than a frame-wide
    # unique over the exploded words
    found = frame.select("_page", *flags, pl.col("_i").alias(line),
                         _w=_TEXT.str.slice(0, BODY_CHARS).str.to_lowercase().str.extract_all(_BODY_TOKEN)
                         .list.eval(pl.element().hash()).list.unique())
    return found.explode("_w").drop_nulls()


def body_lines(lines: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """``_page``, ``_i``, ``text``: each page's first ``BODY_LINES`` kept prose lines from the body window's
    first line on, whose words a headline retells (``_word_shares``).

    Reads ``_page``, ``_i``, ``text``, ``strip_rule``, ``f_prose``, ``_placed`` of ``lines`` and ``_page``,
    ``_lo`` of ``windows``."""
    i = pl.col("_i")
    return (
        lines.filter(_KEPT & pl.col("f_prose") & ~pl.col("_placed")).select("_page", "_i", "text")
        .join(windows, on="_page", how="inner", maintain_order="left").filter(i >= pl.col("_lo"))
        .filter(pl.int_range(pl.len()).over("_page") < BODY_LINES).select("_page", "_i", "text")
    )


def _word_shares(body: pl.DataFrame, cands: pl.DataFrame, others: pl.DataFrame | None = None
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``_page``, ``_i``, ``body_share``: the share of a candidate's distinct words (``_BODY_TOKEN``,
    lower-cased) found in the page's first ``BODY_LINES`` kept prose lines from the body window's first
    line on (``body``: ``body_lines``, or their words as this function returned them: ``_page``, ``_o``,
    ``_w``; their first ``BODY_CHARS`` characters; the candidate's own line left out): a headline retells
    its article's lead; widget labels, site names and other stories' teasers do not. ``echo_above``: the
    largest share of its words that one candidate up to ``NEIGHBOURS`` lines above it holds (a standfirst
    retells the headline above it). Words are compared by their hash.

    Reads ``_page``, ``_i``, ``text`` of ``cands`` and of ``others`` (all the page's candidates, of which
    those just above one of ``cands`` count for its echo; None: ``cands``). Returns the shares and the body
    lines' words (read with the candidates' words in one call where ``body`` holds lines)."""
    i, line, other = pl.col("_i"), pl.col("_line"), pl.col("_o")
    keys = ["_page", "_i"]
    echoing = cands.select(*keys, "text", _cand=pl.lit(value=True))
    if others is not None:
        above = pl.concat([cands.select("_page", i - d) for d in range(1, NEIGHBOURS + 1)]).unique()
        echoing = pl.concat([echoing, others.select(*keys, "text").join(cands, on=keys, how="anti")
                            .join(above, on=keys, how="semi").with_columns(_cand=pl.lit(value=False))])
    if "text" in body.columns:  # the body lines' words with the candidates': one regex call
        both = _words(pl.concat([echoing.with_columns(_body=pl.lit(value=False)),
                                 body.with_columns(_cand=pl.lit(value=False), _body=pl.lit(value=True))]),
                      "_line", "_cand", "_body")
        body = both.filter("_body").select("_page", _o=line, _w="_w")
        words = both.filter(~pl.col("_body")).drop("_body")
    else:
        words = _words(echoing, "_line", "_cand")
    cand_words = words.filter("_cand").select("_page", "_line", "_w")
    # each candidate word against the body lines that hold it (the body share) and the candidates just
    # above (the echo)
    hits = (
        cand_words.join(body, on=["_page", "_w"], how="inner").filter(other != line)
        .select("_page", "_line", "_w").unique().group_by("_page", "_line").agg(_hits=pl.len())
    )
    echoes = (
        cand_words.join(words.select("_page", "_w", _o=line), on=["_page", "_w"], how="inner")
        .filter((line - other).is_between(1, NEIGHBOURS))
        .group_by("_page", "_line", "_o").agg(_k=pl.len())
        .group_by("_page", "_line").agg(_above=pl.col("_k").max())
    )
    shares = (
        cand_words.group_by("_page", "_line").agg(_n=pl.len())
        .join(hits, on=["_page", "_line"], how="left").join(echoes, on=["_page", "_line"], how="left")
        .select("_page", _i=line, body_share=pl.col("_hits").fill_null(0) / pl.col("_n"),
                echo_above=pl.col("_above").fill_null(0) / pl.col("_n"))
    )
    return cands.select("_page", "_i").join(shares, on=["_page", "_i"], how="left", maintain_order="left").select(
        "_page", "_i", *(pl.col(c).fill_null(0.0) for c in ("body_share", "echo_above"))), body


def _longest_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """``_page``, ``_lo``: the longest kept line of each page of ``lines`` (``_page``, ``_i``, ``text``,
    ``strip_rule``, ``_placed``), where the title is looked for on a page without a body window (as in
    scripts written without spaces, whose lines the word-weighted window does not see as prose)."""
    kept = lines.filter(_KEPT & ~pl.col("_placed")).select("_page", "_i", _c=_CHARS)
    return kept.filter(pl.col("_c") == pl.col("_c").max().over("_page")).group_by("_page").agg(
        _lo=pl.col("_i").min())


def candidate_features(lines: pl.DataFrame, windows: pl.DataFrame, urls: pl.DataFrame | None = None, *,
                       model: dict[str, Any] | None = None) -> pl.DataFrame:
    """The title candidates of each page and their ``FEATURES``: the lines from ``WINDOW_ABOVE`` above the body
    window's first line to ``WINDOW_BELOW`` below it, and the ``BYLINE_ZONE`` lines above the page's first line
    stripped as a byline or dateline (outside comments), where these lie elsewhere.

    The costly features (``COSTLY``: repetition, word shares with the body) are computed only for the
    candidates that can still be their page's title when a ``model`` is given, an exact prune: every
    candidate gets an upper bound of its score (``upper_bounds``: each costly feature at its most favourable
    value in its range); the costly features are computed first for each page's ``FIRST_ROUND`` best bounds
    (and the candidates whose repetition bonus may make the page's best ``rule_score``, which ``rule_best``
    and ``rule_gap`` compare with), then, in one more round, for every candidate whose bound reaches the
    best full score of its page. The others are left out: they score below that best, so ``rank_titles``
    chooses as it does over every candidate. All other features (``rule_best``, ``rule_gap`` and
    ``slug_best`` compare a candidate with every candidate of its page) equal those computed without it.

    Args:
        lines: ``_page``, ``_i``, ``text``, ``strip_rule``, ``f_date``, ``f_has_date``, ``f_count``,
            ``f_numeric``, ``f_words``, ``f_prose``, ``f_by_author``, ``_placed`` (in a comment), sorted by
            page and line.
        windows: ``_page``, ``_lo`` (the body's first line); a page without one is searched above its
            longest kept line.
        urls: ``_page``, ``url`` (the page's URL where known) or None.
        model: the ranker (``load_model``) whose upper bounds leave out the candidates that cannot be
            its title; None: every candidate and all its features.

    Returns:
        ``_page``, ``_i``, ``text`` and the ``FEATURES`` columns (Float64), one row per candidate kept, in
        page and line order.
    """
    page, i, lo = "_page", pl.col("_i"), pl.col("_lo")
    windows = windows.select("_page", "_lo")
    if lines.height and windows.height < int(lines["_page"][-1]) + 1:  # pages are numbered 0, 1, ... in order
        windows = pl.concat([windows, _longest_lines(lines.join(windows, on=page, how="anti"))])
    # the lines near a body start are chosen on (page, line) alone; only they are copied with their features
    starts = lines.select("_page", "_i").join(windows, on="_page", how="left", maintain_order="left")["_lo"]
    anchors = lines.filter(pl.col("strip_rule").is_in(("byline", "dateline")) & ~pl.col("_placed")).group_by(
        page).agg(_at=i.min())
    bylines = lines.select("_page").join(anchors, on="_page", how="left", maintain_order="left")["_at"]
    chosen = lines.select(
        i.is_between(starts - WINDOW_ABOVE - NEIGHBOURS, starts + WINDOW_BELOW + NEIGHBOURS).fill_null(value=False)
        | i.is_between(bylines - BYLINE_ZONE - NEIGHBOURS, bylines + NEIGHBOURS).fill_null(value=False)).to_series()
    near = lines.select("_page", "_i", "text", "strip_rule", "f_date", "f_has_date", "f_count", "f_numeric",
                        "f_words", "f_prose", "f_by_author", "_placed").filter(chosen).with_columns(
        _lo=starts.filter(chosen), _at=bylines.filter(chosen))
    near = near.with_columns(_shaped=number_shaped(near["text"]))
    dateish = (pl.col("f_date") | pl.col("f_has_date") | pl.col("f_by_author").is_not_null()
               | (pl.col("strip_rule") == "byline").fill_null(value=False) | pl.col("_shaped")) & (_CHARS <= 160)
    kept_body = (i < lo) & _KEPT & ~pl.col("f_date")
    near = near.with_columns(
        *_same_pages(),
        _headline=_headline_like().cast(pl.Int32),
        _date_i=pl.when(dateish).then(i),
        _kept=pl.when(kept_body).then(pl.when(_WORDS >= 4).then(1.0).otherwise(0.5)).otherwise(0.0),
        _prose=(pl.col("f_prose") & _KEPT).cast(pl.Float64),
        _stripped=(~_KEPT).cast(pl.Float64),
        _numeric=pl.col("f_numeric").cast(pl.Float64),
        # a kicker or section label: a short kept line that is no sentence, question or date
        _short=_KEPT & _WORDS.is_between(1, KICKER_WORDS) & (_CHARS <= 60) & ~_TEXT.str.contains(r"[.?!]$")
        & ~pl.col("f_date"),
        # a photo credit (any line: a credit is often stripped as a template)
        _credit=_TEXT.str.contains("©", literal=True),
        _prose_i=pl.when(pl.col("f_prose") & _KEPT & (_WORDS >= PROSE_WORDS)).then(i),
    ).with_columns(
        # the headline-like lines so far (over all pages: differences within a page count its own)
        _hcum=pl.col("_headline").cum_sum(),
        # a menu or widget label: a kicker-like line of one to three words, not ending in a colon
        _label=(pl.col("_short") & (_WORDS <= LABEL_WORDS) & (_CHARS <= 40) & ~_TEXT.str.ends_with(":"))
        .cast(pl.Float64),
        _prose_pg=pl.when(pl.col("_prose_i").is_not_null()).then(pl.col(page)),
    ).with_columns(
        _date_pg=pl.when(pl.col("_date_i").is_not_null()).then(pl.col(page)),
        _kept=pl.col("_kept").cum_sum(reverse=True).over(page) - pl.col("_kept"),
        _run=_within_page(pl.col("_headline").rolling_sum(2 * NEIGHBOURS + 1, center=True, min_samples=1), 0)
        - pl.col("_headline"),
        prose_next=_within_page(pl.col("_prose"), -1).fill_null(0.0),
        prose_prev=_within_page(pl.col("_prose"), 1).fill_null(0.0),
        stripped_next=_within_page(pl.col("_stripped"), -1).fill_null(1.0),
        stripped_prev=_within_page(pl.col("_stripped"), 1).fill_null(1.0),
        numeric_next=_within_page(pl.col("_numeric"), -1).fill_null(0.0),
        numeric_prev=_within_page(pl.col("_numeric"), 1).fill_null(0.0),
        kicker_above=_within_page(pl.col("_short"), 1).fill_null(value=False) & (_WORDS >= 4),
        dateline_prev=_within_page((pl.col("strip_rule") == "dateline").fill_null(value=False) | pl.col("f_date"), 1)
        .fill_null(value=False),
        credit_prev=_within_page(pl.col("_credit"), 1).fill_null(value=False),
        credit_next=_within_page(pl.col("_credit"), -1).fill_null(value=False),
        labels_below=pl.sum_horizontal(_within_page(pl.col("_label"), -d).fill_null(0.0)
                                       for d in range(1, NEIGHBOURS + 1)) / NEIGHBOURS,
        labels_above=pl.sum_horizontal(_within_page(pl.col("_label"), d).fill_null(0.0)
                                       for d in range(1, NEIGHBOURS + 1)) / NEIGHBOURS,
        _date_hcum=pl.when(dateish).then(pl.col("_hcum")),
    ).with_columns(
        # the nearest date line below, on the same page
        _next_date=pl.when(pl.col("_date_pg").shift(-1).backward_fill() == pl.col(page))
        .then(pl.col("_date_i").shift(-1).backward_fill()),
        # how near the next paragraph of prose follows (of the near lines: a body or a standfirst opens there)
        prose_near=(DATE_REACH - (pl.when(pl.col("_prose_pg").shift(-1).backward_fill() == pl.col(page))
                                  .then(pl.col("_prose_i").shift(-1).backward_fill()) - i)
                    .clip(upper_bound=DATE_REACH)).fill_null(0).cast(pl.Float64) / DATE_REACH,
        # headline-shaped lines between the line and the next date line (0: the last one above it)
        heads_to_date=pl.when(pl.col("_date_pg").shift(-1).backward_fill() == pl.col(page))
        .then(pl.col("_date_hcum").shift(-1).backward_fill() - pl.col("_hcum")).clip(0, 3).fill_null(3)
        .cast(pl.Float64) / 3.0,
    )
    in_reach = i.is_between(lo - WINDOW_ABOVE, lo + WINDOW_BELOW) | i.is_between(
        pl.col("_at") - BYLINE_ZONE, pl.col("_at") - 1).fill_null(value=False)
    ok = (
        in_reach & (_KEPT | pl.col("strip_rule").is_in(RULES_SEEN))
        & ~pl.col("_placed") & ~pl.col("f_date")
        & pl.col("f_count").is_null() & ~pl.col("f_numeric") & (_WORDS >= 1) & _CHARS.is_between(2, MAX_CHARS)
    )
    near = near.with_row_index("_r")
    cands = near.filter(ok)
    if cands.height == 0:
        return pl.DataFrame(schema={"_page": pl.UInt32, "_i": pl.Int32, "text": pl.String,
                                    **dict.fromkeys(FEATURES, pl.Float64)})
    key = _TEXT.str.to_lowercase()
    page_lines = lines.select("_page", "text", "f_count", "f_words")
    hints = _title_hints(page_lines).with_columns(_hinted=pl.lit(value=True))
    n_lines = lines.group_by(page).agg(_n=pl.col("_i").max() + 1)
    cands = (
        cands.with_columns(_key=key)
        .join(hints, on=["_page", "_key"], how="left", maintain_order="left")
        .join(n_lines, on=page, how="left", maintain_order="left")
    )
    above = (i < lo).cast(pl.Int32)
    words, chars = _WORDS, _CHARS
    # case without a regex: a text holds an upper-case letter when lower-casing changes it
    has_upper, has_lower = pl.col("_key") != _TEXT, _TEXT.str.to_uppercase() != _TEXT  # _key: the lower-cased text
    feats = cands.with_columns(
        words_1=words == 1,
        words_2_3=words.is_between(2, 3),
        words_4_14=words.is_between(4, 14),
        words_15_20=words.is_between(15, 20),
        words_21_25=words.is_between(21, 25),
        words_over_25=words > 25,
        log_chars=chars.cast(pl.Float64).log1p(),
        cjk=_TEXT.str.len_bytes() >= 2.4 * chars,  # mostly 3-byte characters: CJK scripts
        starts_lower=_TEXT.str.contains(r"^\p{Ll}"),
        no_upper=~has_upper & has_lower,
        all_upper=has_upper & ~has_lower & (chars >= 4),
        two_sentences=_TEXT.str.contains(r"\w[.!?]\s+\p{Lu}"),
        person_name=_TEXT.str.contains(r"^(?:\p{Lu}[\w'’.-]*\s?){2,3}$"),
        prose=pl.col("f_prose"),
        ends_period=_TEXT.str.contains(r"[.。][\"”’»)]*$"),
        ends_cut=pl.any_horizontal(_TEXT.str.ends_with(e) for e in (":", ",", "–", "-", "—", ";")),
        ends_mark=_TEXT.str.contains(r"[!?][\"”’»)]*$"),
        odd_start=_TEXT.str.contains(r"^[^\w“\"„«‘'¿¡]"),
        separator=_TEXT.str.contains(r"[|•]|\s[>/]\s"),
        digits=_TEXT.str.count_matches("[0-9]").cast(pl.Float64) / chars.cast(pl.Float64),
        below=i >= lo,
        log_lines_above=(lo - i).clip(lower_bound=0).cast(pl.Float64).log1p(),
        # the lines to the body's first line in steps (the log above is one slope over every distance)
        above_1=lo - i == 1,
        above_2=lo - i == 2,
        above_3_4=(lo - i).is_between(3, 4),
        above_5_8=(lo - i).is_between(5, 8),
        log_kept_above=pl.col("_kept").log1p(),
        first_above=(above.cum_sum(reverse=True).over(page) == 1) & (above == 1),
        cand_rank=(above.cum_sum(reverse=True).over(page).clip(upper_bound=10) * above).cast(pl.Float64) / 10.0,
        page_pos=i.cast(pl.Float64) / pl.col("_n").cast(pl.Float64),
        hinted=pl.col("_hinted").fill_null(value=False),
        credit=_TEXT.str.contains(r"©|\)$"),
        template_line=(pl.col("strip_rule") == "template").fill_null(value=False),
        byline_line=(pl.col("strip_rule") == "byline").fill_null(value=False),
        glued=_TEXT.str.count_matches(r"\p{Ll}\p{Lu}\p{Ll}") >= 2,
        headline_neighbours=pl.col("_run").cast(pl.Float64) / (2 * NEIGHBOURS),
        date_next=(DATE_REACH - (pl.col("_next_date") - i).clip(upper_bound=DATE_REACH)).fill_null(0)
        .cast(pl.Float64) / DATE_REACH,
        date_between=(pl.col("_next_date") <= lo).fill_null(value=False) & (i < lo),
    )
    feats = feats.with_columns(lead_like=pl.col("ends_period") & (_WORDS >= 12))
    feats = feats.with_columns(rule_ok=_RULE_OK & (i <= lo)).select(
        "_page", "_i", "_r", "text", "_key", "f_words", "_lo", "_kept", "rule_ok",
        *(f for f in FEATURES if f in feats.columns))
    feats = feats.with_columns(_near_relations(near, feats))
    feats = feats.join(_slug_share(feats, urls), on=["_page", "_i"], how="left", maintain_order="left").with_columns(
        pl.col("slug_share").fill_null(0.0))
    feats = feats.with_columns(slug_best=(pl.col("slug_share") == pl.col("slug_share").max().over(page))
                               & (pl.col("slug_share") > 0))
    # the rule score without and with its repetition bonus: the page's best of it is at least the best
    # without; it is known once the candidates whose bonus could pass that have their repetition counted
    feats = feats.with_columns(_rs_lo=_rule_score(pl.lit(0)), _rs_hi=_rule_score(pl.lit(1)))
    feats = feats.with_columns(_top=pl.col("_rs_lo").max().over(page))
    all_cands = near.filter(ok).select("_page", "_i", "text")
    body = {"lines": body_lines(lines, windows)}  # their words once the first candidates' are read
    # the lines that may repeat a candidate: as many words as one of their page (each round counts a part)
    length_lines = page_lines.join(feats.select("_page", "f_words").unique(), on=["_page", "f_words"], how="semi")

    def costly(rows: pl.DataFrame) -> pl.DataFrame:
        rows = rows.join(_repeated_lines(length_lines, rows), on=["_page", "_key"], how="left", maintain_order="left")
        rows = rows.with_columns(repeated=pl.col("_rep").fill_null(1).clip(1, 3) - 1)
        shares, body["lines"] = _word_shares(body["lines"], rows, all_cands)
        return rows.join(shares, on=["_page", "_i"], how="left", maintain_order="left")

    done = costly(feats).drop("_top") if model is None else _pruned(feats, model, costly)
    done = _with_rule_ranks(done)
    return done.select("_page", "_i", "text", *(pl.col(f).cast(pl.Float64) for f in FEATURES))


def _pruned(feats: pl.DataFrame, model: dict[str, Any],
            costly: Callable[[pl.DataFrame], pl.DataFrame]) -> pl.DataFrame:
    """The candidates of ``feats`` that can still be their page's title under ``model``, with the ``COSTLY``
    features (``costly``) and ``_top`` (the page's best rule score), in the order of ``feats``: two rounds
    of ``candidate_features``' exact prune. Reads ``_page``, ``_rs_lo``, ``_rs_hi``, ``_top`` (the best
    ``_rs_lo``) and what ``upper_bounds`` and ``_rule_score`` read."""
    page = "_page"
    # first round: each page's FIRST_ROUND best upper bounds, and the candidates whose repetition bonus
    # may make the page's best rule score
    feats = feats.with_columns(_fixed=fixed_terms(model))
    chosen = feats.with_columns(_ub=pl.Series(upper_bounds(feats, model))).select(
        (pl.col("_rs_hi") > pl.col("_top"))
        | (pl.col("_ub").rank("ordinal", descending=True).over(page) <= FIRST_ROUND)).to_series()
    done = costly(feats.filter(chosen))
    top = done.group_by(page).agg(_best_rs=_rule_score(pl.col("repeated")).max())
    rest = feats.filter(~chosen)
    # the page's best rule score is now known; a candidate left whose upper bound cannot reach the
    # best full score of its page cannot be its title (nor tie with it)
    done, rest = (frame.join(top, on=page, how="left", maintain_order="left").with_columns(
        _top=pl.max_horizontal("_top", "_best_rs")).drop("_best_rs") for frame in (done, rest))
    best = done.select(page, _s=pl.Series(candidate_scores(_with_rule_ranks(done), model))).group_by(page).agg(
        _best=pl.col("_s").max())
    bar = rest.select(page).join(best, on=page, how="left", maintain_order="left")["_best"].fill_null(-np.inf)
    more = rest.filter(pl.Series(upper_bounds(rest, model) + BOUND_SLACK) >= bar)
    if more.height:
        done = pl.concat([done, costly(more)], how="diagonal_relaxed").sort("_r")
    return done


def _with_rule_ranks(feats: pl.DataFrame) -> pl.DataFrame:
    """``rule_score`` (with ``repeated``), ``rule_best`` (it is the page's best, ``_top`` where given, else the
    best of ``feats``, and ``rule_ok``) and ``rule_gap`` (how far below that best it scores, at most 10)."""
    feats = feats.with_columns(rule_score=_rule_score(pl.col("repeated")))
    top = pl.col("_top") if "_top" in feats.columns else pl.col("rule_score").max().over("_page")
    return feats.with_columns(rule_best=(pl.col("rule_score") == top) & pl.col("rule_ok"),
                              rule_gap=(pl.col("rule_score") - top).clip(lower_bound=-10.0))


_MOVED = ("repeated", "rule_score", "rule_best", "rule_gap")
"""The features a candidate's repetition moves (``upper_bounds``)."""


def fixed_terms(model: dict[str, Any]) -> pl.Expr:
    """The sum of the score's terms of the features that are neither ``COSTLY`` nor moved by the repetition
    count (``upper_bounds`` adds the others and the constants)."""
    weights = {f: float(w) / float(s) for f, w, s in zip(FEATURES, model["weights"], model["scale"], strict=True)}
    return pl.sum_horizontal([pl.col(f).cast(pl.Float64) * weights[f] for f in FEATURES
                              if f not in COSTLY and f not in _MOVED and weights[f]])


def upper_bounds(feats: pl.DataFrame, model: dict[str, Any]) -> np.ndarray:
    """An upper bound of the ranker's score of each candidate of ``feats`` (``candidate_features``' rows
    before the ``COSTLY`` features: the others, ``_rs_lo`` and ``_rs_hi``, its rule score without and with the
    repetition bonus, ``_top``, its page's best rule score; a lower bound of that gives no bound but an
    order, as the first round of ``_pruned`` reads it; ``_fixed`` where given: ``fixed_terms``): each ``COSTLY``
    feature at the end of its range that its weight favours, the repetition count and the rule features it
    moves (``rule_score``, ``rule_best``, ``rule_gap``) at the better of their two joint values (not
    repeated: the rule score without the bonus; repeated: with it). The score is linear in each feature:
    a weight times a standardised feature is a constant times the feature plus a constant."""
    weights = {f: float(w) / float(s) for f, w, s in zip(FEATURES, model["weights"], model["scale"], strict=True)}
    offset = float(model.get("bias", 0.0)) - float(
        np.dot(model["weights"], np.asarray(model["mean"]) / np.asarray(model["scale"])))
    for f in COSTLY:
        if f != "repeated":
            low, high = COSTLY_RANGES.get(f, (0.0, 1.0))
            offset += max(weights[f] * low, weights[f] * high)
    low, high = COSTLY_RANGES["repeated"]
    top, ok = pl.col("_top"), pl.col("rule_ok")

    def moved(rule: pl.Expr, repeated: float) -> pl.Expr:
        return (weights["repeated"] * repeated + weights["rule_score"] * rule
                + weights["rule_best"] * ((rule == top) & ok).cast(pl.Float64)
                + weights["rule_gap"] * (rule - top).clip(-10.0, 0.0))

    terms = pl.col("_fixed") if "_fixed" in feats.columns else fixed_terms(model)
    bound = (terms + offset
             + pl.max_horizontal(moved(pl.col("_rs_lo"), low),
                                 moved(pl.col("_rs_hi"), max(high * (weights["repeated"] > 0), 1.0))))
    bounds: np.ndarray = feats.select(bound).to_series().to_numpy()
    return bounds


def _within_page(expr: pl.Expr, shift: int) -> pl.Expr:
    """``expr`` of the line ``shift`` rows away (0: the value itself) where that line is on the same page,
    else null. Rows are lines sorted by page and line; a rolling ``expr`` may mix pages only within
    ``NEIGHBOURS`` lines of a page's first or last near line, which no candidate is."""
    if shift == 0:
        return expr
    return pl.when(pl.col(_same_page(shift))).then(expr.shift(shift))


def _same_page(shift: int) -> str:
    """The column that tells whether the line ``shift`` rows away is on the same page (``_same_pages``)."""
    return f"_same_{'up' if shift > 0 else 'down'}{abs(shift)}"


def _same_pages() -> list[pl.Expr]:
    """The ``_same_page`` columns of the row offsets up to ``NEIGHBOURS`` either way (computed once, read by
    every ``_within_page``). Reads ``_page``."""
    return [(pl.col("_page").shift(k) == pl.col("_page")).fill_null(value=False).alias(_same_page(k))
            for k in _OFFSETS]


_OFFSETS = tuple(k for d in range(1, NEIGHBOURS + 1) for k in (d, -d))
"""Row offsets of a line's neighbours: positive above it, negative below."""


def _near_relations(near: pl.DataFrame, cands: pl.DataFrame) -> pl.DataFrame:
    """How each candidate relates to the kept lines up to ``NEIGHBOURS`` away:
    ``holds_near`` (it starts or ends with a shorter such line of 8+ characters: a kicker glued to a
    headline), ``held_near`` (a longer such line starts or ends with it), ``twin_first`` and
    ``twin_second`` (a line below, or above, has the same letters and digits but other text: a headline
    printed twice, once with its punctuation). Computed over (candidate, neighbour) pairs, the neighbour
    taken from ``near`` (``_r``, ``_page``, ``text``, ``strip_rule``) by row; pairs are chosen on the
    neighbour's page, rule and length before any text is read, and letters are compared only for pairs
    of near equal length. Returns the four flags, one row per candidate (in the order of ``cands``)."""
    other = pl.col("_o")
    rows = cands["_r"].cast(pl.Int64)
    n = near.height
    near_page = near["_page"]
    near_chars = near["text"].str.len_chars()
    near_ok = near["strip_rule"].is_null() & (near_chars >= 8)
    parts = []
    for k in _OFFSETS:
        at = (rows - k).clip(0, n - 1)
        keep = (rows - k).is_between(0, n - 1) & (near_page.gather(at) == cands["_page"]) & near_ok.gather(at)
        which = keep.arg_true()
        parts.append(pl.DataFrame({"_c": which, "_at": at.gather(which),
                                   "_above": pl.repeat(k > 0, which.len(), eager=True)}))
    chosen = pl.concat(parts)
    pairs = pl.DataFrame({"_c": chosen["_c"], "_at": chosen["_at"], "text": cands["text"].gather(chosen["_c"]),
                          "_o": near["text"].gather(chosen["_at"]), "_above": chosen["_above"]})

    def key(e: pl.Expr) -> pl.Expr:
        return e.str.to_lowercase().str.replace_all(r"[^\w]+", "")

    # the lengths of both lines of each pair decide which texts are compared at all: the neighbour as a part
    # of the candidate where it is shorter, the candidate as a part of it where it is longer
    lengths = near_chars.cast(pl.Int64).to_numpy()
    mine_chars = lengths[rows.to_numpy()[chosen["_c"].to_numpy()]]
    their_chars = lengths[chosen["_at"].to_numpy()]
    shorter = pairs.filter(pl.Series(their_chars < mine_chars))
    longer = pairs.filter(pl.Series((their_chars > mine_chars) & (mine_chars >= 8)))
    holds = shorter["_c"].filter(shorter.select(_TEXT.str.ends_with(other) | _TEXT.str.starts_with(other)).to_series())
    held = longer["_c"].filter(longer.select(other.str.ends_with(_TEXT) | other.str.starts_with(_TEXT)).to_series())
    # letters are compared on the close pairs only, each line's letters taken once
    close_pairs = pairs.filter(pl.Series((np.abs(their_chars - mine_chars) <= 6) & (mine_chars >= 8)))
    close_pairs = close_pairs.filter(other != _TEXT)
    mine, theirs = cands["_r"].cast(pl.Int64).gather(close_pairs["_c"]).to_numpy(), close_pairs["_at"].to_numpy()
    keyed = np.unique(np.concatenate([mine, theirs]))
    keys = near["text"].gather(keyed).to_frame().select(key(_TEXT)).to_series()
    same = keys.gather(np.searchsorted(keyed, mine)) == keys.gather(np.searchsorted(keyed, theirs))
    twins = close_pairs.filter(same)
    size = cands.height

    def any_of(index: pl.Series) -> pl.Series:
        return pl.Series(np.bincount(index.to_numpy(), minlength=size) > 0)

    return pl.DataFrame({
        "holds_near": any_of(holds),
        "held_near": any_of(held),
        "twin_first": any_of(twins["_c"].filter(~twins["_above"])),
        "twin_second": any_of(twins["_c"].filter(twins["_above"])),
    })


_RULE_OK = (
    pl.col("f_count").is_null() & ~pl.col("f_has_date") & (_WORDS >= 2) & _CHARS.is_between(8, MAX_CHARS)
    & ~pl.col("ends_cut") & ~pl.col("separator") & ~pl.col("odd_start")
)
"""The hand-written rules' headline filter: no date, 2+ words, 8+ characters, not cut off, no separator."""


def _rule_score(repeated: pl.Expr) -> pl.Expr:
    """The hand-written headline score (the ranker takes it as one feature among the others): shape
    points, less 0.4 per kept line and 0.05 per line between the line and the body; -10 where
    ``rule_ok`` fails. Reads the shape feature columns, ``_kept``, ``_i``, ``_lo``, ``_key`` (the lower-cased
    text); ``repeated`` gives the line's repetition count (a bonus where it is above 0)."""
    f = pl.col
    bonus = pl.when(f("hinted")).then(5.0).when(repeated > 0).then(1.5).otherwise(0.0)
    score = (
        2.0 - 0.4 * f("_kept") - 0.05 * (f("_lo") - f("_i")).clip(lower_bound=0)
        + bonus
        + pl.when(f("words_4_14")).then(3.0).when(f("words_15_20")).then(2.0).when(f("words_over_25")).then(-2.0)
        .otherwise(0.0)
        - 2.0 * f("starts_lower").cast(pl.Float64) - 3.0 * (f("_key") == _TEXT).cast(pl.Float64)
        - 3.0 * f("two_sentences").cast(pl.Float64) - 2.5 * f("person_name").cast(pl.Float64)
        - pl.when(f("prose") | (f("ends_period") & (_WORDS > 15))).then(3.0).when(f("ends_period")).then(1.5)
        .otherwise(0.0)
    )
    return pl.when(f("rule_ok")).then(score.clip(lower_bound=-10.0)).otherwise(-10.0)


@cache
def load_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    """The ranker's weights (``weights``: feature -> weight, ``mean``, ``scale``, ``threshold``)."""
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if tuple(model["features"]) != FEATURES:
        raise ValueError(f"{path}: the model's features differ from FEATURES; retrain it (make train)")
    return model


def candidate_scores(feats: pl.DataFrame, model: dict[str, Any]) -> np.ndarray:
    """The ranker's score of each candidate row (one matrix product over all candidates)."""
    x = feats.select(FEATURES).to_numpy().astype(np.float64)
    x = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    scores: np.ndarray = x @ np.asarray(model["weights"]) + float(model.get("bias", 0.0))
    return scores


def rank_titles(feats: pl.DataFrame, model: dict[str, Any] | None = None) -> pl.DataFrame:
    """Per page, the candidate line with the best score (the nearest to the body of equals), when it
    scores above the model's threshold.

    Args:
        feats: ``candidate_features`` output.
        model: weights as ``load_model`` gives them (the shipped model by default).

    Returns:
        ``_page``, ``_title`` (the line of the title).
    """
    if feats.height == 0:
        return pl.DataFrame(schema={"_page": pl.UInt32, "_title": pl.Int32})
    model = model or load_model()
    scored = feats.select("_page", "_i", _score=pl.Series(candidate_scores(feats, model)))
    best = scored.filter((pl.col("_score") == pl.col("_score").max().over("_page"))
                         & (pl.col("_score") > float(model["threshold"])))
    return best.group_by("_page", maintain_order=True).agg(_title=pl.col("_i").max())
