"""The ``isoflop`` command: Table 1 from the shell, budgets left out named, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from scaling_core.cli import main
from scaling_core.porian import PORIAN_TABLE1, table1_where

ROOT = Path(__file__).resolve().parents[1]
PORIAN = str(ROOT / "sample_data/real/porian-2024/porian2024_isoflop_points.csv")
SYNTHETIC = str(ROOT / "sample_data/isoflop_sweep.csv")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["isoflop", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def where_args(step: str, dataset: str) -> list[str]:
    out: list[str] = []
    for column, value in table1_where(step, dataset).items():
        out += ["--where", f"{column}={value}"]
    return out


def test_akima_json_reproduces_table1_tuned_step_with_interval(capsys) -> None:
    status, out, err = run(
        capsys,
        PORIAN,
        "--method",
        "akima",
        "--seed-noise",
        "0.002",
        *where_args("tuned", "rw"),
        "--json",
    )
    assert status == 0, err
    assert out.count("\n") == 1
    payload = json.loads(out)
    assert {"a", "b", "budgets_used", "budgets_left_out", "a_interval", "b_interval"} <= set(
        payload
    )
    step = PORIAN_TABLE1[-1]
    lo, hi = step.a_refinedweb_interval
    assert lo <= payload["a"] <= hi
    assert payload["a"] + payload["b"] == pytest.approx(1.0)
    assert payload["a_interval"][0] < payload["a"] < payload["a_interval"][1]
    assert len(payload["budgets_used"]) + len(payload["budgets_left_out"]) == 12


def test_text_output_lists_each_budget_and_why_it_was_left_out(capsys) -> None:
    status, out, err = run(capsys, PORIAN, *where_args("head", "owt2"))
    assert status == 0, err
    assert "where dataset=owt2 hparams=base" in out
    a = float(out.split("a = ")[1].split()[0])
    assert a == pytest.approx(0.699, abs=0.03)  # Table 1, OpenWebText2, + head
    assert f"b = {1 - a:.4f}" in out
    assert "note: 10 of 12 budgets carry the fit" in out
    assert out.count("left out: lowest loss at the smallest sampled size") == 2
    assert "1.25e+16" in out and "2.56e+19" in out


def test_bootstrap_gives_intervals_for_approach2(capsys) -> None:
    status, out, err = run(
        capsys, SYNTHETIC, "--bootstrap", "200", "--seed-noise", "0.02", "--json"
    )
    assert status == 0, err
    payload = json.loads(out)
    assert payload["method"] == "parabola" and payload["bootstrap"] == 200
    lo, hi = payload["a_interval"]
    assert lo < payload["a"] < hi
    # the generating law (Epoch 2024 refit) has a = 0.5126; sample noise is ~0.017 nats
    assert lo - 0.02 < 0.5126 < hi + 0.02
    assert payload["budgets_left_out"] == []


def test_several_paths_are_joined_and_column_roles_can_be_named(capsys, tmp_path: Path) -> None:
    runs = pd.read_csv(PORIAN)
    sweep = runs.loc[
        pd.concat([runs[k] == v for k, v in table1_where("tuned", "owt2").items()], axis=1).all(
            axis=1
        )
    ]
    odd = pd.DataFrame(
        {
            "model size": sweep["n_params"],
            "toks": sweep["n_tokens"],
            "budget": sweep["compute_flops"],
            "val_loss": sweep["loss"] + 1.0,  # a column the reader would prefer as the loss
            "xent": sweep["loss"],
        }
    )
    low = odd[odd["budget"] < 5e17]
    high = odd[odd["budget"] >= 5e17]
    low.to_csv(tmp_path / "low.csv", index=False)
    high.to_csv(tmp_path / "high.tsv", index=False, sep="\t")
    odd.to_csv(tmp_path / "all.csv", index=False)
    columns = ["--column", "params=model size", "--column", "tokens=toks", "--column", "loss=xent"]
    status, out, err = run(capsys, str(tmp_path / "all.csv"), *columns, "--json")
    assert status == 0, err
    whole = json.loads(out)
    status, out, err = run(
        capsys, str(tmp_path / "low.csv"), str(tmp_path / "high.tsv"), *columns, "--json"
    )
    assert status == 0, err
    joined = json.loads(out)
    assert joined["a"] == pytest.approx(whole["a"], abs=1e-12)
    assert len(joined["files"]) == 2 and joined["files"][1]["columns"]["xent"] == "loss"
    assert abs(whole["a"] - 0.518) < 0.03  # Table 1, OpenWebText2, tuned


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.csv"], "no such file: missing.csv"),
        ([PORIAN], "the rows hold 15 sweeps"),
        ([PORIAN, "--where", "dataset=c4"], "column 'dataset' has no value 'c4'"),
        ([PORIAN, "--where", "datset=rw"], "no column 'datset'"),
        ([PORIAN, "--where", "dataset"], "--where expects COLUMN=VALUE"),
        ([PORIAN, "--column", "size=N"], "unknown role 'size'"),
        ([PORIAN, "--column", "params=N"], "has no column 'N'"),
        ([PORIAN, "--method", "akima", "--bootstrap", "5"], "--bootstrap must be >= 20"),
        ([PORIAN, "--method", "cubic"], "invalid choice"),
        ([SYNTHETIC, "--seed-noise", "-1"], "--seed-noise must be positive"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv: list[str], message: str) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err


def test_too_few_usable_budgets_is_refused_naming_them(capsys, tmp_path: Path) -> None:
    rows = [
        {"params": n, "tokens": c / (6 * n), "loss": 3.0 - 0.1 * i}
        for c in (1e18, 1e19, 1e20)
        for i, n in enumerate((1e7, 3e7, 1e8, 3e8))
    ]
    path = tmp_path / "edge.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    status, out, err = run(capsys, str(path))
    assert status == 2 and out == ""
    assert "found 0 of 3" in err and "largest sampled size" in err


def test_the_released_file_as_is_reads_and_reproduces_the_kaplan_step(capsys) -> None:
    """Porian et al.'s own column names (N, D_tokens, flops_budget, and a text column
    param_count that names the counting convention): read without renaming or --column."""
    from tests.conftest import REAL_LOGS

    raw = REAL_LOGS / "porian-2024" / "porian2024_isoflop_points.csv"
    if not raw.exists():
        pytest.skip(f"released file not at {raw}")
    argv = [str(raw), "--method", "akima", "--seed-noise", "0.002", "--json"]
    for column, value in table1_where("kaplan", "rw").items():  # the sample renames param_count
        argv += ["--where", f"{'param_count' if column == 'counting' else column}={value}"]
    status, out, err = run(capsys, *argv)
    assert status == 0, err
    payload = json.loads(out)
    lo, hi = PORIAN_TABLE1[0].a_refinedweb_interval
    assert lo <= payload["a"] <= hi


def test_messages_name_flags_and_stay_short(capsys) -> None:
    status, out, _ = run(capsys, SYNTHETIC, "--bootstrap", "100")
    assert status == 0 and "--seed-noise NATS sets it" in out and "seed_noise" not in out
    status, _, err = run(capsys, str(ROOT / "sample_data/kaplan_sweep.csv"))
    assert status == 2 and len(err) < 400 and "budget_column" not in err
    assert "… and 38 more" in err and "not an IsoFLOP sweep" in err
