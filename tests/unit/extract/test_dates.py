"""tasks.extract.dates: the one reader of written dates, for the text and HTML paths (issue 22)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from schemas.parsed import PARSED_COMMENTS, TEMPLATE_LINES
from schemas.validate import empty_frame, polars_schema
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.chain import parse_shard
from tasks.extract.dates import day_first_evidence, parse_date, relative_offset, resolve_posted_at

FETCHED = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # as the text path wrote them
        ("November 19, 2019 at 6:34 am", datetime(2019, 11, 19, 6, 34, tzinfo=UTC)),
        ("November 19, 2019 at 12:05 pm", datetime(2019, 11, 19, 12, 5, tzinfo=UTC)),
        ("22. Dezember 2019 um 11:16 Uhr", datetime(2019, 12, 22, 11, 16, tzinfo=UTC)),
        ("29.07.2020 // 12:56", datetime(2020, 7, 29, 12, 56, tzinfo=UTC)),
        ("14/04/2020 at 3:00 pm", datetime(2020, 4, 14, 15, 0, tzinfo=UTC)),
        ("August 9th, 2012 at 1:11 pm", datetime(2012, 8, 9, 13, 11, tzinfo=UTC)),
        ("13 Dezember, 2015 um 01:10", datetime(2015, 12, 13, 1, 10, tzinfo=UTC)),
        ("le 4 mai 2015 à 13h36", datetime(2015, 5, 4, 13, 36, tzinfo=UTC)),
        ("11 октября 2018", datetime(2018, 10, 11, tzinfo=UTC)),
        # as the HTML path wrote them
        ("22. Dezember 2019 um 10:15", datetime(2019, 12, 22, 10, 15, tzinfo=UTC)),
        ("2019-08-02", datetime(2019, 8, 2, tzinfo=UTC)),
        ("2019-08-02T10:15:30", datetime(2019, 8, 2, 10, 15, 30, tzinfo=UTC)),
        ("12 mars 2013 à 10:33", datetime(2013, 3, 12, 10, 33, tzinfo=UTC)),
        ("11/20/2019", datetime(2019, 11, 20, tzinfo=UTC)),
        # where the two paths disagreed
        ("05/08/99 10:15", datetime(1999, 8, 5, 10, 15, tzinfo=UTC)),
        ("08/13/2020", datetime(2020, 8, 13, tzinfo=UTC)),
        ("31.02.2020", None),
        ("2 years ago", None),  # relative: needs the fetch time
        ("no date", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "fetched", "expected"),
    [
        ("05/08/99 10:15", FETCHED, datetime(1999, 8, 5, 10, 15, tzinfo=UTC)),
        ("05/08/24", FETCHED, datetime(2024, 8, 5, tzinfo=UTC)),
        ("31/12/25", FETCHED, datetime(2025, 12, 31, tzinfo=UTC)),  # the fetch year plus one
        ("01/01/26", FETCHED, datetime(1926, 1, 1, tzinfo=UTC)),  # after that: the century before
        ("01/01/30", FETCHED, datetime(1930, 1, 1, tzinfo=UTC)),
        ("01/01/30", datetime(2031, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)),
        ("01/01/68", None, datetime(2068, 1, 1, tzinfo=UTC)),  # no fetch time: POSIX %y
        ("01/01/69", None, datetime(1969, 1, 1, tzinfo=UTC)),
    ],
)
def test_two_digit_years_pivot_on_the_fetch_year(text: str, fetched: datetime | None, expected: datetime) -> None:
    pages = pl.DataFrame({"page_id": ["p"], "fetched_at": [fetched]},
                         schema={"page_id": pl.String, "fetched_at": pl.Datetime("us", "UTC")})
    assert resolve_posted_at(_comments([("p", text, None)]), pages)["posted_at"].to_list() == [expected]


def test_day_first_decides_only_ambiguous_dates() -> None:
    assert parse_date("05/08/2019", day_first=False) == datetime(2019, 5, 8, tzinfo=UTC)
    assert parse_date("05/08/2019", day_first=True) == datetime(2019, 8, 5, tzinfo=UTC)
    assert parse_date("25/08/2019", day_first=False) == datetime(2019, 8, 25, tzinfo=UTC)
    assert parse_date("08/25/2019", day_first=True) == datetime(2019, 8, 25, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 hours ago", datetime(2024, 5, 10, 10, 0, tzinfo=UTC)),
        ("an hour ago", datetime(2024, 5, 10, 11, 0, tzinfo=UTC)),
        ("5 minutes ago", datetime(2024, 5, 10, 11, 55, tzinfo=UTC)),
        ("vor 3 Tagen", datetime(2024, 5, 7, 12, 0, tzinfo=UTC)),
        ("vor einer Stunde", datetime(2024, 5, 10, 11, 0, tzinfo=UTC)),
        ("vor 2 Monaten", datetime(2024, 3, 10, 12, 0, tzinfo=UTC)),
        ("il y a 2 jours", datetime(2024, 5, 8, 12, 0, tzinfo=UTC)),
        ("il y a un an", datetime(2023, 5, 10, 12, 0, tzinfo=UTC)),
        ("hace 3 días", datetime(2024, 5, 7, 12, 0, tzinfo=UTC)),
        ("há 2 semanas", datetime(2024, 4, 26, 12, 0, tzinfo=UTC)),
        ("3 giorni fa", datetime(2024, 5, 7, 12, 0, tzinfo=UTC)),
        ("2 дня назад", datetime(2024, 5, 8, 12, 0, tzinfo=UTC)),
        ("1 year ago", datetime(2023, 5, 10, 12, 0, tzinfo=UTC)),
        ("yesterday", datetime(2024, 5, 9, 12, 0, tzinfo=UTC)),
        ("Yesterday at 10:15 pm", datetime(2024, 5, 9, 22, 15, tzinfo=UTC)),
        ("gestern um 10:15", datetime(2024, 5, 9, 10, 15, tzinfo=UTC)),
        ("heute, 08:30", datetime(2024, 5, 10, 8, 30, tzinfo=UTC)),
        ("ayer", datetime(2024, 5, 9, 12, 0, tzinfo=UTC)),
    ],
)
def test_relative_dates_count_back_from_the_fetch_time(text: str, expected: datetime) -> None:
    assert parse_date(text) is None  # one string alone: no fetch time to count back from
    frame = _comments([("p", text, None)])
    got = resolve_posted_at(frame, pl.DataFrame({"page_id": ["p"], "fetched_at": [FETCHED]}))
    assert got["posted_at"].to_list() == [expected]


def test_relative_dates_without_a_fetch_time_stay_null() -> None:
    assert relative_offset("vor 3 Tagen") == ("-3d", None)
    assert relative_offset("Reply") is None
    pages = pl.DataFrame({"page_id": ["p"], "fetched_at": [None]}, schema={"page_id": pl.String,
                                                                          "fetched_at": pl.Datetime("us", "UTC")})
    got = resolve_posted_at(_comments([("p", "2 hours ago", None)]), pages)
    assert got["posted_at"].to_list() == [None]


def _comments(rows: list[tuple[str, str | None, datetime | None]]) -> pl.DataFrame:
    """PARSED_COMMENTS rows (page_id, posted_at_text, posted_at), posted_at as the paths read it."""
    return pl.DataFrame(
        {"page_id": [r[0] for r in rows], "position": list(range(len(rows))), "author": ["A"] * len(rows),
         "text": ["t"] * len(rows), "posted_at_text": [r[1] for r in rows],
         "posted_at": [parse_date(r[1]) if r[2] is None else r[2] for r in rows],
         "parent_position": [None] * len(rows)},
        schema=polars_schema(PARSED_COMMENTS))


def test_month_day_order_by_page_site_and_language() -> None:
    """Ambiguous numeric dates follow the page's own dates, then its site's, then its declared language."""
    comments = _comments([
        ("a", "05/08/2019", None), ("a", "08/13/2019", None),  # page a: its own 08/13 says month first
        ("b", "05/08/2019", None),  # page b: nothing of its own; its site writes month first (2 votes to 1)
        ("c", "05/08/2019", None),  # page c: own day-first evidence in its text beats the site's
        ("d", "05/08/2019", None),  # other site, html lang en-US
        ("e", "05/08/2019", None),  # other site, html lang de
        ("f", "05/08/2019", None),  # no evidence at all: day first
    ])
    pages = pl.DataFrame({
        "page_id": ["a", "b", "c", "d", "e", "f"],
        "site": ["us.example", "us.example", "us.example", "d.example", "e.example", None],
        "text": ["Posted 12/24/2019.", "No dates here.", "Updated 25.12.2019.", None, None, None],
        "html": [None, None, None, '<html lang="en-US"><p>x</p>', "<html lang='de'><p>x</p>", None],
        "fetched_at": [FETCHED] * 6,
    })
    got = resolve_posted_at(comments, pages)
    may8, aug5 = datetime(2019, 5, 8, tzinfo=UTC), datetime(2019, 8, 5, tzinfo=UTC)
    assert got["posted_at"].to_list() == [may8, datetime(2019, 8, 13, tzinfo=UTC), may8, aug5, may8, aug5, aug5]
    evidence = dict(day_first_evidence(comments, pages).iter_rows())
    assert evidence == {"a": False, "b": False, "c": True, "d": False, "e": True, "f": True}


def test_machine_stamps_are_kept_and_frames_keep_their_shape() -> None:
    stamp = datetime(2021, 3, 4, 4, 6, 7, tzinfo=UTC)
    comments = _comments([("p", "2 years ago", stamp), ("p", None, None), ("q", "05/08/99", None)])
    pages = pl.DataFrame({"page_id": ["p", "q"], "fetched_at": [FETCHED, FETCHED]})
    got = resolve_posted_at(comments, pages)
    assert got.columns == comments.columns and got.schema == comments.schema
    assert got["posted_at"].to_list() == [stamp, None, datetime(1999, 8, 5, tzinfo=UTC)]
    assert got.drop("posted_at").equals(comments.drop("posted_at"))
    assert resolve_posted_at(empty_frame(PARSED_COMMENTS), pages).equals(empty_frame(PARSED_COMMENTS))


TEXT_PAGE = "\n".join([
    "City Extends Tram Line to the North", "",
    "The council voted on Tuesday to extend the tram line to the northern districts by the year 2030.", "",
    "Opponents said the plan was too expensive and would disrupt traffic for several years to come.", "",
    "2 Comments", "Anna says:", "{d1}", "", "Great news for the north.", "", "Reply",
    "Bob says:", "{d2}", "", "Not for the south.", "", "Reply",
])

HTML_PAGE = """<html><head><title>Post | Blog</title></head><body>
<article><h1 class="entry-title">A post about things</h1>
<div class="entry-content"><p>This is the first paragraph of the article, and it is long enough to be taken for the
body of a real post with several sentences in it. It goes on for a while so that it counts.</p>
<p>Second paragraph of the article, long enough to count.</p></div></article>
<div id="comments" class="comments-area"><h2 class="comments-title">2 thoughts on “A post”</h2>
<ol class="comment-list">
 <li id="comment-1" class="comment depth-1"><article id="div-comment-1" class="comment-body">
  <footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Anna</b></div>
  <div class="comment-metadata"><a href="#comment-1">{d1}</a></div></footer>
  <div class="comment-content"><p>Great news for the north.</p></div></article></li>
 <li id="comment-2" class="comment depth-1"><article id="div-comment-2" class="comment-body">
  <footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Bob</b></div>
  <div class="comment-metadata"><a href="#comment-2">{d2}</a></div></footer>
  <div class="comment-content"><p>Not for the south.</p></div></article></li>
</ol></div></body></html>"""


@pytest.mark.parametrize(("d1", "d2", "expected"), [
    ("05/08/99 10:15", "06/08/99 11:00",
     [datetime(1999, 8, 5, 10, 15, tzinfo=UTC), datetime(1999, 8, 6, 11, tzinfo=UTC)]),
    ("05/08/2020", "08/13/2020", [datetime(2020, 5, 8, tzinfo=UTC), datetime(2020, 8, 13, tzinfo=UTC)]),
    ("2 hours ago", "vor 3 Tagen", [datetime(2024, 5, 10, 10, tzinfo=UTC), datetime(2024, 5, 7, 12, tzinfo=UTC)]),
])
def test_text_and_html_paths_read_dates_alike(d1: str, d2: str, expected: list[datetime]) -> None:
    """Issue 22: the text path read 05/08/99 as 2099 and the HTML path as 1999; 08/13/2020 gave nothing on one."""
    pages = pl.DataFrame({
        "page_id": ["text", "html"], "site": ["t.example", "h.example"],
        "text": [TEXT_PAGE.format(d1=d1, d2=d2), None], "html": [None, HTML_PAGE.format(d1=d1, d2=d2)],
        "fetched_at": [FETCHED, FETCHED],
    })
    _, comments = parse_shard(strip_boilerplate(pages.filter(pl.col("text").is_not_null())), pages,
                              empty_frame(TEMPLATE_LINES))
    by_page = {p: g.sort("position") for (p,), g in comments.group_by("page_id")}
    assert by_page["text"]["posted_at_text"].to_list() == [d1, d2]
    assert by_page["html"]["posted_at_text"].to_list() == [d1, d2]
    assert by_page["text"]["posted_at"].to_list() == expected
    assert by_page["html"]["posted_at"].to_list() == expected


def test_dates_read_already_are_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Written dates the text path read with parse_date (``read``) are taken as read: same result, and
    parse_date runs only on the others (issue 17: the parse stage read each date twice)."""
    stamp = datetime(2021, 3, 4, 4, 6, 7, tzinfo=UTC)
    comments = _comments([("p", "November 19, 2019 at 6:34 am", None), ("p", "2 years ago", stamp),
                          ("q", "05/08/99", None), ("q", "ayer", None), ("q", "11/20/2019", None)])
    pages = pl.DataFrame({"page_id": ["p", "q"], "fetched_at": [FETCHED, FETCHED]})
    expected = resolve_posted_at(comments, pages)
    seen: list[str] = []

    def counted(text: str | None, *, day_first: bool = True) -> datetime | None:
        seen.append(str(text))
        return parse_date(text, day_first=day_first)

    monkeypatch.setattr("tasks.extract.dates.parse_date", counted)
    read = comments.filter(pl.col("page_id") == "q").select("posted_at_text", "posted_at")
    got = resolve_posted_at(comments, pages, read=read)
    assert got.equals(expected)
    assert sorted(seen) == ["2 years ago", "November 19, 2019 at 6:34 am"]
