"""The Approach-3 objective (Hoffmann et al. 2022, Appendix D.2): Huber on log-loss residuals of the
LSE model and of Kaplan's eq. 1.5, with analytic gradients and Hessians, and the damped Newton polish.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scaling_core.laws import (
    FloatArray,
)


def _huber(r: FloatArray, delta: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Huber_δ(r) = r²/2 for |r| ≤ δ else δ(|r| − δ/2); returns (ρ, ρ', ρ'')."""
    if math.isinf(delta):
        return 0.5 * r * r, r, np.ones_like(r)
    absr = np.abs(r)
    quad = absr <= delta
    rho = np.where(quad, 0.5 * r * r, delta * (absr - 0.5 * delta))
    return rho, np.clip(r, -delta, delta), quad.astype(float)


def _asymmetric(w: FloatArray, r: FloatArray, penalty: float) -> FloatArray:
    """Weights with over-predictions (r = log L̂ − log L > 0) multiplied by ``penalty``.

    OLMo-core's ``overestimate_penalty`` (its Chinchilla fit, model_ladder analysis): values
    above 1 push the fitted law toward the lower envelope of the runs; 1 is the symmetric fit.
    """
    if penalty == 1.0:
        return w
    return np.where(r > 0, penalty * w, w)


def _huber_sum(r: FloatArray, w: FloatArray, delta: float, penalty: float = 1.0) -> float:
    """Σ w_i·Huber_δ(r_i), over-predictions (r_i > 0) weighted by ``penalty`` (`_asymmetric`)."""
    if not np.all(np.isfinite(r[w > 0])):
        return math.inf
    return float(np.dot(_asymmetric(w, r, penalty), _huber(r, delta)[0]))


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
    penalty: float = 1.0,
) -> _Solution:
    """Minimise Σ w·Huber_δ(r(θ)) over the free θ by damped Newton with the exact Hessian.

    Levenberg-Marquardt damping (scaled by the Hessian diagonal) keeps every accepted step a
    descent step; the loop stops when the Newton decrement is below 1e-12 of the objective.
    ``penalty`` multiplies the weight of over-predicted runs (`_asymmetric`); the objective
    stays continuously differentiable (ρ and ρ' vanish at r = 0), and its Hessian is exact
    away from r = 0.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _newton_loop(model, np.array(theta0, dtype=float), free, w, delta, max_iter, penalty)


def _newton_loop(
    model: _LSEModel | _KaplanModel,
    theta: FloatArray,
    free: np.ndarray,
    w: FloatArray,
    delta: float,
    max_iter: int,
    penalty: float = 1.0,
) -> _Solution:
    fi = np.flatnonzero(free)
    f = _huber_sum(model.residuals(theta), w, delta, penalty)
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
        w_r = _asymmetric(w, r, penalty)
        wpsi = w_r * psi
        grad = (jac.T @ wpsi)[fi]
        hess = ((jac.T * (w_r * dpsi)) @ jac + curvature(wpsi))[fi][:, fi]
        if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
            message = "non-finite gradient or Hessian"
            break
        # Scale by the Gauss-Newton diagonal diag(JᵀWJ) (never zero, unlike the Huber Hessian
        # when few residuals are inside ±δ), then one eigendecomposition serves every damping
        # λ: (H + λI)⁻¹g = V (Vᵀg / (μ + λ)), positive definite iff μ + λ > 0.
        gauss_newton = ((jac * jac).T @ w_r)[fi]
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
            f_trial = _huber_sum(model.residuals(trial), w, delta, penalty)
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
