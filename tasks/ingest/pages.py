"""Ingest: turn raw input records into decoded pages.

Reads the ``RAW_RECORDS`` columns (bytes as read by ``tasks/ingest/inputs.py``); returns ``PAGES`` rows:
decoded ``text`` (HTML is kept in ``html`` and rendered to innerText-style ``text`` by
``tasks.ingest.render``, its canonical link replaces ``url`` and its stated publication time fills
``published_at``), ``page_id``, ``site``/``site_source``, and ``reject_reason`` for records that
cannot become an article (empty, binary, unreadable, ``html_too_large``, ``html_too_deep``,
``html_too_complex``, and
the ``skipped_*`` container records of ``tasks.ingest.readers``). Rows are tagged, never dropped: the
selection step turns ``reject_reason`` into ``rejects`` rows (and counts ``skipped_*`` ones).
"""

from __future__ import annotations

import logging
from datetime import datetime

import polars as pl
from selectolax.lexbor import LexborHTMLParser

from schemas.pages import PAGES
from schemas.validate import cast_to, polars_schema
from tasks.hashing import hash_columns
from tasks.ingest.encoding import decode_bytes, looks_binary
from tasks.ingest.render import DEFAULT_MAX_HTML_BYTES, DEFAULT_MAX_NODES, check_markup, render_page
from tasks.ingest.sites import assign_sites

logger = logging.getLogger(__name__)

MIN_TEXT_CHARS = 1
"""A page whose decoded text has fewer non-space characters than this is rejected as empty."""


_DECODED_SCHEMA = {"text": pl.String, "html": pl.String, "encoding": pl.String, "has_replacement_chars": pl.Boolean,
                   "reject": pl.String, "detail": pl.String}
_Decoded = tuple[str | None, str | None, str | None, bool, str | None, str | None]
_NOTHING: _Decoded = (None, None, None, False, None, None)
_BINARY: _Decoded = (None, None, None, False, "binary", "content looks binary (NUL or control bytes), not text")


def _decode_row(
    content: bytes | None, text: str | None, is_html: bool, declared: str | None,  # noqa: FBT001 -- one comprehension calls it positionally
) -> _Decoded:
    """One record's ``_DECODED_SCHEMA`` values, in that order."""
    if text is not None:
        return text, None, "utf-8", "\ufffd" in text, None, None
    if content is None:
        return _NOTHING
    if looks_binary(content):
        return _BINARY
    decoded = decode_bytes(content, declared=declared, is_html=is_html)
    if is_html:
        return None, decoded.text, decoded.encoding, decoded.has_replacement_chars, None, None
    return decoded.text, None, decoded.encoding, decoded.has_replacement_chars, None, None


_RENDER_SCHEMA = pl.Schema({"text": pl.String(), "canonical_url": pl.String(),
                            "published_at": polars_schema(PAGES)["published_at"], "reject": pl.String(),
                            "detail": pl.String()})
_Rendered = tuple[str | None, str | None, datetime | None, str | None, str | None]


def _render_row(html: str, url: str | None, *, max_html_bytes: int, max_nodes: int) -> _Rendered:
    """One HTML page's ``_RENDER_SCHEMA`` values, in that order."""
    if (problem := check_markup(html, max_html_bytes=max_html_bytes)) is not None:
        return None, None, None, problem[0], problem[1]
    page = render_page(LexborHTMLParser(html), base_url=url, max_nodes=max_nodes)
    if page.truncated:
        return None, None, None, "html_too_complex", f"the page has more than {max_nodes:,} DOM nodes"
    return page.text, page.canonical_url, page.published_at, None, None


def _render_html(html: pl.Series, urls: pl.Series, *, max_html_bytes: int, max_nodes: int) -> pl.DataFrame:
    """``_RENDER_SCHEMA`` rows for the pages (all null where ``html`` is null); only HTML rows are parsed, each
    markup and URL once (a page fetched again unchanged is rendered once)."""
    rows = html.is_not_null().arg_true()
    keys = list(zip(html.gather(rows).to_list(), urls.gather(rows).to_list(), strict=True))
    done: dict[tuple[str, str | None], _Rendered] = {}
    for key in keys:
        if key not in done:
            done[key] = _render_row(*key, max_html_bytes=max_html_bytes, max_nodes=max_nodes)
    rendered = pl.DataFrame(
        [done[key] for key in keys],
        schema=_RENDER_SCHEMA,
        orient="row",
    )
    if rows.len() == html.len():
        return rendered
    return (pl.DataFrame({"row": pl.int_range(html.len(), eager=True).cast(rows.dtype)})
            .join(rendered.with_columns(row=rows), on="row", how="left", maintain_order="left")
            .drop("row"))


def build_pages(
    raw: pl.DataFrame,
    *,
    ingested_at: datetime,
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> pl.DataFrame:
    """Decode raw records into pages; render HTML pages to innerText-style text.

    Reads RAW_RECORDS columns. Returns PAGES columns, one row per record, in the same order.
    ``page_id`` is the xxh3-64 hex of ``source_path`` and ``record``. For HTML pages ``html`` is the
    decoded page, ``text`` its innerText rendering, ``url`` its canonical link when it has one
    (else the container's URL) and ``published_at`` the time the page states. HTML over
    ``max_html_bytes`` (UTF-8) is rejected as ``html_too_large``, block markup nested deeper than
    ``tasks.ingest.render.DEFAULT_MAX_DEPTH`` as ``html_too_deep`` and HTML with more than ``max_nodes`` DOM
    nodes as ``html_too_complex``, so no page can stall a shard.
    """
    decoded = pl.DataFrame(
        [
            _decode_row(c, t, h, d)
            for c, t, h, d in zip(
                raw["content"].to_list(), raw["text"].to_list(), raw["is_html"].to_list(),
                raw["declared_charset"].to_list(), strict=True,
            )
        ],
        schema=_DECODED_SCHEMA,
        orient="row",
    )
    rendered = _render_html(decoded["html"], raw["url"], max_html_bytes=max_html_bytes, max_nodes=max_nodes)
    decoded = decoded.with_columns(
        text=pl.coalesce(decoded["text"], rendered["text"]),
        reject=pl.coalesce(decoded["reject"], rendered["reject"]),
        detail=pl.coalesce(decoded["detail"], rendered["detail"]),
    )
    pages = raw.select(
        "source_path", "record", "input_format", "url", "site", "fetched_at", "fetched_at_source", "n_bytes",
        "read_error", "read_detail",
    ).with_columns(decoded, published_at=rendered["published_at"])
    pages = pages.with_columns(url=pl.coalesce(rendered["canonical_url"], pl.col("url")))
    pages = pages.with_columns(
        page_id=hash_columns(pages, ["source_path", "record"]),
        ingested_at=pl.lit(ingested_at, dtype=polars_schema(PAGES)["ingested_at"]),
    )
    empty_text = pl.col("text").str.strip_chars().str.len_chars().fill_null(0) < MIN_TEXT_CHARS
    pages = pages.with_columns(
        reject_reason=pl.coalesce(
            "read_error",
            "reject",
            pl.when(empty_text).then(pl.lit("empty")),
        ),
        reject_detail=pl.coalesce(
            "read_detail",
            "detail",
            pl.when(empty_text).then(pl.lit("the page has no text")),
        ),
    )
    pages = assign_sites(pages)
    return cast_to(pages, PAGES)
