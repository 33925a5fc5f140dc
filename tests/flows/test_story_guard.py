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
from tasks.publish.write import read_partitioned
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
    # a body two posts share (the blog's tagline) is no confident article: tagged, kept, not folded on
    shared = articles.filter(pl.col("body").is_duplicated())
    assert shared.get_column("is_suspect").all()
    assert summary.get("articles_suspect", 0) == articles.get_column("is_suspect").sum()
    for page in pages:
        name = page.name.removesuffix(suffix)
        row = articles.filter(pl.col("source_path").str.ends_with(page.name)).row(0, named=True)
        own = comments.filter(pl.col("article_id") == row["article_id"])
        texts = {p.name: _squash((TRAIN / f"{p.name.removesuffix(suffix)}.txt").read_text(encoding="utf-8"))
                 for p in pages}
        truth = json.loads((TRAIN / f"{name}.truth.json").read_text(encoding="utf-8"))["comments"]
        # the post's own thread, not a merged one (how many of its comments the finder gets is its business)
        assert 0 < row["n_comments"] == own.height <= len(truth), name
        # the thread is the page's own: every comment is on this post and on no other post of the blog
        for text in own.get_column("text").to_list():
            for paragraph in filter(None, map(_squash, text.split("\n\n"))):
                assert paragraph in texts[page.name], name
                assert not any(paragraph in other for key, other in texts.items() if key != page.name), name


_PROFILE = ("Every day I write about life in the world of hospital computing, supporting thousands of doctors, "
            "nurses and patients. In this blog I record what I learn about networks, records, policies and "
            "governance, and muse about living a quieter life on the farm.")


def _post(n: int) -> str:
    """A post of a blog whose own text is short lines (no sentence of prose) under the blog's profile
    paragraph, with a thread of its own."""
    comments = "\n".join(f"Reader{n}{k} said...\n\nComment {k} on post {n}: the photo of day {n} is lovely.\n\n"
                         f"October {n}, 2012 10:0{k} AM" for k in range(3))
    return "\n".join([
        "Life as a Hospital CIO", "", _PROFILE, "", f"Friday, October {n}, 2012", f"Cool picture of the week {n}",
        f"A giant puffball number {n} in the orchard", f"Posted by the author at {n}:00 AM", "3 comments:",
        comments, "", "Post a Comment", "Newer Post Older Post Home",
    ])


def test_posts_whose_body_is_the_blog_profile_are_not_folded(tmp_path: Path) -> None:
    """Issue 21: posts whose parsed body is the blog's profile box are suspect, and stay three articles."""
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    src = tmp_path / "in"
    src.mkdir()
    for n in (17, 18, 19):
        (src / f"post-{n}.txt").write_text(_post(n), encoding="utf-8")
    out = tmp_path / "corpus"
    summary = build_corpus(BuildConfig(inputs=(str(src),), out=out))
    articles, comments = _read(out, "articles"), _read(out, "comments")
    assert (summary["articles"], summary["duplicates"], summary["rejects"]) == (3, 0, 0)
    assert articles.get_column("body").n_unique() == 1  # the parser took the profile for every body
    assert articles.get_column("is_suspect").all()
    assert summary["articles_suspect"] == 3
    for row in articles.iter_rows(named=True):
        n = row["source_path"].rsplit("post-", 1)[1].removesuffix(".txt")
        own = comments.filter(pl.col("article_id") == row["article_id"]).get_column("text").to_list()
        assert len(own) == row["n_comments"] == 3
        assert all(f"on post {n}:" in text for text in own)
