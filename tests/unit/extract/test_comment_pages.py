"""The comment finder's input (``tasks.extract.parse._comment_pages``, ``_name_like``): the per-page lists it
builds for less work are the ones a plain per-page reading of the ``line_features`` columns gives."""

from __future__ import annotations

import polars as pl

from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.parse import (
    _AD_AUTHOR,
    _BY_AUTHOR,
    _HEADER_KIND,
    _META,
    _NAME_LIKE,
    _SAYS,
    _SENTENCE,
    _comment_pages,
    _name_like,
    _number_lines,
    line_features,
    sorted_lines,
)

ARTICLE = [
    "Council Extends Tram Line to the North",
    "By Jane Reporter",
    "The council voted on Tuesday to extend the tram line to the northern districts by the year 2030.",
    "Opponents said the plan was too expensive and would disrupt traffic for several years to come.",
]
THREAD = [
    "3 Comments",
    "Anna Berg says:",
    "March 3, 2020 at 10:12 am",
    "Great news. I take this tram every day!",
    "Tom K.",
    "March 4, 2020 at 8:01 pm",
    "Too expensive, as always. They said the same in 2012 and nothing happened",
    "Mia says:",
    "2 days ago",
    "Finally. Took them long enough.",
    "Reply",
    "Leave a Reply",
]
OTHER = [
    "Recipes",
    "Lemon Cake",
    "Mix the flour, the sugar and the butter, then add three eggs one by one and stir well.",
    "Serves 4.",
    "Anna Berg, 12.03.2020",
    "Lovely cake, thanks",
    "Otto, 13.03.2020",
    "Mine came out dry: how long did yours bake?",
    "Otto, 14.03.2020",
    "Never mind, found it.",
]


def _feats() -> pl.DataFrame:
    pages = pl.DataFrame({"page_id": ["a", "b", "c"], "site": ["one.example", "two.example", "three.example"],
                          "text": ["\n".join([*ARTICLE, *THREAD]), "\n".join(OTHER), "\n".join(ARTICLE)]})
    return _number_lines(line_features(sorted_lines(strip_boilerplate(pages))))


def _plain_page(page: pl.DataFrame) -> dict[str, object]:
    """What the finder reads of one page, column by column."""
    page = page.with_row_index("_local")

    def where(expr: pl.Expr) -> list[int]:
        return page.filter(expr)["_local"].to_list()

    kinds = page.filter(pl.any_horizontal(_SAYS.is_not_null(), _BY_AUTHOR.is_not_null(), _AD_AUTHOR.is_not_null(),
                                          pl.col("f_affix"))).select("_local", _kind=_HEADER_KIND).drop_nulls()
    return {
        "text": page["text"].hash().to_list(), "rule": page["strip_rule"].to_list(),
        "date": page["f_date"].to_list(), "meta": page.select(_META).to_series().to_list(),
        "name_like": page.select(_NAME_LIKE).to_series().to_list(), "count": page["f_count"].to_list(),
        "heading": page["f_heading"].to_list(), "numeric": page["f_numeric"].to_list(),
        "prose": page["f_prose"].to_list(), "sentence": page.select(_SENTENCE).to_series().to_list(),
        "headers": dict(zip(kinds["_local"].to_list(), kinds["_kind"].to_list(), strict=True)),
        "dates": where(pl.col("f_date")), "counts": where(pl.col("f_count").is_not_null()),
        "sections": where(pl.col("f_count").is_not_null() | pl.col("f_heading")),
        "learned": where(pl.col("_learned")),
    }


def test_name_like_is_the_name_like_expression() -> None:
    feats = _feats()
    assert _name_like(feats).to_list() == feats.select(_NAME_LIKE.fill_null(value=False)).to_series().to_list()
    assert _name_like(feats).sum() > 0
    assert _name_like(feats.head(0)).to_list() == []


def test_comment_pages_are_the_plain_per_page_columns() -> None:
    """Every page, also one that starts below its first line (as the finder's filter leaves it), one with no
    header, and learned header lines, gets the lists a per-page reading gives."""
    feats = _feats()
    feats = feats.filter((pl.col("page_id") != "a") | (pl.col("_i") >= 2)).with_columns(
        _learned=pl.col("text").str.contains("2020"))
    pages = list(_comment_pages(feats))
    assert [key for key, _, _, _ in pages] == feats["_page"].unique(maintain_order=True).to_list()
    for key, first_row, first_line, page in pages:
        rows = feats.filter(pl.col("_page") == key)
        assert (first_row, first_line) == (rows["_row"][0], rows["_i"][0])
        plain = _plain_page(rows)
        assert {name: getattr(page, name) for name in plain} == plain
        assert list(page.raw) == rows["text"].to_list()  # the lines' texts, read where a layout is voted on
    headers = {key: page.headers for key, _, _, page in pages}
    assert any(headers.values())
    assert not all(headers.values())


def test_comment_pages_without_learned_lines_or_lines() -> None:
    feats = _feats()
    assert all(page.learned == [] for _, _, _, page in _comment_pages(feats))
    assert list(_comment_pages(feats.head(0))) == []
