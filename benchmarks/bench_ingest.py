"""Time and memory of reading run logs with scaling_core.runs.read_run_log.

Generates, in a temporary directory:

* a clean 1,000,000-row finished-runs CSV (params, tokens, flops, val_loss),
* the same with messy cells: 1 % of params written with suffixes ("350M") and
  0.1 % of losses unreadable (they are dropped and reported),
* a 10,000-row learning-curve CSV (20 runs x 500 steps).

Each file is read in a fresh Python process (so memory numbers are not polluted
by generating the data): best wall time of 3 reads, the peak traced Python/numpy
allocation of one read (tracemalloc), and the growth of the process's peak
resident set size over the baseline after imports (ru_maxrss).

Run: ``python benchmarks/bench_ingest.py [n_rows]``
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def write_runs_csv(path: Path, n_rows: int, *, messy: bool = False, seed: int = 0) -> None:
    """Finished runs with 4 numeric columns; ``messy`` adds suffixes and bad cells."""
    rng = np.random.default_rng(seed)
    n_params = 10 ** rng.uniform(7, 10, n_rows)
    n_tokens = 10 ** rng.uniform(9, 12, n_rows)
    loss = 1.7 + 400 / n_params**0.34 + 410 / n_tokens**0.28
    frame = pd.DataFrame(
        {"params": n_params, "tokens": n_tokens, "flops": 6 * n_params * n_tokens, "val_loss": loss}
    )
    if messy:
        params_text = np.char.mod("%.6g", n_params).astype(object)
        suffixed = rng.random(n_rows) < 0.01
        params_text[suffixed] = [f"{v / 1e6:.1f}M" for v in n_params[suffixed]]
        frame["params"] = params_text
        loss_text = np.char.mod("%.6g", loss).astype(object)
        loss_text[rng.random(n_rows) < 0.001] = "diverged"
        frame["val_loss"] = loss_text
    frame.to_csv(path, index=False, float_format="%.6g")


def write_curves_csv(path: Path, n_runs: int = 20, n_steps: int = 500, seed: int = 1) -> None:
    """Learning curves: run, step, tokens_seen, params, loss."""
    rng = np.random.default_rng(seed)
    pieces = []
    for i in range(n_runs):
        n_params = 10 ** rng.uniform(7, 9.5)
        step = np.arange(1, n_steps + 1)
        tokens = step * 524_288.0
        loss = 1.7 + 400 / n_params**0.34 + 410 / tokens**0.28 + rng.normal(0, 0.01, n_steps)
        pieces.append(
            pd.DataFrame(
                {
                    "run": f"run-{i:02d}",
                    "step": step,
                    "tokens_seen": tokens,
                    "params": n_params,
                    "loss": loss,
                }
            )
        )
    pd.concat(pieces).to_csv(path, index=False, float_format="%.6g")


def measure_in_this_process(path: str, repeats: int = 3) -> dict[str, float]:
    """Best wall time, tracemalloc peak and ru_maxrss growth of reading ``path``."""
    import resource
    import time
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    from scaling_core.runs import read_run_log

    read_run_log(b"params,tokens,loss\n1,2,3\n")  # warm up imports and caches
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        log = read_run_log(path)
        best = min(best, time.perf_counter() - start)
        del log
    rss_growth_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - baseline_kib
    tracemalloc.start()
    log = read_run_log(path)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": best,
        "traced_mib": traced_peak / 2**20,
        "rss_growth_mib": rss_growth_kib / 1024,
        "rss_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "kept": log.report.n_rows_kept,
        "dropped": log.report.n_dropped,
    }


def main() -> None:
    n_rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            (f"finished runs, {n_rows:,} rows, clean", Path(tmp) / "runs.csv"),
            (f"finished runs, {n_rows:,} rows, messy", Path(tmp) / "runs_messy.csv"),
            ("learning curves, 20 runs x 500 steps", Path(tmp) / "curves.csv"),
        ]
        write_runs_csv(cases[0][1], n_rows)
        write_runs_csv(cases[1][1], n_rows, messy=True)
        write_curves_csv(cases[2][1])
        for label, path in cases:
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            size_mib = path.stat().st_size / 2**20
            print(
                f"{label}: {size_mib:.1f} MiB file; best of 3: {result['seconds']:.3f} s "
                f"({result['kept'] / result['seconds']:,.0f} rows kept/s); "
                f"peak traced allocation {result['traced_mib']:.0f} MiB; "
                f"peak RSS {result['rss_peak_mib']:.0f} MiB "
                f"(+{result['rss_growth_mib']:.0f} MiB over the process after imports); "
                f"kept {result['kept']:,}, dropped {result['dropped']:,}"
            )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure_in_this_process(sys.argv[2])))
    else:
        main()
