"""Tuning grids: runs that repeat one (N, D) under several values of a training setting.

A released sweep often holds a learning-rate × batch-size grid at each model size and token
count (Porian et al. 2024 tune both before their "tuned" IsoFLOP fits; Marin's exports keep
every run of the grid, diverged ones at loss 7-11 among them).  Fitting every run mixes the
tuned loss with the untuned ones: the law is the envelope, the best loss each (N, D) reaches.
So, when a numeric setting (learning rate, batch size, warmup, weight decay) takes several
values among the runs of one (N, D) cell, the cell is a tuning sweep and by default its best
run is kept (the envelope); ``--tuning all`` keeps every run, ``--where COLUMN=VALUE`` one value.
Runs far above their cell's best (loss over `DIVERGED` × the best: diverged) are left out either
way; the notes say how many and where.

>>> runs = pd.DataFrame({"n_params": [1e8] * 3 + [4e8], "n_tokens": [2e9] * 3 + [8e9],
...     "loss": [3.0, 3.2, 9.5, 2.8], "lr": [3e-4, 1e-3, 1e-2, 3e-4]})
>>> grid = tuning_grid(runs)
>>> grid.settings, grid.keep("best").tolist(), grid.keep("all").tolist()
(['lr'], [True, False, False, True], [True, True, False, True])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Normalised names (last ``.``/``/`` part, letters and digits) of the settings a tuning grid
#: varies.
TUNING_SETTINGS = frozenset(
    {
        "lr",
        "learningrate",
        "maxlr",
        "peaklr",
        "baselr",
        "batchsize",
        "bs",
        "globalbatchsize",
        "trainbatchsize",
        "batchsizeintokens",
        "warmup",
        "warmupsteps",
        "warmuptokens",
        "warmupratio",
        "weightdecay",
        "wd",
    }
)
#: A run whose loss is more than this many times its cell's best diverged.
DIVERGED = 1.5
#: Sizes and token counts within this fraction are one (N, D) cell.
SAME_CELL = 0.01
#: The runs-table columns that are the runs' roles, never a setting.
_ROLE_COLUMNS = {"n_params", "n_tokens", "loss", "compute_flops", "step", "line"}


def _setting_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", re.split(r"[/.]", str(name))[-1].lower())


@dataclass
class TuningGrid:
    """The (N, D) cell of each run, the settings that vary within cells, each cell's best run
    and the diverged runs."""

    cell: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    settings: list[str] = field(default_factory=list)
    best: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    diverged: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    tuned_cells: int = 0

    def keep(self, mode: str = "best") -> np.ndarray:
        """Runs kept: ``"best"`` the best of each tuned cell (and every run of other cells),
        ``"all"`` every run that did not diverge."""
        if mode not in ("best", "all"):
            raise ValueError(f"tuning mode must be 'best' or 'all', got {mode!r}")
        if not self.settings:
            return np.ones(len(self.cell), dtype=bool)
        tuned = pd.Series(self.cell).map(self._tuned).to_numpy(dtype=bool)
        kept = ~self.diverged
        return kept & (self.best | ~tuned) if mode == "best" else kept

    @property
    def _tuned(self) -> dict[int, bool]:
        counts = pd.Series(self.cell).value_counts()
        return {int(c): bool(n > 1) for c, n in counts.items()}

    def note(self, mode: str) -> str | None:
        """What was kept and how to change it; None when there is no tuning grid."""
        if not self.settings:
            return None
        kept = self.keep(mode)
        names = ", ".join(repr(s) for s in self.settings)
        text = (
            f"a tuning grid: {names} take several values among runs of one size and token "
            f"count in {self.tuned_cells:,} (N, D) cells; "
        )
        if mode == "best":
            text += (
                f"the best run of each cell is fitted (the envelope), {int((~kept).sum()):,} runs "
                "left out; --tuning all (or the page's switch) fits every run, --where "
                f"{self.settings[0]}=VALUE one value"
            )
        else:
            text += f"every run is fitted (--tuning all), {int(self.diverged.sum()):,} diverged left out"
        if self.diverged.any():
            text += (
                f"; {int(self.diverged.sum()):,} runs diverged (loss over {DIVERGED:g}× their "
                "cell's best) and are not fitted"
            )
        return text


def tuning_grid(runs: pd.DataFrame) -> TuningGrid:
    """The cells, settings, best and diverged runs of a runs table (``n_params``, ``n_tokens``,
    ``loss`` plus the columns riding along)."""
    if runs is None or len(runs) < 2 or not {"n_params", "n_tokens", "loss"} <= set(runs):
        return TuningGrid(np.zeros(0 if runs is None else len(runs), dtype=np.int64))
    step = np.log1p(SAME_CELL)
    n_key = np.round(np.log(runs["n_params"].to_numpy(dtype=float)) / step)
    d_key = np.round(np.log(runs["n_tokens"].to_numpy(dtype=float)) / step)
    cell = pd.MultiIndex.from_arrays([n_key, d_key]).factorize()[0]
    grid = TuningGrid(cell, [], np.zeros(len(runs), dtype=bool), np.zeros(len(runs), dtype=bool))
    counts = np.bincount(cell)
    if counts.max() < 2:
        return grid
    shared = counts[cell] > 1
    for column in runs.columns:
        if column in _ROLE_COLUMNS or _setting_key(column) not in TUNING_SETTINGS:
            continue
        values = pd.to_numeric(runs[column], errors="coerce")
        if values[shared].nunique() < 2:
            continue
        per_cell = values[shared].groupby(cell[shared]).nunique()
        if (per_cell > 1).any():
            grid.settings.append(str(column))
    if not grid.settings:
        return grid
    loss = runs["loss"].to_numpy(dtype=float)
    best_loss = pd.Series(loss).groupby(cell).transform("min").to_numpy()
    first_best = pd.Series(loss).groupby(cell).idxmin().to_numpy()
    grid.best[first_best] = True
    grid.diverged = loss > DIVERGED * best_loss
    grid.tuned_cells = int((counts > 1).sum())
    return grid
