"""IsoFLOP charts drawn where the points are (issue 21, item 5).

The fit page's IsoFLOP chart draws the fitted law along each group of runs.  Its runs share
a compute budget (or D, or D/N) only to within 10 % (half a decade for bins), so a curve at
the group's centre value sat off its points by up to 1.75 % on Porian et al.'s sweep although
the fit is exact there.  These tests read the figure's traces, as a reader reads the chart,
and check that the curve meets each point where the fitted law, evaluated independently at
that run's own N and D, puts it: the gap between a point and its curve is then the fit's
residual and nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from charts.fit import isoflop_figure
from charts.isoflop import BudgetProfile, profiles_figure
from dashboard import fit_groups as fg
from dashboard import fit_session as fs
from scaling_core.fit.isoflop_budgets import split_budgets
from scaling_core.fit.isoflop_porian import akima_profile
from scaling_core.published import SWEEPS_BY_KEY


def _drawn_at(line_x: np.ndarray, line_y: np.ndarray, n_params: float) -> float:
    """The line's height at ``n_params`` as Plotly draws it on a log x axis: straight
    segments between its vertices in log N."""
    return float(np.interp(np.log(n_params), np.log(line_x), line_y))


def _fitted(sweep_key: str) -> fs.FitOutcome:
    sweep = SWEEPS_BY_KEY[sweep_key]
    log = fs.read_upload(sweep.file.read_bytes())
    where = tuple(sweep.default_where.items())
    points, _ = fs.auto_points(log, where)
    outcome = fs.fit_log(log, fs.FitOptions(where=where, points=points))
    assert outcome.result is not None, outcome.fit_error
    return outcome


#: Compute groups (Porian), ratio groups and same-N-at-several-C bins (Gadre, OLMo), snapshots
#: of learning curves (OLMo, Pythia); every grouping is also forced on each.
SWEEPS = ("porian-2024", "gadre-2024", "olmo-ladder", "pythia")


@pytest.mark.parametrize("sweep_key", SWEEPS)
def test_fit_page_isoflop_curves_pass_through_the_law_at_each_runs_own_n_and_d(
    sweep_key: str,
) -> None:
    outcome = _fitted(sweep_key)
    result = outcome.result
    assert result is not None
    checked = 0
    for how in ("auto", "compute", "tokens", "ratio", "bins"):
        if how == "bins":  # the page bins only when nothing else groups; force it here
            table, kind = outcome.table, "bins"
            groups = fg.isoflop_groups(table, result, "bins")
        else:
            groups, kind = fg.isoflop_view(outcome.log, outcome.table, result, how)
            table = fs.snapshot_table(outcome.log.curves) if kind == "snapshots" else outcome.table
        own = {
            str(r): (float(n), float(d), float(loss))
            for r, n, d, loss in zip(
                table["run"], table["n_params"], table["n_tokens"], table["loss"], strict=True
            )
        }
        fig = isoflop_figure(groups)
        for group in groups:
            lines = [t for t in fig.data if t.mode == "lines" and t.legendgroup == group.label]
            assert len(lines) == 1, (sweep_key, how, group.label)
            line_x = np.asarray(lines[0].x, dtype=float)
            line_y = np.asarray(lines[0].y, dtype=float)
            points = [
                t
                for t in fig.data
                if t.mode == "markers"
                and t.legendgroup == group.label
                and t.customdata is not None
                and np.ndim(t.customdata) == 2
            ]
            for trace in points:
                for x, y, custom in zip(trace.x, trace.y, trace.customdata, strict=True):
                    n_params, n_tokens, measured = own[str(custom[0])]
                    assert x == pytest.approx(n_params, rel=1e-12)
                    law = float(result.predict(n_params=n_params, n_tokens=n_tokens))
                    drawn = _drawn_at(line_x, line_y, x)
                    where = (sweep_key, kind, custom[0])
                    # point-to-curve on the chart = the run's residual, measured - L_fit(N, D)
                    assert y - drawn == pytest.approx(measured - law, abs=1e-9), where
                    if kind == "bins":  # moved to the bin's C; the hover keeps the measured
                        assert custom[2] == f"{measured:.4f}", where
                    else:  # drawn as measured, the curve through the law at its own N, D
                        assert y == measured and drawn == pytest.approx(law, rel=1e-9), where
                    checked += 1
    assert checked > 0


def test_porian_profiles_meet_the_lowest_loss_at_each_size() -> None:
    """The frontier page's IsoFLOP profiles of Porian et al.'s points: the Akima curve of a
    budget meets the lowest loss at each of its sizes (the points the estimator uses)."""
    sweep = SWEEPS_BY_KEY["porian-2024"]
    log = fs.read_upload(sweep.file.read_bytes())
    selected = fs.select_log(log, dict(sweep.default_where)).runs
    budgets = split_budgets(selected)
    assert len(budgets) >= 8
    profiles = []
    for budget in budgets:
        curve_n, curve_loss = akima_profile(budget.n_params, budget.loss)
        profiles.append(
            BudgetProfile(
                budget.compute_flops, budget.n_params, budget.loss, curve_n, curve_loss, 1.0
            )
        )
    fig = profiles_figure(profiles, title="t")
    lines = [t for t in fig.data if t.mode == "lines"]
    markers = [t for t in fig.data if t.mode == "markers" and t.name]
    assert len(lines) == len(markers) == len(budgets)
    for line, points in zip(lines, markers, strict=True):
        lowest = pd.Series(points.y, index=points.x).groupby(level=0).min()
        if len(lowest) < 3:
            continue
        for n_params, loss in lowest.items():
            drawn = _drawn_at(np.asarray(line.x), np.asarray(line.y), float(n_params))
            assert drawn == pytest.approx(loss, rel=1e-9)
