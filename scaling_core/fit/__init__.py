"""Fitting scaling laws to your own runs: Approaches 1, 2 and 3, other forms, uncertainty.

Layout: ``base`` (constants, FitError, runs as arrays), ``objective`` and ``starts`` (Huber objective,
Newton polish, variable-projection starts), ``forms`` (the law forms and `fit`), ``result`` (FitResult);
``isoflop`` (Approaches 1 and 2), ``isoflop_porian`` (Porian et al. 2024's Akima estimator),
``isoflop_budgets`` (budgets, edge checks, the N_opt(C) power law), ``sweeps`` (one sweep from a
file of several), ``points`` (which points a fit sees and how they group), ``bootstrap``,
``extrapolation``, ``rollout`` (the rollout scorecard: every cutoff fitted, every larger run
predicted, OLMo-core's ScalingLawRollout method), ``gadre`` (Gadre et al. 2024's α = β form,
``fit(runs, "gadre")``), ``identifiability``, ``reference`` (the published L-BFGS-B grid).
Every Huber-objective form takes ``overestimate_penalty`` (OLMo-core's asymmetric weight of
over-predicted runs; 1, the default, is Hoffmann et al.'s objective).

Forms
-----
``"chinchilla"``  L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 2), fitted as in their
                  Approach 3 (Appendix D.2): minimise
                  Σ_i w_i·Huber_δ(LSE(a − α·log N_i, b − β·log D_i, e) − log L_i),
                  δ = 1e-3, A = e^a, B = e^b, E = e^e.
``"kaplan"``      L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (Kaplan et al. 2020, eq. 1.5),
                  same Huber (or least-squares) objective on log L.
``"power-n"``     L(N) = E + A/N^α (the D → ∞ limit of eq. 2; Hoffmann et al. 2022).
``"power-c"``     L(C) = (C_c/C)^α_C (Kaplan et al. 2020, eq. 1.3), optionally E + (C_c/C)^α_C.

How the Approach-3 fit finds the global minimum fast
----------------------------------------------------
1. *Variable projection for starts.*  For fixed exponents (α, β) the model is linear in
   (E, A, B) in loss space, so a grid over (α, β) with a non-negative least-squares solve for
   (E, A, B) at every grid point (weights 1/L², which mimics a fit in log space) maps the whole
   landscape in a few milliseconds.  The best few well-separated grid points become starts.
2. *Newton polish.*  From each start a damped Newton method with the analytic gradient and
   Hessian of the Huber objective (Levenberg-Marquardt damping, monotone line search) first
   minimises the least-squares objective in log space and then the Huber objective at δ.
   The best end point wins.  No scipy is needed on this path.

The published 4,500-start L-BFGS-B grid method is `fit_chinchilla_grid`, kept as the
reference the benchmark and the tests compare against.

Approaches 1 and 2 of Hoffmann et al. 2022 (section 3.1, envelope of learning curves; section
3.2, IsoFLOP parabolas) are `fit_approach1` and `fit_approach2`; `fit_isoflop_porian` is Porian et
al. 2024's estimator (arXiv:2406.19146: Akima minima per budget, seed-noise bootstrap, weighted
power law), which reproduces their Table 1 from their released points.  Both leave out budgets
whose minimum lies at the edge of the sampled sizes and say so.  Uncertainty comes from a
bootstrap over runs (`bootstrap_fit`; runs sharing (N, D), such as seeds, resampled together), and `extrapolation_check` fits the small runs and
predicts the held-out largest ones.

All losses are in nats per token, N in parameters, D in tokens, C = 6·N·D in FLOP.  Residuals
are log(predicted) − log(observed).

References
----------
J. Hoffmann et al., "Training Compute-Optimal Large Language Models", arXiv:2203.15556, 2022
(eq. 2, sections 3.1-3.3, Appendix D.2).
J. Kaplan et al., "Scaling Laws for Neural Language Models", arXiv:2001.08361, 2020 (eqs. 1.3,
1.5).
T. Besiroglu et al., "Chinchilla Scaling: A replication attempt", arXiv:2404.10102, 2024 (drop
the 5 highest-loss runs; bootstrap intervals).

Examples
--------
>>> import numpy as np, pandas as pd
>>> n = np.repeat([1e8, 3e8, 1e9, 3e9], 4)
>>> d = np.tile([2e9, 6e9, 2e10, 6e10], 4)
>>> loss = 1.8172 + 482.01 / n**0.3478 + 2085.43 / d**0.3658
>>> fit = fit_chinchilla(pd.DataFrame({"n_params": n, "n_tokens": d, "loss": loss}))
>>> round(fit.params["alpha"], 3), round(fit.params["beta"], 3)
(0.348, 0.366)
"""

from scaling_core.fit.base import DEFAULT_DELTA, FORMS, FitError
from scaling_core.fit.bootstrap import BootstrapResult, bootstrap_fit
from scaling_core.fit.choose import AUTO, fit, fit_auto
from scaling_core.fit.extrapolation import ExtrapolationResult, extrapolation_check
from scaling_core.fit.forms import (
    fit_chinchilla,
    fit_kaplan,
    fit_power_c,
    fit_power_n,
)
from scaling_core.fit.gadre import fit_gadre
from scaling_core.fit.identifiability import (
    Identifiability,
    assess,
    collinear_tokens_per_param,
    group_isoflop,
)
from scaling_core.fit.isoflop import ComputeOptimalFit, fit_approach1, fit_approach2
from scaling_core.fit.isoflop_porian import fit_isoflop_porian
from scaling_core.fit.reference import fit_chinchilla_grid
from scaling_core.fit.result import FitResult
from scaling_core.fit.rollout import RolloutResult, rollout
from scaling_core.fit.sweeps import parse_where, select_rows

__all__ = [
    "AUTO",
    "DEFAULT_DELTA",
    "FORMS",
    "BootstrapResult",
    "ComputeOptimalFit",
    "ExtrapolationResult",
    "FitError",
    "FitResult",
    "Identifiability",
    "RolloutResult",
    "assess",
    "bootstrap_fit",
    "collinear_tokens_per_param",
    "extrapolation_check",
    "fit",
    "fit_approach1",
    "fit_approach2",
    "fit_auto",
    "fit_chinchilla",
    "fit_chinchilla_grid",
    "fit_gadre",
    "fit_isoflop_porian",
    "fit_kaplan",
    "fit_power_c",
    "fit_power_n",
    "group_isoflop",
    "parse_where",
    "rollout",
    "select_rows",
]
