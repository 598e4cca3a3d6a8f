"""Cached calls into `scaling_core` for the frontier and the overfitting/data-limits pages.

Everything here calls core functions and packs their results for the figure builders and the
read-out tables; the numbers themselves come from `scaling_core`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from charts.frontier import IsoFlopCurve, LawCurve, budget_overlay, frontier_figure
from charts.overfitting import OverfitCurve
from charts.style import Overlay
from dashboard.cache import frontier_arrays
from dashboard.kept_figure import kept_figure
from dashboard.state import available_laws
from scaling_core.allocation import compute_optimal, isoflop_profile
from scaling_core.data_constrained import (
    DataConstrainedOptimum,
    RepetitionCost,
    data_constrained_optimal,
    repetition_cost,
)
from scaling_core.presets import get_law

#: Range of budgets drawn on the frontier page, FLOP.
FRONTIER_RANGE: tuple[float, float] = (1e17, 1e27)


@dataclass(frozen=True)
class ReferenceExponent:
    """A published allocation exponent a (N_opt ∝ C^a) quoted beside Porian et al.'s Table 1."""

    label: str
    a: float
    interval: tuple[float, float] | None
    source: str
    note: str = ""


#: Exponents researchers compare Porian et al. 2024, Table 1 against.
REFERENCE_EXPONENTS: tuple[ReferenceExponent, ...] = (
    ReferenceExponent(
        "Kaplan 2020: N ∝ C_min^0.73 (WebText2)",
        0.73,
        None,
        "Kaplan et al. 2020, Table 6",
    ),
    ReferenceExponent(
        "Kaplan 2020: N ∝ C^0.88, fixed batch",
        0.88,
        None,
        "Kaplan et al. 2020, Fig. 14",
    ),
    ReferenceExponent(
        "Chinchilla Approach 1 (MassiveText)",
        0.50,
        (0.488, 0.502),
        "Hoffmann et al. 2022, Table 2",
    ),
    ReferenceExponent(
        "Chinchilla Approach 2 (MassiveText)",
        0.49,
        (0.462, 0.534),
        "Hoffmann et al. 2022, Table 2",
    ),
    ReferenceExponent(
        "Chinchilla Approach 3 (MassiveText)",
        0.46,
        (0.454, 0.455),
        "Hoffmann et al. 2022, Table 2",
        "As printed: the 10th-90th percentile interval excludes the rounded estimate 0.46; "
        "Besiroglu et al. 2024 (sec. 4) find these intervals implausibly narrow.",
    ),
)


@dataclass(frozen=True)
class OptimumRow:
    """One law's compute-optimal allocation at one budget, for the read-out table."""

    key: str
    label: str
    n_params: float
    n_tokens: float
    tokens_per_param: float
    loss: float  # NaN for allocation-only laws
    exponent: float  # local d log N_opt / d log C


def law_curve(
    key: str, c_lo: float = FRONTIER_RANGE[0], c_hi: float = FRONTIER_RANGE[1]
) -> LawCurve:
    """The cached frontier of a law key over [c_lo, c_hi] FLOP as a `LawCurve`."""
    law = available_laws()[key]
    frontier = frontier_arrays(key, c_lo, c_hi)
    return LawCurve(
        key,
        law.label,
        frontier.compute_flops,
        frontier.n_params,
        frontier.n_tokens,
        frontier.loss,
    )


def optimum_rows(keys: list[str], compute_flops: float) -> list[OptimumRow]:
    """`compute_optimal` of each law at one budget, with the local allocation exponent.

    The exponent is the slope of log N_opt between C/1.01 and C·1.01; for power-law laws it is
    their a, for Kaplan's eq. 1.5 it is α_D/(α_N + α_D).
    """
    laws = available_laws()
    rows = []
    for key in keys:
        law = laws[key]
        optimum = compute_optimal(
            law, np.array([compute_flops / 1.01, compute_flops, compute_flops * 1.01])
        )
        slope = float(np.log(optimum.n_params[2] / optimum.n_params[0]) / np.log(1.01**2))
        rows.append(
            OptimumRow(
                key,
                law.label,
                float(optimum.n_params[1]),
                float(optimum.n_tokens[1]),
                float(optimum.tokens_per_param[1]),
                float(optimum.loss[1]),
                slope,
            )
        )
    return rows


def spread(values: list[float]) -> tuple[float, float, float]:
    """(max/min, min, max) of the finite values; (NaN, NaN, NaN) when none."""
    finite = [v for v in values if np.isfinite(v) and v > 0]
    if not finite:
        return float("nan"), float("nan"), float("nan")
    return max(finite) / min(finite), min(finite), max(finite)


@st.cache_data(max_entries=128, show_spinner=False)
def _isoflop(key: str, law_repr: str, compute_flops: float, n_points: int) -> IsoFlopCurve:
    law = available_laws()[key]
    optimum = compute_optimal(law, compute_flops)
    n_opt = float(optimum.n_params)
    n_max = min(n_opt * 30.0, compute_flops / 6.0)
    n_grid = np.geomspace(min(n_opt / 30.0, n_max / 10.0), n_max, n_points)
    return IsoFlopCurve(
        key,
        law.label,
        n_grid,
        isoflop_profile(law, compute_flops, n_grid),
        n_opt,
        float(optimum.loss),
    )


def isoflop_curve(key: str, compute_flops: float, n_points: int = 160) -> IsoFlopCurve:
    """L(N, C/6N) of a loss law around its minimum (N_opt/30 … 30·N_opt), cached per law and C."""
    return _isoflop(key, repr(available_laws()[key]), compute_flops, n_points)


@st.cache_data(max_entries=64, show_spinner=False)
def data_constrained_readout(
    compute_flops: float, unique_tokens: float, max_epochs: float = 100.0
) -> tuple[object, DataConstrainedOptimum, RepetitionCost, RepetitionCost]:
    """For the ``muennighoff-2023`` law at budget C and U_D unique tokens:

    (unconstrained optimum, data-constrained optimum, repetition cost of the unconstrained
    allocation over 1…max_epochs epochs, and that cost at exactly 1, 4, 16 and 40 epochs).
    """
    law = get_law("muennighoff-2023")
    free = compute_optimal(law, compute_flops)
    constrained = data_constrained_optimal(law, compute_flops, unique_tokens)
    n_free, d_free = float(free.n_params), float(free.n_tokens)
    epochs_here = max(1.0, d_free / unique_tokens)
    top = max(max_epochs, 2.0 * epochs_here)
    curve = repetition_cost(law, n_free, d_free, np.geomspace(1.0, top, 160))
    marks = repetition_cost(law, n_free, d_free, np.array([1.0, 4.0, 16.0, 40.0, epochs_here]))
    return free, constrained, curve, marks


#: Kaplan et al. 2020 fitted eq. 1.5 on data subsets of 21M to 22B tokens (Figure 9; 22B is all
#: of WebText2) with models of 768 to 1.5B non-embedding parameters (section 1).
KAPLAN_DATA_RANGE: tuple[float, float] = (2.1e7, 2.2e10)
KAPLAN_SIZE_RANGE: tuple[float, float] = (768.0, 1.5e9)


@st.cache_data(max_entries=4, show_spinner=False)
def overfitting_curves(
    sizes: tuple[float, ...] = (1e6, 1e7, 1e8, 1e9, 1e10, 1e11), n_points: int = 40
) -> list[OverfitCurve]:
    """Kaplan's δL(N, D) and N^(α_N/α_D)/D for each size over D in 1e7 … 1e13 tokens (eq. 4.3)."""
    law = get_law("kaplan-2020")
    tokens = np.geomspace(1e7, 1e13, n_points)
    curves = []
    for n_params in sizes:
        overfit = law.overfitting(n_params, tokens)
        keep = overfit >= 1e-4
        curves.append(
            OverfitCurve(
                n_params,
                tokens[keep],
                law.overfitting_variable(n_params, tokens[keep]),
                overfit[keep],
            )
        )
    return curves


@st.cache_data(max_entries=32, show_spinner=False)
def data_requirement_curves(
    tolerance: float, n_lo: float = 1e6, n_hi: float = 1e12
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N grid, tokens for δL ≤ tolerance by eq. 4.3, Kaplan's 5e3·N^0.74 of eq. 4.4)."""
    law = get_law("kaplan-2020")
    n_grid = np.geomspace(n_lo, n_hi, 80)
    return n_grid, law.tokens_for_overfitting(n_grid, tolerance), law.data_requirement(n_grid)


def frontier_view(
    keys: list[str],
    compute_flops: float,
    chosen: dict[str, tuple[float, float, float]],
    unit: str,
) -> tuple[go.Figure, Overlay]:
    """The frontier page's 2×2 figure for the compared laws, and the budget drawn over it: the
    line at ``compute_flops`` and each law's (N_opt, D_opt, L_opt) there.  The figure is built
    once per set of laws and unit and kept for the session, read-only; a budget slider move
    only changes the overlay (`charts.frontier.budget_overlay`)."""
    laws = available_laws()
    signature = (tuple(keys), tuple(repr(laws[key]) for key in keys), unit)
    fig = kept_figure(
        "frontier",
        signature,
        lambda: frontier_figure([law_curve(key) for key in keys], chosen_compute=None, unit=unit),
        read_only=True,
    )
    return fig, budget_overlay(keys, compute_flops, chosen, unit)
