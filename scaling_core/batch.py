"""Batch size, optimisation steps and the steps/compute trade-off.

References
----------
Kaplan et al. 2020 (arXiv:2001.08361), eqs. 1.4, 5.4, 5.5: B_crit(L) = B*/L^(1/α_B),
S_min = S/(1 + B_crit/B), E_min = E/(1 + B/B_crit), E = B·S tokens processed.
McCandlish et al. 2018 (arXiv:1812.06162), eq. 2.11: (S/S_min − 1)(E/E_min − 1) = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.laws import FloatArray, KaplanLaw

_KAPLAN = KaplanLaw()


def _positive(values: ArrayLike, what: str) -> FloatArray:
    array = np.asarray(values, dtype=float)
    if np.any(~(array > 0)):
        raise ValueError(f"{what} must be positive and finite")
    return array


def critical_batch_size(loss: ArrayLike, law: KaplanLaw = _KAPLAN) -> FloatArray:
    """B_crit(L) = B*/L^(1/α_B) tokens, B* = 2e8, α_B = 0.21 (Kaplan et al. 2020, eq. 1.4).

    Examples
    --------
    >>> round(float(critical_batch_size(3.0)) / 1e6, 3)
    1.069
    """
    return law.critical_batch_size(loss)


def min_steps(steps: ArrayLike, batch_tokens: ArrayLike, b_crit: ArrayLike) -> FloatArray:
    """S_min = S/(1 + B_crit/B): steps needed at a very large batch (Kaplan et al. 2020, eq. 5.4)."""
    s = _positive(steps, "steps")
    b = _positive(batch_tokens, "batch_tokens")
    return s / (1.0 + _positive(b_crit, "b_crit") / b)


def min_tokens(tokens: ArrayLike, batch_tokens: ArrayLike, b_crit: ArrayLike) -> FloatArray:
    """E_min = E/(1 + B/B_crit): tokens needed at a very small batch (Kaplan et al. 2020, eq. 5.5)."""
    e = _positive(tokens, "tokens")
    b = _positive(batch_tokens, "batch_tokens")
    return e / (1.0 + b / _positive(b_crit, "b_crit"))


@dataclass(frozen=True)
class TradeOff:
    """Steps and tokens needed to reach one loss at each batch size, relative to S_min and E_min."""

    batch_tokens: FloatArray
    steps_over_min: FloatArray  # S/S_min = 1 + B_crit/B
    tokens_over_min: FloatArray  # E/E_min = 1 + B/B_crit


def steps_tokens_tradeoff(batch_tokens: ArrayLike, b_crit: float) -> TradeOff:
    """The hyperbola (S/S_min − 1)(E/E_min − 1) = 1 traced by the batch size.

    S/S_min = 1 + B_crit/B and E/E_min = 1 + B/B_crit (McCandlish et al. 2018, eq. 2.11;
    Kaplan et al. 2020, eqs. 5.4-5.5).  At B = B_crit both are 2: twice the minimum steps and
    twice the minimum data.
    """
    b = _positive(batch_tokens, "batch_tokens")
    crit = float(_positive(b_crit, "b_crit"))
    return TradeOff(b, 1.0 + crit / b, 1.0 + b / crit)


@dataclass(frozen=True)
class StepPlan:
    """Optimisation steps for a run of ``n_tokens`` at ``batch_tokens`` and their efficiency."""

    n_tokens: float
    batch_tokens: float
    b_crit: float
    steps: float  # S = D/B
    steps_min: float  # S_min = S/(1 + B_crit/B)
    tokens_min: float  # E_min = D/(1 + B/B_crit)

    @property
    def steps_over_min(self) -> float:
        """S/S_min: how many times the fewest possible steps this batch takes."""
        return self.steps / self.steps_min

    @property
    def tokens_over_min(self) -> float:
        """E/E_min: how many times the fewest possible tokens this batch spends."""
        return self.n_tokens / self.tokens_min


def plan_steps(
    n_tokens: float, batch_tokens: float, loss: float, law: KaplanLaw = _KAPLAN
) -> StepPlan:
    """Steps S = D/B for a run and where it sits on the trade-off at the loss it targets.

    B_crit comes from the target loss by Kaplan et al. 2020, eq. 1.4 (a WebText2 law, so for
    other data it is a guide, not a prediction); S_min and E_min from eqs. 5.4-5.5.
    """
    d = float(_positive(n_tokens, "n_tokens"))
    b = float(_positive(batch_tokens, "batch_tokens"))
    crit = float(law.critical_batch_size(loss))
    steps = d / b
    return StepPlan(
        n_tokens=d,
        batch_tokens=b,
        b_crit=crit,
        steps=steps,
        steps_min=float(min_steps(steps, b, crit)),
        tokens_min=float(min_tokens(d, b, crit)),
    )
