"""Porian et al. 2024's Table 1 recomputed from their released IsoFLOP points.

Each of the five correction steps (Kaplan reproduction → output-head FLOPs → warmup → cosine
decay → tuned optimizer) on each dataset (RefinedWeb, OpenWebText2) is one configuration of
``sample_data/real/porian-2024/porian2024_isoflop_points.csv`` (`scaling_core.porian.TABLE1_CONFIGS`);
its exponent a of N_opt ∝ C^a is estimated with `fit_isoflop_porian` (the authors' seed noise,
0.002 nats on RefinedWeb and 0.01 on OpenWebText2) or with Approach 2 (`fit_approach2`).
The tests pin every value inside the paper's 95% interval (tests/test_isoflop_porian.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scaling_core.fit.isoflop import ComputeOptimalFit, fit_approach2
from scaling_core.fit.isoflop_porian import fit_isoflop_porian
from scaling_core.fit.sweeps import select_rows
from scaling_core.porian import PORIAN_SEED_NOISE, PORIAN_TABLE1, PorianStep, table1_where
from scaling_core.published.catalogue import SWEEPS_BY_KEY

#: The shipped file of Porian et al.'s released IsoFLOP points.
PORIAN_POINTS: Path = SWEEPS_BY_KEY["porian-2024"].file


@dataclass(frozen=True)
class LiveStep:
    """One Table 1 cell recomputed: the step, the dataset, our fit and the published value."""

    step: PorianStep
    dataset: str  # "rw" or "owt2"
    fit: ComputeOptimalFit
    points: pd.DataFrame  # the step's IsoFLOP points: compute_flops, n_params, loss

    @property
    def published(self) -> tuple[float, tuple[float, float]]:
        """The paper's a and 95% interval for this step and dataset."""
        if self.dataset == "rw":
            return self.step.a_refinedweb, self.step.a_refinedweb_interval
        return self.step.a_owt2, self.step.a_owt2_interval

    @property
    def inside(self) -> bool:
        """Whether our a lies inside the paper's 95% interval."""
        lo, hi = self.published[1]
        return lo <= self.fit.a <= hi


def read_points(path: Path | str = PORIAN_POINTS) -> pd.DataFrame:
    """The released points as a runs table (n_params, n_tokens, compute_flops, loss, factors)."""
    from scaling_core.runs import read_run_log

    return read_run_log(path).runs


def live_table1(
    runs: pd.DataFrame,
    *,
    method: str = "akima",
    n_bootstrap: int = 1000,
    datasets: tuple[str, ...] = ("rw", "owt2"),
    seed: int = 0,
) -> list[LiveStep]:
    """Table 1 from the points: one `LiveStep` per step and dataset, in the paper's order."""
    out = []
    for step in PORIAN_TABLE1:
        for dataset in datasets:
            sweep = select_rows(runs, table1_where(step.key_suffix, dataset))
            if method == "akima":
                fit = fit_isoflop_porian(
                    sweep,
                    seed_noise=PORIAN_SEED_NOISE[dataset],
                    n_bootstrap=n_bootstrap,
                    seed=seed,
                )
            else:
                fit = fit_approach2(
                    sweep,
                    n_bootstrap=n_bootstrap,
                    seed_noise=PORIAN_SEED_NOISE[dataset],
                    seed=seed,
                )
            points = sweep[["compute_flops", "n_params", "loss"]].reset_index(drop=True)
            out.append(LiveStep(step, dataset, fit, points))
    return out
