"""Unit tests for the name-likeness test and the reconciliation of markup and text-path authors."""

from __future__ import annotations

import polars as pl
import pytest

from tasks.extract.authors import name_like, reconcile_authors, unnamed_pages

TEXTS = ["The tram will help a lot of commuters in the north.", "Too expensive for what it gives us.",
         "We waited twenty years for this line, finally!", "Will the buses stop running once it opens?"]


@pytest.mark.parametrize(("author", "ok"), [
    ("Anna K.", True), ("bob1984", True), ("663534 (Profil gelöscht)", True), ("Dana from Leeds", True),
    ("EM", False), ("M", False),  # initials only: an avatar's, or a one-letter name (checked, not dropped)
    ("Jon 12:30", False), ("Anna 29.04.2023", False), ("March 4, 2021", False),
    ("I think you are right about this.", False), ("", False), (None, False),
    ("one two three four five six seven", False),
])
def test_name_like(author: str | None, ok: bool) -> None:
    frame = pl.DataFrame({"author": [author]}, schema={"author": pl.String})
    assert frame.select(name_like(pl.col("author")))[0, 0] is ok


def _comments(page: str, authors: list[str | None], texts: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"page_id": [page] * len(authors), "position": list(range(len(authors))),
                         "author": authors, "text": texts},
                        schema={"page_id": pl.String, "position": pl.Int32, "author": pl.String, "text": pl.String})


def test_unnamed_pages() -> None:
    frame = pl.concat([
        _comments("initials", ["EM", "6G", "Magnus_15", "Anna"], TEXTS),
        _comments("label", ["Reply"] * 4, TEXTS),  # one label heads every comment
        _comments("names", ["EM", "Bob", "Magnus_15", "Anna"], TEXTS),  # one initials-only name in four
    ])
    assert sorted(unnamed_pages(frame)["page_id"].to_list()) == ["initials", "label"]


def test_text_path_names_replace_unnamed_markup_authors() -> None:
    markup = _comments("p", ["EM", "6G", "Magnus_15", "Q"], TEXTS)
    # the text path finds three of the comments (one text cut short), in page order
    text = _comments("p", ["Elon Musk", "Profil 663534", "Magnus", "Q"],
                     [TEXTS[0], TEXTS[1][:20], TEXTS[2], TEXTS[3]])
    out = reconcile_authors(markup, text)["author"].to_list()
    # a name-like markup author stays; a text-path author that is no name does not replace one
    assert out == ["Elon Musk", "Profil 663534", "Magnus_15", "Q"]


def test_unaligned_comments_keep_their_markup_authors() -> None:
    markup = _comments("p", ["EM", "6G"], TEXTS[:2])
    text = _comments("p", ["Elon Musk", "Someone"], ["An unrelated line of the page.", "Another one here."])
    assert reconcile_authors(markup, text)["author"].to_list() == ["EM", "6G"]


def test_a_text_reading_that_misses_the_thread_is_not_taken() -> None:
    # the text path read the page's chrome as a thread and lines up with one comment of three only
    markup = _comments("p", ["EM", "6G", "M"], TEXTS[:3])
    text = _comments("p", ["Newest / Oldest", "Log in", "Log in"],
                     ["Comments are closed under this article.", TEXTS[1], "You are logged in."])
    assert reconcile_authors(markup, text)["author"].to_list() == ["EM", "6G", "M"]
