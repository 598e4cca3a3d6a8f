"""`FitResult`: a fitted law's constants, objective, residuals, diagnostics and report (lmfit-style)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scaling_core.fit.base import (
    _FORM_TEXT,
    DEFAULT_DELTA,
    FLOPS_PER_PARAM_TOKEN,
    YOUR_RUNS,
    FitError,
)
from scaling_core.fit.identifiability import Identifiability, assess
from scaling_core.laws import (
    ChinchillaLaw,
    FloatArray,
    KaplanLaw,
    Source,
)


@dataclass(frozen=True)
class FitResult:
    """Result of a fit, lmfit-style: parameters, objective, diagnostics and a readable report.

    ``params`` holds the law's constants (chinchilla: E, A, B, alpha, beta; kaplan: n_c, d_c,
    alpha_n, alpha_d; power-n: E, A, alpha; power-c: E, C_c, alpha_c).  ``objective`` is the
    weighted Huber sum Σ w·Huber_δ(log L̂ − log L) at ``params`` (least squares Σ w·r²/2 when
    ``delta`` is None).  ``residuals`` are log L̂ − log L of the runs used, in the order of
    ``runs``; ``excluded`` names the runs left out.
    """

    form: str
    params: dict[str, float]
    objective: float
    n_runs: int
    converged: bool
    message: str
    residuals: FloatArray = field(repr=False)
    runs: pd.DataFrame = field(repr=False)
    excluded: tuple[str, ...] = ()
    delta: float | None = DEFAULT_DELTA
    fixed: dict[str, float] = field(default_factory=dict)
    method: str = ""
    theta: FloatArray = field(default_factory=lambda: np.empty(0), repr=False)
    #: Why this form was fitted instead of the one asked for (`scaling_core.fit.fit` with
    #: ``form="auto"``), or None.
    fallback: str | None = None

    # ---------------------------------------------------------------- identifiability
    @cached_property
    def identifiability(self) -> Identifiability:
        """Which constants these runs determine, why not, and what runs would
        (`scaling_core.fit.identifiability.assess`; bootstrap intervals are read in by
        `Identifiability.with_intervals`)."""
        return assess(self)

    @property
    def determined(self) -> dict[str, bool]:
        """E, A, B, alpha, beta, a (and the form's own constants) → whether the runs determine
        it (`identifiability`)."""
        return dict(self.identifiability.determined)

    # ---------------------------------------------------------------- predictions
    def predict(
        self,
        n_params: ArrayLike | None = None,
        n_tokens: ArrayLike | None = None,
        compute_flops: ArrayLike | None = None,
    ) -> FloatArray:
        """Predicted loss (nats/token) of the fitted law.

        chinchilla and kaplan need ``n_params`` and ``n_tokens`` (or ``compute_flops``, from
        which D = C/(6N)); power-n needs ``n_params``; power-c needs ``compute_flops`` (or
        N and D, from which C = 6ND).
        """
        p = self.params
        n = None if n_params is None else np.asarray(n_params, dtype=float)
        d = None if n_tokens is None else np.asarray(n_tokens, dtype=float)
        c = None if compute_flops is None else np.asarray(compute_flops, dtype=float)
        if self.form == "power-c":
            if c is None:
                if n is None or d is None:
                    raise FitError("power-c predictions need compute_flops (or N and D)")
                c = FLOPS_PER_PARAM_TOKEN * n * d
            return p["E"] + np.power(p["C_c"] / c, p["alpha_c"])
        if n is None:
            raise FitError(f"{self.form} predictions need n_params")
        if self.form == "power-n":
            return p["E"] + p["A"] * np.power(n, -p["alpha"])
        if d is None:
            if c is None:
                raise FitError(f"{self.form} predictions need n_tokens or compute_flops")
            d = c / (FLOPS_PER_PARAM_TOKEN * n)
        if self.form == "kaplan":
            ratio = p["alpha_n"] / p["alpha_d"]
            return np.power(np.power(p["n_c"] / n, ratio) + p["d_c"] / d, p["alpha_d"])
        return p["E"] + p["A"] * np.power(n, -p["alpha"]) + p["B"] * np.power(d, -p["beta"])

    # ---------------------------------------------------------------- warnings
    def warnings(self, identifiability: Identifiability | None = None) -> list[str]:
        """Reasons not to trust this fit, in words a user can act on (empty when none).

        The `identifiability` warnings (a design that cannot fix a term, N and D moving
        together, a constant at its bound, a flat objective; each says which constants are
        not determined and what runs would determine them), then a solver that did not
        converge.
        """
        found = list((identifiability or self.identifiability).warnings)
        if not self.converged:
            found.append(f"the solver did not converge ({self.message})")
        return found

    # ---------------------------------------------------------------- laws
    @property
    def law(self) -> ChinchillaLaw | KaplanLaw:
        """The fit as a `scaling_core.laws` law (chinchilla → ChinchillaLaw, kaplan → KaplanLaw).

        The source is ``Source("Your runs", "", ...)``: it has no arXiv id, so do not show its
        ``url``.  power-n and power-c have no law family of their own and raise `FitError`.
        """
        p = self.params
        where = f"{self.method}; {self.n_runs} runs"
        exponents = [k for k in ("alpha", "beta", "alpha_n", "alpha_d") if k in p]
        bad = [k for k in exponents if not (math.isfinite(p[k]) and p[k] > 0)]
        if bad and self.form in ("chinchilla", "kaplan"):
            values = ", ".join(f"{k} = {p[k]:.3g}" for k in bad)
            raise FitError(
                f"the fit is not a usable law ({values}; exponents must be positive): "
                + (self.warnings()[0] if self.warnings() else "the runs do not constrain it")
            )
        if self.form == "chinchilla":
            return ChinchillaLaw(
                key="your-fit",
                label="Your fit (Chinchilla form, Approach 3)",
                E=p["E"],
                A=p["A"],
                B=p["B"],
                alpha=p["alpha"],
                beta=p["beta"],
                source=Source(YOUR_RUNS, "", f"Approach-3 fit ({where})"),
                counts="as counted in your runs",
                notes=f"Fitted to your runs; objective {self.objective:.6g}.",
            )
        if self.form == "kaplan":
            return replace(
                KaplanLaw(),
                key="your-fit-kaplan",
                label="Your fit (Kaplan eq. 1.5 form)",
                n_c=p["n_c"],
                d_c=p["d_c"],
                alpha_n=p["alpha_n"],
                alpha_d=p["alpha_d"],
                source=Source(YOUR_RUNS, "", f"Kaplan eq. 1.5 fit ({where})"),
                counts="as counted in your runs",
                notes=(
                    "Only loss(N, D) and the quantities derived from eq. 1.5 come from your runs; "
                    "the other constants are Kaplan et al. 2020's."
                ),
            )
        raise FitError(f"the {self.form} form has no law family; use predict()")

    @property
    def allocation_exponents(self) -> tuple[float, float]:
        """(a, b) = (β/(α+β), α/(α+β)), N_opt ∝ C^a, D_opt ∝ C^b (Hoffmann et al. 2022, eq. 4)."""
        if self.form != "chinchilla":
            raise FitError("allocation exponents are defined for the chinchilla form only")
        total = self.params["alpha"] + self.params["beta"]
        return self.params["beta"] / total, self.params["alpha"] / total

    def compute_optimal(self, compute_flops: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """(N_opt, D_opt) at C FLOP: N_opt = G·(C/6)^a, D_opt = G⁻¹·(C/6)^b (Hoffmann et al. 2022, eq. 4)."""
        n_opt, d_opt = _chinchilla_optimal(self.params, np.asarray(compute_flops, dtype=float))
        return n_opt, d_opt

    # ---------------------------------------------------------------- diagnostics
    @property
    def rms_residual(self) -> float:
        """Root-mean-square of the log residuals of the runs used."""
        return float(np.sqrt(np.mean(self.residuals**2))) if len(self.residuals) else math.nan

    @property
    def max_abs_residual(self) -> float:
        """Largest |log L̂ − log L| over the runs used."""
        return float(np.max(np.abs(self.residuals))) if len(self.residuals) else math.nan

    def diagnostics(self) -> pd.DataFrame:
        """Per-run table: run, n_params, n_tokens, compute_flops, loss, predicted, residual (log)."""
        table = self.runs.copy()
        table["predicted"] = np.exp(np.log(table["loss"].to_numpy()) + self.residuals)
        table["residual"] = self.residuals
        table["relative_error"] = np.expm1(self.residuals)
        return table

    def report(self, identifiability: Identifiability | None = None) -> str:
        """A readable multi-line report of the fit; ``identifiability`` replaces the fit's own
        (e.g. one with bootstrap intervals read in, `Identifiability.with_intervals`)."""
        lines = [f"[[Fit]] {self.form}: {_FORM_TEXT[self.form]}"]
        objective_kind = (
            "least squares sum r^2/2" if self.delta is None else f"Huber sum, delta={self.delta:g}"
        )
        lines.append(f"    method     {self.method}")
        lines.append(f"    runs       {self.n_runs} used, {len(self.excluded)} excluded")
        if self.excluded:
            shown = ", ".join(self.excluded[:10]) + (" ..." if len(self.excluded) > 10 else "")
            lines.append(f"    excluded   {shown}")
        lines.append(f"    objective  {self.objective:.8g} ({objective_kind} of log residuals)")
        lines.append(f"    converged  {'yes' if self.converged else 'NO'} ({self.message})")
        lines.append("[[Parameters]]")
        for name, value in self.params.items():
            tag = "  (fixed)" if name in self.fixed else ""
            lines.append(f"    {name:<8} = {value:.6g}{tag}")
        ident = identifiability or self.identifiability
        if self.form == "chinchilla":
            lines.append("[[Derived]]")
            if ident.determined["a"]:
                a, b = self.allocation_exponents
                lines.append(f"    a = beta/(alpha+beta) = {a:.4f}   (N_opt ∝ C^a)")
                lines.append(f"    b = alpha/(alpha+beta) = {b:.4f}   (D_opt ∝ C^b)")
            else:
                lines.append(
                    f"    a, b   not determined by these runs ({ident.reasons.get('a', '')})"
                )
        lines.append("[[Determined]] by these runs")
        for name, ok in ident.determined.items():
            why = "" if ok and name not in self.fixed else f"  ({ident.reasons.get(name, '')})"
            lines.append(f"    {name:<8} {'yes' if ok else 'NO'}{why}")
        if self.fallback:
            lines.append("[[Fallback]]")
            lines.append(f"    {self.fallback}")
        lines.append("[[Residuals]] log(predicted) - log(observed)")
        if len(self.residuals):
            worst = int(np.argmax(np.abs(self.residuals)))
            lines.append(f"    rms        {self.rms_residual:.4g}")
            lines.append(
                f"    max |r|    {self.max_abs_residual:.4g} (run {self.runs['run'].iloc[worst]})"
            )
        warnings = self.warnings(ident)
        if warnings:
            lines.append("[[Warnings]]")
            lines.extend(f"    - {text}" for text in warnings)
        return "\n".join(lines)


def _chinchilla_optimal(
    params: Mapping[str, Any], compute_flops: FloatArray | float
) -> tuple[Any, Any]:
    alpha, beta = params["alpha"], params["beta"]
    if not (alpha > 0 and beta > 0):  # (negative base)**x is complex: no optimum exists
        raise ValueError(
            f"no compute-optimal allocation with alpha = {alpha:.3g}, beta = {beta:.3g}"
        )
    g = (alpha * params["A"] / (beta * params["B"])) ** (1.0 / (alpha + beta))
    c6 = np.asarray(compute_flops, dtype=float) / FLOPS_PER_PARAM_TOKEN
    return g * c6 ** (beta / (alpha + beta)), c6 ** (alpha / (alpha + beta)) / g
