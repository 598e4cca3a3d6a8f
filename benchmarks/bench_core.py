"""Benchmark the numeric core: a 400×400 loss surface per preset and a 500-point frontier.

Run: ``python benchmarks/bench_core.py``.  Prints the best of many repeats, in milliseconds,
pinned to one thread so the numbers are per core.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe_machine

from scaling_core.allocation import compute_optimal_frontier, loss_surface
from scaling_core.presets import PRESETS


def best_ms(fn, repeat: int = 30) -> float:
    """Best wall time of ``fn`` over ``repeat`` runs (each run timed separately), in ms."""
    return min(timeit.repeat(fn, number=1, repeat=repeat)) * 1e3


def main() -> None:
    print(f"machine: {describe_machine()} (one thread used)")
    n_grid = np.geomspace(1e6, 1e13, 400)
    d_grid = np.geomspace(1e8, 1e15, 400)
    print("400×400 loss surface L(N, D):")
    for key, law in PRESETS.items():
        if law.has_loss:
            print(
                f"  {key:<28} {best_ms(lambda law=law: loss_surface(law, n_grid, d_grid)):7.2f} ms"
            )
    print("500-point compute-optimal frontier, 1e15..1e28 FLOP:")
    for key, law in PRESETS.items():
        ms = best_ms(lambda law=law: compute_optimal_frontier(law, 1e15, 1e28, 500))
        print(f"  {key:<28} {ms:7.2f} ms")


if __name__ == "__main__":
    main()
