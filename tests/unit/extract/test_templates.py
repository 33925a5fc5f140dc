"""Template learning over a batch (the build's per-partition steps are checked in test_dedup_partitioned)."""

from __future__ import annotations

from schemas.parsed import LINES
from schemas.validate import empty_frame
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.templates import learn_template_lines
from tests.unit.extract.test_boilerplate import _pages


def test_template_learning_ignores_unknown_sites_and_rare_lines() -> None:
    pages = _pages("A\nB", "A\nC", site="unknown")
    lines = strip_boilerplate(pages)
    assert learn_template_lines(lines, pages.select("page_id", "site"), min_pages=2).height == 0
    assert learn_template_lines(empty_frame(LINES), pages.select("page_id", "site")).height == 0


def test_refetches_of_one_article_do_not_make_it_template() -> None:
    article = "Site Slogan\nThe one long paragraph of the article that every fetch of it repeats word for word."
    pages = _pages(article, article + "\nA new comment", article, "Site Slogan\nOther story.",
                   "Site Slogan\nThird story.")
    lines = strip_boilerplate(pages)
    templates = learn_template_lines(lines, pages.select("page_id", "site"), min_pages=3, min_share=0.5)
    assert templates["text"].to_list() == ["Site Slogan"]
    assert templates["n_pages"].to_list() == [3]
