"""Compute-based hyperparameter laws: the optimal batch size and learning rate against C.

DeepSeek LLM (Bi et al. 2024, "DeepSeek LLM: Scaling Open-Source Language Models with
Longtermism", arXiv:2401.02954), section 3.1, Formula (1), fitted by grid search on runs from
1e17 to 2e19 FLOP (keeping every configuration within 0.25% of the best generalization error)
and checked at 1e20 FLOP:

    η_opt = 0.3118 · C^-0.1250        (peak learning rate, multi-step schedule)
    B_opt = 0.2920 · C^0.3271         (batch size in tokens)

C is their compute C = M·D with M the non-embedding FLOP per token *including* attention
(their replacement for 6N, section 3); with C ≈ 6ND the two differ by the attention share, small for large models.
The constants belong to their data, tokenizer, architecture and schedule: use the trend, and
treat the prefactors as a starting point for a sweep.

Provenance: the constants and exponents were checked against several independent transcriptions
of section 3.1 (course notes and paper summaries that quote Formula (1) and reproduce its check
values, e.g. B_opt(1e20) ≈ 1.0e6 tokens and η_opt(1e20) ≈ 9.9e-4), not against the PDF itself.
The learning-rate exponent is −0.1250 (not −0.2125).

Porian et al. 2024 (arXiv:2406.19146) give laws in N instead (`scaling_core.porian`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.laws import FloatArray, Source

DEEPSEEK_2024 = "Bi et al. 2024, DeepSeek LLM: Scaling Open-Source Language Models with Longtermism"


@dataclass(frozen=True)
class ComputeHyperparameterLaw:
    """η_opt = k_η·C^a_η and B_opt = k_B·C^a_B (C in FLOP, B in tokens), with their source."""

    label: str
    lr_coefficient: float
    lr_exponent: float
    batch_coefficient: float
    batch_exponent: float
    fit_range_flops: tuple[float, float]
    source: Source

    def learning_rate(self, compute_flops: ArrayLike) -> FloatArray:
        """Optimal peak learning rate η_opt(C) = k_η·C^a_η."""
        return self.lr_coefficient * np.power(_positive(compute_flops), self.lr_exponent)

    def batch_tokens(self, compute_flops: ArrayLike) -> FloatArray:
        """Optimal batch size in tokens B_opt(C) = k_B·C^a_B."""
        return self.batch_coefficient * np.power(_positive(compute_flops), self.batch_exponent)

    def in_fit_range(self, compute_flops: float) -> bool:
        """Whether C lies inside the range of budgets the law was fitted on."""
        low, high = self.fit_range_flops
        return low <= compute_flops <= high


def _positive(values: ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=float)
    if np.any(~(array > 0)) or np.any(~np.isfinite(array)):
        raise ValueError("compute_flops must be positive and finite")
    return array


#: Bi et al. 2024 (DeepSeek LLM), section 3.1, Formula (1).
DEEPSEEK_LLM = ComputeHyperparameterLaw(
    label="DeepSeek LLM (Bi et al. 2024)",
    lr_coefficient=0.3118,
    lr_exponent=-0.1250,
    batch_coefficient=0.2920,
    batch_exponent=0.3271,
    fit_range_flops=(1e17, 2e19),
    source=Source(DEEPSEEK_2024, "2401.02954", "section 3.1, Formula (1)"),
)


def deepseek_batch_tokens(compute_flops: ArrayLike) -> FloatArray:
    """B_opt = 0.2920·C^0.3271 tokens (Bi et al. 2024, DeepSeek LLM, section 3.1, Formula 1).

    Examples
    --------
    >>> round(float(deepseek_batch_tokens(1e20)) / 1e6, 2)
    1.02
    """
    return DEEPSEEK_LLM.batch_tokens(compute_flops)


def deepseek_learning_rate(compute_flops: ArrayLike) -> FloatArray:
    """η_opt = 0.3118·C^-0.1250 (Bi et al. 2024, DeepSeek LLM, section 3.1, Formula 1).

    Examples
    --------
    >>> round(float(deepseek_learning_rate(1e20)) * 1e4, 2)
    9.86
    """
    return DEEPSEEK_LLM.learning_rate(compute_flops)
