"""IsoFLOP budgets: runs grouped by compute, each budget's profile of loss against model size,
the checks that decide whether a budget can carry a compute-optimal fit, and the power law
N_opt = k·C^a fitted to the budgets that can.

A budget whose lowest loss sits at the smallest or the largest sampled size has its optimum
outside the sweep (or on its edge); any estimator then returns the edge or an extrapolation,
and keeping such budgets tilts the exponent.  Porian et al. 2024 (arXiv:2406.19146, section 2
and their ``analysis.py``) leave them out; Hoffmann et al. 2022 (section 3.2) chose their
IsoFLOP grids so that the minimum lies inside.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scaling_core.fit.base import FitError, RunsLike, _as_runs
from scaling_core.fit.identifiability import group_isoflop
from scaling_core.laws import FloatArray


@dataclass(frozen=True)
class Budget:
    """One IsoFLOP profile: its compute and, per distinct model size, the lowest loss seen.

    ``n_params`` is sorted ascending and unique; ``n_runs`` counts the rows before several
    runs at one size were reduced to their lowest loss (as Porian et al.'s ``analysis.py`` does).
    """

    compute_flops: float
    n_params: FloatArray
    loss: FloatArray
    n_runs: int

    @property
    def n_sizes(self) -> int:
        """Number of distinct model sizes."""
        return len(self.n_params)

    def edge_reason(self) -> str | None:
        """Why the budget's optimum cannot be located inside the sweep, or None when it can."""
        if self.n_sizes < 3:
            return f"{self.n_sizes} model size(s); need >= 3 to locate a minimum"
        best = int(np.argmin(self.loss))
        if best == 0:
            return (
                f"lowest loss at the smallest sampled size ({self.n_params[0]:.3g}); "
                "the optimum may be smaller"
            )
        if best == self.n_sizes - 1:
            return (
                f"lowest loss at the largest sampled size ({self.n_params[-1]:.3g}); "
                "the optimum may be larger"
            )
        return None


def split_budgets(
    runs: RunsLike, *, tolerance: float = 0.1, budget_column: str | None = None
) -> list[Budget]:
    """Group runs into IsoFLOP budgets, ascending in compute.

    ``budget_column`` names a column holding each run's nominal budget (runs with equal values
    share a budget); otherwise runs whose C = 6·N·D agree within ``tolerance`` (relative) do,
    and the budget is their geometric-mean compute.
    """
    frame = getattr(runs, "runs", runs)
    data = _as_runs(frame)
    if budget_column is not None:
        if budget_column not in frame.columns:
            raise FitError(f"the runs table has no {budget_column!r} column")
        budgets = pd.to_numeric(frame[budget_column], errors="coerce").to_numpy(dtype=float)
        bad = ~(np.isfinite(budgets) & (budgets > 0))
        if bad.any():
            i = int(np.argmax(bad))
            raise FitError(
                f"run {data.run[i]}: {budget_column} must be a positive number, "
                f"got {frame[budget_column].iloc[i]!r}"
            )
        _, labels = np.unique(budgets, return_inverse=True)
    else:
        labels = group_isoflop(data.compute_flops, tolerance)
    out = []
    for g in np.unique(labels):
        members = labels == g
        if budget_column is not None:
            compute = float(budgets[members][0])
        else:
            member_c = data.compute_flops[members]
            same = bool(np.all(member_c == member_c[0]))
            compute = float(member_c[0] if same else np.exp(np.mean(np.log(member_c))))
        table = pd.DataFrame({"n": data.n_params[members], "loss": data.loss[members]})
        best = table.groupby("n", sort=True)["loss"].min()
        out.append(
            Budget(
                compute,
                best.index.to_numpy(dtype=float),
                best.to_numpy(dtype=float),
                int(members.sum()),
            )
        )
    return sorted(out, key=lambda b: b.compute_flops)


def power_law(
    compute_flops: FloatArray, values: FloatArray, sigma_log: FloatArray | None = None
) -> tuple[float, float]:
    """Exponent and coefficient of values = k·C^a by (weighted) least squares in log-log.

    With ``sigma_log`` (the standard deviation of each log value) the weights are 1/σ², as in
    Porian et al.'s weighted fit of N*(C) (``analysis.py``, ``power_law_fit``).
    """
    x = np.log(np.asarray(compute_flops, dtype=float))
    y = np.log(np.asarray(values, dtype=float))
    w = None if sigma_log is None else 1.0 / np.asarray(sigma_log, dtype=float)
    slope, intercept = np.polyfit(x, y, 1, w=w)
    return float(slope), float(math.exp(intercept))


#: Seed-to-seed standard deviation of the loss (nats) assumed when none is given: Porian et al.
#: 2024's value for OpenWebText2, the noisier of their two datasets (0.002 on RefinedWeb).
DEFAULT_SEED_NOISE: float = 0.01


def left_out_note(left_out: pd.DataFrame, n_used: int) -> str:
    """One line: how many budgets carry the fit and which were left out, with why."""
    total = n_used + len(left_out)
    head = f"{n_used} of {total} budgets carry the fit"
    if left_out.empty:
        return head
    parts = [f"{row.compute_flops:.3g} ({row.reason})" for row in left_out.itertuples()]
    return head + "; left out: " + "; ".join(parts)


def seed_noise_text(seed_noise: float, assumed: bool) -> str:
    """The assumption an interval rests on, e.g. "assumes seed noise sigma = 0.002 nats"."""
    return f"assumes seed noise sigma = {seed_noise:.3g} nats" + (
        " (the default, not measured from these runs)" if assumed else ""
    )


def resample_sizes(n_sizes: int, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of a budget's sizes is drawn in each of ``n_draws`` resamples (sizes, draws).

    A budget's runs at one size share its configuration (seeds and reruns are reduced to the
    lowest loss, `Budget`), so a size is the unit resampled: ``n_sizes`` draws with
    replacement, the cluster bootstrap within the budget.
    """
    picks = rng.integers(0, n_sizes, size=(n_draws, n_sizes))
    counts = np.zeros((n_draws, n_sizes), dtype=np.int64)
    np.add.at(counts, (np.repeat(np.arange(n_draws), n_sizes), picks.reshape(-1)), 1)
    return counts.T
