"""Run names that several files use (`scaling_core.runs.split.runs_across_files`): joined only
when one file continues another's curve, else kept apart and said so, on the page and in
the CLI; never merged into one "run" that ends at whichever row comes last."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import fit_session as fs
from scaling_core.cli import main as cli_main
from scaling_core.runs import read_runs

ROOT = Path(__file__).resolve().parents[1]
GEMSTONES = ROOT / "tests" / "fixtures" / "real-logs" / "gemstones-2025"
HOT = GEMSTONES / "gemstones_hot_checkpoints.csv"
COOL = GEMSTONES / "wandb_df_for_fitting_cool_end.jsonl"
PAGE = str(ROOT / "pages" / "6_Fit_your_runs.py")


def _last_loss(table: pd.DataFrame) -> pd.Series:
    """Each run's loss at its largest step, read from the file directly."""
    return table.sort_values("step").groupby("run_name")["final_loss"].last()


def test_gemstones_hot_and_cooldown_files_stay_two_runs_per_model() -> None:
    """McLeish et al.'s constant-learning-rate checkpoints and the ends of their cooldowns
    share run names and interleave in steps: merged, each model's "curve" zig-zagged between
    them and its final loss was the last cooldown's.  Each file's rows are now their own run,
    ending at that file's last row."""
    read = read_runs([HOT, COOL])
    hot, cool = pd.read_csv(HOT), pd.read_json(COOL, lines=True)
    shared = sorted(set(hot["run_name"]) & set(cool["run_name"]))
    assert len(shared) == 20
    runs = read.log.runs.set_index("run")
    assert len(runs) == len(set(hot["run_name"])) + len(set(cool["run_name"]))
    for name, table, file in ((n, t, f) for n in shared for t, f in ((hot, HOT), (cool, COOL))):
        run = runs.loc[f"{name} [file={file.name}]"]
        assert run["loss"] == pytest.approx(_last_loss(table)[name], rel=1e-12)
        curve = read.log.curves[read.log.curves["run"] == f"{name} [file={file.name}]"]
        assert set(curve["file"]) == {file.name}
        assert len(curve) == (table["run_name"] == name).sum()
    notes = [n for n in read.log.report.notes if "several files" in n]
    assert len(notes) == 1 and "20 run names" in notes[0] and "kept apart" in notes[0]
    assert "each file is then a sweep of its own" in notes[0]
    # the files are the sweeps: a fit takes one unless told to pool them
    assert read.factors.columns == ["file"] and read.factors.n_sweeps == 2
    assert read.factors.example == {"file": HOT.name}  # the first in sorted order


def test_files_that_name_their_runs_alike_are_sweeps_the_cli_picks_by_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command line refuses to fit both files' runs as one law and names the file to pick;
    picking it fits that file's runs only, the same as reading that file alone."""
    assert cli_main(["fit", str(HOT), str(COOL)]) != 0
    refused = capsys.readouterr()
    assert f"--where file={HOT.name}" in refused.err
    assert "--pool" in refused.err
    assert cli_main(["read", str(HOT), str(COOL), "--where", f"file={HOT.name}", "--json"]) == 0
    picked = json.loads(capsys.readouterr().out)
    assert cli_main(["read", str(HOT), "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert (
        picked["runs"] == alone["runs"]
        and len(alone["runs"]) == pd.read_csv(HOT)["run_name"].nunique()
    )


def test_the_cli_and_the_page_say_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    """The note reaches the CLI's JSON and the fit page's notes, and both count the same runs."""
    assert cli_main(["read", str(HOT), str(COOL), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    cli_note = next(n for n in payload["notes"] if "several files" in n)
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[fs.UPLOAD_FILES_KEY] = [(p.name, p.read_bytes()) for p in (HOT, COOL)]
    at.run()
    assert not at.exception, at.exception
    page = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert cli_note.split(":")[0] in page  # "20 run names (e.g. …) hold rows in several files (…)"
    assert "2 sweeps, told apart by file" in page
    assert "These files hold several sweeps" in page
    # the page opens on the first file's runs, as the command line picks them...
    assert cli_main(["read", str(HOT), str(COOL), "--where", f"file={HOT.name}", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Learning curves (runs)"] == str(len(first["runs"])) == "22"
    # ...and with the file picker on "all", shows every run the command line reads
    picker = next(s for s in at.selectbox if s.key and s.key.endswith("_file"))
    picker.set_value("all").run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Learning curves (runs)"] == str(len(payload["runs"])) == "42"


def _curve(path: Path, run: str, steps: range, n_params: float, first_loss: float) -> Path:
    rows = [
        {"run": run, "params": n_params, "tokens": 1e6 * s, "step": s, "loss": first_loss - s / 1e3}
        for s in steps
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_run_continued_in_a_second_file_is_one_run(tmp_path: Path) -> None:
    """A resumed run's logs (steps 10-100, then 110-200, one N) join into one curve that ends
    at the second file's last row; the note says the files were joined."""
    first = _curve(tmp_path / "part1.csv", "r", range(10, 101, 10), 1e8, 3.0)
    second = _curve(tmp_path / "part2.csv", "r", range(110, 201, 10), 1e8, 3.0)
    read = read_runs([first, second])
    assert list(read.log.runs["run"]) == ["r"]
    assert read.log.runs["loss"].iloc[0] == pytest.approx(3.0 - 200 / 1e3)
    assert len(read.log.curves) == 20
    note = next(n for n in read.log.report.notes if "several files" in n)
    assert note.startswith("1 run name (e.g. r) holds rows") and "joined into one curve" in note


@pytest.mark.parametrize(
    ("second_steps", "second_n", "why"),
    [
        (range(100, 201, 10), 1e8, "step 100 in both files"),
        (range(5, 96, 10), 1e8, "steps interleave"),
        (range(110, 201, 10), 3e8, "another N"),
    ],
)
def test_files_that_do_not_continue_one_run_stay_apart(
    tmp_path: Path, second_steps: range, second_n: float, why: str
) -> None:
    first = _curve(tmp_path / "a.csv", "r", range(10, 101, 10), 1e8, 3.0)
    second = _curve(tmp_path / "b.csv", "r", second_steps, second_n, 2.9)
    read = read_runs([first, second])
    runs = read.log.runs
    assert len(runs) == 2, why  # another N: already two runs by their N ("r N=1e+08")
    for file, last in (("a.csv", 3.0 - 100 / 1e3), ("b.csv", 2.9 - second_steps[-1] / 1e3)):
        curve = read.log.curves[read.log.curves["file"] == file]
        assert curve["run"].nunique() == 1, why
        assert runs.set_index("run").loc[curve["run"].iloc[0], "loss"] == pytest.approx(last)


def test_finished_runs_of_one_name_in_two_tables_are_two_runs(tmp_path: Path) -> None:
    """Two tables of finished runs (no steps) that both name a run "a": two runs, not a
    two-point curve whose first table's row was silently not fitted."""
    (tmp_path / "f1.csv").write_text("run,params,tokens,loss\na,1e8,1e9,3.0\nb,2e8,1e9,2.9\n")
    (tmp_path / "f2.csv").write_text("run,params,tokens,loss\na,1e8,2e9,2.5\n")
    read = read_runs([tmp_path / "f1.csv", tmp_path / "f2.csv"])
    runs = read.log.runs.set_index("run")["loss"].to_dict()
    assert runs == {"a [file=f1.csv]": 3.0, "b": 2.9, "a [file=f2.csv]": 2.5}


def test_one_file_is_read_as_before(tmp_path: Path) -> None:
    """Repeated names within one file are that file's learning curve, as before."""
    (tmp_path / "f3.csv").write_text("run,params,tokens,loss\na,1e8,1e9,3.0\na,1e8,2e9,2.5\n")
    read = read_runs([tmp_path / "f3.csv"])
    assert list(read.log.runs["run"]) == ["a"]
    assert not [n for n in read.log.report.notes if "several files" in n]


def test_two_sweeps_that_reuse_run_names_are_ten_runs(tmp_path: Path) -> None:
    """Two sweeps' tables that both name their runs run_1 ... run_5 (other sizes): each file's
    names are its runs, ten in all, not five "sweeps" of two rows of which one is fitted."""
    for name, scale in (("a.csv", 1.0), ("b.csv", 2.0)):
        rows = [
            {"run": f"run_{i}", "params": scale * 1e7 * 3**i, "tokens": scale * 2e8 * 3**i,
             "loss": 4.0 - 0.3 * i + 0.1 * scale}
            for i in range(1, 6)
        ]  # fmt: skip
        pd.DataFrame(rows).to_csv(tmp_path / name, index=False)
    read = read_runs([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert sorted(read.log.runs["run"]) == sorted(
        f"run_{i} [file={f}]" for i in range(1, 6) for f in ("a.csv", "b.csv")
    )
    notes = read.log.report.notes
    assert not [n for n in notes if "sweep label" in str(n)]
    assert any("not one run continued (their N differ)" in str(n) for n in notes)
    # no run of one file has the size and compute of the other's, yet the files are the sweeps
    assert read.factors.sweeps == {"file": {"a.csv": 5, "b.csv": 5}}
    assert any("the files name their runs alike but hold other runs" in str(n) for n in notes)


def test_a_resumed_run_that_logs_its_last_step_again_is_one_run(tmp_path: Path) -> None:
    """A resumed run logs the step it resumed from again, with the same loss: still one run.
    With another loss at that step the files are two runs, and the note says why."""
    first = _curve(tmp_path / "part1.csv", "r", range(10, 101, 10), 1e8, 3.0)
    second = _curve(tmp_path / "part2.csv", "r", range(100, 201, 10), 1e8, 3.0)
    read = read_runs([first, second])
    assert list(read.log.runs["run"]) == ["r"]
    assert read.log.runs["loss"].iloc[0] == pytest.approx(3.0 - 200 / 1e3)
    other = _curve(tmp_path / "other.csv", "r", range(100, 201, 10), 1e8, 2.9)
    read = read_runs([first, other])
    assert len(read.log.runs) == 2
    assert any("(one step has two losses)" in str(n) for n in read.log.report.notes)


def test_the_note_names_why_the_gemstones_files_stay_apart() -> None:
    notes = [str(n) for n in read_runs([HOT, COOL]).log.report.notes]
    assert any("not one run continued (their steps interleave)" in n for n in notes)


def test_the_where_example_names_the_files_own_column() -> None:
    """A sweep column the runs table calls 'run (file)' (the file's own 'run' beside the run
    ids) is picked on the command line by the file's name for it."""
    from scaling_core.runs.factors import SweepFactors

    assert SweepFactors(example={"run (file)": "x", "dataset": "c4"}).where_example() == (
        "--where run=x --where dataset=c4"
    )
