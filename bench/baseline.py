"""The obvious pipeline, written the way a competent engineer would write it without optimising.

It is the baseline of ``bench.bench_pipeline``: the same pages in, comparable outputs out (articles,
comments, duplicate flags), and every stage done the straightforward way:

- read: one file at a time, pages in ``fetched_at`` order from the manifest (so the first page of a
  duplicate cluster is the earliest fetch and becomes the keeper);
- boilerplate: a Python loop over lines, each tested against a list of ``re`` patterns;
- parse: the title is the last short line before the body, the body its prose lines up to the
  comment-section heading, and a comment is a short author line followed by longer text lines;
- language: seeded ``langdetect.detect_langs`` per article and per comment;
- dedup: exact (sha1 of the normalised body) and near (datasketch ``MinHash`` of word 5-gram
  shingles, 128 permutations, ``MinHashLSH`` at Jaccard 0.8, each candidate checked with
  ``MinHash.jaccard``); comments of a duplicate are merged into its keeper's thread by (author, text);
- write: plain Python row dicts, ``pa.Table.from_pylist`` and ``pq.write_table`` (pyarrow defaults).

Run ``.venv/bin/python -m bench.baseline --corpus DIR --out DIR`` on a corpus of ``bench.gen_corpus``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import langdetect
import pyarrow as pa
import pyarrow.parquet as pq
from datasketch import MinHash, MinHashLSH
from langdetect import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

STAGES = ("read", "boilerplate", "parse", "langid", "dedup", "write")
NUM_PERM = 128
SHINGLE = 5
THRESHOLD = 0.8

BOILERPLATE_PATTERNS = [
    r"^\s*$",
    r"(?i)^(share|tweet|pin|email|print|facebook|twitter|linkedin|whatsapp|reddit|telegram)( this)?:?$",
    r"(?i)^(share|teilen|partager|compartir|condividi)( (on|auf|sur|en|su) \w+)?$",
    r"(?i)^(follow us|folge uns|suivez-nous|síguenos)\b",
    r"(?i)^(home|menu|search|suche|login|log in|sign in|sign up|register|anmelden|skip to content)$",
    r"(?i)^(about|contact|impressum|datenschutz|privacy policy|terms( of (use|service))?|kontakt|agb)$",
    r"(?i)^(previous|next|older|newer|vorheriger|nächster)( post| article| beitrag| artikel)?\b",
    r"(?i)^(related( posts| articles)?|read more|weiterlesen|mehr zum thema|you may also like|more on the topic:?)",
    r"(?i)^(tags|tagged|filed under|categories|category|schlagwörter|kategorien?)\b.*:",
    r"(?i)^(posted|published|updated|veröffentlicht|aktualisiert)( on| am)?\b",
    r"(?i)^(by|von|par|por) [A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3}$",
    r"(?i)^\d+ (min|minute|minuten) (read|lesezeit)",
    r"(?i)^(photo|foto|image|bild|credit|quelle|source|illustrative image)\b.*",
    r"(?i)(subscribe|newsletter|abonnieren|abonnez-vous|sign up for)",
    r"(?i)(donate|donation|support us|spenden|unterstützen sie)",
    r"(?i)(cookies?|consent|we use cookies|wir verwenden cookies)",
    r"(?i)^(leave a (reply|comment)|schreibe einen kommentar|kommentar verfassen|post a comment)",
    r"(?i)(your email address will not be published|deine e-mail-adresse wird nicht veröffentlicht)",
    r"(?i)^(name|e-?mail|website|webseite|comment|kommentar)\s*\*?$",
    r"(?i)^(save my name|meinen namen|notify me|benachrichtige mich)",
    r"(?i)^(reply|antworten|répondre|responder|rispondi|like|gefällt mir|report|melden)$",
    r"(?i)^(oldest|newest|most voted|inline feedbacks|view all comments|load more comments)",
    r"(?i)(©|\(c\)|copyright|all rights reserved|alle rechte vorbehalten)",
    r"(?i)^(advertisement|anzeige|werbung|sponsored|publicité)$",
    r"(?i)^(loading|wird geladen|chargement)\.*$",
    r"^[\d\s.,:/()|•·-]+$",
    r"(?i)^(january|february|march|april|may|june|july|august|september|october|november|december) \d{1,2},? \d{4}",
    r"(?i)^\d{1,2}\.? (januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember) \d{4}",
    r"(?i)\b(says|sagt|a dit|dice):?$",
    r"(?i)^(back to top|nach oben|top)$",
]
COMMENT_HEADER = re.compile(
    r"(?i)^(\d+\s+)?(comments?|kommentare?|responses?|replies|thoughts on|commentaires?|comentarios?|commenti)\b"
    r"|^(\d+\s+)?(responses|comments) to\b"
)
COMMENT_END = re.compile(
    r"(?i)^(leave a (reply|comment)|schreibe einen kommentar|kommentar verfassen|post a comment|related|"
    r"you may also like|copyright|©)"
)
META = re.compile(
    r"(?i)(\d{1,2}:\d{2}|\b(am|pm|uhr)\b|\b(reply|antworten|report|like)\b$|^\d{1,2}\.? \w+ \d{4}|"
    r"^\w+ \d{1,2},? \d{4}|ago$|^vor \d+)"
)
AUTHOR_SUFFIX = re.compile(r"(?i)\s+(says|sagt|a dit|dice|wrote|schrieb):?\s*$")
SENTENCE_END = re.compile(r"[.!?…:)\"”»]$")


@dataclass
class BaselineResult:
    """Counts and per-stage process CPU seconds of a baseline run."""

    pages: int = 0
    articles: int = 0
    comments: int = 0
    duplicates: int = 0
    bytes_written: int = 0
    cpu: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    wall_seconds: float = 0.0
    duplicate_paths: list[str] = field(default_factory=list)


def strip_lines(lines: Sequence[str], patterns: Sequence[re.Pattern[str]]) -> list[str]:
    """The lines that no boilerplate pattern matches (stripped of surrounding white space)."""
    kept = []
    for line in lines:
        text = line.strip()
        boiler = False
        for pattern in patterns:
            if pattern.search(text):
                boiler = True
                break
        if not boiler:
            kept.append(text)
    return kept


def is_prose(line: str) -> bool:
    """A line of running text: many words, or several words ending like a sentence."""
    words = len(line.split())
    return words >= 12 or (words >= 5 and bool(SENTENCE_END.search(line)))


def split_page(lines: Sequence[str]) -> tuple[str | None, list[str], list[str]]:
    """Title, body paragraphs and the lines of the comment section of a page's kept lines."""
    header = None
    first_prose = None
    for i, line in enumerate(lines):
        if first_prose is None and is_prose(line):
            first_prose = i
        if first_prose is not None and COMMENT_HEADER.search(line) and len(line.split()) <= 8:
            header = i
            break
    if first_prose is None:
        return None, [], []
    title = None
    for line in reversed(lines[max(0, first_prose - 15):first_prose]):
        if 3 <= len(line.split()) <= 20 and not line.endswith("."):
            title = line
            break
    end = header if header is not None else len(lines)
    body = [line for line in lines[first_prose:end] if is_prose(line)]
    comment_lines: list[str] = []
    if header is not None:
        for line in lines[header + 1:]:
            if COMMENT_END.search(line):
                break
            comment_lines.append(line)
    return title, body, comment_lines


def parse_comments(lines: Sequence[str]) -> list[dict[str, str]]:
    """Comments of a comment section: a short author line, then the text lines up to the next author line."""
    comments: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for i, line in enumerate(lines):
        if META.search(line) and len(line.split()) <= 8:
            continue
        words = len(line.split())
        nxt = next((x for x in lines[i + 1:i + 4] if not (META.search(x) and len(x.split()) <= 8)), "")
        if words <= 5 and not SENTENCE_END.search(line) and nxt and len(nxt.split()) > 3:
            current = {"author": AUTHOR_SUFFIX.sub("", line), "paragraphs": []}
            comments.append(current)
        elif current is not None:
            current["paragraphs"].append(line)
    return [{"author": c["author"], "text": "\n\n".join(c["paragraphs"])} for c in comments if c["paragraphs"]]


def detect(text: str) -> tuple[str, float | None]:
    """Seeded langdetect: the top language and its probability, or ('und', None)."""
    try:
        found = langdetect.detect_langs(text)
    except LangDetectException:
        return "und", None
    return (found[0].lang.split("-")[0], found[0].prob) if found else ("und", None)


def normalise(text: str) -> str:
    """Lower case with white space collapsed."""
    return " ".join(text.lower().split())


def minhash(text: str) -> MinHash:
    """MinHash of the word 5-gram shingles of a normalised text."""
    words = text.split()
    shingles = {" ".join(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


class Deduper:
    """Exact (sha1 of the normalised body) and near (MinHash LSH) duplicates against every earlier page."""

    def __init__(self) -> None:
        self.lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self.signatures: dict[str, MinHash] = {}
        self.exact: dict[str, str] = {}
        self.canonical_of: dict[str, str] = {}

    def keeper(self, page_id: str, body_text: str) -> str | None:
        """The earlier page this body duplicates (its cluster's keeper), or None for a new body."""
        norm = normalise(body_text)
        digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()
        keeper = self.exact.get(digest)
        if keeper is None and norm:
            m = minhash(norm)
            for candidate in self.lsh.query(m):
                if m.jaccard(self.signatures[candidate]) >= THRESHOLD:
                    keeper = self.canonical_of[candidate]
                    break
            if keeper is None:
                self.lsh.insert(page_id, m)
                self.signatures[page_id] = m
        if keeper is None:
            self.exact[digest] = page_id
        self.canonical_of[page_id] = keeper or page_id
        return keeper


def merge_thread(seen: set[tuple[str, str]], page_comments: Sequence[dict[str, Any]], *, article_id: str,
                 page_id: str) -> list[dict[str, Any]]:
    """The comments of a page not yet in its article's thread (by author and normalised text)."""
    new = []
    for position, comment in enumerate(page_comments):
        key = (comment["author"], normalise(comment["text"]))
        if key in seen:
            continue
        seen.add(key)
        new.append({"article_id": article_id, "page_id": page_id, "position": position, **comment})
    return new


def read_manifest(corpus: Path) -> list[dict[str, str]]:
    """Manifest rows (path, url, fetched_at) sorted by fetch time, then URL."""
    with (corpus / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: (r["fetched_at"], r["url"]))
    return rows


def run_baseline(corpus: Path, out: Path, *, limit: int | None = None) -> BaselineResult:
    """Run the obvious pipeline over a generated corpus; write ``articles.parquet`` and ``comments.parquet``."""
    started = time.perf_counter()
    DetectorFactory.seed = 0
    result = BaselineResult()
    cpu = result.cpu
    clock = time.process_time()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.process_time()
        cpu[stage] += now - clock
        clock = now

    patterns = [re.compile(p) for p in BOILERPLATE_PATTERNS]
    deduper = Deduper()
    seen_comments: dict[str, set[tuple[str, str]]] = {}
    articles: list[dict[str, Any]] = []
    comments: list[dict[str, Any]] = []
    rows = read_manifest(corpus)
    if limit is not None:
        rows = rows[:limit]
    lap("read")
    for row in rows:
        text = Path(row["path"]).read_text(encoding="utf-8", errors="replace")
        lap("read")
        kept = strip_lines(text.split("\n"), patterns)
        lap("boilerplate")
        title, body, comment_lines = split_page(kept)
        page_comments = parse_comments(comment_lines)
        lap("parse")
        body_text = "\n\n".join(body)
        language, score = detect(((title or "") + "\n" + body_text).strip())
        for comment in page_comments:
            comment["language"], comment["language_score"] = detect(comment["text"])
        lap("langid")
        page_id = row["path"]
        keeper = deduper.keeper(page_id, body_text)
        canonical = keeper or page_id
        comments.extend(merge_thread(seen_comments.setdefault(canonical, set()), page_comments,
                                     article_id=canonical, page_id=page_id))
        lap("dedup")
        articles.append({"page_id": page_id, "url": row["url"], "fetched_at": row["fetched_at"], "title": title,
                         "body": body_text, "language": language, "language_score": score,
                         "is_duplicate": keeper is not None, "duplicate_of": keeper})
        if keeper is not None:
            result.duplicate_paths.append(page_id)
        lap("read")
    out.mkdir(parents=True, exist_ok=True)
    for name, table_rows in (("articles", articles), ("comments", comments)):
        path = out / f"{name}.parquet"
        pq.write_table(pa.Table.from_pylist(table_rows), path)
        result.bytes_written += path.stat().st_size
    lap("write")
    result.pages = len(rows)
    result.articles = sum(not a["is_duplicate"] for a in articles)
    result.duplicates = len(result.duplicate_paths)
    result.comments = len(comments)
    result.wall_seconds = time.perf_counter() - started
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the baseline over a corpus and print its counts and CPU seconds per stage."""
    parser = argparse.ArgumentParser(description="The obvious pipeline over a bench.gen_corpus corpus.")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None, help="Only the first N pages (in fetch order).")
    args = parser.parse_args(argv)
    result = run_baseline(args.corpus, args.out, limit=args.limit)
    summary = {k: v for k, v in result.__dict__.items() if k != "duplicate_paths"}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
