"""Unit tests of tasks.dedup's per-shard keys and exact key (the folding rules: test_reference.py and
test_dedup_partitioned.py)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from schemas.dedup import DEDUP_KEYS
from schemas.validate import conform
from tasks.dedup.clusters import exact_key
from tasks.dedup.keys import add_dedup_keys

T0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)

PARAS = [
    "The city council voted on Tuesday to expand the tram network into the northern districts, "
    "a plan that has been debated for more than a decade and that residents had long asked for.",
    "Construction is expected to start next spring and to last three years, according to the "
    "transport department, which estimates the total cost at about four hundred million euros.",
    "Opponents argue that the money would be better spent on buses, which can be rerouted quickly "
    "and do not require years of roadworks in narrow streets of the old town centre.",
    "The mayor said the vote was a historic moment for the city and promised that local businesses "
    "affected by the works would receive compensation from a dedicated fund set up this year.",
]
OTHER = [
    "A rare comet will be visible to the naked eye next week for the first time in several thousand "
    "years, astronomers said, advising observers to look low on the western horizon after sunset.",
    "The best viewing conditions are expected on Thursday evening, when the moon sets early and the "
    "sky over most of the continent should be clear of clouds according to forecasts.",
    "Amateur astronomers have already photographed the comet's long green tail from mountain "
    "observatories, and several planetariums are organising public viewing nights this weekend.",
]


def _article(page_id: str, body: str, *, url: str | None = None, site: str = "a.example",
             hours: int = 0, title: str | None = None) -> dict[str, object]:
    return {
        "page_id": page_id,
        "title": title,
        "article_id": f"art-{page_id}",
        "site": site,
        "url": url,
        "fetched_at": T0 + dt.timedelta(hours=hours),
        "ingested_at": T0,
        "body": body,
    }


def _frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"fetched_at": pl.Datetime("us", "UTC"),
                                                "ingested_at": pl.Datetime("us", "UTC")})


def test_keys_conform_to_schema_and_are_stable() -> None:
    rows = [_article("p1", "\n\n".join(PARAS), url="https://www.a.example/news/tram/?utm_source=x#top"),
            _article("p2", "Short brief."), _article("p3", "")]
    keys = add_dedup_keys(_frame(rows))
    conform(keys, DEDUP_KEYS)
    assert keys.get_column("url_key").to_list() == ["a.example/news/tram", None, None]
    assert keys.get_column("signature").is_null().to_list() == [False, True, True]
    assert keys.get_column("signature").list.len().to_list()[0] == 128
    again = add_dedup_keys(_frame(rows))
    assert keys.equals(again)
    # The content hash ignores case, punctuation and white space.
    variant = add_dedup_keys(_frame([_article("p4", "\n\n".join(PARAS).upper().replace(",", " ,  "))]))
    assert variant.get_column("content_hash")[0] == keys.get_column("content_hash")[0]




def test_exact_key_needs_a_body_and_for_an_unsigned_body_the_title() -> None:
    """Issue 22: one exact-duplicate key for the build's key rows and the reference."""
    nodes = pl.DataFrame({
        "body_len": [10, 10, 10, 10, 0],
        "content_hash": ["h", "h", "h", "h", "h"],
        "title_hash": ["t1", "t2", "t1", None, "t1"],
        "signed": [True, True, False, False, False],
    })
    keys = nodes.select(exact_key(pl.col("signed"))).to_series().to_list()
    assert keys[0] == keys[1]  # signed bodies: the body alone
    assert keys[2] not in (keys[0], keys[3])  # an unsigned body: the body and its title evidence
    assert keys[3] is not None
    assert keys[4] is None  # no body, no exact key
