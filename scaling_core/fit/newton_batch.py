"""Many reweighted refits at once: the damped Newton polish of `objective._newton`, one array per
quantity with a leading axis over weight vectors (bootstrap draws).

The LSE model of Hoffmann et al. 2022 (Appendix D.2; the chinchilla form and the power laws in N
or C) with the Huber objective Σ_i w_bi·Huber_δ(r_i(θ_b)) is minimised for every row b of ``W``
from the same start.  Each row follows the scalar loop step for step: Levenberg-Marquardt
damping on the Hessian scaled by its Gauss-Newton diagonal, one eigendecomposition per
iteration serving every damping, the same acceptance and stopping rules.  The loop runs in numpy
over the rows still moving, so a thousand bootstrap refits cost about as much as a few dozen
one by one.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from scaling_core.fit.objective import _LSEModel
from scaling_core.laws import FloatArray


@dataclass(frozen=True)
class BatchSolution:
    """End points of a batch of refits: θ (B, p), objective (B,), converged (B,)."""

    theta: FloatArray
    objective: FloatArray
    converged: np.ndarray


def _terms(model: _LSEModel, theta: FloatArray) -> list[FloatArray]:
    """The LSE's terms e and a_j − α_j·x_j for every θ row: 1 + m arrays (B, n)."""
    m = model.m
    terms = [np.broadcast_to(theta[:, 0:1], (len(theta), len(model.y)))]
    for j in range(m):
        terms.append(theta[:, 1 + j, None] - theta[:, 1 + m + j, None] * model.x[None, :, j])
    return terms


def _lse(terms: list[FloatArray]) -> tuple[FloatArray, list[FloatArray], FloatArray]:
    """log Σ_k exp(t_k), the shares p_k = exp(t_k)/Σ exp and the log-sum (stable)."""
    top = terms[0]
    for t in terms[1:]:
        top = np.maximum(top, t)
    exps = [np.exp(t - top) for t in terms]
    total = exps[0].copy()
    for e in exps[1:]:
        total += e
    return top + np.log(total), [e / total for e in exps], total


def _residuals(model: _LSEModel, theta: FloatArray) -> FloatArray:
    """r = log L̂ − log L for every θ row: (B, n)."""
    return _lse(_terms(model, theta))[0] - model.y[None]


def _huber_sums(r: FloatArray, w: FloatArray, delta: float) -> FloatArray:
    """Σ_i w_i·Huber_δ(r_i) per row; inf where a weighted residual is not finite."""
    absr = np.abs(r)
    if math.isinf(delta):
        rho = 0.5 * r * r
    else:
        rho = np.where(absr <= delta, 0.5 * r * r, delta * (absr - 0.5 * delta))
    bad = ~np.isfinite(r) & (w > 0)
    out = np.einsum("bn,bn->b", w, np.where(np.isfinite(rho), rho, 0.0))
    out[bad.any(axis=1)] = math.inf
    return out


def _gradient_hessian(
    model: _LSEModel, theta: FloatArray, w: FloatArray, delta: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gradient (B, p), exact Hessian (B, p, p) and Gauss-Newton diagonal (B, p) of the objective.

    The LSE's Hessian in its terms is diag(p) − ppᵀ, so Σ_i c_i ∇²r_i adds the p-weighted
    sums below to −Jᵀ·diag(c)·J (as `objective._LSEModel.derivatives`).
    """
    m = model.m
    x = model.x
    log_sum, shares, _ = _lse(_terms(model, theta))
    r = log_sum - model.y[None]
    px = [shares[1 + j] * x[None, :, j] for j in range(m)]
    jac = np.stack([*shares, *(-v for v in px)], axis=2)  # (B, n, 1 + 2m)
    if math.isinf(delta):
        psi, dpsi = r, np.ones_like(r)
    else:
        psi, dpsi = np.clip(r, -delta, delta), (np.abs(r) <= delta).astype(float)
    c = w * psi
    grad = np.matmul(c[:, None, :], jac)[:, 0, :]
    hess = np.matmul(jac.transpose(0, 2, 1) * (w * dpsi - c)[:, None, :], jac)
    hess[:, 0, 0] += np.einsum("bn,bn->b", c, shares[0])
    for j in range(m):
        ia, ib = 1 + j, 1 + m + j
        cpx = np.einsum("bn,bn->b", c, px[j])
        hess[:, ia, ia] += np.einsum("bn,bn->b", c, shares[1 + j])
        hess[:, ia, ib] -= cpx
        hess[:, ib, ia] -= cpx
        hess[:, ib, ib] += np.einsum("bn,bn->b", c, px[j] * x[None, :, j])
    gauss_newton = np.matmul(w[:, None, :], jac * jac)[:, 0, :]
    return grad, hess, gauss_newton


def newton_batch(
    model: _LSEModel,
    theta0: FloatArray,
    free: np.ndarray,
    weights: FloatArray,
    delta: float,
    max_iter: int = 200,
    tie: FloatArray | None = None,
) -> BatchSolution:
    """Minimise Σ_i w_bi·Huber_δ(r_i(θ)) from ``theta0`` for every row of ``weights`` (B, n).

    ``theta0`` is one start (p,) shared by every row, or one start per row (B, p).
    The batch form of `scaling_core.fit.objective._newton` (same damping, acceptance and
    stopping rules); a row stops when it has converged or can descend no further.
    ``tie`` (p_model × p) maps θ linearly to the model's parameters (θ_model = tie·θ; the
    α = β form's `scaling_core.fit.gadre.TIE`): gradient tieᵀ·g and Hessian tieᵀ·H·tie are
    exact; θ, ``free`` and the result are in the tied coordinates.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _loop(model, np.asarray(theta0, dtype=float), free, weights, delta, max_iter, tie)


def _loop(
    model: _LSEModel,
    theta0: FloatArray,
    free: np.ndarray,
    weights: FloatArray,
    delta: float,
    max_iter: int,
    tie: FloatArray | None = None,
) -> BatchSolution:
    def untie(th: FloatArray) -> FloatArray:
        return th if tie is None else th @ tie.T

    w_all = np.asarray(weights, dtype=float)
    n_rows = len(w_all)
    fi = np.flatnonzero(free)
    theta = np.tile(theta0, (n_rows, 1)) if theta0.ndim == 1 else theta0.copy()
    f = _huber_sums(_residuals(model, untie(theta)), w_all, delta)
    converged = np.zeros(n_rows, dtype=bool)
    moving = np.isfinite(f)
    lam = np.full(n_rows, 1e-6)
    floor = 1e-28 * w_all.sum(axis=1)
    for _ in range(max_iter):
        rows = np.flatnonzero(moving)
        if not len(rows):
            break
        w = w_all[rows]
        th = theta[rows]
        grad, hess, gauss_newton = _gradient_hessian(model, untie(th), w, delta)
        if tie is not None:
            grad = grad @ tie
            hess = np.einsum("pi,bpq,qj->bij", tie, hess, tie)
            gauss_newton = gauss_newton @ (tie * tie)
        grad = grad[:, fi]
        hess = hess[:, fi][:, :, fi]
        gauss_newton = gauss_newton[:, fi]
        ok = np.isfinite(grad).all(axis=1) & np.isfinite(hess).all(axis=(1, 2))
        moving[rows[~ok]] = False
        rows, w, th, grad, hess, gauss_newton = (
            rows[ok],
            w[ok],
            th[ok],
            grad[ok],
            hess[ok],
            gauss_newton[ok],
        )
        if not len(rows):
            break
        diag = np.abs(np.diagonal(hess, axis1=1, axis2=2))
        scale = np.sqrt(np.maximum(np.maximum(diag, gauss_newton), 1e-300))
        hs = hess / (scale[:, :, None] * scale[:, None, :])
        gs = grad / scale
        mu, vec = np.linalg.eigh(hs)
        proj = np.einsum("bpq,bp->bq", vec, gs)
        f_row = f[rows]
        lam_row = lam[rows]
        tolerance = 1e-12 * f_row + floor[rows]
        pending = np.ones(len(rows), dtype=bool)
        accepted = np.zeros(len(rows), dtype=bool)
        done = np.zeros(len(rows), dtype=bool)
        for _ in range(100):
            k = np.flatnonzero(pending)
            if not len(k):
                break
            lam_row[k] = np.maximum(
                lam_row[k], -mu[k, 0] + 1e-10 * np.maximum(1.0, np.abs(mu[k, -1]))
            )
            coef = proj[k] / (mu[k] + lam_row[k, None])
            step_s = -np.einsum("bpq,bq->bp", vec[k], coef)
            predicted = np.einsum("bq,bq->b", proj[k], coef) - 0.5 * np.einsum(
                "bq,bq->b", coef * coef, mu[k]
            )
            small = (predicted <= tolerance[k]) & (lam_row[k] <= 1e-3)
            done[k[small]] = True
            pending[k[small]] = False
            k, step_s, predicted = k[~small], step_s[~small], predicted[~small]
            if not len(k):
                break
            trial = th[k].copy()
            trial[:, fi] += step_s / scale[k]
            f_trial = _huber_sums(_residuals(model, untie(trial)), w[k], delta)
            better = f_trial < f_row[k]
            good = k[better]
            if len(good):
                f_old = f_row[good].copy()
                th[good] = trial[better]
                f_row[good] = f_trial[better]
                lam_row[good] = np.maximum(lam_row[good] / 5.0, 1e-12)
                accepted[good] = True
                pending[good] = False
                tiny = (f_old - f_row[good] <= tolerance[good]) & (
                    predicted[better] <= 1e3 * tolerance[good]
                )
                done[good[tiny]] = True
            bad = k[~better]
            lam_row[bad] = np.maximum(lam_row[bad] * 8.0, 1e-8)
            pending[bad[lam_row[bad] > 1e30]] = False
        # rows that could not descend: a minimum up to rounding if the scaled gradient is tiny
        stuck = ~accepted & ~done
        if stuck.any():
            decrement = np.einsum("bp,bp->b", gs[stuck], gs[stuck])
            done[np.flatnonzero(stuck)] = decrement <= 1e-8 * f_row[stuck] + floor[rows[stuck]]
        theta[rows] = th
        f[rows] = f_row
        lam[rows] = lam_row
        converged[rows[done]] = True
        converged[rows[f_row <= floor[rows]]] = True
        moving[rows[done | stuck | (f_row <= floor[rows])]] = False
    return BatchSolution(theta, f, converged)


def _solve_small(matrix: FloatArray, rhs: FloatArray) -> FloatArray:
    """Solve matrix·x = rhs over leading axes (..., k, k) and (..., k).

    1×1 and 2×2 systems in closed form (Cramer's rule, forward stable for 2×2; a singular
    system gives inf or nan, which no comparison accepts), larger ones by LAPACK: the batched
    LAPACK call costs about 150 ns a system, most of the start grid's time at 10,000 draws."""
    size = matrix.shape[-1]
    if size == 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            return rhs / matrix[..., 0]
    if size == 2:
        a, b = matrix[..., 0, 0], matrix[..., 0, 1]
        c, d = matrix[..., 1, 0], matrix[..., 1, 1]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            det = a * d - b * c
            return np.stack(
                [
                    (d * rhs[..., 0] - b * rhs[..., 1]) / det,
                    (a * rhs[..., 1] - c * rhs[..., 0]) / det,
                ],
                axis=-1,
            )
    return np.linalg.solve(matrix, rhs[..., None])[..., 0]


def best_grid_points(
    x: FloatArray, loss: FloatArray, weights: FloatArray, grid_points: int
) -> tuple[FloatArray, FloatArray]:
    """The best point of the variable-projection start grid for every row of ``weights``.

    The batch form of `scaling_core.fit.starts._lse_starts` with one start and no fixed
    parameter: on a ``grid_points``-per-exponent grid of exponents in [0.02, 2], the
    non-negative least-squares solve for (E, A_j) with weights w/L² (`starts._nnls_grid`, the
    same column scaling and ridge) scores every grid point.  Returns the exponents of each row's
    best grid point (B, m) and its score Σ (w/L²)·(L̂ − L)² (B,).  The normal equations of every
    row and grid point come from one matrix product over the runs.  Also returns the start θ
    each best point gives, built as `_lse_starts` builds it (B, 1 + 2m).
    """
    n, m = x.shape
    exps = np.stack(
        [
            g.reshape(-1)
            for g in np.meshgrid(*[np.linspace(0.02, 2.0, grid_points)] * m, indexing="ij")
        ],
        axis=1,
    )  # (G, m)
    n_grid, k = len(exps), 1 + m
    with np.errstate(over="ignore", under="ignore"):
        powers = np.exp(-exps[:, None, :] * x[None, :, :])  # (G, n, m)
    features = np.concatenate([np.ones((n_grid, n, 1)), powers], axis=2)  # (G, n, k)
    v = np.asarray(weights, dtype=float) / loss[None] ** 2  # (B, n): (√w/L)²
    pairs = [(i, j) for i in range(k) for j in range(i, k)]
    products = np.stack([features[:, :, i] * features[:, :, j] for i, j in pairs], axis=2)
    gram_flat = v @ products.transpose(1, 0, 2).reshape(n, -1)  # (B, G·pairs)
    rhs = v @ (features * loss[None, :, None]).transpose(1, 0, 2).reshape(n, -1)
    n_rows = len(v)
    gram_flat = gram_flat.reshape(n_rows, n_grid, len(pairs))
    rhs = rhs.reshape(n_rows, n_grid, k)
    gram = np.empty((n_rows, n_grid, k, k))
    for p_index, (i, j) in enumerate(pairs):
        gram[:, :, i, j] = gram[:, :, j, i] = gram_flat[:, :, p_index]
    tt = v @ loss**2  # (B,)
    col = np.sqrt(np.diagonal(gram, axis1=2, axis2=3) / n) + 1e-300  # (B, G, k)
    gram = gram / (col[:, :, :, None] * col[:, :, None, :])
    rhs = rhs / col
    # Non-negative least squares by supports, on every (draw, grid point) as one flat batch.
    # The whole support first: where its solution is non-negative it is the answer (no subset
    # fits better than the unconstrained least squares), and only the other points try the
    # smaller supports, most often a small share of them.
    gram_f, rhs_f = gram.reshape(-1, k, k), rhs.reshape(-1, k)
    tt_f = np.repeat(tt, n_grid)
    best_sse = tt_f.copy()
    best = np.zeros((len(tt_f), k))
    todo = np.arange(len(tt_f))
    try:
        sol = _solve_small(gram_f + 1e-12 * np.eye(k), rhs_f)
    except np.linalg.LinAlgError:
        sol = None
    if sol is not None:
        sse = tt_f - np.einsum("ik,ik->i", sol, rhs_f)
        whole = np.all(sol >= 0, axis=1) & (sse < best_sse)
        best_sse[whole] = sse[whole]
        best[whole] = sol[whole]
        todo = np.flatnonzero(~whole)
    for size in range(1, k):
        for support in itertools.combinations(range(k), size):
            if not len(todo):
                break
            idx = list(support)
            sub = gram_f[todo][:, idx][:, :, idx] + 1e-12 * np.eye(size)
            try:
                sol = _solve_small(sub, rhs_f[todo][:, idx])
            except np.linalg.LinAlgError:
                continue
            sse = tt_f[todo] - np.einsum("ik,ik->i", sol, rhs_f[todo][:, idx])
            better = np.all(sol >= 0, axis=1) & (sse < best_sse[todo])
            rows = todo[better]
            best_sse[rows] = sse[better]
            best[rows] = 0.0
            best[rows[:, None], idx] = sol[better]
    best_sse = best_sse.reshape(n_rows, n_grid)
    best = best.reshape(n_rows, n_grid, k)
    best_sse = np.where(np.isfinite(best_sse), best_sse, np.inf)
    flat = np.argmin(best_sse, axis=1)
    pick = np.arange(n_rows)
    coef = best[pick, flat] / col[pick, flat]  # (B, k): E, A_1..A_m
    # θ as `_lse_starts` makes it: logs floored at 1e-3 of the lowest loss (per term's scale)
    floor = 1e-3 * float(loss.min())
    theta = np.empty((n_rows, 1 + 2 * m))
    theta[:, 1 + m :] = exps[flat]
    theta[:, 0] = np.log(np.maximum(coef[:, 0], floor))
    for j in range(m):
        typical = np.median(np.exp(-exps[flat, j][:, None] * x[None, :, j]), axis=1)
        theta[:, 1 + j] = np.log(np.maximum(coef[:, 1 + j], floor / np.maximum(typical, 1e-300)))
    return exps[flat], best_sse[pick, flat], theta
