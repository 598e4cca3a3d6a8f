"""A small load test against the real server (benchmarks/bench_load.py runs the full one):
sessions move sliders over Streamlit's websocket while a browser uploads hostile files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import require_browser

pytestmark = pytest.mark.browser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_sliders_keep_working_while_hostile_files_are_uploaded() -> None:
    require_browser()
    import bench_load

    result = bench_load.run_load(sessions=4, moves=3, rows=50_000, think=0.5)
    assert result.errors == []
    assert len(result.latencies) == 9
    assert len(result.latencies_by_page) == 3  # landscape, frontier, overfitting
    assert result.alive_after
    assert len(result.upload_messages) == 2
    assert "20,000 columns; the limit is 2,000" in result.upload_messages[1]
    assert result.quantile(0.95) < 5.0  # seconds, on a shared 2-core machine


def test_members_zip_upload_leaves_the_server_small_and_others_answering() -> None:
    """Issue 19: the 1 MB zip of 500 members of 1 MiB (500 MiB of tables) took the server's
    process tree to 18.2 GB. Now: a message, no exception box, the tree (server and its
    children, from /proc) under 1.5 GB, and the slider sessions keep answering."""
    require_browser()
    import bench_load
    import hostile_files

    result = bench_load.run_load(
        sessions=3,
        moves=4,
        think=0.5,
        uploads=[("members.zip", hostile_files.members_zip())],
    )
    assert result.errors == []
    assert result.upload_exceptions == [0]
    assert len(result.upload_messages) == 1
    assert "declare more than 200.0 MiB once unpacked" in result.upload_messages[0]
    assert result.rss_peak < 1.5 * 1024  # MiB
    assert len(result.latencies) == 8 and result.alive_after
