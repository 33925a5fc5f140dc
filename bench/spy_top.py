"""Summarise a py-spy profile of a build: where the samples go, by function and by stage task.

Record a build with py-spy (``pip install -e ".[bench]"`` installs it), in raw (collapsed stack) form:

    py-spy record --format raw --rate 50 -o spy.txt -- .venv/bin/corpus build PAGES --out OUT
    py-spy record --format raw --rate 50 --gil -o spy-gil.txt -- .venv/bin/corpus build PAGES --out OUT

then ``.venv/bin/python -m bench.spy_top spy.txt``. Without ``--gil`` py-spy samples every thread that is
running (on CPU or waiting for the GIL); with ``--gil`` only the thread that holds the GIL, which is what
limits a thread runner: two task threads run in parallel only while one of them is outside the GIL.

Each sample's stack is put in one group: the stage task on it (a ``*_task`` function of
``flows/stage_tasks.py``), else ``startup`` for imports (of the command, Prefect and the stage code), else
``prefect`` when a frame of the ``prefect`` package is on it (the flow and task engines, the client,
events and logs, outside any stage body), else ``other``. Then the top functions by own samples (the
frame on top of the stack) and by samples they are on the stack for.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]*?)(?::\d+)?\)$")
_TASK = re.compile(r"^(?P<task>\w+_task) \(flows/stage_tasks\.py")


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    """Collapsed stacks of a py-spy raw file: (frame, ...) from the root, with their sample counts."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def function(frame: str) -> str:
    """``func (file)``: a frame without its line number."""
    m = _FRAME.match(frame)
    return f"{m['func']} ({m['file']})" if m else frame


def group(stack: tuple[str, ...]) -> str:
    """The stage task a stack runs in, or ``prefect``, ``startup`` or ``other``."""
    for frame in stack:
        m = _TASK.match(frame)
        if m:
            return m["task"]
    if any("importlib._bootstrap" in frame for frame in stack):
        return "startup"
    if any("prefect/" in frame for frame in stack):
        return "prefect"
    return "other"


def summarise(stacks: Counter[tuple[str, ...]], *, top: int = 15) -> str:
    """The report: samples per group, and the top functions by own and by inclusive samples."""
    total = sum(stacks.values())
    if not total:
        return "no samples"
    groups: Counter[str] = Counter()
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for stack, n in stacks.items():
        groups[group(stack)] += n
        own[function(stack[-1])] += n
        for name in {function(f) for f in stack}:
            inclusive[name] += n

    def table(title: str, counts: Counter[str], limit: int | None = None) -> list[str]:
        lines = [title]
        lines += [f"  {n / total:6.1%} {n:8,d}  {name}" for name, n in counts.most_common(limit)]
        return lines

    out = [f"{total:,} samples"]
    out += table("by stage task (or Prefect outside the stage bodies):", groups)
    out += table(f"top {top} functions by own samples:", own, top)
    out += table(f"top {top} functions by samples on the stack:", inclusive, top)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path, help="py-spy output recorded with --format raw")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    print(summarise(read_stacks(args.profile), top=args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
