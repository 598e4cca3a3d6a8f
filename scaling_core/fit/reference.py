"""The published Approach-3 method (Hoffmann et al. 2022, Appendix D.2; Besiroglu et al. 2024): L-BFGS-B
from a 4,500-point grid of starts.  Kept as the reference the benchmark and the tests compare against.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.fit.base import DEFAULT_DELTA, RunsLike
from scaling_core.fit.forms import _check_delta, _lse_result, _prepare, _require
from scaling_core.fit.objective import _huber, _LSEModel, _Solution
from scaling_core.fit.result import FitResult
from scaling_core.laws import (
    FloatArray,
)


def _published_grid() -> FloatArray:
    """The 4,500 starts of Hoffmann et al. 2022, App. D.2: (e, a, b, α, β) over the grid."""
    alphas = np.arange(0.0, 2.0 + 1e-9, 0.5)
    es = np.arange(-1.0, 1.0 + 1e-9, 0.5)
    abs_ = np.arange(0.0, 25.0 + 1e-9, 5.0)
    grid = itertools.product(es, abs_, abs_, alphas, alphas)
    return np.array(list(grid), dtype=float)


def fit_chinchilla_grid(
    runs: RunsLike,
    *,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    starts: ArrayLike | None = None,
) -> FitResult:
    """The published reference: L-BFGS-B from each of 4,500 grid starts, keep the best.

    Grid (Hoffmann et al. 2022, Appendix D.2): α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1},
    a, b ∈ {0, 5, …, 25}; objective Σ w·Huber_δ(LSE(a − α log N, b − β log D, e) − log L),
    minimised by scipy's L-BFGS-B (default tolerances) with the analytic gradient.  ``starts``
    (rows of e, a, b, α, β) replaces the grid, e.g. a subset for quick tests.  Slow by design:
    kept for comparison with `fit_chinchilla`.
    """
    from scipy.optimize import minimize  # lazy: scipy.optimize is slow to import

    delta_value = _check_delta(delta)
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude)
    _require(data, 5, "chinchilla", {"n_params": 2, "n_tokens": 2})
    x = np.column_stack([np.log(data.n_params), np.log(data.n_tokens)])
    model = _LSEModel(x, np.log(data.loss))
    w = data.weight

    def objective_and_gradient(theta: FloatArray) -> tuple[float, FloatArray]:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            r, jac, _ = model.derivatives(theta)
        rho, psi, _ = _huber(r, delta_value)
        value = float(np.dot(w, rho))
        if not math.isfinite(value):
            return 1e300, np.zeros_like(theta)
        return value, jac.T @ (w * psi)

    grid = _published_grid() if starts is None else np.atleast_2d(np.asarray(starts, float))
    best_theta, best_value, best_message, best_ok = grid[0], math.inf, "", False
    for start in grid:
        res = minimize(objective_and_gradient, start, jac=True, method="L-BFGS-B")
        if res.fun < best_value:
            best_theta, best_value, best_message, best_ok = (
                res.x,
                float(res.fun),
                str(res.message),
                bool(res.success),
            )
    sol = _Solution(np.asarray(best_theta), best_value, best_ok, 0, best_message)
    return _lse_result(
        "chinchilla",
        sol,
        model,
        data,
        dropped,
        delta,
        {},
        f"published grid: L-BFGS-B from {len(grid)} starts",
    )
