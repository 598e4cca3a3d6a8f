"""Two sweeps compared as a compute multiplier: how much compute B needs to reach A's loss.

Each sweep is fitted as the project fits any sweep (`scaling_core.published.fits.fit_sweep`:
``fit(form="auto")``, the Chinchilla form L = E + A/N^α + B/D^β by Hoffmann et al. 2022's
Approach 3, with the cluster bootstrap of `scaling_core.fit.bootstrap_fit`).  Each fit's
compute-optimal frontier L*(C) = min over N of L(N, C/(6N)) follows from the closed form of
Hoffmann et al. 2022, eq. 4 (`scaling_core.allocation.compute_optimal`), and the compute that
reaches a loss on it from the same closed form inverted (`scaling_core.allocation.compute_for_loss`).

Convention
----------
The multiplier at A's budget C is

    m(C) = C_B(L*_A(C)) / C,

the compute B's frontier needs to reach the loss A's frontier reaches with C, divided by C.
m > 1: B needs more compute than A for the same loss (A is worth m times the compute of B);
m < 1: B needs less.  This is the "compute-equivalent" reading of OLMo-core's model-ladder
analysis (the compute a reference ladder would need to match a run's loss) and of Marin's data
set comparisons, which report a data set's gain as a compute speed-up at equal loss (per
Paloma subset).  Because L*_B falls strictly with C, m(C) = 1 exactly where the two frontiers
cross: that budget is the crossover.  If B's law never reaches A's loss (L*_A(C) <= E_B) the
multiplier is infinite.

What is reported, and when not
------------------------------
- The multiplier on a grid of budgets from the smallest run of either sweep to ``reach`` times
  the largest, and at one chosen budget (by default the largest compute both sweeps ran),
  each with the percentile interval of the paired bootstrap refits (draw i of A with draw i of
  B; the two sweeps' clusters of runs sharing (N, D) are resampled independently, each with its
  own random stream).
- A budget is *extrapolated* when C lies outside A's runs' compute or m(C)·C outside B's:
  shown, and marked.
- No multiplier when either fit leaves a constant the frontier needs (E, A, B, α, β or the
  allocation exponent a) undetermined (`scaling_core.fit.identifiability`), or when a sweep's
  runs determine only L = E + A/N^α (every run at one D): the reasons say which sweep and what
  runs would determine it.

References
----------
J. Hoffmann et al., "Training Compute-Optimal Large Language Models", arXiv:2203.15556, 2022
(eq. 2, eq. 4 and Appendix D.2: the frontier).
A. Bhagia, J. Liu et al., "Establishing Task Scaling Laws via Compute-Efficient Model Ladders",
arXiv:2412.04403, 2024, and OLMo-core's ladder analysis (compute-equivalent of a run).
Marin (marin.community) data set comparisons as compute-equivalent speed-ups per Paloma subset.
T. Besiroglu et al., arXiv:2404.10102, 2024 (bootstrap of the Approach-3 fit).

Examples
--------
>>> from scaling_core.presets import get_law
>>> from dataclasses import replace
>>> law_a = get_law("epoch-2024")
>>> k = 2.0   # B: A's law with N and D each worth 1/sqrt(k) as much
>>> law_b = replace(law_a, A=law_a.A * k ** (law_a.alpha / 2), B=law_a.B * k ** (law_a.beta / 2))
>>> round(float(multiplier(law_a, law_b, 1e21)), 6)
2.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from scaling_core.allocation import (
    FLOPS_PER_PARAM_TOKEN,
    chinchilla_frontier,
    compute_for_loss,
    compute_optimal,
    frontier_compute_for_loss,
)
from scaling_core.fit import FitError
from scaling_core.laws import ChinchillaLaw, FloatArray
from scaling_core.published.fits import SweepFit, fit_sweep

#: The constants the frontier L*(C) needs, each of which the runs must determine.
NEEDED: tuple[str, ...] = ("E", "A", "B", "alpha", "beta", "a")
#: The grid of budgets runs to this many times the largest run's compute (extrapolated there).
DEFAULT_REACH: float = 100.0
#: Budgets on the grid.
GRID_POINTS: int = 61
#: Refits per sweep below which the command line and the page show no interval.
MIN_SHOWN_DRAWS: int = 1000
#: Budgets per decade scanned for a sign change of L*_A − L*_B before bisection.
SCAN_PER_DECADE: int = 40
SIDES: tuple[str, str] = ("A", "B")


class CompareError(ValueError):
    """Two sweeps that cannot be compared as given (one line naming why)."""


def frontier_loss(law: ChinchillaLaw, compute_flops: ArrayLike) -> FloatArray:
    """L*(C) = L(N_opt(C), D_opt(C)), the compute-optimal loss (Hoffmann et al. 2022, eq. 4)."""
    return np.asarray(compute_optimal(law, compute_flops).loss, dtype=float)


def multiplier(law_a: ChinchillaLaw, law_b: ChinchillaLaw, compute_flops: ArrayLike) -> FloatArray:
    """m(C) = C_B(L*_A(C)) / C: the compute B's frontier needs to reach the loss A's frontier
    reaches with C, per unit of C; inf where B's law never reaches it (L*_A(C) <= E_B)."""
    compute = np.asarray(compute_flops, dtype=float)
    needed = np.asarray(compute_for_loss(law_b, frontier_loss(law_a, compute)), dtype=float)
    return np.where(np.isnan(needed), np.inf, needed / compute)


def crossovers(law_a: ChinchillaLaw, law_b: ChinchillaLaw, low: float, high: float) -> list[float]:
    """Budgets in [low, high] where m(C) = 1, i.e. L*_A(C) = L*_B(C): every sign change of
    L*_A − L*_B on a scan of `SCAN_PER_DECADE` budgets a decade, refined by bisection in log C
    to 1e-12 relative."""
    if not (0 < low < high):
        return []
    n = max(int(SCAN_PER_DECADE * math.log10(high / low)) + 1, 2)
    log_c = np.linspace(math.log(low), math.log(high), n)

    def gap(lc: FloatArray | float) -> FloatArray:
        c = np.exp(np.asarray(lc, dtype=float))
        return frontier_loss(law_a, c) - frontier_loss(law_b, c)

    values = gap(log_c)
    roots = []
    for i in np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0):
        lo, hi = float(log_c[i]), float(log_c[i + 1])
        sign_lo = np.sign(values[i])
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if np.sign(gap(mid)) == sign_lo:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-12:
                break
        roots.append(float(np.exp(0.5 * (lo + hi))))
    roots += [float(np.exp(lc)) for lc, v in zip(log_c, values, strict=True) if v == 0.0]
    return sorted(roots)


def percentile_interval(values: ArrayLike, confidence: float) -> tuple[float, float]:
    """The (1 − confidence)/2 and (1 + confidence)/2 percentiles (linear, as the bootstrap's),
    where a value may be +inf (a draw whose B never reaches the loss): a bound that falls among
    the infinite draws is inf.  NaN entries (failed draws) are left out."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if not len(v):
        return (math.nan, math.nan)
    finite_max = float(v[np.isfinite(v)].max()) if np.isfinite(v).any() else math.inf
    capped = np.where(np.isposinf(v), np.finfo(float).max, v)
    bounds = np.percentile(capped, [50 * (1 - confidence), 50 * (1 + confidence)])
    return tuple(float(b) if b <= finite_max else math.inf for b in bounds)  # type: ignore[return-value]


@dataclass(frozen=True)
class MultiplierPoint:
    """The multiplier at one budget of A: point estimate, interval, and whether it is read
    beyond the runs (C outside A's runs' compute, or m·C outside B's)."""

    compute_flops: float
    multiplier: float
    interval: tuple[float, float] | None
    extrapolated: bool
    loss: float  # L*_A(C), the loss both frontiers are compared at
    compute_b: float  # m·C: what B needs

    def to_dict(self) -> dict[str, Any]:
        """JSON form; an infinite multiplier (B never reaches the loss) is null with
        ``unreachable`` true."""
        return {
            "compute": self.compute_flops,
            "multiplier": _finite(self.multiplier),
            "interval": None if self.interval is None else [_finite(v) for v in self.interval],
            "extrapolated": self.extrapolated,
            "unreachable": bool(np.isposinf(self.multiplier)),
            "loss": _finite(self.loss),
            "compute_b": _finite(self.compute_b),
        }


@dataclass(frozen=True)
class Crossover:
    """Where m(C) crosses 1 within the grid's budgets: the point estimate's budgets (none,
    one, or two: two frontiers E + K·C^−γ cross at most twice), and for the first one the
    share of refits that cross in the same range and, when that share reaches the confidence,
    the percentile interval of their first crossing."""

    budgets: tuple[float, ...]
    extrapolated: tuple[bool, ...]
    share_of_draws: float | None
    interval: tuple[float, float] | None
    searched: tuple[float, float]
    #: False when the fits' m(C) does not cross 1 in the range but more than 1 − confidence of
    #: the refits do: whether m crosses 1 there is then not determined by the runs.
    determined: bool = True

    @property
    def compute_flops(self) -> float | None:
        """The first crossover budget, or None when m does not cross 1 in the range."""
        return self.budgets[0] if self.budgets else None

    def describe(self) -> str:
        """In words, including when there is none in the range."""
        low, high = self.searched
        share = (
            ""
            if self.share_of_draws is None
            else f"; {self.share_of_draws:.0%} of the bootstrap refits cross in that range"
        )
        if not self.budgets and not self.determined:
            return (
                f"Crossover not determined: the fits' m(C) does not cross 1 between {_flop(low)} "
                f"and {_flop(high)} FLOP, but {self.share_of_draws:.0%} of the bootstrap refits do"
            )
        if not self.budgets:
            return (
                f"No crossover: m(C) does not cross 1 between {_flop(low)} and {_flop(high)} "
                f"FLOP{share}"
            )
        where = ", ".join(
            f"{_flop(c)} FLOP" + (" (extrapolated)" if x else "")
            for c, x in zip(self.budgets, self.extrapolated, strict=True)
        )
        interval = (
            f" (interval {_flop(self.interval[0])}-{_flop(self.interval[1])})"
            if self.interval
            else ""
        )
        return f"m(C) crosses 1 at {where}{interval}{share}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "compute": self.compute_flops,
            "budgets": list(self.budgets),
            "extrapolated": self.extrapolated[0] if self.extrapolated else None,
            "interval": None if self.interval is None else list(self.interval),
            "share_of_draws": self.share_of_draws,
            "determined": self.determined,
            "searched": list(self.searched),
            "text": self.describe(),
        }


@dataclass(frozen=True)
class Comparison:
    """Sweep B against sweep A on one loss: the multiplier at a budget and on a grid, with
    intervals, the crossover, and what is not determined.  ``determined`` False means no
    multiplier (``reasons`` say which sweep lacks what)."""

    loss_column: str
    determined: bool
    reasons: tuple[str, ...]
    at: MultiplierPoint | None
    grid: tuple[MultiplierPoint, ...]
    crossover: Crossover | None
    range_a: tuple[float, float]
    range_b: tuple[float, float]
    confidence: float
    n_draws: int
    n_failed: int
    fits: tuple[SweepFit, SweepFit] = field(repr=False)
    notes: tuple[str, ...] = ()

    @property
    def supported(self) -> tuple[float, float] | None:
        """A's budgets at which nothing is extrapolated (the grid points not marked), or None."""
        inside = [p.compute_flops for p in self.grid if not p.extrapolated]
        return (min(inside), max(inside)) if inside else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of one loss column: multiplier, interval, at_compute, crossover, grid."""
        at = self.at.to_dict() if self.at is not None else None
        fit_a, fit_b = self.fits
        return {
            "loss_column": self.loss_column,
            "multiplier": None if at is None else at["multiplier"],
            "interval": None if at is None else at["interval"],
            "at_compute": None if self.at is None else self.at.compute_flops,
            "extrapolated": None if at is None else at["extrapolated"],
            "unreachable": None if at is None else at["unreachable"],
            "crossover": None if self.crossover is None else self.crossover.to_dict(),
            "determined": self.determined,
            "not_determined_because": list(self.reasons),
            "confidence": self.confidence,
            "n_draws": self.n_draws,
            "n_failed_draws": self.n_failed,
            "runs_compute": {"A": list(self.range_a), "B": list(self.range_b)},
            "fits": {
                side: {
                    "form": f.fit.form,
                    "params": dict(f.fit.params),
                    "n_runs": f.n_runs,
                    "n_boot": f.boot.n_boot,
                    "resampling": f.boot.resampling,
                    "determined": dict(f.identifiability.determined),
                }
                for side, f in zip(SIDES, (fit_a, fit_b), strict=True)
            },
            "grid": [p.to_dict() for p in self.grid],
            "notes": list(self.notes),
        }


def _flop(value: float) -> str:
    """3.35e15, not 3.35e+15."""
    return f"{value:.3g}".replace("e+", "e")


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def not_determined(side: str, result: SweepFit) -> list[str]:
    """Why sweep ``side``'s fit gives no frontier to compare (empty when it does)."""
    if result.fit.form != "chinchilla":
        why = result.fit.fallback or f"the {result.fit.form} form was fitted"
        return [
            f"sweep {side}: its runs determine only L = E + A/N^alpha ({why}); the compute-"
            "optimal frontier needs the Chinchilla form, from runs at 3 or more token counts "
            "spread over at least 4x"
        ]
    ident = result.identifiability
    missing = [name for name in NEEDED if not ident.determined.get(name, False)]
    if not missing:
        return []
    details = "; ".join(f"{name}: {ident.reasons.get(name, 'not determined')}" for name in missing)
    advice = " ".join(ident.warnings[:1])
    return [
        f"sweep {side}: {', '.join(missing)} not determined by its runs ({details})"
        + (f"; {advice}" if advice else "")
    ]


def _draw_frontiers(
    result: SweepFit, n_draws: int
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    """The compute-optimal frontier of each of the first ``n_draws`` bootstrap refits,
    L*(C) = E + K·(C/6)^-γ (`chinchilla_frontier`; Hoffmann et al. 2022, eq. 4): E, K and γ
    as column vectors, and which refits are laws at all (A, B, α, β positive and finite, E
    non-negative and finite: `ChinchillaLaw`'s own test)."""
    params = result.boot.samples[["E", "A", "B", "alpha", "beta"]].to_numpy(dtype=float)
    e, a, b, alpha, beta = params[:n_draws].T
    usable = np.isfinite(params[:n_draws]).all(axis=1) & (e >= 0)
    usable &= (a > 0) & (b > 0) & (alpha > 0) & (beta > 0)
    k, gamma = chinchilla_frontier(a, b, alpha, beta)
    return e[:, None], k[:, None], gamma[:, None], usable


def _draw_multipliers(
    fit_a: SweepFit, fit_b: SweepFit, n_draws: int, budgets: FloatArray, grid: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """For draw i of A paired with draw i of B, all at once: m_i at each of ``budgets`` (as
    `multiplier`; NaN rows where a refit is no law) and the first budget on ``grid`` where
    L*_A − L*_B changes sign, linear in log C between the two grid budgets around it (NaN
    where it does not)."""
    e_a, k_a, gamma_a, usable_a = _draw_frontiers(fit_a, n_draws)
    e_b, k_b, gamma_b, usable_b = _draw_frontiers(fit_b, n_draws)
    usable = usable_a & usable_b
    with np.errstate(all="ignore"):
        loss_a = e_a + k_a * (budgets / FLOPS_PER_PARAM_TOKEN) ** -gamma_a
        needed = frontier_compute_for_loss(e_b, k_b, gamma_b, loss_a)
        draws = np.where(np.isnan(needed), np.inf, needed / budgets)  # as `multiplier`
        scaled = grid / FLOPS_PER_PARAM_TOKEN
        gap = (e_a + k_a * scaled**-gamma_a) - (e_b + k_b * scaled**-gamma_b)
    draws[~usable] = np.nan
    change = np.sign(gap[:, :-1]) * np.sign(gap[:, 1:]) < 0
    crossing = usable & change.any(axis=1)
    rows = np.flatnonzero(crossing)
    j = change[rows].argmax(axis=1)  # the first sign change of each row
    t = gap[rows, j] / (gap[rows, j] - gap[rows, j + 1])
    log_grid = np.log(grid)
    first_cross = np.full(n_draws, np.nan)
    first_cross[rows] = np.exp(log_grid[j] + t * (log_grid[j + 1] - log_grid[j]))
    return draws, first_cross


def _compute_range(result: SweepFit) -> tuple[float, float]:
    compute = result.table["compute_flops"].to_numpy(dtype=float)
    compute = compute[np.isfinite(compute) & (compute > 0)]
    return float(compute.min()), float(compute.max())


def _outside(value: float, bounds: tuple[float, float]) -> bool:
    slack = 1e-9
    return not (bounds[0] * (1 - slack) <= value <= bounds[1] * (1 + slack))


def compare_fits(
    fit_a: SweepFit,
    fit_b: SweepFit,
    *,
    loss_column: str = "loss",
    at_compute: float | None = None,
    confidence: float = 0.95,
    reach: float = DEFAULT_REACH,
    grid_points: int = GRID_POINTS,
) -> Comparison:
    """The multiplier of sweep B against sweep A from their bootstrapped fits.

    ``at_compute`` defaults to the largest budget read from the runs alone
    (`largest_supported_budget`; the largest compute both sweeps ran when no budget is).  The grid runs from the smallest run of either sweep to ``reach`` times the largest.
    Draw i of A is paired with draw i of B (independent resamples of independent sweeps).
    """
    if not (0 < confidence < 1):
        raise CompareError(f"confidence must be between 0 and 1, got {confidence!r}")
    if not (math.isfinite(reach) and reach >= 1):
        raise CompareError(f"reach must be at least 1 (times the largest run), got {reach!r}")
    if at_compute is not None and not (math.isfinite(at_compute) and at_compute > 0):
        raise CompareError(f"the budget must be a positive number of FLOP, got {at_compute!r}")
    range_a, range_b = _compute_range(fit_a), _compute_range(fit_b)
    low = min(range_a[0], range_b[0])
    high = reach * max(range_a[1], range_b[1])
    at_c = float(at_compute) if at_compute is not None else min(range_a[1], range_b[1])
    notes = _loss_notes(fit_a, fit_b)
    reasons = [*not_determined("A", fit_a), *not_determined("B", fit_b)]
    n_draws = min(len(fit_a.boot.samples), len(fit_b.boot.samples))
    common = {
        "loss_column": loss_column,
        "range_a": range_a,
        "range_b": range_b,
        "confidence": confidence,
        "fits": (fit_a, fit_b),
    }
    if reasons:
        return Comparison(
            determined=False,
            reasons=tuple(reasons),
            at=None,
            grid=(),
            crossover=None,
            n_draws=n_draws,
            n_failed=0,
            notes=tuple(notes),
            **common,
        )
    law_a, law_b = fit_a.fit.law, fit_b.fit.law
    if at_compute is None:
        at_c = largest_supported_budget(law_a, law_b, range_a, range_b)
    grid = np.geomspace(low, high, grid_points)
    budgets = np.append(grid, at_c)
    point = multiplier(law_a, law_b, budgets)
    draws, first_cross = _draw_multipliers(fit_a, fit_b, n_draws, budgets, grid)
    failed = int(np.isnan(draws[:, 0]).sum())
    loss_a = frontier_loss(law_a, budgets)
    points = []
    for k, c in enumerate(budgets):
        m = float(point[k])
        interval = percentile_interval(draws[:, k], confidence) if n_draws else None
        extrapolated = (
            _outside(float(c), range_a) or not math.isfinite(m) or _outside(m * float(c), range_b)
        )
        points.append(
            MultiplierPoint(float(c), m, interval, extrapolated, float(loss_a[k]), m * float(c))
        )
    roots = crossovers(law_a, law_b, low, high)
    usable = n_draws - failed
    share = float(np.isfinite(first_cross).sum() / usable) if usable else None
    cross_interval = None
    if roots and share is not None and share >= confidence:
        cross_interval = percentile_interval(first_cross[np.isfinite(first_cross)], confidence)
    crossing = Crossover(
        budgets=tuple(roots),
        extrapolated=tuple(_outside(c, range_a) or _outside(c, range_b) for c in roots),
        share_of_draws=share,
        interval=cross_interval,
        searched=(low, high),
        determined=bool(roots) or share is None or share <= 1 - confidence,
    )
    if not crossing.determined:
        notes.append(
            f"the fits' m(C) does not cross 1 in the range, but {share:.0%} of the bootstrap "
            f"refits do, more than {1 - confidence:.0%}: whether m crosses 1 there is not "
            "determined by these runs"
        )
    if roots and cross_interval is None and share is not None:
        notes.append(
            f"only {share:.0%} of the bootstrap refits cross 1 in the range, fewer than "
            f"{confidence:.0%}: the crossover budget is not determined by these runs"
        )
    return Comparison(
        determined=True,
        reasons=(),
        at=points[-1],
        grid=tuple(points[:-1]),
        crossover=crossing,
        n_draws=n_draws,
        n_failed=failed,
        notes=tuple(notes),
        **common,
    )


def largest_supported_budget(
    law_a: ChinchillaLaw,
    law_b: ChinchillaLaw,
    range_a: tuple[float, float],
    range_b: tuple[float, float],
) -> float:
    """The largest budget C of A at which nothing is extrapolated: C within A's runs' compute
    and m(C)·C = C_B(L*_A(C)) within B's.  C_B(L*_A(C)) rises with C, so the bound from B is
    the budget at which A's frontier reaches the loss B's frontier reaches with B's largest
    run, C_A(L*_B(C_B,max)) (both closed forms, Hoffmann et al. 2022 eq. 4).  When no budget
    is inside both, the largest compute both sweeps ran, min(C_A,max, C_B,max)."""
    from_b = float(compute_for_loss(law_a, frontier_loss(law_b, range_b[1])))
    best = min(range_a[1], from_b) if math.isfinite(from_b) else range_a[1]
    inside = best >= range_a[0] and not _outside(
        float(multiplier(law_a, law_b, best)) * best, range_b
    )
    return best if inside else min(range_a[1], range_b[1])


def _loss_notes(fit_a: SweepFit, fit_b: SweepFit) -> list[str]:
    """A note when the two sweeps' observed losses do not overlap at all (a hint that they
    are not on one loss scale: another tokenizer or validation set)."""
    la = fit_a.table["loss"].to_numpy(dtype=float)
    lb = fit_b.table["loss"].to_numpy(dtype=float)
    if la.max() < lb.min() or lb.max() < la.min():
        return [
            f"the sweeps' losses do not overlap (A {la.min():.3g}-{la.max():.3g}, B "
            f"{lb.min():.3g}-{lb.max():.3g} nats/token): check that both are on one loss scale "
            "(the same tokenizer and validation set)"
        ]
    return []


def side_seeds(seed: int) -> tuple[int, int]:
    """Two independent bootstrap seeds, one per sweep, from one (numpy's SeedSequence.spawn):
    the same seed for both would draw the same cluster indices whenever the sweeps have as many
    clusters, and pair every refit of A with its twin of B."""
    children = np.random.SeedSequence(seed).spawn(2)
    first, second = (int(child.generate_state(1)[0]) for child in children)
    return first, second


def fit_side(table: pd.DataFrame, *, side: str, n_boot: int, seed: int) -> SweepFit:
    """`fit_sweep` of one sweep's runs (the automatic form, the cluster bootstrap), with a
    `CompareError` naming the sweep when it cannot be fitted."""
    try:
        return fit_sweep(table, n_boot=n_boot, seed=seed)
    except FitError as exc:
        raise CompareError(f"sweep {side}: {exc}") from None


def compare_tables(
    table_a: pd.DataFrame,
    table_b: pd.DataFrame,
    *,
    loss_column: str = "loss",
    n_boot: int = MIN_SHOWN_DRAWS,
    seed: int = 0,
    at_compute: float | None = None,
    confidence: float = 0.95,
    reach: float = DEFAULT_REACH,
) -> Comparison:
    """Fit both sweeps' runs (columns n_params, n_tokens, compute_flops, loss) with ``n_boot``
    refits each and compare them (`compare_fits`)."""
    seed_a, seed_b = side_seeds(seed)
    fit_a = fit_side(table_a, side="A", n_boot=n_boot, seed=seed_a)
    fit_b = fit_side(table_b, side="B", n_boot=n_boot, seed=seed_b)
    return compare_fits(
        fit_a,
        fit_b,
        loss_column=loss_column,
        at_compute=at_compute,
        confidence=confidence,
        reach=reach,
    )


def shared_loss_columns(columns_a: Sequence[str], columns_b: Sequence[str]) -> list[str]:
    """The loss columns both sweeps carry, by name, in A's order."""
    names_b = set(columns_b)
    return [c for c in columns_a if c in names_b]
