"""Task pairs and the variance gate of the downstream prediction (`scaling_core.downstream`):
which columns hold a task's loss and its accuracy, each run's checkpoints of one task, and
Bhagia et al. 2024's variance analysis (their Sec. 5 and the authors' ``variance_analysis.py``).

References: A. Bhagia, J. Liu et al., "Establishing Task Scaling Laws via Compute-Efficient Model
Ladders", arXiv:2412.04403, 2024.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.laws import FloatArray

#: Suffixes of a task-loss column, preferred in this order when several share one task.
LOSS_SUFFIXES: tuple[str, ...] = ("_bpb", "_loss", "_ce")
#: Suffixes of a task-metric column, preferred in this order (length-normalised accuracy first,
#: as Bhagia et al. report for ranked classification).
METRIC_SUFFIXES: tuple[str, ...] = ("_len_norm", "_acc", "_accuracy")
#: Checkpoints whose spread the variance gate measures (Bhagia et al.'s last 10).
GATE_WINDOW: int = 10
#: Mean accuracy relative SD of the ten tasks in the authors' released variance table.
GATE_DEFAULT_THRESHOLD: float = 0.00975


class DownstreamError(ValueError):
    """Input the downstream prediction cannot use; the message names the column or task."""


# --------------------------------------------------------------------------- task pairs


@dataclass(frozen=True)
class TaskPair:
    """One task's loss column and metric column, found by name."""

    task: str
    loss_column: str
    metric_column: str


def _key(column: str, suffixes: Sequence[str]) -> tuple[str, int] | None:
    leaf = column.rsplit("/", 1)[-1]
    for rank, suffix in enumerate(suffixes):
        if leaf.endswith(suffix) and len(leaf) > len(suffix):
            return leaf[: -len(suffix)], rank
    return None


def _short(key: str) -> str:
    return re.sub(r"(_rc|_mc)?_\d+shot$", "", key)


def find_task_pairs(columns: Iterable[str]) -> dict[str, TaskPair]:
    """Task name → (loss column, metric column), matched by the name left when the suffixes
    are taken off the last path part: ``eval/downstream_bpb/hellaswag_val_rc_5shot_bpb`` and
    ``eval/downstream/hellaswag_val_rc_5shot_len_norm`` are the task ``hellaswag_val`` (the
    format and shot count dropped from the name when no other task then shares it)."""
    losses: dict[str, tuple[int, str]] = {}
    metrics: dict[str, tuple[int, str]] = {}
    for column in columns:
        column = str(column)
        for table, suffixes in ((losses, LOSS_SUFFIXES), (metrics, METRIC_SUFFIXES)):
            found = _key(column, suffixes)
            if found and (found[0] not in table or found[1] < table[found[0]][0]):
                table[found[0]] = (found[1], column)
    keys = sorted(set(losses) & set(metrics))
    shorts = [_short(k) for k in keys]
    pairs: dict[str, TaskPair] = {}
    for key, short in zip(keys, shorts, strict=True):
        name = short if shorts.count(short) == 1 else key
        pairs[name] = TaskPair(name, losses[key][1], metrics[key][1])
    return pairs


def resolve_task(
    columns: Sequence[str],
    task: str | None,
    loss_column: str | None = None,
    metric_column: str | None = None,
) -> TaskPair:
    """The task pair to predict: a task found by `find_task_pairs` (its name, or a prefix
    that only one task has), with ``loss_column``/``metric_column`` overriding either column.
    Raises `DownstreamError` naming the task or column and listing what the files carry."""
    present = [str(c) for c in columns]
    for flag, column in (("--loss-column", loss_column), ("--metric-column", metric_column)):
        if column is not None and column not in present:
            raise DownstreamError(f"{flag}: no column {column!r} in the files")
    pairs = find_task_pairs(present)
    listing = ", ".join(pairs) if pairs else "none"
    if not task:
        if loss_column and metric_column:
            return TaskPair(metric_column.rsplit("/", 1)[-1], loss_column, metric_column)
        raise DownstreamError(f"name a task with --task; the files carry: {listing}")
    chosen = pairs.get(task)
    if chosen is None:
        matches = [name for name in pairs if name.startswith(task)]
        if len(matches) == 1:
            chosen = pairs[matches[0]]
        elif matches:
            raise DownstreamError(
                f"task {task!r} matches {len(matches)} tasks: {', '.join(matches)}; name one"
            )
    if chosen is None:
        if loss_column and metric_column:
            return TaskPair(task, loss_column, metric_column)
        raise DownstreamError(
            f"unknown task {task!r}; the files carry: {listing}"
            + (
                ""
                if pairs
                else " (a loss column ending _bpb/_loss beside a metric ending "
                "_len_norm/_acc; or name both with --loss-column and --metric-column)"
            )
        )
    return TaskPair(
        chosen.task, loss_column or chosen.loss_column, metric_column or chosen.metric_column
    )


def task_checkpoints(curves: pd.DataFrame, pair: TaskPair) -> tuple[pd.DataFrame, list[str]]:
    """The checkpoints of every run that logged both columns: run, step, n_params, n_tokens,
    loss (the task loss), metric (a fraction), sorted by run and step; and notes."""
    if curves is None or not len(curves):
        raise DownstreamError(
            "the files hold no learning curves: the downstream prediction needs every run's "
            "checkpoints (a step or tokens column per row)"
        )
    for column in (pair.loss_column, pair.metric_column):
        if column not in curves.columns:
            raise DownstreamError(f"no column {column!r} in the runs read")
    notes: list[str] = []
    frame = pd.DataFrame(
        {
            "run": curves["run"].astype(str),
            "step": pd.to_numeric(curves.get("step", curves["n_tokens"]), errors="coerce"),
            "n_params": pd.to_numeric(curves["n_params"], errors="coerce"),
            "n_tokens": pd.to_numeric(curves["n_tokens"], errors="coerce"),
            "loss": pd.to_numeric(curves[pair.loss_column], errors="coerce"),
            "metric": pd.to_numeric(curves[pair.metric_column], errors="coerce"),
        }
    )
    usable = (
        np.isfinite(frame[["n_params", "n_tokens", "loss", "metric"]]).all(axis=1)
        & (frame["n_params"] > 0)
        & (frame["n_tokens"] > 0)
        & (frame["loss"] > 0)
    )
    frame = frame[usable]
    if not len(frame):
        raise DownstreamError(
            f"no checkpoint has {pair.loss_column!r}, {pair.metric_column!r}, params and "
            "tokens all set (params from --runs-meta if the logs lack them)"
        )
    if frame["metric"].min() < 0:
        raise DownstreamError(
            f"{pair.metric_column!r} holds a negative value ({frame['metric'].min():g}); an "
            "accuracy is expected"
        )
    if frame["metric"].max() > 1.0:
        if frame["metric"].max() > 100.0:
            raise DownstreamError(
                f"{pair.metric_column!r} reaches {frame['metric'].max():g}: not an accuracy "
                "(a fraction or a percentage)"
            )
        frame["metric"] = frame["metric"] / 100.0
        notes.append(f"{pair.metric_column} read as percentages and divided by 100")
    frame = frame.sort_values(["run", "step", "n_tokens"], kind="stable").reset_index(drop=True)
    return frame, notes


# --------------------------------------------------------------------------- the gate


@dataclass(frozen=True)
class VarianceGate:
    """Bhagia et al.'s variance analysis for one task: spread of the last checkpoints of one
    ladder run (module docstring)."""

    run: str
    n_checkpoints: int
    metric_sd: float
    metric_relative_sd: float
    loss_sd: float
    loss_relative_sd: float
    threshold: float
    threshold_basis: str
    flagged: bool

    @property
    def verdict(self) -> str:
        pct = f"{100 * self.metric_relative_sd:.2f}%"
        limit = f"{100 * self.threshold:.2f}%"
        if self.flagged:
            return (
                f"too noisy to predict reliably: the accuracy of {self.run}'s last "
                f"{self.n_checkpoints} checkpoints varies by {pct} of its mean, above {limit} "
                f"({self.threshold_basis})"
            )
        return (
            f"passes: the accuracy of {self.run}'s last {self.n_checkpoints} checkpoints varies "
            f"by {pct} of its mean, not above {limit} ({self.threshold_basis})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "n_checkpoints": self.n_checkpoints,
            "metric_sd": self.metric_sd,
            "metric_relative_sd": self.metric_relative_sd,
            "loss_sd": self.loss_sd,
            "loss_relative_sd": self.loss_relative_sd,
            "threshold": self.threshold,
            "threshold_basis": self.threshold_basis,
            "flagged": self.flagged,
            "verdict": self.verdict,
        }


def _spread(values: FloatArray) -> tuple[float, float]:
    sd = float(np.std(values))
    mean = float(np.mean(values))
    return sd, (sd / abs(mean) if mean else math.inf)


def gate_run(checkpoints: pd.DataFrame) -> str:
    """The run the gate measures: the one with the most compute (6·N·D at its end)."""
    ends = checkpoints.groupby("run", sort=False).agg(
        n_params=("n_params", "last"), n_tokens=("n_tokens", "last"), count=("step", "size")
    )
    ends = ends[ends["count"] >= 2]
    if not len(ends):
        raise DownstreamError("no run has two checkpoints for the variance gate")
    return str((ends["n_params"] * ends["n_tokens"]).idxmax())


def variance_gate(
    curves: pd.DataFrame,
    pair: TaskPair,
    ladder_runs: Sequence[str],
    window: int = GATE_WINDOW,
) -> VarianceGate:
    """The relative SD of ``pair``'s metric over the last ``window`` checkpoints of the ladder
    run with the most compute, against the mean of the same number over every task pair of
    ``curves`` (Bhagia et al. flag tasks above it), or `GATE_DEFAULT_THRESHOLD` with fewer
    than three tasks."""
    checkpoints, _ = task_checkpoints(curves, pair)
    mine = checkpoints[checkpoints["run"].isin(ladder_runs)]
    run = gate_run(mine)
    last = mine[mine["run"] == run].tail(window)
    metric_sd, metric_rel = _spread(last["metric"].to_numpy())
    loss_sd, loss_rel = _spread(last["loss"].to_numpy())
    others: list[float] = []
    for other in find_task_pairs(curves.columns).values():
        try:
            rows, _ = task_checkpoints(curves, other)
        except DownstreamError:
            continue
        tail = rows[rows["run"] == run].tail(window)
        if len(tail) >= 2:
            others.append(_spread(tail["metric"].to_numpy())[1])
    if len(others) >= 3:
        threshold = float(np.mean(others))
        basis = f"the mean over the {len(others)} tasks in the files, Bhagia et al.'s rule"
    else:
        threshold = GATE_DEFAULT_THRESHOLD
        basis = "the mean of Bhagia et al.'s ten tasks"
    return VarianceGate(
        run,
        len(last),
        metric_sd,
        metric_rel,
        loss_sd,
        loss_rel,
        threshold,
        basis,
        bool(metric_rel > threshold),
    )
