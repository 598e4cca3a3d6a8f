"""Starts for the Newton polish by variable projection: for fixed exponents (alpha, beta) the
Chinchilla form is linear in (E, A, B), so a non-negative least-squares solve maps the landscape.

Memory is bounded by design: the grid is scored in chunks of grid points, so no working array
holds more than `MAX_WORKING_FLOATS` floats (16 MiB) whatever the number of runs, and above
`MAX_START_RUNS` runs the starts are searched on a fixed subsample (`start_subsample`) and only
the best end point is polished on every run.  Peak extra memory of a fit is then a few arrays
of (runs × parameters) floats plus a fixed ~150 MiB, i.e. linear in the number of runs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import numpy as np

from scaling_core.fit.objective import _LSEModel
from scaling_core.laws import (
    FloatArray,
)

#: Largest number of floats in one working array of the start grid (2**21 floats, 16 MiB).
MAX_WORKING_FLOATS = 1 << 21
#: Runs the start grid sees: with more runs (with positive weight) the starts are searched on a
#: fixed random subsample of this many and the best one is then polished on all runs.  Fits of
#: up to this many runs are unchanged by the subsample.
MAX_START_RUNS = 4096


def start_subsample(w: FloatArray, size: int | None = None) -> np.ndarray | None:
    """Sorted indices of a fixed (seed 0) random subsample of ``size`` (`MAX_START_RUNS`) runs
    with positive weight, or None when there are no more such runs (search on every run)."""
    size = MAX_START_RUNS if size is None else size
    active = np.flatnonzero(w > 0)
    if len(active) <= size:
        return None
    rng = np.random.default_rng(0)
    return np.sort(rng.choice(active, size=size, replace=False))


def _grid_chunk(n_runs: int, per_run: int) -> int:
    """Grid points per chunk so that a (chunk, runs, per_run) array fits `MAX_WORKING_FLOATS`."""
    return max(1, MAX_WORKING_FLOATS // max(1, n_runs * per_run))


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
    """exp(−α_j·x_j) at every grid point; small grids are cached (bootstrap refits reuse them)
    when the array fits `MAX_WORKING_FLOATS` (the cache holds at most 8 of them)."""
    if len(exps) > 400 or exps.size * len(x) > MAX_WORKING_FLOATS:
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
    score being Σ (w/L²)·(L̂ − L)² (see `_vp_score`).  The grid is scored in chunks of grid
    points (`_lse_grid_scores`): no working array exceeds `MAX_WORKING_FLOATS` floats.
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
    free_lin = [0] if 0 not in fixed_theta else []
    free_lin += [1 + j for j in range(m) if 1 + j not in fixed_theta]
    chunk = _grid_chunk(n, 2 + m)
    pieces = [
        _lse_grid_scores(x, loss, w, fixed_theta, exps[i : i + chunk])
        for i in range(0, len(exps), chunk)
    ]
    coef = np.concatenate([c for c, _ in pieces])
    sse = np.concatenate([e for _, e in pieces])
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


def _lse_grid_scores(
    x: FloatArray,
    loss: FloatArray,
    w: FloatArray,
    fixed_theta: Mapping[int, float],
    exps: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """NNLS coefficients of the free linear parameters and scores at the grid points ``exps``
    (G, m); the caller keeps G × runs × (m + 2) within `MAX_WORKING_FLOATS`."""
    n, m = x.shape
    n_grid = len(exps)
    powers = _grid_powers(x, exps)  # (G, n, m)
    target = np.broadcast_to(loss, (n_grid, n)).copy()
    cols: list[FloatArray] = []
    if 0 in fixed_theta:
        target -= math.exp(fixed_theta[0]) if math.isfinite(fixed_theta[0]) else 0.0
    else:
        cols.append(np.ones((n_grid, n)))
    for j in range(m):
        if 1 + j in fixed_theta:
            target -= math.exp(fixed_theta[1 + j]) * powers[:, :, j]
        else:
            cols.append(powers[:, :, j])
    sqrt_w = np.sqrt(w) / loss
    if cols:
        return _nnls_grid(np.stack(cols, axis=2), target, sqrt_w)
    return np.zeros((n_grid, 0)), np.sum((target * sqrt_w) ** 2, axis=1)


def _kaplan_grid(
    log_n: FloatArray,
    log_d: FloatArray,
    log_l: FloatArray,
    w: FloatArray,
    alpha_d: FloatArray,
    p: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Kaplan et al. 2020 eq. 1.5 by variable projection at grid points (α_D, p = α_N/α_D):
    L^(1/α_D) = N_c^p·N^−p + D_c·D^−1 is linear in (N_c^p, D_c), solved by NNLS with
    relative residuals.  Returns (coefficients (G, 2), scores (G,), inf where unusable);
    scored in chunks so no working array exceeds `MAX_WORKING_FLOATS` floats."""
    chunk = _grid_chunk(len(log_l), 3)
    coefs, sses = [], []
    inv_d = np.exp(-log_d)
    for i in range(0, len(alpha_d), chunk):
        aa, pp = alpha_d[i : i + chunk], p[i : i + chunk]
        with np.errstate(over="ignore", under="ignore"):
            target = np.exp(log_l[None, :] / aa[:, None])  # L^(1/α_D), (G, n)
            features = np.stack(
                [np.exp(-pp[:, None] * log_n[None, :]), np.broadcast_to(inv_d, target.shape)],
                axis=2,
            )
        # Relative residuals: weight 1/target so the grid scores are comparable across alpha_d.
        scale = np.sqrt(np.mean(target**2, axis=1))
        coef, sse = _nnls_grid(features / scale[:, None, None], target / scale[:, None], np.sqrt(w))
        sses.append(np.where(np.all(np.isfinite(coef), axis=1) & np.isfinite(sse), sse, np.inf))
        coefs.append(coef)
    return np.concatenate(coefs), np.concatenate(sses)


def _vp_score(model: _LSEModel, theta: FloatArray, loss: FloatArray, w: FloatArray) -> float:
    """The variable-projection grid's score Σ (w/L²)·(L̂ − L)² of a parameter vector."""
    with np.errstate(over="ignore", invalid="ignore"):
        predicted = loss * np.exp(model.residuals(theta))
    return float(np.dot(w / loss**2, (predicted - loss) ** 2))
