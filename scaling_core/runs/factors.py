"""Which label columns of a runs table tell separate sweeps apart, and which are run settings.

A released table often holds several experiments side by side: Porian et al. 2024's IsoFLOP
points (arXiv:2406.19146) repeat every compute budget under 15 configurations (``dataset``,
``hparams``, ``warmup``, ``decay``, parameter ``counting``, ``loss_type``); Gadre et al. 2024
(arXiv:2403.08540) train the same 104-run grid on three datasets (``dataset_name``).  One
scaling law fitted across such columns mixes different experiments.  The same tables also carry
labels that vary without marking an experiment: Gadre et al.'s JSON files name the FSDP flags
(``hyperparameters.fsdp_flags``: extra flags for the long and the 6.9B runs), the ``open_lm``
version (three late RefinedWeb runs) and a dataset id, each constant per run and part of one
grid.

The rule: a label column tells sweeps apart when the same experiment was run under two of its
values, that is, two runs of about the same model size and the same compute (both within
`SAME_POINT`) carry different values.  Porian's configurations repeat each budget at sizes
within 10% of each other; Gadre's datasets repeat each (N, D); the OLMo ladder's schedules and
Pythia's variants repeat sizes and token counts.  A flag switched on for the large models, a
software version of the late runs or a model-size label never labels two runs of one size and
compute differently, so it is a run setting: reported, fitted together.  Columns are examined
from the fewest values up, each within the sweeps the earlier ones define, so a column that
only subdivides a sweep already told apart (Gadre's dataset id within RedPajama) is not a
sweep of its own.  Without sizes and compute in the table every label counts as a sweep
column, as before.

Examples
--------
>>> runs = pd.DataFrame({
...     "n_params": [1e8, 4e8, 1e8, 4e8, 1.6e9],
...     "compute_flops": [1e19, 4e19, 1e19, 4e19, 1.6e20],
...     "dataset": ["c4", "c4", "rpj", "rpj", "rpj"],
...     "flags": ["amp", "amp", "amp", "amp", "bf16"],
... })
>>> found = sweep_factors(runs)
>>> found.columns, list(found.settings)
(['dataset'], ['flags'])
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scaling_core.wording import Note

#: Suffix of a file's column in the runs table when the table has a column of that name (the
#: file's ``run`` beside the run ids): ``run (file)``.
FROM_THE_FILE = " (file)"

#: Runs whose model sizes and compute both differ by at most this fraction are runs of the
#: same design point.  Within one configuration the released sweeps in sample_data/real space
#: their model sizes 1.27x (Porian et al.) to 1.95x (Gadre et al.) apart; Muennighoff et al.'s,
#: some 8% apart, carry no label column.
SAME_POINT = 0.10
#: A label takes 2 to this many values.
MAX_VALUES = 20
#: Columns of a runs table that are never labels of a sweep.
NOT_LABELS = frozenset({"run", "line", "file", "source_file", "name", "notes"})
#: Trackers' bookkeeping columns (W&B's runs-table export: Created, Updated, Tags, State,
#: Runtime, User, Notes, Sweep, Group, Job Type, Commit, GPU Type...; MLflow's status,
#: start_time, end_time): never a sweep, never a run setting.
TRACKER_METADATA = frozenset(
    {
        "created",
        "updated",
        "tags",
        "state",
        "runtime",
        "user",
        "username",
        "notes",
        "status",
        "starttime",
        "endtime",
        "heartbeat",
        "hostname",
        "host",
        "sweep",
        "sweepid",
        "group",
        "jobtype",
        "commit",
        "github",
        "gputype",
        "gpucount",
        "cpucount",
        "hostmemory",
        "os",
        "pythonversion",
        "description",
        "lastheartbeat",
    }
)


def is_tracker_metadata(name: str) -> bool:
    """Whether a column is a tracker's bookkeeping (``Created``, ``Tags``, ``State``, ...)."""
    return re.sub(r"[^a-z]", "", str(name).lower()) in TRACKER_METADATA


def _counts(column: pd.Series) -> dict[str, int]:
    values = column.astype(str).str.strip()
    return {str(k): int(v) for k, v in values.value_counts(sort=False).sort_index().items()}


def _shown(counts: dict[str, int], limit: int = 4) -> str:
    items = [f"{k if len(k) <= 60 else k[:59] + '…'} ×{v}" for k, v in counts.items()]
    more = f", … {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


@dataclass(frozen=True)
class SweepFactors:
    """Label columns that vary between the runs: ``sweeps`` tell experiments apart, ``settings``
    vary without doing so; each maps a column to its values and their run counts.  ``example``
    is the first sweep in sorted order (the command line's ``--where`` example, where the fit
    page opens), whatever order the files give the rows."""

    sweeps: dict[str, dict[str, int]] = field(default_factory=dict)
    settings: dict[str, dict[str, int]] = field(default_factory=dict)
    n_sweeps: int = 1
    example: dict[str, str] = field(default_factory=dict)
    #: Whether ``file`` is a sweep column because the files name their runs alike but hold
    #: different runs (`files_name_runs_alike`), not because of the size-and-compute rule.
    by_file: bool = False

    @property
    def columns(self) -> list[str]:
        """The sweep columns, in the table's order."""
        return list(self.sweeps)

    def where_example(self) -> str:
        """``--where COLUMN=VALUE`` flags that pick one sweep (the first combination), named
        by the files' own columns (``--where`` selects rows before the runs are read)."""
        return " ".join(
            f"--where {shlex.quote(f'{k.removesuffix(FROM_THE_FILE)}={v}')}"
            for k, v in self.example.items()
        )

    def notes(self) -> list[str]:
        """One line for the sweep columns, one for the settings (none when nothing varies)."""
        lines: list[str] = []
        if self.sweeps:  # each note in the CLI's words and the page's (scaling_core.wording)
            told = "; ".join(f"{c} ({_shown(v)})" for c, v in self.sweeps.items())
            why = []
            if self.by_file:
                why.append("the files name their runs alike but hold other runs")
            if len(self.sweeps) > int(self.by_file):
                why.append("runs of the same size and compute differ in these columns")
            head = (
                f"{self.n_sweeps} sweeps, told apart by {told}: {', and '.join(why)}, so "
                "they are separate experiments; "
            )
            picks = ", ".join(f"{k} = {v}" for k, v in self.example.items())
            lines.append(
                Note(
                    head + f"fit one with --where COLUMN=VALUE (e.g. {self.where_example()}) "
                    "or all as one law with --pool",
                    head + f"fit one by picking it under Fit options (e.g. {picks}), or all "
                    "as one law by setting every sweep picker to all",
                )
            )
        if self.settings:
            varied = "; ".join(f"{c} ({_shown(v)})" for c, v in self.settings.items())
            head = (
                f"not sweep columns: {varied} vary between runs but, within a sweep, never "
                f"between runs of the same size and compute (within {SAME_POINT:.0%}): run "
                "settings, fitted together"
            )
            lines.append(Note(head + "; to fit the runs of one value, --where COLUMN=VALUE", head))
        return lines

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the sweep columns and the settings with their value counts."""
        return {
            "sweep_columns": self.sweeps,
            "setting_columns": self.settings,
            "n_sweeps": self.n_sweeps,
        }


def label_columns(frame: pd.DataFrame, candidates: Iterable[str] | None = None) -> list[str]:
    """Text columns with 2 to `MAX_VALUES` values, some repeated, that are not a label of the
    model size (one ``n_params`` per value: ``190M``, ``d=512_l=8_h=4``)."""
    names = list(frame.columns) if candidates is None else [c for c in candidates if c in frame]
    out = []
    for name in names:
        column = frame[name]
        if str(name) in NOT_LABELS or str(name).startswith("__") or is_tracker_metadata(name):
            continue
        if pd.api.types.is_numeric_dtype(column):
            continue
        distinct = column.nunique(dropna=True)
        if not (2 <= distinct <= MAX_VALUES and distinct < len(column)):
            continue
        if "n_params" in frame.columns and frame.groupby(column)["n_params"].nunique().max() <= 1:
            continue
        out.append(str(name))
    return out


def _design(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """log N and log C of each run (C from ``compute_flops``, else 6·N·D); None without them."""
    if "n_params" not in frame.columns:
        return None
    n_params = pd.to_numeric(frame["n_params"], errors="coerce").to_numpy(dtype=float)
    if "compute_flops" in frame.columns:
        compute = pd.to_numeric(frame["compute_flops"], errors="coerce").to_numpy(dtype=float)
    elif "n_tokens" in frame.columns:
        tokens = pd.to_numeric(frame["n_tokens"], errors="coerce").to_numpy(dtype=float)
        compute = 6.0 * n_params * tokens
    else:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(n_params), np.log(compute)


#: Most distinct points `_crossed` compares pair by pair (160,000 pairs, a few ms, 5 MB of
#: temporaries); beyond, the cells' merges are as quick and need far less memory.
_PAIRWISE_MAX = 400


def _crossed_pairwise(
    groups: np.ndarray, values: np.ndarray, log_n: np.ndarray, log_c: np.ndarray, width: float
) -> bool:
    """`_crossed` by comparing every pair: for a few thousand points it is quicker than the
    cells' merges (104 runs: 54 ms to under 1 ms a call)."""
    near = (
        (groups[:, None] == groups[None, :])
        & (values[:, None] != values[None, :])
        & (np.abs(log_n[:, None] - log_n[None, :]) <= width)
        & (np.abs(log_c[:, None] - log_c[None, :]) <= width)
    )
    return bool(near.any())


def _crossed(groups: np.ndarray, values: np.ndarray, log_n: np.ndarray, log_c: np.ndarray) -> bool:
    """Whether two runs of one group, of different values, lie within `SAME_POINT` of each
    other in both model size and compute.  Points are binned in cells of that width, so a
    close pair shares a cell or sits in neighbouring ones; only those pairs are compared."""
    width = math.log1p(SAME_POINT)
    ok = np.isfinite(log_n) & np.isfinite(log_c)
    points = pd.DataFrame(
        {"g": groups[ok], "v": values[ok], "n": log_n[ok].round(9), "c": log_c[ok].round(9)}
    ).drop_duplicates()
    if points["v"].nunique() < 2:
        return False
    if len(points) <= _PAIRWISE_MAX:
        return _crossed_pairwise(*(points[c].to_numpy() for c in ("g", "v", "n", "c")), width)
    points["i"] = np.floor(points["n"] / width).astype(np.int64)
    points["j"] = np.floor(points["c"] / width).astype(np.int64)
    if points.groupby(["g", "i", "j"])["v"].nunique().max() > 1:
        return True  # two values in one cell: closer than the width in both
    for di, dj in ((0, 1), (1, -1), (1, 0), (1, 1)):
        shifted = points.assign(i=points["i"] - di, j=points["j"] - dj)
        pairs = points.merge(shifted, on=["g", "i", "j"], suffixes=("", "_o"))
        near = (
            (pairs["v"] != pairs["v_o"])
            & ((pairs["n"] - pairs["n_o"]).abs() <= width)
            & ((pairs["c"] - pairs["c_o"]).abs() <= width)
        )
        if near.any():
            return True
    return False


def files_name_runs_alike(frame: pd.DataFrame) -> bool:
    """Whether the runs table's files name runs alike that are not one run continued: the read
    then names them ``name [file=…]`` (`scaling_core.runs.split.runs_across_files`), e.g. two
    sweeps that both call their runs ``run_1`` ... ``run_5``, or Gemstones' constant-rate
    checkpoints beside its cooldowns.  Each file is then an experiment of its own."""
    if not {"run", "file"} <= set(map(str, frame.columns)) or frame["file"].nunique() < 2:
        return False
    runs = frame["run"].astype(str)
    marked = runs.str.contains(" [file=", regex=False).to_numpy()
    suffixes = " [file=" + frame["file"].astype(str)[marked] + "]"
    return any(run.endswith(end) for run, end in zip(runs[marked], suffixes, strict=True))


def sweep_factors(frame: pd.DataFrame, candidates: Iterable[str] | None = None) -> SweepFactors:
    """Sort the label columns of a runs table (``n_params``, ``compute_flops`` or ``n_tokens``,
    other columns riding along) into sweep columns and run settings; see the module text.
    The ``file`` column is a sweep column of its own when the files name their runs alike
    (`files_name_runs_alike`)."""
    by_file = files_name_runs_alike(frame)
    labels = label_columns(frame, candidates)
    if not labels and not by_file:
        return SweepFactors()
    labels.sort(key=lambda c: frame[c].nunique(dropna=True))  # stable: file order on ties
    design = _design(frame)
    text = {c: frame[c].astype(str).str.strip() for c in [*labels, *(["file"] if by_file else [])]}
    sweeps: list[str] = ["file"] if by_file else []
    settings: list[str] = []
    for column in labels:
        if design is None:
            sweeps.append(column)
            continue
        groups = (
            frame.groupby([text[c] for c in sweeps], sort=False).ngroup().to_numpy()
            if sweeps
            else np.zeros(len(frame), dtype=np.int64)
        )
        codes = pd.factorize(text[column])[0]
        within = pd.Series(codes).groupby(groups).nunique()
        if sweeps and within.max() <= 1:
            sweeps.append(column)  # the same split as the sweep columns before it
        elif _crossed(groups, codes, *design):
            sweeps.append(column)
        else:
            settings.append(column)
    order = {c: i for i, c in enumerate(map(str, frame.columns))}
    sweeps.sort(key=order.__getitem__)  # shown in the file's order
    settings.sort(key=order.__getitem__)
    combos = None
    if sweeps:  # in sorted order: the same first sweep whatever order the files give the rows
        combos = pd.DataFrame({c: text[c] for c in sweeps}).drop_duplicates()
        combos = combos.sort_values(sweeps, kind="stable")
    return SweepFactors(
        sweeps={c: _counts(frame[c]) for c in sweeps},
        settings={c: _counts(frame[c]) for c in settings},
        n_sweeps=1 if combos is None else len(combos),
        example={} if combos is None else dict(combos.iloc[0].items()),
        by_file=by_file,
    )
