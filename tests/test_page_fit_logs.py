"""AppTest of the fit page with tracker exports: several OLMo W&B history files uploaded at once
(through the session seam; AppTest cannot drive st.file_uploader), the loss column changed, a
missing parameter count filled in the per-run table, and the fit that follows."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import fit_mapping as fm
from dashboard import fit_session as fs
from dashboard.fit_view import RUNS_TABLE_KEY
from tests.conftest import REAL_LOGS

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Fit_your_runs.py")
REAL = REAL_LOGS
HISTORY = REAL / "olmo-ladder" / "wandb-history"
FILES = ["190M-1xC.csv", "190M-5xC.csv", "370M-1xC.csv", "370M-5xC.csv", "760M-2xC.csv",
         "1B-1xC.csv", "1B-10xC.csv", "peteish1_eval_final.csv"]  # fmt: skip
C4 = "eval/c4_en-validation/CrossEntropyLoss"
PILE = "eval/pile-validation/CrossEntropyLoss"

pytestmark = pytest.mark.skipif(
    not HISTORY.exists(), reason=f"real logs not at {REAL} (set REAL_LOGS)"
)


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def upload(names: list[str] = FILES) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[fs.UPLOAD_FILES_KEY] = [(n, (HISTORY / n).read_bytes()) for n in names]
    at.session_state[RUNS_TABLE_KEY] = True  # the runs table is built when opened
    at.run()
    assert not at.exception, at.exception
    return at


def role_box(at: AppTest, role: str):  # type: ignore[no-untyped-def]
    pattern = re.compile(rf"fit_role_{role}_[0-9a-f]{{12}}")
    return next(s for s in at.selectbox if s.key and pattern.fullmatch(s.key))


def report_runs(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "line" in df.value.columns)


def test_several_history_files_are_mapped_and_fitted() -> None:
    at = upload()
    assert role_box(at, "loss").value == C4
    assert role_box(at, "tokens").value == "throughput/total_tokens"
    assert role_box(at, "run").value == "(file name)"
    assert PILE in role_box(at, "loss").options
    assert any("11 columns look like a loss" in c.value for c in at.caption)
    assert any("8 found, 7 usable, 1 lacking values" in m.value for m in at.markdown)
    assert any("uploaded files" in c.value for c in at.caption)
    runs = report_runs(at)
    assert "peteish1_eval_final" not in set(runs["run"])
    assert len(set(runs["run"])) == 7
    assert at.metric and not at.error


def test_changing_the_loss_column_refits() -> None:
    at = upload()
    before = {m.label: m.value for m in at.metric}
    role_box(at, "loss").set_value(PILE).run()
    assert not at.exception
    after = {m.label: m.value for m in at.metric}
    assert before != after
    pile_final = pd.read_csv(HISTORY / "1B-10xC.csv")[PILE].dropna().iloc[-1]
    editor_rows = fm.read_mapped(
        fm.load_files(tuple((n, (HISTORY / n).read_bytes()) for n in FILES)), {"loss": PILE}
    ).per_run.set_index("run")
    assert editor_rows.loc["1B-10xC", "final_loss"] == pytest.approx(pile_final)


def test_filling_a_missing_parameter_count_adds_the_run() -> None:
    at = upload()
    key = next(k for k in at.session_state if str(k).startswith("fit_runs_editor_"))
    row = FILES.index("peteish1_eval_final.csv")
    at.session_state[key] = {
        "edited_rows": {row: {"params": 1.48e9}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception
    runs = report_runs(at)
    assert "peteish1_eval_final" in set(runs["run"])


def _editor(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "sources" in df.value.columns).set_index("run")


def _nominal_note(at: AppTest) -> str:
    notes = " ".join(m.value for m in at.markdown).replace("\\", "")
    return next(line for line in notes.split("\n") if "from the size written in" in line)


def test_a_value_typed_into_the_runs_table_is_named_as_typed_and_completes_its_run() -> None:
    """The OLMo '1B' run's N is the size in its name; typing its count (1.28B) over it, and
    the missing N of the eval-only run, makes the table say where those values now come from
    ("typed in this table", not "run name (nominal)"), drop the filled run's "needs", count
    it usable, and leave one run fewer in the note on sizes taken from names."""
    at = upload()
    before = _editor(at)
    assert before.loc["1B-1xC", "sources"].startswith("params: run name (nominal);")
    assert before.loc["peteish1_eval_final", "needs"] == "params"
    assert "7 runs take their N from the size written in their names" in _nominal_note(at)
    key = next(k for k in at.session_state if str(k).startswith("fit_runs_editor_"))
    at.session_state[key] = {
        "edited_rows": {
            FILES.index("1B-1xC.csv"): {"params": 1_279_395_840.0},
            FILES.index("peteish1_eval_final.csv"): {"params": 1.48e9},
        },
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception
    after = _editor(at)
    assert after.loc["1B-1xC", "sources"].startswith("params: typed in this table;")
    assert (
        after.loc["1B-1xC", "sources"].split(";")[1:]
        == before.loc["1B-1xC", "sources"].split(";")[1:]
    )
    assert after.loc["peteish1_eval_final", "sources"].startswith("params: typed in this table;")
    assert after.loc["peteish1_eval_final", "needs"] == ""
    assert after.loc["1B-10xC", "sources"] == before.loc["1B-10xC", "sources"]  # not edited
    assert any("8 found, 8 usable**" in m.value for m in at.markdown)
    assert "6 runs take their N from the size written in their names" in _nominal_note(at)
    # the editor still shows the values as read, under which the edits apply
    assert after.loc["1B-1xC", "params"] == before.loc["1B-1xC", "params"] == 1e9


GADRE = REAL / "gadre-2024" / "runs-json"


@pytest.mark.skipif(not GADRE.exists(), reason="Gadre et al.'s run files not present")
def test_gadre_run_files_open_on_c4_eval_with_one_sweep_picker_and_the_settings_noted() -> None:
    """Gadre et al. 2024's 104 JSON files: the loss picker offers every evaluation set by name
    and starts on C4 eval (the largest set); only the dataset splits sweeps; the FSDP flags,
    open_lm version and dataset id are listed as run settings in the notes."""
    at = AppTest.from_file(PAGE, default_timeout=120)
    files = [(p.name, p.read_bytes()) for p in sorted(GADRE.glob("*.json"))]
    at.session_state[fs.UPLOAD_FILES_KEY] = files
    at.run()
    assert not at.exception, at.exception
    loss = role_box(at, "loss")
    assert loss.value == "results.1.loss"
    assert "results.1.loss (c4_val, 174,077,952 tokens)" in loss.options
    assert "results.5.loss (paloma_ptb, 90,112 tokens)" in loss.options
    caption = next(c.value for c in at.caption if "columns look like a loss" in c.value)
    assert "the largest of the 8 evaluation sets" in caption
    sweep_pickers = [
        s.label for s in at.selectbox if s.key and s.key.startswith(("fit_where_", "w_f_where_"))
    ]
    assert sweep_pickers == ["dataset_name"]
    notes = " ".join(m.value for m in at.markdown).replace("\\", "")  # Markdown escapes
    assert "3 sweeps, told apart by dataset_name (c4_original ×34, rpj ×35" in notes
    assert "not sweep columns: dataset_uuid (" in notes
    assert "hyperparameters.fsdp_flags (" in notes and "open_lm_version (0.0.21 ×" in notes
