"""HTML bodies: ours and trafilatura's combined by line agreement; comment text kept out (issue 17)."""

from __future__ import annotations

import sys

import polars as pl
import pytest
from selectolax.lexbor import LexborHTMLParser

from tasks.extract.html import _title, drop_comment_lines, replace_partial_bodies, title_agreement
from tasks.extract.mainbody import UNCONFIRMED, choose_body, combine_bodies, drop_comment_text

P1 = "The council voted on Tuesday to close the old bridge to cars after engineers found deep cracks."
P2 = "Cyclists and walkers may still cross it while the repair work is planned for the coming spring."
P3 = "The mayor said the city would pay for a ferry service during the months of the closure period."
TEASER = ("Read next: a long teaser of another story that runs on for many words about something else "
          "entirely and is not part of this article at all, no matter how long it gets.")


def test_agreeing_bodies_with_trafilatura_running_past_the_article_take_ours() -> None:
    body, source = combine_bodies(f"{P1}\n\n{P2}\n\n{P3}", f"{P1}\n{P2}\n{P3}\n{TEASER}\nMore stories")
    assert (body, source) == (f"{P1}\n\n{P2}\n\n{P3}", "ours")


def test_agreeing_bodies_take_trafilatura_less_the_short_lines_before_the_article() -> None:
    """Ours keeps a caption and misses a paragraph inside the article; trafilatura's byline before it is dropped."""
    ours = f"{P1}\n\nPhoto: Agency\n\n{P2}"
    body, source = combine_bodies(ours, f"By A. Writer\n{P1}\n{P3}\n{P2}")
    assert (body, source) == (f"{P1}\n\n{P3}\n\n{P2}", "trafilatura_trimmed")


def test_prose_before_the_shared_lines_means_ours_missed_the_start() -> None:
    body, source = combine_bodies(f"{P2}\n\n{P3}", f"{TEASER}\n{P2}\n{P3}\n{P1}")
    assert source == "trafilatura"
    assert body.startswith(TEASER)


def test_disagreeing_bodies_take_trafilatura_unconfirmed() -> None:
    assert combine_bodies("Popular now\n\nMost read", f"{P1}\n{P2}") == (f"{P1}\n\n{P2}", UNCONFIRMED)


@pytest.mark.parametrize(("ours", "theirs", "expected"), [
    (None, f"{P1}\n{P2}", (f"{P1}\n\n{P2}", UNCONFIRMED)),
    (f"{P1}\n\n{P2}", None, (f"{P1}\n\n{P2}", "ours")),
    (None, None, ("", "none")),
    # trafilatura's lines run across our paragraphs (its baseline): ours is kept
    (f"{P1}\n\n{P2}", f"{P1} {P2} Share this", (f"{P1}\n\n{P2}", "ours")),
])
def test_one_or_no_extractor(ours: str | None, theirs: str | None, expected: tuple[str, str]) -> None:
    assert combine_bodies(ours, theirs) == expected


def test_a_leading_title_line_is_dropped() -> None:
    body, _ = combine_bodies(None, f"The Bridge Closes\n{P1}\n{P2}", title="The bridge closes")
    assert body == f"{P1}\n\n{P2}"


def test_comment_paragraphs_are_dropped_from_the_body() -> None:
    comment = "I cross that bridge every day.\n\nGood riddance to the traffic."
    body = f"{P1}\n\n{P2}\n\nI cross that bridge every day.\n\nGood riddance to the traffic."
    assert drop_comment_text(body, [comment, None]) == f"{P1}\n\n{P2}"
    assert drop_comment_text(body, []) == body


def test_comments_that_would_take_most_of_the_body_are_a_misreading() -> None:
    """Issue 17: when comment text would be most of the body, the comment finder misread the article."""
    body = f"{P1}\n\n{P2}\n\n{P3}"
    assert drop_comment_text(body, [f"{P1}\n\n{P2}"]) == body
    assert drop_comment_text(body, [P3]) == f"{P1}\n\n{P2}"


def test_choose_body_without_trafilatura_is_ours() -> None:
    assert choose_body("<p>x</p>", f"{P1}\n\n{P2}", use_trafilatura=False) == (f"{P1}\n\n{P2}", "ours")


def test_choose_body_on_a_page() -> None:
    html = (f"<html><body><nav><a href='/'>Home</a></nav><article><h1>The bridge closes</h1><p>{P1}</p>"
            f"<p>{P2}</p><p>{P3}</p></article><footer>Contact us</footer></body></html>")
    body, source = choose_body(html, f"{P1}\n\n{P2}\n\n{P3}", title="The bridge closes")
    assert body == f"{P1}\n\n{P2}\n\n{P3}"
    assert source in ("ours", "trafilatura", "trafilatura_trimmed")


@pytest.mark.parametrize(("ours", "fast", "full"), [
    (None, f"{P1}\n\n{P2}", f"{P1}\n\n{P2}\n\n{P3}"),  # ours found nothing: the full run's body
    (None, f"{P1}\n\n{P2}", None),                     # ... and the fast run's when the full run finds none
    ("", None, None),
    (P1, f"{P1}\n\n{P2}\n\n{P3}", None),               # ours confirmed: the fast run alone
    (f"{P1}\n\n{P2}\n\n{P3}", P1, f"{P1}\n\n{P2}"),    # the fast run finds too little: the full run's body
])
def test_choose_body_runs_trafilatura_as_the_rule_says(monkeypatch: pytest.MonkeyPatch, ours: str | None,
                                                       fast: str | None, full: str | None) -> None:
    """The body is the one of the plain rule (fast run, then the full run when the rule asks for it, the
    fast body standing in for a full run that finds nothing), with the full run first, and the fast run
    only when it is needed, on pages where ours found nothing."""
    from tasks.extract import mainbody

    calls: list[bool] = []

    def fake(html: str, *, fast: bool = False) -> str | None:
        calls.append(fast)
        return fast_body if fast else full

    fast_body = fast
    monkeypatch.setattr(mainbody, "trafilatura_body", fake)
    n_ours, n_fast = mainbody._n_words(ours or ""), mainbody._n_words(fast or "")
    rerun = not n_fast or not n_ours or n_fast < mainbody.RERUN_BELOW * n_ours or (
        combine_bodies(ours, fast)[1] == UNCONFIRMED and n_fast > mainbody.RERUN_ABOVE * n_ours)
    expected = combine_bodies(ours, (full or fast) if rerun else fast)
    assert choose_body("<p>x</p>", ours) == expected
    if not n_ours:
        assert calls == ([False] if full else [False, True])
    else:
        assert calls == ([True, False] if rerun else [True])


def test_replace_partial_bodies_and_drop_comment_lines() -> None:
    articles = pl.DataFrame({"page_id": ["a", "b"], "title": ["text title", "kept"],
                             "body": ["text body", f"{P1}\n\nNice post!"]})
    comments = pl.DataFrame({"page_id": ["a", "b"], "text": [P3, "Nice post!"]})
    partial = pl.DataFrame({"page_id": ["a"], "title": ["Markup title"], "body": [f"{P1}\n\n{P2}\n\n{P3}"],
                            "body_source": ["ours"]})
    out = replace_partial_bodies(articles, comments, partial)
    assert out.row(0, named=True) == {"page_id": "a", "title": "Markup title", "body": f"{P1}\n\n{P2}"}
    assert out.row(1, named=True)["body"] == f"{P1}\n\nNice post!"
    assert drop_comment_lines(articles.slice(1), comments)["body"].to_list() == [P1]


@pytest.mark.parametrize(("a", "b", "score"), [
    ("The bridge closes", "the BRIDGE closes!", 1.0),
    ("The bridge closes", "The bridge closes | City News", 0.75),
    ("Ihr Feedback", "The bridge closes", 0.0),
    ("", "x", 0.0),
    ("Paläs\u00adti\u00adnenser legt Beschwerde ein", "Palästinenser legt Beschwerde ein", 1.0),  # soft hyphens
])
def test_title_agreement(a: str, b: str, score: float) -> None:
    assert title_agreement(a, b) == pytest.approx(score)


@pytest.mark.parametrize(("html", "title"), [
    # the site's name is the h1 (it links to the front page); the post title is an h3 agreeing with <title>
    ("<title>Outlaw the phrase at work | Web Ink Now</title><h1><a href='/'>Web Ink Now</a></h1>"
     "<h3 class='post-header'>Outlaw the phrase at work</h3><p>text</p>", "Outlaw the phrase at work"),
    # a widget label as the first h1; the headline h1 agrees with og:title
    ("<meta property='og:title' content='Putin faces a challenger'><h1>Ihr Feedback</h1>"
     "<article><h1>Putin faces a challenger</h1></article>", "Putin faces a challenger"),
    # a kicker inside the heading, beside the stated title
    ("<meta property='og:title' content='Hotel opens as a theatre once more'>"
     "<h2>Premiere in the east - Hotel opens as a theatre once more</h2>", "Hotel opens as a theatre once more"),
    # og:site_name names the site: the h1 is skipped, og:title is taken
    ("<meta property='og:site_name' content='Daily Paper'><meta property='og:title' content='Rain all week'>"
     "<h1>Daily Paper</h1>", "Rain all week"),
    # nothing agrees: the first headline selector as before
    ("<title>Site</title><h1 class='entry-title'>A post</h1>", "A post"),
    # no heading at all: the longest part of <title>
    ("<title>Rain is coming this week | Daily Paper</title><p>x</p>", "Rain is coming this week"),
    # the blog's name is the h1 and the part of <title> after the separator: skipped for <title>'s headline
    ("<title>Airport sale spurs a lobbying effort - The Blog: Notes on Law</title>"
     "<h1>The Blog: Notes on Law</h1><p>x</p>", "Airport sale spurs a lobbying effort"),
    # ... but a short headline beside a longer blog name is no site name when og:title states it alone
    ("<meta property='og:title' content='Paper cuts (3)'><title>Paper cuts (3) | notes of a slow reader</title>"
     "<h1>notes of a slow reader</h1><h1>Paper cuts (3)</h1>", "Paper cuts (3)"),
    # no heading agrees 0.7, the headline h1 agrees 0.67: taken before a widget label of a headline class
    ("<meta property='og:title' content='Arms for the region: complaint filed'>"
     "<div class='headline'>Citation</div><h1>Arms for the region: lawyer files complaint</h1>",
     "Arms for the region: lawyer files complaint"),
    # a date and byline after the stated title in the heading are cut off, apostrophes told apart
    ("<meta property='og:title' content=\"Can Anna's phone switch to the new one?\">"
     "<h1 class='entry-title'>Can Anna’s phone switch to the new one? May 12, 2012 by Anna Lee</h1>",
     "Can Anna’s phone switch to the new one?"),
    # a heading that goes on from the stated title in words is the headline, not a kicker beside it
    ("<meta property='og:title' content='Who is the new coach of the city team?'>"
     "<h1>Who is the new coach of the city team and what does he plan?</h1>",
     "Who is the new coach of the city team and what does he plan?"),
    # a heading that is itself a stated title is kept whole
    ("<meta property='og:title' content='Report: activist killed'>"
     "<title>In the 2022 protests: Report: activist killed</title>"
     "<h1>In the 2022 protests: Report: activist killed</h1>", "In the 2022 protests: Report: activist killed"),
    # a headline class on a wrapper of the headline's h2 and a byline h3: the h2 stands for it
    ("<title>Store may close over royalty spikes - Blog</title><div class='post-title'>"
     "<h2><a href='/p'>Store may close over royalty spikes</a></h2><h3>Posted on 1 May</h3>"
     "</div><p>text</p>", "Store may close over royalty spikes"),
    # no heading: og:title glues a section and the site name to the headline the page shows in a paragraph
    ("<meta property='og:title' content='Rain all week in the city-Weatherㅣ Daily Paper'>"
     "<body><p class='big'>Rain all week in the city</p><p>text</p></body>", "Rain all week in the city"),
    # the h1 agrees with <title> and the slug only (a search-engine variant); a heading agreeing with og:title
    # is the headline, its kicker cut off
    ("<meta property='og:title' content='City plans a heliport while its ballroom stalls'>"
     "<title>City plans heliport near the hall</title><h1>City plans heliport near the hall</h1>"
     "<h2>Rebuilding the hall – City plans a heliport while its ballroom stalls</h2><p>text</p>",
     "City plans a heliport while its ballroom stalls"),
    # ... and an h1 that agrees with og:title too stays the headline
    ("<meta property='og:title' content='City plans a heliport near the hall today'>"
     "<title>City plans heliport near the hall</title><h1>City plans heliport near the hall</h1>"
     "<h2>Rebuilding the hall – City plans a heliport near the hall today</h2><p>text</p>",
     "City plans heliport near the hall"),
    # ... and where the page does not show such a part, og:title less its site name as before
    ("<meta property='og:site_name' content='Daily Paper'>"
     "<meta property='og:title' content='Rain all week in the city - Daily Paper'><body><p>text</p></body>",
     "Rain all week in the city"),
])
def test_title_rules(html: str, title: str) -> None:
    assert _title(LexborHTMLParser(html)) == title


def test_eval_says_when_trafilatura_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: ``corpus eval --html`` works without trafilatura and says so."""
    from flows.evaluate import format_report, trafilatura_body_scores

    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import trafilatura now raises ImportError
    pages = pl.DataFrame({"page_id": ["a"], "html": ["<p>x</p>"]})
    truth = pl.DataFrame({"page_id": ["a"], "body": ["x"]})
    assert trafilatura_body_scores(pages, truth) is None
    report = format_report({"folder": "f", "trafilatura": "absent: not installed",
                            "overall": {"n_pages": 1, "worst_pages": []}})
    assert "trafilatura is not installed" in report


def test_trafilatura_runs_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two trafilatura runs at once in one process corrupt the C heap (threads runner): every run holds the lock."""
    from tasks.extract import mainbody

    held: list[bool] = []

    def extract(html: str, **_: object) -> str:
        held.append(mainbody._TRAFILATURA.locked())
        return "text"

    monkeypatch.setattr(mainbody.trafilatura, "extract", extract)
    assert mainbody.trafilatura_body("<p>x</p>") == "text"
    assert mainbody.trafilatura_body("<p>x</p>", fast=True) == "text"
    assert held == [True, True]
    assert not mainbody._TRAFILATURA.locked()
