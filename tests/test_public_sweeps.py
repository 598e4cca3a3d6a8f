"""Public sweeps fetched for issue 17 item 7, read as released (tests/fixtures/real-logs/<source>/,
each with its licence and SOURCE.txt): no options or at most a loss pick, the number of runs counted
independently from the raw file with pandas, and a derived value checked against the source's own
definition or its paper's number."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_core.cli import main
from scaling_core.runs import read_runs
from scaling_core.runs.formats import read_sources
from scaling_core.runs.limits import LimitExceeded, Limits, ReadBudget
from scaling_core.runs.report import RunLogError
from tests.conftest import REAL_LOGS

OLMO_CORE = REAL_LOGS / "olmo-core-ladder-2026"
OLMO_CORE_CSV = OLMO_CORE / "ladder_comparison_data.csv"
OLMO_WSD = REAL_LOGS / "olmo-ladder-decay-2024"
COLPRET_OPT = REAL_LOGS / "colpret-opt-2024"
COLPRET_GZIP = REAL_LOGS / "colpret-gzip-2024"
KEMPNER_MX = REAL_LOGS / "kempner-mx-2025"
#: Every fetched sweep (issue 17 item 7), each with its licence and SOURCE.txt.
FETCHED = [OLMO_CORE, OLMO_WSD, COLPRET_OPT, COLPRET_GZIP, KEMPNER_MX]

needs_fixtures = pytest.mark.skipif(
    not OLMO_CORE_CSV.exists(), reason=f"fetched sweeps not at {REAL_LOGS} (set REAL_LOGS)"
)


def _json(capsys, *argv: str) -> dict:
    status = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)


@needs_fixtures
def test_every_fetched_sweep_keeps_its_licence_and_provenance() -> None:
    for folder in FETCHED:
        assert any(p.name.startswith("LICENSE") for p in folder.iterdir()), folder
        source = (folder / "SOURCE.txt").read_text()
        assert re.search(r"[0-9a-f]{40}", source), "SOURCE.txt names the commit"
        assert "License:" in source


@needs_fixtures
def test_olmo_core_ladder_reads_with_no_options(capsys) -> None:
    """AI2's OLMo-core ladder comparison (Apache-2.0): one row per W&B run, compute in PFLOP."""
    raw = pd.read_csv(OLMO_CORE_CSV)
    payload = _json(capsys, "read", str(OLMO_CORE))
    usable = [r for r in payload["runs"] if not r["needs"]]
    assert len(payload["runs"]) == raw["group_name"].nunique() == len(raw) == 169
    # The file's own is_finished column: its 8 False runs stopped early (counted by pandas on
    # the raw file) and are listed as needing a finish, not read as final points.
    assert len(usable) == int(raw["is_finished"].sum()) == 161
    stopped = [r for r in payload["runs"] if "a finish" in r["needs"]]
    assert len(stopped) == int((~raw["is_finished"]).sum()) == 8
    assert all("'is_finished' is False" in r["needs"] for r in stopped)
    assert payload["roles"]["compute"] == "throughput/total petaflops"
    assert payload["roles"]["loss"] == "eval/lm/c4_en-validation/CE loss"
    # Independent value: the ladder defines its runs by chinchilla_multiple (k xC = 20·k tokens
    # per parameter, Hoffmann et al. 2022); tokens derived as C/(6N) from the PFLOP column must
    # sit near it (nominal sizes and 6ND ignore attention FLOP, so within 35%, not exactly).
    # A PFLOP misread as FLOP or TFLOP would be off by 1e3 or more.
    by_group = {r["run"].split("group_name=")[-1].rstrip("]"): r for r in payload["runs"]}
    finished = raw[raw["is_finished"] & (raw["experiment"] == "v1-baseline")]
    assert len(finished) == 13
    for row in finished.itertuples():
        run = by_group[row.group_name]
        multiple = float(str(row.chinchilla_multiple).rstrip("xC"))
        ratio = run["tokens"] / run["params"] / (20.0 * multiple)
        assert 0.9 < ratio < 1.35, (row.group_name, ratio)
    # The multiples of one size are exact compute ratios in the file: 260M at 1, 2, 4, 8 xC.
    small = [by_group[f"ri-olmo-v1-260m-{k}xC"]["tokens"] for k in (1, 2, 4, 8)]
    assert np.allclose(np.array(small) / small[0], [1, 2, 4, 8], rtol=1e-3)


@needs_fixtures
def test_olmo_core_ladder_unfinished_as_final_uses_every_run(capsys) -> None:
    raw = pd.read_csv(OLMO_CORE_CSV)
    payload = _json(capsys, "read", str(OLMO_CORE), "--unfinished-as-final")
    assert sum(not r["needs"] for r in payload["runs"]) == len(raw) == 169


def test_a_tracker_state_column_marks_curves_unfinished() -> None:
    """Learning curves (one row per logged step) with a W&B-style ``state`` column: the
    crashed and the running run are not final points; ``unfinished_as_final`` uses them."""
    rows = ["run,params,step,tokens,loss,state"]
    for run, state in (("a", "finished"), ("b", "crashed"), ("c", "running")):
        for k in range(1, 4):
            rows.append(f"{run},1e8,{k * 100},{k * 1e9:.0f},{4 - 0.1 * k:.2f},{state}")
    table = ("\n".join(rows) + "\n").encode()
    read = read_runs([("curves.csv", table)])
    needs = dict(zip(read.per_run["run"], read.per_run["needs"], strict=True))
    assert needs["a"] == ""
    assert "'state' is crashed" in needs["b"] and "'state' is running" in needs["c"]
    assert set(read.log.curves["run"]) == {"a"}
    both = read_runs([("curves.csv", table)], unfinished_as_final=True)
    assert set(both.per_run["needs"]) == {""}


def test_a_status_column_of_other_words_is_not_a_run_state() -> None:
    table = b"run,params,tokens,loss,status\nx,1e8,2e9,3.1,baseline\ny,2e8,2e9,3.0,crashed\n"
    read = read_runs([("runs.csv", table)])
    assert set(read.per_run["needs"]) == {""}  # 'baseline' is no run state: column not read


@needs_fixtures
def test_olmo_core_ladder_fits_one_variant(capsys) -> None:
    raw = pd.read_csv(OLMO_CORE_CSV)
    payload = _json(capsys, "fit", str(OLMO_CORE), "--where", "experiment=ri-olmo-v2")
    assert payload["n_runs"] == int((raw["experiment"] == "ri-olmo-v2").sum()) == 18
    # The ladder spans 260M-8B and 1-12xC: every constant determined, a in the 0.3-0.6 that
    # published Chinchilla-form fits report (Hoffmann et al. 2022 Table A2: 0.46-0.51; Porian et
    # al. 2024: 0.50); measured 0.33.
    assert all(payload["determined"].values())
    assert 0.25 < payload["derived"]["a"] < 0.6
    assert payload["residuals"]["rms"] < 0.01  # measured 0.0034


@needs_fixtures
def test_fetched_sweeps_are_small() -> None:
    for folder in FETCHED:
        for path in Path(folder).iterdir():
            assert path.stat().st_size < 2_000_000, path


# ------------------------------------------------------------------ OLMo ladder, WSD decay branches

#: Exact parameter counts of the ladder's sizes: MODEL_PARAMS in OLMo's
#: scripts/scaling/flops_calculation.py (as quoted in ../olmo-ladder/SOURCE.txt).
OLMO_MODEL_PARAMS = {
    "190M": 190354176,
    "370M": 371262464,
    "760M": 758220288,
    "1B": 1279395840,
    "3B": 3169537280,
}


@needs_fixtures
def test_olmo_ladder_decay_reads_with_no_options(capsys) -> None:
    """The ladder's warmup-stable-decay branches (Apache-2.0): one W&B history per run, the
    decay phase only; params from the size in each file name, tokens from the file."""
    files = sorted(OLMO_WSD.glob("*.csv"))
    raw = {f.stem: pd.read_csv(f) for f in files}
    payload = _json(capsys, "read", str(OLMO_WSD))
    runs = {r["run"]: r for r in payload["runs"]}
    assert len(runs) == len(raw) == 25 and not any(r["needs"] for r in runs.values())
    assert payload["roles"]["loss"] == "eval/c4_en-validation/CrossEntropyLoss"
    for name, frame in raw.items():
        last = frame.iloc[-1]
        assert runs[name]["tokens"] == float(last["throughput/total_tokens"])
        assert runs[name]["final_loss"] == pytest.approx(
            last["eval/c4_en-validation/CrossEntropyLoss"], rel=1e-12
        )
        # Independent value: the ladder's runs are k x Chinchilla, 20 tokens per parameter of
        # the exact counts in OLMo's MODEL_PARAMS (Bhagia et al. 2024, sec. 2): within 1%.
        size, multiple = name.split("-")
        expected = 20.0 * float(multiple.rstrip("xC")) * OLMO_MODEL_PARAMS[size]
        assert runs[name]["tokens"] / expected == pytest.approx(1.0, abs=0.01), name


@needs_fixtures
def test_olmo_ladder_decay_fits_every_run(capsys) -> None:
    payload = _json(capsys, "fit", str(OLMO_WSD))
    assert payload["n_runs"] == len(list(OLMO_WSD.glob("*.csv"))) == 25
    # Five sizes over 16x and five token multiples over 20x: every constant determined; a in the
    # 0.3-0.6 of published Chinchilla-form fits (Hoffmann et al. 2022 Table A2: 0.46-0.51);
    # measured 0.35 (nominal sizes), beside OLMo-core's ladder 0.33.
    assert all(payload["determined"].values())
    assert 0.25 < payload["derived"]["a"] < 0.6
    assert payload["residuals"]["rms"] < 0.01  # measured 0.0059


# ------------------------------------------------------------------ OPT trajectories (IBM/ColPret)

#: Tokens per optimizer step of each OPT size: the batch sizes of Zhang et al. 2022 (OPT,
#: arXiv:2205.01068), Table 1.
OPT_BATCH_TOKENS = {"125m": 0.5e6, "1.3b": 1e6, "6.7b": 2e6, "13b": 4e6, "30b": 4e6, "175b": 2e6}
OPT_PARAMS = {"125m": 125e6, "1.3b": 1.3e9, "6.7b": 6.7e9, "13b": 13e9, "30b": 30e9, "175b": 175e9}


@needs_fixtures
def test_colpret_opt_trajectories_read_with_no_options(capsys) -> None:
    """ColPret's OPT checkpoints (MIT): one family label over six sizes, tokens and FLOP as
    base-10 logs, validation perplexity."""
    raw = pd.read_csv(COLPRET_OPT / "opt_trajectories.csv")
    payload = _json(capsys, "read", str(COLPRET_OPT))
    runs = {r["params"]: r for r in payload["runs"]}
    assert len(runs) == raw["model_size"].nunique() == 6
    assert not any(r["needs"] for r in runs.values())
    assert payload["roles"]["tokens"] == "num_token"
    for size, frame in raw.groupby("model_size"):
        run = runs[OPT_PARAMS[size]]
        last = frame.loc[frame["steps"].idxmax()]
        assert run["final_loss"] == pytest.approx(np.log(last["ppl"]), rel=1e-12)
        # Independent value: tokens read from the log column, per optimizer step, are the batch
        # size OPT's Table 1 gives each size (a misread log would be off by ten decades).
        assert run["tokens"] / last["steps"] == pytest.approx(OPT_BATCH_TOKENS[size], rel=0.01)


@needs_fixtures
def test_colpret_opt_trajectories_fit_the_power_in_n(capsys) -> None:
    payload = _json(capsys, "fit", str(COLPRET_OPT))
    assert payload["n_runs"] == 6 and payload["form"] == "power-n"
    # One planned D (~280B tokens) for 125M-175B: the N exponent alpha lies in the 0.07-0.35 of
    # published fits (Kaplan et al. 2020: 0.076 in L(N) without E; Hoffmann et al. 2022: 0.34).
    assert 0.07 < payload["params"]["alpha"] < 0.4


def _log_table(header: tuple[str, str, str, str], rows: list[tuple[float, float, float]]) -> bytes:
    lines = [",".join(header)]
    lines += [f"r{i},{n:.6g},{d:.6g},{loss:.4f}" for i, (n, d, loss) in enumerate(rows)]
    return ("\n".join(lines) + "\n").encode()


GRID = [(n, d, 2.0 + 400 / n**0.34 + 400 / d**0.28) for n in (1e8, 4e8) for d in (2e9, 8e9)]


def test_a_column_named_as_a_log_reads_as_its_counts() -> None:
    """``log10_tokens`` and ``log_params`` hold base-10 logs: the runs equal those of the same
    table written as counts."""
    plain = read_runs([("runs.csv", _log_table(("run", "params", "tokens", "loss"), GRID))])
    logged = [(np.log10(n), np.log10(d), loss) for n, d, loss in GRID]
    header = ("run", "log_params", "log10_tokens", "loss")
    read = read_runs([("runs.csv", _log_table(header, logged))])
    assert read.mapping.columns["tokens"] == "log10_tokens"
    assert read.mapping.columns["params"] == "log_params"
    for role in ("params", "tokens"):
        assert np.allclose(read.per_run[role], plain.per_run[role], rtol=1e-5)
    assert any("'log10_tokens' holds base-10 logs (its name says so" in n for n in read.notes)


def test_log_named_values_past_forty_are_read_as_counts() -> None:
    read = read_runs([("runs.csv", _log_table(("run", "params", "log_tokens", "loss"), GRID))])
    assert np.allclose(sorted(read.per_run["tokens"]), sorted(d for _, d, _ in GRID))
    assert any("named like a logarithm but has values outside" in n for n in read.notes)


def test_small_counts_off_c_equals_6nd_are_not_logs() -> None:
    """Tokens in billions and compute in PF-days are small numbers too, but they do not
    satisfy compute = log10(6N) + tokens: read as they are."""
    table = b"run,params,tokens,flops,loss\na,1e8,2.5,1.7,3.1\nb,4e8,10,27.8,2.9\n"
    read = read_runs([("runs.csv", table)])
    assert sorted(read.per_run["tokens"]) == [2.5, 10.0]
    assert not any("base-10 logs" in n for n in read.notes)


def test_a_label_over_sizes_with_one_curve_each_is_a_family() -> None:
    """One label over two sizes, each size a learning curve: two runs (one per size), as
    ColPret's "OPT" label; the same label over one row per size stays a sweep label."""
    rows = ["model_name,params,step,tokens,loss"]
    for n in (1e8, 4e8):
        rows += [f"opt,{n:.0f},{k},{k * 1e9:.0f},{4 - 0.1 * k - n / 1e9:.3f}" for k in (1, 2, 3)]
    read = read_runs([("curves.csv", ("\n".join(rows) + "\n").encode())])
    assert sorted(read.per_run["run"]) == ["opt N=1e+08", "opt N=4e+08"]
    assert sorted(read.per_run["rows"]) == [3, 3]
    one_each = ["model_name,params,tokens,loss", "opt,1e8,2e9,3.5", "opt,4e8,2e9,3.2"]
    read = read_runs([("points.csv", ("\n".join(one_each) + "\n").encode())])
    assert len(read.per_run) == 2 and all(" line " in r for r in read.per_run["run"])


# ------------------------------------------------------------------ Pandey 2024's gzip sweep (IBM/ColPret)


def _gzip_raw() -> pd.DataFrame:
    return pd.read_json(COLPRET_GZIP / "results_new.jsonl", lines=True)


@needs_fixtures
def test_colpret_gzip_sweep_reads_with_no_options(capsys) -> None:
    """Pandey 2024's runs (MIT): one JSON line per run, losses as lists of evaluations."""
    raw = _gzip_raw()
    payload = _json(capsys, "read", str(COLPRET_GZIP))
    runs = payload["runs"]
    assert len(runs) == len(raw) == 150 and not any(r["needs"] for r in runs)
    assert payload["roles"]["loss"] == "valid_loss"
    last = [v[-1] for v in raw["valid_loss"]]
    assert [r["final_loss"] for r in runs] == pytest.approx(last, rel=1e-12)
    assert [r["tokens"] for r in runs] == raw["token_ct"].astype(float).tolist()
    # Independent value: each line's parameter count from its own architecture, a Llama model
    # with untied embedding and output (2·V·h), L layers of attention (4h²), a gated MLP (3·h·f)
    # and two RMSNorms (2h), and the final norm (h).
    stats = pd.json_normalize(raw["model_stats"].tolist())
    h, f, n_layers = stats["hidden_size"], stats["intermediate_size"], stats["num_hidden_layers"]
    llama = 2 * stats["vocab_size"] * h + n_layers * (4 * h**2 + 3 * h * f + 2 * h) + h
    assert [r["params"] for r in runs] == llama.astype(float).tolist()


@needs_fixtures
def test_colpret_gzip_sweep_fits_one_dataset(capsys) -> None:
    raw = _gzip_raw()
    payload = _json(capsys, "fit", str(COLPRET_GZIP), "--where", "dataset_name=/gzipscale-0.45-10M")
    assert payload["n_runs"] == int((raw["dataset_name"] == "/gzipscale-0.45-10M").sum()) == 30


# ------------------------------------------------------------------ Su et al. 2025's bf16 IsoFLOP sweep


def _kempner_raw() -> pd.DataFrame:
    return pd.read_csv(KEMPNER_MX / "bf16_bf16.csv")


#: The compute budgets of the sweep (the repository's olmo/configs/sweeps/scale.py):
#: np.geomspace(2e17, 1e19, 6) and 2.2e19 FLOP.
KEMPNER_BUDGETS = [*np.geomspace(2e17, 1e19, 6), 2.2e19]


@needs_fixtures
def test_kempner_mx_baseline_reads_with_no_options(capsys) -> None:
    """Su et al. 2025's full-precision baseline (MIT): a W&B run table of 492 columns, every
    run named alike ("fp32_fp32"), N, D and C as columns, the last evaluation loss."""
    raw = _kempner_raw()
    payload = _json(capsys, "read", str(KEMPNER_MX))
    runs = payload["runs"]
    assert len(runs) == len(raw) == 80 and not any(r["needs"] for r in runs)
    assert payload["roles"]["loss"] == "val_loss"
    assert sorted(r["final_loss"] for r in runs) == pytest.approx(sorted(raw["val_loss"]))
    # Independent values from each row's own configuration: tokens are steps x sequences per
    # step x context length, and N is the OLMo count of its shape (attention and MLP 12·L·d²,
    # untied input and output embeddings 2·V·d, four LayerNorm weight vectors per block and
    # the final one).
    d, n_layers = raw["model.d_model"], raw["model.n_layers"]
    tokens = raw["max_duration"] * raw["training.batch_size"] * raw["model.context_length"]
    olmo = 12 * n_layers * d**2 + 2 * raw["model.vocab_size"] * d + (4 * n_layers + 1) * d
    read = sorted((r["params"], r["tokens"]) for r in runs)
    assert read == sorted(zip(olmo.astype(float), tokens.astype(float), strict=True))
    # Each run's compute is one of the sweep's seven budgets and C = 6ND within 0.1%.
    flops = raw["total_flops"].astype(float)
    assert all(np.isclose(c, KEMPNER_BUDGETS, rtol=1e-9).any() for c in flops)
    assert np.allclose(6 * olmo.astype(float) * tokens.astype(float), flops, rtol=1e-3)


@needs_fixtures
def test_kempner_mx_baseline_fits_the_isoflop_allocation(capsys) -> None:
    raw = _kempner_raw()
    payload = _json(capsys, "fit", str(KEMPNER_MX))
    assert payload["n_runs"] == len(raw) == 80 and payload["form"] == "chinchilla"
    assert payload["determined"]["a"]
    # Independent value (Hoffmann et al. 2022, Approach 2, done here with numpy alone): a
    # parabola in log N through each budget's losses (the one run that ends on a loss spike
    # left out) puts N_opt at its vertex; the slope of log N_opt on log C is a.
    vertices, counted = [], 0
    for budget in KEMPNER_BUDGETS:
        runs = raw[np.isclose(raw["total_flops"].astype(float), budget, rtol=1e-9)]
        counted += len(runs)
        runs = runs[runs["val_loss"] < runs["min_val_loss"] + 0.5]
        c2, c1, _ = np.polyfit(np.log(runs["params"].astype(float)), runs["val_loss"], 2)
        vertices.append(-c1 / (2 * c2))
    assert counted == 80
    approach2 = np.polyfit(np.log(KEMPNER_BUDGETS), vertices, 1)[0]
    assert approach2 == pytest.approx(0.499, abs=0.005)
    assert payload["derived"]["a"] == pytest.approx(approach2, abs=0.03)


def test_a_loss_logged_as_a_list_reads_as_its_last_value() -> None:
    lines = [
        '{"run": "a", "params": 1e8, "tokens": 2e9, "valid_loss": [3.5, 3.2, 3.1], "gzip": [0.1, 0.2]}',
        '{"run": "b", "params": 4e8, "tokens": 2e9, "valid_loss": [3.3, 2.9]}',
    ]
    read = read_runs([("runs.jsonl", ("\n".join(lines) + "\n").encode())])
    assert read.per_run.set_index("run")["final_loss"].to_dict() == {"a": 3.1, "b": 2.9}
    assert any("'valid_loss' holds a list of 2-3 evaluations" in n for n in read.notes)


def test_a_list_with_a_text_item_is_not_read_as_a_loss() -> None:
    lines = ['{"run": "a", "params": 1e8, "tokens": 2e9, "valid_loss": [3.5, "nan?"]}']
    with pytest.raises(RunLogError, match=r"loss '\[3.5, \"nan\?\"\]' is not a number"):
        read_runs([("runs.jsonl", ("\n".join(lines) + "\n").encode())])


def test_only_perplexity_columns_read_as_the_log_of_the_first() -> None:
    """IBM/ColPret's IBM_MoE.csv has 'wikitext ppl' and 'lambada_openai ppl' and no
    cross-entropy: the read used to stop with StopIteration instead of reading log(ppl)."""
    table = (
        b"run,params,tokens,wikitext ppl,lambada ppl\na,1e8,2e9,20.0,30.0\nb,4e8,2e9,15.0,25.0\n"
    )
    read = read_runs([("runs.csv", table)])
    assert read.mapping.columns["loss"] == "wikitext ppl"
    assert np.allclose(read.per_run["final_loss"], np.log([20.0, 15.0]))


# ------------------------------------------------------------------ gzip, as DeepMind's sweep is released


def _table(n_rows: int) -> bytes:
    rows = ["params,tokens,loss"] + [
        f"{1e8 * (1 + i % 7):.0f},{2e9 * (1 + i // 7):.0f},{3.5 - 0.01 * i:.4f}"
        for i in range(n_rows)
    ]
    return ("\n".join(rows) + "\n").encode()


def test_a_gzip_file_reads_as_the_table_inside() -> None:
    """A ``.csv.gz`` (google-deepmind/scaling_laws_for_routing ships ``data/curves.csv.gz``)
    gives the same runs as the plain CSV, compared value by value."""
    plain = read_runs([("runs.csv", _table(21))]).per_run
    packed = read_runs([("runs.csv.gz", gzip.compress(_table(21)))]).per_run
    columns = ["params", "tokens", "final_loss", "needs"]
    assert len(plain) == 21
    assert packed[columns].equals(plain[columns])


def test_a_gzip_bomb_stops_at_the_expansion_ratio() -> None:
    bomb = gzip.compress(b"0" * (20 * 1024 * 1024))  # 20 MiB of zeros in ~20 KiB
    assert len(bomb) * 200 < 20 * 1024 * 1024
    with pytest.raises(LimitExceeded, match=r"likely gzip bomb \(limit 200x"):
        read_sources([("bomb.csv.gz", bomb)], ReadBudget())


def test_a_gzip_past_the_file_limit_names_it() -> None:
    budget = ReadBudget(Limits(file_bytes=64 * 1024, member_ratio=10_000))
    with pytest.raises(LimitExceeded, match=r"per file"):
        read_sources([("big.csv.gz", gzip.compress(_table(5000)))], budget)


def test_a_broken_gzip_is_a_problem_not_a_crash() -> None:
    out = read_sources([("bad.csv.gz", b"\x1f\x8b\x08\x00garbage")], ReadBudget())
    assert not out.tables and out.problems and "not a readable gzip file" in out.problems[0][1]


# ------------------------------------------------------------------ DeepMind's routing sweep's columns


def _routing_table(params_columns: tuple[str, ...]) -> bytes:
    """Three runs in the columns of google-deepmind/scaling_laws_for_routing's curves.csv.gz
    (one row per 10,000 steps; a routed run's total count includes every expert)."""
    rows = [",".join(("hyper_id", "step", *params_columns, "loss_validation", "seed"))]
    for run, (dense, total) in enumerate([(1.5e7, 1.5e7), (1.3e8, 2.1e9), (3.7e8, 3.7e8)]):
        counts = {"dense_parameter_count": dense, "total_parameter_count": total}
        for step in (0, 10_000, 20_000, 30_000):
            cells = [str(run), str(step), *(f"{counts[c]:.0f}" for c in params_columns)]
            rows.append(",".join([*cells, f"{3.5 - 0.1 * run - step * 1e-6:.4f}", "42"]))
    return ("\n".join(rows) + "\n").encode()


def test_a_numeric_hyper_id_names_the_runs_and_the_dense_count_is_n() -> None:
    """Clark et al. 2022's N is the parameters one token passes through (their
    dense_parameter_count), not the total with every expert (P); hyper_id is each run."""
    read = read_runs(
        [("curves.csv", _routing_table(("total_parameter_count", "dense_parameter_count")))]
    )
    assert read.mapping.columns["run"] == "hyper_id"
    assert read.mapping.columns["params"] == "dense_parameter_count"
    per_run = read.per_run.set_index("run")
    assert list(per_run.index) == ["0", "1", "2"]
    assert per_run.loc["1", "params"] == 1.3e8  # not the 2.1e9 total
    # no tokens in the file: each run says so instead of being merged into one
    assert set(per_run["needs"]) == {"tokens (or tokens_per_step)"}


def test_a_total_parameter_count_alone_is_the_params() -> None:
    read = read_runs([("curves.csv", _routing_table(("total_parameter_count",)))])
    assert read.mapping.columns["params"] == "total_parameter_count"


def test_a_numeric_column_not_named_as_an_id_does_not_name_runs() -> None:
    table = b"seed,step,params,tokens,loss\n42,1,1e8,1e9,3.5\n42,2,1e8,2e9,3.4\n"
    assert read_runs([("curve.csv", table)]).mapping.columns["run"] != "seed"
