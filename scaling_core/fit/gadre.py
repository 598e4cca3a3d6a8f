"""Gadre et al. 2024's four-parameter law: Chinchilla's form with one exponent for N and D.

Gadre et al. (arXiv:2403.08540, section 2.1) start from Hoffmann et al. 2022's
L(N, D) = E + A/N^α + B/D^β (eq. 2 there), assume α = β, and write the law in compute
C = 6·N·D and the token multiplier M = D/N:

    L(C, M) = E + (a·M^η + b·M^−η)·C^−η,

which is the same law as E + A/N^α + B/D^α with α = 2η, a = A·6^η and b = B·6^η
(substitute N = √(C/6M), D = √(CM/6)).  `fit_gadre` fits it in its (N, D) spelling: the
Chinchilla form with the two exponents tied, four free parameters E, A, B, α.  The result is a
`FitResult` of form ``"chinchilla"`` whose alpha and beta are equal, so every prediction,
report and allocation (a = b = 1/2: with α = β, N_opt ∝ C^0.5) works unchanged;
`gadre_constants` gives (E, a, b, η) in the paper's spelling.  The objective is the Approach-3
one (Huber δ on log loss; Hoffmann et al. 2022, Appendix D.2), not Gadre et al.'s own
least-squares curve fit on loss.

Examples
--------
>>> import numpy as np, pandas as pd
>>> n = np.repeat([1e8, 3e8, 1e9], 3)
>>> d = np.tile([2e9, 8e9, 3e10], 3)
>>> runs = pd.DataFrame({"n_params": n, "n_tokens": d, "loss": 1.9 + 400 / n**0.3 + 900 / d**0.3})
>>> result = fit_gadre(runs)
>>> round(result.params["alpha"], 3), round(result.params["beta"], 3)
(0.3, 0.3)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.fit.base import DEFAULT_DELTA, FLOPS_PER_PARAM_TOKEN, FitError, RunsLike
from scaling_core.fit.forms import (
    _check_delta,
    _check_fixed,
    _check_penalty,
    _lse_result,
    _penalty_text,
    _prepare,
    _require,
)
from scaling_core.fit.objective import _LSEModel as _FullModel
from scaling_core.fit.objective import _newton, _Solution
from scaling_core.fit.result import FitResult
from scaling_core.fit.starts import _grid_chunk, _lse_grid_scores, _pick_separated
from scaling_core.laws import FloatArray

#: θ_full = TIE @ θ: (e, a, b, α) ↦ (e, a, b, α, α), the Chinchilla parameter vector.
TIE: FloatArray = np.array(
    [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1]], dtype=float
)


class _TiedModel:
    """The Chinchilla LSE model (`scaling_core.fit.objective._LSEModel`) with α = β.

    θ = (e, a, b, α); the map to the full θ is linear (`TIE`), so the Jacobian is J·TIE and the
    curvature term TIEᵀ·(Σ c_i ∇²r_i)·TIE, both exact.
    """

    n_theta = 4

    def __init__(self, full: _FullModel) -> None:
        self.full = full
        self.x = full.x
        self.y = full.y

    def residuals(self, theta: FloatArray) -> FloatArray:
        return self.full.residuals(TIE @ theta)

    def derivatives(
        self, theta: FloatArray
    ) -> tuple[FloatArray, FloatArray, Callable[[FloatArray], FloatArray]]:
        r, jac, curvature = self.full.derivatives(TIE @ theta)
        return r, jac @ TIE, lambda c: TIE.T @ curvature(c) @ TIE


def _tied_starts(
    full: _FullModel,
    loss: FloatArray,
    w: FloatArray,
    fixed_theta: Mapping[int, float],
    grid_points: int,
    n_starts: int,
) -> list[FloatArray]:
    """Variable projection on one exponent: for each α of a grid, non-negative least squares
    for (E, A, B) in loss space (the Chinchilla starts of `scaling_core.fit.starts` on the
    diagonal α = β)."""
    grid = np.linspace(0.02, 2.0, grid_points)
    exps = np.column_stack([grid, grid])
    chunk = _grid_chunk(len(loss), 4)
    pieces = [
        _lse_grid_scores(full.x, loss, w, fixed_theta, exps[i : i + chunk])
        for i in range(0, len(exps), chunk)
    ]
    coef = np.concatenate([c for c, _ in pieces])
    sse = np.concatenate([e for _, e in pieces])
    floor = 1e-3 * float(loss.min())
    starts = []
    for g in _pick_separated(sse, (grid_points,), n_starts):
        alpha = float(grid[g])
        values = list(coef[g])
        theta = np.empty(4)
        theta[3] = alpha
        if 0 in fixed_theta:
            theta[0] = fixed_theta[0]
        else:
            theta[0] = math.log(max(values.pop(0), floor))
        for j in (1, 2):
            typical = float(np.median(np.exp(-alpha * full.x[:, j - 1])))
            theta[j] = math.log(max(values.pop(0), floor / max(typical, 1e-300)))
        starts.append(theta)
    return starts


def fit_gadre(
    runs: RunsLike,
    *,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    fixed: Mapping[str, float] | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 200,
    n_starts: int = 3,
    overestimate_penalty: float = 1.0,
) -> FitResult:
    """Fit L(N, D) = E + A/N^α + B/D^α, Gadre et al. 2024's L(C, M) (module docstring).

    Same Huber objective on log loss, starts and Newton polish as
    `scaling_core.fit.forms.fit_chinchilla`, with one exponent; fixable: E.
    ``overestimate_penalty`` weights over-predicted runs (OLMo-core's option).  Returns a
    ``"chinchilla"`` `FitResult` with alpha == beta.

    References
    ----------
    S. Y. Gadre et al., "Language models scale reliably with over-training and on downstream
    tasks", arXiv:2403.08540, 2024, section 2.1; Hoffmann et al. 2022, arXiv:2203.15556, eq. 2
    and Appendix D.2.
    """
    delta_value = _check_delta(delta)
    penalty = _check_penalty(overestimate_penalty)
    fixed_params = _check_fixed("chinchilla", fixed)
    if set(fixed_params) - {"E"}:
        raise FitError("the gadre form can fix E only (its exponent is shared by N and D)")
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude)
    fixed_theta: dict[int, float] = {}
    if "E" in fixed_params:
        e = fixed_params["E"]
        fixed_theta[0] = math.log(e) if e > 0 else -math.inf
    _require(data, 4 - len(fixed_theta), "gadre", {"n_params": 2, "n_tokens": 2})
    full = _FullModel(
        np.column_stack([np.log(data.n_params), np.log(data.n_tokens)]), np.log(data.loss)
    )
    model = _TiedModel(full)
    free = np.array([0 not in fixed_theta, True, True, True])
    best: _Solution | None = None
    for start in _tied_starts(full, data.loss, data.weight, fixed_theta, grid_points, n_starts):
        theta = start
        if not math.isinf(delta_value):
            theta = _newton(model, theta, free, data.weight, math.inf, 100, penalty).theta
        sol = _newton(model, theta, free, data.weight, delta_value, penalty=penalty)
        if best is None or sol.objective < best.objective:
            best = sol
    if best is None:
        raise FitError("no usable starting point for the gadre fit")
    full_solution = _Solution(
        TIE @ best.theta, best.objective, best.converged, best.iterations, best.message
    )
    return _lse_result(
        "chinchilla",
        full_solution,
        full,
        data,
        dropped,
        delta,
        fixed_params,
        "Gadre et al. 2024's 4-parameter form (Chinchilla's eq. 2 with alpha = beta): Huber on "
        "log loss, variable projection + Newton" + _penalty_text(penalty),
        penalty,
    )


def gadre_constants(result: FitResult) -> dict[str, float]:
    """(E, a, b, η) of L(C, M) = E + (a·M^η + b·M^−η)·C^−η from an α = β fit: η = α/2,
    a = A·6^η, b = B·6^η (Gadre et al. 2024, section 2.1)."""
    p = result.params
    if not math.isclose(p["alpha"], p["beta"], rel_tol=1e-9):
        raise FitError("gadre_constants needs a fit with alpha = beta (fit_gadre)")
    eta = p["alpha"] / 2
    scale = FLOPS_PER_PARAM_TOKEN**eta
    return {"E": p["E"], "a": p["A"] * scale, "b": p["B"] * scale, "eta": eta}
