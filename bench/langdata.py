"""Labelled texts for measuring language detection, built from pages of known language.

Articles are title + "\\n" + body of each page, labelled with the page's language. Short texts are
sentences of the article bodies, cut at a word boundary to comment lengths (10-30, 30-80 and 80-200
characters) and labelled with the page's language.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

LENGTH_CLASSES: dict[str, tuple[int, int]] = {
    "comments_10_30": (10, 30),
    "comments_30_80": (30, 80),
    "comments_80_200": (80, 200),
}
"""Short-text classes: name -> (shortest, longest) length in characters, both inclusive."""

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus-dev"
"""Where the dev pages live beside the repository."""


def split_sentences(body: str) -> list[str]:
    """Return the non-blank sentences of a text (split after . ! ? … and at line breaks)."""
    return [s.strip() for s in _SENTENCE_END.split(body) if s.strip()]


def cut_fragment(sentence: str, shortest: int, longest: int) -> str | None:
    """Return a prefix of ``sentence`` cut at a word boundary to a length in [shortest, longest].

    The target length is chosen from a stable hash of the sentence, so fragments spread over the
    whole class and are the same on every run. None when no such prefix exists.
    """
    if len(sentence) < shortest:
        return None
    if len(sentence) <= longest and zlib.crc32(sentence.encode()) % 2 == 0:
        return sentence
    target = shortest + zlib.crc32(sentence.encode()) % (longest - shortest + 1)
    cut = sentence[: target + 1]
    space = cut.rfind(" ")
    fragment = (cut[:space] if space > 0 and len(cut) > target else cut[:target]).strip()
    return fragment if shortest <= len(fragment) <= longest else None


def fragments(sentences: Mapping[str, Iterable[str]], *, per_language: int | None = None) -> pl.DataFrame:
    """Cut labelled sentences into the short-text classes.

    Args:
        sentences: language -> sentences in that language.
        per_language: keep at most this many fragments per language and class (None: all).

    Returns:
        A frame with ``text``, ``label`` (ISO 639-1) and ``length_class``.
    """
    rows: list[dict[str, str]] = []
    for name, (shortest, longest) in LENGTH_CLASSES.items():
        for language, texts in sentences.items():
            kept = 0
            for sentence in texts:
                fragment = cut_fragment(sentence, shortest, longest)
                if fragment is None:
                    continue
                rows.append({"text": fragment, "label": language, "length_class": name})
                kept += 1
                if per_language is not None and kept >= per_language:
                    break
    return pl.DataFrame(rows, schema={"text": pl.String, "label": pl.String, "length_class": pl.String})


def load_pages(corpus: Path = DEFAULT_CORPUS) -> list[dict[str, str]]:
    """Read ``name``, ``language``, ``title`` and ``body`` of every ``*.truth.json`` page."""
    pages = []
    for path in sorted(corpus.glob("*.truth.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        pages.append(
            {
                "name": path.name.removesuffix(".truth.json"),
                "language": truth["language"],
                "title": truth.get("title") or "",
                "body": truth.get("body") or "",
            }
        )
    return pages


def articles(pages: Iterable[Mapping[str, str]]) -> pl.DataFrame:
    """Return ``text`` (title + "\\n" + body), ``label`` and ``length_class`` ('articles') per page."""
    rows = [
        {"text": f"{p['title']}\n{p['body']}", "label": p["language"], "length_class": "articles"} for p in pages
    ]
    return pl.DataFrame(rows, schema={"text": pl.String, "label": pl.String, "length_class": pl.String})


def sentences_by_language(pages: Iterable[Mapping[str, str]]) -> dict[str, list[str]]:
    """Return language -> the body sentences of all pages in that language, in page order."""
    out: dict[str, list[str]] = {}
    for page in pages:
        out.setdefault(page["language"], []).extend(split_sentences(page["body"]))
    return out


def labelled_set(corpus: Path = DEFAULT_CORPUS) -> pl.DataFrame:
    """Return articles and short-text fragments of the dev pages with ``text``, ``label``, ``length_class``."""
    pages = load_pages(corpus)
    return pl.concat([articles(pages), fragments(sentences_by_language(pages))])


def fixture(
    pages: Iterable[Mapping[str, str]], *, per_language: int = 150, article_chars: int = 1500
) -> dict[str, object]:
    """Return a small labelled sample for the unit tests.

    Sentences are taken in turn from each page of a language; articles are the first
    ``article_chars`` characters of up to two pages per language.
    """
    by_page: dict[str, list[list[str]]] = {}
    heads: dict[str, list[str]] = {}
    for page in pages:
        by_page.setdefault(page["language"], []).append(split_sentences(page["body"]))
        if len(heads.setdefault(page["language"], [])) < 2:
            heads[page["language"]].append(f"{page['title']}\n{page['body']}"[:article_chars])
    sentences: dict[str, list[str]] = {}
    for language, lists in by_page.items():
        picked: list[str] = []
        for i in range(max(len(s) for s in lists)):
            picked.extend(s[i] for s in lists if i < len(s))
        sentences[language] = picked[:per_language]
    return {"sentences": sentences, "articles": heads}


def main() -> None:
    """Write the unit-test fixture ``tests/fixtures/langid/labelled.json`` from the dev pages."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=Path("tests/fixtures/langid/labelled.json"))
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = fixture(load_pages(args.corpus))
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
