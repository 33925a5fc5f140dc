"""bench/bench_build.py: what it derives from its samples, and that it runs a real build (no speed checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.bench_build import cores_wanted, measure, stage_peaks
from tests.conftest import SAMPLE


def test_cores_wanted_caps_at_the_cores_and_starts_where_asked() -> None:
    samples = [(0.0, 0), (1.0, 3), (2.0, 1), (3.0, 2)]
    assert cores_wanted(samples, 0.0, 2) == pytest.approx((0 + 2 + 1 + 2) / 4)
    assert cores_wanted(samples, 1.5, 2) == pytest.approx(1.5)
    assert cores_wanted(samples, 9.0, 2) == 0.0


def test_stage_peaks_take_the_highest_sample_inside_each_task() -> None:
    rss = {7: [(0.5, 100.0), (1.5, 300.0), (2.5, 200.0), (3.5, 900.0)], 8: [(1.5, 5000.0)]}
    runs = [{"stage": "parse", "at": 1.0, "seconds": 2.0, "pid": 7},
            {"stage": "write", "at": 3.0, "seconds": 0.1, "pid": 7}]
    assert stage_peaks(rss, runs) == {"parse": 300}  # no sample fell inside the write task; pid 8 ran nothing


@pytest.mark.slow
@pytest.mark.write_disk
def test_measures_a_build_of_the_sample(tmp_path: Path) -> None:
    trace = tmp_path / "trace.csv"
    result = measure(SAMPLE, tmp_path / "out", ["--runner", "threads"], interval=0.2, trace=trace)
    n_pages = len(list((SAMPLE / "pages").glob("*.txt")))
    assert result["pages"] == n_pages
    assert result["cpu_seconds"] > 0
    assert 0 < result["seconds_to_first_task"] < result["wall_seconds"]
    assert result["peak_rss_mb_by_process_kind"]["build"] > 0
    assert result["peak_rss_mb_all_processes_at_once"] >= result["peak_rss_mb_by_process_kind"]["build"] * 0.5
    assert result["summary"]["articles"] > 0
    rows = [line.split(",") for line in trace.read_text().splitlines()]
    assert rows[0] == ["seconds", "all_mb", "build_mb", "api_server_mb", "worker_mb", "cpu_s"]
    assert len(rows) > 2 and all(len(r) == 6 for r in rows)
    assert max(float(r[1]) for r in rows[1:]) == pytest.approx(result["peak_rss_mb_all_processes_at_once"], abs=1)
    assert all(float(r[1]) >= float(r[2]) for r in rows[1:])
