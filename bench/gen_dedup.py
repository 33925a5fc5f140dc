"""Planted-duplicate generator for the dedup stage (tests and ``bench.bench_dedup``).

Every story has one original page plus planted copies of these kinds:

- ``exact``: the same body under another URL of the same site (an alias or AMP page), own comments
  (the only kind planted for short bodies, which are matched exactly);
- ``near``: one paragraph edited (one sentence rewritten and two words changed), another URL;
- ``rescrape``: the same URL fetched later, with every earlier comment plus new ones, and a donation
  widget line left in the body whose counter changed;
- ``syndicated``: the same body on another site (half of them with a credit line on top), with that
  site's own comment thread.

Distractors make precision meaningful: every site appends the same footer line to a share of its
bodies, some bodies are short (captions, briefs, below ``min_tokens``), a spammer posts one text under
many articles, and a few readers post the same comment twice in one thread.

Bodies are sentences of a Zipf-distributed synthetic vocabulary, or, with ``paragraphs=``, real
paragraphs (such as those of the dev pages) sampled per story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import xxhash

KINDS = ("exact", "near", "rescrape", "syndicated")


@dataclass(frozen=True)
class PlantedSet:
    """Generated pages and comments with the truth of which pages tell the same story."""

    articles: pl.DataFrame
    """page_id, article_id, site, url, fetched_at, ingested_at, title, body, story_id, planted_kind."""
    comments: pl.DataFrame
    """page_id, site, position, author, text."""


def _words(rng: np.random.Generator, vocab: np.ndarray, n: int) -> list[str]:
    ranks = np.minimum(rng.zipf(1.15, size=n), vocab.size) - 1
    return [str(w) for w in vocab[ranks]]


def _sentence(rng: np.random.Generator, vocab: np.ndarray) -> str:
    words = _words(rng, vocab, int(rng.integers(8, 26)))
    return " ".join(words).capitalize() + "."


def _paragraph(rng: np.random.Generator, vocab: np.ndarray) -> str:
    return " ".join(_sentence(rng, vocab) for _ in range(int(rng.integers(2, 6))))


def _vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(2, 11, size=size)
    words = {"".join(rng.choice(letters, size=int(n))) for n in lengths}
    return np.array(sorted(words))


def _edit_paragraph(rng: np.random.Generator, vocab: np.ndarray, paragraph: str) -> str:
    sentences = paragraph.split(". ")
    i = int(rng.integers(0, len(sentences)))
    sentences[i] = _sentence(rng, vocab).rstrip(".")
    words = ". ".join(sentences).split(" ")
    for j in rng.integers(0, len(words), size=2):
        words[int(j)] = _words(rng, vocab, 1)[0]
    return " ".join(words)


def _hex(*parts: str) -> str:
    return xxhash.xxh3_64_hexdigest("\x1f".join(parts).encode())


@dataclass
class _Planter:
    """Accumulates generated pages and comments column by column."""

    rng: np.random.Generator
    vocab: np.ndarray
    max_comments: int
    spam: str = "Make $500 a day working from home, visit my profile for details!!!"
    art: dict[str, list[object]] = field(default_factory=lambda: {k: [] for k in (
        "page_id", "article_id", "site", "url", "fetched_at", "title", "body", "story_id", "planted_kind")})
    com: dict[str, list[object]] = field(default_factory=lambda: {k: [] for k in (
        "page_id", "site", "position", "author", "text")})

    def thread(self, n: int, story: int, tag: str) -> list[tuple[str, str]]:
        """Comments of one page: mostly sentences, some one-word cheers, spam, a double post."""
        rng = self.rng
        out = []
        for j in range(n):
            author = f"reader{int(rng.integers(0, 5000))}"
            if rng.random() < 0.8:
                text = _sentence(rng, self.vocab)
            else:
                text = _words(rng, self.vocab, 1)[0].capitalize() + "!"
            out.append((author, f"{text} ({tag}{story}.{j})" if rng.random() < 0.1 else text))
        if rng.random() < 0.1:
            out.append(("spammer", self.spam))
        if out and rng.random() < 0.05:
            out.append(out[int(rng.integers(0, len(out)))])  # the same comment posted twice
        return out

    def add(self, story: int, kind: str, *, site: str, url: str, fetched: dt.datetime, title: str,
            body: str, thread: list[tuple[str, str]]) -> None:
        """Add one page and its comments."""
        page_id = _hex("page", str(story), kind, site, url, fetched.isoformat())
        text = "\n".join([title, body, *(f"{a}\n{t}" for a, t in thread)])
        for key, value in (("page_id", page_id), ("article_id", _hex(text)), ("site", site), ("url", url),
                           ("fetched_at", fetched), ("title", title), ("body", body), ("story_id", story),
                           ("planted_kind", kind)):
            self.art[key].append(value)
        for pos, (author, ctext) in enumerate(thread):
            for key, value in (("page_id", page_id), ("site", site), ("position", pos), ("author", author),
                               ("text", ctext)):
                self.com[key].append(value)


def _plant_copies(p: _Planter, story: int, *, site: str, sites: list[str], slug: str, fetched: dt.datetime,
                  title: str, paras: list[str], body: str, widget: int | None,
                  thread: list[tuple[str, str]]) -> None:
    """Plant 1 to 3 copies of different kinds of one story."""
    rng = p.rng
    orig_body = _with_widget(body, widget)
    for kind in rng.choice(KINDS, size=int(rng.integers(1, 4)), replace=False):
        later = fetched + dt.timedelta(hours=int(rng.integers(1, 72)))
        if kind == "exact":
            p.add(story, kind, site=site, url=f"https://{site}/amp/news/{slug}", fetched=later, title=title,
                  body=orig_body, thread=p.thread(int(rng.integers(0, 4)), story, "e"))
        elif kind == "near":
            i = int(rng.integers(0, len(paras)))
            edited = [*paras[:i], _edit_paragraph(rng, p.vocab, paras[i]), *paras[i + 1 :]]
            p.add(story, kind, site=site, url=f"https://{site}/news/{slug}-updated", fetched=later, title=title,
                  body=_with_widget("\n\n".join(edited), widget),
                  thread=p.thread(int(rng.integers(0, 4)), story, "n"))
        elif kind == "rescrape":
            more = None if widget is None else widget + int(rng.integers(1, 5000))
            p.add(story, kind, site=site, url=f"https://www.{site}/news/{slug}", fetched=later, title=title,
                  body=_with_widget(body, more), thread=thread + p.thread(int(rng.integers(1, 4)), story, "r"))
        else:
            other = sites[(sites.index(site) + 1 + int(rng.integers(0, len(sites) - 1))) % len(sites)]
            syn_body = f"By Wire Service staff, via {site}\n\n{body}" if rng.random() < 0.5 else body
            p.add(story, kind, site=other, url=f"https://{other}/world/{slug}", fetched=later, title=title,
                  body=syn_body, thread=p.thread(int(rng.integers(0, 6)), story, "s"))


def _with_widget(body: str, donated: int | None) -> str:
    """Append a donation widget line (left in the body by the stripper) when the page has one."""
    return body if donated is None else f"{body}\n\nDonate now: ${donated:,} raised of our $60,000 goal."


def generate_planted(
    n_stories: int,
    *,
    seed: int = 0,
    copy_rate: float = 0.5,
    n_sites: int = 40,
    paragraphs: list[str] | None = None,
    short_rate: float = 0.05,
    footer_rate: float = 0.3,
    max_comments: int = 12,
) -> PlantedSet:
    """Generate ``n_stories`` stories; each has planted copies with probability ``copy_rate``.

    Args:
        n_stories: distinct stories (each gets one original page).
        seed: seed of every random choice.
        copy_rate: share of stories that get planted copies (1 to 3 kinds each).
        n_sites: sites the pages are spread over.
        paragraphs: real paragraphs to build bodies from instead of the synthetic vocabulary.
        short_rate: share of stories whose body is one short sentence (exact matching only).
        footer_rate: share of bodies that end with their site's footer line.
        max_comments: most comments of an original page.

    Returns:
        The pages and comments; ``story_id`` is the truth (same story = should fold).
    """
    rng = np.random.default_rng(seed)
    p = _Planter(rng=rng, vocab=_vocabulary(rng, 30_000), max_comments=max_comments)
    sites = [f"site{i:03d}.example" for i in range(n_sites)]
    base = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    for story in range(n_stories):
        site = sites[int(rng.integers(0, n_sites))]
        slug = f"story-{story}-{int(rng.integers(0, 1 << 30)):x}"
        title = _sentence(rng, p.vocab).rstrip(".")
        fetched = base + dt.timedelta(minutes=int(rng.integers(0, 60 * 24 * 30)))
        is_short = rng.random() < short_rate
        if is_short:
            paras = [" ".join(_words(rng, p.vocab, int(rng.integers(3, 12)))).capitalize() + "."]
        elif paragraphs:
            paras = [paragraphs[int(i)] for i in rng.integers(0, len(paragraphs), size=int(rng.integers(4, 12)))]
        else:
            paras = [_paragraph(rng, p.vocab) for _ in range(int(rng.integers(5, 13)))]
        if rng.random() < footer_rate:
            paras = [*paras, f"Read more news from {site} every day. Subscribe to our newsletter for updates."]
        body = "\n\n".join(paras)
        thread = p.thread(int(rng.integers(0, max_comments + 1)), story, "c")
        widget = int(rng.integers(100, 50_000)) if rng.random() < 0.5 and not is_short else None
        p.add(story, "original", site=site, url=f"https://www.{site}/news/{slug}", fetched=fetched, title=title,
              body=_with_widget(body, widget), thread=thread)
        if rng.random() >= copy_rate:
            continue
        if is_short:  # a short text can only be matched exactly: plant an exact copy only
            p.add(story, "exact", site=site, url=f"https://{site}/amp/news/{slug}",
                  fetched=fetched + dt.timedelta(hours=int(rng.integers(1, 72))), title=title,
                  body=_with_widget(body, widget), thread=p.thread(int(rng.integers(0, 4)), story, "e"))
        else:
            _plant_copies(p, story, site=site, sites=sites, slug=slug, fetched=fetched, title=title, paras=paras,
                          body=body, widget=widget, thread=thread)
    articles = pl.DataFrame(p.art, schema_overrides={"fetched_at": pl.Datetime("us", "UTC")}).with_columns(
        pl.col("fetched_at").alias("ingested_at"), pl.col("story_id").cast(pl.Int64)
    )
    comments = pl.DataFrame(p.com, schema_overrides={"position": pl.Int32})
    return PlantedSet(articles=articles, comments=comments)


def pair_scores(clusters: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """Pairwise precision and recall of ``cluster_id`` against ``story_id`` (both per ``page_id``)."""
    joined = clusters.select("page_id", "cluster_id").join(truth.select("page_id", "story_id"), on="page_id")

    def n_pairs(by: list[str]) -> int:
        sizes = joined.group_by(by).len().get_column("len")
        return int((sizes * (sizes - 1) // 2).sum())

    both = n_pairs(["cluster_id", "story_id"])
    predicted = n_pairs(["cluster_id"])
    true = n_pairs(["story_id"])
    return {
        "precision": both / predicted if predicted else 1.0,
        "recall": both / true if true else 1.0,
        "true_pairs": float(true),
        "predicted_pairs": float(predicted),
    }
