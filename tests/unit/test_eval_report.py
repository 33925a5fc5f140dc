"""``corpus eval``'s sealed fold and its HTML report (``--report``)."""

from __future__ import annotations

import json
from pathlib import Path

import xxhash

from flows.cli import main
from flows.eval_report import render_eval_report, write_eval_report
from flows.evaluate import SEAL_MODULUS, is_sealed, run_eval

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
NAMES = ("southfront-000", "lemonde-fr-moz-lemonde-1")


def _folder(tmp_path: Path, sites: dict[str, str] | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        (tmp_path / f"{name}.txt").write_bytes((PAGES / f"{name}.txt").read_bytes())
        truth = json.loads((PAGES / f"{name}.truth.json").read_text(encoding="utf-8"))
        if sites:
            truth["site"] = sites[name]
        (tmp_path / f"{name}.truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return tmp_path


def _site(sealed: bool) -> str:
    """A site name on the wanted side of the seal."""
    k = 0
    while (xxhash.xxh3_64(f"site{k}.example".encode()).intdigest() % SEAL_MODULUS == 0) != sealed:
        k += 1
    return f"site{k}.example"


def test_seal_rule_is_xxh3_of_the_site() -> None:
    assert is_sealed(_site(sealed=True)) and not is_sealed(_site(sealed=False))


def test_folds_split_the_pages_and_sealed_has_no_page_detail(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {NAMES[0]: _site(sealed=True), NAMES[1]: _site(sealed=False)})
    sealed, open_ = run_eval(folder, fold="sealed"), run_eval(folder, fold="open")
    assert sealed["overall"]["n_pages"] == 1 and open_["overall"]["n_pages"] == 1
    assert sealed["pages"] == [] and sealed["details"] == {} and "worst_pages" not in sealed["overall"]
    assert [p["page_id"] for p in open_["pages"]] == [NAMES[1]]
    assert run_eval(folder)["overall"]["n_pages"] == 2
    assert "No per-page detail" in render_eval_report(sealed)


def test_report_shows_predicted_against_true_with_mismatches(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = run_eval(folder)
    n_ok = render_eval_report(result).count('<li class="ok">')
    assert n_ok >= 2 * 16  # nearly all of the 18 comments agree on both sides
    result["details"]["southfront-000"]["pred"]["comments"][0]["author"] = "Someone Else"  # a wrong author
    page = render_eval_report(result)
    assert page.startswith("<!doctype html>") and "<script" not in page and "http" not in page.split("<body>")[0]
    assert all(f'id="{name}"' in page for name in NAMES)
    assert "Per source" in page and "Per layout" in page
    assert '<li class="bad"><b>Someone Else</b>' in page
    assert page.count('<li class="ok">') == n_ok - 2  # the first comment turns red on both sides
    json.dumps(result)


def test_cli_writes_the_report(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "pages")
    out = tmp_path / "out" / "report.html"
    assert main(["eval", str(folder), "--report", str(out)]) == 0
    assert "southfront-000" in out.read_text(encoding="utf-8")


def test_write_eval_report_replaces_atomically(tmp_path: Path) -> None:
    path = write_eval_report({"overall": {"n_pages": 0}}, tmp_path / "r.html")
    assert path.read_text(encoding="utf-8").endswith("</html>") and not list(tmp_path.glob(".*.tmp"))
