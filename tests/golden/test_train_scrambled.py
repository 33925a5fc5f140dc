"""Golden tests: open-fold pages of ``../shared/corpus-train`` read with their class and id names scrambled
(``corpus eval --html --scramble classes``), so that only structure can find their threads (issue 17).
Skipped when the shared folder is absent; a page of the sealed fold is never used."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.evaluate import run_eval
from tests.conftest import open_fold_folder

THREADS = {
    # name line, date line, text, "Reply": WordPress and Blogger threads without their class names
    "name and date at the head": ["luxuryhaven-co-hyatt", "abeautifulmess-com-dragnetr977"],
    # "Posted by: NAME | DATE" under the text
    "signature under the text": ["webinknow-com-dragnetr662", "prblog-typepad-com-dragnetr60"],
    # relative dates, a "Rating: N Votes" control line repeated with its number changing
    "numbered controls": ["macrumors-com-232a43fb15"],
}
LISTS = ["latimes-com-latimes", "mainichi-jp-mainichishimbun", "habarileo-co-tz-habarileo",
         "theportugalnews-com-theportugalnews", "lto-de-lto"]
"""Comment-less news pages with lists of dated, labelled teasers (sidebars, timelines)."""


@pytest.mark.parametrize("kind", sorted(THREADS))
def test_scrambled_thread_is_found(kind: str, tmp_path: Path) -> None:
    folder = open_fold_folder(tmp_path, THREADS[kind], (".html", ".html.gz"))
    overall = run_eval(folder, use_html=True, scramble="classes")["overall"]
    assert overall["comment_recall"] >= 0.95
    assert overall["comment_precision"] >= 0.95
    assert overall["author_accuracy"] >= 0.9


@pytest.mark.parametrize("scramble", ["classes", "tags"])
def test_scrambled_lists_are_not_threads(scramble: str, tmp_path: Path) -> None:
    folder = open_fold_folder(tmp_path, LISTS, (".html", ".html.gz"))
    assert run_eval(folder, use_html=True, scramble=scramble)["overall"]["spurious_comment_pages"] == 0
