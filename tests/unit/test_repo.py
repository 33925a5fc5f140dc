"""Issue 19: what the README's examples create under data/ stays out of git; the bundled sample stays in."""

from __future__ import annotations

import ast
import shutil
import subprocess

import pytest

from tests.conftest import REPO


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="not a git checkout")
@pytest.mark.parametrize(("path", "ignored"), [
    ("data/incoming/page.txt", True),            # corpus serve data/incoming, prefect.yaml's drop folder
    ("data/corpus/_current", True),              # make demo, corpus build's default --out
    ("data/corpus-2/articles/part-0.parquet", True),  # another --out under data/
    ("data/.prefect/prefect.db", True),          # the make targets' Prefect home
    ("data/report.html", True),                  # corpus stats --html
    ("data/sample/pages/southfront-000.txt", False),
    ("data/sample/manifest.csv", False),
])
def test_example_outputs_under_data_are_ignored(path: str, ignored: bool) -> None:
    result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO, check=False)
    assert (result.returncode == 0) is ignored, path


def test_stage_code_imports_neither_prefect_nor_flows() -> None:
    """Issue 22: nothing in tasks/ imports up into flows/ or Prefect; the Prefect layer (stage tasks, cache
    keys) is in flows/."""
    upward = []
    for path in sorted((REPO / "tasks").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            upward += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in {"flows", "prefect"}]
    assert upward == []
