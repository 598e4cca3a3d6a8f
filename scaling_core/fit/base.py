"""What every fit shares: constants, `FitError`, and runs as arrays with weights and exclusions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from scaling_core.laws import (
    FloatArray,
)

#: Huber threshold of Hoffmann et al. 2022, Appendix D.2 (on residuals of log loss).
DEFAULT_DELTA: float = 1e-3
#: FLOP per parameter per token, C = 6·N·D (Kaplan et al. 2020, section 2.1).
FLOPS_PER_PARAM_TOKEN: float = 6.0
#: The fit forms understood by `fit`.
FORMS: tuple[str, ...] = ("chinchilla", "kaplan", "power-n", "power-c")
#: The `Source.paper` of laws fitted to the user's runs.
YOUR_RUNS = "Your runs"

Form: TypeAlias = Literal["chinchilla", "kaplan", "power-n", "power-c", "gadre"]
RunsLike: TypeAlias = Any  # a DataFrame with n_params, n_tokens, loss columns, or a RunLog

_PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "chinchilla": ("E", "A", "B", "alpha", "beta"),
    "kaplan": ("n_c", "d_c", "alpha_n", "alpha_d"),
    "power-n": ("E", "A", "alpha"),
    "power-c": ("E", "C_c", "alpha_c"),
}
_FORM_TEXT: dict[str, str] = {
    "chinchilla": "L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, eq. 2)",
    "kaplan": "L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D (Kaplan et al. 2020, eq. 1.5)",
    "power-n": "L(N) = E + A/N^alpha (Hoffmann et al. 2022, eq. 2 with D -> inf)",
    "power-c": "L(C) = E + (C_c/C)^alpha_c (Kaplan et al. 2020, eq. 1.3 when E = 0)",
}


class FitError(ValueError):
    """A fit that cannot be done as asked; the message is one line a user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True)
class _Runs:
    """Validated arrays of the runs a fit sees (all rows, before exclusions)."""

    run: np.ndarray  # object array of labels
    n_params: FloatArray
    n_tokens: FloatArray
    compute_flops: FloatArray
    loss: FloatArray
    weight: FloatArray

    def __len__(self) -> int:
        return len(self.loss)

    def subset(self, keep: np.ndarray) -> _Runs:
        return _Runs(
            self.run[keep],
            self.n_params[keep],
            self.n_tokens[keep],
            self.compute_flops[keep],
            self.loss[keep],
            self.weight[keep],
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "run": self.run,
                "n_params": self.n_params,
                "n_tokens": self.n_tokens,
                "compute_flops": self.compute_flops,
                "loss": self.loss,
                "weight": self.weight,
            }
        )


def _column(frame: pd.DataFrame, name: str, required: bool) -> FloatArray | None:
    if name not in frame.columns:
        if required:
            raise FitError(
                f"the runs table has no {name!r} column (columns: {', '.join(map(str, frame.columns))})"
            )
        return None
    try:
        return pd.to_numeric(frame[name], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise FitError(f"column {name!r} is not numeric ({exc})") from None


def _as_runs(
    runs: RunsLike,
    weights: ArrayLike | str | None = None,
    *,
    need_tokens: bool = True,
) -> _Runs:
    """Validate a runs table (a DataFrame, a mapping of columns or a `RunLog`)."""
    frame = getattr(runs, "runs", runs)
    if isinstance(frame, Mapping):
        frame = pd.DataFrame(dict(frame))
    if not isinstance(frame, pd.DataFrame):
        raise FitError(
            f"runs must be a DataFrame with n_params, n_tokens and loss columns, not {type(runs).__name__}"
        )
    n_params = _column(frame, "n_params", True)
    loss = _column(frame, "loss", True)
    n_tokens = _column(frame, "n_tokens", False)
    compute = _column(frame, "compute_flops", False)
    assert n_params is not None and loss is not None
    if n_tokens is None and compute is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            n_tokens = compute / (FLOPS_PER_PARAM_TOKEN * n_params)
    if n_tokens is None:
        if need_tokens:
            raise FitError("the runs table needs an 'n_tokens' or a 'compute_flops' column")
        n_tokens = np.full(len(frame), np.nan)
    if compute is None:
        compute = FLOPS_PER_PARAM_TOKEN * n_params * n_tokens
    labels = (
        frame["run"].astype(str).to_numpy(dtype=object)
        if "run" in frame.columns
        else np.array([f"row {i}" for i in range(len(frame))], dtype=object)
    )
    if isinstance(weights, str):
        w = _column(frame, weights, True)
        assert w is not None
    elif weights is None:
        w = np.ones(len(frame))
    else:
        w = np.asarray(weights, dtype=float).reshape(-1)
        if len(w) != len(frame):
            raise FitError(f"weights has {len(w)} values for {len(frame)} runs")
    checks = [("n_params", n_params), ("loss", loss)]
    if need_tokens:
        checks.append(("n_tokens", n_tokens))
    for name, values in checks:
        bad = ~(np.isfinite(values) & (values > 0))
        if bad.any():
            i = int(np.argmax(bad))
            raise FitError(
                f"run {labels[i]}: {name} must be positive and finite, got {values[i]!r}"
            )
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise FitError(f"run {labels[i]}: weight must be non-negative and finite, got {w[i]!r}")
    return _Runs(labels, n_params, n_tokens, compute, loss, w)


def _exclusions(
    data: _Runs, exclude_highest_loss: int, exclude: Sequence[str] | None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Mask of runs kept and the labels dropped (highest loss first, then by name)."""
    if exclude_highest_loss < 0:
        raise FitError(f"exclude_highest_loss must be >= 0, got {exclude_highest_loss}")
    keep = np.ones(len(data), dtype=bool)
    if exclude_highest_loss:
        if exclude_highest_loss >= len(data):
            raise FitError(
                f"cannot exclude the {exclude_highest_loss} highest-loss runs of only {len(data)}"
            )
        order = np.argsort(-data.loss, kind="stable")[:exclude_highest_loss]
        keep[order] = False
    if exclude:
        wanted = {str(name) for name in exclude}
        unknown = wanted - set(data.run.tolist())
        if unknown:
            raise FitError(f"exclude names runs not in the table: {', '.join(sorted(unknown))}")
        keep &= ~np.isin(data.run.astype(str), list(wanted))
    dropped = tuple(str(r) for r in data.run[~keep])
    if exclude_highest_loss:
        ranked = data.run[np.argsort(-data.loss, kind="stable")]
        dropped = tuple(str(r) for r in ranked if str(r) in set(dropped))
    return keep, dropped
