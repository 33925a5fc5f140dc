"""Golden tests: whether a thread's names head or foot its comments, on corpus-dev and open-fold pages of
``../shared/corpus-train`` read without their comment cues (``corpus eval --scramble dates|all``: dates,
headings, controls and forms taken out, the names left alone). A thread read the wrong way round keeps its
texts and gives each one the neighbouring comment's author. Skipped when the shared folders are absent; a page
of the sealed fold is never used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.evaluate import is_sealed, run_eval
from tests.conftest import TRAIN

DEV = TRAIN.parent / "corpus-dev"

LAYOUTS = {
    # page: (scramble, comments matched at least, authors right at least); before the rules: authors 0, 2, 0
    "anchor-ch-lanka": ("all", 9, 8),  # texts that answer the name above them (threads.layout_votes)
    "gormulus-wordpress-com-durfen": ("all", 36, 34),  # "photobix" over "Danke!": a name over a short remark
    "abeautifulmess-com-dragnetr976": ("dates", 18, 17),  # "Comments" / text / NAME ... / text / NAME, then the end
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_thread_layout_without_cues(name: str, tmp_path: Path) -> None:
    if not (TRAIN.is_dir() and DEV.is_dir()):
        pytest.skip("the shared labelled pages are not present")
    scramble, matched, authors = LAYOUTS[name]
    source = next(f for f in (DEV, TRAIN) if (f / f"{name}.truth.json").is_file())
    truth = json.loads((source / f"{name}.truth.json").read_text(encoding="utf-8"))
    assert source == DEV or not is_sealed(truth["site"]), f"{name} is in the sealed fold"
    for suffix in (".txt", ".truth.json"):
        (tmp_path / f"{name}{suffix}").symlink_to(source / f"{name}{suffix}")
    page = run_eval(tmp_path, scramble=scramble)["pages"][0]
    assert page["n_matched"] >= matched and page["n_author_ok"] >= authors, page
