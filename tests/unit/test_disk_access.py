"""Only the I/O modules write to disk (house style): a scan of every module under ``tasks/`` for calls that
write, rename or remove files."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IO_MODULES = {
    "tasks/io.py",  # stage files, state files
    "tasks/ingest/inputs.py",  # inputs (reads only today; listed as an I/O module)
    "tasks/publish/snapshots.py",  # the output folder and its commit point
    "tasks/publish/write.py",  # the published datasets
    "tasks/publish/compaction.py",  # corpus compact: the merged files of a partition
}
MODEL_CACHE = {"tasks/extract/langid.py"}
"""langid keeps the language model it built in a cache folder of its own, outside every output folder."""

WRITING_ATTRS = {
    "write_parquet", "sink_parquet", "write_csv", "sink_csv", "write_ndjson", "sink_ndjson", "write_json",
    "write_ipc", "sink_ipc", "write_text", "write_bytes", "write_table", "write_dataset", "ParquetWriter",
    "mkdir", "makedirs", "unlink", "rmdir", "rmtree", "replace", "rename", "move", "copy", "copyfile",
    "symlink_to", "hardlink_to", "link", "symlink", "remove", "touch", "mkstemp", "mkdtemp", "NamedTemporaryFile",
}
"""Names whose call writes, moves or removes a file (``str.replace`` is told apart by its receiver below)."""


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            given = [k.value for k in node.keywords if k.arg == "mode"]
            mode = node.args[1] if len(node.args) > 1 else (given[0] if given else None)
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax+"):
                found.append((node.lineno, f"open(..., {mode.value!r})"))
        elif isinstance(func, ast.Attribute) and func.attr in WRITING_ATTRS:
            receiver = func.value
            ambiguous = func.attr in {"replace", "rename", "remove", "link", "symlink", "copy", "move"}
            if ambiguous and not (isinstance(receiver, ast.Name) and receiver.id in {"os", "shutil"}):
                continue  # counted only as os.*/shutil.*: str.replace, list.remove, the polars methods do not write
            if func.attr == "write_json" and isinstance(receiver, ast.Name) and receiver.id == "io":
                continue  # the call goes through the I/O module
            found.append((node.lineno, func.attr))
    return found


def test_only_io_modules_write_to_disk() -> None:
    offenders = []
    for path in sorted((ROOT / "tasks").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in IO_MODULES or rel in MODEL_CACHE:
            continue
        offenders += [f"{rel}:{line} {what}" for line, what in _writes(ast.parse(path.read_text(encoding="utf-8")))]
    assert offenders == []


def test_scan_sees_writes() -> None:
    """The scan finds the writing calls it is meant to find (a stage module that wrote would fail the test)."""
    code = (
        "import os, shutil\n"
        "def f(df, p):\n"
        "    df.write_parquet(p)\n"
        "    open(p, 'w').write('x')\n"
        "    os.replace(p, p)\n"
        "    shutil.rmtree(p)\n"
        "    p.mkdir()\n"
        "    'a'.replace('a', 'b')\n"
        "    open(p).read()\n"
    )
    assert sorted(what for _, what in _writes(ast.parse(code))) == ["mkdir", "open(..., 'w')", "replace", "rmtree",
                                                                  "write_parquet"]


def test_io_modules_exist() -> None:
    assert all((ROOT / rel).exists() for rel in IO_MODULES | MODEL_CACHE)
