"""IsoFLOP approaches of Hoffmann et al. 2022: Approach 1 (envelope of learning curves, section 3.1)
and Approach 2 (parabolas of loss against log N at fixed compute, section 3.2), giving N_opt ∝ C^a.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scaling_core.fit.base import FLOPS_PER_PARAM_TOKEN, YOUR_RUNS, FitError, RunsLike
from scaling_core.fit.isoflop_budgets import (
    DEFAULT_SEED_NOISE,
    Budget,
    left_out_note,
    power_law,
    resample_sizes,
    seed_noise_text,
    split_budgets,
)
from scaling_core.laws import (
    HOFFMANN_2022,
    PORIAN_2024,
    FloatArray,
    PowerLawAllocation,
    Source,
)


@dataclass(frozen=True)
class ComputeOptimalFit:
    """N_opt(C) = k_N·C^a and D_opt(C) = k_D·C^b from Approach 1 or 2 (Hoffmann et al. 2022).

    ``points`` holds the per-budget optima (compute_flops, n_opt, d_opt, loss, ...), the data
    the power laws were fitted to by least squares in log-log.  ``method`` says how each
    budget's optimum was found (``"envelope"`` for Approach 1, ``"parabola"`` for Hoffmann et
    al.'s Approach 2, ``"akima"`` for Porian et al. 2024's estimator).  ``budgets`` lists every
    budget seen, used or left out with the reason; ``a_interval`` and ``b_interval`` are 95%
    bootstrap intervals when a bootstrap was run (``n_bootstrap`` replicates, seed noise
    ``seed_noise`` nats); ``interval_basis`` says how they were made and ``interval_assumes``
    what they rest on ("assumes seed noise sigma = 0.002 nats").
    """

    approach: int
    points: pd.DataFrame
    a: float
    n_coefficient: float
    b: float
    d_coefficient: float
    notes: tuple[str, ...] = ()
    method: str = "parabola"
    budgets: pd.DataFrame | None = None
    a_interval: tuple[float, float] | None = None
    b_interval: tuple[float, float] | None = None
    n_bootstrap: int = 0
    seed_noise: float | None = None
    interval_basis: str = ""
    interval_assumes: str = ""

    def n_opt(self, compute_flops: ArrayLike) -> FloatArray:
        """N_opt(C) = k_N·C^a parameters (C in FLOP)."""
        return self.n_coefficient * np.power(np.asarray(compute_flops, dtype=float), self.a)

    def d_opt(self, compute_flops: ArrayLike) -> FloatArray:
        """D_opt(C) = k_D·C^b tokens (C in FLOP)."""
        return self.d_coefficient * np.power(np.asarray(compute_flops, dtype=float), self.b)

    @property
    def budgets_used(self) -> int:
        """Number of budgets whose optimum carries the power-law fit."""
        return len(self.points)

    @property
    def budgets_left_out(self) -> pd.DataFrame:
        """The budgets left out (compute_flops, reason); empty when none were."""
        if self.budgets is None:
            return pd.DataFrame({"compute_flops": [], "reason": []})
        out = self.budgets.loc[~self.budgets["used"], ["compute_flops", "reason"]]
        return out.reset_index(drop=True)

    @property
    def law(self) -> PowerLawAllocation:
        """The allocation as a `PowerLawAllocation` (key ``your-fit-approach{1,2}`` or ``-porian``)."""
        if self.method == "akima":
            key, label = "your-fit-porian", "Your fit (IsoFLOP, Porian et al.'s estimator)"
            where = f"Akima IsoFLOP minima as in {PORIAN_2024.split(',')[0]}"
        else:
            key, label = f"your-fit-approach{self.approach}", f"Your fit (Approach {self.approach})"
            where = {
                1: "Approach 1 (envelope of learning curves, section 3.1)",
                2: "Approach 2 (IsoFLOP parabolas, section 3.2)",
            }[self.approach] + f" of {HOFFMANN_2022.split(',')[0]}"
        return PowerLawAllocation(
            key=key,
            label=label,
            a=self.a,
            coefficient=self.n_coefficient,
            source=Source(YOUR_RUNS, "", where),
            counts="as counted in your runs",
        )

    def report(self) -> str:
        """Text summary."""
        name = {"akima": "IsoFLOP, Akima minima (Porian et al. 2024)"}.get(
            self.method, f"Approach {self.approach}"
        )
        lines = [f"[[{name}]] {len(self.points)} compute points"]
        a_ci = (
            f" (95% {self.a_interval[0]:.3f}-{self.a_interval[1]:.3f})" if self.a_interval else ""
        )
        b_ci = (
            f" (95% {self.b_interval[0]:.3f}-{self.b_interval[1]:.3f})" if self.b_interval else ""
        )
        lines += [
            f"    N_opt = {self.n_coefficient:.4g} * C^{self.a:.4f}{a_ci}",
            f"    D_opt = {self.d_coefficient:.4g} * C^{self.b:.4f}{b_ci}",
        ]
        if self.a_interval:
            lines.append(f"    intervals: {self.interval_basis}; {self.interval_assumes}")
        lines += [f"    note: {note}" for note in self.notes]
        return "\n".join(lines)


def _power_law(compute: FloatArray, values: FloatArray) -> tuple[float, float]:
    return power_law(compute, values)


def _window_parabola(
    budget: Budget, window: float | None
) -> tuple[np.ndarray, float, float, float] | str:
    """The sizes used, N_opt, the loss there and the curvature; or why there is no minimum."""
    u = np.log(budget.n_params)
    best = int(np.argmin(budget.loss))
    near = (
        np.ones(len(u), dtype=bool) if window is None else np.abs(u - u[best]) <= math.log(window)
    )
    if near.sum() < 3:
        return f"{int(near.sum())} sizes within a factor {window:g} of the best; need >= 3"
    c2, c1, c0 = np.polyfit(u[near], budget.loss[near], 2)
    if not c2 > 0:
        return "the parabola has no minimum (profile not convex)"
    u_opt = -c1 / (2 * c2)
    if not u[near].min() <= u_opt <= u[near].max():
        return f"the parabola's minimum ({math.exp(u_opt):.3g}) lies outside the sizes fitted"
    return near, math.exp(u_opt), float(c0 + c1 * u_opt + c2 * u_opt**2), float(c2)


def fit_approach2(
    runs: RunsLike,
    *,
    tolerance: float = 0.1,
    budget_column: str | None = None,
    min_runs: int = 3,
    window: float | None = 8.0,
    min_budgets: int = 3,
    n_bootstrap: int = 0,
    seed_noise: float | None = None,
    seed: int = 0,
) -> ComputeOptimalFit:
    """Approach 2 of Hoffmann et al. 2022 (section 3.2): IsoFLOP profiles.

    Runs are grouped by compute budget (``budget_column`` when given, else runs whose
    C = 6ND agree within ``tolerance``).  A budget is left out, with the reason in
    ``budgets`` and ``notes``, when it has fewer than ``min_runs`` runs or 3 sizes, when its
    lowest loss is at the smallest or largest sampled size (the optimum lies at or beyond the
    sweep's edge), or when its parabola has no minimum inside the sizes fitted.  For the
    others a parabola L = c₀ + c₁·log N + c₂·(log N)² is fitted by least squares to the sizes
    within a factor ``window`` of the best one (None: all sizes; the default 8 keeps a typical
    sweep whole and trims the far wings of very wide ones, where an IsoFLOP profile is not a
    parabola); its minimum gives N_opt(C) = exp(−c₁/(2c₂)) and D_opt = C/(6·N_opt).  Power laws
    N_opt = k_N·C^a and D_opt = k_D·C^b are fitted by least squares in log-log.  Fewer than
    ``min_budgets`` usable budgets raise `FitError` naming those left out.

    With ``n_bootstrap`` > 0 the 95% intervals of a and b come from a bootstrap that combines
    both sources of error: in every replicate each budget's sizes (the clusters of runs sharing
    (N, D) there) are resampled with replacement, every loss is perturbed by N(0, σ²) (σ =
    ``seed_noise`` nats, default `DEFAULT_SEED_NOISE`, an assumption the result names in
    ``interval_assumes``), each budget's parabola is refitted to the drawn sizes (weighted by
    how often each was drawn; a replicate whose minimum falls outside them gives no point for
    that budget) and the power law refitted.

    On Porian et al. 2024's released IsoFLOP points (Table 1, ten configurations) this gives
    a within 0.03 of every published value; the full-profile parabola (``window=None``) is
    off by up to +0.07 after the head correction.  ``points`` columns: compute_flops, n_opt,
    d_opt, loss (the parabola's minimum), n_runs, inside, curvature.
    """
    if window is not None and not window > 1:
        raise FitError(f"window must be a factor > 1 in model size, got {window!r}")
    budgets = split_budgets(runs, tolerance=tolerance, budget_column=budget_column)
    rows, table, fitted = [], [], []
    for budget in budgets:
        reason = None
        if budget.n_runs < min_runs:
            reason = f"{budget.n_runs} run{'' if budget.n_runs == 1 else 's'}; need >= {min_runs}"
        else:
            reason = budget.edge_reason()
        result = _window_parabola(budget, window) if reason is None else reason
        if isinstance(result, str):
            reason = result
        else:
            near, n_opt, loss, c2 = result
            rows.append(
                {
                    "compute_flops": budget.compute_flops,
                    "n_opt": n_opt,
                    "d_opt": budget.compute_flops / (FLOPS_PER_PARAM_TOKEN * n_opt),
                    "loss": loss,
                    "n_runs": budget.n_runs,
                    "inside": True,
                    "curvature": c2,
                }
            )
            fitted.append((budget, near))
        table.append(_budget_row(budget, rows[-1]["n_opt"] if reason is None else math.nan, reason))
    budget_table = pd.DataFrame(table)
    left_out = budget_table.loc[~budget_table["used"]]
    points = pd.DataFrame(rows)
    if len(points) < max(min_budgets, 2):
        raise FitError(
            f"Approach 2 needs >= {max(min_budgets, 2)} compute budgets whose minimum lies inside "
            f"the sampled sizes; found {len(points)} of {len(budgets)}"
            + (
                " ("
                + "; ".join(
                    f"{r.compute_flops:.3g}: {r.reason}" for r in left_out.head(3).itertuples()
                )
                + (f"; … and {len(left_out) - 3} more" if len(left_out) > 3 else "")
                + ")"
                if len(left_out)
                else ""
            )
            + (
                ""
                if budget_column
                else f" (budgets are C = 6ND grouped within {tolerance:.0%}; a compute column "
                "groups them exactly; a grid of N and D is not an IsoFLOP sweep)"
            )
        )
    notes = [left_out_note(left_out, len(points))]
    a, k_n = _power_law(points["compute_flops"].to_numpy(), points["n_opt"].to_numpy())
    b, k_d = _power_law(points["compute_flops"].to_numpy(), points["d_opt"].to_numpy())
    a_ci = b_ci = None
    basis = assumes = ""
    if n_bootstrap:
        assumed = " (assumed default)" if seed_noise is None else ""
        assumes = seed_noise_text(
            DEFAULT_SEED_NOISE if seed_noise is None else seed_noise, seed_noise is None
        )
        seed_noise = DEFAULT_SEED_NOISE if seed_noise is None else seed_noise
        if not (math.isfinite(seed_noise) and seed_noise > 0):
            raise FitError(f"seed_noise must be a positive number of nats, got {seed_noise!r}")
        exps = _bootstrap_parabola_exponents(fitted, seed_noise, n_bootstrap, seed)
        if len(exps) >= max(20, n_bootstrap // 2):
            a_ci = (float(np.quantile(exps, 0.025)), float(np.quantile(exps, 0.975)))
            b_ci = (1.0 - a_ci[1], 1.0 - a_ci[0])
        else:
            notes.append(f"no interval: only {len(exps)} of {n_bootstrap} replicates had a fit")
        basis = (
            f"{n_bootstrap} replicates, each resampling every budget's sizes (clusters of runs "
            "sharing (N, D)) with seed noise added"
        )
        notes.append(
            f"bootstrap: seed noise {seed_noise:.3g} nats{assumed}, {n_bootstrap} replicates, "
            "each budget's sizes resampled"
        )
    return ComputeOptimalFit(
        2,
        points,
        a,
        k_n,
        b,
        k_d,
        tuple(notes),
        method="parabola",
        budgets=budget_table,
        a_interval=a_ci,
        b_interval=b_ci,
        n_bootstrap=int(n_bootstrap),
        seed_noise=seed_noise if n_bootstrap else None,
        interval_basis=basis,
        interval_assumes=assumes,
    )


def _budget_row(budget: Budget, n_opt: float, reason: str | None) -> dict[str, Any]:
    return {
        "compute_flops": budget.compute_flops,
        "n_runs": budget.n_runs,
        "n_sizes": budget.n_sizes,
        "n_min": float(budget.n_params[0]),
        "n_max": float(budget.n_params[-1]),
        "used": reason is None,
        "n_opt": n_opt,
        "reason": reason or "",
    }


def _bootstrap_parabola_exponents(
    fitted: list[tuple[Budget, np.ndarray]], sigma: float, n_bootstrap: int, seed: int
) -> np.ndarray:
    """Exponents a of the replicates: every budget's sizes resampled (clusters), seed noise added.

    Each budget keeps the sizes of the point fit; a replicate draws them with replacement and
    fits the parabola by least squares weighted by the draw counts (the same as refitting the
    drawn table).  Fewer than 3 distinct sizes drawn, no minimum, or a minimum outside the drawn
    sizes gives that budget no point in that replicate.
    """
    rng = np.random.default_rng(seed)
    log_c, log_n = [], []
    for budget, near in fitted:
        u = np.log(budget.n_params[near])
        centre = float(np.mean(u))
        z = u - centre
        counts = resample_sizes(len(u), n_bootstrap, rng).astype(float)  # (sizes, draws)
        losses = budget.loss[near][:, None] + sigma * rng.standard_normal((len(u), n_bootstrap))
        design = np.stack([np.ones_like(z), z, z * z], axis=1)  # (sizes, 3)
        gram = np.einsum("kr,ki,kj->rij", counts, design, design)
        rhs = np.einsum("kr,ki,kr->ri", counts, design, losses)
        drawn = counts > 0
        enough = drawn.sum(axis=0) >= 3
        coef = np.full((n_bootstrap, 3), np.nan)
        coef[enough] = np.linalg.solve(gram[enough], rhs[enough][..., None])[..., 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            z_opt = -coef[:, 1] / (2 * coef[:, 2])
        z_lo = np.where(drawn, z[:, None], np.inf).min(axis=0)
        z_hi = np.where(drawn, z[:, None], -np.inf).max(axis=0)
        ok = enough & (coef[:, 2] > 0) & (z_opt >= z_lo) & (z_opt <= z_hi)
        log_c.append(np.full(n_bootstrap, math.log(budget.compute_flops)))
        log_n.append(np.where(ok, z_opt + centre, np.nan))
    x, y = np.array(log_c), np.array(log_n)
    exps = []
    for i in range(n_bootstrap):
        keep = np.isfinite(y[:, i])
        if keep.sum() >= 2:
            exps.append(np.polyfit(x[keep, i], y[keep, i], 1)[0])
    return np.asarray(exps)


def fit_approach1(
    curves: pd.DataFrame | Any,
    *,
    n_points: int = 100,
    min_runs: int = 2,
    drop_edge_models: bool = True,
) -> ComputeOptimalFit:
    """Approach 1 of Hoffmann et al. 2022 (section 3.1): the envelope of the learning curves.

    For each of ``n_points`` compute values C on a log grid, every run whose curve covers C
    gives its loss there (linear interpolation of log L in log C); the lowest of them is the
    envelope and the run achieving it gives N_opt(C), with D_opt = C/(6·N_opt).  Compute
    values covered by fewer than ``min_runs`` runs are skipped, and with ``drop_edge_models``
    so are those won by the smallest or the largest model of the sweep: there the optimum may
    lie outside the sampled sizes, and keeping them biases the exponent.  Power laws N_opt = k_N·C^a
    and D_opt = k_D·C^b are fitted by least squares in log-log.  ``curves`` is
    `RunLog.curves` (or the RunLog): run, n_params, n_tokens, compute_flops, loss.
    """
    table = getattr(curves, "curves", curves)
    if table is None:
        raise FitError("Approach 1 needs learning curves (a log with several rows per run)")
    needed = {"run", "n_params", "compute_flops", "loss"} - set(table.columns)
    if needed:
        raise FitError(f"the curves table lacks columns {sorted(needed)}")
    table = table[(table["compute_flops"] > 0) & (table["loss"] > 0)]
    per_run = []
    for run, group in table.groupby("run", sort=False):
        group = group.sort_values("compute_flops")
        if len(group) < 2:
            continue
        per_run.append(
            (
                str(run),
                float(group["n_params"].iloc[-1]),
                np.log(group["compute_flops"].to_numpy(dtype=float)),
                np.log(group["loss"].to_numpy(dtype=float)),
            )
        )
    if len(per_run) < 2:
        raise FitError("Approach 1 needs learning curves of >= 2 runs")
    lo = min(r[2][0] for r in per_run)
    hi = max(r[2][-1] for r in per_run)
    grid = np.linspace(lo, hi, n_points)
    losses = np.full((len(per_run), n_points), np.inf)
    for i, (_, _, log_c, log_l) in enumerate(per_run):
        inside = (grid >= log_c[0]) & (grid <= log_c[-1])
        losses[i, inside] = np.interp(grid[inside], log_c, log_l)
    covered = np.isfinite(losses).sum(axis=0) >= min_runs
    winner = np.argmin(losses, axis=0)
    notes: list[str] = []
    if drop_edge_models:
        sizes = np.array([r[1] for r in per_run])
        edge = (sizes[winner] == sizes.min()) | (sizes[winner] == sizes.max())
        if (covered & edge).any():
            notes.append(
                f"{int((covered & edge).sum())} compute values won by the smallest or largest "
                "model were skipped (optimum possibly outside the sampled sizes)"
            )
        covered &= ~edge
    if covered.sum() < 2:
        raise FitError(
            f"fewer than 2 compute values are covered by >= {min_runs} runs"
            + (" and won by an interior model size" if drop_edge_models else "")
        )
    compute = np.exp(grid[covered])
    win = winner[covered]
    n_opt = np.array([per_run[i][1] for i in win])
    points = pd.DataFrame(
        {
            "compute_flops": compute,
            "n_opt": n_opt,
            "d_opt": compute / (FLOPS_PER_PARAM_TOKEN * n_opt),
            "loss": np.exp(losses[win, np.flatnonzero(covered)]),
            "run": [per_run[i][0] for i in win],
        }
    )
    if points["n_opt"].nunique() < 2:
        raise FitError("the envelope is one run at every compute value; no N_opt(C) trend")
    a, k_n = _power_law(compute, n_opt)
    b, k_d = _power_law(compute, points["d_opt"].to_numpy())
    return ComputeOptimalFit(1, points, a, k_n, b, k_d, tuple(notes))
