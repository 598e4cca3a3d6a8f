"""Task accuracy predicted from a ladder of small runs: Bhagia et al. 2024's two steps.

Step 1 (Bhagia et al. 2024, eq. 1) fits the task loss of each ladder run's final checkpoint
in Chinchilla's form,

    L(N, D) = E + A / N^α + B / D^β,

with the project's Approach-3 fit (`scaling_core.fit.fit`, Hoffmann et al. 2022, App. D.2)
and its trust checks.  Step 2 (their eq. 2) maps task loss to task accuracy with a sigmoid,

    Acc(L) = a / (1 + exp(−k·(L − L0))) + b,

fitted by least squares on every checkpoint of the ladder runs after the first 10% of each
run (their Sec. 3: early checkpoints are noisy).  The held-out runs (by default those above
1.3e9 parameters: the OLMo ladder's 3B runs) are predicted by chaining the two,
Acc(L(N, D)).  Intervals come from one cluster bootstrap of both fits together: each draw
resamples the ladder's configurations (runs sharing (N, D), such as reruns, are one cluster)
and refits step 1 on the drawn runs' final points and step 2 on the same runs' checkpoints.

The task loss is the bits per byte of the correct answer, the column Bhagia et al. use
(``eval/downstream_bpb/<task>_bpb`` in the OLMo files), and a step-1 point is the mean of the
run's last ``final_window`` = 5 checkpoints (their moving average of 5).  When the Chinchilla
form leaves any constant undetermined (`scaling_core.fit.identifiability`), step 1 fits the
same form with one exponent, α = β (Gadre et al. 2024, `scaling_core.fit.gadre`), and says so.

The variance gate is Bhagia et al.'s variance analysis (their Sec. 5 and the authors'
``variance_analysis.py``): the standard deviation of the task metric over the last 10
checkpoints of one ladder run (theirs: 1B-10xC; here the fitted run with the most compute),
relative to its mean.  A task is flagged when that relative SD is above the mean over every
task the files carry (the authors colour such tasks red); with fewer than three tasks the
threshold is 0.975%, the mean of the accuracy relative SDs of the ten tasks in the authors'
released table (``src/scripts/paper/figures/variance.csv`` of allenai/OLMo-ladder).

Accuracy is a fraction (a metric column holding percentages is divided by 100, and the
notes say so).

The task pairs and the gate are in `scaling_core.downstream_tasks`, step 2's sigmoid in
`scaling_core.downstream_sigmoid`; both are imported here, so callers import from this module.

References
----------
A. Bhagia, J. Liu et al., "Establishing Task Scaling Laws via Compute-Efficient Model
Ladders", arXiv:2412.04403, 2024 (eqs. 1-2, Sec. 3, Sec. 5).
J. Hoffmann et al., arXiv:2203.15556, 2022 (eq. 2, App. D.2).
S. Y. Gadre et al., arXiv:2403.08540, 2024 (sec. 2.1: α = β).

Examples
--------
>>> round(float(sigmoid(0.8, a=-0.8, k=5.0, loss_mid=1.0, b=1.0)), 4)
0.7848
>>> sorted(find_task_pairs(["eval/downstream_bpb/piqa_val_rc_5shot_bpb",
...                         "eval/downstream/piqa_val_rc_5shot_len_norm"]))
['piqa_val']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scaling_core.downstream_sigmoid import (
    SigmoidFit,
    fit_sigmoid,
    fit_sigmoid_batch,
    sigmoid,
)
from scaling_core.downstream_tasks import (  # noqa: F401  (task pairs and the gate, re-exported)
    GATE_DEFAULT_THRESHOLD,
    GATE_WINDOW,
    LOSS_SUFFIXES,
    METRIC_SUFFIXES,
    DownstreamError,
    TaskPair,
    VarianceGate,
    find_task_pairs,
    gate_run,
    resolve_task,
    task_checkpoints,
    variance_gate,
)
from scaling_core.fit import bootstrap_fit, fit
from scaling_core.fit.bootstrap import configuration_clusters, resampling_text
from scaling_core.fit.result import FitResult
from scaling_core.laws import FloatArray

#: Default parameter count above which runs are held out (the OLMo ladder's 3B runs).
DEFAULT_HOLDOUT_PARAMS: float = 1.3e9
#: Fraction of each run's checkpoints left out of step 2 (Bhagia et al., Sec. 3).
WARMUP_FRACTION: float = 0.1
#: Checkpoints averaged into a run's final step-1 point (the authors' moving average of 5).
FINAL_WINDOW: int = 5
STEP1_FORMS: tuple[str, ...] = ("auto", "chinchilla", "gadre")

#: Step 1 of a prediction (task loss from N and D) needs this many runs at this many model
#: sizes up to the cut (five constants of the Chinchilla form; three sizes for alpha).
STEP1_MIN_RUNS = 5
STEP1_MIN_SIZES = 3


def prediction_cuts(n_params: ArrayLike) -> list[float]:
    """The model sizes a prediction can fit up to (``holdout_params_above``): those that leave
    `STEP1_MIN_SIZES` sizes to fit and a larger one to predict; [] for a ladder of fewer
    sizes.

    >>> prediction_cuts([1.9e8, 3.7e8, 7.6e8, 1.28e9, 3.17e9, 3.17e9])
    [760000000.0, 1280000000.0]
    """
    values = np.asarray(n_params, dtype=float)
    sizes = sorted(set(values[np.isfinite(values)].tolist()))
    return [float(n) for n in sizes[STEP1_MIN_SIZES - 1 : -1]]


# --------------------------------------------------------------------------- the prediction


@dataclass(frozen=True)
class DownstreamResult:
    """Both steps, the held-out predictions with intervals, the gate (module docstring)."""

    pair: TaskPair
    step1: FitResult
    step1_form: str
    step1_reason: str
    step1_points: pd.DataFrame
    step2: SigmoidFit
    step2_points: pd.DataFrame
    predictions: pd.DataFrame
    gate: VarianceGate
    holdout_params_above: float
    n_boot: int
    n_failed: int
    seed: int | None
    confidence: float
    n_clusters: int
    step1_draws: pd.DataFrame = field(repr=False)
    step2_draws: FloatArray = field(repr=False)
    notes: tuple[str, ...] = ()

    def step2_band(self, loss: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Pointwise percentile band of the bootstrap sigmoids at ``loss``."""
        grid = np.asarray(loss, dtype=float)
        if not len(self.step2_draws):
            nan = np.full(grid.shape, np.nan)
            return nan, nan
        th = self.step2_draws
        values = sigmoid(grid[None, :], th[:, 0:1], th[:, 1:2], th[:, 2:3], th[:, 3:4])
        lo, hi = 50 * (1 - self.confidence), 50 * (1 + self.confidence)
        return np.percentile(values, lo, axis=0), np.percentile(values, hi, axis=0)

    @property
    def step1_intervals(self) -> dict[str, list[float]]:
        """Percentile intervals of step 1's constants over the bootstrap draws (for the α = β
        form the better guide than the curvature check, which judges α and β apart)."""
        if not len(self.step1_draws):
            return {}
        lo, hi = 50 * (1 - self.confidence), 50 * (1 + self.confidence)
        return {
            name: [float(np.percentile(self.step1_draws[name], lo)),
                   float(np.percentile(self.step1_draws[name], hi))]
            for name in self.step1.params
            if name in self.step1_draws
        }  # fmt: skip

    @property
    def step2_intervals(self) -> dict[str, list[float]]:
        """Percentile intervals of the sigmoid's a, k, L0, b over the bootstrap draws."""
        if not len(self.step2_draws):
            return {}
        lo, hi = 50 * (1 - self.confidence), 50 * (1 + self.confidence)
        return {
            name: [float(np.percentile(self.step2_draws[:, i], lo)),
                   float(np.percentile(self.step2_draws[:, i], hi))]
            for i, name in enumerate(("a", "k", "L0", "b"))
        }  # fmt: skip

    @property
    def summary(self) -> dict[str, Any]:
        """Errors of the held-out predictions (accuracy as a fraction): over configurations
        (runs sharing (N, D), such as a rerun, averaged first; the headline) and over runs."""
        p = self.predictions
        if not len(p):
            return {
                "mean_abs_error": None,
                "mean_signed_error": None,
                "max_abs_error": None,
                "mean_abs_error_runs": None,
                "n_configurations": 0,
                "n_predictions": 0,
                "inside_interval": 0,
            }
        by = p.groupby("configuration")
        err = (by["predicted"].mean() - by["observed"].mean()).to_numpy()
        inside = (p["observed"] >= p["interval_low"]) & (p["observed"] <= p["interval_high"])
        return {
            "mean_abs_error": float(np.mean(np.abs(err))),
            "mean_signed_error": float(np.mean(err)),
            "max_abs_error": float(np.max(np.abs(err))),
            "mean_abs_error_runs": float(np.mean(np.abs(p["predicted"] - p["observed"]))),
            "n_configurations": len(err),
            "n_predictions": len(p),
            "inside_interval": int(inside.sum()),
        }

    def to_dict(self) -> dict[str, Any]:
        ident = self.step1.identifiability
        return {
            "task": self.pair.task,
            "loss_column": self.pair.loss_column,
            "metric_column": self.pair.metric_column,
            "step1": {
                "form": self.step1_form,
                "form_reason": self.step1_reason,
                "params": dict(self.step1.params),
                "determined": dict(ident.determined),
                "not_determined_because": {
                    k: v for k, v in ident.reasons.items() if not ident.determined.get(k, True)
                },
                "warnings": self.step1.warnings(ident),
                "intervals": self.step1_intervals,
                "n_runs": len(self.step1_points),
                "final_window": FINAL_WINDOW,
                "points": [
                    {
                        "run": r.run,
                        "n_params": float(r.n_params),
                        "n_tokens": float(r.n_tokens),
                        "loss": float(r.loss),
                    }
                    for r in self.step1_points.itertuples(index=False)
                ],
            },
            "step2": {
                "params": self.step2.params,
                "n_points": self.step2.n_points,
                "warmup_fraction": WARMUP_FRACTION,
                "rms": self.step2.rms,
                "converged": self.step2.converged,
                "intervals": self.step2_intervals,
                "n_runs": int(self.step2_points["run"].nunique()),
            },
            "predictions": [
                {
                    "run": r.run,
                    "params": float(r.n_params),
                    "tokens": float(r.n_tokens),
                    "predicted": float(r.predicted),
                    "observed": float(r.observed),
                    "interval": [float(r.interval_low), float(r.interval_high)],
                    "predicted_loss": float(r.predicted_loss),
                    "observed_loss": float(r.observed_loss),
                }
                for r in self.predictions.itertuples(index=False)
            ],
            "summary": self.summary,
            "gate": self.gate.to_dict(),
            "holdout_params_above": self.holdout_params_above,
            "bootstrap": {
                "n_boot": self.n_boot,
                "n_failed": self.n_failed,
                "seed": self.seed,
                "confidence": self.confidence,
                "resampling": resampling_text("clusters", self.n_clusters, len(self.step1_points))
                + "; both steps refitted on each draw",
            },
            "notes": list(self.notes),
        }


def _final_points(checkpoints: pd.DataFrame, window: int) -> pd.DataFrame:
    grouped = checkpoints.groupby("run", sort=False)
    tail = grouped.tail(window).groupby("run", sort=False)
    return pd.DataFrame(
        {
            "run": list(tail.groups),
            "n_params": tail["n_params"].last().to_numpy(),
            "n_tokens": tail["n_tokens"].last().to_numpy(),
            "loss": tail["loss"].mean().to_numpy(),
        }
    )


def _after_warmup(checkpoints: pd.DataFrame, fraction: float) -> pd.DataFrame:
    position = checkpoints.groupby("run", sort=False).cumcount()
    size = checkpoints.groupby("run", sort=False)["step"].transform("size")
    return checkpoints[position >= np.ceil(fraction * size)].reset_index(drop=True)


def _step1_fit(points: pd.DataFrame, form: str) -> tuple[FitResult, str, str]:
    """Chinchilla's form, or α = β when it leaves a constant undetermined (``form="auto"``)."""
    if form == "gadre":
        return fit(points, "gadre"), "gadre", "the alpha = beta form, as asked"
    full = fit(points, "chinchilla")
    if form == "chinchilla":
        return full, "chinchilla", "the Chinchilla form, as asked"
    missing = [k for k in ("E", "A", "B", "alpha", "beta") if not full.determined.get(k, True)]
    if not missing:
        return full, "chinchilla", "the Chinchilla form: the runs determine its five constants"
    tied = fit(points, "gadre")
    return (
        tied,
        "gadre",
        f"alpha = beta (Gadre et al. 2024): the Chinchilla form leaves {', '.join(missing)} "
        "undetermined on these runs",
    )


def predict_downstream(
    curves: pd.DataFrame,
    pair: TaskPair,
    *,
    holdout_params_above: float = DEFAULT_HOLDOUT_PARAMS,
    step1_form: str = "auto",
    n_boot: int = 1000,
    seed: int | None = 0,
    confidence: float = 0.95,
    final_window: int = FINAL_WINDOW,
    warmup_fraction: float = WARMUP_FRACTION,
) -> DownstreamResult:
    """Bhagia et al. 2024's two-step prediction of the held-out runs' final accuracy.

    ``curves`` is a checkpoint table (`scaling_core.runs` learning curves: run, step,
    n_params, n_tokens and the pair's columns).  Runs with at most ``holdout_params_above``
    parameters are the ladder: step 1 on their final points (mean task loss of the last
    ``final_window`` checkpoints, N and D of the last), step 2 on their checkpoints after the
    first ``warmup_fraction``.  Every larger run is predicted at its final (N, D) and compared
    with its final checkpoint's metric.  ``n_boot`` cluster-bootstrap draws refit both steps
    on the same resampled configurations; the interval is the percentile interval at
    ``confidence`` of the chained prediction (fit uncertainty of both steps, not the
    checkpoint-to-checkpoint noise of the target).
    """
    if step1_form not in STEP1_FORMS:
        raise DownstreamError(f"step-1 form must be one of {', '.join(STEP1_FORMS)}")
    if not (0 < confidence < 1):
        raise DownstreamError(f"confidence must be between 0 and 1, got {confidence!r}")
    if n_boot == 1 or n_boot < 0:
        raise DownstreamError(f"the bootstrap needs at least 2 draws (or 0), got {n_boot}")
    checkpoints, notes = task_checkpoints(curves, pair)
    ladder = checkpoints[checkpoints["n_params"] <= holdout_params_above]
    target = checkpoints[checkpoints["n_params"] > holdout_params_above]
    points = _final_points(ladder, final_window)
    n_sizes = points["n_params"].nunique()
    if len(points) < STEP1_MIN_RUNS or n_sizes < STEP1_MIN_SIZES:
        raise DownstreamError(
            f"step 1 needs at least {STEP1_MIN_RUNS} runs at {STEP1_MIN_SIZES} or more sizes up "
            f"to {holdout_params_above:.4g} parameters; {len(points)} "
            f"{'run' if len(points) == 1 else 'runs'} at {n_sizes} "
            f"{'size' if n_sizes == 1 else 'sizes'} {'has' if len(points) == 1 else 'have'} "
            f"{pair.loss_column!r}"
        )
    step1, form, reason = _step1_fit(points, step1_form)
    checkpoints2 = _after_warmup(ladder, warmup_fraction)
    step2 = fit_sigmoid(checkpoints2["loss"], checkpoints2["metric"])
    if not step2.converged:
        notes.append(
            "step 2: the checkpoints sit on one tail of the sigmoid, so a and L0 are not "
            "determined (they drift together); the fitted curve over the checkpoints is"
        )
    ends = target.groupby("run", sort=False).tail(1).reset_index(drop=True)
    # configurations: runs sharing (N, D) within 1% (reruns), ladder and targets alike
    everyone = pd.concat(
        [points[["run", "n_params", "n_tokens"]], ends[["run", "n_params", "n_tokens"]]]
    )
    labels = configuration_clusters(everyone["n_params"], everyone["n_tokens"])
    ladder_labels = labels[: len(points)]
    target_labels = labels[len(points) :]
    predicted_loss = step1.predict(n_params=ends["n_params"], n_tokens=ends["n_tokens"])
    predicted = step2.predict(predicted_loss)

    step1_draws = pd.DataFrame()
    step2_draws = np.empty((0, 4))
    draws_pred = np.empty((0, len(ends)))
    failed = 0
    _, cluster_of_run = np.unique(ladder_labels, return_inverse=True)
    n_clusters = int(cluster_of_run.max()) + 1
    if n_boot:
        rng = np.random.default_rng(seed)
        counts = np.stack(
            [
                np.bincount(rng.integers(0, n_clusters, n_clusters), minlength=n_clusters)
                for _ in range(n_boot)
            ]
        ).astype(float)
        w1 = counts[:, cluster_of_run]
        run_index = {r: i for i, r in enumerate(points["run"])}
        w2 = w1[:, checkpoints2["run"].map(run_index).to_numpy()]
        boot = bootstrap_fit(points, form, draw_weights=w1, confidence=confidence, seed=seed)
        step1_draws = boot.samples
        theta2, _ = fit_sigmoid_batch(
            checkpoints2["loss"], checkpoints2["metric"], w2, start=list(step2.params.values())
        )
        good = np.zeros(n_boot, dtype=bool)
        good[step1_draws.index.to_numpy()] = True
        good &= np.all(np.isfinite(theta2), axis=1)  # drifting draws: their curves still count
        failed = int(n_boot - good.sum())
        draws = step1_draws.loc[np.flatnonzero(good)]
        theta2 = theta2[good]
        if len(ends) and len(draws):
            n = ends["n_params"].to_numpy()[None, :]
            d = ends["n_tokens"].to_numpy()[None, :]
            col = {k: draws[k].to_numpy()[:, None] for k in ("E", "A", "B", "alpha", "beta")}
            loss_draws = col["E"] + col["A"] * n ** -col["alpha"] + col["B"] * d ** -col["beta"]
            draws_pred = sigmoid(
                loss_draws, theta2[:, 0:1], theta2[:, 1:2], theta2[:, 2:3], theta2[:, 3:4]
            )
        step1_draws = draws
        step2_draws = theta2
    lo_q, hi_q = 50 * (1 - confidence), 50 * (1 + confidence)
    if len(draws_pred):
        low = np.percentile(draws_pred, lo_q, axis=0)
        high = np.percentile(draws_pred, hi_q, axis=0)
    else:
        low = high = np.full(len(ends), np.nan)
    predictions = pd.DataFrame(
        {
            "run": ends["run"],
            "configuration": target_labels,
            "n_params": ends["n_params"],
            "n_tokens": ends["n_tokens"],
            "predicted": predicted,
            "observed": ends["metric"],
            "interval_low": low,
            "interval_high": high,
            "predicted_loss": predicted_loss,
            "observed_loss": ends["loss"],
        }
    )
    gate = variance_gate(curves, pair, list(points["run"]))
    step2_points = checkpoints2[["run", "step", "n_params", "n_tokens", "loss", "metric"]]
    return DownstreamResult(
        pair=pair,
        step1=step1,
        step1_form=form,
        step1_reason=reason,
        step1_points=points,
        step2=step2,
        step2_points=step2_points,
        predictions=predictions,
        gate=gate,
        holdout_params_above=float(holdout_params_above),
        n_boot=int(n_boot),
        n_failed=failed,
        seed=seed,
        confidence=confidence,
        n_clusters=n_clusters,
        step1_draws=step1_draws,
        step2_draws=step2_draws,
        notes=tuple(notes),
    )


def all_tasks(
    curves: pd.DataFrame, **options: Any
) -> dict[str, DownstreamResult | DownstreamError]:
    """`predict_downstream` for every task pair of ``curves`` (a failed task: its error)."""
    out: dict[str, DownstreamResult | DownstreamError] = {}
    for name, pair in find_task_pairs(curves.columns).items():
        try:
            out[name] = predict_downstream(curves, pair, **options)
        except DownstreamError as exc:
            out[name] = exc
    return out


def summary_table(results: Mapping[str, DownstreamResult | DownstreamError]) -> pd.DataFrame:
    """One row per task: mean |error| (points), signed, the gate's relative SD and verdict."""
    rows = []
    for name, result in results.items():
        if isinstance(result, DownstreamError):
            rows.append({"task": name, "error": str(result)})
            continue
        s = result.summary
        rows.append(
            {
                "task": name,
                "step1_form": result.step1_form,
                "mean_abs_error": s["mean_abs_error"],
                "mean_signed_error": s["mean_signed_error"],
                "inside_interval": s["inside_interval"],
                "n_predictions": s["n_predictions"],
                "gate_relative_sd": result.gate.metric_relative_sd,
                "flagged": result.gate.flagged,
            }
        )
    return pd.DataFrame(rows)


def nominal_sizes_note(per_run: pd.DataFrame) -> str | None:
    """What to say when the runs' parameter counts are the nominal sizes in their names
    (``1B``), which step 1's L(N, D) takes as exact; None when every count was given."""
    if not len(per_run) or "params_source" not in per_run:
        return None
    nominal = sorted(
        str(run)
        for run, source in zip(per_run["run"], per_run["params_source"], strict=True)
        if "nominal" in str(source)
    )
    if not nominal:
        return None
    return (
        f"parameter counts of {len(nominal)} runs (e.g. {nominal[0]}) are the nominal sizes in "
        "their names, which step 1 takes as exact (the OLMo ladder's '1B' has 1.28B parameters)"
    )
