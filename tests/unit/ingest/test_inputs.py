"""Listing the input files: ``input_files_frame`` lists what ``expand_inputs`` lists, in pieces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tasks.ingest import inputs


def _tree(root: Path) -> list[str]:
    """A folder of pages in sub-folders, a hidden file, a file of an unknown kind, a symbolic link out of it."""
    given = []
    for folder in ("b", "a", "a/c"):
        (root / "pages" / folder).mkdir(parents=True, exist_ok=True)
        for i in (3, 1, 2):
            page = root / "pages" / folder / f"p{i}.txt"
            page.write_text("x" * (i + len(folder)), encoding="utf-8")
            os.utime(page, ns=(1_700_000_000_000_000_000 + i, 1_700_000_000_000_000_000 + i))
    (root / "pages" / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (root / "pages" / "notes.xyz").write_text("?", encoding="utf-8")
    (root / "outside.txt").write_text("outside", encoding="utf-8")
    (root / "pages" / "link.txt").symlink_to(root / "outside.txt")
    given.append(str(root / "pages"))
    given.append(str(root / "pages" / "a" / "p1.txt"))  # also inside the folder: listed once
    given.append(str(root / "pages" / "b" / "p*.txt"))  # a glob of files listed already
    given.append(str(root / "missing" / "*.txt"))  # matches nothing
    return given


@pytest.mark.parametrize("piece", [1, 2, 100_000])
@pytest.mark.parametrize("follow", [False, True])
def test_the_frame_lists_the_files_of_expand_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int,
                                                    follow: bool) -> None:
    given = _tree(tmp_path)
    monkeypatch.setattr(inputs, "INPUT_FRAME_PIECE", piece)
    files, unmatched = inputs.expand_inputs(given, follow_symlinks=follow)
    frame, unmatched_frame = inputs.input_files_frame(given, follow_symlinks=follow)
    assert frame.rows() == [(f.path, f.size, f.mtime_ns) for f in files]
    assert frame.schema == {"path": inputs.pl.String, "size": inputs.pl.Int64, "mtime_ns": inputs.pl.Int64}
    assert unmatched_frame == unmatched == [given[-1]]
    assert frame.height == 9 + follow  # nine pages, the link only when links are followed


def test_no_input_files_give_an_empty_frame(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    frame, unmatched = inputs.input_files_frame([str(tmp_path / "empty")])
    assert frame.height == 0 and unmatched == []
    assert frame.columns == ["path", "size", "mtime_ns"]
