"""Unit tests for author cleaning (both paths), the name-likeness test and the reconciliation of markup and
text-path authors."""

from __future__ import annotations

import polars as pl
import pytest

from tasks.extract.authors import (
    clean_authors,
    name_before_date,
    name_from_text,
    name_like,
    reconcile_authors,
    strip_badge,
    strip_shared_affixes,
    strip_shared_verb,
    unnamed_pages,
)

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


@pytest.mark.parametrize(
    ("raw", "clean"), [("Mathias Autor", "Mathias"), ("Jane ·", "Jane"), ("d'Artagnan", "d'Artagnan"), (None, None)]
)
def test_strip_badge(raw: str | None, clean: str | None) -> None:
    assert strip_badge(raw) == clean


def test_shared_frame_is_cut_from_authors_but_names_stay_whole() -> None:
    frame = pl.DataFrame({
        "page_id": ["a"] * 4 + ["b"] * 5 + ["c"] * 2,
        "author": ["Posted by: Ann", "Posted by: Bo Li", "Posted by: Cy", "Posted by: Dee | Friday",
                   "Ann said...", "Bo said...", "Cy said...", "Di said...", "Heather",
                   "Posted by: Ann", "Posted by: Bo"],  # two comments: too few to tell a frame from names
    })
    out = strip_shared_affixes(frame)["author"].to_list()
    assert out[:4] == ["Ann", "Bo Li", "Cy", "Dee"]
    assert out[4:9] == ["Ann", "Bo", "Cy", "Di", "Heather"]
    assert out[9:] == ["Posted by: Ann", "Posted by: Bo"]


def test_shared_first_name_is_not_a_frame() -> None:
    frame = pl.DataFrame({"page_id": ["a"] * 5,
                          "author": ["Anna", "Anna", "Anna", "Anna B", "Tom"]})
    assert strip_shared_affixes(frame)["author"].to_list() == ["Anna", "Anna", "Anna", "Anna B", "Tom"]


def test_glued_date_is_cut() -> None:
    frame = pl.DataFrame({"page_id": ["a"], "author": ["Skelly09-12-2012"]})
    assert strip_shared_affixes(frame)["author"].to_list() == ["Skelly"]


def test_marked_frame_is_cut_from_two_authors() -> None:
    frame = pl.DataFrame({
        "page_id": ["a"] * 2 + ["b"] * 2 + ["c"] * 2,
        "author": ["Posted by: Ann", "Posted by: Bo Li", "Ann said...", "Bo Li said...", "John Smith", "John Doe"],
    })
    out = strip_shared_affixes(frame, marked_pairs=True)["author"].to_list()
    assert out == ["Ann", "Bo Li", "Ann", "Bo Li", "John Smith", "John Doe"]  # a shared word without a mark stays


@pytest.mark.parametrize(("raw", "name"), [
    ("Jane on Tuesday, May 4, 2021 at 3:22 pm", "Jane"), ("Jane | Tuesday, May 4, 2021", "Jane"),
    ("#3 Jane schrieb:", "Jane"), ("Marc a dit :", "Marc"), ("Karl am 4. Mai 2021 um 12:30 Uhr", "Karl"),
    ("Jane | 12:30", "Jane"), ("Jane said on Monday", "Jane"), ("Jane Smith said...", "Jane Smith"),
    ("Anna 29.04.2023 12:30", "Anna"), ("Jane\n2 hours ago", "Jane"), ("Doe, Jane, May 4, 2021", "Doe, Jane"),
    ("7", "7"), ("x", "x"), ("12345 says:", "12345"), ("Agent 007", "Agent 007"), ("", None),
    ("Jean a écrit :", "Jean"), ("Ana escribió:", "Ana"), ("Piet schreef:", "Piet"), ("Ola skrev:", "Ola"),
    ("on 10/26/2012 at 12:49 PM said:", None), ("am 4. Mai 2021 um 12:30 Uhr", None), ("on", "on"),
    ("— Jane Doe", "Jane Doe"), ("~ 7", "7"), ("-thh", "-thh"), ("— 山田太郎", "山田太郎"), ("Иван said...", "Иван"),
])
def test_name_from_text_keeps_the_name_only(raw: str, name: str | None) -> None:
    assert name_from_text(raw) == name


@pytest.mark.parametrize(("raw", "name"), [
    ("DG\nDan Garner · 3 hours ago", "Dan Garner"), ("P\nphotobix", "photobix"), ("ÉM\nÉmile Martin", "Émile Martin"),
    # not initials over their name: kept as the first line
    ("JD\nRandom Words Here", "JD"), ("5\n5 Kommentare", "5"), ("Anna\nAnna Smith", "Anna"), ("dg\nDan Garner", "dg"),
])
def test_name_from_text_passes_over_a_letter_avatar(raw: str, name: str) -> None:
    assert name_from_text(raw) == name


def test_strip_shared_verb_cuts_a_wrote_word_names_share() -> None:
    frame = pl.DataFrame({"page_id": ["a"] * 4 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2,
                          "author": ["Julia rašė", "Ela rašė", "Deb Wess rašė", "Ela rašė",
                                     "Darya Pino", "Darya Pino", "Darya Pino", "Jo Pino",  # a surname: capitalised
                                     "Ann ha commentato", "Bo ha commentato", "Ann ha commentato",  # two names only
                                     "Cy kirjutas", "Di kirjutas"]})  # too few authors
    out = strip_shared_verb(frame)
    assert out.columns == frame.columns
    assert out["author"].to_list() == ["Julia", "Ela", "Deb Wess", "Ela", "Darya Pino", "Darya Pino", "Darya Pino",
                                       "Jo Pino", "Ann ha commentato", "Bo ha commentato", "Ann ha commentato",
                                       "Cy kirjutas", "Di kirjutas"]
    one_reader = pl.DataFrame({"page_id": ["e"] * 4, "author": ["darya pino", "darya pino", "darya pino", "jo pino"]})
    assert strip_shared_verb(one_reader)["author"].to_list() == one_reader["author"].to_list()  # one reader, one name
    mixed = pl.DataFrame({"page_id": ["f"] * 5, "author": ["Ann rašė", "Bo rašė", "Cy rašė", "Di", "Ed"]})
    assert strip_shared_verb(mixed)["author"].to_list() == mixed["author"].to_list()  # not most of the page's


def test_clean_authors_cuts_frames_only_from_header_lines() -> None:
    frame = pl.DataFrame({"page_id": ["a"] * 3 + ["b"] * 3,
                          "author": ["Ann said...", "Bo said...", "Cy said...", "-thh", "Mathias Autor", "7"]})
    assert clean_authors(frame)["author"].to_list()[:3] == ["Ann", "Bo", "Cy"]
    # markup authors are names already: a leading mark stays, a role badge goes, a numeric name is kept
    assert clean_authors(frame, frames=False)["author"].to_list()[3:] == ["-thh", "Mathias", "7"]


@pytest.mark.parametrize(("head", "name"), [
    ("Beth on ", "Beth"), ("Gregg N. on ", "Gregg N."), ("Josef Franz Lindner, Do ", "Josef Franz Lindner"),
    ("Jane | Tuesday, ", "Jane"), ("Doe, Jane, ", "Doe, Jane"), ("42 ", "42"),
])
def test_name_before_date_cuts_what_joins_name_and_date(head: str, name: str) -> None:
    assert name_before_date(head) == name


@pytest.mark.parametrize(("raw", "name"), [
    ("martinealison said...", "martinealison"), ("Jane schrieb:", "Jane"), ("Иван написал…", "Иван"),
    ("Simon Says", "Simon Says"), ("7 said...", "7"), ("said...", "said..."), ("Mathias Autor", "Mathias"),
    ("mike...", "mike"), ("Jane…", "Jane"), ("so what....", "so what...."),
])
def test_strip_badge_cuts_a_said_frame_on_a_lone_author(raw: str, name: str) -> None:
    """Issue 17: a "NAME said..." header read by the text path on a page of one or two comments (too few to
    show a shared frame) gives the name alone; a "says" word without its mark is part of the name."""
    assert strip_badge(raw) == name


@pytest.mark.parametrize(("text", "want"), [
    ("says:", True), ("schrieb:", True), ("on", True), ("on Tuesday,", True),
    ("Jane", False), ("Jane says:", False), ("sizzle", False), ("7", False),
])
def test_frame_only(text: str, want: bool) -> None:
    """A "says" word or a date's connector alone is a head's frame, the name on the line above; a name is not."""
    from tasks.extract.authors import frame_only

    assert frame_only(text) is want


@pytest.mark.parametrize(("text", "name"), [
    ("@jane_d Jane Doe", "Jane Doe"), ("@jane_d · Jane Doe", "Jane Doe"), ("@k829 6rings", "6rings"),
    ("Kris @Krazy_Kris", "Kris @Krazy_Kris"), ("@kpeterlka", "@kpeterlka"),
    ("@kpeterlka 11. Dezember 2012 um 14:11", "@kpeterlka"),
])
def test_name_from_text_takes_the_display_name_after_a_handle(text: str, name: str) -> None:
    """A handle before the display name is not the name; a handle alone, or after the name, stays."""
    from tasks.extract.authors import name_from_text

    assert name_from_text(text) == name


def test_initials_only_are_name_like() -> None:
    """Initials with their dots ("G.M.", "J.R.R.") are a name, as "Anna K." is; a sentence is not."""
    frame = pl.DataFrame({"author": ["G.M.", "J.R.R.", "Anna K.", "I liked this one."]})
    assert frame.select(name_like(pl.col("author")))["author"].to_list() == [True, True, True, False]
