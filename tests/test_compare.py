"""The compute multiplier of two sweeps (`scaling_core.compare`, `compare` on the command line)
against independent values: a law whose N and D are each worth less by a known factor (the
multiplier is that factor, analytically), a brute-force grid search over N and C, synthetic
sweeps fitted and bootstrapped, and Gadre et al. 2024's released C4 and RefinedWeb sweeps."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_core.cli import main
from scaling_core.compare import (
    _draw_multipliers,
    compare_tables,
    crossovers,
    frontier_loss,
    multiplier,
    percentile_interval,
    side_seeds,
)
from scaling_core.presets import get_law

ROOT = Path(__file__).resolve().parents[1]
GADRE = ROOT / "tests" / "fixtures" / "real-logs" / "gadre-2024" / "gadre2024_final_losses.csv"
EPOCH = get_law("epoch-2024")


def slower_law(law, k: float, n_share: float = 0.5):  # type: ignore[no-untyped-def]
    """L_B(N, D) = L_A(N·s, D·t) with s = k^-n_share, t = k^-(1-n_share): B's runs of N and D
    are worth A's runs of sN and tD, so B needs 1/(st) = k times the compute for any loss."""
    s, t = k**-n_share, k ** -(1 - n_share)
    return replace(law, A=law.A * s**-law.alpha, B=law.B * t**-law.beta)


# ------------------------------------------------------------------ the multiplier of two laws


@pytest.mark.parametrize("k", [0.25, 1.0, 3.0, 40.0])
@pytest.mark.parametrize("n_share", [0.0, 0.3, 0.5, 1.0])
def test_multiplier_is_k_when_b_is_a_with_compute_worth_k_times_less(k: float, n_share: float):
    law_b = slower_law(EPOCH, k, n_share)
    compute = np.geomspace(1e15, 1e26, 23)
    assert np.allclose(multiplier(EPOCH, law_b, compute), k, rtol=1e-9)
    # and B against A is the inverse
    assert np.allclose(multiplier(law_b, EPOCH, compute), 1 / k, rtol=1e-9)


def brute_frontier(law, compute: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """min over N of L(N, C/(6N)) on a grid of 1,201 sizes 1% apart (no closed form)."""
    log_n = np.linspace(np.log(1e3), np.log(1e15), 1201)
    n = np.exp(log_n)[None, :]
    c = np.asarray(compute, dtype=float)[:, None]
    return (law.E + law.A * n**-law.alpha + law.B * (c / (6 * n)) ** -law.beta).min(axis=1)


def test_multiplier_against_a_brute_force_grid_search_over_n_and_c():
    other = get_law("chinchilla-2022-unrounded")
    budgets = np.geomspace(1e17, 1e24, 8)
    target = brute_frontier(EPOCH, budgets)
    assert np.allclose(frontier_loss(EPOCH, budgets), target, rtol=1e-5)  # eq. 4 vs the grid
    c_grid = np.geomspace(1e15, 1e27, 6001)  # 0.46% apart
    reached = brute_frontier(other, c_grid)
    brute = np.array([c_grid[np.argmax(reached <= t)] for t in target]) / budgets
    ours = multiplier(EPOCH, other, budgets)
    assert np.allclose(ours, brute, rtol=5e-3)
    assert np.all((ours > 0.1) & (ours < 10))  # a test that spans a real difference


def test_crossover_against_the_sign_change_of_brute_force_frontiers():
    # B: a higher floor E but a smaller N coefficient: better at small budgets, worse at large
    law_b = replace(EPOCH, E=EPOCH.E + 0.08, A=EPOCH.A * 0.4)
    roots = crossovers(EPOCH, law_b, 1e14, 1e26)
    c_grid = np.geomspace(1e14, 1e26, 3001)
    gap = brute_frontier(EPOCH, c_grid) - brute_frontier(law_b, c_grid)
    change = np.flatnonzero(np.sign(gap[:-1]) != np.sign(gap[1:]))
    assert len(roots) == len(change) == 1
    assert roots[0] == pytest.approx(c_grid[change[0]], rel=0.01)
    assert float(multiplier(EPOCH, law_b, roots[0])) == pytest.approx(1.0, abs=1e-9)
    assert crossovers(EPOCH, slower_law(EPOCH, 3.0), 1e14, 1e26) == []


def test_b_that_never_reaches_as_loss_has_an_infinite_multiplier():
    law_b = replace(EPOCH, E=2.5)  # above A's frontier loss at large budgets
    m = multiplier(EPOCH, law_b, [1e15, 1e25])
    assert math.isfinite(m[0]) and math.isinf(m[1])


def test_percentile_interval_with_draws_that_never_reach():
    values = np.array([*range(1, 97), math.inf, math.inf, math.inf, math.inf])  # 100 draws
    low, high = percentile_interval(values, 0.95)
    assert low == pytest.approx(3.475)  # position 99 x 0.025 = 2.475: between 3 and 4
    assert math.isinf(high)  # the 97.5th percentile lies among the draws that never reach
    low, high = percentile_interval(np.arange(1.0, 101.0), 0.9)
    assert (low, high) == pytest.approx((5.95, 95.05))  # numpy's linear percentiles by hand


def test_each_sweep_gets_its_own_bootstrap_stream():
    first, second = side_seeds(0)
    assert first != second
    assert side_seeds(0) == (first, second)


# ------------------------------------------------------------------ fitted synthetic sweeps


def synthetic_sweep(law, noise: float, seed: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """6 sizes x 5 tokens-per-parameter ratios; log-normal noise of ``noise`` on the loss."""
    n = np.repeat([3e7, 6e7, 1.2e8, 2.5e8, 5e8, 1e9], 5)
    d = n * np.tile([5.0, 10.0, 20.0, 40.0, 80.0], 6)
    loss = np.asarray(law.loss(n, d)) * np.exp(noise * np.random.default_rng(seed).normal(size=30))
    return pd.DataFrame(
        {
            "run": [f"r{i}" for i in range(30)],
            "n_params": n,
            "n_tokens": d,
            "compute_flops": 6 * n * d,
            "loss": loss,
        }
    )


def test_noise_free_sweeps_give_k_back_at_every_budget_and_mark_extrapolation():
    k = 2.0
    sweep_a = synthetic_sweep(EPOCH, 0.0, 0)
    sweep_b = synthetic_sweep(slower_law(EPOCH, k), 0.0, 0)
    result = compare_tables(sweep_a, sweep_b, n_boot=40)
    assert result.determined
    assert all(p.multiplier == pytest.approx(k, rel=2e-3) for p in result.grid)
    assert result.crossover is not None and result.crossover.compute_flops is None
    assert "No crossover" in result.crossover.describe()
    # extrapolated exactly where C or k·C leaves the runs' compute (from the tables directly)
    c_lo, c_hi = sweep_a["compute_flops"].min(), sweep_a["compute_flops"].max()
    for point in result.grid:
        inside = c_lo <= point.compute_flops <= c_hi and c_lo <= k * point.compute_flops <= c_hi
        assert point.extrapolated == (not inside), point.compute_flops
    assert result.grid[-1].compute_flops == pytest.approx(100 * c_hi)
    # the default budget is the largest read from the runs alone: k·C at B's largest run
    assert result.at.compute_flops == pytest.approx(c_hi / k, rel=1e-3)
    assert not result.at.extrapolated


def test_noisy_sweeps_recover_k_inside_the_bootstrap_interval():
    k = 3.0
    sweep_a = synthetic_sweep(EPOCH, 0.005, 1)
    sweep_b = synthetic_sweep(slower_law(EPOCH, k), 0.005, 2)
    result = compare_tables(sweep_a, sweep_b, n_boot=1000, seed=0)
    assert result.determined and result.n_draws >= 990
    low, high = result.at.interval
    assert low < k < high
    assert low < result.at.multiplier < high
    assert high / low < 3  # informative, not any number
    inside = [p for p in result.grid if not p.extrapolated]
    assert len(inside) >= 5
    assert sum(p.interval[0] < k < p.interval[1] for p in inside) >= 0.8 * len(inside)


def _draws_one_by_one(fit_a, fit_b, n_draws, budgets, grid):  # type: ignore[no-untyped-def]
    """The bootstrap's multipliers and first crossings computed draw by draw with a
    `ChinchillaLaw` per refit (None where a refit is no law), the way compare_fits did before
    it worked on all draws at once: the reference for `_draw_multipliers`."""

    def laws(fit):  # type: ignore[no-untyped-def]
        out = []
        for row in fit.boot.samples[["E", "A", "B", "alpha", "beta"]].itertuples(index=False):
            try:
                out.append(
                    replace(fit.fit.law, E=row.E, A=row.A, B=row.B, alpha=row.alpha, beta=row.beta)
                )
            except ValueError:
                out.append(None)
        return out[:n_draws]

    draws = np.full((n_draws, len(budgets)), np.nan)
    first = np.full(n_draws, np.nan)
    for i, (a, b) in enumerate(zip(laws(fit_a), laws(fit_b), strict=True)):
        if a is None or b is None:
            continue
        with np.errstate(all="ignore"):
            draws[i] = multiplier(a, b, budgets)
            gap = frontier_loss(a, grid) - frontier_loss(b, grid)
        change = np.flatnonzero(np.sign(gap[:-1]) * np.sign(gap[1:]) < 0)
        if len(change):
            j = int(change[0])
            t = gap[j] / (gap[j] - gap[j + 1])
            first[i] = math.exp(math.log(grid[j]) + t * math.log(grid[j + 1] / grid[j]))
    return draws, first


def test_all_draws_at_once_equal_the_draws_one_by_one():
    """A sweep B with a lower E and larger terms, whose frontier crosses A's in the range for
    some refits; refits that are no law (α < 0, E NaN) and one whose B never reaches A's
    loss (E_B above every L*_A) among them."""
    law_b = replace(EPOCH, E=EPOCH.E - 0.04, A=EPOCH.A * 2.5, B=EPOCH.B * 2.5)
    result = compare_tables(
        synthetic_sweep(EPOCH, 0.01, 3), synthetic_sweep(law_b, 0.01, 4), n_boot=300, seed=1
    )
    fit_a, fit_b = result.fits
    samples_a = fit_a.boot.samples.copy()
    samples_b = fit_b.boot.samples.copy()
    samples_a.loc[5, "alpha"] = -0.1
    samples_b.loc[7, "E"] = np.nan
    samples_b.loc[9, "E"] = 50.0  # above every loss A reaches: m = inf
    fit_a = replace(fit_a, boot=replace(fit_a.boot, samples=samples_a))
    fit_b = replace(fit_b, boot=replace(fit_b.boot, samples=samples_b))
    budgets = np.append(np.geomspace(1e17, 1e24, 61), 3e21)
    grid = budgets[:-1]
    draws, first = _draw_multipliers(fit_a, fit_b, 300, budgets, grid)
    want_draws, want_first = _draws_one_by_one(fit_a, fit_b, 300, budgets, grid)
    np.testing.assert_allclose(draws, want_draws, rtol=1e-9)  # NaN and inf where they are
    np.testing.assert_allclose(first, want_first, rtol=1e-9)
    assert np.isnan(draws[[5, 7]]).all() and np.isinf(draws[9]).all()
    assert 10 < np.isfinite(first).sum() < 290  # some refits cross, some do not


def test_a_sweep_at_one_d_gives_no_multiplier_and_says_which():
    sweep_a = synthetic_sweep(EPOCH, 0.0, 0)
    n = np.array([3e7, 6e7, 1.2e8, 2.5e8, 5e8, 1e9, 2e9])
    one_d = pd.DataFrame(
        {
            "run": [f"b{i}" for i in range(7)],
            "n_params": n,
            "n_tokens": 2e10,
            "compute_flops": 6 * n * 2e10,
            "loss": EPOCH.loss(n, np.full(7, 2e10)),
        }
    )
    result = compare_tables(sweep_a, one_d, n_boot=40)
    assert not result.determined
    assert result.at is None and result.grid == ()
    assert len(result.reasons) == 1 and result.reasons[0].startswith("sweep B:")
    assert "only L = E + A/N^alpha" in result.reasons[0]
    assert result.to_dict()["multiplier"] is None


# ------------------------------------------------------------------ the command line


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def gadre_json() -> dict:
    """Gadre et al.'s C4-trained sweep (A) against the RefinedWeb-trained one (B), on the C4
    validation loss and on Paloma's RefinedWeb subset, 1,000 refits each."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(
            [
                "compare",
                str(GADRE),
                str(GADRE),
                "--where-a",
                "dataset=c4_original",
                "--where-b",
                "dataset=rw_original",
                "--column",
                "loss=loss_c4_val",
                "--column",
                "loss=loss_paloma_falcon-refinedweb",
                "--json",
            ]
        )
    assert status == 0
    return json.loads(out.getvalue())


def test_real_sweeps_give_a_finite_multiplier_inside_its_interval(gadre_json: dict):
    payload = gadre_json
    assert set(payload) >= {"multiplier", "interval", "at_compute", "crossover", "per_loss"}
    assert [e["loss_column"] for e in payload["per_loss"]] == [
        "loss_c4_val",
        "loss_paloma_falcon-refinedweb",
    ]
    assert payload["multiplier"] == payload["per_loss"][0]["multiplier"]
    for entry in payload["per_loss"]:
        low, high = entry["interval"]
        assert entry["determined"] and math.isfinite(entry["multiplier"])
        assert low < entry["multiplier"] < high
        assert not entry["extrapolated"]
        assert entry["fits"]["A"]["n_runs"] == 34 and entry["fits"]["B"]["n_runs"] == 35
        assert entry["fits"]["A"]["n_boot"] == 1000
        assert entry["crossover"]["text"]
    # sensible: on Paloma's RefinedWeb text the RefinedWeb-trained models need less compute
    # for the C4-trained models' loss (the whole interval below 1) ...
    refinedweb = payload["per_loss"][1]
    assert refinedweb["interval"][1] < 1
    # ... and on C4's own validation set, more (at the in-range budgets)
    c4_grid = [p for p in payload["per_loss"][0]["grid"] if not p["extrapolated"]]
    assert sum(p["multiplier"] > 1 for p in c4_grid) >= 0.8 * len(c4_grid)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["nope.csv", str(GADRE)], "sweep A (nope.csv)"),
        ([str(GADRE), str(GADRE), "--bootstrap", "10"], "--bootstrap must be at least 1,000"),
        ([str(GADRE), str(GADRE), "--at-compute", "-1e21"], "--at-compute"),
        ([str(GADRE), str(GADRE)], "sweep A"),  # three sweeps in one file, none picked
        (
            [str(GADRE), str(GADRE), "--where", "dataset=c4_original", "--column", "loss=nope"],
            "no column 'nope'",
        ),
        ([str(GADRE), str(GADRE), "--where", "dataset"], "COLUMN=VALUE"),
        ([str(GADRE), str(GADRE), "--confidence", "2"], "--confidence"),
        ([str(GADRE), str(GADRE), "--reach", "0.5"], "--reach must be >= 1"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, words):  # type: ignore[no-untyped-def]
    status, out, err = run(capsys, "compare", *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert words in err


def test_sweeps_whose_loss_columns_differ_are_refused(capsys, tmp_path):  # type: ignore[no-untyped-def]
    table = synthetic_sweep(EPOCH, 0.0, 0)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    table.drop(columns=["compute_flops"]).to_csv(a, index=False)
    table.drop(columns=["compute_flops"]).rename(columns={"loss": "val_loss"}).to_csv(
        b, index=False
    )
    status, _, err = run(capsys, "compare", str(a), str(b))
    assert status == 2
    assert "share no loss column" in err and "'loss'" in err and "'val_loss'" in err


def test_compare_offers_no_run_list_flag(capsys) -> None:
    """`compare` prints no run list, so it takes no --verbose (it was accepted and did nothing):
    exit 2, the flag named."""
    assert main(["compare", "a.csv", "b.csv", "--verbose"]) == 2
    assert "--verbose" in capsys.readouterr().err
