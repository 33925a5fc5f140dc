"""How two texts are compared, for the parsers and for the parse metrics alike.

``fold`` (white space collapsed, case folded) and ``fold_expr`` (the same as a polars expression) decide
whether two titles are the same; ``tokens`` is the bag of case-folded ``\\w+`` tokens, ``bag_f1`` and
``token_f1`` the F1 of two bags; ``align_comments`` aligns two comment lists in order (a pair may match when
its text token F1 is at least ``MIN_PAIR_F1``; the alignment maximises the summed F1). The page parsers use
them to reconcile two readings of a page; ``tasks.reports.parse_scores`` scores a parse against its truth.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import polars as pl

MIN_PAIR_F1 = 0.5


_TOKEN = re.compile(r"\w+")


def fold(text: str | None) -> str:
    """Collapse white space and case-fold (the comparison key for titles and authors)."""
    return re.sub(r"\s+", " ", text or "").strip().casefold()


def fold_expr(text: pl.Expr) -> pl.Expr:
    """``fold`` as a polars expression over a string column: case folding is lower-casing plus "ß" as "ss"
    (the two differ only on rarer letters: a final sigma, ligatures)."""
    return text.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase().str.replace_all("ß", "ss",
                                                                                                  literal=True)


def tokens(text: str | None) -> Counter[str]:
    """Bag of case-folded ``\\w+`` tokens."""
    return Counter(_TOKEN.findall((text or "").casefold()))


def bag_f1(predicted: Counter[str], truth: Counter[str]) -> float:
    """F1 of two token bags (``tokens``); 0.0 when they share no token (or either is empty)."""
    overlap = sum((predicted & truth).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(predicted.values()), overlap / sum(truth.values())
    return 2 * precision * recall / (precision + recall)


def token_f1(predicted: str | None, truth: str | None) -> float:
    """F1 of the token bags; two empty texts score 1.0, one empty text 0.0."""
    p, t = tokens(predicted), tokens(truth)
    if not p and not t:
        return 1.0
    return bag_f1(p, t)


def align_comments(
    predicted: Sequence[str], truth: Sequence[str], *, min_f1: float = MIN_PAIR_F1
) -> list[tuple[int, int, float]]:
    """Align predicted to true comments in order, maximising the summed text F1 of matched pairs.

    Returns:
        ``(predicted_index, true_index, f1)`` for each matched pair, in order.
    """
    n, m = len(predicted), len(truth)
    if n == 0 or m == 0:
        return []
    pred_bags = [tokens(p) for p in predicted]
    true_bags = [tokens(t) for t in truth]

    def f1(i: int, j: int) -> float:
        p, t = pred_bags[i], true_bags[j]
        if not p and not t:
            return 1.0
        overlap = sum((p & t).values())
        if overlap == 0:
            return 0.0
        precision, recall = overlap / sum(p.values()), overlap / sum(t.values())
        return 2 * precision * recall / (precision + recall)

    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = best[i], best[i + 1]
        for j in range(m - 1, -1, -1):
            value = max(below[j], row[j + 1])
            score = f1(i, j)
            if score >= min_f1:
                value = max(value, score + below[j + 1])
            row[j] = value
    pairs: list[tuple[int, int, float]] = []
    i = j = 0
    while i < n and j < m:
        score = f1(i, j)
        if score >= min_f1 and abs(best[i][j] - (score + best[i + 1][j + 1])) < 1e-12:
            pairs.append((i, j, score))
            i, j = i + 1, j + 1
        elif abs(best[i][j] - best[i + 1][j]) < 1e-12:
            i += 1
        else:
            j += 1
    return pairs
