"""Deployment steps of ``prefect.yaml``: the project folder, from ``CORPUSFLOW_ROOT``, checked where it is used.

A deployment's relative paths (``data/incoming``, ``data/corpus``) are read from the folder its flow
runs start in. The process worker starts each run in a temporary folder; the pull step
:func:`enter_project_root` moves to ``CORPUSFLOW_ROOT`` instead. ``prefect deploy`` fills in
``{{ $CORPUSFLOW_ROOT }}`` from its own environment and stores the folder in the deployment (the
worker's environment does not matter); it also runs :func:`check_project_root` as a build step, so
a deployment made without the variable fails at once, naming it, instead of every run failing later
in a temporary folder. A run of a deployment stored without it fails in its pull step, saying so in
the run's logs.
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
            f"{ROOT_ENV} was not set when this deployment was made: set it to the corpusflow project folder (the "
            f"one with prefect.yaml) where you run `prefect deploy`, e.g. `export {ROOT_ENV}=/srv/corpusflow`, "
            f"and deploy again (the deployment keeps the folder; the worker needs nothing)")
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
    """Pull step of a flow run: start in the project folder, or fail at once naming ``CORPUSFLOW_ROOT``.

    The error is also logged to the flow run (its logs in the UI): Prefect marks a run whose pull step
    failed ``Crashed`` with only the process's exit status as message.
    """
    try:
        root = project_root(directory)
    except ProjectRootError as exc:
        from prefect.logging import get_logger  # noqa: PLC0415 -- only in a flow run's process
        from prefect.runtime import flow_run  # noqa: PLC0415

        if flow_run.id:  # outside a flow run (a test, a shell) there is no run to log to: the error says it
            get_logger("flow_runs").error("%s", exc, extra={"flow_run_id": flow_run.id})
        raise
    os.chdir(root)
    return {"directory": str(root)}
