"""Boilerplate stripping: split page text into lines and tag the lines that are page chrome.

Reads the ``PAGES`` columns ``page_id``, ``site``, ``text``; returns ``LINES`` rows (one per non-blank
line, ``line_no`` keeps the position in the page so blank lines stay visible as gaps) with
``strip_rule`` naming the rule family that marked the line as boilerplate, or null when the line is
kept for parsing. ``region`` and ``comment_position`` are left null for ``tasks.extract.parse``.

Three layers decide, in this order:

1. per-run learned template lines (``learn_template_lines``): a line that repeats on many pages of one
   site is site chrome (``template``);
2. site profiles (``tasks.extract.profiles``): patterns a user wrote for a site (``profile``,
   ``profile_body_end``, ``profile_comments_start``);
3. general rule families from ``tasks.extract.selectors`` (``share``, ``nav``, ``comment_form``, …), each a
   few regexes applied to the shard's distinct line texts at once (a line's family depends on its text
   alone): one alternation of the family's patterns, plus one regex
   per pattern that opens with a wildcard, which reads only the lines that hold a part it requires
   (``selectors.RULE_REQUIRES``).

Nothing is dropped: every line stays in the output, tagged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import polars as pl
from polars.datatypes import IntegerType

from schemas.parsed import LINES
from schemas.validate import cast_to, empty_frame, polars_schema
from tasks.distinct import distinct_values
from tasks.extract import selectors
from tasks.extract.profiles import SiteProfile
from tasks.extract.words import count_words

logger = logging.getLogger(__name__)

_TRIM_CHARS = "".join(
    chr(c)
    for c in [*range(0x00, 0x21), *range(0x7F, 0xA1), 0xAD, 0x1680, 0x180E, *range(0x2000, 0x2010),
              *range(0x2028, 0x2030), *range(0x205F, 0x2065), *range(0x2066, 0x2070), 0x3000, 0xFEFF]
)
"""White space plus control and format characters, trimmed from both ends of every line."""

PROSE_MIN_WORDS = 12
"""A line with at least this many words that ends like a sentence counts as prose."""


def family_pattern(family: str) -> str:
    """Return the one whole-line, case-insensitive alternation regex of a rule family."""
    alternatives = "|".join(f"(?:{p})" for p in selectors.RULES[family])
    return rf"(?i)^(?:{alternatives})$"


_WIDE_STARTS = (".", "[^", "(?:.")
"""How patterns that open with a wildcard (``.{0,60}``, ``.*``, ``[^«]{1,80}``) begin."""


def _whole_line(patterns: list[str]) -> str:
    return rf"(?i)^(?:{'|'.join(f'(?:{p})' for p in patterns)})$"


def _family_regexes(family: str) -> list[tuple[str, bool]]:
    """``family_patterns``, each with whether it may read only the lines that ``REQUIRED_PATTERN`` finds."""
    patterns = selectors.RULES[family]
    narrow = [p for p in patterns if not p.startswith(_WIDE_STARTS)]
    wide = [(_whole_line([p]), p in selectors.RULE_REQUIRES) for p in patterns if p.startswith(_WIDE_STARTS)]
    return [(_whole_line(narrow), False), *wide] if narrow else wide


def family_patterns(family: str) -> list[str]:
    """Return whole-line, case-insensitive regexes of a rule family: a line matches the family when
    it matches any of them (exactly when it matches ``family_pattern``).

    Patterns that open with a wildcard each get a regex of their own, the others share one
    alternation (the first regex). One alternation of everything is several times slower: the
    wildcards multiply the states the regex engine tracks at once.
    """
    return [regex for regex, _ in _family_regexes(family)]


REQUIRED_PATTERN = rf"(?i){'|'.join(f'(?:{r})' for r in dict.fromkeys(selectors.RULE_REQUIRES.values()))}"
"""One search for the parts that ``selectors.RULE_REQUIRES`` names: a line without any of them
cannot match a pattern listed there."""


CREDITED_CAPTION_RE = r"^\S+(?:\s+\S+){2,}\s*©\s*[^©\d.!?]{2,60}$"
"""A line that names a copyright holder after a description of three or more words, with no year in the
credit ("Das Pflegeheim in Nußdorf-Debant © Gemeinde Nußdorf-Debant"), is an image caption between
paragraphs, not the page's copyright footer ("© 2024 Example GmbH"): tagged ``caption`` instead of
``footer``, so the article body goes on under it."""

PROSE_MIN_CHARS = 200
"""A line with at least this many characters counts as prose whatever its end."""


def ends_like_sentence(text: pl.Expr) -> pl.Expr:
    """Expression: the line ends like a sentence (and not with a count in brackets, "(12)")."""
    return text.str.contains(r"[.!?…:;\"”»’)。！？」』]$") & ~text.str.contains(r"\(\d[\d.,]*\)$")


def is_prose(text: pl.Expr, n_words: pl.Expr | None = None) -> pl.Expr:
    """Expression: the line reads like a sentence of running text (many words, sentence end; words of
    scripts without spaces counted by ``tasks.extract.words.count_words``; ``n_words``: those words where the
    caller has counted them already)."""
    words = count_words(text) if n_words is None else n_words
    return ((words >= PROSE_MIN_WORDS) & ends_like_sentence(text)) | (text.str.len_chars() >= PROSE_MIN_CHARS)


EMPTY_PAGE = "empty_page"
"""strip_rule of the one placeholder line (empty text) that keeps a page without text in ``LINES``."""


def explode_lines(pages: pl.DataFrame) -> pl.DataFrame:
    """Split each page's ``text`` into non-blank, stripped lines.

    Args:
        pages: frame with ``page_id``, ``site`` and ``text``.

    Returns:
        ``page_id``, ``site``, ``line_no`` (0-based position in the page text), ``text``, ordered by
        ``page_id`` and ``line_no``. A page whose text is null or blank keeps one placeholder row
        (``line_no`` 0, empty ``text``) so that it stays visible to the later stages.
    """
    schema = polars_schema(LINES)
    line_no = schema["line_no"]
    assert isinstance(line_no, IntegerType)  # LINES declares line_no an integer (int_ranges needs one)
    if pages.height == 0:
        return pl.DataFrame(
            schema={"page_id": schema["page_id"], "site": pl.String, "line_no": schema["line_no"],
                    "text": schema["text"]}
        )
    pages = pages.select(pl.col("page_id"), pl.col("site").fill_null("unknown"), pl.col("text").fill_null(""))
    # Sorting the pages, not the lines, orders the lines (a page's lines stay in order). page_id is
    # unique per input record; should two pages share one, their lines interleave by line_no, which
    # only a sort of the lines gives.
    repeated_ids = pages["page_id"].is_duplicated().any()
    pages = pages.sort("page_id", maintain_order=True)
    # Every line break and white space character is a trim character: a page is blank when nothing
    # is left after trimming its whole text, and then gives one empty line.
    blank_page = pl.col("text").str.strip_chars(_TRIM_CHARS) == ""
    lines = (
        pages.with_columns(
            blank_page=blank_page,
            text=pl.when(blank_page)
            .then(pl.lit(""))
            .otherwise(pl.col("text").str.replace_all("\r\n", "\n", literal=True))
            .str.replace_all("\r", "\n", literal=True)
            .str.split("\n"),
        )
        .with_columns(line_no=pl.int_ranges(0, pl.col("text").list.len(), dtype=line_no))
        .explode(["text", "line_no"])
        .with_columns(pl.col("text").str.strip_chars(_TRIM_CHARS))
        .filter(pl.col("blank_page") | (pl.col("text") != ""))
        .select("page_id", "site", "line_no", "text")
    )
    return lines.sort("page_id", "line_no", maintain_order=True) if repeated_ids else lines


def _general_matches(text: pl.Expr, length: pl.Expr, required: pl.Expr) -> dict[str, pl.Expr]:
    """Expressions: does the line match each general rule family (its patterns and length limit)?

    ``length`` is the line's length in characters; ``required`` the line where it matches
    ``REQUIRED_PATTERN``, else the empty string (not null: polars runs a regex on the values behind
    nulls too): the patterns of ``selectors.RULE_REQUIRES``, which cannot match an empty line, read
    only those.
    """
    matches: dict[str, pl.Expr] = {}
    for family in selectors.RULE_ORDER:
        parts = [(required if needs else text).str.contains(regex) for regex, needs in _family_regexes(family)]
        matches[family] = pl.any_horizontal(parts) & (length <= selectors.RULE_MAX_CHARS[family])
    return matches


def _general_rules(matches: Mapping[str, pl.Expr], prose: pl.Expr, text: pl.Expr) -> pl.Expr:
    """Expression: ``empty_page`` for the placeholder line, else the first general rule family that
    matches the line, else null.

    ``matches`` are the family columns (see ``_general_matches``); ``prose`` says whether the line
    is prose (it needs to be right only where a prose-guarded family matched).
    """
    # One chained when/then: several times cheaper than a coalesce of one when/then per family.
    rule = pl.when(text == "").then(pl.lit(EMPTY_PAGE, dtype=pl.String))
    for family in selectors.RULE_ORDER:
        match = matches[family]
        if family in selectors.PROSE_GUARDED:
            match = match & ~prose
        rule = rule.when(match).then(pl.lit(family, dtype=pl.String))  # type: ignore[assignment]
    return rule.otherwise(pl.lit(None, dtype=pl.String))


def _profile_rules(profiles: Mapping[str, SiteProfile]) -> pl.Expr:
    """Expression naming the profile rule that matches the line of a profiled site, else null."""
    tagged: list[pl.Expr] = []
    for site, profile in sorted(profiles.items()):
        for rule, patterns in (
            ("profile_body_end", profile.body_end),
            ("profile_comments_start", profile.comments_start),
            ("profile", profile.strip),
        ):
            if not patterns:
                continue
            pattern = "|".join(f"(?:{p})" for p in patterns)
            match = (pl.col("site") == site) & pl.col("text").str.contains(pattern)
            tagged.append(pl.when(match).then(pl.lit(rule, dtype=pl.String)))
    if not tagged:
        return pl.lit(None, dtype=pl.String)
    return pl.coalesce(tagged)


def _credited_captions(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines`` (reads ``text``, ``strip_rule``) with the ``footer`` lines that read as a credited caption
    (``CREDITED_CAPTION_RE``) tagged ``caption``; the pattern runs on the few footer lines only."""
    rules = lines["strip_rule"]
    footers = (rules == "footer").fill_null(value=False).arg_true()
    if footers.len() == 0:
        return lines
    credited = footers.filter(lines["text"].gather(footers).str.contains(CREDITED_CAPTION_RE))
    if credited.len() == 0:
        return lines
    return lines.with_columns(strip_rule=rules.scatter(credited, "caption"))


def _general_rule_of(texts: pl.DataFrame) -> pl.DataFrame:
    """``text`` and ``_general_rule``: the general rule family of each line of ``texts`` (``_general_rules``)."""
    text = pl.col("text")
    # Each intermediate column is computed once: the line's length, the line where it holds a part
    # that wildcard patterns require, each family's match, then prose only where a guarded family
    # matched (the prose test costs as much as several families).
    family_columns = {family: f"_is_{family}" for family in selectors.RULE_ORDER}
    texts = texts.with_columns(
        _length=text.str.len_chars(),
        _required=pl.when(text.str.contains(REQUIRED_PATTERN)).then(text).otherwise(pl.lit("")),
    )
    matches = _general_matches(text, pl.col("_length"), pl.col("_required"))
    texts = texts.with_columns(expr.alias(family_columns[family]) for family, expr in matches.items())
    guarded = [pl.col(family_columns[f]) for f in selectors.RULE_ORDER if f in selectors.PROSE_GUARDED]
    texts = texts.with_columns(_prose=is_prose(pl.when(pl.any_horizontal(guarded)).then(text)).fill_null(value=False))
    rule = _general_rules({f: pl.col(c) for f, c in family_columns.items()}, pl.col("_prose"), text)
    return texts.select("text", rule.alias("_general_rule"))


def strip_boilerplate(
    pages: pl.DataFrame,
    *,
    template_lines: pl.DataFrame | None = None,
    profiles: Mapping[str, SiteProfile] | None = None,
) -> pl.DataFrame:
    """Tag each line of each page with the boilerplate rule family that matches it.

    Args:
        pages: reads ``page_id``, ``site`` and ``text`` (``PAGES`` columns); null or empty text is fine.
        template_lines: ``TEMPLATE_LINES`` rows from earlier runs or this batch; a line whose
            ``(site, text)`` is listed is tagged ``template``.
        profiles: site profiles by site; their patterns tag lines ``profile``, ``profile_body_end``
            or ``profile_comments_start``.

    Returns:
        ``LINES`` columns: ``page_id``, ``line_no``, ``text``, ``strip_rule`` (null: kept), and null
        ``region`` and ``comment_position``. One row per non-blank line, in page order; a page without
        text keeps one empty row tagged ``empty_page``.
    """
    schema = polars_schema(LINES)
    lines = explode_lines(pages)
    if lines.height == 0:
        return empty_frame(LINES)
    # The general rules read the line's text alone, and a site's chrome repeats on its pages: they run once
    # per distinct text (about a quarter of a shard's lines), taken in the order of their first line (the
    # regexes read the texts' bytes in order), and each line gathers its text's rule (no join on the text).
    texts, at = distinct_values(lines.get_column("text"))
    general = _general_rule_of(texts.to_frame()).get_column("_general_rule")
    lines = lines.with_columns(general.gather(at))
    rule = pl.col("_general_rule")
    if profiles:
        rule = pl.coalesce(_profile_rules(profiles), rule)
    if template_lines is not None and template_lines.height > 0:
        known = template_lines.select("site", "text").unique().with_columns(is_template=pl.lit(value=True))
        lines = lines.join(known, on=["site", "text"], how="left", maintain_order="left")
        rule = pl.when(pl.col("is_template").fill_null(value=False)).then(pl.lit("template")).otherwise(rule)
    out = lines.with_columns(
        strip_rule=rule,
        region=pl.lit(None, dtype=schema["region"]),
        comment_position=pl.lit(None, dtype=schema["comment_position"]),
    ).pipe(cast_to, LINES).pipe(_credited_captions)
    logger.debug("tagged %d lines, %d as boilerplate", out.height, out["strip_rule"].is_not_null().sum())
    return out


