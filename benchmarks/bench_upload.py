"""Time of an upload on the fit page: read + validate + fit (no bootstrap) of a learning-curve CSV.

Generates a 10,000-row learning-curve CSV in memory (20 runs x 500 logged steps; Chinchilla-form
losses with lognormal noise) and runs it through `dashboard.fit_session.analyse` -- the
function the page's cached parse + fit calls, without Streamlit -- best of 3, on one core.
Also times the extras the page draws for the same file (IsoFLOP snapshots and groups, the
extrapolation check), which are separate cached steps.

Run: ``python benchmarks/bench_upload.py [n_runs] [n_steps]``
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
logging.getLogger("streamlit").setLevel(logging.ERROR)

from benchmarks.machine import describe_machine  # noqa: E402


def curves_csv(n_runs: int = 20, n_steps: int = 500, seed: int = 7) -> bytes:
    """Learning curves: run_id, n_params, step, tokens_seen, eval/loss (Epoch 2024 law + noise)."""
    rng = np.random.default_rng(seed)
    pieces = []
    for i, n_params in enumerate(np.geomspace(4e7, 3e9, n_runs)):
        n_params = float(f"{n_params:.3g}")
        steps = np.linspace(1, 60 * n_params / 524_288, n_steps).round().astype(int) + 1
        tokens = steps * 524_288.0
        loss = 1.8172 + 482.01 / n_params**0.3478 + 2085.43 / tokens**0.3658
        loss *= np.exp(0.005 * rng.standard_normal(n_steps))
        pieces.append(
            pd.DataFrame(
                {
                    "run_id": f"run-{i:02d}",
                    "n_params": n_params,
                    "step": steps,
                    "tokens_seen": tokens,
                    "eval/loss": loss.round(5),
                }
            )
        )
    return pd.concat(pieces).to_csv(index=False).encode()


def best_of(repeats: int, func) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def main(n_runs: int = 20, n_steps: int = 500) -> None:
    from dashboard import fit_groups as fg
    from dashboard import fit_session as fs

    data = curves_csv(n_runs, n_steps)
    options = fs.FitOptions(points="snapshots")  # the page's default for learning curves
    print(describe_machine())
    print(f"learning-curve CSV: {n_runs * n_steps:,} rows, {len(data) / 1e6:.2f} MB")
    seconds, outcome = best_of(3, lambda: fs.analyse(data, options))
    assert outcome.result is not None, outcome.read_error or outcome.fit_error
    p = outcome.result.params
    print(
        f"read + validate + snapshots + fit (analyse, chinchilla, no bootstrap): "
        f"{seconds * 1e3:.0f} ms "
        f"best of 3  [alpha {p['alpha']:.3f}, beta {p['beta']:.3f}, {outcome.result.n_runs} runs]"
    )
    log = outcome.log
    seconds, _ = best_of(3, lambda: fs.read_upload(data))
    print(f"  of which read + validate (read_run_log): {seconds * 1e3:.0f} ms")
    final = fs.FitOptions(points="final")
    seconds, _ = best_of(3, lambda: fs.analyse(data, final))
    print(f"  the same fitting the last point of each run instead: {seconds * 1e3:.0f} ms")
    seconds, _ = best_of(3, lambda: fg.isoflop_view(log, outcome.table, outcome.result, "auto"))
    print(f"IsoFLOP snapshots + fitted curves for the chart: {seconds * 1e3:.0f} ms")
    seconds, _ = best_of(3, lambda: fs.extrapolation(outcome.table, options, "compute_flops", 0.8))
    print(f"extrapolation check: {seconds * 1e3:.0f} ms")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
