"""Do the bootstrap's 95% intervals hold the truth? A simulation with seeds that share their noise.

Our own generator of IsoFLOP sweeps (not the code under test): a Chinchilla-like true law
L = 1.8 + 480/N^0.35 + 2085/D^0.37 (close to Besiroglu et al. 2024's refit), 5 budgets from
1e18 to 1e20 FLOP with 5-7 model sizes each spread over x1/6..x6 of the true optimum, and 3 seeds
per (N, D).  Each configuration gets one shared log-loss offset with sigma 0.012 (what one
configuration's hyperparameters, schedule and code do to all its reruns alike) and each
run its own seed noise with sigma 0.003.  The allocation exponent a = beta/(alpha + beta)
(Hoffmann et al. 2022, eq. 4) is 0.5139.

Over 60 sweeps (each seeded), the 95% interval of a from `bootstrap_fit` must hold the truth in
at least 90% of them.  Resampling rows (each seed on its own) must fall short of that on the same
sweeps -- the test fails when the clusters are ignored.  250 draws per sweep instead of the
product's 1,000 keep the file near 40 s of CPU on two cores: a 95% percentile interval from 250
draws sits between the 6th and 7th most extreme draws on each side, and the counts barely move
(measured by benchmarks/bench_coverage.py on these sweeps: 59 and 51 of 60 with 250 draws, 58 and
52 with 1,000, clusters and rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling_core.fit import FitError, bootstrap_fit, fit_approach2
from scaling_core.fit.bootstrap import configuration_clusters

TRUE = {"E": 1.8, "A": 480.0, "B": 2085.0, "alpha": 0.35, "beta": 0.37}
A_TRUE = TRUE["beta"] / (TRUE["alpha"] + TRUE["beta"])
N_SWEEPS = 60
N_DRAWS = 250
CONFIG_NOISE = 0.012
SEED_NOISE = 0.003


def true_n_opt(compute_flops: float) -> float:
    """N_opt of the true law at C = 6ND: G·(C/6)^a, G = (alpha·A/(beta·B))^(1/(alpha+beta))
    (Hoffmann et al. 2022, eq. 4; checked against a brute-force minimum below)."""
    alpha, beta = TRUE["alpha"], TRUE["beta"]
    g = (alpha * TRUE["A"] / (beta * TRUE["B"])) ** (1 / (alpha + beta))
    return g * (compute_flops / 6) ** A_TRUE


def isoflop_sweep(seed: int, seeds_per_config: int = 3) -> pd.DataFrame:
    """One simulated IsoFLOP sweep: 5 budgets x 5-7 sizes x 3 seeds sharing their config's noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for compute in np.geomspace(1e18, 1e20, 5):
        sizes = true_n_opt(compute) * np.geomspace(1 / 6, 6, int(rng.integers(5, 8)))
        for n_params in sizes:
            n_tokens = compute / (6 * n_params)
            clean = (
                TRUE["E"]
                + TRUE["A"] / n_params ** TRUE["alpha"]
                + TRUE["B"] / n_tokens ** TRUE["beta"]
            )
            shared = CONFIG_NOISE * rng.standard_normal()
            for s in range(seeds_per_config):
                noise = shared + SEED_NOISE * rng.standard_normal()
                rows.append((f"{compute:.2g}/{n_params:.3g}/seed{s}", n_params, n_tokens,
                             clean * np.exp(noise)))  # fmt: skip
    return pd.DataFrame(rows, columns=["run", "n_params", "n_tokens", "loss"])


def coverage(resample: str) -> tuple[int, float]:
    """How many of the sweeps' 95% intervals of a hold the truth, and their median width."""
    held, widths = 0, []
    for k in range(N_SWEEPS):
        boot = bootstrap_fit(isoflop_sweep(10_000 + k), n_boot=N_DRAWS, seed=k, resample=resample)
        low, high = boot.intervals["a"]
        held += low <= A_TRUE <= high
        widths.append(high - low)
    return held, float(np.median(widths))


@pytest.fixture(scope="module")
def both() -> dict[str, tuple[int, float]]:
    return {mode: coverage(mode) for mode in ("clusters", "rows")}


def test_cluster_bootstrap_interval_of_a_holds_the_truth_in_at_least_90_percent(both) -> None:
    held, width = both["clusters"]
    assert held >= 0.9 * N_SWEEPS, f"{held} of {N_SWEEPS}"
    # and it is an interval, not the whole range: measured median width 0.142
    assert width < 0.2


def test_row_bootstrap_falls_short_on_the_same_sweeps(both) -> None:
    held_rows, width_rows = both["rows"]
    held_clusters, width_clusters = both["clusters"]
    # measured: 51 of 60 (85%) with rows, 59 with clusters; the issue saw 49 of 60 on its sets
    assert held_rows < 0.9 * N_SWEEPS, f"{held_rows} of {N_SWEEPS}"
    assert held_rows < held_clusters
    assert width_rows < 0.7 * width_clusters  # three seeds counted as three looks at the law


def test_approach2_interval_resampling_each_budgets_sizes_holds_the_truth() -> None:
    """Approach 2 (Hoffmann et al. 2022, section 3.2) told the true seed noise (0.003): with each
    budget's sizes resampled too, its 95% interval of a holds the truth in at least 90% of 60
    sweeps (measured 60); perturbing the losses by the seed noise alone ignores what the
    configurations share and held it in 10 of 60 (intervals about 0.012 wide)."""
    held, widths = 0, []
    for k in range(N_SWEEPS):
        result = fit_approach2(
            isoflop_sweep(20_000 + k), n_bootstrap=1000, seed_noise=0.003, seed=k
        )
        low, high = result.a_interval
        held += low <= A_TRUE <= high
        widths.append(high - low)
    assert held >= 0.9 * N_SWEEPS, f"{held} of {N_SWEEPS}"
    assert float(np.median(widths)) < 0.3  # measured 0.225: wider than Approach 3's, not vacuous
    assert result.interval_assumes == "assumes seed noise sigma = 0.003 nats"


def test_generator_matches_its_description() -> None:
    sweep = isoflop_sweep(1)
    n = np.geomspace(1e6, 1e12, 200_001)  # brute force along C = 6ND = 1e19
    d = 1e19 / (6 * n)
    loss = TRUE["E"] + TRUE["A"] / n ** TRUE["alpha"] + TRUE["B"] / d ** TRUE["beta"]
    assert true_n_opt(1e19) == pytest.approx(float(n[np.argmin(loss)]), rel=1e-3)
    compute = 6 * sweep["n_params"] * sweep["n_tokens"]
    assert compute.round(-15).nunique() == 5
    per_config = sweep.groupby(["n_params", "n_tokens"]).size()
    assert (per_config == 3).all() and 25 <= len(per_config) <= 35
    # within a config the seeds differ by the seed noise only (sd of log loss about 0.003)
    spread = np.log(sweep["loss"]).groupby([sweep["n_params"], sweep["n_tokens"]]).std()
    assert 0.002 < float(np.sqrt(np.mean(spread**2))) < 0.004


def brute_force_clusters(n: np.ndarray, d: np.ndarray, tolerance: float) -> list[set[int]]:
    """Runs i, j in one cluster when both N and D agree within the tolerance (pairwise)."""
    close = [
        {j for j in range(len(n)) if max(n[i], n[j]) <= (1 + tolerance) * min(n[i], n[j])
         and max(d[i], d[j]) <= (1 + tolerance) * min(d[i], d[j])}
        for i in range(len(n))
    ]  # fmt: skip
    return sorted({frozenset(c) for c in close}, key=min)


def test_configuration_clusters_group_seeds_and_reruns() -> None:
    sweep = isoflop_sweep(2)
    n, d = sweep["n_params"].to_numpy(), sweep["n_tokens"].to_numpy()
    # a rerun logged with a rounded size (0.4% off) joins its configuration
    n = n.copy()
    n[1] *= 1.004
    labels = configuration_clusters(n, d)
    found = sorted(
        ({i for i in range(len(n)) if labels[i] == g} for g in np.unique(labels)), key=min
    )
    assert found == [set(c) for c in brute_force_clusters(n, d, 0.01)]
    assert labels[0] == 0 and list(np.unique(labels)) == list(range(len(found)))
    # N alone when D is unknown (a power law in N)
    assert configuration_clusters([1e8, 1e8, 2e8], [np.nan] * 3).tolist() == [0, 0, 1]


def test_bootstrap_says_how_it_resampled_and_matches_rows_without_repeats() -> None:
    sweep = isoflop_sweep(3)
    boot = bootstrap_fit(sweep, n_boot=30, seed=1, compute_flops=1e21)
    n_configs = sweep.groupby(["n_params", "n_tokens"]).ngroups
    assert boot.resampling == (
        f"clusters of runs sharing (N, D): {n_configs} clusters from {len(sweep)} runs"
    )
    assert boot.resampling in boot.report()
    # every derived quantity comes from the same draws: N_opt · D/N = D_opt
    tpp = boot.samples["d_opt"] / boot.samples["n_opt"]
    assert np.allclose(tpp, boot.samples["tokens_per_param"])
    at_other = boot.optimal_intervals(1e21)
    assert at_other["tokens_per_param"] == pytest.approx(boot.intervals["tokens_per_param"])
    # one seed per configuration: every cluster is one run, and the draws are the rows' draws
    single = sweep.groupby(["n_params", "n_tokens"], as_index=False).first()
    clusters = bootstrap_fit(single, n_boot=20, seed=4)
    rows = bootstrap_fit(single, n_boot=20, seed=4, resample="rows")
    assert clusters.intervals == rows.intervals
    assert rows.resampling.startswith(f"runs resampled one by one: {len(single)} runs")
    with pytest.raises(FitError, match="resample must be one of clusters, rows"):
        bootstrap_fit(sweep, n_boot=5, resample="seeds")
