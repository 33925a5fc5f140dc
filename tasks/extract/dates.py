"""Dates as pages write them, read to UTC: the one parser of written dates for the text and HTML paths.

Both comment paths (``tasks.extract.parse`` over text lines, ``tasks.extract.html`` over markup) find a comment's date
as written (``posted_at_text``) and read it with :func:`parse_date`; machine stamps (``datetime``
attributes, ISO and HTTP dates) stay with ``tasks.ingest.readers.parse_timestamp``. The parse step then calls
:func:`resolve_posted_at` once over the shard's comments, which reads what one string alone cannot tell:

- **Two-digit years.** With the page's fetch time, ``yy`` is the latest year ending in those digits that
  is not after the fetch year plus one (a comment is not written after its page was fetched; the one
  year of slack covers clocks and time zones): fetched in 2024, ``99`` is 1999, ``24`` 2024, ``25`` 2025,
  ``30`` 1930. Without a fetch time, the POSIX ``%y`` rule: ``69``-``99`` are 1969-1999, ``00``-``68``
  are 2000-2068.
- **Day and month order** of numeric dates (``05/08/2019``). A field over 12 decides the date itself
  (``08/13/2020`` is 13 August). Otherwise the evidence, first that decides: the page's other numeric
  dates (its text and its comments' dates: a first field over 12 says day first, a second field over 12
  month first; the majority wins), the same over the site's pages in the batch, the page's declared
  language (``<html lang="en-US">`` writes month first; any other declared language day first), and
  else day first, as most of the covered languages write it.
- **Relative dates** ("2 hours ago", "vor 3 Tagen", "il y a 2 jours", "hace 3 días", "há 2 dias",
  "3 giorni fa", "2 дня назад", "yesterday", "gestern um 10:15") are the page's fetch time less the
  amount, in calendar units (months and years by the calendar, not by a fixed number of days); with a
  clock time ("yesterday at 10:15") that day at that time. Without a fetch time they stay null.

Clock times without a zone are taken as UTC (the page's zone is not known).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import polars as pl

from tasks.extract.selectors import (
    MONTH_ALT,
    MONTHS,
    RELATIVE_AMOUNT_RE,
    RELATIVE_BEFORE_RE,
    RELATIVE_UNIT_RE,
    TIME_CONNECTOR_RE,
)

_TIME = (
    rf"(?:,?\s*(?:{TIME_CONNECTOR_RE}|—|@|T)?\s*"
    r"(?P<hh>\d{1,2})\s?[:.h]\s?(?P<mi>\d{2})(?::(?P<ss>\d{2}))?(?!\d)\s*(?P<ampm>[ap]\.?\s?m\b\.?)?)?"
)
WRITTEN_DATE = re.compile(
    r"(?:"
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\.?\s*(?:de\s+)?(?P<m1>{MONTH_ALT})\.?,?\s*(?:de\s+)?(?P<y1>\d{{4}})"
    rf"|(?P<m2>{MONTH_ALT})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
    r"|(?P<y3>\d{4})[-/](?P<m3>\d{1,2})[-/](?P<d3>\d{1,2})"
    r"|(?P<d4>\d{1,2})[./](?P<m4>\d{1,2})[./](?P<y4>\d{4}|\d{2})\b"
    rf"){_TIME}",
    re.IGNORECASE,
)
"""A calendar date as pages write it, with its clock time when one follows: ``22. Dezember 2019 um 10:15``,
``August 9th, 2012 at 1:11 pm``, ``2019-08-02``, ``29.07.2020 // 12:56``, ``05/08/99 10:15``."""

RELATIVE_DATE = re.compile(
    rf"\b{RELATIVE_AMOUNT_RE}\s+{RELATIVE_UNIT_RE}\s+ago\b|\b{RELATIVE_BEFORE_RE}", re.IGNORECASE
)
"""Where a comment widget prints a relative date ("2 years ago", "vor 3 Tagen"): what the HTML path looks
for in a date element (the set of forms :func:`relative_offset` reads is larger)."""

_NUMERIC = r"(?:^|[^\d.])(\d{1,2})[./](\d{1,2})[./](?:\d{4}|\d{2})(?:$|[^\d])"
"""A numeric day/month date in polars' regex syntax (groups: first and second field)."""

# Relative dates: amount, unit and the word that makes it relative, language by language.
_UNITS = {
    "s": r"seconds?|sekunden?|secondes?|segundos?|secondi|secondo|секунд\w*",
    "m": r"minutes?|minuten?|minutos?|minuti|minuto|минут\w*",
    "h": r"hours?|stunden?|heures?|horas?|ore|ora|час\w*",
    "d": r"days?|tagen?|tage|tag|jours?|días?|dias?|giorni|giorno|дн\w*|день",
    "w": r"weeks?|wochen?|semaines?|semanas?|settimane|settimana|недел\w*",
    "mo": r"months?|monaten?|monate|monat|mois|meses|mes|mês|mesi|mese|месяц\w*",
    "y": r"years?|jahren?|jahre|jahr|ans?|années?|años?|anos?|anni|anno|год\w*|лет",
}
_ONE = r"an?|one|ein|eine|einem|einer|un|une|una|uno|um|uma|один|одна|одну"
_UNIT_ALT = "|".join(f"(?P<{unit}>{alt})" for unit, alt in _UNITS.items())
_AMOUNT = rf"(?P<n>\d+|{_ONE})"
_RELATIVE_FORMS = [
    re.compile(rf"\b{_AMOUNT}\s+(?:{_UNIT_ALT})\s+(?:ago|fa|назад)\b", re.IGNORECASE),  # en, it, ru
    re.compile(rf"(?:\bvor|\bil y a|\bhace|\bhá)\s+{_AMOUNT}\s+(?:{_UNIT_ALT})(?!\w)", re.IGNORECASE),  # de fr es pt
]
_DAY_WORDS = {
    "yesterday": -1, "gestern": -1, "hier": -1, "ayer": -1, "ontem": -1, "ieri": -1, "вчера": -1,
    "today": 0, "heute": 0, "aujourd'hui": 0, "aujourd’hui": 0, "hoy": 0, "hoje": 0, "oggi": 0, "сегодня": 0,
}
_DAY_WORD = re.compile(
    r"(?<!\w)(?P<word>" + "|".join(sorted(map(re.escape, _DAY_WORDS), key=len, reverse=True)) + r")(?!\w)" + _TIME,
    re.IGNORECASE,
)


def _year(yy: str, reference_year: int | None) -> int:
    """A written year; two digits by the pivot of the module docstring."""
    year = int(yy)
    if len(yy) > 2:
        return year
    if reference_year is None:
        return year + (2000 if year < 69 else 1900)
    latest = reference_year + 1
    candidate = latest - (latest - year) % 100
    return candidate


def _clock(g: dict[str, str | None]) -> tuple[int, int, int]:
    hour = int(g["hh"]) if g["hh"] else 0
    minute = int(g["mi"]) if g["mi"] else 0
    second = int(g["ss"]) if g["ss"] else 0
    if g["ampm"]:
        hour = (hour % 12) + (12 if g["ampm"].lower().startswith("p") else 0)
    return hour, minute, second


def find_date(text: str) -> str | None:
    """The first date (with its time, if given) written in ``text``, as written; relative dates too."""
    match = WRITTEN_DATE.search(text)
    if match:
        return match.group(0).strip(" ,")
    rel = RELATIVE_DATE.search(text)
    return rel.group(0) if rel else None


def parse_date(text: str | None, *, day_first: bool = True) -> datetime | None:
    """Read a date as written (``22. Dezember 2019 um 10:15``, ``August 9th, 2012 at 1:11 pm``,
    ``29.07.2020 // 12:56``, ``2019-08-02``) to UTC, as one string alone tells it; None when no date can be
    read. Two-digit years follow the POSIX ``%y`` rule and relative dates give None: what the page's fetch
    time and evidence tell is read again by :func:`resolve_posted_at`, over a shard's comments at once.

    Args:
        text: the written date (the first date in it is read).
        day_first: the order of a numeric date whose two fields are both 12 or less.
    """
    return _absolute(text, day_first=day_first)


def _absolute(text: str | None, *, day_first: bool = True, reference_year: int | None = None) -> datetime | None:
    """The calendar date (and clock time) written in ``text``; two-digit years pivot on ``reference_year``."""
    match = WRITTEN_DATE.search(text) if text else None
    if match is None:
        return None
    g = match.groupdict()
    try:
        if g["y1"]:
            day, month, year = int(g["d1"]), MONTHS[g["m1"].lower()], int(g["y1"])
        elif g["y2"]:
            day, month, year = int(g["d2"]), MONTHS[g["m2"].lower()], int(g["y2"])
        elif g["y3"]:
            day, month, year = int(g["d3"]), int(g["m3"]), int(g["y3"])
        else:
            first, second, year = int(g["d4"]), int(g["m4"]), _year(g["y4"], reference_year)
            if first > 12 >= second:
                day, month = first, second
            elif second > 12 >= first:
                day, month = second, first
            else:
                day, month = (first, second) if day_first else (second, first)
        return datetime(year, month, day, *_clock(g), tzinfo=UTC)
    except (KeyError, ValueError):
        return None


def relative_offset(text: str | None) -> tuple[str, int | None] | None:
    """How far back a relative date lies: a polars offset (``-2h``, ``-3d``, ``-1mo``) and, for a day word
    with a clock time ("yesterday at 10:15"), the time of day in seconds; None when ``text`` holds none."""
    if not text:
        return None
    for form in _RELATIVE_FORMS:
        if m := form.search(text):
            amount = m.group("n")
            n = int(amount) if amount.isdigit() else 1
            unit = next(u for u in _UNITS if m.group(u))
            return f"-{n}{unit}", None
    if m := _DAY_WORD.search(text):
        days = _DAY_WORDS[m.group("word").lower()]
        if m.group("hh") is None:
            return f"{days}d", None
        hour, minute, second = _clock(m.groupdict())
        return f"{days}d", hour * 3600 + minute * 60 + second
    return None


def _shifted(at: pl.Expr, offset: pl.Expr, time_of_day: pl.Expr) -> pl.Expr:
    shifted = at.dt.offset_by(offset)
    return pl.when(time_of_day.is_null()).then(shifted).otherwise(
        shifted.dt.truncate("1d") + pl.duration(seconds=time_of_day))


def day_first_evidence(comments: pl.DataFrame, pages: pl.DataFrame) -> pl.DataFrame:
    """``page_id``, ``day_first`` (Boolean) of the pages of ``comments``: the order of their ambiguous numeric
    dates by the evidence of the module docstring (page, site, declared language, else day first).

    Reads ``page_id``, ``posted_at_text`` of ``comments`` and ``page_id``, ``site``, ``text``, ``html`` of
    ``pages`` (``site``, ``text`` and ``html`` may be missing or null).
    """
    for column in ("site", "text", "html"):
        if column not in pages.columns:
            pages = pages.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    pages = pages.select("page_id", "site", "text", "html").unique("page_id", keep="first", maintain_order=True)
    asked = comments.select("page_id").unique().join(pages.select("page_id", "site"), on="page_id", how="left")
    site_pages = pages.join(asked.select("site").drop_nulls().unique(), on="site", how="semi")
    dated = pl.concat([site_pages.select("page_id", written="text"),
                       comments.select("page_id", written="posted_at_text")])
    fields = dated.select("page_id", found=pl.col("written").str.extract_all(_NUMERIC)).explode("found")
    vote = fields.select("page_id", vote=pl.when(pl.col("found").str.extract(_NUMERIC, 1).cast(pl.Int32) > 12).then(1)
                         .when(pl.col("found").str.extract(_NUMERIC, 2).cast(pl.Int32) > 12).then(-1).otherwise(0))
    by_page = vote.group_by("page_id").agg(page_vote=pl.col("vote").sum())
    by_site = (by_page.join(pages.select("page_id", "site"), on="page_id").drop_nulls("site")
               .group_by("site").agg(site_vote=pl.col("page_vote").sum()))
    lang = (pl.col("html").str.slice(0, 4096)
            .str.extract(r"(?i)<html\b[^>]*?\blang\s*=\s*[\"']?([a-z]{2,3}(?:[-_][a-z0-9]+)?)", 1)
            .str.to_lowercase().str.replace("_", "-", literal=True))
    declared = asked.join(pages.select("page_id", "html"), on="page_id", how="left").select(
        "page_id", lang_vote=pl.when(lang == "en-us").then(-1).when(lang.is_not_null()).then(1).otherwise(0))
    out = (asked.join(by_page, on="page_id", how="left").join(by_site, on="site", how="left")
           .join(declared, on="page_id", how="left"))
    decided = pl.coalesce(*(pl.when(pl.col(c) != 0).then(pl.col(c) > 0) for c in ("page_vote", "site_vote",
                                                                                   "lang_vote")),
                          pl.lit(value=True))
    return out.select("page_id", decided.alias("day_first"))


def resolve_posted_at(comments: pl.DataFrame, pages: pl.DataFrame, *, read: pl.DataFrame | None = None) -> pl.DataFrame:
    """Re-read the written dates of a batch of comments with what the page tells: the fetch time (two-digit
    years, relative dates) and the day/month order of its page and site (module docstring).

    ``posted_at`` read from a machine stamp (it differs from ``parse_date`` of the written text) is kept.

    Args:
        comments: ``PARSED_COMMENTS`` rows (reads ``page_id``, ``posted_at_text``, ``posted_at``).
        pages: ``page_id``, ``fetched_at`` (UTC) and, where known, ``site``, ``text``, ``html``.
        read: ``posted_at_text``, ``posted_at``: written dates already read by ``parse_date`` (the text
            path's comments), which are not read again; None: every written date is read here.

    Returns:
        ``comments`` with ``posted_at`` rewritten; same rows, same columns, same order.
    """
    if comments.is_empty():
        return comments
    if "fetched_at" not in pages.columns:
        pages = pages.with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("fetched_at"))
    dtype = comments.schema["posted_at"]
    texts = comments.get_column("posted_at_text").drop_nulls().unique().to_list()
    offsets = [relative_offset(t) for t in texts]
    written = pl.DataFrame({
        "posted_at_text": texts,
        "offset": [o[0] if o else None for o in offsets],
        "time_of_day": [o[1] if o else None for o in offsets],
    }, schema={"posted_at_text": pl.String, "offset": pl.String, "time_of_day": pl.Int64})
    known = (pl.DataFrame(schema={"posted_at_text": pl.String, "plain": dtype}) if read is None else
             read.select("posted_at_text", plain=pl.col("posted_at").cast(dtype)).drop_nulls("posted_at_text")
             .unique("posted_at_text", keep="first"))
    written = written.join(known, on="posted_at_text", how="left", maintain_order="left")
    unread = written["plain"].is_null() & ~written["posted_at_text"].is_in(known["posted_at_text"].implode())
    at = unread.arg_true()
    if len(at):
        plain = written["plain"].scatter(at, pl.Series([parse_date(t) for t in written["posted_at_text"].gather(at)],
                                                       dtype=dtype))
        written = written.with_columns(plain=plain)
    fields = pl.col("posted_at_text").str.extract_groups(_NUMERIC)
    written = written.with_columns(
        numeric=fields.struct.field("1").is_not_null(),
        ambiguous=(fields.struct.field("1").cast(pl.Int32) <= 12) & (fields.struct.field("2").cast(pl.Int32) <= 12),
    )
    frame = (comments.with_row_index("_row")
             .join(written, on="posted_at_text", how="left", maintain_order="left")
             .join(pages.select("page_id", "fetched_at").unique("page_id", keep="first"), on="page_id", how="left",
                   maintain_order="left"))
    from_text = pl.col("posted_at").is_null() | (pl.col("posted_at") == pl.col("plain")).fill_null(value=False)
    # numeric dates are read again with their page's order and fetch year (only they depend on them)
    numeric = frame.filter(from_text & pl.col("numeric").fill_null(value=False)).select(
        "_row", "page_id", "posted_at_text", "ambiguous", year=pl.col("fetched_at").dt.year())
    # the order is open only on pages with an ambiguous date: evidence for those alone
    evidence = day_first_evidence(numeric.filter(pl.col("ambiguous").any().over("page_id")), pages)
    numeric = numeric.join(evidence, on="page_id", how="left").with_columns(pl.col("day_first").fill_null(value=True))
    keys = numeric.select("posted_at_text", "day_first", "year").unique()
    keys = keys.with_columns(reread=pl.Series([_absolute(t, day_first=d, reference_year=y)
                                               for t, d, y in keys.iter_rows()], dtype=dtype))
    numeric = numeric.join(keys, on=["posted_at_text", "day_first", "year"], how="left", nulls_equal=True)
    frame = frame.join(numeric.select("_row", "reread"), on="_row", how="left", maintain_order="left")
    relative = _shifted(pl.col("fetched_at"), pl.col("offset"), pl.col("time_of_day"))
    posted = (pl.when(~from_text).then(pl.col("posted_at"))
              .when(pl.col("reread").is_not_null()).then(pl.col("reread"))
              .when(pl.col("plain").is_not_null()).then(pl.col("plain"))
              .otherwise(relative))
    return frame.with_columns(posted.cast(dtype).alias("posted_at")).select(comments.columns)
