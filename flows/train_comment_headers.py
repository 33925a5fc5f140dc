"""Train the text path's comment-header classifier (``tasks.extract.comment_headers``): part of ``make train``.

Reads the truth folders given (by default ``../shared/corpus-dev`` and the open four fifths of
``../shared/corpus-train``; the sealed fifth is never read), runs the parse stage's own steps up to the
line features on their ``.txt`` pages, and labels the line that heads each true comment: the line just
above the comment's first text line that holds the author (up to ``AUTHOR_REACH`` lines up), or the
line just above it when the truth gives no author. Every other line is a negative. It fits a logistic
model (L2-penalised on standardised features, L-BFGS from zeros: deterministic).

It prints two site-grouped cross-validations (folds by a salted hash of the truth ``site``, as the title
ranker's: ``flows.fitting.site_folds``; no site is in both the training and the scored part):
the header lines' precision and recall at the model's threshold, and the comment finder end to end on
the held-out pages, scored as ``corpus eval`` scores comments: (a) its rules alone, (b) rules plus the
classifier trained without the held-out sites, and (c) the classifier's headers alone (no rule: how far
it finds threads by itself on sites it never saw), and (d) the same on the held-out pages with their
comments heading and stated count lines removed (threads that state neither). The model leaves out the
features named by ``--without`` (default ``WITHOUT``: the comments heading or count above a line, which
(d) showed it leaned on). ``--augment MODE,...`` trains on copies of every page with comment cues taken out
of their text too (``flows.scramble.scramble_text``; none by default, see ``AUGMENT``), and the CV then prints
its figures for the pages as printed and for each perturbation apart. Then it writes the model fitted on
every page to ``tasks/extract/models/comment_headers.json``.

``--perturb MODE,...`` adds such copies to the CV's scored pages only (never trained on): the out-of-fold
figures of the shipped model on threads that print fewer cues.

    python -m flows.train_comment_headers [--out PATH] [--folds 5] [--without F1,F2] [--augment M1,M2]
                                          [--perturb M1,M2] [FOLDER[:FOLD] ...]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import minimize

from flows.evaluate import load_folder
from flows.fitting import site_folds, standardise, trainer_parser
from flows.scramble import TEXT_SCRAMBLE_MODES
from tasks.extract.chain import tagged_batch
from tasks.extract.comment_headers import FEATURES, MODEL_PATH, header_scores
from tasks.extract.parse import (
    Finder,
    _number_lines,
    learned_header_features,
    line_features,
    parse_comments,
    segment_pages,
    sorted_lines,
)
from tasks.reports.parse_scores import score_pages, summarize_scores
from tasks.text_match import fold

L2 = 1.0
"""The L2 penalty on the (standardised) weights, added to the summed log-loss of the training lines."""
THRESHOLD = 1.0
"""Log-odds a line must reach to count as a header (a probability of about 0.73; the learned thread
also needs three of them at regular distances): the lowest with no spurious page in the CV."""
AUTHOR_REACH = 4
"""How many lines above a comment's first text line its author line is looked for."""
AUGMENT: tuple[str, ...] = ()
"""The text perturbations (``flows.scramble.scramble_text``) whose copies of the pages the model is trained on
beside the pages as they are (``--augment``). None by default. Measured with ``all`` (threads without
heading, count, chrome, header dates or form), the two repetition features and a prose guard in
``tasks.extract.parse._learned_thread`` (a quarter of a learned thread's comments holding a prose line),
site-grouped CV, rules plus the out-of-fold model: the pages as printed as by the rules alone, their ``all``
copies R 0.002 -> 0.294 (P 0.945), ``heading`` copies F1 0.950, no spurious page; but the model alone on
the pages as printed R 0.826 -> 0.676, and in-sample it read fewer footer threads with no heading (a golden
test's author accuracy 0.855, under its 0.9). Without the guard it took a teaser list under relative dates
for a thread (a spurious page); with the shipped model the guard saves no page and costs threads of short
comments (0.0-0.22 of them holding prose; model alone R 0.826 -> 0.698), so it is not in the code."""
WITHOUT: tuple[str, ...] = ("section_above",)
"""The features the shipped model does not read (``fit``'s ``without``)."""
FOOTER_REACH = 40
"""How many lines below a comment's first text line its author line is looked for when none is above
(footer layouts)."""
PREFIX_CHARS = 30
"""A page line starts a true comment's text when the comment's folded text starts with the line's first
``PREFIX_CHARS`` folded characters (a line break in the truth may be glued)."""


def header_labels(feats: pl.DataFrame, truth: pl.DataFrame) -> np.ndarray:
    """Per line of ``feats`` (``page_id``, ``_page``, ``_i``, ``text``, sorted by page and line), 1.0 where
    it heads a true comment of ``truth`` (``page_id``, ``position``, ``author``, ``text``), else 0.0.

    The comments are found in order: each one's text starts at the first line below the previous
    comment's start whose folded text the comment's folded text starts with (``PREFIX_CHARS``); its
    header is the nearest line above that holding the folded author (else, in a footer layout, the
    nearest one below), or the line just above when the truth gives no author. A comment whose text or
    author line is not found labels nothing."""
    labels = np.zeros(feats.height, dtype=np.float64)
    by_page: dict[str, list[tuple[str, str]]] = {}
    ordered = truth.sort("page_id", "position").select("page_id", "author", "text")
    for page_id, author, text in ordered.iter_rows():
        by_page.setdefault(page_id, []).append((fold(author), fold(text)))
    starts = feats.select("page_id", "_row").group_by("page_id", maintain_order=True).agg(
        pl.col("_row").min().alias("lo"), pl.col("_row").max().alias("hi"))
    texts = [fold(t) for t in feats["text"].to_list()]
    for page_id, lo, hi in starts.iter_rows():
        comments = by_page.get(page_id)
        if not comments:
            continue
        at = lo
        for author, text in comments:
            start = next((i for i in range(at, hi + 1)
                          if texts[i] and text.startswith(texts[i][:PREFIX_CHARS])
                          and (not author or texts[i] != author)), None)
            if start is None:
                continue
            at = start + 1
            if not author:
                if start > lo:
                    labels[start - 1] = 1.0
                continue
            def holds(j: int, author: str = author) -> bool:
                return author in texts[j] and len(texts[j]) <= len(author) + 80

            head = next((j for j in range(start - 1, max(lo, start - AUTHOR_REACH) - 1, -1) if holds(j)), None)
            if head is None:  # a footer ("Posted by: NAME | DATE" under the comment's text)
                head = next((j for j in range(start + 1, min(hi + 1, start + FOOTER_REACH)) if holds(j)), None)
            if head is not None:
                labels[head] = 1.0
    return labels


def headless(tagged: pl.DataFrame) -> pl.DataFrame:
    """``tagged`` (template-tagged ``LINES`` rows) without the lines the parse stage reads as a comments
    heading or a stated comment count (``f_heading``, ``f_count``): the pages as a thread that states
    neither would print them."""
    feats = line_features(sorted_lines(tagged))
    heads = feats.filter(pl.col("f_heading") | pl.col("f_count").is_not_null()).select("page_id", "line_no")
    return tagged.join(heads, on=["page_id", "line_no"], how="anti")


def labelled_lines(pages: pl.DataFrame, truth: pl.DataFrame, source: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The lines of ``pages`` (``load_folder`` output of the folder named ``source``) with ``page_id``
    (``source/NAME``), ``site``, the ``FEATURES`` and ``_label``; and the template-tagged ``LINES`` rows
    (``page_id`` as given) for parsing the pages again."""
    tagged = tagged_batch(pages)
    feats = _number_lines(line_features(sorted_lines(tagged)))
    labels = header_labels(feats, truth)
    out = learned_header_features(feats).with_columns(
        page_id=source + "/" + feats["page_id"], _label=pl.Series(labels),
    ).join(pages.select(pl.col("site"), page_id=source + "/" + pl.col("page_id")), on="page_id", how="left")
    return out, tagged


def fit(lines: pl.DataFrame, *, l2: float = L2, threshold: float = THRESHOLD, without: tuple[str, ...] = ()
        ) -> dict[str, Any]:
    """Fit the logistic model on ``lines`` (``FEATURES``, ``_label``); returns the model dict. The features
    named in ``without`` are held at zero (weight 0: the model does not read them)."""
    x = lines.select(pl.lit(0.0).alias(f) if f in without else pl.col(f) for f in FEATURES
                     ).to_numpy().astype(np.float64)
    z, mean, scale = standardise(x)
    z = np.hstack([z, np.ones((x.shape[0], 1))])
    y = lines["_label"].to_numpy()
    penalty = np.ones(z.shape[1])
    penalty[-1] = 0.0  # the bias is not penalised

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        # log(1 + e^s) - y s, computed stably
        value = float((np.logaddexp(0.0, s) - y * s).sum()) + l2 * float((penalty * w) @ w)
        p = 0.5 * (1.0 + np.tanh(0.5 * s))
        grad = z.T @ (p - y) + 2 * l2 * penalty * w
        return value, grad

    result = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 3000})
    return {
        "features": list(FEATURES),
        "weights": [round(float(v), 6) for v in result.x[:-1]],
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "bias": round(float(result.x[-1]), 6),
        "threshold": threshold,
        "l2": l2,
        "n_lines": int(z.shape[0]),
        "n_headers": int(y.sum()),
    }


def header_counts(lines: pl.DataFrame, model: dict[str, Any]) -> tuple[int, int, int]:
    """(true positives, predicted headers, true headers) of ``model`` on ``lines``."""
    predicted = header_scores(lines, model) >= float(model["threshold"])
    truth = lines["_label"].to_numpy() > 0
    return int((predicted & truth).sum()), int(predicted.sum()), int(truth.sum())


def comment_figures(tagged: pl.DataFrame, truth: tuple[pl.DataFrame, pl.DataFrame], *,
                    model: dict[str, Any] | None, finder: Finder) -> pl.DataFrame:
    """The per-page comment scores (``tasks.reports.parse_scores.score_pages``) of the text comment finder on the
    template-tagged lines ``tagged`` with the classifier ``model`` (``finder`` as ``segment_pages`` takes it)."""
    articles_truth, comments_truth = truth
    segmented = segment_pages(tagged, header_model=model, finder=finder)
    comments = parse_comments(segmented)
    articles = articles_truth.select("page_id", title=pl.lit(None, dtype=pl.String), body=pl.lit(""))
    return score_pages(articles, comments, articles_truth, comments_truth)


def summary(scores: pl.DataFrame) -> str:
    """Comment precision, recall, F1, author accuracy and spurious comment pages of per-page ``scores``."""
    s = summarize_scores(scores)
    empty = int((scores["n_true_comments"] == 0).sum())
    return (f"P {s['comment_precision']:.3f} R {s['comment_recall']:.3f} F1 {s['comment_f1']:.3f}, "
            f"authors {s['author_accuracy'] or 0.0:.3f}, "
            f"spurious {s['spurious_comment_pages']}/{empty} comment-less pages, "
            f"{s['n_matched_comments']}/{s['n_true_comments']} comments matched, {s['n_pred_comments']} predicted")


def load_sources(sources: Sequence[str], *, augment: tuple[str, ...] = ()
                 ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The labelled lines (``labelled_lines``), the tagged ``LINES`` rows with ``site``, and the truth articles
    (with ``site``) and comments of the ``FOLDER[:FOLD]`` sources, page ids ``FOLDER_NAME/NAME``; with each
    perturbation of ``augment`` (``flows.scramble.TEXT_SCRAMBLE_MODES``) every page once more, its text
    without those comment cues, as ``FOLDER_NAME/NAME~MODE`` (same site, so that a site's copies fall in one
    cross-validation fold)."""
    parts, tagged_parts, articles, comments = [], [], [], []
    for source in sources:
        folder, _, fold_name = source.partition(":")
        for mode in ("none", *augment):
            pages, truth_articles, truth_comments = load_folder(Path(folder), fold=fold_name or "all", scramble=mode)
            suffix = "" if mode == "none" else f"~{mode}"
            pages = pages.with_columns(page_id=pl.col("page_id") + suffix)
            truth_articles = truth_articles.with_columns(page_id=pl.col("page_id") + suffix)
            truth_comments = truth_comments.with_columns(page_id=pl.col("page_id") + suffix)
            lines, tagged = labelled_lines(pages, truth_comments, Path(folder).name)
            name = Path(folder).name + "/"
            parts.append(lines)
            sites = pages.select(page_id=name + pl.col("page_id"), site="site")
            tagged_parts.append(tagged.with_columns(page_id=name + pl.col("page_id")).join(sites, on="page_id"))
            articles.append(truth_articles.with_columns(page_id=name + pl.col("page_id")).join(sites, on="page_id"))
            comments.append(truth_comments.with_columns(page_id=name + pl.col("page_id")))
    return (pl.concat(parts), pl.concat(tagged_parts, how="diagonal_relaxed"), pl.concat(articles),
            pl.concat(comments))


def main(argv: list[str] | None = None) -> int:
    parser = trainer_parser(__doc__.split("\n")[0], model_path=MODEL_PATH, l2=L2, augment=AUGMENT)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--without", default=",".join(WITHOUT),
                        help="comma-separated FEATURES the model does not read (default: %(default)s)")
    args = parser.parse_args(argv)
    without = tuple(f for f in args.without.split(",") if f)
    if set(without) - set(FEATURES):
        parser.error(f"unknown features: {sorted(set(without) - set(FEATURES))}")
    for source in args.sources:
        if (source.partition(":")[2] or "all") == "sealed":
            parser.error("the sealed fold is never trained on")
    augment = tuple(m for m in args.augment.split(",") if m)
    perturb = tuple(m for m in args.perturb.split(",") if m and m not in augment)
    if set(augment + perturb) - set(TEXT_SCRAMBLE_MODES[1:]):
        parser.error(f"unknown text perturbations: {sorted(set(augment + perturb) - set(TEXT_SCRAMBLE_MODES[1:]))}")
    lines, tagged, truth_articles, truth_comments = load_sources(args.sources, augment=augment + perturb)
    lines = lines.with_columns(_train=~pl.col("page_id").str.extract(r"~(\w+)$").is_in(list(perturb)).fill_null(
        value=False))  # the copies of ``perturb`` are scored, never trained on
    n_true = int(truth_comments.height)
    print(f"pages {truth_articles.height}, lines {lines.height}, true comments {n_true}, "
          f"header lines labelled {int(lines['_label'].sum())}")
    model = fit(lines.filter("_train"), l2=args.l2, threshold=args.threshold, without=without)
    tp, n_pred, n_head = header_counts(lines.filter("_train"), model)
    print(f"in-sample header lines: precision {tp / max(n_pred, 1):.3f} recall {tp / max(n_head, 1):.3f}")
    cross_validate(lines, tagged, (truth_articles, truth_comments), folds=args.folds, l2=args.l2,
                   threshold=args.threshold, without=without)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"model written to {args.out}")
    return 0


def split_perturbed(*scores: pl.DataFrame) -> list[tuple[str, tuple[pl.DataFrame, ...]]]:
    """Per-page ``scores`` (``page_id`` of ``load_sources``) split into the pages as they are ("as printed")
    and each perturbation's copies (``NAME~MODE``)."""
    mode = pl.col("page_id").str.extract(r"~(\w+)$")
    kinds = sorted({m for frame in scores for m in frame.select(mode).to_series().drop_nulls().to_list()})
    out = [("as printed", tuple(frame.filter(mode.is_null()) for frame in scores))]
    out += [(f"perturbed ({kind})", tuple(frame.filter(mode == kind) for frame in scores)) for kind in kinds]
    return out


def cross_validate(lines: pl.DataFrame, tagged: pl.DataFrame, truth: tuple[pl.DataFrame, pl.DataFrame], *,
                   folds: int, l2: float, threshold: float, without: tuple[str, ...] = ()) -> None:
    """Print the site-grouped cross-validation: header lines' precision and recall, and the comment
    finder's figures on the held-out pages (a) by its rules alone, (b) with the classifier fitted
    without them, (c) by that classifier alone, and (d) by it alone on the held-out pages with their
    comments heading and stated count lines removed (``headless``: threads that state neither); then the
    pages where (a) and (b) differ.

    ``lines``: ``labelled_lines`` of every page (with ``site``); ``tagged``: their ``LINES`` rows with
    ``site``; ``truth``: the truth articles (with ``site``) and comments."""
    truth_articles, truth_comments = truth
    lines = lines.with_columns(_fold=site_folds(lines["site"], folds))
    trainable = pl.col("_train") if "_train" in lines.columns else pl.lit(value=True)
    page_fold = truth_articles.select("page_id", _fold=site_folds(truth_articles["site"], folds))
    tp = n_pred = n_head = 0
    rules = comment_figures(tagged.drop("site"), (truth_articles, truth_comments), model=None, finder="rules")
    learned_scores, alone_scores, headless_scores = [], [], []
    unheaded = headless(tagged)
    for k in range(folds):
        train = lines.filter((pl.col("_fold") != k) & trainable)
        fold_model = fit(train, l2=l2, threshold=threshold, without=without)
        a, b, c = header_counts(lines.filter(pl.col("_fold") == k), fold_model)
        tp, n_pred, n_head = tp + a, n_pred + b, n_head + c
        held = page_fold.filter(pl.col("_fold") == k).select("page_id")
        held_lines = tagged.join(held, on="page_id").drop("site")
        held_truth = (truth_articles.join(held, on="page_id"), truth_comments.join(held, on="page_id"))
        learned_scores.append(comment_figures(held_lines, held_truth, model=fold_model, finder="both"))
        alone_scores.append(comment_figures(held_lines, held_truth, model=fold_model, finder="learned"))
        headless_scores.append(comment_figures(unheaded.join(held, on="page_id").drop("site"), held_truth,
                                               model=fold_model, finder="learned"))
    print(f"site-grouped {folds}-fold CV header lines: precision {tp / max(n_pred, 1):.3f} "
          f"recall {tp / max(n_head, 1):.3f} ({n_pred} predicted, {n_head} true)")
    both = pl.concat(learned_scores)
    for kind, scores in split_perturbed(rules, both, pl.concat(alone_scores), pl.concat(headless_scores)):
        print(f"pages {kind}:")
        rules_only, with_model, model_alone, no_heading = scores
        print(f"comment finder, (a) rules alone:              {summary(rules_only)}")
        print(f"comment finder, (b) rules + out-of-fold model: {summary(with_model)}")
        print(f"comment finder, (c) out-of-fold model alone:   {summary(model_alone)}")
        print(f"comment finder, (d) (c) with no heading/count: {summary(no_heading)}")
    changed = rules.join(both, on="page_id", suffix="_b").filter(
        pl.col("n_pred_comments") != pl.col("n_pred_comments_b"))
    for row in changed.sort("page_id").iter_rows(named=True):
        print(f"  {row['page_id']}: true {row['n_true_comments']}, (a) {row['n_pred_comments']} "
              f"F1 {row['comment_f1']:.2f}, (b) {row['n_pred_comments_b']} F1 {row['comment_f1_b']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
