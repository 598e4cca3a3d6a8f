"""The README's commands for every folder of the real logs (tests/fixtures/real-logs): runs found, roles chosen, a
sane fit; the OLMo ladder's 3B runs predicted from the 190M-1B ones (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaling_core.cli import main
from tests.conftest import REAL_LOGS

ROOT = Path(__file__).resolve().parents[1]
REAL = REAL_LOGS
HISTORY = str(REAL / "olmo-ladder" / "wandb-history")
C4 = "eval/c4_en-validation/CrossEntropyLoss"
EXACT = str(ROOT / "examples" / "olmo_ladder_params.csv")

pytestmark = pytest.mark.skipif(
    not REAL.exists(), reason=f"real logs not at {REAL} (set REAL_LOGS)"
)


def run_json(capsys, *argv: str) -> dict:
    status = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)


def test_read_olmo_history_folder(capsys) -> None:
    payload = run_json(capsys, "read", HISTORY)
    assert payload["formats"] == {"wandb-history": 41, "csv": 1}
    assert payload["roles"]["tokens"] == "throughput/total_tokens"
    assert payload["roles"]["run"] == "(file name)"
    assert len(payload["loss_candidates"]) == 11
    usable = [r for r in payload["runs"] if not r["needs"]]
    assert len(usable) == 30
    assert {r["params"] for r in usable} == {190e6, 370e6, 760e6, 1e9, 3e9}
    assert sorted(r["run"] for r in payload["lacking"]) == sorted(
        p.stem for p in Path(HISTORY).glob("peteish*.csv")
    )


@pytest.mark.parametrize(("meta", "limit"), [((), 0.025), (("--runs-meta", EXACT), 0.015)])
def test_olmo_ladder_predicts_the_3b_runs(capsys, meta: tuple[str, ...], limit: float) -> None:
    payload = run_json(
        capsys, "fit", HISTORY, "--column", f"loss={C4}", "--holdout-params-above", "2e9", *meta
    )
    assert payload["roles"]["loss"] == C4
    assert payload["n_runs"] == 24
    held = payload["holdout"]
    assert held["n_runs"] == 6 and all(r["run"].startswith("3B-") for r in held["runs"])
    assert held["mean_abs_relative_error"] < limit
    assert len(payload["runs_lacking"]) == 12


def test_exact_counts_replace_the_nominal_sizes(capsys) -> None:
    payload = run_json(capsys, "read", HISTORY, "--runs-meta", EXACT)
    one_b = next(r for r in payload["runs"] if r["run"] == "1B-1xC")
    assert one_b["params"] == 1279395840 and one_b["params_source"] == "per-run table"


# The README commands for the other folders: (argv, runs fitted, role checks).
COMMANDS = [
    (
        [
            "olmo-ladder/olmo_ladder_curves.csv",
            "--column",
            "loss=loss_c4_en",
            "--where",
            "source=peteish-moreeval",
        ],
        30,
        {"params": "N", "tokens": "tokens", "loss": "loss_c4_en"},
    ),
    (
        ["gadre-2024/runs-json", "--where", "dataset_name=c4_original"],
        34,
        {
            "params": "hyperparameters.params",
            "tokens": "hyperparameters.tokens",
            "loss": "results.1.loss",
        },
    ),
    (
        ["gadre-2024/gadre2024_final_losses.csv", "--where", "dataset=c4_original"],
        34,
        {"loss": "loss_c4_val"},
    ),
    (
        ["gemstones-2025/wandb_df_for_fitting_hot.jsonl", "--form", "power-n"],
        22,
        {"params": "params_active_precise", "loss": "final_loss"},
    ),
    (
        [
            *("porian-2024", "--column", "tokens=D_tokens", "--where", "dataset=owt2"),
            *("--where", "hparams=tuned", "--where", "loss_type=val"),
        ],
        116,
        {"params": "N", "tokens": "D_tokens"},
    ),
    (["muennighoff-2023"], 296, {"params": "params", "tokens": "tokens", "loss": "val_loss"}),
    (
        [
            "pythia",
            "--column",
            "loss=lambada_nll",
            "--form",
            "power-n",
            "--where",
            "variant=standard",
        ],
        7,
        {"params": "params_total", "loss": "lambada_nll"},
    ),
]


@pytest.mark.parametrize(("argv", "n_runs", "roles"), COMMANDS, ids=[c[0][0] for c in COMMANDS])
def test_every_real_log_reads_and_fits(capsys, argv: list[str], n_runs: int, roles: dict) -> None:
    path, *rest = argv
    payload = run_json(capsys, "fit", str(REAL / path), *rest)
    assert payload["n_runs"] == n_runs
    for role, column in roles.items():
        assert payload["roles"][role] == column
    params = payload["params"]
    assert 0 < params["alpha"] < 1
    assert 0 <= params["E"] < 3
    assert payload["residuals"]["rms"] < 0.3


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["read", "/no/such/folder"], "no such file or folder: '/no/such/folder'"),
        (
            ["read", HISTORY, "--column", "batch=foo"],
            "unknown role 'batch' in --column; roles are: run, params",
        ),
        (["read", HISTORY, "--column", "loss=val_loss"], "no column 'val_loss' for loss"),
        (["read", HISTORY, "--column", "loss"], "--column takes ROLE=NAME"),
        (["read", HISTORY, "--runs-meta", "/no/meta.csv"], "--runs-meta: no such file"),
    ],
)
def test_bad_paths_roles_and_columns_exit_2_with_one_line(capsys, argv, expected) -> None:
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert expected in err


def test_text_report_lists_sources_and_lacking_runs(capsys) -> None:
    assert main(["read", HISTORY, "--column", f"loss={C4}"]) == 0
    out = capsys.readouterr().out
    assert f"loss: '{C4}' [given]" in out
    assert "190M-1xC: params 1.9e+08 (run name (nominal)); tokens" in out
    assert "peteish7_eval_full: needs params" in out


@pytest.mark.parametrize(
    ("argv", "columns", "where"),
    [
        (
            ["porian-2024", "--column", "tokens=D_tokens"],
            "15 sweeps (columns dataset, hparams",
            "--where dataset=owt2 --where hparams=base",  # the first in sorted order
        ),
        (
            ["gadre-2024/gadre2024_final_losses.csv"],
            "3 sweeps (column dataset varies)",
            "--where dataset=c4_original",
        ),
        (
            ["olmo-ladder/olmo_ladder_curves.csv", "--column", "loss=loss_c4_en"],
            "3 sweeps (column source varies)",
            "--where source=peteish-moreeval",
        ),
    ],
)
def test_fit_refuses_several_sweeps_like_isoflop(capsys, argv, columns, where) -> None:
    path, *rest = argv
    status = main(["fit", str(REAL / path), *rest])
    out, err = capsys.readouterr()
    assert status == 2 and out == "" and err.count("\n") == 1
    assert columns in err and where in err and "--pool" in err


def test_pool_fits_every_sweep_as_one_law(capsys) -> None:
    payload = run_json(capsys, "fit", str(REAL / "gadre-2024/gadre2024_final_losses.csv"), "--pool")
    assert payload["n_runs"] == 104 and payload["pooled"] is True


def test_olmo_schedule_variants_are_kept_apart_and_noted(capsys) -> None:
    """The curves file names 190M-10xC in three schedules (column source); merged, the final
    loss was the constant-LR run's 3.4466 instead of the cosine run's."""
    payload = run_json(
        capsys,
        "read",
        str(REAL / "olmo-ladder/olmo_ladder_curves.csv"),
        "--column",
        "loss=loss_c4_en",
    )
    runs = {r["run"]: r for r in payload["runs"]}
    variants = [name for name in runs if name.startswith("190M-10xC [source=")]
    assert len(variants) == 3
    assert len({runs[v]["final_loss"] for v in variants}) == 3
    assert any("differ in 'source'" in n and "not merged" in n for n in payload["notes"])
    cosine = run_json(
        capsys,
        "read",
        str(REAL / "olmo-ladder/olmo_ladder_curves.csv"),
        "--column",
        "loss=loss_c4_en",
        "--where",
        "source=peteish-moreeval",
    )
    assert len(cosine["runs"]) == 30 and "190M-10xC" in {r["run"] for r in cosine["runs"]}
    assert not any("differ in" in n for n in cosine["notes"])


def test_muennighoff_seeds_are_separate_runs(capsys) -> None:
    payload = run_json(capsys, "read", str(REAL / "muennighoff-2023"))
    names = [r["run"] for r in payload["runs"]]
    assert len(names) == len(set(names)) == 296
    seeds = [n for n in names if n.startswith("2b855b11b [run_key=")]
    assert len(seeds) == 5
    assert any("differ in 'run_key'" in n for n in payload["notes"])


def test_read_trainer_output_folders(capsys) -> None:
    """The README's command: two Trainer output folders are two runs (issue 17); the values
    against GPT-2's tensor count are checked in tests/test_runs_trainer_folders.py."""
    payload = run_json(capsys, "read", str(REAL / "hf-trainer-output"))
    assert sorted(r["run"] for r in payload["runs"] if not r["needs"]) == [
        "gpt-d48l2-C3e13",
        "gpt-d64l3-C3e13",
    ]
