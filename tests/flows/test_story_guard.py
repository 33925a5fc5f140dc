"""Issue 21: posts of one blog whose parsed body is sidebar text stay one article each, with their own comments.

The pages are three posts of one blog of the open fold of ``../shared/corpus-train`` (Dragnet data;
the pages belong to their publisher, so they are read from the shared folder, not copied here). The
parser takes the blog's tagline for the body of all three (a single paragraph, so ``is_suspect``);
before the dedup guard they folded into one article with a merged thread.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from schemas import OUTPUT_DATASETS as DATASETS
from tasks.write import read_partitioned
from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.write_disk, pytest.mark.usefixtures("prefect_server")]

TRAIN = REPO.parent / "shared" / "corpus-train"
BLOG = tuple(f"geekdoctor-blogspot-com-dragnetr{n}" for n in (87, 88, 90))


def _pages(suffix: str) -> list[Path]:
    paths = [TRAIN / f"{name}{suffix}" for name in BLOG]
    if not all(p.exists() for p in paths):
        pytest.skip(f"the blog's pages are not in {TRAIN}")
    return paths


def _read(out: Path, name: str) -> pl.DataFrame:
    schema, partition = DATASETS[name]
    return read_partitioned(out / name, schema, partition).collect()


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_every_post_of_one_blog_is_its_own_article_with_its_own_comments(tmp_path: Path, suffix: str) -> None:
    """Issue 21: three posts with the same sidebar body are three articles, none folded, each with its thread."""
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    pages = _pages(suffix)
    out = tmp_path / "corpus"
    summary = build_corpus(BuildConfig(inputs=tuple(str(p) for p in pages), out=out))
    assert (summary["articles"], summary["duplicates"], summary["rejects"]) == (3, 0, 0)
    articles, comments = _read(out, "articles"), _read(out, "comments")
    assert _read(out, "duplicates").height == 0
    assert articles.height == 3
    assert articles.get_column("is_suspect").all()  # the tagline is no confident article: tagged, kept
    assert summary["articles_suspect"] == 3
    for page in pages:
        name = page.name.removesuffix(suffix)
        row = articles.filter(pl.col("source_path").str.ends_with(page.name)).row(0, named=True)
        own = comments.filter(pl.col("article_id") == row["article_id"])
        texts = {p.name: _squash((TRAIN / f"{p.name.removesuffix(suffix)}.txt").read_text(encoding="utf-8"))
                 for p in pages}
        truth = json.loads((TRAIN / f"{name}.truth.json").read_text(encoding="utf-8"))["comments"]
        assert row["n_comments"] == own.height == len(truth), name
        # the thread is the page's own: every comment is on this post and on no other post of the blog
        for text in own.get_column("text").to_list():
            assert _squash(text) in texts[page.name], name
            assert not any(_squash(text) in other for key, other in texts.items() if key != page.name), name
