"""Which form to fit: `fit` dispatches to a form's fit function (`scaling_core.fit.forms`,
`scaling_core.fit.gadre`), and `fit_auto` fits the Chinchilla form (Hoffmann et al. 2022, eq. 2)
or falls back to a power law in N where the runs determine only that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scaling_core.fit.base import FitError, Form, RunsLike
from scaling_core.fit.forms import _prepare, fit_chinchilla, fit_kaplan, fit_power_c, fit_power_n
from scaling_core.fit.result import FitResult

#: The form ``fit`` chooses itself: Chinchilla, or power in N where only that is determined.
AUTO = "auto"


def fit(runs: RunsLike, form: Form | str = "chinchilla", **options: Any) -> FitResult:
    """Fit one of `FORMS` (or ``"gadre"``, `scaling_core.fit.gadre.fit_gadre`: Chinchilla's
    form with one exponent) to the runs; ``options`` go to the form's fit function.

    ``form="auto"`` (`fit_auto`) fits the Chinchilla form, or falls back to a power law in N
    when the runs determine only that (one D, or N and D moving together) and says why in
    `FitResult.fallback`.
    """
    from scaling_core.fit.gadre import fit_gadre

    functions: dict[str, Callable[..., FitResult]] = {
        "chinchilla": fit_chinchilla,
        "kaplan": fit_kaplan,
        "power-n": fit_power_n,
        "power-c": fit_power_c,
        "gadre": fit_gadre,
        AUTO: fit_auto,
    }
    if form not in functions:
        raise FitError(f"unknown form {form!r}; choose one of {', '.join(functions)}")
    return functions[form](runs, **options)


def fit_auto(runs: RunsLike, **options: Any) -> FitResult:
    """The Chinchilla form (Hoffmann et al. 2022, eq. 2), or L(N) = E + A/N^α when the runs
    cannot determine the Chinchilla form's D term but do determine a power law in N.

    The fallback is taken when the design (`scaling_core.fit.identifiability`) leaves beta
    undetermined because all runs share one D (or too few, too close D values) or because N
    and D move together, and the power law in N has alpha determined; `FitResult.fallback`
    then says what was fitted instead and why, and the result's warnings still say which
    Chinchilla constants are missing and what runs would supply them.  Otherwise the
    Chinchilla fit is returned as it is (with its own `FitResult.identifiability`).  Options
    fixing B or beta, or a Chinchilla fit that fails for another reason, never fall back.
    """
    from dataclasses import replace

    from scaling_core.fit.identifiability import _side_reason, describe_design

    fixed = dict(options.get("fixed") or {})
    skip = ("grid_points", "n_starts", "warm_start")
    power_options = {k: v for k, v in options.items() if k not in skip}
    chinchilla: FitResult | None = None
    error: FitError | None = None
    try:
        chinchilla = fit_chinchilla(runs, **options)
    except FitError as exc:
        error = exc
    if set(fixed) - {"E", "A", "alpha"}:
        if chinchilla is None:
            assert error is not None
            raise error
        return chinchilla
    data, _ = _prepare(
        runs,
        options.get("weights"),
        options.get("exclude_highest_loss", 0),
        options.get("exclude"),
        need_tokens=False,
    )
    active = data.weight > 0
    design = describe_design(data.n_params[active], data.n_tokens[active])
    why_d = _side_reason(design.d_levels, design.d_range, "D")
    if design.collinear_ratio is not None:
        why = (
            f"N and D move together in these runs (about {design.collinear_ratio:.3g} tokens per "
            "parameter throughout)"
        )
        meaning = (
            "its alpha is the exponent along these runs' tokens per parameter (N and D grown "
            "together), not the Chinchilla form's alpha"
        )
    elif why_d is not None:
        why = why_d
        meaning = "its E is the loss of an unlimited model at these runs' D (the Chinchilla form's E + B/D^beta), not the irreducible loss"
    else:
        if chinchilla is None:
            assert error is not None
            raise error
        return chinchilla
    if chinchilla is not None and chinchilla.identifiability.determined["a"]:
        return chinchilla
    try:
        power = fit_power_n(runs, **power_options)
    except FitError as power_error:
        if chinchilla is None:
            assert error is not None
            raise FitError(  # say both: the page said the automatic form falls back to it
                f"{error}; the power law in N the automatic form falls back to ({why}) cannot "
                f"be fitted either: {power_error}"
            ) from None
        return chinchilla
    if not power.identifiability.determined["alpha"]:
        if chinchilla is None:
            assert error is not None
            raise error
        return chinchilla
    note = (
        f"fitted the power law in N, L = E + A/N^alpha, instead of the Chinchilla form: {why}, "
        f"so the Chinchilla form's beta, B and a are not determined and the power law in N is; "
        f"{meaning}"
    )
    return replace(power, fallback=note)
