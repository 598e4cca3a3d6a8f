"""Law families and named presets of the published language-model scaling laws.

Every law is a frozen dataclass: its constants, their units and the citation travel
together and cannot be changed by a caller.  Losses are cross-entropy in nats per
token, N is parameters, D is training tokens, C is training FLOP (C = 6ND).

Families
--------
`KaplanLaw`
    Kaplan et al. 2020, the power laws in N, D, C_min, the combined L(N, D) (eq. 1.5),
    learning curves L(N, S_min) (eq. 1.6), the critical batch size (eq. 1.4) and the
    overfitting rule (eqs. 4.3, 4.4).  N counts non-embedding parameters.
`ChinchillaLaw`
    The parametric form L = E + A/N^α + B/D^β of Hoffmann et al. 2022 (eq. 2), used by the
    Chinchilla Approach-3 fit, the Epoch AI replication (Besiroglu et al. 2024) and fits of
    the user's own runs.
`PowerLawAllocation`
    Laws that give only the compute-optimal allocation N_opt = k·C^a (Chinchilla
    Approaches 1 and 2; Porian et al. 2024 at each correction step).  They have no loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scaling_core.units import PF_DAY_FLOPS

FloatArray: TypeAlias = NDArray[np.float64]


class LawUnavailable(ValueError):
    """The chosen law does not define the requested quantity (e.g. a loss for an allocation-only law)."""


def _positive(values: ArrayLike, what: str) -> FloatArray:
    array = np.asarray(values, dtype=float)
    if np.any(~(array > 0)):
        raise ValueError(f"{what} must be positive and finite")
    return array


@dataclass(frozen=True)
class Source:
    """Where a law's constants come from: the paper and the equation or table."""

    paper: str
    arxiv: str
    where: str

    @property
    def url(self) -> str:
        """The arXiv abstract page of the paper, or "" for sources without one (a user's fit)."""
        return f"https://arxiv.org/abs/{self.arxiv}" if self.arxiv else ""

    def __str__(self) -> str:
        paper = f"{self.paper} (arXiv:{self.arxiv})" if self.arxiv else self.paper
        return f"{paper}, {self.where}" if self.where else paper


KAPLAN_2020 = "Kaplan et al. 2020, Scaling Laws for Neural Language Models"
HOFFMANN_2022 = "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models"
BESIROGLU_2024 = "Besiroglu et al. 2024, Chinchilla Scaling: A replication attempt"
SARDANA_2023 = (
    "Sardana & Frankle 2023, Beyond Chinchilla-Optimal: Accounting for Inference in Language "
    "Model Scaling Laws"
)
PORIAN_2024 = (
    "Porian et al. 2024, Resolving Discrepancies in Compute-Optimal Scaling of Language Models"
)


@dataclass(frozen=True)
class KaplanLaw:
    """Kaplan et al. 2020 power laws (arXiv:2001.08361).

    Constants (N non-embedding parameters, D tokens, C_min in PF-days, S steps, B tokens):

    - eq. 1.1  L(N) = (N_c/N)^α_N, α_N = 0.076, N_c = 8.8e13 (data unlimited);
    - eq. 1.2  L(D) = (D_c/D)^α_D, α_D = 0.095, D_c = 5.4e13 (large model, early stopping);
    - eq. 1.3  L(C_min) = (C_c^min/C_min)^α_C^min, α_C^min = 0.050, C_c^min = 3.1e8 PF-days;
    - eq. 1.4  B_crit(L) = B*/L^(1/α_B), B* = 2e8 tokens, α_B = 0.21;
    - eq. 1.5  L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D with the section-4 fit
      (Table 2): α_N = 0.076, α_D = 0.103, N_c = 6.4e13, D_c = 1.8e13;
    - eq. 1.6  L(N, S_min) = (N_c/N)^α_N + (S_c/S_min)^α_S with the Table 3 fit:
      α_N = 0.077, α_S = 0.76, N_c = 6.5e13, S_c = 2.1e3;
    - eq. 4.4  overfitting stays small while D ≳ 5e3·N^0.74.
    """

    key: str = "kaplan-2020"
    label: str = "Kaplan et al. 2020"
    # eq. 1.1, data-unlimited L(N)
    alpha_n_unlimited: float = 0.076
    n_c_unlimited: float = 8.8e13
    # eq. 1.2, L(D)
    alpha_d_only: float = 0.095
    d_c_only: float = 5.4e13
    # eq. 1.3, L(C_min), C in PF-days
    alpha_c_min: float = 0.050
    c_c_min_pf_days: float = 3.1e8
    # eq. 1.5 with the section-4 (Table 2) constants
    alpha_n: float = 0.076
    alpha_d: float = 0.103
    n_c: float = 6.4e13
    d_c: float = 1.8e13
    # eq. 1.6 with the Table 3 constants
    alpha_n_steps: float = 0.077
    n_c_steps: float = 6.5e13
    alpha_s: float = 0.76
    s_c: float = 2.1e3
    # eq. 1.4, critical batch size in tokens
    b_star: float = 2e8
    alpha_b: float = 0.21
    # eq. 4.4, data requirement D >~ coefficient * N^exponent
    data_requirement_coefficient: float = 5e3
    data_requirement_exponent: float = 0.74
    source: Source = field(
        default=Source(KAPLAN_2020, "2001.08361", "eqs. 1.1-1.6, 4.3-4.4, Tables 2-3")
    )
    counts: str = "non-embedding parameters"
    notes: str = (
        "Trained on WebText2 with a fixed learning-rate schedule; N excludes embeddings. "
        "Losses are not directly comparable with the Chinchilla family (different data and tokenizer)."
    )

    has_loss = True

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> FloatArray:
        """L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, eq. 1.5, Table 2)."""
        n = _positive(n_params, "n_params")
        d = _positive(n_tokens, "n_tokens")
        ratio = self.alpha_n / self.alpha_d
        return np.power(np.power(self.n_c / n, ratio) + self.d_c / d, self.alpha_d)

    def loss_data_unlimited(self, n_params: ArrayLike) -> FloatArray:
        """L(N) = (N_c/N)^α_N with N_c = 8.8e13, α_N = 0.076 (Kaplan et al. 2020, eq. 1.1)."""
        n = _positive(n_params, "n_params")
        return np.power(self.n_c_unlimited / n, self.alpha_n_unlimited)

    def loss_infinite_data(self, n_params: ArrayLike) -> FloatArray:
        """The D → ∞ limit of eq. 1.5: (N_c/N)^α_N with the section-4 constants (Table 2)."""
        n = _positive(n_params, "n_params")
        return np.power(self.n_c / n, self.alpha_n)

    def loss_tokens(self, n_tokens: ArrayLike) -> FloatArray:
        """L(D) = (D_c/D)^α_D, α_D = 0.095, D_c = 5.4e13 (Kaplan et al. 2020, eq. 1.2)."""
        d = _positive(n_tokens, "n_tokens")
        return np.power(self.d_c_only / d, self.alpha_d_only)

    def loss_compute_min(self, compute_flops: ArrayLike) -> FloatArray:
        """L(C_min) = (C_c^min/C_min)^0.050, C_c^min = 3.1e8 PF-days (Kaplan et al. 2020, eq. 1.3).

        ``compute_flops`` is in FLOP; it is converted to PF-days (8.64e19 FLOP each).
        """
        c = _positive(compute_flops, "compute_flops") / PF_DAY_FLOPS
        return np.power(self.c_c_min_pf_days / c, self.alpha_c_min)

    def loss_steps(self, n_params: ArrayLike, steps_min: ArrayLike) -> FloatArray:
        """L(N, S_min) = (N_c/N)^α_N + (S_c/S_min)^α_S (Kaplan et al. 2020, eq. 1.6, Table 3)."""
        n = _positive(n_params, "n_params")
        s = _positive(steps_min, "steps_min")
        return np.power(self.n_c_steps / n, self.alpha_n_steps) + np.power(
            self.s_c / s, self.alpha_s
        )

    def tokens_for_loss(self, n_params: ArrayLike, target_loss: ArrayLike) -> FloatArray:
        """Tokens D at which eq. 1.5 reaches ``target_loss`` for N parameters; inf where it cannot.

        Inverts L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D: D = D_c / (L^(1/α_D) − (N_c/N)^(α_N/α_D)).
        """
        n = _positive(n_params, "n_params")
        loss = np.asarray(target_loss, dtype=float)
        gap = np.power(loss, 1.0 / self.alpha_d) - np.power(
            self.n_c / n, self.alpha_n / self.alpha_d
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(gap > 0, self.d_c / gap, np.inf)

    def overfitting(self, n_params: ArrayLike, n_tokens: ArrayLike) -> FloatArray:
        """δL = L(N, D)/L(N, ∞) − 1 = (1 + (N/N_c)^(α_N/α_D)·D_c/D)^α_D − 1 (Kaplan et al. 2020, eq. 4.3)."""
        n = _positive(n_params, "n_params")
        d = _positive(n_tokens, "n_tokens")
        ratio = self.alpha_n / self.alpha_d
        return np.expm1(self.alpha_d * np.log1p(np.power(n / self.n_c, ratio) * self.d_c / d))

    def overfitting_variable(self, n_params: ArrayLike, n_tokens: ArrayLike) -> FloatArray:
        """The abscissa of Kaplan's Figure 9 (right): N^(α_N/α_D)/D (Kaplan et al. 2020, section 4.2)."""
        n = _positive(n_params, "n_params")
        d = _positive(n_tokens, "n_tokens")
        return np.power(n, self.alpha_n / self.alpha_d) / d

    def tokens_for_overfitting(self, n_params: ArrayLike, max_overfit: float) -> FloatArray:
        """Smallest D keeping δL(N, D) ≤ ``max_overfit`` by inverting eq. 4.3 (Kaplan et al. 2020).

        D = D_c·(N/N_c)^(α_N/α_D) / ((1 + δ)^(1/α_D) − 1).
        """
        n = _positive(n_params, "n_params")
        if not max_overfit > 0:
            raise ValueError("max_overfit must be positive")
        denominator = np.expm1(np.log1p(max_overfit) / self.alpha_d)
        return self.d_c * np.power(n / self.n_c, self.alpha_n / self.alpha_d) / denominator

    def data_requirement(self, n_params: ArrayLike) -> FloatArray:
        """Tokens needed to avoid overfitting: D ≳ 5e3·N^0.74 (Kaplan et al. 2020, eq. 4.4)."""
        n = _positive(n_params, "n_params")
        return self.data_requirement_coefficient * np.power(n, self.data_requirement_exponent)

    def critical_batch_size(self, loss: ArrayLike) -> FloatArray:
        """B_crit(L) = B*/L^(1/α_B), B* = 2e8 tokens, α_B = 0.21 (Kaplan et al. 2020, eq. 1.4)."""
        value = _positive(loss, "loss")
        return self.b_star / np.power(value, 1.0 / self.alpha_b)

    def early_stopping_steps(self, n_params: ArrayLike, n_tokens: ArrayLike) -> FloatArray:
        """Lower bound on the step where early stopping should occur (Kaplan et al. 2020, eq. 5.7).

        S_stop(N, D) ≳ S_c / [L(N, D) − L(N, ∞)]^(1/α_S), with eq. 1.5 for L(N, D) and its
        D → ∞ limit, and the Table 3 learning-curve constants S_c, α_S.
        """
        gap = self.loss(n_params, n_tokens) - self.loss_infinite_data(n_params)
        with np.errstate(divide="ignore"):
            return self.s_c / np.power(np.maximum(gap, 0.0), 1.0 / self.alpha_s)


@dataclass(frozen=True)
class ChinchillaLaw:
    """L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2; arXiv:2203.15556).

    With C = 6ND the compute-optimal allocation has the closed form (Hoffmann et al. 2022,
    eq. 4 and Appendix D.2): N_opt = G·(C/6)^a, D_opt = G^-1·(C/6)^b with
    G = (αA/(βB))^(1/(α+β)), a = β/(α+β), b = α/(α+β).
    """

    key: str
    label: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: Source
    counts: str = "all parameters"
    notes: str = ""

    has_loss = True

    def __post_init__(self) -> None:
        for name in ("A", "B", "alpha", "beta"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be positive and finite, got {value!r}")
        if not (np.isfinite(self.E) and self.E >= 0):
            raise ValueError(f"E must be non-negative and finite, got {self.E!r}")

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> FloatArray:
        """L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2)."""
        n = _positive(n_params, "n_params")
        d = _positive(n_tokens, "n_tokens")
        return self.E + self.A * np.power(n, -self.alpha) + self.B * np.power(d, -self.beta)

    def loss_data_unlimited(self, n_params: ArrayLike) -> FloatArray:
        """The D → ∞ limit E + A/N^α of eq. 2 (Hoffmann et al. 2022)."""
        n = _positive(n_params, "n_params")
        return self.E + self.A * np.power(n, -self.alpha)

    def loss_infinite_data(self, n_params: ArrayLike) -> FloatArray:
        """The D → ∞ limit of `loss`: E + A/N^α (Hoffmann et al. 2022, eq. 2)."""
        return self.loss_data_unlimited(n_params)

    def tokens_for_loss(self, n_params: ArrayLike, target_loss: ArrayLike) -> FloatArray:
        """Tokens D at which eq. 2 reaches ``target_loss`` for N parameters; inf where it cannot.

        D = (B / (L − E − A/N^α))^(1/β).
        """
        n = _positive(n_params, "n_params")
        gap = np.asarray(target_loss, dtype=float) - self.E - self.A * np.power(n, -self.alpha)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.where(gap > 0, np.power(self.B / gap, 1.0 / self.beta), np.inf)

    @property
    def allocation_exponents(self) -> tuple[float, float]:
        """(a, b) with N_opt ∝ C^a, D_opt ∝ C^b: a = β/(α+β), b = α/(α+β) (Hoffmann et al. 2022, eq. 4)."""
        total = self.alpha + self.beta
        return self.beta / total, self.alpha / total

    @property
    def allocation_coefficient(self) -> float:
        """G = (αA/(βB))^(1/(α+β)) of the closed-form allocation (Hoffmann et al. 2022, eq. 4)."""
        return (self.alpha * self.A / (self.beta * self.B)) ** (1.0 / (self.alpha + self.beta))

    def compute_for_optimal_params(self, n_params: ArrayLike) -> FloatArray:
        """Budget C (FLOP) whose compute-optimal size is N: C = 6·(N/G)^(1/a) (Hoffmann et al. 2022, eq. 4).

        The inverse of N_opt = G·(C/6)^a; this is how Hoffmann et al. turn Approach 3 into the
        FLOP column of their Table A3.
        """
        n = _positive(n_params, "n_params")
        a, _ = self.allocation_exponents
        return 6.0 * np.power(n / self.allocation_coefficient, 1.0 / a)


@dataclass(frozen=True)
class PowerLawAllocation:
    """A law that gives only the compute-optimal allocation N_opt(C) = k·C^a, D_opt = C/(6·N_opt).

    Used for results published as exponents (and a prefactor) rather than as a loss law:
    Chinchilla Approaches 1 and 2 (Hoffmann et al. 2022, Table 2) and Porian et al. 2024.
    ``a_interval`` is the published interval of the exponent where one is given.
    """

    key: str
    label: str
    a: float
    coefficient: float
    source: Source
    a_interval: tuple[float, float] | None = None
    counts: str = "all parameters"
    notes: str = ""
    #: Budget (FLOP) beyond which the source itself says the law should not be trusted.
    max_compute_flops: float | None = None
    #: Why, in one or two sentences (shown when a page uses the law beyond that budget).
    range_note: str = ""

    has_loss = False

    def n_opt(self, compute_flops: ArrayLike) -> FloatArray:
        """N_opt(C) = k·C^a parameters, C in FLOP."""
        c = _positive(compute_flops, "compute_flops")
        return self.coefficient * np.power(c, self.a)

    @property
    def allocation_exponents(self) -> tuple[float, float]:
        """(a, b) with N_opt ∝ C^a and D_opt ∝ C^b = C^(1−a), since C = 6ND."""
        return self.a, 1.0 - self.a

    def beyond_range(self, compute_flops: float) -> str | None:
        """The law's `range_note` when ``compute_flops`` exceeds its `max_compute_flops`, else None."""
        if self.max_compute_flops is not None and compute_flops > self.max_compute_flops:
            return self.range_note
        return None

    def loss(self, n_params: ArrayLike, n_tokens: ArrayLike) -> FloatArray:
        """Not defined: this law publishes an allocation only."""
        raise LawUnavailable(f"{self.key} gives the compute-optimal allocation only, no loss")

    def loss_data_unlimited(self, n_params: ArrayLike) -> FloatArray:
        """Not defined: this law publishes an allocation only."""
        raise LawUnavailable(f"{self.key} gives the compute-optimal allocation only, no loss")


LossLaw: TypeAlias = KaplanLaw | ChinchillaLaw
Law: TypeAlias = KaplanLaw | ChinchillaLaw | PowerLawAllocation
