"""Structure from the data: whether rows that share a run label are one run's learning curve or
several runs of a sweep that the label only groups.

A released sweep often labels its rows by experiment or budget: the Chinchilla IsoFLOP points
(Hoffmann et al. 2022, Fig. 3) as digitised for apple/ml-scalefit carry ``experiment`` (one
label per compute budget) beside ``params``, ``tokens`` and ``loss``, one row per finished run.
Reading the label as a run makes 9 "learning curves" of 124 runs.  The rule, the same on the
page and the command line: rows sharing a label are one run only when

- the run's size does not change within it (``params`` takes one value), and
- the run advances within it: ``step`` takes two or more values, or, without a step column,
  ``tokens`` grows along the rows.

Otherwise the label is a sweep label: each row is a run (``<label> line <n>``) and the label
rides along as a column (a sweep factor).  One exception: a label over several sizes whose
rows of each size are one learning curve (two or more rows that advance, as above) names a
family of curves (IBM's ColPret labels OPT's six checkpoint series ``OPT`` beside
``model_size``, Choshen et al. 2024): each size is then one run, ``<label> N=<params>``.
A label the user names as the run is taken as said.

>>> import numpy as np
>>> label = np.array(["c1", "c1", "c2"])
>>> runs, note = split_sweep_labels(label, np.array([1e6, 2e6, 1e6]), np.full(3, np.nan),
...     np.array([2e9, 1e9, 4e9]), np.array([2, 3, 4]), "experiment")
>>> runs.tolist()
['c1 line 2', 'c1 line 3', 'c2']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scaling_core.wording import Note


def _varies(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return len(finite) > 1 and not np.allclose(finite, finite[0], rtol=1e-9, atol=0.0)


def _advances(step: np.ndarray, tokens: np.ndarray) -> bool:
    finite_step = step[np.isfinite(step)]
    if len(finite_step):
        return len(np.unique(finite_step)) > 1
    finite = tokens[np.isfinite(tokens)]
    return len(np.unique(finite)) > 1 and bool(np.all(np.diff(finite) >= 0))


def split_sweep_labels(
    runs: np.ndarray,
    params: np.ndarray,
    step: np.ndarray,
    tokens: np.ndarray,
    lines: np.ndarray,
    column: str,
    labelled: np.ndarray | None = None,
) -> tuple[np.ndarray, str | None]:
    """Run ids with the sweep labels among ``runs`` split into one run per row, and the note
    that says so (None when every label is a run).  Only rows ``labelled`` by the column are
    judged (a row without a label is named after its file, a run by its file's say-so)."""
    rows = np.arange(len(runs)) if labelled is None else np.flatnonzero(labelled)
    groups = pd.Series(rows).groupby(runs[rows], sort=False).indices
    groups = {label: rows[idx] for label, idx in groups.items()}
    out = runs.astype(object).copy()
    by_size = by_order = by_family = 0
    n_rows = 0
    for label, idx in groups.items():
        if len(idx) < 2:
            continue
        curves = _curves_by_size(params[idx], step[idx], tokens[idx])
        if curves is not None:
            by_family += 1
            out[idx] = [f"{label} N={p:.4g}" for p in curves]
            continue
        if _varies(params[idx]):
            by_size += 1
        elif not _advances(step[idx], tokens[idx]):
            by_order += 1
        else:
            continue
        n_rows += len(idx)
        out[idx] = [f"{label} line {ln}" for ln in lines[idx]]
    family = (
        f"{column!r} labels a family of learning curves: {by_family:,} of its labels hold one "
        "curve per size (params fixed and step or tokens advancing within each), so each size "
        "is a run of its own (<label> N=<params>)"
    )
    if not by_size and not by_order:
        return (out.astype(str), family) if by_family else (runs, None)
    why = []
    if by_size:
        why.append(f"{by_size:,} of them hold rows of different params")
    if by_order:
        why.append(f"{by_order:,} neither advance in step nor in tokens")
    labels = by_size + by_order
    note = (
        f"{column!r} is a sweep label, not a run: {labels:,} of its {len(groups):,} labels "
        f"repeat over rows that are not one learning curve ({'; '.join(why)}), so each of "
        f"those {n_rows:,} rows is a run of its own; a run is a learning curve only when its "
        f"step (or tokens) advances and its params stay the same. Name the column as the run "
        f"(--column run={column}, or pick it on the page) to read each label as one run"
    )
    return out.astype(str), f"{family}; {note}" if by_family else note


def _curves_by_size(params: np.ndarray, step: np.ndarray, tokens: np.ndarray) -> np.ndarray | None:
    """Each row's params when the rows hold two or more sizes and the rows of each size are
    one learning curve (two or more rows that advance), else None."""
    if not np.all(np.isfinite(params)) or not _varies(params):
        return None
    for size in np.unique(params):
        rows = params == size
        if rows.sum() < 2 or not _advances(step[rows], tokens[rows]):
            return None
    return params


#: Final token counts within this factor of one another are one planned D (the same 10% as
#: the fit's grouping of final points, `scaling_core.fit.points.choose_points`).
ONE_D_SPREAD = 1.10


def one_planned_tokens(params: np.ndarray, tokens: np.ndarray) -> tuple[float, float] | None:
    """(median, spread) of the runs' final token counts when every run ends at about one D
    (largest over smallest at most `ONE_D_SPREAD`) while their sizes differ, else None.

    Such runs vary N only: they determine L(N) = E + A/N^alpha (Hoffmann et al. 2022, eq. 2
    with the D term held fixed), not B, beta or a = beta/(alpha+beta).

    >>> one_planned_tokens(np.array([1e8, 4e8, 1.6e9]), np.array([1e11, 1.02e11, 1e11]))
    (100000000000.0, 0.02)
    >>> one_planned_tokens(np.array([1e8, 4e8]), np.array([2e9, 8e9])) is None
    True
    """
    ok = np.isfinite(params) & np.isfinite(tokens) & (params > 0) & (tokens > 0)
    if ok.sum() < 2 or len(np.unique(params[ok])) < 2:
        return None
    low, high = float(tokens[ok].min()), float(tokens[ok].max())
    if high > ONE_D_SPREAD * low:
        return None
    return float(np.median(tokens[ok])), round(high / low - 1.0, 4)


def _tokens_text(value: float) -> str:
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def varies_n_only_note(tokens: float, spread: float, curves: bool) -> Note:
    """The report's sentence for runs that share one planned D (`one_planned_tokens`), in the
    command line's and the page's words."""
    at = (
        f"at {_tokens_text(tokens)} tokens (one planned D)"
        if spread < 0.005
        else f"at about {_tokens_text(tokens)} tokens (within {spread:.0%} of one another: one "
        "planned D)"
    )
    head = (
        f"the runs vary N only: every run ends {at}, so they determine the power law in N, "
        "L(N) = E + A/N^alpha, not the D term (B, beta) nor a = beta/(alpha+beta); runs at 3 "
        "or more token counts over at least 4x would"
    )
    snapshots_cli = "; --points snapshots reads the curves at fixed budgets, varying D too"
    snapshots_page = "; Fit to 'IsoFLOP snapshots of the learning curves' reads the curves at fixed budgets, varying D too"
    return Note(
        f"{head}. fit falls back to that form (--form power-n asks for it)"
        + (snapshots_cli if curves else ""),
        f"{head}. The automatic law form falls back to it (Law form 'Power in N' asks for it)"
        + (snapshots_page if curves else ""),
    )


#: Columns that count passes over the data (the Datablations sweeps' ``epochs``).
_EPOCH_COLUMNS = ("epochs", "epoch", "num_epochs", "n_epochs")


def repeated_data_note(runs: pd.DataFrame) -> str:
    """What a fit of L(N, D) on total tokens means when the runs repeat their data (an epochs
    column above 1): D counts each repeated token again, while repeated tokens are worth less
    (Muennighoff et al. 2023, eq. 5), so such runs sit above a law fitted to fresh data; "" when
    no run repeats."""
    column = next((c for c in runs.columns if str(c).lower() in _EPOCH_COLUMNS), None)
    if column is None:
        return ""
    epochs = pd.to_numeric(runs[column], errors="coerce").to_numpy(dtype=float)
    repeats = np.isfinite(epochs) & (epochs > 1.0 + 1e-9)
    if not repeats.any():
        return ""
    return (
        f"{int(repeats.sum()):,} of {len(runs):,} runs repeat their data ({column!r} up to "
        f"{np.nanmax(epochs):,.4g}): D counts every token seen, repeated ones too, and repeated "
        "tokens are worth less than fresh ones (Muennighoff et al. 2023, eq. 5), so these runs "
        f"sit above a law of fresh data; keep the runs with {column} = 1 to fit that law"
    )


def _size_text(n_params: float) -> str:
    """A model size as run names write it: 190M, 1B, 1.4B."""
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n_params >= scale:
            return f"{n_params / scale:.3g}{unit}"
    return f"{n_params:.3g}"


#: Where a run's N came from when it is the size in its name (`collect.build_runs`).
NOMINAL_SIZE_SOURCE = "run name (nominal)"


def nominal_sizes_note(per_run: pd.DataFrame) -> Note | None:
    """The sentence for usable runs whose N is the size in their name (``190M``, ``1B``): a
    label, not a count.  The OLMo ladder's curves give both: its ``1B`` has 1,279,395,840
    parameters, 28% more, its ``3B`` 3,169,537,280.  A fit of L(N, D) on such sizes puts the
    larger models at the wrong N, and the exponents inherit the error.  None when no usable
    run's N is nominal."""
    if not {"params_source", "needs", "run", "params"} <= set(per_run.columns):
        return None
    nominal = per_run[
        (per_run["params_source"] == NOMINAL_SIZE_SOURCE) & (per_run["needs"].astype(str) == "")
    ]
    if nominal.empty:
        return None
    sizes = sorted(set(nominal["params"].astype(float)))
    shown = ", ".join(_size_text(s) for s in sizes[:6]) + (", …" if len(sizes) > 6 else "")
    count = len(nominal)
    text = (
        f"{count:,} {'run takes its' if count == 1 else 'runs take their'} N from the size "
        f"written in {'its name' if count == 1 else 'their names'} ({shown}): a label, which "
        "can be tens of percent off the model's parameter count (the OLMo ladder's '1B' has "
        "1.28B), and fitted exponents inherit that error"
    )
    return Note(
        text + "; give the counts with --runs-meta FILE (run,params)",
        text + "; give the counts under Map the columns, as a per-run values file (run,params) "
        "or in the runs table's params column",
    )
