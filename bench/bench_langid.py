"""Benchmark language detection: the naive loop against ``tasks.extract.langid.detect_language``.

Run from the repository root: ``python -m bench.bench_langid [--corpus DIR] [--sweep]``.

Both run on the same labelled texts in the same process (see ``bench.langdata``): articles
(title + body) and body sentences cut to comment lengths. The naive loop is seeded
``langdetect.detect_langs`` per text (full text, its top language, ``und`` only when langdetect
raises). Throughput is texts per second of process CPU time ("per core"). Writes
``bench/results/langid.json``.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import langdetect
import polars as pl
from langdetect import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from bench.langdata import DEFAULT_CORPUS, labelled_set
from tasks.extract.langid import UND, detect_language, init_detector, iso_639_1

RESULTS = Path(__file__).resolve().parent / "results" / "langid.json"
CLASSES = ("articles", "comments_10_30", "comments_30_80", "comments_80_200")
MIN_SECONDS = 1.0
"""Each timing repeats its work until it has used at least this much CPU time."""
PAGE_BATCH = 20
"""Texts per call in the small-batch timing (about one page of comments)."""


def naive_detect(text: str) -> tuple[str, float | None]:
    """Seeded langdetect on the whole text: its top language and probability."""
    try:
        found = langdetect.detect_langs(text)
    except LangDetectException:
        return UND, None
    return (iso_639_1(found[0].lang), found[0].prob) if found else (UND, None)


def naive_loop(texts: list[str]) -> list[tuple[str, float | None]]:
    """The naive loop: one seeded langdetect call per text."""
    return [naive_detect(t) for t in texts]


def cpu_rate(work: Callable[[], object], n_texts: int) -> float:
    """Texts per CPU second of ``work`` (which handles ``n_texts`` texts), repeated to ``MIN_SECONDS``."""
    runs, start = 0, time.process_time()
    while True:
        work()
        runs += 1
        used = time.process_time() - start
        if used >= MIN_SECONDS:
            return runs * n_texts / used


def quality(predicted: list[str], labels: list[str]) -> dict[str, float | int]:
    """Accuracy (right / all), wrong answers (not ``und``) and the ``und`` rate."""
    n = len(labels)
    right = sum(p == t for p, t in zip(predicted, labels, strict=True))
    und = sum(p == UND for p in predicted)
    return {"n": n, "accuracy": right / n, "wrong": n - right - und, "und_rate": und / n}


def in_batches(frame: pl.DataFrame, size: int, **options: Any) -> pl.DataFrame:
    """Run ``detect_language`` on slices of ``size`` rows."""
    return pl.concat([detect_language(frame.slice(i, size), **options) for i in range(0, frame.height, size)])


def measure(data: pl.DataFrame, **options: Any) -> dict[str, dict[str, Any]]:
    """Throughput and quality of the naive loop and ours per length class."""
    out: dict[str, dict[str, Any]] = {}
    for name in CLASSES:
        part = data.filter(pl.col("length_class") == name).select("text", "label")
        texts, labels = part["text"].to_list(), part["label"].to_list()
        naive = [naive_detect(t)[0] for t in texts]
        ours = detect_language(part, **options)["language"].to_list()
        naive_rate = cpu_rate(functools.partial(naive_loop, texts), len(texts))
        ours_rate = cpu_rate(functools.partial(detect_language, part, **options), len(texts))
        small_rate = cpu_rate(functools.partial(in_batches, part, PAGE_BATCH, **options), len(texts))
        out[name] = {
            "n": len(texts),
            "mean_chars": sum(map(len, texts)) / len(texts),
            "naive": {"texts_per_cpu_s": naive_rate, **quality(naive, labels)},
            "ours": {"texts_per_cpu_s": ours_rate, **quality(ours, labels)},
            f"ours_batches_of_{PAGE_BATCH}": {"texts_per_cpu_s": small_rate},
            "speedup": ours_rate / naive_rate,
            f"speedup_batches_of_{PAGE_BATCH}": small_rate / naive_rate,
        }
    return out


SWEEP: dict[str, tuple[Any, ...]] = {
    "min_chars": (3, 5, 10, 15, 20),
    "min_words": (1, 2, 3),
    "min_score": (0.0, 0.5, 0.6, 0.7, 0.8, 0.9),
    "max_chars": (100, 300, 1000, 3000),
    "prior_weight": (0.0, 0.5, 1.0),
}
"""Values tried per setting, one setting at a time, the others at their defaults."""


def sweep(data: pl.DataFrame) -> pl.DataFrame:
    """Accuracy, wrong and und per class for each value of each setting in ``SWEEP``."""
    rows: list[dict[str, Any]] = []
    for setting, values in SWEEP.items():
        for value in values:
            out = detect_language(data, **{setting: value})
            for name in CLASSES:
                part = out.filter(pl.col("length_class") == name)
                stats = quality(part["language"].to_list(), part["label"].to_list())
                rows.append({"setting": setting, "value": float(value), "class": name, **stats})
    return pl.DataFrame(rows).pivot("class", index=["setting", "value"], values=["accuracy", "wrong", "und_rate"])


def main() -> None:
    """Measure, print a table and write ``bench/results/langid.json``."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="directory of *.truth.json pages")
    parser.add_argument("--sweep", action="store_true", help="print accuracy over a threshold grid and stop")
    args = parser.parse_args()

    DetectorFactory.seed = 0
    data = labelled_set(args.corpus)
    start = time.process_time()
    init_detector()
    init_seconds = time.process_time() - start
    naive_detect("warm up langdetect's own profiles")
    if args.sweep:
        with pl.Config(tbl_rows=200, tbl_width_chars=400, tbl_cols=20, float_precision=4):
            print(sweep(data))
        return

    results = measure(data)
    print(f"init_detector: {init_seconds:.2f} s CPU")
    header = f"{'class':16} {'n':>5} {'naive/s':>9} {'ours/s':>9} {'x':>6} {'x@20':>6} "
    header += f"{'acc naive':>9} {'acc ours':>9} {'wrong n/o':>10} {'und ours':>8}"
    print(header)
    for name, r in results.items():
        naive, ours = r["naive"], r["ours"]
        print(
            f"{name:16} {r['n']:5d} {naive['texts_per_cpu_s']:9.0f} {ours['texts_per_cpu_s']:9.0f} "
            f"{r['speedup']:6.1f} {r[f'speedup_batches_of_{PAGE_BATCH}']:6.1f} "
            f"{naive['accuracy']:9.4f} {ours['accuracy']:9.4f} {naive['wrong']:4d}/{ours['wrong']:<5d} "
            f"{ours['und_rate']:8.4f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "langdetect": getattr(langdetect, "__version__", "1.0.9"),
        "init_detector_cpu_s": init_seconds,
        "defaults": {
            name: param.default
            for name, param in inspect.signature(detect_language).parameters.items()
            if param.kind is inspect.Parameter.KEYWORD_ONLY
        },
        "classes": results,
    }
    RESULTS.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
