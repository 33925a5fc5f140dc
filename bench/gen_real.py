"""Benchmark corpora made from the real labelled pages, varied so that no two pages are duplicates.

Run ``.venv/bin/python -m bench.gen_real --pages 20000 --out bench/work/real-20000`` (``--html`` for HTML
pages; ``--help``).

Source pages: every page of ``corpus-dev`` and the open four fifths of ``corpus-train`` (beside the
repository in ``../shared``, or ``$CORPUSFLOW_SHARED``). The sealed fifth of ``corpus-train`` (its
``index.csv`` site gives ``flows.evaluate.is_sealed``) is left out before any of its files is opened.

Each generated page is one source page, varied line by line so that its size, its line structure and its
comment thread stay those of the real page:

- every content line (the page's title, a body paragraph or a comment paragraph as its truth gives them)
  and every line longer than ``LONG_LINE`` characters has its words shuffled and its digits redrawn;
- comment authors are renamed, each to an author drawn from the authors of all source pages;
- every other line (navigation, widgets, comment-form and footer chrome) is kept as the site shows it, so
  template lines repeat across a site's pages as they do in a crawl.

HTML pages get the same treatment on each text run between tags (scripts and styles left alone).

Pages come in fetch order; a share of them are planted copies of an original at most ``window`` pages
earlier: ``exact`` (the same text under an AMP URL), ``rescrape`` (the same URL fetched again, the same text)
and ``near`` (another URL, one long content line shuffled again).

Output: ``pages/NNNN/pNNNNNNN.txt`` (or ``.html``; 1,000 files per folder), ``manifest.csv`` (``path``,
``url``, ``fetched_at``) and ``truth.csv`` (``path``, ``kind``, ``source_path``, ``story_id``, ``site``,
``language``, ``template``, ``n_comments``), the same layout as ``bench.gen_corpus``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import html as html_lib
import json
import os
import random
import re
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.gen_corpus import GenSummary, fetch_schedule, write_pages
from flows.evaluate import is_sealed

BENCH_DIR = Path(__file__).resolve().parent
SPLITS = ("corpus-dev", "corpus-train")
SEALED_SPLIT = "corpus-train"
"""The split whose sealed fifth is never opened (see ``flows.evaluate.is_sealed``)."""
LONG_LINE = 60
"""Lines longer than this many characters are shuffled even when the truth does not name them as content."""
MIN_WORDS = 3
"""A line of fewer space-separated words (a line of Chinese or Japanese) has its characters shuffled instead."""

_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_HTML_SPLIT = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>)",
                         re.IGNORECASE | re.DOTALL)


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def default_shared_dir() -> Path | None:
    """``$CORPUSFLOW_SHARED``, else ``../shared`` beside the repository, else ``/work/shared``; None if absent."""
    for cand in (os.environ.get("CORPUSFLOW_SHARED", ""), str(BENCH_DIR.parent.parent / "shared"), "/work/shared"):
        if cand and all((Path(cand) / split / "index.csv").is_file() for split in SPLITS):
            return Path(cand)
    return None


@dataclass(frozen=True)
class Source:
    """One real page: its text (or HTML) and what its truth names as content."""
    name: str
    site: str
    language: str
    n_comments: int
    page: str
    """The page's text (``NAME.txt``) or HTML (``NAME.html`` / ``NAME.html.gz``)."""
    content: frozenset[str]
    """Normalised title, body paragraphs and comment paragraphs."""
    authors: tuple[str, ...]
    """Comment authors, longest first (renamed in that order)."""


def _html_file(folder: Path, name: str) -> Path | None:
    return next((p for p in (folder / f"{name}.html", folder / f"{name}.html.gz") if p.is_file()), None)


def load_sources(shared: Path, *, html: bool = False) -> list[Source]:
    """The open source pages of ``shared`` (all of corpus-dev, the unsealed pages of corpus-train).

    Sealed pages are recognised from ``index.csv`` alone and none of their files is read. With ``html``
    only pages with an HTML file are kept, with their HTML as ``page``.
    """
    sources: list[Source] = []
    for split in SPLITS:
        folder = shared / split
        with (folder / "index.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            if split == SEALED_SPLIT and is_sealed(row["site"]):
                continue
            name = row["name"]
            if html:
                path = _html_file(folder, name)
                if path is None:
                    continue
                raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
                page = raw.decode("utf-8", errors="replace")
            else:
                txt = folder / f"{name}.txt"
                if not txt.is_file():
                    continue
                page = txt.read_text(encoding="utf-8", errors="replace")
            truth = json.loads((folder / f"{name}.truth.json").read_text(encoding="utf-8"))
            content = {_norm(str(truth.get("title") or ""))}
            content.update(_norm(p) for p in str(truth.get("body") or "").split("\n\n"))
            authors: set[str] = set()
            for comment in truth.get("comments") or []:
                content.update(_norm(p) for p in str(comment.get("text") or "").split("\n\n"))
                author = _norm(str(comment.get("author") or ""))
                if len(author) >= 3:
                    authors.add(author)
            content.discard("")
            sources.append(Source(name=name, site=row["site"], language=row["language"],
                                  n_comments=int(row["n_comments"] or 0), page=page, content=frozenset(content),
                                  authors=tuple(sorted(authors, key=lambda a: (-len(a), a)))))
    if not sources:
        raise FileNotFoundError(f"no open source pages under {shared}")
    return sources


class _Varier:
    """Varies one source page: shuffles words of content and long lines, redraws digits, renames authors."""

    def __init__(self, rand: random.Random, names: Sequence[str]) -> None:
        self.rand = rand
        self.names = names

    def _digits(self, text: str) -> str:
        return _DIGIT.sub(lambda _m: str(self.rand.randrange(10)), text)

    def shuffle(self, text: str) -> str:
        """The words of ``text`` in a new order, digits redrawn, leading and trailing white space kept."""
        stripped = text.strip()
        if not stripped:
            return text
        words = stripped.split(" ")
        joiner = " "
        if len(words) < MIN_WORDS:  # unspaced scripts (Chinese, Japanese): shuffle the characters
            words, joiner = list(stripped), ""
        self.rand.shuffle(words)
        start = text.index(stripped[0])
        return text[:start] + self._digits(joiner.join(words)) + text[start + len(stripped):]

    def _rename(self, text: str, renames: Sequence[tuple[str, str]]) -> str:
        for old, new in renames:
            if old in text:
                text = text.replace(old, new)
        return text

    def _piece(self, piece: str, source: Source, renames: Sequence[tuple[str, str]], *, escaped: bool) -> str:
        norm = _norm(html_lib.unescape(piece) if escaped else piece)
        if norm in source.content or len(norm) > LONG_LINE:
            piece = self.shuffle(piece)
        return self._rename(piece, renames)

    def vary(self, source: Source, *, html: bool) -> str:
        """A new page from ``source`` (see the module docstring)."""
        renames = [(a, self.rand.choice(self.names)) for a in source.authors]
        if not html:
            return "\n".join(self._piece(line, source, renames, escaped=False) for line in source.page.split("\n"))
        parts = _HTML_SPLIT.split(source.page)
        # even items are text runs between tags, odd items tags, comments, scripts and styles
        return "".join(part if i % 2 else self._piece(part, source, renames, escaped=True)
                       for i, part in enumerate(parts))

    def revary(self, page: str, source: Source, *, html: bool) -> str:
        """``page`` with one of its long lines (or text runs) shuffled again: a near copy."""
        parts = _HTML_SPLIT.split(page) if html else page.split("\n")
        long_ones = [i for i, part in enumerate(parts) if (not html or i % 2 == 0) and len(_norm(part)) > LONG_LINE]
        if long_ones:
            i = self.rand.choice(long_ones)
            parts[i] = self.shuffle(parts[i])
        return ("" if html else "\n").join(parts)


@dataclass(frozen=True)
class RealPage:
    """One generated page with its truth."""
    path: str
    url: str
    fetched_at: dt.datetime
    page: str
    kind: str
    source_path: str
    story_id: int
    site: str
    language: str
    template: str
    n_comments: int


def iter_real_pages(sources: Sequence[Source], *, n_pages: int, seed: int = 0, html: bool = False,
                    exact_rate: float = 0.03, rescrape_rate: float = 0.05, near_rate: float = 0.04,
                    window: int = 500, seconds_between_pages: float = 30.0) -> Iterator[RealPage]:
    """Yield ``n_pages`` varied pages in fetch order (deterministic for a seed and set of sources).

    Originals cycle through the sources in a shuffled order (each source once per round), so every source
    page gives about as many pages.
    """
    rand = random.Random(seed)
    tag = f"s{seed}-" if seed else ""  # corpora of other seeds can be built together: no URL is shared
    names = sorted({a for s in sources for a in s.authors}) or ["Reader"]
    varier = _Varier(rand, names)
    suffix = "html" if html else "txt"
    order: list[int] = []
    recent: deque[tuple[RealPage, int]] = deque(maxlen=window)
    story = 0
    schedule = fetch_schedule(rand, n_pages, suffix=suffix, rates=(exact_rate, rescrape_rate, near_rate),
                              seconds_between_pages=seconds_between_pages, has_recent=lambda: bool(recent))
    for index, (path, clock, kind) in enumerate(schedule):
        if kind == "original":
            if not order:
                order = list(range(len(sources)))
                rand.shuffle(order)
            s_index = order.pop()
            source = sources[s_index]
            page = RealPage(path=path, url=f"https://{source.site}/{clock:%Y/%m}/{source.name}-{tag}{index}/",
                            fetched_at=clock, page=varier.vary(source, html=html), kind=kind, source_path=path,
                            story_id=story, site=source.site, language=source.language, template=source.name,
                            n_comments=source.n_comments)
            story += 1
            recent.append((page, s_index))
            yield page
            continue
        original, s_index = recent[rand.randrange(len(recent))]
        text, url = original.page, original.url
        if kind == "exact":
            url = original.url + "amp/"
        elif kind == "near":
            text, url = varier.revary(original.page, sources[s_index], html=html), original.url.rstrip("/") + "-v2/"
        yield RealPage(path=path, url=url, fetched_at=clock, page=text, kind=kind, source_path=original.path,
                       story_id=original.story_id, site=original.site, language=original.language,
                       template=original.template, n_comments=original.n_comments)


@dataclass
class RealSummary(GenSummary):
    """Counts of a corpus made from real pages: ``GenSummary``'s, the real pages it was made from, and the
    mean size of a page."""

    sources: int = 0
    kb_per_page: float = 0.0
    comments_per_page: float = 0.0


def write_real_corpus(out: Path, *, n_pages: int, seed: int = 0, shared: Path | None = None, html: bool = False,
                      exact_rate: float = 0.03, rescrape_rate: float = 0.05, near_rate: float = 0.04) -> RealSummary:
    """Write a corpus of varied real pages into ``out`` (``pages/``, ``manifest.csv``, ``truth.csv``)."""
    started = time.perf_counter()
    out = out.resolve()  # manifest and truth name absolute paths: runs read them from other folders
    shared = shared or default_shared_dir()
    if shared is None:
        raise FileNotFoundError("no ../shared/corpus-dev and corpus-train (set $CORPUSFLOW_SHARED)")
    sources = load_sources(shared, html=html)
    pages_dir = out / "pages"
    summary = RealSummary(sources=len(sources))
    pages = iter_real_pages(sources, n_pages=n_pages, seed=seed, html=html, exact_rate=exact_rate,
                            rescrape_rate=rescrape_rate, near_rate=near_rate)
    write_pages(pages, out, pages_dir, summary, text_of=lambda page: page.page)
    summary.seconds = round(time.perf_counter() - started, 2)
    if summary.pages:
        summary.kb_per_page = round(summary.bytes / summary.pages / 1000, 2)
        summary.comments_per_page = round(summary.comments / summary.pages, 2)
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate a corpus of varied real pages and print its counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000, help="Pages to generate (default 10,000).")
    parser.add_argument("--out", type=Path, required=True, help="Output folder.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shared", type=Path, default=None, help="Folder holding corpus-dev and corpus-train.")
    parser.add_argument("--html", action="store_true", help="HTML pages (the sources with an HTML file).")
    parser.add_argument("--exact-rate", type=float, default=0.03)
    parser.add_argument("--rescrape-rate", type=float, default=0.05)
    parser.add_argument("--near-rate", type=float, default=0.04)
    args = parser.parse_args(argv)
    summary = write_real_corpus(args.out, n_pages=args.pages, seed=args.seed, shared=args.shared, html=args.html,
                                exact_rate=args.exact_rate, rescrape_rate=args.rescrape_rate,
                                near_rate=args.near_rate)
    print(json.dumps(summary.__dict__, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
