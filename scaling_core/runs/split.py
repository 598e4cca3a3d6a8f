"""Rows that share a run name but are different runs: keep them apart.

Released tables often reuse one name for several runs: the OLMo ladder's curves name a run
``190M-10xC`` in its main (cosine), ``-decay`` and ``-const`` variants, told apart only by the
``source`` column; Muennighoff et al. 2023's final losses (arXiv:2305.16264) repeat ``name`` for
the seeds of one configuration, told apart by ``run_key``.  Merging them would make one
"learning curve" whose final point is whichever row comes last.  `tell_runs_apart` finds the
column that distinguishes them and names each run ``name [column=value]``; the note says so.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: At most this many distinct values per run name for a column of a learning-curve file to be
#: read as a run-level label (a schedule, a seed), not a per-step value.
MAX_VARIANTS = 20


def tell_runs_apart(
    frame: pd.DataFrame, runs: np.ndarray, role_columns: Iterable[str], *, curves: bool
) -> tuple[np.ndarray, str | None]:
    """Run ids with repeated names split by the column that tells them apart, and a note.

    A candidate is any column not read as a role that takes several values within one run
    name.  In a learning-curve file (``curves``: a step column) it must label whole stretches
    of rows (at most `MAX_VARIANTS` values per name, two or more rows per value on average),
    so per-step columns such as another loss never qualify; in a table of finished runs any
    such column does.  The one that separates the most runs wins.

    >>> frame = pd.DataFrame({"name": ["a", "a", "b"], "seed": ["1", "2", "1"]})
    >>> ids, note = tell_runs_apart(frame, frame["name"].to_numpy(), ["name"], curves=False)
    >>> ids.tolist()
    ['a [seed=1]', 'a [seed=2]', 'b']
    """
    ids = pd.Series(runs, dtype=str)
    repeated = ids.duplicated(keep=False).to_numpy()
    if not repeated.any():
        return runs, None
    skip = set(role_columns)
    names = ids[repeated].to_numpy()
    best: tuple[int, str, pd.Series] | None = None
    for column in frame.columns:
        if str(column).startswith("__") or column in skip:
            continue
        if curves and pd.api.types.is_numeric_dtype(frame[column].dtype):
            continue  # a number that changes along a curve (epoch, learning rate) is not a label
        cells = frame[column].to_numpy()[repeated]
        values = pd.Series(cells, dtype=object).astype(str).where(pd.notna(cells), "")
        per_name = values.groupby(names).nunique()
        if per_name.max() < 2:
            continue
        n_runs = int(pd.DataFrame({"n": names, "v": values.to_numpy()}).drop_duplicates().shape[0])
        if curves and (per_name.max() > MAX_VARIANTS or len(names) < 2 * n_runs):
            continue
        if best is None or n_runs > best[0]:
            best = (n_runs, str(column), values)
    if best is None:
        return runs, None
    _, column, values = best
    per_name = values.groupby(names).nunique()
    varies = per_name[per_name > 1].index
    split = ids.copy()
    rows = np.flatnonzero(repeated)
    hit = np.isin(names, varies)
    split.iloc[rows[hit]] = [
        f"{n} [{column}={v}]" for n, v in zip(names[hit], values[hit], strict=True)
    ]
    example = str(varies[0])
    note = (
        f"{len(varies):,} run name{'s' if len(varies) != 1 else ''} (e.g. {example}) hold rows "
        f"that differ in {column!r}; kept apart as '{example} [{column}=…]' "
        f"({split.iloc[rows[hit]].nunique():,} runs), not merged into one"
    )
    return split.to_numpy(dtype=object).astype(str), note
