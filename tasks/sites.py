"""Which site a page comes from, offline.

Evidence, strongest first: the site a manifest or record states; the registrable domain of the
page's URL (public-suffix list bundled with ``tldextract``, never fetched); a URL standing alone
on one of the first lines of the text (scrapers often write the source URL first); a recognised
signature line of the page (``SITE_SIGNATURES``). Otherwise the site is ``UNKNOWN_SITE``: never a
guess. Site values are sanitised, since they become partition values and file names.
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl
import tldextract

UNKNOWN_SITE = "unknown"

SITE_SIGNATURES: dict[str, str] = {
    # A line that, standing alone on a page, names the site that published it.
    # Keys are whole lines (compared after white-space folding and case folding).
    "support southfront": "southfront.org",
}

_URL_LINE = re.compile(r"^\s*(?:https?://)[^\s/]+\S*\s*$", re.IGNORECASE)
_HEAD_LINES = 5
_SAFE = re.compile(r"[^a-z0-9.\-]")
_MAX_SITE_LEN = 100


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def sanitise_site(value: str | None) -> str | None:
    """Lower-case, keep ``[a-z0-9.-]``, strip dots, cap the length; None when nothing is left."""
    if value is None:
        return None
    cleaned = _SAFE.sub("", value.strip().lower()).strip(".-")
    cleaned = re.sub(r"\.{2,}", ".", cleaned)[:_MAX_SITE_LEN]
    return cleaned or None


def site_from_url(url: str | None) -> str | None:
    """Registrable domain of ``url`` (``blogs.example.co.uk`` -> ``example.co.uk``), or None."""
    if not url:
        return None
    result = _extractor()(url.strip())
    domain = result.top_domain_under_public_suffix
    return sanitise_site(domain) if domain else None


def url_in_head(text: str | None) -> str | None:
    """A URL standing alone on one of the first non-blank lines of a text page, if any."""
    if not text:
        return None
    seen = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        if _URL_LINE.match(line):
            return line.strip()
        seen += 1
        if seen >= _HEAD_LINES:
            break
    return None


def site_from_signature(text: str | None) -> str | None:
    """The site whose signature line stands in the text, if any."""
    if not text:
        return None
    for line in text.splitlines():
        key = " ".join(line.split()).casefold()
        if key in SITE_SIGNATURES:
            return SITE_SIGNATURES[key]
    return None


def assign_sites(pages: pl.DataFrame) -> pl.DataFrame:
    """Fill ``site`` and ``site_source`` (and ``url`` from the text head when missing).

    Reads ``site`` (stated, may be null), ``url``, ``text``. Returns the same rows with
    ``site`` never null and ``site_source`` in manifest / url / signature / unknown.
    """
    stated = pages["site"].to_list()
    urls = pages["url"].to_list()
    texts = pages["text"].to_list()
    out_site: list[str] = []
    out_source: list[str] = []
    out_url: list[str | None] = []
    for site, given_url, text in zip(stated, urls, texts, strict=True):
        url = given_url or url_in_head(text)
        out_url.append(url)
        if clean := sanitise_site(site):
            out_site.append(clean)
            out_source.append("manifest")
        elif from_url := site_from_url(url):
            out_site.append(from_url)
            out_source.append("url")
        elif from_sig := site_from_signature(text):
            out_site.append(from_sig)
            out_source.append("signature")
        else:
            out_site.append(UNKNOWN_SITE)
            out_source.append("unknown")
    return pages.with_columns(
        pl.Series("site", out_site, dtype=pl.String),
        pl.Series("site_source", out_source, dtype=pl.String),
        pl.Series("url", out_url, dtype=pl.String),
    )
