"""Golden tests: titles of open-fold ``../shared/corpus-train`` pages, one group per failure kind of issue 17
(text path). Skipped where the shared pages are not there; sealed pages are never read."""

from __future__ import annotations

import json

import polars as pl
import pytest

from flows.evaluate import is_sealed
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.parse import parse_articles, segment_pages
from tasks.text_match import fold
from tests.conftest import TRAIN

KINDS = {
    # a run of teaser headlines above or around the article's own
    "teaser_run": ["macrumors-com-232a43fb15", "cbc-ca-cbcnews", "citizen-co-za-thecitizen"],
    # a widget label or share line next to the headline
    "widget_label": ["kalynskitchen-com-dragnetr49", "expressen-se-expressen", "latimes-com-latimes",
                     "nature-com-nature"],
    # a lead, caption or sub-heading inside the article
    "inside_body": ["ruhrnachrichten-de-ruhrnachrichten", "mediaindonesia-com-mediaindonesia",
                    "gamestar-de-gamestar", "standard-co-uk-eveningstandard"],
    # the site's name or tagline
    "site_name": ["thesun-co-uk-thesun", "virtualgeek-typepad-com-dragnetr400"],
    # a kicker glued to the headline, or the headline printed twice
    "kicker": ["zdfheute-de-zdf", "mz-de-mitteldeutschezeitung", "sn-at-salzburgernachrichten",
               "rp-online-de-rheinischepost"],
    # a blog post's headline under its date line, the blog's name and tagline above it
    "under_dateline": ["prblog-typepad-com-dragnetr60", "thefischbowl-blogspot-com-dragnetr656",
                       "virtualgeek-typepad-com-dragnetr397"],
    # the headline just above its byline, far from where the body window starts
    "byline_zone": ["47hats-com-dragnetr875"],
    # scripts written without spaces (no body window)
    "cjk": ["chunichi-co-jp-chunichishimbun", "sankei-com-sankeishimbun", "tokyo-np-co-jp-tokyoshimbun"],
}


def _title(name: str) -> tuple[str | None, str]:
    truth = json.loads((TRAIN / f"{name}.truth.json").read_text(encoding="utf-8"))
    assert not is_sealed(truth["site"]), f"{name} is in the sealed fold"
    text = (TRAIN / f"{name}.txt").read_text(encoding="utf-8")
    pages = pl.DataFrame({"page_id": [name], "site": [truth["site"]], "text": [text]})
    urls = pl.DataFrame({"page_id": [name], "url": [truth.get("url")]}, schema={"page_id": pl.String,
                                                                                  "url": pl.String})
    article = parse_articles(segment_pages(strip_boilerplate(pages), urls)).row(0, named=True)
    return article["title"], truth["title"]


KNOWN_MISSES: dict[str, str] = {}
"""Pages of ``KINDS`` still missed, with the reason: each one a strict expected failure, so that the day it
passes its marker must go (none today)."""


@pytest.mark.parametrize(("kind", "name"), [
    pytest.param(k, n, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[n])) if n in KNOWN_MISSES
    else (k, n)
    for k, names in KINDS.items() for n in names
])
@pytest.mark.skipif(not TRAIN.is_dir(), reason="../shared/corpus-train is not there")
def test_unseen_site_title(kind: str, name: str) -> None:
    """The title of a page of a site no rule was written for, on a page of each failure kind."""
    title, truth = _title(name)
    assert fold(title) == fold(truth), (kind, title, truth)
