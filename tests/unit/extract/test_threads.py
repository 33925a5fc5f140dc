"""Unit tests for thread acceptance (``tasks.extract.threads``): each rule on a tiny page."""

from __future__ import annotations

import itertools

import polars as pl

from tasks.extract.parse import (
    _choose_authors,
    _Comment,
    _name_heads,
    _Page,
    _reads_as_thread,
    _said,
    _stated,
    _trailing_footer,
    _voted_layout,
    _widget_label,
)
from tasks.extract.threads import (
    accept_thread,
    count_agrees,
    layout_votes,
    name_word,
    own_texts,
    reader_sentences,
    sectioned_article,
    titled_headers,
    titled_lines,
)


def _page(n: int, *, sentence: set[int] = frozenset(), prose: set[int] = frozenset(),
          headers: set[int] = frozenset()) -> _Page:
    return _Page(text=list(range(n)), rule=[None] * n, date=[False] * n, meta=[False] * n,
                 name_like=[False] * n, count=[None] * n, heading=[False] * n, numeric=[False] * n,
                 prose=[i in prose for i in range(n)], sentence=[i in sentence for i in range(n)],
                 headers=dict.fromkeys(sorted(headers), "says"), dates=[], counts=[], sections=[],
                 titled=[False] * n)


def _pairs(k: int) -> list[_Comment]:
    """``k`` comments, each an author line (even line) and one text line (odd line)."""
    return [_Comment(author=2 * j, text=[2 * j + 1]) for j in range(k)]


def test_no_thread_is_accepted() -> None:
    assert accept_thread(_page(3), [])


def test_header_lines_are_not_reader_sentences() -> None:
    # a skeleton: each "text" is the next comment's "NAME says:" header, which ends like a sentence
    page = _page(8, sentence={1, 3, 5, 7}, prose=set(), headers={0, 1, 2, 3, 4, 5, 6, 7})
    assert reader_sentences(page, _pairs(4)) == 0
    assert not accept_thread(page, _pairs(4))


def test_a_stated_count_equal_to_the_thread_stands_for_its_sentences() -> None:
    # six "NAME says:" comments of one-word answers (no sentence) under a line stating "6 Comments" (line 12)
    page = _page(13, headers={0, 2, 4, 6, 8, 10})
    thread = _pairs(6)
    assert not accept_thread(page, thread) and not _reads_as_thread(page, thread)
    page.count[12], page.counts = 6, [12]
    assert count_agrees(page, thread)
    assert accept_thread(page, thread) and _reads_as_thread(page, thread)
    page.count[12] = 7  # a count the thread does not match confirms nothing
    assert not count_agrees(page, thread)
    assert not accept_thread(page, thread) and not _reads_as_thread(page, thread)


def test_headed_thread_of_short_sentences_is_accepted() -> None:
    page = _page(8, sentence={1, 3, 5, 7}, headers={0, 2, 4, 6})
    assert accept_thread(page, _pairs(4))


def _lists(k: int, *, dated: bool = False) -> tuple[_Page, list[_Comment]]:
    """``k`` comments of an author line, three short sentence lines and (``dated``) a date line each."""
    n = 5 * k
    page = _page(n, sentence={i for i in range(n) if i % 5 in (1, 2, 3)})
    page.date[4::5] = [dated] * k
    return page, [_Comment(author=5 * j, text=[5 * j + 1, 5 * j + 2, 5 * j + 3], meta=[5 * j + 4])
                  for j in range(k)]


def test_small_unheaded_thread_with_a_list_needs_prose_in_half_its_comments() -> None:
    page, thread = _lists(4)
    assert not accept_thread(page, thread)
    page.prose[1] = True
    assert not accept_thread(page, thread)
    page.prose[6] = True  # half the comments hold a paragraph
    assert accept_thread(page, thread)
    thread[0].text = thread[0].text[:1]  # a short remark and three lists, no prose
    page.prose[1] = page.prose[6] = False
    assert not accept_thread(page, thread)
    for c in thread:
        c.text = c.text[:2]  # no list: short remarks
    assert accept_thread(page, thread)


def test_small_unheaded_thread_of_short_remarks_is_accepted() -> None:
    page = _page(8, sentence={1, 3, 5, 7})
    assert accept_thread(page, _pairs(4))


def test_dated_or_large_thread_of_lists_is_accepted() -> None:
    assert accept_thread(*_lists(4, dated=True))
    assert accept_thread(*_lists(6))


def test_thread_without_sentences_is_refused_whatever_its_finder() -> None:
    page = _page(8, sentence={1}, prose={1}, headers={0, 2, 4, 6})
    assert not accept_thread(page, _pairs(4))


def test_comment_holding_an_article_is_refused() -> None:
    # two headers, the second "comment" running on into an article of 40 prose lines
    n = 44
    page = _page(n, sentence=set(range(1, n)), prose=set(range(1, n)), headers={0, 2})
    thread = [_Comment(author=0, text=[1]), _Comment(author=2, text=list(range(3, n)))]
    assert not accept_thread(page, thread)
    assert accept_thread(page, [_Comment(author=0, text=[1]), _Comment(author=2, text=list(range(3, 13)))])


def test_comment_holding_a_list_of_dates_is_refused() -> None:
    n = 20
    page = _page(n, sentence={1, 3}, prose={1, 3}, headers={0, 2})
    page.date[5:15] = [True] * 10
    archive = [_Comment(author=0, text=[1]), _Comment(author=2, text=[3], meta=list(range(5, 15)))]
    assert not accept_thread(page, archive)
    archive[1].meta = [5, 6]
    assert accept_thread(page, archive)


def test_titled_lines_are_long_or_phrase_cased_name_like_lines() -> None:
    texts = ["Kullat Nunu", "thetentman", "Steve (treelobsters)", "Dan_Veteran", "Beth :: Porch",
             "The Modern Ambitions Behind Neon", "How to Program", "Le projet de loi", "What happens next",
             "Es ist sechs Uhr früh und noch stockdunkel.", "Why You Can’t Fake"]
    frame = pl.DataFrame({"text": texts, "f_words": [len(t.split()) for t in texts]})
    like = pl.Series([True] * 9 + [False, True])  # the long sentence is no name-like line
    assert titled_lines(frame, like).to_list() == [False] * 5 + [True] * 4 + [False, True]
    assert titled_lines(frame, pl.Series([None] * 11, dtype=pl.Boolean)).to_list() == [False] * 11


def _titled(k: int, titled: int) -> tuple[_Page, list[_Comment]]:
    """``k`` comments of a name-like header line and two prose lines each, the first ``titled`` headers
    reading as titles; no header kind, no date."""
    n = 3 * k
    page = _page(n, sentence={i for i in range(n) if i % 3}, prose={i for i in range(n) if i % 3})
    page.name_like[::3] = [True] * k
    page.titled[::3] = [j < titled for j in range(k)]
    return page, [_Comment(author=3 * j, text=[3 * j + 1, 3 * j + 2]) for j in range(k)]


def test_thread_headed_by_titles_without_other_evidence_is_refused() -> None:
    # a sub-headed article under a "Comments" heading: four short headings over two paragraphs each
    page, thread = _titled(4, 2)
    assert titled_headers(page, thread) and not accept_thread(page, thread)
    page, thread = _titled(4, 1)  # one heading-like name of four: names, so no titled headers
    assert not titled_headers(page, thread)
    page.text[9] = page.text[0]  # the first reader answering at the end: a thread (two paragraphs each or not)
    assert accept_thread(page, thread)


def test_sub_headed_article_without_titles_is_refused() -> None:
    # short headings ("Three Cases", "Old School") over two paragraphs each, no header line, date, control or
    # count, no heading twice: an article's sections, whatever the case of its headings
    page, thread = _titled(4, 0)
    assert not titled_headers(page, thread) and sectioned_article(page, thread) and not accept_thread(page, thread)
    page.text[9] = page.text[0]  # a name heading two comments: readers answering each other
    assert not sectioned_article(page, thread) and accept_thread(page, thread)


def test_threads_of_short_remarks_or_with_evidence_are_no_article() -> None:
    page, thread = _titled(4, 0)
    for c in thread[:3]:  # three comments of a line of prose and a short remark each
        page.prose[c.text[1]] = False
    assert not sectioned_article(page, thread) and accept_thread(page, thread)
    page, thread = _titled(4, 0)
    for c in thread[:2]:  # "Reply" under half of them
        page.rule[c.text[1]] = "comment_chrome"
        c.meta, c.text = c.text[1:], c.text[:1]
    assert not sectioned_article(page, thread)
    page, thread = _titled(4, 0)
    page.count.append(4)
    page.counts = [len(page.count) - 1]  # "4 Comments" over four sections: the count of a thread not printed
    assert count_agrees(page, thread) and sectioned_article(page, thread) and not accept_thread(page, thread)


def test_titled_headers_with_header_lines_controls_or_a_stated_count_are_accepted() -> None:
    page, thread = _titled(4, 4)
    for c in thread:  # a date under each headline: a dated teaser list, still refused
        page.date[c.text[-1]] = True
        c.meta, c.text = c.text[-1:], c.text[:-1]
    assert titled_headers(page, thread) and not accept_thread(page, thread)
    for c in thread[:2]:  # "Reply" under half the comments: readers' controls
        page.rule[c.meta[0]] = "comment_chrome"
    assert not titled_headers(page, thread) and accept_thread(page, thread)
    page, thread = _titled(4, 4)
    page.headers = {0: "says", 3: "says"}  # half headed by a header line
    assert accept_thread(page, thread)
    page, thread = _titled(4, 4)
    for c in thread:  # a paragraph each: readers' remarks (two each would read as an article's sections)
        page.prose[c.text[1]] = False
    assert titled_headers(page, thread, counted=False) and not accept_thread(page, thread)
    page.count.append(4)
    page.counts = [len(page.count) - 1]  # "4 Comments" over four
    assert count_agrees(page, thread) and accept_thread(page, thread)


def test_a_repeated_header_is_a_name_not_a_title() -> None:
    # "IT jobs" answering under each reader's comment: a phrase-cased name heading half the thread
    page, thread = _titled(4, 0)
    page.titled[3] = page.titled[9] = True
    page.text[9] = page.text[3]
    assert not titled_headers(page, thread) and accept_thread(page, thread)
    page.text[9] = 99  # two different headlines
    assert titled_headers(page, thread) and not accept_thread(page, thread)


def test_thread_whose_texts_repeat_is_refused_even_under_a_matching_count() -> None:
    # a thread whose texts are not on the page (loaded later): under each "NAME says:" header only the
    # same two widget lines ("ReplyDelete", "Replies"), which pass for sentences here; the stated count
    # matches the headers
    n = 4
    page = _page(3 * n + 1, sentence=set(range(3 * n)) - set(range(0, 3 * n, 3)), headers=set(range(0, 3 * n, 3)))
    page.text = [i if i % 3 == 0 else 1000 + i % 3 for i in range(3 * n + 1)]  # lines 3j+1, 3j+2 repeat
    page.count[3 * n], page.counts = n, [3 * n]
    thread = [_Comment(author=3 * j, text=[3 * j + 1, 3 * j + 2]) for j in range(n)]
    assert count_agrees(page, thread)
    assert own_texts(page, thread) == 0
    assert not accept_thread(page, thread)
    # one comment with a text of its own of four: still under half
    page.text[1] = 77
    assert own_texts(page, thread) == 1
    assert not accept_thread(page, thread)
    # half of them with their own text: the thread stands (readers may answer "+1" or "Thanks!")
    page.text[4] = 78
    assert own_texts(page, thread) == 2
    assert accept_thread(page, thread)


def test_a_double_post_keeps_its_text_as_the_readers_own() -> None:
    # three comments: A's own text, then B's text posted twice (printed twice under B's name); the repeat is
    # one reader's, not a widget line under every name, so two of three hold a text of their own
    page = _page(9, sentence=set(range(9)) - {0, 3, 6}, headers={0, 3, 6})
    page.text = [100, 1, 2, 101, 3, 4, 101, 3, 4]
    thread = [_Comment(author=3 * j, text=[3 * j + 1, 3 * j + 2]) for j in range(3)]
    assert own_texts(page, thread) == 3
    assert accept_thread(page, thread)
    page.text[6] = 102  # the same text under another name: it is nobody's own
    assert own_texts(page, thread) == 1
    assert not accept_thread(page, thread)


# --------------------------------------------------------------------------------------------------
# layout_votes: footers or headers, by the names readers answer
# --------------------------------------------------------------------------------------------------


def test_name_word_is_the_first_long_word_cut_at_a_glued_capital() -> None:
    assert name_word("Gitta Peyn") == "Gitta"
    assert name_word("EricTTung") == "Eric"
    assert name_word("IwonaMay 30, 2019 at 1:06 PM") == "Iwona"
    assert name_word("@kpeterlka") == "kpeterlka"
    assert name_word("Bo") is None  # too short to be told from a word of the text
    assert name_word("12.03.2024") is None


def _raw_page(lines: list[str]) -> _Page:
    page = _page(len(lines))
    page.raw = lines
    return page


_FOOTED = ["Wunderbar beschrieben, danke für das Video!", "Gitta Peyn",
           "Danke Gitta! Neidisch muss niemand sein.", "Peter Addor",
           "Lieber Peter, du schreibst so lebendig.", "Thomas Berg",
           "Das ist ja krass, lieber Thomas, danke.", "Peter Addor",
           "Danke Peter für die spannenden Artikel.", "Elisabeth Walder",
           "Danke, Elisabeth! Schöne Festtage.", "Peter Addor"]
"""A footer layout: each comment's text, then its author's name; each reader answers the comment above."""


_HEADED = [line for k in range(0, len(_FOOTED), 2) for line in (_FOOTED[k + 1], _FOOTED[k])]
"""The same thread printed name first: each name over its own text, the next reader answering it."""


def _blocks(page: _Page, heads: list[int]) -> list[list[int]]:
    bounds = [-1, *heads, len(page)]
    return [list(range(a + 1, b)) for a, b in itertools.pairwise(bounds)]


def test_names_answered_just_below_their_line_vote_for_footers() -> None:
    page = _raw_page(_FOOTED)
    heads = [1, 3, 5, 7, 9, 11]
    foot, head = layout_votes(page, heads, _blocks(page, heads))
    assert foot >= 3 and head == 0


def test_names_answered_below_the_next_header_vote_for_headers() -> None:
    page = _raw_page(_HEADED)
    heads = [0, 2, 4, 6, 8, 10]
    foot, head = layout_votes(page, heads, _blocks(page, heads))
    assert head >= 3 and foot == 0


def test_a_signature_at_the_end_of_a_long_text_and_common_words_cast_no_vote() -> None:
    long_text = "This looks lovely, I would definitely like to experience the luxury like this one day, kisses Paola"
    lines = ["Paola", long_text, "The Yum List", "The hotel looks great.", "Nancy Chan", "The view is nice.",
             "Rose world", "The beds look perfect.", "Mun", "The pool! Good!"]
    page = _raw_page(lines)
    heads = [0, 2, 4, 6, 8]
    assert layout_votes(page, heads, _blocks(page, heads)) == (0, 0)


def test_no_vote_without_the_lines_texts() -> None:
    page = _page(12)
    heads = [1, 3, 5, 7, 9, 11]
    assert layout_votes(page, heads, _blocks(page, heads)) == (0, 0)


def test_voted_layout_reads_answered_names_as_footers_and_overrules_a_footer_reading() -> None:
    # the footer thread above, nothing else on the page: read as footers, each comment the text above its name
    page = _raw_page(_FOOTED)
    page.name_like = [i % 2 == 1 for i in range(len(_FOOTED))]
    run = [(i, i, i) for i in range(1, len(_FOOTED), 2)]
    start, texts = _voted_layout(page, run, None)
    assert start == -1 and texts == [[i - 1] for i in range(1, len(_FOOTED), 2)]
    # printed name first, the same names answered below the next header: a footer reading is overruled
    headed = _raw_page(_HEADED)
    run = [(i, i, i) for i in range(0, len(_FOOTED), 2)]
    assert _voted_layout(headed, run, (-1, [[]] + [[i - 1] for i in range(2, len(_FOOTED), 2)])) is None


def test_voted_layout_leaves_a_run_without_answered_names_as_it_is() -> None:
    lines = ["Anna Berg", "Great news, I take this tram every day.", "Tom Kurz", "Too expensive, as always.",
             "Mia Lund", "Finally. Took them long enough."]
    page = _raw_page(lines)
    run = [(i, i, i) for i in (0, 2, 4)]
    footers = (-1, [[], [1], [3]])
    assert _voted_layout(page, run, footers) == footers
    assert _voted_layout(page, run, None) is None


def test_a_name_over_a_short_exclamation_or_question_heads_a_comment() -> None:
    lines = ["photobix", "Danke!", "jeuys", "richtig, politik darf kein hirnfreier raum sein.", "Mathias",
             "Wer hat das gesagt?", "Anna K.", "Guides", "Night Mode (iPhone 11)"]
    page = _raw_page(lines)
    page.name_like = [True, True, True, False, True, True, True, True, True]
    page.sentence = [False, True, False, True, False, True, False, False, True]
    assert _said(page, 1) and _said(page, 5)
    assert not _said(page, 8)  # a bracket ends a label, not a remark
    heads = [h for h, _, _ in _name_heads(page, range(len(lines)))]
    assert heads == [0, 2, 4]  # "Anna K." over "Guides" (a name-like line, no remark) heads nothing
    page.raw = ()
    assert not _said(page, 1)


def test_a_slogan_or_a_control_ending_with_a_full_stop_is_no_remark() -> None:
    page = _raw_page(["Forum: 5 Postings", "Ihre Meinung zählt.", "Add comment", "Load more..."])
    page.sentence = [False, True, False, True]
    assert not _said(page, 1) and not _said(page, 3)


def test_a_statement_is_no_name() -> None:
    lines = ["Berlin.", "Kein Homeoffice, kein Auto.", "Well this is it everyone.", "Anna K.", "martinealison said...",
             "Anna Berg", "Wow!"]
    page = _raw_page(lines)
    page.sentence = [True] * len(lines)
    page.sentence[5] = False
    assert [_stated(page, i) for i in range(len(lines))] == [True, True, True, False, False, False, True]
    page.raw = ()
    assert not any(_stated(page, i) for i in range(len(lines)))


def test_a_stated_count_picks_no_statement_for_an_author() -> None:
    # "2 comments" over a statement and teasers: the statement heads no comment, so the count picks no thread
    lines = ["Well this is it everyone.", "Socialist critic of NATO poised to win the presidency", "Anna Berg",
             "Great news, I take this tram every day.", "Tom Kurz", "Too expensive, as always."]
    page = _raw_page(lines)
    page.name_like = [True, False, True, False, True, False]
    page.sentence = [True, False, False, True, False, True]
    assert _choose_authors(page, list(range(len(lines))), 2) is None
    assert _choose_authors(page, list(range(2, len(lines))), 2) == [2, 4]
    page.raw = ()  # without the texts the statement is read as a name
    assert _choose_authors(page, list(range(len(lines))), 2) == [0, 2]


def test_a_one_line_first_block_makes_footers_where_a_name_closes_the_section() -> None:
    # "Comments" / text / NAME / text / NAME / text / NAME, then the section ends: the run took the names but the
    # last; the line under the heading is one short text, so the name must close the section
    page = _page(8)
    page.name_like = [False, False, True, False, True, False, True, False]
    before, after = [1], [5, 6]
    assert _trailing_footer(page, before, after)
    assert not _trailing_footer(page, before, [5, 6, 7])  # text under the name: a header layout's sidebar
    assert not _trailing_footer(page, [], after)
    page.sentence[6] = True  # a line that reads as a sentence is no footer
    assert not _trailing_footer(page, before, after)


def test_a_line_under_most_comments_is_a_widget_label_not_a_name() -> None:
    assert _widget_label(3, 4) and _widget_label(2, 3)
    assert not _widget_label(2, 4)  # an owner answering every other reader heads half
    assert not _widget_label(2, 2)  # two comments by one reader
    # "3 Responses" over name / text / "Rate This: 0 0" under each: the label heads no comment
    lines = ["Barbara", "A good list of concerns.", "Rate This: 0 0", "Bobbi Newman", "Too true!",
             "Rate This: 0 0", "Ian", "I have been banging on about it.", "Rate This: 0 0"]
    page = _raw_page(lines)
    page.text = [hash(line) for line in lines]
    page.name_like = [True, False, True, True, False, True, True, False, True]
    page.sentence = [False, True, False, False, True, False, False, True, False]
    assert _choose_authors(page, list(range(len(lines))), 3) == [0, 3, 6]
