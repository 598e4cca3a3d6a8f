"""Which columns split runs into sweeps (`scaling_core.runs.factors`): on small tables, on
Gadre et al. 2024's released run files (one JSON per run) and on every other real sweep in the
repository."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_core.cli import main
from scaling_core.runs import read_runs
from scaling_core.runs.factors import SAME_POINT, sweep_factors
from tests.conftest import REAL_LOGS

ROOT = Path(__file__).resolve().parents[1]
GADRE = REAL_LOGS / "gadre-2024" / "runs-json"
SAMPLES = ROOT / "sample_data" / "real"
SETTINGS = ["dataset_uuid", "hyperparameters.fsdp_flags", "open_lm_version"]

pytestmark = pytest.mark.skipif(not GADRE.exists(), reason=f"real logs not at {REAL_LOGS}")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


# --- the rule on small tables -----------------------------------------------------------------


def grid(datasets: list[str], sizes=(1e8, 2e8, 4e8, 8e8), multipliers=(1, 4, 16)) -> pd.DataFrame:
    rows = [
        {"dataset": d, "n_params": n, "n_tokens": 20 * m * n, "compute_flops": 6 * n * 20 * m * n}
        for d in datasets
        for n in sizes
        for m in multipliers
    ]
    return pd.DataFrame(rows)


def test_a_flag_switched_on_for_the_large_models_is_a_setting_the_dataset_a_sweep() -> None:
    runs = grid(["c4", "rpj"])
    runs["fsdp_flags"] = np.where(runs["n_params"] >= 4e8, "amp,limit", "amp")
    found = sweep_factors(runs)
    assert found.columns == ["dataset"] and found.n_sweeps == 2
    assert found.settings == {"fsdp_flags": {"amp": 12, "amp,limit": 12}}
    assert found.example == {"dataset": "c4"}


def test_a_flag_that_differs_between_runs_of_one_size_and_budget_is_a_sweep() -> None:
    """The same grid run twice, once per flag value, is two experiments whatever the name."""
    runs = pd.concat([grid(["c4"]).assign(flag="a"), grid(["c4"]).assign(flag="b")])
    assert sweep_factors(runs.reset_index(drop=True)).columns == ["flag"]


def test_isoflop_profiles_counted_two_ways_are_two_sweeps() -> None:
    """Porian et al.'s counting conventions give each budget's models sizes a few percent
    apart (not equal): within SAME_POINT they are the same experiment repeated."""
    budgets = [1e17, 1e18, 1e19]
    rows = []
    for counting, shift in (("standard", 1.0), ("kaplan", 1 + SAME_POINT / 2)):
        for c in budgets:
            for k in range(5):
                n = shift * 1e6 * 2**k * math.sqrt(c / 1e17)
                rows.append({"counting": counting, "n_params": n, "compute_flops": c})
    assert sweep_factors(pd.DataFrame(rows)).columns == ["counting"]


def test_an_id_that_subdivides_one_dataset_is_a_setting_and_an_alias_is_a_sweep() -> None:
    runs = grid(["c4", "rpj"])
    runs["uuid"] = np.where(
        runs["dataset"] == "c4", "u1", np.where(runs["n_params"] > 3e8, "u3", "u2")
    )
    runs["path"] = "s3://" + runs["dataset"]
    found = sweep_factors(runs)
    assert found.columns == ["dataset", "path"] and found.n_sweeps == 2
    assert list(found.settings) == ["uuid"]


def test_without_sizes_and_compute_every_label_splits_as_before() -> None:
    runs = pd.DataFrame({"dataset": ["a", "a", "b", "b"], "flag": ["x", "y", "x", "y"]})
    assert sweep_factors(runs).columns == ["dataset", "flag"]


def test_notes_name_each_column_its_values_and_the_overrides() -> None:
    runs = grid(["c4", "rpj"])
    runs["fsdp_flags"] = np.where(runs["n_params"] >= 4e8, "amp,limit", "amp")
    sweeps, settings = sweep_factors(runs).notes()
    assert sweeps.startswith("2 sweeps, told apart by dataset (c4 ×12, rpj ×12)")
    assert "--where dataset=c4" in sweeps and "--pool" in sweeps
    assert settings.startswith("not sweep columns: fsdp_flags (amp ×12, amp,limit ×12)")
    assert "--where COLUMN=VALUE" in settings


# --- every real sweep: the same split as before, except Gadre's settings ------------------------

REAL_SPLITS = [
    ("porian-2024", {"tokens": "D_tokens"}, ["dataset", "hparams", "warmup", "decay", "param_count", "loss_type"], 15),
    ("olmo-ladder/olmo_ladder_curves.csv", {}, ["source"], 3),
    ("olmo-ladder/wandb-history", {}, [], 1),
    ("gadre-2024/gadre2024_final_losses.csv", {}, ["dataset"], 3),
    ("gadre-2024/runs-json", {}, ["dataset_name"], 3),
    ("gemstones-2025/wandb_df_for_fitting_hot.jsonl", {}, [], 1),
    ("muennighoff-2023", {}, [], 1),
    ("pythia", {}, ["variant"], 3),
]  # fmt: skip
SAMPLE_SPLITS = [
    ("porian-2024/porian2024_isoflop_points.csv", ["dataset", "hparams", "warmup", "decay", "counting", "loss_type"], 15),
    ("olmo-ladder/olmo_ladder_curves.csv", ["schedule"], 3),
    ("gadre-2024/gadre2024_final_losses.csv", ["dataset"], 3),
    ("gemstones-2025/gemstones_checkpoints.csv", [], 1),
    ("muennighoff-2023/datablations_final_val_losses.csv", [], 1),
    ("pythia/pythia_lambada_checkpoints.csv", ["variant"], 3),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "columns", "sweeps", "n"), REAL_SPLITS, ids=[s[0] for s in REAL_SPLITS]
)
def test_real_logs_split_by_their_experimental_columns(path, columns, sweeps, n) -> None:
    read = read_runs([REAL_LOGS / path], columns=columns)
    assert read.factors.columns == sweeps and read.factors.n_sweeps == n
    expected_settings = SETTINGS if path.endswith("runs-json") else []
    assert list(read.factors.settings) == expected_settings


@pytest.mark.parametrize(("path", "sweeps", "n"), SAMPLE_SPLITS, ids=[s[0] for s in SAMPLE_SPLITS])
def test_real_samples_split_by_their_experimental_columns(path, sweeps, n) -> None:
    read = read_runs([SAMPLES / path])
    assert read.factors.columns == sweeps and read.factors.n_sweeps == n
    assert read.factors.settings == {}


def test_gadre_datasets_repeat_every_run_and_the_settings_never_do() -> None:
    """The rule's premise on the real files: the three datasets share the (N, D) grid, while
    within one dataset no two runs share (N, D), so no setting can differ at one point."""
    runs = read_runs([GADRE]).log.runs
    per_point = runs.groupby(["n_params", "n_tokens"])["dataset_name"].nunique()
    assert (per_point == 3).sum() >= 30
    assert not runs.duplicated(["dataset_name", "n_params", "n_tokens"]).any()
    for column in SETTINGS:  # each varies within one dataset's grid, at different (N, D)
        assert runs.groupby("dataset_name")[column].nunique().max() >= 2


# --- Gadre et al.'s JSON through the command line ---------------------------------------------


def test_gadre_c4_fits_without_pool_and_says_what_it_did_not_split_on(capsys) -> None:
    status, out, err = cli(
        capsys, "fit", str(GADRE), "--where", "dataset_name=c4_original", "--json"
    )
    assert status == 0, err
    payload = json.loads(out)
    assert payload["n_runs"] == 34 and payload["pooled"] is False
    assert payload["roles"]["loss"] == "results.1.loss"
    notes = payload["report"]["notes"]
    (setting,) = [n for n in notes if n.startswith("not sweep columns:")]
    assert "hyperparameters.fsdp_flags" in setting and "--where COLUMN=VALUE" in setting
    assert not any("sweeps, told apart by" in n for n in notes)
    assert payload["sweep_columns"] == {} and payload["n_sweeps"] == 1  # as in `read --json`
    assert list(payload["setting_columns"]) == ["hyperparameters.fsdp_flags"]
    # the guessed loss is C4 eval: the same fit as the tidy table's loss_c4_val column
    status, out, err = cli(
        capsys, "fit", str(REAL_LOGS / "gadre-2024/gadre2024_final_losses.csv"),
        "--where", "dataset=c4_original", "--json",
    )  # fmt: skip
    table = json.loads(out)
    assert table["roles"]["loss"] == "loss_c4_val"
    for name, value in table["params"].items():
        assert payload["params"][name] == pytest.approx(value, rel=1e-6), name


def test_gadre_folder_is_refused_naming_the_sweep_and_the_settings(capsys) -> None:
    status, out, err = cli(capsys, "fit", str(GADRE))
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "3 sweeps (column dataset_name varies; " in err
    assert "dataset_uuid, hyperparameters.fsdp_flags, open_lm_version vary too" in err
    assert "--where dataset_name=c4_original" in err and "--pool" in err


def test_gadre_read_json_lists_sweep_and_setting_columns(capsys) -> None:
    status, out, err = cli(capsys, "read", str(GADRE), "--json")
    assert status == 0, err
    payload = json.loads(out)
    assert payload["sweep_columns"] == {
        "dataset_name": {"c4_original": 34, "rpj": 35, "rw_original": 35}
    }
    assert sorted(payload["setting_columns"]) == SETTINGS
    assert payload["n_sweeps"] == 3


def test_crossed_pair_by_pair_agrees_with_the_cells(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Two ways to find two runs of one group, of different values, within SAME_POINT of each
    # other: every pair (small tables) and neighbouring cells (large ones). Random points
    # placed around a grid of the cells' width, some exactly on it, some blank.
    from scaling_core.runs import factors

    rng = np.random.default_rng(0)
    width = math.log1p(factors.SAME_POINT)
    answers = []
    for trial in range(600):
        n = int(rng.integers(2, 60))
        groups, values = rng.integers(-1, 3, n), rng.integers(-1, 3, n)
        log_n, log_c = (
            rng.choice(np.arange(8) * width * rng.uniform(0.3, 1.5), n)
            + rng.normal(0, width * 0.3, n) * rng.integers(0, 2)
            for _ in range(2)
        )
        if trial % 7 == 0:
            log_n[rng.integers(0, n)] = np.nan
        monkeypatch.setattr(factors, "_PAIRWISE_MAX", 10_000)
        pairwise = factors._crossed(groups, values, log_n, log_c)
        monkeypatch.setattr(factors, "_PAIRWISE_MAX", 0)
        assert pairwise == factors._crossed(groups, values, log_n, log_c), trial
        answers.append(pairwise)
    assert 0.1 < np.mean(answers) < 0.9  # both answers are exercised


def test_the_first_sweep_does_not_depend_on_the_files_order() -> None:
    """Gadre et al.'s runs as their CSV (c4 rows first) and as their 104 JSON files (read in
    name order, RefinedWeb first): the command line's example and the fit page's opening
    sweep are the same dataset, the first in sorted order, and so with the files reversed."""
    files = sorted(GADRE.rglob("*.json"))
    csv = read_runs([REAL_LOGS / "gadre-2024" / "gadre2024_final_losses.csv"]).factors.example
    as_json = read_runs(files).factors.example
    reversed_json = read_runs(files[::-1]).factors.example
    datasets = sorted(
        pd.read_csv(REAL_LOGS / "gadre-2024" / "gadre2024_final_losses.csv")["dataset"].unique()
    )
    assert list(csv.values()) == list(as_json.values()) == list(reversed_json.values())
    assert list(csv.values()) == [datasets[0]]
