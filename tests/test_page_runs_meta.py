"""The fit page's per-run values upload, the command line's ``--runs-meta FILE``: the OLMo
ladder's W&B histories give N only as the size in each run's name (190M, 1B); with the
ladder's own counts (its curves CSV) given as a per-run table, the page and the command line
fit the same law, and neither says the sizes are nominal any more."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard import fit_mapping as fm
from dashboard import fit_session as fs
from tests.conftest import REAL_LOGS, olmo_histories_zip
from tests.test_page_cli_agree import _cli_fit, _compare, _page_fit

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "6_Fit_your_runs.py")
HISTORIES = REAL_LOGS / "olmo-ladder" / "wandb-history"


def _counts_csv() -> bytes:
    """run,params for every W&B run whose name starts with a ladder size, from the curves
    CSV's N column (190M -> 190354176, 1B -> 1279395840, ...)."""
    sizes = pd.read_csv(REAL_LOGS / "olmo-ladder" / "olmo_ladder_curves.csv", usecols=["size", "N"])
    by_size = dict(sizes.drop_duplicates().itertuples(index=False))
    rows = [
        (path.stem, by_size[path.stem.split("-")[0]])
        for path in sorted(HISTORIES.iterdir())
        if path.stem.split("-")[0] in by_size
    ]
    assert len(rows) == 30
    return ("run,params\n" + "".join(f"{r},{n}\n" for r, n in rows)).encode()


def _page(meta: bytes | None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state[fs.UPLOAD_FILES_KEY] = [("olmo.zip", olmo_histories_zip())]
    if meta is not None:
        at.session_state[fm.RUNS_META_BYTES_KEY] = meta
        at.session_state[fm.RUNS_META_NAME_KEY] = "counts.csv"
    at.run()
    assert not at.exception, at.exception
    return at


def _notes(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown).replace("\\", "")


def test_uploaded_counts_fit_as_the_command_line_does(tmp_path: Path) -> None:
    meta = tmp_path / "counts.csv"
    meta.write_bytes(_counts_csv())
    at = _page(meta.read_bytes())
    metrics, where = _page_fit(at)
    cli = _cli_fit([str(HISTORIES), "--runs-meta", str(meta)], where)
    _compare(metrics, cli, " ".join(c.value for c in at.caption).replace("\\", ""))
    assert "from the size written in their names" not in _notes(at)
    # without the counts the page fits the nominal sizes, another law, and says so
    nominal = _page(None)
    assert "30 runs take their N from the size written in their names" in _notes(nominal)
    assert _page_fit(nominal)[0]["alpha"] != metrics["alpha"]


def test_a_per_run_table_that_cannot_be_read_is_named_and_left_out() -> None:
    at = _page(b"run,size\n190M-1xC,190354176\n")
    errors = [e.value.replace("\\", "") for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("counts.csv is not used")
    assert "unknown column 'size'" in errors[0]
    assert "30 runs take their N" in _notes(at)  # the fit goes on without it


def test_an_edited_cell_wins_over_the_uploaded_table() -> None:
    """The editor's change to one run's tokens replaces that cell; the file's params for that
    run and its other runs stay."""
    uploaded = pd.DataFrame({"run": ["a", "b"], "params": [1e8, 2e8], "tokens": [1e9, 2e9]})
    edits = pd.DataFrame({"run": ["b"], "params": [float("nan")], "tokens": [5e9]})
    merged = fm.merged_meta(uploaded, edits).set_index("run")
    assert merged.loc["a"].tolist() == [1e8, 1e9]
    assert merged.loc["b"].tolist() == [2e8, 5e9]
    assert fm.merged_meta(None, edits) is edits and fm.merged_meta(uploaded, None) is uploaded
