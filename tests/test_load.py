"""A small load test against the real server (benchmarks/bench_load.py runs the full one):
sessions move sliders over Streamlit's websocket while a browser uploads hostile files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_sliders_keep_working_while_hostile_files_are_uploaded() -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium at /usr/bin/chromium for the uploading session")
    pytest.importorskip("playwright")
    import bench_load

    result = bench_load.run_load(sessions=4, moves=3, rows=50_000, think=0.5)
    assert result.errors == []
    assert len(result.latencies) == 9
    assert len(result.latencies_by_page) == 3  # landscape, frontier, overfitting
    assert result.alive_after
    assert len(result.upload_messages) == 2
    assert "20,000 columns; the limit is 2,000" in result.upload_messages[1]
    assert result.quantile(0.95) < 5.0  # seconds, on a shared 2-core machine
