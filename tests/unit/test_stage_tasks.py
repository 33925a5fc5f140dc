"""The build's stage tasks (flows/stage_tasks.py): one name per stage."""

from __future__ import annotations

from prefect import Task

from flows import stage_tasks


def test_each_stage_has_one_name() -> None:
    """Issue 22: the Prefect task name, the function and the timing record (``seconds_<stage>`` of
    last_run.json, ``stage`` of executions.jsonl) are one name, in kebab-case, snake_case + ``_task``, snake_case."""
    tasks = [t for t in vars(stage_tasks).values() if isinstance(t, Task)]
    assert len(tasks) == 18
    for t in tasks:
        assert t.fn.__name__.endswith("_task")
        assert t.name == t.fn.__name__.removesuffix("_task").replace("_", "-"), t.fn.__name__
