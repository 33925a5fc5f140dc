"""Unit tests for tasks.extract.boilerplate: line splitting, each rule family, templates and profiles (issue 3)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from schemas.parsed import LINES, TEMPLATE_LINES
from schemas.validate import empty_frame, polars_schema
from tasks.extract import selectors
from tasks.extract.boilerplate import (
    REQUIRED_PATTERN,
    explode_lines,
    family_pattern,
    family_patterns,
    strip_boilerplate,
)
from tasks.extract.profiles import SiteProfile, profile_from_dict
from tasks.extract.templates import learn_template_lines


def _pages(*texts: str | None, site: str = "example.org") -> pl.DataFrame:
    return pl.DataFrame(
        {"page_id": [f"p{i}" for i in range(len(texts))], "site": [site] * len(texts), "text": list(texts)},
        schema={"page_id": pl.String, "site": pl.String, "text": pl.String},
    )


def _rule(line: str) -> str | None:
    return strip_boilerplate(_pages(line))["strip_rule"][0]


def test_empty_frame_gives_empty_lines() -> None:
    assert_frame_equal(strip_boilerplate(_pages()), empty_frame(LINES))


def test_null_and_blank_text_keep_one_placeholder_line() -> None:
    out = strip_boilerplate(_pages(None, "", "  \n\n \t", "text"))
    assert out.select("page_id", "line_no", "text", "strip_rule").to_dicts() == [
        {"page_id": "p0", "line_no": 0, "text": "", "strip_rule": "empty_page"},
        {"page_id": "p1", "line_no": 0, "text": "", "strip_rule": "empty_page"},
        {"page_id": "p2", "line_no": 0, "text": "", "strip_rule": "empty_page"},
        {"page_id": "p3", "line_no": 0, "text": "text", "strip_rule": None},
    ]
    assert out.schema == polars_schema(LINES)


def test_lines_keep_their_position_and_are_stripped() -> None:
    out = strip_boilerplate(_pages("  First line  \r\n\nThird line\n"))
    assert out.select("line_no", "text").to_dicts() == [
        {"line_no": 0, "text": "First line"},
        {"line_no": 2, "text": "Third line"},
    ]
    assert out["region"].null_count() == 2


@pytest.mark.parametrize(
    ("line", "family"),
    [
        ("Share this:", "share"),
        ("Share on Facebook", "share"),
        ("Facebook Twitter Pinterest", "share"),
        ("Skip to content", "nav"),
        ("Zum Inhalt springen", "nav"),
        ("Home » Recipes » Cake Recipes » Chocolate Cake", "nav"),
        ("« Older Post", "pagination"),
        ("Next Post: Passion Fruit Cookies »", "pagination"),
        ("Related posts:", "related"),
        ("Ähnliche Beiträge", "related"),
        ("Filed Under: Lunch, Sharing, Sides", "taxonomy"),
        ("Schlagwörter: Alltag, Religionen", "taxonomy"),
        ("Tags: json, simd", "taxonomy"),
        ("By Jane Doe", "byline"),
        ("Posted by Michael Smith on November 19, 2019", "byline"),
        ("5 min read", "byline"),
        ("Photo: Getty Images", "caption"),
        ("ILLUSTRATIVE IMAGE", "caption"),
        ("Read more", "readmore"),
        ("Advertisement", "readmore"),
        ("Subscribe to our newsletter for free!", "newsletter"),
        ("Support SouthFront", "donation"),
        ("8 DAYS LEFT UNTIL THE END OF SEPTEMBER", "donation"),
        ("2,500 $", "donation"),
        ("Ihr Beitrag hilft, unsere Berichterstattung noch weiter auszubauen und kostenlos anzubieten.", "appeal"),
        ("We use cookies to improve your experience on our website.", "cookie"),
        ("Empfohlener redaktioneller Inhalt", "embed"),
        ("An dieser Stelle finden Sie externen Inhalt, der den Artikel ergänzt.", "embed"),
        ("Ich bin damit einverstanden, dass mir externe Inhalte angezeigt werden.", "embed"),
        ("YouTube-Inhalte erlauben", "embed"),
        ("External content", "embed"),
        ("I agree to external content being shown to me.", "embed"),
        ("Contenu externe", "embed"),
        ("© 2019 NBC Universal", "footer"),
        ("Example Blog © Example Media Group", "footer"),
        ("© Jane Doe", "footer"),
        ("Das Wohn- und Pflegeheim in Nußdorf-Debant © Gemeinde Nußdorf-Debant", "caption"),
        ("Spieler feiern nach dem Sieg gegen Eisenach © picture alliance / Foto Huebner", "caption"),
        ("Impressum", "footer"),
        ("Leave a Reply", "comment_form"),
        ("Schreibe einen Kommentar", "comment_form"),
        ("Your email address will not be published. Required fields are marked *", "comment_form"),
        ("Reply", "comment_chrome"),
        ("Antworten", "comment_chrome"),
        ("Répondre", "comment_chrome"),
        ("Newest Most Voted", "comment_chrome"),
        ("November 19, 2019 at 6:34 am", "dateline"),
        ("22. Dezember 2019 um 11:16 Uhr", "dateline"),
        ("11 октября 2018", "dateline"),
    ],
)
def test_rule_families(line: str, family: str) -> None:
    assert _rule(line) == family


@pytest.mark.parametrize(
    "line",
    [
        "Iran, Turkey and Russia do have no plans to carry out joint military operations in Syria.",
        "I came to realize that the cookies my friends baked were better than mine, and that is fine with me.",
        "Users who subscribe to the newsletter of the city council get the agenda a week before each meeting.",
        "Tag für Tag",
        "Auf dem Weg nach Hause",
        "« Nous ne céderons pas », a déclaré le ministre devant les députés.",
        "Mustafa Mehmet",
        "Joker",
        "Die Inhalte der Verhandlungen blieben bis zuletzt geheim, sagte die Ministerin am Abend.",
        "Ich bin damit einverstanden, dass mir die Stadt die Kosten erstattet, sagte der Anwohner.",
        "The council will show content from its archive at the exhibition next month.",
    ],
)
def test_content_lines_are_kept(line: str) -> None:
    assert _rule(line) is None


def test_learned_template_lines_are_stripped() -> None:
    pages = _pages("Site Slogan\nStory one is here.", "Site Slogan\nStory two.", "Site Slogan\nStory three.")
    lines = strip_boilerplate(pages)
    templates = learn_template_lines(lines, pages.select("page_id", "site"), min_pages=3, min_share=0.5)
    assert templates.schema == polars_schema(TEMPLATE_LINES)
    assert templates.select("site", "text", "n_pages").to_dicts() == [
        {"site": "example.org", "text": "Site Slogan", "n_pages": 3}
    ]
    again = strip_boilerplate(pages, template_lines=templates)
    assert again.filter(pl.col("text") == "Site Slogan")["strip_rule"].to_list() == ["template"] * 3
    assert again.filter(pl.col("text") != "Site Slogan")["strip_rule"].null_count() == 3


def test_profile_rules_tag_only_their_site() -> None:
    profile = profile_from_dict(
        {"site": "example.org", "strip": ["^Sponsored story$"], "body_end": ["^The End$"], "comments_start": []}
    )
    pages = pl.concat([_pages("Sponsored story\nThe End"), _pages("Sponsored story", site="other.org")
                       .with_columns(page_id=pl.lit("q0"))])
    out = strip_boilerplate(pages, profiles={"example.org": profile})
    rules = dict(zip(out["page_id"] + ":" + out["text"], out["strip_rule"], strict=True))
    assert rules["p0:Sponsored story"] == "profile"
    assert rules["p0:The End"] == "profile_body_end"
    assert rules["q0:Sponsored story"] is None


def test_profile_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="unknown profile keys"):
        profile_from_dict({"site": "x.org", "strip_lines": []})
    assert SiteProfile(site="x.org").strip == ()


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="module")
def fixture_lines() -> pl.Series:
    """Every stripped line of the fixture pages, plus lines made to hit the wildcard patterns."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*/*.txt"))]
    made = [
        "Home / News / Politics / Story", "Menu: Start", "Next page ›", "Jane Doe - March 3 - 12:45 pm",
        "A river at dawn (Foto: Jane Doe)", "Sign up for our newsletter today", "Please donate via PayPal",
        "Your support helps us keep going.", "This site uses cookies to improve your experience",
        "We use cookies and tracking.", "© 2024 Example Media. All rights reserved.", "ſubscribe to the feed",
        "ΣΥΝΔΡΟΜΗ newsletter", "",
    ]
    return explode_lines(_pages(*texts, "\n".join(made)))["text"]


@pytest.mark.parametrize("family", selectors.RULE_ORDER)
def test_family_patterns_split_one_alternation(family: str, fixture_lines: pl.Series) -> None:
    """Matching any of family_patterns is matching the one alternation of family_pattern."""
    frame = fixture_lines.to_frame()
    one = frame.select(pl.col("text").str.contains(family_pattern(family)))["text"]
    parts = frame.select(pl.any_horizontal(pl.col("text").str.contains(p) for p in family_patterns(family)))
    assert parts.to_series().to_list() == one.to_list()


def test_required_parts_are_necessary(fixture_lines: pl.Series) -> None:
    """Every wildcard pattern holds its required part as a group, and matches no line without it."""
    frame = fixture_lines.to_frame()
    has_required = frame.select(pl.col("text").str.contains(REQUIRED_PATTERN))["text"]
    for pattern, required in selectors.RULE_REQUIRES.items():
        assert any(pattern in patterns for patterns in selectors.RULES.values())
        assert f"(?:{required})" in pattern or required in pattern.replace(f"(?:{required})", "")
        whole = f"(?i)^(?:{pattern})$"
        matched = frame.select(pl.col("text").str.contains(whole))["text"]
        assert not (matched & ~has_required).any(), pattern
        assert not pl.select(pl.lit("").str.contains(whole)).item(), pattern
        assert matched.any(), f"no fixture line reaches {pattern}"


def test_lines_come_out_in_page_id_order() -> None:
    pages = pl.DataFrame(
        {"page_id": ["b", "a", "c", "a"], "site": ["s"] * 4, "text": ["b0\nb1", "a0\n\na2", " \n ", "x0\nx1\nx2"]}
    )
    out = strip_boilerplate(pages)
    assert out.select("page_id", "line_no", "text").rows() == [
        ("a", 0, "a0"), ("a", 0, "x0"), ("a", 1, "x1"), ("a", 2, "a2"), ("a", 2, "x2"),
        ("b", 0, "b0"), ("b", 1, "b1"), ("c", 0, ""),
    ]
