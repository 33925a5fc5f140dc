"""Which site a page comes from, offline.

Evidence, strongest first: the site a manifest or record states; the registrable domain of the
page's URL (public-suffix list bundled with ``tldextract``, never fetched, private section
included, so a blog under a hosting suffix such as ``NAME.blogspot.com`` or ``NAME.wordpress.com``
is its own site); a URL standing alone
on one of the first lines of the text (scrapers often write the source URL first); a recognised
signature line of the page (``SITE_SIGNATURES``). Otherwise the site is ``UNKNOWN_SITE``: never a
guess. Site values are sanitised, since they become partition values and file names.
"""

from __future__ import annotations

import re
from functools import lru_cache

import polars as pl
import tldextract
from tldextract.remote import lenient_netloc

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


BLOG_HOST_SUFFIXES = (
    "wordpress.com", "typepad.com", "tumblr.com", "livejournal.com", "over-blog.com", "blog.fc2.com",
    "substack.com",
)
"""Blog hosts whose every subdomain is one author's site, beyond those the public suffix list's private
section already names (``blogspot.com``, ``github.io``, ...): ``NAME.wordpress.com`` is the site
``name.wordpress.com``, not ``wordpress.com``."""


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    """The bundled public-suffix snapshot with its private section; no list is fetched or cached on disk."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True,
                                 extra_suffixes=BLOG_HOST_SUFFIXES)


def init_sites() -> None:
    """Build the public-suffix table once per process (about 0.14 s of CPU), before the first URL needs it."""
    _extractor()("https://example.com")


def sanitise_site(value: str | None) -> str | None:
    """Lower-case, keep ``[a-z0-9.-]``, strip dots, cap the length; None when nothing is left."""
    if value is None:
        return None
    cleaned = _SAFE.sub("", value.strip().lower()).strip(".-")
    cleaned = re.sub(r"\.{2,}", ".", cleaned)[:_MAX_SITE_LEN]
    return cleaned or None


def site_from_url(url: str | None) -> str | None:
    """Registrable domain of ``url`` (``blogs.example.co.uk`` -> ``example.co.uk``,
    ``name.blogspot.com`` -> ``name.blogspot.com``), or None."""
    if not url:
        return None
    result = _extractor()(url.strip())
    domain = result.top_domain_under_public_suffix
    if not domain and result.suffix and not result.subdomain:
        domain = result.suffix  # the blog host's own pages (``wordpress.com``)
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


def _site_of_url(url: str | None, by_host: dict[str, str | None]) -> str | None:
    """:func:`site_from_url`, computed once per host: the registrable domain depends on the host alone."""
    if not url:
        return None
    host = lenient_netloc(url.strip())  # what tldextract reads of a URL
    if host not in by_host:
        by_host[host] = site_from_url(url)
    return by_host[host]


def assign_sites(pages: pl.DataFrame) -> pl.DataFrame:
    """Fill ``site`` and ``site_source`` (and ``url`` from the text head when missing).

    Reads ``site`` (stated, may be null), ``url``, ``text``. Returns the same rows with
    ``site`` never null and ``site_source`` in manifest / url / signature / unknown. Texts are
    only read on the rows that need them (no URL; no site from the manifest or the URL).
    """
    stated = pages["site"].to_list()
    urls: list[str | None] = pages["url"].to_list()
    texts = pages["text"]
    no_url = [i for i, url in enumerate(urls) if not url]
    for i, text in zip(no_url, texts.gather(no_url).to_list(), strict=True):
        urls[i] = url_in_head(text)
    by_host: dict[str, str | None] = {}
    out_site: list[str] = []
    out_source: list[str] = []
    unresolved: list[int] = []
    for i, (site, url) in enumerate(zip(stated, urls, strict=True)):
        if clean := sanitise_site(site):
            out_site.append(clean)
            out_source.append("manifest")
        elif from_url := _site_of_url(url, by_host):
            out_site.append(from_url)
            out_source.append("url")
        else:
            out_site.append(UNKNOWN_SITE)
            out_source.append("unknown")
            unresolved.append(i)
    for i, text in zip(unresolved, texts.gather(unresolved).to_list(), strict=True):
        if from_sig := site_from_signature(text):
            out_site[i] = from_sig
            out_source[i] = "signature"
    return pages.with_columns(
        pl.Series("site", out_site, dtype=pl.String),
        pl.Series("site_source", out_source, dtype=pl.String),
        pl.Series("url", urls, dtype=pl.String),
    )
