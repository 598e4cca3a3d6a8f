"""Readable values on a log scale (1-2-5 and finer per decade), for compute budgets and axis ticks."""

from __future__ import annotations

import math

import numpy as np


def log_grid(low: float, high: float, per_decade: int = 10) -> list[float]:
    """Readable values on a log scale from ``low`` to ``high`` (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 per decade)."""
    mantissas = {10: (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8), 3: (1, 2, 5), 1: (1,)}.get(per_decade)
    if mantissas is None:
        mantissas = tuple(float(m) for m in np.round(10 ** (np.arange(per_decade) / per_decade), 2))
    lo = math.floor(math.log10(low))
    hi = math.ceil(math.log10(high))
    values = [m * 10.0**e for e in range(lo, hi + 1) for m in mantissas]
    return [float(f"{v:.6g}") for v in values if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]
