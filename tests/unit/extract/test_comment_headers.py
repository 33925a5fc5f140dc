"""Unit tests for tasks.extract.comment_headers (the comment-header line classifier), its trainer and its use in the
text comment finder (tasks.extract.parse)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from flows.train_comment_headers import fit, header_labels
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.comment_headers import (
    FEATURES,
    REPEAT_FEATURES,
    header_features,
    header_scores,
    line_scores,
    load_model,
)
from tasks.extract.parse import (
    _number_lines,
    learned_header_features,
    line_features,
    parse_comments,
    segment_pages,
    sorted_lines,
)

PROSE = "This is a long line of a reader's comment, with enough words in it to read as prose text."


def _lines(texts: list[str], rules: dict[int, str] | None = None, page: int = 0) -> pl.DataFrame:
    """``header_features`` input for one page of ``texts`` (every line kept unless ``rules`` names it)."""
    rules = rules or {}
    n = len(texts)
    words = [len(t.split()) for t in texts]
    return pl.DataFrame({
        "_page": [page] * n, "_i": list(range(n)), "text": texts,
        "strip_rule": [rules.get(i) for i in range(n)], "f_words": words,
        "f_date": [False] * n, "f_has_date": [False] * n, "f_count": [None] * n, "f_heading": [False] * n,
        "f_numeric": [False] * n, "f_prose": [w >= 12 for w in words], "f_says": [None] * n,
        "f_ad_author": [None] * n, "f_affix": [False] * n,
        "name_like": [w <= 3 and not t.endswith(".") for t, w in zip(texts, words, strict=True)],
    }, schema_overrides={"f_count": pl.Int32, "f_says": pl.String, "f_ad_author": pl.String,
                         "f_words": pl.Int32, "_page": pl.UInt32, "_i": pl.Int32})


def _feature(frame: pl.DataFrame, name: str) -> list[float]:
    return frame[name].to_list()


def test_repetition_features_find_the_run_of_headers() -> None:
    texts = ["Site Name", "Home", PROSE, PROSE,
             "Anna Keller", PROSE, "Reply", "Boris Lund", PROSE, PROSE, "Reply", "Chiara Neri", PROSE, "Reply",
             "Leave a comment"]
    out = header_features(_lines(texts, rules={14: "comment_form"}))
    assert out.columns == ["_page", "_i", *FEATURES]
    assert out.height == len(texts)
    # "Anna Keller", "Boris Lund", "Chiara Neri" (and "Site Name") share the shape "a a"
    shape = _feature(out, "log_shape_count")
    assert shape[4] == shape[7] == shape[11] == pytest.approx(np.log(5.0))
    assert shape[2] == 0.0  # a long line has no shape
    # the headers are run members (a regular distance with a long line between); "Leave a comment", alone
    # in its shape, is not
    member = _feature(out, "run_member")
    assert [member[i] for i in (4, 7, 11)] == [1.0, 1.0, 1.0]
    assert member[14] == 0.0
    assert _feature(out, "log_gap_prev")[7] == pytest.approx(np.log(4.0))  # 3 lines above, log(3 + 1)
    assert _feature(out, "regular_next")[4] == 1.0
    # "Reply" three times: widget words next to the headers below the first
    assert _feature(out, "chrome_above")[7] == 1.0
    assert _feature(out, "chrome_above")[4] == 0.0
    assert _feature(out, "chrome_near")[7] == 2.0  # line 6 and line 10
    # a comment form lies below every line but the form's own successor (none here)
    assert _feature(out, "form_below")[0] == 1.0
    assert _feature(out, "section_above")[4] == 0.0
    assert _feature(out, "next_prose")[4] == 1.0
    assert _feature(out, "next_prose")[14] == 0.0  # last line: no neighbour below


def test_features_stay_in_their_page() -> None:
    first = _lines(["Anna Keller", PROSE, "Reply"], rules={2: "comment_chrome"}, page=0)
    second = _lines(["Reply", "Anna Keller", PROSE], rules={0: "comment_chrome"}, page=1)
    out = header_features(pl.concat([first, second]))
    # the first page's last line has no line below; the second page's first line none above (the first
    # page's "Reply" is not its neighbour)
    assert _feature(out, "next_prose")[2] == 0.0
    assert _feature(out, "chrome_above")[3] == 0.0
    assert _feature(out, "chrome_above")[4] == 1.0  # "Reply" just above, on its own page
    assert _feature(out, "chrome_near")[2] == 0.0  # the next page's "Reply" is not its neighbour
    # same shape on two pages: counted per page
    assert _feature(out, "log_shape_count")[0] == pytest.approx(np.log(2.0))


def test_header_labels_author_above_footer_below_and_no_author() -> None:
    texts = ["Title", PROSE, "Anna Keller", "Great piece, thank you.", "More of it.",
             "Second text without a name above.", "Posted by: Boris Lund | 12 May 2020", "Tail"]
    feats = pl.DataFrame({"page_id": ["p"] * len(texts), "_page": [0] * len(texts), "_i": list(range(len(texts))),
                          "_row": list(range(len(texts))), "text": texts})
    truth = pl.DataFrame({"page_id": ["p", "p", "p"], "position": [0, 1, 2],
                          "author": ["Anna Keller", None, "Boris Lund"],
                          "text": ["Great piece, thank you.\n\nMore of it.", "Second text without a name above.",
                                   "Tail"]})
    labels = header_labels(feats, truth)
    # Anna's line above her text; the nameless comment's line just above it; Boris's footer above "Tail"
    assert labels.tolist() == [0, 0, 1, 0, 1, 0, 1, 0]


def test_header_labels_footer_layout_looks_below() -> None:
    texts = ["Comments", "Lovely watch!", "Posted by: Megan | 13 Nov 2012", "I love this one.",
             "Posted by: Kate | 13 Nov 2012"]
    feats = pl.DataFrame({"page_id": ["p"] * 5, "_page": [0] * 5, "_i": list(range(5)), "_row": list(range(5)),
                          "text": texts})
    truth = pl.DataFrame({"page_id": ["p", "p"], "position": [0, 1], "author": ["Megan", "Kate"],
                          "text": ["Lovely watch!", "I love this one."]})
    assert header_labels(feats, truth).tolist() == [0, 0, 1, 0, 1]


def _fixture_lines(seed: int) -> pl.DataFrame:
    # the two signal columns are drawn first, so that the fixture's signal does not change with the
    # number of features
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=(200, 2))
    x = rng.normal(size=(200, len(FEATURES)))
    x[:, 0], x[:, 3] = signal[:, 0], signal[:, 1]
    label = (x[:, 0] + 0.5 * x[:, 3] + rng.normal(scale=0.5, size=200) > 1.0).astype(np.float64)
    return pl.DataFrame(x, schema=list(FEATURES)).with_columns(_label=pl.Series(label))


def test_training_is_deterministic_and_learns_the_signal() -> None:
    lines = _fixture_lines(7)
    first, second = fit(lines), fit(lines)
    assert json.dumps(first) == json.dumps(second)
    weights = dict(zip(first["features"], first["weights"], strict=True))
    assert weights[FEATURES[0]] > 1.0
    assert weights[FEATURES[0]] > max(abs(w) for f, w in weights.items() if f not in (FEATURES[0], FEATURES[3]))
    scores = header_scores(lines, first)
    predicted = scores >= first["threshold"]
    truth = lines["_label"].to_numpy() > 0
    assert (predicted & truth).sum() / max(predicted.sum(), 1) > 0.8
    # a different fixture gives different weights (the fit reads the data)
    assert fit(_fixture_lines(8))["weights"] != first["weights"]


def test_fit_without_a_feature_gives_it_no_weight() -> None:
    lines = _fixture_lines(7)
    model = fit(lines, without=(FEATURES[0],))
    weights = dict(zip(model["features"], model["weights"], strict=True))
    assert weights[FEATURES[0]] == 0.0
    assert weights[FEATURES[3]] > 0.5  # the other signal is still learned


def test_shipped_model_matches_the_features() -> None:
    model = load_model()
    assert model["features"] == list(FEATURES)
    assert len(model["weights"]) == len(model["mean"]) == len(model["scale"]) == len(FEATURES)
    assert model["n_headers"] > 500
    # it does not lean on a comments heading or stated count above the line (threads may state neither)
    assert dict(zip(FEATURES, model["weights"], strict=True))["section_above"] == 0.0


def test_bound_is_never_under_the_score() -> None:
    """``line_scores(..., bound=True)`` skips the repetition features: it is at least the full score on
    every line, for the shipped model and for one whose repetition weights have either sign."""
    texts = ["Site Name", "Home", PROSE, PROSE,
             "Anna Keller", PROSE, "Reply", "Boris Lund", PROSE, PROSE, "Reply", "Chiara Neri", PROSE, "Reply",
             "Leave a comment", "12 May 2021", "Reply"]
    lines = pl.concat([_lines(texts, rules={14: "comment_form"}), _lines(texts[::-1], page=1)])
    shipped = load_model()
    signs = {name: (-1.0) ** k for k, name in enumerate(REPEAT_FEATURES)}
    mixed = {**shipped, "weights": [signs.get(f, 1.0) * 2.0 if f in signs else w
                                    for f, w in zip(FEATURES, shipped["weights"], strict=True)]}
    for model in (shipped, mixed):
        full, bound = line_scores(lines, model), line_scores(lines, model, bound=True)
        assert full == pytest.approx(header_scores(header_features(lines), model))
        assert (bound >= full - 1e-9).all()
        assert (bound > full + 1e-6).any()  # and it is a bound, not the score
        # the tighter bound counts the repeated texts: between the two, and below the loose one somewhere
        groups = line_scores(lines, model, bound="groups")
        assert (groups >= full - 1e-9).all()
        assert (groups <= bound + 1e-9).all()
        assert (groups < bound - 1e-6).any()


def test_model_file_with_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**load_model(), "features": ["x"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="retrain"):
        load_model(path)


ARTICLE = [
    "City Extends Tram Line to the North", "",
    "The council voted on Tuesday to extend the tram line to the northern districts by the year 2030.", "",
    "Opponents said the plan was too expensive and would disrupt traffic for several years to come.", "",
    "The mayor replied that the city had already secured most of the money from regional funds.", "",
]
THREAD = [("Anna Keller", "I take this tram every day and the extension is long overdue, frankly."),
          ("Boris Lund", "The money would be better spent on buses that can reach the villages too."),
          ("Chiara Neri", "Finally some good news for the north. I hope they keep to the schedule."),
          ("Dev Patel", "Who will pay for the upkeep once the regional money is gone? Nobody says.")]


def _page(text: str) -> pl.DataFrame:
    return strip_boilerplate(pl.DataFrame({"page_id": ["p"], "site": ["example.org"], "text": [text]}))


def _always_header_model(names: set[str], lines: pl.DataFrame) -> dict:
    """A model whose only weight is on ``name_like`` (scores above the threshold on name lines only)."""
    k = FEATURES.index("name_like")
    weights = [0.0] * len(FEATURES)
    weights[k] = 10.0
    return {"features": list(FEATURES), "weights": weights, "mean": [0.0] * len(FEATURES),
            "scale": [1.0] * len(FEATURES), "bias": -5.0, "threshold": 1.0}


def test_learned_thread_where_the_rules_find_none() -> None:
    """A thread of name lines with no date, count, heading or "says": the rules see nothing; a classifier
    that takes the name lines for headers makes the thread, each name its comment's author. (Under a
    comments heading the rules find such a thread themselves: ``parse._name_thread``.)"""
    lines = [*ARTICLE]
    for author, text in THREAD:
        lines += [author, "", text, ""]
    lines += ["Leave a Reply"]
    tagged = _page("\n".join(lines))
    model = _always_header_model({a for a, _ in THREAD}, tagged)
    assert parse_comments(segment_pages(tagged, finder="rules")).height == 0
    headed = _page("\n".join([*ARTICLE, "Comments", "", *lines[len(ARTICLE):]]))
    assert parse_comments(segment_pages(headed, finder="rules"))["author"].to_list() == [a for a, _ in THREAD]
    comments = parse_comments(segment_pages(tagged, header_model=model)).sort("position")
    assert comments["author"].to_list() == [a for a, _ in THREAD]
    assert comments["text"].to_list() == [t for _, t in THREAD]
    assert parse_comments(segment_pages(tagged, header_model=model, finder="learned")).height == 4


def test_rules_thread_is_kept_where_the_rules_find_one() -> None:
    """Where the rules find a thread, the classifier is not scored: its headers neither extend nor
    replace the rules' thread (in cross-validation they never changed one)."""
    lines = [*ARTICLE, "Comments", ""]
    for author, text in THREAD:
        lines += [f"{author} says:", "", text, ""]
    lines += ["Boris Lund", "", "Another line under the thread that reads like a reader's text, and goes on.", ""]
    lines += ["Leave a Reply"]
    tagged = _page("\n".join(lines))
    model = _always_header_model(set(), tagged)
    rules = parse_comments(segment_pages(tagged, finder="rules"))
    assert rules.height == len(THREAD)
    assert parse_comments(segment_pages(tagged, header_model=model)).equals(rules)


def test_learned_thread_needs_three_readers_texts() -> None:
    """Two headers, or headers over headlines (no sentence ends), make no thread."""
    two = [*ARTICLE]
    for author, text in THREAD[:2]:
        two += [author, "", text, ""]
    teasers = [*ARTICLE]
    for author, _ in THREAD:
        teasers += [author, "", "Tram Line Opens In The North Next Spring", ""]
    for lines in (two, teasers):
        tagged = _page("\n".join(lines))
        model = _always_header_model(set(), tagged)
        assert parse_comments(segment_pages(tagged, header_model=model, finder="learned")).height == 0


def test_unknown_finder_is_refused() -> None:
    with pytest.raises(ValueError, match="finder"):
        segment_pages(_page("\n".join(ARTICLE)), finder="neither")


def test_shipped_model_leaves_a_plain_article_alone() -> None:
    """Short lines in a menu and an article, no thread: the shipped classifier finds no header run."""
    lines = ["Home", "World", "Sport", "Culture", "", *ARTICLE, "About us", "Contact", "Imprint"]
    tagged = _page("\n".join(lines))
    feats = _number_lines(line_features(sorted_lines(tagged)))
    scores = header_scores(learned_header_features(feats), load_model())
    assert (scores >= load_model()["threshold"]).sum() < 3
    assert parse_comments(segment_pages(tagged)).height == 0


def test_name_repeats_and_distinct_shapes() -> None:
    """A name printed twice is a commenter writing again; a widget word printed at every comment is one
    text many times (few distinct texts in its shape), names are many."""
    texts = ["Anna Keller", PROSE, "Reply", "Boris Lund", PROSE, "Reply", "Anna Keller", PROSE, "Reply",
             "Chiara Neri", PROSE, "Reply"]
    out = header_features(_lines(texts))
    repeats = _feature(out, "name_repeats")
    assert [repeats[i] for i in (0, 3, 6, 9)] == [1.0, 0.0, 1.0, 0.0]
    assert repeats[2] == 1.0  # "Reply" is name-like too: the distinct share tells it from names
    menu = header_features(_lines(["Home", PROSE] * 13))
    assert _feature(menu, "name_repeats")[0] == 0.0  # more than NAME_REPEATS_MAX times: a menu entry
    distinct = _feature(out, "shape_distinct")
    assert distinct[0] == pytest.approx(3 / 4)  # four "a a" lines, three names
    assert distinct[2] == pytest.approx(1 / 4)  # four "Reply" lines, one text
    assert distinct[1] == 0.0  # a long line has no shape


def _named_model(names: set[str]) -> dict:
    """A model sure of the lines of ``names`` only: its one weight on ``name_repeats`` (each of them printed
    twice on the page), none on ``name_like``."""
    k = FEATURES.index("name_repeats")
    weights = [0.0] * len(FEATURES)
    weights[k] = 10.0
    return {"features": list(FEATURES), "weights": weights, "mean": [0.0] * len(FEATURES),
            "scale": [1.0] * len(FEATURES), "bias": -5.0, "threshold": 1.0, "_names": sorted(names)}


def test_learned_run_of_names_takes_the_names_between() -> None:
    """The classifier is sure of three headers of a thread of name lines (the names printed twice); the
    name lines it was not sure of, between and below them, head comments too (``_fill_name_run``)."""
    thread = [THREAD[0], THREAD[1], ("Anna Keller", "And the buses are full every morning, so it is both."),
              ("Eva Moll", "Nobody asked the people who live along the line."),
              ("Boris Lund", "Then ask the villages what they would rather have first."),
              ("Finn Ross", "They said the same about the bridge and it was late by six years.")]
    lines = [*ARTICLE]
    for author, text in thread:
        lines += [author, "", text, ""]
    tagged = _page("\n".join(lines))
    comments = parse_comments(segment_pages(tagged, header_model=_named_model(set()), finder="learned")).sort(
        "position")
    assert comments["author"].to_list() == [a for a, _ in thread]
    assert comments["text"].to_list() == [t for _, t in thread]


def test_learned_run_of_dates_is_not_filled_with_names() -> None:
    """Where the classifier's headers are not name lines (a date under each comment's name), name lines
    are not added: the thread is the classifier's."""
    from tasks.extract.parse import _Comment, _fill_name_run, _Page

    n = 12
    page = _Page(text=list(range(n)), rule=[None] * n, date=[i % 3 == 0 for i in range(n)],
                 meta=[i % 3 == 0 for i in range(n)], name_like=[i % 3 == 1 for i in range(n)],
                 count=[None] * n, heading=[False] * n, numeric=[False] * n, prose=[i % 3 == 2 for i in range(n)],
                 sentence=[i % 3 == 2 for i in range(n)], headers={}, dates=[0, 3, 6, 9], counts=[], sections=[])
    run = [(0, 0, 0), (3, 3, 3), (6, 6, 6)]
    comments = [_Comment(author=0, text=[1, 2]), _Comment(author=3, text=[4, 5]), _Comment(author=6, text=[7, 8])]
    assert _fill_name_run(page, run, comments) is comments
