"""Check the text path's body choice the way unseen sites would test it: per failure kind, and under
perturbations of the page that no rule should depend on.

Reads the truth folders given (by default ``../shared/corpus-dev`` and the open four fifths of
``../shared/corpus-train``; the sealed fifth is never read), runs the build's own stage functions on their
``.txt`` pages (``tasks.extract.chain.parse_pages``) and scores each page's body against the truth (token
bags, ``tasks.text_match``): precision, recall, F1, and a failure kind (``tasks.reports.parse_scores.BODY_KINDS``). Each
``--perturb`` mode (``PERTURBATIONS``) changes the pages before they are read, the truth unchanged, and
prints the same figures: a body choice that holds on sites never seen keeps them.

With ``--by-site`` it also prints the mean body F1 per site-grouped part (the parts of
``flows.fitting.site_folds``: the same split the trainers' cross-validation holds out).

    python -m flows.body_check [--perturb MODE ...] [--pages] [--by-site] [FOLDER[:FOLD] ...]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from flows.evaluate import load_folder
from flows.fitting import DEFAULT_SOURCES, site_folds
from tasks.extract.chain import parse_pages
from tasks.reports.parse_scores import body_kind
from tasks.text_match import bag_f1, tokens

SEPARATOR_RE = re.compile(r"^\W*$")
"""A line of punctuation or symbols only (a rule drawn with dashes, a bullet, a lone "|")."""


def _drop_title(text: str, truth: dict[str, Any], _rng: random.Random) -> str:
    """The page without the lines equal to the true title (a layout that prints no heading in the text)."""
    title = (truth.get("title") or "").strip()
    return "\n".join(ln for ln in text.split("\n") if not title or ln.strip() != title)


def _no_separators(text: str, _truth: dict[str, Any], _rng: random.Random) -> str:
    """The page without its empty and symbol-only lines (a renderer that joins the boxes)."""
    return "\n".join(ln for ln in text.split("\n") if not SEPARATOR_RE.match(ln))


def _body_lines(text: str, truth: dict[str, Any]) -> tuple[list[str], set[int]]:
    """The page's lines and the numbers of the ones found verbatim in the true body."""
    body = truth.get("body") or ""
    lines = text.split("\n")
    return lines, {k for k, ln in enumerate(lines) if len(ln.strip()) >= 20 and ln.strip() in body}


def _teaser_in_body(text: str, truth: dict[str, Any], _rng: random.Random) -> str:
    """The page with a copy of a box of non-body lines (the first four lines in a row of 4+ words above the
    article, none in the true body: teaser headlines, not the footer) put in the middle of the article: a
    teaser box the layout places inside the story."""
    lines, inside = _body_lines(text, truth)
    if len(inside) < 4:
        return text
    box: list[str] = []
    for k, ln in enumerate(lines[:min(inside)]):
        if k not in inside and len(ln.split()) >= 4 and ln.strip() not in (truth.get("body") or ""):
            box.append(ln)
            if len(box) == 4:
                break
        else:
            box = []
    if len(box) < 4:
        return text
    ordered = sorted(inside)
    at = ordered[len(ordered) // 2]
    return "\n".join([*lines[:at], *box, *lines[at:]])


def _shuffle_boxes(text: str, truth: dict[str, Any], rng: random.Random) -> str:
    """The page with its boxes (runs of lines between empty lines) outside the article shuffled, the
    article's own lines kept in their place: navigation, teasers and footers in another order. Below the
    article of a page with comments the order is kept (a thread's boxes are its comments)."""
    lines, inside = _body_lines(text, truth)
    if not inside:
        return text
    first, last = min(inside), max(inside)
    def boxes(part: list[str]) -> list[list[str]]:
        out: list[list[str]] = [[]]
        for ln in part:
            if ln.strip():
                out[-1].append(ln)
            elif out[-1]:
                out.append([])
        return [b for b in out if b]
    head, tail = boxes(lines[:first]), boxes(lines[last + 1:])
    rng.shuffle(head)
    if not truth.get("comments"):
        rng.shuffle(tail)
    return "\n\n".join(["\n".join(b) for b in head] + ["\n".join(lines[first:last + 1])]
                       + ["\n".join(b) for b in tail])


PERTURBATIONS: dict[str, Callable[[str, dict[str, Any], random.Random], str]] = {
    "notitle": _drop_title,
    "noseps": _no_separators,
    "teaser": _teaser_in_body,
    "shuffle": _shuffle_boxes,
}
"""Page changes that should not move the body: ``notitle`` (the true title's line taken out), ``noseps``
(empty and symbol-only lines taken out), ``teaser`` (a box of four non-body lines of the page copied into
the middle of the article), ``shuffle`` (the boxes above and below the article in another order)."""


def load_pages(sources: list[str], perturb: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pages (``page_id`` as ``FOLDER/NAME``, ``site``, ``url``, ``html``, ``text``) and truth (``page_id``,
    ``body``) of the ``FOLDER[:FOLD]`` sources, the pages changed by ``perturb`` (or ``none``)."""
    pages, truth = [], []
    for source in sources:
        folder, _, fold = source.partition(":")
        p, t, c = load_folder(Path(folder), fold=fold or "all")
        name = Path(folder).name
        p = p.with_columns(page_id=pl.lit(f"{name}/") + pl.col("page_id"))
        t = t.with_columns(page_id=pl.lit(f"{name}/") + pl.col("page_id"))
        if perturb != "none":
            change, rng = PERTURBATIONS[perturb], random.Random(0)
            bodies = dict(t.select("page_id", "body").iter_rows())
            titles = dict(t.select("page_id", "title").iter_rows())
            threads = {f"{name}/{pid}" for pid in c["page_id"].unique().to_list()}
            p = p.with_columns(text=pl.Series([
                change(text, {"body": bodies[pid], "title": titles[pid], "comments": pid in threads}, rng)
                for pid, text in p.select("page_id", "text").iter_rows()]))
        pages.append(p)
        truth.append(t.select("page_id", "body"))
    return pl.concat(pages), pl.concat(truth)


def score_bodies(pages: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """``page_id``, ``site``, ``precision``, ``recall``, ``f1``, ``kind`` of each page's parsed body."""
    _, articles, _ = parse_pages(pages)
    predicted = dict(articles.select("page_id", "body").iter_rows())
    rows = []
    for pid, site, body in pages.select("page_id", "site").join(truth, on="page_id").iter_rows():
        p, t = tokens(predicted.get(pid)), tokens(body)
        overlap = sum((p & t).values())
        precision = overlap / sum(p.values()) if p else float(not t)
        recall = overlap / sum(t.values()) if t else float(not p)
        f1 = bag_f1(p, t) if p or t else 1.0
        rows.append({"page_id": pid, "site": site, "precision": precision, "recall": recall, "f1": f1})
    return pl.DataFrame(rows).with_columns(kind=body_kind(pl.col("precision"), pl.col("recall"), pl.col("f1")))


def summary(scores: pl.DataFrame, *, parts: int = 5) -> dict[str, Any]:
    """Mean F1 per folder, the count and F1 lost per failure kind, and the mean F1 of each site part."""
    folder = pl.col("page_id").str.extract(r"^([^/]+)/")
    lost = (1 - pl.col("f1")).sum()
    return {
        "f1": {k: round(v, 4) for k, v in scores.group_by(folder.alias("folder")).agg(pl.col("f1").mean()).sort(
            "folder").iter_rows()},
        "kinds": {k: [n, round(x, 2)]
                  for k, n, x in scores.group_by("kind").agg(pl.len(), lost).sort("kind").iter_rows()},
        "parts": [round(x, 4) for x in scores.with_columns(_part=site_folds(scores["site"], parts)).group_by(
            "_part").agg(pl.col("f1").mean()).sort("_part")["f1"]],
    }


def main(argv: list[str] | None = None) -> int:
    """Print the body figures of the sources, as they are and under each ``--perturb`` mode (JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", default=list(DEFAULT_SOURCES))
    parser.add_argument("--perturb", nargs="*", default=[], choices=sorted(PERTURBATIONS))
    parser.add_argument("--pages", action="store_true", help="also print each page not ok (body F1 below 0.95)")
    args = parser.parse_args(argv)
    if any(s.endswith(":sealed") for s in args.sources):
        parser.error("the sealed fold is scored by corpus eval only")
    for mode in ["none", *args.perturb]:
        scores = score_bodies(*load_pages(args.sources, mode))
        print(json.dumps({"perturb": mode, **summary(scores)}))
        if args.pages:
            for row in scores.filter(pl.col("kind") != "ok").sort("f1").iter_rows(named=True):
                print(f"  {row['f1']:.3f} p={row['precision']:.2f} r={row['recall']:.2f} {row['kind']:11} "
                      f"{row['page_id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
