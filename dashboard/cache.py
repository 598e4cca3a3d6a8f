"""Cached calls into `scaling_core` for what does not change between slider moves."""

from __future__ import annotations

import numpy as np
import streamlit as st

from dashboard.state import available_laws
from scaling_core.allocation import Allocation, compute_optimal_frontier, loss_surface


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
