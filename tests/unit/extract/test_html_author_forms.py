"""Golden pages of the open fold of corpus-train (issue 17): each comment author read back from every markup
form the author perturbation writes (``flows.scramble.AUTHOR_FORMS``), the name alone.

The pages are copies of two open-fold pages (a Blogger thread and a news site's thread with a
"Follow"/"Flag" control in every comment); their truth files are the labelled ones, unchanged.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from flows.scramble import AUTHOR_FORMS, move_authors
from tasks.extract.html import extract_html_pages
from tasks.text_match import align_comments, fold

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "html-open"
PAGES = sorted(p.name.removesuffix(".html.gz") for p in FIXTURES.glob("*.html.gz"))


@pytest.mark.parametrize("form", ["none", *AUTHOR_FORMS])
@pytest.mark.parametrize("name", PAGES)
def test_open_page_authors_in_every_form(name: str, form: str) -> None:
    """Every true comment is found and its author is the truth's, whatever markup holds the name."""
    html = gzip.decompress((FIXTURES / f"{name}.html.gz").read_bytes())
    truth = json.loads((FIXTURES / f"{name}.truth.json").read_text(encoding="utf-8"))
    want = [(c["author"], c["text"]) for c in truth["comments"]]
    data = html if form == "none" else move_authors(html, form)
    # the markup path as a build runs it: the page's authors cleaned together (a "wrote" word they share)
    _, comments, _, _ = extract_html_pages(pl.DataFrame({"page_id": [name], "html": [data.decode("utf-8-sig")]}),
                                           use_trafilatura=False)
    assert not comments.is_empty()
    got = list(comments.sort("position").select("author", "text").iter_rows())
    pairs = align_comments([t for _, t in got], [t for _, t in want], min_f1=0.5)
    assert len(pairs) == len(want)
    assert [got[i][0] for i, _, _ in pairs] == [want[j][0] for _, j, _ in pairs]
    assert all(fold(got[i][0] or "") for i, _, _ in pairs)
