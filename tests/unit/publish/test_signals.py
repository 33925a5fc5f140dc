"""The signals struct: word counts in spaced and unspaced scripts, shares, duplicates, stop words (issue 20)."""

from __future__ import annotations

import polars as pl
import pytest

from schemas.common import SIGNALS
from tasks.publish.signals import SIGNALS_DTYPE, add_signals, stopwords_of


def _signals(texts: list[str | None], languages: list[str | None]) -> list[dict]:
    frame = pl.DataFrame({"text": texts, "language": languages}, schema={"text": pl.String, "language": pl.String})
    out = add_signals(frame, text_column="text")
    assert out.schema["signals"] == SIGNALS_DTYPE
    assert out.columns == ["text", "language", "signals"]
    return out.get_column("signals").to_list()


def test_dtype_is_the_declared_struct() -> None:
    assert [f.name for f in SIGNALS] == list(SIGNALS_DTYPE.to_schema())  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "language", "n_words"), [
    ("The cat's well-known toy.", "en", 4),
    ("Der Hund und die Katze", "de", 5),
    ("日本語のテキストです", "ja", 10),          # kana and Han: a word per letter
    ("我们今天去北京", "zh", 7),
    ("ภาษาไทย", "th", 7),                      # Thai: a word per letter
    ("ที่นี่", "th", 2),                          # ... its tone and vowel marks are no letters
    ("Tokyo 東京 2024", "en", 4),
    ("मुझसे संपर्क करें", "hi", 3),              # Devanagari marks stay inside their word
    ("", "und", 0),
    (None, None, 0),
])
def test_word_count(text: str | None, language: str | None, n_words: int) -> None:
    assert _signals([text], [language])[0]["n_words"] == n_words


def test_shares_and_counts() -> None:
    row = _signals(["HELLO world!! 😀 see https://a.example/x and www.b.example"], ["en"])[0]
    assert row["upper_share"] == pytest.approx(5 / 41)  # 41 characters in words
    # neither letters nor digits nor white space: "!!", "😀", "://", ".", "/", "." "." = 10
    text = "HELLO world!! 😀 see https://a.example/x and www.b.example"
    assert row["symbol_share"] == pytest.approx(10 / len(text))
    assert row["n_urls"] == 2
    assert row["mean_word_length"] == pytest.approx(sum(map(len, ["HELLO", "world", "see", "https", "a", "example",
                                                                   "x", "and", "www", "b", "example"])) / 11)


def test_duplicate_lines() -> None:
    text = "buy now buy now\n\nbuy now buy now\n  buy now buy now  \n\nsomething else"
    assert _signals([text], ["en"])[0]["dup_line_share"] == pytest.approx(2 / 4)
    assert _signals(["one line"], ["en"])[0]["dup_line_share"] == 0.0


def test_stopword_share_uses_the_detected_language() -> None:
    en, de, und, xx = _signals(["the cat and the dog", "der Hund und die Katze", "the cat", "the cat"],
                               ["en", "de", "und", "xx"])
    assert en["stopword_share"] == pytest.approx(3 / 5)
    assert de["stopword_share"] == pytest.approx(3 / 5)
    assert und["stopword_share"] is None and xx["stopword_share"] is None
    assert "the" in stopwords_of("en") and "und" in stopwords_of("de") and stopwords_of("und") == ()


def test_blank_text_gives_nulls_not_errors() -> None:
    row = _signals(["   "], ["und"])[0]
    assert row["n_words"] == 0 and row["n_urls"] == 0
    assert row["mean_word_length"] is None and row["upper_share"] is None and row["dup_line_share"] is None
    assert row["symbol_share"] == 0.0
    assert _signals([""], ["und"])[0]["symbol_share"] is None


def test_empty_frame() -> None:
    assert _signals([], []) == []


def test_long_text_counts_every_word_and_samples_the_shares() -> None:
    """Words are counted over the whole text; shares over its first SAMPLE_CHARS characters."""
    from tasks.publish.signals import SAMPLE_CHARS

    text = "the dog " * SAMPLE_CHARS + "BARK " * 100  # 8 characters a pair: the cut falls between words
    row = _signals([text], ["en"])[0]
    assert row["n_words"] == 2 * SAMPLE_CHARS + 100
    assert row["stopword_share"] == pytest.approx(0.5)
    assert row["upper_share"] == 0.0  # the capitals stand beyond the sample
    assert row["dup_line_share"] == 0.0
