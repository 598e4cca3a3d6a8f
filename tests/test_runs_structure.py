"""Structure from the data and values derived both ways (issue 17, items 3-4).

The released files these shapes come from are not in the suite (no licence to copy them, or
not reachable from here), so each test writes a small file with the same columns, saying where
the shape comes from; the losses follow a known law, so the expected exponent is that law's
a = β / (α + β) (Hoffmann et al. 2022, eq. 4), not a number the code produced:

- apple/ml-scalefit's digitised Chinchilla IsoFLOP points: columns experiment, tokens, params,
  budget, loss; one row per finished run, ``experiment`` one label per budget (124 rows, 9
  budgets: 6e18 ... 3e21 FLOP, Hoffmann et al. 2022, Fig. 3).
- Llama 3's IsoFLOP runs (Dubey et al. 2024, sec. 3.2.1, Fig. 2: budgets 6e18 to 1e22 FLOP):
  compute_budget, training_tokens, validation_loss; no parameter count.
- Marin's W&B runs-table exports (FORMATS.md): "Name" such as ``isoflop-6e+19-d1024-L11``,
  "parameter_count", "throughput/total_tokens", "throughput/total_gflops" (GFLOP).

The law is Besiroglu et al. 2024's refit of Chinchilla (E 1.82, A 482.01, B 2085.43,
α 0.3478, β 0.3658), so a = 0.3658 / 0.7136 = 0.5126.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from scaling_core.cli import main
from scaling_core.runs import read_runs
from tests.conftest import REAL_LOGS

E, A, B, ALPHA, BETA = 1.82, 482.01, 2085.43, 0.3478, 0.3658
A_EXPONENT = BETA / (ALPHA + BETA)
CHINCHILLA_BUDGETS = [6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21]


def loss(n: float, d: float) -> float:
    return E + A / n**ALPHA + B / d**BETA


def n_opt(compute: float) -> float:
    return (ALPHA * A / (BETA * B)) ** (1 / (ALPHA + BETA)) * (compute / 6) ** A_EXPONENT


def chinchilla_points() -> bytes:
    rows = ["experiment,tokens,params,budget,loss"]
    for i, budget in enumerate(CHINCHILLA_BUDGETS):
        for n in n_opt(budget) * np.logspace(-0.8, 0.8, 14 if i < 7 else 13):
            d = budget / (6 * n)
            rows.append(f"isoflop_{i},{d:.6g},{n:.6g},{budget:.3g},{loss(n, d):.5f}")
    return ("\n".join(rows) + "\n").encode()


def test_repeated_label_over_different_sizes_is_a_sweep_label(tmp_path, capsys) -> None:
    path = tmp_path / "chinchilla_isoflop.csv"
    path.write_bytes(chinchilla_points())
    read = read_runs([path])
    assert len(read.per_run) == 124 == (read.per_run["rows"] == 1).sum()
    assert (read.per_run["needs"] == "").all()
    assert main(["read", str(path)]) == 0
    text = capsys.readouterr().out
    assert "'experiment' is a sweep label, not a run" in text  # in the text, not only --json
    assert "Runs: 124 found, 124 usable" in text
    # the label rides along as a column of the runs table
    assert read.log.runs["experiment"].nunique() == 9
    assert main(["fit", str(path), "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    assert fit["n_runs"] == 124
    assert fit["derived"]["a"] == pytest.approx(A_EXPONENT, abs=0.002)
    # named as the run, each label is one run again (the page's switch does the same)
    assert main(["read", str(path), "--column", "run=experiment", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["runs"]) == 9


def test_page_reads_the_same_runs_as_the_command_line(tmp_path) -> None:
    from dashboard.fit_mapping import load_files, read_mapped

    data = chinchilla_points()
    (tmp_path / "points.csv").write_bytes(data)
    page = read_mapped(load_files((("points.csv", data),)), {}).per_run
    cli = read_runs([tmp_path / "points.csv"]).per_run
    columns = ["run", "params", "tokens", "final_loss", "needs"]
    assert page[columns].equals(cli[columns])
    assert len(page) == 124


@pytest.mark.parametrize("folder", sorted(p.name for p in REAL_LOGS.iterdir() if p.is_dir()))
def test_no_released_learning_curve_is_called_a_sweep_label(folder) -> None:
    """The real logs' labelled curves (OLMo's run, Pythia's model, ...) advance in step."""
    read = read_runs([REAL_LOGS / folder])
    assert not any("is a sweep label" in note for note in read.notes)


def llama3_points() -> tuple[bytes, list[tuple[float, float, float]]]:
    rows, truth = ["compute_budget,training_tokens,validation_loss"], []
    for budget in [6e18, 1e19, 3e19, 6e19, 1e20, 3e20]:
        for n in n_opt(budget) * np.logspace(-0.7, 0.7, 9):
            d = budget / (6 * n)
            rows.append(f"{budget:.0e},{d:.9g},{loss(n, d):.5f}")
            truth.append((budget, d, n))
    return ("\n".join(rows) + "\n").encode(), truth


def test_params_derived_from_compute_and_tokens(tmp_path, capsys) -> None:
    data, truth = llama3_points()
    read = read_runs([("llama3_isoflop.csv", data)])
    assert (read.per_run["needs"] == "").all()
    assert read.per_run["params"].to_numpy() == pytest.approx([n for _, _, n in truth], rel=1e-6)
    assert set(read.per_run["params_source"]) == {"column 'compute_budget' / (6·D)"}
    path = tmp_path / "llama3_isoflop.csv"
    path.write_bytes(data)
    assert main(["isoflop", str(path), "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    assert fit["a"] == pytest.approx(A_EXPONENT, abs=0.005)


@pytest.mark.parametrize(
    ("header", "flop_per_unit"),
    [("total_gflops", 1e9), ("throughput/total_gflops", 1e9), ("C (PF-days)", 8.64e19)],
)
def test_compute_in_named_units_is_converted(header, flop_per_unit) -> None:
    n = np.array([1e8, 3e8, 1e9])
    d = np.array([2e9, 6e9, 2e10])
    rows = [f"params,{header},loss"] + [
        f"{a:.0f},{6 * a * b / flop_per_unit:.9g},{loss(a, b):.4f}"
        for a, b in zip(n, d, strict=True)
    ]
    read = read_runs([("runs.csv", "\n".join(rows).encode())])
    assert read.per_run["tokens"].to_numpy() == pytest.approx(d, rel=1e-6)
    assert any("to FLOP" in note for note in read.notes)


def marin_runs(rng: np.random.Generator) -> tuple[bytes, list[float]]:
    header = (
        '"Name","parameter_count","throughput/total_tokens","eval/paloma/macro_loss",'
        '"throughput/total_gflops","State"'
    )
    rows, budgets = [header], [1e18, 3e18, 6e18, 1e19, 3e19]
    for budget in budgets:
        for k, n in enumerate(n_opt(budget) * np.logspace(-0.6, 0.6, 7)):
            d = budget / (6 * n) * rng.uniform(0.8, 1.25)  # real runs scatter around the plan
            rows.append(
                f'"isoflop-{budget:.0e}-d{k}-L{k + 4}","{n:.0f}","{d:.0f}",'
                f'"{loss(n, d):.5f}","{6 * n * d / 1e9:.6g}","finished"'
            )
    return ("\n".join(rows) + "\n").encode(), budgets


def test_runs_grouped_by_the_nominal_budget_in_their_names(tmp_path, capsys) -> None:
    data, budgets = marin_runs(np.random.default_rng(1))
    path = tmp_path / "marin_runs.csv"
    path.write_bytes(data)
    read = read_runs([path])
    assert sorted(set(read.log.runs["nominal_budget"])) == budgets
    # compute converted from GFLOP: 6·N·D of each row
    runs = read.log.runs
    assert runs["compute_flops"].to_numpy() == pytest.approx(
        6 * runs["n_params"] * runs["n_tokens"], rel=1e-5
    )
    assert main(["isoflop", str(path), "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    used = sorted(b["compute_flops"] for b in fit["budgets_used"])
    assert used == pytest.approx(budgets)  # all five, each at its nominal value


def test_budget_in_run_names_is_compute_when_there_is_no_compute_column() -> None:
    rows = ["run,params,loss"] + [
        f"isoflop-{c:.0e}-n{n:.0f},{n:.0f},{loss(n, c / (6 * n)):.4f}"
        for c in (1e19, 1e20)
        for n in (1e8, 3e8)
    ]
    read = read_runs([("names.csv", "\n".join(rows).encode())])
    table = read.per_run.set_index("run")
    assert table.loc["isoflop-1e+20-n300000000", "tokens"] == pytest.approx(1e20 / (6 * 3e8))
    assert "budget in the run name (nominal) / (6·N)" in set(table["tokens_source"])


def test_label_with_advancing_tokens_but_changing_size_is_a_sweep_label() -> None:
    """Tokens grow along label a's rows, but its size changes: three runs, not one curve; label
    b keeps its size while its tokens grow: one learning curve."""
    rows = ["experiment,tokens,params,loss", "a,1e9,1e8,3.0", "a,2e9,2e8,2.9", "a,4e9,4e8,2.8"]
    rows += ["b,1e9,1e8,3.1", "b,2e9,1e8,3.0"]
    read = read_runs([("labels.csv", "\n".join(rows).encode())])
    assert list(read.per_run["run"]) == ["a line 2", "a line 3", "a line 4", "b"]
    assert read.per_run.set_index("run").loc["b", "final_loss"] == 3.0


def test_tracker_metadata_is_never_suggested_as_a_sweep() -> None:
    """A W&B runs-table export's bookkeeping (FORMATS.md: Created, Updated, Tags, State, Runtime,
    User) differs between two runs of one size and compute; it must not split the sweep."""
    rows = ['"Name","params","tokens","loss","State","Tags","User","dataset"']
    for i, (n, d) in enumerate([(1e8, 2e9), (1e8, 2e9), (4e8, 8e9), (4e8, 8e9), (1.6e9, 3.2e10)]):
        state = "finished" if i % 2 else "crashed"
        rows.append(
            f'"r{i}","{n:.0f}","{d:.0f}","{loss(n, d):.4f}","{state}","t{i % 2}","u{i % 2}",'
            f'"{"c4" if i % 2 else "rpj"}"'
        )
    # the crashed runs count here (State is read as each run's finish, checked in
    # tests/test_public_sweeps.py); this test is about State never splitting the sweep
    read = read_runs([("wandb_runs.csv", "\n".join(rows).encode())], unfinished_as_final=True)
    assert list(read.factors.sweeps) == ["dataset"]
    assert not {"State", "Tags", "User"} & set(read.factors.settings)


def tuning_grid_runs() -> bytes:
    """A learning-rate × batch-size grid at 18 (N, D) cells, one row per run, the shape of
    Marin's W&B runs-table exports (issue 17: 1,911 runs at 18 cells, diverged runs at loss
    7-11): at each cell one (lr, batch) reaches the law, the others lose 0.05-0.4 nats, and
    two runs per cell diverge."""
    rows = [
        '"Name","parameter_count","throughput/total_tokens","eval/loss","optim.lr","trainer.train_batch_size"'
    ]
    lrs, batches = [1e-4, 3e-4, 1e-3, 3e-3], [64, 128, 256]
    for n in [2e7, 5e7, 1e8, 2e8, 5e8, 1e9]:
        for ratio in (10, 20, 40):
            d = ratio * n
            for i, lr in enumerate(lrs):
                for j, batch in enumerate(batches):
                    penalty = 0.05 * (abs(i - 1) + abs(j - 1)) ** 1.5
                    value = loss(n, d) + penalty
                    if (i, j) in ((3, 0), (3, 2)):
                        value = 7.0 + i + j / 2  # diverged
                    rows.append(
                        f'"r-{n:.0e}-{ratio}-{i}-{j}","{n:.0f}","{d:.0f}","{value:.5f}","{lr}","{batch}"'
                    )
    return ("\n".join(rows) + "\n").encode()


def test_tuning_grid_fits_the_envelope_by_default(tmp_path, capsys) -> None:
    path = tmp_path / "grid.csv"
    path.write_bytes(tuning_grid_runs())
    read = read_runs([path])
    assert len(read.log.runs) == 18
    assert read.log.runs["loss"].to_numpy() == pytest.approx(
        [
            loss(n, d)
            for n, d in zip(read.log.runs["n_params"], read.log.runs["n_tokens"], strict=True)
        ],
        abs=1e-5,
    )
    note = next(n for n in read.notes if "tuning grid" in n)
    assert (
        "'optim.lr'" in note and "'trainer.train_batch_size'" in note and "36 runs diverged" in note
    )
    assert main(["fit", str(path), "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    assert fit["n_runs"] == 18
    assert fit["derived"]["a"] == pytest.approx(A_EXPONENT, abs=0.01)
    every = read_runs([path], tuning="all")
    assert len(every.log.runs) == 18 * 12 - 36  # every run but the diverged
    one = main(["read", str(path), "--where", "optim.lr=0.0003", "--json"])
    assert one == 0
    assert len(json.loads(capsys.readouterr().out)["runs"]) == 18 * 3


def one_d_runs(spread: float) -> bytes:
    """Six sizes trained for one planned D of 20B tokens, each run's final count off by up to
    ``spread`` (as a run's last logged step overshoots its plan)."""
    rows = ["run,params,tokens,loss"]
    for i, n in enumerate([5e7, 1e8, 2e8, 4e8, 8e8, 1.6e9]):
        d = 2e10 * (1 + spread * i / 5)
        rows.append(f"r{i},{n:.0f},{d:.0f},{loss(n, d):.5f}")
    return ("\n".join(rows) + "\n").encode()


def test_runs_that_share_one_planned_d_are_said_to_vary_n_only(tmp_path, capsys) -> None:
    """Runs whose final tokens agree within a few percent vary N only: the report says so in
    words (not only in --json) and names the power-in-N form, which the fit then uses; its
    alpha is the generating law's (Besiroglu et al.'s 0.3478), B and beta undetermined."""
    path = tmp_path / "one_d.csv"
    path.write_bytes(one_d_runs(0.03))
    assert main(["read", str(path)]) == 0
    out = capsys.readouterr().out
    assert "the runs vary N only: every run ends at about 20.3B tokens (within 3%" in out
    assert "--form power-n" in out
    assert main(["fit", str(path), "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    assert fit["form"] == "power-n"
    assert fit["params"]["alpha"] == pytest.approx(ALPHA, abs=0.02)
    assert not fit["determined"]["beta"] and not fit["determined"]["a"]
    spread = read_runs([("spread.csv", one_d_runs(1.0))])  # 20B to 40B: D varies
    assert not any("vary N only" in n for n in spread.notes)


def test_pythia_runs_at_300b_tokens_vary_n_only(capsys) -> None:
    """Pythia's models all saw 300B tokens (Biderman et al. 2023, sec. 2): the report says the
    runs vary N only, at that D."""
    assert main(["read", str(REAL_LOGS / "pythia"), "--column", "loss=lambada_nll"]) == 0
    out = capsys.readouterr().out
    assert "the runs vary N only: every run ends at 300B tokens (one planned D)" in out


def test_wandb_runs_table_bookkeeping_is_never_a_sweep_or_a_setting(tmp_path, capsys) -> None:
    """A runs-table export in W&B's own layout (FORMATS.md: every cell a quoted string; the
    bookkeeping columns Created, Runtime, Notes, State, Updated, Tags, User, Sweep, Group, Job
    Type beside dotted config keys and slashed summary metrics), two datasets at the same sizes:
    the only sweep suggested is the dataset, on the command line and in the page's pickers."""
    header = [
        "Name", "State", "Notes", "User", "Tags", "Created", "Runtime", "Sweep", "Group",
        "Job Type", "Updated", "data.name", "optim.lr", "model.n_params", "optim/n_tokens",
        "eval/loss",
    ]  # fmt: skip
    rows = [",".join(f'"{h}"' for h in header)]
    cells = [(n, 20 * n) for n in (5e7, 1e8, 2e8, 4e8, 8e8)] + [(2e8, 1e9), (2e8, 1.6e10)]
    for i, (n, d) in enumerate(cells * 2):
        data = "c4" if i < len(cells) else "pile"
        row = [
            f"run-{i}", ["finished", "crashed", "running"][i % 3], "-", f"user{i % 2}",
            "isoflop, v2" if i % 2 else "isoflop", f"2024-05-0{1 + i % 7}T10:00:00.000Z",
            str(3600 + 17 * i), f"sw{i % 3}", f"g-{i % 4}", "train",
            f"2024-05-0{1 + i % 7}T12:00:00.000Z", data, "0.0003", f"{n:.0f}", f"{d:.0f}",
            f"{loss(n, d) + (0.05 if data == 'pile' else 0):.5f}",
        ]  # fmt: skip
        rows.append(",".join(f'"{c}"' for c in row))
    path = tmp_path / "wandb_export.csv"
    path.write_text("\n".join(rows) + "\n")
    read = read_runs([path], unfinished_as_final=True)  # crashed / running runs too
    assert list(read.factors.sweeps) == ["data.name"]
    bookkeeping = {h for h in header[1:11]}
    assert not bookkeeping & set(read.factors.settings)
    assert main(["fit", str(path), "--unfinished-as-final"]) == 2
    err = capsys.readouterr().err
    assert "--where data.name=" in err
    assert not any(f"{h}=" in err or f"{h}," in err for h in bookkeeping)
    from dashboard import fit_session as fs

    assert set(fs.sweep_columns(read.log.runs)) == {"data.name"}


def test_the_olmo_ladder_folder_reads_whole_each_file_with_its_own_columns(capsys) -> None:
    """The released OLMo ladder folder holds a tidy CSV (``tokens``, ``step``, ``train_flops``)
    beside W&B histories (``throughput/total_tokens``, ``_step``, GFLOP): read together with no
    options, each W&B run keeps its own columns, so the 30 ladder runs are usable with the
    values they have when their folder is read alone, and a run's tokens are its file's last
    ``throughput/total_tokens`` (read here with pandas)."""
    import pandas as pd

    folder = REAL_LOGS / "olmo-ladder"
    whole = read_runs([folder]).per_run
    alone = read_runs([folder / "wandb-history"]).per_run
    used = whole[whole["needs"] == ""].copy()
    used["run"] = used["run"].str.replace(r" \[source=.*\]$", "", regex=True)
    both = alone[alone["needs"] == ""].merge(used, on="run", suffixes=("", "_whole"))
    assert len(both) == 30 == len(used)
    for column in ("params", "tokens", "final_loss"):
        assert (both[column] == both[f"{column}_whole"]).all()
    history = pd.read_csv(folder / "wandb-history" / "190M-1xC.csv")
    expected = history["throughput/total_tokens"].dropna().iloc[-1]
    assert both.set_index("run").loc["190M-1xC", "tokens_whole"] == expected
    assert main(["read", str(folder)]) == 0
    assert "their own 'throughput/total_tokens' is read" in capsys.readouterr().out


def test_sizes_read_from_run_names_are_said_to_be_labels(capsys) -> None:
    """The OLMo ladder's W&B histories give N only as the size in each run's name (190M, 1B):
    the note says so, in the command line's words and the page's, with the sizes; its "1B has
    1.28B" is the ladder's own count (the curves CSV's N column), and that CSV, which gives N,
    gets no such note."""
    import pandas as pd

    curves = pd.read_csv(
        REAL_LOGS / "olmo-ladder" / "olmo_ladder_curves.csv", usecols=["size", "N"]
    )
    one_b = curves.loc[curves["size"] == "1B", "N"].iloc[0]
    assert f"{one_b / 1e9:.3g}B" == "1.28B"
    assert main(["read", str(REAL_LOGS / "olmo-ladder" / "wandb-history"), "--json"]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    note = next(n for n in notes if "from the size written in their names" in n)
    assert note.startswith("30 runs take their N") and "(190M, 370M, 760M, 1B, 3B)" in note
    assert "'1B' has 1.28B" in note and note.endswith("--runs-meta FILE (run,params)")
    read = read_runs([REAL_LOGS / "olmo-ladder" / "wandb-history"])
    page = next(n.page for n in read.log.report.notes if "size written" in str(n))
    assert page.endswith(
        "under Map the columns, as a per-run values file (run,params) or in the runs table's "
        "params column"
    )
    with_n = read_runs([REAL_LOGS / "olmo-ladder" / "olmo_ladder_curves.csv"])
    assert not [n for n in with_n.log.report.notes if "size written" in str(n)]
