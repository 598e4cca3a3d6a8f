"""The ``rollout`` command: JSON shape, --compare-forms, one-line errors (exit 2), and a run on
every shipped real sweep with the numbers of the README's rollout table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_core.cli import main

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "sample_data" / "real"

PORIAN_DEFAULT = "dataset=rw hparams=tuned warmup=short decay=const counting=standard loss_type=val"
PORIAN_DEFAULT_PAIRS = PORIAN_DEFAULT.split(" ")

#: Every shipped real sweep with the arguments the README's rollout table gives it.
SHIPPED: dict[str, list[str]] = {
    "olmo-ladder": [str(REAL / "olmo-ladder/olmo_ladder_curves.csv"), "--where", "schedule=cosine"],
    "gadre-2024": [
        str(REAL / "gadre-2024/gadre2024_final_losses.csv"),
        "--where",
        "dataset=c4_original",
    ],
    "gemstones-cooldown": [str(REAL / "gemstones-2025/gemstones_cooldown_ends.csv")],
    "gemstones-constant-lr": [
        str(REAL / "gemstones-2025/gemstones_checkpoints.csv"),
        "--form",
        "power-n",
    ],
    "muennighoff-2023": [
        str(REAL / "muennighoff-2023/datablations_final_val_losses.csv"),
        "--where",
        "epochs=1",
    ],
    "porian-2024": [
        str(REAL / "porian-2024/porian2024_isoflop_points.csv"),
        *[arg for pair in PORIAN_DEFAULT_PAIRS for arg in ("--where", pair)],
    ],
    "pythia": [
        str(REAL / "pythia/pythia_lambada_checkpoints.csv"),
        "--where",
        "variant=standard",
        "--form",
        "power-n",
    ],
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def ladder_csv(tmp_path: Path) -> Path:
    """Six sizes x three token counts from a Chinchilla-form law, with 1% log noise."""
    rng = np.random.default_rng(0)
    n = np.repeat([2e7, 5e7, 1.2e8, 3e8, 7e8, 1.5e9], 3)
    d = n * np.tile([5.0, 20.0, 80.0], 6)
    loss = (1.82 + 482 / n**0.35 + 2085 / d**0.37) * np.exp(rng.normal(0, 0.01, len(n)))
    path = tmp_path / "ladder.csv"
    pd.DataFrame(
        {"run": [f"r{i}" for i in range(len(n))], "params": n, "tokens": d, "loss": loss}
    ).to_csv(path, index=False)
    return path


def test_json_has_the_documented_shape(capsys, ladder_csv: Path) -> None:
    status, out, err = run(capsys, "rollout", str(ladder_csv), "--json")
    assert status == 0, err
    assert out.count("\n") == 1
    payload = json.loads(out)
    assert payload["axis"] == "params" and payload["form"] == "chinchilla"
    assert [c["fit_up_to"] for c in payload["cutoffs"]] == [1.2e8, 3e8, 7e8]
    for cutoff in payload["cutoffs"]:
        assert cutoff["n_fit"] == 3 * sum(
            1 for s in (2e7, 5e7, 1.2e8, 3e8, 7e8) if s <= cutoff["fit_up_to"]
        )
        for p in cutoff["predictions"]:
            assert {"run", "observed", "predicted", "relative_error"} <= set(p)
            assert p["relative_error"] == pytest.approx(
                (p["predicted"] - p["observed"]) / p["observed"], rel=1e-9
            )
    assert {"mean_abs_error", "mean_signed_error", "weighted_abs_error"} <= set(payload["summary"])
    assert payload["summary"]["mean_abs_error"] < 0.05


def test_compare_forms_table_covers_three_forms_and_two_penalties(capsys, ladder_csv) -> None:
    status, out, err = run(capsys, "rollout", str(ladder_csv), "--compare-forms", "--json")
    assert status == 0, err
    rows = json.loads(out)["table"]
    assert {(r["form"], r["overestimate_penalty"]) for r in rows} == {
        (f, p) for f in ("chinchilla", "gadre", "power-n") for p in (1.0, 10.0)
    }
    status, out, err = run(capsys, "rollout", str(ladder_csv), "--compare-forms")
    assert status == 0 and out.count("\n") == 8  # title, header, six rows


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--overestimate-penalty", "0.5"], "--overestimate-penalty must be >= 1"),
        (["--form", "kaplan"], "invalid choice"),
        (["--axis", "tokens"], "invalid choice"),
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, ladder_csv, argv, needle) -> None:
    status, out, err = run(capsys, "rollout", str(ladder_csv), *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and needle in err


def test_too_few_sizes_and_missing_file_exit_2(capsys, tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    pd.DataFrame({"params": [1e8, 1e8, 2e8, 2e8, 2e8], "tokens": 2e9, "loss": 3.0}).to_csv(path)
    status, _, err = run(capsys, "rollout", str(path), "--form", "power-n")
    assert status == 2 and "no rollout cutoff" in err and err.count("\n") == 1
    status, _, err = run(capsys, "rollout", str(tmp_path / "absent.csv"))
    assert status == 2 and err.count("\n") == 1


def test_one_token_count_with_a_two_variable_form_says_to_use_power_n(capsys) -> None:
    status, _, err = run(capsys, "rollout", *SHIPPED["pythia"][:3])
    assert status == 2 and "try --form power-n" in err and err.count("\n") == 1


def test_several_sweeps_are_refused_unless_one_is_picked(capsys) -> None:
    status, _, err = run(capsys, "rollout", SHIPPED["olmo-ladder"][0])
    assert status == 2 and "--where schedule=" in err


#: The README's rollout table: (cutoffs, predictions, mean |error|, mean signed error).
README_TABLE: dict[str, tuple[int, int, float, float]] = {
    "olmo-ladder": (2, 18, 0.0091, -0.0018),
    "gadre-2024": (3, 14, 0.0483, -0.0483),
    "gemstones-cooldown": (17, 1513, 0.0321, -0.0148),
    "gemstones-constant-lr": (17, 153, 0.0209, -0.0198),
    "muennighoff-2023": (14, 320, 0.0986, -0.0956),
    "porian-2024": (13, 802, 0.1280, -0.0888),
    "pythia": (2, 3, 0.0394, 0.0297),
}


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_rollout_json_runs_on_every_shipped_sweep(capsys, key: str) -> None:
    status, out, err = run(capsys, "rollout", *SHIPPED[key], "--json")
    assert status == 0, err
    payload = json.loads(out)
    summary = payload["summary"]
    cutoffs, predictions, mean_abs, signed = README_TABLE[key]
    assert (summary["n_cutoffs"], summary["n_predictions"]) == (cutoffs, predictions)
    assert summary["mean_abs_error"] == pytest.approx(mean_abs, abs=2e-4)
    assert summary["mean_signed_error"] == pytest.approx(signed, abs=2e-4)
    assert 0 <= summary["weighted_abs_error"] <= summary["max_abs_error"]
    assert abs(summary["mean_signed_error"]) <= summary["mean_abs_error"]


def test_olmo_ladder_last_cutoff_is_the_3b_leave_out_check(capsys) -> None:
    """The last cutoff fits 190M-1B and predicts the six 3B runs: the README's leave-out check
    (0.94% mean, 2.47% max with exact parameter counts), computed here a second way."""
    status, out, err = run(capsys, "rollout", *SHIPPED["olmo-ladder"], "--json")
    assert status == 0, err
    last = json.loads(out)["cutoffs"][-1]
    assert last["n_fit"] == 24 and len(last["predictions"]) == 6
    errors = np.abs([p["relative_error"] for p in last["predictions"]])
    assert errors.mean() == pytest.approx(0.0094, abs=0.0005)
    assert errors.max() == pytest.approx(0.0247, abs=0.0005)
