"""The law forms: Chinchilla (Hoffmann et al. 2022, eq. 2, Approach 3), Kaplan (Kaplan et al. 2020,
eq. 1.5), and one-variable power laws in N or C (eq. 1.3); `scaling_core.fit.choose.fit`
dispatches among them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from scaling_core.fit.base import (
    _PARAM_NAMES,
    DEFAULT_DELTA,
    FitError,
    RunsLike,
    _as_runs,
    _exclusions,
    _Runs,
)
from scaling_core.fit.objective import _huber_sum, _KaplanModel, _LSEModel, _newton, _Solution
from scaling_core.fit.result import FitResult
from scaling_core.fit.starts import (
    _kaplan_grid,
    _lse_starts,
    _pick_separated,
    start_subsample,
)
from scaling_core.laws import (
    FloatArray,
)


def _check_delta(delta: float | None) -> float:
    if delta is None:
        return math.inf
    if not (isinstance(delta, (int, float)) and delta > 0 and math.isfinite(delta)):
        raise FitError(
            f"delta must be a positive number (or None for least squares), got {delta!r}"
        )
    return float(delta)


def _check_penalty(penalty: float) -> float:
    """OLMo-core's ``overestimate_penalty``: a finite number >= 1 (1 is the symmetric fit)."""
    if not (isinstance(penalty, (int, float)) and math.isfinite(penalty) and penalty >= 1):
        raise FitError(f"overestimate_penalty must be a number >= 1, got {penalty!r}")
    return float(penalty)


def _penalty_text(penalty: float) -> str:
    """The method's note on an asymmetric objective (empty for the symmetric fit)."""
    if penalty == 1.0:
        return ""
    return f"; over-predictions weighted x{penalty:g} (OLMo-core's overestimate_penalty)"


def _check_fixed(form: str, fixed: Mapping[str, float] | None) -> dict[str, float]:
    fixed = dict(fixed or {})
    allowed = {
        "chinchilla": _PARAM_NAMES["chinchilla"],
        "power-n": ("E", "A", "alpha"),
        "power-c": ("E", "alpha_c"),
        "kaplan": (),
    }[form]
    for name, value in fixed.items():
        if name not in allowed:
            raise FitError(
                f"cannot fix {name!r} in the {form} form"
                + (f"; fixable: {', '.join(allowed)}" if allowed else "")
            )
        value = float(value)
        if not math.isfinite(value) or value < 0 or (value == 0 and name != "E"):
            raise FitError(f"fixed {name} must be positive and finite (E may be 0), got {value!r}")
        fixed[name] = value
    return fixed


def _prepare(
    runs: RunsLike,
    weights: ArrayLike | str | None,
    exclude_highest_loss: int,
    exclude: Sequence[str] | None,
    need_tokens: bool = True,
) -> tuple[_Runs, tuple[str, ...]]:
    data = _as_runs(runs, weights, need_tokens=need_tokens)
    keep, dropped = _exclusions(data, exclude_highest_loss, exclude)
    used = data.subset(keep)
    return used, dropped


#: How a message names each form (its key, e.g. ``power-n``, is the command line's word).
FORM_NAMES = {
    "chinchilla": "Chinchilla form (E + A/N^α + B/D^β)",
    "kaplan": "Kaplan form (eq. 1.5)",
    "power-n": "power law in N (E + A/N^α)",
    "power-c": "power law in C (E + A/C^α)",
    "gadre": "Gadre et al. form",
}


def _require(data: _Runs, n_free: int, form: str, distinct: Mapping[str, int]) -> None:
    """Refuse a fit the runs cannot support: fewer runs than free parameters, or too few
    distinct values of a variable; the message names the form as a reader knows it."""
    name = FORM_NAMES.get(form, f"{form} form")
    active = data.weight > 0
    n_active = int(active.sum())
    if n_active < max(n_free, 1) + 0:
        raise FitError(
            f"the {name} has {n_free} free parameters but only {n_active} runs "
            f"(with positive weight); add runs or fix parameters"
        )
    for column, needed in distinct.items():
        values = getattr(data, column)[active]
        count = len(np.unique(values))
        if count < needed:
            shown = f" (all {values[0]:.4g})" if count == 1 else ""
            raise FitError(
                f"the {name} needs runs at >= {needed} different {column} values, "
                f"got {count}{shown}"
            )


def _solve_lse(
    model: _LSEModel,
    loss: FloatArray,
    w: FloatArray,
    fixed_theta: Mapping[int, float],
    delta: float,
    grid_points: int,
    n_starts: int,
    warm: Sequence[FloatArray] = (),
    least_squares_stage: bool = True,
    penalty: float = 1.0,
) -> _Solution:
    """Variable-projection starts + (least squares then Huber) Newton; the best end point.

    With more than `MAX_START_RUNS` runs the whole search runs on `start_subsample` and only
    its best end point (and any ``warm`` start) is polished on every run, so memory and time
    grow linearly in the number of runs.
    """
    free = np.ones(model.n_theta, dtype=bool)
    for index in fixed_theta:
        free[index] = False
    rows = start_subsample(w) if grid_points > 0 else None
    if rows is not None:
        sub = _LSEModel(model.x[rows], model.y[rows])
        found = _solve_lse(
            sub, loss[rows], w[rows], fixed_theta, delta, grid_points, n_starts, warm,
            least_squares_stage, penalty,
        )  # fmt: skip
        warm, grid_points = [found.theta, *warm], 0
    starts = [np.array(t, dtype=float) for t in warm]
    if grid_points > 0:
        starts += [t for t, _ in _lse_starts(model.x, loss, w, fixed_theta, grid_points, n_starts)]
    best: _Solution | None = None
    for i, start in enumerate(starts):
        theta = start
        if least_squares_stage and not math.isinf(delta) and i >= len(warm):
            theta = _newton(model, theta, free, w, math.inf, max_iter=100, penalty=penalty).theta
        sol = _newton(model, theta, free, w, delta, penalty=penalty)
        if best is None or sol.objective < best.objective:
            best = sol
    if best is None:
        raise FitError("no usable starting point for the fit")
    return best


def fit_chinchilla(
    runs: RunsLike,
    *,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    fixed: Mapping[str, float] | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 40,
    n_starts: int = 4,
    warm_start: Mapping[str, float] | None = None,
    overestimate_penalty: float = 1.0,
) -> FitResult:
    """Fit L(N, D) = E + A/N^α + B/D^β by Hoffmann et al. 2022's Approach 3 (Appendix D.2).

    Minimises Σ_i w_i·Huber_δ(LSE(a − α·log N_i, b − β·log D_i, e) − log L_i) with
    A = e^a, B = e^b, E = e^e.  Starts come from variable projection (a grid over (α, β) with
    non-negative least squares for (E, A, B)); each start is polished by Newton's method with
    the analytic gradient and Hessian, and the lowest objective wins.

    Memory is bounded by design: the grid is scored in chunks (no working array over
    `scaling_core.fit.starts.MAX_WORKING_FLOATS` = 2**21 floats, 16 MiB), and above
    `MAX_START_RUNS` (4,096) runs the starts are searched on a fixed subsample and the best is
    polished on every run; peak extra memory is then linear in the number of runs (about
    0.3 KB per run for the Newton polish) plus a fixed ~150 MiB.

    Parameters
    ----------
    runs
        DataFrame (or `RunLog`) with columns ``n_params``, ``n_tokens`` (or ``compute_flops``)
        and ``loss`` (nats/token); ``run`` names the runs when present.
    delta
        Huber threshold on log-loss residuals (1e-3 in the paper); None for least squares.
    weights
        Per-run weights (array aligned with the rows, or a column name).
    fixed
        Parameters held at a value, e.g. ``{"E": 1.69}``; any of E, A, B, alpha, beta
        (E may be fixed at 0).
    exclude_highest_loss
        Drop the k highest-loss runs first (Besiroglu et al. 2024 drop 5).
    exclude
        Names (``run`` column) of runs to drop.
    grid_points
        Points per exponent in the variable-projection grid (0: only ``warm_start``).
    n_starts
        Number of well-separated grid points polished.
    warm_start
        Parameters (E, A, B, alpha, beta) of a previous fit, tried as an extra start.
    overestimate_penalty
        Weight (>= 1) of the runs the law over-predicts (log L̂ > log L) in the Huber sum, as
        OLMo-core's ``overestimate_penalty``; 1 (the default) is Hoffmann et al.'s objective.

    Returns
    -------
    FitResult
        ``params`` E, A, B, alpha, beta; ``objective`` the Huber sum at those params.

    Raises
    ------
    FitError
        Fewer runs than free parameters, all runs at one N or one D, bad values.

    References
    ----------
    Hoffmann et al. 2022, arXiv:2203.15556, eq. 2 and Appendix D.2; Besiroglu et al. 2024,
    arXiv:2404.10102, section 2.
    """
    delta_value = _check_delta(delta)
    penalty = _check_penalty(overestimate_penalty)
    fixed_params = _check_fixed("chinchilla", fixed)
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude)
    index = {"E": 0, "A": 1, "B": 2, "alpha": 3, "beta": 4}
    fixed_theta = {
        index[name]: (math.log(v) if v > 0 else -math.inf) if name in ("E", "A", "B") else v
        for name, v in fixed_params.items()
    }
    n_free = 5 - len(fixed_theta)
    _require(
        data,
        n_free,
        "chinchilla",
        {
            "n_params": 2 if "alpha" not in fixed_params or "A" not in fixed_params else 1,
            "n_tokens": 2 if "beta" not in fixed_params or "B" not in fixed_params else 1,
        },
    )
    x = np.column_stack([np.log(data.n_params), np.log(data.n_tokens)])
    model = _LSEModel(x, np.log(data.loss))
    warm = []
    if warm_start is not None:
        warm.append(_chinchilla_theta(warm_start, fixed_theta))
    sol = _solve_lse(
        model, data.loss, data.weight, fixed_theta, delta_value, grid_points, n_starts, warm,
        penalty=penalty,
    )  # fmt: skip
    return _lse_result(
        "chinchilla",
        sol,
        model,
        data,
        dropped,
        delta,
        fixed_params,
        f"Approach 3: Huber on log loss, variable projection ({grid_points}x"
        f"{grid_points} grid) + Newton" + _penalty_text(penalty),
        penalty,
    )


def _chinchilla_theta(params: Mapping[str, float], fixed_theta: Mapping[int, float]) -> FloatArray:
    theta = np.array(
        [
            math.log(params["E"]) if params["E"] > 0 else -math.inf,
            math.log(params["A"]),
            math.log(params["B"]),
            params["alpha"],
            params["beta"],
        ]
    )
    for i, v in fixed_theta.items():
        theta[i] = v
    return theta


def _theta_params(form: str, t: FloatArray, fixed_params: Mapping[str, float]) -> dict[str, float]:
    """The law's constants from the internal parameter vector θ of a form."""
    if form == "kaplan":  # θ = (α_D, p, k1, k2), N_c = exp(k1/p), D_c = exp(k2), α_N = p·α_D
        alpha_d, p, k1, k2 = t
        params = {
            "n_c": math.exp(k1 / p),
            "d_c": math.exp(k2),
            "alpha_n": p * alpha_d,
            "alpha_d": alpha_d,
        }
        return {k: float(v) for k, v in params.items()}
    E = math.exp(t[0]) if math.isfinite(t[0]) else 0.0
    if form == "chinchilla":
        params = {"E": E, "A": math.exp(t[1]), "B": math.exp(t[2]), "alpha": t[3], "beta": t[4]}
    elif form == "power-n":
        params = {"E": E, "A": math.exp(t[1]), "alpha": t[2]}
    else:  # power-c: A·C^-α = (C_c/C)^α with C_c = A^(1/α)
        alpha_c = t[2]
        params = {
            "E": E,
            "C_c": math.exp(t[1] / alpha_c) if alpha_c != 0 else math.inf,
            "alpha_c": alpha_c,
        }
    params = {k: float(v) for k, v in params.items()}
    params.update(fixed_params)
    return params


def _lse_result(
    form: str,
    sol: _Solution,
    model: _LSEModel,
    data: _Runs,
    dropped: tuple[str, ...],
    delta: float | None,
    fixed_params: dict[str, float],
    method: str,
    penalty: float = 1.0,
) -> FitResult:
    t = sol.theta
    params = _theta_params(form, t, fixed_params)
    residuals = model.residuals(t)
    return FitResult(
        form=form,
        params=params,
        objective=_huber_sum(residuals, data.weight, _check_delta(delta), penalty),
        n_runs=len(data),
        converged=sol.converged,
        message=sol.message,
        residuals=residuals,
        runs=data.frame(),
        excluded=dropped,
        delta=delta,
        fixed=fixed_params,
        method=method,
        theta=t,
    )


def fit_power_n(
    runs: RunsLike,
    *,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    fixed: Mapping[str, float] | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 200,
    n_starts: int = 3,
    overestimate_penalty: float = 1.0,
) -> FitResult:
    """Fit L(N) = E + A/N^α (the data-unlimited limit of Hoffmann et al. 2022, eq. 2).

    Same Huber objective on log loss as `fit_chinchilla` (Appendix D.2) with the D term
    removed; ``n_tokens`` is not needed.  Fixable: E (0 gives Kaplan's pure L(N) of eq. 1.1),
    A, alpha.  ``overestimate_penalty`` as in `fit_chinchilla`.
    """
    _check_delta(delta)  # refuse a bad delta before reading the runs
    penalty = _check_penalty(overestimate_penalty)
    fixed_params = _check_fixed("power-n", fixed)
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude, need_tokens=False)
    index = {"E": 0, "A": 1, "alpha": 2}
    return _fit_one_variable(
        "power-n", "n_params", index, ("E", "A"), data, dropped, delta, fixed_params,
        grid_points, n_starts, penalty,
    )  # fmt: skip


def _fit_one_variable(
    form: str,
    column: str,
    index: Mapping[str, int],
    logged: tuple[str, ...],
    data: _Runs,
    dropped: tuple[str, ...],
    delta: float | None,
    fixed_params: dict[str, float],
    grid_points: int,
    n_starts: int,
    penalty: float = 1.0,
) -> FitResult:
    """The shared body of the one-variable power laws (L(N) and L(C)): fixed parameters to θ
    (``logged`` ones are stored as logarithms), the variable-projection solve, the result."""
    fixed_theta = {
        index[name]: (math.log(v) if v > 0 else -math.inf) if name in logged else v
        for name, v in fixed_params.items()
    }
    n_free = 3 - len(fixed_theta)
    _require(data, n_free, form, {column: min(n_free, 3) if n_free > 1 else 1})
    model = _LSEModel(np.log(getattr(data, column))[:, None], np.log(data.loss))
    sol = _solve_lse(
        model, data.loss, data.weight, fixed_theta, _check_delta(delta), grid_points, n_starts,
        penalty=penalty,
    )  # fmt: skip
    return _lse_result(
        form,
        sol,
        model,
        data,
        dropped,
        delta,
        fixed_params,
        "Huber on log loss, variable projection + Newton" + _penalty_text(penalty),
        penalty,
    )


def fit_power_c(
    runs: RunsLike,
    *,
    offset: bool = False,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    fixed: Mapping[str, float] | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 200,
    n_starts: int = 3,
) -> FitResult:
    """Fit L(C) = (C_c/C)^α_C (Kaplan et al. 2020, eq. 1.3), or E + (C_c/C)^α_C with ``offset``.

    C is the ``compute_flops`` column (or 6·N·D).  Same Huber objective on log loss as
    `fit_chinchilla`.  Without ``offset`` E is fixed at 0; ``fixed={"E": value}`` fixes it at a
    value instead.  Fixable: E, alpha_c.
    """
    _check_delta(delta)  # refuse a bad delta before reading the runs
    fixed_params = _check_fixed("power-c", fixed)
    if not offset and "E" not in fixed_params:
        fixed_params["E"] = 0.0
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude)
    bad = ~(np.isfinite(data.compute_flops) & (data.compute_flops > 0))
    if bad.any():
        raise FitError(f"run {data.run[np.argmax(bad)]}: compute_flops must be positive")
    index = {"E": 0, "alpha_c": 2}
    return _fit_one_variable(
        "power-c", "compute_flops", index, ("E",), data, dropped, delta, fixed_params,
        grid_points, n_starts,
    )  # fmt: skip


def fit_kaplan(
    runs: RunsLike,
    *,
    delta: float | None = DEFAULT_DELTA,
    weights: ArrayLike | str | None = None,
    exclude_highest_loss: int = 0,
    exclude: Sequence[str] | None = None,
    grid_points: int = 40,
    n_starts: int = 4,
) -> FitResult:
    """Fit L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, eq. 1.5) in log space.

    Writing p = α_N/α_D, log L = α_D·LSE(p·log N_c − p·log N, log D_c − log D).  Starts come
    from variable projection: for fixed (α_D, p), L^(1/α_D) = N_c^p·N^−p + D_c·D^−1 is linear
    in (N_c^p, D_c).  Each start is polished by Newton on the Huber (δ) or least-squares
    (``delta=None``) objective of the log residuals.  The result's `FitResult.law` is a
    `KaplanLaw` with the fitted n_c, d_c, alpha_n, alpha_d (key ``your-fit-kaplan``).
    Memory: as `fit_chinchilla` (grid in bounded chunks, starts on a subsample above
    `MAX_START_RUNS` runs).
    """
    delta_value = _check_delta(delta)
    data, dropped = _prepare(runs, weights, exclude_highest_loss, exclude)
    _require(data, 4, "kaplan", {"n_params": 2, "n_tokens": 2})
    log_n, log_d, log_l = np.log(data.n_params), np.log(data.n_tokens), np.log(data.loss)
    model = _KaplanModel(log_n, log_d, log_l)
    w = data.weight
    rows = start_subsample(w)
    if rows is None:
        best = _kaplan_search(model, w, delta_value, grid_points, n_starts)
    else:  # starts on a subsample, the best end point polished on every run
        sub = _KaplanModel(log_n[rows], log_d[rows], log_l[rows])
        found = _kaplan_search(sub, w[rows], delta_value, grid_points, n_starts)
        best = (
            None if found is None else _newton(model, found.theta, np.ones(4, bool), w, delta_value)
        )
    if best is None:
        raise FitError("no usable start for the kaplan fit (are losses decreasing in N and D?)")
    params = _theta_params("kaplan", best.theta, {})
    residuals = model.residuals(best.theta)
    return FitResult(
        form="kaplan",
        params=params,
        objective=_huber_sum(residuals, w, delta_value),
        n_runs=len(data),
        converged=best.converged,
        message=best.message,
        residuals=residuals,
        runs=data.frame(),
        excluded=dropped,
        delta=delta,
        fixed={},
        method="Huber on log loss, variable projection + Newton"
        if delta is not None
        else "least squares on log loss, variable projection + Newton",
        theta=best.theta,
    )


def _kaplan_search(
    model: _KaplanModel, w: FloatArray, delta: float, grid_points: int, n_starts: int
) -> _Solution | None:
    """Variable projection over (α_D, p) (`_kaplan_grid`), then least-squares and Huber Newton
    from the ``n_starts`` best well-separated grid points; the best end point (None if none)."""
    alpha_grid = np.geomspace(0.01, 1.0, grid_points)
    p_grid = np.geomspace(0.1, 5.0, grid_points)
    aa, pp = np.meshgrid(alpha_grid, p_grid, indexing="ij")
    aa, pp = aa.reshape(-1), pp.reshape(-1)
    coef, sse = _kaplan_grid(model.x, model.z, model.y, w, aa, pp)
    # Score in log space: the grid's loss-space scores differ in scale between alpha_d values.
    scores = np.full(len(aa), np.inf)
    finite = np.flatnonzero(np.isfinite(sse) & np.all(coef > 0, axis=1))
    thetas: dict[int, FloatArray] = {}
    for g in finite:
        c1, c2 = coef[g]
        theta = np.array([aa[g], pp[g], math.log(c1), math.log(c2)])
        with np.errstate(over="ignore", invalid="ignore"):
            scores[g] = float(np.dot(w, model.residuals(theta) ** 2))
        thetas[int(g)] = theta
    free = np.ones(4, dtype=bool)
    best: _Solution | None = None
    for g in _pick_separated(scores, (grid_points, grid_points), n_starts):
        theta = _newton(model, thetas[g], free, w, math.inf, max_iter=100).theta
        sol = _newton(model, theta, free, w, delta)
        if best is None or sol.objective < best.objective:
            best = sol
    return best
