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


def runs_across_files(
    runs: np.ndarray,
    files: np.ndarray,
    step: np.ndarray | None,
    params: np.ndarray,
    loss: np.ndarray | None = None,
    *,
    tolerance: float = 0.01,
) -> tuple[np.ndarray, list[str]]:
    """Run names that several files use: joined when one file's rows continue another's,
    otherwise kept apart as ``name [file=…]``; the notes say which, and why.

    A name's rows join into one run only when the files hold a learning curve (``step``) in
    stretches that follow one another at one N (within ``tolerance``): each file's steps after
    the previous file's, or starting at its last step with the same ``loss`` there (a resumed
    run logs that step again).  Files whose steps interleave hold two curves of one model
    (Gemstones' constant-learning-rate checkpoints and the ends of its cooldowns, McLeish et
    al. 2025); tables of finished runs hold a run per row (two sweeps reusing ``run_1``):
    joined, one "curve" would zig-zag between them and end at whichever row comes last.

    >>> runs = np.array(["a", "a", "a", "a"])
    >>> files = np.array(["hot.csv", "hot.csv", "cool.jsonl", "cool.jsonl"])
    >>> ids, notes = runs_across_files(runs, files, np.array([1, 3, 2, 4]), np.full(4, 1e8))
    >>> ids.tolist()
    ['a [file=hot.csv]', 'a [file=hot.csv]', 'a [file=cool.jsonl]', 'a [file=cool.jsonl]']
    >>> runs_across_files(runs, files, np.array([1, 2, 3, 4]), np.full(4, 1e8))[0].tolist()
    ['a', 'a', 'a', 'a']
    """
    ids = np.asarray(runs).astype(str)
    files = np.asarray(files).astype(str)
    n = len(ids)
    frame = pd.DataFrame(
        {
            "run": ids,
            "file": files,
            "step": np.full(n, np.nan) if step is None else np.asarray(step, dtype=float),
            "n": np.asarray(params, dtype=float),
            "loss": np.full(n, np.nan) if loss is None else np.asarray(loss, dtype=float),
        }
    )
    per_run = frame.groupby("run", sort=False)["file"].nunique()
    shared = per_run[per_run > 1].index
    if not len(shared):
        return ids, []
    rows = frame[frame["run"].isin(shared)]
    spans = (
        rows.groupby(["run", "file"], sort=False)
        .agg(first=("step", "min"), last=("step", "max"), n_low=("n", "min"), n_high=("n", "max"))
        .reset_index()
        .sort_values(["run", "first"], kind="stable")
    )
    why = _not_continued(rows, spans, tolerance)  # every shared name at once, by name
    files_of = spans.groupby("run", sort=False)["file"].agg(list)
    joined = [(str(name), files_of[name]) for name in files_of.index if not why[name]]
    apart = [(str(name), files_of[name], why[name]) for name in files_of.index if why[name]]
    notes = []
    if joined:
        name, where = joined[0]
        notes.append(
            f"{_names(len(joined))} (e.g. {name}) {_hold(len(joined))} rows in several files "
            f"({', '.join(where)}), each file's steps continuing the previous one's: read as one run "
            "each, the files' rows joined into one curve"
        )
    if apart:
        name, where, _ = apart[0]
        kept = np.isin(ids, [a[0] for a in apart])
        ids = ids.astype(object)
        ids[kept] = [f"{r} [file={f}]" for r, f in zip(ids[kept], files[kept], strict=True)]
        ids = ids.astype(str)
        reasons = pd.Series([a[2] for a in apart]).value_counts(sort=False)
        why = "; ".join(
            text if len(reasons) == 1 else f"{text} ({count:,})" for text, count in reasons.items()
        )
        notes.append(
            f"{_names(len(apart))} (e.g. {name}) {_hold(len(apart))} rows in several files "
            f"({', '.join(where)}) that are not one run continued ({why}): kept apart as "
            f"'{name} [file=…]' ({int(pd.Series(ids[kept]).nunique()):,} runs), not merged into "
            "one; each file is then a sweep of its own (see the note on sweeps)"
        )
    return ids, notes


def _not_continued(rows: pd.DataFrame, spans: pd.DataFrame, tolerance: float) -> pd.Series:
    """For each shared name, why its rows in several files (``spans``: a row per name and
    file, by first step) are not one run continued; "" when they are.  Computed for all names
    at once (a selection per name took 4 s for 5,000 names in 200,000 rows)."""
    by_name = spans.groupby("run", sort=False)
    low, high = by_name["n_low"].min(), by_name["n_high"].max()
    n_differ = np.isfinite(low) & (high > low * (1 + tolerance))
    known = np.isfinite(spans["first"]) & np.isfinite(spans["last"])
    no_steps = ~known.groupby(spans["run"], sort=False).all()
    previous_last = by_name["last"].shift()
    interleave = (previous_last > spans["first"]).groupby(spans["run"], sort=False).any()
    # a resumed run logs the step it resumed from again: the losses there must agree
    resumed = spans.loc[previous_last == spans["first"], ["run", "first"]]
    at_step = rows.groupby(["run", "step"], sort=False)["loss"].agg(["min", "max"])
    shared = at_step.loc[list(zip(resumed["run"], resumed["first"], strict=True))]
    differ = ~np.isclose(shared["min"], shared["max"], rtol=1e-6)
    two_losses = pd.Series(differ, index=shared.index.get_level_values(0)).groupby(level=0).any()
    reasons = pd.Series("", index=low.index, dtype=object)
    for flagged, text in (
        (two_losses, "one step has two losses"),
        (interleave, "their steps interleave"),
        (no_steps, "no steps: rows of finished runs"),
        (n_differ, "their N differ"),
    ):  # the last that applies is said: N first, then no steps, ...
        reasons[flagged.reindex(reasons.index, fill_value=False).to_numpy(dtype=bool)] = text
    return reasons


def _names(count: int) -> str:
    return f"{count:,} run name{'s' if count != 1 else ''}"


def _hold(count: int) -> str:
    return "hold" if count != 1 else "holds"
