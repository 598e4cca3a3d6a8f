"""Each source format read from real files (or files the real tool writes), and broken variants.

Real logs: ../shared/real-logs (see its README and FORMATS.md). TensorBoard files are written by
TensorBoard's own EventFileWriter; the MLflow store in fixtures/ was written by mlflow-skinny
3.17.2's file store. Lightning and HF trainer_state files follow the key sets in FORMATS.md.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_core.runs import RunLogError, read_runs, read_sources
from tests.conftest import REAL_LOGS

ROOT = Path(__file__).resolve().parents[1]
REAL = REAL_LOGS
FIXTURES = ROOT / "tests" / "fixtures"
HISTORY = REAL / "olmo-ladder" / "wandb-history"
C4 = "eval/c4_en-validation/CrossEntropyLoss"

pytestmark = pytest.mark.skipif(
    not REAL.exists(), reason=f"real logs not at {REAL} (set REAL_LOGS)"
)


def _files(*paths: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in paths]


# --- W&B history (OLMo ladder) ---------------------------------------------------------------


def test_olmo_history_folder_roles_runs_and_lacking() -> None:
    result = read_runs([HISTORY])
    assert result.sources.formats["wandb-history"] == 41  # peteish7_eval_anneal has no _step
    assert len(result.per_run) == 42
    roles = result.mapping.columns
    assert roles["tokens"] == "throughput/total_tokens"
    assert roles["step"] == "_step"
    losses = result.mapping.candidates["loss"]
    assert len(losses) == 11 and all(c.endswith("-validation/CrossEntropyLoss") for c in losses)
    used = result.per_run[result.per_run["needs"] == ""]
    assert len(used) == 30
    assert sorted(set(used["params"])) == [190e6, 370e6, 760e6, 1e9, 3e9]
    assert set(used["params_source"]) == {"run name (nominal)"}
    assert set(used["tokens_source"]) == {"column 'throughput/total_tokens'"}
    lacking = result.lacking
    assert len(lacking) == 12 and all(r.startswith("peteish") for r in lacking["run"])
    assert set(lacking["needs"]) == {"params"}
    # tokens of the OLMo-2 runs come from _step × batch_size_in_tokens: 7B at 925k steps × 4Mi
    full7 = result.per_run.set_index("run").loc["peteish7_eval_full"]
    assert full7["tokens"] == pytest.approx(925_000 * 4_194_304)
    assert "batch_size_in_tokens" in full7["tokens_source"]


def test_olmo_runs_meta_fills_what_the_names_lack(tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_text("run,params\npeteish7_eval_full,7.3B\npeteish13_eval_full,13.7B\n")
    result = read_runs([HISTORY], columns={"loss": C4}, runs_meta=str(meta))
    table = result.per_run.set_index("run")
    assert table.loc["peteish7_eval_full", "params"] == 7.3e9
    assert table.loc["peteish7_eval_full", "params_source"] == "per-run table"
    assert table.loc["peteish7_eval_full", "needs"] == ""
    assert len(result.lacking) == 10
    assert "peteish7_eval_full" in set(result.log.runs["run"])


def test_runs_meta_naming_an_unknown_run_is_refused(tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_text("run,params\nno-such-run,1B\n")
    with pytest.raises(RunLogError, match="'no-such-run' is not among the runs read"):
        read_runs([HISTORY], runs_meta=str(meta))


def test_loss_override_changes_the_final_losses() -> None:
    pile = "eval/pile-validation/CrossEntropyLoss"
    result = read_runs([HISTORY / "1B-1xC.csv"], columns={"loss": pile})
    raw = pd.read_csv(HISTORY / "1B-1xC.csv")
    assert result.per_run.loc[0, "final_loss"] == pytest.approx(raw[pile].dropna().iloc[-1])
    with pytest.raises(RunLogError, match=r"no column 'eval/pile' for loss; did you mean"):
        read_runs([HISTORY / "1B-1xC.csv"], columns={"loss": "eval/pile"})


# --- W&B chart export and runs table ----------------------------------------------------------


def _chart_export(runs: dict[str, pd.DataFrame], metric: str) -> bytes:
    """A panel export as W&B writes it: Step, then '<run> - <metric>' with __MIN/__MAX copies."""
    wide = None
    for run, frame in runs.items():
        part = frame[["_step", metric]].rename(
            columns={"_step": "Step", metric: f"{run} - {metric}"}
        )
        part[f"{run} - {metric}__MIN"] = part[f"{run} - {metric}"]
        part[f"{run} - {metric}__MAX"] = part[f"{run} - {metric}"]
        wide = part if wide is None else wide.merge(part, on="Step", how="outer")
    return wide.to_csv(index=False).encode()


def test_wandb_chart_export_is_read_long_with_one_run_per_prefix() -> None:
    runs = {name: pd.read_csv(HISTORY / f"{name}.csv") for name in ("190M-1xC", "370M-1xC")}
    data = _chart_export(runs, C4)
    sources = read_sources([("wandb_export_2024-12-27.csv", data)])
    assert sources.formats == {"wandb-chart": 1}
    table = sources.tables[0].frame
    assert set(table["run"]) == {"190M-1xC", "370M-1xC"}
    assert "eval/c4_en-validation/CrossEntropyLoss__MIN" not in table.columns
    # tokens per step given for both runs (OLMo: 4 Mi... here 1 Mi tokens per step, as logged)
    tps = {
        n: float(f["throughput/total_tokens"].iloc[-1] / f["_step"].iloc[-1])
        for n, f in runs.items()
    }
    meta = pd.DataFrame({"run": list(tps), "tokens_per_step": list(tps.values())})
    result = read_runs([("wandb_export.csv", data)], runs_meta=meta)
    assert result.mapping.columns["step"] == "Step" and result.mapping.columns["run"] == "run"
    final = result.per_run.set_index("run")["final_loss"]
    assert final["190M-1xC"] == pytest.approx(runs["190M-1xC"][C4].dropna().iloc[-1])
    assert set(result.per_run["params_source"]) == {"run name (nominal)"}


def test_wandb_chart_export_without_metric_values_is_refused() -> None:
    data = b'Step,"run-a - _step","run-a - _step__MIN","run-a - _step__MAX"\n1,1,1,1\n2,2,2,2\n'
    with pytest.raises(
        RunLogError, match="W&B chart export with runs 'run-a' but no metric values"
    ):
        read_runs([("wandb_export.csv", data)])


def test_wandb_runs_table_with_dotted_config_counts_parameters() -> None:
    gadre = pd.read_csv(REAL / "gadre-2024" / "gadre2024_final_losses.csv").head(12)
    shape = gadre["model"].str.extract(r"d=(\d+)_l=(\d+)").astype(float)
    table = pd.DataFrame(
        {
            "Name": gadre["name"],
            "State": "finished",
            "Created": "2024-03-01T00:00:00",
            "model.d_model": shape[0],
            "model.n_layers": shape[1],
            "model.vocab_size": 50432,
            "throughput/total_tokens": gadre["tokens"],
            "eval/c4_val/loss": gadre["loss_c4_val"],
        }
    ).dropna()
    result = read_runs(
        [("wandb_runs.csv", table.to_csv(index=False).encode())], count_embeddings=True
    )
    assert result.sources.formats == {"wandb-runs": 1}
    assert result.mapping.columns["run"] == "Name"
    assert result.mapping.columns["loss"] == "eval/c4_val/loss"
    got = result.per_run.set_index("run")
    for row in table.itertuples(index=False):
        d, layers = row[3], row[4]
        expected = 12 * layers * d * d + 2 * 50432 * d
        assert got.loc[row.Name, "params"] == pytest.approx(expected)
        assert got.loc[row.Name, "params_source"].startswith("config (model.n_layers=")
    without = read_runs([("wandb_runs.csv", table.to_csv(index=False).encode())])  # default
    first = table.iloc[0]
    assert without.per_run.set_index("run").loc[first["Name"], "params"] == pytest.approx(
        12 * first["model.n_layers"] * first["model.d_model"] ** 2
    )


# --- JSON and JSON Lines ----------------------------------------------------------------------


def test_gadre_nested_json_flattened_with_dotted_keys() -> None:
    files = sorted((REAL / "gadre-2024" / "runs-json").glob("*.json"))
    result = read_runs(files[:10], columns={"loss": "results.1.loss"})
    assert result.sources.formats == {"json": 10}
    assert result.mapping.columns["params"] == "hyperparameters.params"
    assert result.mapping.columns["tokens"] == "hyperparameters.tokens"
    first = json.loads(files[0].read_text())
    row = result.per_run.set_index("run").loc[first["name"]]
    assert row["final_loss"] == pytest.approx(first["results"][1]["loss"])
    assert "c4_val" in first["results"][1]["val_data"][0]
    assert row["params"] == first["hyperparameters"]["params"]


def test_one_object_json_files_combine_in_order_around_other_tables() -> None:
    # Gadre et al.'s files hold one run each; they are combined into one frame at once
    # (`RecordTable`), so check every cell against the JSON itself, with a CSV log between
    # them: rows stay in file order, each file names only its own keys, a key one file lacks
    # is blank there, and a value given as null in one file stays blank.
    from scaling_core.runs.collect import load

    files = sorted((REAL / "gadre-2024" / "runs-json").glob("*.json"))[:6]
    docs = [json.loads(f.read_text()) for f in files]
    docs[4].pop("dataset_uuid")
    docs[5]["hyperparameters"]["warmup"] = None
    items = [(f.name, json.dumps(d).encode()) for f, d in zip(files, docs, strict=True)]
    items.insert(3, ("middle.csv", b"step,loss\n10,3.5\n20,3.25\n"))
    loaded = load(items)
    frame = loaded.frame
    assert frame["__source__"].tolist() == [n for n, _ in items[:3]] + ["middle.csv"] * 2 + [
        n for n, _ in items[4:]
    ]
    assert frame["__line__"].tolist() == [1, 1, 1, 2, 3, 1, 1, 1]  # a CSV header is line 1
    json_rows = frame[frame["__format__"] == "json"].reset_index(drop=True)
    for i, doc in enumerate(docs):
        row = json_rows.iloc[i]
        assert row["name"] == doc["name"]
        assert row["hyperparameters.params"] == doc["hyperparameters"]["params"]
        assert row["hyperparameters.tokens"] == doc["hyperparameters"]["tokens"]
        assert row["results.1.loss"] == pytest.approx(doc["results"][1]["loss"])
        if "dataset_uuid" in doc:
            assert row["dataset_uuid"] == doc["dataset_uuid"]
        else:
            assert pd.isna(row["dataset_uuid"])
    assert pd.isna(json_rows.loc[5, "hyperparameters.warmup"])
    assert json_rows.loc[4, "hyperparameters.warmup"] == docs[4]["hyperparameters"]["warmup"]
    csv_rows = frame[frame["__source__"] == "middle.csv"]
    assert csv_rows["loss"].tolist() == [3.5, 3.25] and csv_rows["name"].isna().all()
    assert "dataset_uuid" not in loaded.present[items[5][0]]
    assert "dataset_uuid" in loaded.present[items[0][0]]
    assert "name" not in loaded.present["middle.csv"]
    # what a read keeps of each table once its rows are in the frame: names, not rows
    assert all(len(t.frame) == 0 for t in loaded.sources.tables)


def test_truncated_json_names_line_and_column() -> None:
    path = next((REAL / "gadre-2024" / "runs-json").glob("*.json"))
    data = path.read_bytes()[:700]
    with pytest.raises(
        RunLogError, match=r"json: not valid JSON at line \d+, column \d+: .*looks truncated"
    ):
        read_runs([(path.name, data)])


def test_gemstones_jsonl_and_a_truncated_last_line() -> None:
    path = REAL / "gemstones-2025" / "wandb_df_for_fitting_hot.jsonl"
    result = read_runs([path])
    assert result.mapping.columns["params"] == "params_active_precise"
    assert result.mapping.columns["loss"] == "final_loss"
    assert len(result.per_run) == 22 and (result.per_run["needs"] == "").all()
    data = path.read_bytes()
    cut = data[: len(data) - 40]
    partial = read_runs([("hot.jsonl", cut)])
    assert any("skipped 1 lines that are not JSON objects: line 220" in n for n in partial.notes)
    assert partial.log.report.n_rows_kept == 219


def test_perplexity_is_offered_as_log_ppl() -> None:
    path = REAL / "pythia" / "pythia_v1_lambada_by_checkpoint.csv"
    chosen = read_runs([path], columns={"loss": "lambada_ppl"})
    assert chosen.mapping.loss_is_perplexity
    assert "lambada_ppl" in chosen.mapping.perplexity
    assert any("loss = log(lambada_ppl)" in n for n in chosen.notes)
    nll = read_runs([path], columns={"loss": "lambada_nll"})
    a = chosen.per_run.set_index("run")["final_loss"]
    b = nll.per_run.set_index("run")["final_loss"]
    np.testing.assert_allclose(a.sort_index(), b.sort_index(), rtol=1e-3)


# --- Hugging Face trainer_state.json ------------------------------------------------------------


def _trainer_state() -> dict:
    history = []
    for step in range(50, 1001, 50):
        tokens = step * 8 * 1024
        history.append(
            {
                "epoch": step / 1000,
                "grad_norm": 1.1,
                "learning_rate": 5e-5,
                "loss": 2.0 + 30 / step**0.5,
                "num_input_tokens_seen": tokens,
                "step": step,
            }
        )
        if step % 200 == 0:
            history.append(
                {
                    "epoch": step / 1000,
                    "eval_loss": 2.1 + 30 / step**0.5,
                    "eval_runtime": 12.3,
                    "eval_samples_per_second": 40.1,
                    "eval_steps_per_second": 1.2,
                    "step": step,
                }
            )
    history.append(
        {
            "epoch": 1.0,
            "step": 1000,
            "total_flos": 2.2e17,
            "train_loss": 2.6,
            "train_runtime": 3862.4,
            "train_samples_per_second": 2.1,
            "train_steps_per_second": 0.26,
        }
    )
    return {
        "epoch": 1.0,
        "global_step": 1000,
        "max_steps": 1000,
        "logging_steps": 50,
        "eval_steps": 200,
        "save_steps": 500,
        "train_batch_size": 8,
        "num_train_epochs": 1,
        "num_input_tokens_seen": 1000 * 8 * 1024,
        "total_flos": 2.2e17,
        "log_history": history,
        "best_metric": None,
        "is_world_process_zero": True,
    }


def test_hf_trainer_state_uses_eval_loss_and_tokens_seen() -> None:
    name = "gpt-125M/checkpoint-1000/trainer_state.json"
    data = json.dumps(_trainer_state()).encode()
    result = read_runs([(name, data)])
    assert result.sources.formats == {"hf-trainer-state": 1}
    assert result.mapping.columns["loss"] == "eval_loss"
    assert result.mapping.columns["tokens"] == "num_input_tokens_seen"
    assert "train_loss" not in result.mapping.candidates["loss"]
    row = result.per_run.iloc[0]
    assert row["run"] == "gpt-125M" and row["params"] == 125e6
    assert row["final_loss"] == pytest.approx(2.1 + 30 / 1000**0.5)
    assert row["tokens"] == 1000 * 8 * 1024
    assert len(result.log.curves) == 5  # the five evaluations


def test_hf_trainer_state_with_empty_history_is_refused() -> None:
    with pytest.raises(RunLogError, match="empty log_history"):
        read_runs([("trainer_state.json", b'{"log_history": [], "global_step": 0}')])


# --- Lightning CSVLogger ----------------------------------------------------------------------


def _lightning_files(version: str, d_model: int, n_layer: int) -> list[tuple[str, bytes]]:
    n = 12 * n_layer * d_model**2
    rows = ["epoch,step,train_loss,val_loss"]
    for step in range(99, 2000, 100):
        tokens = (step + 1) * 32 * 512
        loss = 1.8 + 400 / n**0.34 + 410 / tokens**0.28
        rows.append(f"0,{step},{loss + 0.05:.5f},")
        if (step + 1) % 500 == 0:
            rows.append(f"0,{step},,{loss:.5f}")
    hparams = f"model:\n  n_layer: {n_layer}\n  d_model: {d_model}\ndata:\n  batch_size: 32\n  seq_len: 512\nlr: 0.0003\n"
    base = f"lightning_logs/{version}"
    return [
        (f"{base}/metrics.csv", "\n".join(rows).encode()),
        (f"{base}/hparams.yaml", hparams.encode()),
    ]


def test_lightning_metrics_with_hparams() -> None:
    files = _lightning_files("version_0", 512, 8) + _lightning_files("version_1", 768, 12)
    result = read_runs(files)
    assert result.sources.formats == {"lightning": 2}
    assert result.mapping.columns["loss"] == "val_loss"
    table = result.per_run.set_index("run")
    assert table.loc["lightning_logs/version_0", "params"] == 12 * 8 * 512**2
    assert table.loc["lightning_logs/version_1", "tokens"] == 1999 * 32 * 512  # last step logged
    assert (
        "config data.batch_size × data.seq_len"
        in table.loc["lightning_logs/version_0", "tokens_source"]
    )
    assert any("rows have no value in 'val_loss'" in n for n in result.notes)
    assert len(result.log.curves) == 8


def test_lightning_hparams_with_python_tags_is_reported() -> None:
    files = _lightning_files("version_0", 512, 8)
    files[1] = (files[1][0], b"model: !!python/object:foo.Bar {}\n")
    sources = read_sources(files)
    assert any("cannot read the YAML" in m for _, m in sources.problems)


# --- TensorBoard ------------------------------------------------------------------------------


def _write_events(folder: Path, n: float, tokens_per_step: int) -> None:
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(folder))
    for step in range(100, 1100, 100):
        loss = 1.8 + 400 / n**0.34 + 410 / (step * tokens_per_step) ** 0.28
        values = [
            Summary.Value(tag="val/loss", simple_value=loss),
            Summary.Value(tag="train/tokens", simple_value=step * tokens_per_step),
        ]
        writer.add_event(Event(step=step, wall_time=1.7e9 + step, summary=Summary(value=values)))
    writer.close()


def test_tensorboard_event_files_written_by_tensorboard(tmp_path: Path) -> None:
    for name, n in (("gpt-40M", 40e6), ("gpt-120M", 120e6)):
        (tmp_path / "runs" / name).mkdir(parents=True)
        _write_events(tmp_path / "runs" / name, n, 65536)
    result = read_runs([tmp_path / "runs"])
    assert result.sources.formats == {"tensorboard": 2}
    assert result.mapping.columns["loss"] == "val/loss"
    assert result.mapping.columns["tokens"] == "train/tokens"
    table = result.per_run.set_index("run")
    assert table.loc["gpt-120M", "params"] == 120e6
    assert table.loc["gpt-120M", "tokens"] == 1000 * 65536
    assert table.loc["gpt-40M", "final_loss"] == pytest.approx(
        1.8 + 400 / 40e6**0.34 + 410 / (1000 * 65536) ** 0.28, rel=1e-6
    )


def test_garbage_event_file_is_reported_not_misread() -> None:
    garbage = bytes(range(256)) * 40
    with pytest.raises(RunLogError, match=r"events.out.tfevents.1.host: no scalar values"):
        read_runs([("run/events.out.tfevents.1.host", garbage)])


# --- MLflow file store ------------------------------------------------------------------------


def test_mlflow_file_store_in_a_zip() -> None:
    result = read_runs([FIXTURES / "mlflow_mlruns.zip"])
    assert result.sources.formats == {"mlflow": 3}
    assert result.mapping.columns["loss"] == "val/loss"
    table = result.per_run.set_index("run")
    assert table.loc["mid-150M", "params"] == 12 * 12 * 1024**2  # params n_layer, d_model
    assert table.loc["mid-150M", "tokens"] == 1000 * 128 * 1024  # step × batch_size × seq_len
    n, d = 12 * 12 * 1024**2, 1000 * 128 * 1024
    assert table.loc["mid-150M", "final_loss"] == pytest.approx(1.7 + 400 / n**0.34 + 410 / d**0.28)


# --- archives ---------------------------------------------------------------------------------


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as handle:
        for name, data in members.items():
            handle.writestr(name, data)
    return buffer.getvalue()


def test_zip_of_history_files_reads_like_the_folder() -> None:
    names = ["190M-1xC.csv", "370M-1xC.csv", "LICENSE"]
    data = _zip(
        {
            f"ladder/{n}": (
                HISTORY / n if n != "LICENSE" else REAL / "olmo-ladder" / "LICENSE"
            ).read_bytes()
            for n in names
        }
    )
    result = read_runs([("ladder.zip", data)])
    assert sorted(result.per_run["run"]) == ["190M-1xC", "370M-1xC"]
    assert (
        "ladder.zip/ladder/LICENSE",
        "not a run log (licence, readme or metadata)",
    ) in result.sources.skipped


@pytest.mark.parametrize(
    ("member", "message"),
    [("../evil.csv", "climbs out with '..'"), ("/etc/evil.csv", "absolute path")],
)
def test_zip_with_escaping_names_is_refused(member: str, message: str) -> None:
    data = _zip({member: b"params,tokens,loss\n1,2,3\n"})
    with pytest.raises(RunLogError, match=message):
        read_runs([("bad.zip", data)])


def test_zip_bomb_is_refused() -> None:
    data = _zip({"big.csv": b"0" * (30 << 20)})
    assert len(data) < 100_000
    with pytest.raises(RunLogError, match="likely zip bomb"):
        read_runs([("bomb.zip", data)])


def test_one_broken_file_among_good_ones_is_listed_and_the_rest_read() -> None:
    files = [
        *_files(HISTORY / "190M-1xC.csv", HISTORY / "370M-1xC.csv"),
        ("broken.json", b'{"a": [1, 2'),
    ]
    result = read_runs(files)
    assert len(result.per_run) == 2
    assert result.sources.problems[0][0] == "broken.json"
    assert "not valid JSON" in result.sources.problems[0][1]


def test_file_names_give_nominal_sizes() -> None:
    from scaling_core.runs import size_from_name

    assert size_from_name("190M-1xC") == 190e6
    assert size_from_name("pythia-1.4b-deduped") == 1.4e9
    assert size_from_name("rw_original-open_lm_7b-1.0") == 7e9
    assert size_from_name("peteish7_medlr_eval_5k-205k") is None
    assert math.isclose(size_from_name("3B-10xC"), 3e9)


# --- a file cut short ------------------------------------------------------------------------


def test_a_csv_cut_mid_row_leaves_that_row_out_and_says_so():
    """Gadre et al.'s released CSV cut at 15,000 bytes, as an interrupted download leaves it:
    the last line stops after 14 of 21 fields with its loss cut to ``3.`` (3.1681 in the whole
    file). That row is left out with a note naming its line; every row before it reads as in
    the whole file."""
    whole = (REAL / "gadre-2024" / "gadre2024_final_losses.csv").read_bytes()
    cut = whole[:15000]
    assert cut.endswith(b",512,,3.")
    read = read_runs([("gadre.csv", cut)])
    notes = [n for n in read.notes if "cut short" in n]
    assert len(notes) == 1 and "line 55" in notes[0] and "14 of the header's 21" in notes[0]
    rows = pd.read_csv(io.BytesIO(whole))
    runs = read.log.runs.set_index("run")
    assert len(runs) == 53  # lines 2-54
    expected = rows.iloc[:53].set_index("name")["loss_c4_val"]
    assert runs.index.tolist() == expected.index.tolist()
    np.testing.assert_allclose(runs.loc[expected.index, "loss"], expected, rtol=1e-12)
    # a whole file that only lacks its final line end, or whose rows all omit trailing empty
    # fields alike, loses nothing
    assert not any("cut short" in n for n in read_runs([("g.csv", whole.rstrip(b"\n"))]).notes)
    assert len(read_runs([("g.csv", whole.rstrip(b"\n"))]).log.runs) == 104
    short = b"run,params,tokens,loss,note\nr1,1e8,2e9,3.1\nr2,2e8,4e9,2.9"
    read = read_runs([("s.csv", short)])
    assert len(read.log.runs) == 2 and not any("cut short" in n for n in read.notes)


def test_event_files_without_their_folders_stay_apart_by_writer():
    """The four event files of the two Hugging Face Trainer runs in real-logs, uploaded without
    their folders (as one picks files in a browser): two runs, one per process that wrote them
    (host vm, pids 808 and 807), each ending at the eval loss its folder's trainer_state.json
    logs last; they were read as one run, the second's steps over the first's."""
    out = REAL / "hf-trainer-output"
    files = sorted(out.glob("*/runs/*/events.out.tfevents.*"))
    assert len(files) == 4
    read = read_runs([(f.name, f.read_bytes()) for f in files])
    runs = read.log.runs.set_index("run")["loss"]
    for folder, pid in (("gpt-d48l2-C3e13", "808"), ("gpt-d64l3-C3e13", "807")):
        history = json.loads((out / folder / "trainer_state.json").read_text())["log_history"]
        last_eval = [e for e in history if "eval_loss" in e][-1]["eval_loss"]
        (name,) = [r for r in runs.index if r.endswith(f".vm.{pid}")]
        assert runs[name] == pytest.approx(last_eval, rel=1e-6)
    notes = [n for n in read.notes if "without their run folder" in n]
    assert len(notes) == 2 and all("upload the run folders" in n for n in notes)
    # in their folders (TensorBoard's log folders zipped) each run is named by its folder
    inside = read_runs([(f"{f.parent.name}/{f.name}", f.read_bytes()) for f in files])
    assert set(inside.log.runs["run"]) == {"Dec06_09-30-24_vm", "Dec06_09-30-27_vm"}
    assert not any("without their run folder" in n for n in inside.notes)


def test_when_no_file_can_be_used_each_is_named_with_its_reason():
    """Two unusable files uploaded together (a binary file named .csv and an empty one): the
    message names both with their reasons; it named neither and gave only the first reason."""
    with pytest.raises(RunLogError) as raised:
        read_runs([("garbage.csv", b"run,loss\n" + bytes(range(256))), ("empty.csv", b"")])
    message = str(raised.value)
    assert "garbage.csv: file contains a NUL byte" in message
    assert "empty.csv: the file is empty" in message


def test_two_files_of_one_name_are_both_read_and_not_called_skipped():
    """The two Hugging Face runs' trainer_state.json picked together (same name): both runs
    are read, told apart as (2); the name is listed as renamed, not as skipped (the page said
    'Skipped: trainer_state.json' of files it had read)."""
    out = REAL / "hf-trainer-output"
    files = [(p.name, p.read_bytes()) for p in sorted(out.glob("*/trainer_state.json"))]
    read = read_runs(files)
    assert sorted(read.log.runs["run"]) == ["trainer_state", "trainer_state (2)"]
    assert read.sources.skipped == []
    ((name, how),) = read.sources.renamed
    assert name == "trainer_state.json" and "all read" in how
    assert read.to_dict()["renamed"] == [{"file": name, "how": how}]


def test_runs_that_repeat_their_data_are_said_to():
    """Muennighoff et al.'s released final losses: 255 of 296 runs (pandas' count of epochs >
    1) trained for more than one epoch, up to 9,000; the read says that D counts repeated
    tokens, which are worth less. A file whose runs all see their data once says nothing."""
    path = REAL / "muennighoff-2023" / "datablations_final_val_losses.csv"
    raw = pd.read_csv(path)
    read = read_runs([path])
    (note,) = [n for n in read.notes if "repeat their data" in n]
    assert note.startswith(f"{(raw['epochs'] > 1).sum()} of {len(raw)} runs")
    assert "up to 9,000" in note and "Muennighoff et al. 2023, eq. 5" in note
    once = raw[raw["epochs"] == 1].to_csv(index=False).encode()
    assert not any("repeat their data" in n for n in read_runs([("once.csv", once)]).notes)


def test_broken_json_is_described_in_words():
    """A real trainer_state.json cut in half, and one with a colon deleted: the messages say
    where, in words (Python's own read 'Expecting ',' delimiter' at the cut and
    'Unterminated string starting at', the start of a sentence it does not finish)."""
    whole = (REAL / "hf-trainer-output" / "gpt-d48l2-C3e13" / "trainer_state.json").read_bytes()
    with pytest.raises(RunLogError) as cut:
        read_runs([("trainer_state.json", whole[: len(whole) // 2])])
    lines = whole[: len(whole) // 2].decode().rstrip().count("\n") + 1
    assert f"line {lines}," in str(cut.value)
    assert "the document stops here, unfinished (the file looks truncated" in str(cut.value)
    with pytest.raises(RunLogError) as colon:
        read_runs([("trainer_state.json", whole.replace(b'": ', b'" ', 1))])
    assert "line 2, column 22: a colon is missing here" in str(colon.value)
    assert "Expecting" not in str(cut.value) + str(colon.value)
