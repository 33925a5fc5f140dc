"""Issue 7: the per-shard stages on a Dask cluster (a LocalCluster of two worker processes) give the same output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.flows.test_crash_safety import _snapshot

pytestmark = [pytest.mark.slow, pytest.mark.write_disk, pytest.mark.usefixtures("prefect_server")]


def test_dask_cluster_build_equals_local_build(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from flows.build_corpus import build_corpus, on_dask
    from flows.config import BuildConfig

    def config(out: Path) -> BuildConfig:
        return BuildConfig(inputs=(str(SAMPLE / "pages"),), out=out, manifest=SAMPLE / "manifest.csv", shard_size=3)

    build_corpus(config(tmp_path / "local"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = on_dask(cluster.scheduler_address)(config(tmp_path / "dask"))
    assert summary["shards"] == 3
    local, dask = _snapshot(tmp_path / "local"), _snapshot(tmp_path / "dask")
    for name, frame in local.items():
        assert dask[name].equals(frame), name
