"""Porian et al. 2024's IsoFLOP estimator: Akima minima, a seed-noise bootstrap, a weighted fit.

Porian et al., "Resolving Discrepancies in Compute-Optimal Scaling of Language Models",
arXiv:2406.19146, 2024, section 2 and Appendix; the procedure follows the description of
their ``analysis.py`` (repository ``formll/resolving-scaling-law-discrepancies``), written here
from that description:

1. Per budget, log L is interpolated against log N by an Akima spline
   (`scipy.interpolate.Akima1DInterpolator`) through the lowest loss at each sampled size,
   evaluated on a log grid of ``grid_per_gap``·(k − 1) points between the smallest and the
   largest of the k sizes; the minimum on the grid is N*(C).  A minimum on the grid's first or
   last point is on the sweep's edge and the budget is left out.
2. Seed-noise bootstrap: ``n_bootstrap`` replicates add N(0, σ²) to every loss (σ in nats;
   the authors used 0.002 on RefinedWeb and 0.01 on OpenWebText2) and redo step 1.  Replicates
   whose minimum falls on the edge are discarded; a budget where more than half are is left
   out.  The point estimate of N*(C) is the median of the replicates' minima, and its spread
   σ_i = max(sd(log N*), ``min_spread``·(grid step)·``grid_per_gap``) · B / B_valid.
3. N*(C) = k·C^a by least squares in log-log with weights 1/σ_i².
4. The 95% interval of a: the same weighted fit repeated on the j-th valid replicate of every
   budget, where a replicate here combines both sources of error: the budget's sizes (the
   clusters of runs sharing (N, D)) are resampled with replacement and seed noise is added to
   their losses (the Akima minimum of the distinct sizes drawn; on the drawn edge or fewer than
   3 sizes drawn, no valid point).  These replicates use their own random stream, so steps 1-3,
   the point estimate, are those of the authors' estimator whatever the interval does.  The
   interval rests on the assumed seed noise σ, which the result names (``interval_assumes``).
   Porian et al. perturb the losses only; resampling the sizes widens the interval (by about
   a half on their points, README).

D*(C) = C/(6·N*), so b = 1 − a and its interval mirrors a's.

On the authors' released IsoFLOP points this reproduces all ten exponents of their Table 1
inside the published 95% intervals (tests/test_isoflop_porian.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scaling_core.fit.base import FLOPS_PER_PARAM_TOKEN, FitError, RunsLike
from scaling_core.fit.isoflop import ComputeOptimalFit
from scaling_core.fit.isoflop_budgets import (
    DEFAULT_SEED_NOISE,
    Budget,
    left_out_note,
    power_law,
    resample_sizes,
    seed_noise_text,
    split_budgets,
)

#: Grid points per gap between sampled sizes (``interp_num_multiplier`` in the authors' code).
GRID_PER_GAP: int = 25
#: Floor on the spread of log N*, in units of the mean gap between sampled log sizes.
MIN_SPREAD: float = 0.33


def _akima_minima(
    log_n: np.ndarray, log_loss: np.ndarray, grid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the grid minimum and the minimum log loss, per column of ``log_loss``."""
    from scipy.interpolate import Akima1DInterpolator  # here: 0.3 s of every CLI start

    values = Akima1DInterpolator(log_n, log_loss, axis=0)(grid)
    values = values.reshape(len(grid), -1)
    idx = np.argmin(values, axis=0)
    return idx, values[idx, np.arange(values.shape[1])]


def _budget_estimate(
    budget: Budget,
    seed_noise: float,
    n_bootstrap: int,
    rng: np.random.Generator,
    grid_per_gap: int,
    min_spread: float,
) -> dict | str:
    """N*(C) of one budget with its bootstrap replicates, or why it is left out."""
    reason = None if budget.n_sizes >= 3 else f"{budget.n_sizes} model size(s); need >= 3"
    if reason:
        return reason
    log_n = np.log(budget.n_params)
    grid = np.linspace(log_n[0], log_n[-1], (budget.n_sizes - 1) * grid_per_gap)
    idx, _ = _akima_minima(log_n, np.log(budget.loss), grid)
    edge = len(grid) - 1
    if idx[0] in (0, edge):
        where = "smallest" if idx[0] == 0 else "largest"
        return f"Akima minimum at the {where} sampled size; the optimum may lie beyond it"
    noisy = budget.loss[:, None] + seed_noise * rng.standard_normal((budget.n_sizes, n_bootstrap))
    if (noisy <= 0).any():
        return f"seed noise {seed_noise:g} makes some losses non-positive"
    rep_idx, rep_log_loss = _akima_minima(log_n, np.log(noisy), grid)
    valid = (rep_idx != 0) & (rep_idx != edge)
    if valid.sum() < n_bootstrap / 2:
        return (
            f"the minimum falls on the sweep's edge in {int((~valid).sum())} of "
            f"{n_bootstrap} seed-noise replicates"
        )
    stars = grid[rep_idx[valid]]
    floor = min_spread * grid_per_gap * (grid[1] - grid[0])
    spread = max(float(np.std(stars)), floor) * n_bootstrap / int(valid.sum())
    return {
        "log_n_star": float(np.median(stars)),
        "log_n_point": float(grid[idx[0]]),
        "loss": float(np.exp(np.median(rep_log_loss[valid]))),
        "spread": spread,
        "replicates": stars,
    }


def _akima_columns(log_n: np.ndarray, log_loss: np.ndarray, n_grid: int) -> np.ndarray:
    """Grid minima of Akima interpolants, one per column, each through its own sizes.

    ``log_n`` and ``log_loss`` are (k, R), ascending in each column; every column is evaluated on
    ``n_grid`` points from its smallest to its largest size.  Returns the grid index of each
    column's minimum.  Akima's slopes as in `scipy.interpolate.Akima1DInterpolator` (two
    extrapolated secant slopes at each end, the same 1e-9 break rule over the whole array), the
    cubic Hermite pieces written out so that columns with different sizes share one pass.
    """
    k, n_cols = log_n.shape
    dx = np.diff(log_n, axis=0)
    m = np.empty((k + 3, n_cols))
    m[2:-2] = np.diff(log_loss, axis=0) / dx
    m[1] = 2.0 * m[2] - m[3]
    m[0] = 2.0 * m[1] - m[2]
    m[-2] = 2.0 * m[-3] - m[-4]
    m[-1] = 2.0 * m[-2] - m[-3]
    slope = 0.5 * (m[3:] + m[:-3])
    dm = np.abs(np.diff(m, axis=0))
    f1, f2 = dm[2:], dm[:-2]
    f12 = f1 + f2
    defined = f12 > 1e-9 * (f12.max() if f12.size else -np.inf)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = m[1:-2] + (f2 / f12) * (m[2:-1] - m[1:-2])
    slope = np.where(defined, weighted, slope)
    frac = np.arange(n_grid)[:, None] / (n_grid - 1)
    grid = log_n[0] + (log_n[-1] - log_n[0]) * frac  # (G, R)
    grid[-1] = log_n[-1]
    piece = np.zeros(grid.shape, dtype=np.int64)
    for j in range(1, k - 1):
        piece += grid >= log_n[j]
    x0 = np.take_along_axis(log_n, piece, axis=0)
    h = np.take_along_axis(dx, piece, axis=0)
    y0 = np.take_along_axis(log_loss, piece, axis=0)
    y1 = np.take_along_axis(log_loss, piece + 1, axis=0)
    t0 = np.take_along_axis(slope, piece, axis=0)
    t1 = np.take_along_axis(slope, piece + 1, axis=0)
    u = (grid - x0) / h
    u2, u3 = u * u, u * u * u
    values = (
        y0 * (2 * u3 - 3 * u2 + 1)
        + h * t0 * (u3 - 2 * u2 + u)
        + y1 * (-2 * u3 + 3 * u2)
        + h * t1 * (u3 - u2)
    )
    return np.argmin(values, axis=0)


def _combined_minima(
    budget: Budget,
    seed_noise: float,
    n_bootstrap: int,
    rng: np.random.Generator,
    grid_per_gap: int,
) -> np.ndarray:
    """log N* of replicates that resample the budget's sizes and add seed noise (step 4).

    NaN where fewer than 3 distinct sizes are drawn or the Akima minimum falls on the edge of
    the sizes drawn (its grid has ``grid_per_gap`` points per gap between them, as in step 1).
    """
    k = budget.n_sizes
    log_n = np.log(budget.n_params)
    drawn = resample_sizes(k, n_bootstrap, rng) > 0  # (sizes, draws)
    noisy = budget.loss[:, None] + seed_noise * rng.standard_normal((k, n_bootstrap))
    with np.errstate(invalid="ignore", divide="ignore"):
        log_loss = np.log(noisy)
    n_drawn = drawn.sum(axis=0)
    order = np.argsort(~drawn, axis=0, kind="stable")  # drawn sizes first, ascending
    out = np.full(n_bootstrap, np.nan)
    for size in np.unique(n_drawn):
        cols = np.flatnonzero(n_drawn == size)
        if size < 3:
            continue
        rows = order[:size, cols]
        values = log_loss[rows, cols[None, :]]
        usable = np.isfinite(values).all(axis=0)
        cols, rows, values = cols[usable], rows[:, usable], values[:, usable]
        if not len(cols):
            continue
        n_grid = (int(size) - 1) * grid_per_gap
        idx = _akima_columns(log_n[rows], values, n_grid)
        valid = (idx != 0) & (idx != n_grid - 1)
        lo, hi = log_n[rows[0]], log_n[rows[-1]]
        out[cols[valid]] = lo[valid] + (hi[valid] - lo[valid]) * idx[valid] / (n_grid - 1)
    return out


def fit_isoflop_porian(
    runs: RunsLike,
    *,
    tolerance: float = 0.1,
    budget_column: str | None = None,
    seed_noise: float | None = None,
    n_bootstrap: int = 1000,
    min_budgets: int = 3,
    grid_per_gap: int = GRID_PER_GAP,
    min_spread: float = MIN_SPREAD,
    seed: int = 0,
) -> ComputeOptimalFit:
    """N_opt ∝ C^a by Porian et al. 2024's estimator (see the module docstring).

    ``seed_noise`` is the standard deviation of the loss between seeds, in nats (default
    `DEFAULT_SEED_NOISE`, 0.01; use 0.002 for Porian et al.'s RefinedWeb runs).
    Budgets are formed as in `fit_approach2`.  ``points`` columns: compute_flops, n_opt (the
    bootstrap median), n_opt_point (the minimum of the unperturbed spline), d_opt, loss,
    n_runs, log_n_spread (σ_i).  Fewer than ``min_budgets`` usable budgets raise `FitError`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rows = [(c, n, 1.8 + 480 / n**0.35 + 2000 / (c / (6 * n))**0.37)
    ...         for c in (1e18, 4e18, 1.6e19, 6.4e19) for n in np.geomspace(2e7, 2e9, 9)]
    >>> runs = pd.DataFrame(rows, columns=["compute_flops", "n_params", "loss"])
    >>> fit = fit_isoflop_porian(runs, seed_noise=0.002, n_bootstrap=200)
    >>> round(fit.a, 2)
    0.51
    """
    if n_bootstrap < 20:
        raise FitError(f"n_bootstrap must be >= 20 for the seed-noise bootstrap, got {n_bootstrap}")
    if seed_noise is not None and not (math.isfinite(seed_noise) and seed_noise > 0):
        raise FitError(f"seed_noise must be a positive number of nats, got {seed_noise!r}")
    budgets = split_budgets(runs, tolerance=tolerance, budget_column=budget_column)
    assumed = " (assumed default)" if seed_noise is None else ""
    if seed_noise is None:
        seed_noise = DEFAULT_SEED_NOISE
    rng = np.random.default_rng(seed)
    interval_rng = np.random.default_rng((seed, 1))  # step 4's own stream: step 1-3 unchanged
    rows, table, replicates = [], [], []
    for budget in budgets:
        result = _budget_estimate(budget, seed_noise, n_bootstrap, rng, grid_per_gap, min_spread)
        used = not isinstance(result, str)
        table.append(
            {
                "compute_flops": budget.compute_flops,
                "n_runs": budget.n_runs,
                "n_sizes": budget.n_sizes,
                "n_min": float(budget.n_params[0]),
                "n_max": float(budget.n_params[-1]),
                "used": used,
                "n_opt": math.exp(result["log_n_star"]) if used else math.nan,
                "reason": "" if used else result,
            }
        )
        if not used:
            continue
        n_opt = math.exp(result["log_n_star"])
        rows.append(
            {
                "compute_flops": budget.compute_flops,
                "n_opt": n_opt,
                "n_opt_point": math.exp(result["log_n_point"]),
                "d_opt": budget.compute_flops / (FLOPS_PER_PARAM_TOKEN * n_opt),
                "loss": result["loss"],
                "n_runs": budget.n_runs,
                "log_n_spread": result["spread"],
            }
        )
        combined = _combined_minima(budget, seed_noise, n_bootstrap, interval_rng, grid_per_gap)
        replicates.append(combined[np.isfinite(combined)])
    budget_table = pd.DataFrame(table)
    left_out = budget_table.loc[~budget_table["used"]] if len(table) else budget_table
    points = pd.DataFrame(rows)
    if len(points) < max(min_budgets, 2):
        detail = "; ".join(f"{r.compute_flops:.3g}: {r.reason}" for r in left_out.itertuples())
        raise FitError(
            f"the Akima IsoFLOP estimator needs >= {max(min_budgets, 2)} budgets whose minimum "
            f"lies inside the sampled sizes; found {len(points)} of {len(budgets)}"
            + (f" ({detail})" if detail else "")
        )
    compute = points["compute_flops"].to_numpy()
    spread = points["log_n_spread"].to_numpy()
    a, k_n = power_law(compute, points["n_opt"].to_numpy(), spread)
    b, k_d = power_law(compute, points["d_opt"].to_numpy(), spread)
    depth = min(len(r) for r in replicates)
    log_c = np.log(compute)
    notes = [
        left_out_note(left_out, len(points)),
        f"seed noise {seed_noise:.3g} nats{assumed}, {n_bootstrap} replicates",
    ]
    a_ci: tuple[float, float] | None = None
    if depth >= max(20, n_bootstrap // 4):
        stacked = np.stack([r[:depth] for r in replicates])  # budgets × replicates
        exps = np.polyfit(log_c, stacked, 1, w=1.0 / spread)[0]
        a_ci = (float(np.quantile(exps, 0.025)), float(np.quantile(exps, 0.975)))
    else:
        notes.append(
            f"no interval: a budget's minimum lies inside the sizes drawn in only {depth} of "
            f"{n_bootstrap} resamples"
        )
    return ComputeOptimalFit(
        2,
        points,
        a,
        k_n,
        b,
        k_d,
        tuple(notes),
        method="akima",
        budgets=budget_table,
        a_interval=a_ci,
        b_interval=None if a_ci is None else (1.0 - a_ci[1], 1.0 - a_ci[0]),
        n_bootstrap=n_bootstrap,
        seed_noise=seed_noise,
        interval_basis=(
            f"{depth} replicates, each resampling every budget's sizes (clusters of runs "
            "sharing (N, D)) with seed noise added"
        ),
        interval_assumes=seed_noise_text(seed_noise, bool(assumed)),
    )


def akima_profile(
    n_params: np.ndarray, loss: np.ndarray, n_points: int = 80
) -> tuple[np.ndarray, np.ndarray]:
    """The Akima interpolant of log L against log N through one budget's points, for drawing.

    Several runs at one size are reduced to the lowest loss, as in the estimator.  Returns
    (N on a log grid between the smallest and largest size, with every run's size among the
    grid's nodes so that the drawn line meets the points, L there).
    """
    table = pd.DataFrame({"n": np.asarray(n_params, float), "loss": np.asarray(loss, float)})
    best = table.groupby("n", sort=True)["loss"].min()
    log_n = np.log(best.index.to_numpy(dtype=float))
    if len(log_n) < 3:
        return np.exp(log_n), best.to_numpy(dtype=float)
    grid = np.union1d(np.linspace(log_n[0], log_n[-1], n_points), log_n)
    from scipy.interpolate import Akima1DInterpolator

    values = Akima1DInterpolator(log_n, np.log(best.to_numpy(dtype=float)))(grid)
    return np.exp(grid), np.exp(values)
