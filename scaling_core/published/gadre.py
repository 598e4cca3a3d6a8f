"""Gadre et al. 2024's own extrapolation check, on their released runs, beside ours.

Gadre et al. (arXiv:2403.08540, sec. 3 and their ``scaling/shared.py``) fit the reducible-loss
law L(N, M) = E + a·N^(-η) + b'·(M·N)^(-η), i.e. the Chinchilla form with α = β = η written in
the token multiplier M = D/N (their eq. for L(C, M) is the same law in C), to five small runs:
the four smallest models at M = 20 tokens per parameter (``chinchilla_multiplier`` 1) and the
smallest at 320 (multiplier 16); least squares on the loss itself, best of a grid of starts.
They then predict their 1.4B and 6.9B runs.  This module repeats that procedure with our own
solver (scipy's least_squares from a grid of starts), so the page and tests can show the
authors' check beside ours (the Chinchilla-form leave-out fit of every run below 1B).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from scaling_core.fit import FitError

#: The fit set of Gadre et al.: the four smallest architectures at multiplier 1, and the
#: smallest at multiplier 16 (their fit_ds).
FIT_ARCHITECTURES = ("d=96_l=8_h=4", "d=512_l=8_h=4", "d=576_l=24_h=8", "d=1024_l=24_h=8")
SMALLEST = "d=96_l=8_h=4"


@dataclass(frozen=True)
class GadreCheck:
    """The five-run fit and its predictions of every larger run (``holdout``: run, n_params,
    n_tokens, chinchilla_multiplier, loss, predicted, relative_error)."""

    params: dict[str, float]
    n_fit: int
    holdout: pd.DataFrame

    @property
    def mean_abs_relative_error(self) -> float:
        """Mean |predicted/observed − 1| over the predicted runs."""
        return float(np.mean(np.abs(self.holdout["relative_error"])))

    @property
    def mean_signed_relative_error(self) -> float:
        """Mean predicted/observed − 1 over the predicted runs."""
        return float(np.mean(self.holdout["relative_error"]))


def _law(theta: np.ndarray, n_params: np.ndarray, n_tokens: np.ndarray) -> np.ndarray:
    e, a, b, eta = theta
    return e + a * n_params ** (-eta) + b * n_tokens ** (-eta)


def gadre_check(runs: pd.DataFrame) -> GadreCheck:
    """Gadre et al.'s fit set and least-squares fit on one dataset's runs (columns
    architecture, chinchilla_multiplier, n_params, n_tokens, loss), predicting every run
    larger than the fit set."""
    needed = {"architecture", "chinchilla_multiplier", "n_params", "n_tokens", "loss"}
    missing = needed - set(runs.columns)
    if missing:
        raise FitError(f"Gadre et al.'s check needs columns {sorted(missing)}")
    mult = pd.to_numeric(runs["chinchilla_multiplier"], errors="coerce")
    in_fit = (runs["architecture"].isin(FIT_ARCHITECTURES) & (mult == 1.0)) | (
        (runs["architecture"] == SMALLEST) & (mult == 16.0)
    )
    fit_set = runs[in_fit]
    if len(fit_set) != 5:
        raise FitError(f"Gadre et al.'s fit set has 5 runs; these runs give {len(fit_set)}")
    n = fit_set["n_params"].to_numpy(dtype=float)
    d = fit_set["n_tokens"].to_numpy(dtype=float)
    loss = fit_set["loss"].to_numpy(dtype=float)
    best = None
    for start in itertools.product(
        (0.0, 1.0, 2.0), (1e2, 1e3, 1e4), (1e2, 1e3, 1e4), (0.1, 0.2, 0.3)
    ):
        try:
            result = least_squares(
                lambda t: _law(t, n, d) - loss, np.asarray(start, dtype=float), max_nfev=20_000
            )
        except (ValueError, FloatingPointError):
            continue
        if np.isfinite(result.cost) and (best is None or result.cost < best.cost):
            best = result
    if best is None:
        raise FitError("Gadre et al.'s least-squares fit did not converge from any start")
    larger = runs[runs["n_params"] > fit_set["n_params"].max()]
    held = larger[["run", "n_params", "n_tokens", "chinchilla_multiplier", "loss"]].copy()
    held["predicted"] = _law(
        best.x, held["n_params"].to_numpy(dtype=float), held["n_tokens"].to_numpy(dtype=float)
    )
    held["relative_error"] = held["predicted"] / held["loss"] - 1.0
    params = dict(zip(("E", "A", "B", "eta"), (float(v) for v in best.x), strict=True))
    return GadreCheck(params, len(fit_set), held.reset_index(drop=True))
