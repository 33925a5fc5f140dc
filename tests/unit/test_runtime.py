"""Which Prefect home a command uses (``flows.runtime.configure_prefect``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows import runtime


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for key in ("PREFECT_HOME", "CORPUSFLOW_PREFECT_HOME", *runtime.QUIET_DEFAULTS):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(runtime, "DEFAULT_PREFECT_HOME", tmp_path / "default")
    return monkeypatch


def test_the_flag_wins_over_prefect_home(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("PREFECT_HOME", str(tmp_path / "from-env"))
    assert runtime.configure_prefect(tmp_path / "flag") == (tmp_path / "flag").resolve()
    assert (tmp_path / "flag").is_dir()


def test_prefect_home_wins_over_corpusflow_prefect_home(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("PREFECT_HOME", str(tmp_path / "from-env"))
    env.setenv("CORPUSFLOW_PREFECT_HOME", str(tmp_path / "ours"))
    assert runtime.configure_prefect() == tmp_path / "from-env"


def test_corpusflow_prefect_home_then_the_default(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("CORPUSFLOW_PREFECT_HOME", str(tmp_path / "ours"))
    assert runtime.configure_prefect() == (tmp_path / "ours").resolve()
    env.delenv("PREFECT_HOME")
    env.delenv("CORPUSFLOW_PREFECT_HOME")
    assert runtime.configure_prefect() == (tmp_path / "default").resolve()


def test_quiet_defaults_keep_what_the_user_set(env: pytest.MonkeyPatch) -> None:
    env.setenv("DO_NOT_TRACK", "0")
    runtime.configure_prefect()
    assert os.environ["DO_NOT_TRACK"] == "0"
    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_the_bench_flow_sets_prefect_up_before_importing_it(tmp_path: Path) -> None:
    """Prefect reads its settings once, when imported: the flow benchmark must configure it first, as the
    command line does, or its flow runs with Prefect's default home and start-up timeout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CORPUSFLOW_"))}
    code = ("from bench.bench_pipeline import _flow_environment\n"
            "home = _flow_environment('threads')\n"
            "from prefect.settings import get_current_settings\n"
            "s = get_current_settings()\n"
            "print(home, s.home, s.server.ephemeral.startup_timeout_seconds, sep='|')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.strip().splitlines()[-1]
    home, prefect_home, timeout = out.split("|")
    assert Path(prefect_home) == Path(home)
    assert timeout == runtime.QUIET_DEFAULTS["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]


def test_disk_full_from_names_the_folder_once(tmp_path: Path) -> None:
    """Issue 22: one owner of the disk-full wrapping (stage wrapper, pipeline, output lock)."""
    full = OSError(28, "No space left on device")
    wrapped = runtime.disk_full_from(full, tmp_path)
    assert isinstance(wrapped, runtime.DiskFullError)
    assert wrapped.__cause__ is full and wrapped.folder == str(tmp_path)
    assert str(tmp_path) in str(wrapped)
    assert runtime.disk_full_from(wrapped, tmp_path) is None  # already named
    raised_from = RuntimeError("stage failed")
    raised_from.__cause__ = wrapped
    assert runtime.disk_full_from(raised_from, tmp_path) is None  # raised from one
    assert runtime.disk_full_from(ValueError("bad input"), tmp_path) is None
