"""Intermediate stage files: the page's lines as the stripper tagged them, and the parse output.

``LINES`` (``_work/lines``): one row per line of a page's text. ``PARSED_ARTICLES`` and
``PARSED_COMMENTS`` (``_work/parsed``): what the parser made of each page, before language
detection and deduplication.
"""

import pyarrow as pa

from schemas.common import UTC_TIMESTAMP, field

LINES = pa.schema(
    [
        field("page_id", pa.string(), "Page the line belongs to.", nullable=False),
        field("line_no", pa.int32(), "0-based line number in the page text.", nullable=False),
        field("text", pa.string(), "The line, stripped of surrounding white space.", nullable=False),
        field("strip_rule", pa.string(),
              "Rule family that marked the line as boilerplate (null: kept for parsing)."),
        field("region", pa.string(),
              "Where the parser placed the line: title, body, comment_author, comment_text, comment_meta, "
              "or null when it is stripped or outside article and comments."),
        field("comment_position", pa.int32(), "0-based comment the line belongs to (null outside comments)."),
    ]
)

STRIP_COUNTS = pa.list_(pa.struct([("rule", pa.string()), ("n_lines", pa.int32())]))

PARSED_ARTICLES = pa.schema(
    [
        field("page_id", pa.string(), "Page the article was parsed from.", nullable=False),
        field("title", pa.string(), "Article headline; null when none was found."),
        field("body", pa.string(), "Article paragraphs joined by a blank line.", nullable=False),
        field("n_lines", pa.int32(), "Non-blank lines in the page text.", nullable=False),
        field("n_lines_stripped", pa.int32(), "Non-blank lines removed as boilerplate.", nullable=False),
        field("stripped_by_rule", STRIP_COUNTS, "Lines removed per rule family.", nullable=False),
        field("n_comments_stated", pa.int32(), "Comment count the page states ('18 Comments'), when it does."),
    ]
)

SCORED_ARTICLES = pa.schema(
    [
        *PARSED_ARTICLES,
        field("parse_confidence", pa.float64(),
              "How sure the parser is that body is the article, 0-1: weighted prose words of the body over 60 "
              "(tasks.extract.confidence); 0 when no article was found and body is the page's best other text.",
              nullable=False),
        field("is_suspect", pa.bool_(), "parse_confidence under 0.5: body may be page chrome or a fallback.",
              nullable=False),
    ]
)
"""What the parse step writes: the parsers' ``PARSED_ARTICLES`` plus how sure they are of each body."""

PARSED_COMMENTS = pa.schema(
    [
        field("page_id", pa.string(), "Page the comment was parsed from.", nullable=False),
        field("position", pa.int32(), "0-based order of the comment on the page.", nullable=False),
        field("author", pa.string(), "Display name of the commenter; null when the page shows none."),
        field("text", pa.string(), "Comment paragraphs joined by a blank line.", nullable=False),
        field("posted_at_text", pa.string(), "The comment's date as written on the page."),
        field("posted_at", UTC_TIMESTAMP,
              "posted_at_text read to UTC (tasks.extract.dates): two-digit years and relative dates by the page's "
              "fetch time, day/month order by the page's and site's dates; null where it cannot be read."),
        field("parent_position", pa.int32(), "position of the comment this one replies to, when shown."),
    ]
)

TEMPLATE_LINES = pa.schema(
    [
        field("site", pa.string(), "Site whose pages repeat the line.", nullable=False),
        field("text", pa.string(), "The repeated line, stripped of surrounding white space.", nullable=False),
        field("n_pages", pa.int32(), "Pages of the site in the learning batch that contain the line.",
              nullable=False),
        field("n_site_pages", pa.int32(), "Pages of the site in the learning batch.", nullable=False),
        field("share", pa.float64(), "n_pages / n_site_pages.", nullable=False),
    ]
)
"""Lines learned as site template by ``tasks.extract.boilerplate.learn_template_lines`` (kept with the output
so that later runs strip them too)."""

TEMPLATE_ROWS = pa.schema(
    [
        TEMPLATE_LINES.field("site"),
        TEMPLATE_LINES.field("text"),
        field("content_hash", pa.string(), "xxh3-64 hex of the page's longest line: pages sharing it are one page "
                                           "(re-fetches of one article).", nullable=False),
    ]
)
"""Distinct (site, line, page content) of a shard's lines, one file per partition of ``hash(site, text)``."""

TEMPLATE_PAGES = pa.schema([TEMPLATE_LINES.field("site"), TEMPLATE_ROWS.field("content_hash")])
"""Distinct (site, page content) of a shard: the pages each site's share is counted over."""

TEMPLATE_COUNTS = pa.schema([TEMPLATE_LINES.field(name) for name in ("site", "text", "n_pages")])
"""Lines of one partition of ``hash(site, text)`` on enough distinct pages to be template, before the share
of their site's pages (counted once over the run) is checked."""
