"""Issue 21: parse confidence, the best body of a page without article, and word counts of spaceless scripts."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal, assert_series_equal

from schemas.parsed import SCORED_ARTICLES, TEMPLATE_LINES
from schemas.validate import conform, empty_frame
from tasks.extract.boilerplate import is_prose, strip_boilerplate
from tasks.extract.chain import parse_shard
from tasks.extract.confidence import add_parse_confidence
from tasks.extract.parse import line_features, parse_articles, segment_pages
from tasks.extract.words import count_words, with_word_counts

JA_PARAS = [
    "昨年の元日に起きた能登半島地震を受け、救出救助活動に不可欠な警察の情報通信環境の整備が全国で進められる中、"
    "このほど、警視庁管内の警察無線不感地帯の解消が図られた。",
    "警察では万一に備え、幾重にも情報通信システムを整備しているが、島しょ部では電波が届きにくい地域が残っていた。",
    "住民からは安堵の声が上がっており、警視庁は今後も通信環境の改善に取り組むとしている。",
]
ZH_PARA = ("4月24日，习近平主席向首届中国拉美和加勒比国家航天合作论坛致贺信，在会场内外引发热烈反响。"
           "大家表示，贺信阐明了当前建设高水平合作伙伴关系的重要意义。")
TH_PARA = "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทยและเป็นศูนย์กลางทางเศรษฐกิจการเมืองและวัฒนธรรมของประเทศ"


def _pages(texts: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({"page_id": list(texts), "site": ["unknown"] * len(texts), "text": list(texts.values()),
                         "html": [None] * len(texts)}, schema_overrides={"html": pl.String})


@pytest.mark.parametrize(("text", "words"), [
    ("Hello big world", 3),
    ("a\x1cb c", 3),  # \x1c-\x1f split words, as in str.split
    ("能登半島地震から1年", 6),  # 9 spaceless letters make 5 words, "1" one more
    ("東京、大阪。", 2),  # CJK punctuation separates and counts as no word
    ("안녕하세요 세계", 2),  # Korean is spaced
    (TH_PARA, (len(TH_PARA) + 1) // 2),
    ("", 0),
])
def test_count_words_counts_spaceless_letters_two_to_a_word(text: str, words: int) -> None:
    """Issue 21: Chinese, Japanese and Thai text has words although it has no spaces."""
    got = pl.DataFrame({"t": [text]}).select(count_words(pl.col("t"))).to_series()
    assert got.to_list() == [words]


def test_with_word_counts_equals_count_words() -> None:
    """The frame form counts spaces where a text is words with single spaces between them, and the words
    elsewhere: the same counts as ``count_words``."""
    texts = [*JA_PARAS, ZH_PARA, TH_PARA, "", "plain ascii words here", "café  au\xa0lait", "Tokyo 東京 2024",
             "a\x1cb", "“quoted” – dash", None, "one", " lead", "trail ", " ", "  ", "two  spaces", "tab\there",
             "line\nbreak", "em\u2003space", "a 、b", "x , y", "東京"]
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    got = with_word_counts(frame, "t", "w")
    assert got.columns == ["t", "w"]
    assert got["w"].to_list() == frame.select(count_words(pl.col("t"))).to_series().to_list()
    assert got["w"].dtype == frame.select(count_words(pl.col("t"))).to_series().dtype
    plain = frame.filter(pl.col("t").is_in(["one", "plain ascii words here", "x , y", ""]))  # no text to re-count
    assert with_word_counts(plain, "t", "w")["w"].to_list() == plain.select(count_words(pl.col("t"))).to_series(
        ).to_list()


def test_cjk_lines_weigh_as_prose() -> None:
    """Issue 21: a Japanese or Chinese paragraph is prose to the stripper and to the body window."""
    lines = pl.DataFrame({"text": [*JA_PARAS, ZH_PARA, "ホーム", "ニュース一覧"]})
    assert lines.select(is_prose(pl.col("text"))).to_series().to_list() == [True] * 4 + [False] * 2
    feats = line_features(lines.with_columns(page_id=pl.lit("p"), line_no=pl.int_range(pl.len(), dtype=pl.Int32),
                                             strip_rule=pl.lit(None, pl.String)))
    assert feats.get_column("f_prose").to_list() == [True] * 4 + [False] * 2
    assert all(w >= 12 for w in feats.get_column("f_words").to_list()[:4])


@pytest.mark.parametrize("paras", [JA_PARAS, [ZH_PARA, ZH_PARA.replace("4月24日", "5月1日")]])
def test_cjk_page_gets_its_article(paras: list[str]) -> None:
    """Issue 21: a Japanese or Chinese news page parses into its paragraphs, no longer into no article."""
    text = "\n".join(["ホーム", "ニュース", "警察無線の不感地帯を解消", "", *paras, "", "関連記事", "ランキング"])
    pages = _pages({"ja": text})
    articles = parse_articles(segment_pages(strip_boilerplate(pages)))
    body = articles.get_column("body")[0]
    assert all(p in body for p in paras)


def test_confidence_of_articles_and_of_single_paragraph_chrome() -> None:
    """Issue 21: several prose paragraphs are an article the parser is sure of; one tagline paragraph is not."""
    prose = ("The city council voted on Tuesday to expand the tram network into the northern districts, a plan "
             "that has been debated for more than a decade.")
    frame = pl.DataFrame({
        "page_id": ["article", "tagline", "footer", "empty", "ja"],
        "body": [f"{prose}\n\n{prose}\n\n{prose}", prose, "Powered by Blogger", "", "\n\n".join(JA_PARAS)],
    })
    scored = add_parse_confidence(frame)
    assert_series_equal(scored.get_column("is_suspect"), pl.Series("is_suspect", [False, True, True, True, False]))
    confidence = scored.get_column("parse_confidence").to_list()
    assert confidence[0] == 1.0
    assert 0.0 < confidence[1] < 0.5
    assert confidence[2] == confidence[3] == 0.0
    assert scored.columns == [*frame.columns, "parse_confidence", "is_suspect"]


def test_known_word_counts_give_the_same_confidence() -> None:
    """Paragraphs whose words the parser counted already (``known_words``) score as if counted here."""
    prose = ("The city council voted on Tuesday to expand the tram network into the northern districts, a plan "
             "that has been debated for more than a decade.")
    frame = pl.DataFrame({"page_id": ["a", "b", "ja"],
                          "body": [f"{prose}\n\n{prose}", f"{prose}\n\nAnother line that ends here.",
                                   "\n\n".join(JA_PARAS)]})
    known = pl.DataFrame({"text": [prose, JA_PARAS[0]]}).with_columns(words=count_words(pl.col("text")).cast(pl.Int32))
    assert_frame_equal(add_parse_confidence(frame, known_words=known), add_parse_confidence(frame))
    wrong = known.with_columns(words=pl.lit(0, dtype=pl.Int32))  # the known counts are the ones used
    assert add_parse_confidence(frame, known_words=wrong)["parse_confidence"][0] == 0.0


def test_page_without_article_keeps_its_best_text_as_a_suspect_article() -> None:
    """Issue 21: tag, don't drop: a readable page without an article window ships its best text, flagged."""
    pages = _pages({
        "menu": "Home\nAbout\nContact us\nPhotos of the week",
        "story": "\n".join(["Council votes on tram plan", "",
                            "The city council voted on Tuesday to expand the tram network into the northern "
                            "districts, a plan that has been debated for more than a decade.",
                            "Construction is expected to start next spring and to last three years, according "
                            "to the transport department."]),
        "blank": "",
    })
    articles, _ = parse_shard(strip_boilerplate(pages), pages, empty_frame(TEMPLATE_LINES))
    conform(articles, SCORED_ARTICLES)
    by = {r["page_id"]: r for r in articles.iter_rows(named=True)}
    assert by["menu"]["body"] != ""
    # the page's text is kept in the article (the title ranker may take its longest line as the title)
    assert "Photos of the week" in f'{by["menu"]["title"]}\n{by["menu"]["body"]}'
    assert by["menu"]["is_suspect"] is True
    assert by["menu"]["parse_confidence"] == 0.0
    assert by["story"]["is_suspect"] is False
    assert by["blank"]["body"] == ""  # no readable text at all: the one case left to no_article


def test_body_made_of_template_lines_is_suspect() -> None:
    """Issue 21: a body made of lines the page's site repeats (learned template or rule-stripped) earns nothing."""
    about = ("Every day I write about life in the world of healthcare IT, supporting doctors, faculty and patients, "
             "and about what it takes to run it.")
    footer = ("The opinions expressed here are the personal views of the author and do not represent the views of "
              "the employer in any way.")
    own = "A cool product of nature turned up this morning in the orchard, bigger than a car tire, and edible too."
    frame = pl.DataFrame({"page_id": ["p1", "p2"], "body": [f"{about}\n\n{footer}", f"{about}\n\n{footer}"]})
    chrome = pl.DataFrame({"page_id": ["p1", "p1", "p2"], "text": [about, footer, own]})
    scored = add_parse_confidence(frame, chrome=chrome)
    assert scored.get_column("is_suspect").to_list() == [True, False]
    assert scored.get_column("parse_confidence")[0] == 0.0
    # p2's chrome is another line: its body keeps the confidence it has without chrome
    assert scored.get_column("parse_confidence")[1] == add_parse_confidence(frame).get_column("parse_confidence")[1]
