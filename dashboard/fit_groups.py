"""Runs grouped for the fit page's IsoFLOP chart (by compute budget, tokens or tokens per parameter),
each group with the fitted law evaluated along its line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from charts.fit import RunGroup, group_label, thin
from dashboard.fit_session import snapshot_table
from scaling_core.fit import (
    FitError,
    FitResult,
    group_isoflop,
)
from scaling_core.fit.points import choose_grouping, grouping_values
from scaling_core.runs import RunLog


def _group_labels(values: np.ndarray, kind: str) -> list[str]:
    return [group_label(float(v), kind) for v in values]


def group_runs(table: pd.DataFrame, kind: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(group index per run, label per group, group value per group) for a grouping kind.

    ``bins`` puts runs in half-decade bins of compute.
    """
    if kind == "bins":
        compute = table["compute_flops"].to_numpy(dtype=float)
        edges = np.floor(np.log10(compute) * 2) / 2
        uniq, index = np.unique(edges, return_inverse=True)
        centres = 10 ** (uniq + 0.25)
        labels = _group_labels(centres, "bins")
        return index, labels, centres
    values = grouping_values(table, kind)
    index = group_isoflop(values, tolerance=0.1)
    centres = np.array(
        [float(np.exp(np.mean(np.log(values[index == g])))) for g in range(index.max() + 1)]
    )
    return index, _group_labels(centres, kind), centres


def _run_values(members: pd.DataFrame, kind: str) -> np.ndarray:
    """Per run, the quantity its group shares: C for compute groups (and bins), D for token
    groups, D/N for tokens-per-parameter groups (`grouping_values`)."""
    return grouping_values(members, "compute" if kind == "bins" else kind)


def curve_along_runs(
    n_params: np.ndarray, values: np.ndarray, n_points: int = 60
) -> tuple[np.ndarray, np.ndarray]:
    """Where a group's curve is drawn: (N, group quantity) pairs that pass through every run's
    own (N, C), (N, D) or (N, D/N) and follow the runs' quantity between them.

    The runs of a group share C (or D, or D/N) only to within the grouping's tolerance (10 %,
    or half a decade for bins); a curve drawn at the group's centre value sits off its points
    by that much even where the fit is exact. Here log value is interpolated linearly in log N
    between the runs (runs of one N averaged in log) and held at the end runs' values beyond
    them, so the fitted law along the curve equals its prediction at each run of distinct N.
    The runs' own N are vertices of the curve, so the drawn line meets them exactly.
    """
    n = np.asarray(n_params, dtype=float)
    log_n, inverse = np.unique(np.log(n), return_inverse=True)
    log_v = np.bincount(inverse, weights=np.log(np.asarray(values, dtype=float))) / np.bincount(
        inverse
    )
    grid = np.geomspace(n.min() / 1.5, n.max() * 1.5, n_points)
    curve_n = np.unique(np.concatenate([grid, np.exp(log_n)]))
    curve_v = np.exp(np.interp(np.log(curve_n), log_n, log_v))
    return curve_n, curve_v


def isoflop_groups(
    table: pd.DataFrame, result: FitResult | None, kind: str, n_points: int = 60
) -> list[RunGroup]:
    """Runs grouped for the IsoFLOP chart, each with the fitted law drawn where its runs are.

    Along a compute group the law is evaluated at L(N, C/6N), along a token group at L(N, D),
    along a tokens-per-parameter group at L(N, r·N), over the group's N range (×1.5 each way),
    with C, D or r following the runs' own values (`curve_along_runs`), not the group's centre.
    Compute bins span half a decade and may hold one N at several C, which no single curve
    meets: there the curve is the law at the bin's centre C and each run's loss is moved to
    that C by the fitted law (L + L_fit(N, C_bin) − L_fit(N, C_run)), so the gap between a
    point and its curve is still the run's residual; the hover gives the measured loss.
    """
    index, labels, centres = group_runs(table, kind)
    excluded = set(result.excluded) if result is not None else set()
    groups = []
    for g, (label, centre) in enumerate(zip(labels, centres, strict=True)):
        members = table[index == g]
        total = len(members)
        # Only the runs the chart draws are carried (`charts.fit.thin`): per-run labels for a
        # 250,000-run upload would cost the server seconds on every rerun of the page.
        members = members.iloc[thin(total)]
        n = members["n_params"].to_numpy(dtype=float)
        loss = members["loss"].to_numpy(dtype=float)
        measured = None
        if kind == "bins":
            curve_n = np.union1d(np.geomspace(n.min() / 1.5, n.max() * 1.5, n_points), n)
            curve_v = np.full(len(curve_n), centre)
        else:
            curve_n, curve_v = curve_along_runs(n, _run_values(members, kind), n_points)
        curve_loss = None
        if result is not None:
            try:
                if kind in ("compute", "bins"):
                    curve_loss = result.predict(n_params=curve_n, compute_flops=curve_v)
                elif kind == "tokens":
                    curve_loss = result.predict(n_params=curve_n, n_tokens=curve_v)
                else:
                    curve_loss = result.predict(n_params=curve_n, n_tokens=curve_n * curve_v)
                curve_loss = np.asarray(curve_loss, dtype=float)
                if kind == "bins":
                    own_c = members["compute_flops"].to_numpy(dtype=float)
                    at_bin = result.predict(n_params=n, compute_flops=np.full(len(n), centre))
                    at_own = result.predict(n_params=n, compute_flops=own_c)
                    moved = loss + np.asarray(at_bin, dtype=float) - np.asarray(at_own, dtype=float)
                    if np.isfinite(moved).all():
                        measured, loss = loss, moved
            except (FitError, FloatingPointError, ValueError):
                curve_loss = None
        groups.append(
            RunGroup(
                label=label,
                value=float(centre),
                n_params=n,
                loss=loss,
                runs=[str(r) for r in members["run"]],
                used=~members["run"].astype(str).isin(excluded).to_numpy(),
                curve_n=curve_n,
                curve_loss=curve_loss,
                total=total if total > len(members) else None,
                measured=measured,
            )
        )
    return groups


def isoflop_view(
    log: RunLog, table: pd.DataFrame, result: FitResult | None, how: str = "auto"
) -> tuple[list[RunGroup], str]:
    """Groups for the IsoFLOP chart and what they are: snapshots of learning curves when the
    file has them (exact compute budgets), else the fitted runs grouped by `choose_grouping`."""
    if log.curves is not None and how in ("auto", "compute"):
        snapshots = snapshot_table(log.curves)
        if len(snapshots):
            return isoflop_groups(snapshots, result, "compute"), "snapshots"
    kind = choose_grouping(table, how)
    return isoflop_groups(table, result, kind), kind
