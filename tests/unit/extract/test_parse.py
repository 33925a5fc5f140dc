"""Unit tests for tasks.extract.parse: segmentation layouts, output builders, dates, and a property test (issue 3)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from schemas.parsed import LINES, PARSED_ARTICLES, PARSED_COMMENTS
from schemas.validate import empty_frame, polars_schema
from tasks.extract import parse as parse_module
from tasks.extract import selectors
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.parse import _digit_rows, author_date, parse_articles, parse_comments, segment_pages

PARA = [
    "The council voted on Tuesday to extend the tram line to the northern districts by the year 2030.",
    "Opponents said the plan was too expensive and would disrupt traffic for several years to come.",
    "The mayor replied that the city had already secured most of the money from regional funds.",
]


def _parse(text: str) -> tuple[dict, list[dict]]:
    pages = pl.DataFrame({"page_id": ["p"], "site": ["example.org"], "text": [text]})
    seg = segment_pages(strip_boilerplate(pages))
    return parse_articles(seg).row(0, named=True), parse_comments(seg).sort("position").to_dicts()


def _article(title: str = "City Extends Tram Line to the North") -> str:
    return "\n".join(["Home", "News", "", title, "", "\n\n".join(PARA), ""])


def test_empty_inputs() -> None:
    assert segment_pages(empty_frame(LINES)).schema == polars_schema(LINES)
    assert parse_articles(empty_frame(LINES)).schema == polars_schema(PARSED_ARTICLES)
    assert parse_comments(empty_frame(LINES)).schema == polars_schema(PARSED_COMMENTS)


def test_every_page_gets_an_article_row() -> None:
    pages = pl.DataFrame({"page_id": ["a", "b", "c"], "site": ["x"] * 3, "text": [_article(), None, ""]})
    articles = parse_articles(segment_pages(strip_boilerplate(pages)))
    assert articles["page_id"].to_list() == ["a", "b", "c"]
    assert articles["body"].to_list()[1:] == ["", ""]
    assert articles["n_lines"].to_list()[1:] == [0, 0]
    assert articles["stripped_by_rule"].to_list()[1:] == [[], []]
    assert articles.schema == polars_schema(PARSED_ARTICLES)


def test_article_without_comments() -> None:
    article, comments = _parse(_article() + "\nRelated posts:\nAnother story about trams\n© 2024 Example")
    assert article["title"] == "City Extends Tram Line to the North"
    assert article["body"] == "\n\n".join(PARA)
    assert comments == []
    rules = {r["rule"]: r["n_lines"] for r in article["stripped_by_rule"]}
    assert rules["related"] == 1
    assert rules["footer"] == 1
    assert article["n_lines_stripped"] == article["n_lines"] - 1 - len(PARA)


def test_says_layout_with_dates_and_reply_buttons() -> None:
    text = _article() + "\n".join([
        "2 Comments", "Anna says:", "March 3, 2021 at 4:05 pm", "", "Great news for the north.", "", "Reply",
        "Bert Müller sagt:", "4. März 2021 um 09:15 Uhr", "", "@Anna I doubt it.", "Second paragraph.", "Antworten",
        "Leave a Reply", "Your email address will not be published.",
    ])
    article, comments = _parse(text)
    assert article["n_comments_stated"] == 2
    assert [c["author"] for c in comments] == ["Anna", "Bert Müller"]
    assert comments[1]["text"] == "@Anna I doubt it.\n\nSecond paragraph."
    assert comments[0]["posted_at_text"] == "March 3, 2021 at 4:05 pm"
    assert comments[0]["posted_at"] == datetime(2021, 3, 3, 16, 5, tzinfo=UTC)
    assert comments[1]["parent_position"] == 0
    assert "Reply" not in comments[0]["text"]


def test_author_and_date_on_one_line() -> None:
    text = _article() + "\n".join([
        "3 Kommentare", "Julia 14.09.2022 um 21.11", "Danke dafür!", "Antworten ↓",
        "Pia · March 10, 2017 at 12:20 AM", "Sehr schön.", "Antworten ↓",
        "Nora 14.09.2022 // 21:57", "Toll.", "Antworten ↓", "Schreibe einen Kommentar",
    ])
    _, comments = _parse(text)
    assert [(c["author"], c["text"]) for c in comments] == [("Julia", "Danke dafür!"), ("Pia", "Sehr schön."),
                                                             ("Nora", "Toll.")]
    assert comments[0]["posted_at"] == datetime(2022, 9, 14, 21, 11, tzinfo=UTC)


@pytest.mark.parametrize("date_first", [True, False])
def test_name_and_date_lines_either_order(date_first: bool) -> None:
    blocks = []
    for name, body in [("Dan Garner", "I too need focus."), ("Gigi", "More speaking gigs."), ("Hope", "Same here.")]:
        head = ["November 5, 2012", name] if date_first else [name, "November 5, 2012"]
        blocks += [*head, "", body, ""]
    text = _article() + "Comments\n" + "\n".join(blocks) + "Leave a Reply\n"
    _, comments = _parse(text)
    assert [c["author"] for c in comments] == ["Dan Garner", "Gigi", "Hope"]
    assert [c["text"] for c in comments] == ["I too need focus.", "More speaking gigs.", "Same here."]


def test_widget_without_dates_uses_the_stated_count() -> None:
    """Issue 2: wpDiscuz-like lists print only names; the count decides which short lines are names."""
    text = _article() + "\n".join([
        "Subscribe", "Notify of", "guest", "4 Comments", "Oldest", "Newest Most Voted", "View all comments",
        "Ann", "", "This is a long comment about the tram line and its many costs.", "",
        "Bob", "", "Joker", "",
        "Ann", "", "Another opinion from Ann on the matter of money.", "",
        "Bob", "", "Yes", "", "4", "0", "Would love your thoughts, please comment.x",
    ])
    _, comments = _parse(text)
    assert [(c["author"], c["text"]) for c in comments] == [
        ("Ann", "This is a long comment about the tram line and its many costs."),
        ("Bob", "Joker"),
        ("Ann", "Another opinion from Ann on the matter of money."),
        ("Bob", "Yes"),
    ]


def test_dated_teasers_without_comment_evidence_are_not_comments() -> None:
    """A spurious comment is worse than a missed one: dated lists need a count, heading or 'says' line."""
    text = _article() + "\n".join([
        "Jane Roe", "June 3, 2019", "Another story teaser that runs for a while.",
        "John Doe", "June 4, 2019", "Yet another teaser with some words in it.",
        "Max Muster", "June 5, 2019", "A third teaser here.",
    ])
    _, comments = _parse(text)
    assert comments == []


_LINES = st.sampled_from([
    "", "Reply", "Antworten", "18 Comments", "3 Kommentare", "Anna says:", "Bob sagt:", "March 3, 2021 at 4:05 pm",
    "14.09.2022 um 21.11", "Julia 14.09.2022 um 21.11", "Leave a Reply", "Related posts:", "Share", "Joker",
    "Mustafa Mehmet", "1", "0", "© 2024", "Home » News » Title", *PARA,
    "A Headline About Something Important", "Short line.", "Oldest", "Newest Most Voted",
])


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(_LINES, st.text(max_size=40)), max_size=60))
def test_parser_never_raises_and_never_invents_text(lines: list[str]) -> None:
    """Every output line is an input line (white space aside) and no input line is used twice."""
    text = "\n".join(lines)
    pages = pl.DataFrame({"page_id": ["p"], "site": ["example.org"], "text": [text]})
    seg = segment_pages(strip_boilerplate(pages))
    articles = parse_articles(seg, page_ids=pages["page_id"])
    comments = parse_comments(seg)
    assert articles.height == 1
    def norm(line: str) -> str:
        # white space aside: inner runs collapse, and the ends lose spaces and control/format characters
        chars = list(" ".join(line.split()))
        while chars and (chars[0].isspace() or unicodedata.category(chars[0]) in ("Cc", "Cf")):
            chars.pop(0)
        while chars and (chars[-1].isspace() or unicodedata.category(chars[-1]) in ("Cc", "Cf")):
            chars.pop()
        return "".join(chars)

    inputs = Counter(norm(ln) for ln in text.replace("\r", "\n").split("\n") if norm(ln))
    outputs: Counter[str] = Counter()
    row = articles.row(0, named=True)
    if row["title"]:
        outputs[norm(row["title"])] += 1
    outputs.update(norm(p) for p in row["body"].split("\n\n") if norm(p))
    for c in comments.iter_rows(named=True):
        outputs.update(norm(p) for p in c["text"].split("\n\n") if norm(p))
    for line, n in outputs.items():
        assert inputs[line] >= n, line
    placed = seg.filter(pl.col("region").is_not_null())
    assert placed.select("page_id", "line_no").is_unique().all()


_HEADER_PARTS = st.sampled_from([
    "Jane", "Jane Doe", "12.", "#3", "1234", "12345", " ", "  ", "\n", "\u00a0", "·", " · ", " | ", ",", " - ", " on ",
    " am ", "Autor", "admin ", "March 10, 2017", "10. März 2019", "29.07.2020", "2019-08-02", "Nov 12", "March 2019",
    " at 12:20 AM", " // 12:56", ", 14:05", "um 21.11 Uhr", "2 years ago", "vor 3 Tagen", "a day ago", " | Permalink",
    " Reply", "#12", "x" * 79, "y" * 40, "é", "Ж", "Thursday, ", "Thu, ", "Do., ", "jeudi ", "Fri",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_HEADER_PARTS, min_size=1, max_size=8).map("".join))
def test_author_date_matches_the_full_pattern(line: str) -> None:
    """author_date gives the groups of AUTHOR_DATE_LINE_RE: the shortest author, the comment number tried first."""
    frame = pl.DataFrame({"text": [line]})
    expected = frame.select(pl.col("text").str.extract_groups(selectors.AUTHOR_DATE_LINE_RE).alias("g")).unnest("g")
    got = author_date(frame, "text").select(author="_ad_author", date="_ad_date")
    assert got.row(0) == expected.row(0)


@pytest.mark.parametrize(
    ("lines", "authors"),
    [
        (  # SPIP forum: date, then "par NAME"
            ["2 messages", "le 12 mars 2019 à 10:15, par Jean Dupont", "Très bon article.", "Répondre à ce message",
             "le 13 mars 2019 à 08:00, par Marie", "Je ne suis pas d'accord.", "Répondre à ce message"],
            ["Jean Dupont", "Marie"],
        ),
        (  # forum thread: "Posted by NAME on DATE"
            ["Comments", "Posted by jdoe on March 3, 2021 at 4:05 pm", "First post in the thread.", "Quote",
             "Posted by asmith on March 4, 2021 at 9:00 am", "Second post here.", "Quote"],
            ["jdoe", "asmith"],
        ),
        (  # Disqus-style text: name, "• N years ago", text, "Reply•Share ›"
            ["3 Comments", "Sort by Best", "John Smith", "• 3 years ago", "This is my comment.", "Reply•Share ›",
             "Maria", "• 2 years ago", "Mine too.", "Reply•Share ›", "Ken", "• a year ago", "And mine.",
             "Reply•Share ›"],
            ["John Smith", "Maria", "Ken"],
        ),
    ],
)
def test_more_comment_systems(lines: list[str], authors: list[str]) -> None:
    _, comments = _parse(_article() + "\n".join(lines))
    assert [c["author"] for c in comments] == authors
    assert all(c["text"] and "Reply" not in c["text"] for c in comments)


def test_interview_says_lines_are_not_comments() -> None:
    """Issue 3: 'NAME says:' inside an article without dates or reply buttons is not a comment list."""
    text = "\n".join(["Interview With the Mayor", "", PARA[0], "", "Smith says:", "", PARA[1], "", "Jones says:", "",
                      PARA[2], ""])
    article, comments = _parse(text)
    assert comments == []
    assert PARA[2] in article["body"]


def test_related_list_after_a_short_article_is_not_the_body() -> None:
    """Issue 3: teasers under a 'related' heading outweigh a one-paragraph article but are not its body."""
    teasers = []
    for k in range(6):
        teasers += [f"Teaser Headline Number {k}", "", PARA[k % 3], ""]
    note = PARA[0] + " " + PARA[1]
    text = "\n".join(["A Short Note on Trams", "", note, "", "You may also like:", "", *teasers])
    article, _ = _parse(text)
    assert article["title"] == "A Short Note on Trams"
    assert article["body"] == note


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["3 comentarios", "María dice:", "5 de mayo de 2020 a las 10:15", "Muy buen artículo.", "Responder",
          "Juan dice:", "6 de mayo de 2020 a las 11:00", "Gracias.", "Responder", "Deja una respuesta"],
         [("María", "Muy buen artículo.", datetime(2020, 5, 5, 10, 15, tzinfo=UTC)), ("Juan", "Gracias.", None)]),
        (["2 commenti", "Marco ha detto:", "12 marzo 2019 alle 10:15", "Ottimo articolo.", "Rispondi",
          "Giulia ha detto:", "13 marzo 2019 alle 08:00", "Grazie mille.", "Rispondi"],
         [("Marco", "Ottimo articolo.", datetime(2019, 3, 12, 10, 15, tzinfo=UTC)), ("Giulia", "Grazie mille.", None)]),
        (["2 comentários", "Ana disse:", "12 de março de 2019 às 10:15", "Ótimo texto.", "Responder",
          "Rui disse:", "13 de março de 2019 às 08:00", "Obrigado.", "Responder"],
         [("Ana", "Ótimo texto.", datetime(2019, 3, 12, 10, 15, tzinfo=UTC)), ("Rui", "Obrigado.", None)]),
        (["2 комментария", "Иван", "12 марта 2019 в 10:15", "Отличная статья.", "Ответить",
          "Мария", "13 марта 2019 в 08:00", "Спасибо.", "Ответить"],
         [("Иван", "Отличная статья.", datetime(2019, 3, 12, 10, 15, tzinfo=UTC)), ("Мария", "Спасибо.", None)]),
        (["2 commentaires", "Jean dit :", "12 mars 2019 à 10 h 15 min", "Très bon article.", "Répondre",
          "Marie dit :", "13 mars 2019 à 8 h 00 min", "Merci.", "Répondre", "Laisser un commentaire"],
         [("Jean", "Très bon article.", datetime(2019, 3, 12, 10, 15, tzinfo=UTC)), ("Marie", "Merci.", None)]),
        (  # wpDiscuz with relative dates and vote counts
            ["2 Comments", "Oldest", "Newest Most Voted", "Inline Feedbacks", "View all comments", "RichardD",
             "2 years ago", "Those are good points.", "0", "0", "Reply", "Mase", "1 year ago",
             "Russia only provided air power.", "1", "0", "Reply", "Would love your thoughts, please comment.x"],
            [("RichardD", "Those are good points.", None), ("Mase", "Russia only provided air power.", None)],
        ),
        (  # no count or heading before, but reply buttons and a comment form after
            ["Avatar photo", "Jane Doe", "March 3, 2021 at 4:05 pm", "Nice article.", "Reply", "Avatar photo", "Bob",
             "March 4, 2021 at 9:05 am", "Thanks!", "Reply", "Leave a Reply",
             "Your email address will not be published."],
            [("Jane Doe", "Nice article.", datetime(2021, 3, 3, 16, 5, tzinfo=UTC)), ("Bob", "Thanks!", None)],
        ),
    ],
)
def test_comment_lists_in_several_languages(lines: list[str], expected: list[tuple]) -> None:
    _, comments = _parse(_article() + "\n".join(lines))
    assert [(c["author"], c["text"]) for c in comments] == [(a, t) for a, t, _ in expected]
    if expected[0][2] is not None:
        assert comments[0]["posted_at"] == expected[0][2]


def test_article_printed_after_its_comments() -> None:
    text = "\n".join(["2 Comments", "Anna says:", "March 3, 2021 at 4:05 pm", "Great.", "Reply", "Bob says:",
                      "March 4, 2021 at 4:05 pm", "Meh.", "Reply", "City Extends Tram Line to the North", "", *PARA])
    article, comments = _parse(text)
    assert article["title"] == "City Extends Tram Line to the North"
    assert article["body"] == "\n\n".join(PARA)
    assert [c["author"] for c in comments] == ["Anna", "Bob"]


def test_sorted_lines_sorts_only_unsorted_frames() -> None:
    """Lines out of order (or with a repeated key) are sorted; sorted lines come back as they are."""
    from tasks.extract.parse import sorted_lines

    frame = pl.DataFrame({"page_id": ["b", "a", "a", "b"], "line_no": [0, 1, 0, 1]})
    expected = pl.DataFrame({"page_id": ["a", "a", "b", "b"], "line_no": [0, 1, 0, 1]})
    assert sorted_lines(frame).equals(expected)
    assert sorted_lines(expected) is expected
    repeated = pl.DataFrame({"page_id": ["a", "a", "a"], "line_no": [1, 1, 0], "text": ["x", "y", "z"]})
    assert sorted_lines(repeated)["text"].to_list() == ["z", "x", "y"]


def test_segment_pages_does_not_depend_on_line_order() -> None:
    pages = pl.DataFrame({"page_id": ["p", "q"], "site": ["example.org"] * 2,
                          "text": [_article(), _article("Bridge Closed for Repairs Until Spring")]})
    lines = strip_boilerplate(pages)
    in_order = segment_pages(lines)
    assert segment_pages(lines.reverse()).equals(in_order)
    assert in_order.filter(pl.col("region") == "title")["text"].to_list() == [
        "City Extends Tram Line to the North", "Bridge Closed for Repairs Until Spring"]


@pytest.mark.parametrize(
    ("line", "is_crumb"),
    [("Home » News » Title", True), ("Home › News", True), ("a > b", True), ("a >> b", True), ("a | b", True),
     ("a>b", False), ("a » b".replace(" ", "\u00a0"), False), ("a |b", False), ("a >>> b", False)],
)
def test_crumb_separator_pattern(line: str, is_crumb: bool) -> None:
    """The breadcrumb pattern finds exactly the lines that hold one of the separators."""
    from tasks.extract.titles import _CRUMB_RE

    separators = (" » ", " › ", " > ", " >> ", " | ")
    assert any(s in line for s in separators) == is_crumb
    assert pl.Series([line]).str.contains(_CRUMB_RE).item() == is_crumb


def _reference_weights(
    rules: list[str | None], prose: list[bool], words: list[int], texts: list[str], *, start: int, limit: int,
    neutral: set[int] | None = None,
) -> dict[int, float | None]:
    """Each line's weight in ``start .. limit - 1`` as ``_body_windows`` defines it, line by line (None: a
    break that cannot be crossed); the neutral lines (taken at a window's edges) are added to ``neutral``."""
    from tasks.extract import parse

    span = range(start, limit)

    def kept(i: int) -> bool:
        return i in span and prose[i] and rules[i] is None

    def headline(i: int, min_words: int) -> bool:  # a teaser headline ends in no full stop
        return i in span and rules[i] is None and not kept(i) and words[i] >= min_words \
            and texts[i][-1:] not in (".", "\u3002")

    def item(i: int) -> bool:  # a teaser run's item: a headline, or a long line that asks or exclaims
        return i in span and rules[i] is None and (not kept(i) or texts[i][-1:] in ("?", "!")) \
            and words[i] >= parse.LIST_ITEM_MIN_WORDS

    def paired(i: int) -> bool:
        return kept(i - 1) or kept(i + 1)

    def blurb(i: int) -> bool:
        return (kept(i) and not paired(i) and words[i] < parse.TEASER_BLURB_MAX_WORDS
                and headline(i - 1, parse.TEASER_HEAD_MIN_WORDS))

    pair_starts = [i for i in span if kept(i) and kept(i + 1)]
    seen = Counter(texts[i] for i in span)
    weights: dict[int, float | None] = {}
    for i in span:
        teaser = sum(item(j) for j in range(i - parse.TEASER_REACH, i + parse.TEASER_REACH + 1)) \
            >= parse.TEASER_MIN_ITEMS
        long_teaser = sum(item(j) for j in range(i - parse.LONG_TEASER_REACH, i + parse.LONG_TEASER_REACH + 1)) \
            >= parse.LONG_TEASER_MIN_ITEMS
        soft = rules[i] in parse._SOFT_BREAKS and any(0 <= j - i <= parse.SOFT_BREAK_REACH for j in pair_starts)
        if soft:
            w: float | None = parse.SOFT_BREAK_WEIGHT
        elif rules[i] in parse._BODY_BREAKS:
            w = None
        elif rules[i] is not None or seen[texts[i]] > 1:
            w = parse.STRIPPED_WEIGHT
        elif kept(i):
            if long_teaser or (blurb(i) and any(blurb(i + k) for d in range(2, parse.TEASER_BLURB_REACH + 1)
                                                for k in (-d, d))):
                factor = parse.TEASER_PROSE_FACTOR
            else:
                factor = 1.0 if paired(i) and not teaser else parse.ISOLATED_PROSE_FACTOR
            w = float(words[i]) * factor
        elif teaser and words[i] >= parse.LIST_ITEM_MIN_WORDS:
            w = parse.TEASER_WEIGHT
        elif words[i] >= parse.LIST_ITEM_MIN_WORDS:
            w = parse.LIST_ITEM_WEIGHT
            if neutral is not None and words[i] >= parse.SENTENCE_MIN_WORDS:
                neutral.add(i)
        else:
            w = parse.SHORT_LINE_WEIGHT
        weights[i] = w
    return weights


def _reference_window(
    rules: list[str | None], prose: list[bool], words: list[int], texts: list[str], *, start: int, limit: int
) -> tuple[int, int] | None:
    """The body window as a sequential scan (Kadane's, restarting at breaks), for ``_body_windows``, then grown
    line by line over the neutral lines right above and below it."""
    from tasks.extract import parse

    best_sum, best = 0.0, None
    run_sum, run_start = 0.0, start
    last_related = start - parse.RELATED_LIST_REACH - 1
    neutral: set[int] = set()
    weights = _reference_weights(rules, prose, words, texts, start=start, limit=limit, neutral=neutral)
    for i in range(start, limit):
        if rules[i] == "related":
            last_related = i
        w = weights[i]
        if w is None:
            run_sum, run_start = 0.0, i + 1
            continue
        if run_sum <= 0:
            run_sum, run_start = 0.0, i
        run_sum += w
        related = 0 <= run_start - last_related <= parse.RELATED_LIST_REACH
        score = run_sum * (parse.RELATED_LIST_FACTOR if related else 1.0)
        if score > best_sum:
            best_sum, best = score, (run_start, i)
    if best is None:
        return None
    lo, hi = best
    while lo - 1 in neutral:
        lo -= 1
    while hi + 1 in neutral:
        hi += 1
    return lo, hi


_WINDOW_LINE = st.tuples(
    st.sampled_from([None, None, None, "related", "related", "newsletter", "taxonomy", "footer", "comment_form",
                     "share", "template"]),
    st.booleans(),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h", "a?", "b!", "c?", "d.", "e."]),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.lists(_WINDOW_LINE, min_size=1, max_size=40), st.integers(0, 40), st.integers(0, 40)),
                min_size=1, max_size=4))
# a list opening RELATED_LIST_REACH lines under a "related" heading still counts as related
@example([([("related", False, 0, "a"), (None, False, 1, "b"), (None, False, 1, "c"), (None, True, 10, "d"),
            (None, True, 10, "e"), ("footer", False, 0, "f"), (None, True, 6, "g"), (None, True, 6, "h")], 0, 8)])
# teaser blurbs three lines apart (headline, blurb, link per item) weigh as teasers
@example([([(None, False, 4, "a"), (None, True, 0, "a"), (None, False, 0, "a"), (None, False, 4, "a"),
            (None, True, 1, "b")], 0, 5)])
# a headline ends in no full stop: the short prose line under a sentence is no blurb
@example([([(None, False, 4, "h."), (None, True, 2, "b"), (None, False, 4, "a"), (None, True, 2, "c"),
            (None, True, 9, "d")], 0, 5)])
# long lines that ask or exclaim count as a teaser run's items (the run after the paragraphs is no window of its own)
@example([([(None, True, 20, "p0."), (None, True, 10, "p1."), (None, True, 12, "t2!"), (None, False, 12, "t3!"),
            (None, True, 1, "t4!"), (None, True, 9, "t5!"), (None, False, 9, "t6"), (None, False, 12, "t7"),
            (None, True, 9, "t8")], 0, 9)])
# the window takes in the paragraph-long lines that end in no sentence end right above and below it
@example([([("share", False, 0, "a"), (None, False, 25, "b"), (None, False, 21, "c"), (None, True, 12, "d"),
            (None, True, 12, "e"), (None, False, 30, "f"), (None, False, 9, "g")], 0, 7)])
def test_body_windows_match_a_sequential_scan(
    pages: list[tuple[list[tuple[str | None, bool, int, str]], int, int]],
) -> None:
    """The vectorised maximum-sum window (prefix sums per segment between breaks) picks the window of the
    sequential scan, ties and the related-list factor included, on several pages at once."""
    from tasks.extract.parse import _body_windows, _truncated_blurbs

    rows, bounds, expected = [], [], {}
    for page, (lines, a, b) in enumerate(pages):
        start, limit = min(a, b, len(lines)), min(max(a, b), len(lines))
        rows += [{"_page": page, "_i": i, "strip_rule": r, "f_prose": p, "f_words": w, "text": t}
                 for i, (r, p, w, t) in enumerate(lines)]
        bounds.append({"_page": page, "_start": start, "_limit": limit})
        rules, prose, words, texts = (list(col) for col in zip(*lines, strict=True))
        if (window := _reference_window(rules, prose, words, texts, start=start, limit=limit)) is not None:
            expected[page] = window
    schema = {"_page": pl.UInt32, "_i": pl.Int32, "strip_rule": pl.String, "f_prose": pl.Boolean, "f_words": pl.Int32,
              "text": pl.String}
    frame = pl.DataFrame(rows, schema=schema)
    frame = frame.with_columns(_cut_blurb=_truncated_blurbs(frame))
    assert not frame["_cut_blurb"].any()  # the reference scan does not read blurbs: none are drawn
    got = _body_windows(frame,
                        pl.DataFrame(bounds, schema={"_page": pl.UInt32, "_start": pl.Int32, "_limit": pl.Int32}))
    assert {page: (lo, hi) for page, lo, hi in got.iter_rows()} == expected


_WORDS_TEXT = st.text(alphabet=st.sampled_from(["a", "é", " ", "\t", "\n", "\x1c", "\x1f", "\u00a0", "\u2003", "\u3000",
                                                 "\x85", "\u200b", ".", "!"]), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS_TEXT, min_size=1, max_size=5))
def test_python_word_count_and_sentence_end_match_python(texts: list[str]) -> None:
    """``_py_words`` counts as ``len(s.split())`` (\\x1c-\\x1f split too) and ``_sentence_end`` reads "$" as Python."""
    import re

    from tasks.extract.parse import _py_words, _sentence_end

    got = pl.DataFrame({"t": texts}).select(w=_py_words(pl.col("t")), e=_sentence_end(pl.col("t")))
    assert got["w"].to_list() == [len(t.split()) for t in texts]
    assert got["e"].to_list() == [bool(re.search(r"[.!?]$", t)) for t in texts]


MORE = [
    "Engineers expect the first trams to run on the new tracks in the spring, a year later than planned.",
    "The regional transport authority will publish a revised timetable for the whole network next month.",
]


def _body_lines(text: str) -> list[str]:
    article, _ = _parse(text)
    return [line for line in article["body"].split("\n\n") if line]


def test_body_crosses_a_newsletter_box_when_the_article_goes_on() -> None:
    """A newsletter box between paragraphs, with two prose lines right under it, does not end the body."""
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, "Subscribe to our newsletter",
                      "Sign up", *MORE, "© 2024 Example"])
    assert _body_lines(text) == [*PARA, *MORE]


def test_body_crosses_a_tag_box_when_the_article_goes_on() -> None:
    """A tag box between paragraphs ("Related Topics" over a few topic links), with the article going on under
    it, does not halve the body; at the article's end it still ends it."""
    tags = ["Related Topics", "Trams", "City council"]
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], PARA[1], *tags, PARA[2], *MORE,
                      *tags, "Other story of the day that readers liked", "© 2024 Example"])
    assert _body_lines(text) == [PARA[0], PARA[1], PARA[2], *MORE]


def test_question_headlines_under_the_article_are_teasers_not_body() -> None:
    """A list of other stories under the article whose headlines ask or exclaim ("... are YOU affected?") is
    a teaser list: its question lines count as its headlines, so it does not pull the window into it; an
    interview's questions between answers stay in the body."""
    heads = [
        "Walmart removes self-checkouts and swaps back to traditional lanes in many of its stores",
        "Can you really get cheaper flights by using the private mode of your web browser?",
        "Wealthy savers could be hit by a minor tweak to the way their money is insured - are YOU affected?",
        "Stamp prices to rise by a record amount as the cost of sending a letter goes up again",
        "Are YOU keeping money secrets from your partner? A finance guru warns of what it costs",
        "How many credit cards should you have? The answer is not zero, says a new study from the bank",
        "When SHOULD you give money to your children? An author urges parents to hand it over early",
        "Target is plotting a paid membership program of ten to fifteen dollars a month - will it work?",
        "A new government plan will save Americans a thousand dollars on their closing costs - are YOU eligible?",
        "Costco is testing a major change to its stores that could alter the way you shop there",
    ]
    widgets = ["Share", "Add comment", "Search", "Your Money"]
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, *MORE, *widgets, *heads])
    assert _body_lines(text) == [*PARA, *MORE]
    questions = [f"Why did the council choose the northern route for line {k} of the new network?" for k in range(3)]
    interview = [PARA[0], questions[0], PARA[1], questions[1], PARA[2], questions[2], *MORE]
    assert _body_lines("\n".join(["City Extends Tram Line to the North", "", *interview])) == interview


def test_body_stops_at_a_newsletter_box_followed_by_single_teasers() -> None:
    """Under a newsletter box, prose lines that never come two in a row (teasers between widgets) are no
    continuation: the break holds."""
    teasers = []
    for k in range(4):
        teasers += [f"Part {k}: {MORE[k % 2]}", "Share on Facebook"]
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, "Subscribe to our newsletter", *teasers])
    assert _body_lines(text) == PARA


def test_teaser_headlines_after_the_article_are_not_body() -> None:
    """A run of long headline-like lines (no sentence end) after the article weighs against the window,
    even with a few prose-shaped teasers among them."""
    heads = [f"Number {k} of the stories readers of this site also looked at this week in the city" for k in range(8)]
    teasers = [*heads[:3], MORE[0], *heads[3:6], MORE[1], *heads[6:]]
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, *teasers])
    assert _body_lines(text) == PARA


def test_lines_printed_twice_on_the_page_are_not_body() -> None:
    """A widget the page prints twice (its prose lines repeated verbatim) does not pull the window up."""
    widget = ["Traffic", MORE[0], MORE[1], "All traffic news"]
    text = "\n".join([*widget, "Menu", "Search", *widget, "City Extends Tram Line to the North", "", *PARA])
    assert _body_lines(text) == PARA


def test_teaser_blurbs_under_headlines_are_not_body() -> None:
    """Headline + one short sentence, repeated: a list of teasers after the article, not more article."""
    blurbs = []
    for k in range(3):
        blurbs += [f"Another story number {k} from the region", MORE[k % 2].replace("tracks", f"tracks {k}")]
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, "Short", *blurbs])
    assert _body_lines(text) == PARA


def test_short_lines_the_page_repeats_are_not_body_inside_the_window() -> None:
    """A widget label printed between every paragraph ("Article content") stays out of the body; a
    speaker label ending in ":" that an interview repeats is kept."""
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], "Article content", PARA[1],
                      "Article content", PARA[2], "Article content", "Mayor:", MORE[0], "Mayor:", MORE[1]])
    assert _body_lines(text) == [PARA[0], PARA[1], PARA[2], "Mayor:", MORE[0], "Mayor:", MORE[1]]


def test_a_lone_headline_between_widgets_is_not_body() -> None:
    """A long line that is no sentence, with neither a paragraph nor another long line next to it (a caption
    or a teaser between widget labels), stays out; a sub-heading over its paragraph and a list's items stay."""
    caption = "The new tram depot in the northern district seen from the air last week"
    items = ["Three new stops between the station and the hospital in the north",
             "A second depot for the trams of the new line near the motorway"]
    sub = "What the tram line costs the city and who pays for it in the end"
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], "Photo", caption, "Share", PARA[1],
                      *items, PARA[2], sub, *MORE])
    body = _body_lines(text)
    assert caption not in body
    assert [line for line in body if line not in ("Photo", "Share")] == [PARA[0], PARA[1], *items, PARA[2], sub, *MORE]


@pytest.mark.parametrize("caption", [
    "The new depot in the northern district, seen from the air on Monday. (Jane Doe/City Press)",
    "Die neue Halle im Norden der Stadt am Montag aus der Luft gesehen. Foto: Jane Doe/dpa",
    "Le nouveau dépôt du tramway dans le quartier nord, vu du ciel lundi, avant les travaux © Ville de Lyon",
    "Jane Doe | City Press | Picture Agency",
    "Der Bürgermeister eröffnet die neue Haltestelle am Bahnhof. IMAGO/Jane Doe",
    "Grauer Blazer und Minikleid, beides von GIVENCHY.Foto: Jane Doe. Styling: John Doe. Haare: Jane Roe",
    "北部の新しい車両基地＝13日（山田太郎撮影）",
    "新しい無線機を載せたパトカーで通話試験をする技官（警視庁提供）",
    "Die Siedler versammeln sich am Montagabend auf dem Platz vor dem Rathaus. SRF",
    "시민들이 13일 서울 광화문 광장에서 열린 집회에 참석해 구호를 외치고 있다. 연합뉴스",
    "Crowds on the new platform of the northern terminus on Sunday. Photograph: Jane Doe via Getty",
])
def test_a_caption_ending_with_its_picture_credit_is_not_body(caption: str) -> None:
    """A line ending with a picture credit (name and agency in brackets with a slash, a "Photo:" or "©" tail,
    names between bars, a Japanese photographer's credit) is a caption between paragraphs and stays out; a
    sentence ending in brackets stays."""
    last = "Work on the first section starts in March, the council said (the second section follows in 2027)."
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], PARA[1], caption, PARA[2], *MORE, last])
    assert _body_lines(text) == [PARA[0], PARA[1], PARA[2], *MORE, last]


def test_a_sign_off_after_the_last_sentence_stays_in_the_body() -> None:
    """A paragraph whose last sentence is followed by a lower-case word (a sign-off) or by a name with an initial
    is no caption: it stays."""
    own = ["We will be back next week with more news from the council and the tram works. Cheers. xo",
           "The figures for the second section come from the planning report by Jennifer L. Armentrout"]
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], PARA[1], *own, PARA[2], *MORE])
    assert _body_lines(text) == [PARA[0], PARA[1], *own, PARA[2], *MORE]


def test_paragraph_long_lines_ending_in_no_sentence_end_join_the_window_at_its_edges() -> None:
    """A paragraph-long line right above or below the article that ends in no sentence end (a reporter's
    credit in brackets, a sentence the page cut off) is part of the article; a shorter such line (a link, a
    kicker) is not."""
    first = ("The regional transport authority presented its plans for a new tram line to the northern districts "
             "on Tuesday evening in front of some two hundred residents")
    last = ("Work on the first section is due to start in March and the council expects the first trams to run "
            "on the new tracks two years later 【Jane Doe, John Roe】")
    link = "More news about the tram line and the northern districts"
    text = "\n".join(["City Extends Tram Line to the North", "Share", first, *PARA, *MORE, last, link, "Share"])
    assert _body_lines(text) == [first, *PARA, *MORE, last]


def test_a_labelled_link_to_another_story_is_not_body() -> None:
    """A short label, a bar and a headline between paragraphs ("WATCH | …") links to another story and stays
    out; a paragraph that opens with a place name and a bar and ends like a sentence stays."""
    link = "READ ALSO | Residents of the northern districts react to the new tram line"
    dateline = "BERLIN | The council voted on Monday to extend the bus lanes to the southern districts as well."
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], PARA[1], link, PARA[2], dateline, *MORE])
    assert _body_lines(text) == [PARA[0], PARA[1], PARA[2], dateline, *MORE]


def test_blurbs_cut_to_one_width_are_not_body() -> None:
    """Three lines ending in "..." with the same length (teasers cut at a fixed character) stay out; an author's
    trailing-off sentences of different lengths stay in."""
    blurbs = [f"{head[:40]}..." for head in (MORE[0], MORE[1], PARA[2])]
    own = ["And then the council changed its mind once more...", "Nobody knows what happens next..."]
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], PARA[1], *blurbs, PARA[2], *own, *MORE])
    assert _body_lines(text) == [PARA[0], PARA[1], PARA[2], *own, *MORE]


def test_a_list_of_blurbs_cut_to_one_width_under_the_article_is_not_the_window() -> None:
    """Under the article and a run of widget lines, a list of other stories (headline, a blurb cut at a fixed
    width, date) does not pull the window down into it: its blurbs are no prose."""
    widgets = ["Share", "Print", "Email", "Copy link", "Report", "Cancel"]
    stories = []
    for k, para in enumerate([*PARA, *MORE]):
        stories += [f"Other story {k} of the day", f"{para} {PARA[k % 3]}"[:150] + "...", "13 January"]
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, *MORE, *widgets, "Latest", *stories])
    assert _body_lines(text) == [*PARA, *MORE]


def test_the_standfirst_between_title_and_byline_joins_the_body() -> None:
    """The summary sentence printed right under the title, above the byline and share buttons, is the
    article's first paragraph; a long caption line with its credit line under it is not."""
    lede = "The northern districts get their tram eight years after the first plans, at twice the cost."
    caption = "The tram depot in the northern district seen from the air."
    head = ["Home", "News", "", "City Extends Tram Line to the North", caption, "Photo: Jane Doe", lede,
            "By Jane Doe", "Share", "Facebook", "Twitter", "Email", "Print"]
    assert _body_lines("\n".join([*head, *PARA, "© 2024 Example"])) == [lede, *PARA]


def test_the_standfirst_joins_the_body_over_a_long_byline_and_share_box() -> None:
    """The summary under the title still joins the body when an author box and a share bar of some fifteen
    lines stand between it and the article."""
    lede = "The northern districts get their tram eight years after the first plans, at twice the cost."
    box = ["By Jane Doe", "View author publications", "Search author on the site", "Share", "Facebook", "Twitter",
           "Email", "Print", "Copy link", "Bookmark", "Listen", "Read later", "Comments", "Font size", "Contrast"]
    head = ["Home", "News", "", "City Extends Tram Line to the North", lede, *box]
    assert _body_lines("\n".join([*head, *PARA, *MORE, "© 2024 Example"])) == [lede, *PARA, *MORE]


def test_an_author_box_after_a_gap_of_short_lines_is_cut_from_the_window() -> None:
    """A short tail after three short or stripped lines (an author's name, role and one-line bio under the
    article) ends the window above the gap; a longer last section after such a gap stays."""
    bio = "Jane Doe has reported on the city council and its transport plans for more than ten years."
    article = ["City Extends Tram Line to the North", "", *PARA, *MORE]
    tail = ["Jane Doe", "Reporter", "Follow", bio]
    assert _body_lines("\n".join([*article, *tail])) == [*PARA, *MORE]
    long_tail = [bio.replace("Jane Doe", f"Reporter {k}") for k in range(8)]
    assert _body_lines("\n".join([*article, *tail[:3], *long_tail])) == [*PARA, *MORE, *tail[:2], *long_tail]


@pytest.mark.parametrize(("name", "bio"), [
    ("Jane Doe", "Jane Doe has reported on the city council and its transport plans for more than ten years."),
    ("JANE DOE", "Doe covers the city council and its transport plans for the paper. She is based in the north."),
    ("jane", "Jane: mother of two, tram rider by day and writer of long stories about the city by night."),
])
def test_a_writers_bio_under_the_article_is_cut_from_the_window(name: str, bio: str) -> None:
    """A name line right above a line that opens with the name (first or last word, any case), the name also
    in the byline, ends the window above the name; a sub-heading whose words open its paragraph, with no
    byline naming it, stays (as does a bio-shaped tail whose name no other line holds)."""
    article = ["City Extends Tram Line to the North", f"By {name.title()}", "", *PARA, *MORE]
    assert _body_lines("\n".join([*article, name, bio])) == [*PARA, *MORE]
    heading = ["Stay tuned", "Stay tuned to this page: we will report on the vote and on what the council decides."]
    assert _body_lines("\n".join([*article, *heading])) == [*PARA, *MORE, *heading]
    unnamed = ["City Extends Tram Line to the North", "", *PARA, *MORE, name, bio]
    assert _body_lines("\n".join(unnamed)) == [*PARA, *MORE, name, bio]


def test_a_teaser_box_under_a_label_inside_the_article_is_not_body() -> None:
    """Three headlines in a row under a short label between paragraphs are a teaser box and stay out; the
    same shape under a line ending in ":" is the article's own list and stays in."""
    heads = [f"Story number {k} that readers of this site looked at in the northern city" for k in range(3)]
    start = ["City Extends Tram Line to the North", "", PARA[0], PARA[1]]
    end = [PARA[2], *MORE]
    assert _body_lines("\n".join([*start, "Editor's picks", *heads, *end])) == [PARA[0], PARA[1], *end]
    assert _body_lines("\n".join([*start, "The plan has three parts:", *heads, *end])) == [
        PARA[0], PARA[1], "The plan has three parts:", *heads, *end]


def test_a_box_the_page_prints_twice_is_not_body() -> None:
    """Three headlines between paragraphs that the page prints again in a sidebar are a copied box and stay
    out; the same lines printed once stay in, and so do a pull quote repeated once and repeated code lines."""
    heads = [f"Story number {k} that readers of this site looked at" for k in range(3)]
    start = ["City Extends Tram Line to the North", "", PARA[0], PARA[1]]
    end = [PARA[2], *MORE]
    sidebar = ["", "Most read", *heads, "© 2024 Example"]
    assert _body_lines("\n".join([*start, *heads, *end, *sidebar])) == [PARA[0], PARA[1], *end]
    assert _body_lines("\n".join([*start, *heads, *end])) == [PARA[0], PARA[1], *heads, *end]
    quoted = _body_lines("\n".join([*start, PARA[0], *end]))
    assert quoted == [PARA[0], PARA[1], PARA[0], *end]
    code = ["the list of items: [", "the list of items: [", "the list of items: ["]
    assert _body_lines("\n".join([*start, *code, *end, "", *code])) == [PARA[0], PARA[1], *code, *end]


def test_body_rules_read_each_page_alone() -> None:
    """The tail cut, the standfirst and the asides are computed over many pages at once: a page parsed
    beside others (before or after one whose tail is cut, or whose standfirst is taken) keeps its own body."""
    bio = "Jane Doe has reported on the city council and its transport plans for more than ten years."
    lede = "The northern districts get their tram eight years after the first plans, at twice the cost."
    cut = "\n".join(["City Extends Tram Line to the North", "", *PARA, *MORE, "Jane Doe", "Reporter", "Follow", bio])
    plain = "\n".join(["Harbour Bridge Reopens After Repairs", "", *[p.replace("tram", "bridge") for p in PARA],
                       *[p.replace("the", "a") for p in MORE], *[p.replace("tram", "boat") for p in PARA]])
    first = "\n".join(["Bus Lanes Planned for the South", lede, "By Jane Doe", "Share", "Facebook", "Twitter",
                       "Email", "Print", *PARA])
    texts = {"a": plain, "b": cut, "c": first, "d": plain}

    def bodies(names: list[str]) -> dict[str, str]:
        pages = pl.DataFrame({"page_id": names, "site": [f"{n}.example.org" for n in names],
                              "text": [texts[n] for n in names]})
        return dict(parse_articles(segment_pages(strip_boilerplate(pages))).select("page_id", "body").iter_rows())

    together = bodies(["a", "b", "c", "d"])
    assert together == {name: bodies([name])[name] for name in texts}
    assert bio not in together["b"]
    assert together["c"].startswith(lede)
@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab 19٣３é東\n"), max_size=12), max_size=20))
@example(["no digit", "٣ أيام", "２０２０年", "2019", "", "é"])
def test_digit_rows_match_the_unicode_digit_class(texts: list[str]) -> None:
    """``_digit_rows`` (ASCII search, then ``\\d`` on non-ASCII rows) flags exactly the rows ``\\d`` finds."""
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    assert _digit_rows(frame).to_list() == frame.select(pl.col("text").str.contains(r"\d")).to_series().to_list()


@pytest.mark.parametrize("text", ["Dezember", "March", "Comments", "Kommentare:", "vor einer Woche",
                                  "a day ago", "le mardi", "Comments (many)", "comments [ ]"])
def test_date_and_count_patterns_need_a_digit(text: str) -> None:
    """line_features and parse_articles run the date and count patterns only on lines with a digit."""
    frame = pl.DataFrame({"text": [text]})
    found = frame.select(
        date=pl.col("text").str.contains(rf"(?i){selectors.DATE_RE}"),
        count=pl.col("text").str.contains(selectors.COMMENT_COUNT_RE),
        trailing=pl.col("text").str.contains(selectors.COMMENT_COUNT_TRAILING_RE),
    ).row(0)
    assert found == (False, False, False)


FOOTED = [("Anna Keller", "I take this tram every day and the extension is long overdue, frankly."),
          ("Boris Lund", "The money would be better spent on buses that can reach the villages too."),
          ("Chiara Neri", "Finally some good news for the north. I hope they keep to the schedule.")]


@pytest.mark.parametrize("tail", [["Post a comment", "Name"], ["Preview your comment", "Post a comment"]])
def test_footers_without_a_comments_heading(tail: list[str]) -> None:
    """"Posted by: NAME | DATE" under each comment and no comments heading or count above: no text follows
    the last footer (or a form's prompt, not a sentence, does) and the first comment's text stands above
    the first footer, so each name signs the text above it."""
    lines = [_article(), "Posted on 3 May 2021 | Permalink", ""]
    for author, text in FOOTED:
        lines += [text, "", f"Posted by: {author} | 3 May 2021 at 10:15", ""]
    _, comments = _parse("\n".join([*lines, *tail]))
    assert [c["author"] for c in comments] == [a for a, _ in FOOTED]
    assert [c["text"] for c in comments] == [t for _, t in FOOTED]


def test_headers_closed_by_a_reply_button_are_not_footers() -> None:
    """A reply button under the last comment's text ends a header layout: the names head the text below."""
    texts = [*(t for _, t in FOOTED[:-1]), "See the map they published in March"]  # no sentence end
    lines = [_article(), "Comments are moderated.", ""]
    for (author, _), text in zip(FOOTED, texts, strict=True):
        lines += [f"Posted by: {author} | 3 May 2021 at 10:15", "", text, "", "Reply", ""]
    _, comments = _parse("\n".join([*lines, "Leave a Reply"]))
    assert [c["author"] for c in comments] == [a for a, _ in FOOTED]
    assert [c["text"] for c in comments] == texts


def test_a_sentence_taken_for_the_title_stays_in_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page that prints no heading line: where the title chosen is a long line that reads as a sentence (the
    lede), it stays in the body too; a headline-shaped title line does not."""
    lede = ("Prosecutors in the northern city have dropped an investigation into the tram contracts that were "
            "awarded to a firm owned by the mayor's brother in 2010.")
    chosen: list[str] = []

    def first_line_titled(feats: pl.DataFrame, _model: object) -> pl.DataFrame:
        return feats.filter(pl.col("text") == chosen[0]).select("_page", _title=pl.col("_i")).unique("_page")

    monkeypatch.setattr(parse_module, "rank_titles", first_line_titled)
    chosen.append(lede)
    assert _body_lines("\n".join(["Home", "Share", lede, *PARA])) == [lede, *PARA]
    chosen[0] = "City Extends Tram Line to the North"
    assert _body_lines("\n".join(["Home", "Share", chosen[0], *PARA])) == PARA


def test_a_short_head_above_a_gap_is_cut_from_the_window() -> None:
    """A caption with no sentence end at the window's top, then three short lines (byline, place, a bookmark
    button) above the article: the window starts under the gap. A lede that ends like a sentence stays."""
    caption = ("Four residents of the northern districts, part of a group of neighbours that has campaigned for the"
               " tram line for years, at the council meeting on Tuesday evening. From left: Jane Roe, John Roe,"
               " Mary Major and Richard Miles")
    article = [*PARA, *MORE, *[p.replace("the", "a") for p in PARA + MORE]]
    for head, kept in ((caption, False), (f"{caption}.", True)):
        text = "\n".join(["Home", "News", "", "City Extends Tram Line to the North", "", head, "", "Jane Doe", "",
                          "writes from the town hall", "", "Bookmark", "", *article])
        body = _body_lines(text)
        assert (head in body) is kept
        assert body[-len(article):] == article


def test_a_question_headline_over_a_gap_is_no_head_sentence() -> None:
    """A headline that asks a question reads as prose; where the window opens with it, a byline gap under it
    (name, published and updated lines) is still cut from the window's top."""
    title = "Who is the new coach of the city team and how long will he stay in the job this time?"
    article = [*PARA, *MORE, *[p.replace("the", "a") for p in PARA + MORE]]
    text = "\n".join(["Home", "Sport", title, "Jane Doe", "Published: 22:04, 22 Apr 2024",
                      "Updated: 22:05, 22 Apr 2024", *article])
    article_row, _ = _parse(text)
    assert article_row["title"] == title
    assert _body_lines(text) == article


def test_a_list_the_article_introduces_at_its_end_is_body() -> None:
    """Short lines under a line ending with ":" at the article's end (ingredients, an address) join the body, up to
    the next stripped line; a run of headlines under "Related:" and a lone name under "Contact:" do not."""
    intro = "Ingredients for four portions:"
    items = ["2 tsp vegetable oil", "1 large onion", "4 cloves garlic", "salt and pepper to taste"]
    text = "\n".join(["Tram Line Soup", "", *PARA, *MORE, intro, *items, "Share", "© 2024 Example"])
    assert _body_lines(text) == [*PARA, *MORE, intro, *items]
    heads = ["Residents of the northern districts react to the new tram line plans",
             "Why the council wants a second depot for the trams near the motorway",
             "What the new timetable for the whole network means for the night buses"]
    for label, under in (("Related:", heads), ("Contact the author:", ["Jane Doe"])):
        text = "\n".join(["City Extends Tram Line to the North", "", *PARA, *MORE, label, *under, "Share"])
        assert _body_lines(text) == [*PARA, *MORE]


def test_a_line_printing_one_phrase_twice_or_three_times_is_not_body() -> None:
    """A widget's name badge ("Jane Doe Jane Doe") or a teaser headline printed three times on its line (link
    text, alt text, title) between paragraphs stays out; a sentence that repeats a word or two stays."""
    badge = "Jane Marie Doe Jane Marie Doe"
    head = "How the City Plans Its Trams"
    echo = "Very, very slowly the trams came back, and the city said they had come back to stay for good."
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], PARA[1], badge, PARA[2],
                      f"{head} {head} {head}", echo, *MORE])
    assert _body_lines(text) == [PARA[0], PARA[1], PARA[2], echo, *MORE]


def test_a_blurb_cut_short_before_a_link_is_not_body() -> None:
    """A teaser blurb cut with an ellipsis and followed by a link label ("… Read more", "…mehr") stays out; a
    sentence that trails off and goes on to its end stays."""
    blurbs = ["When you walk into almost any store, you are immediately overloaded with sights… Read more Read more",
              "Die Stadt baut die Straßenbahn in den Norden weiter, doch die Kosten steigen und…mehr"]
    own = "Fixing the network costs money... a lot of money, the mayor said at the end of the meeting."
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], PARA[1], blurbs[0], PARA[2], blurbs[1],
                      own, *MORE])
    assert _body_lines(text) == [PARA[0], PARA[1], PARA[2], own, *MORE]


def test_teaser_items_with_a_link_line_each_are_not_body() -> None:
    """Headline, blurb and a "read on" link per item (blurbs three lines apart) under the article: a list of
    other stories, not more article. Short sentences of the article between its paragraphs, ending in a full
    stop, are no headlines: the paragraphs under them stay."""
    items = []
    for k in range(3):
        items += [f"Other story number {k} from the region",
                  f"The district council number {k} met on Monday to discuss the new timetable for its buses.",
                  "Read on"]
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, *MORE, "Short", *items])
    assert _body_lines(text) == [*PARA, *MORE]
    short = [f"The depot number {k} opens in May." for k in range(3)]
    story = [PARA[0], short[0], PARA[1], "", short[1], PARA[2], "", short[2], *MORE]
    assert _body_lines("\n".join(["City Extends Tram Line to the North", "", *story])) == [x for x in story if x]


def test_two_short_tails_one_after_the_other_are_both_cut() -> None:
    """Under the article, an editor's line over a newsletter form, then a short author box after another gap:
    each is a short tail, and the window ends above the first gap."""
    article = [*PARA, *MORE, *[p.replace("the", "a") for p in PARA + MORE]]
    form = ["Editing: Jane Doe", "Fact check: John Doe", "Every morning at seven",
            "Read about power and its abuse, every morning, in the newsletter of our newsroom.",
            "First name (optional)", "Last name (optional)", "Your address (required)"]
    box = ["Jane Doe reports on the city council and its transport plans for the newsroom since 2019."]
    text = "\n".join(["City Extends Tram Line to the North", "", *article, *form, *box])
    assert _body_lines(text) == article


def test_a_window_opening_above_the_title_it_holds_starts_under_it() -> None:
    """Menu items glued to their teasers (long lines of prose above the headline) do not open the body: the
    window that holds the title starts under it. A page whose window opens under its title keeps it whole."""
    menu = ["Books The new guide for small publishers is out and selling well in every shop of the country.",
            "Podcast", "About Jane Doe is the author of the guide and writes about small firms every week.",
            "Blog", "Shop"]
    title = "City Extends Tram Line to the North"
    page = [*menu, "Home / News", title, "Posted on 14 August 2012 by Jane Doe", *PARA, *MORE, "© 2024 Example"]
    article, _ = _parse("\n".join(page))
    assert article["title"] == title
    assert _body_lines("\n".join(page)) == [*PARA, *MORE]
    plain = ["Home", "News", "", title, "Posted on 14 August 2012 by Jane Doe", *PARA, *MORE, "© 2024 Example"]
    assert _body_lines("\n".join(plain)) == [*PARA, *MORE]


def test_under_title_moves_only_windows_that_hold_their_title_over_a_byline() -> None:
    """``_under_title`` moves a window's start under the title only where the window opens above it and holds it
    and the line under the title is stripped or a date: not a window under its title, nor one above a title
    printed below it, nor a page without a title, nor one whose title has the article's text under it (a line
    of the article taken for the title)."""
    windows = [(2, 20, 4, "byline", False), (5, 20, 3, "byline", False), (2, 6, 9, "byline", False),
               (2, 20, None, "byline", False), (2, 20, 4, None, False), (2, 20, 4, None, True)]
    rows = [{"_page": page, "_i": i, "_lo": lo, "_hi": hi, "_title": title,
             "strip_rule": rule if title is not None and i == title + 1 else None,
             "f_date": date and title is not None and i == title + 1}
            for page, (lo, hi, title, rule, date) in enumerate(windows) for i in range(25)]
    frame = pl.DataFrame(rows, schema={"_page": pl.UInt32, "_i": pl.Int32, "_lo": pl.Int32, "_hi": pl.Int32,
                                       "_title": pl.Int32, "strip_rule": pl.String, "f_date": pl.Boolean})
    moved = frame.with_columns(parse_module._under_title(frame)).group_by("_page", maintain_order=True).agg(
        pl.col("_lo").first())["_lo"].to_list()
    assert moved == [5, 5, 2, 2, 2, 5]


@pytest.mark.parametrize("stamp", [
    "Publiziert heute um 12:19 Uhr",
    "2025年1月14日 01時28分 (1月14日 01時40分更新)",
    "Duration 1:30",
    "— Secretary of Transport (@transport) May 6, 2025",
])
def test_a_date_or_time_stamp_inside_the_article_is_not_body(stamp: str) -> None:
    """A short line holding a date or a clock time between paragraphs (a date line the date patterns do not read,
    a CJK update stamp, a video's duration, a post's signature) is left out of the body."""
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], "", stamp, "", PARA[1], PARA[2], *MORE])
    assert _body_lines(text) == [*PARA, *MORE]


def test_dated_lines_one_under_the_other_and_dated_sentences_stay_in_the_body() -> None:
    """Lines of dated items one under the other (a timeline) stay in the body, and so do a sentence of the
    article that names a date and a short line holding no date or time."""
    timeline = ["12 March 2020: schools close", "23 March 2020: the first lockdown begins"]
    dated = "The council will vote on the final route at its meeting on 14 May 2024 at 18:00 in the town hall."
    text = "\n".join(["City Extends Tram Line to the North", "", PARA[0], "", *timeline, "", PARA[1], dated,
                      "What comes next", PARA[2], *MORE])
    assert _body_lines(text) == [PARA[0], *timeline, PARA[1], dated, "What comes next", PARA[2], *MORE]


def test_a_writers_bio_under_a_role_line_is_cut_from_the_window() -> None:
    """A name of two words or more over a role line and a bio line, the name also in the byline, ends the window
    above the name; the same lines stay where no other line names the writer, or where the name is one word."""
    bio = "Since 2019 at the paper, she writes about transport, housing and the budgets of the city council."
    article = ["City Extends Tram Line to the North", "By Jane Doe", "", *PARA, *MORE]
    assert _body_lines("\n".join([*article, "Jane Doe", "Reporter", bio])) == [*PARA, *MORE]
    unnamed = ["City Extends Tram Line to the North", "", *PARA, *MORE]
    assert _body_lines("\n".join([*unnamed, "Jane Doe", "Reporter", bio])) == [*PARA, *MORE, "Jane Doe",
                                                                                "Reporter", bio]
    one_word = ["City Extends Tram Line to the North", "By Jane", "", *PARA, *MORE]
    assert _body_lines("\n".join([*one_word, "Jane", "Reporter", bio])) == [*PARA, *MORE, "Jane", "Reporter", bio]


def test_the_standfirst_is_found_under_a_long_dateline_with_a_clock_time() -> None:
    """A line holding a date and a clock time between the title and the summary (however many words around them)
    is a dateline, not the summary: the summary under it joins the body; a summary that names a date without a
    time is still the summary."""
    lede = "The northern districts get their tram eight years after the first plans, at twice the cost."
    dateline = "23 March 2017, updated 23 March 2017, 15:43 | Source: The Example Daily News Online"
    share = ["Share", "Facebook", "Twitter", "Email", "Print"]
    head = ["Home", "News", "", "City Extends Tram Line to the North", dateline, lede, *share]
    assert _body_lines("\n".join([*head, *PARA, *MORE, "© 2024 Example"])) == [lede, *PARA, *MORE]
    dated = "Since 23 March 2017 the northern districts wait for their tram, which now costs twice as much."
    head = ["Home", "News", "", "City Extends Tram Line to the North", dated, *share]
    assert _body_lines("\n".join([*head, *PARA, *MORE, "© 2024 Example"])) == [dated, *PARA, *MORE]


READER_TEXTS = [
    "I have lived in the northern district for thirty years and I have never seen a plan as badly thought out as "
    "this one, which will cost every one of us for a decade and bring almost nothing to the people who need it.",
    "The council should have asked the people who take the bus every morning before it spent the money of the "
    "whole region on a line that will run empty for most of the day, as the last one did when it opened.",
    "Anyone who has tried to cross the city at rush hour knows that something had to be done, and a tram is at "
    "least cleaner and quieter than the buses we have now, so I welcome it even if it comes years too late.",
]


@pytest.mark.parametrize("opener", ["3 Comments", "Kommentare (3)", "Leserkommentare"])
def test_the_body_ends_at_a_comment_section_opener_with_no_thread_read_under_it(opener: str) -> None:
    """A stated count or comments heading under the article, over login controls and readers' paragraphs the
    finder reads no thread in (no names, no dates), ends the body: the comments' prose, more than the article's,
    does not become the body."""
    controls = ["Newest", "Oldest", "Log in", "Register", "Forgot password?", "Show profile", "Edit profile",
                "Log out", "Report comment", "Reason"]
    readers = [line for text in READER_TEXTS for line in (text, "Reply")]
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, *MORE, opener, *controls, *readers,
                      "© 2024 Example"])
    assert _body_lines(text) == [*PARA, *MORE]


def test_a_comments_heading_the_article_goes_on_under_is_no_end_of_the_body() -> None:
    """A "Discussion" sub-heading with the article's paragraphs right under it stays in the body, and a stated
    count over the article (a share bar under the title) ends nothing: no article prose lies above it."""
    text = "\n".join(["City Extends Tram Line to the North", "", *PARA, "Discussion", *MORE, "© 2024 Example"])
    assert _body_lines(text) == [*PARA, "Discussion", *MORE]
    text = "\n".join(["City Extends Tram Line to the North", "Share", "12 Comments", "", *PARA, *MORE,
                      "© 2024 Example"])
    assert _body_lines(text) == [*PARA, *MORE]
