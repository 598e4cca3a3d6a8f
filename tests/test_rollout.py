"""Rollout scorecard (`scaling_core.fit.rollout`, OLMo-core's ScalingLawRollout method), Gadre et
al. 2024's 4-parameter form and the over-estimate penalty, checked against independent values:
the generating law of noise-free runs, hand-computed weights, a brute-force enumeration of the
cutoffs, and the asymmetric objective written out by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from scaling_core.fit import FitError, fit
from scaling_core.fit.gadre import fit_gadre, gadre_constants
from scaling_core.fit.rollout import compare_forms, distance_weights, rollout

# Besiroglu et al. 2024's refit (the `epoch-2024` preset) as the generating law.
E, A, B, ALPHA, BETA = 1.8172, 482.01, 2085.43, 0.3478, 0.3658


def chinchilla_loss(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    return E + A / n**ALPHA + B / d**BETA


def grid_runs(sizes: list[float], tokens_per_param: list[float]) -> pd.DataFrame:
    n, ratio = (
        np.array(v, dtype=float)
        for v in zip(*itertools.product(sizes, tokens_per_param), strict=True)
    )
    d = n * ratio
    return pd.DataFrame(
        {
            "run": [f"{x:.3g}-{r:g}" for x, r in zip(n, ratio, strict=True)],
            "n_params": n,
            "n_tokens": d,
            "loss": chinchilla_loss(n, d),
        }
    )


SIZES = [2e7, 5e7, 1.2e8, 3e8, 7e8, 1.5e9]


def test_noise_free_runs_from_the_law_are_predicted_exactly_at_every_cutoff() -> None:
    runs = grid_runs(SIZES, [5, 20, 80])
    card = rollout(runs, "chinchilla")
    assert [c.fit_up_to for c in card.cutoffs] == SIZES[2:5]
    expected = chinchilla_loss(runs["n_params"].to_numpy(), runs["n_tokens"].to_numpy())
    for cutoff in card.cutoffs:
        assert cutoff.error is None
        truth = expected[runs["n_params"].to_numpy() > cutoff.fit_up_to]
        np.testing.assert_allclose(cutoff.predictions["predicted"], truth, rtol=1e-6)
    summary = card.summary()
    assert summary["n_predictions"] == 3 * (3 + 2 + 1)
    assert summary["max_abs_error"] < 1e-6
    assert abs(summary["mean_signed_error"]) < 1e-6


def test_gadre_form_recovers_the_papers_constants_from_noise_free_runs() -> None:
    """Runs generated in Gadre et al.'s own spelling L(C, M) = E + (a·M^η + b·M^−η)·C^−η
    (C = 6ND, M = D/N): the α = β fit gives back E, a, b and η, and its rollout errors are ~0."""
    e, a, b, eta = 1.9, 95.0, 310.0, 0.16
    n, m = (
        np.array(v) for v in zip(*itertools.product(SIZES, [5.0, 20.0, 80.0, 320.0]), strict=True)
    )
    d = m * n
    c = 6 * n * d
    runs = pd.DataFrame(
        {"n_params": n, "n_tokens": d, "loss": e + (a * m**eta + b * m**-eta) * c**-eta}
    )
    result = fit_gadre(runs)
    assert result.params["alpha"] == result.params["beta"]
    got = gadre_constants(result)
    for name, truth in {"E": e, "a": a, "b": b, "eta": eta}.items():
        assert got[name] == pytest.approx(truth, rel=1e-5), name
    assert rollout(runs, "gadre").summary()["max_abs_error"] < 1e-6


def test_power_n_rollout_of_runs_at_one_token_count_is_exact() -> None:
    n = np.geomspace(1e7, 1e10, 9)
    runs = pd.DataFrame({"n_params": n, "n_tokens": 3e11, "loss": 1.7 + 250 / n**0.3})
    card = rollout(runs, "power-n")
    assert len(card.cutoffs) == 9 - 5  # first cutoff at the 5th size (5 runs), last at the 8th
    assert card.summary()["max_abs_error"] < 1e-6
    with pytest.raises(FitError):  # nothing to roll out: 4 runs
        rollout(runs.head(4), "power-n")


def test_weights_match_a_hand_computation() -> None:
    cut = 1e8
    # ln(x/cut) = 0.5, 1 and 2: raw weights 1/1.5, 1/2, 1/3; sum 1.5; normalised 4/9, 1/3, 2/9.
    weights = distance_weights(cut * np.exp([0.5, 1.0, 2.0]), cut)
    np.testing.assert_allclose(weights, [4 / 9, 3 / 9, 2 / 9], rtol=1e-12)


def noisy_runs(seed: int = 3) -> pd.DataFrame:
    """An uneven ladder: 1-4 runs per size (so the 5-run minimum matters), 2% log noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for size, count in zip(
        [1e7, 2e7, 4e7, 9e7, 2e8, 5e8, 1e9, 2.5e9], [1, 1, 2, 3, 1, 4, 2, 3], strict=True
    ):
        for k in range(count):
            d = size * rng.uniform(5, 200)
            rows.append((f"{size:.2g}-{k}", size, d, chinchilla_loss(size, d)))
    runs = pd.DataFrame(rows, columns=["run", "n_params", "n_tokens", "loss"])
    runs["loss"] *= np.exp(rng.normal(0, 0.02, len(runs)))
    return runs


def test_each_cutoff_fits_exactly_the_runs_at_or_below_it_brute_force() -> None:
    runs = noisy_runs()
    card = rollout(runs, "gadre")
    n = runs["n_params"].to_numpy()
    # Brute force: every size v with >= 3 distinct sizes and >= 5 runs at or below it and a
    # larger run above.
    expected = [
        v
        for v in sorted(set(n))
        if len(set(n[n <= v])) >= 3 and (n <= v).sum() >= 5 and (n > v).any()
    ]
    assert [c.fit_up_to for c in card.cutoffs] == expected
    assert expected[0] == 9e7  # 7 runs at 3 sizes would do at 4e7, but only 4 runs
    for cutoff in card.cutoffs:
        inside = set(runs.loc[n <= cutoff.fit_up_to, "run"])
        assert set(cutoff.fit.runs["run"]) == inside
        assert cutoff.n_fit == len(inside)
        assert set(cutoff.predictions["run"]) == set(runs["run"]) - inside
        # The predictions are those of an independent fit to that subset.
        again = fit(runs[n <= cutoff.fit_up_to], "gadre")
        held = runs[n > cutoff.fit_up_to]
        predicted = again.predict(n_params=held["n_params"], n_tokens=held["n_tokens"])
        np.testing.assert_allclose(cutoff.predictions["predicted"], predicted, rtol=1e-6)
        error = (predicted - held["loss"].to_numpy()) / held["loss"].to_numpy()
        np.testing.assert_allclose(cutoff.predictions["relative_error"], error, rtol=1e-6)


def test_summary_averages_the_cutoffs_with_hand_computed_weights() -> None:
    runs = noisy_runs()
    card = rollout(runs, "gadre")
    per_cut_abs, per_cut_signed, per_cut_weighted = [], [], []
    for cutoff in card.cutoffs:
        table = cutoff.predictions
        err = ((table["predicted"] - table["observed"]) / table["observed"]).to_numpy()
        raw = np.array([1 / (1 + math.log(x / cutoff.fit_up_to)) for x in table["n_params"]])
        per_cut_abs.append(np.mean(np.abs(err)))
        per_cut_signed.append(np.mean(err))
        per_cut_weighted.append(np.sum(raw * np.abs(err)) / np.sum(raw))
    summary = card.summary()
    assert summary["mean_abs_error"] == pytest.approx(np.mean(per_cut_abs), rel=1e-12)
    assert summary["mean_signed_error"] == pytest.approx(np.mean(per_cut_signed), rel=1e-12)
    assert summary["weighted_abs_error"] == pytest.approx(np.mean(per_cut_weighted), rel=1e-12)


def test_compute_axis_groups_one_budget_and_orders_by_c() -> None:
    """Four IsoFLOP budgets, each point's C rounded differently (within 0.1%): four levels."""
    rows = []
    for budget in [1e18, 3e18, 1e19, 3e19]:
        for i, n in enumerate(np.geomspace(2e7, 4e8, 4)):
            c = budget * (1 + 1e-4 * i)
            rows.append((n, c / (6 * n)))
    n, d = (np.array(v) for v in zip(*rows, strict=True))
    runs = pd.DataFrame({"n_params": n, "n_tokens": d, "loss": chinchilla_loss(n, d)})
    card = rollout(runs, "chinchilla", axis="compute")
    assert len(card.cutoffs) == 1 and card.cutoffs[0].n_fit == 12
    assert len(card.cutoffs[0].predictions) == 4
    assert card.summary()["max_abs_error"] < 1e-5


def asymmetric_objective(result, runs: pd.DataFrame, penalty: float, delta: float = 1e-3) -> float:
    """Σ c_i·Huber_δ(log L̂ − log L), c_i = penalty where L̂ > L, written out here."""
    r = np.log(result.predict(n_params=runs["n_params"], n_tokens=runs["n_tokens"])) - np.log(
        runs["loss"].to_numpy()
    )
    huber = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    return float(np.sum(np.where(r > 0, penalty, 1.0) * huber))


@pytest.mark.parametrize("form", ["chinchilla", "gadre"])
def test_overestimate_penalty_minimises_the_asymmetric_objective(form: str) -> None:
    runs = noisy_runs(seed=11)
    symmetric = fit(runs, form)
    penalised = fit(runs, form, overestimate_penalty=10)
    assert penalised.objective == pytest.approx(asymmetric_objective(penalised, runs, 10), 1e-9)
    # The penalised fit is better on its own objective and worse on the symmetric one.
    assert asymmetric_objective(penalised, runs, 10) < asymmetric_objective(symmetric, runs, 10)
    assert asymmetric_objective(symmetric, runs, 1) < asymmetric_objective(penalised, runs, 1)
    # It pushes the law under the runs: fewer over-predicted runs.
    assert (penalised.residuals > 0).sum() < (symmetric.residuals > 0).sum()
    with pytest.raises(FitError, match="overestimate_penalty"):
        fit(runs, form, overestimate_penalty=0.5)


def test_compare_forms_has_every_form_and_penalty() -> None:
    rows = compare_forms(noisy_runs())
    assert [(r["form"], r["overestimate_penalty"]) for r in rows] == [
        (f, p) for f in ("chinchilla", "gadre", "power-n") for p in (1.0, 10.0)
    ]
    assert all(r["error"] is None and r["n_cutoffs"] >= 1 for r in rows)
