"""Cache keys for stage tasks that follow the files, not their names.

Prefect's ``INPUTS`` policy hashes a path string, so a changed file at the same path is served
stale from the cache, and ``TASK_SOURCE`` hashes only the task body, not the stage code it calls.
``StageCache`` keys a task run on:

- the task name and a code version: the xxh3 of the code the task runs (:func:`code_version`),
  found by following its imports, so no list of modules is kept by hand;
- every argument, with each ``Path`` (also inside lists and tuples) replaced by its path plus a
  fingerprint of the file behind it (size and modification time, or ``missing``);
- pydantic models by their JSON.

The code version starts at the task's own definition (``flows.stage_tasks.parse_task``) and follows, by
``ast`` over the module sources, every name it uses: a name defined in the same module brings the
top-level statements that define it, a name imported from a ``tasks.*`` or ``schemas.*`` module the
statements that define it there, and a module imported as such (``from tasks import io``) the whole
module; and so on transitively. The key hashes those statements (``ast.unparse``, so comments and
formatting do not count). Editing a function the task reaches changes its key; editing one it does
not reach (another task's wrapper, another stage's module) does not. Data files a reached statement
places beside its module by ``__file__`` (a model's weights, ``profiles/``) count by their bytes
(:func:`data_files`), so retraining a model reruns the stages that read it. Code outside these
packages (polars, flows) is not followed.

The argument named ``out`` is the stage's own output (a file or folder). It is not part of the key,
but when a cached result exists and its output is gone, the key is made unique for this run, so
the stage runs again: a deleted stage output is recomputed, never trusted.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash
from prefect.cache_policies import CachePolicy
from prefect.context import TaskRunContext
from pydantic import BaseModel

from tasks.ingest.inputs import file_fingerprint

FOLLOWED_PACKAGES = ("tasks", "schemas")
"""The top-level packages whose imports :func:`code_version` follows."""


def module_path(name: str) -> Path | None:
    """The source file of module ``name`` (``tasks.extract.parse``) without importing it; None if no such file."""
    top, *rest = name.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin)
    if not rest:
        return root
    if root.name != "__init__.py":
        return None
    base = root.parent.joinpath(*rest)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_source(name: str) -> str | None:
    """The source text of module ``name`` (``tasks.extract.parse``) without importing it; None if no such file."""
    path = module_path(name)
    return None if path is None else path.read_text(encoding="utf-8")


def _stored_names(node: ast.AST) -> set[str]:
    """Names a top-level statement binds (or changes: ``X[k] = v``, ``X.a = v``, ``global X`` in a function)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name} | {n for sub in ast.walk(node) if isinstance(sub, ast.Global) for n in sub.names}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(sub.name)
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in sub.names)
        elif isinstance(sub, ast.Subscript | ast.Attribute) and isinstance(sub.ctx, ast.Store):
            base = sub.value
            while isinstance(base, ast.Subscript | ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name):
                names.add(base.id)
    return names


def _used_names(node: ast.AST) -> set[str]:
    """Names a statement reads, annotations left out (they are not run: ``from __future__ import annotations``)."""
    used: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            used.add(sub.id)
        for fname, value in ast.iter_fields(sub):
            if fname in {"annotation", "returns"}:
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    stack.append(child)
    return used


@dataclass(frozen=True)
class _Module:
    """One module's top-level statements: their text, the names each binds and reads, and its imports."""

    statements: list[str]
    binds: dict[str, list[int]]
    reads: list[set[str]]
    always: list[int]
    imports: dict[str, tuple[str, str | None]]
    """A name bound by an import: (module, name in it), name None for a module imported as such."""


def _load(name: str, packages: tuple[str, ...]) -> _Module | None:
    source = module_source(name)
    return None if source is None else _index(source, name, packages)


@functools.lru_cache(maxsize=256)
def _index(source: str, name: str, packages: tuple[str, ...]) -> _Module:
    """The statements of module ``name`` whose text is ``source`` (kept per text: each task of a process
    reads the same modules, and an edited file is a new text)."""
    tree = ast.parse(source)
    package = name if _is_package(name) else name.rpartition(".")[0]
    statements: list[str] = []
    reads: list[set[str]] = []
    always: list[int] = []
    binds: dict[str, list[int]] = {}
    imports: dict[str, tuple[str, str | None]] = {}
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the module docstring
    for node in body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        k = len(statements)
        statements.append(ast.unparse(node))
        reads.append(_used_names(node))
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = (alias.name, None)
                else:  # ``import a.b`` binds ``a``
                    imports[alias.name.split(".")[0]] = (alias.name.split(".")[0], None)
        elif isinstance(node, ast.ImportFrom):
            origin = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                origin = f"{parent}.{origin}" if origin else parent
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                followed = origin.split(".")[0] in packages and module_source(sub) is not None
                imports[alias.asname or alias.name] = (sub, None) if followed else (origin, alias.name)
        bound = _stored_names(node)
        for n in bound:
            binds.setdefault(n, []).append(k)
        if not bound:
            always.append(k)
    imports = {k: v for k, v in imports.items() if v[0].split(".")[0] in packages}
    return _Module(statements, binds, reads, always, imports)


def _is_package(name: str) -> bool:
    top, *rest = name.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None or Path(spec.origin).name != "__init__.py":
        return False
    return (Path(spec.origin).parent.joinpath(*rest) / "__init__.py").is_file()


def code_closure(module: str, name: str | None = None, *,
                 packages: tuple[str, ...] = FOLLOWED_PACKAGES) -> dict[str, list[str]]:
    """The top-level statements (as ``ast.unparse`` text) that ``module.name`` reaches, by module.

    ``name`` None starts from the whole module. Names imported from modules outside ``packages`` are
    not followed; a name a module binds nowhere at top level brings the whole module (the safe side).
    """
    loaded: dict[str, _Module | None] = {}
    taken: dict[str, set[int]] = {}
    todo: list[tuple[str, str | None]] = [(module, name)]
    seen: set[tuple[str, str | None]] = set()
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        mod_name, wanted = item
        if mod_name not in loaded:
            loaded[mod_name] = _load(mod_name, packages)
        mod = loaded[mod_name]
        if mod is None:
            taken.setdefault(mod_name, set())
            continue
        picked = set(range(len(mod.statements))) if wanted is None else set(mod.binds.get(wanted, []))
        if wanted is not None and not picked:
            picked = set(range(len(mod.statements)))
        if mod_name not in taken:
            picked |= set(mod.always)
        new = picked - taken.setdefault(mod_name, set())
        taken[mod_name] |= new
        for k in new:
            for used in mod.reads[k]:
                if used in mod.imports:
                    todo.append(mod.imports[used])
                elif used in mod.binds:
                    todo.append((mod_name, used))
    return {m: [loaded_m.statements[k] for k in sorted(ks)] if (loaded_m := loaded[m]) else []
            for m, ks in sorted(taken.items())}


_Stamps = tuple[tuple[str, tuple[int, int] | None], ...]
_VERSIONS: dict[tuple[str, str | None, tuple[str, ...]], tuple[str, _Stamps]] = {}
"""Code versions worked out in this process, with the size and modification time of the files they read."""


def data_files(module: str, statements: Iterable[str]) -> list[Path]:
    """The data files beside ``module`` that its ``statements`` name: a model's weights, a folder of profiles.

    Only statements that place a path by ``__file__`` count. Each string in them that names a folder
    beside the module brings the files named inside it by the same statements, or all its files when
    none is named; a string naming a file beside the module brings that file.
    """
    source = module_path(module)
    if source is None:
        return []
    words: set[str] = set()
    for text in statements:
        if "__file__" in text:
            words |= {node.value for node in ast.walk(ast.parse(text))
                      if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value}
    found: set[Path] = set()
    for word in words:
        target = source.parent / word
        if target.is_file():
            found.add(target)
        elif target.is_dir():
            named = {target / other for other in words if (target / other).is_file()}
            found |= named or {p for p in target.rglob("*") if p.is_file()}
    return sorted(found)


def _stamps(modules: Iterable[str]) -> _Stamps:
    """Size and modification time of each module's source, or of a data file given as ``file:PATH``."""
    stamps = []
    for mod in modules:
        path = Path(mod.removeprefix("file:")) if mod.startswith("file:") else module_path(mod)
        try:
            stat = path.stat() if path is not None else None
        except OSError:
            stat = None
        stamps.append((mod, (stat.st_mtime_ns, stat.st_size) if stat is not None else None))
    return tuple(stamps)


def code_version(module: str, name: str | None = None, *, packages: tuple[str, ...] = FOLLOWED_PACKAGES) -> str:
    """xxh3 of the code ``module.name`` reaches (:func:`code_closure`), for cache keys.

    Kept per process while none of the files it read changed (size and modification time): a worker
    process receives each task afresh, and working the closure out again cost it about 40 ms a task run.
    """
    key = (module, name, packages)
    known = _VERSIONS.get(key)
    if known is not None and _stamps(mod for mod, _ in known[1]) == known[1]:
        return known[0]
    closure = code_closure(module, name, packages=packages)
    data = [path for mod, statements in closure.items() for path in data_files(mod, statements)]
    read = [*closure, *(f"file:{path}" for path in data)]
    stamps = _stamps(read)
    digest = xxhash.xxh3_64()
    for mod, statements in closure.items():
        digest.update(f"\0module {mod}\0".encode())
        for text in statements:
            digest.update(text.encode())
            digest.update(b"\0")
    for path in data:
        digest.update(f"\0file {path.name}\0".encode())
        digest.update(path.read_bytes())
    if _stamps(read) == stamps:  # no file changed while it was read
        _VERSIONS[key] = (digest.hexdigest(), stamps)
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
    """Cache policy keyed on file fingerprints, configuration and stage code (see module docstring).

    ``version`` is the code version; left empty, it is :func:`code_version` of the task's own function
    (its module and name), worked out on the first key and kept.
    """

    version: str = ""
    exclude: list[str] = field(default_factory=list)

    def code_version_of(self, task_ctx: TaskRunContext) -> str:
        """The code version of the task run: ``version``, or the code its function reaches."""
        return self.fill_version(task_ctx.task.fn)

    def fill_version(self, fn: Any) -> str:
        """Set ``version`` (when empty) to the code version of ``fn``, the task's function, and return it.

        A task sent to a worker process carries its policy, so a version filled in the flow process
        before the task is sent is not worked out again in every worker."""
        if not self.version:
            self.version = code_version(fn.__module__, fn.__name__)
        return self.version

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
            "version": self.code_version_of(task_ctx),
            "inputs": {k: _fingerprint(v) for k, v in sorted(inputs.items()) if k not in {"out", *self.exclude}},
        }
        key = xxhash.xxh3_128_hexdigest(json.dumps(material, sort_keys=True, default=str).encode())
        out = inputs.get("out")
        store = task_ctx.result_store
        if out is not None and not _exists(out) and store is not None and store.exists(key):
            return f"{key}-rerun-{time.time_ns()}"
        return key


def fill_code_versions(objects: Iterable[Any]) -> int:
    """Fill the code version of every Prefect task among ``objects`` keyed by a :class:`StageCache`;
    return how many there were."""
    filled = 0
    for obj in objects:
        policy = getattr(obj, "cache_policy", None)
        if isinstance(policy, StageCache) and callable(getattr(obj, "fn", None)):
            policy.fill_version(obj.fn)
            filled += 1
    return filled
