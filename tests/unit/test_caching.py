"""Stage cache keys follow the code a task reaches (issue 22): no hand-kept module lists."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flows.caching import StageCache, code_closure, code_version

PKG = "cfpkg_cache_test"

FILES = {
    "__init__.py": "",
    "steps.py": (
        f"from {PKG} import io\n"
        f"from {PKG}.stage import run\n"
        f"from {PKG}.other import other_fn\n"
        "\n"
        "def a_task(x: int) -> int:\n"
        "    return io.write(run(x))\n"
        "\n"
        "def b_task(x: int) -> int:\n"
        "    return other_fn(x)\n"
    ),
    "stage.py": (
        '"""Stage docstring."""\n'
        f"from {PKG}.helpers import helper\n"
        f"from {PKG}.unused import nothing\n"
        "LIMIT = 3\n"
        "\n"
        "def run(x: int) -> int:\n"
        "    return helper(x) + LIMIT\n"
        "\n"
        "def unrelated(x: int) -> int:\n"
        "    return nothing(x)\n"
    ),
    "helpers.py": (
        "from pathlib import Path\n"
        "WEIGHTS = Path(__file__).with_name('models') / 'weights.json'\n"
        "\n"
        "def helper(x: int) -> int:\n"
        "    return x * len(WEIGHTS.read_text())\n"
    ),
    "io.py": "def write(x: int) -> int:\n    return x\n",
    "other.py": "def other_fn(x: int) -> int:\n    return x\n",
    "unused.py": "def nothing(x: int) -> int:\n    return x\n",
}


@pytest.fixture
def pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / PKG
    root.mkdir()
    for name, text in FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "models").mkdir()
    (root / "models" / "weights.json").write_text('{"w": 1}', encoding="utf-8")
    (root / "models" / "other.json").write_text('{"w": 1}', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return root


def _version(task: str = "a_task") -> str:
    return code_version(f"{PKG}.steps", task, packages=(PKG,))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_closure_follows_names_and_imports(pkg: Path) -> None:
    closure = code_closure(f"{PKG}.steps", "a_task", packages=(PKG,))
    assert sorted(closure) == [f"{PKG}.helpers", f"{PKG}.io", f"{PKG}.stage", f"{PKG}.steps"]
    stage = "\n".join(closure[f"{PKG}.stage"])
    assert "def run" in stage and "LIMIT = 3" in stage and "def unrelated" not in stage
    assert not any("b_task" in s for s in closure[f"{PKG}.steps"])


@pytest.mark.parametrize(("file", "old", "new"), [
    ("helpers.py", "return x *", "return 3 * x *"),  # two imports away
    ("models/weights.json", '"w": 1', '"w": 2'),  # a data file a reached statement names
    ("stage.py", "LIMIT = 3", "LIMIT = 4"),  # a constant the function reads
    ("io.py", "return x", "return x + 1"),  # a module imported as such
    ("steps.py", "io.write(run(x))", "io.write(run(x + 1))"),  # the task itself
])
def test_editing_reached_code_changes_the_key(pkg: Path, file: str, old: str, new: str) -> None:
    before = _version()
    _edit(pkg / file, old, new)
    assert _version() != before


@pytest.mark.parametrize(("file", "old", "new"), [
    ("other.py", "return x", "return x + 1"),  # imported by the module, used by another task
    ("unused.py", "return x", "return x + 1"),  # imported by the stage module, used by a function not reached
    ("stage.py", "return nothing(x)", "return nothing(x) + 1"),  # same module, function not reached
    ("steps.py", "return other_fn(x)", "return other_fn(x) - 1"),  # another task of the same module
    ("helpers.py", "read_text())\n", "read_text())  # scaled\n"),  # a comment
    ("models/other.json", '"w": 1', '"w": 2'),  # a data file beside it that no statement names
    ("stage.py", "Stage docstring.", "Another docstring."),  # the module docstring
])
def test_editing_code_not_reached_keeps_the_key(pkg: Path, file: str, old: str, new: str) -> None:
    before = _version()
    _edit(pkg / file, old, new)
    assert _version() == before


def test_new_module_imported_by_reached_code_changes_the_key(pkg: Path) -> None:
    before = _version()
    (pkg / "extra.py").write_text("K = 1\n", encoding="utf-8")
    _edit(pkg / "helpers.py", "def helper", f"from {PKG}.extra import K\n\ndef helper")
    _edit(pkg / "helpers.py", "return x *", "return K * x *")
    middle = _version()
    assert middle != before
    _edit(pkg / "extra.py", "K = 1", "K = 2")
    assert _version() != middle


def test_stage_tasks_reach_the_modules_they_run() -> None:
    """The modules the old hand-kept lists missed (issue 22) are in the keys; other stages' modules are not."""
    ingest = code_closure("flows.stage_tasks", "ingest_task")
    assert {"tasks.ingest.pages", "tasks.hashing", "tasks.ingest.readers", "tasks.ingest.encoding",
            "tasks.ingest.sites", "tasks.ingest.render"} <= set(ingest)
    assert "tasks.extract.langid" not in ingest and "tasks.extract.parse" not in ingest
    assert "tasks.extract.html" not in ingest  # the renderer is ingest's own; the markup path is parse's
    parse = code_closure("flows.stage_tasks", "parse_task")
    assert {"tasks.extract.parse", "tasks.extract.html", "tasks.ingest.readers", "tasks.ingest.render",
            "tasks.extract.chain"} <= set(parse)
    # parse runs boilerplate's prose test and chrome lines (parse confidence), never langid or dedup
    assert "tasks.extract.boilerplate" in parse
    assert not [m for m in parse if m == "tasks.extract.langid" or m.startswith("tasks.dedup")]
    langid = code_closure("flows.stage_tasks", "detect_language_task")
    assert {"tasks.extract.langid", "tasks.hashing"} <= set(langid)
    assert "tasks.extract.parse" not in langid
    assert {"tasks.publish.select", "tasks.publish.write"} <= set(code_closure("flows.stage_tasks", "write_task"))


def test_stage_cache_keys_on_the_task_function() -> None:
    """StageCache with no version takes it from the task's own function (its module and name)."""
    fn = SimpleNamespace(__module__="flows.stage_tasks", __name__="parse_task")
    ctx: Any = SimpleNamespace(task=SimpleNamespace(name="parse", fn=fn), result_store=None)
    policy = StageCache()
    key = policy.compute_key(ctx, {"x": 1}, {})
    assert policy.version == code_version("flows.stage_tasks", "parse_task")
    assert key == StageCache(version=policy.version).compute_key(ctx, {"x": 1}, {})
    assert key != StageCache(version=code_version("flows.stage_tasks", "ingest_task")).compute_key(ctx, {"x": 1}, {})


def test_filled_code_versions_are_those_the_key_would_work_out() -> None:
    """The flow process fills the stage tasks' code versions before they go to worker processes."""
    from flows.caching import fill_code_versions

    def fn() -> None: ...

    fn.__module__, fn.__name__ = "flows.stage_tasks", "parse_task"
    task = SimpleNamespace(cache_policy=StageCache(), fn=fn)
    other = SimpleNamespace(cache_policy=None, fn=fn)
    assert fill_code_versions([task, other, "not a task"]) == 1
    assert task.cache_policy.version == code_version("flows.stage_tasks", "parse_task")
    ctx: Any = SimpleNamespace(task=SimpleNamespace(name="parse", fn=fn), result_store=None)
    assert task.cache_policy.compute_key(ctx, {"x": 1}, {}) == StageCache().compute_key(ctx, {"x": 1}, {})
