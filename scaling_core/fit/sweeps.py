"""Choosing one sweep from a file that holds several, and the IsoFLOP analysis of one sweep.

Released sweeps often come as one table with a column per experimental factor (Porian et al.
2024's IsoFLOP points hold 15 configurations: dataset, hyperparameters, warmup, decay,
parameter-counting convention, loss type).  ``--where COLUMN=VALUE`` on the command line and
the pickers on the pages call `select_rows`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from scaling_core.fit.base import FitError, RunsLike
from scaling_core.fit.isoflop import ComputeOptimalFit, fit_approach2
from scaling_core.fit.isoflop_porian import fit_isoflop_porian
from scaling_core.runs.factors import sweep_factors

if TYPE_CHECKING:
    from scaling_core.runs.combine import Loaded

#: IsoFLOP methods: Hoffmann et al. 2022's Approach 2 and Porian et al. 2024's estimator.
ISOFLOP_METHODS: tuple[str, ...] = ("parabola", "akima")


def parse_where(items: Iterable[str]) -> dict[str, str]:
    """``["dataset=rw", "loss_type=val"]`` → ``{"dataset": "rw", "loss_type": "val"}``."""
    out: dict[str, str] = {}
    for item in items:
        column, sep, value = str(item).partition("=")
        if not sep or not column.strip():
            raise FitError(f"--where expects COLUMN=VALUE, got {item!r}")
        out[column.strip()] = value.strip()
    return out


def _matches(column: pd.Series, wanted: str) -> pd.Series:
    text = column.astype(str).str.strip()
    hit = text == wanted
    if hit.any():
        return hit
    try:
        target = float(wanted)
    except ValueError:
        return hit
    numbers = pd.to_numeric(column, errors="coerce")
    return (numbers - target).abs() <= 1e-9 * max(abs(target), math.ulp(1.0))


def select_rows(frame: pd.DataFrame, where: Mapping[str, str]) -> pd.DataFrame:
    """The rows of ``frame`` whose every named column equals its value (text, or as a number).

    Raises `FitError` naming the column when it does not exist, or the values it does take
    when none matches.

    Examples
    --------
    >>> runs = pd.DataFrame({"dataset": ["rw", "owt2", "rw"], "loss": [3.1, 3.4, 3.0]})
    >>> select_rows(runs, {"dataset": "rw"})["loss"].tolist()
    [3.1, 3.0]
    """
    keep = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        if column not in frame.columns:
            raise FitError(
                f"no column {column!r} to select on (columns: {', '.join(map(str, frame.columns))})"
            )
        hit = _matches(frame[column], str(wanted))
        if not hit.any():
            values = sorted(frame[column].astype(str).str.strip().unique())
            shown = ", ".join(values[:12]) + (", ..." if len(values) > 12 else "")
            raise FitError(f"column {column!r} has no value {wanted!r} (values: {shown})")
        keep &= hit
    if not keep.any():
        chosen = ", ".join(f"{k}={v}" for k, v in where.items())
        raise FitError(f"no row has all of {chosen}")
    return frame.loc[keep]


def select_loaded(loaded: Loaded, where: Mapping[str, str]) -> Loaded:
    """A copy of ``loaded`` (files read by `scaling_core.runs.load`) with the rows whose files'
    own columns match ``where`` (`select_rows`): what ``--where`` keeps before the runs are
    read, on the command line and on the pages.  ``file=NAME`` keeps the rows of one file
    (as the runs table names it), unless the files have a ``file`` column of their own."""
    where = dict(where)
    frame = loaded.frame
    if "file" in where and "file" not in loaded.headers and "__source__" in frame:
        files = pd.DataFrame({"file": frame["__source__"]})  # not a copy of every column
        frame = frame.loc[select_rows(files, {"file": where.pop("file")}).index]
    kept = select_rows(frame[loaded.headers], where) if where else frame
    out = copy.copy(loaded)
    out.frame = loaded.frame.loc[kept.index].reset_index(drop=True)
    return out


def sweep_columns(frame: pd.DataFrame, candidates: Iterable[str] | None = None) -> list[str]:
    """The columns a multi-sweep file is split by (Porian et al.'s ``dataset``, ``hparams``,
    ...; Gadre et al.'s ``dataset``): labels under which runs of the same size and compute
    recur, not run settings such as FSDP flags (`scaling_core.runs.factors.sweep_factors`)."""
    return sweep_factors(frame, candidates).columns


def check_one_sweep(frame: pd.DataFrame) -> None:
    """Raise `FitError` when the rows still hold several sweeps (sweep columns vary); the
    message names the columns that vary but were not counted as sweep columns."""
    found = sweep_factors(frame)
    if not found.sweeps:
        return
    columns = ", ".join(found.sweeps)
    varies = f"columns {columns} vary" if len(found.sweeps) > 1 else f"column {columns} varies"
    if found.settings:
        varies += f"; {', '.join(found.settings)} vary too but are run settings, not sweeps"
    raise FitError(
        f"the rows hold {found.n_sweeps} sweeps ({varies}); "
        f"choose one, e.g. {found.where_example()}"
    )


def fit_isoflop(
    runs: RunsLike,
    method: str = "parabola",
    *,
    where: Mapping[str, str] | None = None,
    n_bootstrap: int = 0,
    seed_noise: float | None = None,
    window: float | None = 8.0,
    seed: int = 0,
    tolerance: float = 0.1,
    budget_column: str | None = None,
) -> ComputeOptimalFit:
    """N_opt ∝ C^a from one IsoFLOP sweep, after selecting it with ``where``.

    ``method`` ``"parabola"`` is `fit_approach2` (Hoffmann et al. 2022, section 3.2; interval
    only when ``n_bootstrap`` > 0); ``"akima"`` is `fit_isoflop_porian` (Porian et al. 2024;
    ``n_bootstrap`` 0 means its default 1000).  Rows that still hold several sweeps are refused.
    ``budget_column`` groups runs by a nominal budget (see `split_budgets`).
    """
    if method not in ISOFLOP_METHODS:
        raise FitError(f"method must be one of {', '.join(ISOFLOP_METHODS)}, got {method!r}")
    frame = getattr(runs, "runs", runs)
    if where:
        frame = select_rows(frame, where)
    check_one_sweep(frame)
    if method == "akima":
        return fit_isoflop_porian(
            frame,
            tolerance=tolerance,
            seed_noise=seed_noise,
            n_bootstrap=n_bootstrap or 1000,
            seed=seed,
            budget_column=budget_column,
        )
    return fit_approach2(
        frame,
        tolerance=tolerance,
        window=window,
        n_bootstrap=n_bootstrap,
        seed_noise=seed_noise,
        seed=seed,
        budget_column=budget_column,
    )
