"""A trainer's output folder is one run (issue 17, item 1), on the two real Hugging Face
Trainer 5.17 output folders in tests/fixtures/real-logs/hf-trainer-output (config.json,
trainer_state.json, runs/<date>/events.out.tfevents.*, exactly as the Trainer left them).

Expected values come from the files themselves read with the json module (not through the
reader) and from GPT-2's architecture: the non-embedding parameters are counted tensor by tensor
below, independently of the reader's 12·L·d² (Kaplan et al. 2020, sec. 2.1)."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from scaling_core.cli import main
from scaling_core.runs import read_runs
from tests.conftest import REAL_LOGS

HF = REAL_LOGS / "hf-trainer-output"
FOLDERS = ("gpt-d48l2-C3e13", "gpt-d64l3-C3e13")

pytestmark = pytest.mark.skipif(not HF.exists(), reason=f"no {HF}")


def gpt2_non_embedding_params(config: dict) -> int:
    """GPT-2's non-embedding parameters counted by its tensors (Radford et al. 2019; the
    ``transformers`` GPT2Block): per block ln_1 and ln_2 (weight and bias, d each), attention
    c_attn (d × 3d + 3d) and c_proj (d × d + d), MLP c_fc (d × 4d + 4d) and c_proj (4d × d + d);
    then the final ln_f (2d). Token and position embeddings (and the tied head) left out."""
    d, layers = config["n_embd"], config["n_layer"]
    inner = config.get("n_inner") or 4 * d
    block = 2 * (2 * d) + (d * 3 * d + 3 * d) + (d * d + d) + (d * inner + inner) + (inner * d + d)
    return layers * block + 2 * d


def state_of(folder: str) -> dict:
    return json.loads((HF / folder / "trainer_state.json").read_text())


def last_eval_loss(folder: str) -> float:
    return [e["eval_loss"] for e in state_of(folder)["log_history"] if "eval_loss" in e][-1]


def test_tensor_count_matches_the_counts_given_with_the_runs() -> None:
    # SOURCE.txt: "Non-embedding parameters: gpt-d48l2 56,640; gpt-d64l3 150,080"
    counts = [
        gpt2_non_embedding_params(json.loads((HF / f / "config.json").read_text())) for f in FOLDERS
    ]
    assert counts == [56_640, 150_080]
    assert "56,640" in (HF / "SOURCE.txt").read_text()


def test_output_folder_reads_as_two_runs_with_no_options(capsys) -> None:
    assert main(["read", str(HF), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    runs = {r["run"]: r for r in payload["runs"]}
    assert sorted(runs) == list(FOLDERS)
    assert payload["formats"] == {"hf-trainer-state": 2}
    assert payload["roles"]["loss"] == "eval_loss"
    for folder in FOLDERS:
        run = runs[folder]
        config = json.loads((HF / folder / "config.json").read_text())
        expected = gpt2_non_embedding_params(config)
        assert run["needs"] == ""
        # GPT-2's tensors counted as the Trainer's total_flos counts them (12·L·d² alone was
        # 2.4% low on the d=48 run, so a folder with config.json disagreed with its
        # trainer_state.json read alone)
        assert run["params"] == expected
        assert run["params"] == state_of(folder)["total_flos"] / (6 * run["tokens"])
        assert "non-embedding" in run["params_source"]
        assert "n_layer" in run["params_source"] and "n_embd" in run["params_source"]
        # 150 steps of 128 × 256 tokens (SOURCE.txt), as the Trainer counted them
        assert run["tokens"] == 150 * 128 * 256 == state_of(folder)["num_input_tokens_seen"]
        assert run["tokens_source"] == "column 'num_input_tokens_seen'"
        assert run["final_loss"] == pytest.approx(last_eval_loss(folder))


def test_output_folder_text_report_names_every_source(capsys) -> None:
    assert main(["read", str(HF)]) == 0
    text = capsys.readouterr().out
    assert "Runs: 2 found, 2 usable" in text
    assert "embeddings not counted" in text
    assert "not read twice" in text


def test_embeddings_counted_on_request() -> None:
    with_emb = read_runs([HF], count_embeddings=True).per_run.set_index("run")
    config = json.loads((HF / FOLDERS[0] / "config.json").read_text())
    d, vocab = config["n_embd"], config["vocab_size"]
    assert config["tie_word_embeddings"] is True
    assert with_emb.loc[FOLDERS[0], "params"] == gpt2_non_embedding_params(config) + vocab * d


def test_folder_without_trainer_state_is_read_and_marked_unfinished(tmp_path) -> None:
    shutil.copytree(HF / FOLDERS[0], tmp_path / FOLDERS[0])
    (tmp_path / FOLDERS[0] / "trainer_state.json").unlink()
    read = read_runs([tmp_path])
    assert list(read.per_run["run"]) == [FOLDERS[0]]
    assert read.log is None
    assert read.per_run["needs"].iloc[0].startswith("a finish (events but no trainer_state.json")
    used = read_runs([tmp_path], unfinished_as_final=True)
    row = used.per_run.iloc[0]
    assert row["needs"] == ""
    # the events hold the same points as the state file the Trainer would have written
    assert row["final_loss"] == pytest.approx(last_eval_loss(FOLDERS[0]), rel=1e-6)
    assert row["tokens"] == state_of(FOLDERS[0])["num_input_tokens_seen"]


def test_unfinished_flag_on_the_command_line(tmp_path, capsys) -> None:
    shutil.copytree(HF / FOLDERS[0], tmp_path / FOLDERS[0])
    (tmp_path / FOLDERS[0] / "trainer_state.json").unlink()
    assert main(["read", str(tmp_path), "--unfinished-as-final", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [r["needs"] for r in payload["runs"]] == [""]


def test_separate_trainer_states_stay_separate_runs_named_by_their_folder(capsys) -> None:
    paths = [str(HF / f / "trainer_state.json") for f in FOLDERS]
    assert main(["read", *paths, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    runs = {r["run"]: r for r in payload["runs"]}
    assert sorted(runs) == list(FOLDERS)
    for folder in FOLDERS:
        assert runs[folder]["final_loss"] == pytest.approx(last_eval_loss(folder))
    # uploaded together, both named trainer_state.json: two runs, not one merged
    uploads = [
        ("trainer_state.json", (HF / f / "trainer_state.json").read_bytes()) for f in FOLDERS
    ]
    read = read_runs(uploads)
    assert len(read.per_run) == 2
    finals = sorted(read.per_run["final_loss"])
    assert finals == pytest.approx(sorted(last_eval_loss(f) for f in FOLDERS))


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent).as_posix())
    return buffer.getvalue()


def test_page_and_command_line_read_the_same_runs() -> None:
    from dashboard.fit_mapping import load_files, read_mapped

    cli = read_runs([HF]).per_run.set_index("run").sort_index()
    page = read_mapped(load_files((("hf.zip", _zipped(HF)),)), {}).per_run
    page = page.set_index("run").sort_index()
    assert list(page.index) == list(cli.index) == list(FOLDERS)
    for column in ("params", "tokens", "final_loss", "needs", "params_source", "tokens_source"):
        assert list(page[column]) == list(cli[column])


def test_state_saved_before_max_steps_is_unfinished(tmp_path) -> None:
    """Only a checkpoint's trainer_state.json, written at step 90 of 150 (the real state's
    entries up to step 90, global_step set to 90): the run stopped before the end."""
    run = tmp_path / FOLDERS[0]
    shutil.copytree(HF / FOLDERS[0], run)
    state = json.loads((run / "trainer_state.json").read_text())
    (run / "trainer_state.json").unlink()
    state["global_step"] = 90
    state["log_history"] = [e for e in state["log_history"] if e["step"] <= 90]
    (run / "checkpoint-90").mkdir()
    (run / "checkpoint-90" / "trainer_state.json").write_text(json.dumps(state))
    read = read_runs([tmp_path])
    row = read.per_run.iloc[0]
    assert row["run"] == FOLDERS[0]
    assert "step 90 of max_steps 150" in row["needs"]
    used = read_runs([tmp_path], unfinished_as_final=True).per_run.iloc[0]
    expected = [e["eval_loss"] for e in state["log_history"] if "eval_loss" in e][-1]
    assert used["final_loss"] == pytest.approx(expected)
    assert used["tokens"] == 90 * 128 * 256
