"""Benchmark of the Approach-3 fit (a script that prints numbers; not a test).

Measures, on 250 synthetic runs (Epoch AI law of Besiroglu et al. 2024 × 1% lognormal noise):

1. `fit_chinchilla` (variable-projection starts + Newton), best of several;
2. the whole ``python -m scaling_core fit FILE --json`` command, wall time including start-up;
3. 1,000 bootstrap refits (`bootstrap_fit`);
4. the published 4,500-start L-BFGS-B grid (`fit_chinchilla_grid`, Hoffmann et al. 2022,
   App. D.2) on the same runs: time ratio and both objectives side by side;
5. issue 18's bar on real runs: ``fit --bootstrap 10000`` against a plain ``fit`` of Gadre et
   al.'s 34 C4 runs from the command line, start-up included, interleaved (target: within 8x).

Usage: ``python benchmarks/bench_fit.py [--runs 250] [--grid-stride 1] [--skip-grid]``
(``--grid-stride 10`` runs every 10th grid start for a quick look).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy

from scaling_core.fit import bootstrap_fit, fit_chinchilla, fit_chinchilla_grid
from scaling_core.fit.reference import _published_grid

ROOT = Path(__file__).resolve().parents[1]
EPOCH = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}


def synthetic_runs(n: int, noise: float = 0.01, seed: int = 0) -> pd.DataFrame:
    """N log-uniform in 7e7..1.6e10, D in 5e9..5e11; Epoch law × exp(noise·ε)."""
    rng = np.random.default_rng(seed)
    n_params = np.exp(rng.uniform(np.log(7e7), np.log(1.6e10), n))
    n_tokens = np.exp(rng.uniform(np.log(5e9), np.log(5e11), n))
    p = EPOCH
    loss = p["E"] + p["A"] / n_params ** p["alpha"] + p["B"] / n_tokens ** p["beta"]
    loss = loss * np.exp(noise * rng.standard_normal(n))
    return pd.DataFrame(
        {
            "run": [f"r{i:03d}" for i in range(n)],
            "n_params": n_params,
            "n_tokens": n_tokens,
            "loss": loss,
        }
    )


def best_of(repeats: int, call) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=250)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--grid-stride", type=int, default=1, help="use every k-th grid start")
    parser.add_argument("--skip-grid", action="store_true", help="leave out part 4 (slow)")
    args = parser.parse_args()

    print("machine")
    print(f"  platform   {platform.platform()}")
    print(f"  processor  {platform.processor() or platform.machine()}")
    print(f"  cpu_count  {os.cpu_count()} (affinity: {len(os.sched_getaffinity(0))})")
    print(f"  load avg   {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"  python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, pandas {pd.__version__}"
    )

    runs = synthetic_runs(args.runs)
    print(f"\ndata: {args.runs} synthetic runs, Epoch 2024 law x 1% lognormal noise (seed 0)")

    best, median, ours = best_of(7, lambda: fit_chinchilla(runs))
    print("\n1. fit_chinchilla (Approach 3, variable projection + Newton)")
    print(f"   time      best {best * 1e3:.1f} ms, median {median * 1e3:.1f} ms (7 repeats)")
    print(f"   objective {ours.objective:.12g}  converged={ours.converged} ({ours.message})")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.csv"
        runs.rename(columns={"n_params": "params", "n_tokens": "tokens"}).to_csv(path, index=False)
        command = [sys.executable, "-m", "scaling_core", "fit", str(path), "--json"]

        def cli() -> None:
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True)

        best_cli, median_cli, _ = best_of(5, cli)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare = time.perf_counter() - start
    print("\n2. python -m scaling_core fit FILE --json (wall time, including start-up)")
    print(
        f"   time      best {best_cli:.3f} s, median {median_cli:.3f} s (5 repeats); "
        f"bare interpreter {bare:.3f} s"
    )

    start = time.perf_counter()
    boot = bootstrap_fit(runs, n_boot=args.boot, seed=0, compute_flops=1e21)
    boot_time = time.perf_counter() - start
    print(f"\n3. bootstrap_fit: {args.boot} refits of {args.runs} runs")
    print(
        f"   time      {boot_time:.2f} s ({boot_time / args.boot * 1e3:.2f} ms per refit), "
        f"failed {boot.n_failed}"
    )
    for name in ("alpha", "beta", "a"):
        low, high = boot.intervals[name]
        print(f"   {name:<6}    95% [{low:.4f}, {high:.4f}]")

    cli_bootstrap_ratio()
    if args.skip_grid:
        return
    grid = _published_grid()[:: args.grid_stride]
    start = time.perf_counter()
    reference = fit_chinchilla_grid(runs, starts=grid)
    grid_time = time.perf_counter() - start
    print(f"\n4. published grid: L-BFGS-B from {len(grid)} starts (Hoffmann et al. 2022, App. D.2)")
    print(f"   time      {grid_time:.2f} s  -> {grid_time / best:.0f}x the new fit's best time")
    print(f"   {'':<10}{'new fit':>22}{'4,500-start grid':>22}")
    print(f"   {'objective':<10}{ours.objective:>22.12g}{reference.objective:>22.12g}")
    for name in ("E", "A", "B", "alpha", "beta"):
        print(f"   {name:<10}{ours.params[name]:>22.6g}{reference.params[name]:>22.6g}")
    diff = ours.objective - reference.objective
    print(f"   new - grid objective = {diff:.3g} ({diff / reference.objective:.2e} relative)")


def cli_bootstrap_ratio(repeats: int = 3, draws: int = 10_000) -> None:
    """Part 5: wall time of `fit --bootstrap 10000` over a plain `fit` on Gadre et al.'s C4 runs."""
    sample = ROOT / "sample_data/real/gadre-2024/gadre2024_final_losses.csv"
    plain = [sys.executable, "-m", "scaling_core", "fit", str(sample)]
    plain += ["--where", "dataset=c4_original"]
    boot = [*plain, "--bootstrap", str(draws)]
    times: dict[str, list[float]] = {"plain": [], "boot": []}
    for _ in range(repeats):  # interleaved, so a change of load hits both
        for name, command in (("plain", plain), ("boot", boot)):
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    plain_s, boot_s = statistics.median(times["plain"]), statistics.median(times["boot"])
    print(f"\n5. fit --bootstrap {draws} vs plain fit, Gadre et al. C4 (34 runs), with start-up")
    print(
        f"   plain {plain_s:.2f} s, bootstrap {boot_s:.2f} s (median of {repeats}, interleaved)"
        f" -> {boot_s / plain_s:.1f}x (target 8x)"
    )


if __name__ == "__main__":
    main()
