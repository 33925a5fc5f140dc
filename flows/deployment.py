"""Deployment steps of ``prefect.yaml``: the project folder, from ``CORPUSFLOW_ROOT``, checked where it is used.

A deployment's relative paths (``data/incoming``, ``data/corpus``) are read from the folder its flow
runs start in. The process worker starts each run in a temporary folder; the pull step
:func:`enter_project_root` moves to ``CORPUSFLOW_ROOT`` instead. That variable is read in the
environment of the worker (``prefect worker start``), when each run starts; ``prefect deploy`` runs
:func:`check_project_root` as a build step, so a deployment made without it fails at once, naming
the variable, instead of every run failing later in a temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "CORPUSFLOW_ROOT"


class ProjectRootError(RuntimeError):
    """``CORPUSFLOW_ROOT`` is not set or does not name the project folder."""


def project_root(directory: str | None) -> Path:
    """The project folder ``directory`` names (``{{ $CORPUSFLOW_ROOT }}`` filled in by Prefect), checked.

    Raises:
        ProjectRootError: the variable is unset (Prefect passes an empty or missing value, or the
            placeholder itself) or names no folder with the project's ``flows/`` in it.
    """
    value = (directory or "").strip()
    if not value or value.startswith("{{"):
        raise ProjectRootError(
            f"{ROOT_ENV} is not set: set it to the corpusflow project folder (the one with prefect.yaml) in the "
            f"environment of `prefect deploy` and of `prefect worker start`, e.g. "
            f"`export {ROOT_ENV}=/srv/corpusflow`")
    root = Path(value).expanduser()
    if not root.is_dir():
        raise ProjectRootError(f"{ROOT_ENV}={value} is not a folder: set {ROOT_ENV} to the corpusflow project folder "
                               f"(the one with prefect.yaml)")
    if not (root / "flows" / "build_corpus.py").is_file():
        raise ProjectRootError(f"{ROOT_ENV}={value} has no flows/build_corpus.py: set {ROOT_ENV} to the corpusflow "
                               f"project folder (the one with prefect.yaml)")
    return root.resolve()


def check_project_root(directory: str | None = None) -> dict[str, str]:
    """Build step of ``prefect deploy``: fail the deployment at once when ``CORPUSFLOW_ROOT`` is not usable."""
    return {"directory": str(project_root(directory))}


def enter_project_root(directory: str | None = None) -> dict[str, str]:
    """Pull step of a flow run: start in the project folder, or fail at once naming ``CORPUSFLOW_ROOT``."""
    root = project_root(directory)
    os.chdir(root)
    return {"directory": str(root)}
