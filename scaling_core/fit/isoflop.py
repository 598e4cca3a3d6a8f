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

from scaling_core.fit.base import FLOPS_PER_PARAM_TOKEN, YOUR_RUNS, FitError, RunsLike, _as_runs
from scaling_core.fit.identifiability import group_isoflop
from scaling_core.laws import (
    HOFFMANN_2022,
    FloatArray,
    PowerLawAllocation,
    Source,
)


@dataclass(frozen=True)
class ComputeOptimalFit:
    """N_opt(C) = k_N·C^a and D_opt(C) = k_D·C^b from Approach 1 or 2 (Hoffmann et al. 2022).

    ``points`` holds the per-budget optima (compute_flops, n_opt, d_opt, loss, ...), the data
    the power laws were fitted to by least squares in log-log.
    """

    approach: int
    points: pd.DataFrame
    a: float
    n_coefficient: float
    b: float
    d_coefficient: float
    notes: tuple[str, ...] = ()

    def n_opt(self, compute_flops: ArrayLike) -> FloatArray:
        """N_opt(C) = k_N·C^a parameters (C in FLOP)."""
        return self.n_coefficient * np.power(np.asarray(compute_flops, dtype=float), self.a)

    def d_opt(self, compute_flops: ArrayLike) -> FloatArray:
        """D_opt(C) = k_D·C^b tokens (C in FLOP)."""
        return self.d_coefficient * np.power(np.asarray(compute_flops, dtype=float), self.b)

    @property
    def law(self) -> PowerLawAllocation:
        """The allocation as a `PowerLawAllocation` (key ``your-fit-approach{1,2}``)."""
        where = {
            1: "Approach 1 (envelope of learning curves, section 3.1)",
            2: "Approach 2 (IsoFLOP parabolas, section 3.2)",
        }[self.approach]
        return PowerLawAllocation(
            key=f"your-fit-approach{self.approach}",
            label=f"Your fit (Approach {self.approach})",
            a=self.a,
            coefficient=self.n_coefficient,
            source=Source(YOUR_RUNS, "", f"{where} of {HOFFMANN_2022.split(',')[0]}"),
            counts="as counted in your runs",
        )

    def report(self) -> str:
        """Text summary."""
        lines = [
            f"[[Approach {self.approach}]] {len(self.points)} compute points",
            f"    N_opt = {self.n_coefficient:.4g} * C^{self.a:.4f}",
            f"    D_opt = {self.d_coefficient:.4g} * C^{self.b:.4f}",
        ]
        lines += [f"    note: {note}" for note in self.notes]
        return "\n".join(lines)


def _power_law(compute: FloatArray, values: FloatArray) -> tuple[float, float]:
    slope, intercept = np.polyfit(np.log(compute), np.log(values), 1)
    return float(slope), float(math.exp(intercept))


def fit_approach2(
    runs: RunsLike,
    *,
    tolerance: float = 0.1,
    budget_column: str | None = None,
    min_runs: int = 3,
) -> ComputeOptimalFit:
    """Approach 2 of Hoffmann et al. 2022 (section 3.2): IsoFLOP profiles.

    Runs are grouped by compute budget (``budget_column`` when given, else runs whose
    C = 6ND agree within ``tolerance``).  For each budget with ≥ ``min_runs`` runs at ≥ 3
    model sizes a parabola L = c₀ + c₁·log N + c₂·(log N)² is fitted by least squares; its
    minimum gives N_opt(C) = exp(−c₁/(2c₂)) and D_opt = C/(6·N_opt).  Power laws
    N_opt = k_N·C^a and D_opt = k_D·C^b are then fitted by least squares in log-log.
    ``points`` columns: compute_flops, n_opt, d_opt, loss (the parabola's minimum), n_runs,
    inside (whether N_opt lies within the budget's sampled N range), curvature (c₂).
    """
    frame = getattr(runs, "runs", runs)
    data = _as_runs(frame)
    if budget_column is not None:
        if budget_column not in frame.columns:
            raise FitError(f"the runs table has no {budget_column!r} column")
        budgets = pd.to_numeric(frame[budget_column], errors="coerce").to_numpy(dtype=float)
        _, labels = np.unique(budgets, return_inverse=True)
    else:
        labels = group_isoflop(data.compute_flops, tolerance)
    rows, notes = [], []
    for g in np.unique(labels):
        members = labels == g
        n = data.n_params[members]
        budget = (
            float(budgets[members][0])
            if budget_column is not None
            else float(np.exp(np.mean(np.log(data.compute_flops[members]))))
        )
        if members.sum() < min_runs or len(np.unique(n)) < 3:
            if members.sum() > 1:
                notes.append(
                    f"budget {budget:.3g}: {int(members.sum())} runs, too few for a parabola"
                )
            continue
        u = np.log(n)
        c2, c1, c0 = np.polyfit(u, data.loss[members], 2)
        if not c2 > 0:
            notes.append(f"budget {budget:.3g}: the IsoFLOP profile has no minimum (skipped)")
            continue
        u_opt = -c1 / (2 * c2)
        n_opt = float(np.exp(u_opt))
        rows.append(
            {
                "compute_flops": budget,
                "n_opt": n_opt,
                "d_opt": budget / (FLOPS_PER_PARAM_TOKEN * n_opt),
                "loss": float(c0 + c1 * u_opt + c2 * u_opt**2),
                "n_runs": int(members.sum()),
                "inside": bool(u.min() <= u_opt <= u.max()),
                "curvature": float(c2),
            }
        )
    points = pd.DataFrame(rows)
    if len(points) < 2:
        raise FitError(
            f"Approach 2 needs >= 2 compute budgets with >= {min_runs} runs at >= 3 model sizes; "
            f"found {len(points)} (tolerance {tolerance:g}; set budget_column if compute is given)"
        )
    outside = (~points["inside"]).sum()
    if outside:
        notes.append(f"{outside} budget(s) have N_opt outside the sampled model sizes")
    a, k_n = _power_law(points["compute_flops"].to_numpy(), points["n_opt"].to_numpy())
    b, k_d = _power_law(points["compute_flops"].to_numpy(), points["d_opt"].to_numpy())
    return ComputeOptimalFit(2, points, a, k_n, b, k_d, tuple(notes))


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
