"""Budget → plan composition (scaling_core.planning) and the DeepSeek LLM hyperparameter laws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_core.allocation import compute_optimal, inference_aware_optimal
from scaling_core.batch import critical_batch_size, plan_steps
from scaling_core.compute import ACCELERATORS, device_hours, training_seconds
from scaling_core.hyperparams import (
    DEEPSEEK_LLM,
    deepseek_batch_tokens,
    deepseek_learning_rate,
)
from scaling_core.laws import ChinchillaLaw, LawUnavailable, Source
from scaling_core.planning import (
    BATCH_RULES,
    PLAN_COLUMNS,
    batch_plan,
    budget_from_devices,
    budget_from_dollars,
    critical_batch_curve,
    inference_alternative,
    inference_curve,
    loss_spread,
    plan_for_law,
    plan_for_laws,
    plan_table,
    tradeoff_curve,
)
from scaling_core.porian import optimal_batch_tokens, optimal_learning_rate
from scaling_core.presets import PRESETS

H100 = "NVIDIA H100 SXM"
COMPARED = ["kaplan-2020", "chinchilla-2022", "epoch-2024", "porian-2024-tuned"]


# --------------------------------------------------------------------------- DeepSeek LLM
def test_deepseek_constants_are_formula_1() -> None:
    # Bi et al. 2024, section 3.1, Formula (1); the learning-rate exponent is −0.1250.
    assert DEEPSEEK_LLM.batch_coefficient == 0.2920
    assert DEEPSEEK_LLM.batch_exponent == 0.3271
    assert DEEPSEEK_LLM.lr_coefficient == 0.3118
    assert DEEPSEEK_LLM.lr_exponent == -0.1250
    assert DEEPSEEK_LLM.source.arxiv == "2401.02954"


@pytest.mark.parametrize(
    ("compute", "batch", "lr"),
    [
        # computed by hand: 0.2920·10^(0.3271·e), 0.3118·10^(−0.125·e)
        (1e17, 0.2920 * 10 ** (0.3271 * 17), 0.3118 * 10 ** (-0.125 * 17)),
        (1e20, 0.2920 * 10 ** (0.3271 * 20), 0.3118 * 10 ** (-2.5)),
    ],
)
def test_deepseek_check_values(compute: float, batch: float, lr: float) -> None:
    assert float(deepseek_batch_tokens(compute)) == pytest.approx(batch, rel=1e-12)
    assert float(deepseek_learning_rate(compute)) == pytest.approx(lr, rel=1e-12)


def test_deepseek_quoted_magnitudes() -> None:
    # Values quoted with the law: about 0.11M tokens and 2.34e-3 at 1e17 FLOP, about 1.0M tokens
    # and 9.9e-4 at 1e20 FLOP.
    assert float(deepseek_batch_tokens(1e17)) == pytest.approx(1.06e5, rel=0.01)
    assert float(deepseek_learning_rate(1e17)) == pytest.approx(2.34e-3, rel=0.01)
    assert float(deepseek_batch_tokens(1e20)) == pytest.approx(1.0e6, rel=0.03)
    assert float(deepseek_learning_rate(1e20)) == pytest.approx(9.9e-4, rel=0.01)


def test_deepseek_scaling_per_decade_and_fit_range() -> None:
    ratio_b = deepseek_batch_tokens(1e22) / deepseek_batch_tokens(1e21)
    ratio_lr = deepseek_learning_rate(1e22) / deepseek_learning_rate(1e21)
    assert float(ratio_b) == pytest.approx(10**0.3271)
    assert float(ratio_lr) == pytest.approx(10**-0.125)
    assert DEEPSEEK_LLM.in_fit_range(1e18) and not DEEPSEEK_LLM.in_fit_range(1e24)
    with pytest.raises(ValueError):
        deepseek_batch_tokens(0.0)
    with pytest.raises(ValueError):
        deepseek_learning_rate([1e20, -1.0])


# ---------------------------------------------------------------------------------- budget
def test_budget_1024_h100_30_days_40_percent() -> None:
    budget = budget_from_devices(H100, 1024, 30, 0.4)
    assert budget.compute_flops == pytest.approx(989e12 * 0.4 * 1024 * 30 * 86400, rel=1e-12)
    assert budget.compute_flops == pytest.approx(1.0500047e24, rel=1e-7)
    assert budget.device_hours == 1024 * 30 * 24
    assert budget.cost(2.0) == 2.0 * 1024 * 30 * 24


def test_budget_from_dollars_inverts_cost() -> None:
    budget = budget_from_dollars(H100, 1e6, 2.0, 1000, 0.5)
    assert budget.days == pytest.approx(1e6 / 2.0 / 1000 / 24)
    assert budget.cost(2.0) == pytest.approx(1e6)
    assert budget.compute_flops == pytest.approx(989e12 * 0.5 * 1000 * budget.days * 86400)


@pytest.mark.parametrize(
    "call",
    [
        lambda: budget_from_devices(H100, 0, 30, 0.4),
        lambda: budget_from_devices(H100, 8, 0, 0.4),
        lambda: budget_from_devices(H100, 8, 30, 0.0),
        lambda: budget_from_devices(H100, 8, 30, 1.5),
        lambda: budget_from_dollars(H100, 0, 2.0, 8, 0.4),
        lambda: budget_from_dollars(H100, 1e6, 0, 8, 0.4),
    ],
)
def test_budget_rejects_bad_inputs(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        call()


def test_unknown_accelerator_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        budget_from_devices("TPU v99", 8, 1, 0.4)


# ---------------------------------------------------------------------------- per-law plans
@pytest.mark.parametrize("key", list(PRESETS))
def test_plan_matches_core_functions(key: str) -> None:
    law = PRESETS[key]
    budget = budget_from_devices(H100, 1024, 30, 0.4)
    plan = plan_for_law(law, budget)
    optimum = compute_optimal(law, budget.compute_flops)
    assert plan.n_params == pytest.approx(float(optimum.n_params), rel=1e-12)
    assert plan.n_tokens == pytest.approx(float(optimum.n_tokens), rel=1e-12)
    assert plan.porian_batch_tokens == pytest.approx(float(optimal_batch_tokens(plan.n_params)))
    assert plan.learning_rate == pytest.approx(float(optimal_learning_rate(plan.n_params)))
    assert plan.deepseek_batch_tokens == pytest.approx(
        float(deepseek_batch_tokens(budget.compute_flops))
    )
    assert plan.batch_tokens == plan.porian_batch_tokens
    assert plan.steps == pytest.approx(plan.n_tokens / plan.porian_batch_tokens)
    # C = 6ND spends exactly the budget, so the wall-clock is the budget's days.
    assert plan.training_days == pytest.approx(30.0, rel=1e-9)
    assert plan.seconds_per_step == pytest.approx(30 * 86400 / plan.steps)
    assert plan.tokens_per_param == pytest.approx(plan.n_tokens / plan.n_params)
    if law.has_loss:
        assert plan.loss == pytest.approx(float(optimum.loss))
        assert plan.kaplan_b_crit == pytest.approx(float(critical_batch_size(plan.loss)))
    else:
        assert math.isnan(plan.loss) and math.isnan(plan.kaplan_b_crit)


def test_epoch_plan_hand_values() -> None:
    # Besiroglu et al. 2024 constants, closed form N = G·(C/6)^a (REFERENCE.md check: C = 1e21
    # gives N_opt = 2.778e9, D_opt = 5.999e10, L = 2.3055).
    budget = budget_from_devices(H100, 1, 1e21 / (989e12 * 0.5 * 86400), 0.5)
    plan = plan_for_law(PRESETS["epoch-2024"], budget)
    assert plan.compute_flops == pytest.approx(1e21)
    assert plan.n_params == pytest.approx(2.778e9, rel=1e-3)
    assert plan.n_tokens == pytest.approx(5.999e10, rel=1e-3)
    assert plan.loss == pytest.approx(2.3055, abs=1e-4)
    # Porian B*(N) = 0.00037·N^0.703 sequences × 2048 tokens
    assert plan.porian_batch_tokens == pytest.approx(0.00037 * plan.n_params**0.703 * 2048)
    assert plan.learning_rate == pytest.approx(3.7 * plan.n_params**-0.36)


def test_batch_rules() -> None:
    budget = budget_from_devices(H100, 256, 10, 0.4)
    epoch, porian = PRESETS["epoch-2024"], PRESETS["porian-2024-tuned"]
    kaplan_rule = plan_for_law(epoch, budget, "kaplan")
    assert kaplan_rule.batch_tokens == kaplan_rule.kaplan_b_crit
    assert kaplan_rule.steps == pytest.approx(kaplan_rule.n_tokens / kaplan_rule.kaplan_b_crit)
    deepseek_rule = plan_for_law(epoch, budget, "deepseek")
    assert deepseek_rule.batch_tokens == pytest.approx(
        float(deepseek_batch_tokens(budget.compute_flops))
    )
    # an allocation-only law has no loss, hence no B_crit and no step count under that rule
    assert math.isnan(plan_for_law(porian, budget, "kaplan").steps)
    assert set(BATCH_RULES) == {"porian", "kaplan", "deepseek"}
    with pytest.raises(ValueError, match="batch_rule"):
        plan_for_law(epoch, budget, "biggest")


def test_plan_table_and_loss_spread() -> None:
    budget = budget_from_devices(H100, 1024, 30, 0.4)
    plans = plan_for_laws([PRESETS[k] for k in COMPARED], budget)
    table = plan_table(plans)
    assert list(table.columns) == list(PLAN_COLUMNS)
    assert list(table["key"]) == COMPARED
    assert table["loss"].isna().tolist() == [False, False, False, True]
    spread = loss_spread(plans)
    assert spread is not None
    losses = {p.key: p.loss for p in plans if p.has_loss}
    assert spread.n_laws == 3
    assert spread.lowest == min(losses.values()) and spread.highest == max(losses.values())
    assert spread.spread == pytest.approx(max(losses.values()) - min(losses.values()))
    assert losses[spread.lowest_key] == spread.lowest
    assert loss_spread(plans[3:]) is None


def test_user_fitted_law_is_planned_like_a_preset() -> None:
    fit = ChinchillaLaw(
        key="your-fit-1",
        label="Your fit",
        E=1.9,
        A=500.0,
        B=1500.0,
        alpha=0.35,
        beta=0.33,
        source=Source("your runs", "0000.00000", "this session"),
    )
    budget = budget_from_devices(H100, 64, 7, 0.35)
    plan = plan_for_law(fit, budget)
    assert plan.key == "your-fit-1" and plan.has_loss
    assert plan.loss == pytest.approx(float(fit.loss(plan.n_params, plan.n_tokens)))


@settings(max_examples=40, deadline=None)
@given(
    devices=st.integers(1, 100_000),
    days=st.floats(0.01, 1000),
    mfu=st.floats(0.05, 0.8),
    key=st.sampled_from(list(PRESETS)),
)
def test_every_plan_spends_exactly_the_budget(
    devices: int, days: float, mfu: float, key: str
) -> None:
    budget = budget_from_devices("NVIDIA A100 SXM", devices, days, mfu)
    plan = plan_for_law(PRESETS[key], budget)
    assert 6 * plan.n_params * plan.n_tokens == pytest.approx(budget.compute_flops, rel=1e-9)
    assert plan.training_days == pytest.approx(days, rel=1e-9)
    assert plan.n_params > 0 and plan.n_tokens > 0 and plan.steps > 0


# -------------------------------------------------------------------------- inference-aware
def test_inference_alternative_targets_the_compute_optimal_loss() -> None:
    law = PRESETS["epoch-2024"]
    compute = 1e23
    alternative = inference_alternative(law, compute, 2e12)
    optimum = compute_optimal(law, compute)
    plan = alternative.plan
    assert plan.target_loss == pytest.approx(float(optimum.loss))
    direct = inference_aware_optimal(law, float(optimum.loss), 2e12)
    assert plan.n_params == pytest.approx(direct.n_params)
    # the training-only optimum at that loss is the compute-optimal model of this budget
    assert plan.chinchilla_n_params == pytest.approx(float(optimum.n_params), rel=1e-4)
    assert plan.n_params < plan.chinchilla_n_params and plan.n_tokens > float(optimum.n_tokens)
    assert 0 < plan.savings < 1
    assert alternative.size_change == pytest.approx(plan.n_params / plan.chinchilla_n_params - 1)
    assert alternative.training_multiple == pytest.approx(plan.training_flops / compute)
    assert alternative.training_multiple > 1


def test_no_inference_means_no_change() -> None:
    alternative = inference_alternative(PRESETS["chinchilla-2022"], 1e22, 0.0)
    assert alternative.size_change == pytest.approx(0.0, abs=1e-4)
    assert alternative.plan.savings == pytest.approx(0.0, abs=1e-8)


def test_inference_alternative_needs_a_loss() -> None:
    with pytest.raises(LawUnavailable):
        inference_alternative(PRESETS["porian-2024-tuned"], 1e22, 1e12)


def test_inference_curve_is_iso_loss_with_its_minimum_at_the_plan() -> None:
    law = PRESETS["epoch-2024"]
    plan = inference_alternative(law, 1e23, 1e13).plan
    curve = inference_curve(law, plan)
    assert np.allclose(law.loss(curve.n_params, curve.n_tokens), plan.target_loss, rtol=1e-9)
    assert np.allclose(curve.training_flops, 6 * curve.n_params * curve.n_tokens)
    assert np.allclose(
        curve.lifetime_flops, curve.training_flops + 2 * curve.n_params * plan.inference_tokens
    )
    best = curve.n_params[np.argmin(curve.lifetime_flops)]
    assert best == pytest.approx(plan.n_params, rel=0.05)
    assert float(np.min(curve.lifetime_flops)) >= plan.total_flops * (1 - 1e-9)


# ------------------------------------------------------------------------- batch-size page
def test_batch_plan_matches_core_and_hand_values() -> None:
    law = PRESETS["epoch-2024"]
    plan = batch_plan(law, 1e9, 2e10, 1e6, H100, 8, 0.4)
    assert plan.compute_flops == 6 * 1e9 * 2e10
    assert plan.target_loss == pytest.approx(float(law.loss(1e9, 2e10)))
    assert plan.steps == plan_steps(2e10, 1e6, plan.target_loss)
    assert plan.steps.steps == 2e4
    assert plan.b_crit == pytest.approx(2e8 / plan.target_loss ** (1 / 0.21))
    assert plan.porian_batch_tokens == pytest.approx(float(optimal_batch_tokens(1e9)))
    assert plan.deepseek_batch_tokens == pytest.approx(float(deepseek_batch_tokens(1.2e20)))
    assert plan.deepseek_learning_rate == pytest.approx(float(deepseek_learning_rate(1.2e20)))
    peak = ACCELERATORS[H100].peak_flops
    assert plan.training_days == pytest.approx(1.2e20 / (8 * peak * 0.4) / 86400)
    assert plan.training_days * 86400 == pytest.approx(
        float(training_seconds(1.2e20, peak, 0.4, 8))
    )
    assert plan.device_hours == pytest.approx(float(device_hours(1.2e20, peak, 0.4)))
    assert plan.device_hours == pytest.approx(plan.training_days * 24 * 8)
    assert plan.seconds_per_step == pytest.approx(plan.training_days * 86400 / 2e4)


def test_curves() -> None:
    loss, b_crit = critical_batch_curve(1.5, 5.0, 50)
    assert loss[0] == 1.5 and loss[-1] == 5.0
    assert np.allclose(b_crit, critical_batch_size(loss))
    tradeoff = tradeoff_curve(3e6)
    product = (tradeoff.steps_over_min - 1) * (tradeoff.tokens_over_min - 1)
    assert np.allclose(product, 1.0)
    assert tradeoff.batch_tokens[0] == pytest.approx(3e6 / 1e5)
    assert tradeoff.batch_tokens[-1] == pytest.approx(3e6 * 1e5)
