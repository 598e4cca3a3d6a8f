"""Muennighoff et al. 2023 data-constrained scaling: published check values and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_core.allocation import compute_optimal
from scaling_core.data_constrained import (
    FIGURE1_MODELS,
    FIGURE1_UNIQUE_TOKENS,
    R_D_STAR,
    R_N_STAR,
    data_constrained_loss,
    data_constrained_optimal,
    effective_data,
    effective_params,
    figure1_losses,
    optimal_params_for_tokens,
    repetition_cost,
    unlimited_compute_for_loss,
)
from scaling_core.presets import get_law

LAW = get_law("muennighoff-2023")


def test_constants_are_the_released_fit() -> None:
    assert R_D_STAR == 15.387756
    assert R_N_STAR == 5.309743
    assert pytest.approx(np.exp(6.255414)) == LAW.A
    assert pytest.approx(np.exp(7.3049974)) == LAW.B
    assert pytest.approx(np.exp(0.6254804)) == LAW.E
    assert LAW.alpha == LAW.beta == 0.3526596


@pytest.mark.parametrize(
    ("n_params", "n_tokens", "unique", "expected"),
    [(6.34e9, 242e9, 25e9, 2.2256440889984477), (8.67e9, 178e9, 25e9, 2.2269634075087867)],
)
def test_figure1_models_losses(
    n_params: float, n_tokens: float, unique: float, expected: float
) -> None:
    """The two models of Muennighoff et al. 2023, Figure 1 (right), 25B unique tokens.

    Loss values as the authors print them in the huggingface/datablations README
    ("Parametric Fit").
    """
    assert float(data_constrained_loss(LAW, n_params, n_tokens, unique)) == pytest.approx(
        expected, abs=1e-6
    )


def test_figure1_fewer_params_more_epochs_wins() -> None:
    """Muennighoff et al. 2023, Figure 1: 6.34B on 242B tokens (9.7 epochs) beats 8.67B on 178B."""
    assert FIGURE1_MODELS == ((6.34e9, 242e9), (8.67e9, 178e9))
    assert FIGURE1_UNIQUE_TOKENS == 25e9
    smaller, chinchilla_like = figure1_losses(LAW)
    assert smaller < chinchilla_like
    assert chinchilla_like - smaller == pytest.approx(1.319e-3, abs=1e-6)
    assert pytest.approx(9.68) == 242e9 / 25e9


def test_law_optimum_at_the_figure1_budget() -> None:
    """The law's own optimum at the 8.67B × 178B budget (9.26e21 FLOP), 25B unique tokens.

    6.8B parameters, 227B tokens, 9.1 epochs: the example of the datablations README's
    grid search, not a figure of the paper (Figure 1 deliberately goes further, to 6.34B on
    242B tokens).  At 1e22 FLOP the optimum is 7.03B parameters, 237B tokens, 9.49 epochs.
    """
    budget = 6 * 8.67e9 * 178e9
    assert budget == pytest.approx(9.26e21, rel=1e-3)
    optimum = data_constrained_optimal(LAW, budget, 25e9)
    assert float(optimum.n_params) == pytest.approx(6.80e9, rel=2e-3)
    assert float(optimum.n_tokens) == pytest.approx(226.9e9, rel=2e-3)
    assert float(optimum.epochs) == pytest.approx(9.07, abs=0.01)
    assert float(optimum.loss) < float(data_constrained_loss(LAW, 6.34e9, 242e9, 25e9))
    at_1e22 = data_constrained_optimal(LAW, 1e22, 25e9)
    assert float(at_1e22.n_params) == pytest.approx(7.03e9, rel=2e-3)
    assert float(at_1e22.n_tokens) == pytest.approx(237.2e9, rel=2e-3)
    assert float(at_1e22.epochs) == pytest.approx(9.49, abs=0.01)


def test_optimal_params_for_tokens_inverts_the_closed_form() -> None:
    opt = compute_optimal(LAW, np.array([1e19, 1e22, 1e25]))
    assert optimal_params_for_tokens(LAW, opt.n_tokens) == pytest.approx(opt.n_params, rel=1e-10)
    epoch = get_law("epoch-2024")  # α ≠ β
    opt = compute_optimal(epoch, 3e23)
    assert float(optimal_params_for_tokens(epoch, opt.n_tokens)) == pytest.approx(
        float(opt.n_params), rel=1e-10
    )


def test_effective_data_values() -> None:
    assert float(effective_data(25e9, 25e9)) == 25e9
    assert float(effective_data(10e9, 25e9)) == 10e9  # a shorter run sees only D unique tokens
    four = float(effective_data(100e9, 25e9)) / 25e9
    assert four == pytest.approx(1 + R_D_STAR * (1 - np.exp(-3 / R_D_STAR)))
    assert 3.7 < four < 3.75
    # the value of repetition saturates at U_D·(1 + R_D*)
    assert float(effective_data(1e20, 1e9)) == pytest.approx(1e9 * (1 + R_D_STAR), rel=1e-9)


def test_without_repetition_it_is_the_chinchilla_form() -> None:
    n, d = 1e8, 5e10  # N below N_opt(D): no excess parameters
    assert float(effective_params(LAW, n, d)) == n
    assert float(data_constrained_loss(LAW, n, d, 1e12)) == pytest.approx(float(LAW.loss(n, d)))


def test_data_constrained_optimum_is_a_brute_force_minimum() -> None:
    for compute in (1e18, 1e21, 1e24):
        for unique in (1e9, 1e11, 1e13):
            n_grid = np.geomspace(1.0, compute / 6, 100_001)
            brute = data_constrained_loss(LAW, n_grid, compute / (6 * n_grid), unique).min()
            found = float(data_constrained_optimal(LAW, compute, unique).loss)
            assert found <= brute + 1e-9


def test_data_constrained_optimum_broadcasts_and_matches_unconstrained_with_ample_data() -> None:
    compute = np.geomspace(1e18, 1e24, 4)
    optimum = data_constrained_optimal(LAW, compute[None, :], np.array([[1e9], [1e15]]))
    assert optimum.n_params.shape == (2, 4)
    free = compute_optimal(LAW, compute)
    assert optimum.n_params[1] == pytest.approx(free.n_params, rel=1e-5)
    assert optimum.loss[1] == pytest.approx(free.loss, abs=1e-12)
    assert np.all(optimum.loss[0] >= free.loss)


def test_four_epochs_cost_little() -> None:
    opt = compute_optimal(LAW, 1e22)
    cost = repetition_cost(LAW, float(opt.n_params), float(opt.n_tokens), [1.0, 4.0, 40.0])
    assert cost.loss_increase[0] == pytest.approx(0.0, abs=1e-12)
    relative = cost.loss_increase / cost.loss_unique
    assert 0 < relative[1] < 0.01  # 4 epochs: under 1% of the loss
    assert relative[2] > 10 * relative[1]  # 40 epochs: an order of magnitude more
    assert cost.data_value[1] == pytest.approx(3.726 / 4, abs=1e-3)
    assert cost.compute_equivalent[0] == pytest.approx(1e22, rel=1e-6)
    # ... yet on the flat compute-optimal frontier that loss is worth ~23% of the budget
    assert 0.7 < cost.compute_equivalent[1] / 1e22 < 0.85


def test_unlimited_compute_for_loss_round_trips() -> None:
    budgets = np.array([1e18, 1e21, 1e26])
    losses = compute_optimal(LAW, budgets).loss
    assert unlimited_compute_for_loss(LAW, losses) == pytest.approx(budgets, rel=1e-8)
    assert np.isnan(unlimited_compute_for_loss(LAW, LAW.E * 0.9))


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unique_tokens"):
        data_constrained_loss(LAW, 1e9, 1e10, 0.0)
    with pytest.raises(ValueError, match="epochs"):
        repetition_cost(LAW, 1e9, 1e10, [0.5])


@settings(max_examples=60, deadline=None)
@given(
    n_exp=st.floats(6, 12),
    d_exp=st.floats(8, 14),
    u_exp=st.floats(7, 14),
    factor=st.floats(1.01, 100),
)
def test_more_unique_data_never_hurts(
    n_exp: float, d_exp: float, u_exp: float, factor: float
) -> None:
    n, d, u = 10**n_exp, 10**d_exp, 10**u_exp
    loss = float(data_constrained_loss(LAW, n, d, u))
    assert float(data_constrained_loss(LAW, n, d, u * factor)) <= loss + 1e-12
    assert loss >= float(LAW.loss(n, d)) - 1e-12  # repetition never beats fresh data
    assert float(effective_data(d, u)) <= d * (1 + 1e-12)


def test_data_limited_budget_reports_its_flat_range() -> None:
    """100M unique tokens and 1e22 FLOP: models from well under 1B to beyond 50B parameters
    reach the same loss, so the optimum is reported with that range."""
    law = get_law("muennighoff-2023")
    flat = data_constrained_optimal(law, 1e22, 1e8)
    assert bool(flat.is_flat)
    assert float(flat.n_params_flat_low) < 1e9 < 5e10 < float(flat.n_params_flat_high)
    for n in (float(flat.n_params_flat_low), float(flat.n_params_flat_high)):
        loss = float(data_constrained_loss(law, n, 1e22 / (6 * n), 1e8))
        assert loss == pytest.approx(float(flat.loss), abs=2e-4)
    sharp = data_constrained_optimal(law, 6 * 8.67e9 * 178e9, 25e9)
    assert not bool(sharp.is_flat)


def test_overfitting_page_says_when_data_limits_the_loss() -> None:
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[1] / "pages" / "3_Overfitting_and_data_limits.py"
    at = AppTest.from_file(str(page), default_timeout=30)
    at.query_params["dcu"] = "1e8"
    at.query_params["dcc"] = "1e22"
    at.run()
    assert not at.exception
    assert any("unique data, not the compute, limits the loss" in w.value for w in at.warning)
