"""Site identification: offline registrable domains, sanitised values, no guesses."""

from __future__ import annotations

import polars as pl
import pytest

from tasks.ingest.sites import UNKNOWN_SITE, assign_sites, sanitise_site, site_from_url


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.bbc.co.uk/news/x", "bbc.co.uk"),
        ("http://blogs.discovermagazine.com/a/b", "discovermagazine.com"),
        ("https://southfront.org/x?y=1", "southfront.org"),
        ("https://thefischbowl.blogspot.com/2012/10/post.html", "thefischbowl.blogspot.com"),
        ("http://virtualgeek.typepad.com/virtual_geek/2012/x.html", "virtualgeek.typepad.com"),
        ("https://zulang.wordpress.com/2019/01/01/a/", "zulang.wordpress.com"),
        ("https://Name.GitHub.io/p", "name.github.io"),
        ("https://wordpress.com/about/", "wordpress.com"),
        ("https://www.blogger.com/profile/1", "blogger.com"),
        ("not a url", None),
        (None, None),
    ],
)
def test_site_from_url(url: str | None, site: str | None) -> None:
    assert site_from_url(url) == site


def test_site_list_is_the_bundled_snapshot_never_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17: private suffixes come from tldextract's bundled list; no URL is fetched or cache written."""
    import tldextract.cache

    from tasks.ingest import sites

    def no_network(*_: object, **__: object) -> None:
        raise AssertionError("the public suffix list was fetched")

    monkeypatch.setattr(tldextract.cache.DiskCache, "cached_fetch_url", no_network)
    sites._extractor.cache_clear()
    try:
        extractor = sites._extractor()
        assert extractor.suffix_list_urls == ()
        assert site_from_url("https://someone.blogspot.com/") == "someone.blogspot.com"
    finally:
        sites._extractor.cache_clear()


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
