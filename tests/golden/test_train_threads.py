"""Golden tests of thread acceptance on open-fold pages of ``../shared/corpus-train`` whose reader thread
is cut out of the page text (the lines from the first to the last line of a truth comment): what stays
below the article (a closed comment section's chrome, a poll, sidebar widgets, a trackback list) has a
thread's shape and must not ship as comments. Skipped when the shared folder is absent; a page of the
sealed fold is never used."""

from __future__ import annotations

import json
from pathlib import Path

from flows.evaluate import run_eval
from tests.conftest import TRAIN, open_fold_folder

CUT_PAGES = ["47hats-com-dragnetr875", "taz-de-taz"]
"""Comment pages whose text, the thread cut out, held a spurious thread before thread acceptance."""


def _key(line: str) -> str:
    return " ".join(line.split())


def _cut_thread(folder: Path, name: str) -> None:
    """Replace ``name``'s page text in ``folder`` by the page without its thread, its truth by one
    without comments."""
    truth = json.loads((TRAIN / f"{name}.truth.json").read_text(encoding="utf-8"))
    lines = (TRAIN / f"{name}.txt").read_text(encoding="utf-8").split("\n")
    said = {_key(ln) for c in truth["comments"] for ln in c["text"].split("\n") if _key(ln)}
    at = [i for i, ln in enumerate(lines) if _key(ln) in said]
    assert at, f"{name}: no comment line in the page text"
    for suffix in (".txt", ".truth.json"):
        (folder / f"{name}{suffix}").unlink()
    (folder / f"{name}.txt").write_text("\n".join(lines[:min(at)] + lines[max(at) + 1:]), encoding="utf-8")
    (folder / f"{name}.truth.json").write_text(json.dumps({**truth, "comments": []}), encoding="utf-8")


def test_page_without_its_thread_holds_no_comment(tmp_path: Path) -> None:
    folder = open_fold_folder(tmp_path, CUT_PAGES, (".txt",))
    for name in CUT_PAGES:
        _cut_thread(folder, name)
    result = run_eval(folder)
    assert result["overall"]["spurious_comment_pages"] == 0, [
        (p["page_id"], p["n_pred_comments"]) for p in result["pages"] if p["spurious"]]
