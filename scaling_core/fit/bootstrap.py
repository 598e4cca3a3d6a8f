"""Bootstrap intervals over runs (Besiroglu et al. 2024, section 3): refits of multinomial resamples."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.fit.base import DEFAULT_DELTA, FitError, Form, RunsLike, _as_runs
from scaling_core.fit.forms import _check_delta, _theta_params, fit
from scaling_core.fit.objective import _KaplanModel, _LSEModel, _newton
from scaling_core.fit.result import FitResult, _chinchilla_optimal
from scaling_core.fit.starts import _lse_starts, _vp_score
from scaling_core.laws import (
    FloatArray,
)


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap over runs: percentile intervals for the parameters and derived quantities.

    ``samples`` has one row per successful refit (columns: the parameters, then derived ones:
    chinchilla ``a``, ``b``, and ``n_opt``, ``d_opt`` when ``compute_flops`` was given; any
    form ``loss_at`` when ``at`` was given).  ``intervals[name] = (low, high)`` are the
    ``(1 − confidence)/2`` and ``(1 + confidence)/2`` percentiles.
    """

    fit: FitResult
    samples: pd.DataFrame = field(repr=False)
    intervals: dict[str, tuple[float, float]]
    confidence: float
    n_boot: int
    n_failed: int
    seed: int | None
    compute_flops: float | None = None
    at: tuple[float, float] | None = None

    @property
    def standard_errors(self) -> dict[str, float]:
        """Standard deviation of each column of ``samples`` (Besiroglu et al. 2024 report these)."""
        return {name: float(self.samples[name].std(ddof=1)) for name in self.samples.columns}

    @property
    def derived(self) -> dict[str, float]:
        """Point estimates of the derived quantities from the full-data fit."""
        return _derived(self.fit.form, self.fit.params, self.compute_flops, self.at, self.fit)

    def report(self) -> str:
        """The fit's report followed by the bootstrap intervals."""
        pct = f"{100 * self.confidence:g}%"
        lines = [
            self.fit.report(),
            f"[[Bootstrap]] {self.n_boot} refits over runs, "
            f"{self.n_failed} failed; {pct} percentile intervals (seed {self.seed})",
        ]
        point = {**self.fit.params, **self.derived}
        for name, (low, high) in self.intervals.items():
            lines.append(f"    {name:<8} {point.get(name, math.nan):.6g}  [{low:.6g}, {high:.6g}]")
        return "\n".join(lines)


def _derived(
    form: str,
    params: Mapping[str, float],
    compute_flops: float | None,
    at: tuple[float, float] | None,
    result: FitResult,
) -> dict[str, float]:
    out: dict[str, float] = {}
    if form == "chinchilla":
        total = params["alpha"] + params["beta"]
        out["a"] = params["beta"] / total
        out["b"] = params["alpha"] / total
        if compute_flops is not None:
            n_opt, d_opt = _chinchilla_optimal(params, compute_flops)
            out["n_opt"], out["d_opt"] = float(n_opt), float(d_opt)
    if at is not None:
        probe = replace(result, params=dict(params))
        out["loss_at"] = float(probe.predict(n_params=at[0], n_tokens=at[1]))
    return out


def bootstrap_fit(
    runs: RunsLike,
    form: Form = "chinchilla",
    *,
    n_boot: int = 1000,
    seed: int | None = 0,
    confidence: float = 0.95,
    compute_flops: float | None = None,
    at: tuple[float, float] | None = None,
    refit_grid_points: int = 10,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> BootstrapResult:
    """Bootstrap over runs: resample the runs with replacement ``n_boot`` times and refit.

    A resample is a vector of multinomial counts used as weights (identical to refitting the
    resampled table).  Each refit starts from the full-data solution (warm start); the
    chinchilla and power forms also try the best point of a coarse ``refit_grid_points``-per-
    exponent variable-projection grid when it lies in another basin.
    Percentile intervals at ``confidence`` are given for every parameter and the derived
    quantities: chinchilla a = β/(α+β), b = α/(α+β) (Hoffmann et al. 2022, eq. 4), N_opt and
    D_opt at ``compute_flops``; predicted loss at ``at`` = (N, D) for any form.  ``options``
    are passed to the form's fit (delta, weights, fixed, exclude_highest_loss, ...).
    A refit that fails (no convergence, overflow on a degenerate resample) is counted in
    ``n_failed`` and left out.  ``progress(done, total)`` is called about 50 times.

    References: Besiroglu et al. 2024, arXiv:2404.10102 (bootstrap of the Approach-3 fit).
    """
    if not (0 < confidence < 1):
        raise FitError(f"confidence must be between 0 and 1, got {confidence!r}")
    if int(n_boot) < 2:
        raise FitError(f"n_boot must be at least 2, got {n_boot!r}")
    if compute_flops is not None and not (compute_flops > 0):
        raise FitError(f"compute_flops must be positive, got {compute_flops!r}")
    n_boot = int(n_boot)
    full = fit(runs, form, **options)
    data = full.runs
    base_w = data["weight"].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    n = len(data)
    rows: list[dict[str, float]] = []
    failed = 0
    fast = _fast_refitter(full, data.drop(columns=["weight"]), options, refit_grid_points)
    report_every = max(1, n_boot // 50)
    for index in range(n_boot):
        if progress is not None and index % report_every == 0:
            progress(index, n_boot)
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(float)
        try:
            refit = fast(counts * base_w)
        except (FitError, ArithmeticError, np.linalg.LinAlgError):
            failed += 1
            continue
        if not all(math.isfinite(v) for v in refit.params.values()):
            failed += 1
            continue
        row = dict(refit.params)
        try:
            row.update(_derived(form, refit.params, compute_flops, at, full))
        except (ValueError, ZeroDivisionError, OverflowError):
            failed += 1
            continue
        rows.append(row)
    if progress is not None:
        progress(n_boot, n_boot)
    samples = pd.DataFrame(rows)
    lo_q, hi_q = 50 * (1 - confidence), 50 * (1 + confidence)
    intervals = (
        {
            name: (
                float(np.percentile(samples[name], lo_q)),
                float(np.percentile(samples[name], hi_q)),
            )
            for name in samples.columns
            if name not in full.fixed
        }
        if len(samples)
        else {}
    )
    return BootstrapResult(
        fit=full,
        samples=samples,
        intervals=intervals,
        confidence=confidence,
        n_boot=n_boot,
        n_failed=failed,
        seed=seed,
        compute_flops=compute_flops,
        at=at,
    )


#: Index in θ of each fixable parameter, and whether it is stored as a logarithm.
_THETA_INDEX: dict[str, dict[str, tuple[int, bool]]] = {
    "chinchilla": {
        "E": (0, True),
        "A": (1, True),
        "B": (2, True),
        "alpha": (3, False),
        "beta": (4, False),
    },
    "power-n": {"E": (0, True), "A": (1, True), "alpha": (2, False)},
    "power-c": {"E": (0, True), "alpha_c": (2, False)},
    "kaplan": {},
}


def _fast_refitter(
    full: FitResult, frame: pd.DataFrame, options: Mapping[str, Any], grid_points: int
) -> Callable[[FloatArray], FitResult]:
    """A reweighted refit that skips validation and starts from the full-data solution θ̂.

    LSE forms also polish the best point of a coarse variable-projection grid when it lies in
    a different exponent basin and scores better there; Kaplan refits use θ̂ only.
    """
    delta = _check_delta(options.get("delta", DEFAULT_DELTA))
    form = full.form
    data = _as_runs(frame, need_tokens=form != "power-n")
    log_loss = np.log(data.loss)
    fixed_theta: dict[int, float] = {}
    for name, value in full.fixed.items():
        index, is_log = _THETA_INDEX[form][name]
        fixed_theta[index] = (math.log(value) if value > 0 else -math.inf) if is_log else value
    model: _LSEModel | _KaplanModel
    if form == "kaplan":
        model = _KaplanModel(np.log(data.n_params), np.log(data.n_tokens), log_loss)
        distinct = [data.n_params, data.n_tokens]
    else:
        columns = {
            "chinchilla": [data.n_params, data.n_tokens],
            "power-n": [data.n_params],
            "power-c": [data.compute_flops],
        }[form]
        model = _LSEModel(np.log(np.column_stack(columns)), log_loss)
        distinct = columns
    free = np.ones(model.n_theta, dtype=bool)
    free[list(fixed_theta)] = False
    n_free = int(free.sum())
    warm = full.theta

    def refit(w: FloatArray) -> FitResult:
        active = w > 0
        needed = 2 if len(distinct) > 1 else min(n_free, 3)
        if active.sum() < n_free or any(
            len(np.unique(values[active])) < needed for values in distinct
        ):
            raise FitError("degenerate resample")
        sol = _newton(model, warm, free, w, delta)
        if grid_points and isinstance(model, _LSEModel):
            # Insurance against a basin change: polish the best coarse-grid start only when its
            # exponents are far from the warm solution's and it scores better on the grid's own
            # (loss-space) criterion.
            (start, score), *_ = _lse_starts(model.x, data.loss, w, fixed_theta, grid_points, 1)
            spacing = (2.0 - 0.02) / max(grid_points - 1, 1)
            m = model.m
            far = np.max(np.abs(start[1 + m :] - sol.theta[1 + m :])) > 1.5 * spacing
            if far and score < _vp_score(model, sol.theta, data.loss, w):
                theta = _newton(model, start, free, w, math.inf, max_iter=100).theta
                other = _newton(model, theta, free, w, delta)
                if other.objective < sol.objective:
                    sol = other
        return replace(
            full,
            params=_theta_params(form, sol.theta, full.fixed),
            objective=sol.objective,
            theta=sol.theta,
            converged=sol.converged,
            message=sol.message,
        )

    return refit
