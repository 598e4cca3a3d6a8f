"""The Chinchilla-form fit of a shipped real sweep, its intervals and a leave-out check.

For one entry of `scaling_core.published` and a choice of sweep (column values) and validation
loss: the final point of every run, the Approach-3 fit of L(N, D) = E + A/N^α + B/D^β
(Hoffmann et al. 2022, eq. 2 and Appendix D.2) with a bootstrap over runs (Besiroglu et al.
2024), N_opt(C) and D_opt/N_opt it implies (eq. 4), and a leave-out check: fit the runs below a
size and predict the larger ones (the OLMo ladder's 3B runs from 190M-1B, as Bhagia et al.
2024 predict their largest models from smaller ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from scaling_core.fit import (
    BootstrapResult,
    FitError,
    FitResult,
    Identifiability,
    bootstrap_fit,
    fit,
)
from scaling_core.fit.extrapolation import ExtrapolationResult
from scaling_core.fit.rollout import RolloutResult, rollout
from scaling_core.fit.sweeps import select_rows
from scaling_core.published.catalogue import PublishedSweep

#: Budgets at which the page reads out N_opt and tokens per parameter, FLOP.
READOUT_BUDGETS: tuple[float, ...] = (1e21, 1e23, 5.76e23)


def loss_columns(runs: pd.DataFrame) -> list[str]:
    """The loss columns on offer: ``loss`` (the catalogue's default) then ``loss_<set>``."""
    return ["loss", *sorted(c for c in runs.columns if str(c).startswith("loss_"))]


def read_sweep(sweep: PublishedSweep) -> pd.DataFrame:
    """The file's finished runs (the last checkpoint of each run for learning curves), with
    every extra column the file has (factors, other losses)."""
    from scaling_core.runs import read_run_log

    return read_run_log(sweep.file).runs


def sweep_runs(
    runs: pd.DataFrame, where: Mapping[str, str] | None = None, loss_column: str = "loss"
) -> pd.DataFrame:
    """The runs of one sweep with ``loss`` taken from ``loss_column`` (rows without it dropped)."""
    table = select_rows(runs, where) if where else runs
    if loss_column not in table.columns:
        raise FitError(f"no loss column {loss_column!r} (columns: {', '.join(loss_columns(runs))})")
    table = table.copy()
    table["loss"] = pd.to_numeric(table[loss_column], errors="coerce")
    table = table[np.isfinite(table["loss"]) & (table["loss"] > 0)]
    return table.reset_index(drop=True)


@dataclass(frozen=True)
class SweepFit:
    """A sweep's Approach-3 fit with bootstrap intervals and its leave-out check."""

    n_runs: int
    table: pd.DataFrame
    boot: BootstrapResult
    leave_out: ExtrapolationResult | None
    leave_out_error: str | None

    @property
    def fit(self) -> FitResult:
        """The full-data fit."""
        return self.boot.fit

    @property
    def identifiability(self) -> Identifiability:
        """What these runs determine (`FitResult.identifiability`), with the bootstrap's
        intervals read in (`Identifiability.with_intervals`)."""
        return self.fit.identifiability.with_intervals(self.boot.intervals, self.boot.confidence)

    @property
    def allocation_determined(self) -> bool:
        """Whether the runs determine a, so that N_opt, tokens per parameter and the
        compute-optimal curve may be shown."""
        return self.identifiability.allocation_determined

    @property
    def a(self) -> float:
        """N_opt ∝ C^a, a = β/(α+β) (Hoffmann et al. 2022, eq. 4).  Check
        `allocation_determined` before showing it."""
        return self.fit.allocation_exponents[0]

    def fit_errors_against(self, law: object) -> tuple[float, float]:
        """Mean |predicted/observed − 1| over the fitted runs: of ``law`` (a published law with
        ``loss(N, D)``), and of our fit."""
        n = self.table["n_params"].to_numpy(dtype=float)
        d = self.table["n_tokens"].to_numpy(dtype=float)
        observed = self.table["loss"].to_numpy(dtype=float)
        theirs = np.asarray(law.loss(n, d), dtype=float)  # type: ignore[attr-defined]
        ours = np.asarray(self.fit.predict(n_params=n, n_tokens=d), dtype=float)
        return (
            float(np.mean(np.abs(theirs / observed - 1))),
            float(np.mean(np.abs(ours / observed - 1))),
        )

    def level_offset(self, law: object) -> tuple[float, float]:
        """How ``law`` sits against the fitted runs when it was fitted to other data (another
        data set, tokenizer or loss): its level offset, exp(median log(L_law/L_obs)) − 1, and
        the mean |L_law/L_obs / (1 + offset) − 1| left once that offset is removed (the
        difference in shape).  A comparison of sources, not an error of either law."""
        n = self.table["n_params"].to_numpy(dtype=float)
        d = self.table["n_tokens"].to_numpy(dtype=float)
        log_ratio = np.log(np.asarray(law.loss(n, d), dtype=float)) - np.log(  # type: ignore[attr-defined]
            self.table["loss"].to_numpy(dtype=float)
        )
        centre = float(np.median(log_ratio))
        return float(np.expm1(centre)), float(np.mean(np.abs(np.expm1(log_ratio - centre))))

    def n_opt(self, compute_flops: float) -> float:
        """N_opt at C FLOP."""
        return float(self.fit.compute_optimal(compute_flops)[0])

    def tokens_per_param(self, compute_flops: float) -> float:
        """D_opt / N_opt at C FLOP."""
        n_opt, d_opt = self.fit.compute_optimal(compute_flops)
        return float(d_opt / n_opt)


def leave_out_check(table: pd.DataFrame, below: float, **options: object) -> ExtrapolationResult:
    """Fit the runs with n_params < ``below`` (Chinchilla form), predict the others."""
    small = table["n_params"] < below
    if small.sum() < 6 or (~small).sum() == 0:
        raise FitError(
            f"leave-out check needs >= 6 runs below {below:.3g} parameters and some above; "
            f"found {int(small.sum())} and {int((~small).sum())}"
        )
    result = fit(table[small].reset_index(drop=True), "chinchilla", **options)
    held = table.loc[~small, ["run", "n_params", "n_tokens", "compute_flops", "loss"]].copy()
    held = held.reset_index(drop=True)
    predicted = np.asarray(
        result.predict(n_params=held["n_params"].to_numpy(), n_tokens=held["n_tokens"].to_numpy()),
        dtype=float,
    )
    held["predicted"] = predicted
    held["error"] = predicted - held["loss"]
    held["relative_error"] = predicted / held["loss"] - 1.0
    held["log_error"] = np.log(predicted) - np.log(held["loss"])
    return ExtrapolationResult(fit=result, holdout=held, by="n_params", threshold=float(below))


def fit_sweep(
    table: pd.DataFrame,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    holdout_below: float | None = None,
) -> SweepFit:
    """Approach-3 fit with ``n_boot`` bootstrap refits (runs sharing (N, D), such as the OLMo
    ladder's reruns, drawn together), and the leave-out check when asked."""
    if len(table) < 6:
        raise FitError(f"{len(table)} runs; the Chinchilla form needs at least 6")
    # The form the runs determine (`fit(form="auto")`): the Chinchilla form, or power in N
    # when every run has one D (Pythia's checkpoints of one schedule), with its reason.
    chosen = fit(table, "auto")
    boot = bootstrap_fit(table, chosen.form, n_boot=n_boot, seed=seed)
    if chosen.fallback:
        boot = replace(boot, fit=replace(boot.fit, fallback=chosen.fallback))
    check, error = None, None
    if holdout_below is not None and chosen.form == "chinchilla":
        try:
            check = leave_out_check(table, holdout_below)
        except FitError as exc:
            error = str(exc)
    return SweepFit(len(table), table, boot, check, error)


def sweep_rollout(table: pd.DataFrame) -> RolloutResult:
    """The rollout scorecard by N (`scaling_core.fit.rollout`, OLMo-core's method) of the
    Chinchilla form, or of L(N) = E + A/N^α when every run has the same D (the two-variable
    form cannot separate N and D then)."""
    form = "power-n" if table["n_tokens"].nunique() == 1 else "chinchilla"
    return rollout(table, form, axis="params")
