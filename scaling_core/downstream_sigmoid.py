"""Step 2 of the downstream prediction (`scaling_core.downstream`): task accuracy as a sigmoid
of task loss (Bhagia et al. 2024, eq. 2),

    Acc(L) = a / (1 + exp(−k·(L − L0))) + b,

fitted by weighted least squares, one fit at a time or a batch of bootstrap weightings at once.

References: A. Bhagia, J. Liu et al., arXiv:2412.04403, 2024 (eq. 2, Sec. 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.downstream_tasks import DownstreamError
from scaling_core.laws import FloatArray

# --------------------------------------------------------------------------- step 2: sigmoid


def sigmoid(
    loss: ArrayLike,
    a: float | FloatArray,
    k: float | FloatArray,
    loss_mid: float | FloatArray,
    b: float | FloatArray,
) -> FloatArray:
    """Acc(L) = a / (1 + exp(−k·(L − L0))) + b (Bhagia et al. 2024, eq. 2); ``loss_mid`` is L0.
    Arrays of parameters broadcast against ``loss``."""
    z = -np.asarray(k) * (np.asarray(loss, dtype=float) - np.asarray(loss_mid))
    return np.asarray(a) / (1.0 + np.exp(np.clip(z, -500, 500))) + np.asarray(b)


@dataclass(frozen=True)
class SigmoidFit:
    """Step 2's fitted sigmoid: Acc(L) = a/(1 + exp(−k(L − L0))) + b (Bhagia et al., eq. 2)."""

    a: float
    k: float
    loss_mid: float
    b: float
    n_points: int
    rms: float
    #: False when the parameters still drift after 2,000 steps: the checkpoints sit on one
    #: tail of the sigmoid, where a and L0 trade off along a flat direction (the curve over
    #: the data is still fitted; its parameters are not determined).
    converged: bool = True

    @property
    def params(self) -> dict[str, float]:
        return {"a": self.a, "k": self.k, "L0": self.loss_mid, "b": self.b}

    def predict(self, loss: ArrayLike) -> FloatArray:
        return sigmoid(loss, self.a, self.k, self.loss_mid, self.b)


def _sigmoid_values(theta: FloatArray, loss: FloatArray) -> FloatArray:
    """Model values (B, n) for every θ row = (a, k, L0, b)."""
    return sigmoid(loss[None, :], theta[:, 0:1], theta[:, 1:2], theta[:, 2:3], theta[:, 3:4])


def _sigmoid_normal(
    theta: FloatArray, loss: FloatArray, metric: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Gradient Jᵀ·W·r (B, 4) and Gauss-Newton matrix Jᵀ·W·J (B, 4, 4) of ½Σ w·r², built from
    the Jacobian's columns ∂/∂(a, k, L0, b) = (s, a·s(1−s)(L − L0), −a·s(1−s)·k, 1)."""
    a, k, mid = theta[:, 0:1], theta[:, 1:2], theta[:, 2:3]
    diff = loss[None, :] - mid
    s = 1.0 / (1.0 + np.exp(np.clip(-k * diff, -500, 500)))
    ads = a * s * (1.0 - s)
    cols = (s, ads * diff, -ads * k)
    r = a * s + theta[:, 3:4] - metric[None, :]
    weighted = [w * c for c in cols] + [w]
    grad = np.stack([np.einsum("bn,bn->b", wc, r) for wc in weighted], axis=1)
    hess = np.empty((len(theta), 4, 4))
    for p in range(4):
        for q in range(p, 3):
            hess[:, p, q] = hess[:, q, p] = np.einsum("bn,bn->b", weighted[p], cols[q])
        hess[:, p, 3] = hess[:, 3, p] = weighted[p].sum(axis=1)
    return grad, hess


def _sigmoid_start(loss: FloatArray, metric: FloatArray, w: FloatArray) -> FloatArray:
    """Variable projection: for (k, L0) on a grid, (a, b) by weighted least squares; the best."""
    span = max(float(np.ptp(loss)), 1e-6)
    ks = np.geomspace(0.3 / span, 300.0 / span, 25)
    mids = np.linspace(loss.min() - 2 * span, loss.max() + 2 * span, 41)
    kk, mm = np.meshgrid(ks, mids, indexing="ij")
    kk, mm = kk.ravel(), mm.ravel()
    sw = w.sum()
    my = float((metric * w).sum() / sw)
    best = (math.inf, np.zeros(4))
    for i in range(0, len(kk), 128):
        kc, mc = kk[i : i + 128, None], mm[i : i + 128, None]
        s = 1.0 / (1.0 + np.exp(np.clip(-kc * (loss[None, :] - mc), -500, 500)))
        ms = (s * w).sum(1) / sw
        cov = ((s - ms[:, None]) * ((metric - my) * w)[None, :]).sum(1)
        var = ((s - ms[:, None]) ** 2 * w[None, :]).sum(1)
        a = np.where(var > 1e-300, cov / np.maximum(var, 1e-300), 0.0)
        b = my - a * ms
        sse = (((a[:, None] * s + b[:, None]) - metric[None, :]) ** 2 * w[None, :]).sum(1)
        j = int(np.argmin(sse))
        if sse[j] < best[0]:
            best = (float(sse[j]), np.array([a[j], kc[j, 0], mc[j, 0], b[j]]))
    return best[1]


def fit_sigmoid_batch(
    loss: ArrayLike,
    metric: ArrayLike,
    weights: ArrayLike,
    start: ArrayLike | None = None,
    max_iter: int = 200,
) -> tuple[FloatArray, np.ndarray]:
    """Weighted least-squares fits of the sigmoid for every row of ``weights`` (B, n) at once.

    Levenberg-Marquardt with the Gauss-Newton matrix, all rows in numpy together, from
    ``start`` (a, k, L0, b) or a variable-projection grid start (`_sigmoid_start`) on the
    first row.  A row stops when a step gains less than 1e-10 of its sum of squares, or when
    no damping finds a descent step (a minimum up to rounding).  Returns
    θ (B, 4) with k > 0 (the sign folded into a and b: a·s(−k) + b = −a·s(k) + (a + b)) and
    whether each row converged.
    """
    x = np.asarray(loss, dtype=float).reshape(-1)
    y = np.asarray(metric, dtype=float).reshape(-1)
    w_all = np.atleast_2d(np.asarray(weights, dtype=float))
    if w_all.shape[1] != len(x) or len(y) != len(x):
        raise DownstreamError(f"weights are {w_all.shape} for {len(x)} points")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        theta0 = _sigmoid_start(x, y, w_all[0]) if start is None else np.asarray(start, float)
        return _sigmoid_lm(x, y, w_all, np.tile(theta0, (len(w_all), 1)), max_iter)


def _sigmoid_lm(
    x: FloatArray, y: FloatArray, w_all: FloatArray, theta: FloatArray, max_iter: int
) -> tuple[FloatArray, np.ndarray]:
    """The Levenberg-Marquardt loop of `fit_sigmoid_batch` (θ rows updated in place)."""

    def sse(th: FloatArray, w: FloatArray) -> FloatArray:
        return np.einsum("bn,bn->b", w, (_sigmoid_values(th, x) - y[None, :]) ** 2)

    f = sse(theta, w_all)
    lam = np.full(len(w_all), 1e-3)
    moving = np.isfinite(f)
    converged = np.zeros(len(w_all), dtype=bool)
    for _ in range(max_iter):
        rows = np.flatnonzero(moving)
        if not len(rows):
            break
        w = w_all[rows]
        grad, hess = _sigmoid_normal(theta[rows], x, y, w)
        diag = np.maximum(np.diagonal(hess, axis1=1, axis2=2), 1e-300)
        damped = hess + (lam[rows, None] * diag)[:, :, None] * np.eye(4)[None]
        try:
            step = -np.linalg.solve(damped, grad[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = -grad * 1e-6
        trial = theta[rows] + step
        f_trial = sse(trial, w)
        better = np.isfinite(f_trial) & (f_trial <= f[rows])
        good = rows[better]
        gain = f[good] - f_trial[better]
        theta[good] = trial[better]
        f[good] = f_trial[better]
        lam[good] = np.maximum(lam[good] / 3.0, 1e-12)
        lam[rows[~better]] *= 4.0
        small = np.zeros(len(rows), dtype=bool)
        small[better] = gain <= 1e-10 * np.maximum(f_trial[better], 1e-300) + 1e-30
        done = rows[small]
        converged[done] = True
        moving[done] = False
        stuck = rows[lam[rows] > 1e12]  # no step descends: a minimum up to rounding
        converged[stuck] = True
        moving[stuck] = False
    flip = theta[:, 1] < 0
    theta[flip, 3] += theta[flip, 0]
    theta[flip, 0] *= -1
    theta[flip, 1] *= -1
    converged &= np.all(np.isfinite(theta), axis=1)
    return theta, converged


def fit_sigmoid(loss: ArrayLike, metric: ArrayLike, weights: ArrayLike | None = None) -> SigmoidFit:
    """Least-squares fit of Acc(L) = a/(1 + exp(−k(L − L0))) + b (Bhagia et al. 2024, eq. 2)."""
    x = np.asarray(loss, dtype=float).reshape(-1)
    y = np.asarray(metric, dtype=float).reshape(-1)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if len(x) < 5 or len(np.unique(x)) < 4:
        raise DownstreamError(
            f"step 2 needs at least 5 checkpoints at 4 distinct task losses, got {len(x)}"
        )
    theta, ok = fit_sigmoid_batch(x, y, w[None, :], max_iter=2000)
    if not np.all(np.isfinite(theta[0])):
        raise DownstreamError("the sigmoid fit of step 2 gave no finite parameters")
    a, k, mid, b = (float(v) for v in theta[0])
    rms = float(np.sqrt(np.average((sigmoid(x, a, k, mid, b) - y) ** 2, weights=w)))
    return SigmoidFit(a, k, mid, b, len(x), rms, bool(ok[0]))
