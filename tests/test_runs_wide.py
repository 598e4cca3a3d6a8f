"""Wide tables (issue 17, item 6a): one column per data size, model size or step, melted into
one row per loss; the same on the page (a picker of what the column names are, in the link)
and in the command line (``--wide``).

The losses of the wide tables written here follow a known law (Besiroglu et al. 2024's
constants, `tests.test_runs_structure.loss`), so the melted rows are checked against a
brute-force list of (N, D, L(N, D)) and the fitted exponent against the law's own
a = β / (α + β) = 0.5126, not against the code's output.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import fit_session as fs
from scaling_core.cli import main
from scaling_core.runs import load, read_runs
from scaling_core.runs.wide import detect_wide
from tests.conftest import REAL_LOGS
from tests.test_runs_structure import A_EXPONENT, loss

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Fit_your_runs.py")
SIZES = [5e7, 1e8, 3e8, 1e9, 3e9]
DATA = {"1B": 1e9, "3B": 3e9, "10B": 1e10, "30B": 3e10, "100B": 1e11}


def wide_by_tokens(blank: tuple[int, str] | None = (4, "1B")) -> bytes:
    """``params, 1B, 3B, 10B, 30B, 100B``: a row per model size, a column per data size; the
    largest model was not trained on the smallest data (a blank cell)."""
    rows = ["params," + ",".join(DATA)]
    for i, n in enumerate(SIZES):
        cells = ["" if blank == (i, name) else f"{loss(n, d):.5f}" for name, d in DATA.items()]
        rows.append(f"{n:.0f}," + ",".join(cells))
    return ("\n".join(rows) + "\n").encode()


def test_wide_table_by_data_size_reads_with_no_options(tmp_path, capsys) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(wide_by_tokens())
    read = read_runs([path])
    expected = sorted(
        (n, d, round(loss(n, d), 5))
        for i, n in enumerate(SIZES)
        for name, d in DATA.items()
        if (i, name) != (4, "1B")
    )
    runs = read.log.runs
    got = sorted(
        (float(n), float(d), round(float(v), 5))
        for n, d, v in zip(runs["n_params"], runs["n_tokens"], runs["loss"], strict=True)
    )
    np.testing.assert_allclose(np.array(got), np.array(expected), rtol=1e-9)
    assert len(read.per_run) == 24
    assert any(n.startswith("wide table: columns 1B, 3B, 10B, 30B") for n in read.notes)
    assert main(["fit", str(path), "--json"]) == 0
    fit = json.loads(capsys.readouterr().out)
    assert fit["n_runs"] == 24
    assert fit["derived"]["a"] == pytest.approx(A_EXPONENT, abs=0.002)


def test_wide_table_by_model_size() -> None:
    """``tokens, 50M, 100M, ...``: the column names are model sizes (another column holds tokens)."""
    names = {"50M": 5e7, "100M": 1e8, "300M": 3e8}
    rows = ["tokens," + ",".join(names)]
    for d in DATA.values():
        rows.append(f"{d:.0f}," + ",".join(f"{loss(n, d):.5f}" for n in names.values()))
    read = read_runs([("by_size.csv", ("\n".join(rows) + "\n").encode())])
    runs = read.log.runs
    assert sorted(set(runs["n_params"])) == sorted(names.values())
    for n, d, value in zip(runs["n_params"], runs["n_tokens"], runs["loss"], strict=True):
        assert value == pytest.approx(loss(n, d), abs=1e-5)


def test_wide_table_by_step_is_one_learning_curve_per_row() -> None:
    """``model, step_1000, step_2000, ...``: each row is a run's learning curve; tokens are
    step × tokens per step (given in a runs-meta table, as a user would)."""
    steps = [1000, 2000, 4000, 8000]
    tokens_per_step = 2**19
    rows = ["model," + ",".join(f"step_{s}" for s in steps)]
    for name, n in (("gpt-100M", 1e8), ("gpt-1B", 1e9)):
        rows.append(name + "," + ",".join(f"{loss(n, s * tokens_per_step):.5f}" for s in steps))
    meta = f"run,tokens_per_step\ngpt-100M,{tokens_per_step}\ngpt-1B,{tokens_per_step}\n"
    read = read_runs([("curves.csv", ("\n".join(rows) + "\n").encode())], runs_meta=meta.encode())
    assert sorted(read.per_run["run"]) == ["gpt-100M", "gpt-1B"]
    curves = read.log.curves
    assert len(curves) == 8
    for n, d, value in zip(curves["n_params"], curves["n_tokens"], curves["loss"], strict=True):
        assert value == pytest.approx(loss(n, d), abs=1e-5)  # tokens = step × 2^19, N from the name


def test_unnamed_numbers_ask_what_they_are(tmp_path, capsys) -> None:
    path = tmp_path / "unnamed.csv"
    path.write_text("model,1000,2000,4000\ngpt-100M,4.1,3.8,3.6\ngpt-1B,3.9,3.5,3.3\n")
    assert main(["read", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "columns 1000, 2000, 4000" in err and "--wide step" in err
    assert main(["read", str(path), "--wide", "step", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(r["run"] for r in out["runs"]) == ["gpt-100M", "gpt-1B"]
    assert main(["read", str(path), "--wide", "no"]) == 2  # no loss column then
    assert "no loss column" in capsys.readouterr().err


def test_wide_flag_on_a_long_table_is_refused(tmp_path, capsys) -> None:
    path = tmp_path / "long.csv"
    path.write_text("params,tokens,loss\n1e8,2e9,3.1\n4e8,8e9,2.8\n")
    assert main(["read", str(path), "--wide", "tokens"]) == 2
    assert "not wide" in capsys.readouterr().err


def _files(base: Path) -> list[Path]:
    return [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "base",
    sorted(p for p in REAL_LOGS.iterdir() if p.is_dir())
    + sorted(p for p in (ROOT / "sample_data").rglob("*") if p.suffix in (".csv", ".jsonl")),
    ids=lambda p: p.name,
)
def test_no_shipped_or_released_file_is_taken_for_a_wide_table(base: Path) -> None:
    assert detect_wide(load(_files(base)).frame) is None


# ------------------------------------------------------------------ the page


@pytest.fixture
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def _wide_picker(at: AppTest):  # type: ignore[no-untyped-def]
    return next(s for s in at.selectbox if s.label.startswith("What the column names are"))


@pytest.mark.usefixtures("_fresh_caches")
def test_page_asks_what_the_column_names_are_and_fits_as_the_cli(tmp_path) -> None:
    from tests.test_page_cli_agree import _compare, _page_fit

    data = wide_by_tokens()
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state[fs.UPLOAD_FILES_KEY] = [("wide.csv", data)]
    at.run()
    assert not at.exception, at.exception
    picker = _wide_picker(at)
    assert picker.value == "auto" and "1B, 3B, 10B" in picker.label
    assert any("Runs: 24 found, 24 usable" in m.value for m in at.markdown)
    metrics, where = _page_fit(at)
    assert where == {}
    out = io.StringIO()
    with redirect_stdout(out):
        (tmp_path / "wide.csv").write_bytes(data)
        assert main(["fit", str(tmp_path / "wide.csv"), "--json"]) == 0
    _compare(metrics, json.loads(out.getvalue()), " ".join(c.value for c in at.caption))
    picker.set_value("step").run()
    assert not at.exception
    assert any(re.search(r"Runs: 5 found, 0 usable", m.value) for m in at.markdown)
    assert at.query_params.get("f_wide") in ("step", ["step"])


def test_detects_prefix_and_unit_names_only() -> None:
    """Numbered names the detector must leave alone: JSON list items, slashes, a table that
    has its loss column; and names it reads (unit suffixes, a shared prefix)."""
    import pandas as pd

    frame = pd.DataFrame({"results.0": [1.0], "results.1": [2.0], "results.2": [3.0]})
    assert detect_wide(frame) is None
    frame = pd.DataFrame({"eval/1": [1.0], "eval/2": [2.0], "eval/3": [3.0]})
    assert detect_wide(frame) is None
    frame = pd.DataFrame({"params": [1e8], "loss": [3.0], "1B": [3.1], "2B": [3.0]})
    assert detect_wide(frame) is None
    frame = pd.DataFrame({"model": ["a"], "D=2.5B": [3.1], "D=10B": [3.0]})
    found = detect_wide(frame)
    assert found.values == [2.5e9, 1e10] and found.guess == "tokens"
    assert np.isclose(
        detect_wide(pd.DataFrame({"n": [1], "1k": [3.0], "2T": [2.0]})).values[1], 2e12
    )
