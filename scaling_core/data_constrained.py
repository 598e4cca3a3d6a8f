"""Data-constrained scaling: repeated epochs and excess parameters (Muennighoff et al. 2023).

When only U_D unique tokens exist, a run of D > U_D tokens repeats them for R_D = D/U_D − 1
extra epochs.  Muennighoff et al. model repeated tokens as worth less and less (arXiv:2305.16264,
section 3.1, eq. 5; constants from the authors' released fit, huggingface/datablations):

- effective data    D' = U_D + U_D·R_D*·(1 − exp(−R_D/R_D*)),        R_D = max(D/U_D − 1, 0);
- effective params  N' = U_N + U_N·R_N*·(1 − exp(−R_N/R_N*)),        R_N = max(N/U_N − 1, 0),
  with U_N = min(N, N_opt(U_D)) the compute-optimal size for U_D tokens of the Chinchilla form:
  N_opt(D) = G·(D·G)^(β/α), G = (αA/(βB))^(1/(α+β)) (inverting Hoffmann et al. 2022, eq. 4);
- loss              L = E + A/N'^α + B/D'^β with the ``muennighoff-2023`` preset
  (A = e^6.255414, B = e^7.3049974, E = e^0.6254804, α = β = 0.3526596),
  R_D* = 15.387756, R_N* = 5.309743.

A repeated token is worth (1 − exp(−R_D/R_D*))·R_D*/R_D fresh tokens on average, so up to about
four epochs (R_D = 3) the data is still worth ~93% of fresh data and the loss barely moves; the
value of repetition vanishes beyond R_D ≈ R_D* (about 16 epochs).

References
----------
N. Muennighoff, A. M. Rush, B. Barak, T. Le Scao, A. Piktus, N. Tazi, S. Pyysalo, T. Wolf,
C. Raffel, "Scaling Data-Constrained Language Models", NeurIPS 2023, arXiv:2305.16264.

Examples
--------
Figure 1 (right) of the paper, 25B unique tokens: 6.34B parameters on 242B tokens beat 8.67B
on 178B.

>>> from scaling_core.presets import get_law
>>> law = get_law("muennighoff-2023")
>>> round(float(data_constrained_loss(law, 6.34e9, 242e9, 25e9)), 6)
2.225644
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.allocation import (
    FLOPS_PER_PARAM_TOKEN,
    INVERSION_RANGE,
    compute_for_loss,
    compute_optimal,
    golden_section_minimize,
)
from scaling_core.laws import ChinchillaLaw, FloatArray

#: Decay constant of the value of repeated data, in repeated epochs (Muennighoff et al. 2023, fit).
R_D_STAR: float = 15.387756

#: Decay constant of the value of excess parameters (Muennighoff et al. 2023, fit).
R_N_STAR: float = 5.309743

#: Epochs up to which repeating costs little (Muennighoff et al. 2023, section 4 and abstract).
CHEAP_EPOCHS: float = 4.0


def _positive(values: ArrayLike, what: str) -> FloatArray:
    array = np.asarray(values, dtype=float)
    if np.any(~(array > 0)) or np.any(~np.isfinite(array)):
        raise ValueError(f"{what} must be positive and finite")
    return array


def repetitions(n_total: ArrayLike, n_unique: ArrayLike) -> FloatArray:
    """R = max(total/unique − 1, 0): repeats beyond the first pass (Muennighoff et al. 2023, eq. 5).

    For data this is epochs − 1; for parameters it is the "excess" multiple of U_N.
    """
    return np.maximum(_positive(n_total, "n_total") / _positive(n_unique, "n_unique") - 1.0, 0.0)


def unique_seen(n_tokens: ArrayLike, unique_tokens: ArrayLike) -> FloatArray:
    """U_D = min(D, unique tokens available): the unique tokens a run of D tokens actually sees.

    Muennighoff et al. 2023 write eq. 5 for U_D ≤ D; a run shorter than the data set sees D of them.
    """
    return np.minimum(_positive(n_tokens, "n_tokens"), _positive(unique_tokens, "unique_tokens"))


def _decayed(unique: FloatArray, repeats: FloatArray, r_star: float) -> FloatArray:
    """U + U·R*·(1 − exp(−R/R*)): the effective count of U unique items seen 1 + R times."""
    return unique * (1.0 + r_star * -np.expm1(-repeats / r_star))


def effective_data(
    n_tokens: ArrayLike, unique_tokens: ArrayLike, r_d_star: float = R_D_STAR
) -> FloatArray:
    """D' = U_D + U_D·R_D*·(1 − exp(−R_D/R_D*)), R_D = max(D/U_D − 1, 0) (Muennighoff et al. 2023, eq. 5).

    Examples
    --------
    >>> round(float(effective_data(100e9, 25e9)) / 25e9, 3)  # 4 epochs are worth 3.73 fresh ones
    3.726
    """
    d = _positive(n_tokens, "n_tokens")
    unique = unique_seen(d, unique_tokens)
    return _decayed(unique, repetitions(d, unique), r_d_star)


def optimal_params_for_tokens(law: ChinchillaLaw, n_tokens: ArrayLike) -> FloatArray:
    """N_opt(D) = G·(D·G)^(β/α): the compute-optimal size for D tokens.

    Inverts D_opt = G^-1·(C/6)^b of Hoffmann et al. 2022, eq. 4 (G = (αA/(βB))^(1/(α+β))),
    as Muennighoff et al. 2023 do for U_N (their released ``D_to_N``).
    """
    d = _positive(n_tokens, "n_tokens")
    g = law.allocation_coefficient
    return g * np.power(d * g, law.beta / law.alpha)


def unique_params(law: ChinchillaLaw, n_params: ArrayLike, unique_tokens: ArrayLike) -> FloatArray:
    """U_N = min(N, N_opt(U_D)): the parameters the unique data can use (Muennighoff et al. 2023)."""
    n = _positive(n_params, "n_params")
    return np.minimum(n, optimal_params_for_tokens(law, unique_tokens))


def effective_params(
    law: ChinchillaLaw,
    n_params: ArrayLike,
    unique_tokens: ArrayLike,
    r_n_star: float = R_N_STAR,
) -> FloatArray:
    """N' = U_N + U_N·R_N*·(1 − exp(−R_N/R_N*)), R_N = max(N/U_N − 1, 0) (Muennighoff et al. 2023, eq. 5)."""
    n = _positive(n_params, "n_params")
    u_n = unique_params(law, n, unique_tokens)
    return _decayed(u_n, repetitions(n, u_n), r_n_star)


def data_constrained_loss(
    law: ChinchillaLaw,
    n_params: ArrayLike,
    n_tokens: ArrayLike,
    unique_tokens: ArrayLike,
    *,
    r_d_star: float = R_D_STAR,
    r_n_star: float = R_N_STAR,
) -> FloatArray:
    """L(N, D, U_D) = E + A/N'^α + B/D'^β (Muennighoff et al. 2023, eq. 5), broadcasting its arguments.

    ``unique_tokens`` is the unique data available; a run with D below it sees only D
    (`unique_seen`), so with D ≤ U_D and N ≤ N_opt(D) this is the law's own L(N, D).

    Examples
    --------
    >>> from scaling_core.presets import get_law
    >>> round(float(data_constrained_loss(get_law("muennighoff-2023"), 8.67e9, 178e9, 25e9)), 6)
    2.226963
    """
    seen = unique_seen(n_tokens, unique_tokens)
    n_eff = effective_params(law, n_params, seen, r_n_star)
    d_eff = effective_data(n_tokens, seen, r_d_star)
    return law.loss(n_eff, d_eff)


#: Muennighoff et al. 2023, Figure 1 (right): the two models compared, (N, D), with 25B unique
#: tokens: 6.34B parameters on 242B tokens (9.7 epochs) against 8.67B on 178B (7.1 epochs).
FIGURE1_MODELS: tuple[tuple[float, float], tuple[float, float]] = ((6.34e9, 242e9), (8.67e9, 178e9))
FIGURE1_UNIQUE_TOKENS: float = 25e9


def figure1_losses(law: ChinchillaLaw) -> tuple[float, float]:
    """Eq. 5 losses of the two models of Muennighoff et al. 2023, Figure 1 (right).

    With the ``muennighoff-2023`` preset: 2.225644 for 6.34B on 242B tokens and 2.226963 for
    8.67B on 178B (the values the authors print in the datablations README): the smaller model
    trained for more epochs is predicted to win, as it did in their runs.
    """
    first, second = (
        float(data_constrained_loss(law, n, d, FIGURE1_UNIQUE_TOKENS)) for n, d in FIGURE1_MODELS
    )
    return first, second


@dataclass(frozen=True)
class DataConstrainedOptimum:
    """The best N, D = C/(6N) and loss at budget C with U_D unique tokens (arrays of equal shape)."""

    compute_flops: FloatArray
    unique_tokens: FloatArray
    n_params: FloatArray
    n_tokens: FloatArray
    loss: FloatArray
    #: Smallest and largest N whose loss is within ``FLAT_TOLERANCE`` of the optimum: when the
    #: unique data, not the compute, limits the loss, a wide range of N is equally good.
    n_params_flat_low: FloatArray | None = None
    n_params_flat_high: FloatArray | None = None

    @property
    def is_flat(self) -> FloatArray:
        """True where more than a factor 2 in N gives the same loss (data-limited regime)."""
        if self.n_params_flat_low is None or self.n_params_flat_high is None:
            return np.zeros_like(self.n_params, dtype=bool)
        return self.n_params_flat_high > 2.0 * self.n_params_flat_low

    @property
    def epochs(self) -> FloatArray:
        """Passes over the unique data: D/U_D."""
        return self.n_tokens / self.unique_tokens

    @property
    def tokens_per_param(self) -> FloatArray:
        """D/N of the data-constrained optimum."""
        return self.n_tokens / self.n_params


#: Loss difference (nats/token) below which two allocations count as equally good.
FLAT_TOLERANCE: float = 1e-4


def data_constrained_optimal(
    law: ChinchillaLaw,
    compute_flops: ArrayLike,
    unique_tokens: ArrayLike,
    *,
    grid_points: int = 161,
) -> DataConstrainedOptimum:
    """Minimise L(N, C/(6N), U_D) over N for each budget C and unique-token count U_D (broadcast).

    A log-spaced grid over N_opt·[1e-5, 1e3] (N_opt the unconstrained optimum, Hoffmann et al.
    2022, eq. 4; D kept ≥ 1 token) brackets the minimum, then a golden-section search refines it
    (Muennighoff et al. 2023, section 3.1, use a grid search).  Their Figure 1 (right)
    compares, with 25B unique tokens, 6.34B parameters on 242B tokens (9.7 epochs) against
    8.67B on 178B, and finds the smaller model better, as the law predicts (`data_constrained_loss`
    2.22564 against 2.22696).  The law's own optimum at the 8.67B × 178B budget (9.26e21 FLOP)
    is 6.8B parameters on 227B tokens (9.1 epochs), the example of the authors' datablations
    README; at 1e22 FLOP it is 7.03B parameters, 237B tokens, 9.49 epochs.  When the unique
    data rather than the compute limits the
    loss, the profile is flat; ``n_params_flat_low``/``_high`` give the range of N within
    `FLAT_TOLERANCE` nats of the optimum.
    """
    compute, unique = np.broadcast_arrays(
        _positive(compute_flops, "compute_flops"), _positive(unique_tokens, "unique_tokens")
    )
    compute = np.array(compute, dtype=float)
    unique = np.array(unique, dtype=float)
    n_free = compute_optimal(law, compute).n_params
    log_lo = np.log(n_free) + np.log(1e-5)
    log_hi = np.minimum(np.log(n_free) + np.log(1e3), np.log(compute / FLOPS_PER_PARAM_TOKEN))

    def objective(log_n: FloatArray, c: FloatArray, u: FloatArray) -> FloatArray:
        n = np.exp(log_n)
        return data_constrained_loss(law, n, c / (FLOPS_PER_PARAM_TOKEN * n), u)

    fractions = np.linspace(0.0, 1.0, grid_points)
    grid = log_lo[..., None] + (log_hi - log_lo)[..., None] * fractions
    values = objective(grid, compute[..., None], unique[..., None])
    best = np.argmin(values, axis=-1)
    step = (log_hi - log_lo) / (grid_points - 1)
    lower = np.maximum(log_lo, np.take_along_axis(grid, best[..., None], -1)[..., 0] - step)
    upper = np.minimum(log_hi, lower + 2.0 * step)
    log_n = golden_section_minimize(
        lambda x: objective(x, compute, unique), lower, upper, iterations=60
    )
    n_opt = np.exp(log_n)
    d_opt = compute / (FLOPS_PER_PARAM_TOKEN * n_opt)
    loss = data_constrained_loss(law, n_opt, d_opt, unique)
    # Where the data limits the loss, the profile is flat over a range of N: report it.
    near = values <= loss[..., None] + FLAT_TOLERANCE
    first = np.argmax(near, axis=-1)
    last = grid_points - 1 - np.argmax(near[..., ::-1], axis=-1)
    flat_low = np.minimum(np.exp(np.take_along_axis(grid, first[..., None], -1)[..., 0]), n_opt)
    flat_high = np.maximum(np.exp(np.take_along_axis(grid, last[..., None], -1)[..., 0]), n_opt)
    return DataConstrainedOptimum(compute, unique, n_opt, d_opt, loss, flat_low, flat_high)


def unlimited_compute_for_loss(law: ChinchillaLaw, target_loss: ArrayLike) -> FloatArray:
    """Budget C at which the unconstrained compute-optimal loss (Hoffmann et al. 2022, eq. 4) equals the target.

    `scaling_core.allocation.compute_for_loss` (closed form), NaN outside budgets of
    [1e6, 1e40] FLOP.  Used to price a repetition penalty in compute: how much budget fresh
    data would need for that loss.
    """
    compute = compute_for_loss(law, target_loss)
    lo, hi = INVERSION_RANGE
    return np.where((compute >= lo) & (compute <= hi), compute, np.nan)


@dataclass(frozen=True)
class RepetitionCost:
    """What repeating U_D = D/epochs unique tokens costs a run of fixed N and D (arrays over epochs)."""

    n_params: float
    n_tokens: float
    epochs: FloatArray
    unique_tokens: FloatArray
    loss: FloatArray  # with repetition, eq. 5
    loss_unique: float  # the same N, D with fresh data: the law's L(N, D)
    data_value: FloatArray  # D'/D: worth of the D tokens seen, in fresh tokens
    compute_equivalent: FloatArray  # fresh-data compute-optimal budget reaching the same loss

    @property
    def loss_increase(self) -> FloatArray:
        """L(with repeats) − L(fresh data), nats per token."""
        return self.loss - self.loss_unique


def repetition_cost(
    law: ChinchillaLaw, n_params: float, n_tokens: float, epochs: ArrayLike
) -> RepetitionCost:
    """Loss of a fixed (N, D) run when its D tokens are U_D = D/epochs unique tokens repeated.

    Epochs ≥ 1; 1 means fresh data.  Also returns D'/D and the fresh-data compute-optimal budget
    that reaches the same loss (Muennighoff et al. 2023, eq. 5; Hoffmann et al. 2022, eq. 4).
    """
    count = _positive(epochs, "epochs")
    if np.any(count < 1):
        raise ValueError("epochs must be at least 1")
    n = float(_positive(n_params, "n_params"))
    d = float(_positive(n_tokens, "n_tokens"))
    unique = d / count
    loss = data_constrained_loss(law, n, d, unique)
    return RepetitionCost(
        n_params=n,
        n_tokens=d,
        epochs=count,
        unique_tokens=unique,
        loss=loss,
        loss_unique=float(law.loss(n, d)),
        data_value=effective_data(d, unique) / d,
        compute_equivalent=unlimited_compute_for_loss(law, loss),
    )
