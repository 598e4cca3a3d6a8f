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
rides along as a column (a sweep factor).  A label the user names as the run is taken as said.

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
    by_size = by_order = 0
    n_rows = 0
    for label, idx in groups.items():
        if len(idx) < 2:
            continue
        if _varies(params[idx]):
            by_size += 1
        elif not _advances(step[idx], tokens[idx]):
            by_order += 1
        else:
            continue
        n_rows += len(idx)
        out[idx] = [f"{label} line {ln}" for ln in lines[idx]]
    if not by_size and not by_order:
        return runs, None
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
    return out.astype(str), note
