"""Cached IsoFLOP analyses of the shipped real sweeps, packed for `charts.isoflop`.

The numbers come from `scaling_core.published.porian_live` (Porian et al. 2024's Table 1 recomputed from
their released points) and `scaling_core.fit`; the first call takes about 2 s, later reruns
read the cache.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from charts.frontier import LawCurve
from charts.isoflop import STEP_COLOURS, BudgetProfile, OptimaSeries, Table1Cell
from dashboard.state import available_laws
from scaling_core.allocation import compute_optimal
from scaling_core.fit import FitError
from scaling_core.fit.isoflop_budgets import split_budgets
from scaling_core.fit.isoflop_porian import akima_profile
from scaling_core.fit.rollout import RolloutResult
from scaling_core.porian import PORIAN_DATASETS, PORIAN_TABLE1
from scaling_core.published import SWEEPS_BY_KEY
from scaling_core.published.fits import (
    SweepFit,
    fit_sweep,
    read_sweep,
    sweep_rollout,
    sweep_runs,
)
from scaling_core.published.porian_live import LiveStep, live_table1, read_points

LETTERS = "abcde"


@st.cache_resource(show_spinner="Recomputing Porian et al.'s Table 1 from their points…")
def live_steps(method: str = "akima") -> list[LiveStep]:
    """Every Table 1 step on both datasets, fitted from the released points (cached once per
    server as shared objects, read-only: st.cache_data would unpickle the fits, their points
    and bootstrap replicates on each of the page's four calls per rerun)."""
    return live_table1(read_points(), method=method, n_bootstrap=1000)


def table1_cells(method: str = "akima") -> list[Table1Cell]:
    """The paper's a beside ours, per step and dataset."""
    cells = []
    for live in live_steps(method):
        a, interval = live.published
        fit = live.fit
        cells.append(
            Table1Cell(
                step_title=f"({LETTERS[PORIAN_TABLE1.index(live.step)]}) {live.step.title}",
                dataset=PORIAN_DATASETS[live.dataset],
                paper_a=a,
                paper_interval=interval,
                our_a=fit.a,
                our_interval=fit.a_interval,
                budgets_used=fit.budgets_used,
                budgets_total=len(fit.budgets) if fit.budgets is not None else fit.budgets_used,
            )
        )
    return cells


def interval_assumptions(method: str = "akima") -> dict[str, str]:
    """What our Table 1 intervals rest on, per dataset ("assumes seed noise sigma = 0.002 nats")."""
    return {live.dataset: live.fit.interval_assumes for live in live_steps(method)}


def optima_series(dataset: str, upto: int, method: str = "akima") -> list[OptimaSeries]:
    """N*(C) of the first ``upto`` steps on one dataset, labelled with our a and interval."""
    out = []
    for live in live_steps(method):
        index = PORIAN_TABLE1.index(live.step)
        if live.dataset != dataset or index >= upto:
            continue
        fit = live.fit
        ci = f" ({fit.a_interval[0]:.2f}-{fit.a_interval[1]:.2f})" if fit.a_interval else ""
        spread = fit.points["log_n_spread"].to_numpy() if "log_n_spread" in fit.points else None
        out.append(
            OptimaSeries(
                label=f"({LETTERS[index]}) {live.step.title}: a = {fit.a:.3f}{ci}",
                compute_flops=fit.points["compute_flops"].to_numpy(),
                n_opt=fit.points["n_opt"].to_numpy(),
                log_spread=spread,
                a=fit.a,
                coefficient=fit.n_coefficient,
                colour=STEP_COLOURS[index],
            )
        )
    return out


@st.cache_data(show_spinner=False)
def budget_profiles(step_key: str, dataset: str, method: str = "akima") -> list[BudgetProfile]:
    """The IsoFLOP profiles of one step: every budget's runs, its Akima curve and N* (cached)."""
    live = next(
        s for s in live_steps(method) if s.step.key_suffix == step_key and s.dataset == dataset
    )
    table = live.fit.budgets
    by_c = {row.compute_flops: row for row in table.itertuples()}
    out = []
    for budget in split_budgets(live.points):
        row = by_c.get(budget.compute_flops)
        curve_n, curve_loss = akima_profile(budget.n_params, budget.loss)
        used = row is not None and bool(row.used)
        out.append(
            BudgetProfile(
                compute_flops=budget.compute_flops,
                n_params=budget.n_params,
                loss=budget.loss,
                curve_n=curve_n,
                curve_loss=curve_loss,
                n_opt=float(row.n_opt) if used else None,
                reason="" if used or row is None else str(row.reason),
            )
        )
    return out


def spread_of_moves(method: str = "akima") -> dict[str, float]:
    """How far a moves from the Kaplan reproduction to the tuned step, per dataset."""
    steps = live_steps(method)
    out = {}
    for dataset in PORIAN_DATASETS:
        mine = [s for s in steps if s.dataset == dataset]
        out[dataset] = float(mine[0].fit.a - mine[-1].fit.a)
    return out


# --------------------------------------------------------------------------- published sweeps


@st.cache_data(show_spinner="Reading the sweep…")
def sweep_table(key: str) -> pd.DataFrame:
    """The finished runs of a shipped sweep, every column kept (cached)."""
    return read_sweep(SWEEPS_BY_KEY[key])


@st.cache_data(show_spinner="Fitting the Chinchilla form with bootstrap intervals…", max_entries=64)
def sweep_fit(
    key: str, where: tuple[tuple[str, str], ...], loss_column: str, n_boot: int
) -> SweepFit | str:
    """`fit_sweep` of one sweep choice, or the reason it cannot be fitted (cached)."""
    sweep = SWEEPS_BY_KEY[key]
    try:
        table = sweep_runs(sweep_table(key), dict(where), loss_column)
        return fit_sweep(table, n_boot=n_boot, holdout_below=sweep.holdout_below)
    except FitError as exc:
        return str(exc)


@st.cache_data(show_spinner="Rolling the fit out over the sweep's sizes…", max_entries=64)
def sweep_rollout_result(
    key: str, where: tuple[tuple[str, str], ...], loss_column: str
) -> RolloutResult | str:
    """`sweep_rollout` of one sweep choice, or the reason there is none (cached)."""
    try:
        return sweep_rollout(sweep_runs(sweep_table(key), dict(where), loss_column))
    except FitError as exc:
        return str(exc)


def fit_curve(key: str, label: str, result: SweepFit) -> LawCurve:
    """The frontier implied by a sweep's fit, for `charts.frontier.frontier_figure`."""
    compute = np.geomspace(*PUBLISHED_RANGE, 60)
    n_opt, d_opt = result.fit.compute_optimal(compute)
    loss = result.fit.predict(n_params=n_opt, n_tokens=d_opt)
    return LawCurve(key, label, compute, np.asarray(n_opt), np.asarray(d_opt), np.asarray(loss))


def law_frontier(key: str) -> LawCurve:
    """A published (or the session's) law's frontier over the same budgets."""
    law = available_laws()[key]
    compute = np.geomspace(*PUBLISHED_RANGE, 60)
    optimum = compute_optimal(law, compute)
    return LawCurve(
        key,
        law.label,
        compute,
        np.asarray(optimum.n_params),
        np.asarray(optimum.n_tokens),
        np.asarray(optimum.loss),
    )


#: Budgets the published-sweeps page draws, FLOP.
PUBLISHED_RANGE: tuple[float, float] = (1e18, 1e25)
