"""Quality signals of article bodies and comment texts, as one ``signals`` struct column.

Reads a text column (``body``, ``text``) and ``language``; adds ``signals`` (``SIGNALS`` in
``schemas/common.py``), every field computed by polars expressions over the whole batch:

- ``n_words``: words (a word cut by the ``SAMPLE_CHARS`` boundary counts twice). A word is a run of
  letters, digits and marks (with inner ``'`` or ``-``) in
  scripts written with spaces; in Chinese, Japanese kana and Thai, Lao, Khmer and Myanmar script,
  which are written without spaces, each letter counts as one word (the convention of word
  processors for East Asian text: it over-counts Thai, whose words run to several letters).
- ``mean_word_length``: characters per word (letters, digits, marks and inner ``'`` or ``-``), in the
  first ``SAMPLE_CHARS`` characters; null without words.
- ``upper_share``: upper-case letters over the characters of the words, in the first ``SAMPLE_CHARS``
  characters; null without words.
- ``symbol_share``: characters that are neither letters, marks, digits nor white space (punctuation,
  symbols, emoji) over all characters; null for an empty text.
- ``dup_line_share``: non-blank lines (paragraphs) that repeat an earlier line of the same text,
  over non-blank lines.
- ``n_urls``: ``http(s)://`` and ``www.`` links.
- ``stopword_share``: words that are stop words of ``language`` over words, in the first
  ``SAMPLE_CHARS`` characters; null for ``und``
  and for languages without a list (in unspaced scripts only one-letter stop words can count). The
  lists are those of the ``stop-words`` package (installed with corpusflow, no download), which
  covers 33 languages.
"""

from __future__ import annotations

import functools

import polars as pl
import pyarrow as pa
import stop_words

from schemas.common import SIGNALS
from schemas.validate import polars_schema
from tasks.extract.words import SPACELESS

UNSPACED = SPACELESS
"""Letters of scripts written without spaces between words (``tasks.extract.words.SPACELESS``): here each counts
as a word (a signal measures text, where ``count_words`` weighs lines for the parser)."""

WORD = (rf"[{UNSPACED}--\p{{M}}]"
        rf"|[\p{{L}}\p{{N}}\p{{M}}--{UNSPACED}]+(?:['’\-][\p{{L}}\p{{N}}\p{{M}}--{UNSPACED}]+)*")
"""One word: a letter of an unspaced script, or a run of letters, digits and marks of any other."""

URL = r"(?i)\b(?:https?://|www\.)\S+"
SAMPLE_CHARS = 2000
"""``mean_word_length``, ``upper_share`` and ``stopword_share`` are measured on the first SAMPLE_CHARS
characters of a text (all of nearly every comment; the opening of a long body)."""


@functools.cache
def stopwords_of(language: str) -> tuple[str, ...]:
    """The stop words of ``language`` (ISO 639-1), lower case; empty without a list."""
    if language not in stop_words.LANGUAGE_MAPPING:
        return ()
    return tuple(sorted({w.strip().lower() for w in stop_words.get_stop_words(language) if w.strip()}))


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator).cast(pl.Float32)


def _stopword_counts(words: pl.DataFrame) -> pl.Series:
    """Stop words per row of ``_words`` (lower-case word lists) and ``language``: one lookup per language
    present in the batch; null for languages without a list."""
    rows = words.select("_words", pl.col("language").fill_null("und")).with_row_index("_row")
    parts = [rows.clear().select("_row", pl.lit(None, pl.UInt32).alias("_stop"))]
    for (language,), group in rows.partition_by("language", as_dict=True).items():
        listed = stopwords_of(str(language))
        count = (pl.col("_words").list.eval(pl.element().is_in(pl.lit(pl.Series(listed)).implode())).list.sum()
                 if listed else pl.lit(None))
        parts.append(group.select("_row", count.cast(pl.UInt32).alias("_stop")))
    return pl.concat(parts).sort("_row").get_column("_stop")


def add_signals(frame: pl.DataFrame, *, text_column: str) -> pl.DataFrame:
    """The same rows plus ``signals`` (a struct, fields as in the module docstring).

    Args:
        frame: rows with ``text_column`` (String) and ``language`` (ISO 639-1 or ``und``).
        text_column: the text measured (``body`` for articles, ``text`` for comments).
    """
    text = pl.col(text_column).fill_null("")
    head = text.str.head(SAMPLE_CHARS)
    lines = text.str.split("\n").list.eval(pl.element().str.strip_chars()).list.eval(pl.element().filter(
        pl.element() != ""))
    words = frame.select(head.str.to_lowercase().str.extract_all(WORD).alias("_words"), "language",
                         lines.alias("_lines"))
    stop = _stopword_counts(words)
    sampled, line_list = pl.col("_words"), pl.col("_lines")
    n_sampled = sampled.list.len()
    sampled_chars = sampled.list.eval(pl.element().str.len_chars()).list.sum()
    # Words are listed (lower case, for the stop words) in the first SAMPLE_CHARS characters only, and
    # counted beyond them (a word cut by that boundary counts twice); the shares of letters and words are
    # measured on the first SAMPLE_CHARS characters, which is enough for a share and bounds the cost of
    # long bodies; symbols and links are counted over the whole text (rare matches, cheap).
    signals = pl.struct(
        (n_sampled + text.str.slice(SAMPLE_CHARS).str.count_matches(WORD)).cast(pl.Int32).alias("n_words"),
        _ratio(sampled_chars, n_sampled).alias("mean_word_length"),
        _ratio(head.str.count_matches(r"[\p{Lu}\p{Lt}]"), sampled_chars).alias("upper_share"),
        _ratio(text.str.count_matches(r"[^\p{L}\p{M}\p{N}\s]"), text.str.len_chars()).alias("symbol_share"),
        _ratio(line_list.list.len() - line_list.list.n_unique(), line_list.list.len()).alias("dup_line_share"),
        text.str.count_matches(URL).cast(pl.Int32).alias("n_urls"),
        _ratio(pl.col("_stop"), n_sampled).alias("stopword_share"),
    )
    return (frame.with_columns(words.get_column("_words"), words.get_column("_lines"), stop.alias("_stop"))
            .with_columns(signals.cast(SIGNALS_DTYPE).alias("signals")).drop("_words", "_lines", "_stop"))


SIGNALS_DTYPE = polars_schema(pa.schema([pa.field("signals", SIGNALS)]))["signals"]
"""``SIGNALS`` as a polars dtype (derived from the arrow type, never restated)."""
