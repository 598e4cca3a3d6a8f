"""Starts for the Newton polish by variable projection: for fixed exponents (alpha, beta) the
Chinchilla form is linear in (E, A, B), so a non-negative least-squares solve maps the landscape.
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
