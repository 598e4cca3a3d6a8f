"""Per-run values that are not table columns (issue 17, items 1-2): Lightning ``hparams.yaml``
keys, MLflow ``params/``, a Trainer's config.json; an explicit count beats an estimate, any of them
can be named with ``--column ROLE=NAME``, and ``--runs-meta`` matches ``version_0``.

The files are written here in the layouts the trackers write (no public sweep ships these
formats with counts in them): Lightning 2.6's ``CSVLogger`` (``<name>/version_<n>/metrics.csv``,
the sorted union of logged keys with ``step``, and ``hparams.yaml`` beside it) and MLflow's
``FileStore`` (``mlruns/<experiment>/<run_id>/metrics/<key>`` lines ``<ms> <value> <step>``,
``params/<key>`` raw strings), as FORMATS.md records them from those packages' source."""

from __future__ import annotations

import json

import pytest

from scaling_core.cli import main
from scaling_core.runs import RunLogError, read_runs
from tests.conftest import REAL_LOGS

STEPS = range(0, 1000, 100)


def lightning(version: str, hparams: str, base: str = "lightning_logs") -> list[tuple[str, bytes]]:
    rows = ["epoch,step,train_loss,val_loss"]
    for step in STEPS:
        rows.append(f"0,{step},{3.5 - step / 1000:.4f},")
        rows.append(f"0,{step},,{3.4 - step / 1000:.4f}")
    return [
        (f"{base}/{version}/metrics.csv", "\n".join(rows).encode()),
        (f"{base}/{version}/hparams.yaml", hparams.encode()),
    ]


def test_lightning_counts_in_hparams_are_used() -> None:
    files = lightning("version_0", "non_embedding_params: 25165824\ntokens_per_step: 65536\n")
    read = read_runs(files)
    row = read.per_run.iloc[0]
    assert row["needs"] == ""
    assert row["params"] == 25_165_824
    assert row["params_source"] == "hparams.yaml 'non_embedding_params'"
    assert row["tokens_per_step"] == 65_536
    assert row["tokens"] == max(STEPS) * 65_536  # step × tokens per step at the last step
    assert "hparams.yaml 'tokens_per_step'" in row["tokens_per_step_source"]


def test_explicit_count_beats_the_estimate_from_the_shape() -> None:
    hparams = "n_layer: 8\nd_model: 512\nnon_embedding_params: 26000000\ntokens_per_step: 1024\n"
    row = read_runs(lightning("version_0", hparams)).per_run.iloc[0]
    assert 12 * 8 * 512**2 != 26_000_000
    assert row["params"] == 26_000_000


def mlflow(run_id: str, params: dict[str, str]) -> list[tuple[str, bytes]]:
    base = f"mlruns/1/{run_id}"
    loss = "\n".join(f"170000000{s} {4.0 - s / 500:.4f} {s}" for s in STEPS)
    files = [(f"{base}/metrics/val_loss", loss.encode())]
    files += [(f"{base}/params/{k}", v.encode()) for k, v in params.items()]
    files.append((f"{base}/tags/mlflow.runName", run_id.encode()))
    return files


def test_mlflow_params_are_per_run_values() -> None:
    read = read_runs(mlflow("small", {"n_params": "1.2e7", "tokens_per_step": "4096"}))
    row = read.per_run.iloc[0]
    assert row["needs"] == ""
    assert row["params"] == 1.2e7
    assert row["params_source"] == "MLflow params 'n_params'"
    assert row["tokens"] == max(STEPS) * 4096


def test_column_can_name_a_per_run_value(capsys, tmp_path) -> None:
    for path, data in lightning(
        "version_0", "size_in_params: 3.0e6\nbatch_tokens_per_update: 2048\n"
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    argv = ["read", str(tmp_path), "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["needs"] != ""
    named = [*argv, "--column", "params=size_in_params"]
    named += ["--column", "tokens_per_step=batch_tokens_per_update"]
    assert main(named) == 0
    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert (run["params"], run["tokens"]) == (3.0e6, max(STEPS) * 2048)
    assert run["params_source"] == "per-run value 'size_in_params'"
    assert main(["read", str(tmp_path), "--column", "params=nothing_like_it"]) == 2
    assert "no column 'nothing_like_it'" in capsys.readouterr().err


def test_config_json_key_can_be_named_on_a_trainer_folder(capsys) -> None:
    folder = REAL_LOGS / "hf-trainer-output"
    if not folder.exists():
        pytest.skip("no real HF folder")
    # an odd choice, but any per-run value can be named: the context length as "params"
    assert main(["read", str(folder), "--column", "params=n_positions", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert {r["params"] for r in runs} == {256}


def test_runs_meta_matches_the_last_part_of_a_run_path() -> None:
    files = lightning("version_0", "tokens_per_step: 1024\n")
    read = read_runs(files, runs_meta=b"run,params\nversion_0,5e6\n")
    row = read.per_run.iloc[0]
    assert (row["run"], row["params"], row["params_source"]) == (
        "lightning_logs/version_0",
        5e6,
        "per-run table",
    )
    two = lightning("version_0", "tokens_per_step: 1024\n", "a/lightning_logs")
    two += lightning("version_0", "tokens_per_step: 1024\n", "b/lightning_logs")
    with pytest.raises(RunLogError, match="could be any of"):
        read_runs(two, runs_meta=b"run,params\nversion_0,5e6\n")
