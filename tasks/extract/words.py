"""Word counts that work for scripts written without spaces (Chinese, Japanese, Thai, ...).

Counting runs of non-space characters gives a Japanese or Chinese paragraph of 150 characters one or
two "words", so no such line weighs as prose and a page can lose its article. ``count_words`` counts
letters of the scripts that do not separate words by spaces (Han, Hiragana, Katakana, Thai, Lao,
Khmer, Myanmar) at ``SPACELESS_CHARS_PER_WORD`` characters a word, and every other run of non-space
characters as one word, as ``str.split`` does. Korean (Hangul) separates its words by spaces and is
counted as other spaced scripts are. CJK punctuation (the ideographic comma and full stop, corner
brackets, full-width forms of ASCII punctuation) separates words and counts as none, as spaces do.

On text without those characters ``count_words`` equals Python's ``len(s.split())`` (\\x1c-\\x1f,
which ``str.split`` takes for white space and the regex ``\\s`` does not, separate words too).
"""

from __future__ import annotations

import polars as pl

SPACELESS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\x{30FC}"
"""Letters of scripts written without spaces between words (U+30FC: the katakana length mark)."""
CJK_PUNCTUATION = r"\x{3000}-\x{303F}\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF20}\x{FF3B}-\x{FF40}\x{FF5B}-\x{FF65}"
"""CJK symbols and punctuation, and full-width punctuation: word separators in spaceless text."""
SPACELESS_CHARS_PER_WORD = 2
"""Spaceless letters per word: Chinese words average 1.5-2 characters, Japanese ones about 2 (with
kana endings), Thai syllables 2-3 letters; 2 makes a 100-character paragraph weigh like 50 words."""

_SPACED_WORD = rf"[^\s\x1c-\x1f{SPACELESS}{CJK_PUNCTUATION}]+"
_SPACELESS_CHAR = rf"[{SPACELESS}]"
_IRREGULAR = rf"[[\s\x1c-\x1f{SPACELESS}{CJK_PUNCTUATION}]--[ ]]|  |^ | $"
"""Texts whose words are not their spaces plus one: a separator other than a space (white space, a spaceless
letter, CJK punctuation), two spaces in a row, or a space at either end."""


def count_words(text: pl.Expr) -> pl.Expr:
    """Expression: the words of a text, spaceless letters counted ``SPACELESS_CHARS_PER_WORD`` to a word
    (rounded up per text), other words as runs between spaces (UInt32)."""
    spaceless = text.str.count_matches(_SPACELESS_CHAR)
    per = SPACELESS_CHARS_PER_WORD
    return text.str.count_matches(_SPACED_WORD) + (spaceless + (per - 1)) // per


def with_word_counts(frame: pl.DataFrame, column: str, out: str) -> pl.DataFrame:
    """``frame`` plus ``out``: ``count_words`` of ``column`` (the same values, for less work).

    Most lines are words with single spaces between them: their words are their spaces plus one, and a
    count of a literal byte costs far less than a count of regex matches. ``count_words`` runs only on the
    other rows (``_IRREGULAR``: any separator but a lone inner space, so also every row with a spaceless
    letter).
    """
    text = pl.col(column)
    # the regex " " counts the same spaces as the literal and costs polars 2.1 some 40% less
    frame = frame.with_columns(
        (text.str.count_matches(" ") + (text.str.len_bytes() > 0).cast(pl.UInt32)).alias(out))
    irregular = frame.select(text.str.contains(_IRREGULAR)).to_series().arg_true()
    if irregular.len() == 0:
        return frame
    counts = frame[column].gather(irregular).to_frame().select(count_words(text)).to_series()
    return frame.with_columns(frame[out].clone().scatter(irregular, counts))
