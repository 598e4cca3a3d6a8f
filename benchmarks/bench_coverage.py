"""How often the bootstrap's 95% interval of a holds the truth: clusters against rows.

Uses the simulation of ``tests/test_coverage.py`` (its generator: a Chinchilla-like law, 5
budgets x 5-7 sizes x 3 seeds, configuration noise 0.012 and seed noise 0.003 in log loss)
with as many draws per sweep as the pages use, and prints, per resampling, how many of the
sweeps' intervals hold a = beta/(alpha + beta) (Hoffmann et al. 2022, eq. 4), the median
width and the time.

Usage: ``python benchmarks/bench_coverage.py [--sweeps 60] [--draws 1000]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_coverage import A_TRUE, isoflop_sweep

from scaling_core.fit import bootstrap_fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweeps", type=int, default=60)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    print(f"{args.sweeps} simulated sweeps, {args.draws} draws each; true a = {A_TRUE:.4f}")
    for resample in ("clusters", "rows"):
        start = time.process_time()
        held, widths = 0, []
        for k in range(args.sweeps):
            boot = bootstrap_fit(
                isoflop_sweep(10_000 + k), n_boot=args.draws, seed=k, resample=resample
            )
            low, high = boot.intervals["a"]
            held += low <= A_TRUE <= high
            widths.append(high - low)
        print(
            f"  {resample:<8}  holds the truth in {held} of {args.sweeps} "
            f"({held / args.sweeps:.0%}), median width {np.median(widths):.3f}, "
            f"CPU {time.process_time() - start:.0f} s"
        )


if __name__ == "__main__":
    main()
