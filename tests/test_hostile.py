"""Hostile inputs end in a usable table or one clear message, within bounded time and memory
(issue 9): the fitter's working memory, the column limit, the 2,000,000-row command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hostile_files import finished_runs_frame, wide_csv

import scaling_core.fit.starts as starts
from scaling_core.fit import bootstrap_fit, fit
from scaling_core.runs import RunLogError, read_run_log
from scaling_core.runs.delimited import MAX_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024


def _runs(n: int, seed: int = 0) -> pd.DataFrame:
    frame = finished_runs_frame(n, seed)
    return frame.rename(columns={"params": "n_params", "tokens": "n_tokens"})[
        ["n_params", "n_tokens", "loss"]
    ]


def _traced_peak(call) -> tuple[object, float]:  # type: ignore[no-untyped-def]
    """(result, peak traced allocation in MiB) of ``call()``; numpy reports to tracemalloc."""
    tracemalloc.start()
    try:
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak / MiB


@pytest.mark.parametrize("form", ["chinchilla", "kaplan", "power-n"])
def test_fit_of_250k_runs_stays_linear_in_memory(form: str) -> None:
    # The old start grid held (1,600 grid points × runs × 3) floats: 9.6 GB at 250,000 runs.
    runs = _runs(250_000)
    result, peak = _traced_peak(lambda: fit(runs, form))
    assert result.converged and result.n_runs == 250_000
    assert peak < 400, f"{form}: peak traced allocation {peak:.0f} MiB"
    if form == "chinchilla":  # recovers the generating constants (eq. 10 of Hoffmann et al.)
        assert result.params["alpha"] == pytest.approx(0.34, abs=0.005)
        assert result.params["beta"] == pytest.approx(0.28, abs=0.005)


def test_no_working_array_exceeds_the_cap() -> None:
    runs = _runs(20_000)
    x = np.column_stack([np.log(runs["n_params"]), np.log(runs["n_tokens"])])
    w = np.ones(len(runs))
    _, peak = _traced_peak(lambda: starts._lse_starts(x, runs["loss"].to_numpy(), w, {}, 40, 4))
    # A few chunk-sized arrays (16 MiB each) at once, never the (grid × runs × 3) features
    # array of the whole 40 × 40 grid (768 MB here).
    assert peak < 12 * starts.MAX_WORKING_FLOATS * 8 / MiB
    assert 20_000 * 1_600 * 3 * 8 / MiB > 4 * peak


@pytest.mark.parametrize("form", ["chinchilla", "kaplan", "power-n", "power-c"])
def test_starts_on_a_subsample_reach_the_full_search_minimum(
    form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = _runs(starts.MAX_START_RUNS + 1_500, seed=3)
    runs["loss"] *= np.exp(np.random.default_rng(1).normal(0, 0.02, len(runs)))
    runs["compute_flops"] = 6 * runs["n_params"] * runs["n_tokens"]
    sampled = fit(runs, form)
    monkeypatch.setattr(starts, "MAX_START_RUNS", 10**9)
    full = fit(runs, form)
    assert sampled.objective == pytest.approx(full.objective, rel=1e-9)
    for name, value in full.params.items():
        assert sampled.params[name] == pytest.approx(value, rel=1e-3), name


def test_small_fits_do_not_subsample() -> None:
    assert starts.start_subsample(np.ones(starts.MAX_START_RUNS)) is None
    picked = starts.start_subsample(np.r_[np.zeros(10), np.ones(starts.MAX_START_RUNS + 5)])
    assert picked is not None and len(picked) == starts.MAX_START_RUNS
    assert picked.min() >= 10  # zero-weight runs are never picked


def test_bootstrap_of_many_runs_is_bounded() -> None:
    runs = _runs(50_000)
    boot, peak = _traced_peak(lambda: bootstrap_fit(runs, n_boot=4, seed=0))
    assert boot.n_failed == 0 and len(boot.samples) == 4
    assert peak < 300, f"peak traced allocation {peak:.0f} MiB"


def test_20000_columns_are_refused_within_2_s() -> None:
    data = wide_csv(20_000, 5)
    start = time.perf_counter()
    with pytest.raises(RunLogError, match=r"20,000 columns; the limit is 2,000") as info:
        read_run_log(data)
    assert time.perf_counter() - start < 2.0
    assert "Keep only the columns a fit needs" in str(info.value)


def test_the_widest_allowed_file_reads_quickly() -> None:
    data = wide_csv(MAX_COLUMNS, 50)
    start = time.perf_counter()
    log = read_run_log(data)
    assert time.perf_counter() - start < 2.0
    assert log.runs.shape == (50, 6 + MAX_COLUMNS - 3)  # run, N, D, C, loss, line + fillers


def _child_peak(args: list[str], timeout: float) -> tuple[int, int, str, str]:
    """(exit status, peak RSS in bytes, stdout, stderr) of ``args`` run by a fresh intermediate
    process, so that the children's peak RSS is the command's own."""
    probe = (
        "import json, resource, subprocess, sys;"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "print(json.dumps([r.returncode,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, r.stdout, r.stderr]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT,
        timeout=timeout,
    )  # fmt: skip
    code, rss, out, err = json.loads(done.stdout)
    return code, rss, out, err


def test_cli_refuses_2_million_rows_cleanly_under_2_gb(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    chunk = finished_runs_frame(100_000).drop(columns=["run", "flops"])
    header, body = chunk.to_csv(index=False, float_format="%.6g").split("\n", 1)
    path.write_text(header + "\n" + body * 20)  # 2,000,000 rows, 63 MB
    start = time.perf_counter()
    code, rss, out, err = _child_peak(
        [sys.executable, "-m", "scaling_core", "fit", str(path), "--json"], timeout=120
    )
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()  # 63 MB: refused on its size, before it is read
    assert line.startswith("error: ") and line.endswith(
        "runs.csv: 60.4 MiB; the limit is 50.0 MiB per file. Split it by run or sweep, or keep "
        "only the columns a fit needs"
    )
    assert rss < 2 * 1024**3 and time.perf_counter() - start < 60


def test_fit_of_2_million_runs_peaks_under_2_gb() -> None:
    script = (
        "import json, sys; sys.path.insert(0, 'tests');"
        "from hostile_files import finished_runs_frame; from scaling_core.fit import fit;"
        "f = finished_runs_frame(2_000_000).drop(columns=['run', 'flops']);"
        "f.columns = ['n_params', 'n_tokens', 'loss'];"
        "r = fit(f); print(json.dumps({'n': r.n_runs, 'ok': r.converged, **r.params}))"
    )
    code, rss, out, err = _child_peak([sys.executable, "-c", script], timeout=240)
    assert code == 0, err
    result = json.loads(out)
    assert result["n"] == 2_000_000 and result["ok"]
    assert result["alpha"] == pytest.approx(0.34, abs=0.002)
    assert rss < 2 * 1024**3, f"peak RSS {rss / MiB:.0f} MiB"
