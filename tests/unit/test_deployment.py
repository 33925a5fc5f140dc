"""Issue 19: a deployment whose project folder is not set fails at once, naming CORPUSFLOW_ROOT."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from flows.deployment import ProjectRootError, check_project_root, enter_project_root
from tests.conftest import REPO


@pytest.mark.parametrize("value", [None, "", "   ", "{{ $CORPUSFLOW_ROOT }}"])
def test_an_unset_root_names_the_variable(value: str | None) -> None:
    with pytest.raises(ProjectRootError, match="CORPUSFLOW_ROOT was not set when this deployment was made"):
        check_project_root(value)


def test_a_root_that_is_not_the_project_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectRootError, match=r"CORPUSFLOW_ROOT=.* is not a folder"):
        enter_project_root(str(tmp_path / "missing"))
    with pytest.raises(ProjectRootError, match=r"has no flows/build_corpus\.py"):
        enter_project_root(str(tmp_path))


def test_the_pull_step_enters_the_project_folder(tmp_path: Path) -> None:
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert enter_project_root(str(REPO)) == {"directory": str(REPO.resolve())}
        assert Path.cwd() == REPO.resolve()
    finally:
        os.chdir(here)


def test_prefect_yaml_checks_the_root_when_deploying_and_when_a_run_starts() -> None:
    config = yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))
    assert config["build"] == [{"flows.deployment.check_project_root": {"directory": "{{ $CORPUSFLOW_ROOT }}"}}]
    assert config["pull"] == [{"flows.deployment.enter_project_root": {"directory": "{{ $CORPUSFLOW_ROOT }}"}}]
