"""notebooks/explore.ipynb runs top to bottom against a fresh build of the bundled sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE

NOTEBOOK = REPO / "notebooks" / "explore.ipynb"


def test_notebook_is_committed_without_outputs() -> None:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code
    assert all(not c["outputs"] and c["execution_count"] is None for c in code), (
        "strip the outputs before committing (e.g. jupyter nbconvert --clear-output --inplace notebooks/explore.ipynb)"
    )


@pytest.fixture(scope="module")
def built_sample(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Path:
    """The sample pages plus two inputs that must be rejected, built into a temporary folder."""
    from flows.build_corpus import build_corpus
    from flows.config import BuildConfig

    root = tmp_path_factory.mktemp("notebook")
    extra = root / "extra"
    extra.mkdir()
    (extra / "empty-page.txt").write_bytes(b"")
    (extra / "binary-page.txt").write_bytes(bytes(range(256)) * 64)
    out = root / "corpus"
    build_corpus(BuildConfig(inputs=(str(SAMPLE / "pages"), str(extra)), out=out,
                             manifest=SAMPLE / "manifest.csv"))
    return out


@pytest.mark.slow
@pytest.mark.write_disk
def test_notebook_runs_top_to_bottom(built_sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("ipykernel")
    pytest.importorskip("duckdb")
    pytest.importorskip("pandas")

    monkeypatch.setenv("CORPUS_DIR", str(built_sample))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, with the failing cell and its traceback, on any error

    def text(cell: dict) -> str:
        return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in cell["outputs"])

    printed = "\n".join(text(c) for c in nb.cells if c.cell_type == "code")
    assert str(built_sample) in printed  # the notebook read the folder it was given
    assert "'rejects': 2" in printed
    assert "2 rejected inputs" in printed
    assert "rescrape" in printed
