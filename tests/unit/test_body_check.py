"""flows.body_check: the page perturbations and the body scoring on tiny pages."""

from __future__ import annotations

import random

import polars as pl
import pytest

from flows.body_check import _drop_title, _no_separators, _shuffle_boxes, _teaser_in_body, main, score_bodies

PARAS = [
    "The council voted on Tuesday to extend the tram line to the northern districts by 2030.",
    "Opponents said the plan was too expensive and would disrupt traffic for several years.",
    "The mayor replied that the city had already secured most of the money from regional funds.",
    "Engineers expect the first trams to run on the new tracks in the spring of next year.",
]
TRUTH = {"title": "City Extends Tram Line", "body": "\n\n".join(PARAS), "comments": False}
HEAD = ["Home", "", "Story number one about the harbour", "Story number two about the airport",
        "Story number three about the stadium", "Story number four about the market", ""]


def test_drop_title_takes_out_the_title_lines_only() -> None:
    text = "\n".join(["City Extends Tram Line", *PARAS, "City Extends Tram Line"])
    assert _drop_title(text, TRUTH, random.Random(0)).split("\n") == PARAS


def test_no_separators_takes_out_empty_and_symbol_lines() -> None:
    text = "\n".join([PARAS[0], "", "* * *", "—", "|", PARAS[1]])
    assert _no_separators(text, TRUTH, random.Random(0)).split("\n") == PARAS[:2]


def test_teaser_copies_a_box_from_above_into_the_middle_of_the_article() -> None:
    text = "\n".join([*HEAD, *PARAS, "© 2024 Example newspaper and all its partners"])
    lines = _teaser_in_body(text, TRUTH, random.Random(0)).split("\n")
    at = lines.index(PARAS[2])
    assert lines[at - 4:at] == HEAD[2:6]
    assert lines[:len(HEAD)] == HEAD  # the original box stays where it was
    # no four lines in a row of 4+ words above the article: the page is left as it is
    plain = "\n".join(["Home", *PARAS])
    assert _teaser_in_body(plain, TRUTH, random.Random(0)) == plain


def test_shuffle_keeps_the_article_and_moves_only_the_boxes_around_it() -> None:
    head = [f"Box {k} line" for k in range(6)]
    tail = [f"Footer {k} line" for k in range(6)]
    text = "\n\n".join([*head, "\n".join(PARAS), *tail])
    out = _shuffle_boxes(text, TRUTH, random.Random(1))
    assert "\n".join(PARAS) in out
    assert sorted(ln for ln in out.split("\n") if ln) == sorted([*head, *PARAS, *tail])
    assert [ln for ln in out.split("\n") if ln.startswith("Box")] != head  # the order above changed
    with_thread = _shuffle_boxes(text, {**TRUTH, "comments": True}, random.Random(1))
    assert [ln for ln in with_thread.split("\n") if ln.startswith("Footer")] == tail  # a thread keeps its order


def test_score_bodies_gives_precision_recall_and_the_failure_kind() -> None:
    page = "\n".join(["City Extends Tram Line", "", *PARAS])
    pages = pl.DataFrame({"page_id": ["d/a", "d/b"], "site": ["a.example.org", "b.example.org"], "url": [None, None],
                          "html": [None, None], "text": [page, page]},
                         schema=dict.fromkeys(("page_id", "site", "url", "html", "text"), pl.String))
    truth = pl.DataFrame({"page_id": ["d/a", "d/b"], "body": [TRUTH["body"], "Nothing of this page at all."]})
    scores = {r["page_id"]: r for r in score_bodies(pages, truth).iter_rows(named=True)}
    assert scores["d/a"]["kind"] == "ok"
    assert scores["d/a"]["f1"] == pytest.approx(1.0)
    assert scores["d/b"]["kind"] == "wrong block"
    assert scores["d/b"]["recall"] < 0.5


def test_the_sealed_fold_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["../shared/corpus-train:sealed"])
