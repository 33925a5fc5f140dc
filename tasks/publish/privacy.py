"""Personal data in texts and commenter names: PII tags, redaction and keyed pseudonyms.

Reads a text column (article ``body``, comment ``text``) and, for comments, ``site``, ``article_id``
and ``author``; adds:

- ``pii_kinds``: the kinds of personal data found in the text, in :data:`PII_KINDS` order
  (``url_with_user``, ``email``, ``ip``, ``phone``); an empty list when none.
- with ``redact=True`` the text itself has each span found replaced by its typed placeholder
  (:data:`PLACEHOLDERS`: ``<EMAIL>``, ``<PHONE>``, ``<IP>``, ``<URL_WITH_USER>``).
- ``author_id``: HMAC-SHA256 (hex, :data:`AUTHOR_ID_CHARS` characters) under a secret key of the site
  and the normalised author name (NFKC, lower case, white space collapsed): one commenter of one site
  keeps one id across articles, runs and outputs built with the same key. Null without an author.
- with ``pseudonymize=True``: ``author`` is null; ``@Name`` and a comment opening with ``Name``
  (a commenter of the same thread) become the commenter's ``author_id``; ``comment_id`` (an unkeyed
  hash of the author name and text) is replaced by its keyed hash, so that it cannot confirm a
  guessed name.

How. Each kind is one regular expression (polars' Rust regex engine, which has no look-around; no
Unicode ``\b`` either, which would take it off its fast automaton), run
over the batch with ``str.replace_all`` (only on the texts that hold a character or word every span
needs, :data:`MAY_HOLD_PII`, the others pass through; per kind, searched only in the texts holding what
every span of that kind holds, :data:`PREFILTERS`, and replaced only in those it matches): the
characters just before and after a span are matched as groups ``pre`` and ``post`` and written back,
which is how a span is kept from starting
or ending inside a longer number or word. Numbers that look like phones or IPs but are dates
(``12.05.2024``, ``2024-05-12``) or version numbers (``version 1.2.3.4``, ``v10.0.2.15``, ``build
22.04.1``) are first protected by a private-use marker (U+E000) that no pattern accepts before a
span, and the marker is removed at the end (a U+E000 the text itself held goes with it under
``redact``). Kinds are searched in :data:`PII_KINDS` order on the
text with the earlier kinds already replaced, so a span counts once (the user part of a URL is not
also an e-mail address).

Measured on ``tests/fixtures/pii/labelled.jsonl`` (``tests/unit/publish/test_privacy.py`` computes it; the
README states the figures).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable

import polars as pl

from tasks.distinct import map_distinct

logger = logging.getLogger(__name__)

PII_KINDS = ("url_with_user", "email", "ip", "phone")
"""The kinds tagged in ``pii_kinds``, in the order they are searched."""

PLACEHOLDERS = {"url_with_user": "<URL_WITH_USER>", "email": "<EMAIL>", "ip": "<IP>", "phone": "<PHONE>"}
"""The typed placeholder that replaces a span of each kind under ``--redact-pii``."""

AUTHOR_ID_CHARS = 24
"""Hex characters of ``author_id`` (96 bits of the HMAC-SHA256)."""

GUARD = "\ue000"
"""Private-use marker put before protected numbers (dates, versions) while the patterns run."""

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_OPEN, _CLOSE = r"[\[(\{<]\s*", r"\s*[\])\}>]"
_AT = rf"(?:\s*{_OPEN}(?:at|arroba|arobase|@){_CLOSE}\s*|\s+(?:arroba|arobase)\s+)"
_AT_WORD = r"\s+at\s+"  # a plain " at " only with an obfuscated dot ("at this point in" is no address)
_DOT_WORD = rf"(?:\s*{_OPEN}(?:dot|punkt|point|punto|ponto|\.){_CLOSE}\s*|\s+(?:dot|punkt|point|punto|ponto)\s+)"
_DOT = rf"(?:{_DOT_WORD}|\.)"
_DOT_EN = rf"(?:\s*{_OPEN}(?:dot|punkt|point|punto|ponto|\.){_CLOSE}\s*|\s+dot\s+)"
_TLD = (r"(?:com|org|net|edu|gov|info|biz|io|me|co|de|fr|es|it|nl|pl|ru|uk|at|ch|be|br|jp|cn|in|eu|se|no|dk|"
        r"fi|pt|cz|gr|tr|ua|ca|au|mx|ar|ro|hu|sk|ie|us)")
_LOCAL = r"[\p{Latin}\d._%+\-]+"
_LABEL = r"[\p{Latin}\d\-]+"

# Text around a span: scripts written without spaces (CJK, Thai) may touch it, letters of alphabetic
# scripts and digits may not. A number does not start after a dot, comma, slash, hyphen, colon, plus or
# the guard, nor end before a hyphen or slash, or a dot or comma followed by a letter or digit.
_WORDISH = r"\p{Latin}\p{Cyrillic}\p{Greek}\p{Armenian}\p{Georgian}\d_"
_PRE_NUM = r"(?P<pre>^|[^" + _WORDISH + r".,:/+\-" + GUARD + r"])"
_POST_NUM = r"(?P<post>$|[^" + _WORDISH + r".,/\-]|[.,](?:[^" + _WORDISH + r"]|$))"

_PHONE = "|".join([
    r"\+\d{1,3}(?:[ .\-]?\(\d{1,4}\))?[ .\-]?\d{1,5}(?:[ .\-]?\d{2,5}){1,4}",  # +49 30 1234567, +7 (495) 123-45-67
    r"8[ \-]?\(\d{3,4}\)[ \-]?\d{3}[ \-]\d{2}[ \-]\d{2}",                      # 8 (495) 123-45-67
    r"\(0?\d{2,4}\)[ .\-]?\d{3,5}[ .\-]?\d{3,4}",                            # (555) 123-4567, (11) 91234-5678
    r"1[ .\-]\d{3}[ .\-]\d{3}[ .\-]\d{4}",                                   # 1-800-555-0199
    r"\d{3}[.\-]\d{3}[.\-]\d{4}",                                            # 555-123-4567
    r"0[1-9](?:[ .\-]?\d{2}){4}",                                            # 01 23 45 67 89
    r"0\d{1,4}[ /\-]\d{5,8}",                                                # 030 12345678, 07700 900123
    r"0\d{1,4}[ /\-]\d{2,5}(?:[ \-]\d{2,5}){1,3}",                           # 020 7946 0958, 090-1234-5678
    r"1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}",                                       # 138 0013 8000
    r"[6-9]\d{4}[ \-]\d{5}",                                                 # 98765 43210
    r"[6-9]\d{2}(?: \d{2}){3}",                                              # 912 34 56 78
])

PATTERNS: dict[str, str] = {
    "url_with_user": r"(?i)(?P<pre>)(?P<span>\b[a-z][a-z0-9+.\-]*://[^\s/@:]+(?::[^\s/@]*)?@[^\s/?#]+\S*)(?P<post>)",
    "email": (r"(?i)(?P<pre>^|[^\p{Latin}\d.+\-_%])(?P<span>"
              rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.\p{{Latin}}{{2,}}"                        # anna@example.com
              rf"|{_LOCAL}(?:{_DOT_WORD}{_LOCAL})*(?:\s*@\s*|{_AT}){_LABEL}(?:{_DOT}{_LABEL})*{_DOT}{_TLD}(?-u:\b)"
              rf"|{_LOCAL}(?:{_DOT_EN}{_LOCAL})*{_AT_WORD}{_LABEL}(?:(?:{_DOT_EN}|\.){_LABEL})*{_DOT_EN}{_TLD}(?-u:\b)"
              r")(?P<post>)"),                                                   # anna [at] example dot com
    "ip": (rf"(?i){_PRE_NUM}(?P<span>(?:{_OCTET}\.){{3}}{_OCTET}"
           r"|(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?)"
           + _POST_NUM),
    "phone": _PRE_NUM + rf"(?P<span>{_PHONE})" + _POST_NUM,
}
"""One pattern per kind; the span is group ``span``, ``pre`` and ``post`` are kept as they are."""

_PROTECT = [
    # dates: 12.05.2024, 12/05/24, 2024-05-12, 2024.05.12 (not the start of a longer dotted number)
    (r"(?P<pre>^|[^\w.,/\-])(?P<span>\d{1,2}[./\-]\d{1,2}[./\-](?:\d{4}|\d{2})|\d{4}[./\-]\d{1,2}[./\-]\d{1,2})"
     r"(?P<post>$|[^\w.\-/]|[.\-/](?:[^\w]|$))"),
    # version and section numbers after a word that announces them ("update to 4.0.1.2"), and v1.2.3
    (r"(?i)(?P<pre>(?:^|[^\p{L}\p{N}_])(?:v|ver\.?|version|versión|versione|versão|versie|wersja|versio|verze|верси[яиюе]|build|"
     r"release|patch|update|upgrade|firmware|kernel|ios|android|python|windows|macos|ubuntu|chrome|firefox|"
     r"isbn|doi|oid|sdk|api|rev\.?|section|sección|sezione|abschnitt|kapitel|chapter|chapitre|capítulo|"
     r"capitolo|article|artikel|artículo|articolo|art\.|§)(?:\s+(?:to|auf|à|a|from|von|de|naar|na))?\s*)"
     r"(?P<span>\d)(?P<post>)"),
]


def _protect(text: pl.Expr) -> pl.Expr:
    for pattern in _PROTECT:
        text = text.str.replace_all(pattern, "${pre}" + GUARD + "${span}${post}")
    return text


MAY_HOLD_PII = (r"(?i)[\d@:" + GUARD + r"]|arroba|arobase|\sdot\s"
                r"|[\[(\{<]\s*(?:at|dot|punkt|point|punto|ponto|\.)\s*[\])\}>]")
"""What every span of every kind, and every protected number, needs somewhere in the text: a digit
(phones, IPv4, dates, versions), ``:`` (IPv6, URLs), ``@``, an ``arroba``/``arobase``, a bracketed
``at`` or dot word, or `` dot `` (the obfuscated addresses); or the guard itself (removed under
``redact``). A text without any of these is passed through untouched, without running the patterns."""


PREFILTERS: dict[str, tuple[str, ...]] = {
    "url_with_user": ("://",),
    "email": ("@", r"(?i)arroba|arobase", r"(?i)dot", r"(?i)[\[(\{<]\s*(?:at|punkt|point|punto|ponto|\.)\s*[\])\}>]"),
    "ip": (r"\d\.\d{1,3}\.\d", "::", r"(?i)[0-9a-f]:[0-9a-f]"),
}
r"""For a kind, what every one of its spans holds (any one of these patterns matches it): a text that matches
none is not searched for that kind. Each is a literal or a small pattern that the regex engine finds by a
fast literal scan, where the kind's own pattern (its span can start after almost any character) is scanned
character by character. ``url_with_user`` needs ``://``; ``email`` an ``@``, an ``arroba``/``arobase``, a
``dot`` (`` dot `` of the third form) or a bracketed ``at`` or dot word; ``ip`` four dotted numbers
(``\d\.\d{1,3}\.\d`` is inside every IPv4 address), or for IPv6 a ``::`` or hex digits around a colon.
``phone`` and the protected numbers have none cheaper than their own pattern."""


def _replace_matches(texts: pl.Series, pattern: str, replacement: str, *, needs: tuple[str, ...] = (),
                     literal: bool = False) -> tuple[pl.Series, pl.Series]:
    """``texts`` with ``pattern`` replaced (``str.replace_all``), and which texts it matched.

    The replacement runs only on the texts the pattern matches (the others are not copied); with
    ``needs``, the pattern itself is searched only in the texts that match one of them. A match always
    changes the text (no span is its own placeholder), so the mask is also "the text changed".
    """
    candidates = pl.Series(range(texts.len()), dtype=pl.UInt32)
    if needs:
        may = pl.select(pl.any_horizontal([pl.lit(texts).str.contains(n) for n in needs])).to_series()
        candidates = candidates.filter(may)
    hits = candidates.filter(texts.gather(candidates).str.contains(pattern, literal=literal))
    matched = pl.repeat(value=False, n=texts.len(), dtype=pl.Boolean, eager=True)
    if hits.len():
        texts = texts.clone()
        texts.scatter(hits, texts.gather(hits).str.replace_all(pattern, replacement, literal=literal))
        matched.scatter(hits, values=True)
    return texts, matched


def redact_pii(frame: pl.DataFrame, column: str, *, redact: bool) -> pl.DataFrame:
    """Tag (and with ``redact`` replace) the personal data in ``column``.

    The patterns run only on the texts that match :data:`MAY_HOLD_PII` (most comments and some bodies
    do not); the others get an empty ``pii_kinds`` and keep their text.

    Args:
        frame: any rows with the text ``column`` (String, may be null).
        column: the text to search (``body``, ``text``).
        redact: replace each span found with its placeholder in ``column``; otherwise ``column`` is
            returned as it was.

    Returns:
        The same rows plus ``pii_kinds`` (List(String), kinds in :data:`PII_KINDS` order, empty when none).
    """
    rows = frame.select(pl.col(column).str.contains(MAY_HOLD_PII).fill_null(value=False).alias("_may")).with_row_index(
        "_pii_row")
    work = frame.select(pl.col(column)).with_row_index("_pii_row").filter(rows.get_column("_may"))
    texts = work.get_column(column)
    for pattern in _PROTECT:
        texts, _ = _replace_matches(texts, pattern, "${pre}" + GUARD + "${span}${post}")
    found: dict[str, pl.Series] = {}
    for kind in PII_KINDS:  # one kind at a time: each reads the text with the earlier kinds replaced
        texts, found[kind] = _replace_matches(texts, PATTERNS[kind], "${pre}" + PLACEHOLDERS[kind] + "${post}",
                                              needs=PREFILTERS.get(kind, ()))
    texts, _ = _replace_matches(texts, GUARD, "", literal=True)
    kinds = pl.concat_list([pl.when(pl.lit(found[k])).then(pl.lit(k)) for k in PII_KINDS]).list.drop_nulls()
    work = work.select("_pii_row", kinds.alias("pii_kinds"), pl.lit(texts).alias("_pii_text"))
    tagged = rows.select("_pii_row").join(work, on="_pii_row", how="left", maintain_order="left")
    out = frame.with_columns(tagged.get_column("pii_kinds").fill_null(pl.lit([], pl.List(pl.String))))
    if redact:
        out = out.with_columns(pl.coalesce(tagged.get_column("_pii_text"), pl.col(column)).alias(column))
    return out


def find_pii(texts: pl.Series) -> pl.DataFrame:
    """Every span found in ``texts``, as :func:`redact_pii` finds and replaces them, for measuring.

    Returns ``row`` (index into ``texts``), ``kind`` and ``span`` (the text replaced), one row per span.
    """
    frame = pl.DataFrame({"_text": texts}).with_row_index("row")
    work, frames = _protect(pl.col("_text")), []
    for kind in PII_KINDS:
        pattern = PATTERNS[kind]
        spans = (frame.select("row", work.str.extract_all(pattern).alias("span")).explode("span")
                 .drop_nulls("span")
                 .with_columns(pl.col("span").str.extract(pattern, 2).str.replace_all(GUARD, "", literal=True),
                               pl.lit(kind).alias("kind")))
        frames.append(spans.select("row", "kind", "span"))
        work = work.str.replace_all(pattern, "${pre}" + PLACEHOLDERS[kind] + "${post}")
    return pl.concat(frames).sort("row", maintain_order=True)


def _hmac_hex(key: bytes) -> Callable[[str], str]:
    def digest(value: str) -> str:
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:AUTHOR_ID_CHARS]
    return digest


def normalised_author() -> pl.Expr:
    """``author`` as its pseudonym is keyed: NFKC, lower case, white space collapsed and trimmed."""
    return (pl.col("author").str.normalize("NFKC").str.to_lowercase()
            .str.replace_all(r"\s+", " ").str.strip_chars())


def add_author_ids(comments: pl.DataFrame, *, key: bytes) -> pl.DataFrame:
    """Add ``author_id``: HMAC-SHA256 under ``key`` of ``site`` + U+001F + the normalised ``author``.

    Reads ``site``, ``author``; null ``author_id`` where ``author`` is null or blank. The hash runs once
    per distinct (site, author) of the batch.
    """
    name = normalised_author()
    keyed = pl.when(name.str.len_chars() > 0).then(pl.concat_str([pl.col("site"), name], separator="\x1f"))
    values = comments.select(keyed.alias("author_id")).to_series()
    return comments.with_columns(map_distinct(values, _hmac_hex(key), pl.String()))


def _first_word(text: pl.Expr) -> pl.Expr:
    """The first white-space-delimited word of ``text`` without punctuation at its end (a join key)."""
    return text.str.extract(r"^\s*(\S+)").str.strip_chars_end(".,:;!?)]}'\"")


def pseudonymize_comments(comments: pl.DataFrame, *, key: bytes) -> pl.DataFrame:
    """Replace commenter names by their ids (needs ``author_id``, see :func:`add_author_ids`).

    Reads ``article_id``, ``author``, ``author_id``, ``text``, ``comment_id``. In each comment, ``@Name``
    of a commenter of the same thread (same ``article_id`` in the batch) becomes ``@<author_id>``, and a
    text that opens with such a name followed by a non-letter (``Name, ...``, ``Name: ...``) opens with
    the id instead; names are matched as written, longest first. ``author`` becomes null and
    ``comment_id`` its HMAC-SHA256 under ``key`` (hex, 16 characters, the width of the unkeyed id).
    """
    authors = (comments.filter(pl.col("author").str.strip_chars().str.len_chars() > 1)
               .select("article_id", pl.col("author").str.strip_chars().alias("_name"), "author_id")
               .unique(["article_id", "_name"])
               .with_columns(_first_word(pl.col("_name")).alias("_word")))
    work = comments.select("article_id", "text").with_row_index("_row")
    # Candidates by an equi-join on (thread, first word), never thread x authors: the word after each "@",
    # and the text's first word, against the first word of each commenter's name of the thread.
    mentioned = (work.filter(pl.col("text").str.contains("@", literal=True))
                 .select("_row", "article_id", pl.col("text").str.extract_all(r"@[^\s@]+").alias("_word"))
                 .explode("_word").drop_nulls("_word")
                 .with_columns(_first_word(pl.col("_word").str.slice(1))))
    opening = work.select("_row", "article_id", _first_word(pl.col("text")).alias("_word"))
    candidates = pl.concat([mentioned, opening]).join(authors, on=["article_id", "_word"], how="inner")
    pairs = (candidates.unique(["_row", "_name"]).join(work.select("_row", "text"), on="_row", how="inner")
             .filter(pl.col("text").str.contains(pl.col("_name"), literal=True))
             .sort("_row", pl.col("_name").str.len_chars(), "_name", descending=[False, True, False])
             .with_columns(pl.int_range(pl.len()).over("_row").alias("_rank"))
             .select("_row", "_name", "author_id", "_rank"))
    texts = work.select("_row", "text")
    for rank in range(pairs.get_column("_rank").n_unique()):  # rounds: a comment's n-th name (ranks 0, 1, ...)
        step = texts.join(pairs.filter(pl.col("_rank") == rank), on="_row", how="inner")
        mention = pl.lit("@") + pl.col("_name")
        replaced = pl.col("text").str.split(mention).list.join(pl.lit("@") + pl.col("author_id"))
        opens = (pl.col("text").str.starts_with(pl.col("_name"))
                 & ~pl.col("text").str.slice(pl.col("_name").str.len_chars(), 1).str.contains(r"^[\w@]"))
        rest = replaced.str.slice(pl.col("_name").str.len_chars())
        step = step.select("_row", pl.when(opens).then(pl.col("author_id") + rest).otherwise(replaced).alias("_new"))
        texts = texts.join(step, on="_row", how="left").select("_row", pl.coalesce("_new", "text").alias("text"))
    digest = _hmac_hex(key)
    keyed_id = map_distinct(comments.get_column("comment_id"), lambda v: digest(v)[:16], pl.String())
    return comments.with_columns(texts.sort("_row").get_column("text").alias("text"),
                                 pl.lit(None, pl.String).alias("author"), keyed_id.alias("comment_id"))
