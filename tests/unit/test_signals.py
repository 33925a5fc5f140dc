"""The signals struct: word counts in spaced and unspaced scripts, shares, duplicates, stop words (issue 20)."""

from __future__ import annotations

import polars as pl
import pytest

from schemas.common import SIGNALS
from tasks.signals import SIGNALS_DTYPE, add_signals, stopwords_of


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
    assert row["upper_share"] == pytest.approx(5 / 41)  # 41 cased letters
    # 51 non-space characters, of which neither letters nor digits: "!!", "😀", "://", ".", "/", "." "." = 10
    assert row["symbol_share"] == pytest.approx(10 / 51)
    assert row["n_urls"] == 2
    assert row["mean_word_length"] == pytest.approx(sum(map(len, ["HELLO", "world", "see", "https", "a", "example",
                                                                   "x", "and", "www", "b", "example"])) / 11)


def test_duplicate_lines_and_3grams() -> None:
    text = "buy now buy now buy now\n\nbuy now buy now buy now\n\nsomething else"
    row = _signals([text], ["en"])[0]
    assert row["dup_line_share"] == pytest.approx(1 / 3)
    # 14 words, 12 trigrams, two distinct in the repeated lines plus a few at the joins
    words = text.lower().split()
    grams = [" ".join(words[i:i + 3]) for i in range(len(words) - 2)]
    assert row["dup_3gram_share"] == pytest.approx((len(grams) - len(set(grams))) / len(grams))
    assert _signals(["two words"], ["en"])[0]["dup_3gram_share"] is None


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
    assert row["mean_word_length"] is None and row["upper_share"] is None and row["symbol_share"] is None
    assert row["dup_line_share"] is None


def test_empty_frame() -> None:
    assert _signals([], []) == []
