"""Rollout scorecard: fit the smaller runs, predict every larger one, at every cutoff.

The method of OLMo-core's ``ScalingLawRollout`` (its model-ladder analysis, an expanding-window
cross-validation): order the runs by N (or by C); the distinct values are the levels; for every
level k ≥ 3 that leaves larger runs, fit the law to the runs at or below level k (skipped when
fewer than 5) and predict each larger run.  Per prediction, relative_error = (L̂ − L)/L
(positive: the law over-predicts the loss, i.e. is pessimistic).  Per cutoff, the errors are
averaged plainly and with weights w = 1/(1 + ln(x_test/x_cut)), normalised to sum to 1 within
the cutoff, so near extrapolations count more than far ones; the summary averages the
cutoffs' numbers with equal weight per cutoff, as OLMo-core's ``evaluate_rollout`` does by
default.  (OLMo-core's signed error is in loss units; ours is the signed relative error.)

Compute levels are grouped: budgets within 0.1% of each other (6·N·D of an IsoFLOP budget
computed from rounded N and D) are one level.

Examples
--------
>>> import numpy as np, pandas as pd
>>> n = np.repeat([1e7, 3e7, 1e8, 3e8, 1e9], 3)
>>> d = np.tile([1e9, 3e9, 1e10], 5)
>>> loss = 1.8 + 480 / n**0.35 + 2000 / d**0.37
>>> card = rollout(pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss}), "gadre")
>>> [c.fit_up_to for c in card.cutoffs], card.summary()["n_predictions"]
([100000000.0, 300000000.0], 9)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from scaling_core.fit.base import FitError, RunsLike, _as_runs
from scaling_core.fit.choose import fit
from scaling_core.fit.result import FitResult

#: The forms the scorecard compares: Chinchilla's five parameters (Hoffmann et al. 2022, eq. 2),
#: Gadre et al. 2024's four (α = β, `scaling_core.fit.gadre`), and L(N) = E + A/N^α.
ROLLOUT_FORMS: tuple[str, ...] = ("chinchilla", "gadre", "power-n")
#: Over-estimate penalties compared (OLMo-core's overestimate_penalty: 1 symmetric, 10 its
#: suggestion for a lower-envelope fit).
ROLLOUT_PENALTIES: tuple[float, ...] = (1.0, 10.0)
#: Fewest distinct levels (sizes) and runs at or below a cutoff (OLMo-core's min_groups_train,
#: min_points_train).
MIN_LEVELS = 3
MIN_RUNS = 5
#: Compute budgets closer than this (relative) are one level.
COMPUTE_LEVEL_TOLERANCE = 1e-3

Axis = Literal["params", "compute"]
_AXIS_COLUMN = {"params": "n_params", "compute": "compute_flops"}


def distance_weights(test_values: np.ndarray, cutoff: float) -> np.ndarray:
    """OLMo-core's inverse-distance weights 1/(1 + ln(x_test/x_cut)), normalised to sum to 1."""
    raw = 1.0 / (1.0 + np.log(np.asarray(test_values, dtype=float) / cutoff))
    return raw / raw.sum()


def axis_levels(values: np.ndarray, axis: Axis) -> np.ndarray:
    """The level of every value: the largest value of its group (exact values for params;
    compute budgets within `COMPUTE_LEVEL_TOLERANCE` of their neighbour grouped)."""
    values = np.asarray(values, dtype=float)
    if axis == "params":
        return values.copy()
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    group_top = ordered.copy()
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] > ordered[i - 1] * (1 + COMPUTE_LEVEL_TOLERANCE):
            group_top[start:i] = ordered[i - 1]
            start = i
    levels = np.empty_like(values)
    levels[order] = group_top
    return levels


@dataclass(frozen=True)
class RolloutCutoff:
    """One cutoff: the fit to the runs at or below ``fit_up_to`` and its predictions.

    ``predictions`` has run, n_params, n_tokens, compute_flops, observed, predicted,
    relative_error, distance (ln(x/x_cut)) and weight; it is empty when the fit failed
    (``error`` says why).
    """

    fit_up_to: float
    n_fit: int
    n_levels: int
    fit: FitResult | None
    predictions: pd.DataFrame
    error: str | None = None

    @property
    def mean_abs_error(self) -> float:
        return float(np.mean(np.abs(self.predictions["relative_error"])))

    @property
    def mean_signed_error(self) -> float:
        return float(np.mean(self.predictions["relative_error"]))

    @property
    def weighted_abs_error(self) -> float:
        return float(
            np.sum(self.predictions["weight"] * np.abs(self.predictions["relative_error"]))
        )


@dataclass(frozen=True)
class RolloutResult:
    """Every cutoff of a rollout and the summary over them (module docstring)."""

    axis: Axis
    form: str
    overestimate_penalty: float
    cutoffs: tuple[RolloutCutoff, ...]
    n_runs: int
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def scored(self) -> tuple[RolloutCutoff, ...]:
        """The cutoffs whose fit succeeded."""
        return tuple(c for c in self.cutoffs if c.error is None)

    def summary(self) -> dict[str, float | int | None]:
        """mean_abs_error, mean_signed_error, weighted_abs_error (each the mean over the scored
        cutoffs of that cutoff's number), max_abs_error, and the counts."""
        scored = self.scored
        if not scored:
            return {
                "mean_abs_error": None,
                "mean_signed_error": None,
                "weighted_abs_error": None,
                "max_abs_error": None,
                "n_cutoffs": 0,
                "n_failed": len(self.cutoffs),
                "n_predictions": 0,
            }
        return {
            "mean_abs_error": float(np.mean([c.mean_abs_error for c in scored])),
            "mean_signed_error": float(np.mean([c.mean_signed_error for c in scored])),
            "weighted_abs_error": float(np.mean([c.weighted_abs_error for c in scored])),
            "max_abs_error": float(
                max(np.max(np.abs(c.predictions["relative_error"])) for c in scored)
            ),
            "n_cutoffs": len(scored),
            "n_failed": len(self.cutoffs) - len(scored),
            "n_predictions": int(sum(len(c.predictions) for c in scored)),
        }

    def predictions(self) -> pd.DataFrame:
        """Every prediction of every scored cutoff, with its ``fit_up_to`` and ``n_fit``."""
        frames = [c.predictions.assign(fit_up_to=c.fit_up_to, n_fit=c.n_fit) for c in self.scored]
        if not frames:
            return pd.DataFrame(
                columns=[
                    "run", "n_params", "n_tokens", "compute_flops", "observed", "predicted",
                    "relative_error", "distance", "weight", "fit_up_to", "n_fit",
                ]
            )  # fmt: skip
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``rollout --json``: axis, form, cutoffs with their predictions, summary."""
        return {
            "axis": self.axis,
            "form": self.form,
            "overestimate_penalty": self.overestimate_penalty,
            "n_runs": self.n_runs,
            "cutoffs": [
                {
                    "fit_up_to": c.fit_up_to,
                    "n_fit": c.n_fit,
                    "n_levels": c.n_levels,
                    "error": c.error,
                    "params": None if c.fit is None else dict(c.fit.params),
                    "predictions": [
                        {
                            "run": str(r.run),
                            "n_params": float(r.n_params),
                            "n_tokens": float(r.n_tokens),
                            "observed": float(r.observed),
                            "predicted": float(r.predicted),
                            "relative_error": float(r.relative_error),
                            "weight": float(r.weight),
                        }
                        for r in c.predictions.itertuples(index=False)
                    ],
                }
                for c in self.cutoffs
            ],
            "summary": self.summary(),
        }

    def report(self) -> str:
        """A short text table: one line per cutoff, then the summary."""
        what = "N" if self.axis == "params" else "C"
        lines = [
            f"Rollout of the {self.form} form by {what} (overestimate penalty "
            f"{self.overestimate_penalty:g}), {self.n_runs} runs:"
        ]
        for c in self.cutoffs:
            head = f"  fit {what} <= {c.fit_up_to:.4g} ({c.n_fit} runs, {c.n_levels} levels): "
            if c.error is not None:
                lines.append(head + f"fit failed: {c.error}")
            else:
                lines.append(
                    head + f"{len(c.predictions)} predicted, mean |error| {c.mean_abs_error:.2%}, "
                    f"signed {c.mean_signed_error:+.2%}, weighted {c.weighted_abs_error:.2%}"
                )
        s = self.summary()
        if s["n_cutoffs"]:
            lines.append(
                f"Summary over {s['n_cutoffs']} cutoffs: mean |error| {s['mean_abs_error']:.2%}, "
                f"signed {s['mean_signed_error']:+.2%}, weighted {s['weighted_abs_error']:.2%}, "
                f"max {s['max_abs_error']:.2%}"
            )
        return "\n".join(lines)


def rollout(
    runs: RunsLike,
    form: str = "chinchilla",
    *,
    axis: Axis = "params",
    overestimate_penalty: float = 1.0,
    min_levels: int = MIN_LEVELS,
    min_runs: int = MIN_RUNS,
    **options: Any,
) -> RolloutResult:
    """The rollout scorecard of one form (module docstring); ``options`` go to `fit`.

    Raises `FitError` when no cutoff has ``min_levels`` distinct levels and ``min_runs`` runs at
    or below it with larger runs above; a cutoff whose fit fails is kept with its ``error``.
    """
    if axis not in _AXIS_COLUMN:
        raise FitError(f"axis must be params or compute, not {axis!r}")
    if form not in ROLLOUT_FORMS:
        raise FitError(f"rollout form must be one of {', '.join(ROLLOUT_FORMS)}, not {form!r}")
    data = _as_runs(runs, options.pop("weights", None), need_tokens=form != "power-n")
    frame = data.frame()
    x = frame[_AXIS_COLUMN[axis]].to_numpy(dtype=float)
    levels = axis_levels(x, axis)
    distinct = np.unique(levels)
    cutoffs = [
        _one_cutoff(frame, x, levels <= cut, cut, k, form, overestimate_penalty, options)
        for cut, k in _cutoffs(levels, min_levels, min_runs)
    ]
    if not cutoffs:
        what = "sizes N" if axis == "params" else "compute budgets C"
        raise FitError(
            f"no rollout cutoff: it needs >= {min_levels} distinct {what} and >= {min_runs} runs "
            f"at or below a cutoff, and larger runs above it; these {len(frame)} runs have "
            f"{len(distinct)} distinct {what}"
        )
    return RolloutResult(
        axis=axis,
        form=form,
        overestimate_penalty=float(overestimate_penalty),
        cutoffs=tuple(cutoffs),
        n_runs=len(frame),
        options=dict(options),
    )


def _cutoffs(levels: np.ndarray, min_levels: int, min_runs: int) -> list[tuple[float, int]]:
    """(cutoff, number of levels at or below it) of every cutoff with ``min_levels`` levels and
    ``min_runs`` runs at or below it and a larger run above."""
    distinct = np.unique(levels)
    out = []
    for k in range(min_levels, len(distinct)):
        cut = float(distinct[k - 1])
        if int(np.sum(levels <= cut)) >= min_runs:
            out.append((cut, k))
    return out


def cutoff_values(runs: pd.DataFrame, axis: Axis = "params") -> list[float]:
    """The cutoffs `rollout` would fit (no fitting): a cheap count before a costly rollout."""
    if axis not in _AXIS_COLUMN:
        raise FitError(f"axis must be params or compute, not {axis!r}")
    x = pd.to_numeric(runs[_AXIS_COLUMN[axis]], errors="coerce").to_numpy(dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    return [cut for cut, _ in _cutoffs(axis_levels(x, axis), MIN_LEVELS, MIN_RUNS)]


def _one_cutoff(
    frame: pd.DataFrame,
    x: np.ndarray,
    train: np.ndarray,
    cut: float,
    n_levels: int,
    form: str,
    penalty: float,
    options: dict[str, Any],
) -> RolloutCutoff:
    held = frame.loc[~train, ["run", "n_params", "n_tokens", "compute_flops", "loss"]]
    held = held.rename(columns={"loss": "observed"}).reset_index(drop=True)
    try:
        result = fit(
            frame[train].reset_index(drop=True),
            form,  # type: ignore[arg-type]
            weights="weight",
            overestimate_penalty=penalty,
            **options,
        )
    except FitError as exc:
        return RolloutCutoff(cut, int(train.sum()), n_levels, None, held.iloc[:0], str(exc))
    predicted = np.asarray(
        result.predict(
            n_params=held["n_params"].to_numpy(),
            n_tokens=None if form == "power-n" else held["n_tokens"].to_numpy(),
        ),
        dtype=float,
    )
    observed = held["observed"].to_numpy(dtype=float)
    held["predicted"] = predicted
    held["relative_error"] = (predicted - observed) / observed
    held["distance"] = np.log(x[~train] / cut)
    held["weight"] = distance_weights(x[~train], cut)
    if not np.all(np.isfinite(predicted)):
        return RolloutCutoff(
            cut, int(train.sum()), n_levels, result, held.iloc[:0], "non-finite prediction"
        )
    return RolloutCutoff(cut, int(train.sum()), n_levels, result, held)


def compare_forms(
    runs: RunsLike,
    *,
    axis: Axis = "params",
    forms: tuple[str, ...] = ROLLOUT_FORMS,
    penalties: tuple[float, ...] = ROLLOUT_PENALTIES,
    **options: Any,
) -> list[dict[str, Any]]:
    """One row per (form, penalty): its summary, or the reason it could not be rolled out."""
    rows = []
    for form in forms:
        for penalty in penalties:
            row: dict[str, Any] = {"form": form, "overestimate_penalty": float(penalty)}
            try:
                card = rollout(runs, form, axis=axis, overestimate_penalty=penalty, **dict(options))
            except FitError as exc:
                row.update(error=str(exc))
            else:
                row.update(card.summary(), error=None)
            rows.append(row)
    return rows
