"""The real-page benchmark corpus: open pages only, varied (no two alike), each page's shape kept.

Needs ``../shared/corpus-dev`` and ``corpus-train`` (skipped when they are not there). No timing.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from bench.gen_real import (
    LONG_LINE,
    SEALED_SPLIT,
    _norm,
    default_shared_dir,
    iter_real_pages,
    load_sources,
    write_real_corpus,
)
from flows.evaluate import is_sealed

SHARED = default_shared_dir()
pytestmark = pytest.mark.skipif(SHARED is None, reason="../shared/corpus-dev and corpus-train are not there")


@pytest.fixture(scope="module")
def sources() -> list:
    assert SHARED is not None
    return load_sources(SHARED)


def _index(split: str) -> list[dict[str, str]]:
    assert SHARED is not None
    with (SHARED / split / "index.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_sources_are_the_dev_pages_and_the_open_train_pages(sources: list) -> None:
    train = _index(SEALED_SPLIT)
    sealed = {r["name"] for r in train if is_sealed(r["site"])}
    open_train = {r["name"] for r in train if not is_sealed(r["site"])}
    names = {s.name for s in sources}
    assert sealed and not names & sealed
    assert open_train <= names
    assert {r["name"] for r in _index("corpus-dev")} <= names


def test_pages_keep_size_lines_and_comments_of_their_source_and_differ(sources: list) -> None:
    by_name = {s.name: s for s in sources}
    pages = list(iter_real_pages(sources, n_pages=3 * len(sources), seed=5, exact_rate=0, rescrape_rate=0,
                                 near_rate=0))
    assert len({p.page for p in pages}) == len(pages)  # no two pages alike, even from one source
    assert Counter(p.template for p in pages) == Counter({s.name: 3 for s in sources})
    for page in pages:
        source = by_name[page.template]
        lines, original = page.page.split("\n"), source.page.split("\n")
        assert len(lines) == len(original)
        assert page.n_comments == source.n_comments
        for new, old in zip(lines, original, strict=True):
            renamed = any(a in old for a in source.authors)
            if len(_norm(old)) > LONG_LINE and not renamed and not any(c.isdigit() for c in old):
                assert sorted(new.split(" ")) == sorted(old.split(" ")) or sorted(new) == sorted(old)  # shuffled
        size = len(page.page.encode())
        assert abs(size - len(source.page.encode())) <= 0.1 * size + 200  # renamed authors change a little


def test_planted_copies_and_written_corpus(tmp_path: Path) -> None:
    summary = write_real_corpus(tmp_path, n_pages=300, seed=2, exact_rate=0.1, rescrape_rate=0.1, near_rate=0.1)
    with (tmp_path / "truth.csv").open(encoding="utf-8", newline="") as fh:
        truth = {r["path"]: r for r in csv.DictReader(fh)}
    assert summary.pages == len(truth) == 300
    kinds = Counter(r["kind"] for r in truth.values())
    assert all(kinds[k] > 10 for k in ("exact", "rescrape", "near"))
    texts = {path: Path(path).read_text(encoding="utf-8") for path in truth}
    for path, row in truth.items():
        source = texts[row["source_path"]]
        if row["kind"] in ("exact", "rescrape"):
            assert texts[path] == source
        elif row["kind"] == "near":
            assert texts[path] != source and len(texts[path]) == len(source)
    originals = [texts[p] for p, r in truth.items() if r["kind"] == "original"]
    assert len(set(originals)) == len(originals)
    with (tmp_path / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        assert {r["path"] for r in csv.DictReader(fh)} == set(truth)


def test_html_pages_keep_their_markup(tmp_path: Path) -> None:
    assert SHARED is not None
    html_sources = load_sources(SHARED, html=True)
    pages = list(iter_real_pages(html_sources[:5], n_pages=10, seed=1, html=True, exact_rate=0, rescrape_rate=0,
                                 near_rate=0))
    for page in pages:
        source = next(s for s in html_sources if s.name == page.template)
        assert page.page.count("<") == source.page.count("<")
        assert page.page != source.page
    assert len({p.page for p in pages}) == len(pages)
