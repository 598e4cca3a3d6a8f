"""Bootstrap intervals over runs (Besiroglu et al. 2024, section 3): refits of multinomial resamples.

Runs that share a configuration (N, D) -- seeds and reruns of one config -- share its noise, so
they are resampled together: a draw samples those clusters with replacement, and every run of a
drawn cluster gets its count as weight (the cluster bootstrap; Cameron, Gelbach & Miller 2008,
"Bootstrap-based improvements for inference with clustered errors").  Resampling the runs one by
one treats three seeds of one config as three independent looks at the law and gives intervals
that are too narrow (tests/test_coverage.py measures both).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scaling_core.fit.base import (
    DEFAULT_DELTA,
    FLOPS_PER_PARAM_TOKEN,
    FitError,
    Form,
    RunsLike,
    _as_runs,
)
from scaling_core.fit.choose import fit
from scaling_core.fit.forms import _check_delta, _theta_params
from scaling_core.fit.identifiability import group_isoflop
from scaling_core.fit.newton_batch import _residuals as _batch_residuals
from scaling_core.fit.newton_batch import best_grid_points, newton_batch
from scaling_core.fit.objective import _KaplanModel, _LSEModel, _newton, _Solution
from scaling_core.fit.result import FitResult, _chinchilla_optimal
from scaling_core.fit.starts import MAX_WORKING_FLOATS, _lse_starts, _vp_score
from scaling_core.laws import (
    FloatArray,
)

Resample: TypeAlias = Literal["clusters", "rows"]
#: How bootstrap_fit resamples: clusters of runs sharing (N, D) (the default), or single rows.
RESAMPLE_MODES: tuple[str, ...] = ("clusters", "rows")
#: Relative tolerance within which two runs' N (and D) count as the same configuration.
CLUSTER_TOLERANCE: float = 0.01


def configuration_clusters(
    n_params: ArrayLike, n_tokens: ArrayLike, tolerance: float = CLUSTER_TOLERANCE
) -> np.ndarray:
    """Cluster labels (0, 1, … in order of first appearance) of runs sharing (N, D).

    Runs whose N agree within ``tolerance`` (relative) and, among those, whose D agree within
    ``tolerance`` form one cluster: the seeds and reruns of one configuration.  A D that is not
    finite (a power law in N alone) clusters by N only.

    Examples
    --------
    >>> configuration_clusters([1e8, 1e8, 1.004e8, 2e8], [2e9, 2e9, 2e9, 2e9]).tolist()
    [0, 0, 0, 1]
    """
    n = np.asarray(n_params, dtype=float).reshape(-1)
    d = np.asarray(n_tokens, dtype=float).reshape(-1)
    if len(d) != len(n):
        raise FitError(f"{len(n)} parameter counts but {len(d)} token counts")
    by_n = group_isoflop(n, tolerance)
    raw = np.empty(len(n), dtype=np.int64)
    next_label = 0
    for g in np.unique(by_n):
        members = np.flatnonzero(by_n == g)
        tokens = d[members]
        finite = np.isfinite(tokens) & (tokens > 0)
        sub = np.zeros(len(members), dtype=np.int64)
        if finite.any():
            sub[finite] = group_isoflop(tokens[finite], tolerance)
            sub[~finite] = int(sub[finite].max()) + 1
        raw[members] = next_label + sub
        next_label += int(sub.max()) + 1
    # relabel in order of first appearance, so that runs all of distinct configurations are
    # resampled exactly as rows are (the same draws for the same seed)
    _, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


#: Fewest refits whose 2.5% and 97.5% percentiles are stable to a few per cent of the interval's
#: width between seeds (Efron & Tibshirani 1993, Sec. 13.3 ask for 1,000 or more for percentile
#: intervals); fewer are allowed but flagged.
STABLE_DRAWS = 1000


def few_draws_note(n_boot: int) -> str | None:
    """A warning when ``n_boot`` refits are too few for stable percentile ends, else None."""
    if n_boot >= STABLE_DRAWS:
        return None
    return (
        f"only {n_boot} bootstrap refits: the interval ends move between seeds; "
        f"use {STABLE_DRAWS:,} or more for a stable interval"
    )


def resampling_text(resample: str, n_clusters: int, n_runs: int) -> str:
    """How a bootstrap resampled, in words (shown beside its intervals)."""
    if resample == "rows":
        return f"runs resampled one by one: {n_runs} runs (seeds of one config count as separate)"
    return f"clusters of runs sharing (N, D): {n_clusters} clusters from {n_runs} runs"


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap over runs: percentile intervals for the parameters and derived quantities.

    ``samples`` has one row per successful refit (columns: the parameters, then derived ones:
    chinchilla ``a``, ``b``, and ``n_opt``, ``d_opt``, ``tokens_per_param`` when
    ``compute_flops`` was given; any form ``loss_at`` when ``at`` was given).
    ``intervals[name] = (low, high)`` are the ``(1 − confidence)/2`` and ``(1 + confidence)/2``
    percentiles.  ``resample`` says what a draw resampled (``"clusters"`` of runs sharing
    (N, D), or ``"rows"``), ``n_clusters`` how many units there were (``resampling`` in words).
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
    resample: str = "clusters"
    n_clusters: int = 0

    @property
    def resampling(self) -> str:
        """How the draws resampled, e.g. "clusters of runs sharing (N, D): 25 clusters from 75 runs"."""
        n_runs = int((self.fit.runs["weight"].to_numpy(dtype=float) > 0).sum())
        return resampling_text(self.resample, self.n_clusters, n_runs)

    def optimal_intervals(self, compute_flops: float) -> dict[str, tuple[float, float]]:
        """Percentile intervals of N_opt, D_opt and D_opt/N_opt at ``compute_flops`` FLOP.

        Chinchilla form only: each refit's closed-form optimum (Hoffmann et al. 2022, eq. 4),
        so the interval at any budget comes from the same draws as those of a and b.
        """
        if self.fit.form != "chinchilla":
            raise FitError("compute-optimal intervals need the chinchilla form")
        if not (compute_flops > 0):
            raise FitError(f"compute_flops must be positive, got {compute_flops!r}")
        if not len(self.samples):
            return {}
        alpha, beta = (self.samples[k].to_numpy(dtype=float) for k in ("alpha", "beta"))
        big_a, big_b = (self.samples[k].to_numpy(dtype=float) for k in ("A", "B"))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            # eq. 4 for every refit: G = (αA/(βB))^(1/(α+β)), N_opt = G·(C/6)^a, D_opt = (C/6)^b/G
            g = (alpha * big_a / (beta * big_b)) ** (1.0 / (alpha + beta))
            c6 = compute_flops / FLOPS_PER_PARAM_TOKEN
            n_opt = np.where((alpha > 0) & (beta > 0), g * c6 ** (beta / (alpha + beta)), np.nan)
            d_opt = np.where((alpha > 0) & (beta > 0), c6 ** (alpha / (alpha + beta)) / g, np.nan)
        lo_q, hi_q = 50 * (1 - self.confidence), 50 * (1 + self.confidence)
        out = {}
        for name, values in (
            ("n_opt", n_opt),
            ("d_opt", d_opt),
            ("tokens_per_param", d_opt / n_opt),
        ):
            values = np.asarray(values, dtype=float)
            values = values[np.isfinite(values)]
            if len(values):
                out[name] = (float(np.percentile(values, lo_q)), float(np.percentile(values, hi_q)))
        return out

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
            f"[[Bootstrap]] {self.n_boot} refits, {self.n_failed} failed; "
            f"{pct} percentile intervals (seed {self.seed})",
            f"    resampled  {self.resampling}",
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
            out["tokens_per_param"] = float(d_opt) / float(n_opt)
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
    resample: Resample = "clusters",
    cluster_tolerance: float = CLUSTER_TOLERANCE,
    draw_weights: ArrayLike | None = None,
    **options: Any,
) -> BootstrapResult:
    """Bootstrap over runs: resample the runs with replacement ``n_boot`` times and refit.

    ``resample="clusters"`` (the default) draws configurations, not runs: runs whose N and D
    agree within ``cluster_tolerance`` (seeds, reruns; `configuration_clusters`) form one
    cluster, the k clusters are drawn k times with replacement, and every run of a drawn cluster
    gets the cluster's count as weight (the cluster bootstrap).  Seeds of one configuration
    share its noise (data order aside, the same config gives nearly the same loss), so
    resampling them one by one (``resample="rows"``) treats them as independent evidence and
    gives intervals that miss the truth too often (tests/test_coverage.py).  When every run is
    its own configuration the two are identical, draw for draw.
    A resample is a vector of multinomial counts used as weights (identical to refitting the
    resampled table).  Each refit starts from the full-data solution (warm start); the
    chinchilla and power forms also try the best point of a coarse ``refit_grid_points``-per-
    exponent variable-projection grid when it lies in another basin.
    Percentile intervals at ``confidence`` are given for every parameter and the derived
    quantities: chinchilla a = β/(α+β), b = α/(α+β) (Hoffmann et al. 2022, eq. 4), N_opt,
    D_opt and D_opt/N_opt at ``compute_flops`` (any other budget: `BootstrapResult.optimal_intervals`); predicted loss at ``at`` = (N, D) for any form.  ``options``
    are passed to the form's fit (delta, weights, fixed, exclude_highest_loss, ...).
    A refit that fails (no convergence, overflow on a degenerate resample) is counted in
    ``n_failed`` and left out.  The LSE forms refit a chunk of draws at once
    (`scaling_core.fit.newton_batch`, the same Newton steps as one by one).
    ``progress(done, total)`` is called before every chunk and at the end.
    ``draw_weights`` (draws × runs, the runs in the order given) replaces the random draws by
    the caller's own: a caller that refits a second model on the same resamples (the two
    steps of `scaling_core.downstream`) draws the clusters once and passes them to both; then
    ``n_boot`` is its number of rows.  ``samples`` is indexed by draw, so a failed refit
    leaves a gap the caller can line up.  The ``"gadre"`` form (α = β) is refitted with its
    exponents tied, from the full fit's θ.

    References: Besiroglu et al. 2024, arXiv:2404.10102 (bootstrap of the Approach-3 fit).
    """
    if not (0 < confidence < 1):
        raise FitError(f"confidence must be between 0 and 1, got {confidence!r}")
    if int(n_boot) < 2:
        raise FitError(f"n_boot must be at least 2, got {n_boot!r}")
    if compute_flops is not None and not (compute_flops > 0):
        raise FitError(f"compute_flops must be positive, got {compute_flops!r}")
    if resample not in RESAMPLE_MODES:
        raise FitError(f"resample must be one of {', '.join(RESAMPLE_MODES)}, got {resample!r}")
    if not (0 <= cluster_tolerance < 1):
        raise FitError(f"cluster_tolerance must be in [0, 1), got {cluster_tolerance!r}")
    n_boot = int(n_boot)
    full = fit(runs, form, **options)
    data = full.runs
    base_w = data["weight"].to_numpy(dtype=float)
    given: FloatArray | None = None
    if draw_weights is not None:
        given = np.asarray(draw_weights, dtype=float)
        if given.ndim != 2 or given.shape[1] != len(base_w) or len(given) < 2:
            raise FitError(
                f"draw_weights must be (draws >= 2) x {len(base_w)} runs, got shape {given.shape}"
            )
        if not np.all(np.isfinite(given) & (given >= 0)):
            raise FitError("draw_weights must be non-negative and finite")
        n_boot = len(given)
    rng = np.random.default_rng(seed)
    active = np.flatnonzero(base_w > 0)
    if resample == "clusters":
        clusters = configuration_clusters(
            data["n_params"].to_numpy(dtype=float)[active],
            data["compute_flops"].to_numpy(dtype=float)[active]
            / data["n_params"].to_numpy(dtype=float)[active],
            cluster_tolerance,
        )
    else:
        clusters = np.arange(len(active))
    n_units = int(clusters.max()) + 1 if len(clusters) else 0
    rows: list[dict[str, float]] = []
    kept: list[int] = []
    failed = 0
    frame = data.drop(columns=["weight"])
    if form == "gadre":
        refit_many = _tied_refitter(full, frame, options)
    else:
        refit_many = _fast_refitter(full, frame, options, refit_grid_points)
    chunk = _draw_chunk(len(base_w), n_boot)
    for start in range(0, n_boot, chunk):
        if progress is not None:
            progress(start, n_boot)
        size = min(chunk, n_boot - start)
        if given is not None:
            weights = given[start : start + size] * base_w[None, :]
        else:
            weights = np.zeros((size, len(base_w)))
            for i in range(size):
                drawn = np.bincount(rng.integers(0, n_units, size=n_units), minlength=n_units)
                weights[i, active] = drawn[clusters] * base_w[active]
        for offset, refit in enumerate(refit_many(weights)):
            if refit is None or not all(math.isfinite(v) for v in refit.params.values()):
                failed += 1
                continue
            row = dict(refit.params)
            try:
                row.update(_derived(form, refit.params, compute_flops, at, full))
            except (ValueError, ZeroDivisionError, OverflowError):
                failed += 1
                continue
            rows.append(row)
            kept.append(start + offset)
    if progress is not None:
        progress(n_boot, n_boot)
    samples = pd.DataFrame(rows, index=pd.Index(kept, name="draw"))
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
        resample=resample,
        n_clusters=n_units,
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


#: Draw × run cells refitted together at most (beyond the memory bound): larger chunks share a
#: chunk's slowest-draw tail, but past about this many cells the arrays leave the CPU's caches
#: and each Newton step slows (1,000 draws of 250 runs: 0.53 s in chunks of 250, 0.70 s in one).
CHUNK_CELLS = 100_000


def _draw_chunk(n_runs: int, n_boot: int) -> int:
    """Draws refitted together: `CHUNK_CELLS` / runs, at least 250 and at most 2,500, within
    `MAX_WORKING_FLOATS` floats of (draws × runs × 8); a progress bar moves between chunks.

    A chunk's Newton loop runs until its slowest draw has converged, and the last iterations
    move only a few draws, so fewer, larger chunks share that tail: on Gadre et al.'s 34 C4
    runs 10,000 draws take 5.2 s in chunks of 2,500 against 9.0 s in chunks of 250
    (`benchmarks/bench_fit.py`).  The draws and their order do not depend on the chunk
    (`tests/test_fitting.py`)."""
    by_memory = max(1, MAX_WORKING_FLOATS // max(1, 8 * n_runs))
    by_cache = min(2500, max(250, CHUNK_CELLS // max(1, n_runs)))
    return max(1, min(by_memory, by_cache, n_boot))


def _fast_refitter(
    full: FitResult, frame: pd.DataFrame, options: Mapping[str, Any], grid_points: int
) -> Callable[[FloatArray], list[FitResult | None]]:
    """Reweighted refits that skip validation and start from the full-data solution θ̂.

    The returned function takes weights (draws × runs) and gives one `FitResult` per draw, or
    None when the draw is degenerate (too few runs or distinct N, D with positive weight).
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
    spacing = (2.0 - 0.02) / max(grid_points - 1, 1)

    needed = 2 if len(distinct) > 1 else min(n_free, 3)

    def usable(w: FloatArray) -> bool:
        return bool(_usable_draws(w[None, :], distinct, n_free, needed)[0])

    def result(theta: FloatArray, objective: float, converged: bool, message: str) -> FitResult:
        return replace(
            full,
            params=_theta_params(form, theta, full.fixed),
            objective=objective,
            theta=theta,
            converged=converged,
            message=message,
        )

    def other_basin(w: FloatArray, sol: _Solution) -> _Solution:
        # Insurance against a basin change: polish the best coarse-grid start only when its
        # exponents are far from the warm solution's and it scores better on the grid's own
        # (loss-space) criterion.
        assert isinstance(model, _LSEModel)
        (start, score), *_ = _lse_starts(model.x, data.loss, w, fixed_theta, grid_points, 1)
        m = model.m
        far = np.max(np.abs(start[1 + m :] - sol.theta[1 + m :])) > 1.5 * spacing
        if not (far and score < _vp_score(model, sol.theta, data.loss, w)):
            return sol
        theta = _newton(model, start, free, w, math.inf, max_iter=100).theta
        other = _newton(model, theta, free, w, delta)
        return other if other.objective < sol.objective else sol

    def one(w: FloatArray) -> FitResult | None:
        if not usable(w):
            return None
        try:
            sol = _newton(model, warm, free, w, delta)
            if grid_points and isinstance(model, _LSEModel):
                sol = other_basin(w, sol)
            return result(sol.theta, sol.objective, sol.converged, sol.message)
        except (FitError, ArithmeticError, np.linalg.LinAlgError):
            return None

    def many(weights: FloatArray) -> list[FitResult | None]:
        if not isinstance(model, _LSEModel):
            return [one(w) for w in weights]
        ok = _usable_draws(weights, distinct, n_free, needed)
        out: list[FitResult | None] = [None] * len(weights)
        rows = np.flatnonzero(ok)
        if not len(rows):
            return out
        batch = newton_batch(model, warm, free, weights[rows], delta)
        theta, objective = batch.theta.copy(), batch.objective.copy()
        converged = batch.converged.copy()
        batch_grid = grid_points**model.m * len(data.loss) * 8 <= MAX_WORKING_FLOATS
        if grid_points and not fixed_theta and batch_grid:
            # the basin-change insurance of `other_basin`, for the whole chunk at once
            m = model.m
            exps, scores, starts = best_grid_points(model.x, data.loss, weights[rows], grid_points)
            far = np.max(np.abs(exps - theta[:, 1 + m :]), axis=1) > 1.5 * spacing
            switch = np.flatnonzero(
                far & (scores < _vp_scores(model, theta, data.loss, weights[rows]))
            )
            if len(switch):
                w_switch = weights[rows[switch]]
                polished = newton_batch(model, starts[switch], free, w_switch, math.inf, 100)
                other = newton_batch(model, polished.theta, free, w_switch, delta)
                wins = other.objective < objective[switch]
                theta[switch[wins]] = other.theta[wins]
                objective[switch[wins]] = other.objective[wins]
                converged[switch[wins]] = other.converged[wins]
        for i, row in enumerate(rows):
            w = weights[row]
            sol = _Solution(
                theta[i],
                float(objective[i]),
                bool(converged[i]),
                0,
                "Newton decrement below 1e-12 of the objective"
                if converged[i]
                else "no convergence",
            )
            try:
                if grid_points and (fixed_theta or not batch_grid):
                    sol = other_basin(w, sol)  # the grid chunked as in the full fit
                out[row] = result(sol.theta, sol.objective, sol.converged, sol.message)
            except (FitError, ArithmeticError, np.linalg.LinAlgError):
                continue  # counted as a failed refit
        return out

    return many


def _tied_refitter(
    full: FitResult, frame: pd.DataFrame, options: Mapping[str, Any]
) -> Callable[[FloatArray], list[FitResult | None]]:
    """Reweighted refits of the α = β form (`scaling_core.fit.gadre`): the batch Newton polish
    of `newton_batch` on the tied coordinates (e, a, b, α), from the full fit's θ."""
    from scaling_core.fit.gadre import TIE

    delta = _check_delta(options.get("delta", DEFAULT_DELTA))
    data = _as_runs(frame)
    model = _LSEModel(np.log(np.column_stack([data.n_params, data.n_tokens])), np.log(data.loss))
    warm = np.asarray(full.theta, dtype=float)[:4]
    free = np.ones(4, dtype=bool)
    if "E" in full.fixed:
        free[0] = False

    def many(weights: FloatArray) -> list[FitResult | None]:
        out: list[FitResult | None] = [None] * len(weights)
        ok = _usable_draws(weights, (data.n_params, data.n_tokens), int(free.sum()), 2)
        rows = np.flatnonzero(ok)
        if not len(rows):
            return out
        batch = newton_batch(model, warm, free, weights[rows], delta, tie=TIE)
        for i, row in enumerate(rows):
            theta = TIE @ batch.theta[i]
            out[row] = replace(
                full,
                params=_theta_params("chinchilla", theta, full.fixed),
                objective=float(batch.objective[i]),
                theta=theta,
                converged=bool(batch.converged[i]),
                message="Newton decrement below 1e-12 of the objective"
                if batch.converged[i]
                else "no convergence",
            )
        return out

    return many


def _usable_draws(
    weights: FloatArray, columns: Sequence[FloatArray], n_free: int, needed: int
) -> np.ndarray:
    """Draws (rows of ``weights``) whose runs can determine the free parameters: at least
    ``n_free`` weighted runs and ``needed`` distinct values of each of ``columns`` (N, D)."""
    ok = (weights > 0).sum(axis=1) >= n_free
    for values in columns:
        ok &= _distinct_active(values, weights) >= needed
    return ok


def _distinct_active(values: FloatArray, weights: FloatArray) -> np.ndarray:
    """How many distinct ``values`` carry weight in each row of ``weights`` (B, n): (B,).

    The vector form of ``len(np.unique(values[w > 0]))`` for every row at once: each weighted
    (draw, run) marks its value's code in a (B × distinct values) table of booleans, no larger
    than the weights themselves (a dense indicator of runs × values was 20 GB at 50,000 runs).
    """
    _, codes = np.unique(values, return_inverse=True)
    present = np.zeros((len(weights), int(codes.max()) + 1 if len(codes) else 0), dtype=bool)
    draw, run = np.nonzero(weights > 0)
    present[draw, codes[run]] = True
    return present.sum(axis=1)


def _vp_scores(
    model: _LSEModel, theta: FloatArray, loss: FloatArray, weights: FloatArray
) -> FloatArray:
    """`_vp_score` of every row of θ (B, p) under its weights (B, n)."""
    with np.errstate(over="ignore", invalid="ignore"):
        predicted = loss[None] * np.exp(_batch_residuals(model, theta))
    return np.einsum("bn,bn->b", weights / loss[None] ** 2, (predicted - loss[None]) ** 2)
