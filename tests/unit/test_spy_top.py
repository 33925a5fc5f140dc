"""``bench.spy_top``: a py-spy raw profile grouped by stage task and function."""

from __future__ import annotations

from pathlib import Path

from bench.spy_top import function, group, read_stacks, summarise

_ROOT = "<module> (corpus:6);main (flows/cli.py:221);Flow.__call__ (prefect/flows.py:1887)"
RAW = "\n".join([
    f"{_ROOT};parse_task (flows/stage_tasks.py:180);segment_pages (tasks/extract/parse.py:790);"
    "segment_page (tasks/extract/parse.py:680) 7",
    f"{_ROOT};parse_task (flows/stage_tasks.py:180);segment_pages (tasks/extract/parse.py:791) 3",
    f"{_ROOT};Task.__call__ (prefect/tasks.py:1238);emit_event (prefect/events/utilities.py:80) 4",
    f"{_ROOT};_find_and_load (<frozen importlib._bootstrap>:1176);<module> (prefect/task_engine.py:432) 2",
    "Thread._bootstrap (threading.py:1002);Thread.run (threading.py:982) 1",
    "not a sample line",
])


def test_groups_and_functions(tmp_path: Path) -> None:
    path = tmp_path / "spy.txt"
    path.write_text(RAW, encoding="utf-8")
    stacks = read_stacks(path)
    assert sum(stacks.values()) == 17
    assert sorted((group(s), n) for s, n in stacks.items()) == [
        ("other", 1), ("parse_task", 3), ("parse_task", 7), ("prefect", 4), ("startup", 2)]
    assert function("segment_page (tasks/extract/parse.py:680)") == "segment_page (tasks/extract/parse.py)"
    report = summarise(stacks, top=5)
    assert "58.8%       10  parse_task" in report
    assert "23.5%        4  prefect" in report
    # own samples: the frame on top; on the stack: every function once per stack
    assert "41.2%        7  segment_page (tasks/extract/parse.py)" in report
    assert "58.8%       10  segment_pages (tasks/extract/parse.py)" in report


def test_empty_profile(tmp_path: Path) -> None:
    path = tmp_path / "spy.txt"
    path.write_text("", encoding="utf-8")
    assert summarise(read_stacks(path)) == "no samples"
