"""Cached calls into `scaling_core` for what does not change between slider moves."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from charts.landscape import landscape_figure, place_run, run_overlay, surface_figure
from charts.style import Overlay
from dashboard.kept_figure import kept_figure
from dashboard.state import available_laws
from scaling_core.allocation import Allocation, compute_optimal_frontier, loss_surface
from scaling_core.laws import Law


@st.cache_data(max_entries=64, show_spinner=False)
def _surface(
    key: str, law_repr: str, n_lo: float, n_hi: float, d_lo: float, d_hi: float, size: int
):
    law = available_laws()[key]
    n_grid = np.geomspace(n_lo, n_hi, size)
    d_grid = np.geomspace(d_lo, d_hi, size)
    return n_grid, d_grid, loss_surface(law, n_grid, d_grid)


def surface_arrays(key: str, n_lo: float, n_hi: float, d_lo: float, d_hi: float, size: int = 100):
    """(N grid, D grid, L(N, D)) for a law key, cached per law and range."""
    law = available_laws()[key]
    return _surface(key, repr(law), n_lo, n_hi, d_lo, d_hi, size)


@st.cache_data(max_entries=64, show_spinner=False)
def _frontier(key: str, law_repr: str, c_lo: float, c_hi: float, n_points: int) -> Allocation:
    return compute_optimal_frontier(available_laws()[key], c_lo, c_hi, n_points)


def frontier_arrays(key: str, c_lo: float, c_hi: float, n_points: int = 200) -> Allocation:
    """The compute-optimal frontier of a law key over [c_lo, c_hi] FLOP, cached."""
    return _frontier(key, repr(available_laws()[key]), c_lo, c_hi, n_points)


#: The landscape page's grid: N from 1M to 10T, D from 100M to 1Q tokens.
LANDSCAPE_RANGE: tuple[float, float, float, float] = (1e6, 1e13, 1e8, 1e15)


def landscape_view(
    law: Law, point: tuple[float, float, float], *, show_3d: bool, unit: str = "FLOP"
) -> tuple[go.Figure, Overlay | None]:
    """The loss landscape (contour map, or 3-D surface) of ``law`` with ``point`` = (N, D, loss)
    marked, and what marks it.  The figure is built once per law and view and kept for the
    session: a slider move only changes the contour map's overlay (`charts.landscape.run_overlay`,
    the figure itself is read-only) or places the surface's marker
    (`charts.landscape.place_run`)."""
    if show_3d:
        fig = kept_figure(
            "landscape-3d",
            (law.key, repr(law)),
            lambda: surface_figure(
                *surface_arrays(law.key, *LANDSCAPE_RANGE), point=point, law_label=law.label
            ),
        )
        return place_run(fig, point), None

    def build() -> go.Figure:
        n_grid, d_grid, surface = surface_arrays(law.key, *LANDSCAPE_RANGE)
        frontier = frontier_arrays(law.key, 1e12, 1e28)
        return landscape_figure(
            n_grid,
            d_grid,
            surface,
            iso_flops=[1e18, 1e21, 1e24, 1e27],
            optimal_n=frontier.n_params,
            optimal_d=frontier.n_tokens,
            point=None,
            law_label=law.label,
            unit=unit,
        )

    fig = kept_figure("landscape", (law.key, repr(law), unit), build, read_only=True)
    return fig, run_overlay(point)
