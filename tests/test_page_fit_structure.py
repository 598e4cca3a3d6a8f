"""AppTest of the fit page's switches of issue 17 (files given through the session seam, as in
tests/test_page_fit_logs.py): a sweep label read as one run per row, switchable to one run per
label; a Trainer folder without trainer_state.json listed as unfinished, switchable to final."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import fit_session as fs
from dashboard.fit_view import RUNS_TABLE_KEY
from tests.conftest import REAL_LOGS
from tests.test_runs_structure import chinchilla_points

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Fit_your_runs.py")
HF = REAL_LOGS / "hf-trainer-output"


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def upload(files: list[tuple[str, bytes]]) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state[fs.UPLOAD_FILES_KEY] = files
    at.session_state[RUNS_TABLE_KEY] = True  # the runs table is built when opened
    at.run()
    assert not at.exception, at.exception
    return at


def toggle(at: AppTest, pattern: str):  # type: ignore[no-untyped-def]
    switches = [*at.toggle, *at.checkbox]  # persistent switches are checkboxes (in the link)
    return next(t for t in switches if t.key and re.fullmatch(pattern, t.key))


def shown(at: AppTest, text: str) -> bool:
    return any(text in m.value for m in at.markdown)


def test_sweep_label_switch() -> None:
    at = upload([("chinchilla_isoflop.csv", chinchilla_points())])
    assert shown(at, "Runs: 124 found, 124 usable")
    switch = toggle(at, "w_f_label_runs")
    assert "experiment" in switch.label and switch.value is False
    switch.set_value(True).run()
    assert not at.exception
    assert shown(at, "Runs: 9 found, 9 usable")


@pytest.mark.skipif(not HF.exists(), reason=f"no {HF}")
def test_unfinished_trainer_folder_switch() -> None:
    buffer = io.BytesIO()
    folder = HF / "gpt-d48l2-C3e13"
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "trainer_state.json":
                archive.write(path, path.relative_to(HF).as_posix())
    at = upload([("stopped.zip", buffer.getvalue())])
    assert shown(at, "Runs: 1 found, 0 usable, 1 lacking values")
    toggle(at, "w_f_unfinished").set_value(True).run()
    assert not at.exception
    assert shown(at, "Runs: 1 found, 1 usable")


OLMO_CORE_CSV = REAL_LOGS / "olmo-core-ladder-2026" / "ladder_comparison_data.csv"


@pytest.mark.skipif(not OLMO_CORE_CSV.exists(), reason=f"no {OLMO_CORE_CSV}")
def test_runs_a_table_marks_unfinished_switch() -> None:
    """OLMo-core's ladder table: its 8 runs with is_finished False are listed, not fitted,
    until the page's switch uses their last point (the command line's --unfinished-as-final)."""
    at = upload([(OLMO_CORE_CSV.name, OLMO_CORE_CSV.read_bytes())])
    assert shown(at, "Runs: 169 found, 161 usable, 8 lacking values")
    switch = toggle(at, "w_f_unfinished")
    assert switch.label.startswith("Use the last point of the 8 unfinished runs")
    switch.set_value(True).run()
    assert not at.exception
    assert shown(at, "Runs: 169 found, 169 usable")


def test_tuning_grid_switch() -> None:
    from tests.test_runs_structure import tuning_grid_runs

    at = upload([("grid.csv", tuning_grid_runs())])
    switch = toggle(at, "w_f_tuning_all")
    assert switch.value is False
    assert len(fitted_runs(at)) == 18  # the best run of each (N, D)
    switch.set_value(True).run()
    assert not at.exception
    assert len(fitted_runs(at)) == 18 * 12 - 36  # every run but the diverged


def fitted_runs(at: AppTest):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if "line" in df.value.columns)
