"""The ``isoflop`` command: Table 1 from the shell, budgets left out named, one-line errors."""

from __future__ import annotations

import json
import zipfile
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


def in_sweep(points: pd.DataFrame, where: dict[str, str], counting: str = "counting") -> pd.Series:
    """Rows of Porian et al.'s points in one configuration (``counting`` names that column)."""
    named = {counting if k == "counting" else k: v for k, v in where.items()}
    return pd.concat([points[k] == v for k, v in named.items()], axis=1).all(axis=1)


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
    # the interval rests on the assumed seed noise, and says so
    assert payload["interval_assumes"] == "assumes seed noise sigma = 0.002 nats"
    assert "resampling every budget's sizes" in payload["interval_basis"]


def test_text_output_lists_each_budget_and_why_it_was_left_out(capsys) -> None:
    status, out, err = run(capsys, PORIAN, *where_args("head", "owt2"))
    assert status == 0, err
    # the reading report of `read`, then the sweep: what was read as what, what --where kept
    assert "params: 'n_params' [guessed]" in out and "loss: 'loss' [guessed]" in out
    points = pd.read_csv(PORIAN)
    n = int(in_sweep(points, table1_where("head", "owt2")).sum())
    assert f"{n} of {len(points):,} rows kept" in out and f"… and {n - 20} more runs" in out
    assert f"IsoFLOP sweep: {n} runs from 1 file where dataset=owt2 hparams=base" in out
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
    sweep = runs.loc[in_sweep(runs, table1_where("tuned", "owt2"))]
    odd = pd.DataFrame(
        {
            "model size": sweep["n_params"],
            "toks": sweep["n_tokens"],
            "budget": sweep["compute_flops"],
            "val_loss": sweep["loss"].to_numpy()[::-1],  # the reader would prefer it as the loss
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
    assert joined["files"] == ["high.tsv", "low.csv"] and joined["n_runs"] == len(sweep)
    assert joined["roles"]["loss"] == "xent" and joined["report"]["columns"]["xent"] == "loss"
    status, out, err = run(capsys, PORIAN, *where_args("tuned", "owt2"), "--json")
    assert status == 0, err
    assert whole["a"] == pytest.approx(json.loads(out)["a"], rel=1e-9)  # xent, not val_loss
    assert abs(whole["a"] - 0.518) < 0.03  # Table 1, OpenWebText2, tuned


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.csv"], "no such file or folder: 'missing.csv'"),
        ([PORIAN], "the rows hold 15 sweeps"),
        ([PORIAN, "--where", "dataset=c4"], "column 'dataset' has no value 'c4'"),
        ([PORIAN, "--where", "datset=rw"], "no column 'datset'"),
        ([PORIAN, "--where", "dataset"], "--where expects COLUMN=VALUE"),
        ([PORIAN, "--column", "size=N"], "unknown role 'size'"),
        ([PORIAN, "--column", "params=N"], "no column 'N' for params"),
        ([PORIAN, "--column", "loss"], "--column takes ROLE=NAME"),
        ([PORIAN, "--runs-meta", "no-meta.csv"], "--runs-meta: no such file"),
        ([PORIAN, "--method", "akima", "--bootstrap", "5"], "--bootstrap must be >= 20"),
        ([PORIAN, "--method", "cubic"], "invalid choice"),
        ([SYNTHETIC, "--seed-noise", "-1"], "--seed-noise must be positive"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv: list[str], message: str) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert "__run__" not in err  # the reader's own columns are not offered to --where


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
    a_line = next(line for line in out.splitlines() if line.startswith("a = "))
    assert (
        "; assumes seed noise sigma = 0.01 nats (the default, not measured from these runs))"
        in (a_line)
    )
    status, _, err = run(capsys, str(ROOT / "sample_data/kaplan_sweep.csv"))
    assert status == 2 and len(err) < 400 and "budget_column" not in err
    assert "… and 38 more" in err and "not an IsoFLOP sweep" in err


def released_where(step: str, dataset: str) -> list[str]:
    """``--where`` for the released file, whose counting column is named param_count."""
    out: list[str] = []
    for column, value in table1_where(step, dataset).items():
        out += ["--where", f"{'param_count' if column == 'counting' else column}={value}"]
    return out


def test_a_zip_of_the_released_folder_gives_the_csvs_exponents(capsys, tmp_path: Path) -> None:
    """The authors' folder zipped as downloaded (CSV, LICENSE, SOURCE.txt): the archive reader
    finds the CSV, skips the rest, and the Kaplan step lands in Table 1's interval."""
    from tests.conftest import REAL_LOGS

    folder = REAL_LOGS / "porian-2024"
    if not folder.exists():
        pytest.skip(f"released file not at {folder}")
    archive = tmp_path / "porian-2024.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.iterdir()):
            zipped.write(path, f"porian-2024/{path.name}")
    argv = ["--method", "akima", "--seed-noise", "0.002", *released_where("kaplan", "rw"), "--json"]
    status, out, err = run(capsys, str(archive), *argv)
    assert status == 0, err
    from_zip = json.loads(out)
    status, out, err = run(capsys, str(folder / "porian2024_isoflop_points.csv"), *argv)
    assert status == 0, err
    from_csv = json.loads(out)
    assert from_zip["files"] == ["porian-2024.zip/porian-2024/porian2024_isoflop_points.csv"]
    assert from_zip["a"] == from_csv["a"] and from_zip["a_interval"] == from_csv["a_interval"]
    assert from_zip["budgets_used"] == from_csv["budgets_used"]
    lo, hi = PORIAN_TABLE1[0].a_refinedweb_interval
    assert lo <= from_zip["a"] <= hi
    status, out, err = run(capsys, str(archive), *argv[:-1])
    assert status == 0, err
    assert "skipped porian-2024.zip/porian-2024/LICENSE" in out


def test_a_folder_of_json_lines_gives_the_csvs_exponents(capsys, tmp_path: Path) -> None:
    """The released points rewritten as JSON Lines, one file per dataset, in a folder: the JSON
    reader, the roles guessed from the authors' names and --where across files."""
    from tests.conftest import REAL_LOGS

    released = REAL_LOGS / "porian-2024" / "porian2024_isoflop_points.csv"
    if not released.exists():
        pytest.skip(f"released file not at {released}")
    points = pd.read_csv(released)
    folder = tmp_path / "runs"
    folder.mkdir()
    for dataset, part in points.groupby("dataset"):
        lines = [json.dumps(record) for record in part.to_dict("records")]
        (folder / f"{dataset}.jsonl").write_text("\n".join(lines) + "\n")
    argv = [*released_where("tuned", "owt2"), "--bootstrap", "50", "--json"]
    status, out, err = run(capsys, str(folder), *argv)
    assert status == 0, err
    from_json = json.loads(out)
    status, out, err = run(capsys, str(released), *argv)
    assert status == 0, err
    from_csv = json.loads(out)
    assert from_json["roles"]["params"] == "N" and from_json["roles"]["compute"] == "flops_budget"
    assert from_json["files"] == ["runs/owt2.jsonl", "runs/rw.jsonl"]
    n_points = int(in_sweep(points, table1_where("tuned", "owt2"), counting="param_count").sum())
    assert from_json["n_runs"] == from_csv["n_runs"] == n_points > 100
    assert from_json["a"] == from_csv["a"] and from_json["a_interval"] == from_csv["a_interval"]
    assert abs(from_json["a"] - 0.518) < 0.03  # Table 1, OpenWebText2, tuned


def test_runs_lacking_a_size_are_refused_naming_what_they_need(capsys, tmp_path: Path) -> None:
    path = tmp_path / "no_sizes.csv"
    pd.DataFrame({"compute": [1e18, 1e18, 1e19], "loss": [3.1, 3.0, 2.9]}).to_csv(path, index=False)
    status, out, err = run(capsys, str(path))
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "no run has what a fit needs" in err and "needs params" in err
