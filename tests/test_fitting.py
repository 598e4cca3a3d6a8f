"""scaling_core.fit: recovery of known laws, the global minimum, uncertainty, degenerate input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import huber

from scaling_core.fit import (
    DEFAULT_DELTA,
    FitError,
    FitResult,
    bootstrap_fit,
    extrapolation_check,
    fit,
    fit_approach1,
    fit_approach2,
    fit_chinchilla,
    fit_chinchilla_grid,
    fit_kaplan,
    fit_power_c,
    fit_power_n,
    group_isoflop,
)
from scaling_core.fit.objective import _KaplanModel, _LSEModel
from scaling_core.fit.reference import _published_grid
from scaling_core.laws import ChinchillaLaw, KaplanLaw

#: Besiroglu et al. 2024 (Epoch AI) refit of Hoffmann et al. 2022 eq. 2.
EPOCH = {"E": 1.8172, "A": 482.01, "B": 2085.43, "alpha": 0.3478, "beta": 0.3658}
EPOCH_A = EPOCH["beta"] / (EPOCH["alpha"] + EPOCH["beta"])  # 0.5126
KAPLAN = {"n_c": 6.4e13, "d_c": 1.8e13, "alpha_n": 0.076, "alpha_d": 0.103}


def chinchilla_loss(n: np.ndarray, d: np.ndarray, p: dict[str, float] = EPOCH) -> np.ndarray:
    return p["E"] + p["A"] / n ** p["alpha"] + p["B"] / d ** p["beta"]


def random_runs(n: int = 250, noise: float = 0.01, seed: int = 0) -> pd.DataFrame:
    """Runs scattered over N in 7e7..1.6e10 and D in 5e9..5e11, Epoch law × lognormal noise."""
    rng = np.random.default_rng(seed)
    n_params = np.exp(rng.uniform(np.log(7e7), np.log(1.6e10), n))
    n_tokens = np.exp(rng.uniform(np.log(5e9), np.log(5e11), n))
    loss = chinchilla_loss(n_params, n_tokens) * np.exp(noise * rng.standard_normal(n))
    return pd.DataFrame(
        {
            "run": [f"r{i:03d}" for i in range(n)],
            "n_params": n_params,
            "n_tokens": n_tokens,
            "loss": loss,
        }
    )


def huber_sum(result: FitResult) -> float:
    """The Approach-3 objective recomputed independently with scipy.special.huber."""
    runs = result.runs
    predicted = result.predict(runs["n_params"], runs["n_tokens"])
    r = np.log(predicted) - np.log(runs["loss"])
    return float(np.sum(runs["weight"] * huber(result.delta, r)))


# ----------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("model_kind", ["lse", "kaplan"])
def test_analytic_gradient_and_hessian_match_finite_differences(model_kind: str) -> None:
    rng = np.random.default_rng(3)
    log_n, log_d = rng.uniform(18, 23, 30), rng.uniform(21, 26, 30)
    log_loss = rng.uniform(0.6, 1.2, 30)
    if model_kind == "lse":
        model = _LSEModel(np.column_stack([log_n, log_d]), log_loss)
        theta = np.array([0.6, 6.0, 7.5, 0.35, 0.37])
    else:
        model = _KaplanModel(log_n, log_d, log_loss)
        theta = np.array([0.1, 0.74, 23.6, 30.5])
    c = rng.standard_normal(30)
    r, jac, curvature = model.derivatives(theta)
    hess = curvature(c)
    step = 1e-6
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = step
        r_plus, jac_plus, _ = model.derivatives(theta + e)
        r_minus, jac_minus, _ = model.derivatives(theta - e)
        np.testing.assert_allclose((r_plus - r_minus) / (2 * step), jac[:, i], rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(
            (jac_plus - jac_minus).T @ c / (2 * step), hess[:, i], rtol=1e-4, atol=1e-6
        )
    np.testing.assert_allclose(r, model.residuals(theta))


# ----------------------------------------------------------------------------- Approach 3


def test_noiseless_data_recovers_the_generating_constants_exactly() -> None:
    result = fit_chinchilla(random_runs(60, noise=0.0, seed=1))
    assert result.converged
    for name, value in EPOCH.items():
        assert result.params[name] == pytest.approx(value, rel=1e-6), name
    assert result.objective < 1e-20
    assert result.max_abs_residual < 1e-9


def test_noisy_data_recovers_constants_within_stated_tolerances() -> None:
    # 250 runs with 0.5% lognormal noise: exponents within ±0.03, E within ±0.04, a within ±0.02.
    result = fit_chinchilla(random_runs(250, noise=0.005, seed=2))
    p = result.params
    assert p["alpha"] == pytest.approx(EPOCH["alpha"], abs=0.03)
    assert p["beta"] == pytest.approx(EPOCH["beta"], abs=0.03)
    assert p["E"] == pytest.approx(EPOCH["E"], abs=0.04)
    assert result.allocation_exponents[0] == pytest.approx(EPOCH_A, abs=0.02)
    assert result.rms_residual == pytest.approx(0.005, rel=0.25)


def test_objective_is_the_huber_sum_at_the_returned_params() -> None:
    result = fit_chinchilla(random_runs(120, noise=0.01, seed=4))
    assert result.delta == DEFAULT_DELTA
    assert result.objective == pytest.approx(huber_sum(result), rel=1e-9)
    np.testing.assert_allclose(
        result.residuals,
        np.log(result.predict(result.runs["n_params"], result.runs["n_tokens"]))
        - np.log(result.runs["loss"]),
        atol=1e-12,
    )


def test_not_worse_than_the_published_lbfgs_grid_method() -> None:
    # Every 60th of the 4,500 published starts (75 L-BFGS-B runs) keeps this test fast; on
    # this dataset the subset reaches the same minimum as the full grid (see the benchmark).
    runs = random_runs(40, noise=0.01, seed=5)
    reference = fit_chinchilla_grid(runs, starts=_published_grid()[::60])
    ours = fit_chinchilla(runs)
    assert ours.objective <= reference.objective * (1 + 1e-9) + 1e-15
    assert ours.objective == pytest.approx(reference.objective, rel=1e-4)
    assert ours.params["alpha"] == pytest.approx(reference.params["alpha"], abs=0.01)


def test_least_squares_option_reports_half_the_sum_of_squares() -> None:
    runs = random_runs(80, noise=0.01, seed=6)
    result = fit_chinchilla(runs, delta=None)
    assert result.delta is None
    assert result.objective == pytest.approx(0.5 * np.sum(result.residuals**2), rel=1e-9)
    assert result.objective < 0.5 * np.sum(fit_chinchilla(runs).residuals ** 2)


def test_fixed_E_is_returned_as_given_and_the_rest_is_fitted() -> None:
    runs = random_runs(100, noise=0.0, seed=7)
    result = fit_chinchilla(runs, fixed={"E": 1.9})
    assert result.params["E"] == 1.9
    assert result.fixed == {"E": 1.9}
    assert "(fixed)" in result.report()
    exact = fit_chinchilla(runs, fixed={"E": EPOCH["E"]})
    assert exact.params["alpha"] == pytest.approx(EPOCH["alpha"], rel=1e-6)
    zero = fit_chinchilla(runs, fixed={"E": 0.0})
    assert zero.params["E"] == 0.0 and zero.objective > exact.objective


def test_exclude_highest_loss_drops_exactly_those_runs() -> None:
    runs = random_runs(60, noise=0.005, seed=8)
    runs.loc[[5, 17, 33], "loss"] *= [1.5, 1.3, 1.4]  # three outliers
    result = fit_chinchilla(runs, exclude_highest_loss=3)
    expected = tuple(runs.sort_values("loss", ascending=False)["run"].iloc[:3])
    assert result.excluded == expected
    assert result.n_runs == 57
    assert not set(expected) & set(result.runs["run"])
    assert result.params["alpha"] == pytest.approx(EPOCH["alpha"], abs=0.05)
    named = fit_chinchilla(runs, exclude=["r005"])
    assert named.excluded == ("r005",) and named.n_runs == 59


def test_zero_weight_is_the_same_as_leaving_a_run_out() -> None:
    runs = random_runs(50, noise=0.01, seed=9)
    weights = np.ones(50)
    weights[[3, 4]] = 0.0
    weighted = fit_chinchilla(runs, weights=weights)
    dropped = fit_chinchilla(runs.drop(index=[3, 4]))
    assert weighted.objective == pytest.approx(dropped.objective, rel=1e-7)
    assert weighted.params["beta"] == pytest.approx(dropped.params["beta"], rel=1e-5)


def test_law_is_a_chinchilla_law_with_a_source_naming_your_runs() -> None:
    result = fit_chinchilla(random_runs(40, noise=0.0, seed=10))
    law = result.law
    assert isinstance(law, ChinchillaLaw)
    assert law.key == "your-fit"
    assert law.source.paper == "Your runs" and law.source.arxiv == ""
    assert float(law.loss(1e9, 2e10)) == pytest.approx(float(chinchilla_loss(1e9, 2e10)), rel=1e-7)
    n_opt, d_opt = result.compute_optimal(1e21)
    assert n_opt == pytest.approx(2.778e9, rel=1e-3)  # REFERENCE.md check value (Epoch 2024)
    assert d_opt == pytest.approx(5.999e10, rel=1e-3)


def test_report_and_diagnostics() -> None:
    result = fit_chinchilla(random_runs(30, noise=0.01, seed=11))
    text = result.report()
    for part in ("[[Parameters]]", "alpha", "a = beta/(alpha+beta)", "rms", "Huber sum"):
        assert part in text
    table = result.diagnostics()
    assert list(table.columns[-3:]) == ["predicted", "residual", "relative_error"]
    worst = table["residual"].abs().idxmax()
    assert abs(table.loc[worst, "residual"]) == pytest.approx(result.max_abs_residual)


def test_accepts_compute_instead_of_tokens() -> None:
    runs = random_runs(40, noise=0.0, seed=12)
    runs["compute_flops"] = 6 * runs["n_params"] * runs["n_tokens"]
    result = fit_chinchilla(runs.drop(columns=["n_tokens"]))
    assert result.params["beta"] == pytest.approx(EPOCH["beta"], rel=1e-6)


# ----------------------------------------------------------------------------- degenerate input


def test_fewer_runs_than_parameters_is_a_clear_error() -> None:
    with pytest.raises(FitError, match=r"5 free parameters but only 4 runs"):
        fit_chinchilla(random_runs(4, seed=13))


def test_automatic_form_names_both_forms_it_could_not_fit() -> None:
    """Two runs at one D (the Hugging Face Trainer pair in real-logs: 57K and 150K parameters,
    4.9M tokens each): the automatic form falls back to the power law in N, which needs three
    runs; the message says so for both forms, by their names, not the first alone."""
    runs = pd.DataFrame(
        {"n_params": [56_640.0, 150_080.0], "n_tokens": [4_915_200.0] * 2, "loss": [2.777, 2.729]}
    )
    with pytest.raises(FitError) as raised:
        fit(runs, form="auto")
    message = str(raised.value)
    assert "Chinchilla form (E + A/N^α + B/D^β) has 5 free parameters but only 2 runs" in message
    assert "power law in N (E + A/N^α) has 3 free parameters but only 2 runs" in message
    assert "all runs share one D" in message and "power-n" not in message


def test_all_runs_at_one_model_size_is_a_clear_error() -> None:
    runs = random_runs(20, seed=14)
    runs["n_params"] = 1e9
    with pytest.raises(FitError, match=r"different n_params values, got 1 \(all 1e\+09\)"):
        fit_chinchilla(runs)


@pytest.mark.parametrize(
    ("column", "value", "pattern"),
    [("loss", -1.0, "run r002: loss must be positive"), ("n_params", np.nan, "n_params")],
)
def test_bad_values_name_the_run(column: str, value: float, pattern: str) -> None:
    runs = random_runs(20, seed=15)
    runs.loc[2, column] = value
    with pytest.raises(FitError, match=pattern):
        fit_chinchilla(runs)


def test_option_errors_are_value_errors_with_one_line() -> None:
    runs = random_runs(20, seed=16)
    for call in (
        lambda: fit_chinchilla(runs, delta=-1),
        lambda: fit_chinchilla(runs, fixed={"gamma": 1}),
        lambda: fit_chinchilla(runs, exclude_highest_loss=20),
        lambda: fit_chinchilla(runs.drop(columns=["loss"])),
        lambda: fit(runs, "quadratic"),
    ):
        with pytest.raises(ValueError) as info:
            call()
        assert "\n" not in str(info.value)


# ----------------------------------------------------------------------------- other forms


def test_kaplan_form_recovers_its_constants_on_noiseless_data() -> None:
    n, d = np.meshgrid(np.geomspace(1e6, 1e9, 7), np.geomspace(2e7, 2e10, 6))
    n, d = n.ravel(), d.ravel()
    law = KaplanLaw()
    runs = pd.DataFrame({"n_params": n, "n_tokens": d, "loss": law.loss(n, d)})
    result = fit_kaplan(runs)
    assert result.converged
    for name, value in KAPLAN.items():
        assert result.params[name] == pytest.approx(value, rel=1e-5), name
    fitted = result.law
    assert isinstance(fitted, KaplanLaw) and fitted.key == "your-fit-kaplan"
    assert float(fitted.loss(1e9, 2e10)) == pytest.approx(2.3739, abs=1e-4)


def test_power_n_and_power_c_recover_their_constants() -> None:
    n = np.geomspace(1e7, 1e10, 12)
    runs = pd.DataFrame({"n_params": n, "loss": 1.7 + 400.0 / n**0.33})
    result = fit_power_n(runs)
    assert result.params == pytest.approx({"E": 1.7, "A": 400.0, "alpha": 0.33}, rel=1e-6)
    compute = np.geomspace(1e17, 1e22, 10)
    kaplan_c = pd.DataFrame(
        {"n_params": 1e9, "compute_flops": compute, "loss": (2.3e19 / compute) ** 0.05}
    )
    pure = fit_power_c(kaplan_c)
    assert pure.params["E"] == 0.0
    assert pure.params["C_c"] == pytest.approx(2.3e19, rel=1e-5)
    assert pure.params["alpha_c"] == pytest.approx(0.05, rel=1e-6)
    offset_data = kaplan_c.assign(loss=1.5 + (1e19 / compute) ** 0.3)
    offset = fit_power_c(offset_data, offset=True)
    assert offset.params["E"] == pytest.approx(1.5, rel=1e-6)
    assert float(offset.predict(compute_flops=1e20)) == pytest.approx(1.5 + 0.1**0.3, rel=1e-8)
    with pytest.raises(FitError, match="no law family"):
        _ = offset.law


# ----------------------------------------------------------------------------- Approaches 1, 2


def isoflop_grid(budgets: tuple[float, ...], points: int = 9) -> pd.DataFrame:
    rows = []
    for c in budgets:
        n_opt, _ = fit_chinchilla_law_optimum(c)
        for n in n_opt * np.geomspace(1 / 4, 4, points):
            d = c / (6 * n)
            rows.append({"n_params": n, "n_tokens": d, "loss": float(chinchilla_loss(n, d))})
    return pd.DataFrame(rows)


def fit_chinchilla_law_optimum(compute: float) -> tuple[float, float]:
    g = (EPOCH["alpha"] * EPOCH["A"] / (EPOCH["beta"] * EPOCH["B"])) ** (
        1 / (EPOCH["alpha"] + EPOCH["beta"])
    )
    return g * (compute / 6) ** EPOCH_A, (compute / 6) ** (1 - EPOCH_A) / g


def test_approach2_recovers_the_allocation_exponent_on_a_clean_isoflop_grid() -> None:
    result = fit_approach2(isoflop_grid((1e18, 1e19, 1e20, 1e21, 1e22)))
    assert len(result.points) == 5 and result.points["inside"].all()
    assert result.a == pytest.approx(EPOCH_A, abs=0.005)
    assert result.a + result.b == pytest.approx(1.0, abs=1e-9)
    n_true, _ = fit_chinchilla_law_optimum(1e20)
    assert float(result.n_opt(1e20)) == pytest.approx(n_true, rel=0.05)
    assert result.law.key == "your-fit-approach2"


def test_isoflop_grouping_and_approach2_errors() -> None:
    labels = group_isoflop([1e19, 1.05e19, 0.98e19, 3e19, 3.1e19])
    assert list(labels) == [0, 0, 0, 1, 1]
    with pytest.raises(
        FitError, match="Approach 2 needs >= 3 compute budgets whose minimum lies inside"
    ):
        fit_approach2(isoflop_grid((1e19,)))


def test_approach1_envelope_of_learning_curves_gives_the_allocation_exponent() -> None:
    rows = []
    for i, n in enumerate(np.geomspace(3e7, 1e10, 16)):
        for d in np.geomspace(1e8, 200 * n, 60):
            rows.append(
                {
                    "run": f"run{i}",
                    "n_params": n,
                    "n_tokens": d,
                    "compute_flops": 6 * n * d,
                    "loss": float(chinchilla_loss(n, d)),
                }
            )
    result = fit_approach1(pd.DataFrame(rows), n_points=200)
    assert result.a == pytest.approx(EPOCH_A, abs=0.03)
    assert {"compute_flops", "n_opt", "d_opt", "loss", "run"} <= set(result.points.columns)
    with pytest.raises(FitError, match="learning curves"):
        fit_approach1(None)


# ----------------------------------------------------------------------------- uncertainty


def test_bootstrap_gives_intervals_for_params_and_derived_quantities() -> None:
    runs = random_runs(80, noise=0.01, seed=20)
    boot = bootstrap_fit(runs, n_boot=60, seed=3, compute_flops=1e21, at=(1e9, 2e10))
    assert boot.n_failed == 0 and len(boot.samples) == 60
    expected = {"E", "A", "B", "alpha", "beta", "a", "b", "n_opt", "d_opt", "loss_at"}
    assert set(boot.intervals) == expected | {"tokens_per_param"}
    point = {**boot.fit.params, **boot.derived}
    for name, (low, high) in boot.intervals.items():
        assert low <= high, name
        assert low <= point[name] * (1 + 1e-9) + 1e-12 or name in ("A", "B"), name
    again = bootstrap_fit(runs, n_boot=60, seed=3, compute_flops=1e21, at=(1e9, 2e10))
    assert again.intervals == boot.intervals  # seeded
    narrower = bootstrap_fit(runs, n_boot=60, seed=3, confidence=0.5)
    assert narrower.intervals["alpha"][1] - narrower.intervals["alpha"][0] < (
        boot.intervals["alpha"][1] - boot.intervals["alpha"][0]
    )
    assert "[[Bootstrap]]" in boot.report()


def test_bootstrap_respects_fixed_parameters_and_other_forms() -> None:
    runs = random_runs(40, noise=0.01, seed=21)
    boot = bootstrap_fit(runs, n_boot=20, seed=1, fixed={"E": 1.8})
    assert "E" not in boot.intervals
    assert (boot.samples["E"] == 1.8).all()
    power = bootstrap_fit(runs, "power-n", n_boot=10, seed=1, at=(1e9, 1e10))
    assert {"E", "A", "alpha", "loss_at"} == set(power.intervals)


def test_bootstrap_intervals_cover_the_truth_at_about_the_nominal_rate() -> None:
    # 40 independent datasets (40 runs, 1% noise) × 40 bootstrap refits each; nominal 95%.
    covered = {"alpha": 0, "beta": 0, "a": 0}
    widths = []
    truth = {"alpha": EPOCH["alpha"], "beta": EPOCH["beta"], "a": EPOCH_A}
    n_datasets = 40
    for k in range(n_datasets):
        boot = bootstrap_fit(random_runs(40, noise=0.01, seed=1000 + k), n_boot=40, seed=k)
        for name in covered:
            low, high = boot.intervals[name]
            covered[name] += low <= truth[name] <= high
        widths.append(boot.intervals["alpha"][1] - boot.intervals["alpha"][0])
    for name, count in covered.items():
        assert 0.8 <= count / n_datasets <= 1.0, (name, count)
    # Meaningful, not vacuous: the intervals are informative about alpha.
    assert float(np.median(widths)) < 0.25


def test_extrapolation_check_holds_out_the_largest_runs() -> None:
    runs = random_runs(100, noise=0.0, seed=22)
    check = extrapolation_check(runs, quantile=0.8)
    compute = 6 * runs["n_params"] * runs["n_tokens"]
    assert len(check.holdout) == int((compute > compute.quantile(0.8)).sum())
    assert check.holdout["compute_flops"].min() > check.threshold
    assert check.fit.n_runs == 100 - len(check.holdout)
    assert check.max_abs_relative_error < 1e-6
    noisy = extrapolation_check(random_runs(100, noise=0.01, seed=22), by="n_params")
    assert 0 < noisy.rms_log_error < 0.05
    assert "held-out" in noisy.report()


def test_fit_dispatches_on_form() -> None:
    runs = random_runs(30, noise=0.0, seed=23)
    assert fit(runs).form == "chinchilla"
    assert fit(runs, "power-n").form == "power-n"
    assert math.isfinite(fit(runs, "power-c", offset=True).objective)


def test_converges_when_the_form_is_misspecified_and_huber_acts_like_l1() -> None:
    # A pure power law in C fitted to Chinchilla-form data: nearly every residual is outside
    # ±δ, so the Huber Hessian is almost zero; the damped Newton must still reach a minimum.
    runs = random_runs(60, noise=0.0, seed=24)
    runs["compute_flops"] = 6 * runs["n_params"] * runs["n_tokens"]
    result = fit_power_c(runs)
    assert result.converged, result.message
    assert np.mean(np.abs(result.residuals) > DEFAULT_DELTA) > 0.8
    shifted = fit_power_c(runs, fixed={"alpha_c": result.params["alpha_c"] * 1.01})
    assert shifted.objective >= result.objective


def test_bootstrap_reports_progress_and_survives_degenerate_resamples() -> None:
    """learning_curves.csv's final points all sit at ~60 tokens/param: N and D terms are nearly
    collinear, and some resamples overflow; they count as failed refits, not a crash."""
    from pathlib import Path

    from scaling_core.runs import read_run_log

    runs = read_run_log(
        Path(__file__).resolve().parents[1] / "sample_data" / "learning_curves.csv"
    ).runs
    calls: list[tuple[int, int]] = []
    result = bootstrap_fit(
        runs, n_boot=60, seed=1, progress=lambda done, total: calls.append((done, total))
    )
    assert calls[0] == (0, 60) and calls[-1] == (60, 60)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert len(result.samples) + result.n_failed == 60


def test_collinear_runs_are_flagged_and_give_no_law() -> None:
    """Every run at 60 tokens/param: N and D cannot be separated; the fit says so in words,
    and an unphysical result (a negative exponent) is refused as a law with that reason."""
    from dataclasses import replace

    import pandas as pd

    from scaling_core.fit import FitError, fit_chinchilla

    rng = np.random.default_rng(3)
    n = np.geomspace(5e7, 2e9, 6)
    d = 60 * n
    loss = (1.8172 + 482.01 / n**0.3478 + 2085.43 / d**0.3658) * np.exp(0.005 * rng.normal(size=6))
    result = fit_chinchilla(pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss}))
    assert any("N and D move together" in text for text in result.warnings())
    assert "[[Warnings]]" in result.report()
    unphysical = replace(result, params={**result.params, "beta": -0.105})
    assert any("beta = -0.105 is not positive" in text for text in unphysical.warnings())
    with pytest.raises(FitError, match=r"not a usable law .*N and D move together"):
        _ = unphysical.law


def test_clean_grid_has_no_warnings() -> None:
    import pandas as pd

    from scaling_core.fit import fit_chinchilla

    n, d = np.meshgrid(np.geomspace(1e8, 1e10, 6), np.geomspace(2e9, 2e11, 6))
    n, d = n.ravel(), d.ravel()
    loss = 1.8172 + 482.01 / n**0.3478 + 2085.43 / d**0.3658
    assert (
        fit_chinchilla(pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss})).warnings() == []
    )


def test_batch_refits_match_one_by_one_newton_and_grid() -> None:
    """`newton_batch` and `best_grid_points` against the scalar Newton polish and start grid."""
    import numpy as np

    from scaling_core.fit.newton_batch import best_grid_points, newton_batch
    from scaling_core.fit.objective import _LSEModel, _newton
    from scaling_core.fit.starts import _lse_starts

    runs = random_runs(60, noise=0.01, seed=31)
    full = fit(runs)
    x = np.log(runs[["n_params", "n_tokens"]].to_numpy(dtype=float))
    loss = runs["loss"].to_numpy(dtype=float)
    model = _LSEModel(x, np.log(loss))
    rng = np.random.default_rng(0)
    weights = np.stack([np.bincount(rng.integers(0, 60, 60), minlength=60) for _ in range(40)])
    weights = weights.astype(float)
    free = np.ones(5, dtype=bool)
    batch = newton_batch(model, full.theta, free, weights, 1e-3)
    for w, theta, objective in zip(weights, batch.theta, batch.objective, strict=True):
        one = _newton(model, full.theta, free, w, 1e-3)
        assert np.max(np.abs(one.theta - theta)) < 1e-9
        assert objective == pytest.approx(one.objective, rel=1e-9)
    exps, scores, starts = best_grid_points(x, loss, weights, 10)
    for w, exp, score, theta in zip(weights, exps, scores, starts, strict=True):
        (start, one_score), *_ = _lse_starts(x, loss, w, {}, 10, 1)
        assert np.allclose(start[3:], exp) and score == pytest.approx(one_score, rel=1e-9)
        assert np.allclose(start, theta, rtol=1e-9, atol=1e-9)


def test_power_in_n_start_grid_matches_the_one_by_one_grid() -> None:
    """The power-in-N form's grid (1 + 1 unknowns, solved in closed form by `_solve_small`)
    against the scalar start grid `_lse_starts`, which solves each system with LAPACK."""
    from scaling_core.fit.newton_batch import best_grid_points
    from scaling_core.fit.starts import _lse_starts

    runs = random_runs(40, noise=0.02, seed=5)
    x = np.log(runs[["n_params"]].to_numpy(dtype=float))
    loss = runs["loss"].to_numpy(dtype=float)
    rng = np.random.default_rng(3)
    weights = np.stack([np.bincount(rng.integers(0, 40, 40), minlength=40) for _ in range(30)])
    exps, scores, starts = best_grid_points(x, loss, weights.astype(float), 25)
    for w, exp, score, theta in zip(weights, exps, scores, starts, strict=True):
        (start, one_score), *_ = _lse_starts(x, loss, w.astype(float), {}, 25, 1)
        assert np.allclose(start[2:], exp) and score == pytest.approx(one_score, rel=1e-9)
        assert np.allclose(start, theta, rtol=1e-9, atol=1e-9)


def test_small_solves_match_lapack_and_refuse_singular_systems() -> None:
    """`_solve_small`'s closed forms against numpy.linalg.solve on random well-posed systems; a
    singular 2×2 system gives no finite answer (so no grid point is chosen from it)."""
    from scaling_core.fit.newton_batch import _solve_small

    rng = np.random.default_rng(0)
    for size in (1, 2, 3):
        root = rng.normal(size=(50, 7, size, size))
        matrix = root @ np.swapaxes(root, -1, -2) + 0.1 * np.eye(size)
        rhs = rng.normal(size=(50, 7, size))
        expected = np.linalg.solve(matrix, rhs[..., None])[..., 0]
        assert np.allclose(_solve_small(matrix, rhs), expected, rtol=1e-10, atol=1e-12)
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]]])
    assert not np.isfinite(_solve_small(singular, np.array([[1.0, 1.0]]))).all()


def test_distinct_active_counts_as_numpy_unique_does() -> None:
    """The vector count of distinct N among each draw's runs against np.unique draw by draw."""
    from scaling_core.fit.bootstrap import _distinct_active

    rng = np.random.default_rng(1)
    values = rng.choice([1e8, 3e8, 1e9, 3e9], size=30)
    weights = rng.integers(0, 3, size=(200, 30)).astype(float)
    weights[0] = 0.0
    expected = [len(np.unique(values[w > 0])) for w in weights]
    assert _distinct_active(values, weights).tolist() == expected


def test_bootstrap_draws_do_not_depend_on_the_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refitting 60 draws in one chunk or in chunks of 7 gives the same refits: the chunk size
    (a quarter of the draws for long runs, issue 18) changes the speed, not the answer."""
    import scaling_core.fit.bootstrap as bootstrap_module

    runs = random_runs(40, noise=0.01, seed=8)
    whole = bootstrap_fit(runs, n_boot=60, seed=4)
    monkeypatch.setattr(bootstrap_module, "_draw_chunk", lambda n_runs, n_boot: 7)
    pieces = bootstrap_fit(runs, n_boot=60, seed=4)
    assert whole.n_failed == pieces.n_failed
    pd.testing.assert_frame_equal(whole.samples, pieces.samples, rtol=1e-9)
