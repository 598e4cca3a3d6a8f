"""From a hardware budget to a training plan: the composition behind the planning pages.

Nothing here is a new law.  These functions chain the core ones so that a page only reads
widgets and formats results:

- budget: C = devices · peak · MFU · seconds (`scaling_core.compute.compute_from_budget`);
- allocation: N_opt, D_opt, L_opt per law (`scaling_core.allocation.compute_optimal`);
- batch size: Porian et al. 2024 B*(N) (`scaling_core.porian.optimal_batch_tokens`), Kaplan et
  al. 2020 B_crit(L) (eq. 1.4) at the expected loss, DeepSeek LLM B_opt(C) (Bi et al. 2024,
  Formula 1); learning rate: Porian η*(N) and DeepSeek η_opt(C);
- steps S = D/B and the steps/data trade-off (`scaling_core.batch.plan_steps`);
- inference-aware alternative (Sardana & Frankle 2023, `inference_aware_optimal`), and their
  Figure 1 example (`sardana_frankle_example`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scaling_core.allocation import (
    FLOPS_PER_PARAM_TOKEN,
    InferenceAwarePlan,
    compute_optimal,
    inference_aware_optimal,
    training_flops,
)
from scaling_core.batch import StepPlan, TradeOff, critical_batch_size, plan_steps
from scaling_core.batch import steps_tokens_tradeoff as _tradeoff
from scaling_core.compute import (
    ACCELERATORS,
    Accelerator,
    compute_from_budget,
    device_hours,
    training_seconds,
)
from scaling_core.hyperparams import deepseek_batch_tokens, deepseek_learning_rate
from scaling_core.laws import ChinchillaLaw, FloatArray, Law, LawUnavailable, LossLaw
from scaling_core.porian import optimal_batch_tokens, optimal_learning_rate
from scaling_core.presets import get_law

SECONDS_PER_DAY: float = 86_400.0

#: How the batch size used for the step count is chosen.
BATCH_RULES: dict[str, str] = {
    "porian": "Porian et al. 2024: B*(N) = 0.00037·N^0.703 sequences of 2,048 tokens",
    "kaplan": "Kaplan et al. 2020: B_crit(L) at the expected loss (eq. 1.4)",
    "deepseek": "DeepSeek LLM 2024: B_opt(C) = 0.2920·C^0.3271 tokens",
}


# ------------------------------------------------------------------------------------ budget
@dataclass(frozen=True)
class Budget:
    """A hardware budget: ``n_devices`` accelerators for ``days`` at model-FLOP utilisation ``mfu``."""

    accelerator: Accelerator
    n_devices: float
    days: float
    mfu: float

    @property
    def compute_flops(self) -> float:
        """Training FLOP the budget delivers: devices · peak · MFU · days · 86,400 s."""
        return compute_from_budget(self.accelerator.peak_flops, self.mfu, self.n_devices, self.days)

    @property
    def device_hours(self) -> float:
        """Accelerator-hours: devices · days · 24."""
        return self.n_devices * self.days * 24.0

    def cost(self, price_per_device_hour: float) -> float:
        """Device-hours × price per device-hour (in the price's currency)."""
        return self.device_hours * price_per_device_hour


def budget_from_devices(accelerator: str, n_devices: float, days: float, mfu: float) -> Budget:
    """A budget given as devices × days; raises ValueError on non-positive inputs.

    Examples
    --------
    >>> b = budget_from_devices("NVIDIA H100 SXM", 1024, 30, 0.4)
    >>> b.compute_flops == 989e12 * 0.4 * 1024 * 30 * 86400
    True
    """
    if n_devices <= 0 or days <= 0:
        raise ValueError("device count and days must be positive")
    budget = Budget(ACCELERATORS[accelerator], float(n_devices), float(days), float(mfu))
    budget.compute_flops  # noqa: B018 - validates the MFU
    return budget


def budget_from_dollars(
    accelerator: str, dollars: float, price_per_device_hour: float, n_devices: float, mfu: float
) -> Budget:
    """A budget given as money: device-hours = dollars / price, days = device-hours / (24·devices)."""
    if dollars <= 0 or price_per_device_hour <= 0:
        raise ValueError("budget and price per device-hour must be positive")
    days = dollars / price_per_device_hour / (24.0 * n_devices)
    return budget_from_devices(accelerator, n_devices, days, mfu)


# -------------------------------------------------------------------------------- per-law plan
@dataclass(frozen=True)
class LawPlan:
    """What one law recommends for a compute budget, with batch size, steps and time."""

    key: str
    label: str
    has_loss: bool
    compute_flops: float
    n_params: float
    n_tokens: float
    loss: float  # NaN when the law has no loss
    porian_batch_tokens: float  # B*(N), Porian et al. 2024
    kaplan_b_crit: (
        float  # B_crit(L) at the expected loss, Kaplan et al. 2020 eq. 1.4; NaN without loss
    )
    deepseek_batch_tokens: float  # B_opt(C), Bi et al. 2024
    learning_rate: float  # η*(N), Porian et al. 2024
    batch_rule: str
    batch_tokens: float  # the batch used for the step count (NaN when the rule has no value)
    steps: float  # S = D/B
    training_days: float  # 6·N·D on the budget's hardware

    @property
    def tokens_per_param(self) -> float:
        """D/N."""
        return self.n_tokens / self.n_params

    @property
    def seconds_per_step(self) -> float:
        """Wall-clock seconds per optimiser step: training time / S."""
        return self.training_days * SECONDS_PER_DAY / self.steps


def plan_for_law(law: Law, budget: Budget, batch_rule: str = "porian") -> LawPlan:
    """The compute-optimal plan of one law for ``budget``.

    N, D, loss from `compute_optimal`; batch sizes from Porian et al. 2024 (B*(N)), Kaplan et al.
    2020 (B_crit at the expected loss, eq. 1.4) and Bi et al. 2024 (B_opt(C)); steps S = D/B with
    the batch chosen by ``batch_rule`` (a key of `BATCH_RULES`); training days for C = 6ND.
    """
    if batch_rule not in BATCH_RULES:
        raise ValueError(f"batch_rule must be one of {sorted(BATCH_RULES)}, got {batch_rule!r}")
    compute = budget.compute_flops
    optimum = compute_optimal(law, compute)
    n_params = float(optimum.n_params)
    n_tokens = float(optimum.n_tokens)
    loss = float(optimum.loss)
    b_crit = float(critical_batch_size(loss)) if np.isfinite(loss) else float("nan")
    batches = {
        "porian": float(optimal_batch_tokens(n_params)),
        "kaplan": b_crit,
        "deepseek": float(deepseek_batch_tokens(compute)),
    }
    batch = batches[batch_rule]
    seconds = float(
        training_seconds(
            training_flops(n_params, n_tokens),
            budget.accelerator.peak_flops,
            budget.mfu,
            budget.n_devices,
        )
    )
    return LawPlan(
        key=law.key,
        label=law.label,
        has_loss=bool(law.has_loss),
        compute_flops=compute,
        n_params=n_params,
        n_tokens=n_tokens,
        loss=loss,
        porian_batch_tokens=batches["porian"],
        kaplan_b_crit=b_crit,
        deepseek_batch_tokens=batches["deepseek"],
        learning_rate=float(optimal_learning_rate(n_params)),
        batch_rule=batch_rule,
        batch_tokens=batch,
        steps=n_tokens / batch if np.isfinite(batch) else float("nan"),
        training_days=seconds / SECONDS_PER_DAY,
    )


def plan_for_laws(laws: Sequence[Law], budget: Budget, batch_rule: str = "porian") -> list[LawPlan]:
    """`plan_for_law` for each law, in order."""
    return [plan_for_law(law, budget, batch_rule) for law in laws]


PLAN_COLUMNS: tuple[str, ...] = (
    "key",
    "law",
    "n_params",
    "n_tokens",
    "tokens_per_param",
    "loss",
    "porian_batch_tokens",
    "kaplan_b_crit",
    "learning_rate",
    "batch_tokens",
    "steps",
    "seconds_per_step",
    "training_days",
)


def plan_table(plans: Sequence[LawPlan]) -> pd.DataFrame:
    """One row per law with the numeric plan (NaN where a law gives no value)."""
    rows = [
        {
            "key": p.key,
            "law": p.label,
            "n_params": p.n_params,
            "n_tokens": p.n_tokens,
            "tokens_per_param": p.tokens_per_param,
            "loss": p.loss,
            "porian_batch_tokens": p.porian_batch_tokens,
            "kaplan_b_crit": p.kaplan_b_crit,
            "learning_rate": p.learning_rate,
            "batch_tokens": p.batch_tokens,
            "steps": p.steps,
            "seconds_per_step": p.seconds_per_step,
            "training_days": p.training_days,
        }
        for p in plans
    ]
    return pd.DataFrame(rows, columns=list(PLAN_COLUMNS))


@dataclass(frozen=True)
class LossSpread:
    """The range of expected loss across the laws that give one."""

    lowest: float
    highest: float
    lowest_key: str
    highest_key: str
    n_laws: int

    @property
    def spread(self) -> float:
        """highest − lowest, nats per token."""
        return self.highest - self.lowest


def loss_spread(plans: Sequence[LawPlan]) -> LossSpread | None:
    """Min and max expected loss over the plans with a finite loss; None when fewer than one."""
    with_loss = [p for p in plans if np.isfinite(p.loss)]
    if not with_loss:
        return None
    low = min(with_loss, key=lambda p: p.loss)
    high = max(with_loss, key=lambda p: p.loss)
    return LossSpread(low.loss, high.loss, low.key, high.key, len(with_loss))


# ------------------------------------------------------------------------ inference-aware
@dataclass(frozen=True)
class InferenceCurve:
    """Along the iso-loss curve L(N, D_train) = target: training and lifetime FLOP against N."""

    n_params: FloatArray
    n_tokens: FloatArray
    training_flops: FloatArray  # 6·N·D_train
    lifetime_flops: FloatArray  # 6·N·D_train + 2·N·D_inference


@dataclass(frozen=True)
class InferenceAlternative:
    """The inference-aware model next to the compute-optimal one for a budget."""

    compute_flops: float  # the budget C whose compute-optimal loss is the target
    plan: InferenceAwarePlan

    @property
    def size_change(self) -> float:
        """N_inference-aware / N_compute-optimal − 1 (negative: a smaller model)."""
        return self.plan.n_params / self.plan.chinchilla_n_params - 1.0

    @property
    def training_multiple(self) -> float:
        """Training FLOP of the inference-aware model over the budget C."""
        return self.plan.training_flops / self.compute_flops


def inference_alternative(
    law: Law, compute_flops: float, inference_tokens: float
) -> InferenceAlternative:
    """The inference-aware model at the loss of ``law``'s compute-optimal model for ``compute_flops``.

    Target loss L* = L_opt(C); then minimise 6·N·D_train + 2·N·D_inf subject to
    L(N, D_train) = L* (Sardana & Frankle 2023, `inference_aware_optimal`).  Raises
    `LawUnavailable` for laws without a loss.
    """
    if not law.has_loss:
        raise LawUnavailable(f"{law.key} gives an allocation only; this needs a law with a loss")
    target = float(compute_optimal(law, compute_flops).loss)
    return InferenceAlternative(
        float(compute_flops), inference_aware_optimal(law, target, inference_tokens)
    )


def inference_alternative_for_model(
    law: ChinchillaLaw, n_params: float, inference_tokens: float
) -> InferenceAlternative:
    """The inference-aware model at the loss of the compute-optimal model with ``n_params``.

    The budget is the one that makes ``n_params`` compute-optimal, C = 6·(N/G)^(1/a)
    (Hoffmann et al. 2022, eq. 4); the rest is `inference_alternative`.  This is how Sardana &
    Frankle 2023 pose their Figure 1 example: start from a Chinchilla-optimal model of a given
    size and ask what serves a given inference volume at the same loss for the least FLOP.
    """
    compute = float(law.compute_for_optimal_params(n_params))
    return inference_alternative(law, compute, inference_tokens)


#: Sardana & Frankle 2023 (arXiv:2401.00448), Figure 1 and section 1: a Chinchilla-optimal 13B
#: model, 2T inference tokens at 2N FLOP each, training at 6N FLOP per token, with the
#: constants of the authors' code (the ``sardana-frankle-2023`` preset).
SARDANA_FRANKLE_EXAMPLE_LAW: str = "sardana-frankle-2023"
SARDANA_FRANKLE_EXAMPLE_PARAMS: float = 13e9
SARDANA_FRANKLE_EXAMPLE_INFERENCE_TOKENS: float = 2e12


def sardana_frankle_example() -> InferenceAlternative:
    """Sardana & Frankle 2023, Figure 1: the 13B Chinchilla model against its inference-aware rival.

    With their constants (A 406.4, B 410.7, E 1.69, α 0.336, β 0.283) the 13B model is
    trained on 576.5B tokens and reaches loss 2.04528; for 2T inference tokens the cheapest model
    at that loss has 6.97B parameters on 1.248T tokens and saves 1.69e22 FLOP (17.4%) over its
    life, the "about 7B, 17% cheaper" of their Figure 1.

    Examples
    --------
    >>> example = sardana_frankle_example()
    >>> round(example.plan.n_params / 1e9, 2), round(example.plan.savings, 3)
    (6.97, 0.174)
    """
    law = get_law(SARDANA_FRANKLE_EXAMPLE_LAW)
    if not isinstance(law, ChinchillaLaw):  # the preset table says it is; keep it so
        raise TypeError(f"{SARDANA_FRANKLE_EXAMPLE_LAW} is not a Chinchilla-form law")
    return inference_alternative_for_model(
        law, SARDANA_FRANKLE_EXAMPLE_PARAMS, SARDANA_FRANKLE_EXAMPLE_INFERENCE_TOKENS
    )


def inference_curve(
    law: LossLaw, plan: InferenceAwarePlan, n_points: int = 160, span: float = 30.0
) -> InferenceCurve:
    """Training and lifetime FLOP along L(N, D_train) = plan.target_loss for N around the optima.

    N runs log-evenly from min(optima)/``span``^0.5 to max(optima)·``span``^0.5; points where the
    law cannot reach the target (D_train infinite) are dropped.
    """
    low = min(plan.n_params, plan.chinchilla_n_params) / np.sqrt(span)
    high = max(plan.n_params, plan.chinchilla_n_params) * np.sqrt(span)
    n = np.geomspace(low, high, n_points)
    d = np.asarray(law.tokens_for_loss(n, plan.target_loss), dtype=float)
    keep = np.isfinite(d) & (d > 0)
    n, d = n[keep], d[keep]
    train = FLOPS_PER_PARAM_TOKEN * n * d
    return InferenceCurve(n, d, train, train + 2.0 * n * plan.inference_tokens)


# ------------------------------------------------------------------------- batch-size page
@dataclass(frozen=True)
class BatchPlan:
    """A run of N parameters on D tokens at batch B: target loss, steps, trade-off and time."""

    n_params: float
    n_tokens: float
    compute_flops: float  # 6·N·D
    target_loss: float  # the law's L(N, D)
    steps: StepPlan  # S, S_min, E_min at the target loss (Kaplan eq. 1.4, 5.4-5.5)
    porian_batch_tokens: float  # B*(N), Porian et al. 2024
    deepseek_batch_tokens: float  # B_opt(C), Bi et al. 2024
    deepseek_learning_rate: float  # η_opt(C), Bi et al. 2024
    porian_learning_rate: float  # η*(N), Porian et al. 2024
    training_days: float
    device_hours: float

    @property
    def b_crit(self) -> float:
        """Kaplan's B_crit at the target loss, tokens."""
        return self.steps.b_crit

    @property
    def seconds_per_step(self) -> float:
        """Wall-clock seconds per optimiser step: training time / S."""
        return self.training_days * SECONDS_PER_DAY / self.steps.steps


def batch_plan(
    law: LossLaw,
    n_params: float,
    n_tokens: float,
    batch_tokens: float,
    accelerator: str,
    n_devices: float,
    mfu: float,
) -> BatchPlan:
    """Everything the batch-size page shows for one run.

    Target loss L(N, D) from ``law``; B_crit, S = D/B, S_min and E_min from `plan_steps`
    (Kaplan et al. 2020, eqs. 1.4, 5.4-5.5); training time and device-hours for C = 6ND on
    ``n_devices`` of ``accelerator`` at ``mfu``.
    """
    peak = ACCELERATORS[accelerator].peak_flops
    compute = float(training_flops(n_params, n_tokens))
    loss = float(law.loss(n_params, n_tokens))
    return BatchPlan(
        n_params=float(n_params),
        n_tokens=float(n_tokens),
        compute_flops=compute,
        target_loss=loss,
        steps=plan_steps(n_tokens, batch_tokens, loss),
        porian_batch_tokens=float(optimal_batch_tokens(n_params)),
        deepseek_batch_tokens=float(deepseek_batch_tokens(compute)),
        deepseek_learning_rate=float(deepseek_learning_rate(compute)),
        porian_learning_rate=float(optimal_learning_rate(n_params)),
        training_days=float(training_seconds(compute, peak, mfu, n_devices)) / SECONDS_PER_DAY,
        device_hours=float(device_hours(compute, peak, mfu)),
    )


def critical_batch_curve(
    loss_low: float, loss_high: float, n_points: int = 120
) -> tuple[FloatArray, FloatArray]:
    """(loss grid, B_crit(L)) for L from ``loss_low`` to ``loss_high`` (Kaplan et al. 2020, eq. 1.4)."""
    loss = np.linspace(loss_low, loss_high, n_points)
    return loss, critical_batch_size(loss)


def tradeoff_curve(b_crit: float, span: float = 1e5, n_points: int = 300) -> TradeOff:
    """S/S_min and E/E_min for batch sizes log-spaced over [B_crit/span, B_crit·span] tokens.

    The hyperbola (S/S_min − 1)(E/E_min − 1) = 1 (McCandlish et al. 2018, eq. 2.11).
    """
    return _tradeoff(np.geomspace(b_crit / span, b_crit * span, n_points), b_crit)
