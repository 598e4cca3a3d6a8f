"""Leave-out extrapolation check: fit the smaller runs, predict the held-out largest ones."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from scaling_core.fit.base import FitError, Form, RunsLike, _as_runs
from scaling_core.fit.choose import fit
from scaling_core.fit.result import FitResult


@dataclass(frozen=True)
class ExtrapolationResult:
    """Fit on the smaller runs, predictions for the held-out largest ones.

    ``holdout`` has run, n_params, n_tokens, compute_flops, loss, predicted, error
    (predicted − observed, nats), relative_error and log_error (log predicted − log observed).
    """

    fit: FitResult
    holdout: pd.DataFrame
    by: str
    threshold: float

    @cached_property  # the page reads three numbers of it per draw
    def configurations(self) -> pd.DataFrame:
        """The held-out runs by configuration: runs that share (N, D) within 1% (seeds,
        reruns) are one row, with their mean relative error and how many runs it has, so a
        configuration trained twice is not counted twice.  Rows in cluster order; grouped
        with numpy (pandas' groupby took 5-9 ms, on every rerun of a cached check)."""
        from scaling_core.fit.bootstrap import configuration_clusters

        held = self.holdout
        n_params = held["n_params"].to_numpy(dtype=float)
        tokens = held["n_tokens"].to_numpy(dtype=float) if "n_tokens" in held else None
        if tokens is None:
            tokens = np.ones(len(held))
        # the bootstrap's rule: N and D within 1% are one configuration
        labels, cluster = np.unique(configuration_clusters(n_params, tokens), return_inverse=True)
        n_runs = np.bincount(cluster, minlength=len(labels))

        def mean(values: np.ndarray) -> np.ndarray:
            return np.bincount(cluster, weights=values, minlength=len(labels)) / n_runs

        return pd.DataFrame(
            {
                "n_params": mean(n_params),
                "n_tokens": mean(tokens),
                "relative_error": mean(held["relative_error"].to_numpy(dtype=float)),
                "n_runs": n_runs.astype(np.int64),
            }
        )

    @property
    def n_configurations(self) -> int:
        """Distinct (N, D) among the held-out runs."""
        return len(self.configurations)

    @property
    def mean_abs_relative_error(self) -> float:
        """Mean |predicted/observed − 1| over the held-out configurations (reruns of one
        configuration averaged first, so they count once)."""
        return float(np.mean(np.abs(self.configurations["relative_error"])))

    @property
    def mean_signed_relative_error(self) -> float:
        """Mean predicted/observed − 1 over the held-out configurations: negative when the law
        under-predicts the larger runs' loss (a bias the absolute mean hides)."""
        return float(np.mean(self.configurations["relative_error"]))

    @property
    def max_abs_relative_error(self) -> float:
        """Largest |predicted/observed − 1| over the held-out runs."""
        return float(np.max(np.abs(self.holdout["relative_error"])))

    @property
    def rms_log_error(self) -> float:
        """RMS of log predicted − log observed over the held-out runs."""
        return float(np.sqrt(np.mean(self.holdout["log_error"] ** 2)))

    def report(self) -> str:
        """Text summary of the extrapolation check."""
        return (
            f"Fitted {self.fit.n_runs} runs with {self.by} <= {self.threshold:.4g}; "
            f"predicted {len(self.holdout)} held-out runs ({self.n_configurations} distinct "
            f"(N, D), reruns counted once): mean |rel. error| "
            f"{self.mean_abs_relative_error:.3%}, mean signed {self.mean_signed_relative_error:+.3%}, "
            f"max {self.max_abs_relative_error:.3%}, "
            f"rms log error {self.rms_log_error:.4g}"
        )


def extrapolation_check(
    runs: RunsLike,
    form: Form = "chinchilla",
    *,
    by: Literal["compute_flops", "n_params", "n_tokens"] = "compute_flops",
    quantile: float = 0.8,
    threshold: float | None = None,
    **options: Any,
) -> ExtrapolationResult:
    """Leave-out check: fit the runs with ``by`` ≤ its ``quantile``, predict the larger ones.

    A law that extrapolates should predict the held-out largest runs about as well as it fits
    the rest; compare ``rms_log_error`` with the fit's `FitResult.rms_residual`. A given
    ``threshold`` (e.g. 1.5e9 parameters) replaces the quantile.
    """
    if by not in ("compute_flops", "n_params", "n_tokens"):
        raise FitError(f"by must be compute_flops, n_params or n_tokens, not {by!r}")
    if not (0 < quantile < 1):
        raise FitError(f"quantile must be between 0 and 1, got {quantile!r}")
    data = _as_runs(runs, options.pop("weights", None), need_tokens=form != "power-n")
    frame = data.frame()
    values = frame[by].to_numpy(dtype=float)
    if threshold is None:
        threshold = float(np.quantile(values, quantile))
        where = f"the {quantile:g} quantile of {by}"
    else:
        where = f"{by} {threshold:.4g}"
    train = values <= threshold
    if train.all() or not train.any():
        side = "above" if train.all() else "at or below"
        raise FitError(f"no runs {side} {where} (to {'hold out' if train.all() else 'fit'})")
    result = fit(frame[train].reset_index(drop=True), form, weights="weight", **options)
    held = frame[~train].drop(columns=["weight"]).reset_index(drop=True)
    predicted = result.predict(
        n_params=held["n_params"].to_numpy(),
        n_tokens=held["n_tokens"].to_numpy() if form != "power-n" else None,
        compute_flops=held["compute_flops"].to_numpy(),
    )
    held["predicted"] = predicted
    held["error"] = predicted - held["loss"]
    held["relative_error"] = predicted / held["loss"] - 1.0
    held["log_error"] = np.log(predicted) - np.log(held["loss"])
    return ExtrapolationResult(fit=result, holdout=held, by=by, threshold=threshold)
