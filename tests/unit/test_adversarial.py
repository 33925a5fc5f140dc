"""Issue 8: no page can stall a shard. Adversarial page texts go through strip and parse in linear time.

Each case is large enough that a rule with catastrophic backtracking (or a quadratic scan) would run
for hours; the timeout only guards the suite, it is no speed target.
"""

from __future__ import annotations

import polars as pl
import pytest

from schemas.parsed import TEMPLATE_LINES
from schemas.validate import empty_frame
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.chain import parse_shard

CASES = {
    "one line of spaces": "Title\n\n" + " " * 1_000_000 + "x\n\nBody text here.",
    "one line of words": "Title\n\n" + "a " * 500_000,
    "says lines": "Title\n\n" + "John says:\n\nReply\n\n" * 20_000,
    "dates": "Title\n\n" + "12.12.2012 12:12 " * 50_000,
    "capitalised names": "Title\n\n" + "Aa " * 200_000 + "\n\nsays:",
    "digits before a count": "T\n\n" + "1" * 500_000 + " Comments",
    "badge after spaces": "T\n\n" + "Mathias" + " " * 300_000 + "Autor x",
    "nested quotes": "T\n\n" + "„“«»'\"" * 100_000,
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(CASES))
def test_adversarial_page_is_parsed_without_stalling(name: str) -> None:
    pages = pl.DataFrame({"page_id": [name], "site": ["unknown"], "text": [CASES[name]], "html": [None]},
                         schema={"page_id": pl.String, "site": pl.String, "text": pl.String, "html": pl.String})
    articles, _ = parse_shard(strip_boilerplate(pages), pages, empty_frame(TEMPLATE_LINES))
    assert articles["page_id"].to_list() == [name]
