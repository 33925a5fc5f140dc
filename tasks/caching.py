"""Cache keys for stage tasks that follow the files, not their names.

Prefect's ``INPUTS`` policy hashes a path string, so a changed file at the same path is served
stale from the cache, and ``TASK_SOURCE`` hashes only the task body, not the stage code it calls.
``StageCache`` keys a task run on:

- the task name and a code version: the xxh3 of the source files of the modules the stage runs;
- every argument, with each ``Path`` (also inside lists and tuples) replaced by its path plus a
  fingerprint of the file behind it (size and modification time, or ``missing``);
- pydantic models by their JSON.

The argument named ``out`` is the stage's own output (a file or folder). It is not part of the key,
but when a cached result exists and its output is gone, the key is made unique for this run, so
the stage runs again: a deleted stage output is recomputed, never trusted.
"""

from __future__ import annotations

import importlib.util
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash
from prefect.cache_policies import CachePolicy
from prefect.context import TaskRunContext
from pydantic import BaseModel

from tasks.io import file_fingerprint


def code_version(*modules: str) -> str:
    """xxh3 of the source of the given modules (``tasks.parse`` ...), for cache keys."""
    digest = xxhash.xxh3_64()
    for name in sorted(modules):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            digest.update(f"{name}:absent".encode())
            continue
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()


def _fingerprint(value: Any) -> Any:
    if isinstance(value, Path):
        if value.is_dir():
            return [str(value), sorted((p.name, file_fingerprint(p)) for p in value.rglob("*") if p.is_file())]
        return [str(value), file_fingerprint(value)]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_fingerprint(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _fingerprint(v) for k, v in sorted(value.items())}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def _exists(out: Any) -> bool:
    if isinstance(out, Path):
        return out.exists()
    if isinstance(out, list | tuple):
        return all(_exists(o) for o in out)
    return True


@dataclass
class StageCache(CachePolicy):
    """Cache policy keyed on file fingerprints, configuration and stage code (see module docstring)."""

    version: str = ""
    exclude: list[str] = field(default_factory=list)

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        """Return the key; unique for this run when a cached result's output files are gone."""
        material = {
            "task": task_ctx.task.name,
            "version": self.version,
            "inputs": {k: _fingerprint(v) for k, v in sorted(inputs.items()) if k not in {"out", *self.exclude}},
        }
        key = xxhash.xxh3_128_hexdigest(json.dumps(material, sort_keys=True, default=str).encode())
        out = inputs.get("out")
        store = task_ctx.result_store
        if out is not None and not _exists(out) and store is not None and store.exists(key):
            return f"{key}-rerun-{time.time_ns()}"
        return key
