"""Compute-optimal allocation: N_opt(C), D_opt(C), L_opt(C), IsoFLOP profiles and frontiers.

Also the inference-aware allocation (Sardana & Frankle 2023).  The data-constrained allocation
with repeated epochs (Muennighoff et al. 2023) lives in `scaling_core.data_constrained`.
Training compute is C = 6ND throughout (Kaplan et al. 2020, section 2.1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.laws import (
    ChinchillaLaw,
    FloatArray,
    KaplanLaw,
    Law,
    LawUnavailable,
    LossLaw,
    PowerLawAllocation,
)

#: Flops per parameter per training token: forward 2, backward 4 (Kaplan et al. 2020, section 2.1).
FLOPS_PER_PARAM_TOKEN: float = 6.0

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0


@dataclass(frozen=True)
class Allocation:
    """Compute-optimal N, D and loss for each compute budget (arrays of equal shape)."""

    compute_flops: FloatArray
    n_params: FloatArray
    n_tokens: FloatArray
    loss: FloatArray  # NaN where the law gives no loss

    @property
    def tokens_per_param(self) -> FloatArray:
        """D_opt/N_opt, about 20 for the Chinchilla Approach-1 projections (Hoffmann et al. 2022, Table 3)."""
        return self.n_tokens / self.n_params


def training_flops(n_params: ArrayLike, n_tokens: ArrayLike) -> FloatArray:
    """C = 6·N·D training FLOP (Kaplan et al. 2020, section 2.1; Hoffmann et al. 2022, section 3)."""
    return (
        FLOPS_PER_PARAM_TOKEN
        * np.asarray(n_params, dtype=float)
        * np.asarray(n_tokens, dtype=float)
    )


def _compute_array(compute_flops: ArrayLike) -> FloatArray:
    compute = np.asarray(compute_flops, dtype=float)
    if np.any(~(compute > 0)) or np.any(~np.isfinite(compute)):
        raise ValueError("compute_flops must be positive and finite")
    return compute


def golden_section_minimize(
    objective: Callable[[FloatArray], FloatArray],
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    iterations: int = 90,
) -> FloatArray:
    """Vectorised golden-section search for the minimum of a unimodal ``objective`` on [lower, upper].

    Each element of ``lower``/``upper`` is an independent bracket; ``objective`` maps an array of
    abscissae to an array of values.  90 iterations shrink a bracket by 0.618^90 ≈ 1.6e-19.
    """
    a = np.array(lower, dtype=float, copy=True)
    b = np.array(upper, dtype=float, copy=True)
    c = b - _GOLDEN * (b - a)
    d = a + _GOLDEN * (b - a)
    fc = objective(c)
    fd = objective(d)
    for _ in range(iterations):
        left = fc < fd  # minimum lies in [a, d]
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        new_c = b - _GOLDEN * (b - a)
        new_d = a + _GOLDEN * (b - a)
        c, d = np.where(left, new_c, d), np.where(left, c, new_d)
        probe = np.where(left, c, d)
        value = objective(probe)
        fc, fd = np.where(left, value, fd), np.where(left, fc, value)
    return (a + b) / 2.0


def isoflop_profile(law: LossLaw, compute_flops: float, n_params: ArrayLike) -> FloatArray:
    """Loss along the IsoFLOP line C = 6ND at fixed C: L(N, C/(6N)) (Hoffmann et al. 2022, Approach 2)."""
    n = np.asarray(n_params, dtype=float)
    return law.loss(n, compute_flops / (FLOPS_PER_PARAM_TOKEN * n))


def isoflop_minimum_numeric(
    law: LossLaw, compute_flops: ArrayLike, *, n_range: tuple[float, float] = (1.0, 1e20)
) -> Allocation:
    """Minimise L(N, C/(6N)) over N numerically, for any law with a loss (vectorised over C).

    A golden-section search in log N on [max(n_min, ...), min(n_max, C/6)] keeps D ≥ 1 token.
    The loss along an IsoFLOP line is unimodal in log N for the Chinchilla form and for Kaplan's
    eq. 1.5 (a decreasing plus an increasing power of N), so the search is exact to rounding.
    """
    compute = _compute_array(compute_flops)
    lower = np.full_like(compute, np.log(n_range[0]))
    upper = np.minimum(np.log(n_range[1]), np.log(compute / FLOPS_PER_PARAM_TOKEN))
    upper = np.maximum(upper, lower + 1e-12)

    def objective(log_n: FloatArray) -> FloatArray:
        n = np.exp(log_n)
        with np.errstate(over="ignore"):
            return np.log(law.loss(n, compute / (FLOPS_PER_PARAM_TOKEN * n)))

    log_n = golden_section_minimize(objective, lower, upper)
    n_opt = np.exp(log_n)
    d_opt = compute / (FLOPS_PER_PARAM_TOKEN * n_opt)
    return Allocation(compute, n_opt, d_opt, law.loss(n_opt, d_opt))


def _chinchilla_closed_form(law: ChinchillaLaw, compute: FloatArray) -> Allocation:
    a, b = law.allocation_exponents
    g = law.allocation_coefficient
    n_opt = g * np.power(compute / FLOPS_PER_PARAM_TOKEN, a)
    d_opt = np.power(compute / FLOPS_PER_PARAM_TOKEN, b) / g
    return Allocation(compute, n_opt, d_opt, law.loss(n_opt, d_opt))


def compute_optimal(law: Law, compute_flops: ArrayLike) -> Allocation:
    """N_opt(C), D_opt(C) and L_opt(C) for any law, vectorised over C in FLOP.

    - `ChinchillaLaw`: the closed form N_opt = G·(C/6)^a, D_opt = G^-1·(C/6)^b
      (Hoffmann et al. 2022, eq. 4, Appendix D.2);
    - `KaplanLaw`: the minimum of eq. 1.5 along C = 6ND, found numerically
      (`isoflop_minimum_numeric`); note Kaplan's own compute-efficient frontier (eq. 1.7,
      N ∝ C^0.73) comes from early-stopped learning curves, not from this minimum;
    - `PowerLawAllocation`: the published N_opt = k·C^a with D = C/(6N); the loss is NaN.

    Examples
    --------
    >>> from scaling_core.presets import get_law
    >>> opt = compute_optimal(get_law("chinchilla-2022"), 5.76e23)
    >>> round(float(opt.n_params) / 1e9, 1), round(float(opt.loss), 4)
    (32.2, 1.9307)
    """
    compute = _compute_array(compute_flops)
    if isinstance(law, ChinchillaLaw):
        return _chinchilla_closed_form(law, compute)
    if isinstance(law, KaplanLaw):
        return isoflop_minimum_numeric(law, compute)
    if isinstance(law, PowerLawAllocation):
        n_opt = law.n_opt(compute)
        d_opt = compute / (FLOPS_PER_PARAM_TOKEN * n_opt)
        return Allocation(compute, n_opt, d_opt, np.full_like(compute, np.nan))
    raise TypeError(f"unsupported law type {type(law).__name__}")


def compute_optimal_frontier(
    law: Law, compute_min: float, compute_max: float, n_points: int = 200
) -> Allocation:
    """The compute-optimal frontier on a log-spaced grid of ``n_points`` budgets in FLOP."""
    if not (0 < compute_min < compute_max):
        raise ValueError("need 0 < compute_min < compute_max")
    compute = np.geomspace(compute_min, compute_max, n_points)
    return compute_optimal(law, compute)


def range_warnings(laws: dict[str, Law], compute_flops: float) -> dict[str, str]:
    """{law key: why not to trust it here} for the laws used beyond the budget their source
    allows (e.g. Kaplan's frontier past C* ≈ 1e4 PF-days, Kaplan et al. 2020 eq. 6.8)."""
    found: dict[str, str] = {}
    for key, law in laws.items():
        note = law.beyond_range(compute_flops) if isinstance(law, PowerLawAllocation) else None
        if note:
            found[key] = note
    return found


def kaplan_closed_form_optimum(law: KaplanLaw, compute_flops: ArrayLike) -> Allocation:
    """Exact minimum of Kaplan's eq. 1.5 along C = 6ND.

    Minimising (N_c/N)^p + 6·D_c·N/C with p = α_N/α_D gives
    N_opt = (p·N_c^p·C/(6·D_c))^(1/(1+p)), so N_opt ∝ C^(α_D/(α_N+α_D)).
    Used to check the numeric solver; derived here from Kaplan et al. 2020, eq. 1.5.
    """
    compute = _compute_array(compute_flops)
    p = law.alpha_n / law.alpha_d
    n_opt = np.power(p * law.n_c**p * compute / (FLOPS_PER_PARAM_TOKEN * law.d_c), 1.0 / (1.0 + p))
    d_opt = compute / (FLOPS_PER_PARAM_TOKEN * n_opt)
    return Allocation(compute, n_opt, d_opt, law.loss(n_opt, d_opt))


def _require_loss(law: Law) -> LossLaw:
    if isinstance(law, PowerLawAllocation):
        raise LawUnavailable(f"{law.key} gives an allocation only; this needs a law with a loss")
    return law


@dataclass(frozen=True)
class InferenceAwarePlan:
    """Result of the inference-aware allocation (Sardana & Frankle 2023)."""

    target_loss: float
    inference_tokens: float
    n_params: float
    n_tokens: float
    training_flops: float
    inference_flops: float
    chinchilla_n_params: float  # the training-only optimum at the same loss
    chinchilla_n_tokens: float
    chinchilla_total_flops: float

    @property
    def total_flops(self) -> float:
        """Training plus inference FLOP: 6·N·D_train + 2·N·D_inference."""
        return self.training_flops + self.inference_flops

    @property
    def tokens_per_param(self) -> float:
        """D_train/N of the inference-aware model."""
        return self.n_tokens / self.n_params

    @property
    def savings(self) -> float:
        """Fraction of lifetime FLOP saved against the training-only optimum at the same loss."""
        return 1.0 - self.total_flops / self.chinchilla_total_flops

    @property
    def flops_saved(self) -> float:
        """Lifetime FLOP saved against the training-only optimum at the same loss."""
        return self.chinchilla_total_flops - self.total_flops


def inference_aware_optimal(
    law: Law, target_loss: float, inference_tokens: float
) -> InferenceAwarePlan:
    """Minimise 6·N·D_train + 2·N·D_inf subject to L(N, D_train) = target (Sardana & Frankle 2023, eq. 3).

    For each N, D_train is the token count at which the law reaches the target loss
    (`tokens_for_loss`); the lifetime cost is then minimised over N by golden-section
    search in log N.  With ``inference_tokens`` = 0 this is the training-compute-optimal
    model that reaches the target loss.  Raises `LawUnavailable` when the law cannot reach
    the target (below its irreducible loss).

    References: N. Sardana, J. Frankle, "Beyond Chinchilla-Optimal: Accounting for Inference
    in Language Model Scaling Laws", arXiv:2401.00448.
    """
    loss_law = _require_loss(law)
    if not np.isfinite(target_loss) or target_loss <= 0:
        raise ValueError("target_loss must be positive and finite")
    if not np.isfinite(inference_tokens) or inference_tokens < 0:
        raise ValueError("inference_tokens must be non-negative and finite")
    floor = float(loss_law.loss_infinite_data(1e30))
    if target_loss <= floor:
        raise LawUnavailable(
            f"{law.key} cannot reach loss {target_loss:.4g}: its limit for N, D → ∞ is {floor:.4g}"
        )
    # Smallest N that can reach the target with infinite data: bisection in log N (64 halvings
    # of the 69-wide bracket reach adjacent floats; more change nothing).
    lo, hi = np.log(1.0), np.log(1e30)
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        if float(loss_law.loss_infinite_data(np.exp(mid))) < target_loss:
            hi = mid
        else:
            lo = mid
    log_n_min = hi
    # Both minimisations at once, each its own bracket: with the inference volume, and without
    # (the compute-optimal model at this loss).
    inference = np.array([inference_tokens, 0.0])

    def lifetime_flops(log_n: FloatArray) -> FloatArray:
        n = np.exp(log_n)
        d_train = loss_law.tokens_for_loss(n, target_loss)
        with np.errstate(over="ignore", invalid="ignore"):
            total = FLOPS_PER_PARAM_TOKEN * n * d_train + 2.0 * n * inference
        return np.log(np.where(np.isfinite(total), total, np.finfo(float).max))

    log_n = golden_section_minimize(
        lifetime_flops, np.full(2, log_n_min + 1e-9), np.full(2, log_n_min + 40.0)
    )
    (n_params, base_n) = (float(v) for v in np.exp(log_n))
    n_tokens = float(loss_law.tokens_for_loss(n_params, target_loss))
    base_d = float(loss_law.tokens_for_loss(base_n, target_loss))
    base_total = FLOPS_PER_PARAM_TOKEN * base_n * base_d + 2.0 * base_n * inference_tokens
    return InferenceAwarePlan(
        target_loss=float(target_loss),
        inference_tokens=float(inference_tokens),
        n_params=n_params,
        n_tokens=n_tokens,
        training_flops=FLOPS_PER_PARAM_TOKEN * n_params * n_tokens,
        inference_flops=2.0 * n_params * inference_tokens,
        chinchilla_n_params=base_n,
        chinchilla_n_tokens=base_d,
        chinchilla_total_flops=base_total,
    )


def loss_surface(law: Law, n_params: ArrayLike, n_tokens: ArrayLike) -> FloatArray:
    """L(N, D) on the grid n_params × n_tokens (rows N, columns D) for any law with a loss."""
    loss_law = _require_loss(law)
    n = np.asarray(n_params, dtype=float)[:, None]
    d = np.asarray(n_tokens, dtype=float)[None, :]
    return loss_law.loss(n, d)


#: Budgets over which `compute_for_loss` inverts a frontier numerically, FLOP.
INVERSION_RANGE: tuple[float, float] = (1e6, 1e40)


def compute_for_loss(law: Law, target_loss: ArrayLike) -> FloatArray:
    """Smallest training compute C whose compute-optimal loss L_opt(C) equals ``target_loss``.

    Used to express how far a run is from compute-optimal as a compute multiple:
    C_run / C_opt(L_run).  NaN where the law never reaches the target.

    - `ChinchillaLaw`: closed form.  Along eq. 4 of Hoffmann et al. 2022 (N_opt = G·(C/6)^a,
      D_opt = G^-1·(C/6)^b, a = β/(α+β), b = α/(α+β)) both terms of eq. 2 fall as
      (C/6)^-γ with γ = αβ/(α+β), so L_opt(C) = E + K·(C/6)^-γ, K = A·G^-α + B·G^β, and
      C = 6·(K/(L − E))^(1/γ); NaN for L ≤ E.
    - `KaplanLaw`: bisection in log C over `INVERSION_RANGE` (L_opt falls with C); NaN where the
      target is below L_opt(1e40 FLOP).
    """
    loss_law = _require_loss(law)
    if isinstance(loss_law, ChinchillaLaw):
        k, gamma = chinchilla_frontier(loss_law.A, loss_law.B, loss_law.alpha, loss_law.beta)
        return frontier_compute_for_loss(loss_law.E, k, gamma, target_loss)
    return bisect_compute_for_loss(loss_law, target_loss)


def chinchilla_frontier(
    A: ArrayLike, B: ArrayLike, alpha: ArrayLike, beta: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """K and γ of the Chinchilla form's compute-optimal loss L_opt(C) = E + K·(C/6)^-γ:
    γ = αβ/(α+β), K = A·G^-α + B·G^β, G = (αA/(βB))^(1/(α+β)) (Hoffmann et al. 2022, eq. 4;
    see `compute_for_loss`).  Element-wise over arrays of constants (a bootstrap's refits)."""
    a, b = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    al, be = np.asarray(alpha, dtype=float), np.asarray(beta, dtype=float)
    with np.errstate(all="ignore"):
        g = (al * a / (be * b)) ** (1.0 / (al + be))
        return a * g**-al + b * g**be, al * be / (al + be)


def frontier_compute_for_loss(
    E: ArrayLike, k: ArrayLike, gamma: ArrayLike, target_loss: ArrayLike
) -> FloatArray:
    """C = 6·(K/(L − E))^(1/γ), the budget at which L_opt(C) = E + K·(C/6)^-γ reaches
    ``target_loss`` (`chinchilla_frontier`); NaN for L ≤ E.  Element-wise, broadcasting."""
    gap = np.asarray(target_loss, dtype=float) - np.asarray(E, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        compute = FLOPS_PER_PARAM_TOKEN * np.power(np.asarray(k) / gap, 1.0 / np.asarray(gamma))
    return np.where(gap > 0, compute, np.nan)


def bisect_compute_for_loss(law: Law, target_loss: ArrayLike) -> FloatArray:
    """`compute_for_loss` by bisection in log C over `INVERSION_RANGE`, for any law with a loss
    (`compute_optimal` gives L_opt(C)); the budget's lower end where the target lies above
    L_opt(1e6 FLOP), NaN where it lies below L_opt(1e40 FLOP)."""
    target = np.atleast_1d(np.asarray(target_loss, dtype=float))
    lo = np.full_like(target, np.log(INVERSION_RANGE[0]))
    hi = np.full_like(target, np.log(INVERSION_RANGE[1]))
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        above = compute_optimal(law, np.exp(mid)).loss > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    result = np.exp(0.5 * (lo + hi))
    reachable = compute_optimal(law, np.full_like(target, INVERSION_RANGE[1])).loss <= target
    result = np.where(reachable, result, np.nan)
    return result.reshape(np.shape(target_loss))
