"""Unit tests of the title candidates, their features and the ranker (tasks/extract/titles.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tasks.extract import titles
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.parse import body_windows, page_urls, parse_articles, segment_pages

LEAD = ("The city council voted on Tuesday to extend the tram line by four kilometres to the northern "
        "districts, a project that has been discussed for more than ten years.")
PARA = [
    "Construction is planned to begin next spring and should take about three years, according to the "
    "transport department, which presented the plans to the council in a long session.",
    "Residents of the northern districts have long asked for a better connection to the centre, where most "
    "of them work, and welcomed the decision in a statement published after the vote.",
    "The project is expected to cost about 120 million euros, most of which will be paid by the regional "
    "government, while the city will cover the rest from its own budget over the next years.",
]


def _features(lines: list[str], url: str | None = None) -> pl.DataFrame:
    pages = pl.DataFrame({"page_id": ["p"], "site": ["example.org"], "text": ["\n".join(lines)]})
    feats, _, _, windows = body_windows(strip_boilerplate(pages))
    urls = page_urls(feats, pl.DataFrame({"page_id": ["p"], "url": [url]}, schema={"page_id": pl.String,
                                                                                     "url": pl.String}))
    return titles.candidate_features(feats, windows, urls)


def _row(feats: pl.DataFrame, text: str) -> dict:
    rows = feats.filter(pl.col("text") == text)
    assert rows.height == 1, (text, feats["text"].to_list())
    return rows.row(0, named=True)


def _title(lines: list[str], url: str | None = None) -> str | None:
    pages = pl.DataFrame({"page_id": ["p"], "site": ["example.org"], "text": ["\n".join(lines)]})
    urls = pl.DataFrame({"page_id": ["p"], "url": [url]}, schema={"page_id": pl.String, "url": pl.String})
    return parse_articles(segment_pages(strip_boilerplate(pages), urls)).row(0, named=True)["title"]


def test_features_are_the_models() -> None:
    """The shipped model names exactly ``FEATURES`` and loads without network."""
    model = titles.load_model()
    assert tuple(model["features"]) == titles.FEATURES
    assert len(model["weights"]) == len(model["mean"]) == len(model["scale"]) == len(titles.FEATURES)


def test_model_with_other_features_is_refused(tmp_path: Path) -> None:
    model = json.loads(titles.MODEL_PATH.read_text(encoding="utf-8"))
    model["features"] = model["features"][:-1]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        titles.load_model(path)


def test_rank_titles_takes_the_best_candidate_per_page() -> None:
    feats = pl.DataFrame({"_page": [0, 0, 1], "_i": [3, 5, 2], "text": ["a", "b", "c"]}, schema={
        "_page": pl.UInt32, "_i": pl.Int32, "text": pl.String}).with_columns(
        [pl.lit(0.0).alias(f) for f in titles.FEATURES]).with_columns(log_chars=pl.Series([1.0, 3.0, 2.0]))
    n = len(titles.FEATURES)
    model = {"features": list(titles.FEATURES), "weights": [1.0 if f == "log_chars" else 0.0 for f in titles.FEATURES],
             "mean": [0.0] * n, "scale": [1.0] * n, "threshold": 0.0}
    assert titles.rank_titles(feats, model).sort("_page").rows() == [(0, 5), (1, 2)]
    model["threshold"] = 2.5  # page 1's best scores 2.0: no title
    assert titles.rank_titles(feats, model).rows() == [(0, 5)]
    scores = titles.candidate_scores(feats, model)
    assert np.allclose(scores, [1.0, 3.0, 2.0])


def test_headline_above_the_body_is_the_title() -> None:
    assert _title(["Home", "News", "City Extends Tram Line to the North", LEAD, *PARA]) == (
        "City Extends Tram Line to the North")


def test_teaser_run_counts_headline_neighbours() -> None:
    teasers = ["Mayor Opens New Library in the Old Harbour", "Storm Damages Roofs Across the Western Districts",
               "Local Team Wins Cup After Dramatic Final", "Museum Extends Opening Hours for the Summer"]
    feats = _features(["Home", *teasers, "City Extends Tram Line to the North", "12 March 2024", LEAD, *PARA])
    assert _row(feats, teasers[1])["headline_neighbours"] > _row(feats, "City Extends Tram Line to the North")[
        "headline_neighbours"]
    assert _row(feats, "City Extends Tram Line to the North")["date_next"] > 0
    assert _row(feats, "City Extends Tram Line to the North")["first_above"] == 1.0


def test_kicker_above_a_headline() -> None:
    """A headline under a short label ("Transport", "Nahverkehr –") has ``kicker_above``; a line under a sentence,
    a question or a date, and a label itself (too short), do not."""
    headline = "City Extends Tram Line to the North"
    for kicker in ("Transport", "Nahverkehr –", "Local politics in the north"):
        feats = _features(["Weather report for the whole region and the coast today", kicker, headline, LEAD, *PARA])
        assert _row(feats, headline)["kicker_above"] == 1.0, kicker
        assert _row(feats, kicker)["kicker_above"] == 0.0
    for above in ("Are you ready?", "The vote came after a long debate.", "Seven words are far too many for labels"):
        feats = _features(["Weather report for the whole region and the coast today", above, headline, LEAD, *PARA])
        assert _row(feats, headline)["kicker_above"] == 0.0, above


def test_dateline_just_above_a_headline() -> None:
    """``dateline_prev``: the line just above is a date line (a blog's post date over its headline); a byline
    above, or a date two lines up, is not."""
    headline = "City Extends Tram Line to the North"
    feats = _features(["Weather report for the whole region and the coast today", "09/21/2012", headline, LEAD,
                       *PARA])
    assert _row(feats, headline)["dateline_prev"] == 1.0
    feats = _features(["Weather report for the whole region and the coast today", "09/21/2012",
                       "Transport and city planning news", headline, LEAD, *PARA])
    assert _row(feats, headline)["dateline_prev"] == 0.0
    assert _row(feats, "Transport and city planning news")["dateline_prev"] == 1.0
    feats = _features(["Weather report for the whole region and the coast today", "By Jane Smith", headline,
                       LEAD, *PARA])
    assert _row(feats, headline)["dateline_prev"] == 0.0


def test_distance_to_the_body_in_steps() -> None:
    """``above_1``, ``above_2``, ``above_3_4``, ``above_5_8``: how many lines above the body window's first line
    a candidate stands, one flag per step; a line further up, and one inside the window, have none."""
    labels = ["Weather report for the whole region and the coast today", "Transport and city planning news",
              "Museum Extends Opening Hours for the Summer", "Local Team Wins Cup After Dramatic Final",
              "Storm Damages Roofs Across the Western Districts", "Mayor Opens New Library in the Old Harbour",
              "City Extends Tram Line to the North"]
    feats = _features([*labels, LEAD, *PARA])
    lo = int(feats.filter(pl.col("text") == LEAD)["_i"][0])
    steps = ("above_1", "above_2", "above_3_4", "above_5_8")
    for row in feats.iter_rows(named=True):
        distance = lo - row["_i"]
        expected = {"above_1": distance == 1, "above_2": distance == 2, "above_3_4": 3 <= distance <= 4,
                    "above_5_8": 5 <= distance <= 8}
        assert {f: row[f] == 1.0 for f in steps} == expected, (row["text"], distance)
    assert _row(feats, "City Extends Tram Line to the North")["above_1"] == 1.0
    assert sum(_row(feats, LEAD)[f] for f in steps) == 0.0


def test_slug_agreement() -> None:
    lines = ["Other Story About the Harbour Museum Today", "City Extends Tram Line to the North", LEAD, *PARA]
    feats = _features(lines, url="https://example.org/news/2024/city-extends-tram-line-north-id4521.html")
    assert _row(feats, "City Extends Tram Line to the North")["slug_share"] == 1.0
    assert _row(feats, "City Extends Tram Line to the North")["slug_best"] == 1.0
    assert _row(feats, "Other Story About the Harbour Museum Today")["slug_share"] == 0.0


def test_slug_tokens_fold_umlauts_and_drop_ids() -> None:
    urls = pl.DataFrame({"_page": [0, 1, 2], "url": [
        "https://www.example.de/politik/Trump-spricht-ueber-Bodeneinsaetze-id30134161.html",
        "https://example.jp/articles/20250114/k00/00m/030/335000c",
        None]}, schema={"_page": pl.UInt32, "url": pl.String})
    tokens = titles.slug_tokens(urls)
    assert tokens.filter(pl.col("_page") == 0)["_token"].to_list() == ["trump", "spricht", "uber", "bodeneinsatze"]
    assert tokens.filter(pl.col("_page") != 0).height == 0  # no slug: ids only, or no URL
    folded = pl.select(titles._ascii_fold(pl.lit("Über Bodeneinsätze, Straße")).alias("f")).item()
    assert folded == "uberbodeneinsatzestrasse"


def test_kicker_glued_to_headline_and_twins() -> None:
    feats = _features(["Home", "Warum Putin vor einer Zerschlagung warnt",
                       "Dekolonisierung:Warum Putin vor einer Zerschlagung warnt",
                       "Bericht 2022: Aktivistin getötet", "Bericht 2022 Aktivistin getötet", LEAD, *PARA])
    assert _row(feats, "Dekolonisierung:Warum Putin vor einer Zerschlagung warnt")["holds_near"] == 1.0
    assert _row(feats, "Warum Putin vor einer Zerschlagung warnt")["held_near"] == 1.0
    assert _row(feats, "Bericht 2022: Aktivistin getötet")["twin_first"] == 1.0
    assert _row(feats, "Bericht 2022 Aktivistin getötet")["twin_second"] == 1.0


def test_shape_features() -> None:
    lines = ["NewsSportBusinessLifestyleCulture", "an insider's perspective on storage and clouds",
             "Graduation ceremony of the school in Jakarta (Dok. IGI)", "南海トラフ、一時調査　巨大地震、基準達せず",
             "City Extends Tram Line to the North", LEAD, *PARA]
    feats = _features(lines)
    assert _row(feats, "NewsSportBusinessLifestyleCulture")["glued"] == 1.0
    assert _row(feats, "an insider's perspective on storage and clouds")["starts_lower"] == 1.0
    assert _row(feats, "an insider's perspective on storage and clouds")["no_upper"] == 1.0
    assert _row(feats, "Graduation ceremony of the school in Jakarta (Dok. IGI)")["credit"] == 1.0
    assert _row(feats, "南海トラフ、一時調査　巨大地震、基準達せず")["cjk"] == 1.0
    assert _row(feats, "City Extends Tram Line to the North")["cjk"] == 0.0
    assert _row(feats, "City Extends Tram Line to the North")["rule_ok"] == 1.0


def test_page_without_body_window_searched_above_its_longest_line() -> None:
    """Scripts without spaces give no prose by word count: the title is looked for above the longest line."""
    body = ("１３日午後９時１９分ごろ、宮崎県で震度５弱の地震があった。"
            "気象庁によると、震源地は日向灘で、震源の深さは約３６キロ。") * 3
    lines = ["ホーム", "社会", "南海トラフ、一時調査　巨大地震、基準達せず", "2025年1月14日 01時28分", body]
    assert _title(lines) == "南海トラフ、一時調査　巨大地震、基準達せず"


def test_no_candidates_no_title() -> None:
    assert _title(["", "   "]) is None
    empty = _features(["Home"])
    assert empty.height == 0 or set(empty.columns) >= set(titles.FEATURES)


def test_body_share_and_echo_above() -> None:
    widget = "Visit the Pitch Blog of Our Friends Today"
    standfirst = "The council extends the tram line to the northern districts after ten years"
    feats = _features(["Home", widget, "City Extends Tram Line to the North", standfirst, LEAD, *PARA])
    headline = _row(feats, "City Extends Tram Line to the North")
    assert headline["body_share"] > 0.5  # "city", "extends", "tram", "line", "north" are in the lead
    assert _row(feats, widget)["body_share"] == 0.0
    assert _row(feats, standfirst)["echo_above"] > headline["echo_above"]


def test_body_share_leaves_out_the_candidates_own_line() -> None:
    feats = _features(["Home", "City Extends Tram Line to the North", LEAD, *PARA])
    # the lead is a candidate below the body start: its own words do not count as found in the body
    assert _row(feats, LEAD)["body_share"] < 1.0


def test_template_and_byline_lines_stay_candidates() -> None:
    pages = pl.DataFrame({"page_id": ["p"], "site": ["example.org"],
                          "text": ["\n".join(["Home", "Von München bis Aachen: Ein Netz von Agenten", LEAD, *PARA])]})
    lines = strip_boilerplate(pages)
    assert lines.filter(pl.col("text").str.starts_with("Von "))["strip_rule"].to_list() == ["byline"]
    feats, _, _, windows = body_windows(lines)
    row = _row(titles.candidate_features(feats, windows), "Von München bis Aachen: Ein Netz von Agenten")
    assert row["byline_line"] == 1.0
    assert row["template_line"] == 0.0


def test_a_date_in_any_script_is_date_shaped() -> None:
    shaped = titles.number_shaped(pl.Series(["2025年1月13日 20時01分", "15.04.2026 - 15:48", "Top 10 Tips for 2024",
                                             "はてなブックマーク", "Am 15.04.2026 um 15:48 Uhr und später, 2 Tage"]))
    assert shaped.to_list() == [True, True, False, False, False]
    feats = _features(["Home", "東京女子医大元理事長を逮捕　警視庁", "2025年1月13日 20時01分", LEAD, *PARA])
    assert _row(feats, "東京女子医大元理事長を逮捕　警視庁")["date_next"] > 0


def test_title_hints_from_breadcrumbs_and_comment_counts() -> None:
    lines = pl.DataFrame({
        "_page": [0, 0, 0, 1],
        "text": ["Home » Straßen » Die Große Straße", "Home » News", "22 Responses to “Tram Line Opens”",
                 "A | B | C"],
        "f_count": [None, None, 22, None],
    }, schema={"_page": pl.UInt32, "text": pl.String, "f_count": pl.Int32})
    hints = titles._title_hints(lines).sort("_page", "_key")
    # lower-cased as candidate keys are ("ß" kept), two crumbs are no breadcrumb of a title
    assert hints.rows() == [(0, "die große straße"), (0, "tram line opens"), (1, "c")]


def _prepared(lines: list[str], url: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    pages = pl.DataFrame({"page_id": ["p"], "site": ["example.org"], "text": ["\n".join(lines)]})
    feats, _, _, windows = body_windows(strip_boilerplate(pages))
    urls = page_urls(feats, pl.DataFrame({"page_id": ["p"], "url": [url]}, schema={"page_id": pl.String,
                                                                                     "url": pl.String}))
    return feats, windows, urls


TEASERS = ["Mayor Opens New Library in the Old Harbour", "Storm Damages Roofs Across the Western Districts",
           "Local Team Wins Cup After Dramatic Final", "Museum Extends Opening Hours for the Summer",
           "Council Approves Budget for New Schools", "Festival Returns to the Market Square This Week"]


def _batch(pages: list[tuple[list[str], str | None]]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``candidate_features``' inputs for several pages at once (as one shard)."""
    frame = pl.DataFrame({"page_id": [f"p{k}" for k in range(len(pages))], "site": ["example.org"] * len(pages),
                          "text": ["\n".join(lines) for lines, _ in pages]})
    feats, _, _, windows = body_windows(strip_boilerplate(frame))
    urls = pl.DataFrame({"page_id": frame["page_id"], "url": [url for _, url in pages]},
                        schema={"page_id": pl.String, "url": pl.String})
    return feats, windows, page_urls(feats, urls)


TITLE = "City Extends Tram Line to the North"
LONG_TEASERS = [f"{t} as the Region Prepares for a Busy Season of Events" for t in TEASERS] + [
    f"{t} While Residents Wait for the Final Decision of the Council" for t in TEASERS]
PAGES = [
    (["Home", "News", *TEASERS, TITLE, "12 March 2024", LEAD, *PARA], "https://example.org/news/city-extends-tram-line"),
    (["Home", *LONG_TEASERS, TITLE, LEAD, *PARA], None),
    (["Menu", TITLE, "By Anna Berg", TEASERS[0], TEASERS[0], LEAD, *PARA, "Most read", *TEASERS], None),
    (["Warum Putin vor einer Zerschlagung warnt", "Dekolonisierung:Warum Putin vor einer Zerschlagung warnt",
      "Bericht 2022: Aktivistin getötet", "Bericht 2022 Aktivistin getötet", LEAD, *PARA],
     "https://example.de/politik/warum-putin-vor-einer-zerschlagung-warnt-id12.html"),
    (["Home", TEASERS[1], TEASERS[2], TITLE, "Tram line extension approved, city says", LEAD, *PARA], None),
]
"""Pages with many candidates, teaser runs, a repeated line, twins, a slug and a standfirst."""


def _model_with(weights: dict[str, float]) -> dict:
    """The shipped model's standardisation with other weights."""
    model = titles.load_model()
    return {**model, "weights": [weights.get(f, 0.0) for f in titles.FEATURES]}


def _random_models(n: int) -> list[dict]:
    rng = np.random.default_rng(17)
    return [titles.load_model()] + [_model_with(dict(zip(titles.FEATURES, rng.normal(size=len(titles.FEATURES)),
                                                         strict=True))) for _ in range(n)]


def test_pruned_ranker_equals_the_unpruned_one() -> None:
    """Issue 17: with a model the costly features are computed only for the candidates whose upper bound can
    still reach their page's best score; the titles equal those over every candidate, for the shipped model
    and random ones, and the candidates kept have the very features they have without the prune."""
    prepared = _batch(PAGES)
    every = titles.candidate_features(*prepared)
    for model in _random_models(30):
        kept = titles.candidate_features(*prepared, model=model)
        assert titles.rank_titles(kept, model).rows() == titles.rank_titles(every, model).rows()
        assert_frame_equal(every.join(kept.select("_page", "_i"), on=["_page", "_i"], how="semi"), kept)
    kept = titles.candidate_features(*prepared, model=titles.load_model())
    assert kept.height < every.height  # the prune leaves candidates out


def test_upper_bounds_are_never_below_the_score(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound of each candidate, with its page's best rule score known, is at least its full score, for the
    shipped model and random ones; with only a lower bound of that best (before any repetition is counted:
    the first round's order) it need not be."""
    seen = {}

    def capture(feats: pl.DataFrame, model: dict, costly: object) -> pl.DataFrame:
        seen["feats"], seen["costly"] = feats, costly
        return feats.head(0)

    monkeypatch.setattr(titles, "_pruned", capture)
    # (the first round's order reads the bound with a lower bound of the best rule score, the second its exact
    # value)
    prepared = _batch(PAGES)
    with pytest.raises(pl.exceptions.ColumnNotFoundError):  # the capture returns no costly features
        titles.candidate_features(*prepared, model=titles.load_model())
    feats = seen["feats"]
    full = titles._with_rule_ranks(seen["costly"](feats).drop("_top"))
    assert (full["rule_score"] > feats["_rs_lo"]).any()  # a repetition bonus is in play
    exact = feats.with_columns(_top=full.select(pl.col("rule_score").max().over("_page")).to_series())
    below = 0
    for model in _random_models(30):
        scores = titles.candidate_scores(full.select(pl.col(f).cast(pl.Float64) for f in titles.FEATURES), model)
        assert (titles.upper_bounds(exact, model) >= scores - 1e-9).all()
        below += int((titles.upper_bounds(feats, model) < scores - 1e-9).any())
    assert below > 0


def test_the_title_a_top_8_first_pass_would_miss() -> None:
    """A page of many longer teaser lines and a short headline that only its word share with the lead makes
    the best: a cheap pass with the costly features at their mean ranks the headline below its 8 best (the
    first pass this prune replaces lost it); the prune keeps it, as the ranker over every candidate does."""
    model = _model_with({"log_chars": 1.0, "body_share": 3.0, "echo_above": -1.0})
    prepared = _batch([PAGES[1]])
    every = titles.candidate_features(*prepared)
    at_mean = every.with_columns(pl.lit(model["mean"][titles.FEATURES.index(f)]).alias(f) for f in titles.COSTLY)
    cheap = every.select("text", _s=pl.Series(titles.candidate_scores(at_mean, model))).sort("_s", descending=True)
    assert TITLE not in cheap["text"].head(8).to_list()
    kept = titles.candidate_features(*prepared, model=model)
    best = titles.rank_titles(kept, model)["_title"].item()
    assert kept.filter(pl.col("_i") == best)["text"].item() == TITLE
    assert titles.rank_titles(kept, model).rows() == titles.rank_titles(every, model).rows()


def test_headline_above_a_byline_far_from_the_body_window_is_a_candidate() -> None:
    """The ``BYLINE_ZONE`` lines just above the page's first byline are candidates where the body window starts
    more than ``WINDOW_ABOVE`` lines below them, and the headline among them is the title; the lines above the
    zone, and the zone itself without a byline, are out of reach."""
    top = [f"Weather report for region {k}" for k in range(titles.BYLINE_ZONE + 2)]
    filler = [f"Photo gallery number {k} of the week" for k in range(titles.WINDOW_ABOVE + 5)]
    headline = "City Extends Tram Line to the North"
    lines = [*top, headline, "By Jane Smith", "Published 12 May 2024", *filler, LEAD, *PARA]
    texts = _features(lines)["text"].to_list()
    assert headline in texts
    assert [t for t in top if t in texts] == top[-(titles.BYLINE_ZONE - 1):]
    assert _title(lines) == headline
    unanchored = _features([*top, headline, "Home", "Archive", *filler, LEAD, *PARA])["text"].to_list()
    assert headline not in unanchored
    assert not set(top) & set(unanchored)


def test_photo_credit_around_a_caption() -> None:
    """``credit_prev`` / ``credit_next``: a "©" credit line just above / below the line (a photo caption sits
    between credits); a headline two lines from a credit has neither."""
    headline, caption = "City Extends Tram Line to the North", "The new tram stop at the northern terminus"
    feats = _features(["Home", headline, "Weather report for the whole region and the coast today",
                       "© Jane Smith", caption, "© Jane Smith", LEAD, *PARA])
    assert _row(feats, caption)["credit_prev"] == 1.0
    assert _row(feats, caption)["credit_next"] == 1.0
    assert _row(feats, headline)["credit_prev"] == 0.0
    assert _row(feats, headline)["credit_next"] == 0.0


def test_menu_labels_around_a_line() -> None:
    """``labels_below`` / ``labels_above``: the share of the three lines below / above that are short labels
    (one to three words, no sentence, no date): a menu item sits among them, a headline above its lead not."""
    menu = ["Sport", "Culture", "Money Matters Weekly", "Travel", "Podcasts", "Opinion"]
    headline = "City Extends Tram Line to the North"
    feats = _features(["Weather report for the whole region and the coast today", *menu[:2], menu[2], *menu[3:],
                       headline, LEAD, *PARA])
    assert _row(feats, menu[2])["labels_below"] == 1.0
    assert _row(feats, menu[2])["labels_above"] == pytest.approx(2 / 3)
    assert _row(feats, headline)["labels_below"] == 0.0
    assert _row(feats, headline)["labels_above"] == 1.0
    # a sentence or a date is no label
    feats = _features(["Weather report for the whole region and the coast today", "Are you ready?",
                       "12 March 2024", headline, LEAD, *PARA])
    assert _row(feats, headline)["labels_above"] == 0.0


def test_headlines_between_a_line_and_its_date() -> None:
    """``heads_to_date``: the headline-shaped lines between a candidate and the next date line, in thirds (0:
    the last one above its date, as a headline above its byline); 1 where no date line follows."""
    seo, kicker, headline = ("Trump Plans a Helicopter Pad at the White House", "Rebuilding of the White House grounds",
                             "Trump Plans a Landing Pad While His Ballroom Stalls")
    feats = _features(["Home", seo, kicker, headline, "12 March 2024", LEAD, *PARA])
    assert _row(feats, headline)["heads_to_date"] == 0.0
    assert _row(feats, kicker)["heads_to_date"] == pytest.approx(1 / 3)
    assert _row(feats, seo)["heads_to_date"] == pytest.approx(2 / 3)
    feats = _features(["Home", headline, LEAD, *PARA])
    assert _row(feats, headline)["heads_to_date"] == 1.0


def test_prose_near_below_a_line() -> None:
    """``prose_near``: how near below the next paragraph of prose (15+ words) starts, 1 - lines / ``DATE_REACH``:
    a headline over its lead scores high, a menu item far above the body low."""
    headline = "City Extends Tram Line to the North"
    feats = _features(["Weather report for the whole region and the coast today", "Sport", "Culture", "Travel",
                       "Money", "Podcasts", "Opinion", "Video", "Climate", headline, LEAD, *PARA])
    reach = titles.DATE_REACH
    assert _row(feats, headline)["prose_near"] == pytest.approx((reach - 1) / reach)
    assert _row(feats, "Weather report for the whole region and the coast today")["prose_near"] == 0.0
