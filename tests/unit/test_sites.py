"""Site identification: offline registrable domains, sanitised values, no guesses."""

from __future__ import annotations

import polars as pl
import pytest

from tasks.sites import UNKNOWN_SITE, assign_sites, sanitise_site, site_from_url


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.bbc.co.uk/news/x", "bbc.co.uk"),
        ("http://blogs.discovermagazine.com/a/b", "discovermagazine.com"),
        ("https://southfront.org/x?y=1", "southfront.org"),
        ("not a url", None),
        (None, None),
    ],
)
def test_site_from_url(url: str | None, site: str | None) -> None:
    assert site_from_url(url) == site


@pytest.mark.parametrize("bad", ["../../etc", "a/b", "x\x00y", "..", "A" * 500])
def test_sanitised_sites_cannot_escape_a_folder(bad: str) -> None:
    clean = sanitise_site(bad)
    assert clean is None or ("/" not in clean and "\x00" not in clean and ".." not in clean and len(clean) <= 100)


def test_assign_sites_prefers_stated_then_url_then_signature_else_unknown() -> None:
    pages = pl.DataFrame({
        "site": ["Example.ORG", None, None, None],
        "url": [None, "https://news.example.com/a", None, None],
        "text": ["x", "x", "Title\n\nSupport SouthFront\n\nBody", "Just a page about cheese"],
    })
    out = assign_sites(pages)
    assert out["site"].to_list() == ["example.org", "example.com", "southfront.org", UNKNOWN_SITE]
    assert out["site_source"].to_list() == ["manifest", "url", "signature", "unknown"]


def test_assign_sites_per_row_when_urls_share_hosts() -> None:
    """Sites are computed once per host; each row still gets its own URL's site, in row order."""
    pages = pl.DataFrame({
        "site": [None, None, None, None, "Stated.example", None, None],
        "url": ["https://a.example.co.uk/1", "https://b.example.com/2", "https://a.example.co.uk/3?x=1",
                "", "https://b.example.com/4", None, "not a url"],
        "text": ["x", "x", "x", "\n  https://c.example.net/story  \nBody", "x", "Support SouthFront", "x"],
    })
    out = assign_sites(pages)
    assert out["site"].to_list() == ["example.co.uk", "example.com", "example.co.uk", "example.net",
                                     "stated.example", "southfront.org", UNKNOWN_SITE]
    assert out["site_source"].to_list() == ["url", "url", "url", "url", "manifest", "signature", "unknown"]
    assert out["url"].to_list() == ["https://a.example.co.uk/1", "https://b.example.com/2",
                                    "https://a.example.co.uk/3?x=1", "https://c.example.net/story",
                                    "https://b.example.com/4", None, "not a url"]
