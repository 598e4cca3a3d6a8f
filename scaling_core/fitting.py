"""Fitting scaling laws to your own runs: Approaches 1, 2 and 3, other forms, uncertainty.

Forms
-----
``"chinchilla"``  L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2), fitted as in their
                  Approach 3 (Appendix D.2): minimise
                  Σ_i w_i·Huber_δ(LSE(a − α·log N_i, b − β·log D_i, e) − log L_i),
                  δ = 1e-3, A = e^a, B = e^b, E = e^e.
``"kaplan"``      L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, eq. 1.5),
                  same Huber (or least-squares) objective on log L.
``"power-n"``     L(N) = E + A/N^α (the D → ∞ limit of eq. 2; Hoffmann et al. 2022).
``"power-c"``     L(C) = (C_c/C)^α_C (Kaplan et al. 2020, eq. 1.3), optionally E + (C_c/C)^α_C.

How the Approach-3 fit finds the global minimum fast
----------------------------------------------------
1. *Variable projection for starts.*  For fixed exponents (α, β) the model is linear in
   (E, A, B) in loss space, so a grid over (α, β) with a non-negative least-squares solve for
   (E, A, B) at every grid point (weights 1/L², which mimics a fit in log space) maps the whole
   landscape in a few milliseconds.  The best few well-separated grid points become starts.
2. *Newton polish.*  From each start a damped Newton method with the analytic gradient and
   Hessian of the Huber objective (Levenberg-Marquardt damping, monotone line search) first
   minimises the least-squares objective in log space and then the Huber objective at δ.
   The best end point wins.  No scipy is needed on this path.

The published 4,500-start L-BFGS-B grid method is `fit_chinchilla_grid`, kept as the
reference the benchmark and the tests compare against.

Approaches 1 and 2 of Hoffmann et al. 2022 (section 3.1, envelope of learning curves; section
3.2, IsoFLOP parabolas) are `fit_approach1` and `fit_approach2`.  Uncertainty comes from a
bootstrap over runs (`bootstrap_fit`), and `extrapolation_check` fits the small runs and
predicts the held-out largest ones.

All losses are in nats per token, N in parameters, D in tokens, C = 6·N·D in FLOP.  Residuals
are log(predicted) − log(observed).

References
----------
J. Hoffmann et al., "Training Compute-Optimal Large Language Models", arXiv:2203.15556, 2022
(eq. 2, sections 3.1-3.3, Appendix D.2).
J. Kaplan et al., "Scaling Laws for Neural Language Models", arXiv:2001.08361, 2020 (eqs. 1.3,
1.5).
T. Besiroglu et al., "Chinchilla Scaling: A replication attempt", arXiv:2404.10102, 2024 (drop
the 5 highest-loss runs; bootstrap intervals).

Examples
--------
>>> import numpy as np, pandas as pd
>>> n = np.repeat([1e8, 3e8, 1e9, 3e9], 4)
>>> d = np.tile([2e9, 6e9, 2e10, 6e10], 4)
>>> loss = 1.8172 + 482.01 / n**0.3478 + 2085.43 / d**0.3658
>>> fit = fit_chinchilla(pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss}))
>>> round(fit.params["alpha"], 3), round(fit.params["beta"], 3)
(0.348, 0.366)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scaling_core.laws import (
    HOFFMANN_2022,
    ChinchillaLaw,
    FloatArray,
    KaplanLaw,
    PowerLawAllocation,
    Source,
)

__all__ = [
    "DEFAULT_DELTA",
    "FORMS",
    "BootstrapResult",
    "ComputeOptimalFit",
    "ExtrapolationResult",
    "FitError",
    "FitResult",
    "bootstrap_fit",
    "extrapolation_check",
    "fit",
    "fit_approach1",
    "fit_approach2",
    "fit_chinchilla",
    "fit_chinchilla_grid",
    "fit_kaplan",
    "fit_power_c",
    "fit_power_n",
    "group_isoflop",
]

#: Huber threshold of Hoffmann et al. 2022, Appendix D.2 (on residuals of log loss).
DEFAULT_DELTA: float = 1e-3
#: FLOP per parameter per token, C = 6·N·D (Kaplan et al. 2020, section 2.1).
FLOPS_PER_PARAM_TOKEN: float = 6.0
#: The fit forms understood by `fit`.
FORMS: tuple[str, ...] = ("chinchilla", "kaplan", "power-n", "power-c")
#: The `Source.paper` of laws fitted to the user's runs.
YOUR_RUNS = "Your runs"

Form: TypeAlias = Literal["chinchilla", "kaplan", "power-n", "power-c"]
RunsLike: TypeAlias = Any  # a DataFrame with n_params, n_tokens, loss columns, or a RunLog

_PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "chinchilla": ("E", "A", "B", "alpha", "beta"),
    "kaplan": ("n_c", "d_c", "alpha_n", "alpha_d"),
    "power-n": ("E", "A", "alpha"),
    "power-c": ("E", "C_c", "alpha_c"),
}
_FORM_TEXT: dict[str, str] = {
    "chinchilla": "L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, eq. 2)",
    "kaplan": "L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D (Kaplan et al. 2020, eq. 1.5)",
    "power-n": "L(N) = E + A/N^alpha (Hoffmann et al. 2022, eq. 2 with D -> inf)",
    "power-c": "L(C) = E + (C_c/C)^alpha_c (Kaplan et al. 2020, eq. 1.3 when E = 0)",
}


class FitError(ValueError):
    """A fit that cannot be done as asked; the message is one line a user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


# =========================================================================== the runs


@dataclass(frozen=True)
class _Runs:
    """Validated arrays of the runs a fit sees (all rows, before exclusions)."""

    run: np.ndarray  # object array of labels
    n_params: FloatArray
    n_tokens: FloatArray
    compute_flops: FloatArray
    loss: FloatArray
    weight: FloatArray

    def __len__(self) -> int:
        return len(self.loss)

    def subset(self, keep: np.ndarray) -> _Runs:
        return _Runs(
            self.run[keep],
            self.n_params[keep],
            self.n_tokens[keep],
            self.compute_flops[keep],
            self.loss[keep],
            self.weight[keep],
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "run": self.run,
                "n_params": self.n_params,
                "n_tokens": self.n_tokens,
                "compute_flops": self.compute_flops,
                "loss": self.loss,
                "weight": self.weight,
            }
        )


def _column(frame: pd.DataFrame, name: str, required: bool) -> FloatArray | None:
    if name not in frame.columns:
        if required:
            raise FitError(
                f"the runs table has no {name!r} column (columns: {', '.join(map(str, frame.columns))})"
            )
        return None
    try:
        return pd.to_numeric(frame[name], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise FitError(f"column {name!r} is not numeric ({exc})") from None


def _as_runs(
    runs: RunsLike,
    weights: ArrayLike | str | None = None,
    *,
    need_tokens: bool = True,
) -> _Runs:
    """Validate a runs table (a DataFrame, a mapping of columns or a `RunLog`)."""
    frame = getattr(runs, "runs", runs)
    if isinstance(frame, Mapping):
        frame = pd.DataFrame(dict(frame))
    if not isinstance(frame, pd.DataFrame):
        raise FitError(
            f"runs must be a DataFrame with n_params, n_tokens and loss columns, not {type(runs).__name__}"
        )
    n_params = _column(frame, "n_params", True)
    loss = _column(frame, "loss", True)
    n_tokens = _column(frame, "n_tokens", False)
    compute = _column(frame, "compute_flops", False)
    assert n_params is not None and loss is not None
    if n_tokens is None and compute is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            n_tokens = compute / (FLOPS_PER_PARAM_TOKEN * n_params)
    if n_tokens is None:
        if need_tokens:
            raise FitError("the runs table needs an 'n_tokens' or a 'compute_flops' column")
        n_tokens = np.full(len(frame), np.nan)
    if compute is None:
        compute = FLOPS_PER_PARAM_TOKEN * n_params * n_tokens
    labels = (
        frame["run"].astype(str).to_numpy(dtype=object)
        if "run" in frame.columns
        else np.array([f"row {i}" for i in range(len(frame))], dtype=object)
    )
    if isinstance(weights, str):
        w = _column(frame, weights, True)
        assert w is not None
    elif weights is None:
        w = np.ones(len(frame))
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if len(w) != len(frame):
            raise FitError(f"weights has {len(w)} values for {len(frame)} runs")
    checks = [("n_params", n_params), ("loss", loss)]
    if need_tokens:
        checks.append(("n_tokens", n_tokens))
    for name, values in checks:
        bad = ~(np.isfinite(values) & (values > 0))
        if bad.any():
            i = int(np.argmax(bad))
            raise FitError(
                f"run {labels[i]}: {name} must be positive and finite, got {values[i]!r}"
            )
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise FitError(f"run {labels[i]}: weight must be non-negative and finite, got {w[i]!r}")
    return _Runs(labels, n_params, n_tokens, compute, loss, w)


def _exclusions(
    data: _Runs, exclude_highest_loss: int, exclude: Sequence[str] | None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Mask of runs kept and the labels dropped (highest loss first, then by name)."""
    if exclude_highest_loss < 0:
        raise FitError(f"exclude_highest_loss must be >= 0, got {exclude_highest_loss}")
    keep = np.ones(len(data), dtype=bool)
    if exclude_highest_loss:
        if exclude_highest_loss >= len(data):
            raise FitError(
                f"cannot exclude the {exclude_highest_loss} highest-loss runs of only {len(data)}"
            )
        order = np.argsort(-data.loss, kind="stable")[:exclude_highest_loss]
        keep[order] = False
    if exclude:
        wanted = {str(name) for name in exclude}
        unknown = wanted - set(data.run.tolist())
        if unknown:
            raise FitError(f"exclude names runs not in the table: {', '.join(sorted(unknown))}")
        keep &= ~np.isin(data.run.astype(str), list(wanted))
    dropped = tuple(str(r) for r in data.run[~keep])
    if exclude_highest_loss:
        ranked = data.run[np.argsort(-data.loss, kind="stable")]
        dropped = tuple(str(r) for r in ranked if str(r) in set(dropped))
    return keep, dropped


# =========================================================================== objective


def _huber(r: FloatArray, delta: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Huber_δ(r) = r²/2 for |r| ≤ δ else δ(|r| − δ/2); returns (ρ, ρ', ρ'')."""
    if math.isinf(delta):
        return 0.5 * r * r, r, np.ones_like(r)
    absr = np.abs(r)
    quad = absr <= delta
    rho = np.where(quad, 0.5 * r * r, delta * (absr - 0.5 * delta))
    return rho, np.clip(r, -delta, delta), quad.astype(float)


def _huber_sum(r: FloatArray, w: FloatArray, delta: float) -> float:
    if not np.all(np.isfinite(r[w > 0])):
        return math.inf
    return float(np.dot(w, _huber(r, delta)[0]))


class _LSEModel:
    """log L̂ = LSE(e, a_1 − α_1·x_1, …, a_m − α_m·x_m); θ = (e, a_1..a_m, α_1..α_m).

    Chinchilla (Hoffmann et al. 2022, App. D.2) is m = 2 with x = (log N, log D); the power
    laws in N or C are m = 1.  e = −inf drops the constant term (E = 0).
    """

    def __init__(self, x: FloatArray, log_loss: FloatArray) -> None:
        self.x = x  # (n, m)
        self.y = log_loss
        self.m = x.shape[1]
        self.n_theta = 1 + 2 * self.m

    def _terms(self, theta: FloatArray) -> FloatArray:
        m = self.m
        u = np.empty((len(self.y), 1 + m))
        u[:, 0] = theta[0]
        u[:, 1:] = theta[1 : 1 + m] - theta[1 + m :] * self.x
        return u

    def residuals(self, theta: FloatArray) -> FloatArray:
        u = self._terms(theta)
        top = u.max(axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            return top + np.log(np.exp(u - top[:, None]).sum(axis=1)) - self.y

    def derivatives(
        self, theta: FloatArray
    ) -> tuple[FloatArray, FloatArray, Callable[[FloatArray], FloatArray]]:
        """Residuals, Jacobian and c ↦ Σ_i c_i ∇²r_i (exact; LSE Hessian is diag(p) − ppᵀ)."""
        m = self.m
        u = self._terms(theta)
        top = u.max(axis=1)
        expu = np.exp(u - top[:, None])
        total = expu.sum(axis=1)
        p = expu / total[:, None]
        r = top + np.log(total) - self.y
        jac = np.empty((len(r), self.n_theta))
        jac[:, : 1 + m] = p
        px = p[:, 1:] * self.x
        jac[:, 1 + m :] = -px

        def curvature(c: FloatArray) -> FloatArray:
            out = -(jac.T * c) @ jac
            cp = c @ p  # Σ c p_k
            out[0, 0] += cp[0]
            cpx = c @ px
            cpxx = c @ (px * self.x)
            for j in range(m):
                ia, ib = 1 + j, 1 + m + j
                out[ia, ia] += cp[1 + j]
                out[ia, ib] -= cpx[j]
                out[ib, ia] -= cpx[j]
                out[ib, ib] += cpxx[j]
            return out

        return r, jac, curvature


class _KaplanModel:
    """log L̂ = α_D·LSE(k_1 − p·log N, k_2 − log D) with p = α_N/α_D (Kaplan et al. 2020, eq. 1.5).

    θ = (α_D, p, k_1, k_2); N_c = exp(k_1/p), D_c = exp(k_2).
    """

    n_theta = 4

    def __init__(self, log_n: FloatArray, log_d: FloatArray, log_loss: FloatArray) -> None:
        self.x = log_n
        self.z = log_d
        self.y = log_loss

    def _lse(self, theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        u1 = theta[2] - theta[1] * self.x
        u2 = theta[3] - self.z
        top = np.maximum(u1, u2)
        e1, e2 = np.exp(u1 - top), np.exp(u2 - top)
        return top + np.log(e1 + e2), e1 / (e1 + e2)

    def residuals(self, theta: FloatArray) -> FloatArray:
        return theta[0] * self._lse(theta)[0] - self.y

    def derivatives(
        self, theta: FloatArray
    ) -> tuple[FloatArray, FloatArray, Callable[[FloatArray], FloatArray]]:
        s, q1 = self._lse(theta)
        q2 = 1.0 - q1
        alpha_d = theta[0]
        r = alpha_d * s - self.y
        grad_s = np.column_stack([-q1 * self.x, q1, q2])  # ∂s/∂(p, k1, k2)
        jac = np.column_stack([s, alpha_d * grad_s])
        v = np.column_stack([-self.x, np.ones_like(self.x), -np.ones_like(self.x)])
        qq = q1 * q2

        def curvature(c: FloatArray) -> FloatArray:
            out = np.zeros((4, 4))
            cross = c @ grad_s
            out[0, 1:] = cross
            out[1:, 0] = cross
            out[1:, 1:] = alpha_d * (v.T * (c * qq)) @ v
            return out

        return r, jac, curvature


@dataclass
class _Solution:
    theta: FloatArray
    objective: float
    converged: bool
    iterations: int
    message: str


def _newton(
    model: _LSEModel | _KaplanModel,
    theta0: FloatArray,
    free: np.ndarray,
    w: FloatArray,
    delta: float,
    max_iter: int = 200,
) -> _Solution:
    """Minimise Σ w·Huber_δ(r(θ)) over the free θ by damped Newton with the exact Hessian.

    Levenberg-Marquardt damping (scaled by the Hessian diagonal) keeps every accepted step a
    descent step; the loop stops when the Newton decrement is below 1e-12 of the objective.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _newton_loop(model, np.array(theta0, dtype=float), free, w, delta, max_iter)


def _newton_loop(
    model: _LSEModel | _KaplanModel,
    theta: FloatArray,
    free: np.ndarray,
    w: FloatArray,
    delta: float,
    max_iter: int,
) -> _Solution:
    fi = np.flatnonzero(free)
    f = _huber_sum(model.residuals(theta), w, delta)
    if not math.isfinite(f):
        return _Solution(theta, f, False, 0, "the start point gives a non-finite objective")
    lam = 1e-6
    # Residuals of log L cannot be resolved below ~1e-14: objectives under this are exact fits.
    floor = 1e-28 * float(np.sum(w))
    message = "maximum number of iterations reached"
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - `it` is reported
        r, jac, curvature = model.derivatives(theta)
        _, psi, dpsi = _huber(r, delta)
        wpsi = w * psi
        grad = (jac.T @ wpsi)[fi]
        hess = ((jac.T * (w * dpsi)) @ jac + curvature(wpsi))[fi][:, fi]
        if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
            message = "non-finite gradient or Hessian"
            break
        # Scale by the Gauss-Newton diagonal diag(JᵀWJ) (never zero, unlike the Huber Hessian
        # when few residuals are inside ±δ), then one eigendecomposition serves every damping
        # λ: (H + λI)⁻¹g = V (Vᵀg / (μ + λ)), positive definite iff μ + λ > 0.
        gauss_newton = ((jac * jac).T @ w)[fi]
        scale = np.sqrt(np.maximum(np.maximum(np.abs(np.diag(hess)), gauss_newton), 1e-300))
        hs = hess / np.outer(scale, scale)
        gs = grad / scale
        mu, vec = np.linalg.eigh(hs)
        proj = vec.T @ gs
        accepted = False
        tolerance = 1e-12 * f + floor
        for _ in range(100):
            lam = max(lam, -mu[0] + 1e-10 * max(1.0, abs(mu[-1])))
            coef = proj / (mu + lam)
            step_s = -(vec @ coef)
            predicted = float(np.dot(proj, coef) - 0.5 * np.dot(coef * coef, mu))
            if predicted <= tolerance and lam <= 1e-3:
                converged, message = True, "Newton decrement below 1e-12 of the objective"
                break
            trial = theta.copy()
            trial[fi] += step_s / scale
            f_trial = _huber_sum(model.residuals(trial), w, delta)
            if f_trial < f:
                theta, f_old, f = trial, f, f_trial
                lam = max(lam / 5.0, 1e-12)
                accepted = True
                if f_old - f <= tolerance and predicted <= 1e3 * tolerance:
                    converged, message = True, "objective change below 1e-12 relative"
                break
            lam = max(lam * 8.0, 1e-8)
            if lam > 1e30:
                break
        if converged:
            break
        if not accepted:
            # No descent from here even with a tiny step: a minimum up to rounding if the
            # scaled gradient is negligible.
            decrement = float(gs @ gs)
            converged = decrement <= 1e-8 * f + floor
            message = (
                "no further descent (minimum up to rounding)"
                if converged
                else "line search failed to decrease the objective"
            )
            break
        if f <= floor:
            converged, message = True, "exact fit (objective at rounding level)"
            break
    return _Solution(theta, f, converged, it, message)


# =========================================================================== starts


def _nnls_grid(
    features: FloatArray, target: FloatArray, sqrt_w: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Non-negative least squares min ‖√w·(F c − t)‖ at every grid point, c ≥ 0.

    ``features`` (G, n, k), ``target`` (G, n).  Enumerates the 2^k supports (k ≤ 3): the
    NNLS solution is the best of the unconstrained solutions on supports that are feasible.
    Returns (coefficients (G, k), residual sum of squares (G,)).
    """
    fs = features * sqrt_w[None, :, None]
    ts = target * sqrt_w[None, :]
    col = np.sqrt(np.mean(fs * fs, axis=1)) + 1e-300  # (G, k) column scales
    fs = fs / col[:, None, :]
    fst = fs.transpose(0, 2, 1)
    gram = np.matmul(fst, fs)
    rhs = np.matmul(fst, ts[:, :, None])[:, :, 0]
    tt = np.sum(ts * ts, axis=1)
    n_grid, k = rhs.shape
    best_sse = tt.copy()
    best = np.zeros((n_grid, k))
    for size in range(1, k + 1):
        for support in itertools.combinations(range(k), size):
            idx = list(support)
            sub = gram[:, idx][:, :, idx] + 1e-12 * np.eye(size)
            try:
                sol = np.linalg.solve(sub, rhs[:, idx][:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                continue
            sse = tt - np.einsum("gk,gk->g", sol, rhs[:, idx])
            better = np.all(sol >= 0, axis=1) & (sse < best_sse)
            if better.any():
                best_sse[better] = sse[better]
                best[better] = 0.0
                best[np.ix_(better, idx)] = sol[better]
    return best / col, best_sse


def _pick_separated(
    sse: FloatArray, shape: tuple[int, ...], count: int, min_separation: int = 3
) -> list[int]:
    """Indices of the ``count`` best grid points at least ``min_separation`` cells apart."""
    order = np.argsort(sse, kind="stable")
    chosen: list[int] = []
    cells: list[np.ndarray] = []
    for flat in order:
        if not np.isfinite(sse[flat]):
            break
        cell = np.array(np.unravel_index(flat, shape))
        if all(np.max(np.abs(cell - c)) >= min_separation for c in cells):
            chosen.append(int(flat))
            cells.append(cell)
            if len(chosen) == count:
                break
    return chosen


_POWERS_CACHE: dict[tuple[bytes, bytes], FloatArray] = {}


def _grid_powers(x: FloatArray, exps: FloatArray) -> FloatArray:
    """exp(−α_j·x_j) at every grid point; small grids are cached (bootstrap refits reuse them)."""
    if len(exps) > 400:
        return np.exp(-exps[:, None, :] * x[None, :, :])
    key = (np.ascontiguousarray(x).tobytes(), exps.tobytes())
    cached = _POWERS_CACHE.get(key)
    if cached is None:
        cached = np.exp(-exps[:, None, :] * x[None, :, :])
        if len(_POWERS_CACHE) >= 8:
            _POWERS_CACHE.clear()
        _POWERS_CACHE[key] = cached
    return cached


def _lse_starts(
    x: FloatArray,
    loss: FloatArray,
    w: FloatArray,
    fixed_theta: Mapping[int, float],
    grid_points: int,
    count: int,
) -> list[tuple[FloatArray, float]]:
    """Starting θ for `_LSEModel` by variable projection over a grid of the exponents.

    In loss space L = E + Σ_j A_j·exp(−α_j·x_j) is linear in (E, A_j) for fixed α_j, so each
    grid point of exponents needs only a non-negative least-squares solve (weights 1/L² so the
    loss-space residuals approximate log-space ones).  Returns (θ, grid score) pairs, the
    score being Σ (w/L²)·(L̂ − L)² (see `_vp_score`).
    """
    n, m = x.shape
    grids = []
    for j in range(m):
        if 1 + m + j in fixed_theta:
            grids.append(np.array([fixed_theta[1 + m + j]]))
        else:
            grids.append(np.linspace(0.02, 2.0, grid_points))
    mesh = np.meshgrid(*grids, indexing="ij")
    shape = mesh[0].shape
    exps = np.stack([g.reshape(-1) for g in mesh], axis=1)  # (G, m)
    n_grid = len(exps)
    powers = _grid_powers(x, exps)  # (G, n, m)
    target = np.broadcast_to(loss, (n_grid, n)).copy()
    cols: list[FloatArray] = []
    free_lin: list[int] = []
    if 0 in fixed_theta:
        target -= math.exp(fixed_theta[0]) if math.isfinite(fixed_theta[0]) else 0.0
    else:
        cols.append(np.ones((n_grid, n)))
        free_lin.append(0)
    for j in range(m):
        if 1 + j in fixed_theta:
            target -= math.exp(fixed_theta[1 + j]) * powers[:, :, j]
        else:
            cols.append(powers[:, :, j])
            free_lin.append(1 + j)
    sqrt_w = np.sqrt(w) / loss
    if cols:
        coef, sse = _nnls_grid(np.stack(cols, axis=2), target, sqrt_w)
    else:
        coef, sse = np.zeros((n_grid, 0)), np.sum((target * sqrt_w) ** 2, axis=1)
    floor = 1e-3 * float(loss.min())
    starts = []
    for flat in _pick_separated(sse, shape, count):
        theta = np.empty(1 + 2 * m)
        theta[1 + m :] = exps[flat]
        for i, which in enumerate(free_lin):
            value = coef[flat, i]
            if which == 0:
                theta[0] = math.log(max(value, floor))
            else:
                j = which - 1
                typical = float(np.median(np.exp(-exps[flat, j] * x[:, j])))
                theta[which] = math.log(max(value, floor / max(typical, 1e-300)))
        for index, value in fixed_theta.items():
            theta[index] = value
        starts.append((theta, float(sse[flat])))
    return starts


def _vp_score(model: _LSEModel, theta: FloatArray, loss: FloatArray, w: FloatArray) -> float:
    """The variable-projection grid's score Σ (w/L²)·(L̂ − L)² of a parameter vector."""
    with np.errstate(over="ignore", invalid="ignore"):
        predicted = loss * np.exp(model.residuals(theta))
    return float(np.dot(w / loss**2, (predicted - loss) ** 2))


# =========================================================================== results


@dataclass(frozen=True)
class FitResult:
    """Result of a fit, lmfit-style: parameters, objective, diagnostics and a readable report.

    ``params`` holds the law's constants (chinchilla: E, A, B, alpha, beta; kaplan: n_c, d_c,
    alpha_n, alpha_d; power-n: E, A, alpha; power-c: E, C_c, alpha_c).  ``objective`` is the
    weighted Huber sum Σ w·Huber_δ(log L̂ − log L) at ``params`` (least squares Σ w·r²/2 when
    ``delta`` is None).  ``residuals`` are log L̂ − log L of the runs used, in the order of
    ``runs``; ``excluded`` names the runs left out.
    """

    form: str
    params: dict[str, float]
    objective: float
    n_runs: int
    converged: bool
    message: str
    residuals: FloatArray = field(repr=False)
    runs: pd.DataFrame = field(repr=False)
    excluded: tuple[str, ...] = ()
    delta: float | None = DEFAULT_DELTA
    fixed: dict[str, float] = field(default_factory=dict)
    method: str = ""
    theta: FloatArray = field(default_factory=lambda: np.empty(0), repr=False)

    # ---------------------------------------------------------------- predictions
    def predict(
        self,
        n_params: ArrayLike | None = None,
        n_tokens: ArrayLike | None = None,
        compute_flops: ArrayLike | None = None,
    ) -> FloatArray:
        """Predicted loss (nats/token) of the fitted law.

        chinchilla and kaplan need ``n_params`` and ``n_tokens`` (or ``compute_flops``, from
        which D = C/(6N)); power-n needs ``n_params``; power-c needs ``compute_flops`` (or
        N and D, from which C = 6ND).
        """
        p = self.params
        n = None if n_params is None else np.asarray(n_params, dtype=float)
        d = None if n_tokens is None else np.asarray(n_tokens, dtype=float)
        c = None if compute_flops is None else np.asarray(compute_flops, dtype=float)
        if self.form == "power-c":
            if c is None:
                if n is None or d is None:
                    raise FitError("power-c predictions need compute_flops (or N and D)")
                c = FLOPS_PER_PARAM_TOKEN * n * d
            return p["E"] + np.power(p["C_c"] / c, p["alpha_c"])
        if n is None:
            raise FitError(f"{self.form} predictions need n_params")
        if self.form == "power-n":
            return p["E"] + p["A"] * np.power(n, -p["alpha"])
        if d is None:
            if c is None:
                raise FitError(f"{self.form} predictions need n_tokens or compute_flops")
            d = c / (FLOPS_PER_PARAM_TOKEN * n)
        if self.form == "kaplan":
            ratio = p["alpha_n"] / p["alpha_d"]
            return np.power(np.power(p["n_c"] / n, ratio) + p["d_c"] / d, p["alpha_d"])
        return p["E"] + p["A"] * np.power(n, -p["alpha"]) + p["B"] * np.power(d, -p["beta"])

    # ---------------------------------------------------------------- warnings
    def warnings(self) -> list[str]:
        """Reasons not to trust this fit, in words a user can act on (empty when none).

        - N and D of the runs used move together (|corr(log N, log D)| > 0.99, e.g. every run at
          the same tokens per parameter): the N and D terms of a two-variable law cannot be
          separated (Hoffmann et al. 2022 use IsoFLOP grids for this reason);
        - an exponent is not positive, so the fitted loss does not fall with N or D;
        - the solver did not converge.
        """
        found: list[str] = []
        p = self.params
        used = self.runs
        if "weight" in used.columns:
            used = used[used["weight"].to_numpy(dtype=float) > 0]
        if self.form in ("chinchilla", "kaplan"):
            ratio = collinear_tokens_per_param(used["n_params"], used["n_tokens"])
            if ratio is not None:
                found.append(
                    f"N and D move together in these runs (about {ratio:.3g} tokens per "
                    "parameter throughout), so the N and D terms cannot be told apart: add runs "
                    "at other token counts (an IsoFLOP grid) or use snapshots along learning curves"
                    + ("" if "E" in self.fixed or self.form != "chinchilla" else ", or fix E")
                )
        for name in ("alpha", "beta", "alpha_n", "alpha_d", "alpha_c"):
            if name in p and name not in self.fixed and not p[name] > 0:
                found.append(f"exponent {name} = {p[name]:.3g} is not positive")
        for name in ("E", "A", "B"):
            if name in p and name not in self.fixed and 0 <= p[name] < 1e-6:
                found.append(
                    f"{name} = {p[name]:.3g} sits at its lower bound 0: the runs do not pin it "
                    + ("down; consider fixing E" if name == "E" else "down")
                )
        if not self.converged:
            found.append(f"the solver did not converge ({self.message})")
        return found

    # ---------------------------------------------------------------- laws
    @property
    def law(self) -> ChinchillaLaw | KaplanLaw:
        """The fit as a `scaling_core.laws` law (chinchilla → ChinchillaLaw, kaplan → KaplanLaw).

        The source is ``Source("Your runs", "", ...)``: it has no arXiv id, so do not show its
        ``url``.  power-n and power-c have no law family of their own and raise `FitError`.
        """
        p = self.params
        where = f"{self.method}; {self.n_runs} runs"
        exponents = [k for k in ("alpha", "beta", "alpha_n", "alpha_d") if k in p]
        bad = [k for k in exponents if not (math.isfinite(p[k]) and p[k] > 0)]
        if bad and self.form in ("chinchilla", "kaplan"):
            values = ", ".join(f"{k} = {p[k]:.3g}" for k in bad)
            raise FitError(
                f"the fit is not a usable law ({values}; exponents must be positive): "
                + (self.warnings()[0] if self.warnings() else "the runs do not constrain it")
            )
        if self.form == "chinchilla":
            return ChinchillaLaw(
                key="your-fit",
                label="Your fit (Chinchilla form, Approach 3)",
                E=p["E"],
                A=p["A"],
                B=p["B"],
                alpha=p["alpha"],
                beta=p["beta"],
                source=Source(YOUR_RUNS, "", f"Approach-3 fit ({where})"),
                counts="as counted in your runs",
                notes=f"Fitted to your runs; objective {self.objective:.6g}.",
            )
        if self.form == "kaplan":
            return replace(
                KaplanLaw(),
                key="your-fit-kaplan",
                label="Your fit (Kaplan eq. 1.5 form)",
                n_c=p["n_c"],
                d_c=p["d_c"],
                alpha_n=p["alpha_n"],
                alpha_d=p["alpha_d"],
                source=Source(YOUR_RUNS, "", f"Kaplan eq. 1.5 fit ({where})"),
                counts="as counted in your runs",
                notes=(
                    "Only loss(N, D) and the quantities derived from eq. 1.5 come from your runs; "
                    "the other constants are Kaplan et al. 2020's."
                ),
            )
        raise FitError(f"the {self.form} form has no law family; use predict()")

    @property
    def allocation_exponents(self) -> tuple[float, float]:
        """(a, b) = (β/(α+β), α/(α+β)), N_opt ∝ C^a, D_opt ∝ C^b (Hoffmann et al. 2022, eq. 4)."""
        if self.form != "chinchilla":
            raise FitError("allocation exponents are defined for the chinchilla form only")
        total = self.params["alpha"] + self.params["beta"]
        return self.params["beta"] / total, self.params["alpha"] / total

    def compute_optimal(self, compute_flops: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(N_opt, D_opt) at C FLOP: N_opt = G·(C/6)^a, D_opt = G⁻¹·(C/6)^b (Hoffmann et al. 2022, eq. 4)."""
        n_opt, d_opt = _chinchilla_optimal(self.params, np.asarray(compute_flops, dtype=float))
        return n_opt, d_opt

    # ---------------------------------------------------------------- diagnostics
    @property
    def rms_residual(self) -> float:
        """Root-mean-square of the log residuals of the runs used."""
        return float(np.sqrt(np.mean(self.residuals**2))) if len(self.residuals) else math.nan

    @property
    def max_abs_residual(self) -> float:
        """Largest |log L̂ − log L| over the runs used."""
        return float(np.max(np.abs(self.residuals))) if len(self.residuals) else math.nan

    def diagnostics(self) -> pd.DataFrame:
        """Per-run table: run, n_params, n_tokens, compute_flops, loss, predicted, residual (log)."""
        table = self.runs.copy()
        table["predicted"] = np.exp(np.log(table["loss"].to_numpy()) + self.residuals)
        table["residual"] = self.residuals
        table["relative_error"] = np.expm1(self.residuals)
        return table

    def report(self) -> str:
        """A readable multi-line report of the fit."""
        lines = [f"[[Fit]] {self.form}: {_FORM_TEXT[self.form]}"]
        objective_kind = (
            "least squares sum r^2/2" if self.delta is None else f"Huber sum, delta={self.delta:g}"
        )
        lines.append(f"    method     {self.method}")
        lines.append(f"    runs       {self.n_runs} used, {len(self.excluded)} excluded")
        if self.excluded:
            shown = ", ".join(self.excluded[:10]) + (" ..." if len(self.excluded) > 10 else "")
            lines.append(f"    excluded   {shown}")
        lines.append(f"    objective  {self.objective:.8g} ({objective_kind} of log residuals)")
        lines.append(f"    converged  {'yes' if self.converged else 'NO'} ({self.message})")
        lines.append("[[Parameters]]")
        for name, value in self.params.items():
            tag = "  (fixed)" if name in self.fixed else ""
            lines.append(f"    {name:<8} = {value:.6g}{tag}")
        if self.form == "chinchilla":
            a, b = self.allocation_exponents
            lines.append("[[Derived]]")
            lines.append(f"    a = beta/(alpha+beta) = {a:.4f}   (N_opt ∝ C^a)")
            lines.append(f"    b = alpha/(alpha+beta) = {b:.4f}   (D_opt ∝ C^b)")
        lines.append("[[Residuals]] log(predicted) - log(observed)")
        if len(self.residuals):
            worst = int(np.argmax(np.abs(self.residuals)))
            lines.append(f"    rms        {self.rms_residual:.4g}")
            lines.append(
                f"    max |r|    {self.max_abs_residual:.4g} (run {self.runs['run'].iloc[worst]})"
            )
        warnings = self.warnings()
        if warnings:
            lines.append("[[Warnings]]")
            lines.extend(f"    - {text}" for text in warnings)
        return "\n".join(lines)


def _chinchilla_optimal(
    params: Mapping[str, Any], compute_flops: FloatArray | float
) -> tuple[Any, Any]:
    alpha, beta = params["alpha"], params["beta"]
    g = (alpha * params["A"] / (beta * params["B"])) ** (1.0 / (alpha + beta))
    c6 = np.asarray(compute_flops, dtype=float) / FLOPS_PER_PARAM_TOKEN
    return g * c6 ** (beta / (alpha + beta)), c6 ** (alpha / (alpha + beta)) / g


# =========================================================================== fits


def _check_delta(delta: float | None) -> float:
    if delta is None:
        return math.inf
    if not (isinstance(delta, (int, float)) and delta > 0 and math.isfinite(delta)):
        raise FitError(
            f"delta must be a positive number (or None for least squares), got {delta!r}"
        )
    return float(delta)


def _check_fixed(form: str, fixed: Mapping[str, float] | None) -> dict[str, float]:
    fixed = dict(fixed or {})
    allowed = {
        "chinchilla": _PARAM_NAMES["chinchilla"],
        "power-n": ("E", "A", "alpha"),
        "power-c": ("E", "alpha_c"),
        "kaplan": (),
    }[form]
    for name, value in fixed.items():
        if name not in allowed:
            raise FitError(
                f"cannot fix {name!r} in the {form} form"
                + (f"; fixable: {', '.join(allowed)}" if allowed else "")
            )
        value = float(value)
        if not math.isfinite(value) or value < 0 or (value == 0 and name != "E"):
            raise FitError(f"fixed {name} must be positive and finite (E may be 0), got {value!r}")
        fixed[name] = value
    return fixed


def _prepare(
    runs: RunsLike,
    weights: ArrayLike | str | None,
    exclude_highest_loss: int,
    exclude: Sequence[str] | None,
    need_tokens: bool = True,
) -> tuple[_Runs, tuple[str, ...]]:
    data = _as_runs(runs, weights, need_tokens=need_tokens)
    keep, dropped = _exclusions(data, exclude_highest_loss, exclude)
    used = data.subset(keep)
    return used, dropped


def _require(data: _Runs, n_free: int, form: str, distinct: Mapping[str, int]) -> None:
    active = data.weight > 0
    n_active = int(active.sum())
    if n_active < max(n_free, 1) + 0:
        raise FitError(
            f"the {form} form has {n_free} free parameters but only {n_active} runs "
            f"(with positive weight); add runs or fix parameters"
        )
    for column, needed in distinct.items():
        values = getattr(data, column)[active]
        count = len(np.unique(values))
        if count < needed:
            shown = f" (all {values[0]:.4g})" if count == 1 else ""
            raise FitError(
                f"the {form} form needs runs at >= {needed} different {column} values, "
                f"got {count}{shown}"
            )


def _solve_lse(
    model: _LSEModel,
    loss: FloatArray,
    w: FloatArray,
    fixed_theta: Mapping[int, float],
    delta: float,
    grid_points: int,
    n_starts: int,
    warm: Sequence[FloatArray] = (),
    least_squares_stage: bool = True,
) -> _Solution:
    """Variable-projection starts + (least squares then Huber) Newton; the best end point."""
    free = np.ones(model.n_theta, dtype=bool)
    for index in fixed_theta:
        free[index] = False
    starts = [np.array(t, dtype=float) for t in warm]
    if grid_points > 0:
        starts += [t for t, _ in _lse_starts(model.x, loss, w, fixed_theta, grid_points, n_starts)]
    best: _Solution | None = None
    for i, start in enumerate(starts):
        theta = start
        if least_squares_stage and not math.isinf(delta) and i >= len(warm):
            theta = _newton(model, theta, free, w, math.inf, max_iter=100).theta
        sol = _newton(model, theta, free, w, delta)
        if best is None or sol.objective < best.objective:
            best = sol
    if best is None:
        raise FitError("no usable starting point for the fit")
    return best


def fit_chinchilla(
    runs: RunsLike,
    *,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    fixed: Mapping[str, float] | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 40,
    n_starts: int = 4,
    warm_start: Mapping[str, float] | None = None,
) -> FitResult:
    """Fit L(N, D) = E + A/N^α + B/D^β by Hoffmann et al. 2022's Approach 3 (Appendix D.2).

    Minimises Σ_i w_i·Huber_δ(LSE(a − α·log N_i, b − β·log D_i, e) − log L_i) with
    A = e^a, B = e^b, E = e^e.  Starts come from variable projection (a grid over (α, β) with
    non-negative least squares for (E, A, B)); each start is polished by Newton's method with
    the analytic gradient and Hessian, and the lowest objective wins.

    Parameters
    ----------
    runs
        DataFrame (or `RunLog`) with columns ``n_params``, ``n_tokens`` (or ``compute_flops``)
        and ``loss`` (nats/token); ``run`` names the runs when present.
    delta
        Huber threshold on log-loss residuals (1e-3 in the paper); None for least squares.
    weights
        Per-run weights (array aligned with the rows, or a column name).
    fixed
        Parameters held at a value, e.g. ``{"E": 1.69}``; any of E, A, B, alpha, beta
        (E may be fixed at 0).
    exclude_highest_loss
        Drop the k highest-loss runs first (Besiroglu et al. 2024 drop 5).
    exclude
        Names (``run`` column) of runs to drop.
    grid_points
        Points per exponent in the variable-projection grid (0: only ``warm_start``).
    n_starts
        Number of well-separated grid points polished.
    warm_start
        Parameters (E, A, B, alpha, beta) of a previous fit, tried as an extra start.

    Returns
    -------
    FitResult
        ``params`` E, A, B, alpha, beta; ``objective`` the Huber sum at those params.

    Raises
    ------
    FitError
        Fewer runs than free parameters, all runs at one N or one D, bad values.

    References
    ----------
    Hoffmann et al. 2022, arXiv:2203.15556, eq. 2 and Appendix D.2; Besiroglu et al. 2024,
    arXiv:2404.10102, section 2.
    """
    delta_value = _check_delta(delta)
    fixed_params = _check_fixed("chinchilla", fixed)
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude)
    index = {"E": 0, "A": 1, "B": 2, "alpha": 3, "beta": 4}
    fixed_theta = {
        index[name]: (math.log(v) if v > 0 else -math.inf) if name in ("E", "A", "B") else v
        for name, v in fixed_params.items()
    }
    n_free = 5 - len(fixed_theta)
    _require(
        data,
        n_free,
        "chinchilla",
        {
            "n_params": 2 if "alpha" not in fixed_params or "A" not in fixed_params else 1,
            "n_tokens": 2 if "beta" not in fixed_params or "B" not in fixed_params else 1,
        },
    )
    x = np.column_stack([np.log(data.n_params), np.log(data.n_tokens)])
    model = _LSEModel(x, np.log(data.loss))
    warm = []
    if warm_start is not None:
        warm.append(_chinchilla_theta(warm_start, fixed_theta))
    sol = _solve_lse(
        model, data.loss, data.weight, fixed_theta, delta_value, grid_points, n_starts, warm
    )
    return _lse_result(
        "chinchilla",
        sol,
        model,
        data,
        dropped,
        delta,
        fixed_params,
        f"Approach 3: Huber on log loss, variable projection ({grid_points}x"
        f"{grid_points} grid) + Newton",
    )


def _chinchilla_theta(params: Mapping[str, float], fixed_theta: Mapping[int, float]) -> FloatArray:
    theta = np.array(
        [
            math.log(params["E"]) if params["E"] > 0 else -math.inf,
            math.log(params["A"]),
            math.log(params["B"]),
            params["alpha"],
            params["beta"],
        ]
    )
    for i, v in fixed_theta.items():
        theta[i] = v
    return theta


def _theta_params(form: str, t: FloatArray, fixed_params: Mapping[str, float]) -> dict[str, float]:
    """The law's constants from the internal parameter vector θ of a form."""
    if form == "kaplan":  # θ = (α_D, p, k1, k2), N_c = exp(k1/p), D_c = exp(k2), α_N = p·α_D
        alpha_d, p, k1, k2 = t
        params = {
            "n_c": math.exp(k1 / p),
            "d_c": math.exp(k2),
            "alpha_n": p * alpha_d,
            "alpha_d": alpha_d,
        }
        return {k: float(v) for k, v in params.items()}
    E = math.exp(t[0]) if math.isfinite(t[0]) else 0.0
    if form == "chinchilla":
        params = {"E": E, "A": math.exp(t[1]), "B": math.exp(t[2]), "alpha": t[3], "beta": t[4]}
    elif form == "power-n":
        params = {"E": E, "A": math.exp(t[1]), "alpha": t[2]}
    else:  # power-c: A·C^-α = (C_c/C)^α with C_c = A^(1/α)
        alpha_c = t[2]
        params = {
            "E": E,
            "C_c": math.exp(t[1] / alpha_c) if alpha_c != 0 else math.inf,
            "alpha_c": alpha_c,
        }
    params = {k: float(v) for k, v in params.items()}
    params.update(fixed_params)
    return params


def _lse_result(
    form: str,
    sol: _Solution,
    model: _LSEModel,
    data: _Runs,
    dropped: tuple[str, ...],
    delta: float | None,
    fixed_params: dict[str, float],
    method: str,
) -> FitResult:
    t = sol.theta
    params = _theta_params(form, t, fixed_params)
    residuals = model.residuals(t)
    return FitResult(
        form=form,
        params=params,
        objective=_huber_sum(residuals, data.weight, _check_delta(delta)),
        n_runs=len(data),
        converged=sol.converged,
        message=sol.message,
        residuals=residuals,
        runs=data.frame(),
        excluded=dropped,
        delta=delta,
        fixed=fixed_params,
        method=method,
        theta=t,
    )


def fit_power_n(
    runs: RunsLike,
    *,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    fixed: Mapping[str, float] | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 200,
    n_starts: int = 3,
) -> FitResult:
    """Fit L(N) = E + A/N^α (the data-unlimited limit of Hoffmann et al. 2022, eq. 2).

    Same Huber objective on log loss as `fit_chinchilla` (Appendix D.2) with the D term
    removed; ``n_tokens`` is not needed.  Fixable: E (0 gives Kaplan's pure L(N) of eq. 1.1),
    A, alpha.
    """
    _check_delta(delta)  # refuse a bad delta before reading the runs
    fixed_params = _check_fixed("power-n", fixed)
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude, need_tokens=False)
    index = {"E": 0, "A": 1, "alpha": 2}
    return _fit_one_variable(
        "power-n", "n_params", index, ("E", "A"), data, dropped, delta, fixed_params,
        grid_points, n_starts,
    )  # fmt: skip


def _fit_one_variable(
    form: str,
    column: str,
    index: Mapping[str, int],
    logged: tuple[str, ...],
    data: _Runs,
    dropped: tuple[str, ...],
    delta: float | None,
    fixed_params: dict[str, float],
    grid_points: int,
    n_starts: int,
) -> FitResult:
    """The shared body of the one-variable power laws (L(N) and L(C)): fixed parameters to θ
    (``logged`` ones are stored as logarithms), the variable-projection solve, the result."""
    fixed_theta = {
        index[name]: (math.log(v) if v > 0 else -math.inf) if name in logged else v
        for name, v in fixed_params.items()
    }
    n_free = 3 - len(fixed_theta)
    _require(data, n_free, form, {column: min(n_free, 3) if n_free > 1 else 1})
    model = _LSEModel(np.log(getattr(data, column))[:, None], np.log(data.loss))
    sol = _solve_lse(
        model, data.loss, data.weight, fixed_theta, _check_delta(delta), grid_points, n_starts
    )
    return _lse_result(
        form,
        sol,
        model,
        data,
        dropped,
        delta,
        fixed_params,
        "Huber on log loss, variable projection + Newton",
    )


def fit_power_c(
    runs: RunsLike,
    *,
    offset: bool = False,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    fixed: Mapping[str, float] | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 200,
    n_starts: int = 3,
) -> FitResult:
    """Fit L(C) = (C_c/C)^α_C (Kaplan et al. 2020, eq. 1.3), or E + (C_c/C)^α_C with ``offset``.

    C is the ``compute_flops`` column (or 6·N·D).  Same Huber objective on log loss as
    `fit_chinchilla`.  Without ``offset`` E is fixed at 0; ``fixed={"E": value}`` fixes it at a
    value instead.  Fixable: E, alpha_c.
    """
    _check_delta(delta)  # refuse a bad delta before reading the runs
    fixed_params = _check_fixed("power-c", fixed)
    if not offset and "E" not in fixed_params:
        fixed_params["E"] = 0.0
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude)
    bad = ~(np.isfinite(data.compute_flops) & (data.compute_flops > 0))
    if bad.any():
        raise FitError(f"run {data.run[np.argmax(bad)]}: compute_flops must be positive")
    index = {"E": 0, "alpha_c": 2}
    return _fit_one_variable(
        "power-c", "compute_flops", index, ("E",), data, dropped, delta, fixed_params,
        grid_points, n_starts,
    )  # fmt: skip


def fit_kaplan(
    runs: RunsLike,
    *,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 40,
    n_starts: int = 4,
) -> FitResult:
    """Fit L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, eq. 1.5) in log space.

    Writing p = α_N/α_D, log L = α_D·LSE(p·log N_c − p·log N, log D_c − log D).  Starts come
    from variable projection: for fixed (α_D, p), L^(1/α_D) = N_c^p·N^−p + D_c·D^−1 is linear
    in (N_c^p, D_c).  Each start is polished by Newton on the Huber (δ) or least-squares
    (``delta=None``) objective of the log residuals.  The result's `FitResult.law` is a
    `KaplanLaw` with the fitted n_c, d_c, alpha_n, alpha_d (key ``your-fit-kaplan``).
    """
    delta_value = _check_delta(delta)
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude)
    _require(data, 4, "kaplan", {"n_params": 2, "n_tokens": 2})
    log_n, log_d, log_l = np.log(data.n_params), np.log(data.n_tokens), np.log(data.loss)
    model = _KaplanModel(log_n, log_d, log_l)
    w = data.weight
    # Variable projection over (alpha_d, p).
    alpha_grid = np.geomspace(0.01, 1.0, grid_points)
    p_grid = np.geomspace(0.1, 5.0, grid_points)
    aa, pp = np.meshgrid(alpha_grid, p_grid, indexing="ij")
    aa, pp = aa.reshape(-1), pp.reshape(-1)
    with np.errstate(over="ignore", under="ignore"):
        target = np.exp(log_l[None, :] / aa[:, None])  # L^(1/α_D), (G, n)
        features = np.stack(
            [np.exp(-pp[:, None] * log_n[None, :]), np.broadcast_to(np.exp(-log_d), target.shape)],
            axis=2,
        )
    # Relative residuals: weight 1/target so the grid scores are comparable across alpha_d.
    scale = np.sqrt(np.mean(target**2, axis=1))
    coef, sse = _nnls_grid(features / scale[:, None, None], target / scale[:, None], np.sqrt(w))
    sse = np.where(np.all(np.isfinite(coef), axis=1) & np.isfinite(sse), sse, np.inf)
    # Score in log space: the grid's loss-space scores differ in scale between alpha_d values.
    scores = np.full(len(aa), np.inf)
    finite = np.flatnonzero(np.isfinite(sse) & np.all(coef > 0, axis=1))
    thetas: dict[int, FloatArray] = {}
    for g in finite:
        c1, c2 = coef[g]
        theta = np.array([aa[g], pp[g], math.log(c1), math.log(c2)])
        with np.errstate(over="ignore", invalid="ignore"):
            scores[g] = float(np.dot(w, model.residuals(theta) ** 2))
        thetas[int(g)] = theta
    free = np.ones(4, dtype=bool)
    best: _Solution | None = None
    for g in _pick_separated(scores, (grid_points, grid_points), n_starts):
        theta = _newton(model, thetas[g], free, w, math.inf, max_iter=100).theta
        sol = _newton(model, theta, free, w, delta_value)
        if best is None or sol.objective < best.objective:
            best = sol
    if best is None:
        raise FitError("no usable start for the kaplan fit (are losses decreasing in N and D?)")
    params = _theta_params("kaplan", best.theta, {})
    residuals = model.residuals(best.theta)
    return FitResult(
        form="kaplan",
        params=params,
        objective=_huber_sum(residuals, w, delta_value),
        n_runs=len(data),
        converged=best.converged,
        message=best.message,
        residuals=residuals,
        runs=data.frame(),
        excluded=dropped,
        delta=delta,
        fixed={},
        method="Huber on log loss, variable projection + Newton"
        if delta is not None
        else "least squares on log loss, variable projection + Newton",
        theta=best.theta,
    )


def fit(runs: RunsLike, form: Form = "chinchilla", **options: Any) -> FitResult:
    """Fit one of `FORMS` to the runs; ``options`` go to the form's fit function."""
    functions: dict[str, Callable[..., FitResult]] = {
        "chinchilla": fit_chinchilla,
        "kaplan": fit_kaplan,
        "power-n": fit_power_n,
        "power-c": fit_power_c,
    }
    if form not in functions:
        raise FitError(f"unknown form {form!r}; choose one of {', '.join(FORMS)}")
    return functions[form](runs, **options)


# =========================================================================== reference method


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


# =========================================================================== bootstrap


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap over runs: percentile intervals for the parameters and derived quantities.

    ``samples`` has one row per successful refit (columns: the parameters, then derived ones:
    chinchilla ``a``, ``b``, and ``n_opt``, ``d_opt`` when ``compute_flops`` was given; any
    form ``loss_at`` when ``at`` was given).  ``intervals[name] = (low, high)`` are the
    ``(1 − confidence)/2`` and ``(1 + confidence)/2`` percentiles.
    """

    fit: FitResult
    samples: pd.DataFrame = field(repr=False)
    intervals: dict[str, tuple[float, float]]
    confidence: float
    n_boot: int
    n_failed: int
    seed: int | None
    compute_flops: float | None = None
    at: tuple[float, float] | None = None

    @property
    def standard_errors(self) -> dict[str, float]:
        """Standard deviation of each column of ``samples`` (Besiroglu et al. 2024 report these)."""
        return {name: float(self.samples[name].std(ddof=1)) for name in self.samples.columns}

    @property
    def derived(self) -> dict[str, float]:
        """Point estimates of the derived quantities from the full-data fit."""
        return _derived(self.fit.form, self.fit.params, self.compute_flops, self.at, self.fit)

    def report(self) -> str:
        """The fit's report followed by the bootstrap intervals."""
        pct = f"{100 * self.confidence:g}%"
        lines = [
            self.fit.report(),
            f"[[Bootstrap]] {self.n_boot} refits over runs, "
            f"{self.n_failed} failed; {pct} percentile intervals (seed {self.seed})",
        ]
        point = {**self.fit.params, **self.derived}
        for name, (low, high) in self.intervals.items():
            lines.append(f"    {name:<8} {point.get(name, math.nan):.6g}  [{low:.6g}, {high:.6g}]")
        return "\n".join(lines)


def _derived(
    form: str,
    params: Mapping[str, float],
    compute_flops: float | None,
    at: tuple[float, float] | None,
    result: FitResult,
) -> dict[str, float]:
    out: dict[str, float] = {}
    if form == "chinchilla":
        total = params["alpha"] + params["beta"]
        out["a"] = params["beta"] / total
        out["b"] = params["alpha"] / total
        if compute_flops is not None:
            n_opt, d_opt = _chinchilla_optimal(params, compute_flops)
            out["n_opt"], out["d_opt"] = float(n_opt), float(d_opt)
    if at is not None:
        probe = replace(result, params=dict(params))
        out["loss_at"] = float(probe.predict(n_params=at[0], n_tokens=at[1]))
    return out


def bootstrap_fit(
    runs: RunsLike,
    form: Form = "chinchilla",
    *,
    n_boot: int = 1000,
    seed: int | None = 0,
    confidence: float = 0.95,
    compute_flops: float | None = None,
    at: tuple[float, float] | None = None,
    refit_grid_points: int = 10,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> BootstrapResult:
    """Bootstrap over runs: resample the runs with replacement ``n_boot`` times and refit.

    A resample is a vector of multinomial counts used as weights (identical to refitting the
    resampled table).  Each refit starts from the full-data solution (warm start); the
    chinchilla and power forms also try the best point of a coarse ``refit_grid_points``-per-
    exponent variable-projection grid when it lies in another basin.
    Percentile intervals at ``confidence`` are given for every parameter and the derived
    quantities: chinchilla a = β/(α+β), b = α/(α+β) (Hoffmann et al. 2022, eq. 4), N_opt and
    D_opt at ``compute_flops``; predicted loss at ``at`` = (N, D) for any form.  ``options``
    are passed to the form's fit (delta, weights, fixed, exclude_highest_loss, ...).
    A refit that fails (no convergence, overflow on a degenerate resample) is counted in
    ``n_failed`` and left out.  ``progress(done, total)`` is called about 50 times.

    References: Besiroglu et al. 2024, arXiv:2404.10102 (bootstrap of the Approach-3 fit).
    """
    if not (0 < confidence < 1):
        raise FitError(f"confidence must be between 0 and 1, got {confidence!r}")
    if int(n_boot) < 2:
        raise FitError(f"n_boot must be at least 2, got {n_boot!r}")
    if compute_flops is not None and not (compute_flops > 0):
        raise FitError(f"compute_flops must be positive, got {compute_flops!r}")
    n_boot = int(n_boot)
    full = fit(runs, form, **options)
    data = full.runs
    base_w = data["weight"].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    n = len(data)
    rows: list[dict[str, float]] = []
    failed = 0
    fast = _fast_refitter(full, data.drop(columns=["weight"]), options, refit_grid_points)
    report_every = max(1, n_boot // 50)
    for index in range(n_boot):
        if progress is not None and index % report_every == 0:
            progress(index, n_boot)
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(float)
        try:
            refit = fast(counts * base_w)
        except (FitError, ArithmeticError, np.linalg.LinAlgError):
            failed += 1
            continue
        if not all(math.isfinite(v) for v in refit.params.values()):
            failed += 1
            continue
        row = dict(refit.params)
        try:
            row.update(_derived(form, refit.params, compute_flops, at, full))
        except (ValueError, ZeroDivisionError, OverflowError):
            failed += 1
            continue
        rows.append(row)
    if progress is not None:
        progress(n_boot, n_boot)
    samples = pd.DataFrame(rows)
    lo_q, hi_q = 50 * (1 - confidence), 50 * (1 + confidence)
    intervals = (
        {
            name: (
                float(np.percentile(samples[name], lo_q)),
                float(np.percentile(samples[name], hi_q)),
            )
            for name in samples.columns
            if name not in full.fixed
        }
        if len(samples)
        else {}
    )
    return BootstrapResult(
        fit=full,
        samples=samples,
        intervals=intervals,
        confidence=confidence,
        n_boot=n_boot,
        n_failed=failed,
        seed=seed,
        compute_flops=compute_flops,
        at=at,
    )


#: Index in θ of each fixable parameter, and whether it is stored as a logarithm.
_THETA_INDEX: dict[str, dict[str, tuple[int, bool]]] = {
    "chinchilla": {
        "E": (0, True),
        "A": (1, True),
        "B": (2, True),
        "alpha": (3, False),
        "beta": (4, False),
    },
    "power-n": {"E": (0, True), "A": (1, True), "alpha": (2, False)},
    "power-c": {"E": (0, True), "alpha_c": (2, False)},
    "kaplan": {},
}


def _fast_refitter(
    full: FitResult, frame: pd.DataFrame, options: Mapping[str, Any], grid_points: int
) -> Callable[[FloatArray], FitResult]:
    """A reweighted refit that skips validation and starts from the full-data solution θ̂.

    LSE forms also polish the best point of a coarse variable-projection grid when it lies in
    a different exponent basin and scores better there; Kaplan refits use θ̂ only.
    """
    delta = _check_delta(options.get("delta", DEFAULT_DELTA))
    form = full.form
    data = _as_runs(frame, need_tokens=form != "power-n")
    log_loss = np.log(data.loss)
    fixed_theta: dict[int, float] = {}
    for name, value in full.fixed.items():
        index, is_log = _THETA_INDEX[form][name]
        fixed_theta[index] = (math.log(value) if value > 0 else -math.inf) if is_log else value
    model: _LSEModel | _KaplanModel
    if form == "kaplan":
        model = _KaplanModel(np.log(data.n_params), np.log(data.n_tokens), log_loss)
        distinct = [data.n_params, data.n_tokens]
    else:
        columns = {
            "chinchilla": [data.n_params, data.n_tokens],
            "power-n": [data.n_params],
            "power-c": [data.compute_flops],
        }[form]
        model = _LSEModel(np.log(np.column_stack(columns)), log_loss)
        distinct = columns
    free = np.ones(model.n_theta, dtype=bool)
    free[list(fixed_theta)] = False
    n_free = int(free.sum())
    warm = full.theta

    def refit(w: FloatArray) -> FitResult:
        active = w > 0
        needed = 2 if len(distinct) > 1 else min(n_free, 3)
        if active.sum() < n_free or any(
            len(np.unique(values[active])) < needed for values in distinct
        ):
            raise FitError("degenerate resample")
        sol = _newton(model, warm, free, w, delta)
        if grid_points and isinstance(model, _LSEModel):
            # Insurance against a basin change: polish the best coarse-grid start only when its
            # exponents are far from the warm solution's and it scores better on the grid's own
            # (loss-space) criterion.
            (start, score), *_ = _lse_starts(model.x, data.loss, w, fixed_theta, grid_points, 1)
            spacing = (2.0 - 0.02) / max(grid_points - 1, 1)
            m = model.m
            far = np.max(np.abs(start[1 + m :] - sol.theta[1 + m :])) > 1.5 * spacing
            if far and score < _vp_score(model, sol.theta, data.loss, w):
                theta = _newton(model, start, free, w, math.inf, max_iter=100).theta
                other = _newton(model, theta, free, w, delta)
                if other.objective < sol.objective:
                    sol = other
        return replace(
            full,
            params=_theta_params(form, sol.theta, full.fixed),
            objective=sol.objective,
            theta=sol.theta,
            converged=sol.converged,
            message=sol.message,
        )

    return refit


# =========================================================================== extrapolation


@dataclass(frozen=True)
class ExtrapolationResult:
    """Fit on the smaller runs, predictions for the held-out largest ones.

    ``holdout`` has run, n_params, n_tokens, compute_flops, loss, predicted, error
    (predicted − observed, nats), relative_error and log_error (log predicted − log observed).
    """

    fit: FitResult
    holdout: pd.DataFrame
    by: str
    threshold: float

    @property
    def mean_abs_relative_error(self) -> float:
        """Mean |predicted/observed − 1| over the held-out runs."""
        return float(np.mean(np.abs(self.holdout["relative_error"])))

    @property
    def max_abs_relative_error(self) -> float:
        """Largest |predicted/observed − 1| over the held-out runs."""
        return float(np.max(np.abs(self.holdout["relative_error"])))

    @property
    def rms_log_error(self) -> float:
        """RMS of log predicted − log observed over the held-out runs."""
        return float(np.sqrt(np.mean(self.holdout["log_error"] ** 2)))

    def report(self) -> str:
        """Text summary of the extrapolation check."""
        return (
            f"Fitted {self.fit.n_runs} runs with {self.by} <= {self.threshold:.4g}; "
            f"predicted {len(self.holdout)} held-out runs: mean |rel. error| "
            f"{self.mean_abs_relative_error:.3%}, max {self.max_abs_relative_error:.3%}, "
            f"rms log error {self.rms_log_error:.4g}"
        )


def extrapolation_check(
    runs: RunsLike,
    form: Form = "chinchilla",
    *,
    by: Literal["compute_flops", "n_params", "n_tokens"] = "compute_flops",
    quantile: float = 0.8,
    **options: Any,
) -> ExtrapolationResult:
    """Leave-out check: fit the runs with ``by`` ≤ its ``quantile``, predict the larger ones.

    A law that extrapolates should predict the held-out largest runs about as well as it fits
    the rest; compare ``rms_log_error`` with the fit's `FitResult.rms_residual`.
    """
    if by not in ("compute_flops", "n_params", "n_tokens"):
        raise FitError(f"by must be compute_flops, n_params or n_tokens, not {by!r}")
    if not (0 < quantile < 1):
        raise FitError(f"quantile must be between 0 and 1, got {quantile!r}")
    data = _as_runs(runs, options.pop("weights", None), need_tokens=form != "power-n")
    frame = data.frame()
    values = frame[by].to_numpy(dtype=float)
    threshold = float(np.quantile(values, quantile))
    train = values <= threshold
    if train.all() or not train.any():
        raise FitError(f"no runs above the {quantile:g} quantile of {by} to hold out")
    result = fit(frame[train].reset_index(drop=True), form, weights="weight", **options)
    held = frame[~train].drop(columns=["weight"]).reset_index(drop=True)
    predicted = result.predict(
        n_params=held["n_params"].to_numpy(),
        n_tokens=held["n_tokens"].to_numpy() if form != "power-n" else None,
        compute_flops=held["compute_flops"].to_numpy(),
    )
    held["predicted"] = predicted
    held["error"] = predicted - held["loss"]
    held["relative_error"] = predicted / held["loss"] - 1.0
    held["log_error"] = np.log(predicted) - np.log(held["loss"])
    return ExtrapolationResult(fit=result, holdout=held, by=by, threshold=threshold)


# =========================================================================== Approaches 1 and 2


@dataclass(frozen=True)
class ComputeOptimalFit:
    """N_opt(C) = k_N·C^a and D_opt(C) = k_D·C^b from Approach 1 or 2 (Hoffmann et al. 2022).

    ``points`` holds the per-budget optima (compute_flops, n_opt, d_opt, loss, ...), the data
    the power laws were fitted to by least squares in log-log.
    """

    approach: int
    points: pd.DataFrame
    a: float
    n_coefficient: float
    b: float
    d_coefficient: float
    notes: tuple[str, ...] = ()

    def n_opt(self, compute_flops: ArrayLike) -> FloatArray:
        """N_opt(C) = k_N·C^a parameters (C in FLOP)."""
        return self.n_coefficient * np.power(np.asarray(compute_flops, dtype=float), self.a)

    def d_opt(self, compute_flops: ArrayLike) -> FloatArray:
        """D_opt(C) = k_D·C^b tokens (C in FLOP)."""
        return self.d_coefficient * np.power(np.asarray(compute_flops, dtype=float), self.b)

    @property
    def law(self) -> PowerLawAllocation:
        """The allocation as a `PowerLawAllocation` (key ``your-fit-approach{1,2}``)."""
        where = {
            1: "Approach 1 (envelope of learning curves, section 3.1)",
            2: "Approach 2 (IsoFLOP parabolas, section 3.2)",
        }[self.approach]
        return PowerLawAllocation(
            key=f"your-fit-approach{self.approach}",
            label=f"Your fit (Approach {self.approach})",
            a=self.a,
            coefficient=self.n_coefficient,
            source=Source(YOUR_RUNS, "", f"{where} of {HOFFMANN_2022.split(',')[0]}"),
            counts="as counted in your runs",
        )

    def report(self) -> str:
        """Text summary."""
        lines = [
            f"[[Approach {self.approach}]] {len(self.points)} compute points",
            f"    N_opt = {self.n_coefficient:.4g} * C^{self.a:.4f}",
            f"    D_opt = {self.d_coefficient:.4g} * C^{self.b:.4f}",
        ]
        lines += [f"    note: {note}" for note in self.notes]
        return "\n".join(lines)


def _power_law(compute: FloatArray, values: FloatArray) -> tuple[float, float]:
    slope, intercept = np.polyfit(np.log(compute), np.log(values), 1)
    return float(slope), float(math.exp(intercept))


def collinear_tokens_per_param(n_params: ArrayLike, n_tokens: ArrayLike) -> float | None:
    """The tokens-per-parameter ratio the runs share when N and D move together, else None.

    Together means every D/N lies within 10% of the others, or |corr(log N, log D)| > 0.99:
    then a two-variable law cannot separate its N and D terms (Hoffmann et al. 2022 fit
    IsoFLOP grids, where D/N varies at fixed C, for this reason).  Needs at least 2 runs.
    """
    n = np.asarray(n_params, dtype=float)
    d = np.asarray(n_tokens, dtype=float)
    if len(n) < 2:
        return None
    log_ratio = np.log(d) - np.log(n)
    centre = float(np.exp(np.median(log_ratio)))
    if int(group_isoflop(np.exp(log_ratio), tolerance=0.1).max()) == 0:
        return centre
    log_n, log_d = np.log(n), np.log(d)
    varied = len(n) >= 3 and np.std(log_n) > 0 and np.std(log_d) > 0
    if varied and abs(float(np.corrcoef(log_n, log_d)[0, 1])) > 0.99:
        return centre
    return None


def group_isoflop(compute_flops: ArrayLike, tolerance: float = 0.1) -> np.ndarray:
    """Group labels (0, 1, …) of runs whose compute agrees within ``tolerance`` (relative).

    Sorted by compute, a new group starts when a run's C exceeds the smallest C of the current
    group by more than a factor 1 + ``tolerance``.
    """
    c = np.asarray(compute_flops, dtype=float)
    order = np.argsort(c, kind="stable")
    labels = np.empty(len(c), dtype=int)
    group, start = -1, -math.inf
    for i in order:
        if c[i] > start * (1.0 + tolerance):
            group += 1
            start = c[i]
        labels[i] = group
    return labels


def fit_approach2(
    runs: RunsLike,
    *,
    tolerance: float = 0.1,
    budget_column: str | None = None,
    min_runs: int = 3,
) -> ComputeOptimalFit:
    """Approach 2 of Hoffmann et al. 2022 (section 3.2): IsoFLOP profiles.

    Runs are grouped by compute budget (``budget_column`` when given, else runs whose
    C = 6ND agree within ``tolerance``).  For each budget with ≥ ``min_runs`` runs at ≥ 3
    model sizes a parabola L = c₀ + c₁·log N + c₂·(log N)² is fitted by least squares; its
    minimum gives N_opt(C) = exp(−c₁/(2c₂)) and D_opt = C/(6·N_opt).  Power laws
    N_opt = k_N·C^a and D_opt = k_D·C^b are then fitted by least squares in log-log.
    ``points`` columns: compute_flops, n_opt, d_opt, loss (the parabola's minimum), n_runs,
    inside (whether N_opt lies within the budget's sampled N range), curvature (c₂).
    """
    frame = getattr(runs, "runs", runs)
    data = _as_runs(frame)
    if budget_column is not None:
        if budget_column not in frame.columns:
            raise FitError(f"the runs table has no {budget_column!r} column")
        budgets = pd.to_numeric(frame[budget_column], errors="coerce").to_numpy(dtype=float)
        _, labels = np.unique(budgets, return_inverse=True)
    else:
        labels = group_isoflop(data.compute_flops, tolerance)
    rows, notes = [], []
    for g in np.unique(labels):
        members = labels == g
        n = data.n_params[members]
        budget = (
            float(budgets[members][0])
            if budget_column is not None
            else float(np.exp(np.mean(np.log(data.compute_flops[members]))))
        )
        if members.sum() < min_runs or len(np.unique(n)) < 3:
            if members.sum() > 1:
                notes.append(
                    f"budget {budget:.3g}: {int(members.sum())} runs, too few for a parabola"
                )
            continue
        u = np.log(n)
        c2, c1, c0 = np.polyfit(u, data.loss[members], 2)
        if not c2 > 0:
            notes.append(f"budget {budget:.3g}: the IsoFLOP profile has no minimum (skipped)")
            continue
        u_opt = -c1 / (2 * c2)
        n_opt = float(np.exp(u_opt))
        rows.append(
            {
                "compute_flops": budget,
                "n_opt": n_opt,
                "d_opt": budget / (FLOPS_PER_PARAM_TOKEN * n_opt),
                "loss": float(c0 + c1 * u_opt + c2 * u_opt**2),
                "n_runs": int(members.sum()),
                "inside": bool(u.min() <= u_opt <= u.max()),
                "curvature": float(c2),
            }
        )
    points = pd.DataFrame(rows)
    if len(points) < 2:
        raise FitError(
            f"Approach 2 needs >= 2 compute budgets with >= {min_runs} runs at >= 3 model sizes; "
            f"found {len(points)} (tolerance {tolerance:g}; set budget_column if compute is given)"
        )
    outside = (~points["inside"]).sum()
    if outside:
        notes.append(f"{outside} budget(s) have N_opt outside the sampled model sizes")
    a, k_n = _power_law(points["compute_flops"].to_numpy(), points["n_opt"].to_numpy())
    b, k_d = _power_law(points["compute_flops"].to_numpy(), points["d_opt"].to_numpy())
    return ComputeOptimalFit(2, points, a, k_n, b, k_d, tuple(notes))


def fit_approach1(
    curves: pd.DataFrame | Any,
    *,
    n_points: int = 100,
    min_runs: int = 2,
    drop_edge_models: bool = True,
) -> ComputeOptimalFit:
    """Approach 1 of Hoffmann et al. 2022 (section 3.1): the envelope of the learning curves.

    For each of ``n_points`` compute values C on a log grid, every run whose curve covers C
    gives its loss there (linear interpolation of log L in log C); the lowest of them is the
    envelope and the run achieving it gives N_opt(C), with D_opt = C/(6·N_opt).  Compute
    values covered by fewer than ``min_runs`` runs are skipped, and with ``drop_edge_models``
    so are those won by the smallest or the largest model of the sweep: there the optimum may
    lie outside the sampled sizes, and keeping them biases the exponent.  Power laws N_opt = k_N·C^a
    and D_opt = k_D·C^b are fitted by least squares in log-log.  ``curves`` is
    `RunLog.curves` (or the RunLog): run, n_params, n_tokens, compute_flops, loss.
    """
    table = getattr(curves, "curves", curves)
    if table is None:
        raise FitError("Approach 1 needs learning curves (a log with several rows per run)")
    needed = {"run", "n_params", "compute_flops", "loss"} - set(table.columns)
    if needed:
        raise FitError(f"the curves table lacks columns {sorted(needed)}")
    table = table[(table["compute_flops"] > 0) & (table["loss"] > 0)]
    per_run = []
    for run, group in table.groupby("run", sort=False):
        group = group.sort_values("compute_flops")
        if len(group) < 2:
            continue
        per_run.append(
            (
                str(run),
                float(group["n_params"].iloc[-1]),
                np.log(group["compute_flops"].to_numpy(dtype=float)),
                np.log(group["loss"].to_numpy(dtype=float)),
            )
        )
    if len(per_run) < 2:
        raise FitError("Approach 1 needs learning curves of >= 2 runs")
    lo = min(r[2][0] for r in per_run)
    hi = max(r[2][-1] for r in per_run)
    grid = np.linspace(lo, hi, n_points)
    losses = np.full((len(per_run), n_points), np.inf)
    for i, (_, _, log_c, log_l) in enumerate(per_run):
        inside = (grid >= log_c[0]) & (grid <= log_c[-1])
        losses[i, inside] = np.interp(grid[inside], log_c, log_l)
    covered = np.isfinite(losses).sum(axis=0) >= min_runs
    winner = np.argmin(losses, axis=0)
    notes: list[str] = []
    if drop_edge_models:
        sizes = np.array([r[1] for r in per_run])
        edge = (sizes[winner] == sizes.min()) | (sizes[winner] == sizes.max())
        if (covered & edge).any():
            notes.append(
                f"{int((covered & edge).sum())} compute values won by the smallest or largest "
                "model were skipped (optimum possibly outside the sampled sizes)"
            )
        covered &= ~edge
    if covered.sum() < 2:
        raise FitError(
            f"fewer than 2 compute values are covered by >= {min_runs} runs"
            + (" and won by an interior model size" if drop_edge_models else "")
        )
    compute = np.exp(grid[covered])
    win = winner[covered]
    n_opt = np.array([per_run[i][1] for i in win])
    points = pd.DataFrame(
        {
            "compute_flops": compute,
            "n_opt": n_opt,
            "d_opt": compute / (FLOPS_PER_PARAM_TOKEN * n_opt),
            "loss": np.exp(losses[win, np.flatnonzero(covered)]),
            "run": [per_run[i][0] for i in win],
        }
    )
    if points["n_opt"].nunique() < 2:
        raise FitError("the envelope is one run at every compute value; no N_opt(C) trend")
    a, k_n = _power_law(compute, n_opt)
    b, k_d = _power_law(compute, points["d_opt"].to_numpy())
    return ComputeOptimalFit(1, points, a, k_n, b, k_d, tuple(notes))
