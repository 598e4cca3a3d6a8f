"""Numeric core of the scaling-law dashboard: published laws, compute accounting, allocation, fits.

Pure numpy/scipy/pandas; never imports streamlit or plotly.  See `scaling_core.presets` for the
named laws and `scaling_core.allocation` for compute-optimal allocation.
"""

from scaling_core.allocation import (
    Allocation,
    compute_optimal,
    compute_optimal_frontier,
    isoflop_profile,
    training_flops,
)
from scaling_core.laws import ChinchillaLaw, KaplanLaw, LawUnavailable, PowerLawAllocation
from scaling_core.presets import PRESETS, get_law

__all__ = [
    "PRESETS",
    "Allocation",
    "ChinchillaLaw",
    "KaplanLaw",
    "LawUnavailable",
    "PowerLawAllocation",
    "compute_optimal",
    "compute_optimal_frontier",
    "get_law",
    "isoflop_profile",
    "training_flops",
]
