"""Generator of realistic text-page corpora of any size, with planted duplicates at known rates.

Run ``.venv/bin/python -m bench.gen_corpus --pages 20000 --out bench/work/corpus-20000`` (``--help``).

Every generated page is one of the dev pages (``NAME.txt`` + ``NAME.truth.json``) used as a template:
its site chrome (navigation, widgets, comment-form and footer lines) is kept line for line, the title
is replaced wherever it occurs, the article body is replaced by new paragraphs and the comment thread
by a new one, each comment drawn in the markup of one of the template's own comments (author line,
date and reply lines stay as the site shows them). New paragraphs are recombined from sentences of
the bodies of all templates of the same language, comments from sentences of the comments of that
language, so languages stay consistent and no content line repeats across a site's pages the way
template lines do.

Languages follow ``LANGUAGE_MIX`` (a page's language picks a template of that language). Comment
counts are negative-binomial with ``mean_comments`` over all pages (comment-less templates give
comment-less pages, as news sites without a comment section do).

Pages come in fetch order (``fetched_at`` grows with the file number). Planted duplicates, each a copy
of an original page generated at most ``window`` pages earlier and fetched at its own place in the crawl:

- ``exact``: the same page text under another URL of the same site (an AMP or mobile alias);
- ``rescrape``: the same URL fetched again, every earlier comment plus one to five new ones;
- ``near``: another URL of the same site, the same body with one paragraph edited (one sentence
  replaced and two words changed), its own comment thread.

Output (streamed: memory stays flat in the corpus size): ``pages/NNNN/pNNNNNNN.txt`` (1,000 files
per folder), ``manifest.csv`` (``path``, ``url``, ``fetched_at``, as ``corpus build --manifest``
reads it) and ``truth.csv`` (one row per page: ``path``, ``kind``, ``source_path``, ``story_id``,
``site``, ``language``, ``template``, ``n_comments``).

Templates come from the dev pages (``$CORPUSFLOW_DEV_PAGES``, else ``../shared/corpus-dev`` beside
the repository, else ``/work/shared/corpus-dev``) and fall back to the few pages under
``bench/templates/``.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import itertools
import json
import logging
import os
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

BENCH_DIR = Path(__file__).resolve().parent
BUNDLED_TEMPLATES = BENCH_DIR / "templates"
LANGUAGE_MIX: Mapping[str, float] = {"en": 0.62, "de": 0.22, "fr": 0.04, "es": 0.04, "it": 0.03, "pt": 0.03,
                                     "ru": 0.02}
"""Share of pages per language (a news crawl of mostly English and German sites)."""
KINDS = ("original", "exact", "rescrape", "near")
FILES_PER_FOLDER = 1000
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
MIN_POOL_SENTENCES = 40
"""Languages whose templates hold fewer body sentences are left out of the mix: their pages would share
most sentences and be near-duplicates of each other by content (the dev split has 7-25 in it, pt, ru)."""
SENTENCES_PER_POOL_SHARE = 8
"""A body uses at most one in this many of its language's body sentences, so two unrelated bodies share few."""

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“„«(\[A-ZÀ-ÖØ-ÞА-Я0-9])")
_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph (split after ``.!?…`` before an upper-case letter, digit or quote)."""
    return [s for s in _SENTENCE_END.split(_norm(paragraph)) if s]


@dataclass(frozen=True)
class CommentBlock:
    """The lines of one template comment: chrome before the text, the author line, the separator of paragraphs."""

    lead: tuple[str, ...]
    """Lines from the end of the previous comment up to the comment's text (author, date, reply links)."""
    author_line: int | None
    """Index in ``lead`` of the line naming the author (None when the author is not shown as a line)."""
    author: str
    paragraph_sep: str
    """What separates two paragraphs of the comment's text ('\\n' or '\\n\\n')."""


@dataclass(frozen=True)
class Template:
    """A dev page cut into chrome and content slots."""

    name: str
    site: str
    language: str
    title: str
    head: tuple[str, ...]
    """Lines before the body."""
    middle: tuple[str, ...]
    """Lines between the body and the first comment (or the rest of the page when it has no comments)."""
    tail: tuple[str, ...]
    """Lines after the last comment."""
    blocks: tuple[CommentBlock, ...]
    n_paragraphs: int
    paragraph_sep: str
    count_lines: tuple[tuple[str, int], ...] = ()
    """Chrome lines that state the template's comment count ('18 Comments'), by part and index."""
    title_lines: tuple[tuple[str, int], ...] = ()
    """Chrome lines that hold the title, by part and index."""


@dataclass(frozen=True)
class Pools:
    """Sentences, paragraph shapes and authors per language, taken from the templates' truth."""

    body_sentences: Mapping[str, tuple[str, ...]]
    body_shapes: Mapping[str, tuple[int, ...]]
    """Sentences per body paragraph, as the templates' paragraphs have them."""
    comment_sentences: Mapping[str, tuple[str, ...]]
    comment_shapes: Mapping[str, tuple[tuple[int, ...], ...]]
    """Sentences per paragraph of each template comment."""
    authors: Mapping[str, tuple[str, ...]]
    """Comment authors per language."""


def default_templates_dir() -> Path:
    """The dev pages when present, else the bundled fallback pages."""
    candidates = [os.environ.get("CORPUSFLOW_DEV_PAGES", ""), str(BENCH_DIR.parent.parent / "shared" / "corpus-dev"),
                  "/work/shared/corpus-dev"]
    for cand in candidates:
        if cand and any(Path(cand).glob("*.truth.json")):
            return Path(cand)
    return BUNDLED_TEMPLATES


def _find(norm_lines: Sequence[str], target: str, start: int) -> int | None:
    for i in range(start, len(norm_lines)):
        if norm_lines[i] == target:
            return i
    return None


def _separator(lines: Sequence[str], first: int, second: int | None) -> str | None:
    if second is None:
        return None
    return "\n\n" if any(not lines[i].strip() for i in range(first + 1, second)) else "\n"


def _cut_comments(lines: list[str], norm_lines: list[str], comments: list[dict[str, str]],
                  start: int) -> tuple[list[CommentBlock], int, int] | None:
    """Comment blocks of a page, the line where the first one starts and the line after the last one."""
    blocks: list[CommentBlock] = []
    cursor, first_start, seps = start, None, []
    spans: list[tuple[int, int, int, str]] = []
    for comment in comments:
        paras = [_norm(p) for p in comment["text"].split("\n\n") if p.strip()]
        if not paras:
            return None
        at = _find(norm_lines, paras[0], cursor)
        if at is None:
            return None
        positions = [at]
        for para in paras[1:]:
            nxt = _find(norm_lines, para, positions[-1] + 1)
            if nxt is None:
                return None
            positions.append(nxt)
        if len(positions) > 1:
            seps.append(_separator(lines, positions[0], positions[1]) or "\n\n")
        author = _norm(comment.get("author") or "")
        lead_start = cursor
        if first_start is None:  # the first comment's chrome starts at its author line
            lead_start = at
            for i in range(at - 1, max(cursor, at - 6) - 1, -1):
                if author and author in norm_lines[i]:
                    lead_start = i
                    break
            first_start = lead_start
        spans.append((lead_start, at, positions[-1], author))
        cursor = positions[-1] + 1
    # the commonest separator; a tie goes to the one seen first (a set's order changes with the hash seed)
    default_sep = Counter(seps).most_common(1)[0][0] if seps else "\n\n"
    for lead_start, at, _last, author in spans:
        lead = tuple(lines[lead_start:at])
        author_line = next((i for i, line in enumerate(lead) if author and author in line), None)
        blocks.append(CommentBlock(lead=lead, author_line=author_line, author=author, paragraph_sep=default_sep))
    assert first_start is not None
    return blocks, first_start, cursor


_COUNT = re.compile(r"(?<![\d.,:/])(\d+)(?![\d.,:/])")


def _states_count(line: str, count: int) -> bool:
    """True for a short line that states ``count`` as a number ('18 Comments', '(18)', '18')."""
    words = line.split()
    return 0 < len(words) <= 5 and any(int(m) == count for m in _COUNT.findall(line))


def _restate_count(line: str, old: int, new: int) -> str:
    return _COUNT.sub(lambda m: str(new) if int(m.group(1)) == old else m.group(1), line)


def load_template(txt: Path, truth: Mapping[str, object]) -> Template | None:
    """Cut one dev page into a template; None when its body or comments cannot be located in the text."""
    lines = txt.read_text(encoding="utf-8").split("\n")
    norm_lines = [_norm(line) for line in lines]
    paras = [_norm(p) for p in str(truth["body"]).split("\n\n") if p.strip()]
    found = [i for i in (_find(norm_lines, p, 0) for p in paras) if i is not None]
    if not found:
        return None
    body_start, body_end = min(found), max(found)
    sep = _separator(lines, found[0], found[1]) if len(found) > 1 else "\n\n"
    comments = [c for c in truth.get("comments", []) if isinstance(c, dict)]  # type: ignore[attr-defined]
    blocks: list[CommentBlock] = []
    middle_end, tail_start = len(lines), len(lines)
    if len(comments) >= 2:
        cut = _cut_comments(lines, norm_lines, comments, body_end + 1)
        if cut is None:
            logger.info("template %s: comments not located, skipped", txt.name)
            return None
        blocks, middle_end, tail_start = cut
    title = _norm(str(truth.get("title") or ""))
    parts = (("head", lines[:body_start]), ("middle", lines[body_end + 1:middle_end]), ("tail", lines[tail_start:]))
    count_lines = tuple((part, i) for part, part_lines in parts for i, line in enumerate(part_lines)
                        if blocks and _states_count(line, len(comments)))
    title_lines = tuple((part, i) for part, part_lines in parts for i, line in enumerate(part_lines)
                        if title and title in _norm(line))
    return Template(
        name=txt.name.removesuffix(".txt"), site=str(truth["site"]), language=str(truth["language"]),
        title=title, head=tuple(lines[:body_start]),
        middle=tuple(lines[body_end + 1:middle_end]), tail=tuple(lines[tail_start:]), blocks=tuple(blocks),
        n_paragraphs=len(paras), paragraph_sep=sep or "\n\n", count_lines=count_lines,
        title_lines=title_lines,
    )


def load_templates(folder: Path | None = None) -> tuple[list[Template], Pools]:
    """Templates and content pools from every ``NAME.txt`` + ``NAME.truth.json`` of ``folder``."""
    folder = folder or default_templates_dir()
    templates: list[Template] = []
    body_s: dict[str, list[str]] = {}
    body_shapes: dict[str, list[int]] = {}
    com_s: dict[str, list[str]] = {}
    com_shapes: dict[str, list[tuple[int, ...]]] = {}
    authors: dict[str, set[str]] = {}
    for truth_path in sorted(folder.glob("*.truth.json")):
        txt = truth_path.with_name(truth_path.name.removesuffix(".truth.json") + ".txt")
        if not txt.exists():
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        template = load_template(txt, truth)
        if template is None:
            continue
        templates.append(template)
        lang = template.language
        for para in str(truth["body"]).split("\n\n"):
            sentences = split_sentences(para)
            if sentences:
                body_s.setdefault(lang, []).extend(sentences)
                body_shapes.setdefault(lang, []).append(len(sentences))
        for comment in truth.get("comments", []):
            shape = []
            for para in comment["text"].split("\n\n"):
                sentences = split_sentences(para)
                if sentences:
                    com_s.setdefault(lang, []).extend(sentences)
                    shape.append(len(sentences))
            if shape:
                com_shapes.setdefault(lang, []).append(tuple(shape))
            if comment.get("author"):
                authors.setdefault(lang, set()).add(_norm(comment["author"]))
    if not templates:
        raise FileNotFoundError(f"no usable NAME.txt + NAME.truth.json templates in {folder}")
    pools = Pools(
        body_sentences={k: tuple(v) for k, v in body_s.items()},
        body_shapes={k: tuple(v) for k, v in body_shapes.items()},
        comment_sentences={k: tuple(v) for k, v in com_s.items()},
        comment_shapes={k: tuple(v) for k, v in com_shapes.items()},
        authors={k: tuple(sorted(v)) for k, v in authors.items()},
    )
    return templates, pools


@dataclass(frozen=True)
class Comment:
    """One generated comment: the template block it is drawn in, its author and paragraphs."""

    block: int
    author: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class PageSpec:
    """Everything needed to render a page; kept for the originals that later copies refer to."""

    template: int
    title: str
    paragraphs: tuple[str, ...]
    comments: tuple[Comment, ...]
    url: str
    fetched_at: dt.datetime
    story_id: int
    path: str = ""


@dataclass(frozen=True)
class GeneratedPage:
    """One generated page with its truth."""

    path: str
    url: str
    fetched_at: dt.datetime
    text: str
    kind: str
    source_path: str
    story_id: int
    site: str
    language: str
    template: str
    n_comments: int


@dataclass
class GenSummary:
    """Counts of a generated corpus."""

    pages: int = 0
    bytes: int = 0
    comments: int = 0
    seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    languages: dict[str, int] = field(default_factory=dict)


def render_page(template: Template, spec: PageSpec) -> str:
    """The text of a page: the template's chrome around the spec's title, body and comments."""
    old, new = len(template.blocks), len(spec.comments)
    head, middle, tail = list(template.head), list(template.middle), list(template.tail)
    parts_by_name = {"head": head, "middle": middle, "tail": tail}
    for part, i in template.title_lines:
        line = parts_by_name[part][i]
        parts_by_name[part][i] = spec.title if _norm(line) == template.title else \
            _norm(line).replace(template.title, spec.title)
    for part, i in template.count_lines:
        parts_by_name[part][i] = _restate_count(parts_by_name[part][i], old, new)
    parts = ["\n".join(head), template.paragraph_sep.join(spec.paragraphs)]
    if middle:
        parts.append("\n".join(middle))
    for comment in spec.comments:
        block = template.blocks[comment.block]
        lead = list(block.lead)
        if block.author_line is not None and block.author:
            lead[block.author_line] = lead[block.author_line].replace(block.author, comment.author, 1)
        parts.append("\n".join([*lead, block.paragraph_sep.join(comment.paragraphs)]))
    if tail:
        parts.append("\n".join(tail))
    return "\n".join(parts)


class _Maker:
    """Draws titles, paragraphs and comments from the pools (``random.Random`` for scalar draws, numpy for counts)."""

    def __init__(self, templates: Sequence[Template], pools: Pools, seed: int, *,
                 mix: Mapping[str, float], mean_comments: float) -> None:
        self.templates, self.pools = templates, pools
        self.rand = random.Random(seed)
        self.rng = np.random.default_rng(seed)
        by_lang: dict[str, list[int]] = {}
        for i, t in enumerate(templates):
            by_lang.setdefault(t.language, []).append(i)
        self.by_lang = by_lang
        usable = {lang for lang in by_lang if len(pools.body_sentences.get(lang, ())) >= MIN_POOL_SENTENCES}
        langs = [lang for lang in mix if lang in usable] or sorted(by_lang)
        left_out = sorted(set(by_lang) - set(langs))
        if left_out:
            logger.info("languages left out (fewer than %d body sentences): %s", MIN_POOL_SENTENCES, left_out)
        weights = [mix.get(lang, 1.0) for lang in langs]
        total = sum(weights)
        self.langs, self.lang_p = langs, [w / total for w in weights]
        # Comment-less templates give comment-less pages, so comment pages carry more to keep the overall mean.
        share = sum(p * sum(bool(templates[i].blocks) for i in by_lang[lang]) / len(by_lang[lang])
                    for lang, p in zip(langs, self.lang_p, strict=True))
        self.mean_per_thread = mean_comments / share if share > 0 else 0.0

    def pick_template(self) -> int:
        lang = self.rand.choices(self.langs, weights=self.lang_p)[0]
        return self.rand.choice(self.by_lang[lang])

    def _sentences(self, pool: Sequence[str], n: int) -> list[str]:
        return self.rand.choices(pool, k=n)

    def paragraph(self, lang: str) -> str:
        shapes = self.pools.body_shapes.get(lang) or (2,)
        n = max(2, self.rand.choice(shapes))  # two sentences at least: no content line repeats across pages
        return " ".join(self._sentences(self.pools.body_sentences[lang], n))

    def body(self, template: Template) -> tuple[str, ...]:
        budget = max(2, len(self.pools.body_sentences[template.language]) // SENTENCES_PER_POOL_SHARE)
        n = max(1, min(round(template.n_paragraphs * self.rand.uniform(0.6, 1.4)), budget // 2))
        return tuple(self.paragraph(template.language) for _ in range(n))

    def title(self, lang: str) -> str:
        words = self.rand.choice(self.pools.body_sentences[lang]).rstrip(".!?…").split()
        size = self.rand.randint(6, 12)
        start = self.rand.randrange(max(1, len(words) - size + 1))
        title = " ".join(words[start:start + size]) or "Untitled"
        return title[0].upper() + title[1:]

    def comment(self, template: Template, *, first: bool) -> Comment:
        lang = template.language
        pool = self.pools.comment_sentences.get(lang) or self.pools.body_sentences[lang]
        shape = self.rand.choice(self.pools.comment_shapes.get(lang) or ((2,),))
        paragraphs = tuple(" ".join(self._sentences(pool, max(1, k))) for k in shape[:4])
        block = 0 if first or len(template.blocks) == 1 else self.rand.randrange(1, len(template.blocks))
        names = self.pools.authors.get(lang) or tuple(b.author for b in template.blocks) or ("Reader",)
        return Comment(block=block, author=self.rand.choice(names), paragraphs=paragraphs)

    def thread(self, template: Template, n: int, *, after: int = 0) -> tuple[Comment, ...]:
        return tuple(self.comment(template, first=after + i == 0) for i in range(n))

    def n_comments(self, template: Template) -> int:
        if not template.blocks or self.mean_per_thread <= 0:
            return 0
        # Negative binomial with dispersion 1.5: most threads are short, a few run long.
        r = 1.5
        return int(self.rng.negative_binomial(r, r / (r + self.mean_per_thread)))

    def edit(self, paragraphs: tuple[str, ...], lang: str) -> tuple[str, ...]:
        """One paragraph edited: one of its sentences replaced (when it has several) and two words changed."""
        pool = self.pools.body_sentences[lang]
        i = self.rand.randrange(len(paragraphs))
        sentences = split_sentences(paragraphs[i])
        if len(sentences) > 1:
            sentences[self.rand.randrange(len(sentences))] = self.rand.choice(pool)
        words = " ".join(sentences).split(" ")
        for _ in range(2):
            words[self.rand.randrange(len(words))] = self.rand.choice(pool).split(" ")[0]
        return (*paragraphs[:i], " ".join(words), *paragraphs[i + 1:])


def _slug(title: str) -> str:
    return re.sub(r"[^\w]+", "-", title.lower()).strip("-")[:60] or "post"


def fetch_schedule(
    rand: random.Random, n_pages: int, *, suffix: str, rates: Sequence[float], seconds_between_pages: float,
    has_recent: Callable[[], bool],
) -> Iterator[tuple[str, dt.datetime, str]]:
    """The fetch order both generators share: for each of ``n_pages`` pages its path (``FILES_PER_FOLDER``
    files a folder, ending in ``suffix``), its fetch time (exponential spacing from ``START``) and its kind:
    a copy (``KINDS[1:]``, drawn with the cumulative ``rates`` of exact, re-scrape and near copies) once
    ``has_recent()`` says an original is there to copy, else an original. Draws from ``rand`` in the same
    order as the loops it replaced: the fetch time, then the kind."""
    cum = list(itertools.accumulate(rates))
    clock = START
    for index in range(n_pages):
        clock += dt.timedelta(seconds=rand.expovariate(1.0 / seconds_between_pages))
        draw = rand.random()
        kind = KINDS[1 + bisect.bisect_right(cum, draw)] if has_recent() and draw < cum[-1] else "original"
        yield f"{index // FILES_PER_FOLDER:04d}/p{index:07d}.{suffix}", clock, kind


def iter_pages(
    templates: Sequence[Template],
    pools: Pools,
    *,
    n_pages: int,
    seed: int = 0,
    mix: Mapping[str, float] = LANGUAGE_MIX,
    mean_comments: float = 10.0,
    exact_rate: float = 0.03,
    rescrape_rate: float = 0.05,
    near_rate: float = 0.04,
    window: int = 500,
    seconds_between_pages: float = 30.0,
) -> Iterator[GeneratedPage]:
    """Yield ``n_pages`` generated pages in fetch order (deterministic for a seed).

    Args:
        templates: from :func:`load_templates`.
        pools: from :func:`load_templates`.
        n_pages: pages to generate.
        seed: seed of the one random generator.
        mix: share of pages per language (languages without a template are left out).
        mean_comments: mean comments per page over all pages.
        exact_rate: share of pages that are exact copies of an earlier page.
        rescrape_rate: share that are later fetches of an earlier URL with more comments.
        near_rate: share that are copies with one paragraph edited.
        window: copies refer to one of the last ``window`` original pages.
        seconds_between_pages: mean spacing of the originals' fetch times.
    """
    maker = _Maker(templates, pools, seed, mix=mix, mean_comments=mean_comments)
    rand = maker.rand
    recent: deque[PageSpec] = deque(maxlen=window)
    story = 0
    schedule = fetch_schedule(rand, n_pages, suffix="txt", rates=(exact_rate, rescrape_rate, near_rate),
                              seconds_between_pages=seconds_between_pages, has_recent=lambda: bool(recent))
    for index, (path, clock, kind) in enumerate(schedule):
        if kind == "original":
            t_index = maker.pick_template()
            template = templates[t_index]
            title = maker.title(template.language)
            spec = PageSpec(
                template=t_index, title=title, paragraphs=maker.body(template),
                comments=maker.thread(template, maker.n_comments(template)),
                url=f"https://{template.site}/{clock:%Y/%m}/{_slug(title)}-{index}/", fetched_at=clock,
                story_id=story, path=path,
            )
            story += 1
            recent.append(spec)
            source = spec
        else:
            source = recent[rand.randrange(len(recent))]
            template = templates[source.template]
            if kind == "exact":
                spec = PageSpec(template=source.template, title=source.title, paragraphs=source.paragraphs,
                                comments=source.comments, url=source.url + "amp/", fetched_at=clock,
                                story_id=source.story_id, path=path)
            elif kind == "rescrape":
                extra = maker.thread(template, rand.randint(1, 5) if template.blocks else 0,
                                     after=len(source.comments))
                spec = PageSpec(template=source.template, title=source.title, paragraphs=source.paragraphs,
                                comments=source.comments + extra, url=source.url, fetched_at=clock,
                                story_id=source.story_id, path=path)
            else:
                spec = PageSpec(template=source.template, title=source.title,
                                paragraphs=maker.edit(source.paragraphs, template.language),
                                comments=maker.thread(template, maker.n_comments(template)),
                                url=source.url.rstrip("/") + "-update/", fetched_at=clock,
                                story_id=source.story_id, path=path)
        yield GeneratedPage(
            path=path, url=spec.url, fetched_at=spec.fetched_at, text=render_page(template, spec), kind=kind,
            source_path=source.path, story_id=spec.story_id, site=template.site, language=template.language,
            template=template.name, n_comments=len(spec.comments),
        )


def write_corpus(
    out: Path,
    *,
    n_pages: int,
    seed: int = 0,
    templates_dir: Path | None = None,
    mean_comments: float = 10.0,
    exact_rate: float = 0.03,
    rescrape_rate: float = 0.05,
    near_rate: float = 0.04,
) -> GenSummary:
    """Write a generated corpus into ``out`` (``pages/``, ``manifest.csv``, ``truth.csv``); returns its counts.

    Manifest and truth paths are ``out/pages/...`` as given, and file names are unique, so a build
    over ``out/pages`` matches its files to the manifest by path or by name.
    """
    started = time.perf_counter()
    templates, pools = load_templates(templates_dir)
    pages_dir = out / "pages"
    summary = GenSummary()
    pages = iter_pages(templates, pools, n_pages=n_pages, seed=seed, mean_comments=mean_comments,
                       exact_rate=exact_rate, rescrape_rate=rescrape_rate, near_rate=near_rate)
    write_pages(pages, out, pages_dir, summary, text_of=lambda page: page.text)
    summary.seconds = time.perf_counter() - started
    return summary


def write_pages(pages: Iterable[Any], out: Path, pages_dir: Path, summary: Any, *,
                text_of: Callable[[Any], str]) -> None:
    """Write generated pages under ``pages_dir`` with ``out/manifest.csv`` and ``out/truth.csv``, counting
    them into ``summary`` (``pages``, ``bytes``, ``comments``, ``kinds``, ``languages``). A page has ``path``,
    ``url``, ``fetched_at``, ``kind``, ``source_path``, ``story_id``, ``site``, ``language``, ``template`` and
    ``n_comments``; ``text_of`` gives its text. Shared by this generator and ``bench.gen_real``."""
    made: set[str] = set()
    out.mkdir(parents=True, exist_ok=True)
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as man_fh, \
            (out / "truth.csv").open("w", newline="", encoding="utf-8") as truth_fh:
        manifest, truth = csv.writer(man_fh), csv.writer(truth_fh)
        manifest.writerow(["path", "url", "fetched_at"])
        truth.writerow(["path", "kind", "source_path", "story_id", "site", "language", "template", "n_comments"])
        for page in pages:
            target = pages_dir / page.path
            if target.parent.name not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent.name)
            data = text_of(page).encode("utf-8")
            target.write_bytes(data)
            full = str(pages_dir / page.path)
            manifest.writerow([full, page.url, page.fetched_at.isoformat()])
            truth.writerow([full, page.kind, str(pages_dir / page.source_path), page.story_id, page.site,
                            page.language, page.template, page.n_comments])
            summary.pages += 1
            summary.bytes += len(data)
            summary.comments += page.n_comments
            summary.kinds[page.kind] += 1
            summary.languages[page.language] = summary.languages.get(page.language, 0) + 1


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate a corpus and print its counts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000, help="Pages to generate (default 10,000).")
    parser.add_argument("--out", type=Path, required=True, help="Output folder.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--templates", type=Path, default=None, help="Folder of NAME.txt + NAME.truth.json.")
    parser.add_argument("--mean-comments", type=float, default=10.0, help="Mean comments per page (all pages).")
    parser.add_argument("--exact-rate", type=float, default=0.03)
    parser.add_argument("--rescrape-rate", type=float, default=0.05)
    parser.add_argument("--near-rate", type=float, default=0.04)
    args = parser.parse_args(argv)
    summary = write_corpus(args.out, n_pages=args.pages, seed=args.seed, templates_dir=args.templates,
                           mean_comments=args.mean_comments, exact_rate=args.exact_rate,
                           rescrape_rate=args.rescrape_rate, near_rate=args.near_rate)
    print(json.dumps(summary.__dict__, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
