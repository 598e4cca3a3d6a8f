"""IsoFLOP analysis on real sweeps: Porian et al. 2024's Table 1 from their released points.

Table 1 of arXiv:2406.19146 (exponent a of N_opt ∝ C^a, 95% bootstrap interval), five steps on
RefinedWeb and OpenWebText2, recomputed from ``sample_data/real/porian-2024/`` with
(1) Porian et al.'s estimator (Akima minima, seed-noise bootstrap, weighted fit) and
(2) our default Approach 2 (parabolas around the best size, edge budgets left out).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_core.fit import FitError, fit_approach2
from scaling_core.fit.isoflop_budgets import split_budgets
from scaling_core.fit.isoflop_porian import fit_isoflop_porian
from scaling_core.fit.sweeps import parse_where, select_rows, sweep_columns
from scaling_core.porian import PORIAN_SEED_NOISE, PORIAN_TABLE1, table1_where
from scaling_core.runs import read_run_log

POINTS = (
    Path(__file__).resolve().parents[1]
    / "sample_data/real/porian-2024/porian2024_isoflop_points.csv"
)
CASES = [(step, dataset) for step in PORIAN_TABLE1 for dataset in ("rw", "owt2")]


@pytest.fixture(scope="module")
def porian_runs() -> pd.DataFrame:
    return read_run_log(POINTS).runs


def _published(step, dataset: str) -> tuple[float, tuple[float, float]]:
    if dataset == "rw":
        return step.a_refinedweb, step.a_refinedweb_interval
    return step.a_owt2, step.a_owt2_interval


@pytest.mark.parametrize(("step", "dataset"), CASES, ids=[f"{s.key_suffix}-{d}" for s, d in CASES])
def test_porian_estimator_reproduces_table1_inside_the_published_interval(
    porian_runs: pd.DataFrame, step, dataset: str
) -> None:
    sweep = select_rows(porian_runs, table1_where(step.key_suffix, dataset))
    fit = fit_isoflop_porian(sweep, seed_noise=PORIAN_SEED_NOISE[dataset], n_bootstrap=1000)
    a, (lo, hi) = _published(step, dataset)
    assert lo <= fit.a <= hi, (fit.a, a, fit.notes)
    assert fit.a == pytest.approx(a, abs=0.002)  # seed 0; across seeds see the test below
    # our 95% interval holds the paper's value; it also resamples each budget's sizes, which
    # the authors' seed-noise-only bootstrap does not, so it is wider: measured 1.1-4.1 times
    # the paper's width (their design alone gave 0.75-1.4), most on RefinedWeb's sigma 0.002
    assert fit.a_interval[0] <= a <= fit.a_interval[1]
    assert 0.9 < (fit.a_interval[1] - fit.a_interval[0]) / (hi - lo) < 4.5
    assert fit.interval_assumes == f"assumes seed noise sigma = {PORIAN_SEED_NOISE[dataset]:g} nats"
    assert fit.b == pytest.approx(1 - fit.a, abs=1e-9)
    n_budgets = sweep["compute_flops"].nunique()
    assert fit.budgets_used >= n_budgets - 2
    assert fit.budgets_used + len(fit.budgets_left_out) == n_budgets


def test_porian_estimator_within_0003_of_table1_across_bootstrap_seeds(
    porian_runs: pd.DataFrame,
) -> None:
    """The estimator's point is the median of its seed-noise bootstrap, so it moves with the
    seed: within 0.002 of all ten Table 1 values at seed 0, at most 0.003 over seeds 0-4
    (measured 0.0018 and 0.0026); README and this test say the same."""
    worst = 0.0
    for step, dataset in CASES:
        sweep = select_rows(porian_runs, table1_where(step.key_suffix, dataset))
        a, _ = _published(step, dataset)
        for seed in range(5):
            fit = fit_isoflop_porian(
                sweep, seed_noise=PORIAN_SEED_NOISE[dataset], n_bootstrap=1000, seed=seed
            )
            worst = max(worst, abs(fit.a - a))
    assert worst <= 0.003, worst
    assert worst > 0.002  # the seed matters: one seed alone would overstate the agreement


@pytest.mark.parametrize(("step", "dataset"), CASES, ids=[f"{s.key_suffix}-{d}" for s, d in CASES])
def test_default_approach2_is_within_003_of_table1_and_names_budgets_left_out(
    porian_runs: pd.DataFrame, step, dataset: str
) -> None:
    sweep = select_rows(porian_runs, table1_where(step.key_suffix, dataset))
    fit = fit_approach2(sweep)
    a, _ = _published(step, dataset)
    assert fit.a == pytest.approx(a, abs=0.023)  # README: within 0.023 (measured 0.0222)
    n_budgets = sweep["compute_flops"].nunique()
    assert fit.notes[0].startswith(f"{fit.budgets_used} of {n_budgets} budgets carry the fit")
    for row in fit.budgets_left_out.itertuples():
        assert f"{row.compute_flops:.3g} (" in fit.notes[0] and row.reason


def test_head_step_leaves_out_the_budgets_whose_minimum_is_at_the_smallest_size(
    porian_runs: pd.DataFrame,
) -> None:
    sweep = select_rows(porian_runs, table1_where("head", "rw"))
    edge = [b for b in split_budgets(sweep) if b.edge_reason() is not None]
    assert [b.compute_flops for b in edge] == [1.25e16, 2.5e16]
    assert all("smallest sampled size (5.17e+06)" in b.edge_reason() for b in edge)
    fit = fit_approach2(sweep)
    assert fit.budgets_left_out["compute_flops"].tolist() == [1.25e16, 2.5e16]
    assert fit.notes[0].startswith("10 of 12 budgets carry the fit; left out: 1.25e+16 (lowest")
    # a parabola through every point of every budget is what gave a = 1.04 (paper 0.706)
    old = fit_approach2(sweep, window=None, min_budgets=2)
    assert old.a - 0.706 > 0.05 and abs(fit.a - 0.706) < 0.03


def test_approach2_refuses_when_too_few_budgets_remain() -> None:
    n = np.geomspace(1e7, 1e9, 7)
    rows = []
    for c in (1e18, 1e19, 1e20):
        for size in n:
            d = c / (6 * size)
            # loss falls monotonically with N: every minimum on the largest size
            rows.append((size, d, 2.0 + 1e3 / size**0.3 + 10 / d**0.1))
    runs = pd.DataFrame(rows, columns=["n_params", "n_tokens", "loss"])
    with pytest.raises(FitError, match=r"found 0 of 3.*largest sampled size"):
        fit_approach2(runs)
    with pytest.raises(FitError, match="found 0 of 3"):
        fit_isoflop_porian(runs, n_bootstrap=50)


def test_porian_estimator_recovers_a_known_exponent_and_its_interval_covers_it() -> None:
    rng = np.random.default_rng(3)
    e, a_, b_, alpha, beta = 1.8172, 482.01, 2085.43, 0.3478, 0.3658
    rows = []
    for c in np.geomspace(1e18, 1e21, 7):
        n_mid = (c / 120) ** 0.5
        for size in n_mid * np.geomspace(1 / 8, 8, 11):
            d = c / (6 * size)
            loss = e + a_ / size**alpha + b_ / d**beta + 0.003 * rng.standard_normal()
            rows.append((c, size, d, loss))
    runs = pd.DataFrame(rows, columns=["compute_flops", "n_params", "n_tokens", "loss"])
    truth = beta / (alpha + beta)
    fit = fit_isoflop_porian(runs, seed_noise=0.003, n_bootstrap=500)
    assert fit.a == pytest.approx(truth, abs=0.02)
    assert fit.a_interval[0] <= truth <= fit.a_interval[1]
    boot = fit_approach2(runs, n_bootstrap=300, seed_noise=0.003)
    assert boot.a == pytest.approx(truth, abs=0.02)
    assert boot.a_interval[0] <= truth <= boot.a_interval[1]
    assert boot.b_interval == pytest.approx((1 - boot.a_interval[1], 1 - boot.a_interval[0]))


def test_select_rows_messages_and_where_parsing(porian_runs: pd.DataFrame) -> None:
    assert parse_where(["dataset=rw", " loss_type = val "]) == {"dataset": "rw", "loss_type": "val"}
    with pytest.raises(FitError, match="COLUMN=VALUE"):
        parse_where(["dataset"])
    with pytest.raises(FitError, match="no column 'datset'"):
        select_rows(porian_runs, {"datset": "rw"})
    with pytest.raises(FitError, match=r"no value 'c4' \(values: owt2, rw\)"):
        select_rows(porian_runs, {"dataset": "c4"})
    with pytest.raises(FitError, match="no row has all of"):
        select_rows(porian_runs, {"dataset": "owt2", "counting": "attention"})
    assert len(select_rows(porian_runs, {"compute_flops": "1.25e16"})) == len(
        porian_runs[porian_runs["compute_flops"] == 1.25e16]
    )
    assert set(sweep_columns(porian_runs)) >= {"dataset", "hparams", "counting", "loss_type"}
    # 15 configurations in the file, as the release says
    keys = ["dataset", "hparams", "warmup", "decay", "counting", "loss_type"]
    assert porian_runs.groupby(keys).ngroups == 15


def test_columnwise_akima_minima_match_scipys_interpolator() -> None:
    """The interval's replicates find Akima minima column by column (each its own sizes); on
    shared sizes they must equal scipy's Akima1DInterpolator, the point estimate's spline."""
    from scaling_core.fit.isoflop_porian import _akima_columns, _akima_minima

    rng = np.random.default_rng(0)
    for _ in range(50):
        k = int(rng.integers(3, 12))
        log_n = np.sort(rng.uniform(15, 22, k))
        log_loss = 0.02 * (log_n - log_n.mean())[:, None] ** 2 + 0.003 * rng.standard_normal(
            (k, 40)
        )
        grid = np.linspace(log_n[0], log_n[-1], (k - 1) * 25)
        scipy_idx, _ = _akima_minima(log_n, log_loss, grid)
        ours = _akima_columns(np.repeat(log_n[:, None], 40, axis=1), log_loss, len(grid))
        assert (ours == scipy_idx).all()
