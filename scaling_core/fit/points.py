"""The points a fit sees and how they group: IsoFLOP snapshot budgets of learning curves, runs grouped
by compute budget, tokens or tokens per parameter (Hoffmann et al. 2022, section 3.2), and the
fitted law's prediction at every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scaling_core.fit.base import FitError
from scaling_core.fit.identifiability import collinear_tokens_per_param, group_isoflop
from scaling_core.fit.result import FitResult
from scaling_core.grids import log_grid

if TYPE_CHECKING:
    from scaling_core.runs.collect import RunsRead
    from scaling_core.runs.combine import Loaded
    from scaling_core.runs.mapping import RoleMapping


def snapshot_budgets(
    curves: pd.DataFrame, *, max_budgets: int = 6, min_runs: int = 3
) -> list[float]:
    """Round compute budgets (1-2-5 per decade, FLOP) inside the curves of >= ``min_runs`` runs.

    At most ``max_budgets``, spread evenly over the covered range.
    """
    spans = curves.groupby("run", sort=False)["compute_flops"].agg(["min", "max"])
    spans = spans[(spans["min"] > 0) & np.isfinite(spans["max"])]
    if spans.empty:
        return []
    candidates = log_grid(float(spans["min"].min()), float(spans["max"].max()), per_decade=3)
    lo, hi = spans["min"].to_numpy(), spans["max"].to_numpy()
    covered = [c for c in candidates if int(((lo <= c) & (c <= hi)).sum()) >= min_runs]
    if len(covered) > max_budgets:
        picks = np.unique(np.round(np.linspace(0, len(covered) - 1, max_budgets)).astype(int))
        covered = [covered[i] for i in picks]
    return covered


#: What a fit of learning curves can see: "final" (the last logged point of each run) or
#: "snapshots" (IsoFLOP snapshots along the curves); "auto" picks with `choose_points`.
POINTS = ("auto", "final", "snapshots")


def _tokens_text(value: float) -> str:
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def choose_points(final_runs: pd.DataFrame, has_curves: bool) -> tuple[str, str]:
    """What "automatic" fits for learning curves, and why, the same on the page and in the
    command line.

    IsoFLOP snapshots when every run ends at about one tokens-per-parameter ratio: their
    final points then move N and D together and cannot separate the two terms (Hoffmann et
    al. 2022, sec. 3.2, read their curves at fixed budgets for this reason); otherwise the
    final points, which are finished runs rather than the intermediate checkpoints of one
    schedule.  When the final points all sit at one D they vary N only (the fit's automatic
    form then fits power in N), and the reason says so instead of claiming they separate N
    and D.  Finished runs without curves are always "final" (reason empty).
    """
    if not has_curves or final_runs.empty:
        return "final", ""
    n_params = final_runs["n_params"].to_numpy(dtype=float)
    n_tokens = final_runs["n_tokens"].to_numpy(dtype=float)
    ratio = collinear_tokens_per_param(n_params, n_tokens)
    if ratio is not None:
        return "snapshots", (
            f"IsoFLOP snapshots: every run ends at about {ratio:.3g} tokens per parameter, so "
            "the final points alone cannot separate the N and D terms"
        )
    finite = n_tokens[np.isfinite(n_tokens) & (n_tokens > 0)]
    if len(finite) and int(group_isoflop(finite, tolerance=0.1).max()) == 0:
        return "final", (
            f"the last logged point of each run: every run ends at about "
            f"{_tokens_text(float(np.median(finite)))} tokens, so the final points vary N only "
            "(they determine the N term; IsoFLOP snapshots would vary D too, at the cost of "
            "reading intermediate checkpoints)"
        )
    return "final", (
        "the last logged point of each run: the runs end at different tokens per parameter, "
        "so their final points separate the N and D terms"
    )


def snapshot_points(
    curves: pd.DataFrame, label: Callable[[float], str] | None = None
) -> pd.DataFrame:
    """IsoFLOP snapshots of learning curves at `snapshot_budgets` (run names get
    ``" @ <budget>"``, the budget written by ``label``, default ``1e+20 FLOP``)."""
    from scaling_core.runs import snapshot_losses

    budgets = snapshot_budgets(curves)
    if not budgets:
        return pd.DataFrame(columns=["run", "n_params", "n_tokens", "compute_flops", "loss"])
    table = snapshot_losses(curves, compute_flops=budgets)
    write = label or (lambda c: f"{c:.3g} FLOP")
    table["run"] = [
        f"{run} @ {write(c)}" for run, c in zip(table["run"], table["compute_flops"], strict=True)
    ]
    return table


def points_table(
    final_runs: pd.DataFrame, curves: pd.DataFrame | None, points: str
) -> pd.DataFrame:
    """The runs a fit sees: the finished runs, or IsoFLOP snapshots of the learning curves
    (the finished runs when there are no curves or no snapshot budget)."""
    if points == "snapshots" and curves is not None:
        table = snapshot_points(curves)
        if len(table):
            return table
    return final_runs


def snapshot_source_runs(result: FitResult, table: pd.DataFrame) -> int:
    """How many learning curves the snapshot points a fit used come from (`snapshot_table`
    names a point ``"<run> @ <budget> FLOP"``)."""
    excluded = set(result.excluded)
    return len(
        {str(r).rpartition(" @ ")[0] or str(r) for r in table["run"] if str(r) not in excluded}
    )


def predict_runs(result: FitResult, table: pd.DataFrame) -> np.ndarray:
    """The fitted law's loss at every row of ``table`` (n_params, n_tokens, compute_flops)."""
    return np.asarray(
        result.predict(
            n_params=table["n_params"].to_numpy(dtype=float),
            n_tokens=table["n_tokens"].to_numpy(dtype=float),
            compute_flops=table["compute_flops"].to_numpy(dtype=float),
        ),
        dtype=float,
    )


def predictions_table(result: FitResult, table: pd.DataFrame) -> pd.DataFrame:
    """Per run: observed, predicted, log and relative residual, and whether the fit used it."""
    predicted = predict_runs(result, table)
    observed = table["loss"].to_numpy(dtype=float)
    runs = table["run"].astype(str)
    return pd.DataFrame(
        {
            "run": runs.to_numpy(),
            "n_params": table["n_params"].to_numpy(dtype=float),
            "n_tokens": table["n_tokens"].to_numpy(dtype=float),
            "compute_flops": table["compute_flops"].to_numpy(dtype=float),
            "observed_loss": observed,
            "predicted_loss": predicted,
            "residual_log": np.log(predicted) - np.log(observed),
            "relative_error": predicted / observed - 1.0,
            "used_in_fit": ~runs.isin(set(result.excluded)).to_numpy(),
        }
    )


def grouping_values(table: pd.DataFrame, kind: str) -> np.ndarray:
    """Per run: compute C, tokens D, or tokens per parameter D/N, by grouping ``kind``."""
    if kind == "compute":
        return table["compute_flops"].to_numpy(dtype=float)
    if kind == "tokens":
        return table["n_tokens"].to_numpy(dtype=float)
    return table["n_tokens"].to_numpy(dtype=float) / table["n_params"].to_numpy(dtype=float)


def choose_grouping(table: pd.DataFrame, how: str = "auto", max_groups: int = 12) -> str:
    """The grouping of the IsoFLOP view: "compute", "tokens", "ratio", or "bins" (none fits).

    ``auto`` takes the first of compute, tokens, tokens-per-parameter under which most runs
    (>= 60 %) sit in groups of >= 3 (values within 10 %), preferring fewer groups.
    """
    if how in ("compute", "tokens", "ratio"):
        return how
    best, best_score = "bins", (0.6, -math.inf)
    for kind in ("compute", "tokens", "ratio"):
        labels = group_isoflop(grouping_values(table, kind), tolerance=0.1)
        sizes = np.bincount(labels)
        coverage = sizes[sizes >= 3].sum() / max(len(labels), 1)
        n_groups = int((sizes >= 3).sum())
        score = (coverage, -n_groups)
        if n_groups <= max_groups and coverage >= 0.6 and score > best_score:
            best, best_score = kind, score
    return best


def extrapolation_axis(holdout: pd.DataFrame, by: str) -> str:
    """The x axis of the extrapolation chart: ``by``, unless the held-out runs share one or two
    values of it (one IsoFLOP budget), where model size N spreads them out."""
    if by == "n_params" or len(holdout) < 3:
        return by
    distinct = int(group_isoflop(holdout[by].to_numpy(dtype=float), tolerance=0.1).max()) + 1
    return "n_params" if distinct <= 2 else by


def residual_grouping(table: pd.DataFrame, kind: str) -> str:
    """The grouping that colours the residuals (runs of the fit table, not the snapshots)."""
    return choose_grouping(table) if kind == "snapshots" else kind


def curve_predictions(result: FitResult | None, curves: pd.DataFrame) -> np.ndarray | None:
    """The fitted law at every logged point of the learning curves (None if it cannot say)."""
    if result is None:
        return None
    try:
        return predict_runs(result, curves)
    except (FitError, ValueError):
        return None


def fit_points(read: RunsRead) -> tuple[pd.DataFrame, str]:
    """What ``fit`` fits of a read with usable runs: the finished runs, or IsoFLOP snapshots of
    their curves as `choose_points` decides; with which ("final" or "snapshots")."""
    points, _ = choose_points(read.log.runs, read.log.curves is not None)
    return points_table(read.log.runs, read.log.curves, points), points


def sweep_points(
    loaded: Loaded,
    mapping: RoleMapping,
    where: Mapping[str, str] | None = None,
    *,
    max_rows: int | None = None,
) -> tuple[pd.DataFrame, str]:
    """`fit_points` of one sweep of ``loaded`` (files read by `scaling_core.runs.load`): the
    rows ``where`` keeps (`select_loaded`, as ``--where``), read with ``mapping``
    (`scaling_core.runs.build_runs`).  Raises `FitError` naming the column or value when
    ``where`` keeps no row, or what the runs lack when none has what a fit needs."""
    from scaling_core.fit.sweeps import select_loaded
    from scaling_core.runs.collect import build_runs

    read = build_runs(select_loaded(loaded, where) if where else loaded, mapping, max_rows=max_rows)
    if read.log is None:
        raise FitError(read.nothing_usable())
    return fit_points(read)
